"""The second demo city (Lindenhain, invented): set up by `imon demo --city lindenhain`, it loads,
round-trips through its concept file, reports in every format and publishes."""

import io

import pytest
from django.core.management import call_command

from imon.core import conceptfile
from imon.core import models as m
from imon.reports import render
from imon.reports.models import Release, Snapshot


def test_round_trip_dump_load_dump_is_identical(second_demo):
    concept = m.Concept.objects.get(key="ik-lindenhain")
    first = conceptfile.dump_text(concept)
    stats = conceptfile.load_text(io.StringIO(first))
    assert (stats.created, stats.updated, stats.deleted) == (0, 0, 0)
    assert conceptfile.dump_text(concept) == first


def test_it_differs_from_the_first_demo_where_the_issue_asks(second_demo):
    concept = m.Concept.objects.get(key="ik-lindenhain")
    assert concept.municipality.state == "Hessen"
    assert [f.code for f in concept.fields_of_action.filter(retired=None)] == ["1", "2", "3", "4", "5"]
    assert [e.key for e in concept.editions.all()] == ["2016", "2023"]
    # districts where only some are published: the rule says so, and the load does not complain
    rule = m.ValidationRule.objects.get(indicator__key="lh-auslaendisch")
    assert rule.partial and m.Observation.objects.filter(indicator__key="lh-auslaendisch").count() == 6


@pytest.fixture
def set_up(db):
    out = io.StringIO()
    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=out)
    return out.getvalue()


def test_the_demo_command_sets_it_up_and_publishes(set_up, client):
    assert "Umsetzungsbericht 2025, 30.11.2025" in set_up
    release = Release.objects.get()
    assert release.snapshot.data["municipality"]["name"] == "Stadt Lindenhain"
    page = client.get("/portal/de/").content.decode()
    assert "Integrationskonzept der Stadt Lindenhain" in page and "1. Fortschreibung 2023" in page
    assert "Gesundheit und Pflege" in page and "Sport und Freizeit" not in page


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx", "pptx"])
def test_it_reports_in_every_format(set_up, fmt):
    data = render.render(Snapshot.objects.get(), fmt)
    assert len(data) > 10_000


def test_district_figures_never_pass_for_the_citys(set_up, client):
    """Lindenhain has no city-wide value of the school-entry language figure, only four districts':
    the portal's default view shows all four side by side, each named, none as the city's."""
    page = client.get("/portal/de/kennzahlen/lh-sprachfoerderbedarf/").content.decode()
    table = page[page.index("nach Gebiet") : page.index("</table>", page.index("nach Gebiet"))]
    for district, value in [
        ("1 – Mitte", "31,5"),
        ("2 – Nord", "24,0"),
        ("3 – Süd", "19,2"),
        ("5 – West", "22,7"),
    ]:
        assert f"Ortsbezirk {district}" in table and value in table
    assert "Lindenhain" not in table


def test_its_goal_assessments_and_cross_cutting_measure_reach_the_portal(set_up, client):
    field_1 = client.get("/portal/de/handlungsfelder/1/").content.decode()
    assert "Bewertung für 2024: gelb: gefährdet" in field_1
    field_4 = client.get("/portal/de/handlungsfelder/4/").content.decode()
    assert "Bewertung für 2024: rot: nicht im Plan" in field_4
    assert "Interkulturelle Öffnung der Stadtverwaltung" in field_4
    assert "Querschnittsmaßnahme, federführend in Themenfeld 2" in field_4


def test_the_report_cites_the_resolution_in_the_citys_words(set_up):
    text = render.render(Snapshot.objects.get(), "html").decode()
    assert "beschlossen (Stadtverordnetenversammlung, Drucksache SV 2016/112)" in text
    assert "Vorlage" not in text and "Der Rat" not in text
