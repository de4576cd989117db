"""Import benchmark for `imon import`: a GENESIS flat file of all German Kreise.

    .venv/bin/python bench/run_import.py                    # SQLite and PostgreSQL (if reachable)
    .venv/bin/python bench/run_import.py --no-postgres
    .venv/bin/python bench/run_import.py --areas 100 --runs 1   # smaller file, one run: a quick look

Generates the file with imon.core.synthetic (400 Kreise x 4 classifying
variables x 4 reference dates = 172,800 rows), then measures, each as a
separate process with its wall time and peak memory, and each --runs times
(the median is judged; the machine's other work makes single runs vary by 10 %):

* the baseline: a Python process that imports pandas and reads the file,
* start-up: `imon import --list` (Python, Django, database connection),
* `imon import FILE` into an empty, migrated database (SQLite, then PostgreSQL).

Rows per second "after start-up" divide the rows by (import - start-up).
Targets (issue 3): >= 100,000 rows/s, peak memory < 400 MB, import <= 4x pandas.

Then an XLSX file in the own long format (--xlsx-rows, default 100,000 rows, written by
openpyxl as Excel writes it, with shared strings) is read in this process by openpyxl's
read-only mode (the baseline) and by the importer's reader (python-calamine), and imported with
`imon import FILE.xlsx` into a database with the demo concept (SQLite). Target:
XLSX import >= 30,000 rows/s after start-up.
Exit code 0 whether or not the targets are met.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PostgresDatabase

PANDAS = "import sys, pandas; pandas.read_csv(sys.argv[1], sep=';', dtype=str, keep_default_na=False, encoding='utf-8-sig')"
TARGET_ROWS_PER_SECOND = 100_000
TARGET_PEAK_MB = 400
TARGET_RATIO = 4.0
TARGET_XLSX_ROWS_PER_SECOND = 30_000
XLSX_AREAS = [
    "lev-wiesdorf",
    "lev-manfort",
    "lev-rheindorf",
    "lev-hitdorf",
    "lev-opladen",
    "lev-kueppersteg",
    "lev-buerrig",
    "lev-quettingen",
    "lev-bergisch-neukirchen",
    "lev-schlebusch",
    "lev-steinbuechel",
    "lev-luetzenkirchen",
]


def measure(args, env):
    """Wall seconds, peak resident memory (MB), output and CPU seconds (user + system) of one child process.

    On a shared machine the CPU time of the process varies much less than its wall time;
    it does not include the work of the PostgreSQL server."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"FAILED: {' '.join(map(str, args))}\n{out[-2000:]}\n{err[-2000:]}", file=sys.stderr)
        raise SystemExit(1)
    return seconds, usage.ru_maxrss / 1024, out.strip(), usage.ru_utime + usage.ru_stime


def imon(*command):
    return [sys.executable, "-m", "imon.cli", *command]


def run_once(env, flat_file, rows):
    """One import into an empty, migrated database: its figures as a dict."""
    subprocess.run(imon("migrate", "-v0"), env=env, check=True)
    startup, _mb, _out, startup_cpu = measure(imon("import", "--list"), env)
    seconds, peak, out, cpu = measure(imon("import", str(flat_file)), env)
    return {
        "seconds": seconds,
        "startup": startup,
        "peak": peak,
        "cpu": cpu,
        "startup_cpu": startup_cpu,
        "rate": rows / max(seconds - startup, 1e-9),
        "summary": out.splitlines()[-1],
    }


def report(label, runs, pandas_seconds):
    """Each run's line, then the median run (by rows per second), which is judged against the targets."""
    for number, run in enumerate(runs, 1):
        print(
            f"imon import ({label}, run {number}): {run['seconds']:.2f} s, start-up {run['startup']:.2f} s, "
            f"peak {run['peak']:.0f} MB; CPU of the process {run['cpu']:.2f} s, of start-up {run['startup_cpu']:.2f} s; "
            f"{run['rate']:,.0f} rows/s",
            flush=True,
        )
    median = sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]
    ratio = median["seconds"] / pandas_seconds
    peak = max(run["peak"] for run in runs)
    print(f"    {median['summary']}")
    print(
        f"    median of {len(runs)}: rows/s after start-up: {median['rate']:,.0f} (target >= {TARGET_ROWS_PER_SECOND:,})  "
        f"ratio to pandas: {ratio:.2f} (target <= {TARGET_RATIO})  peak {peak:.0f} MB (target < {TARGET_PEAK_MB})"
    )
    return median["rate"] >= TARGET_ROWS_PER_SECOND and peak < TARGET_PEAK_MB and ratio <= TARGET_RATIO


def main(argv=None):
    parser = argparse.ArgumentParser(description="Measure imon import of a GENESIS flat file.")
    parser.add_argument("--areas", type=int, default=400)
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per database, each into a fresh one (default 3)"
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--xlsx-rows", type=int, default=100_000, help="rows of the XLSX measurement (0: leave it out)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")
    from imon.core.synthetic import write_genesis

    workdir = Path(tempfile.mkdtemp(prefix="imon-bench-import-"))
    flat_file = workdir / "12521-0041_de_flat.csv"
    rows = write_genesis(flat_file, areas=args.areas)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"file: {flat_file.name}, {rows:,} rows, {flat_file.stat().st_size / 1e6:.1f} MB")
    base_env = {
        k: v for k, v in os.environ.items() if k not in ("IMON_DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    baselines = sorted(
        measure([sys.executable, "-c", PANDAS, str(flat_file)], base_env) for _ in range(args.runs)
    )
    pandas_seconds, pandas_mb, _, pandas_cpu = baselines[len(baselines) // 2]
    print(
        f"baseline (median of {args.runs}): Python + import pandas + read_csv: {pandas_seconds:.2f} s "
        f"(CPU {pandas_cpu:.2f} s), peak {pandas_mb:.0f} MB",
        flush=True,
    )

    results = []
    runs = [
        run_once(dict(base_env, IMON_HOME=str(workdir / f"sqlite-{n}")), flat_file, rows)
        for n in range(args.runs)
    ]
    results.append(report("SQLite", runs, pandas_seconds))
    if not args.no_postgres:
        try:
            runs = []
            for n in range(args.runs):
                with PostgresDatabase(args.database_url) as database:
                    runs.append(
                        run_once(
                            dict(
                                base_env, IMON_HOME=str(workdir / f"pg-{n}"), IMON_DATABASE_URL=database.url
                            ),
                            flat_file,
                            rows,
                        )
                    )
            results.append(report("PostgreSQL", runs, pandas_seconds))
        except Exception as exc:  # noqa: BLE001 - a measurement, reported, not a test
            print(f"PostgreSQL not measured: {exc}")
    if args.xlsx_rows:
        results.append(measure_xlsx(workdir, base_env, args.xlsx_rows, args.runs))
    print("RESULT ok" if all(results) else "RESULT over target")
    return 0


def write_xlsx(path, rows: int) -> int:
    """A long-format workbook of `rows` rows (population of 12 quarters, one value a day), as
    Excel writes it: shared strings, numbers as numbers."""
    import datetime

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Daten")
    sheet.append(["Kennzahl", "Gebiet", "Stichtag", "Wert"])
    day = datetime.date(1990, 1, 1)
    written = 0
    while written < rows:
        for area in XLSX_AREAS:
            sheet.append(["bevoelkerung", area, day.strftime("%d.%m.%Y"), 1000 + written % 5000])
            written += 1
            if written == rows:
                break
        day += datetime.timedelta(days=1)
    book.save(path)
    return written


def measure_xlsx(workdir: Path, base_env: dict, rows: int, runs: int) -> bool:
    """Reading with openpyxl (baseline) and with the importer's reader, in this process; then the
    whole `imon import` of the workbook."""
    import io

    import django
    import openpyxl

    django.setup()
    from imon.core.importers.xlsx_sheets import read_xlsx

    path = workdir / "bevoelkerung.xlsx"
    rows = write_xlsx(path, rows)
    data = path.read_bytes()
    print(f"file: {path.name}, {rows:,} rows, {len(data) / 1e6:.1f} MB")

    def openpyxl_read():
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for _row in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    def importer_read():
        for _row in read_xlsx(data):
            pass

    timings = {}
    for label, read in (
        ("openpyxl read-only", openpyxl_read),
        ("importer's reader (calamine)", importer_read),
    ):
        seconds, cpu = sorted(_timed(read) for _ in range(runs))[runs // 2]
        timings[label] = cpu
        print(
            f"XLSX read, {label}: {seconds:.2f} s (CPU {cpu:.2f} s), {rows / seconds:,.0f} rows/s "
            f"({rows / cpu:,.0f} rows per CPU second)"
        )
    fast, slow = timings["importer's reader (calamine)"], timings["openpyxl read-only"]
    print(f"    importer's reader against openpyxl (CPU time): {slow / fast:.1f} times as fast")
    results = []
    for n in range(runs):
        env = dict(base_env, IMON_HOME=str(workdir / f"xlsx-{n}"))
        subprocess.run(imon("migrate", "-v0"), env=env, check=True)
        demo = Path(__file__).resolve().parent.parent / "imon" / "core" / "demo" / "leverkusen.yaml"
        subprocess.run(imon("load_concept", str(demo)), env=env, check=True, capture_output=True)
        startup, _mb, _out, startup_cpu = measure(imon("import", "--list"), env)
        seconds, peak, out, cpu = measure(imon("import", str(path)), env)
        rate = rows / max(seconds - startup, 1e-9)
        results.append(rate)
        print(
            f"imon import XLSX (SQLite, run {n + 1}): {seconds:.2f} s, start-up {startup:.2f} s, "
            f"peak {peak:.0f} MB; {rate:,.0f} rows/s after start-up; CPU of the process {cpu:.2f} s, "
            f"of start-up {startup_cpu:.2f} s: {rows / max(cpu - startup_cpu, 1e-9):,.0f} rows per CPU second"
        )
    rate = sorted(results)[len(results) // 2]
    print(f"    median: {rate:,.0f} rows/s (target >= {TARGET_XLSX_ROWS_PER_SECOND:,})")
    return rate >= TARGET_XLSX_ROWS_PER_SECOND


def _timed(function) -> tuple[float, float]:
    """Wall and CPU seconds of a call."""
    start, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - start, time.process_time() - cpu


if __name__ == "__main__":
    sys.exit(main())
