from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from imon.ops.serving import default_workers, serve

__all__ = ["Command", "serve"]


class Command(BaseCommand):
    help = _(
        "Serve the application, static files included: gunicorn with several worker processes (SIGHUP replaces "
        "them gracefully), or waitress in one process (--workers 1, and on Windows)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help=_("threads per server process"))
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help=_("server processes sharing the port (default: one per core, at most 4)"),
        )
        parser.add_argument(
            "--access-log",
            default="-",
            metavar=_("FILE"),
            help=_(
                "access log in the common log format: a file, '-' for standard output (the default), '' for none; "
                "with more than one worker"
            ),
        )

    def handle(self, *args, **options):
        serve(
            self.stdout,
            options["host"],
            options["port"],
            options["threads"],
            options["workers"],
            options["access_log"],
        )
