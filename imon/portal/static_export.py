"""The static export: the complete public portal as files that any web server or CDN can host.

Every page is rendered by the live portal's own views and templates (through Django's test
client, in-process), so the export cannot drift from the live site. Links are rewritten to
relative links to files (`../kennzahlen/x/index.html`), which work from any folder, on any
server and when opened from disk. Filters that need a query string have pre-rendered pages:
the contact-point directory per topic (`anlaufstellen/thema/c/`), and the whole directory on one
page. The API and the DCAT catalogue are written as the same JSON files the live API serves.
"""

import gc
import hashlib
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from . import api, content
from .views import (
    DOWNLOADS,
    ZIP_FORMATS,
    AllData,
    error_page,
    indicator_files,
    indicator_page,
    indicator_pages,
    only_languages,
    static_site,
)

LINK = re.compile(r'(href|src|action)="(/[^"]*)"')


@dataclass
class ExportStats:
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    unchanged: int = 0  # downloads the previous export held with the same content: kept, not written


HASHES = ".imon-downloads.json"  # {file: SHA-256} of the downloads of an export, for the next one


def previous_hashes(target: Path) -> dict:
    """The download hashes of the previous export in `target` (none if there is none)."""
    try:
        return (
            json.loads((target / HASHES).read_text(encoding="utf-8")) if (target / MARKER).is_file() else {}
        )
    except (OSError, ValueError):
        return {}


def keep_or_write(name: str, data: bytes, staging: Path, target: Path, previous: dict) -> tuple[str, bool]:
    """Write a download into the staging folder, unless the previous export in `target` has the
    same bytes under the same name: then that file is linked (not written again, its time
    stays, so that a sync to the web server or CDN sees it unchanged). (SHA-256, kept)"""
    sha = hashlib.sha256(data).hexdigest()
    if previous.get(name) == sha:
        try:
            os.link(target / name, staging / name)
            return sha, True
        except OSError:  # gone, or another file system
            pass
    (staging / name).write_bytes(data)
    return sha, False


def page_urls(published, contact_keys, field_codes, languages, indicators: bool = True) -> list[str]:
    """Every public page, in each of `languages` (without those of the indicators: `indicators` False)."""
    urls = []
    for lang in languages:
        base = f"/portal/{lang}/"
        urls += [
            base,
            f"{base}kennzahlen/",
            f"{base}anlaufstellen/",
            f"{base}leichte-sprache/",
            f"{base}barrierefreiheit/",
            f"{base}impressum/",
            f"{base}datenschutz/",
        ]
        urls += [f"{base}handlungsfelder/{f['code'].lower()}/" for f in published.fields]
        urls += [f"{base}massnahmen/{m['key'].lower()}/" for m in published.measures]
        for i in published.indicators if indicators else ():
            urls += indicator_urls(published, i["key"], [lang])
        urls += [f"{base}anlaufstellen/thema/{code.lower()}/" for code in field_codes]
        urls += [f"{base}anlaufstellen/{key}/" for key in contact_keys]
    return urls


def indicator_urls(published, key: str, languages) -> list[str]:
    """The pages of one indicator in each of `languages`: each area of the area switch and each
    dimension of the breakdown switch has its page (the live portal's district figures), and
    each earlier date of its time switch."""
    pages = indicator_pages(published, key)
    bases = {lang: indicator_page(lang, key) for lang in languages}
    return [
        indicator_page(lang, key, area, date, dim, bases[lang])
        for lang in languages
        for area, date, dim in pages
    ]


def api_urls(published) -> list[str]:
    urls = [
        "/api/v1/openapi.json",
        "/api/v1/fields-of-action.json",
        "/api/v1/measures.json",
        "/api/v1/indicators.json",
        "/api/v1/contact-points.json",
    ]
    urls += [f"/api/v1/indicators/{i['key']}/observations.json" for i in published.indicators]
    return urls


def file_for(url: str) -> str:
    """The file that holds `url` in the export (directories get index.html)."""
    path = urlsplit(url).path.lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


def relative(from_file: str, url: str) -> str:
    parts = urlsplit(url)
    target = file_for(parts.path)
    if parts.path.startswith(settings.STATIC_URL):
        target = parts.path.lstrip("/")
    link = _relpath(target, posixpath.dirname(from_file))
    return link + (f"#{parts.fragment}" if parts.fragment else "")


def _relpath(target: str, folder: str) -> str:
    """posixpath.relpath(target, folder or "."), for two paths from the site's root; without
    its detour through the absolute paths where both are plain (no empty, "." or ".." parts)."""
    to, start = target.split("/"), folder.split("/") if folder else []
    if any(part in ("", ".", "..") for part in (*to, *start)):
        return posixpath.relpath(target, folder or ".")
    common = 0
    for mine, theirs in zip(to, start):
        if mine != theirs:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:]) or "."


def absolute_links(html: str, prefix: str) -> str:
    """Links from the site's root (below `prefix`, the path of the base URL), for pages that a
    server shows at any address, such as the 404 page."""

    def replace(match):
        attribute, url = match.group(1), match.group(2)
        path = urlsplit(url).path
        target = path.lstrip("/") if path.startswith(settings.STATIC_URL) else file_for(path)
        return f'{attribute}="{prefix}/{target}"'

    return LINK.sub(replace, html)


def rewrite_links(html: str, from_file: str) -> str:
    links: dict[str, str] = {}  # a page links to many addresses more than once

    def replace(match):
        attribute, url = match.group(1), match.group(2)
        if attribute != "action" and "?" in url:
            return match.group(0)  # query links (paging, filters) only work on the live portal
        link = links.get(url)
        if link is None:
            link = links[url] = relative(from_file, url)
        return f'{attribute}="{link}"'

    return LINK.sub(replace, html)


_WORK: dict = {}  # what the forked workers find: the published state and the staging folder


def _refuse_database(execute, sql, params, many, context):
    raise RuntimeError(
        "The export's worker processes work from the published state in memory, not the database."
    )


def _worker_start():
    """In each forked worker: the database connections are the parent's (a shared socket or
    file handle), so any use of them is refused; the pages of an indicator need none (the
    published state is pinned in memory, see `content.pinned`)."""
    from django.db import connections

    for connection in connections.all():
        connection.execute_wrappers.append(_refuse_database)


def _stored(key: str) -> tuple[str, list]:
    """What a task needs of an indicator's rows, read by the exporting process (the workers use no
    database): the texts of its stored parts, which the task makes its rows of (cheaper to hand
    over than the rows), or the public rows of a release that stores no parts."""
    texts = _WORK["snapshot"].part_texts(key)
    return ("parts", texts) if texts else ("rows", _WORK["published"].public_rows(key))


def _indicator_task(
    key: str, stored: tuple[str, list]
) -> tuple[list[str], int, list[tuple[str, int, str, bool]]]:
    """Write the pages of one indicator in every exported language, and its download files and
    API observations (or keep those, see `keep_or_write`): (the pages' addresses, their bytes,
    (name, size, SHA-256, kept) of each download). `stored`: the indicator's rows (`_stored`).
    Run by a worker, or by the exporting process itself."""
    from imon.reports.models import part_rows

    published, staging = _WORK["published"], _WORK["staging"]
    kind, data = stored
    if kind == "parts":
        published.keep_stored_rows(key, [row for text in data for row in part_rows(key, text)])
    else:
        published.keep_rows(key, data)
    written = [0, 0]

    def write(name: str, data: bytes):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[0] += 1
        written[1] += len(data)

    urls = indicator_urls(published, key, _WORK["languages"])
    with only_languages(_WORK["languages"]), static_site():
        _write_pages(Client(HTTP_HOST="localhost"), urls, write)
    if not published.indicator(key)["observations"]:
        _collect()
        return urls, written[1], []
    files = {f"portal/daten/{key}.{fmt}": data for fmt, data in indicator_files(published, key).items()}
    files[file_for(f"/api/v1/indicators/{key}/observations.json")] = api.observations_response(
        published, key
    ).content
    result = []
    for name, data in files.items():
        sha, kept = keep_or_write(name, data, staging, _WORK["target"], _WORK["previous"])
        result.append((name, len(data), sha, kept))
    _collect()
    return urls, written[1], result


def _collect():
    """Free the reference cycles the pages of a task left (requests, responses, template
    contexts): the cycle collector pauses during the export (see `export_site`), and without
    this a process grew by about 3 MB per indicator. Only the youngest generation, the objects
    made since the last task: some milliseconds, not a walk over the whole published state."""
    gc.collect(0)


def _run_tasks(pool, task, keys, argument, workers: int, own_work):
    """(key, task(key, argument(key))) for every key, in the order they finish: the worker
    processes take the tasks, at most one more each than they work on, so that the arguments (an
    indicator's rows) of only a few lie in memory at once; whenever none is finished, this
    process does a piece of `own_work` (an iterator of callables), and once that is done, takes
    the next task itself instead of waiting."""
    pending, running = deque(keys), {}
    own = iter(own_work)
    while pending or running:
        while pending and len(running) < 2 * workers:
            key = pending.popleft()
            running[pool.submit(task, key, argument(key))] = key
        finished = [future for future in running if future.done()]
        if not finished:
            piece = next(own, None)
            if piece is not None:
                piece()
            elif pending:
                key = pending.pop()
                yield key, task(key, argument(key))
            else:
                wait(running, return_when=FIRST_COMPLETED)
            continue
        for future in finished:
            yield running.pop(future), future.result()
    for piece in own:
        piece()


def _write_indicators(keys, client, others, write, say, stats, hashes, done) -> dict[str, list[str]]:
    """Write every indicator's pages and downloads (`_indicator_task`) in forked workers, and the
    `others` pages here meanwhile; count them into `stats`, the downloads' SHA-256 into `hashes`;
    `done(key)` once an indicator's files are written; {indicator: the addresses of its pages}."""
    workers = max(1, (os.cpu_count() or 1) - 1)
    context = multiprocessing.get_context("fork")

    def other_pages():  # the pages that are not an indicator's, ten at a time
        for start in range(0, len(others), 10):
            yield lambda start=start: _write_pages(
                client, others[start : start + 10], write, say, start, len(others)
            )

    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start) as pool:
        tasks = _run_tasks(pool, _indicator_task, keys, _stored, workers, other_pages())
        urls = {}
        for number, (key, (addresses, size, files)) in enumerate(tasks, 1):
            urls[key] = addresses
            stats.files += len(addresses) + len(files)
            stats.bytes += size + sum(size for _name, size, _sha, _kept in files)
            stats.unchanged += sum(kept for _name, _size, _sha, kept in files)
            hashes.update((name, sha) for name, _size, sha, _kept in files)
            done(key)
            if number % 10 == 0 or number == len(keys):
                say(f"{number} von {len(keys)} Kennzahlen mit ihren Seiten und Downloads …")
    return {key: urls[key] for key in keys}


def _write_pages(client, pages, write, say=None, done=0, total=None):
    total = total or len(pages)
    for number, url in enumerate(pages, done + 1):
        fetch = url + "?alle=1" if url.endswith("/anlaufstellen/") or "/anlaufstellen/thema/" in url else url
        response = client.get(fetch)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        name = file_for(url)
        write(name, rewrite_links(response.content.decode("utf-8"), name).encode("utf-8"))
        if say and number % 200 == 0:
            say(f"{number} von {total} Seiten …")


FONT_FILES = tuple(
    f"kern/fonts/fira-sans/FiraSans-{face}.woff2"
    for face in ("Regular", "Italic", "Medium", "SemiBold", "Bold")
) + ("kern/fonts/OFL.txt",)
MARKER = ".imon-export"  # written into every export: only such a folder is ever replaced


class TargetError(Exception):
    """The export folder may not be replaced; the message is for the user."""


def check_target(target: Path):
    """Refuse a folder that is not empty and was not written by an export (no MARKER), and
    anything inside, or holding, the data folder (IMON_HOME: database, secret key)."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    target = target.resolve()
    home = Path(settings.IMON_HOME).resolve()
    if target == home or home in target.parents or target in home.parents:
        raise TargetError(
            _("Refusing to write the export into or over the data folder %(home)s: choose another folder.")
            % {"home": home}
        )
    for folder in (target, target.with_name(f".{target.name}.partial")):
        if folder.is_file() or (
            folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file()
        ):
            raise TargetError(
                _(
                    "Refusing to replace %(path)s: it is not empty and was not written by 'imon export-site'. "
                    "Choose an empty folder or a previous export."
                )
                % {"path": folder}
            )


def export_site(target: Path, base_url: str = "", progress=None, languages=None) -> ExportStats:
    """Write the public portal into `target` (which is replaced, if a previous export), in
    `languages` (default: all)."""
    check_target(target)
    # The export makes millions of small objects (the snapshot, the rows of the downloads) that
    # reference counting frees; the cyclic garbage collector would only walk them again and again
    # (a third of the time of loading a large snapshot). It pauses for the export, in the workers too.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _export_site(target, base_url, progress, languages)
    finally:
        if collecting:
            gc.enable()


def _export_site(target: Path, base_url, progress, languages) -> ExportStats:
    from imon.core import models as m
    from imon.reports.models import Snapshot

    started = time.perf_counter()
    say = progress or (lambda message: None)
    published = content.latest()
    if published is None:
        raise ValueError("nothing published")
    staging = target.with_name(f".{target.name}.partial")
    check_target(target)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    (staging / MARKER).write_text("Written by imon export-site; the next export replaces this folder.\n")
    client = Client(
        HTTP_HOST="localhost"
    )  # rendered in-process; the base URL only goes into catalogue and sitemap
    stats = ExportStats()

    def write(relative_path: str, data: bytes):
        path = staging / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        stats.files += 1
        stats.bytes += len(data)

    contact_keys = list(m.ContactPoint.objects.filter(published=True).values_list("key", flat=True))
    field_codes = [f["code"] for f in published.fields]
    all_languages = [code for code, _name in settings.PORTAL_LANGUAGES]
    languages = [code for code in (languages or all_languages) if code in all_languages] or all_languages
    # the pages of the indicators are listed by their tasks; the others in the order of their
    # address after the language, so that a page is written in every language in turn and the
    # later ones find what the public view keeps of the indicators it shows (PublicView.remember)
    pages = page_urls(published, contact_keys, field_codes, languages, indicators=False)
    pages.sort(key=lambda url: url.split("/", 3)[3])
    say(f"{len(pages)} Seiten und die Seiten von {len(published.indicators)} Kennzahlen werden geschrieben …")
    # One task per indicator writes its pages in every language, its download files and its API
    # observations (most of the work: the figures of each page). Forked workers take the tasks
    # while this process writes the other pages, and then takes over the tasks no worker has
    # started yet instead of waiting; with one worker less than cores, every core has one
    # process. The workers use no database: the release is pinned in memory (`content.pinned`),
    # and each task is handed its indicator's rows, read here (`_run_tasks`).
    keys = [i["key"] for i in published.indicators]
    downloads = [i["key"] for i in published.indicators if i["observations"]]
    say(f"{len(downloads) * len(DOWNLOADS)} Downloads werden geschrieben …")
    (staging / "portal" / "daten").mkdir(parents=True)
    for key in downloads:
        (staging / "api" / "v1" / "indicators" / key).mkdir(parents=True)
    _WORK.update(
        published=published,
        snapshot=Snapshot.objects.get(number=published.number),
        staging=staging,
        languages=languages,
        target=target,
        previous=previous_hashes(target),
    )
    hashes: dict = {}
    # the archive of all data packs each indicator's files in the release's order as soon as they
    # are written, while the workers go on (packed at the end, it kept one core busy alone for 0.9 s
    # of the benchmark's 60 indicators)
    archive, finished = AllData(published), set()

    def pack(key):
        finished.add(key)
        while archive.added < len(archive.keys) and archive.keys[archive.added] in finished:
            next_key = archive.keys[archive.added]
            daten = staging / "portal" / "daten"
            archive.add(next_key, {fmt: (daten / f"{next_key}.{fmt}").read_bytes() for fmt in ZIP_FORMATS})

    with content.pinned(published), only_languages(languages), static_site():  # no forms
        pages += [
            url
            for key, urls in _write_indicators(keys, client, pages, write, say, stats, hashes, pack).items()
            for url in urls
        ]
        by_tasks = {f"/api/v1/indicators/{key}/observations.json" for key in downloads}
        for url in api_urls(published):
            if url not in by_tasks:
                write(file_for(url), client.get(url).content)
        write("portal/daten/alle-daten.zip", archive.finish())
    write("api/v1/catalog.jsonld", api.dumps(api.catalogue_data(published, base_url or "")))
    # The page a web server shows for a missing address (nginx: error_page 404 /404.html; most
    # static hosts find 404.html by themselves): the portal's own, per language.
    prefix = urlsplit(base_url).path.rstrip("/") if base_url else ""
    with only_languages(languages):
        for lang in languages:
            page = absolute_links(error_page(f"/portal/{lang}/", 404, published).content.decode(), prefix)
            write(f"portal/{lang}/404.html", page.encode())
            if lang == languages[0]:
                write("404.html", page.encode())
    (staging / HASHES).write_text(json.dumps(hashes, sort_keys=True, indent=0), encoding="utf-8")
    # the stylesheets and the house font (Fira Sans, with the licence of the files it came with)
    for name in ("portal/portal.css", "kern/fonts/fira-sans.css", "kern/LICENSE.md", *FONT_FILES):
        found = finders.find(name)
        write(f"{settings.STATIC_URL.strip('/')}/{name}", Path(str(found)).read_bytes())
    first = languages[0]
    write(
        "index.html",
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=portal/{first}/index.html"><title>Integrationsportal</title></head><body><p><a href="portal/{first}/index.html">Zum Integrationsportal</a></p></body></html>'.encode(),
    )
    if base_url:
        urls = "".join(f"<url><loc>{base_url.rstrip('/')}{url}</loc></url>" for url in pages)
        write(
            "sitemap.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
        )
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    stats.seconds = time.perf_counter() - started
    return stats
