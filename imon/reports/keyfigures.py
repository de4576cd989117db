"""Key figures at a glance: the same counts, shares and headline values on the portal's start page,
the staff dashboard and the report's summary, computed from one (public) snapshot document.

    figures = key_figures(public_document(snapshot))
    figures.measures      -> [Share("in_progress", 2, 50), Share("completed", 1, 25), ...]
    figures.goals         -> [Share("green", 3, 60), Share("", 2, 40)]   ("" = not assessed)
    figures.headlines     -> [Headline(title="Einwohnerinnen und Einwohner", value=166737, ...)]

Measures are counted by `imon.core.rollup` (the rule of the staff pages). Shares are whole per
cent of all measures (all goals), rounded half up. The headline indicators are the concept's
`headline_indicators` (three to six, in the concept's order); without them, the first four
indicators that have a value of the municipality itself at two reference dates. A headline's
value is that of the municipality (every dimension at its total) at the latest reference date;
the change is that since the reference date before, compared as displayed (rounded to the
indicator's decimals), so that "unchanged" never hides behind a difference that prints as 0.
Plain function on plain data, no database.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from imon.core import rollup
from imon.core.numbers import format_day, format_number, format_stated, with_percent_sign

from .document.formatting import main_area
from .narrative import _rounded

# The order of the measures' states and the goals' lights on every page.
STATUS_ORDER = (
    "completed",
    "established",
    "in_progress",
    "preparing",
    "planned",
    "delayed",
    "on_hold",
    "discontinued",
    "unknown",
)
LIGHT_ORDER = ("green", "yellow", "red", "")
DEFAULT_HEADLINES = 4
MAX_HEADLINES = 6


@dataclass(frozen=True)
class Share:
    code: str  # a measure's status or a goal's traffic light ("" = not assessed)
    count: int
    percent: int  # whole per cent of all


@dataclass(frozen=True)
class Headline:
    key: str
    title: str
    unit: str
    decimals: int | None
    area: str  # the area's name
    date: datetime.date
    value: Decimal | None  # None: hidden or not available (see `flag`)
    flag: str  # the official symbol: "." hidden, "p" provisional ...
    qualifier: str = ""  # how the source states the value ("approx": "rund 1.200"); no change then
    previous_date: datetime.date | None = None
    previous_value: Decimal | None = None
    change: Decimal | None = None  # as displayed: latest minus previous, both rounded
    direction: str = ""  # "up", "down", "same"; "" when there is nothing to compare

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class KeyFigures:
    measures_total: int
    finished: int
    finished_percent: int
    measures: list[Share]
    goals_total: int
    goals: list[Share]
    headlines: list[Headline]


def percent_of(count: int, total: int) -> int:
    """Whole per cent, rounded half up (1 of 8 = 13 %); 0 of nothing is 0."""
    if not total:
        return 0
    return int((Decimal(100 * count) / total).quantize(Decimal(1), ROUND_HALF_UP))


def _shares(counts: dict[str, int], order, total: int) -> list[Share]:
    known = [code for code in order if counts.get(code)]
    other = [code for code in counts if code not in order and counts[code]]
    return [Share(code, counts[code], percent_of(counts[code], total)) for code in known + other]


def headline_keys(document: dict, rows_of=None) -> list[str]:
    """The keys of the headline indicators: the concept's choice, else a default (see module).
    `rows_of(key)`: the observations of one indicator; the default then reads only as many
    indicators as it takes to find four."""
    indicators = [i["key"] for i in document.get("indicators", [])]
    chosen = [k for k in document.get("concept", {}).get("headline_indicators") or [] if k in indicators]
    if chosen:
        return chosen[:MAX_HEADLINES]
    area = main_area(document)
    totals = _totals(document)

    def own_totals(rows) -> dict[str, set]:
        dates: dict[str, set] = {}
        for o in rows:
            if o["area"] == area and o.get("value") is not None and _is_total(o, totals):
                dates.setdefault(o["indicator"], set()).add(o["date"])
        return dates

    if rows_of is None:
        dates = own_totals(document.get("observations", []))
        return [k for k in indicators if len(dates.get(k, ())) >= 2][:DEFAULT_HEADLINES]
    keys: list[str] = []
    for key in indicators:
        if len(keys) == DEFAULT_HEADLINES:
            break
        if len(own_totals(rows_of(key)).get(key, ())) >= 2:
            keys.append(key)
    return keys


def _totals(document: dict) -> set:
    return {
        (d["key"], v["key"]) for d in document.get("dimensions", []) for v in d["values"] if v.get("total")
    }


def _is_total(o: dict, totals: set) -> bool:
    return all((d, v) in totals for d, v in (o.get("dims") or {}).items())


def headline(document: dict, key: str) -> Headline | None:
    """The latest value of one indicator for the municipality (or, without one, its only area),
    with the change since the reference date before; None without any published value."""
    indicator = next((i for i in document.get("indicators", []) if i["key"] == key), None)
    if indicator is None:
        return None
    totals = _totals(document)
    rows = [o for o in document.get("observations", []) if o["indicator"] == key and _is_total(o, totals)]
    own = main_area(document)
    areas = {o["area"] for o in rows}
    area = own if own in areas else (next(iter(areas)) if len(areas) == 1 else None)
    rows = [o for o in rows if o["area"] == area]
    if not rows:
        return None
    by_date: dict[str, dict] = {}
    for o in rows:
        by_date.setdefault(o["date"], o)  # one value per date at the totals
    dates = sorted(by_date)
    latest = by_date[dates[-1]]
    names = {a["key"]: a["name"] for a in document.get("areas", [])}
    decimals = indicator.get("decimals")
    value = Decimal(str(latest["value"])) if latest.get("value") is not None else None
    figure = Headline(
        key=key,
        title=indicator.get("short_title") or indicator["title"],
        unit=indicator.get("unit", ""),
        decimals=decimals,
        area=names.get(area, ""),
        date=datetime.date.fromisoformat(str(latest["date"])),
        value=value,
        flag=latest.get("flag") or "",
        qualifier=latest.get("qualifier") or "",
    )
    if value is None or len(dates) < 2 or latest.get("qualifier"):
        return figure
    before = by_date[dates[-2]]
    if before.get("value") is None or before.get("qualifier"):
        return figure
    previous = Decimal(str(before["value"]))
    change = _rounded(value, decimals) - _rounded(previous, decimals)  # as format_number rounds
    return replace(
        figure,
        previous_date=datetime.date.fromisoformat(str(before["date"])),
        previous_value=previous,
        change=change,
        direction="up" if change > 0 else "down" if change < 0 else "same",
    )


def key_figures(document: dict, rows_of=None) -> KeyFigures:
    """The key figures of a snapshot document (best the public one: what the public may see).
    `rows_of(key)`: the observations of one indicator, where the document's are read only once
    (an iterator over a large release)."""
    measures = document.get("measures", [])
    figures = rollup.of_records(measures)
    total = figures["total"]
    goals = document.get("goals", [])
    lights: dict[str, int] = {}
    for goal in goals:
        light = goal.get("traffic_light") or ""
        lights[light] = lights.get(light, 0) + 1
    keys = headline_keys(document, rows_of)
    if rows_of is not None:
        figures_of = (headline({**document, "observations": rows_of(key)}, key) for key in keys)
    else:
        figures_of = (headline(document, key) for key in keys)
    headlines = [h for h in figures_of if h]
    return KeyFigures(
        measures_total=total,
        finished=figures["finished"],
        finished_percent=percent_of(figures["finished"], total),
        measures=_shares(figures["by_status"], STATUS_ORDER, total),
        goals_total=len(goals),
        goals=_shares(lights, LIGHT_ORDER, len(goals)),
        headlines=headlines,
    )


ARROWS = {"up": "↑", "down": "↓", "same": "→"}


def value_text(figure: Headline, lang: str = "de") -> str:
    """The headline's value as the language writes it ("15,7 %", "166,737"), as the source states
    it ("rund 1.200", with the digits it has) and with its symbol ("4.850 p"); the symbol alone
    for a hidden value."""
    if figure.value is None:
        return figure.flag or "."
    decimals = None if figure.qualifier else figure.decimals
    text = format_stated(figure.value, figure.qualifier, decimals, lang)
    if figure.is_percent:
        text = with_percent_sign(text, lang)
    return f"{text} {figure.flag}" if figure.flag else text


def change_words(figure: Headline, lang: str = "de") -> str:
    """The change since the reference date before, in words of the active language: "up by 175
    since 31.12.2017", "down by 0.4 percentage points since …", "unchanged since …"; empty
    without an earlier value."""
    if not figure.direction or figure.change is None or figure.previous_date is None:
        return ""
    date = format_day(figure.previous_date, lang)
    if figure.direction == "same":
        return gettext("unchanged since %(date)s") % {"date": date}
    amount = format_number(abs(figure.change), figure.decimals, lang=lang)
    if figure.is_percent:
        amount = gettext("%(amount)s percentage points") % {"amount": amount}
    words = (
        gettext("up by %(amount)s since %(date)s")
        if figure.direction == "up"
        else gettext("down by %(amount)s since %(date)s")
    )
    return words % {"amount": amount, "date": date}
