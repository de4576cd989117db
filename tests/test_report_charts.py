"""The charts of the demo's Umsetzungsbericht as a reader meets them: each says something of its own,
in a type that fits its data, readable where it is placed (PDF/DOCX/PPTX page, a phone's screen),
with hidden values as marked gaps and an alt text that names what is compared and what changed."""

import dataclasses
import io
import struct
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import pytest

from imon.reports import charts
from imon.reports.charts import ChartSpec, Series
from imon.reports.document.blocks import Figure
from imon.reports.document.indicator_view import _View
from tests.test_report import docx_bytes, html_text, pptx_bytes, report, snapshot_data  # noqa: F401

EMU_PER_CM = 360000
pytestmark = pytest.mark.django_db  # the demo report is built from a snapshot in the test database


def figures(built):
    return [b for b in built.blocks if isinstance(b, Figure)]


def proportions(spec: ChartSpec):
    """The picture a chart of one series draws: each category's share of the visible sum."""
    values = spec.series[0].values
    total = sum(v for v in values if v is not None)
    return tuple(None if v is None or not total else round(float(v / total), 2) for v in values)


def test_no_two_charts_draw_the_same_picture(report):  # noqa: F811
    """The counts of foreigners by age and the shares of the ages among them are one picture: drawn
    once, the other indicator is a table that points to the figure."""
    drawn = {}
    for figure in figures(report):
        if len(figure.chart.series) != 1:
            continue
        key = (figure.chart.categories, proportions(figure.chart))
        assert key not in drawn, f"{figure.label} repeats {drawn[key]}"
        drawn[key] = figure.label
    notes = [n for b in report.blocks if b.kind == "table" for n in b.notes]
    assert any(n.startswith("Die Verteilung zeigt Abbildung") for n in notes)


def test_no_pie_or_donut_for_a_breakdown_at_one_date(report):  # noqa: F811
    kinds = {f.chart.kind for f in figures(report)}
    assert not kinds & {"pie", "donut"}
    by_age = [f for f in figures(report) if f.chart.dimension == "Altersgruppe"]
    assert by_age and all(f.chart.kind == "bar" and f.chart.shares for f in by_age)
    # the shares are on the bars: "24.004 (89 %)"
    assert "24.004 (89 %)" in charts.render_svg(next(f for f in by_age if "Ausländer" in f.caption).chart)


def _builder(dim, label):
    return SimpleNamespace(
        totals={(dim, "insgesamt")},
        value_order={},
        value_labels={},
        areas={"a": {"name": "Musterstadt"}},
        dim_labels={dim: label},
    )


def _rows(key, dim, by_date):
    return [
        {"indicator": key, "area": "a", "date": date, "dims": {dim: part}, "value": str(value)}
        for date, parts in by_date.items()
        for part, value in parts.items()
    ]


def test_chart_type_follows_the_data():
    builder = _builder("alter", "Altersgruppe")
    share = {"key": "anteil", "kind": "share", "unit": "%", "dimensions": ["alter"]}
    years = {f"{y}-12-31": {"jung": 60 + y - 2015, "alt": 40 - y + 2015} for y in range(2015, 2019)}
    spec = _View(share, _rows("anteil", "alter", years), builder).chart("Amt", "2015 bis 2018", "Anteil")
    assert spec.kind == "line" and len(spec.series) == 2 and spec.time_axis  # a share over time: lines

    count = {
        "key": "personen",
        "kind": "count",
        "unit": "Personen",
        "dimensions": ["alter"],
        "rules": [{"kind": "part_sum", "dimension": "alter", "total": "insgesamt"}],
    }
    one_date = {"2018-12-31": {"insgesamt": 100, "jung": 70, "alt": 30}}
    spec = _View(count, _rows("personen", "alter", one_date), builder).chart("Amt", "31.12.2018", "Personen")
    assert spec.kind == "bar" and spec.shares and spec.dimension == "Altersgruppe"  # a breakdown: bars
    two_dates = {**one_date, "2017-12-31": {"insgesamt": 90, "jung": 65, "alt": 25}}
    spec = _View(count, _rows("personen", "alter", two_dates), builder).chart("Amt", "", "Personen")
    assert spec.kind == "stacked_bar" and spec.time_axis


def test_a_hidden_value_is_a_marked_gap_with_a_footnote_never_a_bar():
    spec = ChartSpec(
        "bar",
        "Haushalte nach Größe",
        ("1 Person", "2 Personen", "3 Personen", "4 Personen"),
        (Series("31.12.2018", (Decimal(402), None, Decimal(31), None)),),
        unit="Haushalte",
        dimension="Haushaltsgröße",
        shares=True,
    )
    for width in (charts.WIDTH_CM, charts.NARROW_CM):
        fig = charts._draw(spec, width)
        bars = [p for p in fig.axes[0].patches if p.get_width() and p.get_height()]
        assert len(bars) == 2  # no bar of height zero where a value is hidden
        texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
        assert texts.count(charts.MISSING) == 2  # each gap is marked
        assert any(charts.MISSING_NOTE.split(" (")[0] in t.replace("\n", " ") for t in texts)  # and explained
        assert not any("%" in t for t in texts)  # no shares of an incomplete whole
        # the note's room is taken from the plot, not added above the picture's top edge
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
        top = fig.bbox.y1
        assert all(b.get_window_extent(renderer).y1 <= top + 0.5 for b in bars)
    stack = ChartSpec(
        "stacked_bar",
        "Teile",
        ("31.12.2017", "31.12.2018"),
        (Series("a", (Decimal(10), Decimal(20))), Series("b", (Decimal(5), None))),
        unit="Personen",
    )
    drawn = [p for p in charts._draw(stack).axes[0].patches if p.get_width() and p.get_height()]
    assert len(drawn) == 3


def _smallest_text_pt(fig) -> float:
    return min(
        t.get_fontsize()
        for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
        if t.get_text() and t.get_visible()
    )


def _png_cm(png: bytes, dpi: int = 200) -> tuple[float, float]:
    width, height = struct.unpack(">II", png[16:24])
    return width / dpi * 2.54, height / dpi * 2.54


def _chart_pictures(deck, of) -> list:
    """The pictures of a deck that are charts, not the city's logo (its alt text is the city's name)."""
    return [
        s
        for slide in deck.slides
        for s in slide.shapes
        if s.shape_type == 13 and s._element.nvPicPr.cNvPr.get("descr") != of.municipality
    ]


def test_text_is_at_least_8_points_where_docx_places_the_chart(report, docx_bytes):  # noqa: F811
    from docx import Document

    document = Document(io.BytesIO(docx_bytes))
    # the charts, not the city's logo on the cover (its alt text is the city's name)
    pictures = [p for p in document.inline_shapes if p._inline.docPr.get("descr") != report.municipality]
    specs = [f.chart for f in figures(report)]
    assert len(pictures) == len(specs)
    for picture, spec in zip(pictures, specs):
        embed = picture._inline.graphic.graphicData.pic.blipFill.blip.embed
        png = document.part.related_parts[embed].blob
        drawn_cm = _png_cm(png)[0]
        scale = picture.width / EMU_PER_CM / drawn_cm
        assert _smallest_text_pt(charts._draw(spec, drawn_cm)) * scale >= charts.MIN_PLACED_PT


def test_text_is_at_least_8_points_on_a_slide_even_for_a_tall_chart(report):  # noqa: F811
    """30 bars would be 24 cm high at 9 pt; a slide has 13 cm: the chart is drawn for the slide
    instead of being shrunk with its text."""
    from pptx import Presentation

    from imon.reports.render_pptx import pptx

    tall = ChartSpec(
        "bar",
        "Einwohner/innen nach Staatsangehörigkeit",
        tuple(f"Staatsangehörigkeit {i}" for i in range(30)),
        (Series("31.12.2018", tuple(Decimal(1000 - 20 * i) for i in range(30))),),
        unit="Personen",
        horizontal=True,
    )
    figure = Figure(1, tall.title, tall, charts.alt_text(tall), charts.data_table(tall))
    deck = Presentation(io.BytesIO(pptx(dataclasses.replace(report, blocks=[figure]))))
    pictures = _chart_pictures(deck, report)
    (picture,) = pictures
    png = picture.image.blob
    drawn_w, drawn_h = _png_cm(png)
    scale = picture.height / EMU_PER_CM / drawn_h
    smallest = _smallest_text_pt(charts._draw(tall, charts.WIDTH_CM, drawn_h))
    assert smallest * scale >= charts.MIN_PLACED_PT


def test_text_is_at_least_8_points_in_the_demo_deck(report, pptx_bytes):  # noqa: F811
    from pptx import Presentation

    deck = Presentation(io.BytesIO(pptx_bytes))
    pictures = _chart_pictures(deck, report)
    assert len(pictures) == len(figures(report))
    for picture in pictures:
        _w, drawn_h = _png_cm(picture.image.blob)
        assert picture.height / EMU_PER_CM / drawn_h >= 1  # never shrunk below its drawn size


def test_chart_text_is_at_least_8_points_at_320_and_1280_px(html_text, browser):  # noqa: F811
    """The report's HTML in Chromium: the smallest chart text as rendered, in CSS px (8 pt = 10.67 px)."""
    measure = """() => [...document.querySelectorAll('figure svg')].filter(s => s.getBoundingClientRect().width > 0)
        .map(s => Math.min(...[...s.querySelectorAll('text')].map(t => {
            const m = t.getScreenCTM();
            return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
        })))"""
    for width in (320, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.set_content(html_text)
        sizes = page.evaluate(measure)
        assert sizes and len(sizes) == html_text.count('class="chart-wide"'), width
        assert min(sizes) >= 8 * 96 / 72 - 0.05, (width, min(sizes))
        # and the picture fits the screen (no sideways scrolling to see a chart)
        rights = page.evaluate(
            "() => [...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().right)"
        )
        assert max(rights) <= width
        page.close()


def test_alt_text_names_what_is_compared_the_extremes_and_the_change(report):  # noqa: F811
    alts = {f.caption: f.alt for f in figures(report)}
    age = alts["Ausländer/innen nach Altersgruppe"]
    assert "Verglichen: Altersgruppe (2 Gruppen)." in age
    assert "Am häufigsten: 0 bis unter 65 Jahre mit 24.004 Personen (88,9 %)" in age
    assert "am seltensten: 65 Jahre und älter mit 2.994 Personen (11,1 %)" in age
    status = alts["Geflüchtete Personen nach Aufenthaltsstatus"]
    assert "Verlauf über 2 Stichtage (31.12.2017 bis 31.12.2018), Aufenthaltsstatus: 3 Gruppen." in status
    assert (
        "Insgesamt: Anstieg von 4.675 Personen (31.12.2017) auf 4.850 Personen (31.12.2018), +3,7 %."
        in status
    )
    assert "am seltensten: c) Ausreisepflichtige mit Rückführungshindernis mit 348 Personen" in status
    for alt in alts.values():
        assert "Am häufigsten: 31.12." not in alt and "häufigsten: 09.05." not in alt
        head = alt.split(". ")[0]
        assert len(set(head.split(", ")[1:])) == len(head.split(", ")[1:])  # no date said twice


def test_the_deck_and_document_carry_the_alt_texts(report, pptx_bytes):  # noqa: F811
    with zipfile.ZipFile(io.BytesIO(pptx_bytes)) as z:
        slides = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("ppt/slides/slide"))
    assert "Verglichen: Altersgruppe (2 Gruppen)." in slides
