"""When the database cannot be reached: a German 503 page without technical details, a German message and a
non-zero exit code on the command line, and recovery without restart when the database is back."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.test import Client

from tests.waiting import wait_until

ON_POSTGRES = os.environ.get("IMON_DATABASE_URL", "").startswith("postgres")


def imon(*args, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_") or k == "IMON_HOME"}
    env["IMON_DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "imon.cli", *args], env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql://postgres@127.0.0.1:1/imon",  # nothing listens on port 1
        "sqlite:////nicht/vorhanden/imon.sqlite3",
    ],
)
@pytest.mark.parametrize(
    "command", [["dump-concept", "-"], ["migrate"], ["backup", "/tmp/imon-unreachable.zip"]]
)
def test_the_command_line_says_so_in_german_and_exits_non_zero(database_url, command):
    result = imon(*command, database_url=database_url)
    assert result.returncode == 3
    assert "Die Datenbank ist nicht erreichbar" in result.stderr and "IMON_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


class Outage:
    """Makes every new cursor fail as if the database server had gone away, and brings it back."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch

    @staticmethod
    def fail(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection unexpectedly")

    def down(self):
        self.monkeypatch.setattr(connection, "create_cursor", self.fail)

    def up(self):
        self.monkeypatch.undo()


@pytest.fixture
def outage(monkeypatch):
    return Outage(monkeypatch)


def test_pages_answer_503_in_german_and_recover_without_restart(ki_admin, outage):
    client = Client(raise_request_exception=False)
    client.force_login(ki_admin)
    outage.down()
    down = client.get("/")
    page = down.content.decode()
    assert down.status_code == 503 and down["Retry-After"] == "30"
    assert "Vorübergehend nicht erreichbar" in page and "Datenbank" in page
    assert "Traceback" not in page and "OperationalError" not in page and "server closed" not in page
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["database"] == "unreachable"
    outage.up()
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_other_server_errors_still_give_the_500_page(ki_admin, monkeypatch):
    from imon.core import views

    def broken(request):
        raise ValueError("a bug")

    monkeypatch.setattr(views.m.Measure.objects, "count", broken)
    client = Client(raise_request_exception=False)
    client.force_login(ki_admin)
    response = client.get("/")
    assert response.status_code == 500 and "Serverfehler" in response.content.decode()


class Proxy:
    """A TCP relay to the database server that can be cut and restored, as a failing network or server would."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections, self.running = [], False

    def start(self):
        if self.listener is None:
            self.listener = socket.socket()
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen()
        self.running = True
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while self.running:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.connections += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def stop(self):
        self.running = False
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread waiting in accept()
        self.listener.close()
        self.listener = None
        for sock in self.connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            except OSError:
                pass
        self.connections = []


def fetch(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def answers(url) -> bool:
    try:
        return fetch(url)[0] == 200
    except OSError:
        return False


@pytest.mark.skipif(not ON_POSTGRES, reason="runs against a PostgreSQL server")
@pytest.mark.django_db(transaction=True)
def test_imon_serve_survives_a_database_outage(tmp_path):
    settings = connection.settings_dict
    proxy = Proxy((settings["HOST"], int(settings["PORT"])))
    proxy.start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env.update(
        IMON_HOME=str(tmp_path),
        IMON_DATABASE_URL=f"postgresql://{settings['USER']}@127.0.0.1:{proxy.port}/{settings['NAME']}",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "imon.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    session = "sessionid=" + "k" * 32  # a well-formed session key: looked up in the database
    try:
        wait_until(lambda: answers(f"{base}/healthz"), "server did not start", process=server)
        assert fetch(f"{base}/healthz")[0] == 200
        # A staff page with a session cookie needs the database (the session is stored there).
        assert fetch(f"{base}/", cookie=session)[0] == 302
        proxy.stop()
        status, page = fetch(f"{base}/", cookie=session)
        assert status == 503 and "Vorübergehend nicht erreichbar" in page and "Traceback" not in page
        assert fetch(f"{base}/healthz")[0] == 503
        proxy.start()
        assert fetch(f"{base}/healthz")[0] == 200
        assert fetch(f"{base}/", cookie=session)[0] == 302
        assert server.poll() is None  # the same server process all along
    finally:
        server.terminate()
        server.wait(timeout=120)
        proxy.stop() if proxy.listener else None


def test_a_database_of_an_earlier_version_asks_for_migrate(tmp_path):
    """After an update the database lacks a new column until `imon migrate` runs: the command says
    that, not that the database cannot be reached."""
    url = f"sqlite:///{tmp_path / 'imon.sqlite3'}"
    assert imon("migrate", database_url=url).returncode == 0
    # back to before the goal's target precision came (as if the program had just been updated)
    assert imon("migrate", "core", "0019_vocabulary", database_url=url).returncode == 0
    concept = tmp_path / "konzept.yaml"
    concept.write_text(
        "format_version: 1\n"
        "municipality: {key: m, name: Stadt M, ags: '09999000'}\n"
        "concept: {key: k, title: Konzept}\n"
        "fields_of_action: [{code: '1', title: Sprache}]\n"
        "goals: [{key: z1, field_of_action: '1', title: Ziel, target_date: 2026}]\n",
        encoding="utf-8",
    )
    result = imon("load-concept", str(concept), database_url=url)
    assert result.returncode == 3
    assert "imon migrate" in result.stderr and "nicht erreichbar" not in result.stderr
    assert "Traceback" not in result.stderr
