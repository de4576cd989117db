import gc
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imon.portal.static_export import TargetError, export_site


class Command(BaseCommand):
    help = _(
        "Write the complete public portal (all languages, pages, downloads, API, catalogue) as static files."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help=_("target folder: empty, or a previous export (replaced)"))
        parser.add_argument(
            "--languages",
            default="",
            help=_("comma-separated language codes (default: all portal languages)"),
        )
        parser.add_argument(
            "--base-url",
            default="",
            help=_(
                "public address of the export, e.g. https://integration.example.de (for the catalogue and sitemap)"
            ),
        )

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        # The process ends now: moving every object to the permanent generation spares the
        # collector a last walk over the published snapshot at exit (half a second for 500,000
        # observations).
        gc.freeze()

    def handle(self, *args, **options):
        target = Path(options["dir"]).resolve()
        if target == Path.cwd() or target == Path("/") or (target / ".git").exists():
            raise CommandError(
                _("Refusing to replace %(path)s: choose an empty or export folder.") % {"path": target}
            )
        try:
            languages = [code.strip() for code in options["languages"].split(",") if code.strip()] or None
            stats = export_site(
                target,
                options["base_url"],
                progress=lambda text: self.stderr.write(text),
                languages=languages,
            )
        except TargetError as error:
            raise CommandError(str(error)) from None
        except ValueError:
            raise CommandError(
                _(
                    "Nothing has been published yet: freeze a snapshot (imon snapshot create) "
                    "and publish it (imon snapshot publish NUMBER)."
                )
            ) from None
        self.stdout.write(
            _(
                "Portal exported to %(path)s: %(files)d files, %(mb).1f MB, %(seconds).1f s; "
                "%(unchanged)d downloads unchanged since the previous export (kept, not written again)."
            )
            % {
                "path": target,
                "files": stats.files,
                "mb": stats.bytes / 1e6,
                "seconds": stats.seconds,
                "unchanged": stats.unchanged,
            }
        )
