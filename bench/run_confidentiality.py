"""Suppression benchmark: a table of 400 areas × 200 dimension combinations (20 × 10, with row,
column and grand totals per area, and area totals over all areas), about 4 % small cells.

    .venv/bin/python bench/run_confidentiality.py [--areas 400]

Prints the time of `confidentiality.suppress` and, as the baseline in the same run, the time of
the primary step alone (finding the small cells). Target (issue 4): under 2 s.
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=400)
    args = parser.parse_args(argv)
    cells, relations = make_table(args.areas)
    start = time.perf_counter()
    small = c.primary(cells, lambda key: True, c.Policy())
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    hidden = c.suppress(cells, relations, lambda key: True)
    seconds = time.perf_counter() - start
    secondary = sum(1 for reason in hidden.values() if reason == c.SECONDARY)
    print(f"table: {args.areas} areas x 200 combinations, {len(cells):,} cells, {len(relations):,} relations")
    print(f"primary step alone: {baseline:.3f} s ({len(small)} small cells)")
    print(
        f"suppress: {seconds:.2f} s (target < 2 s), {secondary} secondary cells; ratio to primary step: {seconds / baseline:.0f}"
    )
    print("RESULT ok" if seconds < 2 else "RESULT over target")


if __name__ == "__main__":
    main()
