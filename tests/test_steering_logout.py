"""Logging out of the staff interface: for every user, including owners and reviewers without a
staff account (for whom the Django admin's logout only answers with its login page and leaves the
session valid). The session ends, the browser lands on the staff login page, the logout is
recorded in the audit log, and the next person at a shared office PC is not the previous one."""

import pytest
from django.contrib.auth.models import Permission

from imon.core import conceptfile
from imon.core import models as m
from imon.ops.models import AuditEvent
from imon.steering.models import MeasureOwner
from tests import steering

people = steering.people  # the personas fixture


def log_in(client, user):
    response = client.post("/anmelden/", {"username": user.get_username(), "password": steering.PASSWORD})
    assert response.status_code == 302, "logged in"


@pytest.mark.parametrize("role", ["external", "reviewer", "owner", "ki"])
def test_logout_ends_the_session_of_every_user(people, client, role):
    user = getattr(people, role)
    if role == "ki":
        user.set_password(steering.PASSWORD)
        user.save()
    log_in(client, user)
    assert client.get("/steuerung/aufgaben/").status_code == 200
    page = client.get("/steuerung/aufgaben/").content.decode()
    assert 'action="/steuerung/abmelden/"' in page  # the button "Abmelden" posts to the staff logout
    assert "/admin/logout/" not in page

    response = client.post("/steuerung/abmelden/")
    assert response.status_code == 302 and response["Location"] == "/anmelden/"
    login_page = client.get(response["Location"])
    assert "Sie wurden abgemeldet." in login_page.content.decode()
    after = client.get("/steuerung/aufgaben/")
    assert after.status_code == 302 and after["Location"].startswith("/anmelden/?next=")
    event = AuditEvent.objects.filter(kind="logout").latest("pk")
    assert event.username == user.get_username() and event.user == user


def test_logout_needs_a_post(people, client):
    """A link (GET) cannot log anyone out, so that no image or prefetch on a page ends a session."""
    client.force_login(people.external)
    assert client.get("/steuerung/abmelden/").status_code == 405
    assert client.get("/steuerung/aufgaben/").status_code == 200


def test_logout_is_open_while_the_second_factor_is_asked(people, client):
    from imon.ops import second_factor

    client.force_login(people.owner)
    session = client.session
    session[second_factor.SESSION_KEY] = second_factor.PENDING
    session.save()
    response = client.post("/steuerung/abmelden/")
    assert response["Location"] == "/anmelden/"
    assert client.get("/steuerung/aufgaben/")["Location"].startswith("/anmelden/?next=")


@pytest.fixture
def site(transactional_db, live_server, demo_text, django_user_model, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # the test reads the database while Playwright runs
    conceptfile.load_text(demo_text)
    emil = django_user_model.objects.create_user("emil", "emil@example.org", steering.PASSWORD)
    MeasureOwner.objects.create(user=emil, measure=m.Measure.objects.get(key="D1"))
    rita = django_user_model.objects.create_user("rita", "rita@example.org", steering.PASSWORD)
    rita.user_permissions.add(Permission.objects.get(codename="approve_cycle"))
    return live_server.url


@pytest.mark.parametrize("name", ["emil", "rita"])
def test_logout_in_the_browser(site, browser, name):
    """Emil (an owner from a welfare association) and Rita (Controlling-Gruppe) have no staff
    account; after "Abmelden" the next person at the PC sees the login page, not their tasks."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{site}/steuerung/aufgaben/")
    page.get_by_label("Benutzername").fill(name)
    page.get_by_label("Passwort").fill(steering.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Anmelden").click()
    assert page.url.endswith("/steuerung/aufgaben/")
    with page.expect_navigation():
        page.get_by_role("button", name="Abmelden").click()
    assert page.url == f"{site}/anmelden/"
    assert page.get_by_text("Sie wurden abgemeldet.").is_visible()
    page.goto(f"{site}/steuerung/aufgaben/")
    assert "/anmelden/" in page.url
    assert page.get_by_role("heading", name="Anmelden").is_visible()
    assert AuditEvent.objects.filter(kind="logout", username=name).count() == 1
