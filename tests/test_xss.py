"""Script payloads in text fields stay inert: in every staff and portal page and in every report format."""

import io
import re
import zipfile
from collections import deque

import pytest
from django.test import Client

from imon.core import models as m

SCRIPT = "<script>alert(1)</script>"
JS = "javascript:alert(1)"
RICH = f'{SCRIPT} <a href="{JS}">klick</a> <img src=x onerror=alert(1)> [mehr]({JS})'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ACTIVE_URL = re.compile(
    r"""(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*javascript:""", re.IGNORECASE
)


def active_payloads(html: str) -> list[str]:
    """Payloads that a browser would run: a script element, an event handler, a javascript: link."""
    found = []
    if SCRIPT in html:
        found.append("script element")
    if "<img src=x onerror" in html:
        found.append("event handler")
    if ACTIVE_URL.search(html):
        found.append("javascript: URL")
    return found


@pytest.fixture
def poisoned(demo, ki_admin):
    """Every text field a person types into carries a payload; URL fields carry javascript: URLs."""
    concept = m.Concept.objects.get()
    concept.summary = RICH
    concept.title = f"Integrationskonzept {SCRIPT}"
    concept.save()
    m.Municipality.objects.update(website=JS)
    m.FieldOfAction.objects.filter(code="A").update(title=f"Sprache {SCRIPT}", description=RICH)
    measure = m.Measure.objects.order_by("key").first()
    measure.title = f"Sprachkurse {SCRIPT}"
    measure.description = RICH
    measure.results = RICH
    measure.save()
    indicator = m.Indicator.objects.order_by("key").first()
    indicator.title = f"Quote {SCRIPT}"
    indicator.description = RICH
    indicator.save()
    m.Source.objects.update(url=JS, title=f"Quelle {SCRIPT}")
    m.ContactPoint.objects.filter(pk=m.ContactPoint.objects.order_by("key").first().pk).update(
        name=f"Beratungsstelle XSS {SCRIPT}",
        description=RICH,
        opening_hours=RICH,
        website=JS,
        street=SCRIPT,
    )
    from imon.reports import snapshots

    return snapshots.publish(
        snapshots.create(f"1. Umsetzungsbericht {SCRIPT}", "2019-09-16", ki_admin)
    ).snapshot


def crawl(client, starts, limit=500):
    """Follow the links of the application's HTML pages from the start pages; {url: html}."""
    seen, pages, queue = set(starts), {}, deque(starts)
    while queue and len(pages) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        for link in re.findall(r'href="(/[^"#?]*)"', html):
            if link not in seen and not link.startswith(
                ("/static/", "/media/", "/admin/logout", "/admin/r/")
            ):
                seen.add(link)
                queue.append(link)
    return pages


def test_staff_pages_show_payloads_as_text(poisoned, ki_admin):
    client = Client()
    client.force_login(ki_admin)
    measure = m.Measure.objects.get(title__contains="Sprachkurse")
    contact = m.ContactPoint.objects.get(name__contains="Beratungsstelle XSS")
    starts = [
        "/",
        "/steuerung/",
        "/berichte/",
        "/daten/geheimhaltung/",
        "/daten/importe/",
        f"/admin/core/measure/{measure.pk}/change/",
        f"/admin/core/contactpoint/{contact.pk}/change/",
        f"/admin/core/concept/{m.Concept.objects.get().pk}/change/",
        "/admin/core/measure/",
        "/admin/core/indicator/",
    ]
    pages = crawl(client, starts)
    assert len(pages) > 30
    problems = {url: found for url, html in pages.items() if (found := active_payloads(html))}
    assert not problems
    shown = [url for url, html in pages.items() if ESCAPED in html]
    assert len(shown) >= 5, shown  # the payloads are there, as text


def test_portal_pages_show_payloads_as_text(poisoned):
    pages = crawl(Client(), [f"/portal/{lang}/" for lang in ("de", "en", "tr", "ar", "uk")])
    assert len(pages) > 20
    problems = {url: found for url, html in pages.items() if (found := active_payloads(html))}
    assert not problems
    assert any(ESCAPED in html for html in pages.values())


def test_the_html_report_contains_only_escaped_text(poisoned):
    from imon.reports.render import render

    html = render(poisoned, "html").decode()
    assert "<script" not in html.lower()
    assert not active_payloads(html)
    assert ESCAPED in html


def office_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        }


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_office_reports_contain_payloads_as_plain_text(poisoned, fmt):
    from imon.reports.render import render

    parts = office_xml(render(poisoned, fmt))
    text = "".join(parts.values())
    assert "<script" not in text.lower()  # XML text is escaped: &lt;script&gt;
    assert ESCAPED in text
    links = re.findall(r'Target="([^"]*)"', "".join(v for k, v in parts.items() if k.endswith(".rels")))
    assert not [link for link in links if link.strip().lower().startswith("javascript:")]  # no active link


def test_only_http_and_mailto_urls_become_links():
    from imon.ops.safety import http_url

    assert http_url("https://www.leverkusen.de/") == "https://www.leverkusen.de/"
    assert http_url("mailto:ki@stadt.leverkusen.de") == "mailto:ki@stadt.leverkusen.de"
    for bad in (
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>",
        "vbscript:x",
        None,
        "",
    ):
        assert http_url(bad) == ""


def test_the_pdf_report_has_no_script_and_no_javascript_link(poisoned):
    from pypdf import PdfReader

    from imon.reports.render import render

    reader = PdfReader(io.BytesIO(render(poisoned, "pdf")))
    catalogue = reader.trailer["/Root"]
    assert (
        "/JavaScript" not in catalogue.get("/Names", {})
        and "/OpenAction" not in catalogue
        and "/AA" not in catalogue
    )
    uris = []
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            action = annotation.get_object().get("/A", {})
            assert action.get("/S") != "/JavaScript"
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    assert not [uri for uri in uris if uri.strip().lower().startswith("javascript:")]
    text = "".join(page.extract_text() for page in reader.pages)
    assert "alert(1)" in text  # shown as text
