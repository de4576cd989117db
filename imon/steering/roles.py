"""Groups for the roles that are given by permission; administrators add people to them in the admin.
Created by `imon role-groups` (not at migrate, so that a new installation stays empty for a restore)."""

from django.contrib.auth.models import Group, Permission

ROLE_GROUPS = {
    "Administration der Steuerung": [
        "steering.manage_steering",
        "steering.view_steering",
        "reports.view_snapshot",
        "reports.add_snapshot",
        "reports.publish_snapshot",
    ],
    "Freigabe der Berichtsrunden": [
        "steering.approve_cycle",
        "steering.view_steering",
        "reports.view_snapshot",
        "reports.publish_snapshot",
    ],
}


# Earlier names of the groups (one city's words), renamed with their members where found (e.g. in
# a restored backup). Migration steering 0004 does the same once.
FORMER_NAMES = {
    "KI-Administration": "Administration der Steuerung",
    "Controlling-Gruppe": "Freigabe der Berichtsrunden",
}


def create_role_groups() -> list[str]:
    """Create or complete the role groups; returns their names."""
    for old, new in FORMER_NAMES.items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    for name, perms in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1])
                for p in perms
            ]
        )
    return list(ROLE_GROUPS)
