import contextlib
import os
import signal
import socket
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


def default_workers() -> int:
    """One server process per core (at most 4); one where processes cannot be forked (Windows)."""
    return min(os.cpu_count() or 1, 4) if hasattr(os, "fork") else 1


class Command(BaseCommand):
    help = _("Serve the application with the production WSGI server (waitress), static files included.")

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

    def handle(self, *args, **options):
        serve(self.stdout, options["host"], options["port"], options["threads"], options["workers"])


def serve(out, host: str, port: int, threads: int = 8, workers: int | None = None):
    import waitress

    from imon.wsgi import application

    workers = default_workers() if workers is None else max(1, workers)
    options = dict(
        threads=threads,
        ident="Integrationsmonitor",
        _quiet=not settings.DEBUG,
        # waitress accepts at most 100 connections by default; clients beyond wait unanswered in the backlog.
        connection_limit=1000,
        backlog=1024,
        **proxy_options(),
    )
    out.write(
        _("Integrationsmonitor runs on http://%(host)s:%(port)s/ (stop with Ctrl+C).")
        % {"host": host, "port": port}
    )
    out.flush()
    if workers == 1:
        waitress.serve(application, host=host, port=port, **options)
    else:
        serve_forked(application, host, port, workers, options, out)


def serve_forked(application, host: str, port: int, workers: int, options: dict, out):
    """Python runs one thread at a time per process: for more than one core, `workers` processes
    serve the same listening socket (the kernel hands each new connection to one of them). This
    process only watches them: a worker that dies is replaced, SIGTERM or Ctrl+C stops all."""
    import waitress
    from django.db import connections

    listener = socket.create_server((host, port), backlog=options["backlog"])
    connections.close_all()  # each worker opens its own database connection
    children: set[int] = set()
    stopping = False

    def start_worker():
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                waitress.serve(application, sockets=[listener], **options)
            except BaseException:  # noqa: BLE001 - reported by the parent as an unexpected end
                code = 1
            finally:
                os._exit(code)
        children.add(pid)

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        for _n in range(workers):
            start_worker()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            children.discard(pid)
            if not stopping:
                out.write(
                    _("A server process ended unexpectedly (status %(status)s); it is replaced.")
                    % {"status": status}
                )
                out.flush()
                time.sleep(0.5)  # no busy loop if workers die at once
                if not stopping:
                    start_worker()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        listener.close()


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
