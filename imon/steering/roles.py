"""Groups for the roles that are given by permission; administrators add people to them in the admin.
Created by `imon role-groups` (not at migrate, so that a new installation stays empty for a restore)."""

from django.contrib.auth.models import Group, Permission

ROLE_GROUPS = {
    "KI-Administration": [
        "steering.manage_steering",
        "steering.view_steering",
        "reports.view_snapshot",
        "reports.add_snapshot",
        "reports.publish_snapshot",
    ],
    "Controlling-Gruppe": [
        "steering.approve_cycle",
        "steering.view_steering",
        "reports.view_snapshot",
        "reports.publish_snapshot",
    ],
}


def create_role_groups() -> list[str]:
    """Create or complete the role groups; returns their names."""
    for name, perms in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1])
                for p in perms
            ]
        )
    return list(ROLE_GROUPS)
