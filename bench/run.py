"""Load benchmark for `imon load-concept`: one command, one report.

    .venv/bin/python bench/run.py                       # SQLite, 200,000 observations
    .venv/bin/python bench/run.py --observations 20000  # quick run
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/test

Generates a synthetic concept file (bench/make_concept.py) into a temporary
folder and measures, each as wall time of a separate process:

* the YAML parse alone (PyYAML with libyaml, as any YAML tool would read it), as the baseline,
* `imon load-concept FILE` into an empty, migrated database,
* the same `imon load-concept FILE` again (nothing changes: the idempotent reload),
* `imon dump-concept`.

The result is a measurement, not a test: the exit code is 0 whether or not the
target is met (and 1 only if a command fails).
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_concept import write_concept  # noqa: E402

DEFAULT_OBSERVATIONS = 200_000
TARGET_SECONDS = (
    20.0  # load-concept, SQLite, 2 cores, 8 fields, 300 measures, 100 indicators, 200,000 observations
)

# Baseline: what any YAML tool takes to read the file (PyYAML with libyaml).
PARSE_SCRIPT = "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)"


def compile_project() -> None:
    """Compile the project's modules once, as an installation has them (pip compiles what it
    installs). Without it, where PYTHONDONTWRITEBYTECODE is set (as on these machines) or the
    folder is read-only, every timed `imon` process compiles its modules from source again:
    about 0.1-0.2 s of start-up that a user never pays. Not timed."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "imon")], check=True)


def run(args, env, label):
    """Run a command, return (wall seconds, stdout). Stops the benchmark if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"FAILED: {label} (exit code {proc.returncode})", flush=True)
        print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(1)
    return seconds, proc.stdout.strip()


def imon(*command):
    return [sys.executable, "-m", "imon.cli", *command]


class PostgresDatabase:
    """A fresh database imon_bench_<pid> on the server of `url`, dropped afterwards."""

    def __init__(self, url):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = url
        self.name = f"imon_bench_{os.getpid()}"
        parts = urlsplit(url)
        self.url = urlunsplit((parts.scheme, parts.netloc, f"/{self.name}", parts.query, parts.fragment))

    def _execute(self, statement):
        from psycopg import sql

        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def __enter__(self):
        self._execute("CREATE DATABASE {}")
        return self

    def __exit__(self, *exc):
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def version(self):
        with self.psycopg.connect(self.url) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure imon load-concept / reload / dump-concept.")
    parser.add_argument("--observations", type=int, default=DEFAULT_OBSERVATIONS)
    parser.add_argument("--database-url", help="PostgreSQL server URL; a temporary database is created on it")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (file, dump, SQLite)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="imon-bench-"))
    home = workdir / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("IMON_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["IMON_HOME"] = str(home)
    database = None
    try:
        if args.database_url:
            database = PostgresDatabase(args.database_url).__enter__()
            env["IMON_DATABASE_URL"] = database.url
            backend = "PostgreSQL"
            backend_info = f"PostgreSQL {database.version()}, temporary database {database.name}"
        else:
            import sqlite3

            backend = "SQLite"
            backend_info = f"SQLite {sqlite3.sqlite_version}, {home / 'imon.sqlite3'}"
        n = args.observations
        print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
        print(f"database: {backend_info}")

        concept_file = workdir / "concept.yaml"
        start = time.perf_counter()
        write_concept(concept_file, fields=8, measures=300, indicators=100, observations=n, seed=args.seed)
        size = concept_file.stat().st_size / 1e6
        print(
            f"generated: 8 fields, 300 measures, 100 indicators, {n} observations; "
            f"{size:.1f} MB in {time.perf_counter() - start:.1f} s (not measured)",
            flush=True,
        )

        run(imon("migrate", "--no-input", "-v", "0"), env, "migrate")  # not timed

        parse, _out = run([sys.executable, "-c", PARSE_SCRIPT, str(concept_file)], env, "YAML parse")
        print(f"YAML parse baseline (PyYAML CSafeLoader, own process): {parse:.1f} s", flush=True)

        load, out = run(imon("load-concept", str(concept_file)), env, "load-concept")
        print(
            f"load-concept ({backend}, {n} observations): {load:.1f} s  (target < {TARGET_SECONDS:.0f} s)  "
            f"ratio to YAML parse: {load / parse:.2f}",
            flush=True,
        )
        print(f"    {out}")

        reload, out = run(imon("load-concept", str(concept_file)), env, "second load-concept")
        print(
            f"reload, nothing changed ({backend}, {n} observations): {reload:.1f} s  "
            f"ratio to load: {reload / load:.2f}  ratio to YAML parse: {reload / parse:.2f}",
            flush=True,
        )
        print(f"    {out}")

        dump_file = workdir / "dump.yaml"
        dump, _out = run(imon("dump-concept", str(dump_file)), env, "dump-concept")
        with dump_file.open(encoding="utf-8") as stream:
            dumped = sum(1 for line in stream if line.startswith("- {indicator:"))
        print(
            f"dump-concept ({backend}, {n} observations): {dump:.1f} s  "
            f"({dump_file.stat().st_size / 1e6:.1f} MB, {dumped} observations)",
            flush=True,
        )

        print(f"ratios: load / YAML parse = {load / parse:.2f}, reload / load = {reload / load:.2f}")
        if n != DEFAULT_OBSERVATIONS:
            print(
                f"note: the target is defined for {DEFAULT_OBSERVATIONS} observations on SQLite; this run used {n}."
            )
        print("RESULT ok" if load < TARGET_SECONDS else "RESULT over target")
        return 0
    finally:
        if database is not None:
            database.__exit__(None, None, None)
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
