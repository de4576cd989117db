"""Suppression benchmarks, each printed beside the primary step alone (finding the small cells)
as the baseline of the same run:

- kreise: a Kreise table as the statistics offices ship it: 400 Kreise in 16 Länder and Germany,
  sex (with its total) × 19 age groups (with their total), four reference dates: about 100,000
  cells, about 4 % small counts; the relations are derived as in production (every breakdown
  total and the area tree, `suppression.derived_relations`). Target: under 10 s.
- grid: 400 areas × 200 dimension combinations (20 × 10, with row, column and grand totals per
  area), relations given explicitly. Target: under 2 s.

    .venv/bin/python bench/run_confidentiality.py [--areas 400]
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imon.settings")

from imon.publication import suppression as c  # noqa: E402


def make_table(areas: int, rows: int = 20, cols: int = 10, seed: int = 3):
    rng = random.Random(seed)
    cells, relations = {}, []
    for a in range(areas):
        area = f"a{a:03d}"
        for r in range(rows):
            for col in range(cols):
                value = rng.choice((1, 2)) if rng.random() < 0.04 else rng.randint(3, 400)
                cells[(area, f"r{r:02d}", f"c{col:02d}")] = value
        for r in range(rows):
            cells[(area, f"r{r:02d}", "total")] = sum(
                cells[(area, f"r{r:02d}", f"c{col:02d}")] for col in range(cols)
            )
            relations.append(
                [
                    (1, (area, f"r{r:02d}", "total")),
                    *((-1, (area, f"r{r:02d}", f"c{col:02d}")) for col in range(cols)),
                ]
            )
        for col in [f"c{col:02d}" for col in range(cols)] + ["total"]:
            cells[(area, "total", col)] = sum(cells[(area, f"r{r:02d}", col)] for r in range(rows))
            relations.append(
                [(1, (area, "total", col)), *((-1, (area, f"r{r:02d}", col)) for r in range(rows))]
            )
    return {k: (v, "", {}) for k, v in cells.items()}, [c.Relation(tuple(eq)) for eq in relations]


AGES = [f"{5 * i}-{5 * i + 4}" for i in range(18)] + ["90plus"]


def make_kreise_table(kreise: int = 400, dates: int = 4, seed: int = 5):
    """Cells {(indicator, area, date, dim_key): (value, flag, dims)}, {dimension: total}, the area tree."""
    import datetime

    rng = random.Random(seed)
    lands = [f"{n:02d}" for n in range(1, 17)]
    children = {"DG": lands, **{land: [] for land in lands}}
    for k in range(kreise):
        children[lands[k % 16]].append(f"{lands[k % 16]}{k:03d}")
    cells = {}

    def put(area, date, sex, age, value):
        dims = {"geschlecht": sex, "altersgruppe": age}
        key = ("bevoelkerung", area, date, f"altersgruppe={age}|geschlecht={sex}")
        cells[key] = (value, "", dims)

    for d in range(dates):
        date = datetime.date(2021 + d, 12, 31)
        sums = {}
        for land in lands:
            for kreis in children[land]:
                for sex in ("m", "w"):
                    for age in AGES:
                        value = rng.choice((1, 2)) if rng.random() < 0.04 else rng.randint(3, 900)
                        for area in (kreis, land, "DG"):
                            sums[(area, sex, age)] = sums.get((area, sex, age), 0) + value
        for (area, sex, age), value in sums.items():
            put(area, date, sex, age, value)
        areas = {area for area, _s, _a in sums}
        for area in areas:
            for age in AGES:
                put(area, date, "insgesamt", age, sums[(area, "m", age)] + sums[(area, "w", age)])
            for sex in ("m", "w"):
                put(area, date, sex, "insgesamt", sum(sums[(area, sex, age)] for age in AGES))
            put(
                area,
                date,
                "insgesamt",
                "insgesamt",
                sum(sums[(area, s, age)] for s in ("m", "w") for age in AGES),
            )
    return cells, {"geschlecht": "insgesamt", "altersgruppe": "insgesamt"}, children


def run_kreise(kreise: int):
    cells, totals, children = make_kreise_table(kreise)
    start = time.perf_counter()
    small = c.primary(cells, lambda key: True, c.Policy())
    baseline = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    relations = c.derived_relations(cells, totals, children, lambda key: True)
    hidden = c.suppress(cells, relations, lambda key: True)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    secondary = sum(1 for reason in hidden.values() if reason == c.SECONDARY)
    print(f"kreise: {kreise} Kreise, {len(cells):,} cells, {len(relations):,} derived relations")
    print(f"  primary step alone: {baseline:.3f} s ({len(small)} small cells)")
    print(
        f"  relations and suppression: {seconds:.2f} s (target < 10 s; CPU of this process {cpu:.2f} s, "
        f"less than the wall time when the machine is shared), {secondary} secondary cells; "
        f"ratio to primary step: {seconds / baseline:.0f}"
    )
    return seconds < 10


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=400)
    parser.add_argument("--table", choices=("kreise", "grid", "both"), default="both")
    args = parser.parse_args(argv)
    ok = True
    if args.table in ("kreise", "both"):
        ok &= run_kreise(args.areas)
    if args.table in ("grid", "both"):
        ok &= run_grid(args.areas)
    print("RESULT ok" if ok else "RESULT over target")


def run_grid(areas: int) -> bool:
    cells, relations = make_table(areas)
    start = time.perf_counter()
    small = c.primary(cells, lambda key: True, c.Policy())
    baseline = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    hidden = c.suppress(cells, relations, lambda key: True)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    secondary = sum(1 for reason in hidden.values() if reason == c.SECONDARY)
    print(f"grid: {areas} areas x 200 combinations, {len(cells):,} cells, {len(relations):,} relations")
    print(f"  primary step alone: {baseline:.3f} s ({len(small)} small cells)")
    print(
        f"  suppress: {seconds:.2f} s (target < 2 s; CPU {cpu:.2f} s), {secondary} secondary cells; "
        f"ratio to primary step: {seconds / baseline:.0f}"
    )
    return seconds < 2


if __name__ == "__main__":
    main()
