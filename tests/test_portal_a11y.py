"""Accessibility of the portal in a real browser: axe-core finds no WCAG 2.1 AA violation on any page
type, in German and in Arabic (right to left), at desktop width and at 320 px; the keyboard reaches
every control; nothing scrolls sideways at 320 px.

Debian's Chromium is driven by Playwright (no browser is downloaded)."""

import datetime

import pytest

from imon.core import conceptfile
from imon.portal import content
from imon.reports import snapshots
from tests.browsing import axe_violations


@pytest.fixture
def portal(transactional_db, live_server, demo_text):
    conceptfile.load_text(demo_text)
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    return live_server.url + "/portal"


def page_types(city: str) -> list[str]:
    """One page of every page type of a demo city (below /portal/LANG/); '404' is the missing page."""
    from imon.core import models as m
    from imon.portal.views import indicator_areas, indicator_dates

    published = content.latest()
    indicator = "gefluechtete" if city == "leverkusen" else "lh-integrationskurse"  # with a chart; a map
    areas = [f"kennzahlen/{indicator}/gebiet/{a['key']}/" for a in indicator_areas(published, indicator)]
    dated = "gefluechtete" if city == "leverkusen" else "lh-bevoelkerung"  # a time switch
    earlier = indicator_dates(published, dated)[0]
    field = published.fields[-1]["code"].lower()
    point = m.ContactPoint.objects.filter(published=True).order_by("key")[0].key
    return [
        "",
        f"handlungsfelder/{field}/",
        f"massnahmen/{published.measures[-1]['key'].lower()}/",
        "kennzahlen/",
        f"kennzahlen/{indicator}/",
        f"kennzahlen/{dated}/stand/{earlier}/",
        *(["kennzahlen/gefluechtete-azr-alter/nach/aufenthaltsstatus/"] if city == "leverkusen" else []),
        "anlaufstellen/",
        f"anlaufstellen/thema/{field}/",
        f"anlaufstellen/{point}/",
        "leichte-sprache/",
        "barrierefreiheit/",
        "impressum/",
        "datenschutz/",
        "404",
    ] + (areas[-1:] or ["kennzahlen/wohnungssuchende-haushalte/"])  # a district's figures; suppressed cells


@pytest.fixture
def site(request, transactional_db, live_server, demo_text, tmp_path):
    """(base address of /portal, page addresses by page type) of a demo city, live or exported."""
    import functools
    import io
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from django.core.management import call_command

    from imon.portal import static_export

    city, kind = request.param
    if city == "leverkusen":
        conceptfile.load_text(demo_text)
        snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    else:
        call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    content._LATEST.clear()
    types = page_types(city)
    if kind == "live":
        yield live_server.url + "/portal", [p if p != "404" else "gibt-es-nicht/" for p in types]
        return
    folder = tmp_path / "site"
    static_export.export_site(folder, languages=["de", "ar"])

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield (
        f"http://127.0.0.1:{server.server_address[1]}/portal",
        [p + "index.html" if p != "404" else "404.html" for p in types],
    )
    server.shutdown()
    server.server_close()


MATRIX = [(city, kind) for city in ("leverkusen", "lindenhain") for kind in ("live", "static")]


@pytest.mark.parametrize("site", MATRIX, indirect=True, ids=["-".join(c) for c in MATRIX])
@pytest.mark.parametrize("lang", ["de", "ar"])
def test_no_axe_violations_desktop_and_mobile(site, browser, lang):
    """Every page type, live and static, for both demo cities: no WCAG 2.1 A/AA violation at 1280
    and 320 px, and nothing scrolls sideways at 320 px."""
    root, pages = site
    problems = []
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in pages:
            page.goto(f"{root}/{lang}/{path}")
            assert page.locator("main h1").count() == 1, f"{root}/{lang}/{path}"
            problems += [f"{width}px /{lang}/{path} {v}" for v in axe_violations(page)]
            if width == 320:
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    problems.append(f"320px /{lang}/{path} scrolls sideways by {overflow}px")
        context.close()
    assert not problems, "\n".join(problems)


def test_keyboard_reaches_every_control(portal, browser):
    page = browser.new_page()
    page.goto(f"{portal}/de/anlaufstellen/")
    controls = page.evaluate(
        "Array.from(document.querySelectorAll('a[href], button, input, select')).filter(e => e.offsetParent !== null).length"
    )
    reached, seen = 0, set()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        handle = page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''")
        if handle and handle not in seen:
            seen.add(handle)
            reached += 1
    assert reached >= controls
    # The skip link is the first stop and leads to the main content.
    page.goto(f"{portal}/de/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#inhalt"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"


def test_filters_work_without_javascript(portal, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{portal}/de/anlaufstellen/")
    page.select_option("#handlungsfeld", "H")
    page.click("button:has-text('Filtern')")
    assert "handlungsfeld=H" in page.url
    assert page.locator("[role=status]").inner_text().endswith("gefunden.")
    context.close()


@pytest.fixture
def contact_keys(portal):
    from imon.core import models as m

    return list(m.ContactPoint.objects.filter(published=True).values_list("key", flat=True))


def test_no_contact_point_page_scrolls_sideways_at_320_px(portal, contact_keys, browser):
    """Long web addresses and e-mail addresses in the facts list wrap instead of widening the page."""
    page = browser.new_context(viewport={"width": 320, "height": 900}).new_page()
    wide = []
    for key in contact_keys:
        page.goto(f"{portal}/de/anlaufstellen/{key}/")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide.append(f"{key}: {overflow}px")
    assert len(contact_keys) > 10 and not wide, wide


def test_chart_text_stays_readable_at_320_px(portal, browser):
    """A chart on a narrow screen keeps its text at 8 pt (10.7 CSS px) or more: the page shows the
    chart's narrow drawing at about its own size instead of shrinking the wide one; the page does
    not scroll sideways."""
    page = browser.new_context(viewport={"width": 320, "height": 900}).new_page()
    page.goto(f"{portal}/de/kennzahlen/gefluechtete/")
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.chart svg')]
          .filter(svg => svg.getBoundingClientRect().width > 0).flatMap(svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
        }))"""
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert smallest >= 8 * 96 / 72 - 0.05 and overflow <= 0, (smallest, overflow)


# Every word in a table cell stays on one line: a word that wraps inside itself (its text spans more
# than one line box) was broken letter by letter.
_BROKEN_WORDS = """() => {
    const broken = [];
    for (const cell of document.querySelectorAll('main th, main td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node; (node = walker.nextNode()); ) {
            for (const match of node.data.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}"""


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_tables_scroll_in_their_own_region_at_320_px(portal, browser, lang):
    """At 320 px a wide table scrolls within a focusable, labelled region: its words are not broken
    letter by letter and the page never scrolls sideways (start, indicator, field, contact point)."""
    page = browser.new_context(viewport={"width": 320, "height": 900}).new_page()
    problems = []
    for path in (
        "",
        "kennzahlen/gefluechtete-azr-alter/",
        "handlungsfelder/h/",
        "anlaufstellen/ki-leverkusen/",
    ):
        page.goto(f"{portal}/{lang}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            problems.append(f"/{lang}/{path} is {width}px wide")
        broken = page.evaluate(_BROKEN_WORDS)
        if broken:
            problems.append(f"/{lang}/{path} breaks {broken[:3]}")
        unwrapped = page.evaluate(
            "[...document.querySelectorAll('main table')].filter(t => !t.parentElement.matches("
            "'.table-scroll[tabindex=\"0\"][role=region][aria-label]')).length"
        )
        if unwrapped:
            problems.append(f"/{lang}/{path}: {unwrapped} tables outside a scroll region")
        # A table opens at its row labels, also in a right-to-left page (German tables read left to right).
        hidden = page.evaluate(
            "[...document.querySelectorAll('.table-scroll tr > :first-child')].filter(c => {"
            " const r = c.getBoundingClientRect(), box = c.closest('.table-scroll').getBoundingClientRect();"
            " return r.left < box.left - 1 || r.right > box.right + 1; }).length"
        )
        if hidden:
            problems.append(f"/{lang}/{path}: {hidden} row labels scrolled out of view")
    assert not problems, "\n".join(problems)


def test_accessibility_statement_and_easy_language_pass_axe_when_filled_in(portal, browser, settings):
    """The statement with everything the office can configure (contact, enforcement body, sign
    language video) and the start page linking the video have no WCAG 2.1 A/AA violation."""
    from django.core.cache import cache

    settings.IMON_ACCESSIBILITY = {
        "assessed_on": "2026-03-31",
        "email": "barrierefrei@example.org",
        "phone": "0214 406 0",
        "enforcement_body": "Durchsetzungsstelle Beispielland",
        "enforcement_url": "https://durchsetzung.example.org/",
        "sign_language_video": "https://video.example.org/dgs.mp4",
        "sign_language_transcript": "https://video.example.org/dgs.txt",
    }
    cache.clear()
    problems = []
    for width in (1280, 320):
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        for path in ("de/barrierefreiheit/", "ar/barrierefreiheit/", "de/leichte-sprache/", "ar/"):
            page.goto(f"{portal}/{path}")
            problems += [f"{width}px /{path} {v}" for v in axe_violations(page)]
        assert page.locator("a[href='https://video.example.org/dgs.mp4']").count() == 1
    page.goto(f"{portal}/de/barrierefreiheit/")
    assert page.locator("a[href='mailto:barrierefrei@example.org']").count() == 1
    cache.clear()
    assert not problems, "\n".join(problems)
