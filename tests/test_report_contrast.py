"""All text of the report at least 4.5:1 against what it stands on (WCAG 2.1 AA), in every format,
for both demo cities: the HTML (and so the PDF, which WeasyPrint sets from the same page) as a
browser computes it, with axe-core; DOCX and PPTX from every colour the files give their text."""

import datetime
import io
import json
import zipfile
from importlib import resources
from xml.etree import ElementTree

import pytest
from django.db import transaction

from imon.core import conceptfile, housestyle
from imon.core.models import Concept
from imon.reports import document, snapshots

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MINIMUM = 4.5


@pytest.fixture(scope="module", params=["leverkusen", "lindenhain"])
def report(request, django_db_setup, django_db_blocker):
    text = resources.files("imon.core").joinpath(f"demo/{request.param}.yaml").read_text(encoding="utf-8")
    with django_db_blocker.unblock(), transaction.atomic():
        conceptfile.load_text(text)
        concept = Concept.objects.get()
        data = json.loads(
            snapshots.encode(snapshots.collect(concept, "Bericht", datetime.date(2024, 12, 31)))
        )
        transaction.set_rollback(True)
    return document.build(data)


def _hex(value: str | None) -> str | None:
    if not value or value in ("auto", "clear") or len(value) != 6:
        return None
    return "#" + value.lower()


def docx_problems(content: bytes) -> list[str]:
    """Each text colour of the DOCX (runs and styles) against its cell's shading, or white."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("word/") and n.endswith(".xml")]
        for name in parts:
            root = ElementTree.fromstring(archive.read(name))
            parents = {child: parent for parent in root.iter() for child in parent}
            for color in root.iter(f"{W}color"):
                text = _hex(color.get(f"{W}val"))
                if text is None:
                    continue
                background = "#ffffff"
                node = color
                while node in parents:  # a table cell's shading, or a table style part's
                    node = parents[node]
                    if node.tag in (f"{W}tc", f"{W}tblStylePr"):
                        shading = node.find(f"{W}tcPr/{W}shd")
                        background = _hex(shading.get(f"{W}fill")) if shading is not None else None
                        background = background or "#ffffff"
                        break
                ratio = housestyle.contrast(text, background)
                if ratio < MINIMUM:
                    problems.append(f"{name}: {text} on {background} ({ratio:.2f}:1)")
    return problems


def pptx_problems(content: bytes) -> list[str]:
    """Each text colour of the slides, layouts and masters against the fill of its shape, or white
    (the slides' background)."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [
            n
            for n in archive.namelist()
            if n.startswith(("ppt/slides/slide", "ppt/slideLayouts/", "ppt/slideMasters/"))
            and n.endswith(".xml")
        ]
        for name in parts:
            root = ElementTree.fromstring(archive.read(name))
            for shape in root.iter():
                if shape.tag.rsplit("}", 1)[-1] != "sp":
                    continue
                fill = shape.find(f"./{{*}}spPr/{A}solidFill/{A}srgbClr")
                background = _hex(fill.get("val")) if fill is not None else "#ffffff"
                for run in shape.iter():
                    if run.tag not in (f"{A}rPr", f"{A}defRPr", f"{A}endParaRPr"):
                        continue
                    colour = run.find(f"{A}solidFill/{A}srgbClr")
                    text = _hex(colour.get("val")) if colour is not None else None
                    if text is None:
                        continue
                    ratio = housestyle.contrast(text, background or "#ffffff")
                    if ratio < MINIMUM:
                        problems.append(f"{name}: {text} on {background} ({ratio:.2f}:1)")
        # table header rows: white (lt1) on the theme's first accent colour
        if any(b"<a:tbl>" in archive.read(n) for n in parts if n.startswith("ppt/slides/")):
            theme = ElementTree.fromstring(archive.read("ppt/theme/theme1.xml"))
            accent = theme.find(f".//{A}clrScheme/{A}accent1/{A}srgbClr")
            fill = _hex(accent.get("val")) if accent is not None else None
            if fill and housestyle.contrast("#ffffff", fill) < MINIMUM:
                problems.append(
                    f"table header: #ffffff on {fill} ({housestyle.contrast('#ffffff', fill):.2f}:1)"
                )
    return sorted(set(problems))


def test_docx_text_keeps_its_contrast(report):
    from imon.reports.render_docx import docx

    assert docx_problems(docx(report)) == []


def test_pptx_text_keeps_its_contrast(report):
    from imon.reports.render_pptx import pptx

    assert pptx_problems(pptx(report)) == []


def test_html_and_pdf_text_keeps_its_contrast(report, browser):
    from imon.reports.render_html import html
    from tests.browsing import AXE

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_content(html(report))
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}}))"
        ".violations.flatMap(v => v.nodes.map(n => n.target.join(' ') + ': ' + n.any.map(a => a.message).join(' ')))"
    )
    page.close()
    assert found == []


def test_the_checks_find_weak_text():
    """The two file checks see a light grey on white and white on a light cell."""
    weak_docx = io.BytesIO()
    with zipfile.ZipFile(weak_docx, "w") as archive:
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tr><w:tc><w:tcPr><w:shd w:fill="EEEEEE"/></w:tcPr>'
            '<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr></w:r></w:p></w:tc></w:tr></w:tbl>'
            '<w:p><w:r><w:rPr><w:color w:val="AAAAAA"/></w:rPr></w:r></w:p></w:body></w:document>',
        )
    assert len(docx_problems(weak_docx.getvalue())) == 2
    weak_pptx = io.BytesIO()
    with zipfile.ZipFile(weak_pptx, "w") as archive:
        archive.writestr(
            "ppt/slides/slide1.xml",
            f'<p:sld xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="{A[1:-1]}">'
            '<p:sp><p:spPr/><p:txBody><a:p><a:r><a:rPr><a:solidFill><a:srgbClr val="BBBBBB"/></a:solidFill>'
            "</a:rPr></a:r></a:p></p:txBody></p:sp></p:sld>",
        )
    assert pptx_problems(weak_pptx.getvalue()) == ["ppt/slides/slide1.xml: #bbbbbb on #ffffff (1.92:1)"]
