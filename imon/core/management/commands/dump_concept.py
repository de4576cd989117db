import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.core import conceptfile
from imon.core.models import Concept


class Command(BaseCommand):
    help = _("Write the concept and all its data to a YAML concept file ('-' for standard output).")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("target file, or - for standard output"))
        parser.add_argument("--concept", help=_("key of the concept (needed when there are several)"))

    def handle(self, *args, **options):
        query = Concept.objects.select_related("municipality")
        if options["concept"]:
            query = query.filter(key=options["concept"])
        concepts = list(query[:2])
        if not concepts:
            raise CommandError(_("No concept found. Load one with 'imon load-concept FILE'."))
        if len(concepts) > 1:
            raise CommandError(_("There are several concepts; choose one with --concept KEY."))
        concept = concepts[0]
        if options["file"] == "-":
            conceptfile.dump_text(concept, sys.stdout)
            return None
        target = Path(options["file"])
        # Write to a temporary file beside the target, then rename: never a half-written file.
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                conceptfile.dump_text(concept, stream)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return _("Concept '%(key)s' written to %(file)s.") % {"key": concept.key, "file": target}
