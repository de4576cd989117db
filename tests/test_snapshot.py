"""Snapshots: frozen, versioned, published values only."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command

from imon.core import models as m
from imon.reports import snapshots
from imon.reports.models import Snapshot, SnapshotIsFrozen


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def households(data, size):
    return next(
        o
        for o in data["observations"]
        if o["indicator"] == "wohnungssuchende-haushalte" and o["dims"] == {"haushaltsgroesse": size}
    )


def test_create_and_list(demo):
    out = run("snapshot", "create", "--title", "1. Umsetzungsbericht", "--date", "2019-09-16")
    assert "Snapshot 1" in out or "Momentaufnahme 1" in out
    run("snapshot", "create", "--title", "Zwischenstand", "--date", "16.09.2019")
    listing = run("snapshot", "list")
    assert "1. Umsetzungsbericht" in listing and "Zwischenstand" in listing and "16.09.2019" in listing
    first, second = Snapshot.objects.order_by("number")
    assert (first.number, second.number) == (1, 2)
    data = first.data
    assert data["schema_version"] == snapshots.SCHEMA_VERSION
    assert data["reporting_date"] == "2019-09-16"
    assert len(data["measures"]) == 9 and len(data["fields_of_action"]) == 8
    assert data["labels"]["measure_status"]["in_progress"] == "in Umsetzung"


def test_reporting_date_limits_the_observations(demo):
    snapshot = snapshots.create("Stand 2017", datetime.date(2018, 6, 30))
    dates = {o["date"] for o in snapshot.data["observations"]}
    assert "2017-12-31" in dates and "2018-12-31" not in dates


def test_suppressed_cells_are_frozen_without_their_values(demo):
    data = snapshots.create("Bericht", datetime.date(2019, 9, 16)).data
    for size in ("9", "10", "11"):
        cell = households(data, size)
        assert cell["value"] is None and cell["flag"] == "." and cell["suppressed"] == "primary"
    persons = [
        o
        for o in data["observations"]
        if o["indicator"] == "wohnungssuchende-personen"
        and o["dims"]["haushaltsgroesse"] in ("9", "10", "11")
    ]
    assert persons and all(o["value"] is None for o in persons)
    assert households(data, "1")["value"] == "402"


def test_later_edits_do_not_change_a_snapshot(demo):
    snapshot = snapshots.create("Bericht", datetime.date(2019, 9, 16))
    text, sha = snapshot.document, snapshot.sha256
    m.Measure.objects.filter(key="C1").update(status="completed", title="Geändert")
    m.Observation.objects.filter(indicator__key="bevoelkerung").update(value=1)
    stored = Snapshot.objects.get(pk=snapshot.pk)
    assert stored.document == text and stored.sha256 == sha
    c1 = next(x for x in stored.data["measures"] if x["key"] == "C1")
    assert c1["status"] == "in_progress"
    with pytest.raises(SnapshotIsFrozen):
        stored.title = "Neu"
        stored.save()
    with pytest.raises(SnapshotIsFrozen):
        stored.delete()
    assert json.loads(Snapshot.objects.get(pk=snapshot.pk).document)["title"] == "Bericht"


def test_errors_are_german_and_change_nothing(demo):
    with pytest.raises(CommandError, match="kein Datum"):
        run("snapshot", "create", "--title", "X", "--date", "31.02.2019")
    with pytest.raises(CommandError, match="leer"):
        run("snapshot", "create", "--title", "  ", "--date", "2019-09-16")
    with pytest.raises(CommandError, match="Momentaufnahme"):
        run("report", "--snapshot", "latest", "--format", "html", "--out", "/tmp/never.html")
    assert not Snapshot.objects.exists()


def test_no_concept_no_snapshot(db):
    with pytest.raises(CommandError, match="Kein Konzept"):
        run("snapshot", "create", "--title", "X", "--date", "2019-09-16")


def test_rounding_of_the_source_applies_to_the_frozen_values(demo):
    m.Source.objects.filter(key="fb-soziales").update(rounding=5)
    data = snapshots.create("Bericht", datetime.date(2019, 9, 16)).data
    assert households(data, "1")["value"] == "400"  # 402 rounded to a multiple of 5
    assert households(data, "9")["value"] is None
