"""Plain steering rules without a database: transitions, dates, next steps, spreadsheet rows."""

import datetime
from decimal import Decimal

import pytest

from imon.steering import logic

STATUS = {
    "unknown": "unbekannt",
    "planned": "geplant",
    "in_progress": "in Umsetzung",
    "completed": "abgeschlossen",
}
LIGHTS = {"green": "grün: im Plan", "yellow": "gelb: gefährdet", "red": "rot: nicht im Plan"}


@pytest.mark.parametrize(
    "state, action, expected",
    [
        ("open", "submit", "submitted"),
        ("returned", "submit", "submitted"),
        ("submitted", "accept", "accepted"),
        ("submitted", "return", "returned"),
    ],
)
def test_allowed_transitions(state, action, expected):
    assert logic.next_update_state("open", state, action, comment="Bitte ergänzen") == expected


@pytest.mark.parametrize(
    "state, action",
    [("open", "accept"), ("accepted", "submit"), ("returned", "accept"), ("accepted", "return")],
)
def test_refused_transitions(state, action):
    with pytest.raises(logic.TransitionError):
        logic.next_update_state("open", state, action, comment="x")


def test_returning_needs_a_comment_and_closed_cycles_change_nothing():
    with pytest.raises(logic.TransitionError, match="Kommentar"):
        logic.next_update_state("open", "submitted", "return", comment="  ")
    with pytest.raises(logic.TransitionError):
        logic.next_update_state("closed", "open", "submit")


def test_approval_needs_every_update_accepted():
    logic.check_approval("open", ["accepted", "accepted"])
    with pytest.raises(logic.TransitionError, match="1"):
        logic.check_approval("open", ["accepted", "returned"])
    with pytest.raises(logic.TransitionError):
        logic.check_approval("closed", ["accepted"])


def test_diff_lists_only_changed_fields_as_text():
    old = {"progress": 30, "cost": Decimal("1000.00"), "results": "", "status": "planned"}
    new = {"progress": 40, "cost": Decimal("1000"), "results": "", "status": "planned"}
    assert logic.diff(old, new) == [("progress", "30", "40")]


def test_stale_indicators_and_overdue_steps():
    today = datetime.date(2026, 11, 25)
    assert logic.is_stale(datetime.date(2025, 10, 31), 12, today)
    assert not logic.is_stale(datetime.date(2025, 12, 31), 12, today)
    assert logic.is_stale(None, 12, today) and not logic.is_stale(None, None, today)
    assert logic.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert logic.is_overdue(datetime.date(2026, 11, 24), False, today)
    assert not logic.is_overdue(datetime.date(2026, 11, 24), True, today)
    assert not logic.is_overdue(None, False, today)


def test_next_steps_round_trip_through_text():
    steps, errors = logic.parse_next_steps(
        "Azubi-WG prüfen | 31.03.2027 | KI\n\nFachgespräch\nOhne Datum | | FB Soziales"
    )
    assert errors == []
    assert steps == [
        {"text": "Azubi-WG prüfen", "due_date": "2027-03-31", "responsible": "KI"},
        {"text": "Fachgespräch", "due_date": None, "responsible": ""},
        {"text": "Ohne Datum", "due_date": None, "responsible": "FB Soziales"},
    ]
    assert logic.next_step_line(steps[0]) == "Azubi-WG prüfen | 31.03.2027 | KI"
    assert logic.parse_next_steps("\n".join(logic.next_step_line(s) for s in steps))[0] == steps


def test_next_step_with_a_bad_date_names_the_line():
    _steps, errors = logic.parse_next_steps("Gut\nSchlecht | 31.02.2027")
    assert len(errors) == 1 and "2" in errors[0] and "31.02.2027" in errors[0]


def test_spreadsheet_row_accepts_labels_and_german_numbers():
    values, errors = logic.validate_row(
        {
            "key": "C1",
            "status": "abgeschlossen",
            "progress": 100,
            "traffic_light": "gelb",
            "traffic_light_reason": "Verzug",
            "cost": "1.234,50",
            "staff": 0.5,
            "participants": "12",
            "version": 3,
            "next_steps": "A | 01.02.2027",
        },
        STATUS,
        LIGHTS,
    )
    assert errors == []
    assert values["status"] == "completed" and values["traffic_light"] == "yellow"
    assert (
        values["cost"] == Decimal("1234.50")
        and values["staff"] == Decimal("0.50")
        and values["participants"] == 12
    )
    assert values["version"] == 3 and values["next_steps"][0]["due_date"] == "2027-02-01"


def test_spreadsheet_row_errors_are_german_sentences_per_cell(settings):
    from django.utils import translation

    with translation.override("de"):
        _values, errors = logic.validate_row(
            {"status": "fertig", "progress": 120, "traffic_light": "rot", "cost": "-5", "hours": "viele"},
            STATUS,
            LIGHTS,
        )
    text = " ".join(errors)
    assert "„fertig“ ist kein Status" in text
    assert "höchstens 100" in text
    assert "Begründung" in text
    assert "Kosten (EUR): „-5“" in text and "Stunden: „viele“" in text
