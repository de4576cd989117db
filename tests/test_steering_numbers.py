"""German numbers in the staff forms: staff, cost and the other controlling figures are typed the
German way (0,5; 1234,50; 1.234,50) into text inputs with inputmode="decimal" and read by the same
rule as the spreadsheet import; stored numbers are shown the German way; what is ambiguous is
refused with a German message. Browsers' number inputs dropped the comma: 0,5 became 5."""

from decimal import Decimal

import pytest
from django.utils import translation

from imon.core import conceptfile
from imon.core import models as m
from imon.steering import logic
from imon.steering.models import MeasureOwner, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle

people = steering.people  # the personas fixture


@pytest.mark.parametrize(
    "text, whole, expected",
    [
        ("0,5", False, Decimal("0.5")),
        ("1234,50", False, Decimal("1234.50")),
        ("1.234,50", False, Decimal("1234.50")),
        ("12.500,00", False, Decimal("12500")),
        ("1.234.567", False, Decimal("1234567")),
        (" 7 ", False, Decimal("7")),
        ("1.234", True, 1234),  # a whole number: the point can only group thousands
        ("12", True, 12),
        ("", False, None),
        (None, True, None),
        (0.5, False, Decimal("0.5")),  # a number cell of a spreadsheet
    ],
)
def test_german_figures_are_read(text, whole, expected):
    assert logic.parse_figure(text, whole=whole) == expected


@pytest.mark.parametrize(
    "text, whole, message",
    [
        (
            "1.234",
            False,
            "„1.234“ ist mehrdeutig: Schreiben Sie 1234 (ohne Punkt) oder 1,234 (mit Dezimalkomma).",
        ),
        ("12.500", False, "„12.500“ ist mehrdeutig"),
        ("1,234.50", False, "„1,234.50“ ist keine Zahl"),
        ("viel", False, "„viel“ ist keine Zahl; schreiben Sie sie deutsch, z. B. 1.234,50."),
        ("-3", False, "„-3“ ist kleiner als null."),
        ("0,125", False, "„0,125“ hat mehr als 2 Nachkommastellen."),
        ("2,5", True, "„2,5“ ist keine ganze Zahl."),
    ],
)
def test_what_is_not_clear_is_refused_in_german(text, whole, message):
    with translation.override("de"), pytest.raises(ValueError) as error:
        logic.parse_figure(text, whole=whole)
    assert message in str(error.value)


def test_the_spreadsheet_reads_figures_by_the_same_rule():
    with translation.override("de"):
        values, errors = logic.validate_row(
            {"status": "planned", "staff": "0,5", "cost": "1.234", "participants": "1.200"},
            {"planned": "geplant"},
            {},
        )
    assert values["staff"] == Decimal("0.5") and values["participants"] == 1200
    assert errors == [
        "Kosten (EUR): „1.234“ ist mehrdeutig: Schreiben Sie 1234 (ohne Punkt) oder 1,234 (mit Dezimalkomma)."
    ]


def owner_form(client, people):
    cycle = open_cycle(people.ki)
    client.force_login(people.external)
    return cycle, f"/steuerung/berichtsrunden/{cycle.key}/D1/"


def test_the_owner_form_stores_german_numbers_and_shows_them_german(people, client):
    cycle, url = owner_form(client, people)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    page = client.get(url).content.decode()
    for name in ("staff", "cost", "funding"):
        assert f'type="text" name="{name}"' in page and 'inputmode="decimal"' in page
    assert 'type="number"' not in page
    response = client.post(
        url, form_data(update, staff="0,5", cost="1234,50", funding="12.000,00", participants="1.200")
    )
    assert response.status_code == 302, response.context["form"].errors
    update.refresh_from_db()
    assert (update.staff, update.cost, update.funding, update.participants) == (
        Decimal("0.5"),
        Decimal("1234.50"),
        Decimal("12000"),
        1200,
    )
    page = client.get(url).content.decode()
    assert 'value="1.234,50"' in page and 'value="0,5"' in page and 'value="12.000,00"' in page
    assert 'value="1.200"' in page
    assert "1234.50" not in page  # not in the history either
    assert "1.234,50" in page.split("<table")[-1]  # the history shows what was typed, German


def test_ambiguous_and_wrong_numbers_are_refused_and_nothing_is_stored(people, client):
    cycle, url = owner_form(client, people)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    response = client.post(url, form_data(update, staff="1.250", cost="12,3,4"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "„1.250“ ist mehrdeutig: Schreiben Sie 1250 (ohne Punkt) oder 1,250 (mit Dezimalkomma)." in page
    assert "„12,3,4“ ist keine Zahl" in page
    assert 'value="1.250"' in page  # what was typed stays in the field
    fresh = StatusUpdate.objects.get(pk=update.pk)
    assert (fresh.staff, fresh.cost, fresh.version, fresh.state) == (
        update.staff,
        update.cost,
        update.version,
        "open",
    )


def test_the_measure_page_shows_figures_german(people, client):
    measure = m.Measure.objects.get(key="D1")
    measure.staff, measure.cost, measure.participants = Decimal("0.50"), Decimal("1234.50"), 1200
    measure.save()
    client.force_login(people.ki)
    page = client.get("/steuerung/massnahmen/D1/").content.decode()
    assert "<dd>0,5</dd>" in page and "<dd>1.234,50</dd>" in page and "<dd>1.200</dd>" in page


@pytest.fixture
def site(transactional_db, live_server, demo_text, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # the test reads the database while Playwright runs
    conceptfile.load_text(demo_text)
    anna = django_user_model.objects.create_superuser("anna", "anna@example.org", steering.PASSWORD)
    emil = django_user_model.objects.create_user("emil", "emil@example.org", steering.PASSWORD)
    MeasureOwner.objects.create(user=emil, measure=m.Measure.objects.get(key="D1"))
    open_cycle(anna)
    return live_server.url


def test_decimal_commas_typed_in_chromium_are_stored(site, browser):
    """Emil types 0,5 staff and 1234,50 EUR cost with the keyboard, as he writes them on paper."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE").new_page()
    page.goto(f"{site}/steuerung/aufgaben/")
    page.get_by_label("Benutzername").fill("emil")
    page.get_by_label("Passwort").fill(steering.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    update = StatusUpdate.objects.get(measure_key="D1")
    page.goto(f"{site}/steuerung/berichtsrunden/{update.cycle.key}/D1/")
    for name, text in (("staff", "0,5"), ("cost", "1234,50")):
        page.locator(f"input[name={name}]").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    page.get_by_role("button", name="Sachstand einreichen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Vielen Dank").is_visible()
    update.refresh_from_db()
    assert (update.staff, update.cost, update.state) == (Decimal("0.5"), Decimal("1234.50"), "submitted")
    assert page.locator("input[name=cost]").input_value() == "1.234,50"
    assert page.locator("input[name=staff]").input_value() == "0,5"
