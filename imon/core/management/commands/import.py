from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from imon.core import imports
from imon.core import models as m
from imon.core.importers import FORMATS, ImportFileError, folder, parse_bytes, read_bytes

# Exit codes of `imon import` (docs/data-import.md): 0 written or nothing to do, 1 the file has
# errors or cannot be read, 2 wrong usage, 3 database unavailable (imon.ops.faults), and:
EXIT_CONFLICTS = 4  # stored values differ from the file and --replace was not given; nothing written


# What an import created, by kind (ImportRecord.created)
CREATED_LABELS = {
    "indicators": gettext_lazy("indicators"),
    "dimensions": gettext_lazy("dimensions"),
    "values": gettext_lazy("dimension values"),
    "areas": gettext_lazy("areas"),
    "sources": gettext_lazy("sources"),
}


class Command(BaseCommand):
    help = _(
        "Import a statistics file (GENESIS flat file, own CSV/XLSX, Open SDG, SDMX-CSV, JSON), or roll an import back."
    )
    # Django's system checks (about 0.2 s) belong to `imon check` and `imon migrate`, not to every import.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="*",
            help=_(
                "file to import; several files or a folder (such as an Open SDG data folder) are one import"
            ),
        )
        parser.add_argument(
            "--create-indicators",
            action="store_true",
            help=_(
                "create indicators, dimensions and values the concept lacks from the Open SDG metadata (meta/*.yml)"
            ),
        )
        parser.add_argument("--format", default="auto", choices=("auto", *FORMATS))
        parser.add_argument(
            "--indicator", help=_("indicator key for files that do not name it (Open SDG, SDMX)")
        )
        parser.add_argument(
            "--source",
            metavar="KEY",
            help=_("source (key) of the rows that name none in a column 'source'"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check and show what would change; write nothing")
        )
        parser.add_argument(
            "--replace", action="store_true", help=_("also overwrite conflicting stored values")
        )
        parser.add_argument(
            "--rollback", type=int, metavar="ID", help=_("roll back the import with this number")
        )
        parser.add_argument("--list", action="store_true", help=_("list the imports"))

    def progress(self, message):
        self.stderr.write(message)
        self.stderr.flush()

    def handle(self, *args, **options):
        if options["list"]:
            return self.list_imports()
        if options["rollback"]:
            return self.rollback(options["rollback"])
        if not options["file"]:
            raise CommandError(_("Name a file to import, or use --rollback ID or --list."))
        paths = [Path(p) for p in options["file"]]
        if len(paths) == 1 and paths[0].is_file() and not options["create_indicators"]:
            path = paths[0]
            parsed, sha256 = self.read(path, options["format"], options["indicator"])
            plan = imports.plan_import(
                parsed, path.name, sha256, options["replace"], self.progress, options["source"] or ""
            )
            self.report(plan, path.name)
        else:
            plan = self.plan_files(paths, options)
            self.report(plan, "")
        name = plan.file_name
        if not plan.ok:
            if not options["create_indicators"]:
                self.hint_unknown(plan.parsed)
            raise CommandError(
                _("%(file)s: the file has errors; nothing was written.") % {"file": name}
                if plan.files is None
                else _("%(file)s: the files have errors; nothing was written.") % {"file": name}
            )
        if plan.conflicts and not options["replace"]:
            raise CommandError(
                ngettext(
                    "%(file)s: %(count)s row differs from the stored value (conflict); nothing was "
                    "written. Check it, or overwrite the stored value with --replace.",
                    "%(file)s: %(count)s rows differ from the stored values (conflicts); nothing was "
                    "written. Check them, or overwrite the stored values with --replace.",
                    len(plan.conflicts),
                )
                % {"file": name, "count": len(plan.conflicts)},
                returncode=EXIT_CONFLICTS,
            )
        if options["dry_run"]:
            return _("Dry run: nothing was written.")
        try:
            record = imports.apply_import(plan, progress=self.progress)
        except imports.StalePlanError as exc:
            raise CommandError(f"{name}: {exc}") from None
        if record is None:
            return _("Nothing to do: the database already holds these values.")
        return _("Import #%(id)s written: %(new)s new, %(changed)s changed rows.") % {
            "id": record.pk,
            "new": record.rows_new,
            "changed": record.rows_changed,
        }

    def plan_files(self, paths: list[Path], options) -> imports.Plan:
        """The plan of several files, or of the files of a folder, as one import."""
        try:
            found = folder.find_files(paths)
        except ImportFileError as exc:
            raise CommandError(f"{exc} " + _("Nothing was written.")) from None
        root = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
        for skipped, why in found.skipped:
            self.progress(
                _("Skipped %(file)s: %(why)s.") % {"file": folder.display_name(skipped, root), "why": why}
            )
        try:
            parsed, files = folder.read_files(
                found, options["format"], options["create_indicators"], root, self.progress
            )
        except ImportFileError as exc:
            raise CommandError(f"{exc} " + _("Nothing was written.")) from None
        name = f"{root.resolve().name}/" if root is not None else ", ".join(files.names)[:500]
        return imports.plan_import(
            parsed,
            name,
            files.digest(),
            options["replace"],
            self.progress,
            options["source"] or "",
            files=files,
        )

    def hint_unknown(self, parsed):
        """Name the unknown indicators that --create-indicators would create from their metadata."""
        known = set(m.Indicator.objects.filter(key__in=list(parsed.described)).values_list("key", flat=True))
        if unknown := sorted(parsed.described - known):
            self.stderr.write(
                ngettext(
                    "%(count)s indicator is unknown to the concept (%(keys)s); --create-indicators "
                    "creates it from its metadata file.",
                    "%(count)s indicators are unknown to the concept (%(keys)s); --create-indicators "
                    "creates them from their metadata files.",
                    len(unknown),
                )
                % {
                    "count": len(unknown),
                    "keys": ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else ""),
                }
            )

    def list_imports(self):
        for record in m.ImportRecord.objects.all()[:100]:
            self.stdout.write(
                f"#{record.pk}  {record.created_at:%d.%m.%Y %H:%M}  {record.get_status_display():14}  "
                f"{record.file_name}  +{record.rows_new} ~{record.rows_changed}"
                + "".join(
                    f"  +{len(keys)} {CREATED_LABELS.get(kind, kind)}"
                    for kind, keys in record.created.items()
                )
            )

    def rollback(self, number: int) -> str:
        record = m.ImportRecord.objects.filter(pk=number).first()
        if record is None:
            raise CommandError(_("There is no import number %(id)s.") % {"id": number})
        try:
            kept = imports.rollback_import(record)
        except imports.RollbackError as exc:
            raise CommandError(str(exc)) from None
        for kind, keys in kept.items():
            self.stderr.write(
                _("Kept %(kind)s the import created, as they are in use now: %(keys)s")
                % {"kind": CREATED_LABELS.get(kind, kind), "keys": ", ".join(keys)}
            )
        return _("Import #%(id)s (%(file)s) rolled back.") % {"id": record.pk, "file": record.file_name}

    def read(self, path: Path, fmt: str, indicator: str | None):
        """(parsed file, its SHA-256); a file that cannot be read is a CommandError."""
        self.progress(_("Reading %(file)s …") % {"file": path.name})
        try:
            data = read_bytes(path)
        except ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc} " + _("Nothing was written.")) from None
        # The file's checksum is computed beside the reading: hashlib lets go of the interpreter lock.
        with ThreadPoolExecutor(max_workers=1) as pool:
            sha256 = pool.submit(imports.sha256_of, data)
            try:
                parsed = parse_bytes(data, path.name, fmt, indicator)
            except ImportFileError as exc:
                raise CommandError(f"{path.name}: {exc} " + _("Nothing was written.")) from None
            return parsed, sha256.result()

    def report(self, plan, name: str):
        """The first 200 errors and warnings, and the plan's summary; `name` is the file's, where
        the problems do not name theirs."""
        prefix = f"{name}: " if name else ""
        for problem in plan.errors[:200]:
            self.stderr.write(f"{prefix}{problem}")
        if len(plan.errors) > 200:
            self.stderr.write(_("… and %(count)s more errors.") % {"count": len(plan.errors) - 200})
        for problem in plan.warnings[:200]:
            self.stderr.write(prefix + _("Warning") + f": {problem}")
        self.stdout.write(plan.summary())
        self.stdout.write(plan.accounting())
        if creation := plan.creation():
            self.stdout.write(creation)
