"""What people come to the portal for: a field of action's page with its goals, measures and figures;
an indicator's page like an open-data portal's (area switch without JavaScript, source, licence,
population concept, symbol key, downloads in German and international formats)."""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command

from imon.portal import content
from imon.reports import snapshots


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode("utf-8")


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def lindenhain(db):
    call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    content._LATEST.clear()


@pytest.fixture
def leverkusen(demo):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))


def test_field_page_shows_goals_measures_and_a_chart_per_indicator(lindenhain, client):
    html = text_of(client.get("/portal/de/handlungsfelder/2/"))
    text = plain(html)
    assert "Mehr junge Zugewanderte beginnen eine Ausbildung" in text
    assert "Bewertung für 2. Halbjahr 2024: grün: im Plan" in text
    # each measure with status, progress, lead and period, in its own columns
    row = plain(re.search(r"<tr><td>2\.1</td>.*?</tr>", html, re.S).group(0))
    assert (
        row
        == "2.1 Ausbildungslotsen für junge Zugewanderte in Umsetzung 40 % Amt für Integration und Vielfalt 2024 – 2027"
    )
    for header in ("Status", "Fortschritt", "Federführung", "Zeitraum"):
        assert re.search(rf'<th scope="col"( class="num")?>{header}</th>', html), header
    # the field's indicator with a small chart (here the district map), linked to its page
    cards = html[html.index('<ul class="indicator-cards">') :]
    cards = cards[: cards.index("</ul>")]
    assert 'href="/portal/de/kennzahlen/lh-integrationskurse/"' in cards and "<svg" in cards


def test_an_indicator_without_a_chart_shows_its_date_and_sentence_on_the_field_page(lindenhain, client):
    html = text_of(client.get("/portal/de/handlungsfelder/1/"))
    cards = html[html.index('<ul class="indicator-cards">') :]
    card = re.search(r"kennzahlen/lh-kita-familiensprache/.*?</li>", cards, re.S).group(0)
    assert "<svg" not in card and "Stichtag 01.03.2024" in card
    assert "stieg von 33,1 % (01.03.2023) auf 34,6 % (01.03.2024)" in card


def test_area_switch_is_links_each_area_with_its_own_page(lindenhain, client):
    html = text_of(client.get("/portal/de/kennzahlen/lh-integrationskurse/"))
    switch = html[html.index('<nav class="switch"') : html.index("</nav>", html.index('<nav class="switch"'))]
    assert "<form" not in switch  # no JavaScript, no query: links, which the static export has too
    # the city's own figures are shown first, marked as the current choice
    assert re.search(r'gebiet/06499000/"[^>]*aria-current="page">Lindenhain</a>', switch)
    assert 'href="/portal/de/kennzahlen/lh-integrationskurse/gebiet/lh-ob-1/"' in switch
    district = text_of(client.get("/portal/de/kennzahlen/lh-integrationskurse/gebiet/lh-ob-1/"))
    assert re.search(r'gebiet/lh-ob-1/"[^>]*aria-current="page"', district)
    assert "Ortsbezirk 1 – Mitte" in plain(district[district.index("<table") :])
    assert district != html
    # an area the indicator has no figures for is no page; the old query address has moved for good
    assert client.get("/portal/de/kennzahlen/lh-integrationskurse/gebiet/unsinn/").status_code == 404
    moved = client.get("/portal/de/kennzahlen/lh-integrationskurse/?gebiet=lh-ob-1")
    assert moved.status_code == 301
    assert moved["Location"] == "/portal/de/kennzahlen/lh-integrationskurse/gebiet/lh-ob-1/"


def test_indicator_facts_name_concept_source_licence_and_symbols(lindenhain, client):
    text = plain(text_of(client.get("/portal/de/kennzahlen/lh-integrationskurse/")))
    assert "Bevölkerungskonzept Neuzugewanderte" in text
    assert "Quelle Stadt Lindenhain, Amt für Integration und Vielfalt" in text
    # the district values hidden for confidentiality are explained in the symbol key
    assert "Zeichenerklärung . geheim zu halten oder unbekannt" in text
    assert "Lizenz der Daten: Datenlizenz Deutschland – Namensnennung – Version 2.0" in text
    english = plain(text_of(client.get("/portal/en/kennzahlen/lh-integrationskurse/")))
    assert "Population concept" in english and "Symbols" in english


def test_downloads_in_german_and_international_csv_xlsx_and_json(leverkusen, client):
    html = text_of(client.get("/portal/de/kennzahlen/anteil-auslaendisch/"))
    for fmt, label in (
        ("csv", "CSV, international (Komma, Dezimalpunkt)"),
        ("csv-de", "CSV, deutsch (Semikolon, Dezimalkomma)"),
        ("xlsx", "XLSX"),
        ("json", "JSON"),
    ):
        assert f'href="/portal/daten/anteil-auslaendisch.{fmt}" download>{label}</a>' in html
    international = client.get("/portal/daten/anteil-auslaendisch.csv").content.decode("utf-8-sig")
    german = client.get("/portal/daten/anteil-auslaendisch.csv-de").content.decode("utf-8-sig")
    assert international.startswith("indicator,area,") and german.startswith("indicator;area;")
    assert ",2017-12-31,15.7," in international
    assert ";31.12.2017;15,7;" in german
    rows = json.loads(client.get("/portal/daten/anteil-auslaendisch.json").content)
    assert rows


def first_figure_table(html: str) -> str:
    """The text of the first data table below the heading that names the chosen date."""
    chosen = html[html.index('<h2 class="chosen">') :]
    return plain(chosen[chosen.index("<table") : chosen.index("</table>")])


def test_time_switch_is_links_each_date_with_its_own_page(leverkusen, client):
    html = text_of(client.get("/portal/de/kennzahlen/gefluechtete/"))
    start = html.index('<nav class="switch" aria-labelledby="switch-date"')
    switch = html[start : html.index("</nav>", start)]
    assert "<form" not in switch and "?" not in switch  # links, which the static export has too
    assert '<h2 id="switch-date">Stichtag</h2>' in switch
    # the latest date is the page itself, the earlier one a page of its own
    assert '<a href="/portal/de/kennzahlen/gefluechtete/" aria-current="page">31.12.2018</a>' in switch
    assert '<a href="/portal/de/kennzahlen/gefluechtete/stand/2017-12-31/">31.12.2017</a>' in switch
    assert "Werte, Stand 31.12.2018" in plain(html)
    latest = first_figure_table(html)
    assert "Insgesamt (a+b+c) 4.850" in latest and "4.675" not in latest

    earlier = text_of(client.get("/portal/de/kennzahlen/gefluechtete/stand/2017-12-31/"))
    assert re.search(r'stand/2017-12-31/" aria-current="page">31\.12\.2017</a>', earlier)
    assert 'aria-current="page">31.12.2018' not in earlier
    assert "Werte, Stand 31.12.2017" in plain(earlier)
    assert "<title>Geflüchtete Personen nach Aufenthaltsstatus, 31.12.2017 – " in earlier
    table = first_figure_table(earlier)
    assert (
        "Insgesamt (a+b+c) 4.675" in table and "a) Asylbewerber/innen mit Aufenthaltsgestattung 605" in table
    )
    assert "4.850" not in table
    # the development over time stays below the chosen date's figures, with its chart
    over_time = earlier[earlier.index("<h2>Im Zeitverlauf</h2>") : earlier.index("Über diesen Indikator")]
    assert "<svg" in over_time and "4.675" in plain(over_time) and "4.850" in plain(over_time)

    # a date without figures is no page
    for date in ("2016-12-31", "unsinn"):
        assert client.get(f"/portal/de/kennzahlen/gefluechtete/stand/{date}/").status_code == 404


def test_time_switch_writes_dates_and_numbers_in_the_pages_language(leverkusen, client):
    english = text_of(client.get("/portal/en/kennzahlen/gefluechtete/stand/2017-12-31/"))
    assert '<h2 id="switch-date">Reference date</h2>' in english
    assert re.search(r'stand/2017-12-31/" aria-current="page">Dec 31, 2017</a>', english)
    assert "Figures as of Dec 31, 2017" in plain(english)
    assert "3,682" in first_figure_table(english)
    arabic = plain(text_of(client.get("/portal/ar/kennzahlen/gefluechtete/stand/2017-12-31/")))
    assert "التاريخ المرجعي" in arabic and "على مرّ الزمن" in arabic


def test_a_date_in_a_german_tables_head_keeps_its_order_in_arabic(leverkusen, client):
    """The Arabic date (31‏/12‏/2017, with right-to-left marks) in the head of a German (left-to-right)
    table is isolated; unisolated, the browser showed it as "312017/12/"."""
    page = text_of(client.get("/portal/ar/kennzahlen/gefluechtete/stand/2017-12-31/"))
    heads = re.findall(r'<th scope="col" class="num">(.*?)</th>', page)
    dated = [h for h in heads if "\u200f" in h]
    assert dated and all(h.startswith('<bdi lang="ar">') and h.endswith("</bdi>") for h in dated)


def test_the_time_switch_is_on_the_indicators_own_page_only(lindenhain, client):
    """Area pages show their latest figures and the whole series (a switch on every area page
    multiplied the pages of a static site by the dates)."""
    html = text_of(client.get("/portal/de/kennzahlen/lh-bevoelkerung/stand/2022-12-31/"))
    areas = html[html.index('aria-labelledby="switch-area"') :]
    areas = areas[: areas.index("</nav>")]
    assert 'href="/portal/de/kennzahlen/lh-bevoelkerung/gebiet/06499000/"' in areas
    assert "/stand/" not in areas
    city = text_of(client.get("/portal/de/kennzahlen/lh-bevoelkerung/gebiet/06499000/"))
    assert 'aria-labelledby="switch-date"' not in city
    assert "58.412" in plain(city)  # 2022 in the series
    assert (
        client.get("/portal/de/kennzahlen/lh-bevoelkerung/gebiet/06499000/stand/2022-12-31/").status_code
        == 404
    )
    # the city's district map is at the chosen date only where the districts have figures for it
    assert "Karte" not in plain(html[: html.index("Im Zeitverlauf")])
    latest = text_of(client.get("/portal/de/kennzahlen/lh-bevoelkerung/"))
    assert "<svg" in latest[latest.index('<h2 class="chosen">') : latest.index("Im Zeitverlauf")]


class _Published:
    """What indicator_dates reads of the published release: observations and the areas."""

    def __init__(self, rows):
        self.rows = rows
        self.document = {
            "areas": [
                {"key": "city", "kind": "municipality"},
                {"key": "d1", "kind": "city_district"},
                {"key": "nrw", "kind": "land", "comparison": True},
            ],
            "municipality": {"ags": "city"},
        }

    def remember(self, key, name, compute):  # nothing kept: each question computed afresh
        return compute()

    def observations(self, key):
        return self.rows


def test_time_switch_offers_the_latest_dates_of_the_shown_area():
    from imon.portal import views

    years = [f"{year}-12-31" for year in range(2015, 2025)]
    rows = [{"area": "city", "date": d} for d in years] + [
        {"area": "d1", "date": "2024-12-31"},
        {"area": "nrw", "date": "2013-12-31"},
    ]
    published = _Published(rows)
    assert views.indicator_dates(published, "x") == years[-views.SWITCHED_DATES :]
    assert views.indicator_dates(published, "x", "d1") == []  # one date: nothing to switch
    assert views.indicator_dates(_Published([{"area": "city", "date": "2024-12-31"}]), "x") == []


def test_breakdown_switch_shows_one_dimension_with_the_others_at_their_total(leverkusen, client):
    html = text_of(client.get("/portal/de/kennzahlen/gefluechtete-azr-alter/"))
    start = html.index('<nav class="switch" aria-labelledby="switch-breakdown"')
    switch = html[start : html.index("</nav>", start)]
    assert "<form" not in switch and "?" not in switch
    assert '<h2 id="switch-breakdown">Aufgliederung</h2>' in switch
    assert (
        'href="/portal/de/kennzahlen/gefluechtete-azr-alter/" aria-current="page">Alle Merkmale zusammen'
        in switch
    )
    assert (
        'href="/portal/de/kennzahlen/gefluechtete-azr-alter/nach/altersgruppe/" lang="de">Altersgruppe'
        in switch
    )
    # both dimensions together: the cross table
    assert "a) Asylbewerber/innen mit Aufenthaltsgestattung 627 168" in first_figure_table(html)

    by_age = text_of(client.get("/portal/de/kennzahlen/gefluechtete-azr-alter/nach/altersgruppe/"))
    assert re.search(r'nach/altersgruppe/" lang="de" aria-current="page">Altersgruppe</a>', by_age)
    assert "Werte, Stand 31.12.2018: Altersgruppe" in plain(by_age)
    table = first_figure_table(by_age)  # every status at its total
    assert table.endswith("Altersgruppe Personen Insgesamt 4.850 18 bis unter 28 Jahre 1.048")
    by_status = first_figure_table(
        text_of(client.get("/portal/de/kennzahlen/gefluechtete-azr-alter/nach/aufenthaltsstatus/"))
    )
    assert "a) Asylbewerber/innen mit Aufenthaltsgestattung 627" in by_status and "168" not in by_status
    # no other breakdown, and none for an indicator of one dimension
    assert client.get("/portal/de/kennzahlen/gefluechtete-azr-alter/nach/unsinn/").status_code == 404
    assert client.get("/portal/de/kennzahlen/gefluechtete/nach/aufenthaltsstatus/").status_code == 404
    assert 'aria-labelledby="switch-breakdown"' not in text_of(
        client.get("/portal/de/kennzahlen/gefluechtete/")
    )


def test_a_contact_points_topics_stand_one_per_line_and_isolated(lindenhain, client):
    """German topic names in a right-to-left page: each isolated and on its own line (inline with
    commas, a wrapped name broke into pieces between the others)."""
    html = text_of(client.get("/portal/ar/anlaufstellen/lh-aiv/"))
    topics = re.search(r"<dd>(<bdi><a [^>]*portal/ar/handlungsfelder/.*?)</dd>", html).group(1)
    items = topics.split("<br>")
    assert len(items) == 3 and all(i.startswith("<bdi><a ") and i.endswith("</a></bdi>") for i in items)


def test_the_public_view_keeps_what_it_derived_for_the_last_few_indicators_only():
    """An indicator's pages share the rows derived once; a large release never keeps them all."""
    import threading
    from collections import OrderedDict
    from types import SimpleNamespace

    from imon.publication.view import PublicView

    view = SimpleNamespace(_memo=OrderedDict(), _memo_lock=threading.Lock(), MEMO_INDICATORS=4)
    made = []

    def rows(key):
        return PublicView.remember(view, key, "rows", lambda: made.append(key) or [key])

    assert rows("a") is rows("a") and made == ["a"]  # made once, shared
    for key in "bcde":
        rows(key)
    assert len(view._memo) == 4 and "a" not in view._memo  # the oldest asked for went
    rows("a")
    assert made == ["a", "b", "c", "d", "e", "a"]


def test_table_rows_escape_their_cells_and_mark_numbers_in_the_pages_language():
    """The rows of data tables are written by a tag (not template loops): names from the concept
    file are escaped as the template would, numbers are marked and carry the page's language."""
    from imon.portal.templatetags.portal import figure_rows, table_rows
    from imon.reports.document.blocks import Table

    rows = figure_rows([["<b>Stadtteil</b>", "1.234"]], "ar")
    assert (
        rows
        == '<tr><th scope="row">&lt;b&gt;Stadtteil&lt;/b&gt;</th><td class="num" lang="ar">1.234</td></tr>'
    )
    assert 'lang="' not in figure_rows([["a", "1"]], "de")  # German pages: German cells need no mark
    table = Table(
        1, "Träger", ["Name", "Art", "Zahl"], [["Träger", "AWO & Caritas", "12"]], [False, False, True]
    )
    plain = table_rows(table, "en")
    assert (
        plain
        == '<tr><th scope="row">Träger</th><td>AWO &amp; Caritas</td><td class="num" lang="en">12</td></tr>'
    )
    # written once per table and language: the same text again, another language anew
    assert table_rows(table, "en") is plain and 'lang="ar"' in table_rows(table, "ar")
    same = [["Stadtteil", "1.234"]]
    assert figure_rows(same, "de") is figure_rows(same, "de")
    assert figure_rows([["Stadtteil", "9"]], "de") != figure_rows(same, "de")  # another list


@pytest.mark.parametrize("city", ["lindenhain", "leverkusen"])
def test_an_indicators_pages_are_the_same_whichever_page_is_made_first(city, request, db, client):
    """The pages of an indicator share the work on its rows (grouped by area, at a date, its
    comparison), in every language: each page shows the same as when it is the only one made."""
    from django.core.cache import cache

    from imon.portal.static_export import indicator_urls

    request.getfixturevalue(city)
    published = content.latest()
    # the two indicators with the most pages (areas, breakdowns, earlier dates)
    pages = sorted(
        (indicator_urls(published, i["key"], ["de", "en"]) for i in published.indicators), key=len
    )[-2:]
    urls = [url for urls in pages for url in urls]
    assert len(urls) > 8
    together = {url: text_of(client.get(url)) for url in urls}
    for url in reversed(urls):  # each alone, last first
        cache.clear()
        content._LATEST.clear()
        content._BLOCKS.clear()
        assert text_of(client.get(url)) == together[url], url


def test_a_page_rendered_again_writes_its_figures_only_once(leverkusen, client, settings, monkeypatch):
    """Without the page cache (IMON_PAGE_CACHE=0, or after the cache's hour) a page is rendered
    again: its figures, kept per release, are written once per language, and the page is the same."""
    from imon.portal import views

    settings.PORTAL_PAGE_CACHE = False
    url = "/portal/de/kennzahlen/gefluechtete/"
    first = text_of(client.get(url))
    assert "<figure>" in first
    written = []
    real = views.render_to_string

    def counted(name, *args, **kwargs):
        written.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counted)
    assert text_of(client.get(url)) == first and written == []
    arabic = text_of(client.get(url.replace("/de/", "/ar/")))
    assert written == ["portal/indicator_blocks.html"] * len(written) and written
    assert '<td class="num" lang="ar">' in arabic and '<td class="num" lang="ar">' not in first


def test_an_indicators_rows_join_the_oldest_generation_as_they_are_read(leverkusen):
    """The thousands of rows a page reads hold no reference cycles: they are made with the cyclic
    collector paused and join its oldest generation at once, so that its frequent rounds do not
    walk them (a server process's first page of an indicator of 8,910 rows took 45 to 150 ms of
    CPU, depending on whether a full round fell into it; now about 40 ms)."""
    import gc

    published = content.latest()
    key = max(published.indicators, key=lambda i: i["observations"])["key"]
    assert gc.isenabled()
    rows = published.observations(key)
    public = published.public_rows(key)
    assert gc.isenabled() and len(rows) > 5
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(o) in oldest for o in [*rows, *public])
