"""Line charts and simple bar charts written directly as SVG, for HTML, the PDF and the portal.

matplotlib takes about 0.1 s to lay out and write one chart; the portal has a line chart "im
Zeitverlauf" for an indicator and for each of its areas, in every language and twice (wide and
for a phone), so that a site of 60 indicators drew thousands of them. Line charts and bar charts
of one series are simple enough to write here in a millisecond, in the style of the others
(`imon.reports.charts`: size, colours, markers and line styles per series, German numbers, gaps
marked "."); other bar charts (several series, a highlighted city, names above the bars on a
phone), pies, maps and time bars are drawn by matplotlib, and so is every PNG (DOCX, PPTX).

Text is measured with the advance widths of DejaVu Sans (the font the SVG names, bundled with
matplotlib), so that labels, legend and axis get the room they need without a layout engine.

Called from `imon.reports.charts`, which imports this module: its names are used
at call time only.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from . import charts

PT = 72 / 2.54  # points per cm
PAD = 4.0  # around the figure, as matplotlib's layout leaves it (points)
LINE = 1.25  # line height in em
TICK = 3.0  # length of the x ticks
TICK_PAD = 3.5  # between a tick and its label
MARKER = 6.0  # marker size (points), as `markersize=6`
HANDLE = 3 * 9.0  # width of a legend's mark (points)
# Dash patterns of LINESTYLES at a line width of 2, as matplotlib scales them.
DASHES = {"-": "", "--": "7.4,3.2", ":": "2,3.3", "-.": "12.8,3.2,2,3.2"}


def font_file(name: str) -> str:
    """The path of a DejaVu Sans face bundled with matplotlib ("DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf"): the font the charts name, measure and are rasterised with."""
    spec = importlib.util.find_spec("matplotlib")  # found, not imported (that takes half a second)
    assert spec is not None and spec.submodule_search_locations
    path = os.path.join(list(spec.submodule_search_locations)[0], "mpl-data", "fonts", "ttf", name)
    if not os.path.isfile(path):  # text would be measured wrongly, or left out by resvg
        raise FileNotFoundError(path)
    return path


@functools.cache
def _advances() -> tuple[dict[int, float], float]:
    """{code point: advance width in em} of DejaVu Sans, and the width of a glyph it lacks."""
    from fontTools.ttLib import TTFont

    font = TTFont(font_file("DejaVuSans.ttf"), lazy=True)
    metrics, per_em = font["hmtx"].metrics, font["head"].unitsPerEm
    widths = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return widths, widths.get(ord("M"), 0.8)


def text_width(text: str, size: float) -> float:
    """The width in points of the longest line of `text` set in DejaVu Sans at `size`."""
    widths, fallback = _advances()
    return max(sum(widths.get(ord(c), fallback) for c in line) * size for line in text.split("\n"))


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _text(x, y, text, size: float | None = None, anchor="middle", extra="") -> str:
    """A <text> whose first baseline is at y; further lines in <tspan>s below it; in the chart's
    font size unless `size` is given."""
    lines = text.split("\n")
    style = f' font-size="{_n(size)}"' if size else ""
    head = f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{style}{extra}>'
    if len(lines) == 1:
        return head + escape(text) + "</text>"
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{LINE if i else 0}em">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    return head + spans + "</text>"


def nice_ticks(lo: float, hi: float, most: int) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) within lo..hi, at most
    `most` of them (the way matplotlib's default locator chooses them)."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    # 2.5 only where its multiples stay whole numbers (no "12,5" on an axis of counts)
    steps = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    step = next(m * power for m in steps if m * power >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    value = first * step
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        first += 1
        value = first * step
    return ticks


# Marker outlines in units of half the marker size, centred on 0, 0 (y downwards).
SHAPES: dict[str, list[tuple[float, float]]] = {
    "s": [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)],
    "^": [(0, -1), (1, 0.8), (-1, 0.8)],
    "v": [(0, 1), (1, -0.8), (-1, -0.8)],
    "D": [(0, -1), (0.8, 0), (0, 1), (-0.8, 0)],
    "P": [(-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35), (1, 0.35), (0.35, 0.35), (0.35, 1)]
    + [(-0.35, 1), (-0.35, 0.35), (-1, 0.35), (-1, -0.35), (-0.35, -0.35)],
    "X": [(-0.75, -1), (0, -0.25), (0.75, -1), (1, -0.75), (0.25, 0), (1, 0.75), (0.75, 1)]
    + [(0, 0.25), (-0.75, 1), (-1, 0.75), (-0.25, 0), (-1, -0.75)],
    "*": [
        (
            math.cos(math.pi / 2 + i * math.pi / 5) * (1 if i % 2 == 0 else 0.45),
            -math.sin(math.pi / 2 + i * math.pi / 5) * (1 if i % 2 == 0 else 0.45),
        )
        for i in range(10)
    ],
}


def _marker(index: int, x: float, y: float, color: str) -> str:
    """The marker of series `index` (MARKERS: o s ^ D v P X *) centred on x, y."""
    r = MARKER / 2
    style = f'fill="{color}" stroke="{charts.EDGE}" stroke-width="0.6"'
    shape = charts.MARKERS[index % len(charts.MARKERS)]
    if shape == "o":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" {style}/>'
    points = SHAPES[shape]
    d = "M" + " L".join(f"{_n(x + px * r)} {_n(y + py * r)}" for px, py in points) + " Z"
    return f'<path d="{d}" {style}/>'


def _legend(labels: list[str], width_pt: float, width_cm: float, handle) -> tuple[list[str], float]:
    """The legend above the plot (several series): its elements and its height. `handle(i, x,
    middle)` draws the mark of series i (HANDLE points wide) left of its name."""
    labels, ncols = charts._legend_layout(labels, width_cm)
    size = charts.FONT_SIZE
    gap, spacing = 0.8 * size, 1.5 * size
    entry = [HANDLE + gap + text_width(label, size) for label in labels]
    rows = [list(range(i, min(i + ncols, len(labels)))) for i in range(0, len(labels), ncols)]
    column = max(entry)
    parts, y = [], PAD
    for row in rows:
        widths = [entry[i] for i in row] if len(rows) == 1 else [column] * len(row)
        x = (width_pt - sum(widths) - spacing * (len(row) - 1)) / 2
        lines = max(labels[i].count("\n") + 1 for i in row)
        middle = y + size * LINE / 2
        for i, w in zip(row, widths):
            parts += handle(i, x, middle)
            parts.append(_text(x + HANDLE + gap, middle + size * 0.35, labels[i], anchor="start"))
            x += w + spacing
        y += lines * size * LINE + 0.3 * size
    return parts, y - PAD + 1.2 * size


def _line_handle(i: int, x: float, middle: float) -> list[str]:
    color = charts.PALETTE[i % len(charts.PALETTE)]
    dash = DASHES[charts.LINESTYLES[i % len(charts.LINESTYLES)]]
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return [
        f'<path d="M{_n(x)} {_n(middle)} H{_n(x + HANDLE)}" stroke="{color}" stroke-width="2"{dashes}/>',
        _marker(i, x + HANDLE / 2, middle, color),
    ]


@dataclass
class _Plot:
    """The plot area in points and its data ranges: categories 0 .. n-1 on an axis from -0.4 to
    n-0.6 (as the bar charts), values from y_lo to y_hi."""

    left: float
    right: float
    top: float
    bottom: float
    n: int
    y_lo: float = 0.0
    y_hi: float = 1.0

    def slot(self) -> float:
        return (self.right - self.left) / max(self.n - 0.2, 0.8)

    def x_of(self, i: float) -> float:
        return self.left + (i + 0.4) * self.slot()

    def y_of(self, v: float) -> float:
        return self.bottom - (v - self.y_lo) / (self.y_hi - self.y_lo) * (self.bottom - self.top)


def line(spec, width_cm: float, max_height_cm: float | None = None) -> str:
    """A line chart as <svg> markup (without title and description: `charts` adds them)."""
    size = charts.FONT_SIZE
    width = width_cm * PT
    height = min(charts._base_height(width_cm), max_height_cm or charts.HEIGHT_CM * 3) * PT
    parts: list[str] = []
    top = PAD + size * 0.6
    if len(spec.series) > 1:
        legend, legend_height = _legend([s.label for s in spec.series], width, width_cm, _line_handle)
        parts += legend
        top = PAD + legend_height
    note, note_height = _note(spec, width, height)
    parts += note
    bottom = height - PAD - note_height
    labels = [charts._wrap(c, 12) for c in spec.categories]
    bottom -= max((label.count("\n") + 1 for label in labels), default=1) * size * LINE + TICK + TICK_PAD
    plot = _Plot(PAD, width - PAD, top, bottom, len(labels))
    ticks = _value_axis(spec, plot)
    if labels:  # the last label, centred on its category, stays inside the figure
        plot.right -= max(0.0, text_width(labels[-1], size) / 2 - 0.4 * plot.slot())
    return _svg(
        width, height, [*_grid(spec, plot, ticks), *_category_axis(labels, plot), *_lines(spec, plot), *parts]
    )


def _svg(width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}pt" height="{_n(height)}pt"'
        f' viewBox="0 0 {_n(width)} {_n(height)}">\n'
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>\n'
        f'<g font-family="DejaVu Sans, sans-serif" font-size="{charts.FONT_SIZE}" fill="{charts.TEXT}">\n'
        + "\n".join(body)
        + "\n</g>\n</svg>\n"
    )


def _note(spec, width: float, height: float) -> tuple[list[str], float]:
    """Under a chart with a gap, what the mark in the gap means; and the height it takes."""
    if not any(v is None for s in spec.series for v in s.values):
        return [], 0.0
    size = charts.FONT_SIZE
    note = charts._wrap(charts.MISSING_NOTE, int(width * 0.95 / (size * 0.62)))
    lines = note.count("\n") + 1
    baseline = height * 0.99 - (lines - 1) * size * LINE - size * 0.25
    return [_text(width * 0.01, baseline, note, anchor="start")], lines * size * 1.3 + 4


def _value_axis(spec, plot: _Plot) -> list[tuple[float, str]]:
    """Sets the value range of `plot` and its left edge (room for the axis title and the labels);
    the ticks as (value, label)."""
    size = charts.FONT_SIZE
    present = [float(v) for s in spec.series for v in s.values if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 1.0)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    plot.y_lo = lo - pad if lo - pad < 0 or lo < 0 else max(0.0, lo - pad)
    plot.y_hi = hi + pad
    ticks = _value_ticks(plot.y_lo, plot.y_hi, plot.bottom - plot.top, fewest=4)
    title = charts._axis_title(spec)
    plot.left += (charts.LABEL_SIZE * 1.2 + 4 if title else 0) + TICK_PAD
    plot.left += max(text_width(label, size) for _value, label in ticks)
    return ticks


def _grid(spec, plot: _Plot, ticks) -> list[str]:
    """The grid lines at the ticks of a line chart, their labels and the axis title."""
    return _value_grid(spec, (plot.left, plot.right, plot.top, plot.bottom), ticks, plot.y_of)


def _value_grid(spec, box: tuple, ticks, y_of) -> list[str]:
    """An upright value axis (line and upright bar charts) in `box` (left, right, top, bottom):
    grid lines at the ticks, their labels left of it, and the axis title turned beside them."""
    left, right, top, bottom = box
    size = charts.FONT_SIZE
    parts = []
    for value, label in ticks:
        y = y_of(value)
        parts.append(
            f'<path d="M{_n(left)} {_n(y)} H{_n(right)}" stroke="{charts.GRID}" stroke-width="0.6"/>'
        )
        parts.append(_text(left - TICK_PAD, y + size * 0.35, label, anchor="end"))
    title = charts._axis_title(spec)
    if title:
        middle, x = (top + bottom) / 2, PAD + charts.LABEL_SIZE * 0.95
        rotate = f' transform="rotate(-90 {_n(x)} {_n(middle)})"'
        parts.append(_text(x, middle, title, size=charts.LABEL_SIZE, extra=rotate))
    return parts


def _category_axis(labels: list[str], plot: _Plot) -> list[str]:
    """Every step-th label (all that fit side by side, at most 12), with its tick."""
    size = charts.FONT_SIZE
    widest = max((text_width(label, size) for label in labels), default=0)
    step = max(1, math.ceil(plot.n / 12))
    while step < plot.n and step * plot.slot() < widest + size * 0.6:
        step += 1
    parts = [
        f'<path d="M{_n(plot.left)} {_n(plot.bottom)} H{_n(plot.right)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
    ]
    for i in range(0, plot.n, step):
        x = plot.x_of(i)
        parts.append(
            f'<path d="M{_n(x)} {_n(plot.bottom)} V{_n(plot.bottom + TICK)}" stroke="{charts.TEXT}" stroke-width="0.8"/>'
        )
        parts.append(_text(x, plot.bottom + TICK + TICK_PAD + size * 0.8, labels[i]))
    return parts


def _missing(x: float, baseline: float) -> str:
    """The official "." on a small grey tag, its baseline at `baseline` (a gap, not a zero)."""
    size = charts.LABEL_SIZE
    w, h = text_width(charts.MISSING, size) + size * 0.5, size * 1.15 + size * 0.5
    box = (
        f'<rect x="{_n(x - w / 2)}" y="{_n(baseline - size * 0.95 - size * 0.25)}" width="{_n(w)}" height="{_n(h)}"'
        f' rx="{_n(size * 0.25)}" fill="#e8e8e8" stroke="#6a6a6a" stroke-width="0.6"/>'
    )
    return box + _text(x, baseline, charts.MISSING, size=size, extra=' font-weight="bold"')


def _lines(spec, plot: _Plot) -> list[str]:
    """Each series as a line broken at its gaps, with a marker at each value (a single value
    between gaps is seen by its marker), value labels where there are few, and the "." in each gap."""
    few = plot.n <= 8 and len(spec.series) <= 2
    parts = []
    for j, series in enumerate(spec.series):
        color = charts.PALETTE[j % len(charts.PALETTE)]
        points = [
            None if v is None else (plot.x_of(i), plot.y_of(float(v))) for i, v in enumerate(series.values)
        ]
        runs: list[str] = []
        run: list[tuple[float, float]] = []
        for point in [*points, None]:
            if point is None:
                if len(run) > 1:
                    runs.append("M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in run))
                run = []
            else:
                run.append(point)
        if runs:
            dash = DASHES[charts.LINESTYLES[j % len(charts.LINESTYLES)]]
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="{" ".join(runs)}" fill="none" stroke="{color}" stroke-width="2"'
                f' stroke-linejoin="round"{dashes}/>'
            )
        for point, value in zip(points, series.values):
            if point is not None:
                parts.append(_marker(j, *point, color))
                if few:
                    x, y = point
                    parts.append(_text(x, y - 7 if j == 0 else y + 14, charts.format_value(spec, value)))
        parts += [_missing(plot.x_of(i), plot.bottom - 3) for i, p in enumerate(points) if p is None]
    return parts


# --- bar charts ---------------------------------------------------------------------------------

# HATCHES as SVG patterns: lines in the outline colour in a tile of 6 points.
_HATCH_PATHS = {
    "///": "M0 6 L6 0 M-1 1 L1 -1 M5 7 L7 5",
    "\\\\\\": "M0 0 L6 6 M-1 5 L1 7 M5 -1 L7 1",
    "xx": "M0 6 L6 0 M-1 1 L1 -1 M5 7 L7 5 M0 0 L6 6 M-1 5 L1 7 M5 -1 L7 1",
    "---": "M0 3 H6",
    "|||": "M3 0 V6",
    "++": "M0 3 H6 M3 0 V6",
    "..": "M2.4 3 H3.6",
}


def _pattern(hatch: str) -> str:
    """The <pattern> of a hatch, with the id "hatchN" (N: its place in HATCHES)."""
    number = charts.HATCHES.index(hatch)
    width = "1.2" if hatch == ".." else "0.7"
    return (
        f'<pattern id="hatch{number}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<path d="{_HATCH_PATHS[hatch]}" stroke="{charts.EDGE}" stroke-width="{width}" fill="none"/></pattern>'
    )


@dataclass
class _Bar:
    centre: float  # on the category axis (category units)
    thick: float  # along the category axis
    start: float  # values
    end: float
    series: int
    label: str  # its value label
    inside: bool = False  # the label sits inside the bar (a segment of a stack)
    highlight: bool = False


def _fill(bar: _Bar, k: int) -> tuple[str, str, float]:
    """(colour, hatch, outline width) of a bar."""
    if bar.highlight:  # the city: another colour, hatched, a heavier outline (not by colour alone)
        return charts.HIGHLIGHT, "///", 1.6
    hatch = charts.HATCHES[bar.series % len(charts.HATCHES)] if k > 1 else ""
    return charts.PALETTE[bar.series % len(charts.PALETTE)], hatch, 0.6


def _rect(x: float, y: float, w: float, h: float, color: str, hatch: str, outline: float) -> str:
    x, w = (x + w, -w) if w < 0 else (x, w)
    y, h = (y + h, -h) if h < 0 else (y, h)
    box = f'x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"'
    over = f'<rect {box} fill="url(#hatch{charts.HATCHES.index(hatch)})"/>' if hatch else ""
    edge = f'<rect {box} fill="none" stroke="{charts.EDGE}" stroke-width="{_n(outline)}"/>'
    return (
        f'<rect {box} fill="{color}"/>' + over + edge
        if hatch
        else f'<rect {box} fill="{color}" stroke="{charts.EDGE}" stroke-width="{_n(outline)}"/>'
    )


def _bars_of(spec, positions: list[float], width: float) -> tuple[list[_Bar], list[tuple], list[tuple]]:
    """The bars, the gaps (centre, base) and the totals of stacks (centre, end, label)."""
    n, k = len(spec.categories), len(spec.series)
    stacked = spec.kind == "stacked_bar"
    bottoms = [0.0] * n
    max_abs = max((abs(float(v)) for s in spec.series for v in s.values if v is not None), default=0.0)
    if stacked:
        totals = [t for i in range(n) if (t := charts._total_visible(spec, i)) is not None]
        max_abs = max((float(t) for t in totals), default=max_abs)
    bars, gaps = [], []
    for j, series in enumerate(spec.series):
        offset = 0.0 if stacked or k == 1 else (j - (k - 1) / 2) * width
        idx = [i for i in range(n) if series.values[i] is not None]
        labels = dict(zip(idx, charts._value_labels(spec, series, idx)))
        for i, value in enumerate(series.values):
            if value is None:
                gaps.append((positions[i] + offset, bottoms[i] if stacked else 0.0))
                continue
            v = float(value)
            start = bottoms[i] if stacked else 0.0
            label = labels[i] if not stacked or v >= 0.06 * max_abs else ""
            bars.append(
                _Bar(positions[i] + offset, width, start, start + v, j, label, stacked, spec.highlight == i)
            )
            if stacked:
                bottoms[i] += v
    ends = []
    if stacked and k > 1:
        ends = [
            (positions[i], bottoms[i], charts.format_value(spec, total))
            for i in range(n)
            if (total := charts._total(spec, i)) is not None
        ]
    return bars, gaps, ends


def bars(spec, width_cm: float, max_height_cm: float | None = None) -> str | None:
    """A bar chart (one series, grouped or stacked) as <svg> markup (without title and
    description), upright or, for long names, lying (`charts._orientation`), with the names above
    the bars on a phone; None where the value labels would have to be turned (matplotlib does that)."""
    if spec.kind not in ("bar", "grouped_bar", "stacked_bar"):
        return None
    horizontal, wrap_width = charts._orientation(spec, width_cm)
    above = horizontal and charts._names_go_above(spec, width_cm)
    n, k = len(spec.categories), len(spec.series)
    names = [charts._wrap(c, wrap_width) for c in spec.categories]
    if above:
        positions, group, _total_cm = charts._slots(spec, width_cm)
        first = charts.LINE_CM * (names[0].count("\n") + 1)
        extent = (positions[0] - group / 2 - first - 0.05, positions[-1] + group / 2 + 0.1)
    else:
        positions, group = [float(i) for i in range(n)], 0.8
        extent = (-0.5, n - 0.5)
    width = group if spec.kind == "stacked_bar" or k == 1 else group / k
    drawn, gaps, ends = _bars_of(spec, positions, width)
    values = [0.0, *(b.start for b in drawn), *(b.end for b in drawn)]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = 0.0, 1.0
    else:  # 12 % room beyond the bars' ends, none beyond zero (as matplotlib's margins)
        lo, hi = lo - 0.12 * (hi - lo) * (lo < 0), hi + 0.12 * (hi - lo) * (hi > 0)

    size = charts.FONT_SIZE
    w_pt = width_cm * PT
    h_pt = charts._height_for(spec, horizontal, width_cm)
    h_pt = min(h_pt, max_height_cm or h_pt) * PT
    parts: list[str] = []
    top = PAD + size * 0.6
    if k > 1:
        labels = [s.label for s in spec.series]
        order = list(range(k))
        if spec.kind == "stacked_bar" and not horizontal:
            order = order[::-1]  # the top segment first, as stacked

        def handle(i, x, middle):
            j = order[i]
            color, hatch, outline = _fill(_Bar(0, 0, 0, 0, j, ""), k)
            return [_rect(x + 3, middle - 5.4, HANDLE * 0.73, 10.8, color, hatch, outline)]

        legend, legend_height = _legend([labels[j] for j in order], w_pt, width_cm, handle)
        parts += legend
        top = PAD + legend_height
    note, note_height = _note(spec, w_pt, h_pt)
    frame = _Frame(PAD, w_pt - PAD, top, h_pt - PAD - note_height, extent, (lo, hi))
    chart = _BarChart(spec, frame, names, drawn, gaps, ends, positions, group, above)
    body = chart.lying() if horizontal else chart.upright()
    if body is None:
        return None
    marks = [*body, *parts, *note]
    used = sorted({int(i) for i in re.findall(r"url\(#hatch(\d+)\)", "".join(marks))})
    defs = [f"<defs>{''.join(_pattern(charts.HATCHES[i]) for i in used)}</defs>"] if used else []
    return _svg(w_pt, h_pt, [*defs, *marks])


@dataclass
class _Frame:
    left: float
    right: float
    top: float
    bottom: float
    extent: tuple[float, float]  # the category axis from-to (category units)
    values: tuple[float, float]  # the value axis from-to


@dataclass
class _BarChart:
    spec: Any  # a charts.ChartSpec
    frame: _Frame
    names: list
    bars: list
    gaps: list
    ends: list
    positions: list  # the centre of each category (category units)
    group: float  # the thickness of a category's bars together
    above: bool  # names above the bars (lying bars on a phone)

    def upright(self) -> list[str] | None:
        f, size, spec = self.frame, charts.FONT_SIZE, self.spec
        f.bottom -= max(name.count("\n") + 1 for name in self.names) * size * LINE + TICK + TICK_PAD
        ticks = _value_ticks(*f.values, f.bottom - f.top)
        title = charts._axis_title(spec)
        f.left += (charts.LABEL_SIZE * 1.2 + 4 if title else 0) + TICK_PAD
        f.left += max(text_width(t, size) for _v, t in ticks)
        c0, c1 = f.extent
        lo, hi = f.values

        def cat(c: float) -> float:
            return f.left + (c - c0) / (c1 - c0) * (f.right - f.left)

        def val(v: float) -> float:
            return f.bottom - (v - lo) / (hi - lo) * (f.bottom - f.top)

        slot = (f.right - f.left) / (c1 - c0)
        outside = [b for b in self.bars if not b.inside]
        if any(text_width(b.label, size) > b.thick * slot * 1.1 for b in outside):
            return None  # the value labels would have to be turned
        parts = _value_grid(spec, (f.left, f.right, f.top, f.bottom), ticks, val)
        k = len(spec.series)
        drawn = []
        for b in self.bars:
            color, hatch, outline = _fill(b, k)
            x0, y0 = cat(b.centre - b.thick / 2), val(b.start)
            drawn.append(_rect(x0, y0, b.thick * slot, val(b.end) - y0, color, hatch, outline))
        parts.append('<g class="bars">' + "".join(drawn) + "</g>")
        for b in self.bars:
            x = cat(b.centre)
            if b.inside and b.label:
                parts.append(_boxed(x, (val(b.start) + val(b.end)) / 2 + size * 0.35, b.label))
            elif b.label:
                below = b.end < b.start
                y = val(b.end) + size * 0.95 + 2 if below else val(b.end) - 2 - size * 0.2
                parts.append(_text(x, y, b.label))
        parts += [
            _text(cat(c), val(end) - 3 - size * 0.2, label, extra=' font-weight="bold"')
            for c, end, label in self.ends
        ]
        parts += [_missing(cat(c), val(base) - 5) for c, base in self.gaps]
        for i, (name, c) in enumerate(zip(self.names, self.positions)):
            x = cat(c)
            bold = ' font-weight="bold"' if i == spec.highlight else ""
            parts.append(
                f'<path d="M{_n(x)} {_n(f.bottom)} V{_n(f.bottom + TICK)}" stroke="{charts.TEXT}" stroke-width="0.8"/>'
            )
            parts.append(_text(x, f.bottom + TICK + TICK_PAD + size * 0.8, name, extra=bold))
        parts.append(
            f'<path d="M{_n(f.left)} {_n(f.bottom)} H{_n(f.right)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
        )
        if lo < 0:
            parts.append(
                f'<path d="M{_n(f.left)} {_n(val(0.0))} H{_n(f.right)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
            )
        return parts

    def lying(self) -> list[str]:
        f, size, spec = self.frame, charts.FONT_SIZE, self.spec
        title = charts._axis_title(spec)
        f.bottom -= size * LINE + TICK_PAD + (charts.LABEL_SIZE * 1.3 + 2 if title else 0)
        if not self.above:
            f.left += max(text_width(name, size) for name in self.names) + TICK + TICK_PAD
        c0, c1 = f.extent
        lo, hi = f.values
        # the scale at which every label beyond a bar's end fits into the picture
        beyond = [(b.end, b.label, 1.0) for b in self.bars if b.label and not b.inside] + [
            (end, label, 1.1) for _c, end, label in self.ends
        ]
        scale = (f.right - f.left) / (hi - lo)
        for end, label, bold in beyond:
            if end - lo > 0:
                scale = min(scale, (f.right - f.left - 4 - text_width(label, size) * bold) / (end - lo))
        f.right = f.left + scale * (hi - lo)

        def cat(c: float) -> float:
            return f.top + (c - c0) / (c1 - c0) * (f.bottom - f.top)

        def val(v: float) -> float:
            return f.left + (v - lo) * scale

        slot = (f.bottom - f.top) / (c1 - c0)
        parts = []
        for value, label in _value_ticks(lo, hi, f.right - f.left, across=True):
            x = val(value)
            parts.append(
                f'<path d="M{_n(x)} {_n(f.top)} V{_n(f.bottom)}" stroke="{charts.GRID}" stroke-width="0.6"/>'
            )
            parts.append(_text(x, f.bottom + TICK_PAD + size * 0.8, label))
        if title:
            y = f.bottom + TICK_PAD + size * LINE + charts.LABEL_SIZE
            parts.append(_text((f.left + f.right) / 2, y, title, size=charts.LABEL_SIZE))
        k = len(spec.series)
        drawn = []
        for b in self.bars:
            color, hatch, outline = _fill(b, k)
            x0, y0 = val(b.start), cat(b.centre - b.thick / 2)
            drawn.append(_rect(x0, y0, val(b.end) - x0, b.thick * slot, color, hatch, outline))
        parts.append('<g class="bars">' + "".join(drawn) + "</g>")
        for b in self.bars:
            y = cat(b.centre) + size * 0.35
            if b.inside and b.label:
                parts.append(_boxed((val(b.start) + val(b.end)) / 2, y, b.label))
            elif b.label:
                anchor, x = ("end", val(b.end) - 2) if b.end < b.start else ("start", val(b.end) + 2)
                parts.append(_text(x, y, b.label, anchor=anchor))
        parts += [
            _text(val(end) + 4, cat(c) + size * 0.35, label, anchor="start", extra=' font-weight="bold"')
            for c, end, label in self.ends
        ]
        parts += [_missing(val(base) + 11, cat(c) + charts.LABEL_SIZE * 0.35) for c, base in self.gaps]
        parts += self._names_lying(cat)
        for x in dict.fromkeys((f.left, val(0.0))):  # the axis, and the zero line between falls and rises
            parts.append(
                f'<path d="M{_n(x)} {_n(f.top)} V{_n(f.bottom)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
            )
        return parts

    def _names_lying(self, cat) -> list[str]:
        """The names left of their bars with a tick, or above them from the left edge."""
        f, size, spec = self.frame, charts.FONT_SIZE, self.spec
        parts = []
        for i, (name, c) in enumerate(zip(self.names, self.positions)):
            bold = ' font-weight="bold"' if i == spec.highlight else ""
            lines = name.count("\n")
            if self.above:
                baseline = cat(c - self.group / 2) - 2 - size * 0.25 - lines * size * LINE
                parts.append(_text(f.left, baseline, name, anchor="start", extra=bold))
            else:
                y = cat(c)
                parts.append(
                    f'<path d="M{_n(f.left)} {_n(y)} H{_n(f.left - TICK)}" stroke="{charts.TEXT}" stroke-width="0.8"/>'
                )
                baseline = y + size * 0.35 - lines * size * LINE / 2
                parts.append(_text(f.left - TICK - TICK_PAD, baseline, name, anchor="end", extra=bold))
        return parts


def _value_ticks(
    lo: float, hi: float, length: float, across: bool = False, fewest: int = 3
) -> list[tuple[float, str]]:
    """Ticks (value, label) of a value axis `length` points long: about 20 points apart upright, or
    the width of a label and a space apart where the labels stand side by side (`across`)."""
    size = charts.FONT_SIZE
    room = size * 2.2
    if across:
        room = (
            max(text_width(charts._number(Decimal(repr(round(v, 6))), None), size) for v in (lo, hi)) + size
        )
    ticks = nice_ticks(lo, hi, max(fewest, min(8, int(length / room))))
    return [(t, charts._number(Decimal(repr(round(t, 6))), None)) for t in ticks]


def _boxed(x: float, baseline: float, label: str) -> str:
    """A label inside a stacked segment, on a white box (the hatching behind it)."""
    size = charts.FONT_SIZE
    w = text_width(label, size) + size * 0.3
    box = (
        f'<rect x="{_n(x - w / 2)}" y="{_n(baseline - size * 0.95)}" width="{_n(w)}" height="{_n(size * 1.25)}"'
        f' rx="1.5" fill="#ffffff" fill-opacity="0.85"/>'
    )
    return box + _text(x, baseline, label)
