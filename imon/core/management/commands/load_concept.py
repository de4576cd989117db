from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.core import conceptfile
from imon.core.numbers import format_number


def _shown(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float, Decimal)):
        return format_number(Decimal(str(value)))
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "…"


class Command(BaseCommand):
    help = _(
        "Validate a concept file and load it atomically, updating records by key: fields the file "
        "leaves out stay as stored, fields written empty are cleared."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("YAML concept file"))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("write nothing; list every record and field that would change (old → new)"),
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help=_("delete the stored records the file does not list (measures, goals, bodies, …)"),
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("The file %(path)s does not exist.") % {"path": path})
        try:
            with path.open("rb") as stream:
                stats = conceptfile.load_text(stream, dry_run=options["dry_run"], prune=options["prune"])
        except conceptfile.ConceptFileError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                _("%(file)s: %(count)s problem(s) found; nothing was written.")
                % {"file": path, "count": len(exc.problems)}
            ) from None
        for warning in stats.warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        if options["dry_run"] or options["verbosity"] >= 2:
            self.write_changes(stats)
        if stats.unlisted and not options["prune"]:
            by_section: dict[str, list] = {}
            for section, key in stats.unlisted:
                by_section.setdefault(section, []).append(key)
            self.stdout.write(
                _("%(count)d stored record(s) are not in the file and stay (--prune deletes them):")
                % {"count": len(stats.unlisted)}
            )
            for section, keys in by_section.items():
                shown = ", ".join(keys[:8]) + (" …" if len(keys) > 8 else "")
                self.stdout.write(f"    {section} ({len(keys)}): {shown}")
        if options["dry_run"]:
            return _("Dry run of %(file)s: %(stats)s; nothing was written.") % {"file": path, "stats": stats}
        return _("Concept loaded from %(file)s: %(stats)s.") % {"file": path, "stats": stats}

    def write_changes(self, stats):
        labels = {"created": _("new"), "updated": _("changed"), "deleted": _("deleted")}
        for change in stats.changes:
            self.stdout.write(f"{labels[change.action]}: {change.path} ({change.key})")
            for name, old, new in change.fields:
                self.stdout.write(f"    {name}: {_shown(old)} → {_shown(new)}")
