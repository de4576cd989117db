"""Dashboard benchmark: the steering dashboard of a concept with 300 measures and 5 past reporting
cycles (plus one open cycle), on SQLite and on PostgreSQL.

    .venv/bin/python bench/run_dashboard.py
    .venv/bin/python bench/run_dashboard.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/run_dashboard.py --only sqlite

Each backend runs in its own process against a fresh database (SQLite in a temporary IMON_HOME;
on PostgreSQL a database imon_bench_dash_<pid> is created on the given server and dropped at the
end). The page is requested through Django's test client, logged in as the KI, after three
warm-up requests; the figure is the median of 30 requests (server time: view, queries, template),
with the number of queries. The baseline in the same run is the staff start page (`/`), so runs on
other machines can be compared by their ratio.

Target (issue 6): dashboard under 150 ms on SQLite and PostgreSQL.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 150
PAGES = {
    "baseline (start page /)": "/",
    "dashboard /steuerung/": "/steuerung/",
    "cycle page": "/steuerung/berichtsrunden/{cycle}/",
    "next steps (all)": "/steuerung/naechste-schritte/?zeige=alle",
}


def child(measures: int, cycles: int, runs: int):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from imon.core import conceptfile
    from imon.core import models as m
    from imon.steering import services, synthetic

    call_command("migrate", verbosity=0)
    conceptfile.load_text((ROOT / "imon" / "core" / "demo" / "leverkusen.yaml").read_text(encoding="utf-8"))
    concept = m.Concept.objects.get()
    ki = get_user_model().objects.create_superuser("anna", "anna@example.org", "sicheres-passwort-1")
    synthetic.add_measures(concept, measures - m.Measure.objects.count(), owner=ki)
    synthetic.add_past_cycles(concept, cycles, ki)
    import datetime

    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # not 300 e-mails on the console
    cycle = services.open_cycle(
        concept, "Aktuelle Runde", datetime.date(2030, 12, 31), datetime.date(2030, 11, 30), ki
    )
    client = Client()
    client.force_login(ki)
    print(
        f"  {connection.vendor}: {m.Measure.objects.count()} measures, {m.NextStep.objects.count()} next steps,"
        f" {cycles} past cycles + 1 open, {cycle.updates.count()} open tasks"
    )
    results = {}
    for label, url in PAGES.items():
        url = url.format(cycle=cycle.key)
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results[label] = (statistics.median(times), len(queries))
    base = results["baseline (start page /)"][0]
    for label, (ms, queries) in results.items():
        verdict = ""
        if label.startswith("dashboard"):
            verdict = f"; target < {TARGET_MS} ms: {'ok' if ms < TARGET_MS else 'OVER TARGET'}"
        print(f"    {label:<26} {ms:7.1f} ms  {queries:3d} queries  ({ms / base:4.1f} x baseline{verdict})")


def run_backend(name: str, env: dict, args) -> int:
    print(f"\n{name}")
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--measures",
        str(args.measures),
        "--cycles",
        str(args.cycles),
        "--runs",
        str(args.runs),
    ]
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--measures", type=int, default=300)
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.measures, args.cycles, args.runs)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="imon-bench-dashboard-") as tmp:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
        base_env.update(IMON_HOME=tmp, IMON_ALLOWED_HOSTS="testserver,localhost")
        if args.only in (None, "sqlite"):
            failed |= run_backend("SQLite", base_env, args)
        if args.only in (None, "postgresql"):
            import psycopg

            name = f"imon_bench_dash_{os.getpid()}"
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name}")
            try:
                url = args.database_url.rsplit("/", 1)[0] + "/" + name
                failed |= run_backend("PostgreSQL", {**base_env, "IMON_DATABASE_URL": url}, args)
            finally:
                with psycopg.connect(args.database_url, autocommit=True) as admin:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
