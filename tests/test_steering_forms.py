"""The owner's form for daily use: what was typed survives a conflict, the previous cycle's values
stand beside the fields (read out with them), and at 1280 px the form uses the width of the screen."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from imon.core import conceptfile
from imon.core import models as m
from imon.steering import services
from imon.steering.models import MeasureOwner, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle
from tests.test_steering_browser import PASSWORD, shot
from tests.test_steering_locking import measure_form

people = steering.people  # the personas fixture


def test_after_a_conflict_the_typed_status_update_stays_and_can_be_sent_again(people):
    cycle = open_cycle(people.ki)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="C1")
    olga, anna = Client(), Client()
    olga.force_login(people.owner)
    anna.force_login(people.ki)
    url = f"/steuerung/berichtsrunden/{cycle.key}/C1/"
    seen = olga.get(url).context["form"].initial["seen_at"].isoformat()
    assert anna.post(url, form_data(update, progress=70, seen_at=seen)).status_code == 302

    typed = form_data(update, progress=10, results="Drei Lotsinnen geschult", seen_at=seen)
    refused = olga.post(url, typed)
    page = refused.content.decode()
    assert "Nicht gesendet" in page and "Ihre Eingaben sind im Formular erhalten" in page
    assert "Drei Lotsinnen geschult</textarea>" in page
    assert re.search(r'name="progress" value="10"', page)
    form = refused.context["form"]
    assert form["version"].value() == "2"  # the version stored now: sending again is deliberate

    again = {name: form[name].value() or "" for name in typed if name != "seen_at"}
    again["seen_at"] = form["seen_at"].value()
    assert olga.post(url, again).status_code == 302
    update.refresh_from_db()
    assert (update.progress, update.results, update.submitted_by) == (
        10,
        "Drei Lotsinnen geschult",
        people.owner,
    )


def test_after_a_conflict_the_typed_measure_stays(people, client):
    c1 = m.Measure.objects.get(key="C1")
    erik, olga = Client(), Client()
    erik.force_login(people.editor)
    olga.force_login(people.owner)
    seen = olga.get("/steuerung/massnahmen/C1/bearbeiten/").context["form"].initial["seen_at"].isoformat()
    erik.post("/steuerung/massnahmen/C1/bearbeiten/", measure_form(c1, progress=60, version=1, seen_at=seen))
    refused = olga.post(
        "/steuerung/massnahmen/C1/bearbeiten/",
        measure_form(c1, progress=20, results="Olgas Text", version=1, seen_at=seen),
    )
    page = refused.content.decode()
    assert "Nicht gespeichert" in page and "Olgas Text</textarea>" in page
    assert refused.context["form"]["version"].value() == "2"


def _cycle_with_accepted_c1(ki):
    """A closed first cycle in which C1 reported progress 40, 0,5 staff and a next step."""
    first = open_cycle(ki, "1. Umsetzungsbericht", datetime.date(2025, 12, 31), datetime.date(2025, 11, 30))
    for update in StatusUpdate.objects.filter(cycle=first).select_related("cycle"):
        values = services._update_values(update)
        if update.measure_key == "C1":
            values.update(
                progress=40,
                staff="0.5",
                results="Willkommensordner entworfen",
                next_steps=[{"text": "Druck beauftragen", "due_date": "2026-03", "responsible": ""}],
            )
        services.submit_update(update, values, update.version, None)
        services.review_update(update, True, "", None)
    services.approve_cycle(first, ki)
    return first


def test_the_previous_cycle_stands_beside_each_field(people):
    _cycle_with_accepted_c1(people.ki)
    second = open_cycle(people.ki)
    olga = Client()
    olga.force_login(people.owner)
    page = olga.get(f"/steuerung/berichtsrunden/{second.key}/C1/").content.decode()
    assert "Vorige Berichtsrunde (1. Umsetzungsbericht):" in page
    assert re.search(r'id="id_progress_previous">.*?<span class="pre">40 %</span>', page, re.S)
    assert re.search(r'id="id_staff_previous">.*?<span class="pre">0,5</span>', page, re.S)
    assert "Druck beauftragen | 03/2026" in page
    # A screen reader reads the previous value with the field.
    assert re.search(r'name="progress"[^>]*aria-describedby="[^"]*id_progress_previous', page)


def test_the_first_cycle_shows_no_previous_values(people):
    cycle = open_cycle(people.ki)
    olga = Client()
    olga.force_login(people.owner)
    page = olga.get(f"/steuerung/berichtsrunden/{cycle.key}/C1/").content.decode()
    assert "Vorige Berichtsrunde" not in page and "_previous" not in page


@pytest.fixture
def site(transactional_db, live_server, demo_text, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    conceptfile.load_text(demo_text)
    anna = django_user_model.objects.create_superuser("anna", "anna@example.org", PASSWORD)
    anna.user_permissions.add(Permission.objects.get(codename="approve_cycle"))
    olga = django_user_model.objects.create_user("olga", "olga@example.org", PASSWORD)
    MeasureOwner.objects.create(user=olga, measure=m.Measure.objects.get(key="C1"))
    return live_server.url, anna


def _olga_at(browser, url, width):
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(url.split("/steuerung")[0] + "/anmelden/")
    page.get_by_label("Benutzername").fill("olga")
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    page.goto(url)
    return page


def test_the_form_uses_the_width_of_the_screen(site, browser):
    url, anna = site
    cycle = open_cycle(anna)
    page = _olga_at(browser, f"{url}/steuerung/berichtsrunden/{cycle.key}/C1/", 1280)
    status = page.locator("label[for=id_status]").bounding_box()
    progress = page.locator("label[for=id_progress]").bounding_box()
    assert abs(status["y"] - progress["y"]) < 5 and progress["x"] > status["x"] + 300  # side by side
    results = page.get_by_label("Ergebnisse").bounding_box()
    assert results["width"] > 900  # long texts take the whole width
    shot(page, "update-form")


def test_the_previous_values_stand_beside_the_fields_at_1280_and_below_at_320(site, browser):
    url, anna = site
    _cycle_with_accepted_c1(anna)
    cycle = open_cycle(anna)
    for width in (1280, 320):
        page = _olga_at(browser, f"{url}/steuerung/berichtsrunden/{cycle.key}/C1/", width)
        field = page.get_by_label("Fortschritt (%)").bounding_box()
        previous = page.locator("#id_progress_previous").bounding_box()
        assert "40 %" in page.locator("#id_progress_previous").inner_text()
        if width == 1280:
            assert previous["x"] > field["x"] + field["width"] - 5 and previous["y"] < field["y"] + 40
        else:
            assert previous["y"] > field["y"] + field["height"] - 1
        shot(page, f"update-form-previous-{width}")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1).map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
