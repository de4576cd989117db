"""The Umsetzungsbericht of the demo in all four formats, read back from the generated files."""

import datetime
import html
import io
import json
import re
import zipfile

import pytest
from django.db import transaction

from imon.core import conceptfile
from imon.core.models import Concept
from imon.reports import document, snapshots

# Every figure of the seed (shared/seed/reading.md §3) that confidentiality allows, German-formatted.
SEED_FIGURES = [
    "166.081",
    "166.737",
    "15,1",
    "15,7",
    "25,9",
    "26,7",  # 3.1 Sozialbericht
    "50.940",
    "32,1",
    "44.160",
    "6.780",
    "87",
    "13",  # 3.2 Zensus 2011 (shares in tables headed "%")
    "4.675",
    "4.287",
    "605",
    "3.682",
    "388",
    "999",
    "4.850",
    "4.502",
    "627",
    "3.875",
    "348",
    "977",  # 3.3
    "168",
    "798",
    "82",
    "1.048",  # 3.4 AZR
    "402",
    "54",
    "31",
    "51",
    "37",
    "34",
    "640",
    "108",
    "93",
    "204",
    "185",
    "1.433",  # 3.5, published cells
    "26.998",
    "24.004",
    "2.994",
    "89",
    "11",  # 3.7
]
SOURCES = [
    "Stadt Leverkusen, Sozialbericht",
    "IT.NRW",
    "Ausländerzentralregister (AZR)",
    "Fachbereich Soziales",
    "Statistikstelle",
]
DATES = ["31.12.2016", "31.12.2017", "31.12.2018", "09.05.2011"]
MEASURE_TEXTS = [
    "Teilnahme an der Landesinitiative „Gemeinsam klappt's“",
    "Willkommensordner",
    "Azubi-WGs",
    "Leverkusener Modell",
    "Weitere Verknüpfung mit der Quartiers- und Stadtteilentwicklung",
    "Entwicklung von Pioniermodellen fördern",
    "Anlaufstellen zum Thema Altern in der Migrationsgesellschaft",
]
pytestmark = pytest.mark.django_db  # makes pytest-django set up the test database before the module fixture
HIDDEN_SIZES = ["7 Personen", "8 Personen", "9 Personen", "10 Personen", "11 Personen"]


@pytest.fixture(scope="module")
def snapshot_data(django_db_setup, django_db_blocker):
    """The demo's snapshot document (the database is rolled back afterwards)."""
    with django_db_blocker.unblock(), transaction.atomic():
        conceptfile.load_text(_demo_text())
        concept = Concept.objects.get()
        data = json.loads(
            snapshots.encode(snapshots.collect(concept, "1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
        )
        transaction.set_rollback(True)
    return data


def _demo_text():
    from importlib import resources

    return resources.files("imon.core").joinpath("demo/leverkusen.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(snapshot_data):
    return document.build(snapshot_data)


@pytest.fixture(scope="module")
def html_text(report):
    from imon.reports.render_html import html

    return html(report)


@pytest.fixture(scope="module")
def pdf_bytes(report):
    from imon.reports.render_html import pdf

    return pdf(report)


@pytest.fixture(scope="module")
def docx_bytes(report):
    from imon.reports.render_docx import docx

    return docx(report)


@pytest.fixture(scope="module")
def pptx_bytes(report):
    from imon.reports.render_pptx import pptx

    return pptx(report)


def words(text: str) -> str:
    return " ".join(html.unescape(text).split())


def assert_report_content(text: str, with_steps: bool = True):
    text = words(text)
    missing = [
        figure
        for figure in SEED_FIGURES
        if not re.search(rf"(?<![\d.,]){re.escape(figure)}(?!\d|[.,]\d)", text)
    ]
    assert not missing, f"figures missing: {missing}"
    for source in SOURCES:
        assert source in text, source
    for date in DATES:
        assert date in text, date
    for measure in MEASURE_TEXTS if with_steps else MEASURE_TEXTS[:1]:
        assert words(measure) in text, measure


def test_report_model_is_a_pure_function_of_the_snapshot(snapshot_data, html_text):
    from imon.reports.render_html import html

    assert html(document.build(json.loads(json.dumps(snapshot_data)))) == html_text


def test_html_is_self_contained_accessible_and_complete(html_text):
    assert html_text.startswith("<!DOCTYPE html>") and '<html lang="de-DE">' in html_text
    assert "<link" not in html_text and "<script" not in html_text and 'src="http' not in html_text
    assert html_text.count("<svg") >= 5 and 'role="img"' in html_text
    assert_report_content(re.sub(r"<[^>]+>", " ", html_text))
    assert "Quelle:" in html_text and "Stand:" in html_text and "Abbildung 1:" in html_text
    assert "stieg von 15,1 % (31.12.2016) auf 15,7 % (31.12.2017), also um 0,6 Prozentpunkte" in words(
        html_text
    )


def table_rows_html(html_text, first_cell):
    return re.findall(rf"<tr><th scope=\"row\">{re.escape(first_cell)}</th>(.*?)</tr>", html_text)


def test_html_hides_the_small_households(html_text):
    for size in HIDDEN_SIZES:
        rows = table_rows_html(html_text, size)
        assert rows, size
        for row in rows:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            assert cells and all(cell == "." for cell in cells), (size, cells)
    assert "Geheimhaltung" in html_text


def test_pdf_is_tagged_and_complete(pdf_bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).startswith("de")
    assert reader.metadata.title.startswith("1. Umsetzungsbericht")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    outline = list(titles(reader.outline))
    assert any("Datenlage" in title for title in outline) and any(
        "Handlungsfelder" in title for title in outline
    )
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert_report_content(text)
    assert "Seite 2 von" in text
    elements = list(structure_elements(root["/StructTreeRoot"]))
    kinds = [kind for kind, _alt in elements]
    figures = [alt for kind, alt in elements if kind == "/Figure"]
    logo, *figures = figures  # the cover's logo names the city; every chart says what it shows
    assert logo == "Stadt Leverkusen"
    assert len(figures) >= 5 and all(alt and len(alt) > 30 for alt in figures), figures
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/Caption", "/L", "/Link"} <= set(kinds)


def structure_elements(node, depth=0):
    """(type, alt text) of every element of a PDF structure tree."""
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            yield from structure_elements(child, depth)
        return
    if not hasattr(node, "get"):
        return
    if "/S" in node:
        yield str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None
    if "/K" in node and depth < 60:
        yield from structure_elements(node["/K"], depth + 1)


def test_pdf_pages_have_content(pdf_bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    empty = [i + 1 for i, page in enumerate(reader.pages) if len(page.extract_text().strip()) < 40]
    assert not empty, f"empty pages: {empty}"


def test_docx_structure_and_content(docx_bytes):
    import docx

    doc = docx.Document(io.BytesIO(docx_bytes))
    headings = [p for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {p.style.name for p in headings} >= {"Heading 1", "Heading 2", "Heading 3"}
    assert any(p.text.endswith("Datenlage") and p.style.name == "Heading 1" for p in headings)
    xml = zipfile.ZipFile(io.BytesIO(docx_bytes)).read("word/document.xml").decode("utf-8")
    assert 'TOC \\o "1-2"' in xml
    # the contents are readable before a program updates the field (LibreOffice does not)
    toc = xml.index('TOC \\o "1-2"')
    contents = re.sub(r"<[^>]+>", " ", xml[toc : xml.index('w:fldCharType="end"', toc)])
    assert all(label in contents for label in ("1 Auf einen Blick", "4 Datenlage", "9.2 Zeichenerklärung"))
    assert xml.count("<w:tblHeader") >= len(doc.tables) > 5
    logo, *descriptions = re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', xml)
    assert logo == "Stadt Leverkusen"  # the cover's logo names the city; every chart says what it shows
    assert len(descriptions) >= 5 and all(len(d) > 30 for d in descriptions)
    assert doc.core_properties.title == "1. Umsetzungsbericht" and doc.core_properties.language == "de-DE"
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert_report_content(text + "\n" + cells)
    for table in doc.tables:
        for row in table.rows:
            if row.cells[0].text in HIDDEN_SIZES:
                assert all(cell.text == "." for cell in row.cells[1:]), row.cells[0].text


def test_pptx_deck(pptx_bytes):
    import pptx

    deck = pptx.Presentation(io.BytesIO(pptx_bytes))
    titles = [slide.shapes.title.text if slide.shapes.title else "" for slide in deck.slides]
    assert titles[0] == "1. Umsetzungsbericht"
    assert titles[-1].startswith("Vielen Dank")
    assert "Auftrag und Steuerung" in titles
    for code in "CDH":
        assert any(t.startswith(f"Handlungsfeld {code}: Ergebnisse und nächste Schritte") for t in titles), (
            code
        )
    assert sum(t.startswith("Abbildung") for t in titles) >= 5
    texts, notes = [], []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
                for row in shape.table.rows:
                    if row.cells[0].text in HIDDEN_SIZES:
                        assert all(cell.text == "." for cell in row.cells[1:])
            # a picture: the title slide's logo names the city, a chart says what it shows
            if shape.shape_type == 13:
                described = shape._element.nvPicPr.cNvPr.get("descr", "")
                assert described == "Stadt Leverkusen" if slide == deck.slides[0] else len(described) > 30
        if slide.has_notes_slide:
            notes.append(slide.notes_slide.notes_text_frame.text)
    assert_report_content("\n".join(texts + notes))
    assert any("Prozentpunkte" in n for n in notes)
    width, height = deck.slide_width, deck.slide_height
    for slide in deck.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (slide.shapes.title.text, shape.name)
            assert shape.left + shape.width <= width + 10 and shape.top + shape.height <= height + 10, (
                shape.name
            )


def test_docx_template_supplies_styles_and_header(report, tmp_path):
    import docx

    from imon.reports.render_docx import docx as render_docx

    template = docx.Document()
    template.sections[0].header.paragraphs[0].text = "Stadt Musterstadt – Briefkopf"
    template.add_paragraph("Dieser Text der Vorlage verschwindet.")
    template.styles["Heading 1"].font.size = docx.shared.Pt(31)
    path = tmp_path / "vorlage.docx"
    template.save(path)
    result = docx.Document(io.BytesIO(render_docx(report, str(path))))
    assert result.sections[0].header.paragraphs[0].text == "Stadt Musterstadt – Briefkopf"
    assert result.styles["Heading 1"].font.size == docx.shared.Pt(31)
    assert not any("verschwindet" in p.text for p in result.paragraphs)
    assert any(p.style.name == "Heading 1" for p in result.paragraphs)


def test_pptx_template_supplies_layouts(report, tmp_path):
    import pptx
    from pptx.util import Cm

    from imon.reports.render_pptx import pptx as render_pptx

    template = pptx.Presentation()
    template.slide_width, template.slide_height = Cm(25.4), Cm(19.05)  # 4:3
    template.slides.add_slide(template.slide_layouts[6])
    path = tmp_path / "vorlage.pptx"
    template.save(path)
    deck = pptx.Presentation(io.BytesIO(render_pptx(report, str(path))))
    assert deck.slide_width == Cm(25.4)
    assert deck.slides[0].shapes.title.text == "1. Umsetzungsbericht"
    for slide in deck.slides:
        for shape in slide.shapes:
            assert shape.left + shape.width <= deck.slide_width + 10, shape.name


def test_comparison_with_the_previous_snapshot(snapshot_data):
    current = json.loads(json.dumps(snapshot_data))
    previous = json.loads(json.dumps(snapshot_data))
    previous["title"] = "Vorbericht"
    previous["measures"] = [m for m in previous["measures"] if m["key"] != "H4"]
    next(m for m in previous["measures"] if m["key"] == "H1")["status"] = "in_progress"
    previous["observations"] = [o for o in previous["observations"] if o["date"] != "2018-12-31"]
    report = document.build(current, previous)
    blocks = report.chapters["aenderungen"]
    text = words(" ".join(getattr(b, "text", "") + " ".join(getattr(b, "items", [])) for b in blocks))
    assert "Vorbericht" in text
    assert "Neue Maßnahme H4" in text
    assert (
        "H1 Thema in der AG Altenhilfe und Pflege verankern" in text
        and "von „in Umsetzung“ zu „verstetigt“" in text
    )
    assert "neue Werte zum Stichtag 31.12.2018" in text
    first = document.build(current)
    assert "erste Bericht" in " ".join(getattr(b, "text", "") for b in first.chapters["aenderungen"])


def test_report_of_a_large_synthetic_concept(db):
    """Many indicators with several areas, dimensions and dates: every indicator with published values
    is shown in a figure or table, every figure has an alt text, and the HTML renders."""
    import sys
    from pathlib import Path

    from imon.reports.render_html import html

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from make_concept import make_concept

    data = make_concept(fields=8, measures=40, indicators=30, observations=4000, seed=11)
    clean, problems = conceptfile.validate(data)
    assert not problems
    conceptfile.load(clean)
    concept = Concept.objects.get()
    snapshot = json.loads(
        snapshots.encode(snapshots.collect(concept, "Bericht", datetime.date(2030, 12, 31)))
    )
    report = document.build(snapshot)
    published = {o["indicator"] for o in snapshot["observations"]}
    profiles = {
        heading.anchor[2:]: dict(block.items)
        for heading, block in zip(report.blocks, report.blocks[1:])
        if isinstance(heading, document.Heading) and heading.anchor.startswith("i-")
    }
    assert len(profiles) == 30
    not_shown = [
        key
        for key in published
        if not profiles[key].get("Dargestellt in", "").startswith(("Abbildung", "Tabelle"))
    ]
    assert not not_shown
    figures = [b for b in report.blocks if isinstance(b, document.Figure)]
    assert len(figures) >= 5 and all(len(f.alt) > 30 for f in figures)
    text = html(report)
    assert text.count("<figure") == len(figures)


def test_report_command_never_leaves_a_half_written_file(demo, tmp_path, monkeypatch):
    """Disk full while writing: the good report from before stays, no temporary file is left."""
    import errno
    import os

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from imon.reports.management.commands import report as command

    snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))
    target = tmp_path / "bericht.html"
    call_command("report", "--format", "html", "--out", str(target), stdout=io.StringIO())
    good = target.read_bytes()

    class FullDisk(io.BytesIO):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen
    monkeypatch.setattr(
        command.os,
        "fdopen",
        lambda fd, mode: (os.close(fd), FullDisk())[1] if "b" in mode else real_fdopen(fd, mode),
    )
    with pytest.raises((OSError, CommandError)):
        call_command("report", "--format", "html", "--out", str(target), stdout=io.StringIO())
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bericht.html"]


def test_a_districts_figures_never_pass_for_the_citys(snapshot_data):
    """Where only a district has values of an indicator, the report labels them with the district:
    in the table of basic data and in the sentence about the change."""
    from imon.reports.render_html import html

    data = json.loads(json.dumps(snapshot_data))
    for o in data["observations"]:
        if o["indicator"] == "bevoelkerung":
            assert o["area"] == "05316000"
            o["area"] = "lev-bezirk-2"
    text = words(re.sub(r"<[^>]+>", " ", html(document.build(data))))
    assert "Bevölkerung (Stadtbezirk II) (Personen)" in text and "Bevölkerung (Personen)" not in text
    assert "„Bevölkerung“ (Stadtbezirk II) stieg" in text and "„Bevölkerung“ stieg" not in text


def test_what_changed_names_traffic_light_progress_and_next_steps():
    """Not only the status: a traffic light turning yellow, progress, new and finished next steps."""
    from imon.reports.document.chapters import measure_changes

    labels = {
        "measure_status": {"in_progress": "in Umsetzung"},
        "traffic_light": {"green": "grün: im Plan", "yellow": "gelb: gefährdet"},
    }
    old = {
        "status": "in_progress",
        "traffic_light": "green",
        "progress": 20,
        "next_steps": [{"key": "1", "text": "a"}, {"key": "2", "text": "b"}],
    }
    new = {
        "status": "in_progress",
        "traffic_light": "yellow",
        "progress": 35,
        "next_steps": [
            {"key": "1", "text": "a", "done": True},
            {"key": "2", "text": "b"},
            {"key": "3", "text": "c"},
        ],
    }
    assert measure_changes(old, new, labels) == [
        "Ampel von „grün: im Plan“ zu „gelb: gefährdet“",
        "Fortschritt von 20 % auf 35 %",
        "1 neuer nächster Schritt",
        "1 nächster Schritt erledigt",
    ]
    assert measure_changes(old, old, labels) == []
