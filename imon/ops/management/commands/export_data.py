import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon import publication
from imon.core import exports
from imon.ops.audit import record
from imon.reports import snapshots


class Command(BaseCommand):
    help = _("Export observations in the long format (one row per observation).")

    def add_arguments(self, parser):
        parser.add_argument("out", help=_("target file, or - for standard output"))
        parser.add_argument("--indicator", help=_("only this indicator (key)"))
        parser.add_argument("--area", help=_("only this area (key or AGS)"))
        parser.add_argument(
            "--format",
            default=None,
            choices=exports.FORMATS,
            help=_("default: from the file extension, else csv"),
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help=_("the public release: its observations as published (statistical confidentiality applied)"),
        )

    def handle(self, *args, **options):
        out = options["out"]
        fmt = options["format"] or {".xlsx": "xlsx", ".json": "json"}.get(Path(out).suffix.lower(), "csv")
        if options["public"]:
            release = snapshots.published()
            if release is None:
                raise CommandError(
                    _(
                        "Nothing has been published yet: freeze a snapshot (imon snapshot create) "
                        "and publish it (imon snapshot publish NUMBER)."
                    )
                )
            header, rows = publication.public_table(release.data, options["indicator"], options["area"])
        else:
            header, rows = exports.table(exports.observations(options["indicator"], options["area"]))
        if not rows and (options["indicator"] or options["area"]):
            raise CommandError(_("No observations match the filter."))
        if not options["public"]:
            record(
                "export",
                path="imon export-data",
                detail=f"{out} ({fmt}): {len(rows)} observations, not public",
            )
        if out == "-":
            exports.write(sys.stdout.buffer, fmt, header, rows)
            return None
        target = Path(out)
        fd, tmp = tempfile.mkstemp(
            dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as stream:
                exports.write(stream, fmt, header, rows)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return _("%(count)s observations written to %(file)s.") % {"count": len(rows), "file": target}
