"""The static export is the live portal as files: a visitor who follows every link of the live
portal and of the static site (served by a plain web server) finds the same pages in each language
and downloads the same files, district figures and maps and the pages of the time switch included,
for both demo cities."""

import datetime
import functools
import io
import re
import threading
import urllib.request
import zipfile
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from imon.core import conceptfile
from imon.portal import content, static_export
from imon.reports import snapshots

LANGUAGES = ("de", "ar")  # left to right and right to left; the export is limited to these


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def address(path: str) -> str:
    """A page's address as both sites share it: /portal/de/kennzahlen/x/ (the static site's
    …/index.html is the same page)."""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def wanted(path: str) -> bool:
    return path.startswith(
        tuple(f"/portal/{lang}/" for lang in LANGUAGES) + ("/portal/daten/", "/api/", "/static/")
    )


def crawl(root: str, starts: list[str]) -> dict[str, tuple[str, bytes]]:
    """{address: (content type, body)} of everything reachable from `starts` by links without a
    query (filters and paging answer only on the live portal; the static site has pages for them)."""
    host = urlsplit(root).netloc
    found, queue = {}, [root + start for start in starts]
    while queue:
        url = queue.pop()
        path = address(urlsplit(url).path)
        if path in found:
            continue
        with urllib.request.urlopen(url, timeout=60) as response:
            found[path] = (response.headers.get("Content-Type", "").split(";")[0], response.read())
        if found[path][0] != "text/html":
            continue
        parser = Links()
        parser.feed(found[path][1].decode("utf-8"))
        for link in parser.links:
            target = urljoin(url, link).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc == host and not parts.query and wanted(address(parts.path)):
                queue.append(target)
    return found


def main_text(html: bytes) -> str:
    """What a page says: the text of its main content, without the forms (search and filters need
    the live portal; the static site has a page for each topic instead)."""
    main = html.decode("utf-8")
    main = main[main.index("<main") : main.index("</main>")]
    main = re.sub(r"<form.*?</form>", "", main, flags=re.S)
    main = re.sub(r"<[^>]+>", " ", main)
    return " ".join(main.split())


def same_download(path: str, live: bytes, static: bytes) -> bool:
    if path.endswith(".zip"):
        a, b = zipfile.ZipFile(io.BytesIO(live)), zipfile.ZipFile(io.BytesIO(static))
        return a.namelist() == b.namelist() and all(a.read(n) == b.read(n) for n in a.namelist())
    if path.endswith(".xlsx"):  # the workbook's own timestamps differ; its cells do not
        import openpyxl

        cells = [list(openpyxl.load_workbook(io.BytesIO(data)).active.values) for data in (live, static)]
        return cells[0] == cells[1]
    return live == static


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def static_server(tmp_path):
    """A plain web server (Python's http.server) for the folder the export is written to."""
    folder = tmp_path / "site"
    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def publish(city: str, demo_text: str):
    if city == "leverkusen":
        conceptfile.load_text(demo_text)
        snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    else:  # the second demo city, with its district outlines (maps)
        call_command("demo", "--city", "lindenhain", "--no-serve", stdout=io.StringIO())
    content._LATEST.clear()


@pytest.mark.parametrize("city", ["leverkusen", "lindenhain"])
def test_live_and_static_site_have_the_same_pages_and_downloads(
    city, transactional_db, live_server, static_server, demo_text
):
    publish(city, demo_text)
    folder, static_root = static_server
    static_export.export_site(folder, static_root, languages=list(LANGUAGES))

    live = crawl(live_server.url, [f"/portal/{lang}/" for lang in LANGUAGES])
    static = crawl(static_root, [f"/portal/{lang}/index.html" for lang in LANGUAGES])

    pages = {path for path, (kind, _body) in live.items() if kind == "text/html"}
    assert pages == {path for path, (kind, _body) in static.items() if kind == "text/html"}
    downloads = set(live) - pages
    assert downloads == set(static) - pages
    for lang in LANGUAGES:  # every page type, district figures included, in each language
        assert any(p.startswith(f"/portal/{lang}/handlungsfelder/") for p in pages)
        assert any(p.startswith(f"/portal/{lang}/massnahmen/") for p in pages)
        assert any(p.startswith(f"/portal/{lang}/anlaufstellen/") for p in pages)
        if city == "lindenhain":  # district figures: a page per district (Leverkusen publishes none)
            assert any(re.match(rf"/portal/{lang}/kennzahlen/[^/]+/gebiet/lh-ob-\d/$", p) for p in pages)
        # the time switch: each earlier reference date of an indicator is a page on both sites
        dated = (
            "gefluechtete/stand/2017-12-31" if city == "leverkusen" else "lh-bevoelkerung/stand/2022-12-31"
        )
        assert f"/portal/{lang}/kennzahlen/{dated}/" in pages
        if city == "leverkusen":  # the breakdown switch: one dimension, the other at its total
            assert f"/portal/{lang}/kennzahlen/gefluechtete-azr-alter/nach/altersgruppe/" in pages
        # the time switch is on the indicator's own page only, not on each area's
        assert not any("/gebiet/" in p and "/stand/" in p for p in pages)
    assert {p.rsplit(".", 1)[-1] for p in downloads if p.startswith("/portal/daten/")} >= {
        "csv",
        "csv-de",
        "xlsx",
        "json",
    }
    differing = [p for p in sorted(pages) if main_text(live[p][1]) != main_text(static[p][1])]
    assert not differing, differing[:10]
    # the DCAT catalogue names each site's own addresses
    live_bytes = {p: body.replace(live_server.url.encode(), b"SITE") for p, (_kind, body) in live.items()}
    static_bytes = {p: body.replace(static_root.encode(), b"SITE") for p, (_kind, body) in static.items()}
    differing = [p for p in sorted(downloads) if not same_download(p, live_bytes[p], static_bytes[p])]
    assert not differing, differing[:10]
    if city == "lindenhain":  # a district map, drawn the same on both sites
        page = "/portal/de/kennzahlen/lh-integrationskurse/gebiet/lh-ob-1/"
        assert page in pages
        maps = [p for p in pages if "Karte:" in live[p][1].decode() and "<svg" in live[p][1].decode()]
        assert maps and all(
            re.findall(r"<svg.*?</svg>", live[p][1].decode(), re.S)
            == re.findall(r"<svg.*?</svg>", static[p][1].decode(), re.S)
            for p in maps
        )
