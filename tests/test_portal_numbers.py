"""Numbers and dates on the portal are written the way the visitor's language writes them (CLDR);
German prose (the report's sentences) keeps the German way, and the report stays German."""

import datetime
import re

import pytest

from imon.core.numbers import display_language, format_day, format_number, format_percent
from imon.portal import content
from imon.reports import snapshots

D = datetime.date(2018, 12, 31)


@pytest.mark.parametrize(
    "lang, number, share, date",
    [
        ("de", "166.737", "15,7 %", "31.12.2018"),
        ("en", "166,737", "15.7%", "Dec 31, 2018"),
        ("tr", "166.737", "%15,7", "31 Ara 2018"),
        (
            "ar",
            "166,737",
            "15.7\u200e%\u200e",
            "31\u200f/12\u200f/2018",
        ),  # Latin digits, see imon.core.numbers
        ("uk", "166\u00a0737", "15,7%", "31 груд. 2018\u202fр."),
    ],
)
def test_one_function_per_kind_writes_each_language_its_way(lang, number, share, date):
    from decimal import Decimal

    assert format_number(Decimal(166737), lang=lang) == number
    assert format_percent(Decimal("15.7"), 1, lang=lang) == share
    assert format_day(D, lang) == date


@pytest.fixture
def published(demo):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    return content.latest()


def cells(html: str) -> list[str]:
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', html)


def test_indicator_tables_and_dates_follow_the_page_language(client, published):
    german = client.get("/portal/de/kennzahlen/bevoelkerung/").content.decode()
    english = client.get("/portal/en/kennzahlen/bevoelkerung/").content.decode()
    assert any(re.fullmatch(r"\d{1,3}(\.\d{3})+", c) for c in cells(german))
    assert not any(re.fullmatch(r"\d{1,3}(\.\d{3})+", c) for c in cells(english))
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", c) for c in cells(english))
    # numbers in the visitor's language are marked so (a screen reader reads them right)
    assert '<td class="num" lang="en">' in english
    assert re.search(r"<dd>\d\d\.\d\d\.\d{4}</dd>", german)
    assert re.search(r"<dd>[A-Z][a-z]{2} \d{1,2}, \d{4}</dd>", english)
    # the German sentence keeps German numbers
    lead = re.search(r'<p class="lead" lang="de">(.*?)</p>', english)
    assert lead is None or not re.search(r"\d,\d{3}", lead.group(1))


def test_charts_on_the_portal_use_the_page_language_and_are_cached_per_language(client, published):
    german = client.get("/portal/de/kennzahlen/gefluechtete/").content.decode()
    english = client.get("/portal/en/kennzahlen/gefluechtete/").content.decode()
    german_svg = "".join(re.findall(r'<div class="chart".*?</svg>', german, re.S))
    english_svg = "".join(re.findall(r'<div class="chart".*?</svg>', english, re.S))
    assert re.search(r">\d{1,3}(\.\d{3})+<", german_svg)
    assert re.search(r">\d{1,3}(,\d{3})+<", english_svg) and not re.search(
        r">\d{1,3}(\.\d{3})+<", english_svg
    )
    assert ">31.12.2018<" in german_svg and ">Dec 31, 2018<" in english_svg
    # the text alternative is German prose, read with a German voice: German numbers there
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", english_svg, re.S).group(1)
    assert re.search(r"\d\.\d{3}", desc) and not re.search(r"\d,\d{3}", desc)


def test_the_start_page_shows_key_figures_as_tiles_in_the_page_language(client, published):
    figures = published.key_figures()
    assert figures.measures_total and figures.headlines
    for lang in ("de", "en", "ar"):
        html = client.get(f"/portal/{lang}/").content.decode()
        assert 'class="tiles"' in html
        with display_language(lang):
            for h in figures.headlines:
                assert format_day(h.date, lang) in html
        assert f"{figures.finished} " in html
    german = client.get("/portal/de/").content.decode()
    assert "Auf einen Blick" in german
    assert re.search(
        r'class="arrow" aria-hidden="true">[↑↓→]</span> um [\d.,]+ (Prozentpunkte )?ge(stiegen|sunken)',
        german,
    )


def test_progress_of_measures_is_a_percentage_in_the_page_language(client, demo):
    from imon.core import models as m

    m.Measure.objects.filter(key="C1").update(status="in_progress", progress=80)
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    german = client.get("/portal/de/handlungsfelder/c/").content.decode()
    turkish = client.get("/portal/tr/handlungsfelder/c/").content.decode()
    english = client.get("/portal/en/massnahmen/c1/").content.decode()
    assert "<bdi>80 %</bdi>" in german and "<bdi>%80</bdi>" in turkish and "(80%)" in english
