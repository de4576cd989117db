"""Dates as precise as the city knows them (a year, a half-year, a quarter, a month, a day, or
"fortlaufend"), shown as written everywhere, sorted sensibly, and overdue only after the period's
end; and several funders per measure, each with programme and amount."""

import datetime
import io

import pytest
from django.core.management import call_command

from imon.core import conceptfile, periods
from imon.core import models as m
from imon.portal import content
from imon.reports import document, render, snapshots
from imon.reports.models import Snapshot
from imon.steering import logic
from tests import steering
from tests.steering import form_data, open_cycle
from tests.test_steering_locking import measure_form

CITY = """\
format_version: 1
municipality: {key: musterstadt, name: Stadt Musterstadt, ags: "06412000"}
concept: {key: ik-musterstadt, title: Integrationskonzept Musterstadt}
fields_of_action:
  - {code: "1", title: Sprache und Bildung}
goals:
  - {key: G1, field_of_action: "1", title: Mehr Sprachkurse, target_value: 12, target_date: 2. Halbjahr 2026}
measures:
  - key: M1
    field_of_action: "1"
    title: Sprachcafé
    funders:
      - {name: Land Hessen, programme: WIR-Programm, amount: 12500.50}
      - {name: Stiftung Musterstadt}
    start_date: 2. Halbjahr 2024
    end_date: fortlaufend
    goals: [G1]
    next_steps:
      - {key: "1", text: Räume suchen, due_date: Q3 2025}
      - {key: "2", text: Flyer drucken, due_date: 2025}
  - key: M2
    field_of_action: "1"
    title: Elternkurse
    start_date: 03/2025
    end_date: 2026
  - key: M3
    field_of_action: "1"
    title: Lotsenprojekt
    start_date: 14.03.2025
    end_date: 2025-12
"""


FUNDERS = """\
    funders:
      - {name: Land Hessen, programme: WIR-Programm, amount: 12500.50}
      - {name: Stiftung Musterstadt}
"""
assert FUNDERS in CITY


def load(text):
    return conceptfile.load_text(io.BytesIO(text.encode()))


@pytest.mark.parametrize(
    "text, first, precision, written",
    [
        ("2025", datetime.date(2025, 1, 1), "year", "2025"),
        (2025, datetime.date(2025, 1, 1), "year", "2025"),
        ("2. Halbjahr 2024", datetime.date(2024, 7, 1), "half_year", "2. Halbjahr 2024"),
        ("2. HJ 2024", datetime.date(2024, 7, 1), "half_year", "2. Halbjahr 2024"),
        ("H1 2024", datetime.date(2024, 1, 1), "half_year", "1. Halbjahr 2024"),
        ("3. Quartal 2024", datetime.date(2024, 7, 1), "quarter", "3. Quartal 2024"),
        ("Q4 2024", datetime.date(2024, 10, 1), "quarter", "4. Quartal 2024"),
        ("03/2025", datetime.date(2025, 3, 1), "month", "03/2025"),
        ("2025-03", datetime.date(2025, 3, 1), "month", "03/2025"),
        ("14.03.2025", datetime.date(2025, 3, 14), "day", "14.03.2025"),
        ("2025-03-14", datetime.date(2025, 3, 14), "day", "14.03.2025"),
        (datetime.date(2025, 3, 14), datetime.date(2025, 3, 14), "day", "14.03.2025"),
    ],
)
def test_each_notation_is_read_and_written_as_the_city_writes_it(text, first, precision, written):
    period = periods.parse(text)
    assert (period.first, period.precision) == (first, precision)
    assert periods.format_period(period) == written
    assert periods.parse(written) == period


def test_a_period_ends_on_its_last_day():
    assert periods.parse("2025").last == datetime.date(2025, 12, 31)
    assert periods.parse("2. Halbjahr 2024").last == datetime.date(2024, 12, 31)
    assert periods.parse("Q1 2024").last == datetime.date(2024, 3, 31)
    assert periods.parse("02/2024").last == datetime.date(2024, 2, 29)
    assert periods.parse("fortlaufend", open_allowed=True).open


@pytest.mark.parametrize(
    "text", ["3. Halbjahr 2024", "Q5 2024", "13/2025", "31.02.2025", "bald", "fortlaufend"]
)
def test_a_wrong_notation_is_refused_naming_the_accepted_forms(text):
    with pytest.raises(periods.PeriodError) as error:
        periods.parse(text)
    message = str(error.value)
    assert message.startswith(f"„{text}“ ist kein Datum. Möglich sind ein Jahr (2025), ein Halbjahr")
    assert "3. Quartal 2024" in message and "03/2025" in message and "14.03.2025" in message


def test_the_concept_file_keeps_each_precision_dump_load_dump(db):
    load(CITY)
    m1 = m.Measure.objects.get(key="M1")
    assert (m1.start_date, m1.start_precision) == (datetime.date(2024, 7, 1), "half_year")
    assert (m1.end_date, m1.end_precision) == (None, "ongoing")
    assert m1.start == "2. Halbjahr 2024" and m1.end == "fortlaufend"
    m3 = m.Measure.objects.get(key="M3")
    assert m3.end_date == datetime.date(2025, 12, 31) and m3.end == "12/2025"
    assert m1.next_steps.get(key="2").due_date == datetime.date(2025, 12, 31)
    concept = m.Concept.objects.get()
    first = conceptfile.dump_text(concept)
    assert "start_date: 2. Halbjahr 2024" in first and "end_date: fortlaufend" in first
    assert "due_date: 3. Quartal 2025" in first and "start_date: 2025-03-14" in first
    assert "target_date: 2. Halbjahr 2026" in first  # a goal's target date, too
    goal = m.Goal.objects.get(key="G1")
    assert goal.target_date == datetime.date(2026, 12, 31) and goal.target == "2. Halbjahr 2026"
    stats = load(first)
    assert stats.created == 0 and stats.updated == 0
    assert conceptfile.dump_text(concept) == first


def test_a_wrong_date_in_the_concept_file_is_one_clear_error(db):
    with pytest.raises(conceptfile.ConceptFileError) as error:
        load(CITY.replace("due_date: Q3 2025", "due_date: Sommer 2025"))
    assert [p.path for p in error.value.problems] == ["measures[0].next_steps[0].due_date"]
    with pytest.raises(conceptfile.ConceptFileError) as error:
        load(CITY.replace("start_date: 2. Halbjahr 2024", "start_date: fortlaufend"))
    assert [p.path for p in error.value.problems] == ["measures[0].start_date"]


def test_an_end_within_the_start_year_is_not_before_the_start(db):
    load(CITY.replace("end_date: 2025-12", "end_date: 2025"))
    with pytest.raises(conceptfile.ConceptFileError) as error:
        load(CITY.replace("end_date: 2025-12", "end_date: 2024"))
    assert [p.path for p in error.value.problems] == ["measures[2].end_date"]


def test_funders_are_loaded_dumped_and_replaced_as_a_list(db):
    load(CITY)
    measure = m.Measure.objects.get(key="M1")
    funders = [(f.name, f.programme, f.amount) for f in measure.funders.all()]
    assert funders == [("Land Hessen", "WIR-Programm", 12500.50), ("Stiftung Musterstadt", "", None)]
    text = conceptfile.dump_text(m.Concept.objects.get())
    assert "name: Land Hessen" in text and "amount: 12500.5" in text
    stats = load(text.replace("name: Stiftung Musterstadt", "name: Stiftung Bürgersinn"))
    assert stats.updated == 1
    assert list(measure.funders.values_list("name", flat=True)) == ["Land Hessen", "Stiftung Bürgersinn"]
    load(CITY.replace(FUNDERS, ""))
    assert measure.funders.count() == 2  # left out: the stored funders stay
    load(CITY.replace(FUNDERS, "    funders: []\n"))
    assert measure.funders.count() == 0  # written empty: removed


def test_a_step_is_overdue_only_after_the_end_of_its_period():
    march = datetime.date(2025, 3, 15)
    assert not logic.is_overdue(periods.parse("2025").last, False, march)
    assert not logic.is_overdue(periods.parse("1. Quartal 2025").last, False, march)
    assert not logic.is_overdue(periods.parse("03/2025").last, False, march)
    assert logic.is_overdue(periods.parse("2. Halbjahr 2024").last, False, march)
    assert logic.is_overdue(periods.parse("14.03.2025").last, False, march)


@pytest.fixture
def city_snapshot(db):
    load(CITY)
    content._LATEST.clear()
    snapshot = snapshots.create("1. Bericht", datetime.date(2025, 6, 30))
    snapshots.publish(snapshot)
    return snapshot


def test_report_shows_dates_as_written_and_lists_the_funders(city_snapshot):
    from imon.reports.render_html import html

    text = html(document.build(city_snapshot.data))
    assert "2. Halbjahr 2024 – fortlaufend" in text and "03/2025 – 2026" in text
    assert "14.03.2025 – 12/2025" in text
    assert "Räume suchen (bis 3. Quartal 2025)" in text
    assert "bis 2. Halbjahr 2026" in text  # the goal's target
    assert "Land Hessen (WIR-Programm): 12.500,50 EUR; Stiftung Musterstadt" in text
    outlook = text.split("Nächste Schritte und Zeitplan")[1]
    assert outlook.index("Räume suchen") < outlook.index("Flyer drucken")  # Q3 2025 before 2025


def test_portal_and_api_show_dates_as_written_and_the_funders(city_snapshot, client):
    page = client.get("/portal/de/massnahmen/m1/").content.decode()
    assert "2. Halbjahr 2024 – fortlaufend" in page
    assert "Räume suchen (3. Quartal 2025)" in page and "Flyer drucken (2025)" in page
    assert "bis 2. Halbjahr 2026" in page  # the goal's target
    assert "Land Hessen (WIR-Programm): 12.500,50 EUR" in page and "Stiftung Musterstadt" in page
    items = {i["key"]: i for i in client.get("/api/v1/measures.json").json()["items"]}
    assert items["M1"]["start"] == "2. Halbjahr 2024" and items["M1"]["start_date"] == "2024-07-01"
    assert items["M1"]["end"] == "fortlaufend" and "end_date" not in items["M1"]
    assert items["M2"]["end_date"] == "2026-12-31" and items["M2"]["end_precision"] == "year"
    assert items["M1"]["funders"][0] == {
        "name": "Land Hessen",
        "programme": "WIR-Programm",
        "amount": "12500.50",
    }


people = steering.people  # the personas fixture (the demo city)


def test_staff_form_takes_each_notation_keeps_it_and_names_the_accepted_forms(people, client):
    c1 = m.Measure.objects.get(key="C1")
    client.force_login(people.ki)
    url = "/steuerung/massnahmen/C1/bearbeiten/"
    wrong = client.post(url, measure_form(c1, start_date="Herbst 2024", version=c1.version))
    assert wrong.status_code == 200
    assert "„Herbst 2024“ ist kein Datum. Möglich sind ein Jahr (2025)" in wrong.content.decode()
    saved = client.post(
        url, measure_form(c1, start_date="2. HJ 2024", end_date="fortlaufend", version=c1.version)
    )
    assert saved.status_code == 302
    c1.refresh_from_db()
    assert (c1.start_date, c1.start_precision, c1.end_date, c1.end_precision) == (
        datetime.date(2024, 7, 1),
        "half_year",
        None,
        "ongoing",
    )
    form = client.get(url).content.decode()
    assert 'value="2. Halbjahr 2024"' in form and 'value="fortlaufend"' in form
    assert "2. Halbjahr 2024 – fortlaufend" in client.get("/steuerung/massnahmen/C1/").content.decode()
    refused = client.post(url, measure_form(c1, start_date="2025", end_date="Q4 2024", version=c1.version))
    assert "Das Ende darf nicht vor dem Beginn liegen." in refused.content.decode()


def test_staff_pages_count_a_step_overdue_only_after_its_period(people, client):
    today = datetime.date.today()
    steps = m.NextStep.objects.filter(measure__key="C1")
    steps.filter(key="1").update(due_date=datetime.date(today.year, 12, 31), due_precision="year")
    m.NextStep.objects.create(
        measure_id=steps[0].measure_id,
        key="vorjahr",
        text="Schritt des Vorjahres",
        due_date=datetime.date(today.year - 1, 12, 31),
        due_precision="year",
    )
    client.force_login(people.reviewer)
    overdue = client.get("/steuerung/naechste-schritte/?zeige=ueberfaellig")
    assert [s.key for s in overdue.context["steps"]] == ["vorjahr"]
    page = overdue.content.decode()
    assert f"{today.year - 1} (überfällig)" in page
    listed = client.get("/steuerung/naechste-schritte/?zeige=alle").content.decode()
    assert f"<td>{today.year}</td>" in listed
    dashboard = client.get("/steuerung/").context
    assert dashboard["overdue_count"] == 1


def test_status_update_next_steps_keep_their_precision(people, client):
    cycle = open_cycle(people.ki)
    update = cycle.updates.get(measure_key="C1")
    client.force_login(people.owner)
    url = f"/steuerung/berichtsrunden/{cycle.key}/C1/"
    response = client.post(
        url, form_data(update, next_steps_text="Räume suchen | Q3 2030 | KI\nFlyer | Sommer")
    )
    assert "Zeile 2: „Sommer“ ist kein Datum" in response.content.decode()
    client.post(url, form_data(update, next_steps_text="Räume suchen | Q3 2030 | KI"))
    update.refresh_from_db()
    assert update.next_steps[0]["due_date"] == "3. Quartal 2030"
    assert logic.next_step_line(update.next_steps[0]) == "Räume suchen | 3. Quartal 2030 | KI"


def test_steering_spreadsheet_writes_and_reads_due_dates_as_written(people, client):
    from tests.test_steering_spreadsheet import column, export, row_of, upload

    m.NextStep.objects.filter(measure__key="C1").update(
        done=False, due_date=datetime.date(2030, 9, 30), due_precision="quarter"
    )
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    sheet = book.active
    cell = sheet.cell(row_of(sheet, "C1"), column(sheet, "next_steps"))
    assert "| 3. Quartal 2030" in cell.value
    assert all(not row["changes"] for row in upload(client, cycle, book).context["plan"]["rows"])
    cell.value = cell.value.replace("3. Quartal 2030", "2. HJ 2031")
    upload(client, cycle, book, confirm=True)
    assert cycle.updates.get(measure_key="C1").next_steps[0]["due_date"] == "2. Halbjahr 2031"


def test_the_second_demo_gives_years_and_half_years_and_funders(db, client):
    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    page = client.get("/portal/de/massnahmen/1.2/").content.decode()
    assert "2. Halbjahr 2021 – fortlaufend" in page
    assert "Land Hessen (WIR-Programm): 8.000,00 EUR" in page
    assert "2023 – 2026" in client.get("/portal/de/massnahmen/1.1/").content.decode()
    report = render.render(Snapshot.objects.get(), "html").decode()
    assert (
        "Europäischer Sozialfonds Plus (ESF Plus): 96.000,00 EUR; Stadt Lindenhain: 24.000,00 EUR" in report
    )
    assert "2. Halbjahr 2025" in report


@pytest.mark.parametrize(
    "first, last, shown",
    [
        (datetime.date(2025, 9, 21), None, "21.09.2025"),
        (datetime.date(2025, 9, 21), datetime.date(2025, 9, 28), "21.–28.09.2025"),
        (datetime.date(2025, 9, 30), datetime.date(2025, 10, 2), "30.09.–02.10.2025"),
        ("2025-12-29", "2026-01-02", "29.12.2025–02.01.2026"),
    ],
)
def test_a_span_of_days_is_written_the_short_german_way(first, last, shown):
    assert periods.format_span(first, last) == shown


EVENT = """\
format_version: 1
municipality: {key: musterstadt, name: Stadt Musterstadt, ags: "06412000"}
concept: {key: ik-musterstadt, title: Integrationskonzept Musterstadt}
bodies:
  - {key: beirat, name: Ausländerbeirat, kind: advisory_council}
meetings:
  - {key: iwo, body: beirat, date: 2025-09-21, end_date: 2025-09-28, title: Interkulturelle Woche, kind: event}
"""


def test_an_event_of_several_days_is_reported_with_its_span(db):
    load(EVENT)
    assert m.Meeting.objects.get().when == "21.–28.09.2025"
    snapshot = snapshots.create("Bericht", datetime.date(2025, 12, 31))
    from imon.reports.render_html import html

    assert "21.–28.09.2025: Interkulturelle Woche" in html(document.build(snapshot.data))


def test_an_event_cannot_end_before_it_begins(db):
    from imon.core.conceptfile import ConceptFileError

    with pytest.raises(ConceptFileError) as caught:
        load(EVENT.replace("end_date: 2025-09-28", "end_date: 2025-09-20"))
    assert [str(p) for p in caught.value.problems] == [
        "meetings[0].end_date: Der letzte Tag kann nicht vor dem ersten liegen."
    ]
