"""Charts: one specification renders to SVG and PNG, with German numbers, alt text and a data table."""

import math
import os
import re
import struct
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imon.reports import charts
from imon.reports.charts import ChartSpec, Series, alt_text, data_table, render, render_png, render_svg

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


def numbers(*values):
    return tuple(None if v is None else D(str(v)) for v in values)


SIZES = tuple("1 Person" if i == 1 else f"{i} Personen" for i in range(1, 12))
HOUSEHOLDS = ChartSpec(
    "bar",
    "Wohnungssuchende Haushalte nach Haushaltsgröße",
    SIZES,
    (Series("Haushalte", numbers(402, 54, 31, 51, 37, 34, 18, 9, 2, 1, 1)),),
    unit="Haushalte",
    source="Stadt Leverkusen, Fachbereich Soziales",
    reference_date="31.12.2018",
)
REFUGEES = ChartSpec(
    "stacked_bar",
    "Geflüchtete Personen nach Status",
    ("31.12.2017", "31.12.2018"),
    (
        Series("a) Asylbewerber mit Aufenthaltsgestattung", numbers(605, 627)),
        Series("b) Asylberechtigte bzw. humanitäre Aufenthaltserlaubnis", numbers(3682, 3875)),
        Series("c) Ausreisepflichtige mit Rückführungshindernis", numbers(388, 348)),
    ),
    unit="Personen",
)
YOUNG = ChartSpec(
    "grouped_bar",
    "Geflüchtete nach Status und Alter",
    (
        "Asylbewerber mit Aufenthaltsgestattung",
        "Asylberechtigte bzw. humanitäre Aufenthaltserlaubnis oder Niederlassungserlaubnis",
        "Ausreisepflichtige mit Rückführungshindernis",
    ),
    (
        Series("18 bis unter 28 Jahre", numbers(168, 798, 82)),
        Series("Leverkusen gesamt", numbers(627, 3875, 348)),
    ),
    unit="Personen",
    reference_date="31.12.2018",
)
MIGRATION = ChartSpec(
    "pie",
    "Personen mit Migrationshintergrund nach Altersgruppe",
    ("0 bis unter 65 Jahre", "65 Jahre und älter"),
    (Series("Personen", numbers(44160, 6780)),),
    unit="Personen",
    source="IT.NRW, Zensus 2011",
    reference_date="09.05.2011",
)
FOREIGNERS = ChartSpec(
    "donut",
    "Ausländer/innen nach Altersgruppe",
    ("0 bis unter 65 Jahre", "65 Jahre und älter"),
    (Series("Personen", numbers(24004, 2994)),),
    unit="Personen",
    source="Stadt Leverkusen, Statistikstelle",
    reference_date="31.12.2018",
)
SHARE = ChartSpec(
    "line",
    "Anteil Personen mit ausländischer Staatsangehörigkeit",
    ("31.12.2016", "31.12.2017"),
    (Series("Anteil", numbers("15.1", "15.7")),),
    unit="%",
    decimals=1,
)
POPULATION = ChartSpec(
    "bar",
    "Bevölkerung",
    ("31.12.2016", "31.12.2017"),
    (Series("Personen", numbers(166081, 166737)),),
    unit="Personen",
)
ALL = [HOUSEHOLDS, REFUGEES, YOUNG, MIGRATION, FOREIGNERS, SHARE, POPULATION]


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()).strip() for el in root.iter(f"{SVG}text")]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.mark.parametrize("spec", ALL, ids=lambda s: f"{s.kind}-{s.title[:20]}")
def test_svg_is_standalone_accessible_markup(spec):
    svg = render_svg(spec)
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == spec.title
    assert desc.text == alt_text(spec)
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # Text is real text (searchable, drawn by WeasyPrint with DejaVu Sans), not glyph paths.
    assert texts(svg)


def test_svg_shows_german_numbers():
    assert {"402", "54", "1"} <= set(texts(render_svg(HOUSEHOLDS)))
    population = texts(render_svg(POPULATION))
    assert "166.081" in population and "166.737" in population
    assert "100.000" in population  # axis ticks, too
    assert "15,7 %" in texts(render_svg(SHARE)) and "15,1 %" in texts(render_svg(SHARE))
    stacked = texts(render_svg(REFUGEES))
    assert {"605", "3.682", "388", "4.675", "4.850"} <= set(stacked)  # segments and totals


def test_pie_and_donut_show_german_percentages():
    pie = " ".join(texts(render_svg(MIGRATION)))
    assert "44.160 (87 %)" in pie and "6.780 (13 %)" in pie
    donut = " ".join(texts(render_svg(FOREIGNERS)))
    assert "24.004 (89 %)" in donut and "2.994 (11 %)" in donut and "26.998" in donut


def test_pie_of_shares_shows_the_values():
    spec = ChartSpec(
        "pie",
        "Anteile",
        ("a", "b", "c"),
        (Series("Anteil", numbers("15.7", "10.6", "73.7")),),
        unit="%",
        decimals=1,
    )
    assert {"a\n15,7 %", "b\n10,6 %", "c\n73,7 %"} <= {t for t in _tspans(render_svg(spec))}


def _tspans(svg):
    """Multi-line labels: matplotlib writes one <text> per line, so join the texts of a group."""
    root = ET.fromstring(svg)
    out = []
    for group in root.iter(f"{SVG}g"):
        lines = [("".join(t.itertext())).strip() for t in group.findall(f"{SVG}text")]
        if lines:
            out.append("\n".join(lines))
    return out


def test_ids_are_unique_within_and_across_charts():
    # drawn by matplotlib (a stack, a donut), with clip paths and references; the charts written
    # directly (imon.reports.svgdraw) have no ids but those of title and description
    first, second = render_svg(FOREIGNERS), render_svg(REFUGEES)
    ids1 = re.findall(r'\sid="([^"]+)"', first)
    ids2 = re.findall(r'\sid="([^"]+)"', second)
    assert len(ids1) == len(set(ids1)) and len(ids2) == len(set(ids2))
    assert not set(ids1) & set(ids2)
    # Every reference points to an id of the same chart.
    for svg, ids in ((first, ids1), (second, ids2)):
        refs = re.findall(r"url\(#([^)]+)\)", svg) + re.findall(r'href="#([^"]+)"', svg)
        assert refs and set(refs) <= set(ids)
    chosen = render_svg(FOREIGNERS, id_prefix="abb8")
    assert all(i.startswith("abb8-") for i in re.findall(r'\sid="([^"]+)"', chosen))


def test_output_is_deterministic():
    """The same specification gives the same bytes, also when drawn afresh (not from the memo)."""
    assert render_svg.__wrapped__(REFUGEES) == render_svg.__wrapped__(REFUGEES) == render_svg(REFUGEES)
    assert render_png.__wrapped__(MIGRATION) == render_png.__wrapped__(MIGRATION) == render_png(MIGRATION)


@pytest.mark.parametrize("dpi", [100, 200])
def test_png_has_the_size_for_the_dpi(dpi):
    width, height = png_size(render_png(POPULATION, dpi=dpi))
    assert abs(width - 16 / 2.54 * dpi) <= 1
    assert abs(height - 9 / 2.54 * dpi) <= 1


def test_render_gives_both_outputs_as_the_single_calls():
    svg, png = render(REFUGEES)
    assert svg == render_svg(REFUGEES)
    assert png_size(png) == png_size(render_png(REFUGEES))


def test_missing_values_leave_a_gap_not_a_zero():
    spec = ChartSpec(
        "bar",
        "Haushalte",
        ("a", "b", "c", "d"),
        (Series("Haushalte", numbers(12, None, 7, None)),),
        unit="Haushalte",
    )
    fig = charts._draw(spec)
    bars = [p for p in fig.axes[0].patches if p.get_width() and p.get_height()]
    assert len(fig.axes[0].patches) == len(bars) == 2  # no zero-height bar for the missing values
    labels = texts(render_svg(spec))
    assert labels.count("0") == 1  # "0" only as the axis tick, never as a data label
    assert labels.count(".") == 2  # the official symbol marks each gap
    assert "2 Werte nicht dargestellt" in alt_text(spec)

    line = ChartSpec("line", "Verlauf", ("2016", "2017", "2018"), (Series("Wert", numbers(5, None, 7)),))
    (drawn,) = charts._draw(line).axes[0].get_lines()
    y = list(drawn.get_ydata())
    assert y[0] == 5 and math.isnan(y[1]) and y[2] == 7


def test_missing_part_of_a_stack_has_no_total():
    spec = ChartSpec(
        "stacked_bar",
        "Teile",
        ("2017", "2018"),
        (Series("a", numbers(10, 20)), Series("b", numbers(5, None))),
        unit="Personen",
    )
    shown = texts(render_svg(spec))
    assert "15" in shown and "20" in shown  # the total of 2017 and the known part of 2018
    assert data_table(spec)[1] == [["2017", "10", "5", "15"], ["2018", "20", ".", "."]]


def test_several_series_are_told_apart_without_colour():
    fig = charts._draw(YOUNG)
    hatches = {p.get_hatch() for p in fig.axes[0].patches}
    assert len(hatches) == 2
    line = ChartSpec(
        "line", "Zwei Reihen", ("2016", "2017"), (Series("a", numbers(1, 2)), Series("b", numbers(2, 3)))
    )
    a, b = charts._draw(line).axes[0].get_lines()
    assert a.get_marker() != b.get_marker() and a.get_linestyle() != b.get_linestyle()
    assert fig.legends  # and the series are named


def test_long_category_labels_get_horizontal_bars():
    fig = charts._draw(YOUNG)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Asylbewerber mit\nAufenthaltsgestattung"
    assert fig.axes[0].yaxis_inverted()  # first category on top
    short = charts._draw(POPULATION)
    assert [t.get_text() for t in short.axes[0].get_xticklabels()] == ["31.12.2016", "31.12.2017"]


@pytest.mark.parametrize("spec", ALL, ids=lambda s: f"{s.kind}-{s.title[:20]}")
@pytest.mark.parametrize("width", [charts.WIDTH_CM, charts.NARROW_CM])
def test_text_is_at_least_9_points(spec, width):
    fig = charts._draw(spec, width)
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
        if t.get_text() and t.get_visible()
    ]
    assert sizes and min(sizes) >= 9


def test_alt_text_example():
    assert alt_text(HOUSEHOLDS) == (
        "Balkendiagramm: Wohnungssuchende Haushalte nach Haushaltsgröße, 31.12.2018. "
        "Am häufigsten: 1 Person mit 402 Haushalten; am seltensten: 10 Personen mit 1 Haushalt. "
        "Quelle: Stadt Leverkusen, Fachbereich Soziales."
    )


def test_alt_text_of_pie_line_and_stack():
    assert (
        "0 bis unter 65 Jahre 44.160 Personen (87 %); 65 Jahre und älter 6.780 Personen (13 %)"
        in alt_text(MIGRATION)
    )
    assert alt_text(SHARE) == (
        "Liniendiagramm: Anteil Personen mit ausländischer Staatsangehörigkeit. "
        "Verlauf über 2 Stichtage (31.12.2016 bis 31.12.2017). "
        "Anstieg von 15,1 % (31.12.2016) auf 15,7 % (31.12.2017), um 0,6 Prozentpunkte."
    )
    peak = ChartSpec(
        "line", "Fälle", ("2016", "2017", "2018"), (Series("Fälle", numbers(30, 50, 20)),), unit="Fälle"
    )
    assert (
        "Rückgang von 30 Fällen (2016) auf 20 Fälle (2018), -33,3 %; höchster Wert 50 Fälle (2017)."
        in alt_text(peak)
    )
    # Bars over reference dates speak of the change, never of a date as the "most frequent" category.
    refugees = alt_text(REFUGEES)
    assert (
        "Insgesamt: Anstieg von 4.675 Personen (31.12.2017) auf 4.850 Personen (31.12.2018), +3,7 %."
        in refugees
    )
    assert (
        "c) Ausreisepflichtige mit Rückführungshindernis: Rückgang von 388 Personen (31.12.2017)" in refugees
    )
    assert "Am 31.12.2018 am häufigsten: b) Asylberechtigte" in refugees
    assert "Am häufigsten: 31.12" not in refugees and "Summe am höchsten: 31.12" not in refugees
    money = ChartSpec("bar", "Kosten", ("a", "b"), (Series("Euro", numbers(5, 9)),), unit="Euro")
    assert "Am höchsten: b mit 9 Euro; am niedrigsten: a mit 5 Euro." in alt_text(money)


categories = st.lists(
    st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(str.strip).filter(bool),
    min_size=2,
    max_size=8,
    unique=True,
)


@given(
    categories.flatmap(
        lambda cats: st.tuples(
            st.just(tuple(cats)),
            st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=len(cats), max_size=len(cats)),
        )
    )
)
@settings(max_examples=60)
def test_alt_text_names_the_extremes(data):
    cats, raw = data
    values = numbers(*raw)
    spec = ChartSpec("bar", "Test", cats, (Series("Personen", values),), unit="Personen")
    text = alt_text(spec)
    present = [(c, v) for c, v in zip(cats, values) if v is not None]
    missing = len(cats) - len(present)
    if missing:
        assert f"{missing} {'Wert' if missing == 1 else 'Werte'} nicht dargestellt" in text
    else:
        assert "nicht dargestellt" not in text
    if len(present) >= 2 and len({v for _c, v in present}) > 1:
        hi = max(present, key=lambda p: p[1])
        lo = min(present, key=lambda p: p[1])
        fmt = charts.format_value(spec, hi[1])
        assert f"Am häufigsten: {hi[0]} mit {fmt} " in text
        assert f"am seltensten: {lo[0]} mit {charts.format_value(spec, lo[1])} " in text


def test_data_table():
    header, rows = data_table(HOUSEHOLDS)
    assert header == ["", "Haushalte"]
    assert rows[0] == ["1 Person", "402"] and len(rows) == 11
    header, rows = data_table(MIGRATION)
    assert header == ["", "Personen", "Anteil"]
    assert rows == [["0 bis unter 65 Jahre", "44.160", "87 %"], ["65 Jahre und älter", "6.780", "13 %"]]
    header, rows = data_table(REFUGEES)
    assert header[-1] == "Insgesamt" and rows[1][-1] == "4.850"
    header, rows = data_table(SHARE)
    assert header == ["Jahr", "Anteil"] and rows == [["31.12.2016", "15,1 %"], ["31.12.2017", "15,7 %"]]
    suppressed = ChartSpec(
        "pie", "Teile", ("a", "b"), (Series("Haushalte", numbers(10, None)),), unit="Haushalte"
    )
    # With a hidden slice the shares of the rest would mislead: none are given.
    assert data_table(suppressed)[1] == [["a", "10", "."], ["b", ".", "."]]
    shown = " ".join(texts(render_svg(suppressed)))
    assert "%" not in shown
    assert "Nicht dargestellt (Wert nicht veröffentlicht): b" in shown  # the hidden slice is named


def test_invalid_specifications_are_refused():
    with pytest.raises(ValueError):
        ChartSpec("radar", "x", ("a",), (Series("s", numbers(1)),))
    with pytest.raises(ValueError):
        ChartSpec("bar", "x", ("a", "b"), (Series("s", numbers(1)),))
    with pytest.raises(ValueError):
        ChartSpec("pie", "x", ("a",), (Series("s", numbers(1)), Series("t", numbers(2))))
    with pytest.raises(ValueError):
        ChartSpec("pie", "x", ("a", "b"), (Series("s", numbers(1, -2)),))
    with pytest.raises(ValueError):
        ChartSpec("bar", "x", ("a",), ())


def test_all_zero_and_single_values_render():
    for spec in (
        ChartSpec("bar", "Null", ("a", "b"), (Series("s", numbers(0, 0)),)),
        ChartSpec("line", "Eins", ("2018",), (Series("s", numbers(3)),)),
        ChartSpec("pie", "Nichts", ("a",), (Series("s", numbers(None)),)),
        ChartSpec("bar", "Negativ", ("a", "b"), (Series("s", numbers(-5, 3)),)),
    ):
        ET.fromstring(render_svg(spec))
        png_size(render_png(spec, dpi=72))


def test_charts_drawn_ahead_by_a_helper_process_are_the_same(monkeypatch):
    """`imon report` lets a forked helper draw the charts while it builds the document: what it
    gets from the helper is what it would have drawn itself."""
    specs = (HOUSEHOLDS, MIGRATION, SHARE)
    expected = [render_svg.__wrapped__(s) for s in specs] + [
        render_png.__wrapped__(s, dpi=100) for s in specs
    ]
    render_svg.cache_clear()
    render_png.cache_clear()
    here, draw = os.getpid(), charts._draw
    drawn_here = []

    def counted(*args, **kwargs):
        if os.getpid() == here:
            drawn_here.append(args[0])
        return draw(*args, **kwargs)

    monkeypatch.setattr(charts, "_draw", counted)
    with charts.helpers(1):
        charts.draw_ahead([charts.svg_job(s) for s in specs] + [charts.png_job(s, dpi=100) for s in specs])
        for future in list(charts._ahead.values()):
            future.result()  # the helper has drawn them all
        got = [render_svg(s) for s in specs] + [render_png(s, dpi=100) for s in specs]
    assert got == expected
    assert drawn_here == []
    render_svg.cache_clear()
    render_png.cache_clear()


def test_drawings_kept_on_disk_are_the_same_and_not_drawn_again(tmp_path, monkeypatch):
    """`imon report` keeps its drawings between runs (a snapshot is frozen): the next run gets the
    same SVG and PNG without drawing them again."""
    expected = (render_svg.__wrapped__(MIGRATION), render_png.__wrapped__(MIGRATION, dpi=100))
    drawn, draw = [], charts._draw
    monkeypatch.setattr(charts, "_draw", lambda *a, **k: drawn.append(a[0]) or draw(*a, **k))
    for _run in range(2):
        render_svg.cache_clear()  # a new process
        render_png.cache_clear()
        with charts.stored(tmp_path):
            assert (render_svg(MIGRATION), render_png(MIGRATION, dpi=100)) == expected
    assert drawn == [MIGRATION, MIGRATION]  # the first run only
    render_svg.cache_clear()
    render_png.cache_clear()


def test_charts_render_in_parallel_threads():
    """Reports may be rendered in worker threads: figures share no global state."""
    draw = render_svg.__wrapped__  # past the memo, so that the threads really draw
    expected = {spec.title: draw(spec) for spec in (HOUSEHOLDS, MIGRATION, SHARE)}
    results, errors = {}, []

    def work(spec):
        try:
            for _ in range(2):
                results[spec.title] = draw(spec)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(spec,)) for spec in (HOUSEHOLDS, MIGRATION, SHARE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == expected


def test_an_incomplete_table_never_makes_a_pie_of_its_own_total():
    """5 of 10 lists in the file: the parts shown do not add up to the published total, so the chart
    is a bar chart of counts, not a donut whose shares are computed against the 5 parts."""
    from types import SimpleNamespace

    from imon.reports.document.indicator_view import _View

    builder = SimpleNamespace(
        totals={("liste", "insgesamt")},
        value_order={},
        value_labels={},
        areas={"a": {"name": "Musterstadt"}},
        dim_labels={"liste": "Liste"},
    )
    indicator = {
        "key": "stimmen",
        "kind": "count",
        "unit": "Stimmen",
        "dimensions": ["liste"],
        "rules": [{"kind": "part_sum", "dimension": "liste", "total": "insgesamt"}],
    }

    def rows(parts, total):
        values = {"insgesamt": total, **parts}
        return [
            {"indicator": "stimmen", "area": "a", "date": "2024-06-09", "dims": {"liste": k}, "value": str(v)}
            for k, v in values.items()
        ]

    five_of_ten = rows({"l1": 20, "l2": 15, "l3": 10, "l4": 10, "l5": 5}, 100)
    spec = _View(indicator, five_of_ten, builder).chart("Wahlamt", "09.06.2024", "Stimmen")
    assert spec.kind == "bar" and not spec.shares
    assert "%" not in alt_text(spec)
    complete = rows({"l1": 40, "l2": 30, "l3": 30}, 100)
    spec = _View(indicator, complete, builder).chart("Wahlamt", "09.06.2024", "Stimmen")
    assert spec.kind == "bar" and spec.shares  # the parts of a whole: bars labelled with their shares
    assert "(40 %)" in "".join(texts(render_svg(spec)))


def test_a_legend_of_long_names_gets_room_of_its_own_on_a_phone():
    """Three long series names over time, drawn for a phone: the legend (one name per line, each
    wrapped) took the plot's room, matplotlib's layout gave up and the legend lay over the bars."""
    import warnings

    names = (
        "a) Asylbewerber/innen mit Aufenthaltsgestattung",
        "b) Asylberechtigte bzw. Personen mit humanitärer Aufenthaltserlaubnis oder Niederlassungserlaubnis",
        "c) Ausreisepflichtige mit Rückführungshindernis",
    )
    spec = charts.ChartSpec(
        "stacked_bar",
        "Geflüchtete Personen nach Aufenthaltsstatus im Zeitverlauf",
        ("31 груд. 2017 р.", "31 груд. 2018 р."),
        tuple(
            charts.Series(name, (Decimal(a), Decimal(b)))
            for name, (a, b) in zip(names, ((605, 627), (3682, 3875), (388, 348)))
        ),
        unit="Personen",
        horizontal=True,
        time_axis=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "constrained_layout not applied because axes sizes collapsed"
        svg = charts.render_svg.__wrapped__(spec, None, charts.NARROW_CM)
    assert "4.850" in svg  # the total of the stack is labelled
