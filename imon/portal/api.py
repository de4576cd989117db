"""The read-only open-data API (JSON, described by OpenAPI) and the DCAT-AP.de catalogue.

Everything comes from the latest snapshot (see `content.py`), so the API publishes exactly what
the portal shows, with suppressed cells as `null` plus their symbol. Paths end in `.json` so
that the static export (`imon export-site`) can write the same files for any web server.
"""

import datetime
import json
import re

from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from imon.core import models as m

from . import content

# Every view is read-only (require_safe: GET and HEAD). They are exempt from the CSRF check, which
# would otherwise answer other methods with 403 before require_safe can answer 405.
PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000
LICENCE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
LICENCE_NAME = "Datenlizenz Deutschland – Namensnennung – Version 2.0"


def _published():
    published = content.latest()
    if published is None:
        raise Http404
    return published


def _json(data, status=200):
    response = JsonResponse(
        data, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
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


def _whole(text: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(text)
    return int(text)


def _date(text: str) -> str:
    """A date exactly as YYYY-MM-DD (as the OpenAPI description says)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise ValueError(text)
    return datetime.date.fromisoformat(text).isoformat()


def _iso(value):
    return value.isoformat() if value else None


def meta(published):
    return {
        "snapshot": published.number,
        "reporting_date": published.reporting_date.isoformat(),
        "licence": LICENCE,
    }


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
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


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def fields(request):
    published = _published()
    return _json({"meta": meta(published), "items": field_list(published)})


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def measures(request):
    published = _published()
    items = measure_list(published)
    field = request.GET.get("field_of_action")
    if field:
        items = [i for i in items if i["field_of_action"] == field]
    return _json({"meta": meta(published), "items": items})


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def indicators(request):
    published = _published()
    return _json({"meta": meta(published), "items": indicator_list(published)})


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def indicator_observations(request, key):
    published = _published()
    if published.indicator(key) is None:
        raise Http404
    return observations_response(published, key)


def observations_response(published, key):
    """The published observations of one indicator (also written by the static export's workers)."""
    return _json({"meta": meta(published), "indicator": key, "items": published.observations(key)})


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def observations(request):
    """All published observations, filtered by indicator, area and date (from/to), paged."""
    published = _published()
    try:
        page = _whole(request.GET.get("page", "1"))
        size = _whole(request.GET.get("page_size", str(PAGE_SIZE)))
        date_from = _date(request.GET["from"]) if "from" in request.GET else None
        date_to = _date(request.GET["to"]) if "to" in request.GET else None
    except ValueError:
        return HttpResponseBadRequest(
            "page, page_size: whole numbers; from, to: dates as YYYY-MM-DD",
            content_type="text/plain; charset=utf-8",
        )
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        return HttpResponseBadRequest(
            f"page >= 1 and 1 <= page_size <= {MAX_PAGE_SIZE}", content_type="text/plain; charset=utf-8"
        )
    indicator, area = request.GET.get("indicator"), request.GET.get("area")
    rows = [
        {
            "indicator": o["indicator"],
            "area": o["area"],
            "date": o["date"],
            "dims": o["dims"],
            "value": o["value"],
            "flag": o["flag"],
        }
        for o in (
            published.only(indicator)["observations"] if indicator else published.document["observations"]
        )
        if (not indicator or o["indicator"] == indicator)
        and (not area or o["area"] == area)
        and (not date_from or o["date"] >= date_from)
        and (not date_to or o["date"] <= date_to)
    ]
    start = (page - 1) * size
    return _json(
        {
            "meta": {
                **meta(published),
                "page": page,
                "page_size": size,
                "count": len(rows),
                "pages": max(1, -(-len(rows) // size)),
            },
            "items": rows[start : start + size],
        }
    )


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def contact_points(request):
    return _json({"items": contact_point_list()})


def catalogue_data(published, base_url: str) -> dict:
    """DCAT-AP.de catalogue (JSON-LD): one dataset per indicator with CSV, XLSX and JSON distributions."""
    base = base_url.rstrip("/")
    publisher = {"@type": "foaf:Organization", "foaf:name": published.municipality["name"]}
    contact = {
        "@type": "vcard:Organization",
        "vcard:fn": f"{published.municipality['name']}, Kommunales Integrationszentrum",
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


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=300)
def catalogue(request):
    published = _published()
    response = _json(catalogue_data(published, request.build_absolute_uri("/")))
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response


def openapi_document() -> dict:
    def listing(description, item_ref, params=()):
        return {
            "get": {
                "summary": description,
                "parameters": list(params),
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "items": {"type": "array", "items": {"$ref": item_ref}},
                                        "meta": {"type": "object"},
                                    },
                                }
                            }
                        },
                    },
                    "404": {"description": "nothing published yet"},
                },
            }
        }

    def query(name, schema, description):
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    obj = {"type": "object"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Integrationsmonitor Open Data API",
            "version": "1",
            "description": "Read-only open data of the integration concept; licence dl-de/by-2-0.",
            "license": {"name": LICENCE_NAME, "url": "https://www.govdata.de/dl-de/by-2-0"},
        },
        "paths": {
            "/api/v1/fields-of-action.json": listing(
                "Fields of action (Handlungsfelder)", "#/components/schemas/Object"
            ),
            "/api/v1/measures.json": listing(
                "Measures (Maßnahmen)",
                "#/components/schemas/Object",
                [query("field_of_action", {"type": "string"}, "code of a field of action")],
            ),
            "/api/v1/indicators.json": listing("Indicators (Kennzahlen)", "#/components/schemas/Object"),
            "/api/v1/indicators/{key}/observations.json": {
                "get": {
                    "summary": "The published observations of one indicator",
                    "parameters": [
                        {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {"description": "OK", "content": {"application/json": {"schema": obj}}},
                        "404": {"description": "unknown indicator"},
                    },
                }
            },
            "/api/v1/observations.json": {
                "get": {
                    "summary": "Published observations, filtered and paged",
                    "parameters": [
                        query("indicator", {"type": "string"}, "indicator key"),
                        query("area", {"type": "string"}, "area key"),
                        query("from", {"type": "string", "format": "date"}, "first reference date"),
                        query("to", {"type": "string", "format": "date"}, "last reference date"),
                        query("page", {"type": "integer", "minimum": 1}, "page number"),
                        query(
                            "page_size",
                            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                            "rows per page",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["meta", "items"],
                                        "properties": {
                                            "meta": obj,
                                            "items": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Observation"},
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "invalid parameter"},
                        "404": {"description": "nothing published yet"},
                    },
                }
            },
            "/api/v1/contact-points.json": listing(
                "Contact points (Anlaufstellen)", "#/components/schemas/Object"
            ),
        },
        "components": {
            "schemas": {
                "Object": obj,
                "Observation": {
                    "type": "object",
                    "required": ["indicator", "area", "date", "dims", "value", "flag"],
                    "properties": {
                        "indicator": {"type": "string"},
                        "area": {"type": "string"},
                        "date": {"type": "string", "format": "date"},
                        "dims": {"type": "object", "additionalProperties": {"type": "string"}},
                        "value": {
                            "type": "string",
                            "nullable": True,
                            "description": "decimal number as text; null when suppressed or not available (see flag)",
                        },
                        "flag": {
                            "type": "string",
                            "description": "official symbol: '' none, '.' secret or unknown, '-' zero, '/' too uncertain, 'p' provisional, 'r' revised, …",
                        },
                    },
                },
            }
        },
    }


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=3600)
def openapi(request):
    return _json(openapi_document())


def dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
