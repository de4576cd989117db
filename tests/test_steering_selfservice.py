"""The office runs people, roles, cycles and drafts in the staff interface, without the Django admin
or a shell: invite by e-mail, roles, deactivation, the deadline, owners from the cycle page, drafts."""

import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from imon.core import models as m
from imon.ops.models import AuditEvent
from imon.steering import permissions, roles
from imon.steering.models import Change, MeasureOwner, ReportingCycle, StatusUpdate
from tests import steering
from tests.steering import PASSWORD, form_data, open_cycle

people = steering.people  # the personas fixture
NEW_PASSWORD = "mein-eigenes-passwort-42"


def text(response) -> str:
    return html.unescape(response.content.decode())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_role_groups_exist_after_migrate_without_a_command(db):
    """The test database is made by `migrate` only; nobody ran `imon role-groups`."""
    for name, perms in roles.ROLE_GROUPS.items():
        group = Group.objects.get(name=name)
        granted = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list("content_type__app_label", "codename")
        }
        assert granted == set(perms)


def test_an_invited_person_sets_the_password_by_the_link_and_logs_in(people):
    office = logged_in(people.ki)
    response = office.post(
        "/steuerung/personen/", {"email": "Nora.Neu@Example.org", "first_name": "Nora", "last_name": "Neu"}
    )
    nora = get_user_model().objects.get(email="nora.neu@example.org")
    assert response.status_code == 302 and response["Location"] == f"/steuerung/personen/{nora.pk}/"
    assert not nora.has_usable_password()
    assert Client().login(username="nora.neu@example.org", password="") is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nora.neu@example.org"]
    assert "nora.neu@example.org" in mail.outbox[0].body
    link = re.search(r"http://testserver(/konto/passwort/\S+/)", mail.outbox[0].body).group(1)
    assert Change.objects.filter(
        object_type="user", object_key="nora.neu@example.org", action=Change.Action.CREATED
    ).exists()

    browser = Client()
    form = browser.get(link, follow=True)
    target = form.redirect_chain[-1][0]
    done = browser.post(target, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    login = browser.post("/anmelden/", {"username": "nora.neu@example.org", "password": NEW_PASSWORD})
    assert login.status_code == 302 and "/anmelden/" not in login["Location"]
    assert browser.get("/steuerung/personen/").status_code == 403  # invited, but no role yet
    assert "ungültig" in Client().get(link, follow=True).content.decode()  # the link works once


def test_inviting_an_address_twice_is_refused_with_a_message(people):
    response = logged_in(people.ki).post("/steuerung/personen/", {"email": "olga@example.org"})
    assert response.status_code == 200
    assert "Es gibt bereits ein Konto mit der E-Mail-Adresse 'olga@example.org'." in text(response)
    assert not mail.outbox


def test_roles_given_on_the_person_page_give_the_permissions_and_are_recorded(people):
    otto = people.outsider
    c1, c = m.Measure.objects.get(key="C1"), m.FieldOfAction.objects.get(code="C")
    response = logged_in(people.ki).post(
        f"/steuerung/personen/{otto.pk}/",
        {"reviewer": "on", "measures": [c1.pk], "fields_of_action": [c.pk]},
    )
    assert response.status_code == 302
    otto = type(otto).objects.get(pk=otto.pk)  # fresh: permissions are cached on the object
    assert permissions.is_reviewer(otto) and not permissions.is_ki(otto)
    assert permissions.can_edit_measure(otto, c1)
    assert MeasureOwner.objects.filter(user=otto, measure=c1).exists()
    recorded = {ch.field: ch.new for ch in Change.objects.filter(object_type="user", object_key="otto")}
    assert recorded == {
        "roles": roles.group_name(roles.REVIEWER_PERMISSION),
        "measures": "C1",
        "fields_of_action": "C",
    }
    page = logged_in(people.ki).get(f"/steuerung/personen/{otto.pk}/").content.decode()
    assert "Verantwortlich für die Maßnahmen" in page

    logged_in(people.ki).post(f"/steuerung/personen/{otto.pk}/", {"office": "on"})
    otto = type(otto).objects.get(pk=otto.pk)
    assert permissions.is_ki(otto) and not permissions.is_reviewer(otto)
    assert not MeasureOwner.objects.filter(user=otto).exists()
    assert logged_in(otto).get("/steuerung/personen/").status_code == 200


def test_the_office_cannot_take_its_own_role_or_deactivate_itself(people):
    kira = steering.make_user(type(people.ki), "kira")
    kira.groups.add(Group.objects.get(name=roles.group_name(roles.OFFICE_PERMISSION)))
    client = logged_in(kira)
    response = client.post(f"/steuerung/personen/{kira.pk}/", {})
    assert "Sie können sich die Administration nicht selbst entziehen." in text(response)
    client.post(f"/steuerung/personen/{kira.pk}/aktiv/", {"active": "no"})
    kira.refresh_from_db()
    assert kira.is_active and permissions.is_ki(type(kira).objects.get(pk=kira.pk))


def test_a_deactivated_person_cannot_log_in_and_the_open_session_ends(people):
    olga_session = logged_in(people.owner)
    assert olga_session.get("/steuerung/aufgaben/").status_code == 200
    response = logged_in(people.ki).post(f"/steuerung/personen/{people.owner.pk}/aktiv/", {"active": "no"})
    assert response.status_code == 302
    assert Client().login(username="olga", password=PASSWORD) is False
    assert "/anmelden/" in olga_session.get("/steuerung/aufgaben/")["Location"]
    change = Change.objects.get(object_type="user", object_key="olga", field="is_active")
    assert (change.old, change.new, change.user) == ("ja", "nein", people.ki)
    assert AuditEvent.objects.filter(kind="role_change", detail__contains="user olga: is_active").exists()
    logged_in(people.ki).post(f"/steuerung/personen/{people.owner.pk}/aktiv/", {"active": "yes"})
    assert Client().login(username="olga", password=PASSWORD) is True


@pytest.mark.parametrize("role", ["owner", "external", "editor", "reviewer", "outsider"])
def test_only_the_office_reaches_the_people_pages(people, role):
    client = logged_in(getattr(people, role))
    otto = people.outsider
    assert client.get("/steuerung/personen/").status_code == 403
    assert client.post("/steuerung/personen/", {"email": "x@example.org"}).status_code == 403
    assert client.post(f"/steuerung/personen/{otto.pk}/", {"office": "on"}).status_code == 403
    assert client.post(f"/steuerung/personen/{otto.pk}/aktiv/", {"active": "no"}).status_code == 403
    assert client.post("/steuerung/massnahmen/C1/zustaendige/", {"owners": [otto.pk]}).status_code == 403
    otto.refresh_from_db()
    assert otto.is_active and not otto.groups.exists() and not MeasureOwner.objects.filter(user=otto).exists()
    assert not mail.outbox
    assert "Personen und Rollen" not in client.get("/steuerung/aufgaben/").content.decode()


def test_the_office_opens_a_cycle_and_moves_the_deadline_in_the_browser_forms(people):
    office = logged_in(people.ki)
    today = datetime.date.today()
    opened = office.post(
        "/steuerung/berichtsrunden/",
        {
            "title": "2. Umsetzungsbericht",
            "reporting_date": "31.12.2030",
            "deadline": (today + datetime.timedelta(days=20)).strftime("%d.%m.%Y"),
            "remind_days_before": "10",
            "remind_every_days": "3",
        },
    )
    cycle = ReportingCycle.objects.get()
    assert opened["Location"] == f"/steuerung/berichtsrunden/{cycle.key}/"
    assert (cycle.remind_days_before, cycle.remind_every_days) == (10, 3)
    later = today + datetime.timedelta(days=40)
    schedule = {"deadline": later.strftime("%d.%m.%Y"), "remind_days_before": "10", "remind_every_days": "7"}
    moved = office.post(f"/steuerung/berichtsrunden/{cycle.key}/frist/", schedule)
    assert moved.status_code == 302
    cycle.refresh_from_db()
    assert cycle.deadline == later
    assert cycle.remind_every_days == 7
    change = Change.objects.get(object_type="cycle", field="deadline")
    assert change.new == later.strftime("%d.%m.%Y") and change.user == people.ki and change.cycle == cycle
    assert Change.objects.get(object_type="cycle", field="remind_every_days").new == "7"
    page = office.get(f"/steuerung/berichtsrunden/{cycle.key}/").content.decode()
    assert "Frist für die Sachstände" in page and later.strftime("%d.%m.%Y") in page
    past = office.post(
        f"/steuerung/berichtsrunden/{cycle.key}/frist/", {**schedule, "deadline": "01.01.2020"}, follow=True
    ).content.decode()
    assert "Die Frist 01.01.2020 liegt in der Vergangenheit" in past
    cycle.refresh_from_db()
    assert cycle.deadline == later
    refused = logged_in(people.reviewer).post(
        f"/steuerung/berichtsrunden/{cycle.key}/frist/", {**schedule, "deadline": "01.01.2031"}
    )
    assert refused.status_code == 403


def test_the_cycle_page_shows_owners_and_the_office_assigns_them(people):
    cycle = open_cycle(people.ki)
    office = logged_in(people.ki)
    page = office.get(f"/steuerung/berichtsrunden/{cycle.key}/").content.decode()
    assert re.search(r"C1 – .*?</a></td>\s*<td>Handlungsfeld C</td>\s*<td>olga", page, re.S)
    response = office.post(
        f"/steuerung/massnahmen/D2/zustaendige/?zurueck={cycle.key}", {"owners": [people.external.pk]}
    )
    assert response["Location"] == f"/steuerung/berichtsrunden/{cycle.key}/"
    assert MeasureOwner.objects.filter(measure__key="D2", user=people.external).exists()
    assert permissions.can_submit(people.external, StatusUpdate.objects.get(measure_key="D2"))
    assert Change.objects.get(object_type="user", object_key="emil", field="measures").new == "D1, D2"


def test_a_draft_is_kept_for_the_owner_and_not_offered_for_review(people):
    cycle = open_cycle(people.ki)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="C1")
    owner = logged_in(people.owner)
    url = f"/steuerung/berichtsrunden/{cycle.key}/C1/"
    saved = owner.post(url, form_data(update, results="Erste Notizen", action="draft"), follow=True)
    assert "Der Entwurf wurde gespeichert" in text(saved)
    update.refresh_from_db()
    assert (update.state, update.results, update.submitted_at) == ("draft", "Erste Notizen", None)
    assert Change.objects.filter(object_key=f"{cycle.key}/C1", action=Change.Action.DRAFTED).exists()

    ki_view = logged_in(people.ki).get(url)
    assert ki_view.context["review"] is None  # nothing to review yet
    refused = logged_in(people.ki).post(url + "pruefen/", {"decision": "accept"}, follow=True)
    assert "nicht möglich" in text(refused)
    update.refresh_from_db()
    assert update.state == "draft"
    cycle_page = logged_in(people.reviewer).get(f"/steuerung/berichtsrunden/{cycle.key}/").content.decode()
    assert re.search(r"C1 – .*?Entwurf gespeichert, nicht eingereicht", cycle_page, re.S)

    owner.post(url, form_data(update, results="Fertig", action="submit"))
    update.refresh_from_db()
    assert (update.state, update.results, update.submitted_by) == ("submitted", "Fertig", people.owner)
    again = owner.post(url, form_data(update, action="draft"), follow=True)
    assert "bereits eingereicht" in text(again)
    update.refresh_from_db()
    assert update.state == "submitted"


def test_reminders_follow_the_rhythm_of_the_cycle(people):
    from django.core.management import call_command

    from imon.steering import logic

    today = datetime.date(2026, 11, 20)
    assert logic.reminder_due(today, datetime.date(2026, 11, 30), 10, 3, None)
    assert not logic.reminder_due(today, datetime.date(2026, 12, 1), 10, 3, None)  # too early
    assert not logic.reminder_due(today, datetime.date(2026, 11, 30), 10, 3, datetime.date(2026, 11, 18))
    assert logic.reminder_due(today, datetime.date(2026, 11, 30), 10, 3, datetime.date(2026, 11, 17))

    cycle = open_cycle(people.ki, deadline=datetime.date.today() + datetime.timedelta(days=12))
    mail.outbox.clear()
    call_command("remind")
    assert mail.outbox == []  # the default rhythm starts seven days before
    ReportingCycle.objects.filter(pk=cycle.pk).update(remind_days_before=14)
    call_command("remind")
    assert sorted(msg.to[0] for msg in mail.outbox) == ["emil@example.org", "olga@example.org"]
