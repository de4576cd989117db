"""How does the city compare: sentences, the comparison of one indicator, the map of the Land."""

import re
from decimal import Decimal as D

from imon.reports import charts, comparison, maps, narrative

# The 53 Kreise and kreisfreie Städte of Nordrhein-Westfalen (official Kreis keys, IT.NRW's
# Gemeindeverzeichnis), each with a made-up test value: the map must shade every one of them.
NRW = [
    "05111",
    "05112",
    "05113",
    "05114",
    "05116",
    "05117",
    "05119",
    "05120",
    "05122",
    "05124",
    "05154",
    "05158",
    "05162",
    "05166",
    "05170",
    "05314",
    "05315",
    "05316",
    "05334",
    "05358",
    "05362",
    "05366",
    "05370",
    "05374",
    "05378",
    "05382",
    "05512",
    "05513",
    "05515",
    "05554",
    "05558",
    "05562",
    "05566",
    "05570",
    "05711",
    "05754",
    "05758",
    "05762",
    "05766",
    "05770",
    "05774",
    "05911",
    "05913",
    "05914",
    "05915",
    "05916",
    "05954",
    "05958",
    "05962",
    "05966",
    "05970",
    "05974",
    "05978",
]


def test_the_city_against_land_and_germany_in_words():
    assert (
        narrative.comparison_sentence("Leverkusen", D("15.7"), [("Landeswert", D("13.1"))], "%", 1)
        == "Leverkusen liegt mit 15,7 % über dem Landeswert von 13,1 %."
    )
    assert (
        narrative.comparison_sentence(
            "Leverkusen", D("12.0"), [("Landeswert", D("13.1")), ("Bundeswert", D("12.2"))], "%", 1
        )
        == "Leverkusen liegt mit 12,0 % unter dem Landeswert von 13,1 % und dem Bundeswert von 12,2 %."
    )
    # compared as displayed: 13,14 and 13,1 are the same figure on the page
    assert (
        narrative.comparison_sentence(
            "Leverkusen", D("13.14"), [("Landeswert", D("13.1")), ("Bundeswert", D("12.2"))], "%", 1
        )
        == "Leverkusen liegt mit 13,1 % gleichauf mit dem Landeswert von 13,1 %, aber über dem Bundeswert von 12,2 %."
    )
    assert (
        narrative.comparison_sentence("Leverkusen", D("402"), [("Landeswert", D("1"))], "Haushalte", 0)
        == "Leverkusen liegt mit 402 Haushalten über dem Landeswert von 1 Haushalt."
    )
    assert narrative.comparison_sentence("Leverkusen", D("1"), [], "%", 1) == ""
    assert (
        narrative.rank_sentence("Leverkusen", 3, 23, "kreisfreien Städten")
        == "Leverkusen steht auf Rang 3 von 23 kreisfreien Städten (Rang 1: höchster Wert)."
    )


AREAS = {
    "DG": {"key": "DG", "name": "Deutschland", "kind": "country", "code": "DG", "comparison": True},
    "05": {
        "key": "05",
        "name": "Nordrhein-Westfalen",
        "kind": "state",
        "code": "05",
        "parent": "DG",
        "comparison": True,
    },
    "05316000": {
        "key": "05316000",
        "name": "Leverkusen",
        "kind": "county",
        "code": "05316000",
        "parent": "05",
    },
    "lev-1": {
        "key": "lev-1",
        "name": "Stadtbezirk I",
        "kind": "city_district",
        "code": "I",
        "parent": "05316000",
    },
    "05315000": {"key": "05315000", "name": "Köln", "kind": "county", "code": "05315000", "comparison": True},
    "05314000": {"key": "05314000", "name": "Bonn", "kind": "county", "code": "05314000", "comparison": True},
    "05382": {
        "key": "05382",
        "name": "Rhein-Sieg-Kreis",
        "kind": "county",
        "code": "05382",
        "comparison": True,
    },
    "09162000": {
        "key": "09162000",
        "name": "München",
        "kind": "county",
        "code": "09162000",
        "comparison": True,
    },
}


def rows(date, **values):
    return [{"area": a, "date": date, "dims": {}, "value": v, "flag": ""} for a, v in values.items()]


def test_comparison_at_the_latest_date_with_a_figure_of_the_city_and_another_region():
    data = (
        rows("2017-12-31", **{"05316000": "15.7", "05": "13.1", "DG": "12.2", "05315000": "18.9"})
        + rows("2018-12-31", **{"05": "13.6"})
        + rows("2016-12-31", **{"05316000": "15.1", "05": "12.5"})
    )
    result = comparison.compare({"key": "x"}, data, AREAS, "05316000")
    assert result is not None and result.date == "2017-12-31"
    assert [r.name for r in result.chart_regions] == [
        "Deutschland",
        "Nordrhein-Westfalen",
        "Leverkusen",
        "Köln",
    ]
    assert comparison.sentences(result, "%", 1, "share") == (
        "Leverkusen liegt mit 15,7 % über dem Landeswert von 13,1 % und dem Bundeswert von 12,2 %."
    )
    # a district's rows and a Kreis of another Land are neither peers of this date nor on the map
    assert {r.kreis for r in result.kreise} == {"05316", "05315"}


def test_the_rows_grouped_by_area_give_the_same_comparison():
    """The portal hands the rows grouped by area (only the compared regions' are read): the same
    comparison as from the rows as they are, for the city and for one of its districts."""
    data = (
        rows("2017-12-31", **{"05316000": "15.7", "05": "13.1", "DG": "12.2", "05315000": "18.9"})
        + rows("2018-12-31", **{"05": "13.6", "05316000": "16.0", "lev-1": "9.9"})
        + rows("2016-12-31", **{"05316000": "15.1", "05": "12.5", "lev-1": "9.1"})
    )
    by_area: dict[str, list] = {}
    for row in data:
        by_area.setdefault(row["area"], []).append(row)
    results = {}
    for area in ("05316000", "lev-1"):
        results[area] = comparison.compare({"key": "x"}, data, AREAS, area)
        assert comparison.compare({"key": "x"}, data, AREAS, area, by_area=by_area) == results[area]
    assert results["05316000"].date == "2018-12-31" and results["05316000"].land.value == D("13.6")
    assert results["lev-1"].date == "2018-12-31" and results["lev-1"].city.value == D("9.9")


def test_rank_among_the_kreise_with_figures_and_no_land_sentence_for_counts():
    data = rows(
        "2022-12-31",
        **{
            "05316000": "165748",
            "05315000": "1084831",
            "05314000": "336465",
            "05382": "608335",
            "09162000": "1512491",
        },
    )
    result = comparison.compare({"key": "x"}, data, AREAS, "05316000")
    # neither the kreisfreie Städte nor all Kreise are complete: the larger pool, said so
    assert result.rank == 4 and result.ranked == 4
    assert comparison.sentences(result, "Personen", 0, "count") == (
        "Leverkusen steht auf Rang 4 von 4 Kreisen und kreisfreien Städten in Nordrhein-Westfalen, "
        "für die Werte vorliegen (Rang 1: höchster Wert)."
    )
    assert "09162" not in {r.kreis for r in result.kreise}  # München is not in the Land's map


def test_no_comparison_without_a_figure_of_the_city_or_of_any_other_region():
    assert comparison.compare({"key": "x"}, rows("2017-12-31", **{"05": "13.1"}), AREAS, "05316000") is None
    assert (
        comparison.compare({"key": "x"}, rows("2017-12-31", **{"05316000": "15.7"}), AREAS, "05316000")
        is None
    )


def test_packaged_boundaries_cover_germany_with_their_attribution():
    assert len(maps.kreise()) == 400
    assert len({k.land for k in maps.kreise().values()}) == 16
    nrw = maps.kreise_of("05")
    assert [k.ags for k in nrw] == NRW
    assert sum(k.county_free for k in nrw) == 22
    assert maps.kreise()["05316"].name == "Leverkusen"
    assert maps.attribution().startswith("© GeoBasis-DE / BKG ")
    assert maps.kreis_key("05316000") == maps.kreis_key("053160000000") == "05316"
    assert maps.kreis_key("I") is None


def map_spec(values):
    names = tuple(maps.kreise()[k].name for k in NRW)
    return charts.ChartSpec(
        "map",
        "Anteil, 31.12.2017",
        names,
        (charts.Series("31.12.2017", values),),
        unit="%",
        decimals=1,
        highlight=NRW.index("05316"),
        codes=tuple(NRW),
        region="05",
    )


def test_map_of_the_land_is_an_accessible_svg_with_every_kreis_shaded_and_the_city_outlined():
    values = tuple(D(10) + D(i) / 2 for i in range(len(NRW)))
    spec = map_spec(values)
    svg = charts.render_svg(spec)
    assert svg.startswith('<svg role="img"')
    assert "<title" in svg and "<desc" in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)[1]
    assert "53 von 53 Kreisen" in desc and "Umrandet: Leverkusen mit 18,5 %" in desc
    assert "GeoBasis-DE / BKG" in svg
    fills = {c for c in charts.MAP_CLASSES if c.lower() in svg.lower()}
    assert len(fills) == 5
    header, table = charts.data_table(spec)
    assert header[0] == "Kreis" and len(table) == 53
    assert ["Leverkusen (hervorgehoben)", "18,5 %"] in table


def test_map_marks_kreise_without_a_figure_and_never_draws_them_as_a_class():
    values = tuple(None if i % 2 else D(i) for i in range(len(NRW)))
    spec = map_spec(values)
    assert "Ohne Angabe (schraffiert): 26 Kreise." in charts.alt_text(spec)
    assert "keine Angabe" in charts.render_svg(spec)


def test_map_classes_hold_equal_values_together():
    assert charts.map_classes([D(1), D(1), D(1), D(2)]) == [(D(1), D(1)), (D(2), D(2))]
    assert charts.map_classes([None]) == []
    classes = charts.map_classes([D(i) for i in range(10)])
    assert classes == [(D(0), D(1)), (D(2), D(3)), (D(4), D(5)), (D(6), D(7)), (D(8), D(9))]
