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
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from . import charts

PT = 72 / 2.54  # points per cm
PAD = 4.0  # around the figure, as matplotlib's layout leaves it (points)
LINE = 1.25  # line height in em
TICK = 3.0  # length of the x ticks
TICK_PAD = 3.5  # between a tick and its label
MARKER = 6.0  # marker size (points), as `markersize=6`
# Dash patterns of LINESTYLES at a line width of 2, as matplotlib scales them.
DASHES = {"-": "", "--": "7.4,3.2", ":": "2,3.3", "-.": "12.8,3.2,2,3.2"}


@functools.cache
def _advances() -> tuple[dict[int, float], float]:
    """{code point: advance width in em} of DejaVu Sans, and the width of a glyph it lacks."""
    from fontTools.ttLib import TTFont

    spec = importlib.util.find_spec("matplotlib")  # found, not imported (that takes half a second)
    assert spec is not None and spec.submodule_search_locations
    folder = list(spec.submodule_search_locations)[0]
    path = os.path.join(folder, "mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
    font = TTFont(path, lazy=True)
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


def _legend(spec, width_pt: float, width_cm: float) -> tuple[list[str], float]:
    """The legend above the plot (several series): its elements and its height."""
    labels, ncols = charts._legend_layout([s.label for s in spec.series], width_cm)
    size = charts.FONT_SIZE
    handle, gap, spacing = 3 * size, 0.8 * size, 1.5 * size
    entry = [handle + gap + text_width(label, size) for label in labels]
    rows = [list(range(i, min(i + ncols, len(labels)))) for i in range(0, len(labels), ncols)]
    column = max(entry)
    parts, y = [], PAD
    for row in rows:
        widths = [entry[i] for i in row] if len(rows) == 1 else [column] * len(row)
        x = (width_pt - sum(widths) - spacing * (len(row) - 1)) / 2
        lines = max(labels[i].count("\n") + 1 for i in row)
        middle = y + size * LINE / 2
        for i, w in zip(row, widths):
            color = charts.PALETTE[i % len(charts.PALETTE)]
            dash = DASHES[charts.LINESTYLES[i % len(charts.LINESTYLES)]]
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<path d="M{_n(x)} {_n(middle)} H{_n(x + handle)}" stroke="{color}" stroke-width="2"{dashes}/>'
            )
            parts.append(_marker(i, x + handle / 2, middle, color))
            parts.append(_text(x + handle + gap, middle + size * 0.35, labels[i], anchor="start"))
            x += w + spacing
        y += lines * size * LINE + 0.3 * size
    return parts, y - PAD + 1.2 * size


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
    """The chart as <svg> markup (without title and description: `charts` adds them)."""
    size = charts.FONT_SIZE
    width = width_cm * PT
    height = min(charts._base_height(width_cm), max_height_cm or charts.HEIGHT_CM * 3) * PT
    parts: list[str] = []
    top = PAD + size * 0.6
    if len(spec.series) > 1:
        legend, legend_height = _legend(spec, width, width_cm)
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
    ticks = nice_ticks(plot.y_lo, plot.y_hi, max(4, min(8, int((plot.bottom - plot.top) / (size * 2.2)))))
    tick_labels = [charts._number(Decimal(repr(round(t, 6))), None) for t in ticks]
    title = charts._axis_title(spec)
    plot.left += (charts.LABEL_SIZE * 1.2 + 4 if title else 0) + TICK_PAD
    plot.left += max(text_width(label, size) for label in tick_labels)
    return list(zip(ticks, tick_labels))


def _grid(spec, plot: _Plot, ticks) -> list[str]:
    """The grid lines at the ticks, their labels and the axis title."""
    size = charts.FONT_SIZE
    parts = []
    for value, label in ticks:
        y = plot.y_of(value)
        parts.append(
            f'<path d="M{_n(plot.left)} {_n(y)} H{_n(plot.right)}" stroke="{charts.GRID}" stroke-width="0.6"/>'
        )
        parts.append(_text(plot.left - TICK_PAD, y + size * 0.35, label, anchor="end"))
    title = charts._axis_title(spec)
    if title:
        middle, x = (plot.top + plot.bottom) / 2, PAD + charts.LABEL_SIZE * 0.95
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


def bars(spec, width_cm: float, max_height_cm: float | None = None) -> str | None:
    """A bar chart of one series as <svg> markup (without title and description), upright or, for
    long names, lying (`charts._orientation`); None where matplotlib draws it (several series, a
    highlighted city, names above the bars on a phone, value labels that would need turning)."""
    horizontal, wrap_width = charts._orientation(spec, width_cm)
    if (
        spec.kind != "bar"
        or len(spec.series) != 1
        or spec.highlight is not None
        or (horizontal and charts._names_go_above(spec, width_cm))
    ):
        return None
    size = charts.FONT_SIZE
    width = width_cm * PT
    height = charts._height_for(spec, horizontal, width_cm)
    height = min(height, max_height_cm or height) * PT
    series = spec.series[0]
    idx = [i for i, v in enumerate(series.values) if v is not None]
    value_labels = dict(zip(idx, charts._value_labels(spec, series, idx)))
    present = [float(series.values[i]) for i in idx]
    lo, hi = min([0.0, *present]), max([0.0, *present])
    span = hi - lo
    if span == 0:
        lo, hi = 0.0, 1.0
    else:  # 12 % room beyond the bars' ends, none beyond zero (as matplotlib's margins)
        lo, hi = lo - 0.12 * span * (lo < 0), hi + 0.12 * span * (hi > 0)
    names = [charts._wrap(c, wrap_width) for c in spec.categories]
    note, note_height = _note(spec, width, height)
    frame = (PAD, width - PAD, PAD + size * 0.6, height - PAD - note_height)
    draw = _lying if horizontal else _upright
    body = draw(spec, frame, names, value_labels, (lo, hi))
    return None if body is None else _svg(width, height, [*body, *note])


def _value_ticks(lo: float, hi: float, length: float) -> list[tuple[float, str]]:
    ticks = nice_ticks(lo, hi, max(3, min(8, int(length / (charts.FONT_SIZE * 2.6)))))
    return [(t, charts._number(Decimal(repr(round(t, 6))), None)) for t in ticks]


def _bar(x: float, y: float, w: float, h: float) -> str:
    x, w = (x + w, -w) if w < 0 else (x, w)
    y, h = (y + h, -h) if h < 0 else (y, h)
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{charts.PALETTE[0]}"'
        f' stroke="{charts.EDGE}" stroke-width="0.6"/>'
    )


def _upright(spec, frame, names, value_labels, value_range) -> list[str] | None:
    size = charts.FONT_SIZE
    left, right, top, bottom = frame
    n, (lo, hi) = len(names), value_range
    bottom -= max(name.count("\n") + 1 for name in names) * size * LINE + TICK + TICK_PAD
    title = charts._axis_title(spec)
    ticks = _value_ticks(lo, hi, bottom - top)
    left += (
        (charts.LABEL_SIZE * 1.2 + 4 if title else 0) + TICK_PAD + max(text_width(t, size) for _v, t in ticks)
    )
    slot = (right - left) / n  # categories at the centres of n equal slots, bars 0.8 of a slot wide
    if max((text_width(label, size) for label in value_labels.values()), default=0) > slot * 0.8 * 1.1:
        return None  # the value labels would have to be turned

    def y_of(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    parts = []
    for value, label in ticks:
        y = y_of(value)
        parts.append(
            f'<path d="M{_n(left)} {_n(y)} H{_n(right)}" stroke="{charts.GRID}" stroke-width="0.6"/>'
        )
        parts.append(_text(left - TICK_PAD, y + size * 0.35, label, anchor="end"))
    if title:
        middle, x = (top + bottom) / 2, PAD + charts.LABEL_SIZE * 0.95
        rotate = f' transform="rotate(-90 {_n(x)} {_n(middle)})"'
        parts.append(_text(x, middle, title, size=charts.LABEL_SIZE, extra=rotate))
    zero = y_of(0.0)
    for i, name in enumerate(names):
        x = left + (i + 0.5) * slot
        value = spec.series[0].values[i]
        if value is None:
            parts.append(_missing(x, zero - 5))
        else:
            end = y_of(float(value))
            parts.append(_bar(x - 0.4 * slot, zero, 0.8 * slot, end - zero))
            below = float(value) < 0
            parts.append(_text(x, end + size * 0.95 + 2 if below else end - 2 - size * 0.2, value_labels[i]))
        parts.append(
            f'<path d="M{_n(x)} {_n(bottom)} V{_n(bottom + TICK)}" stroke="{charts.TEXT}" stroke-width="0.8"/>'
        )
        parts.append(_text(x, bottom + TICK + TICK_PAD + size * 0.8, name))
    parts.append(
        f'<path d="M{_n(left)} {_n(bottom)} H{_n(right)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
    )
    if lo < 0:
        parts.append(
            f'<path d="M{_n(left)} {_n(zero)} H{_n(right)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
        )
    return parts


def _lying(spec, frame, names, value_labels, value_range) -> list[str]:
    size = charts.FONT_SIZE
    left, right, top, bottom = frame
    n, (lo, hi) = len(names), value_range
    title = charts._axis_title(spec)
    bottom -= size * LINE + TICK_PAD + (charts.LABEL_SIZE * 1.3 + 2 if title else 0)
    left += max(text_width(name, size) for name in names) + TICK + TICK_PAD
    # the scale at which every value label fits beyond the end of its bar
    scale = (right - left) / (hi - lo)
    for i, label in value_labels.items():
        reach = float(spec.series[0].values[i]) - lo
        if reach > 0:
            scale = min(scale, (right - left - 2 - text_width(label, size)) / reach)
    right = left + scale * (hi - lo)
    ticks = _value_ticks(lo, hi, right - left)
    slot = (bottom - top) / n

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (right - left)

    parts = []
    for value, label in ticks:
        x = x_of(value)
        parts.append(
            f'<path d="M{_n(x)} {_n(top)} V{_n(bottom)}" stroke="{charts.GRID}" stroke-width="0.6"/>'
        )
        parts.append(_text(x, bottom + TICK_PAD + size * 0.8, label))
    if title:
        parts.append(
            _text(
                (left + right) / 2,
                bottom + TICK_PAD + size * LINE + charts.LABEL_SIZE,
                title,
                size=charts.LABEL_SIZE,
            )
        )
    zero = x_of(0.0)
    for i, name in enumerate(names):
        y = top + (i + 0.5) * slot  # the first category on top
        value = spec.series[0].values[i]
        if value is None:
            parts.append(_missing(zero + 6 + 5, y + charts.LABEL_SIZE * 0.35))
        else:
            end = x_of(float(value))
            parts.append(_bar(zero, y - 0.4 * slot, end - zero, 0.8 * slot))
            anchor, x = ("end", end - 2) if float(value) < 0 else ("start", end + 2)
            parts.append(_text(x, y + size * 0.35, value_labels[i], anchor=anchor))
        parts.append(
            f'<path d="M{_n(left)} {_n(y)} H{_n(left - TICK)}" stroke="{charts.TEXT}" stroke-width="0.8"/>'
        )
        lines = name.count("\n")
        parts.append(
            _text(left - TICK - TICK_PAD, y + size * 0.35 - lines * size * LINE / 2, name, anchor="end")
        )
    for x in {left, zero}:  # the axis, and the zero line between falls and rises
        parts.append(
            f'<path d="M{_n(x)} {_n(top)} V{_n(bottom)}" stroke="{charts.EDGE}" stroke-width="0.8"/>'
        )
    return parts
