"""`imon demo` sets everything up and serves with waitress, static files included; `imon serve` with several
workers runs gunicorn, which replaces a dead worker and, on SIGHUP, all workers without a failed request."""

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from tests.waiting import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def demo_server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "imon.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: accepts(port), "server did not start", process=proc)
    except AssertionError:
        proc.kill()
        raise AssertionError(proc.communicate()[0]) from None
    yield base, tmp_path
    proc.terminate()
    proc.wait(timeout=10)


def test_demo_serves_german_pages_and_static_files(demo_server):
    base, home = demo_server
    assert (home / "imon.sqlite3").exists()
    status, headers, _ = fetch(base + "/")
    assert status == 302 and headers["Location"].startswith("/anmelden/")  # the staff login page
    status, headers, page = fetch(base + "/admin/login/")
    assert status == 200 and "Anmelden" in page
    assert headers.get("Server") == "Integrationsmonitor"  # waitress, not Django's runserver
    status, headers, css = fetch(base + "/static/imon/staff.css")
    assert status == 200 and "skip-link" in css


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return True
    except OSError:
        return False


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as stream:
        return {int(p) for p in stream.read().split()}


def start_server(tmp_path, *args, **popen):
    """`imon serve --workers 2` on a free port of a migrated installation in tmp_path, once both workers are up
    and it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "imon.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "imon.cli", "serve", "--port", str(port), "--workers", "2", *args],
        env=env,
        text=True,
        **popen,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: len(_children(proc.pid)) == 2 and fetch_or_none(base + "/healthz") is not None,
        "server did not start",
        process=proc,
    )
    return proc, base


def test_serve_with_worker_processes_replaces_a_dead_one_and_stops_cleanly(tmp_path):
    proc, base = start_server(tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(min(workers), signal.SIGKILL)  # a worker dies
        wait_until(
            lambda: len(_children(proc.pid) - workers) >= 1 and len(_children(proc.pid)) >= 2,
            "the dead worker was not replaced",
            process=proc,
        )
        for _ in range(10):  # whichever worker takes the connection, it answers
            assert fetch(base + "/healthz")[0] == 200
        workers |= _children(proc.pid)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0
    assert "Ein Serverprozess wurde unerwartet beendet" in output
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def fetch_or_none(url):
    try:
        return fetch(url)
    except OSError:
        return None


def test_sighup_replaces_the_workers_without_a_failed_request(tmp_path):
    """A graceful reload (systemctl reload): new workers start, the old ones finish their requests and end, and
    clients sending requests all the while see no error."""
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc, base = start_server(tmp_path / "home", stdout=out, stderr=subprocess.STDOUT)
    results, stop = [], threading.Event()

    def client():
        while not stop.is_set():
            try:
                status = fetch(base + "/healthz")[0]
            except OSError as error:
                status = repr(error)
            results.append(status)

    sender = threading.Thread(target=client)
    try:
        old_workers = _children(proc.pid)
        sender.start()
        wait_until(lambda: len(results) >= 20, "requests before the reload", process=proc)
        os.kill(proc.pid, signal.SIGHUP)
        new_workers = wait_until(
            lambda: (now := _children(proc.pid)) and len(now) == 2 and not now & old_workers and now,
            "the workers were not replaced",
            process=proc,
        )
        after_reload = len(results)
        wait_until(lambda: len(results) >= after_reload + 20, "requests after the reload", process=proc)
    finally:
        stop.set()
        if sender.is_alive():
            sender.join()
        proc.terminate()
        proc.wait(timeout=120)
    failed = [status for status in results if status != 200]
    assert failed == [], f"{len(failed)} of {len(results)} requests failed: {failed[:5]}"
    assert proc.returncode == 0
    assert len(new_workers) == 2 and not new_workers & old_workers
    for pid in old_workers:  # the old workers have ended
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    output = log.read_text()
    assert "unerwartet beendet" not in output  # a reload is not a crash
    assert '"GET /healthz HTTP/1.1" 200 ' in output  # the access log, common log format, on standard output


def test_serve_with_one_worker_uses_one_process(tmp_path):
    """--workers 1 (and Windows): waitress in the process itself, as for the demo."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "imon.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "imon.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        status, headers, _ = wait_until(
            lambda: fetch_or_none(f"http://127.0.0.1:{port}/healthz"), "server did not start", process=proc
        )
        assert status == 200 and headers.get("Server") == "Integrationsmonitor"
        assert _children(proc.pid) == set()
    finally:
        proc.terminate()
        proc.wait(timeout=120)
