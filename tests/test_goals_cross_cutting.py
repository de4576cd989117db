"""Goals with an assessment (target, traffic light with reason, the period assessed) and
cross-cutting measures (one leading field of action, further fields served): the concept file
reads, checks and writes them; staff pages, the snapshot, every report format, the portal and the
API show them, the traffic light in words and the measure under each field with a mark."""

import datetime
import io
import json
import re

import pytest

from imon.core import conceptfile, yamlio
from imon.core import models as m
from imon.publication import public_document
from imon.reports import document, snapshots

# Written by hand the way a city with numbered fields of action writes its concept.
CONCEPT = """\
format_version: 1
municipality: {key: musterstadt, name: Stadt Musterstadt, ags: "06411000"}
concept: {key: ik-musterstadt, title: Integrationskonzept Musterstadt}
fields_of_action:
  - {code: 1, title: Sprache und Bildung}
  - {code: 2, title: Arbeit und Ausbildung}
  - {code: 3, title: Wohnen und Zusammenleben}
goals:
  - key: Z1.1
    field_of_action: 1
    title: Mehr Kinder besuchen eine Kita
    target_value: 90
    target_date: 2027-12-31
    traffic_light: yellow
    traffic_light_reason: Zu wenige Plätze in zwei Stadtteilen.
    assessed_for: 2. Halbjahr 2024
  - key: Z2.1
    field_of_action: 2
    title: Mehr Ausbildungsverträge
    traffic_light: green
    assessed_for: "2024"
measures:
  - key: M1
    field_of_action: 1
    title: Sprachkurse für Eltern
    status: in_progress
  - key: M2
    field_of_action: 2
    also_fields_of_action: [1, 3]
    title: Lotsenprojekt Übergang Schule und Beruf
    status: planned
    goals: [Z2.1]
"""

MARK = "Querschnittsmaßnahme, federführend in Handlungsfeld 2"


def load(text=CONCEPT):
    return conceptfile.load_text(io.BytesIO(text.encode()))


def problems_of(text: str) -> list[str]:
    _clean, problems = conceptfile.validate(yamlio.load(text))
    return [str(p) for p in problems]


# --- concept file --------------------------------------------------------------------------------


def test_the_file_loads_the_goal_assessment_and_the_fields_a_measure_serves(db):
    load()
    goal = m.Goal.objects.get(key="Z1.1")
    assert (goal.traffic_light, goal.assessed_for) == ("yellow", "2. Halbjahr 2024")
    assert goal.traffic_light_reason == "Zu wenige Plätze in zwei Stadtteilen."
    assert goal.target_date == datetime.date(2027, 12, 31) and goal.target_value == 90
    assert m.Goal.objects.get(key="Z2.1").assessed_for == "2024"
    measure = m.Measure.objects.get(key="M2")
    assert measure.field_of_action.code == "2"
    assert sorted(measure.also_fields_of_action.values_list("code", flat=True)) == ["1", "3"]
    assert not m.Measure.objects.get(key="M1").also_fields_of_action.exists()


def test_dump_writes_the_new_fields_and_round_trips(db):
    load()
    text = conceptfile.dump_text(m.Concept.objects.get())
    data = yamlio.load(text)
    goal = next(g for g in data["goals"] if g["key"] == "Z1.1")
    assert goal["traffic_light"] == "yellow" and goal["assessed_for"] == "2. Halbjahr 2024"
    assert goal["traffic_light_reason"] == "Zu wenige Plätze in zwei Stadtteilen."
    measure = next(x for x in data["measures"] if x["key"] == "M2")
    assert measure["also_fields_of_action"] == ["1", "3"]
    assert "also_fields_of_action" not in next(x for x in data["measures"] if x["key"] == "M1")
    stats = conceptfile.load_text(io.BytesIO(text.encode()))
    assert stats.updated == 0 and stats.created == 0
    assert conceptfile.dump_text(m.Concept.objects.get()) == text


def test_a_file_that_leaves_the_fields_out_keeps_them_and_an_empty_list_clears_them(db):
    load()
    without = CONCEPT.replace("    also_fields_of_action: [1, 3]\n", "")
    load(without)
    assert m.Measure.objects.get(key="M2").also_fields_of_action.count() == 2
    load(CONCEPT.replace("also_fields_of_action: [1, 3]", "also_fields_of_action: []"))
    assert m.Measure.objects.get(key="M2").also_fields_of_action.count() == 0


@pytest.mark.parametrize(
    "old, new, path, words",
    [
        (
            "also_fields_of_action: [1, 3]",
            "also_fields_of_action: [1, 2]",
            "measures[1].also_fields_of_action[1]",
            "'2' ist das federführende Handlungsfeld",
        ),
        (
            "also_fields_of_action: [1, 3]",
            "also_fields_of_action: [1, 9]",
            "measures[1].also_fields_of_action[1]",
            "'9' ist im Abschnitt 'fields_of_action' nicht definiert",
        ),
        (
            "also_fields_of_action: [1, 3]",
            "also_fields_of_action: [3, 3]",
            "measures[1].also_fields_of_action",
            "denselben Schlüssel mehrfach",
        ),
        (
            "also_fields_of_action: [1, 3]",
            "also_fields_of_action: 3",
            "measures[1].also_fields_of_action",
            "erwartet wurde eine Liste",
        ),
        ("traffic_light: green", "traffic_light: grün", "goals[1].traffic_light", "'grün' ist keine gültige"),
        (
            "    traffic_light_reason: Zu wenige Plätze in zwei Stadtteilen.\n",
            "",
            "goals[0].traffic_light_reason",
            "eine gelbe oder rote Ampel erfordert eine Begründung",
        ),
    ],
)
def test_each_mistake_gives_one_clear_german_error(db, settings, old, new, path, words):
    settings.LANGUAGE_CODE = "de"
    from django.utils import translation

    assert old in CONCEPT
    with translation.override("de"):
        problems = problems_of(CONCEPT.replace(old, new))
    assert len(problems) == 1, problems
    assert problems[0].startswith(path + ": ")
    assert words.lower() in problems[0].lower(), problems[0]


# --- snapshot and report -------------------------------------------------------------------------


@pytest.fixture
def snapshot_document(db):
    load()
    data = snapshots.collect(m.Concept.objects.get(), "1. Bericht", datetime.date(2024, 12, 31))
    return json.loads(snapshots.encode(data))


def test_the_snapshot_freezes_the_assessment_and_the_fields_served(snapshot_document):
    public = public_document(snapshot_document)
    goal = next(g for g in public["goals"] if g["key"] == "Z1.1")
    assert goal["traffic_light"] == "yellow" and goal["assessed_for"] == "2. Halbjahr 2024"
    measure = next(x for x in public["measures"] if x["key"] == "M2")
    assert measure["also_fields_of_action"] == ["1", "3"]
    # later changes in the database do not reach what the snapshot froze
    m.Goal.objects.filter(key="Z1.1").update(traffic_light="green", traffic_light_reason="")
    assert next(g for g in snapshot_document["goals"] if g["key"] == "Z1.1")["traffic_light"] == "yellow"


def _chapter(text: str, start: str, end: str) -> str:
    """The text from the heading `start` (its last occurrence: the contents list it first) to `end`."""
    begin = text.rindex(start)
    return text[begin : text.index(end, begin)]


def test_the_report_shows_the_assessment_in_words_and_the_measure_under_each_field(snapshot_document):
    from imon.reports.render_html import html

    text = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html(document.build(public_document(snapshot_document))))
    )
    assert (
        "Bewertung 2. Halbjahr 2024: Ampel gelb: gefährdet. Begründung: Zu wenige Plätze in zwei Stadtteilen."
        in text
    )
    assert "Bewertung 2024: Ampel grün: im Plan." in text
    field_1 = _chapter(text, "Handlungsfeld 1: Sprache und Bildung", "Handlungsfeld 2: Arbeit")
    field_2 = _chapter(text, "Handlungsfeld 2: Arbeit und Ausbildung", "Handlungsfeld 3: Wohnen")
    field_3 = text[text.rindex("Handlungsfeld 3: Wohnen und Zusammenleben") :]
    assert f"Lotsenprojekt Übergang Schule und Beruf ({MARK})" in field_1
    assert f"Lotsenprojekt Übergang Schule und Beruf ({MARK})" in field_3
    assert "Lotsenprojekt Übergang Schule und Beruf" in field_2 and MARK not in field_2


def test_the_summary_counts_a_cross_cutting_measure_once_for_the_whole_concept(snapshot_document):
    report = document.build(public_document(snapshot_document))
    table = next(b for b in report.blocks if getattr(b, "caption", "").startswith("Stand der Maßnahmen"))
    counts = {row[0]: row[2] for row in table.rows}
    assert counts["1 Sprache und Bildung"] == "2"  # M1 and the cross-cutting M2
    assert counts["3 Wohnen und Zusammenleben"] == "1"
    assert counts["Insgesamt"] == "2"


def test_docx_and_pptx_mark_the_cross_cutting_measure(snapshot_document):
    from imon.reports.render_docx import docx
    from imon.reports.render_pptx import pptx

    report = document.build(public_document(snapshot_document))
    for data in (docx(report), pptx(report)):
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", xml))
        assert MARK in words


# --- portal, API and staff pages -----------------------------------------------------------------


@pytest.fixture
def published(db):
    load()
    snapshots.publish(snapshots.create("1. Bericht", datetime.date(2024, 12, 31)))


def page_text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_portal_shows_the_assessment_in_words_next_to_the_colour(client, published):
    response = client.get("/portal/de/handlungsfelder/1/")
    text = page_text(response)
    assert "Bewertung für 2. Halbjahr 2024: gelb: gefährdet" in text
    assert "Zu wenige Plätze in zwei Stadtteilen." in text
    assert 'class="light light-yellow"' in response.content.decode()
    assert "Ziel" in text and "Zielwert 90" in text and "bis 31.12.2027" in text
    english = page_text(client.get("/portal/en/handlungsfelder/1/"))
    assert "Assessment for 2. Halbjahr 2024: yellow: at risk" in english


def test_the_portal_lists_a_cross_cutting_measure_under_each_field_with_a_mark(client, published):
    field_1 = page_text(client.get("/portal/de/handlungsfelder/1/"))
    field_2 = page_text(client.get("/portal/de/handlungsfelder/2/"))
    assert "Lotsenprojekt Übergang Schule und Beruf" in field_1 and MARK in field_1
    assert "2 Maßnahmen" in field_1
    assert "Lotsenprojekt Übergang Schule und Beruf" in field_2 and MARK not in field_2
    measure = page_text(client.get("/portal/de/massnahmen/m2/"))
    assert "Querschnittsmaßnahme" in measure and "Sprache und Bildung" in measure
    assert "Wohnen und Zusammenleben" in measure


def test_the_api_names_the_fields_served_and_filters_by_them(client, published):
    items = client.get("/api/v1/measures.json").json()["items"]
    assert next(i for i in items if i["key"] == "M2")["also_fields_of_action"] == ["1", "3"]
    serving_3 = client.get("/api/v1/measures.json?field_of_action=3").json()["items"]
    assert [i["key"] for i in serving_3] == ["M2"]
    fields = {f["code"]: f["measures"] for f in client.get("/api/v1/fields-of-action.json").json()["items"]}
    assert fields == {"1": 2, "2": 1, "3": 1}


def test_staff_pages_show_the_assessment_and_the_cross_cutting_measure(client, db, django_user_model):
    load()
    admin = django_user_model.objects.create_superuser("ki", "ki@example.org", "pw-ki-admin-2024")
    client.force_login(admin)
    goal = page_text(client.get("/steuerung/ziele/Z1.1/"))
    assert "gelb: gefährdet" in goal and "2. Halbjahr 2024" in goal
    assert "Zu wenige Plätze in zwei Stadtteilen." in goal
    field_3 = page_text(client.get("/steuerung/handlungsfelder/ik-musterstadt/3/"))
    assert "Lotsenprojekt Übergang Schule und Beruf" in field_3 and MARK in field_3
    dashboard = page_text(client.get("/steuerung/"))
    assert "einschließlich 1 Querschnittsmaßnahme" in dashboard


def test_a_deleted_cross_cutting_measure_comes_back_with_its_fields(db, django_user_model):
    from imon.steering import services

    load()
    admin = django_user_model.objects.create_superuser("ki", "ki@example.org", "pw-ki-admin-2024")
    deleted = services.delete_measure(m.Measure.objects.get(key="M2"), admin)
    restored = services.restore_measure(deleted, admin)
    assert sorted(restored.also_fields_of_action.values_list("code", flat=True)) == ["1", "3"]


def test_the_examples_in_the_docs_load(db):
    """The goal and measure examples of docs/concept-file.md, as a reader would copy them."""
    from pathlib import Path

    docs = (Path(__file__).parent.parent / "docs" / "concept-file.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, re.S)
    goals = next(b for b in blocks if "assessed_for" in b)
    measures = next(b for b in blocks if "also_fields_of_action" in b)
    text = (
        "format_version: 1\n"
        "municipality: {key: musterstadt, name: Stadt Musterstadt, ags: '06411000'}\n"
        "concept: {key: ik, title: Integrationskonzept}\n"
        "fields_of_action:\n"
        + "".join(f"  - {{code: '{code}', title: Feld {code}}}\n" for code in "2345")
        + "indicators:\n  - {key: kita-quote, title: Kita-Quote, unit: '%', kind: share}\n"
        + goals
        + measures
    )
    load(text)
    assert m.Goal.objects.get().traffic_light == "yellow"
    assert m.Measure.objects.get().also_fields_of_action.count() == 2
