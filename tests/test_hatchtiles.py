"""Hatch tiles cut to one period for the PDF (imon.reports.hatchtiles): the dots of a matplotlib
hatch come out where they were, from a tile that WeasyPrint draws quickly; other hatches stay."""

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from imon.reports import hatchtiles  # noqa: E402

PATTERN = re.compile(r'<pattern [^>]*width="([\d.]+)" height="([\d.]+)">.*?<path d="([^"]*)"', re.S)


def matplotlib_svg(*hatches: str) -> str:
    fig, ax = plt.subplots(figsize=(4, 2))
    for i, hatch in enumerate(hatches):
        ax.barh(i, 5, color="#56B4E9", edgecolor="#222222", hatch=hatch)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def centres(d: str) -> set[tuple[float, float]]:
    """The centres of the shapes of a hatch path (the middle of each subpath's points)."""
    found = set()
    for part in d.split("M")[1:]:
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", part)]
        xs, ys = numbers[0::2], numbers[1::2]
        found.add((round((min(xs) + max(xs)) / 2, 2), round((min(ys) + max(ys)) / 2, 2)))
    return found


def tiled(tile: set[tuple[float, float]], px: float, py: float, size: float) -> set[tuple[float, float]]:
    """The centres of a tile repeated over a square of `size`, those inside it."""
    copies = range(-1, int(size / min(px, py)) + 2)
    return {
        (round(x + i * px, 2), round(y + j * py, 2))
        for x, y in tile
        for i in copies
        for j in copies
        if -0.01 <= x + i * px <= size + 0.01 and -0.01 <= y + j * py <= size + 0.01
    }


def test_dots_come_from_a_small_tile_in_the_same_places():
    svg = matplotlib_svg("..", "...")
    before = PATTERN.findall(svg)
    after = PATTERN.findall(hatchtiles.compact(svg))
    assert len(before) == len(after) == 2
    for (width, height, d), (px, py, small) in zip(before, after):
        px, py, size = float(px), float(py), float(width)
        assert px * py <= float(width) * float(height) / 36
        assert len(small) * 20 < len(d)
        assert tiled(centres(small), px, py, size) == centres(d)


def test_other_hatches_and_other_drawings_stay_as_they_are():
    svg = matplotlib_svg("//", "xx", "\\\\")
    assert hatchtiles.compact(svg) == svg
    plain = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>'
    assert hatchtiles.compact(plain) == plain
