"""Serving the application: gunicorn in production, waitress in one process for the laptop demo and Windows.

With more than one worker (the default on a machine with several cores), `imon serve` runs gunicorn with imon's
WSGI application: a master process that forks the workers, replaces one that dies and, on SIGHUP, starts new
workers and lets the old ones finish their requests (a graceful reload). With one worker, or where processes
cannot be forked (Windows), waitress serves in this process, as `imon demo` does. Static files come from
WhiteNoise either way; behind a reverse proxy, IMON_TRUSTED_PROXY gives both servers the same treatment of
X-Forwarded-For and X-Forwarded-Proto (waitress's own proxy-header code)."""

import os
import sys

from django.conf import settings
from django.utils.translation import gettext as _

SERVER_NAME = "Integrationsmonitor"


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def default_workers() -> int:
    """One server process per core (at most 4); one where processes cannot be forked (Windows)."""
    return min(os.cpu_count() or 1, 4) if can_fork() else 1


def serve(out, host: str, port: int, threads: int = 8, workers: int | None = None, access_log: str = "-"):
    """Serve until stopped: gunicorn with `workers` processes, or waitress in this process for one."""
    from imon.wsgi import application

    workers = default_workers() if workers is None else max(1, workers)
    out.write(
        _("Integrationsmonitor runs on http://%(host)s:%(port)s/ (stop with Ctrl+C).")
        % {"host": host, "port": port}
    )
    out.flush()
    if workers == 1 or not can_fork():
        serve_waitress(application, host, port, threads)
    else:
        from .gunicorn_server import GunicornServer  # gunicorn is not installed on Windows

        GunicornServer(with_proxy_headers(application), out, host, port, workers, threads, access_log).run()


def serve_waitress(application, host: str, port: int, threads: int):
    import waitress

    waitress.serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident=SERVER_NAME,
        _quiet=not settings.DEBUG,
        # waitress accepts at most 100 connections by default; clients beyond wait unanswered in the backlog.
        connection_limit=1000,
        backlog=1024,
        **proxy_options(),
    )


def proxy_options() -> dict:
    """Behind a reverse proxy (IMON_TRUSTED_PROXY = its address): take the client's address and scheme from the
    proxy's X-Forwarded-For and X-Forwarded-Proto, so that audit log and login lock see the real client."""
    proxy = os.environ.get("IMON_TRUSTED_PROXY", "").strip()
    if not proxy:
        return {}
    return {
        "trusted_proxy": proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


def with_proxy_headers(application):
    """The application behind waitress's treatment of proxy headers, with the same options as waitress gets:
    headers of a trusted proxy are applied, X-Forwarded-* of anybody else removed."""
    from waitress.proxy_headers import proxy_headers_middleware

    options = proxy_options()
    return proxy_headers_middleware(
        application,
        trusted_proxy=options.get("trusted_proxy"),
        trusted_proxy_count=options.get("trusted_proxy_count", 1),
        trusted_proxy_headers=options.get("trusted_proxy_headers"),
        clear_untrusted=True,
    )
