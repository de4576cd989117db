"""The staff pages: dashboard with its explicit roll-up rule, field of action, goal, measure, body,
next steps with filter and export; list pages keep a constant number of queries."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imon.core import models as m
from imon.steering import synthetic
from imon.steering.models import StatusUpdate
from tests import steering
from tests.steering import open_cycle

people = steering.people  # the personas fixture


def test_dashboard_shows_the_rule_the_rollup_and_what_needs_attention(people, client):
    m.Measure.objects.filter(key="C1").update(status="in_progress", progress=80)
    m.Measure.objects.filter(key="D2").update(status="unknown")
    m.NextStep.objects.filter(measure__key="C1", key="1").update(due_date=datetime.date(2020, 1, 31))
    body = m.Body.objects.get(key="controlling-gruppe")
    m.Meeting.objects.create(
        key="cg-kuenftig",
        body=body,
        date=datetime.date.today() + datetime.timedelta(days=14),
        title="Sitzung der Controlling-Gruppe",
    )
    cycle = open_cycle(people.ki)
    StatusUpdate.objects.filter(cycle=cycle).exclude(measure_key="C1").update(state="accepted")
    client.force_login(people.reviewer)
    page = client.get("/steuerung/").content.decode()
    assert "Verdichtungsregel" in page and "Status „unbekannt“ werden nicht eingerechnet" in page
    fields = {f.code: f for f in client.get("/steuerung/").context["fields"]}
    assert fields["C"].rollup == {
        "average": 80,
        "counted": 1,
        "unknown": 0,
        "total": 1,
        "by_status": {"in_progress": 1},
    }
    assert fields["D"].rollup["unknown"] == 1
    assert "31.01.2020" in page
    assert "Sitzung der Controlling-Gruppe" in page
    waiting = page.split('id="waiting"')[1].split("</section>")[0]
    assert "C1" in waiting and "D1" not in waiting
    stale = page.split('id="stale"')[1].split("</section>")[0]
    with_rhythm = m.Indicator.objects.exclude(rhythm_months=None)
    assert with_rhythm.count() == 3  # all three are older than their rhythm of 12 months in the demo
    assert all(i.title in stale for i in with_rhythm)
    assert "Auszüge Neuzugewanderter in private Wohnungen – noch keine Daten" in stale
    assert not any(i.title in stale for i in m.Indicator.objects.filter(rhythm_months=None))


def test_pages_of_field_goal_measure_and_body(people, client):
    client.force_login(people.ki)
    assert "Azubi-WG" not in client.get("/steuerung/handlungsfelder/ik-leverkusen-2017/D/").content.decode()
    field = client.get("/steuerung/handlungsfelder/ik-leverkusen-2017/C/").content.decode()
    assert "Landesinitiative" in field and "Durchschnittlicher Fortschritt" in field
    goal = client.get("/steuerung/ziele/C-Z1/").content.decode()
    assert "C1" in goal
    measure = client.get("/steuerung/massnahmen/C1/").content.decode()
    assert "Willkommensordner" in measure and "olga" in measure and "Verlauf" in measure
    body = client.get("/steuerung/gremien/verwaltungsvorstand/").content.decode()
    assert "Gemeinsamer Workshop" in body


def test_next_steps_filter_and_export(people, client):
    m.NextStep.objects.filter(measure__key="C1", key="1").update(
        due_date=datetime.date(2020, 1, 31), responsible="Frau Kaya"
    )
    client.force_login(people.reviewer)
    everything = client.get("/steuerung/naechste-schritte/?zeige=alle").context["steps"]
    only_c = client.get("/steuerung/naechste-schritte/?hf=C&zeige=alle").context["steps"]
    overdue = client.get("/steuerung/naechste-schritte/?zeige=ueberfaellig").context["steps"]
    kaya = client.get("/steuerung/naechste-schritte/?wer=kaya").context["steps"]
    assert len(everything) == m.NextStep.objects.count() and {s.measure.key for s in only_c} == {"C1"}
    assert [s.text[:20] for s in overdue] == [s.text[:20] for s in kaya] and len(overdue) == 1
    response = client.get("/steuerung/naechste-schritte.csv?zeige=ueberfaellig")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Maßnahme", "Handlungsfeld", "Nächster Schritt", "Termin"]
    assert rows[1][0] == "C1" and rows[1][3] == "31.01.2020" and rows[1][4] == "Frau Kaya" and len(rows) == 2
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/steuerung/naechste-schritte.xlsx?hf=C&zeige=alle").content)
    )
    assert book.active.max_row == 1 + len(only_c)


def test_exports_never_carry_formulas(people, client):
    """CSV injection: a next step written like a formula stays text in the CSV, the XLSX and the
    cycle's spreadsheet."""
    formula = '=HYPERLINK("http://example.org","klick")'
    m.NextStep.objects.filter(measure__key="C1", key="1").update(text=formula, responsible="+49 214 1234")
    client.force_login(people.reviewer)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/steuerung/naechste-schritte.csv?hf=C&zeige=alle").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    step = next(r for r in rows if formula in r[2])
    assert step[2] == "'" + formula and step[4] == "'+49 214 1234"
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/steuerung/naechste-schritte.xlsx?hf=C&zeige=alle").content)
    ).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)
    cycle = open_cycle(people.ki)
    from imon.steering import spreadsheet

    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheet.export_xlsx(cycle))).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and formula in c.value]
    assert cells and all(c.data_type == "s" for c in cells)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/steuerung/",
        "/steuerung/naechste-schritte/?zeige=alle",
        "/steuerung/berichtsrunden/{cycle}/",
        "/steuerung/handlungsfelder/ik-leverkusen-2017/C/",
        "/steuerung/berichtsrunden/",
        "/steuerung/aufgaben/",
    ],
)
def test_list_pages_keep_a_constant_number_of_queries(people, client, url):
    concept = m.Concept.objects.get()
    synthetic.add_measures(concept, 10, owner=people.ki)
    synthetic.add_past_cycles(concept, 1, people.ki)
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    url = url.format(cycle=cycle.key)
    small = count_queries(client, url)
    synthetic.add_measures(concept, 60, owner=people.ki)
    synthetic.add_past_cycles(concept, 2, people.ki)
    StatusUpdate.objects.bulk_create(
        [
            StatusUpdate(cycle=cycle, measure=x, measure_key=x.key)
            for x in m.Measure.objects.exclude(status_updates__cycle=cycle)
        ]
    )
    large = count_queries(client, url)
    assert small == large, f"{url}: {small} queries with few rows, {large} with many"
