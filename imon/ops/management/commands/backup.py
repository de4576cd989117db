import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.ops import audit, backup


class Command(BaseCommand):
    help = _(
        "Write a consistent backup of the whole installation (database and uploads) to one archive file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("archive file to write, e.g. imon-2026-01-31.zip"))

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            manifest = backup.write_archive(
                options["file"], progress=self.progress if options["verbosity"] > 1 else None
            )
        except (OSError, backup.BackupError) as error:
            raise CommandError(_("The backup could not be written: %(error)s") % {"error": error}) from None
        rows = sum(table["rows"] for table in manifest["tables"])
        audit.record(
            "backup",
            path="imon backup",
            detail=f"{options['file']}: {rows} rows, {len(manifest['media'])} files",
        )
        return _(
            "Backup written to %(file)s: %(rows)s rows in %(tables)s tables, %(files)s files, %(seconds).1f s."
        ) % {
            "file": options["file"],
            "rows": rows,
            "tables": len(manifest["tables"]),
            "files": len(manifest["media"]),
            "seconds": time.monotonic() - started,
        }

    def progress(self, label, count):
        self.stderr.write(f"{label}: {count}")
