"""Publication needs a release: a snapshot reaches the public only through an explicit publish step
by a role allowed to publish, after its suppression report; one release feeds every public output,
and a change of the confidentiality policy marks it as out of date instead of reaching some
outputs at once."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imon.portal import content
from imon.reports import snapshots
from imon.reports.models import Release
from tests import steering

people = steering.people  # the personas fixture


@pytest.fixture
def frozen(demo):
    content._LATEST.clear()
    return snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))


def portal_measures(client) -> int:
    response = client.get("/api/v1/measures.json")
    return len(response.json()["items"]) if response.status_code == 200 else 0


def test_a_frozen_snapshot_stays_inside_until_it_is_published(frozen, client, people):
    assert client.get("/portal/de/handlungsfelder/c/").status_code == 404
    assert portal_measures(client) == 0
    client.force_login(people.reviewer)
    page = client.get(f"/berichte/{frozen.number}/veroeffentlichen/").content.decode()
    assert (
        "Geheimhaltungsbericht" in page and "Momentaufnahme 1 veröffentlichen</button>" in page
    )  # report first
    assert not Release.objects.exists()  # looking at it publishes nothing
    response = client.post(f"/berichte/{frozen.number}/veroeffentlichen/")
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.snapshot == frozen and release.published_by == people.reviewer
    content._LATEST.clear()
    assert client.get("/portal/de/handlungsfelder/c/").status_code == 200
    assert portal_measures(client) > 0


def test_only_a_role_allowed_to_publish_can_publish(frozen, client, people):
    for person in (people.owner, people.editor, people.outsider):
        client.force_login(person)
        response = client.post(f"/berichte/{frozen.number}/veroeffentlichen/")
        assert response.status_code in (302, 403)  # to the login page, or refused
    assert not Release.objects.exists()


def test_approving_a_cycle_freezes_but_does_not_publish(demo, people, monkeypatch):
    from imon.steering import logic, services

    content._LATEST.clear()
    cycle = steering.open_cycle(people.ki, deadline=datetime.date.today() + datetime.timedelta(days=10))
    monkeypatch.setattr(logic, "check_approval", lambda state, states: None)  # reviewing is tested elsewhere
    cycle = services.approve_cycle(cycle, people.reviewer)
    assert cycle.snapshot is not None and not Release.objects.exists()
    assert content.latest() is None


def test_the_suppression_report_says_what_was_hidden_and_why(frozen):
    report = frozen.data["suppression"]
    hidden = report["hidden"]
    observations = frozen.data["observations"]
    assert sum(hidden.values()) == sum(1 for o in observations if "suppressed" in o)
    assert hidden["primary"] >= 1 and hidden["secondary"] >= 1  # the demo's small households
    assert report["cells"] == len(observations)
    assert report["relations"]["declared"] >= 1 and report["relations"]["derived"] >= 1
    households = report["indicators"]["wohnungssuchende-haushalte"]
    assert 0 < households["secondary_share_of_value"] < 1
    assert report["policy"]["min_count"] == 3
    out = io.StringIO()
    call_command("snapshot", "report", str(frozen.number), stdout=out)
    text = out.getvalue()
    assert "Mindestfallzahl 3" in text and "Relationen" in text
    assert f"{hidden['primary']}" in text
    # The public never sees the report, nor which hidden cells are primary.
    from imon.publication import public_document

    assert "suppression" not in public_document(frozen.data)


def test_publish_on_the_command_line_shows_the_report_then_publishes(frozen):
    out = io.StringIO()
    call_command("snapshot", "publish", str(frozen.number), stdout=out)
    assert "Geheimhaltungsbericht" in out.getvalue() and "öffentliche Stand" in out.getvalue()
    assert snapshots.published() == frozen
    with pytest.raises(CommandError, match="bereits veröffentlicht"):
        call_command("snapshot", "publish", str(frozen.number), stdout=io.StringIO())
    newer = snapshots.create("2. Umsetzungsbericht", datetime.date(2020, 9, 16))
    snapshots.publish(newer)
    older = snapshots.create("Nachtrag", datetime.date(2019, 9, 16))
    snapshots.publish(older)  # a newer number: fine
    assert snapshots.published() == older


def test_an_older_snapshot_cannot_replace_a_newer_release(frozen):
    newer = snapshots.create("2. Umsetzungsbericht", datetime.date(2020, 9, 16))
    snapshots.publish(newer)
    with pytest.raises(snapshots.SnapshotError, match="ältere Momentaufnahme"):
        snapshots.publish(frozen)


def public_export(tmp_path) -> dict:
    target = tmp_path / "public.csv"
    call_command("export_data", str(target), indicator="wohnungssuchende-haushalte", public=True)
    with target.open(encoding="utf-8") as stream:
        return {row["haushaltsgroesse"]: (row["value"], row["flag"]) for row in csv.DictReader(stream)}


def api_cells(client) -> dict:
    data = client.get("/api/v1/indicators/wohnungssuchende-haushalte/observations.json").json()["items"]
    return {o["dims"]["haushaltsgroesse"]: (o["value"], o["flag"]) for o in data}


def test_a_policy_change_marks_the_release_out_of_date_and_reaches_no_output_alone(
    frozen, client, settings, tmp_path
):
    snapshots.publish(frozen)
    content._LATEST.clear()
    before_export, before_api = public_export(tmp_path), api_cells(client)
    below_40 = [size for size, (value, _flag) in before_export.items() if value and int(value) < 40]
    assert below_40  # shown under the minimum of 3
    settings.IMON_MIN_COUNT = 40
    assert snapshots.out_of_date(frozen)
    # Every public output still shows the release, suppressed the same way.
    assert public_export(tmp_path) == before_export
    content._LATEST.clear()
    assert api_cells(client) == before_api
    out = io.StringIO()
    call_command("snapshot", "list", stdout=out)
    assert "veraltet" in out.getvalue()
    # An unpublished snapshot frozen under the old policy cannot be published any more.
    settings.IMON_MIN_COUNT = 3
    stale = snapshots.create("Zwischenstand", datetime.date(2019, 9, 16))
    settings.IMON_MIN_COUNT = 40
    with pytest.raises(snapshots.SnapshotError, match="Geheimhaltungseinstellungen"):
        snapshots.publish(stale)
    # The new release follows the new policy everywhere at once.
    snapshots.publish(snapshots.create("Neu", datetime.date(2019, 9, 16)))
    content._LATEST.clear()
    after = public_export(tmp_path)
    assert all(after[size] == ("", ".") for size in below_40)
    assert not snapshots.out_of_date(snapshots.published())


def test_export_data_public_needs_a_release(demo, tmp_path):
    with pytest.raises(CommandError, match="noch nichts veröffentlicht"):
        call_command("export_data", str(tmp_path / "x.csv"), public=True)


def test_every_earlier_release_counts_as_known(frozen):
    """A cell shown in release 1 and hidden in release 2 is still known from release 1: the next
    release is suppressed knowing it."""
    from imon.core import models as m
    from imon.reports.models import Snapshot

    snapshots.publish(frozen)
    data = frozen.data
    index, shown = next(
        (i, o)
        for i, o in enumerate(data["observations"])
        if o["indicator"] == "wohnungssuchende-haushalte" and o.get("value") is not None and o["dims"]
    )
    hidden = dict(shown, value=None, flag=".", suppressed="secondary")
    data["observations"][index] = hidden
    second = Snapshot.objects.create(
        number=2,
        title="2. Umsetzungsbericht",
        reporting_date=frozen.reporting_date,
        schema_version=frozen.schema_version,
        document=snapshots.encode(data),
    )
    snapshots.publish(second)
    key = (
        shown["indicator"],
        shown["area"],
        datetime.date.fromisoformat(shown["date"]),
        m.dimension_key(shown["dims"]),
    )
    assert str(snapshots._earlier_releases()[key]) == str(shown["value"])


def test_an_owners_own_edit_reaches_the_public_only_after_review(demo, people, client):
    """Emil, an owner outside the administration, edits his measure directly: the next release
    still shows it as the last one did, and the page that publishes says so; once the KI has
    saved the measure (reviewed it), the release after shows Emil's text."""
    from imon.core import models as m
    from imon.publication import public_document
    from tests.test_steering_locking import measure_form

    content._LATEST.clear()
    first = snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))).snapshot
    d1 = m.Measure.objects.get(key="D1")
    before = d1.description
    client.force_login(people.external)
    form = measure_form(d1, description="Emils neue Beschreibung", version=d1.version)
    assert client.post("/steuerung/massnahmen/D1/bearbeiten/", form).status_code == 302
    assert m.Measure.objects.get(key="D1").review_pending

    def public_description(snapshot):
        return next(x for x in public_document(snapshot.data)["measures"] if x["key"] == "D1")["description"]

    second = snapshots.create("Zwischenstand", datetime.date(2019, 9, 16))
    assert public_description(second) == before == public_description(first)
    assert second.data["unreviewed"] == ["D1"]
    client.force_login(people.ki)
    page = client.get(f"/berichte/{second.number}/veroeffentlichen/").content.decode()
    assert "noch niemand geprüft" in page and "D1" in page
    d1 = m.Measure.objects.get(key="D1")
    client.post("/steuerung/massnahmen/D1/bearbeiten/", measure_form(d1, version=d1.version))
    assert not m.Measure.objects.get(key="D1").review_pending
    third = snapshots.create("Bericht", datetime.date(2019, 9, 16))
    assert public_description(third) == "Emils neue Beschreibung" and "unreviewed" not in third.data


def test_shares_in_the_suppression_report_are_rounded_not_cut_off():
    from imon.reports.suppression_report import _percent

    assert _percent(5 / 12) == "41,7 %"  # 5 of 12 cells hidden; Django's number_format gave 41,6 %
    assert _percent(0.125) == "12,5 %" and _percent(1) == "100,0 %"
