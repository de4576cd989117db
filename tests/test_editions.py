"""Concept editions (Fortschreibungen): a concept is updated; the new edition carries over, retires
and adds fields of action, goals and measures, and reports and the portal say which edition they show."""

import datetime
import io
import re

import pytest
from django.core.management import call_command

from imon.core import conceptfile, editions
from imon.core import models as m
from imon.core.conceptfile import ConceptFileError
from imon.publication import public_document
from imon.reports import document, snapshots
from imon.reports.render_html import html

# Written by hand, as a city would after reading docs/concept-file.md.
CONCEPT = """\
format_version: 1
municipality: {key: musterstadt, name: Stadt Musterstadt, ags: "09999000", state: Bayern}
concept:
  key: ik-muster
  title: Integrationskonzept Musterstadt
  editions:
    - {key: "2014", title: Integrationskonzept 2014, resolution_date: 2014-02-11}
    - {key: "2022", title: Zweite Fortschreibung 2022, resolution_date: 2022-07-19, resolution_reference: "V/0815"}
fields_of_action:
  - {code: "1", title: Sprache}
  - {code: "2", title: Wohnen, since: "2022"}
  - {code: "3", title: Freizeit, retired: "2022"}
goals:
  - {key: g1, field_of_action: "1", title: Alle sprechen Deutsch}
  - {key: g3, field_of_action: "3", title: Vereine offen, retired: "2022"}
measures:
  - {key: m1, field_of_action: "1", title: Sprachkurse im Stadtteil, status: in_progress}
  - {key: m2, field_of_action: "2", title: Wohnraumbörse, status: planned, since: "2022"}
  - {key: m3, field_of_action: "3", title: Sportpatenschaften, status: completed, retired: "2022"}
  - {key: m4, field_of_action: "1", title: Elternkurse, status: discontinued, retired: "2022"}
"""


def load(text=CONCEPT):
    return conceptfile.load_text(io.StringIO(text))


def problems(text):
    with pytest.raises(ConceptFileError) as caught:
        load(text)
    return [str(p) for p in caught.value.problems]


def test_editions_and_history_round_trip(db):
    load()
    concept = m.Concept.objects.get(key="ik-muster")
    assert [e.title for e in concept.editions.order_by("order")] == [
        "Integrationskonzept 2014",
        "Zweite Fortschreibung 2022",
    ]
    assert m.Measure.objects.get(key="m3").retired.key == "2022"
    assert m.FieldOfAction.objects.get(code="2").since.key == "2022"
    first = conceptfile.dump_text(concept)
    assert "since: '2022'" in first and "retired: '2022'" in first
    stats = load(first)
    assert stats.created == 0 and stats.updated == 0
    assert conceptfile.dump_text(concept) == first


def test_a_file_without_editions_keeps_the_stored_ones(db):
    load()
    # a file that names no editions (and so no `since`/`retired`) leaves the stored history alone
    without = CONCEPT[: CONCEPT.index("  editions:")] + CONCEPT[CONCEPT.index("fields_of_action:") :]
    without = re.sub(r', (since|retired): "2022"', "", without)
    load(without)
    assert m.ConceptEdition.objects.filter(concept__key="ik-muster").count() == 2
    assert m.Measure.objects.get(key="m3").retired.key == "2022"


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            (
                'm4, field_of_action: "1", title: Elternkurse, status: discontinued, retired: "2022"',
                'm4, field_of_action: "1", title: Elternkurse, retired: "2014"',
            ),
            "measures[3].retired: '2014' ist die erste Fassung: Mit ihr kann nichts entfallen.",
        ),
        (
            (
                'title: Wohnraumbörse, status: planned, since: "2022"',
                'title: Wohnraumbörse, since: "2022", retired: "2022"',
            ),
            "measures[1].retired: Die Fassung '2022' muss nach der Fassung '2022' kommen",
        ),
        (
            (
                "title: Sprachkurse im Stadtteil, status: in_progress",
                'title: Sprachkurse im Stadtteil, since: "2020"',
            ),
            "measures[0].since: '2020' ist im Abschnitt 'editions' nicht definiert.",
        ),
        (
            (
                'm3, field_of_action: "3", title: Sportpatenschaften, status: completed, retired: "2022"',
                'm3, field_of_action: "3", title: Sportpatenschaften',
            ),
            "measures[2].field_of_action: Das Handlungsfeld '3' ist entfallen",
        ),
    ],
)
def test_one_clear_error_per_mistake(db, change, expected):
    old, new = change
    assert old in CONCEPT
    found = problems(CONCEPT.replace(old, new))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_changes_of_the_current_edition():
    doc = {
        "concept": {"editions": [{"key": "a", "title": "A"}, {"key": "b", "title": "B"}]},
        "fields_of_action": [{"code": "1"}, {"code": "2", "since": "b"}, {"code": "3", "retired": "b"}],
        "goals": [],
        "measures": [{"key": "x"}, {"key": "y", "retired": "b"}],
    }
    editions.split_retired(doc)
    assert [f["code"] for f in doc["fields_of_action"]] == ["1", "2"]
    assert [x["key"] for x in doc["measures"]] == ["x"]
    change = editions.changes(doc)
    assert change.edition["key"] == "b" and change.previous["key"] == "a"
    assert [f["code"] for f in change.added["fields_of_action"]] == ["2"]
    assert [f["code"] for f in change.retired["fields_of_action"]] == ["3"]
    assert change.carried_over == {"fields_of_action": 1, "goals": 0, "measures": 1}
    assert editions.changes({"concept": {"editions": [{"key": "a", "title": "A"}]}}) is None


@pytest.fixture
def snapshot(db):
    load()
    return snapshots.create("Bericht 2023", datetime.date(2023, 6, 30))


def test_report_shows_the_current_edition_and_its_changes(snapshot):
    text = html(document.build(public_document(snapshot.data)))
    assert (
        "Dieser Bericht folgt der Fassung „Zweite Fortschreibung 2022“ (beschlossen am 19.07.2022; V/0815)."
        in text
    )
    assert "neu aufgenommen 1 Handlungsfeld und 1 Maßnahme" in text
    assert "entfallen 1 Handlungsfeld, 1 Ziel und 2 Maßnahmen" in text
    assert "Entfallen: Maßnahme m3: Sportpatenschaften" in text
    # the retired measures are not reported as measures of the concept
    assert "(Handlungsfelder: 2, Maßnahmen: 2)" in text
    assert "Sportpatenschaften</td>" not in text and "Elternkurse</td>" not in text


def test_portal_names_the_edition(snapshot, client):
    snapshots.publish(snapshot)
    page = client.get("/portal/de/").content.decode()
    assert "Fassung" in page and "Zweite Fortschreibung 2022" in page and "19.07.2022" in page
    assert "Freizeit" not in page


def test_a_new_cycle_leaves_retired_measures_out(snapshot, django_user_model):
    from imon.steering import services

    user = django_user_model.objects.create_superuser("ki", password="x")
    cycle = services.open_cycle(
        m.Concept.objects.get(key="ik-muster"),
        "Runde 2023",
        datetime.date(2023, 6, 30),
        datetime.date(2023, 5, 31),
        user,
    )
    assert sorted(cycle.updates.values_list("measure_key", flat=True)) == ["m1", "m2"]


def test_demo_command_refuses_a_second_city(db):
    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ik-lindenhain"):
        call_command("demo", "--no-serve", stdout=io.StringIO())
