"""Dates in the steering forms: a cycle's deadline in the past is refused (owners would be mailed a
date already gone); a next step due in the past is saved with a warning, since it may be a step
that is simply late, but is more often a typing error."""

import datetime

from django.core import mail
from django.utils import timezone

from imon.steering import logic
from imon.steering.models import ReportingCycle, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle

people = steering.people  # the personas fixture


def test_past_deadline_rule():
    today = datetime.date(2026, 3, 10)
    assert logic.deadline_error(datetime.date(2026, 3, 10), today) == ""
    assert "09.03.2026" in logic.deadline_error(datetime.date(2026, 3, 9), today)


def open_form(client, deadline, reporting_date="31.12.2027"):
    return client.post(
        "/steuerung/berichtsrunden/",
        {"title": "3. Umsetzungsbericht", "reporting_date": reporting_date, "deadline": deadline},
    )


def test_a_cycle_deadline_in_the_past_is_refused(people, client):
    client.force_login(people.ki)
    mail.outbox.clear()
    response = open_form(client, "01.01.2020")
    assert response.status_code == 200
    assert (
        "Die Frist 01.01.2020 liegt in der Vergangenheit; wählen Sie heute oder einen späteren Tag."
        in response.content.decode()
    )
    assert not ReportingCycle.objects.exists() and mail.outbox == []


def test_a_cycle_deadline_of_today_is_accepted(people, client):
    client.force_login(people.ki)
    response = open_form(client, timezone.localdate().strftime("%d.%m.%Y"))
    assert response.status_code == 302
    assert ReportingCycle.objects.get().deadline == timezone.localdate()


def test_a_next_step_due_in_the_past_is_saved_with_a_warning(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.external)
    url = f"/steuerung/berichtsrunden/{cycle.key}/D1/"
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    later = (timezone.localdate() + datetime.timedelta(days=60)).strftime("%d.%m.%Y")
    steps = f"Flyer drucken | 01.01.2020 | Emil\nFest planen | {later}"
    response = client.post(url, form_data(update, next_steps_text=steps), follow=True)
    page = response.content.decode()
    assert "Vielen Dank" in page
    assert (
        "Nächster Schritt „Flyer drucken“: Das Fälligkeitsdatum 01.01.2020 liegt in der Vergangenheit."
        in page
    )
    assert "Fest planen“" not in page  # a step in the future: no warning
    update.refresh_from_db()
    assert update.state == "submitted" and update.next_steps[0]["due_date"] == "2020-01-01"
