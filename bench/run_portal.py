"""Portal benchmarks: the live portal under load, and the static export of a large portal.

    .venv/bin/python bench/run_portal.py load [--seconds 60] [--no-postgres] [--workers N]
    .venv/bin/python bench/run_portal.py export [--observations 500000] [--indicators 60] [--runs 3]
    .venv/bin/python bench/run_portal.py serve [--seconds 20] [--workers N]

load: sets up the Leverkusen demo (SQLite, then PostgreSQL), starts `imon serve` and drives it
with wrk (Debian package `wrk`), 50 connections on 2 threads, for `--seconds`:
  * cached pages: wrk rotates over the portal's page types in German and Arabic;
  * uncached pages: the same pages from a server started with IMON_PAGE_CACHE=0, so every
    request renders (a made-up query parameter no longer does: the portal ignores it);
  * baseline of the same run: /healthz (one database query, no template).
  Prints requests/s, p50/p95/p99 latency and the number of errors (non-2xx or socket errors).
  Targets (issue 7): no errors; p95 under 50 ms cached, under 200 ms uncached.

serve: the Leverkusen demo (SQLite) served by `imon serve`, beside its static export (German and
Arabic) served by a plain web server (Python's http.server); wrk drives each of three addresses
with 50 connections on 2 threads for `--seconds`, asking for compressed answers (Accept-Encoding:
gzip): the start page, an indicator page and an API download (an indicator's observations).
Prints requests/s and p50/p99 latency of each, and the ratio live/static of requests/s.

export: a synthetic concept (bench/make_concept.py) with 60 indicators and 500,000
observations is loaded and frozen into a snapshot, then `imon export-site --languages de,en`
is timed `--runs` times; prints the wall and CPU time (the command with its worker processes),
the output size and the file count of each run. Target: under 10 s (peer reference on this
kind of machine: the Open SDG data build takes 38.8 s and writes 399 MB).
"""

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run import PostgresDatabase, compile_project  # noqa: E402

IMON = [sys.executable, "-m", "imon.cli"]
PAGES = [
    "/portal/{lang}/",
    "/portal/{lang}/handlungsfelder/h/",
    "/portal/{lang}/massnahmen/c1/",
    "/portal/{lang}/kennzahlen/",
    "/portal/{lang}/kennzahlen/wohnungssuchende-haushalte/",
    "/portal/{lang}/kennzahlen/gefluechtete/",
    "/portal/{lang}/anlaufstellen/",
    "/portal/{lang}/anlaufstellen/ki-leverkusen/",
]
LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %%d %%.1f %%.2f %%.2f %%.2f %%d\\n", summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def imon_serve(env, workers=None, page_cache=True):
    """`imon serve` on a free port while the block runs; with `page_cache` off (IMON_PAGE_CACHE=0)
    every page is rendered anew."""
    port = free_port()
    server = subprocess.Popen(
        [*IMON, "serve", "--port", str(port), *(["--workers", str(workers)] if workers else [])],
        env={**env, "IMON_PAGE_CACHE": "1" if page_cache else "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait()


def wrk(port, paths, seconds, workdir, headers=()) -> dict:
    script = workdir / "paths.lua"
    script.write_text(LUA % {"paths": ", ".join(f'"{p}"' for p in paths)})
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c50",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            *[arg for header in headers for arg in ("-H", header)],
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    requests, rate, p50, p95, p99, errors = line.split()[1:]
    return {
        "requests": int(requests),
        "rate": float(rate),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
    }


def load(label, env, seconds, workdir, workers):
    subprocess.run([*IMON, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    paths = [p.format(lang=lang) for lang in ("de", "ar") for p in PAGES]
    print(f"\n{label}: {seconds} s per run, 50 connections, {workers} server process(es)")
    results = {}
    for name, run_paths, page_cache in (
        ("baseline /healthz", ["/healthz"], True),
        ("cached pages", paths, True),
        ("uncached pages", paths, False),
    ):
        with imon_serve(env, workers, page_cache) as port:
            wrk(port, paths, 2, workdir)  # warm the caches (the rows an uncached page reads)
            r = results[name] = wrk(port, run_paths, seconds, workdir)
        print(
            f"  {name:<18} {r['rate']:8.0f} req/s  p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']}"
        )
    base = results["baseline /healthz"]["p95"] or 1
    cached, uncached = results["cached pages"], results["uncached pages"]
    print(
        f"  p95 ratio to baseline: cached {cached['p95'] / base:.1f}x, uncached {uncached['p95'] / base:.1f}x"
    )
    ok = cached["errors"] == uncached["errors"] == 0 and cached["p95"] < 50 and uncached["p95"] < 200
    print(f"  targets (no errors, p95 < 50 ms cached, < 200 ms uncached): {'met' if ok else 'NOT met'}")


SERVED = (  # (what, live address, the same in the static export)
    ("start page", "/portal/de/", "/portal/de/index.html"),
    (
        "indicator page",
        "/portal/de/kennzahlen/gefluechtete/",
        "/portal/de/kennzahlen/gefluechtete/index.html",
    ),
    (
        "API download",
        "/api/v1/indicators/gefluechtete/observations.json",
        "/api/v1/indicators/gefluechtete/observations.json",
    ),
)


def wait_for(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def serving(seconds, workdir, env, workers):
    """The live portal (compressed answers) beside the static export on a plain web server."""
    import urllib.request

    subprocess.run([*IMON, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL)
    site = workdir / "site"
    subprocess.run(
        [*IMON, "export-site", str(site), "--languages", "de,ar"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    live_port, static_port = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [*IMON, "serve", "--port", str(live_port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "http.server",
                str(static_port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(site),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    gzip = ("Accept-Encoding: gzip",)
    try:
        wait_for(live_port)
        wait_for(static_port)
        print(
            f"serve: {seconds} s per run, 50 connections, Accept-Encoding: gzip; live: imon serve with "
            f"{workers} process(es) (SQLite); static: python -m http.server (answers uncompressed)"
        )
        for what, live_path, static_path in SERVED:
            request = urllib.request.Request(
                f"http://127.0.0.1:{live_port}{live_path}", headers={"Accept-Encoding": "gzip"}
            )
            with urllib.request.urlopen(request) as response:
                live_bytes, encoding = len(response.read()), response.headers.get("Content-Encoding", "none")
            static_bytes = (site / static_path.lstrip("/")).stat().st_size
            results = {}
            for name, port, path in (("live", live_port, live_path), ("static", static_port, static_path)):
                wrk(port, [path], 2, workdir, gzip)  # warm the caches
                r = results[name] = wrk(port, [path], seconds, workdir, gzip)
                print(
                    f"  {what:<15} {name:<6} {r['rate']:8.0f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']}"
                )
            print(
                f"  {what:<15} live/static requests/s {results['live']['rate'] / (results['static']['rate'] or 1):.2f}; "
                f"bytes per answer live {live_bytes:,} ({encoding}), static {static_bytes:,} (none)"
            )
    finally:
        for server in servers:
            server.terminate()
            server.wait()


def export(args, workdir, env):
    from make_concept import write_concept

    concept = workdir / "large.yaml"
    start = time.perf_counter()
    write_concept(
        concept, fields=8, measures=200, indicators=args.indicators, observations=args.observations, seed=7
    )
    print(
        f"concept file: {args.indicators} indicators, {args.observations:,} observations ({time.perf_counter() - start:.1f} s to generate)"
    )
    subprocess.run([*IMON, "migrate", "-v0"], env=env, check=True)
    for step, command in (
        ("load-concept", ["load-concept", str(concept)]),
        ("snapshot create", ["snapshot", "create", "--title", "Bericht", "--date", "2030-12-31"]),
        ("snapshot publish", ["snapshot", "publish", "1"]),  # the export writes only what is published
    ):
        start = time.perf_counter()
        subprocess.run([*IMON, *command], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"{step}: {time.perf_counter() - start:.1f} s")
    target = workdir / "site"
    times = []
    for run in range(1, args.runs + 1):
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [*IMON, "export-site", str(target), "--languages", "de,en"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (
            after.ru_stime - before.ru_stime
        )  # the command and its worker processes
        times.append(seconds)
        files = [p for p in target.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(
            f"export-site (de, en), run {run}: {seconds:.1f} s, CPU {cpu:.1f} s (user {after.ru_utime - before.ru_utime:.1f}, "
            f"system {after.ru_stime - before.ru_stime:.1f}), {len(files):,} files, {size / 1e6:.0f} MB"
        )
    print(
        f"export-site: {min(times):.1f}–{max(times):.1f} s over {len(times)} run(s) (target < 10 s; Open SDG reference "
        f"38.8 s, 399 MB); ratio to reference {min(times) / 38.8:.2f}–{max(times) / 38.8:.2f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("load", "export", "serve"))
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="server processes (imon serve --workers)"
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--observations", type=int, default=500_000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3, help="export: how often the export is timed")
    args = parser.parse_args(argv)
    compile_project()
    if args.what in ("load", "serve") and not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    base_env = {k: v for k, v in os.environ.items() if k != "IMON_DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="imon-bench-portal-") as tmp:
        workdir = Path(tmp)
        if args.what == "export":
            export(args, workdir, dict(base_env, IMON_HOME=str(workdir / "home")))
            return
        if args.what == "serve":
            serving(args.seconds, workdir, dict(base_env, IMON_HOME=str(workdir / "home")), args.workers)
            return
        load("SQLite", dict(base_env, IMON_HOME=str(workdir / "sqlite")), args.seconds, workdir, args.workers)
        if not args.no_postgres:
            with PostgresDatabase(args.database_url) as database:
                load(
                    "PostgreSQL",
                    dict(base_env, IMON_HOME=str(workdir / "pg"), IMON_DATABASE_URL=database.url),
                    args.seconds,
                    workdir,
                    args.workers,
                )


if __name__ == "__main__":
    main()
