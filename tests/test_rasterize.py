"""PNGs of the directly written charts rasterised from their SVG (imon.reports.rasterize): the size a
document places them at, and the text drawn in DejaVu Sans where the SVG puts it."""

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imon.reports import charts
from imon.reports.rasterize import png_from_svg
from tests.test_svgdraw import AGES, TWO

SVG = "{http://www.w3.org/2000/svg}"


def pixels(png):
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("L"))


@pytest.mark.parametrize("width_cm", [charts.WIDTH_CM, charts.NARROW_CM])
@pytest.mark.parametrize("dpi", [100, 200])
def test_the_png_has_the_size_of_the_chart_at_the_resolution(width_cm, dpi):
    svg = charts._draw_svg(TWO, None, width_cm)
    height_pt = float(ET.fromstring(svg).get("height").removesuffix("pt"))
    shown = pixels(png_from_svg(svg, dpi))
    assert shown.shape[1] == pytest.approx(width_cm / 2.54 * dpi, abs=1)
    assert shown.shape[0] == pytest.approx(height_pt / 72 * dpi, abs=1)
    assert shown[0, 0] == 255  # white, not transparent, behind the chart


@pytest.mark.parametrize("spec", [TWO, AGES], ids=["line", "bar"])
def test_the_text_is_drawn_where_the_svg_puts_it(spec):
    svg = charts._draw_svg(spec)
    dpi = 200
    shown = pixels(png_from_svg(svg, dpi))
    without_text = pixels(png_from_svg(re.sub(r"<text.*?</text>", "", svg, flags=re.S), dpi))
    drawn = (shown < 128) & (without_text >= 128)  # dark where only text can have made it
    assert drawn.sum() > 2_000  # the labels are there (no font found would leave them out silently)
    # every label's ink ends or starts within 2 pt of where its anchor puts it
    for text in ET.fromstring(svg).iter(f"{SVG}text"):
        words = "".join(text.itertext()).strip()
        if not words or text.get("x") is None or text.get("transform"):
            continue
        x, y = float(text.get("x")) * dpi / 72, float(text.get("y")) * dpi / 72
        band = drawn[max(0, round(y - 9 * dpi / 72)) : round(y + 3 * dpi / 72)]
        columns = np.flatnonzero(band.any(axis=0))
        near = columns[np.abs(columns - x) < 6 * dpi / 72]
        assert len(near), words  # ink begins or ends at the anchor
        anchor = text.get("text-anchor", "start")
        edge = {"end": near.max(), "start": near.min()}.get(anchor)
        if edge is not None:
            assert abs(edge - x) < 2 * dpi / 72, (words, anchor, edge, x)


def test_lines_and_bars_are_drawn_for_documents_without_matplotlib():
    """DOCX and PPTX of a report with only line and bar charts never start matplotlib (its import
    and first figure took about a second of every first report)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tests.test_svgdraw import AGES, STACK, TWO\n"
        "from imon.reports import charts\n"
        "for spec in (AGES, STACK, TWO):\n"
        "    assert charts.render_png.__wrapped__(spec, dpi=100)[:4] == b'\\x89PNG'\n"
        "    charts.render(spec, dpi=100)\n"
        "print('matplotlib' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parent.parent
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root
    )
    assert shown.stdout.strip() == "False"
