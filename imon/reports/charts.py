"""Charts: one specification per figure, rendered to SVG (HTML, PDF) and PNG (DOCX, PPTX).

    spec = ChartSpec(kind="bar", title="Wohnungssuchende Haushalte nach Haushaltsgröße",
                     categories=("1 Person", "2 Personen"), series=(Series("Haushalte", (Decimal(402), Decimal(54))),),
                     unit="Haushalte", reference_date="31.12.2018")
    render_svg(spec)   -> "<svg role="img" ...>" to inline into HTML
    render_png(spec)   -> PNG bytes, 16 × 9 cm at 200 dpi
    alt_text(spec)     -> "Balkendiagramm: ... Am häufigsten: ..."
    data_table(spec)   -> (header, rows) with German-formatted strings

Reports are German documents, so every text here is written in German directly (not through
gettext). Numbers follow German conventions (166.737; 15,7 %); a missing or suppressed value
(None) is never drawn as zero: bars leave a gap marked with the official symbol ".", lines
break, pie slices are left out and named in the alt text.

Colours come from the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies); several series are also told apart by hatching (bars) or markers and line
styles (lines), pie slices by direct labels, and every bar and wedge has a dark outline so
that its shape has enough contrast to the white background. The figure title is not drawn:
the renderer sets it as the caption ("Abbildung 8: ..."), with source and reference date.

matplotlib is imported on first use (it takes about half a second), and only its object
API is used (Figure + a canvas per output format): no pyplot, no global figure state. The
two SVG settings it reads from rcParams (text as <text>, a fixed hash salt for
deterministic clip-path ids) are set once on first use.
"""

import contextlib
import functools
import hashlib
import html
import math
import os
import re
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from imon.core.numbers import display_language, format_number, format_percent, shown_language

from . import rasterize, svgdraw, timebars
from .narrative import _SINGULAR_TO_PLURAL, _percent_change, count_phrase, unit_for

KINDS = ("bar", "grouped_bar", "stacked_bar", "pie", "donut", "line", "map", "timebar")
KIND_NAMES = {
    "bar": "Balkendiagramm",
    "grouped_bar": "Gruppiertes Balkendiagramm",
    "stacked_bar": "Gestapeltes Balkendiagramm",
    "pie": "Kreisdiagramm",
    "donut": "Ringdiagramm",
    "line": "Liniendiagramm",
    "map": "Karte",
    "timebar": "Zeitbalkendiagramm",
}
# Units of things that are counted: their extremes read "am häufigsten"/"am seltensten".
COUNTED_UNITS = {
    "Personen",
    "Haushalte",
    "Fälle",
    "Maßnahmen",
    "Kinder",
    "Plätze",
    "Teilnehmende",
    "Geflüchtete",
    "Einwohner/innen",
}
MISSING = "."  # the official symbol for "secret or unknown"
MISSING_NOTE = "„.“ = Wert geheim gehalten oder unbekannt (Lücke, kein Nullwert)"

CM = 1 / 2.54
WIDTH_CM, HEIGHT_CM = 16.0, 9.0
# Drawn for narrow screens (a phone of 320 px): shown at about its own size, text stays 9 pt.
NARROW_CM = 7.4
FONT_SIZE = 9  # points, at the size the chart is placed (A4 text width; a slide scales it up)
LABEL_SIZE = 10
MIN_PLACED_PT = 8  # no text smaller than this where a document places the chart
# The one place of the chart colours (a house style can replace them here).
# Okabe & Ito (2008), strongest first; every shape also gets a dark outline.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
HATCHES = ("", "///", "\\\\\\", "xx", "---", "|||", "++", "..")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", ":", "-.")
EDGE = "#222222"
HIGHLIGHT = "#E69F00"  # the city among comparison regions (Okabe–Ito orange)
# Map classes: ColorBrewer "Blues", light to dark (sequential, readable in grey and with the
# common colour-vision deficiencies); Kreise without a value stay white and hatched.
MAP_CLASSES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
GRID = "#d0d0d0"
TEXT = "#1a1a1a"
# The "." where a value is missing, on a small grey tag so that the gap is seen as marked.
_MISSING_STYLE = dict(
    fontsize=LABEL_SIZE,
    fontweight="bold",
    color=TEXT,
    bbox=dict(boxstyle="round,pad=0.25", facecolor="#e8e8e8", edgecolor="#6a6a6a", linewidth=0.6),
)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple  # Decimal | None per category (None = not available/suppressed)


@dataclass(frozen=True)
class ChartSpec:
    kind: str  # "bar" | "grouped_bar" | "stacked_bar" | "pie" | "donut" | "line"
    title: str  # e.g. "Ausländer/innen nach Altersgruppe"
    categories: tuple  # x axis labels, pie slices, or time labels of a line chart
    series: tuple  # tuple[Series]; pie and donut use exactly one series
    unit: str = ""  # "%", "Personen", "Haushalte", ...
    decimals: int = 0
    source: str = ""  # "Stadt Leverkusen, Statistikstelle"
    reference_date: str = ""  # already formatted, e.g. "31.12.2018"
    horizontal: bool = False
    # The category that is the city itself: its bar is set apart, its Kreis outlined on a map.
    highlight: int | None = None
    # Maps: the 5-digit Kreis key of each category, and the Land (2-digit key) that is drawn;
    # or, for a map of the city's own areas, `shapes`: (code, rings) of every area drawn, each
    # ring a flat tuple (x0, y0, x1, y1, ...) in metres, and `credit`: who made the outlines.
    codes: tuple = ()
    region: str = ""
    shapes: tuple = ()
    credit: str = ""
    # What the categories (or, on a time axis, the series) are: "Haushaltsgröße", "Gebiet".
    dimension: str = ""
    # The categories are reference dates in order: the alt text speaks of change, not extremes.
    time_axis: bool = False
    # The categories are the parts of a whole: labels and alt text add each part's share of it.
    shares: bool = False
    # Time bars (imon.reports.timebars): series "Beginn" and "Ende" in years; per category its
    # (status, status label, overdue) and (start, end) as written; the axis from-to in years and
    # the reporting date on it.
    statuses: tuple = ()
    dates: tuple = ()
    span: tuple = ()
    marker: Decimal | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if not self.series:
            raise ValueError("a chart needs at least one series")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"series {series.label!r} has {len(series.values)} values for {len(self.categories)} categories"
                )
        if self.highlight is not None and not 0 <= self.highlight < len(self.categories):
            raise ValueError("the highlighted category must be one of the categories")
        if self.kind == "map" and (
            len(self.codes) != len(self.categories)
            or len(self.series) != 1
            or not (self.region or self.shapes)
        ):
            raise ValueError("a map has one series, a code per category and a Land or shapes to draw")
        if self.kind in ("pie", "donut"):
            if len(self.series) != 1:
                raise ValueError("a pie or donut chart has exactly one series")
            if any(v is not None and v < 0 for v in self.series[0].values):
                raise ValueError("a pie or donut chart cannot show negative values")
        if self.kind == "timebar" and (
            len(self.series) != 2
            or len(self.statuses) != len(self.categories)
            or len(self.dates) != len(self.categories)
            or len(self.span) != 2
            or self.marker is None
        ):
            raise ValueError(
                "time bars have a start and an end series, a status and dates per bar, a span and a marker"
            )


# --- German text -----------------------------------------------------------------------------


def _number(value, decimals) -> str:
    """In the language of the page on the portal (German in the report, see imon.core.numbers)."""
    return format_number(Decimal(value), decimals, lang=shown_language())


def format_value(spec: ChartSpec, value) -> str:
    """A value as a data label or table cell: "166.737", "15,7 %", "." for a missing value."""
    if value is None:
        return MISSING
    if spec.unit == "%":
        return format_percent(Decimal(value), spec.decimals, lang=shown_language())
    return _number(value, spec.decimals)


def _with_unit(spec: ChartSpec, value, dative: bool = False) -> str:
    """A value for running text: "15,7 %", "402 Haushalte", "1 Haushalt", dative "402 Haushalten"."""
    if spec.unit == "%":
        return format_percent(Decimal(value), spec.decimals, lang=shown_language())
    text = _number(value, spec.decimals)
    if not spec.unit:
        return text
    return f"{text} {unit_for(spec.unit, text, dative)}"


def _shares(values) -> list:
    """Percentages of the visible total, or None where the value is missing."""
    total = sum(v for v in values if v is not None)
    return [None if v is None or not total else Decimal(v) * 100 / total for v in values]


def _share_decimals(shares) -> int:
    """0 decimals ("87 %") unless a non-zero slice would show as "0 %"."""
    return 1 if any(s is not None and 0 < s < Decimal("0.5") for s in shares) else 0


def alt_text(spec: ChartSpec) -> str:
    """A German text alternative generated from the data: what is compared and when, the largest
    and smallest values with their units, the change over time, and what is not drawn."""
    head = f"{KIND_NAMES[spec.kind]}: {spec.title}"
    if spec.reference_date and spec.reference_date not in spec.title:
        head += f", {spec.reference_date}"
    sentences = [head + "."]
    if spec.kind == "timebar":
        return " ".join(sentences + timebars.alt_sentences(spec))
    missing = sum(v is None for s in spec.series for v in s.values)
    compared = _compared(spec)
    if compared:
        sentences.append(compared)
    if spec.kind == "line" or _over_time(spec):
        sentences += _line_sentences(spec)
    elif spec.kind in ("pie", "donut"):
        sentences += _share_sentences(spec, missing)
    elif spec.kind == "map":
        sentences += _map_sentences(spec)
    else:
        sentences += _bar_sentences(spec)
    if missing and spec.kind != "map":
        sentences.append(
            f"{count_phrase(missing, 'Wert', 'Werte')} nicht dargestellt (geheim gehalten oder nicht verfügbar)."
        )
    if spec.source:
        sentences.append(f"Quelle: {spec.source}.")
    return " ".join(sentences)


def _compared(spec: ChartSpec) -> str:
    """What the chart compares: "Verglichen: Haushaltsgröße (11 Gruppen)."; over time the dates."""
    n = len(spec.categories)
    if spec.kind == "line" or _over_time(spec):
        if n < 2:
            return ""
        text = f"Verlauf über {n} Stichtage ({spec.categories[0]} bis {spec.categories[-1]})"
        if len(spec.series) > 1:
            text += f", {_by(spec.dimension)}{count_phrase(len(spec.series), 'Gruppe', 'Gruppen')}"
        return text + "."
    if spec.kind == "map":
        return ""
    text = f"Verglichen: {spec.dimension} ({n} Gruppen)" if spec.dimension else ""
    if len(spec.series) == 2:
        groups = " und ".join(s.label for s in spec.series)
        text += (", je " if text else "Verglichen: ") + groups
    return text + "." if text else ""


_DATE = re.compile(r"\d{2}\.\d{2}\.\d{4}|\d{4}")


def _over_time(spec: ChartSpec) -> bool:
    """Bars whose categories are reference dates ("31.12.2017", "2018"): said as a change."""
    return spec.kind != "map" and (
        spec.time_axis or (len(spec.categories) > 1 and all(_DATE.fullmatch(str(c)) for c in spec.categories))
    )


def _by(dimension: str) -> str:
    return f"{dimension}: " if dimension else ""


def _line_sentences(spec: ChartSpec) -> list[str]:
    """Per series: the change from the first to the last value, and the extremes between them;
    with several series also the largest and smallest at the latest date, and for a stack the
    change of its total."""
    sentences = []
    for series in spec.series:
        points = [(c, v) for c, v in zip(spec.categories, series.values) if v is not None]
        prefix = f"{series.label}: " if len(spec.series) > 1 else ""
        if len(points) >= 2:
            sentences.append(f"{prefix}{_change(spec, points)}{_inner_extremes(spec, points)}.")
        elif points:
            sentences.append(f"{prefix}nur ein Wert: {_with_unit(spec, points[0][1])} ({points[0][0]}).")
    if spec.kind == "stacked_bar" and len(spec.series) > 1:
        totals = [(c, t) for i, c in enumerate(spec.categories) if (t := _total(spec, i)) is not None]
        if len(totals) >= 2:
            sentences.append(f"Insgesamt: {_change(spec, totals)}.")
    if len(spec.series) > 1 and spec.categories:
        last = len(spec.categories) - 1
        present = [(s.label, s.values[last]) for s in spec.series if s.values[last] is not None]
        if len(present) >= 2:
            sentences.append(f"Am {spec.categories[last]} {_extremes(spec, present)}.")
    return sentences


def _change(spec: ChartSpec, points) -> str:
    (c0, v0), (c1, v1) = points[0], points[-1]
    if _number(v0, spec.decimals) == _number(v1, spec.decimals):
        return f"unverändert bei {_with_unit(spec, v0)} ({c0} und {c1})"
    verb = "Anstieg" if v1 > v0 else "Rückgang"
    text = f"{verb} von {_with_unit(spec, v0, True)} ({c0}) auf {_with_unit(spec, v1)} ({c1})"
    if spec.unit == "%":
        diff = abs(Decimal(v1) - Decimal(v0))
        text += f", um {_number(diff, spec.decimals)} Prozentpunkte"
    elif v0 > 0:
        text += f", {_percent_change(Decimal(v0), Decimal(v1))}"
    return text


def _inner_extremes(spec: ChartSpec, points) -> str:
    """The extremes, where they are not the first or last value already named."""
    (_c0, v0), (_c1, v1) = points[0], points[-1]
    inner = points[1:-1]
    extremes = []
    if inner and (hi := max(inner, key=lambda p: p[1]))[1] > max(v0, v1):
        extremes.append(f"höchster Wert {_with_unit(spec, hi[1])} ({hi[0]})")
    if inner and (lo := min(inner, key=lambda p: p[1]))[1] < min(v0, v1):
        extremes.append(f"niedrigster Wert {_with_unit(spec, lo[1])} ({lo[0]})")
    return "; " + ", ".join(extremes) if extremes else ""


def _share_sentences(spec: ChartSpec, missing: int) -> list[str]:
    """Pie and donut: every part with its share, and the largest part."""
    sentences = []
    values = spec.series[0].values
    shares = _shares(values)
    d = _share_decimals(shares)
    parts = []
    for category, value, share in zip(spec.categories, values, shares):
        if value is not None:
            text = _with_unit(spec, value)
            if spec.unit != "%" and not missing:
                text += f" ({format_percent(share, d, lang=shown_language())})"
            parts.append(f"{category} {text}")
    if parts:
        sentences.append("Anteile: " + "; ".join(parts) + ".")
    present = [(c, v) for c, v in zip(spec.categories, values) if v is not None]
    if len(present) > 1:
        hi = max(present, key=lambda p: p[1])
        lo = min(present, key=lambda p: p[1])
        sentences.append(f"Größter Anteil: {hi[0]}; kleinster Anteil: {lo[0]}.")
    return sentences


def _map_sentences(spec: ChartSpec) -> list[str]:
    """A map: how many Kreise are shaded, the extremes, and the outlined city with its value."""
    from . import maps

    values = spec.series[0].values
    present = [(c, v) for c, v in zip(spec.categories, values) if v is not None]
    total = len(spec.shapes) if spec.shapes else len(maps.kreise_of(spec.region))
    noun = "Gebieten" if spec.shapes else "Kreisen und kreisfreien Städten"
    sentences = [f"{len(present)} von {total} {noun} nach ihrem Wert eingefärbt, je dunkler, desto höher."]
    if len(present) >= 2:
        hi = max(present, key=lambda p: p[1])
        lo = min(present, key=lambda p: p[1])
        sentences.append(
            f"Am höchsten: {hi[0]} mit {_with_unit(spec, hi[1], True)}; am niedrigsten: {lo[0]} mit {_with_unit(spec, lo[1], True)}."
        )
    if spec.highlight is not None and values[spec.highlight] is not None:
        sentences.append(
            f"Umrandet: {spec.categories[spec.highlight]} mit {_with_unit(spec, values[spec.highlight], True)}."
        )
    if len(present) < total:
        sentences.append(
            f"Ohne Angabe (schraffiert): {total - len(present)} {'Gebiete' if spec.shapes else 'Kreise'}."
        )
    return sentences


def _extremes(spec: ChartSpec, present) -> str:
    """ "am häufigsten 1 Person mit 402 Haushalten (62,8 %), am seltensten ..." of (name, value) pairs."""
    hi = max(present, key=lambda p: p[1])
    lo = min(present, key=lambda p: p[1])
    if hi[1] == lo[1]:
        return f"alle Werte gleich: {_with_unit(spec, hi[1])}"
    counted = _SINGULAR_TO_PLURAL.get(spec.unit, spec.unit) in COUNTED_UNITS
    word_hi, word_lo = ("am häufigsten", "am seltensten") if counted else ("am höchsten", "am niedrigsten")
    total = sum(v for _c, v in present) if _with_shares(spec) else None

    def value(v):
        share = f" ({_number(Decimal(v) * 100 / total, 1)} %)" if total else ""
        return _with_unit(spec, v, True) + share

    return f"{word_hi}: {hi[0]} mit {value(hi[1])}; {word_lo}: {lo[0]} mit {value(lo[1])}"


def _with_shares(spec: ChartSpec) -> bool:
    """Shares of the whole, where the parts make it up and every part is known (shares of an
    incomplete total would mislead)."""
    return (
        spec.shares
        and spec.unit != "%"
        and len(spec.series) == 1
        and all(v is not None for v in spec.series[0].values)
    )


def _bar_sentences(spec: ChartSpec) -> list[str]:
    """Bars: the extremes of each series (for stacked bars also of the totals)."""
    sentences = []
    for series in spec.series:
        present = [(c, v) for c, v in zip(spec.categories, series.values) if v is not None]
        if len(present) < 2:
            continue
        prefix = f"{series.label}: " if len(spec.series) > 1 else ""
        text = _extremes(spec, present)
        sentences.append(f"{prefix}{text[0].upper()}{text[1:]}.")
    if spec.kind == "stacked_bar" and len(spec.categories) > 1:
        totals = [(c, _total(spec, i)) for i, c in enumerate(spec.categories)]
        totals = [(c, t) for c, t in totals if t is not None]
        if len(totals) > 1:
            hi = max(totals, key=lambda p: p[1])
            lo = min(totals, key=lambda p: p[1])
            sentences.append(
                f"Summe am höchsten: {hi[0]} mit {_with_unit(spec, hi[1], True)}; am niedrigsten: {lo[0]} mit {_with_unit(spec, lo[1], True)}."
            )
    return sentences


def _total(spec: ChartSpec, index: int):
    values = [s.values[index] for s in spec.series]
    return None if any(v is None for v in values) else sum(values)


def data_table(spec: ChartSpec) -> tuple[list[str], list[list[str]]]:
    """The chart's data as a table of German-formatted strings; None is shown as "."."""
    if spec.kind == "timebar":
        return timebars.data_table(spec)
    first = (
        "Jahr"
        if spec.kind == "line"
        else "Gebiet"
        if spec.kind == "map" and spec.shapes
        else "Kreis"
        if spec.kind == "map"
        else "Gebiet"
        if spec.highlight is not None
        else ""
    )
    header = [first] + [s.label for s in spec.series]
    rows = [
        [category] + [format_value(spec, s.values[i]) for s in spec.series]
        for i, category in enumerate(spec.categories)
    ]
    if spec.highlight is not None:
        rows[spec.highlight][0] += " (hervorgehoben)"
    if spec.kind in ("pie", "donut") and spec.unit != "%":
        header.append("Anteil")
        shares = _shares(spec.series[0].values)
        missing = any(v is None for v in spec.series[0].values)
        d = _share_decimals(shares)
        for row, share in zip(rows, shares):
            row.append(
                MISSING if share is None or missing else format_percent(share, d, lang=shown_language())
            )
    if spec.kind == "stacked_bar" and len(spec.series) > 1:
        header.append("Insgesamt")
        for i, row in enumerate(rows):
            row.append(format_value(spec, _total(spec, i)))
    return header, rows


# --- drawing ---------------------------------------------------------------------------------

_mpl = None


def _matplotlib():
    """Import matplotlib on first use and fix the two SVG settings it reads from rcParams."""
    global _mpl
    if _mpl is None:
        import matplotlib
        import matplotlib.figure
        import matplotlib.ticker

        matplotlib.rcParams["svg.fonttype"] = (
            "none"  # real <text>: searchable, small, WeasyPrint draws it with DejaVu Sans
        )
        matplotlib.rcParams["svg.hashsalt"] = "imon"  # deterministic clip-path ids
        _share_text_metrics()
        _mpl = matplotlib
    return _mpl


_TEXT_METRICS: dict = {}


def _share_text_metrics():
    """matplotlib measures every label with FreeType (about 40 µs a character) and keeps the
    result only for one renderer, that is for one figure and one output; a report draws dozens
    of charts (each in two widths for the web) with the same tick labels, names and legends.
    Measurements of the Agg and SVG renderers depend only on the text, the font properties, the
    math flag and the resolution, so they are kept for the process here. Without the private
    hook (another matplotlib version) everything is measured as before."""
    import matplotlib.text

    original = getattr(matplotlib.text, "_get_text_metrics_function", None)
    if original is None or getattr(original, "imon_shared", False):
        return

    def metrics_function(renderer, *args, **kwargs):
        kind = type(renderer).__name__
        if kind not in ("RendererAgg", "RendererSVG"):
            return original(renderer, *args, **kwargs)
        renderer_dpi = getattr(renderer, "dpi", None)

        def metrics(text, fontprop, ismath, dpi):
            key = (kind, renderer_dpi, text, fontprop, ismath, dpi)
            found = _TEXT_METRICS.get(key)
            if found is None:
                if len(_TEXT_METRICS) > 50_000:
                    _TEXT_METRICS.clear()
                found = _TEXT_METRICS[key] = renderer.get_text_width_height_descent(text, fontprop, ismath)
            return found

        return metrics

    metrics_function.imon_shared = True  # type: ignore[attr-defined]
    matplotlib.text._get_text_metrics_function = metrics_function  # type: ignore[attr-defined]


def _wrap(label: str, width: int) -> str:
    return _wrapped(str(label), max(width, 6))


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, width: int) -> str:
    """A label wrapped at `width` characters (the same labels come again in every chart of a page)."""
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _floats(values):
    return [math.nan if v is None else float(v) for v in values]


def _tick_formatter(spec):
    ticker = _matplotlib().ticker

    def fmt(x, pos=None, axis=None):
        return _number(Decimal(repr(round(float(x), 6))), None)

    return ticker.FuncFormatter(fmt)


def _axis_title(spec) -> str:
    if spec.unit == "%":
        return "in %"
    return spec.unit


def _text_width_pt(text: str, size: float) -> float:
    """A rough width of DejaVu Sans text (average glyph ~0.6 em)."""
    return max(len(line) for line in text.split("\n")) * size * 0.62


def _orientation(spec, width_cm: float = WIDTH_CM) -> tuple[bool, int]:
    """(horizontal, wrap width): long category labels that would need more than three lines
    under a vertical bar get horizontal bars instead."""
    n = len(spec.categories)
    # narrow: long names stand above their bars, across the whole width
    label_chars = (
        int(width_cm * CM * 72 * 0.95 / (FONT_SIZE * 0.62))
        if _names_go_above(spec, width_cm)
        else 28
        if width_cm >= 12
        else 16
    )
    # A few parts of one series (not dates): short bars side by side, not two fat columns.
    if spec.horizontal or (len(spec.series) == 1 and n <= 3 and not _over_time(spec)):
        return True, label_chars
    slot_pt = (width_cm * CM * 72 * 0.85) / max(n, 1)
    width = max(int(slot_pt / (FONT_SIZE * 0.6)), 6)
    wrapped = [textwrap.wrap(str(c), width=width, break_long_words=False) or [""] for c in spec.categories]
    lines = max(len(w) for w in wrapped)
    longest = max(_text_width_pt(line, FONT_SIZE) for w in wrapped for line in w)
    if lines > 3 or longest > slot_pt * 0.95:
        return True, label_chars
    return False, width


def _base_height(width_cm: float) -> float:
    """9 cm at the full width; a narrow chart is about as high as it is wide."""
    return HEIGHT_CM if width_cm >= 12 else width_cm * 1.1


def _figure(spec, width_cm=WIDTH_CM, height_cm=HEIGHT_CM):
    mpl = _matplotlib()
    fig = mpl.figure.Figure(figsize=(width_cm * CM, height_cm * CM), dpi=100, layout="constrained")
    fig.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
    return fig


def _style_axes(ax, value_axis: str):
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT_SIZE, colors=TEXT, length=3)
    ax.set_axisbelow(True)
    ax.grid(axis=value_axis, color=GRID, linewidth=0.6)
    if value_axis == "x":
        ax.spines["left"].set_color(EDGE)
        ax.spines["bottom"].set_visible(False)
    else:
        ax.spines["bottom"].set_color(EDGE)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)


def _height_for(spec, horizontal: bool, width_cm: float = WIDTH_CM) -> float:
    base = _base_height(width_cm)
    if not horizontal:
        return base
    # a legend of more than one row needs room of its own (the 2.5 cm hold one row and the axis)
    legend = max(0.0, _legend_cm(spec, width_cm) - 0.6)
    if _names_go_above(spec, width_cm):
        return max(base * 0.5, min(2.5 + legend + _slots(spec, width_cm)[2], 30.0))
    bars = len(spec.series) if spec.kind == "grouped_bar" else 1
    _horizontal, wrap_width = _orientation(spec, width_cm)
    # each category as high as its bars or its wrapped label (about 0.4 cm a line), whichever is more
    rows = sum(max(0.45 * bars, 0.4 * _wrap(c, wrap_width).count("\n") + 0.4) + 0.25 for c in spec.categories)
    return max(base * 0.5, min(2.5 + legend + rows, 24.0))


BAR_CM, LINE_CM, GAP_CM = 0.45, 0.42, 0.3


def _names_go_above(spec, width_cm) -> bool:
    """On a narrow chart, names longer than a third of its width stand above their bars."""
    longest = max((_text_width_pt(str(c), FONT_SIZE) for c in spec.categories), default=0)
    return width_cm < 12 and longest > width_cm * CM * 72 * 0.35


def _slots(spec, width_cm) -> tuple[list[float], float, float]:
    """Horizontal bars with their names above them (a narrow chart): the centre of each
    category's bars, the height of a group of bars and the total height, all in cm (the data
    unit of the category axis then)."""
    _h, wrap_width = _orientation(spec, width_cm)
    bars = len(spec.series) if spec.kind == "grouped_bar" else 1
    group = BAR_CM * bars
    centres, cursor = [], 0.0
    for category in spec.categories:
        cursor += LINE_CM * (_wrap(category, wrap_width).count("\n") + 1)
        centres.append(cursor + group / 2)
        cursor += group + GAP_CM
    return centres, group, cursor


def _draw_bars(spec, width_cm=WIDTH_CM, max_height_cm=None):
    horizontal, wrap_width = _orientation(spec, width_cm)
    height = _height_for(spec, horizontal, width_cm)
    fig = _figure(spec, width_cm, min(height, max_height_cm or height))
    ax = fig.add_subplot()
    n, k = len(spec.categories), len(spec.series)
    stacked = spec.kind == "stacked_bar"
    group = 0.8
    positions: list[float] = list(range(n))
    above = horizontal and _names_go_above(spec, width_cm)
    if above:
        positions, group, _total_cm = _slots(spec, width_cm)
    width = group if stacked or k == 1 else group / k
    bar = ax.barh if horizontal else ax.bar
    bottoms = [0.0] * n
    # Room per bar along the category axis, in points, to decide whether labels fit upright.
    axis_len_pt = (fig.get_figheight() if horizontal else fig.get_figwidth()) * 72 * 0.8
    bar_pt = axis_len_pt / max(n, 1) * width
    max_abs = max((abs(float(v)) for s in spec.series for v in s.values if v is not None), default=0.0)
    if stacked:
        max_abs = max(
            (float(t) for i in range(n) if (t := _total_visible(spec, i)) is not None), default=max_abs
        )
    for j, series in enumerate(spec.series):
        offset = 0.0 if stacked or k == 1 else (j - (k - 1) / 2) * width
        idx = [i for i in range(n) if series.values[i] is not None]
        vals = [float(series.values[i]) for i in idx]
        pos = [positions[i] + offset for i in idx]
        base = [bottoms[i] for i in idx] if stacked else None
        kwargs = dict(
            color=PALETTE[j % len(PALETTE)],
            edgecolor=EDGE,
            linewidth=0.6,
            hatch=HATCHES[j % len(HATCHES)] if k > 1 else None,
            label=series.label,
        )
        if horizontal:
            container = bar(pos, vals, height=width, left=base, **kwargs)
        else:
            container = bar(pos, vals, width=width, bottom=base, **kwargs)
        if spec.highlight is not None and k == 1:
            # The city: another colour, hatched and with a heavier outline (not by colour alone).
            for i, patch in zip(idx, container.patches):
                if i == spec.highlight:
                    patch.set_facecolor(HIGHLIGHT)
                    patch.set_hatch("///")
                    patch.set_linewidth(1.6)
        labels = _value_labels(spec, series, idx)
        if stacked:
            # Inside the segment when it is large enough, on a white box (hatching behind text).
            shown = [lab if v >= 0.06 * max_abs else "" for lab, v in zip(labels, vals)]
            ax.bar_label(
                container,
                labels=shown,
                label_type="center",
                fontsize=FONT_SIZE,
                color=TEXT,
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85),
            )
            for i, v in zip(idx, vals):
                bottoms[i] += v
        else:
            upright = (
                horizontal
                or max((_text_width_pt(lab, FONT_SIZE) for lab in labels), default=0) <= bar_pt * 1.1
            )
            ax.bar_label(
                container,
                labels=labels,
                padding=2,
                fontsize=FONT_SIZE,
                color=TEXT,
                rotation=0 if upright else 90,
            )
        _mark_missing(ax, series, [p + offset for p in positions], bottoms if stacked else None, horizontal)
    if stacked and k > 1:
        _label_totals(ax, spec, positions, bottoms, horizontal)
    _category_axis(ax, spec, positions, wrap_width, horizontal)
    if above:
        _names_above(ax, spec, positions, group, wrap_width)
    elif spec.highlight is not None:
        ticks = ax.get_yticklabels() if horizontal else ax.get_xticklabels()
        ticks[spec.highlight].set_fontweight("bold")
    _value_axis_range(ax, spec, horizontal, max_abs)
    if k > 1:
        handles, labels = ax.get_legend_handles_labels()
        if stacked and not horizontal:
            handles, labels = handles[::-1], labels[::-1]  # the top segment first, as stacked
        _legend(fig, handles, labels, handlelength=2.2, handleheight=1.2)
    _missing_note(fig, spec)
    return fig


def _missing_note(fig, spec):
    """Under a chart with a gap: what the mark in the gap means (also in DOCX and PPTX, which
    carry the picture without the report's footnotes)."""
    if any(v is None for s in spec.series for v in s.values):
        width_pt = fig.get_figwidth() * 72
        note = _wrap(MISSING_NOTE, int(width_pt * 0.95 / (FONT_SIZE * 0.62)))
        fig.text(0.01, 0.01, note, fontsize=FONT_SIZE, color=TEXT, ha="left", va="bottom")
        strip_pt = (note.count("\n") + 1) * FONT_SIZE * 1.3 + 4
        strip = strip_pt / (fig.get_figheight() * 72)
        fig.get_layout_engine().set(rect=(0, strip, 1, 1 - strip))  # left, bottom, width, height


def _value_axis_range(ax, spec, horizontal, max_abs):
    """The zero line between rises and falls; an axis of 0 to 1 where every value is 0."""
    if any(v is not None and v < 0 for series in spec.series for v in series.values):
        (ax.axvline if horizontal else ax.axhline)(0, color=EDGE, linewidth=0.8)
    if max_abs == 0:
        (ax.set_xlim if horizontal else ax.set_ylim)(0, 1)


def _value_labels(spec, series, idx) -> list[str]:
    """The labels of the drawn bars: "402", or with the share of the whole "402 (63 %)"."""
    labels = [format_value(spec, series.values[i]) for i in idx]
    if _with_shares(spec):
        shares = _shares(series.values)
        d = _share_decimals(shares)
        labels = [f"{label} ({_number(shares[i], d)} %)" for label, i in zip(labels, idx)]
    return labels


def _mark_missing(ax, series, positions, bottoms, horizontal):
    """Missing values: a gap, marked with the official symbol at the base line (of the stack)."""
    for i, value in enumerate(series.values):
        if value is None:
            p, base = positions[i], bottoms[i] if bottoms is not None else 0
            xy, offset = ((base, p), (6, 0)) if horizontal else ((p, base), (0, 5))
            ax.annotate(
                MISSING,
                xy,
                xytext=offset,
                textcoords="offset points",
                va="center" if horizontal else "bottom",
                ha="left" if horizontal else "center",
                **_MISSING_STYLE,
            )


def _label_totals(ax, spec, positions, bottoms, horizontal):
    """The total of each stacked bar, in bold beyond its end."""
    totals = [_total(spec, i) for i in range(len(spec.categories))]
    for i, total in enumerate(totals):
        if total is not None:
            label = format_value(spec, total)
            offset = (4, 0) if horizontal else (0, 3)
            xy = (bottoms[i], positions[i]) if horizontal else (positions[i], bottoms[i])
            ax.annotate(
                label,
                xy,
                xytext=offset,
                textcoords="offset points",
                va="center" if horizontal else "bottom",
                ha="left" if horizontal else "center",
                fontsize=FONT_SIZE,
                color=TEXT,
                fontweight="bold",
            )


def _names_above(ax, spec, positions, group, wrap_width):
    """Each category's name over its bars, from the left edge (the tick labels stay empty)."""
    ax.set_yticks(positions, [""] * len(positions))
    ax.tick_params(axis="y", length=0)
    for i, (category, centre) in enumerate(zip(spec.categories, positions)):
        ax.annotate(
            _wrap(category, wrap_width),
            (0, centre - group / 2),
            xycoords=("axes fraction", "data"),
            xytext=(0, 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=FONT_SIZE,
            color=TEXT,
            fontweight="bold" if i == spec.highlight else "normal",
        )
    top = positions[0] - group / 2 - LINE_CM * (_wrap(spec.categories[0], wrap_width).count("\n") + 1)
    ax.set_ylim(positions[-1] + group / 2 + 0.1, top - 0.05)


def _category_axis(ax, spec, positions, wrap_width, horizontal):
    """Category labels (wrapped) on one axis, the values' formatter and title on the other."""
    ticks = [_wrap(c, wrap_width) for c in spec.categories]
    formatter = _tick_formatter(spec)
    if horizontal:
        ax.set_yticks(positions, ticks)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlabel(_axis_title(spec), fontsize=LABEL_SIZE, color=TEXT)
        ax.margins(x=0.12)
        _style_axes(ax, "x")
    else:
        ax.set_xticks(positions, ticks)
        ax.yaxis.set_major_formatter(formatter)
        ax.set_ylabel(_axis_title(spec), fontsize=LABEL_SIZE, color=TEXT)
        ax.margins(y=0.12)
        _style_axes(ax, "y")


def _legend_layout(labels, width_cm) -> tuple[list[str], int]:
    """(the labels, wrapped where one is longer than the figure is wide; the number of columns):
    in one row when the labels fit, else two columns or one per line."""
    room = width_cm * CM * 72 * 0.95
    longest = max((_text_width_pt(label, FONT_SIZE) for label in labels), default=0)
    if longest + 45 > room:
        chars = int(len(max(labels, key=len)) * (room - 45) / longest)
        labels = [_wrap(label, chars) for label in labels]
    need = sum(_text_width_pt(label, FONT_SIZE) + 45 for label in labels)
    widest = max((_text_width_pt(label, FONT_SIZE) for label in labels), default=0) + 45
    ncols = len(labels) if need <= room else (2 if 2 * widest <= room * 0.9 else 1)
    return labels, ncols


def _legend_cm(spec, width_cm) -> float:
    """About the height of the legend above the plot (none for one series), in cm."""
    if len(spec.series) < 2:
        return 0.0
    return legend_rows_cm([s.label for s in spec.series], width_cm)


def legend_rows_cm(labels, width_cm, line_cm: float = 0.42, gap_cm: float = 0.2) -> float:
    """About the height of a legend of `labels` as `_legend` lays it out, in cm: each row its lines
    of `line_cm` and a gap of `gap_cm`."""
    labels, ncols = _legend_layout(labels, width_cm)
    rows = [labels[i : i + ncols] for i in range(0, len(labels), ncols)]
    return sum(line_cm * max(label.count("\n") + 1 for label in row) + gap_cm for row in rows)


def _legend(fig, handles, labels, **kwargs):
    """Above the plot, never over the data; in one row when the labels fit, else one per line."""
    labels, ncols = _legend_layout(labels, fig.get_figwidth() / CM)
    fig.legend(
        handles,
        labels,
        loc="outside upper center",
        ncols=ncols,
        fontsize=FONT_SIZE,
        frameon=False,
        columnspacing=1.5,
        **kwargs,
    )


def _total_visible(spec, index):
    values = [s.values[index] for s in spec.series if s.values[index] is not None]
    return sum(values) if values else None


def _draw_pie(spec, width_cm=WIDTH_CM, max_height_cm=None):
    fig = _figure(spec, width_cm, min(_base_height(width_cm), max_height_cm or HEIGHT_CM * 3))
    ax = fig.add_subplot()
    values = spec.series[0].values
    idx = [i for i, v in enumerate(values) if v is not None and v > 0]
    missing = any(v is None for v in values)
    shares = _shares(values)
    d = _share_decimals(shares)
    labels = []
    for i in idx:
        if spec.unit == "%":
            text = format_value(spec, values[i])
        elif missing:
            text = format_value(spec, values[i])  # shares of an incomplete total would mislead
        else:
            text = f"{format_value(spec, values[i])} ({format_percent(shares[i], d, lang=shown_language())})"
        labels.append((_wrap(spec.categories[i], 24), text))
    if not idx:
        ax.text(
            0.5, 0.5, "Keine darstellbaren Werte", ha="center", va="center", fontsize=LABEL_SIZE, color=TEXT
        )
        ax.set_axis_off()
        return fig
    donut = spec.kind == "donut"
    colors = [PALETTE[j % len(PALETTE)] for j in range(len(idx))]
    hatches = [HATCHES[(j // len(PALETTE)) % len(HATCHES)] for j in range(len(idx))]
    wedgeprops = dict(edgecolor="white", linewidth=1.5)
    if donut:
        wedgeprops["width"] = 0.42
    legend = len(idx) > 6
    wedges, _texts = ax.pie(
        [float(values[i]) for i in idx],
        labels=None if legend else [f"{name}\n{text}" for name, text in labels],
        colors=colors,
        hatch=hatches,
        startangle=90,
        counterclock=False,
        wedgeprops=wedgeprops,
        labeldistance=1.12,
        textprops=dict(fontsize=FONT_SIZE, color=TEXT),
        radius=1.0,
    )[:2]
    for w in wedges:
        w.set_edgecolor("white")
    # A thin dark ring gives the whole shape enough contrast against the page.
    mpl = _matplotlib()
    ax.add_patch(mpl.patches.Circle((0, 0), 1.0, fill=False, edgecolor=EDGE, linewidth=0.6))
    if donut:
        ax.add_patch(mpl.patches.Circle((0, 0), 1.0 - 0.42, fill=False, edgecolor=EDGE, linewidth=0.6))
        if not missing and spec.unit != "%":
            total = sum(values[i] for i in idx)
            ax.text(
                0,
                0,
                f"Insgesamt\n{format_value(spec, total)}",
                ha="center",
                va="center",
                fontsize=LABEL_SIZE,
                color=TEXT,
            )
    hidden = [spec.categories[i] for i, v in enumerate(values) if v is None]
    if hidden:
        fig.text(
            0.01,
            0.01,
            "Nicht dargestellt (Wert nicht veröffentlicht): " + ", ".join(map(str, hidden)),
            fontsize=FONT_SIZE,
            color=TEXT,
            ha="left",
            va="bottom",
            wrap=True,
        )
    if legend:
        ax.legend(
            wedges,
            [f"{name.replace(chr(10), ' ')}: {text}" for name, text in labels],
            fontsize=FONT_SIZE,
            frameon=False,
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
        )
    ax.set_aspect("equal")
    return fig


def _draw_line(spec, width_cm=WIDTH_CM, max_height_cm=None):
    fig = _figure(spec, width_cm, min(_base_height(width_cm), max_height_cm or HEIGHT_CM * 3))
    ax = fig.add_subplot()
    n, k = len(spec.categories), len(spec.series)
    x = list(range(n))
    few = n <= 8 and k <= 2
    for j, series in enumerate(spec.series):
        y = _floats(series.values)
        color = PALETTE[j % len(PALETTE)]
        ax.plot(
            x,
            y,
            color=color,
            linewidth=2,
            linestyle=LINESTYLES[j % len(LINESTYLES)],
            marker=MARKERS[j % len(MARKERS)],
            markersize=6,
            markeredgecolor=EDGE,
            markeredgewidth=0.6,
            label=series.label,
        )
        # A single value between gaps would be invisible as a line; the marker shows it.
        if few:
            for xi, v in zip(x, series.values):
                if v is not None:
                    ax.annotate(
                        format_value(spec, v),
                        (xi, float(v)),
                        textcoords="offset points",
                        xytext=(0, 7 if j == 0 else -14),
                        ha="center",
                        fontsize=FONT_SIZE,
                        color=TEXT,
                    )
        for xi, v in zip(x, series.values):
            if v is None:
                ax.annotate(
                    MISSING,
                    (xi, 0),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    **_MISSING_STYLE,
                )
    step = max(1, math.ceil(n / 12))
    ax.set_xticks(x[::step], [_wrap(c, 12) for c in spec.categories[::step]])
    ax.yaxis.set_major_formatter(_tick_formatter(spec))
    ax.set_ylabel(_axis_title(spec), fontsize=LABEL_SIZE, color=TEXT)
    present = [float(v) for s in spec.series for v in s.values if v is not None]
    if present:
        lo, hi = min(present), max(present)
        pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
        ax.set_ylim(lo - pad if lo - pad < 0 or lo < 0 else max(0.0, lo - pad), hi + pad)
    ax.set_xlim(-0.4, n - 0.6)
    _style_axes(ax, "y")
    if k > 1:
        _legend(fig, *ax.get_legend_handles_labels(), handlelength=3)
    _missing_note(fig, spec)
    return fig


def map_classes(values) -> list[tuple]:
    """Up to five classes of about equal size, as (lowest, highest) of the values in each, from
    the values present (None left out); one class per distinct value when there are fewer."""
    present = sorted({Decimal(v) for v in values if v is not None})
    if not present:
        return []
    ordered = sorted(Decimal(v) for v in values if v is not None)
    n = min(len(MAP_CLASSES), len(present))
    classes, start = [], 0
    for c in range(n):
        end = round(len(ordered) * (c + 1) / n)
        members = ordered[start:end]
        # equal values never straddle two classes
        while end < len(ordered) and members and ordered[end] == members[-1]:
            end += 1
            members = ordered[start:end]
        if members:
            classes.append((members[0], members[-1]))
        start = end
    return classes


def _class_of(classes, value) -> int:
    for i, (_lo, hi) in enumerate(classes):
        if value <= hi:
            return i
    return len(classes) - 1


def _map_areas(spec) -> list[tuple[str, tuple]]:
    """(code, rings of (x, y) points) of every area a map draws: its shapes, else the Land's Kreise."""
    from . import maps

    if spec.shapes:
        return [
            (code, tuple(tuple(zip(ring[0::2], ring[1::2], strict=True)) for ring in rings))
            for code, rings in spec.shapes
        ]
    return [(kreis.ags, kreis.rings) for kreis in maps.kreise_of(spec.region)]


def _draw_map(spec, width_cm=WIDTH_CM, max_height_cm=None):
    """The areas (a Land's Kreise or the city's districts) shaded by class of their value, the
    city outlined, with a legend and the attribution of the boundaries."""
    from . import maps

    mpl = _matplotlib()
    from matplotlib.path import Path as MplPath

    narrow = width_cm < 12
    height = width_cm * (1.65 if narrow else 0.75)
    fig = _figure(spec, width_cm, min(height, max_height_cm or height))
    ax = fig.add_subplot()
    values = dict(zip(spec.codes, spec.series[0].values))
    classes = map_classes(spec.series[0].values)
    highlight = spec.codes[spec.highlight] if spec.highlight is not None else None
    outline = None
    drawn = _map_areas(spec)
    for code, rings in drawn:
        vertices, codes = [], []
        for ring in rings:
            vertices += list(ring) + [ring[0]]
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
        path = MplPath(vertices, codes)
        value = values.get(code)
        if value is None:
            patch = mpl.patches.PathPatch(
                path, facecolor="white", edgecolor="#7a7a7a", hatch="////", linewidth=0.4
            )
        else:
            patch = mpl.patches.PathPatch(
                path,
                facecolor=MAP_CLASSES[_class_of(classes, Decimal(value))],
                edgecolor="#5a5a5a",
                linewidth=0.4,
            )
        ax.add_patch(patch)
        if code == highlight:
            outline = (path, rings)
    if outline is not None:
        path, rings = outline
        ax.add_patch(mpl.patches.PathPatch(path, facecolor="none", edgecolor="white", linewidth=3.6))
        ax.add_patch(mpl.patches.PathPatch(path, facecolor="none", edgecolor=EDGE, linewidth=2.0))
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        ax.annotate(
            spec.categories[spec.highlight],
            (max(xs), (min(ys) + max(ys)) / 2),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_SIZE,
            fontweight="bold",
            color=TEXT,
            bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor=EDGE, linewidth=0.6),
        )
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_anchor("S" if narrow else "C")  # narrow: the map sits on its legend
    ax.set_axis_off()
    handles = [
        mpl.patches.Patch(facecolor=MAP_CLASSES[i], edgecolor="#5a5a5a", linewidth=0.4)
        for i in range(len(classes))
    ]
    labels = [
        format_value(spec, lo) if lo == hi else f"{format_value(spec, lo)} bis {format_value(spec, hi)}"
        for lo, hi in classes
    ]
    if any(v is None for v in values.values()) or len(values) < len(drawn):
        handles.append(mpl.patches.Patch(facecolor="white", edgecolor="#7a7a7a", hatch="////", linewidth=0.4))
        labels.append("keine Angabe (geheim gehalten oder unbekannt)")
    if outline is not None:
        handles.append(mpl.patches.Patch(facecolor="none", edgecolor=EDGE, linewidth=2.0))
        labels.append(f"{spec.categories[spec.highlight]} (umrandet)")
    # Under a narrow map the legend wraps to its width; beside a wide one to a column.
    chars = int(fig.get_figwidth() * 72 * 0.85 / (FONT_SIZE * 0.62)) - 4 if narrow else 26
    labels = [_wrap(label, chars) for label in labels]
    ax.legend(
        handles,
        labels,
        loc="upper center" if narrow else "center left",
        bbox_to_anchor=(0.5, 0.0) if narrow else (1.0, 0.5),
        fontsize=FONT_SIZE,
        frameon=False,
        title=_axis_title(spec) or None,
        title_fontsize=FONT_SIZE,
        handlelength=2.2,
        handleheight=1.4,
    )
    credit = spec.credit if spec.shapes else maps.attribution()
    if credit:
        text = f"Grenzen: {credit}"
        if narrow:
            text = _wrap(text, int(fig.get_figwidth() * 72 * 0.95 / (MIN_PLACED_PT * 0.62)))
            strip = (text.count("\n") + 1) * MIN_PLACED_PT * 1.3 / (fig.get_figheight() * 72)
            fig.get_layout_engine().set(rect=(0, strip, 1, 1 - strip))
        fig.text(
            0.01 if narrow else 0.99,
            0.01,
            text,
            fontsize=MIN_PLACED_PT,
            color=TEXT,
            ha="left" if narrow else "right",
            va="bottom",
        )
    return fig


def _draw(spec, width_cm=WIDTH_CM, max_height_cm=None):
    """The figure at `width_cm` (its text in points at that size); tall charts no higher than
    `max_height_cm` where a slide has only so much room."""
    _matplotlib()
    import matplotlib.patches  # noqa: F401  (used through the module object)

    size = dict(width_cm=width_cm, max_height_cm=max_height_cm)
    if spec.kind in ("pie", "donut"):
        fig = _draw_pie(spec, **size)
    elif spec.kind == "line":
        fig = _draw_line(spec, **size)
    elif spec.kind == "map":
        fig = _draw_map(spec, **size)
    elif spec.kind == "timebar":
        fig = timebars.draw(spec, **size)
    else:
        fig = _draw_bars(spec, **size)
    # Lay out once (text extents are measured in points, the same for every output) and
    # freeze the result, so that saving as SVG and as PNG does not repeat the layout.
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")
    return fig


# --- output ----------------------------------------------------------------------------------

_ID = re.compile(r'(\sid=")([^"]+)(")')
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'(href=")#([^"]+)(")')


def _prefix(spec) -> str:
    """A short prefix from the chart's content: stable for the same chart, different for others."""
    digest = hashlib.sha1(repr(spec).encode("utf-8")).hexdigest()[:8]
    return f"c{digest}"


def render_svg(spec: ChartSpec, id_prefix: str | None = None, width_cm: float = WIDTH_CM) -> str:
    """Standalone <svg> markup to inline into HTML: no XML declaration or DOCTYPE, role="img",
    <title> and <desc> (the alt text), and every id prefixed so that several charts can share a
    page. The prefix defaults to a hash of the specification; pass `id_prefix` (e.g. "abb8") if
    the same chart can appear twice on one page. Results are memoised per process: a chart is
    a pure function of its specification, its width and the language its numbers are written in
    (German in the report, the visitor's on the portal), and one report renders the same charts for
    HTML and PDF."""
    return _render_svg(spec, id_prefix, width_cm, shown_language())


@functools.lru_cache(maxsize=256)
def _render_svg(spec: ChartSpec, id_prefix: str | None, width_cm: float, lang: str) -> str:
    key = ("svg", spec, id_prefix, width_cm, lang)
    return _stored(key, lambda: _drawn_ahead(key) or _draw_svg(spec, id_prefix, width_cm))


def _draw_svg(spec: ChartSpec, id_prefix: str | None = None, width_cm: float = WIDTH_CM) -> str:
    direct = _direct_svg(spec, width_cm)
    if direct is not None:
        return _labelled(direct, spec, id_prefix)
    return _svg(_draw(spec, width_cm), spec, id_prefix)


def _direct_svg(spec: ChartSpec, width_cm: float, max_height_cm: float | None = None) -> str | None:
    """Line and bar charts written directly (imon.reports.svgdraw), a hundred times faster than by
    matplotlib, their PNG rasterised from that SVG (imon.reports.rasterize); None for the others
    (and for bars whose value labels would have to be turned)."""
    if spec.kind == "line":
        return svgdraw.line(spec, width_cm, max_height_cm)
    if spec.kind in ("bar", "grouped_bar", "stacked_bar"):
        return svgdraw.bars(spec, width_cm, max_height_cm)
    return None


def render_responsive_svg(spec: ChartSpec) -> str:
    """Two drawings for a web page, the full width (class "chart-wide") and one for a phone
    (class "chart-narrow", NARROW_CM wide); the page's stylesheet shows one of them, so that
    the text stays at its size in points instead of shrinking with the picture."""
    wide = render_svg(spec)
    narrow = render_svg(spec, _prefix(spec) + "n", NARROW_CM)
    return _with_class(wide, "chart-wide") + _with_class(narrow, "chart-narrow")


def _with_class(svg: str, name: str) -> str:
    return svg.replace('<svg role="img" ', f'<svg role="img" class="{name}" ', 1)


# As with a memoised function: `__wrapped__` draws past the memo, `cache_clear` empties it.
render_svg.__wrapped__ = _draw_svg  # type: ignore[attr-defined]
render_svg.cache_clear = _render_svg.cache_clear  # type: ignore[attr-defined]


def _svg(fig, spec, id_prefix):
    buffer = BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue().decode("utf-8")
    # matplotlib's <metadata> block carries nothing we need once Date/Creator are off.
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg[svg.index("<svg") :], count=1, flags=re.S)
    return _labelled(svg, spec, id_prefix)


def _labelled(svg: str, spec: ChartSpec, id_prefix: str | None) -> str:
    """The <svg> with role="img", its title and description (the alt text), and every id prefixed."""
    p = id_prefix or _prefix(spec)
    svg = _ID.sub(lambda m: f"{m[1]}{p}-{m[2]}{m[3]}", svg)
    svg = _URL.sub(lambda m: f"url(#{p}-{m[1]})", svg)
    svg = _HREF.sub(lambda m: f"{m[1]}#{p}-{m[2]}{m[3]}", svg)
    head_end = svg.index(">") + 1
    root = svg[:head_end]
    root = root.replace("<svg ", f'<svg role="img" aria-labelledby="{p}-title {p}-desc" ', 1)
    with display_language("de"):  # the text alternative is German prose: German numbers too
        alt = alt_text(spec)
    inner = f'\n <title id="{p}-title">{html.escape(spec.title)}</title>\n <desc id="{p}-desc">{html.escape(alt)}</desc>'
    return root + inner + svg[head_end:].rstrip() + "\n"


def render_png(
    spec: ChartSpec, dpi: int = 200, width_cm: float = WIDTH_CM, max_height_cm: float | None = None
) -> bytes:
    """PNG bytes for DOCX and PPTX: 16 × 9 cm (taller for long horizontal bar charts, up to
    `max_height_cm`) at `dpi`; memoised like render_svg. Place it at `width_cm` (or larger):
    its text then has the size in points it was drawn with."""
    return _render_png(spec, dpi, width_cm, max_height_cm, shown_language())


@functools.lru_cache(maxsize=256)
def _render_png(spec: ChartSpec, dpi: int, width_cm: float, max_height_cm: float | None, lang: str) -> bytes:
    key = ("png", spec, dpi, width_cm, max_height_cm, lang)
    return _stored(key, lambda: _drawn_ahead(key) or _draw_png(spec, dpi, width_cm, max_height_cm))


def _draw_png(
    spec: ChartSpec, dpi: int = 200, width_cm: float = WIDTH_CM, max_height_cm: float | None = None
) -> bytes:
    direct = _direct_svg(spec, width_cm, max_height_cm)
    if direct is not None:
        return rasterize.png_from_svg(direct, dpi)
    return _png(_draw(spec, width_cm, max_height_cm), dpi)


render_png.__wrapped__ = _draw_png  # type: ignore[attr-defined]
render_png.cache_clear = _render_png.cache_clear  # type: ignore[attr-defined]


def _png(fig, dpi):
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def render(spec: ChartSpec, dpi: int = 200, id_prefix: str | None = None) -> tuple[str, bytes]:
    """Both outputs from one drawing (faster than the two calls): (SVG markup, PNG bytes)."""
    direct = _direct_svg(spec, WIDTH_CM)
    if direct is not None:
        return _labelled(direct, spec, id_prefix), rasterize.png_from_svg(direct, dpi)
    fig = _draw(spec)
    return _svg(fig, spec, id_prefix), _png(fig, dpi)


# --- drawing ahead in helper processes (the command line) --------------------------------------
#
# A chart takes about 0.1 s to draw and a report has dozens. Within `helpers(n)` (`imon report`
# uses it; the web server never does), a renderer that knows which drawings it will ask for hands
# them to `draw_ahead`: up to n forked processes draw them from the last one backwards while this
# process goes on from the first, and each drawing is made once, by whoever comes to it first.
# The drawings are the same as drawn here (a chart is a pure function of its arguments).

_helpers = 0
_pool: Any = None  # a ProcessPoolExecutor, within `helpers` once used
_ahead: dict = {}  # (kind, spec, *arguments, language) -> Future


@contextlib.contextmanager
def helpers(count: int):
    """Let `draw_ahead` use up to `count` helper processes within."""
    global _helpers
    before, _helpers = _helpers, count
    try:
        yield
    finally:
        _helpers = before
        _stop_ahead()


def svg_job(spec: ChartSpec, id_prefix: str | None = None, width_cm: float = WIDTH_CM) -> tuple:
    """What `render_svg(spec, id_prefix, width_cm)` draws, for `draw_ahead`."""
    return ("svg", spec, id_prefix, width_cm)


def responsive_jobs(spec: ChartSpec) -> list[tuple]:
    """What `render_responsive_svg(spec)` draws."""
    return [svg_job(spec), svg_job(spec, _prefix(spec) + "n", NARROW_CM)]


def png_job(
    spec: ChartSpec, dpi: int = 200, width_cm: float = WIDTH_CM, max_height_cm: float | None = None
) -> tuple:
    """What `render_png(spec, dpi, width_cm, max_height_cm)` draws."""
    return ("png", spec, dpi, width_cm, max_height_cm)


def draw_ahead(jobs: list[tuple]) -> None:
    """Start the helper processes on `jobs` (svg_job, png_job, responsive_jobs), last first; nothing
    outside `helpers` or without fork."""
    global _pool
    if _helpers < 1 or not hasattr(os, "fork"):
        return
    lang = shown_language()
    keys = [(*job, lang) for job in reversed(jobs)]
    keys = [key for key in keys if key not in _ahead and not (_store and _store_path(_store, key).is_file())]
    if not keys:
        return
    if _pool is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if any(_needs_matplotlib(key) for key in keys):
            _matplotlib()  # imported once, before the fork, not again in every helper
            import matplotlib.backends.backend_agg  # noqa: F401
            import matplotlib.backends.backend_svg  # noqa: F401
            import matplotlib.patches  # noqa: F401

        _pool = ProcessPoolExecutor(max_workers=_helpers, mp_context=multiprocessing.get_context("fork"))
    for key in dict.fromkeys(keys):
        _ahead[key] = _pool.submit(_draw_job, key)


def _needs_matplotlib(key: tuple) -> bool:
    """Whether the drawing of a job's key is matplotlib's (not written directly)."""
    kind, spec, *arguments, _lang = key
    width_cm, max_height_cm = arguments[1], (arguments[2] if kind == "png" else None)
    return _direct_svg(spec, width_cm, max_height_cm) is None


def _draw_job(key: tuple):
    kind, spec, *arguments, lang = key
    with display_language(lang):
        return _draw_svg(spec, *arguments) if kind == "svg" else _draw_png(spec, *arguments)


def _drawn_ahead(key: tuple):
    """The drawing a helper made or is making (waiting for it); None if nobody has started it
    (then it is no longer handed out) or the helper failed."""
    future = _ahead.pop(key, None)
    if future is None or future.cancel():
        return None
    try:
        return future.result()
    except Exception:  # a helper that died: draw it here
        return None


def _stop_ahead() -> None:
    global _pool
    for future in _ahead.values():
        future.cancel()
    _ahead.clear()
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


# --- drawings kept on disk between runs (the command line) --------------------------------------
#
# A snapshot is frozen, so the same report is drawn again and again (each format, each download)
# from the same chart specifications. Within `stored(folder)` every drawing is kept in `folder`
# under a hash of everything it depends on: the arguments (the specification holds the data),
# the language, the matplotlib version and the source of the modules that draw and describe it.

_store = None  # the folder, within `stored`
_STORE_LIMIT = 4000  # drawings kept; the oldest used go first


@contextlib.contextmanager
def stored(folder):
    """Keep drawings in `folder` (a Path) within; a folder that cannot be written is left alone."""
    global _store
    before, _store = _store, folder
    try:
        yield
    finally:
        _store = before
        _prune(folder)


@functools.cache
def _code_version() -> str:
    from importlib.metadata import version
    from pathlib import Path

    from imon.core import numbers

    from . import narrative

    # the versions read from the installed packages' metadata (importing matplotlib takes 0.4 s)
    digest = hashlib.sha256(f"{version('matplotlib')} {version('resvg-py')}".encode("ascii"))
    for module in (numbers, narrative, svgdraw, rasterize):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _store_path(folder, key: tuple):
    digest = hashlib.sha256((_code_version() + repr(key)).encode("utf-8")).hexdigest()
    return folder / digest[:2] / f"{digest}.{key[0]}"


def _stored(key: tuple, draw):
    if _store is None:
        return draw()
    path = _store_path(_store, key)
    try:
        data = path.read_bytes()
        os.utime(path)  # used: kept longer
        return data.decode("utf-8") if key[0] == "svg" else data
    except OSError:
        pass
    drawn = draw()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(drawn.encode("utf-8") if isinstance(drawn, str) else drawn)
        partial.replace(path)
    except OSError:
        pass  # a read-only folder: drawn again next time
    return drawn


def _prune(folder) -> None:
    try:
        files = [path for path in folder.glob("*/*.*") if not path.name.startswith(".")]
        if len(files) <= _STORE_LIMIT:
            return
        files.sort(key=lambda path: path.stat().st_mtime)
        for path in files[: len(files) - _STORE_LIMIT // 2]:
            path.unlink(missing_ok=True)
    except OSError:
        pass
