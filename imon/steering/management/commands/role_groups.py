"""Create the groups for the steering roles (administration, approval of reporting cycles)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from imon.steering.roles import create_role_groups


class Command(BaseCommand):
    help = (
        "Create the groups 'Administration der Steuerung' and 'Freigabe der Berichtsrunden' with their "
        "permissions (idempotent)."
    )

    def handle(self, *args, **options):
        names = create_role_groups()
        self.stdout.write(_("Groups created or completed: %(names)s.") % {"names": ", ".join(names)})
