"""The static export: served by `python -m http.server`, every internal link resolves."""

import datetime
import io
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import CommandError, call_command

from imon.portal import content
from imon.reports import snapshots
from tests.waiting import wait_until


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def exported(demo, tmp_path):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    target = tmp_path / "site"
    call_command(
        "export_site",
        str(target),
        "--base-url",
        "https://integration.example.de",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return target


def answers(url) -> bool:
    try:
        urllib.request.urlopen(url, timeout=30).close()
        return True
    except OSError:
        return False


def test_every_internal_link_resolves(exported):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(exported)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        root = f"http://127.0.0.1:{port}/"
        wait_until(lambda: answers(root), "the web server did not start", process=server)
        seen, queue, broken, pages = set(), [root + "index.html"], [], 0
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read()
                    kind = response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                broken.append(f"{url}: {error.code}")
                continue
            if "text/html" not in kind:
                continue
            pages += 1
            parser = Links()
            parser.feed(body.decode("utf-8"))
            for link in parser.links:
                if link.startswith(("mailto:", "tel:", "#")) or "?" in link:
                    continue
                target = urljoin(url, link)
                if urlsplit(target).netloc != f"127.0.0.1:{port}":
                    continue
                queue.append(target.split("#")[0])
        assert not broken, broken[:20]
        assert pages > 300  # five languages, every page type
    finally:
        server.terminate()
        server.wait()


def test_export_content_matches_the_live_portal(exported, client):
    page = (exported / "portal/de/kennzahlen/wohnungssuchende-haushalte/index.html").read_text(
        encoding="utf-8"
    )
    assert '<th scope="row">9 Personen</th><td class="num">.</td>' in page
    assert 'href="/' not in page and 'src="/' not in page
    assert (exported / "portal/ar/anlaufstellen/thema/h/index.html").exists()
    assert (exported / "portal/daten/gefluechtete.xlsx").stat().st_size > 1000
    assert (exported / "api/v1/indicators/gefluechtete/observations.json").read_bytes() == client.get(
        "/api/v1/indicators/gefluechtete/observations.json"
    ).content
    catalogue = (exported / "api/v1/catalog.jsonld").read_text(encoding="utf-8")
    assert "https://integration.example.de/portal/daten/gefluechtete.csv" in catalogue
    assert "https://integration.example.de/portal/de/" in (exported / "sitemap.xml").read_text()
    directory = (exported / "portal/de/anlaufstellen/index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<li class="card">', directory)) == 19  # the whole directory on one page


def test_export_downloads_and_charts_are_those_of_the_live_portal(exported, client):
    """Worker processes write the indicators' pages and downloads of the export: the same bytes
    (the same cells for XLSX) as the live portal makes in-process."""
    import io
    import zipfile

    import openpyxl
    from django.core.cache import cache

    from imon.portal.static_export import file_for, rewrite_links
    from imon.reports import charts

    cache.clear()
    charts.render_svg.cache_clear()
    charted = 0
    for indicator in content.latest().indicators:
        key = indicator["key"]
        url = f"/portal/de/kennzahlen/{key}/"
        page = (exported / file_for(url)).read_text(encoding="utf-8")
        charted += "<svg" in page
        assert page == rewrite_links(client.get(url).content.decode("utf-8"), file_for(url))
        if not indicator["observations"]:
            continue
        for fmt in ("csv", "csv-de", "json"):
            assert (exported / f"portal/daten/{key}.{fmt}").read_bytes() == client.get(
                f"/portal/daten/{key}.{fmt}"
            ).content
        cells = [
            list(openpyxl.load_workbook(io.BytesIO(data)).active.values)
            for data in (
                (exported / f"portal/daten/{key}.xlsx").read_bytes(),
                client.get(f"/portal/daten/{key}.xlsx").content,
            )
        ]
        assert cells[0] == cells[1]
    assert charted >= 5
    exported_zip = zipfile.ZipFile(exported / "portal/daten/alle-daten.zip")
    live_zip = zipfile.ZipFile(io.BytesIO(client.get("/portal/daten/alle-daten.zip").content))
    assert exported_zip.namelist() == live_zip.namelist()
    assert all(exported_zip.read(name) == live_zip.read(name) for name in live_zip.namelist())
    # the same release gives the same bytes: every member is dated the reporting date, not the
    # moment it was packed (a mirror and a cache keep their copy)
    reporting = content.latest().reporting_date
    assert {info.date_time[:3] for info in live_zip.infolist()} == {reporting.timetuple()[:3]}
    assert (exported / "portal/daten/alle-daten.zip").read_bytes() == client.get(
        "/portal/daten/alle-daten.zip"
    ).content


def test_a_pinned_release_renders_its_pages_without_the_database(demo, client, django_assert_num_queries):
    """The export's worker processes render indicator pages with the exporting process's release
    pinned in memory and the indicator's rows handed to them: they must not use the database
    connection they inherited."""
    from imon.portal.views import only_languages, static_site

    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    content._LATEST.clear()
    published = content.latest()
    with content.pinned(published), only_languages(["de", "en"]), static_site():
        client.get("/portal/de/")  # the session and language machinery, once
        content._LATEST.pop("checked", None)  # unpinned, the next page would ask for the newest release
        keys = ("gefluechtete", "wohnungssuchende-haushalte")
        rows = {key: published.public_rows(key) for key in keys}  # read here, as the export does
        published._memo.clear()
        with django_assert_num_queries(0):
            for key in keys:
                published.keep_rows(key, rows[key])
                assert client.get(f"/portal/en/kennzahlen/{key}/").status_code == 200
        assert content.latest() is published
    assert content.latest() is not None


def test_export_writes_the_portals_404_page(exported):
    """A static host shows 404.html for a missing address: the portal's page, whose links work from
    any address (from the root of the base URL)."""
    page = (exported / "404.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in page and "Seite nicht gefunden" in page
    assert 'href="/portal/de/index.html"' in page and 'href="/static/portal/portal.css"' in page
    english = (exported / "portal" / "en" / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in english and 'href="/portal/en/index.html"' in english


def test_the_static_site_shows_no_forms_it_cannot_answer(exported, client):
    """Search and filters need the live portal: the static pages leave them out (the topics of the
    contact points are pages of their own), the live pages keep them."""
    for page in ("portal/de/index.html", "portal/de/anlaufstellen/index.html"):
        assert "<form" not in (exported / page).read_text(encoding="utf-8"), page
    assert "thema/" in (exported / "portal/de/anlaufstellen/index.html").read_text(encoding="utf-8")
    assert "<form" in client.get("/portal/de/").content.decode()
    assert "<form" in client.get("/portal/de/anlaufstellen/").content.decode()


def test_export_refuses_without_snapshot_and_dangerous_targets(db, tmp_path):
    content._LATEST.clear()
    with pytest.raises(CommandError, match="noch nichts veröffentlicht"):
        call_command("export_site", str(tmp_path / "site"), stderr=io.StringIO())
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    with pytest.raises(CommandError, match="nicht ersetzt|Refusing|ersetz"):
        call_command("export_site", str(tmp_path / "repo"))


def test_an_export_of_some_languages_links_only_to_those(demo, tmp_path, client):
    from imon.portal.static_export import export_site

    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    target = tmp_path / "site"
    export_site(target, languages=["de", "ar"])
    assert sorted(p.name for p in (target / "portal").iterdir() if p.name != "daten") == ["ar", "de"]
    start = (target / "portal" / "de" / "index.html").read_text(encoding="utf-8")
    assert 'hreflang="ar"' in start and 'hreflang="en"' not in start and 'hreflang="tr"' not in start
    # afterwards the live portal has all its languages again
    live = client.get("/portal/de/", HTTP_HOST="localhost").content.decode()
    assert all(f'hreflang="{code}"' in live for code in ("de", "en", "tr", "ar", "uk"))


def test_export_replaces_only_its_own_folders_and_never_the_data_folder(demo, tmp_path, settings):
    """A folder with other files in it is refused, the data folder (database, secret key) too;
    a previous export is replaced."""
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    settings.IMON_HOME = tmp_path / "home"
    settings.IMON_HOME.mkdir()
    (settings.IMON_HOME / "secret_key").write_text("geheim")
    (settings.IMON_HOME / "db.sqlite3").write_bytes(b"SQLite format 3\0")
    for target in (settings.IMON_HOME, settings.IMON_HOME / "export", tmp_path):
        with pytest.raises(CommandError, match="Datenordner|nicht leer"):
            call_command("export_site", str(target), stdout=io.StringIO(), stderr=io.StringIO())
    assert (settings.IMON_HOME / "secret_key").read_text() == "geheim"
    assert (settings.IMON_HOME / "db.sqlite3").exists()
    other = tmp_path / "documents"
    other.mkdir()
    (other / "letter.txt").write_text("Sehr geehrte Damen und Herren")
    with pytest.raises(CommandError, match="nicht leer"):
        call_command("export_site", str(other), stdout=io.StringIO(), stderr=io.StringIO())
    assert (other / "letter.txt").exists()
    site = tmp_path / "site"
    call_command("export_site", str(site), stdout=io.StringIO(), stderr=io.StringIO())
    (site / "stale.html").write_text("old")
    call_command("export_site", str(site), stdout=io.StringIO(), stderr=io.StringIO())  # its own: replaced
    assert not (site / "stale.html").exists() and (site / "portal" / "de" / "index.html").exists()


def test_downloads_that_did_not_change_are_not_written_again(demo, tmp_path, client):
    """The next release's export keeps the downloads whose content is the same (the very files of
    the previous export, so their time stays for a sync to the web server) and writes anew only
    those that changed."""
    from imon.core import models as m

    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    site = tmp_path / "site"
    out = io.StringIO()
    call_command("export_site", str(site), stdout=out, stderr=io.StringIO())
    assert "0 Downloads seit dem letzten Export unverändert" in out.getvalue()
    before = {p.relative_to(site): p.stat() for p in site.rglob("*") if p.is_file()}
    m.Observation.objects.filter(indicator__key="bevoelkerung").update(value=200_000)
    content._LATEST.clear()
    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    out = io.StringIO()
    call_command("export_site", str(site), stdout=out, stderr=io.StringIO())
    after = {p.relative_to(site): p.stat() for p in site.rglob("*") if p.is_file()}
    kept = {name for name in before if name in after and after[name].st_ino == before[name].st_ino}
    changed = {f"portal/daten/bevoelkerung.{fmt}" for fmt in ("csv", "csv-de", "json", "xlsx")}
    assert changed.isdisjoint({str(name) for name in kept})
    assert "200000" in (site / "portal/daten/bevoelkerung.csv").read_text(encoding="utf-8")
    assert {
        "portal/daten/wohnungssuchende-haushalte.csv",
        "portal/daten/wohnungssuchende-haushalte.xlsx",
    } <= {str(name) for name in kept}
    assert f"; {len(kept)} Downloads seit" in out.getvalue()
    for name in kept:  # what the live portal gives for the new release
        assert (site / name).read_bytes() == client.get(f"/{name}").content


def test_export_tasks_hold_the_rows_of_a_few_indicators_at_a_time():
    """The export hands each indicator's rows to a worker: every task runs once and its result
    comes back, this process does its own pages meanwhile and takes tasks itself rather than
    wait, and never more rows are handed out than two per worker beside the one it works on."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from imon.portal.static_export import _run_tasks

    lock, out, peak, own, here = threading.Lock(), [0], [0], [], []
    main = threading.get_ident()

    def argument(key):
        with lock:
            out[0] += 1
            peak[0] = max(peak[0], out[0])
        return [key] * 3  # an indicator's rows

    gate = threading.Event()  # the worker waits until this process has taken a task itself

    def task(key, rows):
        if threading.get_ident() == main:
            here.append(key)
            gate.set()
        else:
            assert gate.wait(10)
        with lock:
            out[0] -= 1
        return len(rows), key.upper()

    keys = [f"k{n}" for n in range(40)]
    pieces = [lambda n=n: own.append(n) for n in range(5)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        results = dict(_run_tasks(pool, task, keys, argument, 1, iter(pieces)))
    assert results == {key: (3, key.upper()) for key in keys}
    assert own == list(range(5))  # the exporting process's own pages, all of them, in order
    assert here  # it took tasks itself instead of waiting
    assert peak[0] <= 3  # two handed to the worker, one in this process


def test_a_release_stored_in_one_document_exports_the_same_site(demo, tmp_path):
    """The export's workers make an indicator's rows of its stored parts; a release of schema
    version 1 (every observation in the document) hands them its rows instead: the same site."""
    import json

    from imon.core import models as m
    from imon.portal.static_export import export_site
    from imon.reports.models import Snapshot

    content._LATEST.clear()
    parts = snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))
    assert parts.schema_version == 2 and parts.parts.exists()
    snapshots.publish(parts)
    export_site(tmp_path / "parts", languages=["de", "en"])
    whole = snapshots.collect(m.Concept.objects.get(), "1. Umsetzungsbericht", datetime.date(2019, 9, 16))
    one = Snapshot.objects.create(
        number=parts.number + 1,
        title=parts.title,
        reporting_date=parts.reporting_date,
        schema_version=1,
        document=snapshots.encode(whole),
    )
    content._LATEST.clear()
    snapshots.publish(one)
    export_site(tmp_path / "document", languages=["de", "en"])

    def files(site):
        found = {}
        for path in site.rglob("*"):
            name = str(path.relative_to(site))
            if path.is_file() and name not in ("portal/daten/alle-daten.zip", ".imon-downloads.json"):
                data = path.read_bytes()
                if name.startswith("api/"):  # the release's number is in the API's metadata
                    data = data.replace(
                        f'"snapshot":{one.number}'.encode(), f'"snapshot":{parts.number}'.encode()
                    )
                found[name] = data
        return found

    exported = files(tmp_path / "parts")
    assert len(exported) > 100 and any(name.startswith("portal/daten/") for name in exported)
    assert files(tmp_path / "document") == exported
    assert json.loads(exported["api/v1/indicators/bevoelkerung/observations.json"])["items"]
