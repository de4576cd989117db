"""The report opens with the key figures at a glance: the concept's headline indicators, measures by
status, goals by assessment; the same figures as the portal's tiles (imon.reports.keyfigures)."""

import datetime
import io
import json
import zipfile
from importlib import resources

import pytest
from django.db import transaction

from imon.core import conceptfile
from imon.core.conceptfile.validate import validate
from imon.core.models import Concept
from imon.reports import document, keyfigures, snapshots
from imon.reports.document.blocks import Heading, Tiles

pytestmark = pytest.mark.django_db  # makes pytest-django set up the test database before the module fixture

CHOSEN = ["gefluechtete", "anteil-auslaendisch", "bevoelkerung"]


def demo_text(headlines=CHOSEN) -> str:
    text = resources.files("imon.core").joinpath("demo/leverkusen.yaml").read_text(encoding="utf-8")
    return text.replace("concept:\n", f"concept:\n  headline_indicators: [{', '.join(headlines)}]\n", 1)


@pytest.fixture(scope="module")
def snapshot_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        conceptfile.load_text(demo_text())
        concept = Concept.objects.get()
        assert concept.headline_indicators == CHOSEN
        data = json.loads(
            snapshots.encode(snapshots.collect(concept, "1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
        )
        transaction.set_rollback(True)
    return data


@pytest.fixture(scope="module")
def report(snapshot_data):
    return document.build(snapshot_data)


def test_the_concepts_headline_indicators_reach_the_snapshot_and_the_figures(snapshot_data):
    from imon.publication.view import public_document

    figures = keyfigures.key_figures(public_document(snapshot_data))
    assert [h.key for h in figures.headlines] == CHOSEN
    refugees = figures.headlines[0]
    assert (refugees.value, refugees.date, refugees.direction) == (4850, datetime.date(2018, 12, 31), "up")


def test_the_report_opens_with_the_tiles_in_german(report, snapshot_data):
    first = report.blocks[0]
    assert isinstance(first, Heading) and first.text == "Auf einen Blick"
    tiles = next(b for b in report.blocks if isinstance(b, Tiles))
    assert report.blocks.index(tiles) == 1
    rows = {row[0]: row for row in tiles.rows}
    refugees = rows["Geflüchtete Personen nach Aufenthaltsstatus"]
    assert refugees[1] == "4.850 Personen"
    assert refugees[3] == "↑ um 175 gestiegen seit 31.12.2017"  # the arrow never stands alone
    figures = keyfigures.key_figures(snapshot_data)
    measures = rows["Maßnahmen nach Status"]
    assert measures[1] == str(figures.measures_total)
    assert f"{figures.finished} abgeschlossen oder verstetigt ({figures.finished_percent} %)" == measures[2]


def test_every_format_carries_the_summary(report):
    from imon.reports.render_docx import docx
    from imon.reports.render_html import html
    from imon.reports.render_pptx import pptx

    page = html(report)
    assert page.count('<li class="tile">') == len(
        next(b for b in report.blocks if isinstance(b, Tiles)).items
    )
    assert "um 175 gestiegen seit 31.12.2017" in page
    with zipfile.ZipFile(io.BytesIO(docx(report))) as archive:
        body = archive.read("word/document.xml").decode()
    assert "Kennzahlen auf einen Blick" in body and "um 175 gestiegen seit 31.12.2017" in body
    with zipfile.ZipFile(io.BytesIO(pptx(report))) as archive:
        slides = "".join(
            archive.read(name).decode() for name in archive.namelist() if name.startswith("ppt/slides/slide")
        )
    assert "Auf einen Blick" in slides and "um 175 gestiegen seit 31.12.2017" in slides


def test_the_concept_file_refuses_unknown_or_too_many_headline_indicators():
    import yaml

    with_unknown = yaml.safe_load(demo_text(["bevoelkerung", "gibt-es-nicht"]))
    _clean, problems = validate(with_unknown)
    assert any("headline_indicators[1]" in p.path and "gibt-es-nicht" in p.message for p in problems)
    too_many = yaml.safe_load(demo_text([f"k{i}" for i in range(7)]))
    _clean, problems = validate(too_many)
    assert any(p.path == "concept.headline_indicators" and "7" in p.message for p in problems)
