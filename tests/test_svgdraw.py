"""Line charts written directly as SVG (imon.reports.svgdraw): what a reader of the chart relies on,
read back from the markup (positions of the marks, the text and its size), wide and on a phone."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from imon.reports import charts, svgdraw
from imon.reports.charts import ChartSpec, Series, render_svg

SVG = "{http://www.w3.org/2000/svg}"
YEARS = tuple(str(year) for year in range(2009, 2024))
WIDTHS = [charts.WIDTH_CM, charts.NARROW_CM]


def numbers(*values):
    return tuple(None if v is None else Decimal(str(v)) for v in values)


def drawn(spec, width):
    return ET.fromstring(render_svg.__wrapped__(spec, None, width))


def texts(root):
    return ["\n".join(t.strip() for t in el.itertext()) for el in root.iter(f"{SVG}text")]


def line_paths(root):
    """The data lines: paths without fill drawn 2 points wide."""
    return [p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "2" and p.get("fill") == "none"]


TWO = ChartSpec(
    "line",
    "Einwohner mit ausländischer Staatsangehörigkeit im Zeitverlauf",
    YEARS,
    (
        Series("männlich", numbers(*(10_400 + 120 * i for i in range(15)))),
        Series("weiblich", numbers(*(9_800 + 150 * i if i != 6 else None for i in range(15)))),
    ),
    unit="Personen",
    time_axis=True,
)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_gap_breaks_the_line_and_is_marked_not_drawn_as_zero(width):
    root = drawn(TWO, width)
    first, second = line_paths(root)
    assert first.get("d").count("M") == 1  # the complete series is one line
    assert second.get("d").count("M") == 2  # broken at the missing year, not joined through it
    shown = texts(root)
    assert shown.count(".") == 1  # the official symbol in the gap
    assert any("Wert geheim gehalten oder unbekannt" in " ".join(t.split()) for t in shown)  # its meaning
    assert "0" not in shown  # the value axis starts near the data, no zero is drawn for the gap
    values = [float(t.replace(".", "")) for t in shown if re.fullmatch(r"\d{1,2}\.\d{3}", t)]
    assert values and min(values) >= 9_000  # German thousands separators on the value axis


@pytest.mark.parametrize("width", WIDTHS)
def test_series_differ_by_dashes_and_markers_and_are_named(width):
    root = drawn(TWO, width)
    first, second = line_paths(root)
    assert first.get("stroke-dasharray") != second.get("stroke-dasharray")
    assert root.findall(f".//{SVG}circle") and root.findall(f".//{SVG}path[@stroke-width='0.6']")
    assert {"männlich", "weiblich"} <= set(texts(root))  # the legend


AGES = ChartSpec(
    "bar",
    "Einwohner nach Altersgruppe",
    ("unter 18", "18 bis 64", "65 und älter"),
    (Series("Personen", numbers(31_250, 101_480, 34_007)),),
    unit="Personen",
    shares=True,
)
SALDO = ChartSpec(
    "bar", "Wanderungssaldo", ("2016", "2017", "2018"), (Series("Saldo", numbers(-120, 80, 230)),), "Personen"
)
GAPS = ChartSpec(
    "bar", "Haushalte", ("a", "b", "c", "d"), (Series("Haushalte", numbers(12, None, 7, None)),), "Haushalte"
)


@pytest.mark.parametrize("spec", [TWO, AGES, SALDO, GAPS], ids=lambda s: s.title[:12])
@pytest.mark.parametrize("width", WIDTHS)
def test_text_is_at_least_9_points_and_inside_the_picture(spec, width):
    root = drawn(spec, width)
    assert root.find(f"{SVG}g") is not None  # written here, not by matplotlib
    _x, _y, right, bottom = map(float, root.get("viewBox").split())
    base = float(root.find(f"{SVG}g").get("font-size"))
    for el in root.iter(f"{SVG}text"):
        size = float(el.get("font-size") or base)
        assert size >= 9
        if el.get("transform"):
            continue  # the axis title, turned
        x, y = float(el.get("x")), float(el.get("y"))
        width_pt = svgdraw.text_width("\n".join(el.itertext()), size)
        left = {"start": x, "middle": x - width_pt / 2, "end": x - width_pt}[el.get("text-anchor")]
        assert left >= 0 and left + width_pt <= right + 0.5, "".join(el.itertext())
        assert 0 < y <= bottom


@pytest.mark.parametrize("width", WIDTHS)
def test_labels_of_the_time_axis_do_not_overlap(width):
    root = drawn(TWO, width)
    years = [el for el in root.iter(f"{SVG}text") if el.text in YEARS]
    assert len(years) >= 3 and years[0].text == "2009"
    edges = sorted((float(el.get("x")), svgdraw.text_width(el.text, 9)) for el in years)
    for (x1, w1), (x2, w2) in zip(edges, edges[1:]):
        assert x1 + w1 / 2 < x2 - w2 / 2


def test_few_values_are_labelled_in_german():
    spec = ChartSpec(
        "line", "Anteil", ("31.12.2016", "31.12.2017"), (Series("Anteil", numbers("15.1", "15.7")),), "%", 1
    )
    shown = texts(drawn(spec, charts.WIDTH_CM))
    assert "15,1 %" in shown and "15,7 %" in shown
    assert "in %" in shown  # the axis title


def test_nice_ticks_are_round_and_cover_the_range():
    assert svgdraw.nice_ticks(0, 1000, 6) == [0, 200, 400, 600, 800, 1000]
    assert svgdraw.nice_ticks(15.01, 15.79, 5) == [15.2, 15.4, 15.6]
    assert svgdraw.nice_ticks(-3, 7, 6) == [-2, 0, 2, 4, 6]


def test_the_svg_is_labelled_like_every_chart():
    root = drawn(TWO, charts.WIDTH_CM)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == TWO.title
    assert root.find(f"{SVG}desc").text == charts.alt_text(TWO)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_missing_bar_is_a_marked_gap_not_a_zero(width):
    root = drawn(GAPS, width)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.PALETTE[0]]
    assert len(bars) == 2 and all(float(r.get("height")) > 0 for r in bars)
    shown = texts(root)
    assert shown.count(".") == 2 and shown.count("0") == 1  # "0" only as the axis tick
    assert {"12", "7"} <= set(shown)


def test_bars_show_values_with_their_share_and_a_fall_below_zero():
    shown = texts(drawn(AGES, charts.NARROW_CM))
    assert "101.480 (61 %)" in shown
    root = drawn(SALDO, charts.WIDTH_CM)
    bars = {r.get("y"): r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.PALETTE[0]}
    tops = sorted(float(y) for y in bars)
    assert len(tops) == 3 and tops[-1] > tops[0]  # the fall starts at the zero line, below the rises' tops
    assert "-120" in texts(root)


STACK = ChartSpec(
    "stacked_bar",
    "Geflüchtete nach Status",
    ("31.12.2017", "31.12.2018"),
    (
        Series("Asylbewerber/innen mit Aufenthaltsgestattung", numbers(627, 541)),
        Series("Geduldete", numbers(300, 280)),
        Series("Anerkannte mit Aufenthaltserlaubnis", numbers(2300, None)),
    ),
    unit="Personen",
)
GROUPS = ChartSpec(
    "grouped_bar",
    "Junge Geflüchtete",
    ("Asylbewerber mit Aufenthaltsgestattung", "Geduldete", "Anerkannte"),
    (Series("unter 18", numbers(120, 40, 300)), Series("18 bis 27", numbers(200, None, 410))),
    unit="Personen",
)
CITY = ChartSpec(
    "bar",
    "Anteil Ausländer/innen",
    ("Nordrhein-Westfalen", "Köln", "Leverkusen", "Düsseldorf"),
    (Series("Anteil", numbers("13.1", "19.2", "15.7", "20.3")),),
    unit="%",
    decimals=1,
    highlight=2,
)


def bars_of(root):
    """The rectangles of the bars (not of the legend or the tags)."""
    return root.findall(f".//{SVG}g[@class='bars']/{SVG}rect")


@pytest.mark.parametrize("spec", [STACK, GROUPS, CITY], ids=lambda s: s.kind)
@pytest.mark.parametrize("width", WIDTHS)
def test_several_series_and_the_city_stay_readable(spec, width):
    """Text inside the picture and at least 9 pt also for stacks, groups and a highlighted city."""
    test_text_is_at_least_9_points_and_inside_the_picture(spec, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_stack_has_its_total_only_where_every_part_is_known(width):
    root = drawn(STACK, width)
    bold = [el.text for el in root.iter(f"{SVG}text") if el.get("font-weight") == "bold" and el.text != "."]
    assert bold == ["3.227"]  # 627 + 300 + 2,300; the stack of 2018 lacks a part: no total
    shown = texts(root)
    assert {"627", "541", "300", "280", "2.300"} <= set(shown) and shown.count(".") == 1
    patterns = root.findall(f".//{SVG}pattern")
    assert len(patterns) == 2  # the second and third series are hatched, told apart without colour
    hatched = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("url(")}
    assert hatched == {f"url(#{p.get('id')})" for p in patterns}


@pytest.mark.parametrize("width", WIDTHS)
def test_groups_leave_a_gap_for_a_missing_value(width):
    root = drawn(GROUPS, width)
    coloured = [r for r in bars_of(root) if r.get("fill") in charts.PALETTE[:2]]
    assert len(coloured) == 5  # six values, one of them missing
    assert texts(root).count(".") == 1
    assert {"unter 18", "18 bis 27"} <= set(texts(root))  # the legend


@pytest.mark.parametrize("width", WIDTHS)
def test_the_city_is_set_apart_not_by_colour_alone(width):
    root = drawn(CITY, width)
    city = [r for r in bars_of(root) if r.get("fill") == charts.HIGHLIGHT]
    assert len(city) == 1
    assert any(r.get("fill", "").startswith("url(") for r in bars_of(root))  # hatched
    names = {el.text: el.get("font-weight") for el in root.iter(f"{SVG}text")}
    assert names["Leverkusen"] == "bold" and names["Köln"] is None


def test_long_names_stand_above_their_bars_on_a_phone():
    root = drawn(GROUPS, charts.NARROW_CM)
    name = next(el for el in root.iter(f"{SVG}text") if el.findtext(f"{SVG}tspan") == "Asylbewerber mit")
    assert name.get("text-anchor") == "start"
    first_bar = min(float(r.get("y")) for r in bars_of(root))
    last_line = float(name.get("y")) + 9 * svgdraw.LINE  # the baseline of its second line
    assert last_line < first_bar  # the name's two lines end above the first bar


def test_bars_whose_labels_would_have_to_be_turned_are_left_to_matplotlib():
    years = tuple(str(year) for year in range(2010, 2021))
    crowded = ChartSpec("bar", "Viele", years, (Series("x", numbers(*[1_234_567] * 11)),), "Personen")
    assert svgdraw.bars(crowded, charts.WIDTH_CM) is None
    assert "figure_1" in render_svg.__wrapped__(crowded)  # matplotlib's drawing, labels turned
    pie = ChartSpec("pie", "Teile", ("a", "b"), (Series("x", numbers(1, 2)),))
    assert svgdraw.bars(pie, charts.WIDTH_CM) is None
