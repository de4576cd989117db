"""Mixed-workload load test against `imon serve` on PostgreSQL (issue 8).

    .venv/bin/python bench/run_load.py [--clients 100] [--seconds 60] [--staff 20]

Sets up the Leverkusen demo in a fresh PostgreSQL database, starts `imon serve`, then runs
`--clients` concurrent clients for `--seconds`:
  * public clients (all but the staff ones) fetch portal pages and API resources in turn;
  * staff clients log in through /anmelden/ (each with its own account) and edit measures:
    open the steering form, write a unique token into "results", save; a save that another
    person's save overtook is refused by the optimistic lock and retried with a fresh form;
  * one client runs `imon import` of a statistics file during the run.
Afterwards every acknowledged edit (a save answered by the redirect to the measure page) must
be in the database: its token in the history of changes. Prints requests, errors, lost edits,
refused (overtaken) saves and p50/p95/p99 latency per kind. Target: zero errors, zero lost edits.
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run import PostgresDatabase  # noqa: E402

IMON = [sys.executable, "-m", "imon.cli"]
PUBLIC = [
    "/portal/de/",
    "/portal/ar/",
    "/portal/de/handlungsfelder/h/",
    "/portal/de/massnahmen/c1/",
    "/portal/de/kennzahlen/",
    "/portal/de/kennzahlen/wohnungssuchende-haushalte/",
    "/portal/de/anlaufstellen/",
    "/portal/de/anlaufstellen/?handlungsfeld=H",
    "/api/v1/measures.json",
    "/api/v1/indicators.json",
    "/api/v1/observations.json?indicator=gefluechtete",
    "/api/v1/catalog.jsonld",
]
MEASURES = ["C1", "D1", "D2", "D3", "D4", "H1", "H2", "H3", "H4"]
PASSWORD = "last-test-passwort-7"


class Form(HTMLParser):
    """The fields of the first form with method=post: {name: value}."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._textarea, self._select, self.done = {}, False, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and a.get("method", "").lower() == "post"
            and not self.done
            and "logout" not in a.get("action", "")
        ):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name")
            self.fields.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._in_form:
            self._in_form, self.done = False, True

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


class Client:
    def __init__(self, port):
        self.port, self.cookies = port, {}
        self.connection = HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body=None):
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost{path}"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (ConnectionError, OSError):
                if attempt:
                    raise
                self.connection = HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )  # the server closed a kept-alive connection
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, data.decode("utf-8", "replace")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency, self.errors, self.acknowledged, self.refused = {}, [], [], 0

    def record(self, kind, seconds, ok, what=""):
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors.append(f"{kind}: {what}")


def timed(stats, kind, client, method, path, body=None, expect=(200,)):
    start = time.perf_counter()
    try:
        status, headers, text = client.request(method, path, body)
    except Exception as exc:  # noqa: BLE001 - a load test counts every failure
        stats.record(kind, time.perf_counter() - start, False, f"{path}: {exc!r}")
        return None, None, ""
    stats.record(kind, time.perf_counter() - start, status in expect, f"{path}: {status}")
    return status, headers, text


def public_client(port, stats, stop):
    client = Client(port)
    while not stop.is_set():
        timed(stats, "public", client, "GET", random.choice(PUBLIC))


def staff_client(port, stats, stop, name, number):
    client = Client(port)
    _status, _headers, page = timed(stats, "staff", client, "GET", "/anmelden/")
    form = Form()
    form.feed(page)
    status, headers, _text = timed(
        stats,
        "staff",
        client,
        "POST",
        "/anmelden/",
        {**form.fields, "username": name, "password": PASSWORD},
        expect=(302,),
    )
    if status != 302:
        return
    counter = 0
    while not stop.is_set():
        key = random.choice(MEASURES)
        status, _headers, page = timed(
            stats, "staff", client, "GET", f"/steuerung/massnahmen/{key}/bearbeiten/"
        )
        if status != 200:
            continue
        form = Form()
        form.feed(page)
        counter += 1
        token = f"last-{number}-{counter}"
        fields = {**form.fields, "results": f"Stand {token}"}
        status, headers, text = timed(
            stats,
            "staff",
            client,
            "POST",
            f"/steuerung/massnahmen/{key}/bearbeiten/",
            fields,
            expect=(200, 302),
        )
        if status == 302 and headers.get("Location", "").rstrip("/").endswith(f"/steuerung/massnahmen/{key}"):
            with stats.lock:
                stats.acknowledged.append(token)
        elif status == 200 and "Nicht gespeichert" in text:
            with stats.lock:
                stats.refused += 1  # overtaken by another save: refused, not lost
        elif status == 200:
            stats.record("staff", 0, False, f"save of {key} answered 200 without the lock message")


def percentiles(values):
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000  # noqa: E731
    return pick(0.5), pick(0.95), pick(0.99)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--threads", type=int, default=16, help="threads of imon serve")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="imon-bench-load-") as tmp,
        PostgresDatabase(args.database_url) as database,
    ):
        home = Path(tmp)
        env = {**os.environ, "IMON_HOME": str(home), "IMON_DATABASE_URL": database.url}
        subprocess.run([*IMON, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
        names = [f"sachbearbeitung{i}" for i in range(args.staff)]
        setup = "from django.contrib.auth import get_user_model; U = get_user_model()\n" + "".join(
            f"U.objects.create_superuser({n!r}, '', {PASSWORD!r})\n" for n in names
        )
        subprocess.run([*IMON, "shell", "-c", setup], env=env, check=True)
        statistics = home / "gefluechtete-2019.csv"
        statistics.write_text(
            "Kennzahl;Gebiet;Stichtag;Aufenthaltsstatus;Wert\n"
            + "".join(
                f"gefluechtete;05316000;31.12.2019;{s};{v}\n"
                for s, v in (("a", 600), ("b", 3900), ("c", 350), ("a_b", 4500), ("insgesamt", 4850))
            ),
            encoding="utf-8",
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [*IMON, "serve", "--port", str(port), "--threads", str(args.threads)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            stats, stop = Stats(), threading.Event()
            threads = [
                threading.Thread(target=staff_client, args=(port, stats, stop, n, i))
                for i, n in enumerate(names)
            ]
            threads += [
                threading.Thread(target=public_client, args=(port, stats, stop))
                for _ in range(args.clients - args.staff - 1)
            ]
            for t in threads:
                t.start()
            time.sleep(args.seconds / 3)
            start = time.perf_counter()
            imported = subprocess.run(
                [*IMON, "import", str(statistics)], env=env, capture_output=True, text=True
            )
            stats.record(
                "import", time.perf_counter() - start, imported.returncode == 0, imported.stderr[-300:]
            )
            time.sleep(max(0.0, args.seconds - args.seconds / 3 - (time.perf_counter() - start)))
            stop.set()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            server.wait()
        check = (
            "import sys\nfrom imon.steering.models import Change\n"
            "tokens = set(sys.stdin.read().split())\n"
            "found = set()\n"
            "for new in Change.objects.filter(field='results').values_list('new', flat=True):\n"
            "    found.update(t for t in new.split() if t in tokens)\n"
            "print(len(tokens - found))\n"
        )
        lost = subprocess.run(
            [*IMON, "shell", "-c", check],
            env=env,
            input="\n".join(stats.acknowledged),
            capture_output=True,
            text=True,
            check=True,
        )
        lost_edits = int(lost.stdout.strip().splitlines()[-1])
    total = sum(len(v) for v in stats.latency.values())
    print(
        f"{args.clients} clients ({args.staff} staff, 1 import, {args.clients - args.staff - 1} public) for {args.seconds} s on PostgreSQL"
    )
    print(f"requests: {total:,} ({total / args.seconds:.0f}/s), errors: {len(stats.errors)}")
    for kind, values in sorted(stats.latency.items()):
        p50, p95, p99 = percentiles(values)
        print(
            f"  {kind:<7} {len(values):>7,} requests  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms"
        )
    print(
        f"acknowledged edits: {len(stats.acknowledged)}, refused by the optimistic lock (overtaken): {stats.refused}, lost: {lost_edits}"
    )
    for error in stats.errors[:10]:
        print(f"  error: {error}")
    print("RESULT ok" if not stats.errors and lost_edits == 0 else "RESULT failed")


if __name__ == "__main__":
    main()
