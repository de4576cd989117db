"""A full reporting cycle in a real browser (Playwright driving Debian's Chromium), operated with
the keyboard: the KI opens the cycle, two owners submit, one is returned and resubmits, the
reviewer approves; the snapshot exists and the report rendered from it shows the new status.

With IMON_SCREENSHOTS=<folder> the test also saves screenshots of the dashboard, a measure page
and the owner's form."""

import datetime
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from imon.core import conceptfile
from imon.core import models as m
from imon.reports import render as rendering
from imon.steering import services
from imon.steering.models import MeasureOwner, ReportingCycle, StatusUpdate
from tests.browsing import axe_violations

PASSWORD = "sicheres-passwort-9"


@pytest.fixture
def site(transactional_db, live_server, demo_text, django_user_model, monkeypatch):
    monkeypatch.setenv(
        "DJANGO_ALLOW_ASYNC_UNSAFE", "1"
    )  # the test reads the database while Playwright's loop runs
    conceptfile.load_text(demo_text)
    django_user_model.objects.create_superuser("anna", "anna@example.org", PASSWORD)
    rita = django_user_model.objects.create_user("rita", "rita@example.org", PASSWORD)
    rita.user_permissions.add(Permission.objects.get(codename="approve_cycle"))
    for name, key in (("olga", "C1"), ("emil", "D1")):
        user = django_user_model.objects.create_user(name, f"{name}@example.org", PASSWORD)
        MeasureOwner.objects.create(user=user, measure=m.Measure.objects.get(key=key))
    return live_server.url


def log_in(browser, site, name):
    """A fresh browser session, logged in through the login form with the keyboard only."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{site}/steuerung/")
    assert "/anmelden/" in page.url
    assert page.evaluate("document.activeElement.id") == "id_username"  # the user name field has the focus
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the first stop on every page: the skip link
    assert page.evaluate("document.activeElement.className") == "skip-link"
    return page


def type_into(page, label, text, exact=False):
    field = page.get_by_label(label, exact=exact)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def submit(page, button):
    page.get_by_role("button", name=button).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def shot(page, name):
    folder = os.environ.get("IMON_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_full_cycle_in_the_browser(site, browser):
    anna = log_in(browser, site, "anna")
    anna.goto(f"{site}/steuerung/berichtsrunden/")
    type_into(anna, "Titel", "2. Umsetzungsbericht")
    type_into(anna, "Berichtsstichtag", "31.12.2026")
    deadline = datetime.date.today() + datetime.timedelta(days=30)  # a deadline in the past is refused
    type_into(anna, "Frist für die Sachstände", deadline.strftime("%d.%m.%Y"))
    submit(anna, "Berichtsrunde eröffnen")
    assert "Die Berichtsrunde wurde eröffnet" in anna.content()
    cycle = ReportingCycle.objects.get()

    # Olga reports C1: status completed, with the keyboard.
    olga = log_in(browser, site, "olga")
    assert olga.url.endswith("/steuerung/aufgaben/")
    olga.get_by_role("link", name="C1").focus()
    with olga.expect_navigation():
        olga.keyboard.press("Enter")
    olga.get_by_label("Status", exact=True).select_option("completed")
    type_into(olga, "Fortschritt (%)", "100")
    type_into(olga, "Ergebnisse", "Willkommensordner an alle Beratungsstellen verteilt")
    shot(olga, "owner-form")
    submit(olga, "Sachstand einreichen")
    assert "Vielen Dank" in olga.content()

    # Emil (welfare association) reports D1 with a red light and forgets the reason: error summary first.
    emil = log_in(browser, site, "emil")
    emil.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/D1/")
    emil.get_by_label("Ampel", exact=True).select_option("red")
    type_into(emil, "Fortschritt (%)", "20")
    submit(emil, "Sachstand einreichen")
    summary = emil.locator(".error-summary")
    assert "Es gibt ein Problem" in summary.inner_text()
    summary.get_by_role("link").first.focus()
    emil.keyboard.press("Enter")
    assert emil.evaluate("document.activeElement.id") == "id_traffic_light_reason"
    emil.keyboard.type("Daten fehlen noch")
    submit(emil, "Sachstand einreichen")
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="D1").state == "submitted"

    # The KI returns D1 with a comment and accepts C1.
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/D1/")
    anna.get_by_label("An die verantwortliche Person zurückgeben").check()
    type_into(anna, "Kommentar", "Bitte den Fortschritt begründen.")
    submit(anna, "Entscheidung speichern")
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    anna.get_by_label("Annehmen").check()
    submit(anna, "Entscheidung speichern")
    assert "Der Sachstand wurde angenommen" in anna.content()

    # Emil reads the comment and resubmits.
    emil.goto(f"{site}/steuerung/aufgaben/")
    assert "zurückgegeben" in emil.content()
    emil.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/D1/")
    assert "Bitte den Fortschritt begründen." in emil.content()
    type_into(emil, "Fortschritt (%)", "35")
    type_into(emil, "Ergebnisse", "Wohnbedarf von 640 Haushalten erhoben")
    submit(emil, "Erneut einreichen")
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/D1/")
    anna.get_by_label("Annehmen").check()
    submit(anna, "Entscheidung speichern")

    # Measures without an owner: the KI reports them itself (through the same functions as the pages).
    for update in StatusUpdate.objects.filter(cycle=cycle, state="open").select_related("cycle"):
        services.submit_update(update, services._update_values(update), update.version, None)
        services.review_update(update, True, "", None)

    anna.goto(f"{site}/steuerung/massnahmen/C1/")
    shot(anna, "measure")
    anna.goto(f"{site}/steuerung/")
    shot(anna, "dashboard")

    # The reviewer approves; the snapshot is frozen and the cycle closed.
    rita = log_in(browser, site, "rita")
    rita.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/")
    rita.get_by_role("link", name="Prüfen und freigeben …").click()
    assert "kann danach nicht mehr geändert werden" in rita.content()  # what will be frozen, first
    submit(rita, "Freigeben und Berichtsrunde abschließen")
    assert "Momentaufnahme 1 ist eingefroren" in rita.content()
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.snapshot.number == 1
    html = rendering.render(cycle.snapshot, "html").decode()
    assert (
        "Willkommensordner an alle Beratungsstellen verteilt" in html
        and "Wohnbedarf von 640 Haushalten erhoben" in html
    )
    assert "abgeschlossen" in html
    # The history page of the cycle shows every step.
    rita.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/")
    history = rita.locator("table.history").inner_text()
    for text in (
        "Berichtsrunde eröffnet",
        "eingereicht",
        "zurückgegeben",
        "angenommen",
        "freigegeben",
        "Bitte den Fortschritt begründen.",
    ):
        assert text in history
    shot(rita, "cycle")


def test_staff_pages_have_no_axe_violations(site, browser):
    """axe-core (WCAG 2.1 A and AA rules) on every steering page type, including a form with errors."""
    anna = log_in(browser, site, "anna")
    cycle = services.open_cycle(
        m.Concept.objects.get(),
        "2. Umsetzungsbericht",
        datetime.date(2026, 12, 31),
        datetime.date(2026, 11, 30),
        None,
    )
    pages = [
        "/steuerung/",
        "/steuerung/aufgaben/",
        "/steuerung/handlungsfelder/ik-leverkusen-2017/C/",
        "/steuerung/ziele/C-Z1/",
        "/steuerung/massnahmen/C1/",
        "/steuerung/massnahmen/C1/bearbeiten/",
        "/steuerung/gremien/verwaltungsvorstand/",
        "/steuerung/naechste-schritte/?zeige=alle",
        "/steuerung/berichtsrunden/",
        f"/steuerung/berichtsrunden/{cycle.key}/",
        f"/steuerung/berichtsrunden/{cycle.key}/C1/",
        f"/steuerung/berichtsrunden/{cycle.key}/tabelle/",
        "/steuerung/papierkorb/",
    ]
    problems = []
    for path in pages:
        anna.goto(site + path)
        problems += [f"{path}: {v}" for v in axe_violations(anna)]
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    anna.get_by_label("Ampel", exact=True).select_option("red")
    submit(anna, "Sachstand einreichen")
    assert anna.locator(".error-summary").count() == 1
    problems += [f"form with errors: {v}" for v in axe_violations(anna)]
    assert anna.evaluate("async () => (await axe.run(document)).passes.length") > 10  # axe really ran
    assert not problems, "\n".join(problems)
