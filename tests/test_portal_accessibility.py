"""The portal's accessibility statement (BITV 2.0, EU model statement), the Leichte-Sprache page's
navigation and feedback route, and the German Sign Language video on the start page: what the office
configures is shown, and what it has not configured is named as missing instead of invented."""

import datetime
import re

import pytest
from django.core.cache import cache

from imon.portal import content
from imon.reports import snapshots

CONFIGURED = {
    "status": "partial",
    "assessed_on": "2026-03-31",
    "method": "Selbstbewertung mit automatisierten Prüfungen und manueller Durchsicht.",
    "email": "barrierefrei@example.org",
    "phone": "0214 406 0",
    "enforcement_body": "Durchsetzungsstelle Beispielland",
    "enforcement_url": "https://durchsetzung.example.org/",
    "sign_language_video": "https://video.example.org/dgs.mp4",
    "sign_language_transcript": "https://video.example.org/dgs.txt",
}


@pytest.fixture
def published(demo):
    content._LATEST.clear()
    cache.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    yield content.latest()
    cache.clear()


def text(client, path) -> str:
    html = client.get(path).content.decode("utf-8")
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_statement_carries_what_the_office_configured(client, published, settings, tmp_path):
    gaps = tmp_path / "gaps.txt"
    gaps.write_text("PDF-Dateien der Vorlagen sind nicht barrierefrei.\n\nVideos haben keine Untertitel.\n")
    settings.IMON_ACCESSIBILITY = CONFIGURED
    settings.IMON_ACCESSIBILITY_GAPS_FILE = str(gaps)
    html = client.get("/portal/de/barrierefreiheit/").content.decode("utf-8")
    page = text(client, "/portal/de/barrierefreiheit/")
    assert "mit den Anforderungen der BITV 2.0 (WCAG 2.1, Konformitätsstufe AA) teilweise vereinbar" in page
    assert "Diese Erklärung wurde am 31.03.2026 erstellt" in page
    assert "Methode: Selbstbewertung mit automatisierten Prüfungen und manueller Durchsicht." in page
    items = re.findall(r"<li>(.*?)</li>", html[html.index('class="gaps"') :].split("</ul>")[0])
    assert items[-2:] == [
        "PDF-Dateien der Vorlagen sind nicht barrierefrei.",
        "Videos haben keine Untertitel.",
    ]
    assert any("nur auf Deutsch" in item for item in items)  # the portal's own known gap
    assert '<a href="mailto:barrierefrei@example.org">' in html
    assert '<a href="tel:02144060">0214 406 0</a>' in html
    assert "Schlichtungsstelle des Landes Nordrhein-Westfalen" in page  # the municipality's Land
    assert '<a href="https://durchsetzung.example.org/">Durchsetzungsstelle Beispielland</a>' in html
    assert "noch nicht eingetragen" not in page


def test_statement_names_what_is_missing_and_never_claims_full_compliance(client, published, settings):
    settings.IMON_ACCESSIBILITY = {"status": "vollständig"}  # not one of full, partial, none
    settings.IMON_ACCESSIBILITY_GAPS_FILE = ""
    page = text(client, "/portal/de/barrierefreiheit/")
    assert "teilweise vereinbar" in page
    assert "Das Datum der Prüfung ist noch nicht eingetragen" in page
    assert "IMON_ACCESSIBILITY_EMAIL" in page and "IMON_ACCESSIBILITY_ENFORCEMENT_BODY" in page
    assert "Selbstbewertung: automatisierte Prüfung" in page  # the default method
    settings.IMON_ACCESSIBILITY = {"status": "none"}
    cache.clear()
    assert "nicht vereinbar" in text(client, "/portal/de/barrierefreiheit/")


def test_sign_language_video_on_the_start_page_only_when_configured(client, published, settings):
    settings.IMON_ACCESSIBILITY = {}
    assert "video.example.org" not in client.get("/portal/de/").content.decode("utf-8")
    settings.IMON_ACCESSIBILITY = CONFIGURED
    cache.clear()
    html = client.get("/portal/de/").content.decode("utf-8")
    assert (
        '<a href="https://video.example.org/dgs.mp4">Informationen in Deutscher Gebärdensprache</a>' in html
    )
    assert '<a href="https://video.example.org/dgs.txt">' in html
    arabic = client.get("/portal/ar/").content.decode("utf-8")
    assert '<a href="https://video.example.org/dgs.mp4">معلومات بلغة الإشارة الألمانية</a>' in arabic


def test_easy_language_pages_link_to_each_other_and_give_a_contact(client, published, settings):
    from imon.core import models as m

    m.FieldOfAction.objects.filter(code="H").update(easy_language="Hier steht das Thema Wohnen.")
    content._LATEST.clear()
    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2020, 9, 16)))
    settings.IMON_ACCESSIBILITY = CONFIGURED
    cache.clear()
    html = client.get("/portal/de/leichte-sprache/").content.decode("utf-8")
    nav = html[html.index('<nav class="easy-nav"') :].split("</nav>")[0]
    assert '<a href="#thema-h">' in nav and '<a href="#fragen">' in nav
    assert 'id="thema-h"' in html and "Hier steht das Thema Wohnen." in html
    assert 'href="/portal/de/handlungsfelder/h/"' in html  # on to the field's full page
    assert '<a href="mailto:barrierefrei@example.org">' in html[html.index('id="fragen"') :]
    field = client.get("/portal/de/handlungsfelder/h/").content.decode("utf-8")
    assert 'href="/portal/de/leichte-sprache/#thema-h"' in field  # and back
