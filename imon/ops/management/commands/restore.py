import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.ops import audit, backup


class Command(BaseCommand):
    help = _(
        "Restore a backup archive into this new, empty installation (a new database is migrated first); all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("archive file written by 'imon backup'"))

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            manifest = backup.restore_archive(
                options["file"],
                progress=self.progress if options["verbosity"] > 1 else None,
                announce=self.announce,
            )
        except backup.BackupError as error:
            raise CommandError(_("Nothing was restored. %(reason)s") % {"reason": error}) from None
        except OSError as error:
            raise CommandError(
                _("Nothing was restored. %(reason)s") % {"reason": error.strerror or error}
            ) from None
        rows = sum(table["rows"] for table in manifest["tables"])
        audit.record(
            "restore",
            path="imon restore",
            detail=f"{options['file']}: {rows} rows, {len(manifest['media'])} files, made {manifest['created_at']} on {manifest['database']}",
        )
        return _(
            "Restored from %(file)s: %(rows)s rows in %(tables)s tables, %(files)s files, %(seconds).1f s."
        ) % {
            "file": options["file"],
            "rows": rows,
            "tables": len(manifest["tables"]),
            "files": len(manifest["media"]),
            "seconds": time.monotonic() - started,
        }

    def announce(self, message):
        self.stdout.write(message)
        self.stdout.flush()

    def progress(self, label, count):
        self.stderr.write(f"{label}: {count}")
