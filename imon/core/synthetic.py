"""A realistic synthetic GENESIS flat file (ffcsv) of all German Kreise, for tests and benchmarks.

Layout as GENESIS-Online / Regionalstatistik deliver it: UTF-8 with BOM, `;`,
decimal comma, one classifying variable per column group, totals as rows with
an empty attribute code, symbols in the value column and a quality column
`value_q`, used as statistics offices use them:

- `.` secret (small foreigner counts 1 and 2), `-` nothing (0);
- `/` too uncertain or `(12)` limited reliability for half of the foreigner
  cells below 20 in the earlier years; `x` for every cell of one Kreis in the first year (it did
  not exist in that form); `...` for every cell of one Kreis in the last year
  (not yet reported);
- `value_q` `p` for the provisional last year, `r` for the revised figures of
  every seventh Kreis in the year before, `e` (final) otherwise.
"""

import itertools
import random

HEADER = [
    "statistics_code",
    "statistics_label",
    "time_code",
    "time_label",
    "time",
    "1_variable_code",
    "1_variable_label",
    "1_variable_attribute_code",
    "1_variable_attribute_label",
]
VARIABLES = [
    ("GES", "Geschlecht", [("GESM", "männlich"), ("GESW", "weiblich")]),
    ("STAAG", "Staatsangehörigkeit", [("STAAG1", "Deutsche"), ("STAAG2", "Ausländer")]),
    (
        "ALTX20",
        "Altersgruppen",
        [
            ("ALT000B18", "unter 18 Jahre"),
            ("ALT018B65", "18 bis unter 65 Jahre"),
            ("ALT065UM", "65 Jahre und mehr"),
        ],
    ),
    ("AUFDAU", "Aufenthaltsdauer", [("AUFD0B8", "unter 8 Jahre"), ("AUFD8UM", "8 Jahre und mehr")]),
]


def kreise(count: int = 400):
    """(code, label) of `count` Kreise over the 16 Länder, Leverkusen (05316) among them."""
    result = [("05316", "Leverkusen, kreisfreie Stadt")]
    state, number = 1, 1
    while len(result) < count:
        code = f"{state:02d}{number:03d}"
        if code != "05316":
            result.append((code, f"Kreis {code}"))
        state = state % 16 + 1
        if state == 1:
            number += 1
    return result


def genesis_rows(areas: int = 400, years=(2019, 2020, 2021, 2022), seed: int = 7):
    """Rows of the flat file (without header) as lists of strings."""
    rng = random.Random(seed)
    # Every combination including totals (empty code) of the four variables.
    combinations = list(itertools.product(*([*(c for c, _ in var[2]), ""] for var in VARIABLES)))
    for year in years:
        final, revised_year = year == years[-1], len(years) > 1 and year == years[-2]
        for index, (code, label) in enumerate(kreise(areas)):
            whole_kreis = "x" if index == 2 and year == years[0] else "..." if index == 1 and final else None
            quality = "p" if final else "r" if revised_year and index % 7 == 0 else "e"
            leaves = _leaf_values(rng, rng.randint(800, 40000))
            for chosen in combinations:
                value = sum(
                    v for key, v in leaves.items() if all(c == "" or c == k for c, k in zip(chosen, key))
                )
                cell = whole_kreis or _cell(rng, value, is_leaf=all(chosen), final=final)
                yield _row(year, code, label, chosen, cell, quality)


def _leaf_values(rng, size: int) -> dict:
    """The counts of one Kreis by every combination of the variables' values (no totals)."""
    leaves = {}
    for key in itertools.product(*((c for c, _ in var[2]) for var in VARIABLES)):
        staag = key[1]
        share = 0.05 if staag == "STAAG2" else 0.45
        value = int(size * share * rng.uniform(0.2, 0.5))
        if staag == "STAAG2" and rng.random() < 0.08:
            value = rng.choice((0, 1, 2))  # small cells, as in real foreigner counts
        leaves[key] = value
    return leaves


def _cell(rng, value: int, is_leaf: bool, final: bool) -> str:
    """The cell as published: small counts secret, zero as '-', some small counts of earlier
    years too uncertain ('/') or of limited reliability ('(n)')."""
    if is_leaf and 0 < value < 3:
        return "."
    if value == 0:
        return "-"
    if is_leaf and not final and value < 20 and (chance := rng.random()) < 0.5:
        return "/" if chance < 0.25 else f"({value})"
    return str(value)


def _row(year: int, code: str, label: str, chosen: tuple, cell: str, quality: str) -> list:
    row = [
        "12521",
        "Ausländerstatistik",
        "STAG",
        "Stichtag",
        f"{year}-12-31",  # as the current downloads write a Stichtag
        "KREISE",
        "Kreise und krfr. Städte",
        code,
        label,
    ]
    for (var, var_label, values), attr in zip(VARIABLES, chosen):
        labels = dict(values)
        row += [var, var_label, attr, labels.get(attr, "Insgesamt")]
    row += [cell, "Anzahl", "BEV001", "Bevölkerung", quality]
    return row


def header():
    columns = list(HEADER)
    for n in range(2, len(VARIABLES) + 2):
        columns += [
            f"{n}_variable_code",
            f"{n}_variable_label",
            f"{n}_variable_attribute_code",
            f"{n}_variable_attribute_label",
        ]
    return columns + ["value", "value_unit", "value_variable_code", "value_variable_label", "value_q"]


def write_genesis(path, areas: int = 400, years=(2019, 2020, 2021, 2022), seed: int = 7) -> int:
    """Write the flat file; returns the number of data rows."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        stream.write(";".join(header()) + "\r\n")
        for row in genesis_rows(areas, years, seed):
            stream.write(";".join(row) + "\r\n")
            count += 1
    return count
