"""Groups for the roles that are given by permission; office administrators add people to them on the
People page. Created at every `migrate` (a post_migrate handler, `ensure_role_groups`) and by
`imon role-groups`; a restore replaces them with the archive's groups (imon.ops.backup.FURNITURE)."""

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
        former = Group.objects.filter(name=old).first()
        if former is None:
            continue
        current = Group.objects.filter(name=new).first()
        if current is None:
            Group.objects.filter(pk=former.pk).update(name=new)
        else:  # both exist (the new one made at migrate): the members move over, the old goes
            current.user_set.add(*former.user_set.all())
            former.delete()
    for name, perms in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *[
                Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1])
                for p in perms
            ]
        )
    return list(ROLE_GROUPS)


# The roles by the permission that defines them; code finds a group through these, never by its name.
OFFICE_PERMISSION = "steering.manage_steering"
REVIEWER_PERMISSION = "steering.approve_cycle"


def group_name(permission: str) -> str:
    """The name of the role group that gives `permission` (e.g. OFFICE_PERMISSION)."""
    return next(name for name, perms in ROLE_GROUPS.items() if permission in perms)


def ensure_role_groups(sender, using="default", apps=None, **kwargs) -> None:
    """post_migrate: the permissions of the role groups first (their apps may migrate after this one),
    then the groups, so that a new installation has them without a separate command."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for label in sorted({p.split(".")[0] for perms in ROLE_GROUPS.values() for p in perms}):
        create_permissions(
            global_apps.get_app_config(label), verbosity=0, using=using, apps=apps or global_apps
        )
    install_role_groups()


def install_role_groups() -> None:
    """Create what is missing of the role groups, written past the audit log's signals: the groups
    are furniture of every installation, not a person's change of roles, and an installation just
    migrated must stay empty (no audit events) for `imon restore`."""
    through = Group.permissions.through
    for name, perms in ROLE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        through.objects.bulk_create(
            [
                through(
                    group=group,
                    permission=Permission.objects.get(
                        content_type__app_label=p.split(".")[0], codename=p.split(".")[1]
                    ),
                )
                for p in perms
            ],
            ignore_conflicts=True,
        )
