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
    # an area the indicator has no figures for is no page; the old query address still answers
    assert client.get("/portal/de/kennzahlen/lh-integrationskurse/gebiet/unsinn/").status_code == 404
    earlier = text_of(client.get("/portal/de/kennzahlen/lh-integrationskurse/?gebiet=lh-ob-1"))
    assert re.search(r'gebiet/lh-ob-1/"[^>]*aria-current="page"', earlier)


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
