"""A reporting cycle end to end through the web pages: the KI opens it, owners get tasks and
e-mails, submit; the KI returns one and accepts; the reviewer approves; the snapshot is frozen,
the measures carry the new state and the report shows it; the history holds every change."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from imon.core import models as m
from imon.reports import render as rendering
from imon.steering.models import Change, ReportingCycle, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle

people = steering.people  # the personas fixture


def in_days(days: int) -> str:
    """A deadline `days` from today, as typed (a deadline in the past is refused)."""
    return (datetime.date.today() + datetime.timedelta(days=days)).strftime("%d.%m.%Y")


def test_opening_creates_one_task_per_measure_and_mails_the_owners(people, client):
    client.force_login(people.ki)
    response = client.post(
        "/steuerung/berichtsrunden/",
        {"title": "2. Umsetzungsbericht", "reporting_date": "31.12.2026", "deadline": in_days(30)},
    )
    cycle = ReportingCycle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/steuerung/berichtsrunden/{cycle.key}/"
    assert cycle.updates.count() == m.Measure.objects.count() == 9
    c1 = cycle.updates.get(measure_key="C1")
    assert (
        c1.state == "open" and c1.status == "in_progress" and len(c1.next_steps) == 3
    )  # pre-filled with the current state
    recipients = sorted(r for message in mail.outbox for r in message.to)
    assert recipients == ["emil@example.org", "olga@example.org"]
    assert "/steuerung/berichtsrunden/2026-12-31/C1/" in next(
        msg.body for msg in mail.outbox if msg.to == ["olga@example.org"]
    )
    second = client.post(
        "/steuerung/berichtsrunden/",
        {"title": "Noch eine", "reporting_date": "31.01.2027", "deadline": in_days(40)},
    )
    assert "bereits eine Berichtsrunde offen" in second.content.decode()


def test_full_cycle_through_the_pages(people, client):
    cycle = open_cycle(people.ki)
    # Olga submits C1.
    client.force_login(people.owner)
    c1 = cycle.updates.get(measure_key="C1")
    page = client.get(f"/steuerung/berichtsrunden/{cycle.key}/C1/")
    assert page.status_code == 200 and "Sachstand" in page.content.decode()
    response = client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/C1/",
        form_data(
            c1,
            status="completed",
            progress=100,
            traffic_light="green",
            results="Willkommensordner verteilt",
            next_steps_text="Azubi-WG eröffnen | 31.03.2027 | KI",
        ),
    )
    assert response.status_code == 302
    # Emil (external) submits D1 with a red light but no reason: refused with an error summary.
    client.force_login(people.external)
    d1 = cycle.updates.get(measure_key="D1")
    refused = client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/", form_data(d1, traffic_light="red", progress=30)
    )
    text = refused.content.decode()
    assert (
        refused.status_code == 200 and "Es gibt ein Problem" in text and "erfordert eine Begründung" in text
    )
    client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/",
        form_data(d1, traffic_light="red", traffic_light_reason="Keine Daten", progress=30),
    )
    # The KI returns D1 with a comment and accepts C1.
    client.force_login(people.ki)
    no_comment = client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/pruefen/",
        {"decision": "return", "comment": ""},
        follow=True,
    )
    assert "Kommentar" in no_comment.content.decode()
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="D1").state == "submitted"
    client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/pruefen/",
        {"decision": "return", "comment": "Bitte Fortschritt begründen."},
    )
    client.post(f"/steuerung/berichtsrunden/{cycle.key}/C1/pruefen/", {"decision": "accept"})
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="D1").state == "returned"
    assert any(
        "Bitte Fortschritt begründen." in msg.body
        and msg.to == ["emil@example.org"]
        and f"http://testserver/steuerung/berichtsrunden/{cycle.key}/D1/" in msg.body  # the way back
        for msg in mail.outbox
    )
    c1_measure = m.Measure.objects.get(key="C1")
    assert (c1_measure.status, c1_measure.progress) == ("completed", 100)
    assert [s.text for s in c1_measure.next_steps.filter(done=False)] == ["Azubi-WG eröffnen"]
    # Emil sees the comment and resubmits.
    client.force_login(people.external)
    d1 = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    assert (
        "Bitte Fortschritt begründen."
        in client.get(f"/steuerung/berichtsrunden/{cycle.key}/D1/").content.decode()
    )
    client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/", form_data(d1, progress=35, results="Bedarf erhoben")
    )
    # The reviewer cannot approve before every update is accepted.
    client.force_login(people.reviewer)
    early = client.post(f"/steuerung/berichtsrunden/{cycle.key}/freigeben/", {"confirm": "yes"}, follow=True)
    assert "noch nicht angenommen" in early.content.decode()
    client.force_login(people.ki)
    for update in StatusUpdate.objects.filter(cycle=cycle).exclude(state="accepted"):
        if update.state == "open":
            client.post(f"/steuerung/berichtsrunden/{cycle.key}/{update.measure_key}/", form_data(update))
        client.post(
            f"/steuerung/berichtsrunden/{cycle.key}/{update.measure_key}/pruefen/", {"decision": "accept"}
        )
    client.force_login(people.reviewer)
    confirmation = client.get(f"/steuerung/berichtsrunden/{cycle.key}/freigeben/").content.decode()
    assert "kann danach nicht mehr geändert werden" in confirmation and "D1" in confirmation
    assert ReportingCycle.objects.get(pk=cycle.pk).state == "open"  # looking at it approves nothing
    client.post(f"/steuerung/berichtsrunden/{cycle.key}/freigeben/", {"confirm": "yes"})
    cycle.refresh_from_db()
    assert cycle.state == "closed" and cycle.snapshot is not None and cycle.approved_by == people.reviewer
    snapshot_measures = {x["key"]: x for x in cycle.snapshot.data["measures"]}
    assert snapshot_measures["D1"]["progress"] == 35 and snapshot_measures["C1"]["status"] == "completed"
    html = rendering.render(cycle.snapshot, "html").decode()
    assert "abgeschlossen" in html and "Willkommensordner verteilt" in html
    # Every change of the cycle is in its history, with who and old -> new.
    changes = Change.objects.filter(cycle=cycle)
    actions = [c.action for c in changes.filter(object_key=f"{cycle.key}/D1").order_by("at", "pk")]
    assert actions[:2] == ["submitted", "submitted"] and "returned" in actions and actions[-1] == "accepted"
    progress = changes.get(object_type="measure", object_key="D1", field="progress")
    assert (progress.old, progress.new, progress.user) == ("", "35", people.ki)
    assert changes.filter(object_type="cycle", action="approved").get().user == people.reviewer
    history_page = client.get(f"/steuerung/berichtsrunden/{cycle.key}/").content.decode()
    assert "Bitte Fortschritt begründen." in history_page and "rita" in history_page
    # Once closed, nothing can be submitted any more.
    client.force_login(people.owner)
    closed = client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/C1/",
        form_data(StatusUpdate.objects.get(cycle=cycle, measure_key="C1")),
    )
    assert closed.status_code == 403


def test_remind_mails_owners_of_open_tasks_once_a_day(people, monkeypatch):
    cycle = open_cycle(people.ki, deadline=datetime.date.today() + datetime.timedelta(days=3))
    mail.outbox.clear()
    StatusUpdate.objects.filter(cycle=cycle, measure_key="C1").update(state="submitted")
    call_command("remind")
    assert [msg.to for msg in mail.outbox] == [["emil@example.org"]]
    assert "Erinnerung" in mail.outbox[0].subject
    call_command("remind")
    assert len(mail.outbox) == 1


def test_remind_waits_until_the_deadline_is_near(people):
    open_cycle(people.ki, deadline=datetime.date.today() + datetime.timedelta(days=30))
    mail.outbox.clear()
    call_command("remind")
    assert mail.outbox == []


@pytest.mark.parametrize("state", ["open", "returned"])
def test_a_returned_or_open_update_cannot_be_accepted(people, client, state):
    cycle = open_cycle(people.ki)
    StatusUpdate.objects.filter(cycle=cycle, measure_key="C1").update(state=state)
    client.force_login(people.ki)
    client.post(f"/steuerung/berichtsrunden/{cycle.key}/C1/pruefen/", {"decision": "accept"})
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="C1").state == state


def test_a_failing_mail_server_does_not_undo_the_cycle(people, monkeypatch):
    from imon.steering import services

    def broken(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "send_mail", broken)
    cycle = open_cycle(people.ki)
    assert ReportingCycle.objects.get() == cycle and cycle.updates.count() == 9


def test_remind_command_ends_with_a_german_summary(people, capsys):
    open_cycle(people.ki, deadline=datetime.date.today() + datetime.timedelta(days=1))
    call_command("remind")
    assert capsys.readouterr().out.strip().endswith("2 Erinnerung(en) versendet.")
