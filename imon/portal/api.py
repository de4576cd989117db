"""The read-only open-data API (JSON, described by OpenAPI) and the DCAT-AP.de catalogue.

Everything comes from the published state (`content.latest()`), so the API publishes exactly what
the portal shows, with suppressed cells as `null` plus their symbol. Paths end in `.json` so
that the static export (`imon export-site`) can write the same files for any web server.

The operations are declared with django-ninja: their parameters and the response types of
`api_schemas.py` generate the OpenAPI document. The views build plain dictionaries and return
them as finished responses (`_json`), so a large page of observations is not validated row by
row; `tests/test_api_schema.py` checks real responses against the declared types.
"""

import datetime
import functools
import json
import re
from typing import Annotated

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Path, Query
from ninja.errors import ValidationError
from pydantic import BeforeValidator

from imon.core import jsontext
from imon.core import models as m
from imon.publication.view import fields_served

from . import api_schemas as s
from . import content

PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000
LICENCE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
LICENCE_NAME = "Datenlizenz Deutschland – Namensnennung – Version 2.0"
FORMAT_MESSAGE = "page, page_size: whole numbers; from, to: dates as YYYY-MM-DD"
RANGE_MESSAGE = f"page >= 1 and 1 <= page_size <= {MAX_PAGE_SIZE}"

ninja_api = NinjaAPI(
    title="Integrationsmonitor Open Data API",
    version="1",
    description=(
        "Read-only open data of the integration concept: fields of action, measures, indicators, "
        "observations and contact points as published in the latest release (snapshot), plus the "
        "DCAT-AP.de catalogue and the download files. Every address answers GET and HEAD. "
        "Licence: dl-de/by-2-0."
    ),
    openapi_url=None,  # served by `openapi` below, at the same address as before
    docs_url=None,
    urls_namespace="api-v1",
    openapi_extra={"info": {"license": {"name": LICENCE_NAME, "url": "https://www.govdata.de/dl-de/by-2-0"}}},
)


def operation(path: str, name: str, summary: str, response: dict, description: str = ""):
    """A read-only operation at `path` (URL name `name`): GET in the description, HEAD as well;
    responses are public and may be cached for five minutes."""

    def register(view):
        view = cache_control(public=True, max_age=300)(view)
        responses = {**response, 404: s.NOT_FOUND}
        ninja_api.get(
            path,
            response=responses,
            url_name=name,
            operation_id=view.__name__,
            summary=summary,
            description=description,
        )(view)
        ninja_api.api_operation(["HEAD"], path, response=responses, url_name=name, include_in_schema=False)(
            view
        )
        return view

    return register


@ninja_api.exception_handler(Http404)
def _not_found(request, exc):
    raise exc  # the site's own 404 page, as for any other address


@ninja_api.exception_handler(ValidationError)
def _bad_parameters(request, exc):
    """Invalid query parameters: 400 with a plain-text explanation (after 404 if nothing is
    published, as the view would answer)."""
    _published()
    in_range = all(e["type"] in ("greater_than_equal", "less_than_equal") for e in exc.errors)
    response = HttpResponseBadRequest(
        RANGE_MESSAGE if in_range else FORMAT_MESSAGE, content_type="text/plain; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


def _published():
    published = content.latest()
    if published is None:
        raise Http404
    return published


def _json(data, status=200):
    response = HttpResponse(
        jsontext.dumps(data, default=DjangoJSONEncoder().default),
        status=status,
        content_type="application/json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def field_list(published):
    return [
        {
            **f,
            "measures": len(published.measures_of(f["code"])),
            "finished": published.progress(f["code"])["finished"],
        }
        for f in published.fields
    ]


def measure_list(published):
    return [
        {
            k: (v.isoformat() if isinstance(v, datetime.date) else v)
            for k, v in measure.items()
            if k != "next_steps"
        }
        for measure in published.measures
    ]


def indicator_list(published):
    return [
        {
            **{k: v for k, v in i.items() if k != "observations"},
            "observation_count": i["observations"],
            "latest_date": _iso(published.latest_date(i["key"])),
        }
        for i in published.indicators
    ]


def contact_point_list():
    points = (
        m.ContactPoint.objects.filter(published=True)
        .select_related("area")
        .prefetch_related("fields_of_action")
        .order_by("key")
    )
    return [
        {
            **{name: getattr(p, name) for name in content.CONTACT_FIELDS},
            "district": p.area.name if p.area else "",
            "fields_of_action": [f.code for f in p.fields_of_action.all()],
        }
        for p in points
    ]


def _whole(text) -> int:
    """A whole number written as digits (optionally with a minus sign), nothing else."""
    if isinstance(text, int):  # the default
        return text
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError("not a whole number")
    return int(text)


def _date(text) -> datetime.date | None:
    """A date exactly as YYYY-MM-DD."""
    if text is None:  # the default
        return None
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError("not a date as YYYY-MM-DD")
    return datetime.date.fromisoformat(text)


Whole = Annotated[int, BeforeValidator(_whole)]
IsoDate = Annotated[datetime.date, BeforeValidator(_date)]


def _iso(value):
    return value.isoformat() if value else None


def meta(published):
    return {
        "snapshot": published.number,
        "reporting_date": published.reporting_date.isoformat(),
        "licence": LICENCE,
    }


@operation(
    "",
    "api-index",
    "Entry point: where the description, the catalogue and the resources are",
    {200: s.ApiIndex},
)
def index(request):
    return _json(
        {
            "title": "Integrationsmonitor Open Data API",
            "openapi": reverse("api-openapi"),
            "catalogue": reverse("api-catalogue"),
            "resources": [
                reverse(name)
                for name in (
                    "api-fields",
                    "api-measures",
                    "api-indicators",
                    "api-observations",
                    "api-contact-points",
                )
            ],
        }
    )


@operation(
    "fields-of-action.json", "api-fields", "Fields of action (Handlungsfelder)", {200: s.FieldOfActionList}
)
def fields(request):
    published = _published()
    return _json({"meta": meta(published), "items": field_list(published)})


@operation("measures.json", "api-measures", "Measures (Maßnahmen)", {200: s.MeasureList})
def measures(
    request,
    field_of_action: Annotated[
        str,
        Query(
            None,
            description="Only the measures serving this field of action (its code, e.g. C): those it "
            "leads and cross-cutting measures that also serve it",
        ),
    ] = None,
):
    published = _published()
    items = measure_list(published)
    if field_of_action:
        items = [i for i in items if field_of_action in fields_served(i)]
    return _json({"meta": meta(published), "items": items})


@operation("indicators.json", "api-indicators", "Indicators (Kennzahlen)", {200: s.IndicatorList})
def indicators(request):
    published = _published()
    return _json({"meta": meta(published), "items": indicator_list(published)})


@operation(
    "indicators/{key}/observations.json",
    "api-indicator-observations",
    "The published observations of one indicator",
    {200: s.IndicatorObservations},
    "404 also when the indicator is unknown.",
)
def indicator_observations(request, key: Annotated[str, Path(description="Key of the indicator")]):
    published = _published()
    if published.indicator(key) is None:
        raise Http404
    return observations_response(published, key)


def observations_response(published, key):
    """The published observations of one indicator (also written by the static export's workers)."""
    return _json({"meta": meta(published), "indicator": key, "items": published.observations(key)})


@operation(
    "observations.json",
    "api-observations",
    "Published observations, filtered and paged",
    {200: s.ObservationPage, 400: s.BAD_REQUEST},
    "All published observations in the release's order (indicator, area, reference date, "
    "breakdown); the filters combine. 400 for a parameter that is not a whole number or date, or "
    f"outside its range (page >= 1, 1 <= page_size <= {MAX_PAGE_SIZE}).",
)
def observations(
    request,
    indicator: Annotated[str, Query(None, description="Only this indicator (its key)")] = None,
    area: Annotated[str, Query(None, description="Only this area (its key)")] = None,
    date_from: Annotated[
        IsoDate, Query(None, alias="from", description="First reference date (YYYY-MM-DD)")
    ] = None,
    date_to: Annotated[
        IsoDate, Query(None, alias="to", description="Last reference date (YYYY-MM-DD)")
    ] = None,
    page: Annotated[Whole, Query(1, ge=1, description="Page number, from 1")] = 1,
    page_size: Annotated[
        Whole, Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page")
    ] = PAGE_SIZE,
):
    """Rows are made one at a time and only the requested page is kept."""
    published = _published()
    if indicator:
        rows = ({"indicator": indicator, **o} for o in published.observations(indicator))
    else:
        rows = published.all_observations()
    first = _iso(date_from)
    last = _iso(date_to)
    start = (page - 1) * page_size
    end = start + page_size
    count, items = 0, []
    for o in rows:
        if (
            (not area or o["area"] == area)
            and (not first or o["date"] >= first)
            and (not last or o["date"] <= last)
        ):
            if start <= count < end:
                items.append(o)
            count += 1
    return _json(
        {
            "meta": {
                **meta(published),
                "page": page,
                "page_size": page_size,
                "count": count,
                "pages": max(1, -(-count // page_size)),
            },
            "items": items,
        }
    )


@operation(
    "contact-points.json",
    "api-contact-points",
    "Contact points (Anlaufstellen)",
    {200: s.ContactPointList},
    "The live directory: every contact point marked as published, also before the first release.",
)
def contact_points(request):
    return _json({"items": contact_point_list()})


def catalogue_data(published, base_url: str) -> dict:
    """DCAT-AP.de catalogue (JSON-LD): one dataset per indicator with CSV, XLSX and JSON distributions."""
    base = base_url.rstrip("/")
    publisher = {"@type": "foaf:Organization", "foaf:name": published.municipality["name"]}
    contact = {
        "@type": "vcard:Organization",
        "vcard:fn": f"{published.municipality['name']}, {published.vocabulary.office}",
    }
    if published.municipality.get("website"):
        contact["vcard:hasURL"] = published.municipality["website"]
    datasets = []
    for indicator in published.indicators:
        if not indicator["observations"]:
            continue
        key = indicator["key"]
        page = f"{base}/portal/de/kennzahlen/{key}/"
        distributions = [
            {
                "@type": "dcat:Distribution",
                "@id": f"{base}/portal/daten/{key}.{fmt}",
                "dcat:accessURL": {"@id": page},
                "dcat:downloadURL": {"@id": f"{base}/portal/daten/{key}.{fmt}"},
                "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{label}"},
                "dcat:mediaType": media,
                "dct:license": {"@id": LICENCE},
                "dct:title": f"{indicator['title']} ({label})",
            }
            for fmt, label, media in (
                ("csv", "CSV", "text/csv"),
                ("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ("json", "JSON", "application/json"),
            )
        ]
        source = indicator.get("source") or {}
        datasets.append(
            {
                "@type": "dcat:Dataset",
                "@id": page,
                "dct:identifier": key,
                "dct:title": indicator["title"],
                "dct:description": indicator.get("definition") or indicator["title"],
                "dct:publisher": publisher,
                "dcat:contactPoint": contact,
                "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/SOCI"},
                "dcat:keyword": ["Integration", "Migration", published.municipality["name"]],
                "dct:modified": {"@value": published.reporting_date.isoformat(), "@type": "xsd:date"},
                "dct:temporal": {
                    "@type": "dct:PeriodOfTime",
                    "dcat:endDate": _iso(published.latest_date(key)),
                },
                "dct:spatial": {
                    "@type": "dct:Location",
                    "locn:geographicName": published.municipality["name"],
                },
                "dct:source": f"{source.get('publisher', '')}: {source.get('title', '')}".strip(": "),
                "dcatde:politicalGeocodingURI": {
                    "@id": f"http://dcat-ap.de/def/politicalGeocoding/municipalityKey/{published.municipality.get('ags', '')}"
                },
                "dcatde:contributorID": {"@id": "http://dcat-ap.de/def/contributors/"},
                "dcat:landingPage": {"@id": page},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatde": "http://dcat-ap.de/def/dcatde/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "locn": "http://www.w3.org/ns/locn#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@type": "dcat:Catalog",
        "@id": f"{base}/api/v1/catalog.jsonld",
        "dct:title": f"Integrationsmonitor {published.municipality['name']}",
        "dct:description": f"Kennzahlen zur Integration in {published.municipality['name']} ({published.concept.get('title', '')})",
        "dct:publisher": publisher,
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/DEU"},
        "dct:license": {"@id": LICENCE},
        "dct:modified": {"@value": published.reporting_date.isoformat(), "@type": "xsd:date"},
        "foaf:homepage": {"@id": f"{base}/portal/de/"},
        "dcat:dataset": datasets,
    }


@operation(
    "catalog.jsonld",
    "api-catalogue",
    "DCAT-AP.de catalogue (JSON-LD)",
    {200: s.Catalogue},
    "One dataset per indicator with published values, each with its CSV, XLSX and JSON files.",
)
def catalogue(request):
    published = _published()
    response = _json(catalogue_data(published, request.build_absolute_uri("/")))
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response


# --- the OpenAPI document -----------------------------------------------------------------------

# Responses that are not application/json (ninja declares every response as JSON).
MEDIA_TYPES = {"400": "text/plain", "404": "text/html"}
OPERATION_MEDIA_TYPES = {("catalogue", "200"): "application/ld+json"}
DOWNLOADS = (
    ("csv", "text/csv", "CSV (open dialect: comma, UTF-8, one header row)", {"type": "string"}),
    (
        "csv-de",
        "text/csv",
        "CSV for German Excel (semicolon, decimal comma, UTF-8 with BOM)",
        {"type": "string"},
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel workbook",
        {"type": "string", "format": "binary"},
    ),
    ("json", "application/json", "JSON", None),
)


def _download_paths(components: dict) -> dict:
    """The download files of the portal (`/portal/daten/`), declared with their media types."""
    from pydantic import TypeAdapter

    table = TypeAdapter(s.DownloadTable).json_schema(ref_template="#/components/schemas/{model}")
    components.update(table.pop("$defs", {}))
    components["DownloadTable"] = table
    not_found = {
        "description": "Not Found",
        "content": {
            "text/html": {
                "schema": {"type": "string", "description": s.NOT_FOUND.__metadata__[0].description}
            }
        },
    }
    key = {
        "name": "key",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "Key of the indicator",
    }
    paths = {}
    for fmt, media, label, schema in DOWNLOADS:
        paths[f"/portal/daten/{{key}}.{fmt}"] = {
            "get": {
                "operationId": f"download_{fmt.replace('-', '_')}",
                "summary": f"The published observations of one indicator as a file: {label}",
                "description": "Long format: one row per observation with indicator, area, area name, "
                "reference date, one column per dimension, value, flag, unit and source. "
                "Sent as an attachment.",
                "parameters": [key],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            media: {"schema": schema or {"$ref": "#/components/schemas/DownloadTable"}}
                        },
                    },
                    "404": not_found,
                },
            }
        }
    paths["/portal/daten/alle-daten.zip"] = {
        "get": {
            "operationId": "download_all",
            "summary": "Every published indicator as CSV (both dialects) and JSON, with indicators.json, in one ZIP file",
            "parameters": [],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                },
                "404": not_found,
            },
        }
    }
    return paths


@functools.cache
def openapi_document() -> dict:
    """The OpenAPI 3.1 document, generated from the operations and `api_schemas` (once per process)."""
    document = json.loads(json.dumps(ninja_api.get_openapi_schema(path_prefix=reverse("api-index"))))
    for item in document["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                media = OPERATION_MEDIA_TYPES.get((op["operationId"], status)) or MEDIA_TYPES.get(status)
                if media and "content" in response:
                    response["content"] = {media: response["content"].pop("application/json")}
    document["paths"].update(_download_paths(document["components"]["schemas"]))
    del document["servers"]
    return document


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=3600)
def openapi(request):
    return _json(openapi_document())


def dumps(data) -> bytes:
    return jsontext.dumps(data)
