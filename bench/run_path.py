"""The whole path from a folder of Open SDG files to a static site: import, snapshot, export.

    .venv/bin/python bench/run_path.py                      # 60 indicators x 8,910 rows = 534,600 observations
    .venv/bin/python bench/run_path.py --indicators 6       # quick run (53,460 observations)
    .venv/bin/python bench/run_path.py --database-url postgresql://postgres@127.0.0.1:5432/test

Generates (not timed) an Open SDG source folder in the layout of open-sdg-data-starter:
`data/indicator_X-Y-Z.csv` (Year, GeoCode, Geschlecht, Staatsangehörigkeit, Altersgruppe,
Value; 15 years x 11 areas, the city and 10 districts, x 3 x 3 x 6 breakdown values = 8,910
rows, blank cells for totals) and `meta/indicator_X-Y-Z.yml` (German metadata with an `en:`
translation). A concept file with municipality, areas, fields of action and measures is loaded
first (not timed). Then, each as a separate whole process with wall time and peak resident
memory (os.wait4):

* baseline: a Python process that imports pandas and reads every CSV file of the folder;
* `imon import DIR --create-indicators` (the folder import); where this imon has no folder
  import yet, the fallback: the concept file declares the indicators and each file is imported
  on its own (`imon import FILE`, one process per file; time summed, the largest peak shown);
  the output says which path ran;
* `imon snapshot create` (then `snapshot publish`, not timed);
* `imon export-site DIR --languages de,en`;
* `imon import FILE.xlsx` of a workbook of `--xlsx-rows` rows (long format, written by openpyxl as
  Excel writes it) into the demo concept, in a database of its own;
* the published release behind `imon serve` (one process per core), driven by wrk (50
  connections, `Accept-Encoding: gzip`, `--serve-seconds` per run): the start page and an
  indicator page from the page cache; from a server started with IMON_PAGE_CACHE=0, that
  indicator page rendered anew for every request (the target), and for information the main
  pages of all indicators in turn (each request renders, and reads its indicator's rows and
  builds its figures again: a server process keeps those of 8 indicators).

Every figure is printed beside its target (issue 23). Exit code 0 whether or not the targets
are met; 1 if a command fails.
"""

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_concept import DIM_SHARE, make_concept
from run import PostgresDatabase, compile_project
from run_import import write_xlsx
from run_portal import imon_serve, wrk

YEARS = range(2009, 2024)  # 15 years
DISTRICTS = 10
COLUMNS = {
    "geschlecht": "Geschlecht",
    "staatsangehoerigkeit": "Staatsangehörigkeit",
    "altersgruppe": "Altersgruppe",
}
PANDAS = (
    "import sys, glob, pandas\n"
    "for name in sorted(glob.glob(sys.argv[1] + '/data/*.csv')):\n"
    "    pandas.read_csv(name, dtype=str, keep_default_na=False)\n"
)
TARGETS = {"ratio": 3.0, "rows_per_second": 100_000, "snapshot_s": 5.0, "snapshot_mb": 300, "export_s": 10.0}
TARGETS |= {"export_mb": 300, "path_s": 20.0, "xlsx_rows_per_second": 30_000}
TARGETS |= {"cached_rate": 2000, "cached_p99_ms": 50, "uncached_p99_ms": 200}
WARM_UP_SECONDS = 15


def imon(*command):
    return [sys.executable, "-m", "imon.cli", *command]


def measure(args, env) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) and output of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        print(f"FAILED: {' '.join(map(str, args))}\n{out[-3000:]}", file=sys.stderr)
        raise SystemExit(1)
    return seconds, usage.ru_maxrss / 1024, out.strip()


def indicator_codes(count: int) -> list[str]:
    return [f"{i // 20 + 1}-{i // 5 % 4 + 1}-{i % 5 + 1}" for i in range(count)]


def concept(codes: list[str], declare: bool, seed: int) -> dict:
    """A concept (municipality, city and 10 districts, fields, measures); with `declare`, the
    indicators of the folder too (for the fallback of importing file by file)."""
    data = make_concept(fields=8, measures=60, indicators=len(codes), observations=0, seed=seed)
    city = next(a for a in data["areas"] if a["kind"] == "county")
    data["areas"] = [a for a in data["areas"] if a["kind"] in ("country", "state", "county")]
    data["areas"] += [
        {
            "key": f"bezirk-{i}",
            "name": f"Stadtbezirk {i}",
            "kind": "city_district",
            "code": str(i),
            "parent": city["key"],
        }
        for i in range(1, DISTRICTS + 1)
    ]
    for point in data["contact_points"]:
        point["area"] = "bezirk-1"
    data["observations"] = []
    renamed = {i["key"]: code for i, code in zip(data["indicators"], codes, strict=True)}
    for number, indicator in enumerate(data["indicators"]):
        share = number % 3 == 0  # as write_folder
        indicator.update(kind="share", unit="%", decimals=1) if share else indicator.update(
            kind="count", unit="Personen"
        )
        if not share:
            indicator.pop("decimals", None)
        indicator.pop("numerator", None)
        indicator.pop("denominator", None)
        indicator["key"] = renamed[indicator["key"]]
        indicator["dimensions"] = list(COLUMNS)
    for record in data["goals"] + data["measures"]:
        if "indicators" in record:
            record["indicators"] = [renamed[k] for k in record["indicators"]]
    data.pop("rules", None)
    if not declare:
        data["indicators"] = []
        for record in data["goals"] + data["measures"]:
            record.pop("indicators", None)
    return data


def write_folder(folder: Path, codes: list[str], data: dict, seed: int) -> int:
    """The Open SDG source folder; the number of rows written."""
    rng = random.Random(seed)
    (folder / "data").mkdir(parents=True)
    (folder / "meta").mkdir()
    dims = {d["key"]: [v["key"] for v in d["values"]] for d in data["dimensions"] if d["key"] in COLUMNS}
    areas = [a["key"] for a in data["areas"] if a["kind"] in ("county", "city_district")]
    rows = 0
    for number, code in enumerate(codes):
        share = number % 3 == 0
        base = rng.uniform(5, 40) if share else rng.uniform(20_000, 200_000)  # no counts below the minimum
        with open(folder / "data" / f"indicator_{code}.csv", "w", newline="", encoding="utf-8") as stream:
            out = csv.writer(stream)
            out.writerow(["Year", "GeoCode", *COLUMNS.values(), "Value"])
            for year in YEARS:
                for area in areas:
                    scale = 1.0 if area == areas[0] else 1 / DISTRICTS
                    for sex in dims["geschlecht"]:
                        for nationality in dims["staatsangehoerigkeit"]:
                            for age in dims["altersgruppe"]:
                                part = (
                                    DIM_SHARE["geschlecht"][sex]
                                    * DIM_SHARE["staatsangehoerigkeit"][nationality]
                                    * DIM_SHARE["altersgruppe"][age]
                                )
                                if share:
                                    value = f"{base * rng.uniform(0.8, 1.2):.1f}"
                                else:
                                    value = str(max(0, round(base * scale * part * rng.uniform(0.9, 1.1))))
                                cells = [v if v != "insgesamt" else "" for v in (sex, nationality, age)]
                                out.writerow([year, area, *cells, value])
                                rows += 1
        x, y, z = code.split("-")
        (folder / "meta" / f"indicator_{code}.yml").write_text(
            f"indicator_number: {x}.{y}.{z}\n"
            f"indicator_name: Kennzahl {x}.{y}.{z}\n"
            f"indicator_sort_order: {int(x):02d}-{int(y):02d}-{int(z):02d}\n"
            f"computation_units: {'Prozent' if share else 'Personen'}\n"
            f"graph_type: line\n"
            f"data_non_statistical: false\n"
            f"reporting_status: complete\n"
            f"source_active_1: true\n"
            f"source_organisation_1: Stadt Musterstadt, Statistikstelle\n"
            f"en:\n"
            f"  indicator_name: Indicator {x}.{y}.{z}\n"
            f"  computation_units: {'Percent' if share else 'Persons'}\n",
            encoding="utf-8",
        )
    return rows


def has_folder_import(env) -> bool:
    out = subprocess.run(imon("import", "--help"), env=env, capture_output=True, text=True).stdout
    return "--create-indicators" in out


def line(label, seconds, peak=None, target="", extra=""):
    memory = f"{peak:6.0f} MB" if peak is not None else " " * 9
    print(f"  {label:<34} {seconds:7.2f} s {memory}   {extra:<28} {target}")


def verdict(ok: bool) -> str:
    return "✅" if ok else "❌"


def run(args, workdir: Path, env: dict) -> None:
    codes = indicator_codes(args.indicators)
    folder = workdir / "open-sdg"
    start = time.perf_counter()
    folder_import = has_folder_import(env) and not args.file_by_file
    data = concept(codes, declare=not folder_import, seed=args.seed)
    rows = write_folder(folder, codes, concept(codes, True, args.seed), args.seed)
    from imon.core import yamlio

    concept_file = workdir / "concept.yaml"
    with open(concept_file, "w", encoding="utf-8") as stream:
        yamlio.dump_document(data, stream)
    size = sum(p.stat().st_size for p in (folder / "data").iterdir())
    print(
        f"Open SDG folder: {len(codes)} indicators, {rows:,} rows, {size / 1e6:.0f} MB of CSV "
        f"({time.perf_counter() - start:.1f} s to generate)"
    )
    subprocess.run(imon("migrate", "-v0"), env=env, check=True)
    subprocess.run(imon("load-concept", str(concept_file)), env=env, check=True, stdout=subprocess.DEVNULL)

    pandas_s, pandas_mb, _ = measure([sys.executable, "-c", PANDAS, str(folder)], env)
    startup_s, startup_mb, _ = measure(imon("snapshot", "list"), env)
    if folder_import:
        path = "folder import: imon import DIR --create-indicators"
        import_s, import_mb, out = measure(imon("import", str(folder), "--create-indicators"), env)
    else:
        path = "FALLBACK, file by file: imon import FILE (indicators declared in the concept file)"
        import_s, import_mb = 0.0, 0.0
        for name in sorted((folder / "data").iterdir()):
            seconds, peak, out = measure(imon("import", str(name)), env)
            import_s, import_mb = import_s + seconds, max(import_mb, peak)
    snapshot_s, snapshot_mb, out = measure(
        imon("snapshot", "create", "--title", "Bericht", "--date", f"{YEARS[-1]}-12-31"), env
    )
    print(f"  ({out.splitlines()[-1] if out else ''})")
    subprocess.run(imon("snapshot", "publish", "1"), env=env, check=True, stdout=subprocess.DEVNULL)
    site = workdir / "site"
    export_s, export_mb, _ = measure(imon("export-site", str(site), "--languages", "de,en"), env)
    files = [p for p in site.rglob("*") if p.is_file()]
    site_mb = sum(p.stat().st_size for p in files) / 1e6
    again_s, again_mb, _ = measure(imon("export-site", str(site), "--languages", "de,en"), env)

    rate = rows / max(import_s, 1e-9)
    ratio = import_s / pandas_s
    whole = import_s + snapshot_s + export_s
    t = TARGETS
    print(f"import path: {path}")
    print(f"  {'':<34} {'time':>9} {'peak':>9}   {'':<28} target")
    line("start-up (imon snapshot list)", startup_s, startup_mb)
    line("pandas.read_csv of all files", pandas_s, pandas_mb, extra="baseline")
    line(
        "import",
        import_s,
        import_mb,
        f"≤ {t['ratio']:.0f}× pandas, ≥ {t['rows_per_second']:,} rows/s "
        f"{verdict(ratio <= t['ratio'] and rate >= t['rows_per_second'])}",
        f"{ratio:.2f}× pandas, {rate:,.0f} rows/s",
    )
    line(
        "snapshot create",
        snapshot_s,
        snapshot_mb,
        f"≤ {t['snapshot_s']:.0f} s, ≤ {t['snapshot_mb']} MB "
        f"{verdict(snapshot_s <= t['snapshot_s'] and snapshot_mb <= t['snapshot_mb'])}",
    )
    line(
        "export-site (de, en)",
        export_s,
        export_mb,
        f"≤ {t['export_s']:.0f} s, ≤ {t['export_mb']} MB "
        f"{verdict(export_s <= t['export_s'] and export_mb <= t['export_mb'])}",
        f"{len(files):,} files, {site_mb:.0f} MB",
    )
    line("export-site again (nothing changed)", again_s, again_mb, "(information)")
    line(
        "whole path (import+snapshot+export)",
        whole,
        None,
        f"≤ {t['path_s']:.0f} s {verdict(whole <= t['path_s'])}",
    )
    if args.xlsx_rows:
        xlsx_import(workdir, env, args.xlsx_rows)
    if args.serve_seconds:
        serve(workdir, env, args.serve_seconds, codes)


def xlsx_import(workdir: Path, env: dict, rows: int) -> None:
    """`imon import` of a long-format workbook into the demo concept, in a database of its own."""
    env = {**env, "IMON_HOME": str(workdir / "xlsx-home")}
    env.pop("IMON_DATABASE_URL", None)  # SQLite, as the issue measured it
    path = workdir / "bevoelkerung.xlsx"
    rows = write_xlsx(path, rows)
    demo = Path(__file__).resolve().parent.parent / "imon" / "core" / "demo" / "leverkusen.yaml"
    subprocess.run(imon("migrate", "-v0"), env=env, check=True)
    subprocess.run(imon("load-concept", str(demo)), env=env, check=True, stdout=subprocess.DEVNULL)
    startup_s, _mb, _out = measure(imon("import", "--list"), env)
    seconds, peak, _out = measure(imon("import", str(path)), env)
    rate, after = rows / seconds, rows / max(seconds - startup_s, 1e-9)
    target = TARGETS["xlsx_rows_per_second"]
    line(
        f"import XLSX ({rows:,} rows)",
        seconds,
        peak,
        f"≥ {target:,} rows/s {verdict(rate >= target)}",
        f"{rate:,.0f} rows/s ({after:,.0f} after start-up)",
    )


def serve(workdir: Path, env: dict, seconds: int, codes: list[str]) -> None:
    """The published release behind `imon serve`, driven by wrk with 50 connections."""
    if not shutil.which("wrk"):
        print("  serving: not measured (wrk is not installed: apt-get install wrk)")
        return
    gzip = ("Accept-Encoding: gzip",)
    t = TARGETS
    print(f"  serving: imon serve (one process per core), wrk 50 connections, gzip, {seconds} s per run")
    indicator = f"/portal/de/kennzahlen/{codes[0]}/"
    every = [f"/portal/de/kennzahlen/{c}/" for c in codes]
    for label, paths, page_cache in (
        ("start page, cached", ["/portal/de/"], True),
        ("indicator page, cached", [indicator], True),
        # the page rendered anew for every request (its figures are built once per release)
        ("indicator page, uncached", [indicator], False),
        # every request renders the page of another indicator, whose rows and figures a server
        # process no longer keeps (8 of 60): they are read and built anew
        ("all indicators' pages, uncached", every, False),
    ):
        with imon_serve(env, page_cache=page_cache) as port:
            # warm every server process: its first pages read the release's document and rows
            wrk(port, paths, WARM_UP_SECONDS, workdir, gzip)
            r = wrk(port, paths, seconds, workdir, gzip)
        ok: bool | None
        if paths is every:
            ok, target = None, "(information: rows and figures read and built anew)"
        elif not page_cache:
            ok, target = r["p99"] <= t["uncached_p99_ms"], f"p99 ≤ {t['uncached_p99_ms']} ms"
        else:
            ok = r["rate"] >= t["cached_rate"] and r["p99"] <= t["cached_p99_ms"]
            target = f"≥ {t['cached_rate']:,} req/s, p99 ≤ {t['cached_p99_ms']} ms"
        print(
            f"  {label:<34} {r['rate']:7,.0f} req/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
            f"errors {r['errors']}   {target}"
            + ("" if ok is None else f" {verdict(ok and r['requests'] > 0 and not r['errors'])}")
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--indicators", type=int, default=60, help="indicators of 8,910 rows each (default 60)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="a PostgreSQL server (the benchmark makes its own database)")
    parser.add_argument(
        "--file-by-file", action="store_true", help="the fallback even where folder import exists"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--xlsx-rows", type=int, default=100_000, help="rows of the XLSX import (0: leave it out)"
    )
    parser.add_argument(
        "--serve-seconds", type=int, default=10, help="seconds per serving run (0: leave serving out)"
    )
    args = parser.parse_args(argv)
    compile_project()
    workdir = Path(tempfile.mkdtemp(prefix="imon-path-"))
    env = {**os.environ, "IMON_HOME": str(workdir / "home"), "PYTHONPATH": str(Path.cwd())}
    env.pop("IMON_DATABASE_URL", None)
    try:
        if args.database_url:
            with PostgresDatabase(args.database_url) as database:
                run(args, workdir, {**env, "IMON_DATABASE_URL": database.url})
        else:
            run(args, workdir, env)
    finally:
        if args.keep:
            print(f"kept: {workdir}")
        else:
            subprocess.run(["rm", "-rf", str(workdir)], check=False)


if __name__ == "__main__":
    main()
