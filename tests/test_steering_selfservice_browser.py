"""A whole reporting cycle in Chromium without the Django admin and without a shell: the office
invites an owner and a reviewer and gives their roles, opens the cycle and moves its deadline; the
owner sets the password by the e-mailed link, saves a draft, submits; the office returns it, the
owner resubmits, the office accepts, the reviewer approves after the confirmation page, downloads
the report and publishes the snapshot; the portal shows the accepted update only then.

With IMON_SCREENSHOTS=<folder> the test saves screenshots (1280 px) of the new pages."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core import mail
from pypdf import PdfReader

from imon.core import conceptfile
from imon.steering import services
from imon.steering.models import ReportingCycle, StatusUpdate
from tests.browsing import axe_violations
from tests.test_steering_browser import PASSWORD, shot, submit, type_into

NORA_PASSWORD = "noras-eigenes-passwort-7"
ROLF_PASSWORD = "rolfs-eigenes-passwort-8"


@pytest.fixture
def site(transactional_db, live_server, demo_text, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    conceptfile.load_text(demo_text)
    django_user_model.objects.create_superuser("anna", "anna@example.org", PASSWORD)  # set up at install
    return live_server.url


def new_page(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def log_in(page, site, username, password):
    page.goto(f"{site}/anmelden/")
    type_into(page, "Benutzername", username)
    type_into(page, "Passwort", password)
    submit(page, "Anmelden")


def invite(anna, site, email, first_name):
    anna.goto(f"{site}/steuerung/")
    anna.get_by_role("link", name="Personen und Rollen").click()
    type_into(anna, "E-Mail-Adresse", email)
    type_into(anna, "Vorname", first_name)
    submit(anna, "Einladung senden")
    assert "wurde eingeladen" in anna.content()


def set_password(browser, site, email, password):
    """The invited person follows the link of the invitation and sets a password."""
    body = [m.body for m in mail.outbox if m.to == [email] and m.subject.startswith("Einladung")][-1]
    link = re.search(r"(/konto/passwort/\S+/)", body).group(1)
    page = new_page(browser)
    page.goto(site + link)
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    page.locator("#id_new_password2").press("Enter")
    page.wait_for_load_state()
    log_in(page, site, email, password)
    return page


def test_a_whole_cycle_without_the_admin(site, browser):
    anna = new_page(browser)
    log_in(anna, site, "anna", PASSWORD)

    invite(anna, site, "nora@example.org", "Nora")
    anna.get_by_label("C1 –").check()
    submit(anna, "Rollen speichern")
    assert "wurden gespeichert" in anna.content()
    shot(anna, "person")
    assert not axe_violations(anna)
    invite(anna, site, "rolf@example.org", "Rolf")
    anna.get_by_label("Prüfung und Freigabe").check()
    submit(anna, "Rollen speichern")
    anna.goto(f"{site}/steuerung/personen/")
    shot(anna, "people")
    assert not axe_violations(anna)

    anna.goto(f"{site}/steuerung/berichtsrunden/")
    type_into(anna, "Titel", "2. Umsetzungsbericht")
    type_into(anna, "Berichtsstichtag", "31.12.2030")
    deadline = datetime.date.today() + datetime.timedelta(days=30)
    type_into(anna, "Frist für die Sachstände", deadline.strftime("%d.%m.%Y"))
    submit(anna, "Berichtsrunde eröffnen")
    cycle = ReportingCycle.objects.get()
    later = deadline + datetime.timedelta(days=14)
    type_into(anna, "Neue Frist", later.strftime("%d.%m.%Y"))
    type_into(anna, "Erinnerung alle … Tage", "7")
    submit(anna, "Frist und Erinnerungen speichern")
    assert f"Die Frist wurde auf '{later.strftime('%d.%m.%Y')}' geändert." in anna.inner_text("body")
    assert "alle 7 Tage" in anna.inner_text("body")
    assert "Nora" in anna.locator("table", has_text="Aufgaben").inner_text()
    shot(anna, "cycle")
    assert not axe_violations(anna)
    anna.get_by_role("link", name="ändern (D1)").click()
    shot(anna, "owners")
    assert not axe_violations(anna)

    nora = set_password(browser, site, "nora@example.org", NORA_PASSWORD)
    assert nora.url.endswith("/steuerung/aufgaben/")
    nora.get_by_role("link", name="C1").click()
    type_into(nora, "Ergebnisse", "Erste Notizen")
    submit(nora, "Als Entwurf speichern")
    assert "Der Entwurf wurde gespeichert" in nora.content()
    shot(nora, "draft")
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    assert "Entwurf gespeichert, nicht eingereicht" in anna.content()
    assert anna.get_by_role("button", name="Entscheidung speichern").count() == 0
    type_into(nora, "Ergebnisse", "Willkommensordner verteilt")
    submit(nora, "Sachstand einreichen")
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="C1").state == "submitted"

    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    anna.get_by_label("An die verantwortliche Person zurückgeben").check()
    type_into(anna, "Kommentar", "Bitte die Zahl der Ordner nennen.")
    submit(anna, "Entscheidung speichern")
    nora.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    assert "Bitte die Zahl der Ordner nennen." in nora.content()
    type_into(nora, "Ergebnisse", "120 Willkommensordner verteilt")
    submit(nora, "Erneut einreichen")
    anna.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/C1/")
    anna.get_by_label("Annehmen").check()
    submit(anna, "Entscheidung speichern")
    assert "Der Sachstand wurde angenommen" in anna.content()

    # Measures without an owner: the office reports them itself (the same functions as the pages).
    for update in StatusUpdate.objects.filter(cycle=cycle, state="open").select_related("cycle"):
        services.submit_update(update, services._update_values(update), update.version, None)
        services.review_update(update, True, "", None)

    rolf = set_password(browser, site, "rolf@example.org", ROLF_PASSWORD)
    rolf.goto(f"{site}/steuerung/berichtsrunden/{cycle.key}/")
    rolf.get_by_role("link", name="Prüfen und freigeben …").click()
    assert "kann danach nicht mehr geändert werden" in rolf.content()
    submit(rolf, "Freigeben und Berichtsrunde abschließen")
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.snapshot is not None
    assert cycle.deadline == later

    # Before publication the portal shows none of it.
    visitor = new_page(browser)
    visitor.goto(f"{site}/portal/de/massnahmen/c1/")
    assert "120 Willkommensordner verteilt" not in visitor.content()

    # The reviewer downloads the report from the Reports page: the PDF carries the accepted update.
    rolf.goto(f"{site}/berichte/")
    with rolf.expect_download() as download:
        rolf.get_by_role("link", name="2. Umsetzungsbericht als PDF").click()
    report = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in report.pages)
    assert "120 Willkommensordner verteilt" in text
    shot(rolf, "reports")
    assert not axe_violations(rolf)

    # ... checks the suppression report and publishes; the portal shows the new state.
    rolf.get_by_role("link", name="Prüfen und veröffentlichen").click()
    shot(rolf, "publish")
    submit(rolf, f"Momentaufnahme {cycle.snapshot.number} veröffentlichen")
    assert "ist jetzt der öffentliche Stand" in rolf.content()
    visitor.goto(f"{site}/portal/de/massnahmen/c1/")
    assert "120 Willkommensordner verteilt" in visitor.content()
