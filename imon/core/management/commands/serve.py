import os

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Serve the application with the production WSGI server (waitress), static files included.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **options):
        serve(self.stdout, options["host"], options["port"], options["threads"])


def serve(out, host: str, port: int, threads: int = 8):
    import waitress

    from imon.wsgi import application

    out.write(_("Integrationsmonitor runs on http://%(host)s:%(port)s/ (stop with Ctrl+C).") % {"host": host, "port": port})
    out.flush()
    waitress.serve(
        application, host=host, port=port, threads=threads, ident="Integrationsmonitor", _quiet=not settings.DEBUG,
        # waitress accepts at most 100 connections by default; clients beyond wait unanswered in the backlog.
        connection_limit=1000, **proxy_options()
    )


def proxy_options() -> dict:
    """Behind a reverse proxy (IMON_TRUSTED_PROXY = its address): take the client's address and scheme from the
    proxy's X-Forwarded-For and X-Forwarded-Proto, so that audit log and login lock see the real client."""
    proxy = os.environ.get("IMON_TRUSTED_PROXY", "").strip()
    if not proxy:
        return {}
    return {
        "trusted_proxy": proxy, "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}, "clear_untrusted_proxy_headers": True,
    }
