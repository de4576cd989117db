"""Bulk update by spreadsheet: export all status updates of a cycle, edit offline, re-import with a
preview and row-level German errors; same columns both ways, keyed by the measure key."""

import io

import openpyxl

from imon.steering import logic
from imon.steering.models import Change, StatusUpdate
from tests import steering
from tests.steering import open_cycle

people = steering.people  # the personas fixture


def export(client, cycle):
    response = client.get(f"/steuerung/berichtsrunden/{cycle.key}/tabelle.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def upload(client, cycle, book, confirm=False):
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "sachstand.xlsx"
    response = client.post(f"/steuerung/berichtsrunden/{cycle.key}/tabelle/", {"file": buffer})
    if confirm:
        token = response.context["token"]
        return client.post(f"/steuerung/berichtsrunden/{cycle.key}/tabelle/", {"token": token})
    return response


def column(sheet, name):
    header = [c.value for c in sheet[1]]
    return header.index(str(dict(logic.COLUMNS)[name])) + 1


def row_of(sheet, key):
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == key)


def test_export_has_the_import_columns_and_one_row_per_measure(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    sheet = export(client, cycle).active
    assert [c.value for c in sheet[1]] == [
        "Schlüssel",
        "Handlungsfeld",
        "Titel",
        "Status",
        "Fortschritt (%)",
        "Ampel",
        "Begründung der Ampel",
        "Ergebnisse",
        "Hemmnisse",
        "Nächste Schritte",
        "Teilnehmende",
        "Personal (Vollzeitäquivalente)",
        "Stunden",
        "Kosten (EUR)",
        "Drittmittel (EUR)",
        "Wirkung",
        "Version",
    ]
    assert sheet.max_row == 1 + cycle.updates.count()
    c1 = row_of(sheet, "C1")
    assert sheet.cell(c1, column(sheet, "status")).value == "in Umsetzung"
    assert "Willkommensordner" in sheet.cell(c1, column(sheet, "next_steps")).value


def test_unchanged_export_reimports_without_changes(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    plan = upload(client, cycle, export(client, cycle)).context["plan"]
    assert plan["errors"] == 0 and all(row["changes"] == [] for row in plan["rows"])


def test_edited_rows_are_previewed_then_submitted(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    sheet = book.active
    r = row_of(sheet, "D1")
    sheet.cell(r, column(sheet, "progress")).value = 40
    sheet.cell(r, column(sheet, "cost")).value = "2.500,00"
    sheet.cell(r, column(sheet, "status")).value = "verzögert"
    preview = upload(client, cycle, book)
    page = preview.content.decode()
    assert (
        "Vorschau" in page
        and "Fortschritt (%): <del>(leer)</del> → <ins>40</ins>" in page
        and "2.500" in page
    )
    assert "Status: <del>in Umsetzung</del> → <ins>verzögert</ins>" in page
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="D1").progress is None  # nothing written yet
    done = upload(client, cycle, book, confirm=True)
    assert done.status_code == 302
    d1 = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    assert (d1.progress, str(d1.cost), d1.status, d1.state, d1.submitted_by) == (
        40,
        "2500.00",
        "delayed",
        "submitted",
        people.ki,
    )
    assert (
        StatusUpdate.objects.get(cycle=cycle, measure_key="C1").state == "open"
    )  # unchanged rows stay as they were
    assert Change.objects.filter(cycle=cycle, object_key=f"{cycle.key}/D1", field="cost").get().new == "2.500"


def test_row_errors_in_german_and_nothing_written(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    sheet = book.active
    sheet.cell(row_of(sheet, "C1"), column(sheet, "progress")).value = 150
    sheet.cell(row_of(sheet, "D1"), column(sheet, "traffic_light")).value = "rot"
    sheet.cell(row_of(sheet, "D2"), 1).value = "X99"
    sheet.cell(row_of(sheet, "D3"), column(sheet, "next_steps")).value = "Termin | 32.13.2027"
    response = upload(client, cycle, book)
    page = response.content.decode()
    plan = response.context["plan"]
    assert plan["errors"] == 4
    assert "Es gibt ein Problem" in page and "Einlesen bestätigen" not in page and 'name="token"' not in page
    errors = {row["key"]: " ".join(row["errors"]) for row in plan["rows"] if row["errors"]}
    assert "höchstens 100" in errors["C1"]
    assert "Begründung" in errors["D1"]
    assert "„X99“ hat in dieser Berichtsrunde keinen Sachstand" in errors["X99"]
    assert "Zeile 1: „32.13.2027“ ist kein Datum" in errors["D3"]
    assert not StatusUpdate.objects.filter(cycle=cycle).exclude(state="open").exists()


def test_rows_changed_since_the_export_are_refused(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="C1")
    StatusUpdate.objects.filter(pk=update.pk).update(version=update.version + 1, progress=10)
    sheet = book.active
    sheet.cell(row_of(sheet, "C1"), column(sheet, "progress")).value = 90
    errors = upload(client, cycle, book).context["plan"]["rows"]
    assert any("Seit dem Export von jemand anderem geändert" in e for row in errors for e in row["errors"])


def test_a_file_without_the_columns_is_refused(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = openpyxl.Workbook()
    book.active.append(["Maßnahme", "Wert"])
    page = upload(client, cycle, book).content.decode()
    assert "Es fehlen Spalten" in page


def test_documentation_names_every_column():
    from pathlib import Path

    from django.utils import translation

    doc = (Path(__file__).parent.parent / "docs" / "steering.md").read_text(encoding="utf-8")
    with translation.override("de"):
        for _name, label in logic.COLUMNS:
            assert f"| {label} |" in doc, label
