import gc
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.reports import charts, render, snapshots


class Command(BaseCommand):
    help = _("Render the Umsetzungsbericht of a snapshot as DOCX, PDF, PPTX or HTML.")
    # Django's system checks load every URL and view (about 0.3 s); they belong to `imon check`
    # and `imon migrate`, and a report is rendered from a frozen snapshot, not from the settings.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--snapshot", default="latest", help=_("number of the snapshot, or 'latest' (default)")
        )
        parser.add_argument(
            "--format", required=True, choices=sorted(render.FORMATS), help=_("output format")
        )
        parser.add_argument(
            "--out", help=_("target file (default: a name from the snapshot in the current folder)")
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
            help=_("processes that draw the charts (default: one per processor core)"),
        )
        parser.add_argument(
            "--template", help=_("Word (.docx) or PowerPoint (.pptx) file whose styles and layouts are used")
        )

    def handle(self, *args, **options):
        # What is loaded by now (Django, the app modules) lives as long as the process: leave it out
        # of the garbage collector's rounds, which the thousands of objects of the charts set off.
        gc.freeze()
        fmt = options["format"]
        try:
            snapshot = snapshots.get(options["snapshot"])
        except snapshots.SnapshotError as error:
            raise CommandError(str(error)) from None
        template = options["template"]
        if template:
            if fmt not in ("docx", "pptx"):
                raise CommandError(_("A template can only be given for docx and pptx."))
            if not Path(template).is_file():
                raise CommandError(_("Template not found: %(path)s") % {"path": template})
        start = time.perf_counter()
        try:
            with (
                charts.helpers(options["jobs"] - 1),
                charts.stored(Path(settings.IMON_HOME) / "cache" / "charts"),
            ):
                content = render.render(snapshot, fmt, template)
        except Exception as error:  # a broken template is the usual cause
            if template:
                raise CommandError(
                    _("The template could not be used: %(error)s") % {"error": error}
                ) from None
            raise
        target = Path(options["out"] or render.filename(snapshot, fmt))
        # Write beside the target, then rename: never a half-written report.
        fd, tmp = tempfile.mkstemp(
            dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stdout.write(
            _("Report of snapshot %(number)d written to %(path)s (%(format)s, %(kb)d KB, %(seconds).1f s).")
            % {
                "number": snapshot.number,
                "path": target,
                "format": fmt.upper(),
                "kb": len(content) // 1024,
                "seconds": time.perf_counter() - start,
            }
        )
