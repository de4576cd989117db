"""gunicorn run from `imon serve`: imon's WSGI application, the options below, no configuration file of its own.

Signals to the master (the process `imon serve` started): HUP starts new workers and stops the old ones after their
requests (a graceful reload; log files are reopened), TERM or INT stop, TTIN/TTOU add or remove a worker."""

import signal

from django.db import connections
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

# Apache's common log format: client, identity, user, time, request line, status, bytes ("-" for none).
COMMON_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s'
# Seconds. A worker whose main loop is silent this long is replaced (its threads run the requests, so a long
# import or PDF report does not count); on a reload or stop, workers get GRACEFUL_TIMEOUT to finish their
# requests; an idle keep-alive connection is closed after KEEPALIVE.
WORKER_TIMEOUT = 60
GRACEFUL_TIMEOUT = 60
KEEPALIVE = 5
# Signals with which the master ends a worker itself.
ENDING = {signal.SIGTERM, signal.SIGQUIT, signal.SIGKILL, signal.SIGABRT}


def gunicorn_options(host: str, port: int, workers: int, threads: int, access_log: str) -> dict:
    return {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": KEEPALIVE,
        "backlog": 1024,
        "accesslog": access_log or None,
        "access_log_format": COMMON_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "imon",
        # Proxy headers are handled by serving.with_proxy_headers() alone, as under waitress; never by gunicorn.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        # No control socket: gunicorn would create it in the user's home folder, one for all installations.
        "control_socket_disable": True,
    }


class GunicornServer(BaseApplication):
    def __init__(self, application, out, host, port, workers, threads, access_log):
        """`application`: the WSGI application as it is to be served (proxy headers handled already)."""
        self.application, self.out = application, out
        self.options = gunicorn_options(host, port, workers, threads, access_log)
        super().__init__(prog="imon serve")

    def load_config(self):
        for name, value in self.options.items():
            self.cfg.set(name, value)
        self.cfg.set("child_exit", self.child_exit)

    def load(self):
        return self.application

    def run(self):
        connections.close_all()  # each worker opens its own database connections
        Master(self).run()

    def child_exit(self, master, worker):
        """A worker ended that the master did not stop (it crashed, or was killed): say so; it is replaced."""
        if worker.pid in master.stopped:
            master.stopped.discard(worker.pid)
            return
        self.out.write(
            _("A server process ended unexpectedly (process %(pid)s); it is replaced.") % {"pid": worker.pid}
        )
        self.out.flush()


class Master(Arbiter):
    """gunicorn's master process, remembering the workers it ends itself (reload, fewer workers, shutdown,
    timeout), so that only the other ends are reported."""

    def __init__(self, app):
        self.stopped = set()
        super().__init__(app)

    def kill_worker(self, pid, sig):
        if sig in ENDING:
            self.stopped.add(pid)
        super().kill_worker(pid, sig)
