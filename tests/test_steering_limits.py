"""Limits of texts: a 92,000-character text (a pasted document) is refused with a German message
in the owner's form, the measure form, the review and the spreadsheet import; nothing is stored
and the history does not repeat it. Texts up to the limit are accepted."""

from imon.core import models as m
from imon.steering import logic
from imon.steering.models import Change, StatusUpdate
from tests import steering
from tests.steering import form_data, open_cycle

people = steering.people  # the personas fixture

HUGE = "Berichte" * 11_500  # 92,000 characters, as pasted from a document


def test_a_huge_text_is_refused_in_the_owners_form(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.external)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    response = client.post(f"/steuerung/berichtsrunden/{cycle.key}/D1/", form_data(update, results=HUGE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bitte höchstens 5.000 Zeichen; dieser Text hat 92.000." in page
    assert 'maxlength="' not in page  # the browser does not cut pasted text silently
    fresh = StatusUpdate.objects.get(pk=update.pk)
    assert fresh.results == update.results and fresh.state == "open"
    assert not Change.objects.filter(field="results").exists()


def test_a_text_at_the_limit_is_accepted(people, client):
    cycle = open_cycle(people.ki)
    client.force_login(people.external)
    update = StatusUpdate.objects.get(cycle=cycle, measure_key="D1")
    text = "x" * 5000
    response = client.post(f"/steuerung/berichtsrunden/{cycle.key}/D1/", form_data(update, results=text))
    assert response.status_code == 302
    assert StatusUpdate.objects.get(pk=update.pk).results == text


def test_a_huge_text_is_refused_in_the_measure_form(people, client):
    client.force_login(people.ki)
    measure = m.Measure.objects.get(key="D1")
    data = {f: getattr(measure, f) or "" for f in ("title", "lead_unit", "partners", "programme", "status")}
    data.update(description=HUGE, traffic_light="", version=measure.version)
    response = client.post("/steuerung/massnahmen/D1/bearbeiten/", data)
    assert response.status_code == 200
    assert "Bitte höchstens 5.000 Zeichen; dieser Text hat 92.000." in response.content.decode()
    assert m.Measure.objects.get(key="D1").description == measure.description


def test_a_huge_review_comment_is_refused(people, client):
    cycle = open_cycle(people.ki)
    StatusUpdate.objects.filter(cycle=cycle, measure_key="D1").update(state="submitted")
    client.force_login(people.ki)
    response = client.post(
        f"/steuerung/berichtsrunden/{cycle.key}/D1/pruefen/",
        {"decision": "return", "comment": HUGE},
        follow=True,
    )
    assert "Bitte höchstens 2.000 Zeichen" in response.content.decode()
    assert StatusUpdate.objects.get(cycle=cycle, measure_key="D1").state == "submitted"


def test_a_huge_cell_is_a_row_error_of_the_spreadsheet():
    from django.utils import translation

    with translation.override("de"):
        _values, errors = logic.validate_row(
            {"status": "planned", "obstacles": HUGE}, {"planned": "geplant"}, {}
        )
    assert len(errors) == 1 and errors[0].endswith("Bitte höchstens 5.000 Zeichen; dieser Text hat 92.000.")
