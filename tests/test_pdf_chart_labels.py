"""Chart labels in the PDF (imon.reports.weasyfast draws a one-piece SVG label whole): each label
is text a reader can copy and search, at its anchor (start, middle, end), on its baseline, and a
label placed letter by letter (dx) or made of lines (tspan) is drawn too."""

import base64
import re
import shutil
import subprocess

import pytest

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="120pt" viewBox="0 0 300 120">
<text x="20" y="30" style="font-size: 10px; font-family: 'DejaVu Sans'">Anfang</text>
<text x="150" y="60" style="font-size: 10px; font-family: 'DejaVu Sans'; text-anchor: middle">Mitte</text>
<text x="280" y="90" style="font-size: 10px; font-family: 'DejaVu Sans'; text-anchor: end">Ende</text>
<text x="20" y="110" dx="0 1 1 1 1" style="font-size: 10px; font-family: 'DejaVu Sans'">Einzeln</text>
<text x="200" y="110" style="font-size: 10px; font-family: 'DejaVu Sans'"><tspan x="200" dy="0">Zeile</tspan></text>
</svg>"""


def words_of(pdf: bytes, tmp_path) -> dict[str, tuple[float, float, float, float]]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return {
        w: (float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>', out
        )
    }


def test_labels_are_text_at_their_anchors(tmp_path):
    from weasyprint import HTML

    from imon.reports import weasyfast

    weasyfast.install()
    uri = "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
    html = f'<style>@page {{ size: 300pt 120pt; margin: 0 }} body {{ margin: 0 }}</style><img src="{uri}" alt="x">'
    words = words_of(HTML(string=html).write_pdf(), tmp_path)
    assert {"Anfang", "Mitte", "Ende", "Einzeln", "Zeile"} <= set(words)
    start, middle, end = words["Anfang"], words["Mitte"], words["Ende"]
    assert start[0] == pytest.approx(20, abs=1.5)
    assert (middle[0] + middle[2]) / 2 == pytest.approx(150, abs=1.5)
    assert end[2] == pytest.approx(280, abs=1.5)
    # on their baselines (30, 60, 90): the words' boxes end a little below
    for (_x0, y0, _x1, y1), baseline in ((start, 30), (middle, 60), (end, 90)):
        assert y0 < baseline < y1 <= baseline + 4
    assert words["Zeile"][0] == pytest.approx(200, abs=1.5)


def test_the_locked_weasyprint_draws_labels_whole():
    """The faster drawing is in place for the WeasyPrint of requirements.lock; after an upgrade
    this fails until `weasyfast` has been checked against the new version's internals."""
    import importlib

    from imon.reports import weasyfast

    weasyfast.install()
    svg = importlib.import_module("weasyprint.svg")
    assert svg.text is not importlib.import_module("weasyprint.svg.text").text
    assert all(svg.TAGS[tag] is svg.text for tag in ("text", "textPath", "tspan"))
