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


def test_each_stored_part_knows_its_number_of_observations_and_latest_date(demo):
    """The portal tells how many observations an indicator has and its latest reference date
    without reading the rows: they are stored with each part, as the rows have them."""
    snapshot = snapshots.create("Stand 2017", datetime.date(2018, 6, 30))
    rows: dict[str, list] = {}
    for o in snapshot.data["observations"]:
        rows.setdefault(o["indicator"], []).append(o["date"])
    assert snapshot.observation_summary() == {key: (len(d), max(d)) for key, d in rows.items()}
    assert snapshot.observation_summary()["bevoelkerung"][1] == "2017-12-31"


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


def _large_concept(indicators: int, rows: int) -> None:
    """The demo plus `indicators` counts of `rows` observations each (areas × years × 20 groups),
    written straight into the database."""
    group = m.Dimension.objects.create(key="gruppe", label="Gruppe")
    m.DimensionValue.objects.bulk_create(
        m.DimensionValue(dimension=group, key=f"g{n}", label=f"Gruppe {n}") for n in range(20)
    )
    areas = list(m.Area.objects.order_by("key"))
    cells = [
        (area, datetime.date(year, 12, 31), f"gruppe=g{n}")
        for year in range(2023, 1900, -1)
        for area in areas
        for n in range(20)
    ][:rows]
    assert len(cells) == rows
    for number in range(indicators):
        indicator = m.Indicator.objects.create(key=f"gross-{number}", title=f"Groß {number}", unit="Personen")
        indicator.dimensions.add(group)
        m.Observation.objects.bulk_create(
            (
                m.Observation(
                    indicator=indicator, area=area, reference_date=date, dim_key=key, value=1000 + i
                )
                for i, (area, date, key) in enumerate(cells)
            ),
            batch_size=2000,
        )


def test_a_large_snapshot_is_made_in_memory_of_one_indicator(demo):
    """Creating a snapshot holds one indicator's observations at a time, not the whole snapshot:
    40 indicators of 2,000 observations (80,000 cells, some 60 MB as one object per cell) are
    frozen within 25 MB of Python memory, and the frozen observations are read back whole."""
    import tracemalloc

    _large_concept(indicators=40, rows=2000)
    snapshots.create("Vorher", datetime.date(2023, 12, 31))  # modules and translations loaded
    tracemalloc.start()
    try:
        snapshot = snapshots.create("Groß", datetime.date(2023, 12, 31))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, f"{peak / 1e6:.1f} MB"
    data = Snapshot.objects.get(pk=snapshot.pk).data
    rows = [o for o in data["observations"] if o["indicator"] == "gross-7"]
    first = m.Area.objects.order_by("key").first().key
    cell = next(
        o for o in rows if (o["area"], o["date"], o["dims"]) == (first, "2023-12-31", {"gruppe": "g0"})
    )
    assert len(rows) == 2000 and cell["value"] == "1000"
    assert data["suppression"]["cells"] == len(data["observations"]) > 80_000


def test_the_portal_holds_the_rows_of_a_few_indicators_only(demo, client):
    """The published release is read one indicator at a time when a page asks for it: the counts,
    dates and key figures of 40 indicators of 2,000 observations (80,000 cells, some 60 MB as one
    object per cell) and each indicator's rows in turn take less than 25 MB of Python memory."""
    import tracemalloc

    from imon.portal import content

    _large_concept(indicators=40, rows=2000)
    snapshots.publish(snapshots.create("Groß", datetime.date(2023, 12, 31)))
    content._LATEST.clear()
    client.get("/portal/de/kennzahlen/gross-1/")  # modules and translations loaded
    content._LATEST.clear()
    tracemalloc.start()
    try:
        published = content.latest()
        published.key_figures()
        for indicator in published.indicators:
            if indicator["key"].startswith("gross-"):
                rows = published.observations(indicator["key"])
                assert len(rows) == indicator["observations"] == 2000
                assert published.latest_date(indicator["key"]) == datetime.date(2023, 12, 31)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, f"{peak / 1e6:.1f} MB"
    page = client.get("/portal/de/kennzahlen/gross-7/")
    assert page.status_code == 200 and "31.12.2023" in page.content.decode()


def test_a_streamed_snapshot_holds_the_same_document_and_verifies_byte_for_byte(demo):
    """The observations stored indicator by indicator come back as the document a snapshot held
    in one piece; the SHA-256 covers every stored byte, and a version 1 snapshot stays readable."""
    from imon.reports.models import SnapshotPart

    snapshot = snapshots.create("Bericht", datetime.date(2019, 9, 16))
    assert snapshot.schema_version == 2 and snapshot.parts.count() > 1 and snapshot.verify()
    whole = snapshots.collect(m.Concept.objects.get(), "Bericht", datetime.date(2019, 9, 16))
    data = Snapshot.objects.get(pk=snapshot.pk).data
    assert data == json.loads(snapshots.encode(whole))
    part = snapshot.parts.get(indicator="wohnungssuchende-haushalte")
    SnapshotPart.objects.filter(pk=part.pk).update(rows=part.rows.replace('"402"', '"403"', 1))
    assert '"402"' in part.rows and not Snapshot.objects.get(pk=snapshot.pk).verify()
    old = Snapshot.objects.create(
        number=9,
        title="Alt",
        reporting_date=datetime.date(2019, 9, 16),
        schema_version=1,
        document=snapshots.encode(whole),
    )
    assert old.verify() and Snapshot.objects.get(number=9).data == data
    assert dict(old.observation_rows({"bevoelkerung"})) == dict(snapshot.observation_rows({"bevoelkerung"}))


def test_the_previous_report_has_an_earlier_reporting_date(demo):
    """A snapshot made again for the same date is a new issue of that report: its period runs from
    the day after the report before, not from the day after itself."""
    from imon.reports.narrative import period_text

    first = snapshots.create("1. Bericht", datetime.date(2018, 9, 16))
    second = snapshots.create("2. Bericht", datetime.date(2019, 9, 16))
    again = snapshots.create("2. Bericht, korrigiert", datetime.date(2019, 9, 16))
    assert snapshots.previous(second) == first and snapshots.previous(again) == first
    assert snapshots.previous(first) is None
    assert period_text(again.data, snapshots.previous(again).data) == "17.09.2018 bis 16.09.2019"
