"""The roll-up policy of measures (imon.core.rollup): plain functions without a database, and the
staff dashboard, the report and the portal taking their figures from it."""

import datetime
import json
import re

import pytest

from imon.core import models as m
from imon.core import rollup
from imon.portal import content
from imon.reports import document, snapshots
from imon.steering.services import STAFF_FIGURES

# --- The policy, without a database --------------------------------------------------------


def test_rollup_averages_progress_and_leaves_unknown_out_but_counts_it():
    result = rollup.rollup([("in_progress", 30), ("completed", None), ("unknown", 90), ("planned", None)])
    assert result["average"] == round((30 + 100 + 0) / 3)
    assert (result["counted"], result["unknown"], result["total"]) == (3, 1, 4)
    assert result["by_status"]["unknown"] == 1


def test_rollup_of_only_unknown_measures_has_no_average():
    assert rollup.rollup([("unknown", None)])["average"] is None
    assert rollup.rollup([])["average"] is None


def test_explicit_progress_wins_over_the_status_default():
    assert rollup.measure_progress("in_progress", 80) == 80
    assert rollup.measure_progress("in_progress", None) == 50
    assert rollup.measure_progress("unknown", 80) is None


def test_every_status_but_unknown_implies_a_progress():
    assert set(rollup.DEFAULT_PROGRESS) == set(m.Measure.Status.values) - {"unknown"}
    assert rollup.default_progress("unknown") is None
    assert rollup.default_progress("planned") == 0
    assert rollup.default_progress("completed") == rollup.default_progress("established") == 100
    assert set(m.Measure.Status.values) >= rollup.FINISHED


def test_finished_is_decided_by_the_status_not_by_the_progress_figure():
    result = rollup.rollup(
        [("completed", 80), ("established", None), ("in_progress", 100), ("discontinued", None)]
    )
    assert result["finished"] == 2
    assert result["average"] == round((80 + 100 + 100 + 0) / 4)


def test_traffic_lights_are_counted_never_averaged():
    result = rollup.rollup(
        [("in_progress", 50, "red"), ("in_progress", 50, "green"), ("planned", None, ""), ("delayed", 10)]
    )
    assert result["lights"] == {"green": 1, "yellow": 0, "red": 1, "": 2}
    assert result["total"] == 4


def test_records_of_a_snapshot_without_a_status_count_as_unknown():
    result = rollup.of_records(
        [{"status": "completed", "progress": None, "traffic_light": "green"}, {"progress": 70}]
    )
    assert result["by_status"] == {"completed": 1, "unknown": 1}
    assert (result["average"], result["counted"], result["unknown"], result["finished"]) == (100, 1, 1, 1)
    assert result["lights"]["green"] == 1 and result["lights"][""] == 1


# --- The pages take their figures from the one policy ----------------------------------------


@pytest.fixture
def published(demo):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    return content.latest()


def _report_rows(report) -> dict:
    """Field code -> {column: cell} of the report's table "Stand der Maßnahmen nach Handlungsfeld"."""
    table = next(
        b for b in report.chapters["zusammenfassung"] if getattr(b, "caption", "").startswith("Stand der")
    )
    return {row[0].split(" ")[0]: dict(zip(table.header, row, strict=True)) for row in table.rows}


def test_dashboard_portal_and_report_agree_on_the_demo(published, ki_admin, client):
    client.force_login(ki_admin)
    dashboard = {f.code: f.rollup for f in client.get("/steuerung/").context["fields"]}
    report = _report_rows(document.build(published.document))
    labels = published.labels["measure_status"]
    for code, figures in dashboard.items():
        portal = published.progress(code)
        states = m.Measure.objects.filter(field_of_action__code=code).values_list(
            "status", "progress", "traffic_light"
        )
        assert figures == {k: v for k, v in rollup.rollup(states).items() if k in STAFF_FIGURES}
        assert portal["total"] == figures["total"]
        assert dict(portal["counts"]) == {labels[s]: n for s, n in figures["by_status"].items()}
        assert portal["finished"] == sum(n for s, n in figures["by_status"].items() if s in rollup.FINISHED)
        if figures["total"]:
            assert report[code]["Maßnahmen"] == str(figures["total"])
            for status, n in figures["by_status"].items():
                assert report[code][labels[status]] == str(n)
    assert sum(f["finished"] for f in map(published.progress, dashboard)) > 0  # the demo has finished ones


FAKE = {
    "total": 42,
    "by_status": {"planned": 41, "completed": 1},
    "finished": 17,
    "counted": 40,
    "unknown": 2,
    "average": 63,
    "lights": {"green": 0, "yellow": 0, "red": 0, "": 42},
}


def test_dashboard_portal_and_report_show_what_the_one_rollup_function_returns(
    published, ki_admin, client, monkeypatch
):
    """Replace the policy function: every page must show its figures, so none computes its own."""
    previous = json.loads(json.dumps(published.document))
    next(x for x in previous["measures"] if x["key"] == "H1")["status"] = "in_progress"
    monkeypatch.setattr(rollup, "rollup", lambda states: FAKE)

    client.force_login(ki_admin)
    fields = client.get("/steuerung/").context["fields"]
    assert all(f.rollup == {k: FAKE[k] for k in STAFF_FIGURES} for f in fields)
    page = client.get("/steuerung/").content.decode()
    assert 'value="63"' in page

    start = client.get("/portal/de/").content.decode()
    assert re.search(r"42 Maßnahmen, 17 abgeschlossen oder verstetigt", start)
    assert published.progress("C")["finished"] == 17

    report = document.build(published.document, previous)
    rows = _report_rows(report)
    assert rows["C"]["Maßnahmen"] == "42" and rows["C"]["geplant"] == "41"
    changes = " ".join(getattr(b, "text", "") for b in report.chapters["aenderungen"])
    assert "17 abgeschlossene oder verstetigte Maßnahmen" in changes
