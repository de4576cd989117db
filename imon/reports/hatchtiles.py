"""Smaller hatch tiles in matplotlib's SVG, for WeasyPrint.

matplotlib writes every hatch as an SVG <pattern> one inch (72 units) square. For dots ("..",
"...") that tile holds 160 to 350 small circles of eight curves each, and WeasyPrint parses and
draws the whole tile again for every shape filled with it: the time bars of a large concept spent
a quarter of the PDF's time there, and the PDF carried each tile once per bar. The dots repeat
every few units, so a tile of one period (two or three circles, cut at its edges) tiles to the
same picture. `compact(svg)` rewrites each pattern whose path is such a periodic grid of one
shape; any other pattern stays as it is.
"""

import functools
import re

_PATTERN = re.compile(
    r'(<pattern [^>]*?width=")(\d+(?:\.\d+)?)(" height=")(\d+(?:\.\d+)?)(">\s*<rect x="0" y="0" width=")'
    r'[^"]*(" height=")[^"]*("[^>]*/>\s*<path d=")([^"]*)(")',
)
_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")
# (i, j): periods of a tile's width / i and height / j to try, the smallest tile first
_DIVISIONS = sorted(
    ((i, j) for i in range(1, 37) for j in range(1, 37) if i * j > 1), key=lambda d: -d[0] * d[1]
)
_PAIRS_OF = {"M": 1, "L": 1, "Q": 2, "C": 3}  # absolute commands: coordinate pairs each


def compact(svg: str) -> str:
    """The SVG with each periodic hatch tile cut down to one period (the same picture)."""
    if "<pattern " not in svg:
        return svg
    return _PATTERN.sub(_compact_match, svg)


def _compact_match(m: re.Match) -> str:
    width, height = float(m[2]), float(m[4])
    smaller = _one_period(m[8], width, height)
    if smaller is None:
        return m[0]
    px, py, d = smaller
    return f"{m[1]}{_n(px)}{m[3]}{_n(py)}{m[5]}{_n(px + 1)}{m[6]}{_n(py + 1)}{m[7]}{d}{m[9]}"


def _subpaths(d: str) -> list[list[str]] | None:
    """The path's subpaths as token lists, or None if it uses anything but absolute M, L, C, Q
    (coordinate pairs) and z."""
    tokens = _TOKEN.findall(d)
    if "".join(tokens).replace(" ", "") != re.sub(r"[\s,]", "", d):
        return None  # something the tokens did not cover
    subpaths: list[list[str]] = []
    for token in tokens:
        if token.isalpha() and token not in _PAIRS_OF and token not in "zZ":
            return None
        if token == "M":
            subpaths.append([])
        if not subpaths:
            return None
        subpaths[-1].append(token)
    return subpaths


def _coordinates(tokens: list[str]) -> list[tuple[float, float]] | None:
    numbers = [float(t) for t in tokens if not t.isalpha()]
    if len(numbers) % 2:
        return None
    return list(zip(numbers[0::2], numbers[1::2]))


@functools.lru_cache(maxsize=64)  # the same hatch comes in many charts
def _one_period(d: str, width: float, height: float) -> tuple[float, float, str] | None:
    """(period across, period down, the path of one period's tile), or None."""
    subpaths = _subpaths(d)
    if not subpaths or len(subpaths) < 8:
        return None
    shapes = []
    for tokens in subpaths:
        points = _coordinates(tokens)
        if not points:
            return None
        xs, ys = [x for x, _ in points], [y for _, y in points]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        relative = tuple((round(x - cx, 4), round(y - cy, 4)) for x, y in points)
        letters = tuple(t for t in tokens if t.isalpha())
        shapes.append(((letters, relative), (cx, cy), (max(xs) - min(xs)) / 2, (max(ys) - min(ys)) / 2))
    if len({shape for shape, *_ in shapes}) != 1:
        return None  # not one shape repeated
    (letters, relative), _, rx, ry = shapes[0]
    if len(relative) != sum(_PAIRS_OF.get(letter, 0) for letter in letters):
        return None  # a command with more than its pairs (implicit repetition)
    centres = {(round(cx, 3), round(cy, 3)) for _, (cx, cy), _, _ in shapes}
    if len(centres) != len(shapes):
        return None
    for i, j in _DIVISIONS:
        px, py = width / i, height / j
        if not _periodic(centres, px, py, width, height):
            continue
        offsets = {(round(x % px, 3) % round(px, 3), round(y % py, 3) % round(py, 3)) for x, y in centres}
        kept = sorted(
            (x, y)
            for ox, oy in offsets
            for x in (ox - px, ox, ox + px)
            for y in (oy - py, oy, oy + py)
            if x - rx < px and x + rx > 0 and y - ry < py and y + ry > 0  # the shape reaches into the tile
        )
        return px, py, " ".join(_shape_at(letters, relative, cx, cy) for cx, cy in kept)
    return None


def _periodic(centres: set[tuple[float, float]], px: float, py: float, width: float, height: float) -> bool:
    """Whether moving by a period across or down takes every centre to another one or out of the
    tile (then the tile is the first period's centres, repeated)."""
    eps = 1e-3
    for x, y in centres:
        for dx, dy in ((px, 0.0), (-px, 0.0), (0.0, py), (0.0, -py)):
            nx, ny = x + dx, y + dy
            if (
                -eps <= nx <= width + eps
                and -eps <= ny <= height + eps
                and (round(nx, 3), round(ny, 3)) not in centres
            ):
                return False
    return True


def _shape_at(
    letters: tuple[str, ...], relative: tuple[tuple[float, float], ...], cx: float, cy: float
) -> str:
    """The shape's subpath with its centre at (cx, cy)."""
    points = iter(relative)
    parts = []
    for letter in letters:
        parts.append(letter)
        for _ in range(_PAIRS_OF.get(letter, 0)):
            x, y = next(points)
            parts.append(f"{_n(x + cx)} {_n(y + cy)}")
    return " ".join(parts)


def _n(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
