"""The report's pages and tables as printed: every table within the text width, its header row repeated,
and the document's metadata (title, author, language, date), read back from the generated files."""

import copy
import datetime
import io
import json
import os

import pytest
from django.db import transaction

from imon.core import conceptfile
from imon.core.models import Concept
from imon.reports import document, snapshots

pytestmark = pytest.mark.django_db

# Controlling figures of every measure: long German numbers in each column of the measure table.
CONTROLLING = {
    "participants": 12345,
    "staff": "12.5",
    "hours": 98765,
    "cost": "1234567.89",
    "funding": "987654.32",
}
CONTROLLING_TEXTS = ["12.345", "12,5", "98.765", "1.234.567,89", "987.654,32"]
CONTROLLING_HEADERS = ["Teilnehmende", "Personal (VZÄ)", "Stunden", "Kosten (EUR)", "Drittmittel (EUR)"]
OFFICE = "Kommunales Integrationszentrum"


def _demo_text():
    from importlib import resources

    return resources.files("imon.core").joinpath("demo/leverkusen.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def snapshot_data(django_db_setup, django_db_blocker):
    """The demo's snapshot document, every measure with all controlling figures filled."""
    with django_db_blocker.unblock(), transaction.atomic():
        conceptfile.load_text(_demo_text())
        concept = Concept.objects.get()
        data = json.loads(
            snapshots.encode(snapshots.collect(concept, "1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
        )
        transaction.set_rollback(True)
    data = copy.deepcopy(data)
    for measure in data["measures"]:
        measure.update(CONTROLLING)
    return data


@pytest.fixture(scope="module")
def report(snapshot_data):
    return document.build(snapshot_data)


@pytest.fixture(scope="module")
def pdf_bytes(report):
    from imon.reports.render_html import pdf

    data = pdf(report)
    if os.environ.get("IMON_KEEP_REPORT"):
        with open(os.environ["IMON_KEEP_REPORT"] + ".pdf", "wb") as f:
            f.write(data)
    return data


@pytest.fixture(scope="module")
def docx_bytes(report):
    from imon.reports.render_docx import docx

    data = docx(report)
    if os.environ.get("IMON_KEEP_REPORT"):
        with open(os.environ["IMON_KEEP_REPORT"] + ".docx", "wb") as f:
            f.write(data)
    return data


@pytest.fixture(scope="module")
def pptx_bytes(report):
    from imon.reports.render_pptx import pptx

    return pptx(report)


def _measure_rows(snapshot_data) -> int:
    """How many rows the measure tables have: a measure is listed in every field of action it serves."""
    return sum(len({m["field_of_action"], *m.get("fields_of_action", [])}) for m in snapshot_data["measures"])


def _words_on_pages(pdf: bytes, tmp_path):
    """(page width, page height, [(xMin, yMin, xMax, yMax, word)]) per page, as poppler lays them out."""
    import re
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True)
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out.stdout, re.S):
        words = [
            (float(a), float(b), float(c), float(d), w)
            for a, b, c, d, w in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>',
                page.group(3),
            )
        ]
        pages.append((float(page.group(1)), float(page.group(2)), words))
    return pages


def _short_pages(pdf: bytes, tmp_path) -> list[tuple[int, float]]:
    """Pages filled less than a third of the text area (22 mm margins top and bottom), other than
    the cover, chapter openers, the last page of a chapter and the last page: (page, share)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    starts = set()

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth == 1:  # the chapters (depth 0 is the document title)
                starts.add(reader.get_destination_page_number(item) + 1)

    walk(reader.outline, 0)
    pages = _words_on_pages(pdf, tmp_path)
    allowed = {1, len(pages)} | starts | {start - 1 for start in starts}
    mm = 72 / 25.4
    short = []
    for number, (_width, height, words) in enumerate(pages, 1):
        top, bottom = 22 * mm, height - 22 * mm
        lowest = max((y1 for _x0, _y0, _x1, y1, _w in words if y1 <= bottom), default=top)
        share = (lowest - top) / (bottom - top)
        if share < 1 / 3 and number not in allowed:
            short.append((number, round(share, 2)))
    return short


def _hyphenated_in(word: str, text: str) -> bool:
    """Whether the word is in the text, whole or broken at a hyphen (a header cell's lines are read row by row)."""
    return word in text or any(
        (f"{word[:k]}-" in text or f"{word[:k]}\u2010" in text) and word[k:] in text
        for k in range(3, len(word) - 2)
    )


def test_pdf_wide_tables_keep_every_column_on_the_page(pdf_bytes, snapshot_data, tmp_path):
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)
    flat = " ".join(text.replace("-\n", "").split())
    for header in ["Nr.", "Maßnahme", "Federführung", "Status", "Zeitraum", *CONTROLLING_HEADERS]:
        assert _hyphenated_in(header.split(" (")[0], flat), header
    rows = _measure_rows(snapshot_data)
    for figure in CONTROLLING_TEXTS:
        assert flat.count(figure) >= rows, (figure, flat.count(figure), rows)
    mm = 72 / 25.4
    outside = [
        (number, word, round(x0), round(x1))
        for number, (width, height, words) in enumerate(_words_on_pages(pdf_bytes, tmp_path), 1)
        for x0, y0, x1, y1, word in words
        if x0 < 10 * mm or x1 > width - 10 * mm or y0 < 5 * mm or y1 > height - 5 * mm
    ]
    assert not outside, f"text outside the printable area (page, word, x from, x to): {outside[:10]}"


def test_docx_tables_fit_the_text_width_and_repeat_their_header(docx_bytes):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(io.BytesIO(docx_bytes))
    section = doc.sections[-1]
    text_width = section.page_width - section.left_margin - section.right_margin  # EMU
    twips = text_width / 635  # 1 twip = 635 EMU
    assert len(doc.tables) > 5
    for number, table in enumerate(doc.tables, 1):
        tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
        assert tbl_w.get(qn("w:type")) == "dxa", number
        assert 0 < int(tbl_w.get(qn("w:w"))) <= twips + 1, (number, tbl_w.get(qn("w:w")), twips)
        grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= twips + len(grid), (number, sum(grid), twips)
        header = table.rows[0]._tr.trPr.find(qn("w:tblHeader"))
        assert header is not None and header.get(qn("w:val")) in (None, "true", "1"), number
    # a figure never breaks: the cost column is as wide as "1.234.567,89" at the table's font size
    measures = [t for t in doc.tables if t.rows[0].cells[-1].text == "Drittmittel (EUR)"]
    assert measures
    for table in measures:
        size = table.rows[1].cells[-2].paragraphs[0].runs[0].font.size.pt
        width_pt = int(table._tbl.tblGrid.findall(qn("w:gridCol"))[-2].get(qn("w:w"))) / 20
        assert width_pt >= len("1.234.567,89") * 0.55 * size + 10, (width_pt, size)


def test_docx_columns_hold_the_words_of_their_header_whole(docx_bytes):
    """A header's words are not hyphenated: each column is wide enough for its widest header word
    in the bold face at the table's size, with the cell's margins (LibreOffice broke "Maßnahm|e")."""
    import docx
    from docx.oxml.ns import qn
    from PIL import ImageFont

    from imon.reports import fonts

    bold = ImageFont.truetype(io.BytesIO(fonts.truetype("Bold")), 100)
    doc = docx.Document(io.BytesIO(docx_bytes))
    checked = 0
    for number, table in enumerate(doc.tables, 1):
        grid = [int(col.get(qn("w:w"))) / 20 for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]  # pt
        for width_pt, cell in zip(grid, table.rows[0].cells, strict=True):
            runs = [run for paragraph in cell.paragraphs for run in paragraph.runs]
            size = next((run.font.size.pt for run in runs if run.font.size), 9)
            for word in cell.text.split():
                checked += 1
                assert bold.getlength(word) * size / 100 + 2 * 0.19 / 2.54 * 72 <= width_pt, (number, word)
    assert checked > 20


def test_pptx_tables_stay_on_the_slide(pptx_bytes):
    import pptx

    deck = pptx.Presentation(io.BytesIO(pptx_bytes))
    tables = [shape for slide in deck.slides for shape in slide.shapes if shape.has_table]
    assert tables
    for shape in tables:
        columns = sum(column.width for column in shape.table.columns)
        assert shape.left >= 0 and shape.left + columns <= deck.slide_width, shape.name


def _today():
    from django.utils import timezone

    return timezone.localdate()


def _local_day(utc: datetime.datetime) -> datetime.date:
    """The local day of a time a file stores as UTC without a zone."""
    from django.utils import timezone

    return timezone.localtime(utc.replace(tzinfo=datetime.UTC)).date()


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_office_files_carry_the_reports_metadata(fmt, docx_bytes, pptx_bytes):
    import docx
    import pptx

    if fmt == "docx":
        props = docx.Document(io.BytesIO(docx_bytes)).core_properties
    else:
        props = pptx.Presentation(io.BytesIO(pptx_bytes)).core_properties
    assert props.title == "1. Umsetzungsbericht"
    assert props.author == props.last_modified_by == OFFICE
    assert props.language == "de-DE"
    assert "Integrationskonzept" in props.keywords and "Stadt Leverkusen" in props.keywords
    assert props.subject.endswith("Stand 16.09.2019")
    # made today, not on the day the library's template was made (the file keeps UTC: the day in
    # Germany, where the report is made, can already be the next one)
    assert props.created == props.modified
    assert _local_day(props.created) == _today()
    assert props.revision == 1
    assert "python-docx" not in (props.comments or "") and "python-pptx" not in (props.comments or "")


def test_pdf_carries_the_reports_metadata(pdf_bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf_bytes))
    meta = reader.metadata
    assert str(reader.trailer["/Root"]["/Lang"]) == "de-DE"
    assert meta.title.startswith("1. Umsetzungsbericht")
    assert meta.author == OFFICE
    assert meta.subject.endswith("Stand 16.09.2019")
    assert "Integrationskonzept" in meta["/Keywords"]
    assert meta.creation_date.date() == _today()


def test_second_demo_pdf_keeps_every_column_on_the_page(db, tmp_path):
    """Lindenhain's basic-data tables have many reference dates: the latest one is on the page, too."""
    from django.core.management import call_command
    from pypdf import PdfReader

    from imon.reports import render
    from imon.reports.models import Snapshot

    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    pdf = render.render(Snapshot.objects.get(), "pdf")
    if os.environ.get("IMON_KEEP_REPORT"):
        with open(os.environ["IMON_KEEP_REPORT"] + "-lindenhain.pdf", "wb") as f:
            f.write(pdf)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "31.12.2024" in text
    assert _short_pages(pdf, tmp_path) == []  # and it uses its pages
    mm = 72 / 25.4
    outside = [
        (number, word, round(x0), round(x1))
        for number, (width, height, words) in enumerate(_words_on_pages(pdf, tmp_path), 1)
        for x0, y0, x1, y1, word in words
        if x0 < 10 * mm or x1 > width - 10 * mm or y0 < 5 * mm or y1 > height - 5 * mm
    ]
    assert not outside, f"text outside the printable area (page, word, x from, x to): {outside[:10]}"


# A basic-data table as a city with a long series has it: twelve reference dates, eighty districts.
DATES = [f"31.12.{year}" for year in range(2013, 2025)]
DISTRICTS = [f"Ortsbezirk {n} – Stadtteil mit langem Namen" for n in range(1, 81)]


@pytest.fixture(scope="module")
def series_report():
    from imon.reports.document.blocks import Heading, Paragraph, Report, Table

    rows = [
        [district, *(f"{100_000 + 1_111 * i + j:_}".replace("_", ".") for j in range(12))]
        for i, district in enumerate(DISTRICTS)
    ]
    return Report(
        title="Bericht",
        subtitle="Konzept",
        municipality="Stadt Musterstadt",
        reporting_date="31.12.2024",
        blocks=[
            Heading(1, "Datenlage", "datenlage", "1"),
            Paragraph("Die Einwohnerzahl der Ortsbezirke seit 2013."),
            Table(
                1,
                "Einwohnerinnen und Einwohner nach Ortsbezirk",
                ["Ortsbezirk", *DATES],
                rows,
                [False] + [True] * 12,
            ),
            Paragraph("Nach der Tabelle geht der Text weiter."),
        ],
        highlights=[],
        chapters={},
        author="Integrationsbüro",
        deck={
            "resolution": "",
            "governance": [],
            "meetings": [],
            "fields": [],
            "council": "Rat",
            "document": "Vorlage",
            "field_name": "Handlungsfeld",
            "fields_name": "Handlungsfelder",
            "contact": "Integrationsbüro",
        },
    )


@pytest.fixture(scope="module")
def series_pdf(series_report):
    from imon.reports.render_html import pdf

    data = pdf(series_report)
    if os.environ.get("IMON_KEEP_REPORT"):
        with open(os.environ["IMON_KEEP_REPORT"] + "-series.pdf", "wb") as f:
            f.write(data)
    return data


def test_pdf_sets_a_table_with_many_columns_on_landscape_pages_with_its_header_on_each(series_pdf, tmp_path):
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(series_pdf)).pages
    texts = [" ".join(page.extract_text().split()) for page in pages]
    table_pages = [i for i, text in enumerate(texts) if "Ortsbezirk 4" in text or "Ortsbezirk 7" in text]
    assert len(table_pages) >= 2
    for i in table_pages:
        box = pages[i].mediabox
        assert box.width > box.height, f"page {i + 1} is not landscape"
        assert all(date in texts[i] for date in DATES), f"page {i + 1} lacks a reference date in its header"
    for district in DISTRICTS:
        assert district in " ".join(texts), district
    # the text after the table is on portrait pages again
    (after,) = [i for i, text in enumerate(texts) if "Nach der Tabelle" in text]
    assert pages[after].mediabox.height > pages[after].mediabox.width
    mm = 72 / 25.4
    outside = [
        (number, word, round(x0), round(x1))
        for number, (width, height, words) in enumerate(_words_on_pages(series_pdf, tmp_path), 1)
        for x0, y0, x1, y1, word in words
        if x0 < 10 * mm or x1 > width - 10 * mm or y0 < 5 * mm or y1 > height - 5 * mm
    ]
    assert not outside, f"text outside the printable area (page, word, x from, x to): {outside[:10]}"


def test_docx_sets_a_table_with_many_columns_on_a_landscape_section(series_report):
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn

    from imon.reports.render_docx import docx as render_docx

    doc = docx.Document(io.BytesIO(render_docx(series_report)))
    landscape = [s for s in doc.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    assert len(landscape) == 1 and doc.sections[-1].orientation == WD_ORIENT.PORTRAIT
    section = landscape[0]
    assert section.page_width > section.page_height
    twips = (section.page_width - section.left_margin - section.right_margin) / 635
    (table,) = doc.tables
    assert [cell.text for cell in table.rows[0].cells] == ["Ortsbezirk", *DATES]
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) <= twips + len(grid)
    size = table.rows[1].cells[1].paragraphs[0].runs[0].font.size.pt
    # every figure fits its column unbroken ("100.000": seven characters)
    assert all(width / 20 >= 7 * 0.55 * size + 10 for width in grid[1:]), (grid, size)


def test_pptx_spreads_a_long_table_over_slides_within_the_slide(series_report):
    import pptx

    from imon.reports.render_pptx import pptx as render_pptx

    deck = pptx.Presentation(io.BytesIO(render_pptx(series_report)))
    tables = [shape for slide in deck.slides for shape in slide.shapes if shape.has_table]
    assert len(tables) > 1
    first_cells = []
    for shape in tables:
        rows = list(shape.table.rows)
        assert [cell.text for cell in rows[0].cells] == ["Ortsbezirk", *DATES]
        first_cells += [row.cells[0].text for row in rows[1:]]
        columns = sum(column.width for column in shape.table.columns)
        assert shape.left >= 0 and shape.left + columns <= deck.slide_width
        assert shape.top + shape.height <= deck.slide_height
    assert first_cells == DISTRICTS


def test_pdf_draws_emoji_typed_by_an_owner_with_a_font_that_has_them(snapshot_data, tmp_path):
    """Owners type emoji into results (👍, ✅); the PDF draws them from an emoji font instead of
    empty boxes (CI installs Debian's fonts-noto-color-emoji, as the deployment guide asks), and
    only them: digits stay in the text font (naming the emoji font in the CSS drew every digit
    as a spaced-out colour bitmap)."""
    from pypdf import PdfReader

    from imon.reports.render_html import pdf

    data = copy.deepcopy(snapshot_data)
    data["measures"][0]["results"] = "Ziel erreicht 👍 – alle Kurse belegt ✅"
    content = pdf(document.build(data))
    words = {w for _width, _height, page in _words_on_pages(content, tmp_path) for *_box, w in page}
    assert "16.09.2019" in words  # the reporting date as one word, not "1 6 . 0 9 …"
    reader = PdfReader(io.BytesIO(content))
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("Emoji" in name for name in fonts), f"no emoji font among {sorted(fonts)}"


def test_pdf_uses_its_pages(pdf_bytes, tmp_path):
    """No page below a third full except the cover, chapter openers and a chapter's last page."""
    assert _short_pages(pdf_bytes, tmp_path) == []
