"""Backup and restore benchmark: time and peak memory of `imon backup` and `imon restore`, against
`imon dump-concept` of the same data in the same run as the baseline.

    .venv/bin/python bench/run_backup.py                        # SQLite: demo, then 200,000 observations
    .venv/bin/python bench/run_backup.py --observations 20000   # quick run
    .venv/bin/python bench/run_backup.py --database-url postgresql://postgres@127.0.0.1:5432/test

For each data set (the Leverkusen demo; a synthetic concept from bench/make_concept.py) it loads the data
into a fresh installation (not timed), then times separate processes (interpreter and Django start-up
included) and reads their peak resident memory (getrusage of the child):

* `imon dump-concept` – the baseline: all data read once and written as YAML,
* `imon backup` – all tables and uploads into one archive,
* `imon restore` – into a second fresh installation, followed by a check that `imon dump-concept`
  gives the same file there (not timed).

A measurement, not a test: the exit code is 1 only if a command fails or the dumps differ.
"""

import argparse
import filecmp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_concept import write_concept  # noqa: E402
from run import PostgresDatabase, imon  # noqa: E402


def measure(args, env, label):
    """Run a command; return (wall seconds, peak RSS in MB). Stops the benchmark if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"FAILED: {label}\n{stderr[-4000:]}", file=sys.stderr)
        raise SystemExit(1)
    return seconds, usage.ru_maxrss / 1024


class Installation:
    def __init__(self, workdir: Path, name: str, database_url: str | None):
        self.home = workdir / name
        self.home.mkdir()
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("IMON_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env["IMON_HOME"] = str(self.home)
        self.database = None
        if database_url:
            self.database = PostgresDatabase(database_url)
            self.database.name = f"imon_bench_{name}_{os.getpid()}"
            self.database.url = self.database.url.rsplit("/", 1)[0] + f"/{self.database.name}"
            self.database.__enter__()
            self.env["IMON_DATABASE_URL"] = self.database.url
        measure(imon("migrate", "--no-input", "-v", "0"), self.env, "migrate")

    def close(self):
        if self.database is not None:
            self.database.__exit__(None, None, None)


def scenario(label, workdir, database_url, load_args):
    source = Installation(workdir, f"{label}_a", database_url)
    target = Installation(workdir, f"{label}_b", database_url)
    try:
        measure(imon(*load_args), source.env, f"load {label}")
        dump_a, dump_b, archive = (
            workdir / f"{label}_a.yaml",
            workdir / f"{label}_b.yaml",
            workdir / f"{label}.zip",
        )
        dump_s, dump_mb = measure(imon("dump-concept", str(dump_a)), source.env, "dump-concept")
        backup_s, backup_mb = measure(imon("backup", str(archive)), source.env, "backup")
        restore_s, restore_mb = measure(imon("restore", str(archive)), target.env, "restore")
        measure(imon("dump-concept", str(dump_b)), target.env, "dump-concept after restore")
        same = filecmp.cmp(dump_a, dump_b, shallow=False)
        print(
            f"{label}: archive {archive.stat().st_size / 1e6:.1f} MB, YAML dump {dump_a.stat().st_size / 1e6:.1f} MB"
        )
        print(f"    dump-concept (baseline) {dump_s:6.1f} s  {dump_mb:6.0f} MB peak")
        print(
            f"    backup                  {backup_s:6.1f} s  {backup_mb:6.0f} MB peak   ratio to baseline: {backup_s / dump_s:.2f} time, {backup_mb / dump_mb:.2f} memory"
        )
        print(
            f"    restore                 {restore_s:6.1f} s  {restore_mb:6.0f} MB peak   ratio to baseline: {restore_s / dump_s:.2f} time, {restore_mb / dump_mb:.2f} memory"
        )
        print(f"    dump-concept after restore identical: {'yes' if same else 'NO'}", flush=True)
        return same
    finally:
        source.close()
        target.close()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Measure imon backup / imon restore against imon dump-concept."
    )
    parser.add_argument("--observations", type=int, default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL server URL; temporary databases are created on it")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="imon-bench-backup-"))
    try:
        print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}")
        print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}", flush=True)
        concept = workdir / "concept.yaml"
        write_concept(concept, fields=8, measures=300, indicators=100, observations=args.observations, seed=1)
        ok = scenario("demo", workdir, args.database_url, ("demo", "--no-serve"))
        ok &= scenario(f"obs{args.observations}", workdir, args.database_url, ("load-concept", str(concept)))
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
