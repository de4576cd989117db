"""No lost updates: when two people edit the same measure or status update, the second save is
refused with a German message that shows the other person's change; nothing is overwritten."""

from imon.core import models as m
from imon.steering.models import Change, DeletedMeasure, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle

people = steering.people  # the personas fixture


def measure_form(measure, **changes):
    data = {
        "title": measure.title,
        "description": measure.description,
        "lead_unit": measure.lead_unit,
        "partners": measure.partners,
        "programme": measure.programme,
        "start_date": "",
        "end_date": "",
        "status": measure.status,
        "progress": "" if measure.progress is None else measure.progress,
        "traffic_light": measure.traffic_light,
        "traffic_light_reason": measure.traffic_light_reason,
        "results": measure.results,
        "obstacles": measure.obstacles,
        "participants": "",
        "staff": "",
        "hours": "",
        "cost": "",
        "funding": "",
        "effect": measure.effect,
        "note": measure.note,
    }
    data.update(changes)
    return data


def test_second_save_of_a_measure_is_refused_and_shows_the_first(people, client, django_user_model):
    from django.test import Client

    c1 = m.Measure.objects.get(key="C1")
    erik, olga = Client(), Client()
    erik.force_login(people.editor)
    olga.force_login(people.owner)
    # Both open the form at version 1.
    form_e = erik.get("/steuerung/massnahmen/C1/bearbeiten/").context["form"]
    form_o = olga.get("/steuerung/massnahmen/C1/bearbeiten/").context["form"]
    assert form_e.initial["version"] == form_o.initial["version"] == c1.version == 1
    seen = form_o.initial["seen_at"].isoformat()
    first = erik.post(
        "/steuerung/massnahmen/C1/bearbeiten/", measure_form(c1, progress=60, version=1, seen_at=seen)
    )
    assert first.status_code == 302
    second = olga.post(
        "/steuerung/massnahmen/C1/bearbeiten/",
        measure_form(c1, progress=20, results="Olgas Text", version=1, seen_at=seen),
    )
    page = second.content.decode()
    assert second.status_code == 200
    assert "Nicht gespeichert" in page and "Es gibt ein Problem" in page
    assert "erik" in page and "„Fortschritt (%)“ geändert: „“ → „60“" in page
    c1.refresh_from_db()
    assert (c1.progress, c1.results, c1.version) == (60, "", 2)
    assert list(
        Change.objects.filter(object_key="C1", field="progress").values_list("user__username", "new")
    ) == [("erik", "60")]


def test_second_submission_of_a_status_update_is_refused(people, client):
    from django.test import Client

    cycle = open_cycle(people.ki)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="C1")
    olga, anna = Client(), Client()
    olga.force_login(people.owner)
    anna.force_login(people.ki)
    url = f"/steuerung/berichtsrunden/{cycle.key}/C1/"
    seen = olga.get(url).context["form"].initial["seen_at"].isoformat()
    anna.get(url)
    assert anna.post(url, form_data(update, progress=70, seen_at=seen)).status_code == 302
    refused = olga.post(url, form_data(update, progress=10, seen_at=seen))
    page = refused.content.decode()
    assert refused.status_code == 200 and "Nicht gesendet" in page and "anna" in page and "„70“" in page
    update.refresh_from_db()
    assert update.progress == 70 and update.submitted_by == people.ki


def test_history_records_who_when_old_and_new_for_every_saved_field(people, client):
    c1 = m.Measure.objects.get(key="C1")
    client.force_login(people.editor)
    client.post(
        "/steuerung/massnahmen/C1/bearbeiten/", measure_form(c1, progress=40, lead_unit="KI", version=1)
    )
    changes = {c.field: (c.old, c.new, c.user.username) for c in Change.objects.filter(object_key="C1")}
    assert changes == {"progress": ("", "40", "erik"), "lead_unit": (c1.lead_unit, "KI", "erik")}
    page = client.get("/steuerung/massnahmen/C1/").content.decode()
    assert "Verlauf" in page and "erik" in page and "<td>Federführung</td>" in page


def test_delete_and_restore_a_measure_keeps_everything(people, client):
    client.force_login(people.ki)
    cycle = open_cycle(people.ki)
    before = m.Measure.objects.get(key="C1")
    goals, steps = (
        list(before.goals.values_list("key", flat=True)),
        list(before.next_steps.values_list("text", flat=True)),
    )
    assert client.post("/steuerung/massnahmen/C1/loeschen/").status_code == 302
    assert not m.Measure.objects.filter(key="C1").exists()
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="C1").measure is None
    assert "C1" in client.get("/steuerung/papierkorb/").content.decode()
    deleted = DeletedMeasure.objects.get(key="C1")
    assert client.post(f"/steuerung/papierkorb/{deleted.pk}/wiederherstellen/").status_code == 302
    after = m.Measure.objects.get(key="C1")
    assert (after.title, after.status, after.field_of_action.code) == (before.title, before.status, "C")
    assert list(after.goals.values_list("key", flat=True)) == goals
    assert list(after.next_steps.values_list("text", flat=True)) == steps
    assert list(after.owners.values_list("user__username", flat=True)) == ["olga"]
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="C1").measure == after
    assert [c.action for c in Change.objects.filter(object_key="C1").order_by("at", "pk")] == [
        "deleted",
        "restored",
    ]
