"""Public portal pages. Every view takes the language from the URL (/portal/de/…, /portal/ar/…)."""

import datetime
import functools
import io
import json
import re
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from imon.core import housestyle
from imon.core import models as m
from imon.core.numbers import display_language, format_day
from imon.reports import charts
from imon.reports.document.blocks import Figure, Table
from imon.reports.document.formatting import date_labels, main_area

from . import content, pagecache

RTL = {"ar"}


_ONLY_LANGUAGES: ContextVar[dict | None] = ContextVar("portal_only_languages", default=None)


def languages() -> dict:
    """The portal's languages: those of the settings, or those a static export is limited to."""
    return _ONLY_LANGUAGES.get() or dict(settings.PORTAL_LANGUAGES)


_STATIC: ContextVar[bool] = ContextVar("portal_static_export", default=False)


@contextmanager
def static_site():
    """Render pages for the static export: without the search and filter forms, which need the
    live portal to answer them (the topics of the contact points are pages of their own)."""
    token = _STATIC.set(True)
    try:
        yield
    finally:
        _STATIC.reset(token)


@contextmanager
def only_languages(codes):
    """Render pages as if the portal had only these languages (the static export of some of them
    links only to those)."""
    token = _ONLY_LANGUAGES.set({code: name for code, name in settings.PORTAL_LANGUAGES if code in codes})
    try:
        yield
    finally:
        _ONLY_LANGUAGES.reset(token)


def portal_view(view=None, *, parameters: tuple[str, ...] = ()):
    """Activates the URL's language, provides the published state, and caches the page.

    A cached page is keyed by the published snapshot and the contact points' version, so a new
    snapshot or an edited contact point invalidates every page at once (`content.version`); it is
    kept with its gzip form and ETag, made once (`pagecache`). The view sees only the query
    `parameters` it names: a page is the same whatever else its address carries, made and kept
    once, so that made-up parameters neither fill the cache nor make the server render again and
    again."""
    if view is None:
        return functools.partial(portal_view, parameters=parameters)

    @functools.wraps(view)
    @require_safe
    @cache_control(public=True, max_age=300)
    def wrapper(request, lang, *args, **kwargs):
        if lang not in languages():
            raise Http404
        published = content.latest()
        request.GET = _only(request.GET, parameters)
        if _STATIC.get() or not settings.PORTAL_PAGE_CACHE:
            # nothing to keep: the static export renders each page once, or IMON_PAGE_CACHE=0
            with translation.override(lang), display_language(lang):
                request.LANGUAGE_CODE = lang
                response = view(request, lang, published, *args, **kwargs)
                response.headers["Content-Language"] = lang
                return response
        version = content.version(published)
        key = f"portal:{version}:{','.join(languages())}:{request.path}?{request.GET.urlencode()}"
        page = cache.get(key)
        request.META[pagecache.SHAREABLE] = version  # the same for every visitor (pagecache.Front)
        if page is not None:
            return pagecache.answer(page, request)
        with translation.override(lang), display_language(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, lang, published, *args, **kwargs)
            response.headers["Content-Language"] = lang
        page = pagecache.freeze(response) if response.status_code == 200 else None
        if page is None:
            del request.META[pagecache.SHAREABLE]
            return response
        cache.set(key, page, pagecache.KEEP_SECONDS)
        return pagecache.answer(page, request)

    return wrapper


def _only(query: QueryDict, names: tuple[str, ...]) -> QueryDict:
    """`query` with only the parameters `names`, in their order."""
    known = QueryDict(mutable=True)
    for name in names:
        if name in query:
            known.setlist(name, query.getlist(name))
    known._mutable = False
    return known


def _layout(lang, published, alternates) -> dict:
    """What the portal's layout (portal/base.html) needs: the house style comes with the published
    snapshot (a portal without one shows the default)."""
    return {
        "lang": lang,
        "dir": "rtl" if lang in RTL else "ltr",
        "alternates": alternates,
        "published": published,
        "style": published.style if published else housestyle.build({}),
        "not_translated": lang != "de",
        "static_export": _STATIC.get(),
    }


def _page(request, lang, published, template, context):
    path = request.path
    alternates = [
        (code, name, path.replace(f"/portal/{lang}/", f"/portal/{code}/", 1))
        for code, name in languages().items()
    ]
    context.update(_layout(lang, published, alternates))
    return render(request, template, context)


def root(request):
    return redirect("portal-start", lang="de")


def error_page(path: str, status: int, published=None) -> HttpResponse:
    """The portal's own page for a missing page (404) or an error (500): the portal's layout and
    navigation, in the language of the address (else German). Needs no database: `published` is
    given by the caller where it is known."""
    from django.template.loader import render_to_string

    parts = path.split("/")
    lang = parts[2] if len(parts) > 2 and parts[2] in languages() else "de"
    with translation.override(lang), display_language(lang):
        starts = [(code, name, f"/portal/{code}/") for code, name in languages().items()]
        # The page's own text is translated: no notice that the content is German.
        html = render_to_string(
            f"portal/{status}.html", {**_layout(lang, published, starts), "not_translated": False}
        )
    response = HttpResponse(html, status=status)
    response.headers["Content-Language"] = lang
    return response


START_INDICATORS = 6  # the latest figures on the start page


@portal_view
def start(request, lang, published):
    fields = []
    if published:
        fields = [{**f, "progress": published.progress(f["code"])} for f in published.fields]
    # the first six indicators with figures, each with its sentence (made for those six only:
    # a sentence reads the indicator's rows)
    shown = [i for i in (published.indicators if published else []) if i["observations"]][:START_INDICATORS]
    latest = [
        {
            "indicator": indicator,
            "date": published.latest_date(indicator["key"]),
            "sentence": published.sentence(indicator["key"]),
        }
        for indicator in shown
    ]
    return _page(
        request,
        lang,
        published,
        "portal/start.html",
        {
            "fields": fields,
            "latest": latest,
            "statement": _statement(),
            "figures": published.key_figures() if published else None,
        },
    )


@portal_view
def field_of_action(request, lang, published, code):
    field = published.field(code) if published else None
    if field is None:
        raise Http404
    points = [p for p in content.contact_directory() if field["code"] in p.field_codes]
    return _page(
        request,
        lang,
        published,
        "portal/field.html",
        {
            "field": field,
            "progress": published.progress(field["code"]),
            "measures": published.measures_of(field["code"]),
            "goals": published.goals_of(field["code"]),
            "indicators": [_card(published, i) for i in published.indicators_of(field["code"])],
            "contact_points": points,
        },
    )


@portal_view
def measure(request, lang, published, key):
    item = published.measure(key) if published else None
    if item is None:
        raise Http404
    indicators = [published.indicator(k) for k in item["indicators"]]
    goals = [g for g in published.goals if g["key"] in item["goals"]]
    return _page(
        request,
        lang,
        published,
        "portal/measure.html",
        {
            "measure": item,
            "field": published.field(item["field_of_action"]),
            "also_fields": [f for f in map(published.field, item["also_fields_of_action"]) if f],
            "indicators": [i for i in indicators if i],
            "goals": goals,
        },
    )


@portal_view
def indicators(request, lang, published):
    return _page(
        request,
        lang,
        published,
        "portal/indicators.html",
        {"indicators": published.indicators if published else []},
    )


def indicator_areas(published, key) -> list[dict]:
    """The areas an indicator's page switches between: the city itself and its districts, the
    areas of the district map (comparison regions have their own figure; figures of smaller areas
    such as quarters are in the downloads); none where there is only one. Each has a page of its
    own (…/kennzahlen/KEY/gebiet/AREA/), so the switch is a list of links that works without
    JavaScript and in the static export, which stays small: a city with 50 quarters would
    otherwise add 50 pages with charts per indicator and language."""
    return [dict(a) for a in published.remember(key, "areas", lambda: _indicator_areas(published, key))]


def _indicator_areas(published, key) -> list[dict]:
    own = main_area(published.document)
    shown = {
        a["key"]
        for a in published.document["areas"]
        if not a.get("comparison") and (a["key"] == own or a.get("kind") == "city_district")
    }
    areas = [a for a in published.areas_of(key) if a["key"] in shown]
    return areas if len(areas) > 1 else []


# the time switch offers the latest five reference dates (the older ones are in the series and downloads)
SWITCHED_DATES = 5


def indicator_dates(published, key, area=None, dim=None) -> list[str]:
    """The reference dates (ISO, oldest first) the time switch offers on the page of `area` (None:
    the indicator's default page) and breakdown `dim`: on the default page those of the figures it
    shows (the city's, else those of all its own areas), the latest SWITCHED_DATES of them; none
    where there is only one. Each has a page of its own (…/stand/DATE/; the latest is
    the page without a date), so the switch is a list of links, also in the static export.

    Only the indicator's own page has the switch: the pages of an area or a breakdown show their
    latest figures and the whole series below them. A switch on each of them multiplied the
    pages (areas × breakdowns × dates × languages): an Open SDG site of 6 indicators with 10
    districts grew to 1,168 files and its export from about 30 s to 229 s."""
    if area is not None or dim is not None:
        return []
    return published.remember(key, "dates", lambda: _indicator_dates(published, key))


def _indicator_dates(published, key) -> list[str]:
    rows = published.observations(key)
    present = {o["area"] for o in rows}
    own = main_area(published.document)
    chosen = own if own in present else None
    if chosen is not None:
        rows = [o for o in rows if o["area"] == chosen]
    elif len(present) > 1:
        comparison = {a["key"] for a in published.document["areas"] if a.get("comparison")}
        rows = [o for o in rows if o["area"] not in comparison] or rows
    dates = sorted({o["date"] for o in rows})[-SWITCHED_DATES:]
    return dates if len(dates) > 1 else []


def indicator_breakdowns(published, key) -> list[dict]:
    """The dimensions the breakdown switch offers ({"key", "label"}), for an indicator broken down
    by two or more: each one alone, the others at their total, where that leaves two or more of
    its values (the page without a choice shows all of them together). Each has a page of its
    own (…/nach/DIM/), so the static export grows by one page per dimension (and its dates)."""
    return [
        dict(b) for b in published.remember(key, "breakdowns", lambda: _indicator_breakdowns(published, key))
    ]


def _indicator_breakdowns(published, key) -> list[dict]:
    rows = published.observations(key)
    present = {d for o in rows for d in o["dims"]}
    if len(present) < 2:
        return []
    order = (published.indicator(key) or {}).get("dimensions", [])
    labels = {d["key"]: d["label"] for d in published.document["dimensions"]}
    shown = []
    for dim in sorted(present, key=lambda d: (order.index(d) if d in order else len(order), d)):
        # the rows of its page (they are the same rows: `observations` are the public rows' fields)
        alone = published.by_dimension(key, dim)["observations"]
        if len({o["dims"].get(dim) for o in alone} - {None}) > 1:
            shown.append({"key": dim, "label": labels.get(dim, dim)})
    return shown


def indicator_page(lang, key, area=None, date=None, dim=None, base=None) -> str:
    """The address of an indicator's page: of an area or a breakdown, at an earlier date (None:
    the latest, the page without a date); `base`: that of its main page, where known."""
    path = base or reverse("portal-indicator", args=(lang, key))
    if area:
        path += f"gebiet/{area}/"
    elif dim:
        path += f"nach/{dim}/"
    return path + (f"stand/{date}/" if date else "")


def indicator_pages(published, key) -> list[tuple]:
    """(area, date, breakdown) of every page of an indicator (None: the default), for the export."""
    pages: list[tuple] = [(None, d, None) for d in [None, *indicator_dates(published, key)[:-1]]]
    pages += [(a["key"], None, None) for a in indicator_areas(published, key)]
    pages += [(None, None, b["key"]) for b in indicator_breakdowns(published, key)]
    return pages


def symbol_key(published, key) -> list[str]:
    """What each symbol set in the indicator's published values means ('. geheim zu halten …'),
    in the order of the statistical offices' key of symbols."""
    used = published.remember(
        key, "flags", lambda: {o["flag"] for o in published.observations(key) if o["flag"]}
    )
    return [text for flag, text in published.labels["flag"].items() if flag in used]


def page_blocks(published, key, area=None, date=None, dim=None) -> tuple[list, list]:
    """The figures and tables of an indicator's page (of `area` or breakdown `dim`, at `date`):
    those at the chosen date (default: the latest of its time switch) and those over time below
    them; a page without a time switch has all in the first list."""
    dates = indicator_dates(published, key, area, dim)
    date = date or (dates[-1] if dates else None)
    if date is None:
        return published.blocks(key, area, dim), []
    return published.blocks_at(key, area, date, dim)


def _card(published, indicator: dict) -> dict:
    """An indicator on its field of action's page: its small chart, or where its page has none
    (a single figure, values stated approximately) its latest reference date and sentence."""
    chart = first_chart(published, indicator["key"])
    if chart or not indicator["observations"]:
        return {**indicator, "chart": chart}
    return {
        **indicator,
        "chart": "",
        "date": published.latest_date(indicator["key"]),
        "sentence": published.sentence(indicator["key"]),
    }


def first_chart(published, key) -> str:
    """The SVG of the first chart of an indicator's page (the small chart on its field of action's page)."""
    at_date, over_time = page_blocks(published, key)
    figure = next((b for b in [*at_date, *over_time] if isinstance(b, Figure)), None)
    if figure is None:
        return ""
    # the wide and the phone drawing
    return charts.render_responsive_svg(figure.chart)


def _shown(lang, blocks) -> list[dict]:
    """The figures and tables of an indicator as its page's template takes them."""
    shown = []
    for block in blocks:
        if isinstance(block, Figure):
            shown.append(
                {
                    "kind": "figure",
                    "block": block,
                    "svg": charts.render_responsive_svg(block.chart),
                }
            )
        elif isinstance(block, Table):
            shown.append({"kind": "table", "block": block})
    return shown


# The figures of a page are written once per list of blocks and language (see
# content.KeptWith); the static export writes each page once and keeps nothing.
_FIGURES_HTML = content.KeptWith(256)


def _figures_html(lang, blocks: list) -> str:
    """The figures and tables of `blocks` as portal/indicator_blocks.html writes them."""
    return _write_figures(blocks, lang) if _STATIC.get() else _FIGURES_HTML.get(blocks, lang, _write_figures)


def _write_figures(blocks: list, lang: str) -> str:
    return mark_safe(  # noqa: S308 - a template's output
        render_to_string(
            "portal/indicator_blocks.html",
            {"blocks": _shown(lang, blocks), "lang": lang, "dir": "rtl" if lang in RTL else "ltr"},
        )
    )


def _latest_or(date, dates):
    """`date` for an address, None where it is the latest (the page without a date)."""
    return None if not dates or date == dates[-1] or date not in dates else date


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _may_be_a_page(published, area, date, dim) -> bool:
    """Whether the area, reference date and breakdown of an address could name a page of some
    indicator (known area and dimension keys, a day): any other address is answered 404 before
    an indicator's rows are read."""
    return (
        (area is None or area in published.area_names())
        and (dim is None or dim in {d["key"] for d in published.document["dimensions"]})
        and (date is None or _ISO_DAY.fullmatch(date) is not None)
    )


@portal_view(parameters=("gebiet",))
def indicator(request, lang, published, key, area=None, date=None, dim=None):
    item = published.indicator(key) if published else None
    if item is None or not _may_be_a_page(published, area, date, dim):
        raise Http404
    if "gebiet" in request.GET:
        # ?gebiet=: the address of earlier versions, moved for good to the area's own page (an
        # area the indicator has no figures for: to the page without it)
        wanted = request.GET["gebiet"]
        moved = (
            (area, date, dim) == (None, None, None)
            and _may_be_a_page(published, wanted, None, None)  # before the rows are read
            and wanted in {a["key"] for a in indicator_areas(published, key)}
        )
        return redirect(indicator_page(lang, key, wanted if moved else area, date, dim), permanent=True)
    areas = indicator_areas(published, key)
    keys = {a["key"] for a in areas}
    if area is not None and area not in keys:
        raise Http404
    # the breakdown switch is on the pages without an area (the area pages show every breakdown)
    breakdowns = indicator_breakdowns(published, key) if area is None else []
    if dim is not None and dim not in {b["key"] for b in breakdowns}:
        raise Http404
    dates = indicator_dates(published, key, area, dim)
    if date is not None and date not in dates:
        raise Http404
    dated = date is not None  # an earlier date, named in the page's title
    date = date or (dates[-1] if dates else None)
    at_date, over_time = page_blocks(published, key, area, date, dim)
    labels = published.remember(key, "date_labels", lambda: date_labels(published.observations(key)))
    base = indicator_page(lang, key)
    time_switch = [
        {
            "date": d,
            "label": labels.get(d) or format_day(d, lang),
            "url": indicator_page(lang, key, area, _latest_or(d, dates), dim, base),
        }
        for d in dates
    ]
    # area and breakdown pages show their latest figures (the time switch is on the own page only)
    for a in areas:
        a["url"] = indicator_page(lang, key, a["key"], base=base)
    for b in breakdowns:
        b["url"] = indicator_page(lang, key, None, None, b["key"], base)
    all_dimensions = base
    shown_date = date or published.latest_date(key)
    from . import api

    concept = item.get("population_concept") or ""
    # the city has no value of its own: the default view shows every area side by side
    overview = main_area(published.document) not in keys
    return _page(
        request,
        lang,
        published,
        "portal/indicator.html",
        {
            "indicator": item,
            "sources": published.sources_of(key),  # the indicator's own, then those of single observations
            "blocks": any(isinstance(b, (Figure, Table)) for b in at_date),
            "series": any(isinstance(b, (Figure, Table)) for b in over_time),
            "blocks_html": _figures_html(lang, at_date),
            "series_html": _figures_html(lang, over_time),
            "dates": time_switch,
            "date": date,
            "dated": dated,
            "date_label": (labels.get(str(shown_date)) or format_day(shown_date, lang)) if shown_date else "",
            "area_name": next((a["name"] for a in areas if a["key"] == area), ""),
            "breakdowns": breakdowns,
            "dim": dim,
            "dim_label": next((b["label"] for b in breakdowns if b["key"] == dim), ""),
            "all_dimensions": all_dimensions,
            "areas": areas,
            "area": area,
            "current": area or (None if overview else main_area(published.document)),
            "overview": overview,
            "sentence": published.sentence(key),
            "latest": published.latest_date(key),
            "next_update": published.next_update(key),
            "population_concept": published.labels["population_concept"].get(concept, "") if concept else "",
            "symbols": symbol_key(published, key),
            "licence": {"name": api.LICENCE_NAME, "url": LICENCE_URL},
            "formats": DOWNLOADS,
        },
    )


LICENCE_URL = "https://www.govdata.de/dl-de/by-2-0"


DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", _("CSV, international (comma, decimal point)")),
    "csv-de": ("text/csv; charset=utf-8", _("CSV, German (semicolon, decimal comma)")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "json": ("application/json", "JSON"),
}


def download_rows(published, key):
    """The long-format rows of one indicator as published (through the snapshot's boundary)."""
    from imon.core import exports

    indicator = published.indicator(key)
    area_names = published.area_names()
    sources = {k: f"{s['publisher']}: {s['title']}" for k, s in published.sources.items()}
    return exports.long_format(
        (
            key,
            o["area"],
            area_names.get(o["area"], o["area"]),
            datetime.date.fromisoformat(o["date"]),
            o["dims"],
            Decimal(o["value"]) if o["value"] is not None else None,
            o["flag"],
            indicator.get("unit", ""),
            sources.get(o["source"], ""),
            o["qualifier"],
            o["period"],
        )
        for o in published.observations(key)
    )


@require_safe
@cache_control(public=True, max_age=300)
def indicator_download(request, key, fmt):
    """The published observations of one indicator as a file (language-neutral URL)."""
    published = content.latest()
    if fmt not in DOWNLOADS or published is None or published.indicator(key) is None:
        raise Http404
    response = HttpResponse(indicator_file(published, key, fmt), content_type=DOWNLOADS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{download_name(key, fmt)}"'
    return response


def download_name(key, fmt) -> str:
    return f"{key}-excel.csv" if fmt == "csv-de" else f"{key}.{fmt}"


def indicator_file(published, key, fmt) -> bytes:
    return indicator_files(published, key, (fmt,))[fmt]


def indicator_files(published, key, formats=tuple(DOWNLOADS)) -> dict[str, bytes]:
    """The download files of one indicator, {format: bytes}; the rows are built once for all."""
    from imon.core import exports

    header, rows = download_rows(published, key)
    streams = {fmt: io.BytesIO() for fmt in formats}
    exports.write_formats(streams, header, rows)
    return {fmt: stream.getvalue() for fmt, stream in streams.items()}


ZIP_FORMATS = ("csv", "csv-de", "json")


class AllData:
    """The archive of every published indicator as CSV (open and German Excel) and JSON, with the
    API's metadata, written indicator by indicator in the release's order (`add` each of `keys`,
    then `finish`), so that the static export packs each as soon as its files are written."""

    def __init__(self, published):
        import zipfile

        self.published = published
        self.keys = [i["key"] for i in published.indicators if i["observations"]]
        # every member dated the reporting date, not the moment it was packed: the same release
        # gives the same bytes (its ETag and a mirror's copy stay valid across exports)
        self.dated = published.reporting_date.timetuple()[:6]
        self.out = io.BytesIO()
        self.archive = zipfile.ZipFile(self.out, "w")
        self.added = 0

    def _put(self, name: str, data) -> None:
        import zipfile

        member = zipfile.ZipInfo(name, date_time=self.dated)
        self.archive.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)

    def add(self, key: str, files: dict[str, bytes]) -> None:
        """The files of the next indicator of `keys` ({format: bytes})."""
        if key != self.keys[self.added]:
            raise ValueError(f"{key}: expected {self.keys[self.added]}")
        self.added += 1
        for fmt in ZIP_FORMATS:
            self._put(f"{fmt}/{download_name(key, fmt)}", files[fmt])

    def finish(self) -> bytes:
        from . import api

        published = self.published
        if self.added != len(self.keys):
            raise ValueError(f"{len(self.keys) - self.added} indicators missing")
        self._put(
            "indicators.json",
            api.dumps({"meta": api.meta(published), "items": api.indicator_list(published)}),
        )
        self._put(
            "LIZENZ.txt", f"{api.LICENCE_NAME} ({api.LICENCE}); Quelle: {published.municipality['name']}\n"
        )
        self.archive.close()
        return self.out.getvalue()


def all_data_zip(published) -> bytes:
    """Every published indicator as CSV (open and German Excel) and JSON, with the API's metadata."""
    archive = AllData(published)
    for key in archive.keys:
        archive.add(key, indicator_files(published, key, ZIP_FORMATS))
    return archive.finish()


@require_safe
@cache_control(public=True, max_age=300)
def all_data(request):
    published = content.latest()
    if published is None:
        raise Http404
    response = HttpResponse(all_data_zip(published), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="alle-daten.zip"'
    return response


def _in_district(point, district: str) -> bool:
    return district in point.districts


@portal_view(parameters=("handlungsfeld", "sprache", "bezirk", "barrierefrei", "suche", "alle", "seite"))
def contact_points(request, lang, published, code=None):
    """The directory; filters come as query parameters, a topic also as its own page (for the static export)."""
    directory = content.contact_directory()
    points = directory
    wanted = code or request.GET.get("handlungsfeld", "")
    chosen = published.field(wanted) if (published and wanted) else None
    field = chosen["code"] if chosen else wanted
    language = request.GET.get("sprache", "")
    district = request.GET.get("bezirk", "")
    barrier_free = request.GET.get("barrierefrei", "")
    query = request.GET.get("suche", "").strip()
    if field:
        points = [p for p in points if field in p.field_codes]
    if district:
        points = [p for p in points if _in_district(p, district)]
    if barrier_free == "ja":
        points = [p for p in points if p.barrier_free == "yes"]
    if query:
        words = [word.casefold() for word in query.split()[:8]]
        points = [p for p in points if all(word in p.search_text for word in words)]
    if language:
        points = [p for p in points if language in (p.languages or [])]
    all_languages = sorted({code for p in directory for code in (p.languages or [])})
    districts = m.Area.objects.filter(kind="city_district").order_by("order", "key")
    per_page = max(len(points), 1) if request.GET.get("alle") else 20  # ?alle=1: one page (static export)
    page = Paginator(points, per_page).get_page(request.GET.get("seite"))
    query_string = request.GET.copy()
    query_string.pop("seite", None)
    return _page(
        request,
        lang,
        published,
        "portal/contact_points.html",
        {
            "page": page,
            "count": len(points),
            "fields": published.fields if published else [],
            "languages": all_languages,
            "districts": districts,
            "chosen": {
                "field": field,
                "language": language,
                "district": district,
                "barrier_free": barrier_free,
                "query": query,
            },
            "query_string": query_string.urlencode(),
        },
    )


@portal_view
def contact_point(request, lang, published, key):
    point = next((p for p in content.contact_directory() if p.key == key), None)
    if point is None:
        raise Http404
    return _page(
        request, lang, published, "portal/contact_point.html", {"point": point, "schema": _schema_org(point)}
    )


def _schema_org(point) -> str:
    """schema.org markup of a contact point (JSON-LD, safe to embed in a script element)."""
    data = {"@context": "https://schema.org", "@type": "GovernmentOffice", "name": point.name}
    if point.street:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": point.street,
            "postalCode": point.postcode,
            "addressLocality": point.city,
            "addressCountry": "DE",
        }
    website = point.website if point.website.lower().startswith(("https://", "http://")) else ""
    for name, value in (
        ("telephone", point.phone),
        ("email", point.email),
        ("url", website),
        ("description", point.description),
    ):
        if value:
            data[name] = value
    if point.opening_hours:
        data["openingHours"] = point.opening_hours
    if point.languages:
        data["availableLanguage"] = list(point.languages)
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _text_of(path: str) -> list[str]:
    """Paragraphs of a configured plain-text file (imprint, privacy); none if not configured."""
    if not path:
        return []
    with open(path, encoding="utf-8") as stream:
        return [p.strip() for p in stream.read().split("\n\n") if p.strip()]


def _statement() -> dict:
    """The accessibility statement's data from the settings (see content.accessibility_statement)."""
    return content.accessibility_statement(
        settings.IMON_ACCESSIBILITY, _text_of(settings.IMON_ACCESSIBILITY_GAPS_FILE)
    )


def _static_page(template, setting=None):
    @portal_view
    def view(request, lang, published):
        return _page(
            request,
            lang,
            published,
            template,
            {"text": _text_of(getattr(settings, setting)) if setting else [], "statement": _statement()},
        )

    return view


easy_language = _static_page("portal/easy_language.html")
accessibility = _static_page("portal/accessibility.html")
imprint = _static_page("portal/imprint.html", "IMON_IMPRINT_FILE")
privacy = _static_page("portal/privacy.html", "IMON_PRIVACY_FILE")
