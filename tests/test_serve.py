"""`imon demo` sets everything up and serves with waitress, static files included."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


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
        with opener.open(url, timeout=5) as response:
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
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read()) from None
            time.sleep(0.3)
    else:
        proc.kill()
        raise AssertionError("server did not start")
    yield base, tmp_path
    proc.terminate()
    proc.wait(timeout=10)


def test_demo_serves_german_pages_and_static_files(demo_server):
    base, home = demo_server
    assert (home / "imon.sqlite3").exists()
    status, headers, _ = fetch(base + "/")
    assert status == 302 and "/admin/login/" in headers["Location"]
    status, headers, page = fetch(base + "/admin/login/")
    assert status == 200 and "Anmelden" in page
    assert headers.get("Server") == "Integrationsmonitor"  # waitress, not Django's runserver
    status, headers, css = fetch(base + "/static/imon/staff.css")
    assert status == 200 and "skip-link" in css


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as stream:
        return {int(p) for p in stream.read().split()}


def test_serve_with_worker_processes_replaces_a_dead_one_and_stops_cleanly(tmp_path):
    import signal

    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    subprocess.run([sys.executable, "-m", "imon.cli", "migrate", "-v0"], env=env, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "imon.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while len(_children(proc.pid)) < 2 or fetch_or_none(base + "/healthz") is None:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(min(workers), signal.SIGKILL)  # a worker dies
        deadline = time.monotonic() + 10
        while len(_children(proc.pid) - workers) < 1 or len(_children(proc.pid)) < 2:
            assert time.monotonic() < deadline, "the dead worker was not replaced"
            time.sleep(0.1)
        for _ in range(10):  # whichever worker takes the connection, it answers
            assert fetch(base + "/healthz")[0] == 200
        workers |= _children(proc.pid)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
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
