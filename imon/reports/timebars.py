"""Time bars: the measures over the concept's period, the picture of the timetable chapter.

    spans = measure_spans(measures, status_label, on=date(2024, 12, 31))
    spec = chart(spans, "Laufzeit der Maßnahmen", on, valid_from, valid_until)  -> ChartSpec "timebar"

Each measure with a start is a bar from the first day of its start to the last day of its end,
as precisely as the city wrote them ("2. Halbjahr 2021" starts on 1 July 2021, an end "2026"
lasts to 31 December 2026). A measure without an end, or "fortlaufend", runs to the edge of the
axis and says so in words after the bar, as does a measure past its end ("überfällig"). The
bar's colour and hatching tell its status (never colour alone), a dashed line marks the
reporting date, and the axis spans the concept's period (its `valid_from` to `valid_until`),
widened to whole years and to every bar.

The drawing is called from `imon.reports.charts` (kind "timebar"), so that the renderers of
every format place it like any other figure; the data table and the alt text are made here.
"""

from __future__ import annotations

import datetime
import functools
import math
import textwrap
from dataclasses import dataclass
from decimal import Decimal

from imon.core import periods

from . import charts
from .narrative import count_phrase

OVERDUE = "überfällig"
OPEN_END = "fortlaufend"
NO_END = "Ende offen"
MAX_BARS = 15  # more measures with dates get one picture per field of action (in pieces of 15)

# Status -> (colour, hatch): finished green, running blue, planned light blue, held up orange,
# given up grey, unknown white; the hatching tells them apart in grey print too.
STYLES = {
    "completed": ("#009E73", ""),
    "established": ("#009E73", ".."),
    "in_progress": ("#0072B2", ""),
    "preparing": ("#56B4E9", "//"),
    "planned": ("#56B4E9", "//"),
    "delayed": ("#E69F00", "\\\\"),
    "on_hold": ("#E69F00", "\\\\"),
    "discontinued": ("#999999", "xx"),
    "unknown": ("#ffffff", "..."),
}
LABEL_CHARS = 30  # wrap width of a measure's name beside its bar
BAR_ROW_CM = 0.62  # height of one measure's row
LINE_CM = 0.42  # height of a line of a measure's name beside its bar


@dataclass(frozen=True)
class Span:
    key: str
    title: str
    field_of_action: str
    start: datetime.date
    end: datetime.date | None  # the day after its last day; None: open (fortlaufend or no end)
    start_text: str
    end_text: str  # as written, "fortlaufend" or "" for none
    status: str
    status_label: str
    overdue: bool


def year_position(day: datetime.date) -> Decimal:
    """A day as a position on a time axis counted in years: 1 July 2021 -> 2021.496."""
    days = 366 if day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0) else 365
    offset = (day - datetime.date(day.year, 1, 1)).days
    return (Decimal(day.year) + Decimal(offset) / Decimal(days)).quantize(Decimal("0.001"))


def measure_spans(measures: list[dict], status_label, on) -> tuple[list[Span], list[dict]]:
    """(the spans of the measures with a start, in order of start; the measures without one)."""
    from .document.timetable import measure_overdue  # the timetable's rule (imported late: a cycle)

    spans, undated = [], []
    for m in measures:
        start = periods.from_file(m.get("start_date"))
        if start is None or start.first is None:
            undated.append(m)
            continue
        end = periods.from_file(m.get("end_date"))
        last = end.last if end is not None else None
        status = m.get("status") or "unknown"
        spans.append(
            Span(
                key=m["key"],
                title=m["title"],
                field_of_action=m.get("field_of_action", ""),
                start=start.first,
                end=last + datetime.timedelta(days=1) if last is not None else None,
                start_text=periods.format_period(start),
                end_text=periods.format_period(end) if end is not None else "",
                status=status,
                status_label=status_label(status),
                overdue=measure_overdue(m, on),
            )
        )
    spans.sort(key=lambda s: (s.start, s.end or datetime.date.max, s.key))
    return spans, undated


def _short(name: str, one_line: bool = False) -> str:
    """A measure's number and name, cut to two lines beside its bar, or to one where the picture has
    little room (a slide); the table has it whole."""
    if one_line:
        return textwrap.shorten(name, width=int(LABEL_CHARS * 1.4), placeholder=" …")
    lines = textwrap.wrap(name, width=LABEL_CHARS, break_long_words=False)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=LABEL_CHARS, placeholder=" …")]
    return "\n".join(lines)


def chart(spans: list[Span], title: str, on, valid_from=None, valid_until=None) -> charts.ChartSpec:
    """The time bars of `spans` on an axis over the concept's period (ISO dates or None)."""
    if isinstance(on, str):
        on = datetime.date.fromisoformat(on)
    first = min([s.start for s in spans] + [on])
    last = max([s.end for s in spans if s.end] + [on])
    if valid_from:
        first = min(first, datetime.date.fromisoformat(str(valid_from)))
    if valid_until:
        last = max(last, datetime.date.fromisoformat(str(valid_until)) + datetime.timedelta(days=1))
    low = Decimal(first.year)
    high = Decimal(math.ceil(year_position(last)))
    if high <= low:
        high = low + 1
    return charts.ChartSpec(
        "timebar",
        title,
        tuple(f"{s.key} {s.title}" for s in spans),
        (
            charts.Series("Beginn", tuple(year_position(s.start) for s in spans)),
            charts.Series("Ende", tuple(year_position(s.end) if s.end else high for s in spans)),
        ),
        reference_date=f"{on:%d.%m.%Y}",
        statuses=tuple((s.status, s.status_label, s.overdue) for s in spans),
        dates=tuple((s.start_text, s.end_text) for s in spans),
        span=(low, high),
        marker=year_position(on),
        dimension="Maßnahme",
    )


def charts_for(spans: list[Span], title: str, on, fields: list[dict], field_name: str, **period):
    """One picture of all measures, or, with more than MAX_BARS, one per field of action (in
    pieces of MAX_BARS): a picture of hundreds of bars is read by no one."""
    if len(spans) <= MAX_BARS:
        return [chart(spans, title, on, **period)]
    result = []
    for f in fields:
        own = [s for s in spans if s.field_of_action == f["code"]]
        pieces = [own[i : i + MAX_BARS] for i in range(0, len(own), MAX_BARS)]
        for n, piece in enumerate(pieces, 1):
            part = f" (Teil {n} von {len(pieces)})" if len(pieces) > 1 else ""
            result.append(chart(piece, f"{title}: {field_name} {f['code']}{part}", on, **period))
    return result


# --- the chart's text -------------------------------------------------------------------------


def end_words(start_end: tuple[str, str]) -> str:
    return start_end[1] or NO_END


def runs_on(start_end: tuple[str, str]) -> bool:
    """Whether a bar has no fixed end ("fortlaufend" or none given): it runs to the edge."""
    return not start_end[1] or start_end[1] == OPEN_END


def data_table(spec: charts.ChartSpec) -> tuple[list[str], list[list[str]]]:
    header = ["Maßnahme", "Beginn", "Ende", "Status"]
    rows = [
        [
            name,
            dates[0],
            end_words(dates),
            label + (f", {OVERDUE}" if overdue else ""),
        ]
        for name, dates, (_status, label, overdue) in zip(spec.categories, spec.dates, spec.statuses)
    ]
    return header, rows


def alt_sentences(spec: charts.ChartSpec) -> list[str]:
    """How many measures over which years, which starts first and which ends last, how many run
    on without an end, and how they stand on the reporting date."""
    n = len(spec.categories)
    low, high = spec.span
    sentences = [f"{count_phrase(n, 'Maßnahme', 'Maßnahmen')} auf einer Zeitachse von {low} bis {high}."]
    names = spec.categories
    sentences.append(f"Am frühesten beginnt {names[0]} ({spec.dates[0][0]}).")
    ends = [
        (e, i) for i, (dates, e) in enumerate(zip(spec.dates, spec.series[1].values)) if not runs_on(dates)
    ]
    if ends:
        _end, i = max(ends)
        sentences.append(f"Am spätesten endet {names[i]} ({spec.dates[i][1]}).")
    open_ends = sum(1 for dates in spec.dates if runs_on(dates))
    if open_ends:
        sentences.append(f"{count_phrase(open_ends, 'Maßnahme läuft', 'Maßnahmen laufen')} ohne festes Ende.")
    counts: dict[str, int] = {}
    for _status, label, _overdue in spec.statuses:
        counts[label] = counts.get(label, 0) + 1
    overdue = sum(1 for *_x, late in spec.statuses if late)
    said = ", ".join(f"{count} {label}" for label, count in counts.items())
    sentences.append(
        f"Stand {spec.reference_date}: {said}; davon {overdue} {OVERDUE}."
        if overdue
        else f"Stand {spec.reference_date}: {said}; keine überfällig."
    )
    return sentences


# --- drawing -----------------------------------------------------------------------------------


def draw(spec: charts.ChartSpec, width_cm: float, max_height_cm: float | None):
    charts._matplotlib()
    n = len(spec.categories)
    narrow = width_cm < 12  # a phone: each name stands above its bar, across the width
    # the status legend above the plot: what it needs beyond one row (2.6 cm below hold one; the
    # hatched boxes make a row a little higher than a line)
    statuses = list(dict.fromkeys(label for _status, label, _overdue in spec.statuses))
    rows_cm = functools.partial(charts.legend_rows_cm, width_cm=width_cm, line_cm=0.45, gap_cm=0.25)
    legend = max(0.0, rows_cm(statuses) - rows_cm(statuses[:1]))
    if narrow:
        chars = int(width_cm * charts.CM * 72 * 0.95 / (charts.FONT_SIZE * 0.62))
        names = [textwrap.fill(c, width=chars, break_long_words=False) for c in spec.categories]
        positions, cursor = [], 0.0
        for name in names:  # in cm: the name's lines, then the bar
            cursor += LINE_CM * (name.count("\n") + 1) + 0.3
            positions.append(cursor)
            cursor += 0.7
        height = 3.0 + legend + cursor
    else:
        names = [_short(c) for c in spec.categories]
        # the rows are evenly spaced: two neighbouring names of two lines each need the most room
        lines = [name.count("\n") + 1 for name in names]
        pair = max((a + b for a, b in zip(lines, lines[1:])), default=lines[0] * 2) / 2
        height = 2.6 + legend + n * max(BAR_ROW_CM, pair * LINE_CM + 0.12)
        positions = list(range(n))
    if max_height_cm and height > max_height_cm and not narrow:
        names = [_short(c, one_line=True) for c in spec.categories]
        height = max_height_cm
    fig = charts._figure(spec, width_cm, height)
    ax = fig.add_subplot()
    low, high = (float(v) for v in spec.span)
    room = (high - low) * (0.3 if narrow else 0.16)  # after the axis: "fortlaufend", "überfällig"
    bar_height = 0.5 if narrow else 0.6
    seen: dict[str, object] = {}
    for i, (start, end, (status, label, overdue), dates) in enumerate(
        zip(spec.series[0].values, spec.series[1].values, spec.statuses, spec.dates)
    ):
        colour, hatch = STYLES.get(status, STYLES["unknown"])
        (patch,) = ax.barh(
            positions[i],
            float(end) - float(start),
            left=float(start),
            height=bar_height,
            color=colour,
            hatch=hatch,
            edgecolor=charts.EDGE,
            linewidth=0.6,
            label=label,
        )
        seen.setdefault(label, patch)
        words = [end_words(dates)] if runs_on(dates) else []
        if overdue:
            words.append(OVERDUE)
        if words:
            ax.text(
                float(end) + (high - low) * 0.01,
                positions[i],
                ", ".join(words),
                va="center",
                ha="left",
                fontsize=charts.FONT_SIZE,
                color=charts.TEXT,
                fontweight="bold" if overdue else "normal",
            )
    marker = float(spec.marker or 0)
    ax.axvline(marker, color=charts.EDGE, linewidth=1.2, linestyle=(0, (4, 2)))
    ax.annotate(
        f"Stichtag {spec.reference_date}",
        (marker, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=charts.FONT_SIZE,
        color=charts.TEXT,
    )
    if narrow:
        for name, y in zip(names, positions):
            ax.text(
                low,
                y - 0.3,
                name,
                va="bottom",
                ha="left",
                fontsize=charts.FONT_SIZE,
                color=charts.TEXT,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5),  # over the Stichtag line
            )
        ax.set_yticks([])
        ax.set_ylim(positions[-1] + 0.4, 0)
    else:
        ax.set_yticks(positions, names)
        ax.set_ylim(n - 0.4, -0.6)  # the first measure on top
    ax.set_xlim(low, high + room)
    years = list(range(int(low), int(high) + 1))
    step = max(1, math.ceil(len(years) / (5 if narrow else 10)))
    ax.set_xticks(years[::step], [str(y) for y in years[::step]])
    ax.spines["right"].set_visible(False)
    ax.spines["top"].set_visible(False)
    ax.spines["left"].set_color(charts.EDGE)
    ax.spines["bottom"].set_bounds(low, high)
    ax.tick_params(labelsize=charts.FONT_SIZE, colors=charts.TEXT, length=3)
    ax.tick_params(axis="y", length=0)
    ax.set_axisbelow(True)
    ax.grid(axis="x", color=charts.GRID, linewidth=0.6)
    handles = list(seen.values())
    legend_labels = list(seen)
    charts._legend(fig, handles, legend_labels, handlelength=2.2, handleheight=1.2)
    return fig
