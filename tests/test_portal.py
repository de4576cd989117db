"""The public Integrationsportal: pages, languages, only published content, confidentiality, filters."""

import datetime
import io
import json
import re

import pytest

from imon.core import models as m
from imon.portal import content
from imon.reports import snapshots

LANGS = ["de", "en", "tr", "ar", "uk"]
PAGES = [
    "",
    "handlungsfelder/c/",
    "handlungsfelder/h/",
    "massnahmen/c1/",
    "kennzahlen/",
    "kennzahlen/wohnungssuchende-haushalte/",
    "kennzahlen/gefluechtete/",
    "kennzahlen/bevoelkerung/",
    "anlaufstellen/",
    "anlaufstellen/ki-leverkusen/",
    "leichte-sprache/",
    "barrierefreiheit/",
    "impressum/",
    "datenschutz/",
]


@pytest.fixture
def published(demo):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    return content.latest()


def text_of(response) -> str:
    return response.content.decode("utf-8")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_type_in_every_language(client, published, lang):
    for page in PAGES:
        response = client.get(f"/portal/{lang}/{page}")
        assert response.status_code == 200, (lang, page)
        html = text_of(response)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
        for other in LANGS:
            assert f'hreflang="{other}" href="/portal/{other}/{page}"' in html
        assert response["Content-Language"] == lang
        assert "public" in response["Cache-Control"]
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<" not in title and title.strip(), (lang, page, title)  # text only, never markup
    assert client.get("/portal/").status_code == 302
    assert client.get("/portal/xx/").status_code == 404


def test_interface_is_translated(client, published):
    assert "Anlaufstellen" in text_of(client.get("/portal/de/"))
    assert "Başvuru noktaları" in text_of(client.get("/portal/tr/"))
    assert "جهات الاتصال" in text_of(client.get("/portal/ar/"))
    assert "Контактні пункти" in text_of(client.get("/portal/uk/"))
    assert "Contact points" in text_of(client.get("/portal/en/"))
    assert "werden auf Deutsch veröffentlicht" not in text_of(client.get("/portal/de/"))
    assert "تُنشر النصوص المتعلقة بالمفهوم" in text_of(client.get("/portal/ar/"))


def test_only_published_content(client, published):
    internal = [
        "Status aus der Vorlage abgeleitet",
        "Interner Demo-Schlüssel",
        "Straße: Stand 2023",
        "readkong.com",
        "[verify]",
    ]
    for page in PAGES:
        html = text_of(client.get(f"/portal/de/{page}"))
        for secret in internal:
            assert secret not in html, (page, secret)
    # A change after the snapshot is not public until the next snapshot.
    m.Measure.objects.filter(key="C1").update(title="Entwurf: noch nicht freigegeben")
    assert "noch nicht freigegeben" not in text_of(client.get("/portal/de/massnahmen/c1/"))
    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2020, 9, 16)))
    assert "noch nicht freigegeben" in text_of(client.get("/portal/de/massnahmen/c1/"))
    # Unpublished contact points do not exist for the public.
    point = m.ContactPoint.objects.get(key="ki-leverkusen")
    point.published = False
    point.save()
    assert client.get("/portal/de/anlaufstellen/ki-leverkusen/").status_code == 404
    assert "ki-leverkusen" not in text_of(client.get("/portal/de/anlaufstellen/"))


def test_nothing_published_yet(client, demo):
    content._LATEST.clear()
    assert "noch nichts veröffentlicht" in text_of(client.get("/portal/de/"))
    assert client.get("/portal/de/massnahmen/c1/").status_code == 404
    assert client.get("/portal/de/kennzahlen/gefluechtete/").status_code == 404


def household_rows(html):
    return {
        label: re.findall(r"<td[^>]*>(.*?)</td>", cells)
        for label, cells in re.findall(r'<tr><th scope="row">(\d+ Person(?:en)?)</th>(.*?)</tr>', html)
    }


def test_indicator_page_hides_small_households(client, published):
    html = text_of(client.get("/portal/de/kennzahlen/wohnungssuchende-haushalte/"))
    rows = household_rows(html)
    assert rows["1 Person"] == ["402"] and rows["6 Personen"] == ["34"]
    for size in ("7 Personen", "8 Personen", "9 Personen", "10 Personen", "11 Personen"):
        assert rows[size] == ["."], size
    assert "Geheimhaltung" in html and "<svg" in html and "Abbildung 1" in html
    persons = household_rows(text_of(client.get("/portal/de/kennzahlen/wohnungssuchende-personen/")))
    assert persons["9 Personen"] == ["."] and persons["4 Personen"] == ["204"]


@pytest.mark.parametrize("fmt", ["csv", "csv-de", "xlsx", "json"])
def test_downloads_pass_the_boundary(client, published, fmt):
    response = client.get(f"/portal/daten/wohnungssuchende-personen.{fmt}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        header = rows[0]
        records = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    elif fmt == "json":
        records = json.loads(response.content)["observations"]
    else:
        import csv

        text = response.content.decode("utf-8-sig")
        records = list(csv.DictReader(io.StringIO(text), delimiter=";" if fmt == "csv-de" else ","))
    by_size = {str(r["haushaltsgroesse"]): r for r in records}
    for size in ("7", "8", "9", "10", "11"):
        assert by_size[size]["flag"] == "." and by_size[size]["value"] in (None, ""), size
    assert str(by_size["4"]["value"]) in ("204", "204.0")


def test_indicator_area_selector_and_facts(client, published):
    html = text_of(client.get("/portal/de/kennzahlen/anteil-auslaendisch/"))
    assert "stieg von 15,1 % (31.12.2016) auf 15,7 % (31.12.2017)" in html
    assert "Letzter Stichtag" in html and "31.12.2017" in html
    html = text_of(client.get("/portal/de/kennzahlen/gefluechtete/"))
    assert "Nächste Aktualisierung erwartet" in html and "31.12.2019" in html  # rhythm of 12 months
    assert client.get("/portal/de/kennzahlen/gibt-es-nicht/").status_code == 404
    # the old query address of an area that is none: moved for good to the page without it
    moved = client.get("/portal/de/kennzahlen/gefluechtete/?gebiet=unsinn")
    assert moved.status_code == 301 and moved["Location"] == "/portal/de/kennzahlen/gefluechtete/"


def test_addresses_that_cannot_be_a_page_are_answered_without_reading_the_rows(
    client, published, monkeypatch
):
    """An unknown area, breakdown or date in the address is 404 before the indicator's rows are
    read: made-up addresses cannot keep the server busy reading rows."""
    from imon.publication.view import PublicView

    read = []
    public_rows = PublicView.public_rows
    monkeypatch.setattr(
        PublicView, "public_rows", lambda self, key: read.append(key) or public_rows(self, key)
    )
    published._memo.clear()
    for address in ("gebiet/unsinn/", "nach/unsinn/", "stand/unsinn/", "gebiet/unsinn/stand/2017-12-31/"):
        assert client.get(f"/portal/de/kennzahlen/gefluechtete/{address}").status_code == 404, address
    assert client.get("/portal/de/kennzahlen/gefluechtete/?gebiet=%3Cunsinn%3E").status_code == 301
    assert read == []
    assert client.get("/portal/de/kennzahlen/gefluechtete/stand/1999-12-31/").status_code == 404
    assert read  # a day the indicator has no figures for: asked of its rows


def test_contact_point_filters_and_search(client, published):
    def found(query):
        html = text_of(client.get(f"/portal/de/anlaufstellen/?{query}"))
        return set(re.findall(r'href="/portal/de/anlaufstellen/([^/"]+)/"', html))

    everyone = found("")
    assert everyone == set(m.ContactPoint.objects.filter(published=True).values_list("key", flat=True))
    field_h = found("handlungsfeld=H")
    assert field_h and field_h < everyone
    assert all(m.ContactPoint.objects.get(key=k).fields_of_action.filter(code="H").exists() for k in field_h)
    searched = found("suche=Caritas")
    assert {"caritas-integration", "caritas-altenhilfe-schlebusch"} <= searched
    for key in searched:
        point = m.ContactPoint.objects.get(key=key)
        assert "caritas" in f"{point.name} {point.organisation} {point.description} {point.city}".lower()
    assert found("suche=gibtesnichtxyz") == set()
    # upper and lower case alike, umlauts too; every word must occur
    office = {p.key for p in m.ContactPoint.objects.filter(name__startswith="Ausländerbehörde")}
    assert office and found("suche=AUSLÄNDERBEHÖRDE") == found("suche=ausländerbehörde") >= office
    assert found("suche=ausländerbehörde+caritas") == set()
    district = found("bezirk=lev-bezirk-1")
    assert district and all(
        m.ContactPoint.objects.get(key=k).area.parent.key == "lev-bezirk-1" for k in district
    )
    barrier_free = found("barrierefrei=ja")
    assert barrier_free == set(
        m.ContactPoint.objects.filter(barrier_free="yes", published=True).values_list("key", flat=True)
    )


def test_contact_point_page_has_schema_org(client, published):
    html = text_of(client.get("/portal/de/anlaufstellen/ki-leverkusen/"))
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "GovernmentOffice" and data["name"].startswith("Kommunales Integrationszentrum")
    assert data["address"]["streetAddress"] == "Hauptstraße 105" and data["address"]["postalCode"] == "51373"
    assert "Öffnungszeiten" in html and "Hauptstraße 105" in html


def test_cached_pages_follow_published_changes(client, published, django_assert_max_num_queries):
    first = text_of(client.get("/portal/de/anlaufstellen/ki-leverkusen/"))
    with django_assert_max_num_queries(0):  # the newest snapshot is remembered for a moment
        assert text_of(client.get("/portal/de/anlaufstellen/ki-leverkusen/")) == first
    point = m.ContactPoint.objects.get(key="ki-leverkusen")
    point.opening_hours = "Neu: Mo–Fr 8:00–20:00"
    point.save()
    assert "Neu: Mo–Fr 8:00–20:00" in text_of(client.get("/portal/de/anlaufstellen/ki-leverkusen/"))
    point.fields_of_action.clear()
    assert "ki-leverkusen" not in text_of(client.get("/portal/de/handlungsfelder/g/"))


def test_a_contact_point_changed_by_another_server_process_shows_within_seconds(
    client, published, monkeypatch
):
    from django.db.models import F

    from imon.portal import content
    from imon.portal.models import PortalState

    page = "/portal/de/anlaufstellen/ki-leverkusen/"
    assert "Neu: Mo–Fr 8:00–20:00" not in text_of(client.get(page))
    # What another server process does: it changes the row and counts up the version in the
    # database; this process gets no signal of it.
    m.ContactPoint.objects.filter(key="ki-leverkusen").update(opening_hours="Neu: Mo–Fr 8:00–20:00")
    PortalState.objects.get_or_create(pk=1)
    PortalState.objects.filter(pk=1).update(contact_points_version=F("contact_points_version") + 1)
    assert "Neu: Mo–Fr 8:00–20:00" not in text_of(client.get(page))  # remembered for HEAD_TTL seconds
    later = content.time.monotonic() + content.HEAD_TTL + 0.1
    monkeypatch.setattr(content.time, "monotonic", lambda: later)
    assert "Neu: Mo–Fr 8:00–20:00" in text_of(client.get(page))


def test_script_in_content_is_inert(client, published):
    payload = '</script><script>alert(1)</script><a href="javascript:alert(1)">x</a>'
    point = m.ContactPoint.objects.get(key="ki-leverkusen")
    point.name = point.description = payload
    point.save()
    html = text_of(client.get("/portal/de/anlaufstellen/ki-leverkusen/"))
    assert "<script>alert(1)" not in html and 'href="javascript:' not in html
    data = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(data)["name"] == payload
    listing = text_of(client.get("/portal/de/anlaufstellen/"))
    assert "<script>alert(1)" not in listing


def test_all_data_zip(client, published):
    import zipfile

    response = client.get("/portal/daten/alle-daten.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "csv/gefluechtete.csv",
        "csv-de/gefluechtete-excel.csv",
        "json/gefluechtete.json",
        "indicators.json",
        "LIZENZ.txt",
    } <= names
    assert "csv/auszuege-private-wohnungen.csv" not in names  # nothing published for it
    persons = archive.read("csv/wohnungssuchende-personen.csv").decode("utf-8")
    assert "wohnungssuchende-personen,05316000,Leverkusen,2018-12-31,9,,." in persons


def test_portal_answers_are_compressed_and_carry_validators(client, published):
    """gzip for HTML, JSON and CSV of the portal and its API; an ETag, and 304 for a page the client
    has; staff pages are never compressed (CSRF tokens: BREACH)."""
    for url in (
        "/portal/de/",
        "/portal/de/kennzahlen/bevoelkerung/",
        "/api/v1/measures.json",
        "/portal/daten/wohnungssuchende-haushalte.csv",  # (Django compresses from 200 bytes)
    ):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in response["Vary"], url
        etag = response["ETag"]
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
    plain = client.get("/portal/de/")
    assert "Content-Encoding" not in plain and "Integrationsportal" in plain.content.decode()
    login = client.get("/anmelden/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in login


def test_a_cached_page_is_rendered_and_compressed_once_per_release(client, published, monkeypatch):
    """The second visitor gets the stored bytes: no rendering, no compressing again; the gzip and
    the plain form are the same page, each with its own ETag, and both answer 304."""
    import gzip

    from imon.portal import pagecache

    url = "/portal/de/kennzahlen/bevoelkerung/"
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    compressions = []
    monkeypatch.setattr(pagecache.gzip, "compress", lambda *a, **k: compressions.append(1) or b"")
    second = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert compressions == [] and second.content == first.content
    plain = client.get(url)
    assert gzip.decompress(second.content) == plain.content and b"Bev\xc3\xb6lkerung" in plain.content
    assert second["ETag"] != plain["ETag"]
    assert int(plain["Content-Length"]) == len(plain.content)
    for response, encoding in ((second, "gzip"), (plain, "identity")):
        again = client.get(url, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
        assert "max-age" in response["Cache-Control"] and "public" in response["Cache-Control"]


def test_translation_slips(client, published):
    """Status labels in the visitor's language; a translated caption says its language inside a
    German table; the breadcrumb separator is not turned around by hand in right-to-left pages
    (the character is mirrored by the bidi algorithm already)."""
    import unicodedata
    from pathlib import Path

    measure = published.measures[0]
    english = text_of(client.get(f"/portal/en/massnahmen/{measure['key'].lower()}/"))
    german = text_of(client.get(f"/portal/de/massnahmen/{measure['key'].lower()}/"))
    german_label = published.labels["measure_status"][measure.get("status") or "unknown"]
    assert german_label in german and f"<dd>{german_label}" not in english
    page = text_of(client.get("/portal/tr/kennzahlen/gefluechtete/"))
    captions = re.findall(r'<table class="data" lang="de">\s*<caption([^>]*)>', page)
    assert captions and all('lang="tr"' in caption for caption in captions)
    css = Path(__file__).resolve().parents[1].joinpath("imon/portal/static/portal/portal.css").read_text()
    separators = re.findall(r'breadcrumbs ol li \+ li::before \{[^}]*content: "([^"]*)"', css)
    assert separators and not any(unicodedata.mirrored(c) for text in separators for c in text)
    assert '[dir="rtl"] .breadcrumbs ol li + li::before { transform: rotate(-135deg); }' in css
