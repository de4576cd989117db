"""Key figures at a glance: one function for the portal's tiles, the staff view and the report."""

import datetime
from decimal import Decimal

from django.utils import translation

from imon.reports.keyfigures import change_words, key_figures, value_text
from tests import steering

people = steering.people  # the personas fixture


def document(**concept):
    """A public document as a snapshot holds it, written by hand: a city, two indicators."""
    obs = [
        {"indicator": "pop", "area": "lev", "date": "2017-12-31", "dims": {}, "value": "163729", "flag": ""},
        {"indicator": "pop", "area": "lev", "date": "2018-12-31", "dims": {}, "value": "166737", "flag": ""},
        {
            "indicator": "pop",
            "area": "nrw",
            "date": "2018-12-31",
            "dims": {},
            "value": "17932651",
            "flag": "",
        },
        {
            "indicator": "share",
            "area": "lev",
            "date": "2017-12-31",
            "dims": {"sex": "all"},
            "value": "16.1",
            "flag": "",
        },
        {
            "indicator": "share",
            "area": "lev",
            "date": "2018-12-31",
            "dims": {"sex": "all"},
            "value": "15.7",
            "flag": "",
        },
        {
            "indicator": "share",
            "area": "lev",
            "date": "2018-12-31",
            "dims": {"sex": "f"},
            "value": "14.2",
            "flag": "",
        },
        {
            "indicator": "secret",
            "area": "lev",
            "date": "2018-12-31",
            "dims": {},
            "value": None,
            "flag": ".",
            "suppressed": "secret",
        },
    ]
    return {
        "municipality": {"name": "Leverkusen", "ags": "05316000"},
        "concept": {"title": "Integrationskonzept", **concept},
        "areas": [
            {"key": "lev", "name": "Leverkusen", "kind": "municipality", "code": "05316000"},
            {"key": "nrw", "name": "NRW", "kind": "state", "code": "05", "comparison": True},
        ],
        "dimensions": [
            {"key": "sex", "label": "Geschlecht", "values": [{"key": "all", "total": True}, {"key": "f"}]}
        ],
        "indicators": [
            {"key": "pop", "title": "Einwohnerinnen und Einwohner", "unit": "Personen", "decimals": 0},
            {"key": "share", "title": "Anteil ausländischer Personen", "unit": "%", "decimals": 1},
            {"key": "secret", "title": "Geheime Zahl", "unit": "Personen"},
        ],
        "measures": [
            {"key": "m1", "status": "in_progress"},
            {"key": "m2", "status": "in_progress"},
            {"key": "m3", "status": "completed"},
            {"key": "m4", "status": "unknown"},
        ],
        "goals": [
            {"key": "g1", "traffic_light": "green"},
            {"key": "g2", "traffic_light": "red"},
            {"key": "g3"},
        ],
        "observations": obs,
    }


def test_measures_and_goals_are_counted_with_whole_percentages():
    figures = key_figures(document())
    assert figures.measures_total == 4 and figures.finished == 1 and figures.finished_percent == 25
    assert [(s.code, s.count, s.percent) for s in figures.measures] == [
        ("completed", 1, 25),
        ("in_progress", 2, 50),
        ("unknown", 1, 25),
    ]
    assert [(s.code, s.count, s.percent) for s in figures.goals] == [
        ("green", 1, 33),
        ("red", 1, 33),
        ("", 1, 33),
    ]


def test_default_headlines_are_the_city_totals_with_two_dates():
    pop, share = key_figures(document()).headlines
    assert (pop.key, pop.area, pop.value, pop.date) == (
        "pop",
        "Leverkusen",
        Decimal("166737"),
        datetime.date(2018, 12, 31),
    )
    assert (pop.change, pop.direction, pop.previous_date) == (
        Decimal(3008),
        "up",
        datetime.date(2017, 12, 31),
    )
    assert (share.value, share.change, share.direction) == (Decimal("15.7"), Decimal("-0.4"), "down")


def test_the_default_headlines_read_only_the_indicators_they_need():
    """A portal server reads a large release one indicator at a time: the default headlines are
    the same as from the whole document, and the indicators after the fourth found are not read."""
    whole = document()
    for key in ("a", "b", "c", "d"):
        whole["indicators"].append({"key": key, "title": key.upper(), "unit": "Personen", "decimals": 0})
        whole["observations"] += [
            {"indicator": key, "area": "lev", "date": date, "dims": {}, "value": "10", "flag": ""}
            for date in ("2017-12-31", "2018-12-31")
        ]
    read = []

    def rows_of(key):
        read.append(key)
        return [o for o in whole["observations"] if o["indicator"] == key]

    figures = key_figures({**whole, "observations": []}, rows_of=rows_of)
    assert [h.key for h in figures.headlines] == ["pop", "share", "a", "b"]
    assert figures == key_figures(whole)
    assert "c" not in read and "d" not in read


def test_the_concepts_choice_wins_and_a_hidden_value_stays_hidden():
    figures = key_figures(document(headline_indicators=["secret", "share"]))
    assert [h.key for h in figures.headlines] == ["secret", "share"]
    secret = figures.headlines[0]
    assert secret.value is None and value_text(secret) == "." and secret.direction == ""


def test_values_and_changes_in_words_per_language():
    pop, share = key_figures(document()).headlines
    assert value_text(pop, "de") == "166.737" and value_text(pop, "en") == "166,737"
    assert value_text(share, "de") == "15,7 %" and value_text(share, "en") == "15.7%"
    assert value_text(share, "tr") == "%15,7"
    with translation.override("de"):
        assert change_words(pop, "de") == "um 3.008 gestiegen seit 31.12.2017"
        assert change_words(share, "de") == "um 0,4 Prozentpunkte gesunken seit 31.12.2017"
    with translation.override("en"):
        assert change_words(pop, "en") == "up by 3,008 since Dec 31, 2017"


def test_portal_and_staff_dashboard_show_the_same_key_figures(people, client):
    import re

    from imon.reports import snapshots

    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    client.force_login(people.reviewer)
    staff = client.get("/steuerung/")
    figures = staff.context["glance"]["figures"]
    assert figures.measures_total == 9 and figures.headlines
    portal = client.get("/portal/de/").content.decode()
    dashboard = staff.content.decode()
    for page in (portal, dashboard):
        for s in figures.measures:
            assert re.search(rf"{s.count} \({s.percent}\s%\)", page), s
        for h in figures.headlines:
            assert value_text(h) in page and change_words(h) in page


def test_a_value_the_source_states_approximately_keeps_its_words_and_has_no_change():
    doc = document(headline_indicators=["pop"])
    doc["observations"][1] = {**doc["observations"][1], "value": "166700", "qualifier": "approx", "flag": "p"}
    (pop,) = key_figures(doc).headlines
    assert value_text(pop, "de") == "rund 166.700 p"
    assert pop.direction == "" and change_words(pop) == ""
