"""One German label per field everywhere: the owner's form, the status update and measure pages,
the history, the spreadsheet's columns, the import preview and the conflict box all name a field
by its model field's verbose name; no internal name (traffic_light, progress, green) reaches the
page, and a row with errors says it was not taken over instead of "keine Änderung"."""

import pytest
from django.utils.text import capfirst

from imon.steering import logic
from imon.steering.models import StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle
from tests.test_steering_spreadsheet import column, export, row_of, upload

people = steering.people  # the personas fixture

# The one label of each field (by hand, from the staff's vocabulary).
LABELS = {
    "obstacles": "Hemmnisse",
    "funding": "Drittmittel (EUR)",
    "staff": "Personal (Vollzeitäquivalente)",
    "progress": "Fortschritt (%)",
    "traffic_light": "Ampel",
    "cost": "Kosten (EUR)",
}
SECOND_NAMES = ["Hindernisse", "Fördermittel", "Personal (VZÄ)"]


@pytest.mark.parametrize("name", logic.STATE_FIELDS)
def test_the_spreadsheet_column_is_the_model_label(db, name):
    assert str(dict(logic.COLUMNS)[name]) == capfirst(StatusUpdate._meta.get_field(name).verbose_name)


def test_every_page_uses_the_same_label(people, client):
    cycle = open_cycle(people.ki)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    client.force_login(people.external)
    url = f"/steuerung/berichtsrunden/{cycle.key}/D1/"
    client.post(url, form_data(update, obstacles="Raum fehlt", funding="100", progress="20"))
    client.force_login(people.ki)
    pages = {
        "form": client.get(url).content.decode(),
        "measure": client.get("/steuerung/massnahmen/D1/").content.decode(),
    }
    client.force_login(people.reviewer)  # reads the status update without the form
    pages["update"] = client.get(url).content.decode()
    for where, page in pages.items():
        for label in LABELS.values():
            assert label in page, f"{label} missing on {where}"
        for other in SECOND_NAMES:
            assert other not in page, f"{other} on {where}"
    history = pages["update"].split('<table class="history">')[1]
    assert "<td>Hemmnisse</td>" in history and "<td>Drittmittel (EUR)</td>" in history
    assert "<td>obstacles</td>" not in history


def test_the_import_preview_shows_labels_and_says_what_is_wrong(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    sheet = book.active
    sheet.cell(row_of(sheet, "D1"), column(sheet, "traffic_light")).value = "grün"
    sheet.cell(row_of(sheet, "D1"), column(sheet, "obstacles")).value = "Kein Raum"
    sheet.cell(row_of(sheet, "C1"), column(sheet, "progress")).value = 150
    page = upload(client, cycle, book).content.decode()
    preview = page.split("<caption>")[1]
    assert "Ampel: <del>(leer)</del> → <ins>grün: im Plan</ins>" in preview
    assert "Hemmnisse: <del>(leer)</del> → <ins>Kein Raum</ins>" in preview
    for internal in ("traffic_light", "obstacles:", "green", "progress"):
        assert internal not in preview
    c1 = preview.split('id="row-')[1:]
    c1_row = next(row for row in c1 if "<td>C1</td>" in row)
    assert "Nicht übernommen: Die Zeile hat Fehler" in c1_row and "keine Änderung" not in c1_row
    assert "Fortschritt (%): höchstens 100." in c1_row


def test_files_exported_with_the_old_headers_are_still_read(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.ki)
    book = export(client, cycle)
    sheet = book.active
    sheet.cell(1, column(sheet, "obstacles")).value = "Hindernisse"
    sheet.cell(1, column(sheet, "funding")).value = "Fördermittel (EUR)"
    sheet.cell(1, column(sheet, "staff")).value = "Personal (VZÄ)"
    response = upload(client, cycle, book)
    assert response.context["plan"]["errors"] == 0
