"""Narrative sentences: correct German for rise, fall and no change, Prozentpunkte and singular/plural."""

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imon.core.numbers import format_number
from imon.reports.narrative import STATUS_PHRASES, change_sentence, status_sentence, subject_for, unit_for

D = Decimal
Y2016, Y2017, Y2018 = datetime.date(2016, 12, 31), datetime.date(2017, 12, 31), datetime.date(2018, 12, 31)
FOREIGN = "Der Anteil der Personen mit ausländischer Staatsangehörigkeit"
REFUGEES = "Die Zahl der geflüchteten Personen"


def test_share_rises_in_prozentpunkte():
    sentence = change_sentence(FOREIGN, [(Y2016, D("15.1")), (Y2017, D("15.7"))], is_share=True)
    assert sentence == (
        "Der Anteil der Personen mit ausländischer Staatsangehörigkeit stieg von 15,1 % (31.12.2016) "
        "auf 15,7 % (31.12.2017), also um 0,6 Prozentpunkte."
    )


def test_count_rises_with_unit_and_per_cent():
    sentence = change_sentence(REFUGEES, [(Y2017, D(4675)), (Y2018, D(4850))], unit="Personen")
    assert sentence == (
        "Die Zahl der geflüchteten Personen stieg von 4.675 (31.12.2017) auf 4.850 (31.12.2018), "
        "also um 175 Personen (+3,7 %)."
    )


def test_count_falls():
    sentence = change_sentence(REFUGEES, [(Y2017, D(4850)), (Y2018, D(4675))], unit="Personen")
    assert sentence == (
        "Die Zahl der geflüchteten Personen sank von 4.850 (31.12.2017) auf 4.675 (31.12.2018), "
        "also um 175 Personen (-3,6 %)."
    )


def test_share_falls():
    sentence = change_sentence(FOREIGN, [(Y2016, D("26.7")), (Y2017, D("25.9"))], unit="%")
    assert "sank von 26,7 % (31.12.2016) auf 25,9 % (31.12.2017), also um 0,8 Prozentpunkte." in sentence
    assert "(-" not in sentence  # no relative change for shares


def test_unchanged():
    sentence = change_sentence(REFUGEES, [(Y2017, D(4850)), (Y2018, D(4850))], unit="Personen")
    assert sentence == (
        "Die Zahl der geflüchteten Personen blieb zwischen dem 31.12.2017 und dem 31.12.2018 unverändert bei 4.850."
    )
    share = change_sentence(FOREIGN, [(Y2016, D("15.7")), (Y2017, D("15.7"))], is_share=True)
    assert share.endswith("unverändert bei 15,7 %.")


def test_unchanged_as_displayed():
    """15,71 and 15,74 both show as 15,7: the sentence must not claim a rise by 0,0."""
    sentence = change_sentence(FOREIGN, [(Y2016, D("15.71")), (Y2017, D("15.74"))], is_share=True, decimals=1)
    assert "unverändert bei 15,7 %" in sentence


def test_points_are_sorted_by_date():
    sentence = change_sentence(REFUGEES, [(Y2018, D(4850)), (Y2017, D(4675))], unit="Personen")
    assert "stieg von 4.675 (31.12.2017) auf 4.850 (31.12.2018)" in sentence


@pytest.mark.parametrize(
    "start, end, unit, expected",
    [
        (D(10), D(11), "Personen", "um 1 Person (+10,0 %)"),
        (D(10), D(12), "Personen", "um 2 Personen (+20,0 %)"),
        (D(10), D(11), "Haushalte", "um 1 Haushalt (+10,0 %)"),
        (D(10), D(9), "Haushalte", "um 1 Haushalt (-10,0 %)"),
        (D(10), D(13), "Haushalt", "um 3 Haushalte (+30,0 %)"),
        (D(10), D(11), "Fälle", "um 1 Fall (+10,0 %)"),
        (D(10), D(20), "Fälle", "um 10 Fälle (+100,0 %)"),
        (D(10), D(11), "Euro", "um 1 Euro (+10,0 %)"),
        (D(10), D(11), "Anträge", "um 1 Anträge (+10,0 %)"),  # unknown unit: used as given
        (D(10), D(11), "", "um 1 (+10,0 %)"),
    ],
)
def test_singular_and_plural_of_units(start, end, unit, expected):
    assert expected in change_sentence("Die Zahl", [(Y2017, start), (Y2018, end)], unit=unit)


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (D("15"), D("16"), "um 1 Prozentpunkt."),
        (D("15.1"), D("16.1"), "um 1,0 Prozentpunkte."),  # as many decimals as the values show
        (D("15.1"), D("15.2"), "um 0,1 Prozentpunkte."),
        (D("15"), D("17.5"), "um 2,5 Prozentpunkte."),
    ],
)
def test_singular_and_plural_of_prozentpunkte(start, end, expected):
    assert change_sentence("Der Anteil", [(Y2017, start), (Y2018, end)], is_share=True).endswith(expected)


def test_decimals_round_values_and_difference():
    sentence = change_sentence(
        "Der Anteil", [(Y2017, D("15.14")), (Y2018, D("15.66"))], is_share=True, decimals=1
    )
    assert (
        sentence
        == "Der Anteil stieg von 15,1 % (31.12.2017) auf 15,7 % (31.12.2018), also um 0,6 Prozentpunkte."
    )


def test_zero_start_has_no_per_cent_change():
    sentence = change_sentence("Die Zahl der Fälle", [(Y2017, D(0)), (Y2018, D(12))], unit="Fälle")
    assert sentence == "Die Zahl der Fälle stieg von 0 (31.12.2017) auf 12 (31.12.2018), also um 12 Fälle."


def test_tiny_relative_change_is_not_printed_as_zero():
    sentence = change_sentence("Die Bevölkerung", [(Y2017, D(166081)), (Y2018, D(166082))], unit="Personen")
    assert sentence.endswith("also um 1 Person (weniger als 0,1 %).")


def test_missing_values_are_skipped():
    points = [(Y2016, None), (Y2017, D(4675)), (Y2018, D(4850))]
    assert change_sentence(REFUGEES, points, unit="Personen").startswith(
        "Die Zahl der geflüchteten Personen stieg von 4.675 (31.12.2017)"
    )
    assert change_sentence(REFUGEES, [(Y2017, D(4675)), (Y2018, None)]) == ""
    assert change_sentence(REFUGEES, []) == ""


def test_more_than_two_points_names_the_extreme_in_between():
    points = [(Y2016, D(100)), (Y2017, D(180)), (Y2018, D(120))]
    assert change_sentence("Die Zahl", points, unit="Personen") == (
        "Die Zahl stieg von 100 (31.12.2016) auf 120 (31.12.2018), also um 20 Personen (+20,0 %); "
        "der höchste Wert lag bei 180 (31.12.2017)."
    )
    low = [(Y2016, D(100)), (Y2017, D(50)), (Y2018, D(120))]
    assert change_sentence("Die Zahl", low).endswith("; der niedrigste Wert lag bei 50 (31.12.2017).")
    # A value in between the first and the last is not worth a mention.
    monotone = [(Y2016, D(100)), (Y2017, D(110)), (Y2018, D(120))]
    assert "Wert lag" not in change_sentence("Die Zahl", monotone)


def test_same_first_and_last_with_a_peak_in_between_is_not_unchanged():
    points = [(Y2016, D(5)), (Y2017, D(9)), (Y2018, D(5))]
    sentence = change_sentence("Die Zahl", points, unit="Haushalte")
    assert (
        sentence
        == "Die Zahl lag am 31.12.2018 wie am 31.12.2016 bei 5; der höchste Wert lag bei 9 (31.12.2017)."
    )
    assert "unverändert" not in sentence


def test_plural_subject_takes_plural_verbs():
    up = change_sentence("Die Ausgaben", [(Y2017, D(10)), (Y2018, D(12))], unit="Euro", plural=True)
    down = change_sentence("Die Ausgaben", [(Y2017, D(12)), (Y2018, D(10))], unit="Euro", plural=True)
    same = change_sentence("Die Ausgaben", [(Y2017, D(12)), (Y2018, D(12))], unit="Euro", plural=True)
    assert " stiegen von " in up and " sanken von " in down and " blieben zwischen " in same


values = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@given(values, values, st.sampled_from([0, 1, 2]), st.booleans())
def test_verb_matches_sign_and_printed_difference_adds_up(start, end, decimals, share):
    sentence = change_sentence(
        "Die Zahl", [(Y2017, start), (Y2018, end)], unit="Personen", is_share=share, decimals=decimals
    )
    q = Decimal(1).scaleb(-decimals)
    r0, r1 = start.quantize(q), end.quantize(q)
    if r0 == r1:
        assert " blieb zwischen " in sentence and "stieg" not in sentence and "sank" not in sentence
        return
    assert (" stieg von " in sentence) == (r1 > r0)
    assert (" sank von " in sentence) == (r1 < r0)
    percent = " %" if share else ""
    assert f"von {format_number(r0, decimals)}{percent} (31.12.2017)" in sentence
    assert f"auf {format_number(r1, decimals)}{percent} (31.12.2018)" in sentence
    difference = format_number(abs(r1 - r0), decimals)
    unit = (
        ("Prozentpunkt" if difference == "1" else "Prozentpunkte")
        if share
        else ("Person" if difference == "1" else "Personen")
    )
    assert f"also um {difference} {unit}" in sentence
    # A relative change only for counts that start above zero, with the sign of the change.
    relative = re.search(r"\(([+-])[\d.,]+ %\)", sentence)
    if share or r0 == 0:
        assert relative is None
    elif relative:
        assert relative.group(1) == ("+" if r1 > r0 else "-")


def test_unit_for():
    assert unit_for("Personen", "1") == "Person"
    assert unit_for("Person", "2") == "Personen"
    assert unit_for("Personen", "1,0") == "Personen"
    assert unit_for("Personen", "0") == "Personen"
    assert unit_for("Haushalte", "402", dative=True) == "Haushalten"
    assert unit_for("Personen", "402", dative=True) == "Personen"
    assert unit_for("Haushalte", "1", dative=True) == "Haushalt"
    assert unit_for("Tsd. Euro", "3") == "Tsd. Euro"


def test_subject_for():
    assert subject_for("Anteil Personen mit ausländischer Staatsangehörigkeit (in %)", "share") == (
        "Der Anteil Personen mit ausländischer Staatsangehörigkeit"
    )
    assert subject_for("Anteil der Leistungsbeziehenden", "rate") == "Der Anteil der Leistungsbeziehenden"
    assert subject_for("Arbeitslosenquote", "rate") == "Der Wert „Arbeitslosenquote“"
    assert subject_for("Geflüchtete Personen", "count") == "Die Zahl „Geflüchtete Personen“"
    assert subject_for("Anzahl der Sprachkurse", "count") == "Die Anzahl der Sprachkurse"
    assert subject_for("Fördermittel", "amount") == "Der Wert „Fördermittel“"
    sentence = change_sentence(
        subject_for("Bevölkerung in Personen", "count"), [(Y2016, D(166081)), (Y2017, D(166737))]
    )
    assert sentence.startswith("Die Zahl „Bevölkerung in Personen“ stieg von 166.081 (31.12.2016)")


def test_status_sentence_example():
    assert status_sentence({"completed": 2, "in_progress": 5, "planned": 2}) == (
        "Von 9 Maßnahmen sind 2 abgeschlossen, 5 laufen und 2 sind geplant."
    )


def test_status_sentence_singular_and_order():
    # The order follows the report (finished first), not the mapping.
    assert status_sentence({"planned": 1, "in_progress": 1, "completed": 1}) == (
        "Von 3 Maßnahmen ist 1 abgeschlossen, 1 läuft und 1 ist geplant."
    )
    assert status_sentence({"in_progress": 3, "discontinued": 1, "unknown": 2, "on_hold": 0}) == (
        "Von 6 Maßnahmen laufen 3, 1 wurde eingestellt und 2 haben keinen bekannten Stand."
    )


def test_status_sentence_single_status_and_empty():
    assert status_sentence({"completed": 1}) == "Die einzige Maßnahme ist abgeschlossen."
    assert status_sentence({"in_progress": 4, "planned": 0}) == "Alle 4 Maßnahmen laufen."
    assert status_sentence({}) == "Es sind keine Maßnahmen erfasst."
    with pytest.raises(ValueError):
        status_sentence({"finished": 2})


def test_status_phrases_cover_the_measure_statuses():
    from imon.core.models import Measure

    assert set(STATUS_PHRASES) == set(Measure.Status.values)
    every = {status: 2 for status in Measure.Status.values}
    sentence = status_sentence(every)
    assert sentence.startswith(
        f"Von {2 * len(every)} Maßnahmen sind 2 abgeschlossen, 2 sind dauerhaft etabliert, 2 laufen"
    )
    assert sentence.count(" 2 ") == len(every)  # every status named once
