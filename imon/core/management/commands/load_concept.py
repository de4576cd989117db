from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.core import conceptfile


class Command(BaseCommand):
    help = _("Validate a concept file and load it atomically, updating records by key.")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("YAML concept file"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
        try:
            with path.open("rb") as stream:
                stats = conceptfile.load_text(stream)
        except conceptfile.ConceptFileError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(file)s: %(count)s problem(s) found; nothing was written.")
                % {"file": path, "count": len(exc.problems)}
            ) from None
        return _("Concept loaded from %(file)s: %(stats)s.") % {"file": path, "stats": stats}
