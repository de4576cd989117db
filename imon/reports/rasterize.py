"""PNG of the charts written directly as SVG (imon.reports.svgdraw), for DOCX and PPTX.

resvg (a Rust SVG renderer, the package `resvg-py`) rasterises a chart's SVG in a few tens of
milliseconds, and the text comes out where a browser puts it: DOCX and PPTX show the same picture
as HTML and the PDF. matplotlib took about 0.14 s per PNG, plus about a second to be imported and
draw its first figure; it now draws only the charts that svgdraw leaves to it.

The SVG names "DejaVu Sans, sans-serif" and `svgdraw` measures its text with the DejaVu Sans that
matplotlib bundles, so resvg is given exactly those files and no system font: the PNG is the same
on every machine, and no font folders are scanned.
"""

from __future__ import annotations

import functools

from . import svgdraw


@functools.cache
def _font_files() -> tuple[str, str]:
    """The regular and bold DejaVu Sans bundled with matplotlib."""
    return svgdraw.font_file("DejaVuSans.ttf"), svgdraw.font_file("DejaVuSans-Bold.ttf")


def png_from_svg(svg: str, dpi: int) -> bytes:
    """The chart `svg` (sized in points, as `svgdraw` writes it) as PNG bytes at `dpi`: a chart
    16 cm wide becomes 16 / 2.54 × dpi pixels wide, like matplotlib's PNG of it."""
    import resvg_py

    return resvg_py.svg_to_bytes(
        svg_string=svg,
        # resvg-py passes 0 by default, which makes every size in points 0 ("invalid size")
        dpi=float(dpi),
        skip_system_fonts=True,
        font_files=list(_font_files()),
        background="white",
    )
