"""The API's OpenAPI document says what the responses are: every body typed, every field described,
and the real responses (demo published) are exactly of the declared types."""

import datetime

import pytest
from pydantic import TypeAdapter

from imon.portal import api_schemas as s
from imon.portal import content
from imon.reports import snapshots

# Keywords that give a schema a type (JSON Schema / OpenAPI 3.1).
TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "const", "enum")


def problems(schema, document, where, seen):
    """What is untyped or undescribed in `schema` (following $ref once per component)."""
    if not isinstance(schema, dict) or not any(key in schema for key in TYPED):
        return [f"{where}: no type ({schema!r})"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return problems(document["components"]["schemas"][name], document, name, seen)
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, part in enumerate(schema.get(key, [])):
            found += problems(part, document, f"{where}.{key}[{i}]", seen)
    if schema.get("type") == "array":
        found += problems(schema.get("items"), document, f"{where}[]", seen)
    if schema.get("type") == "object":
        properties, extra = schema.get("properties"), schema.get("additionalProperties")
        if not properties and not isinstance(extra, dict):
            found.append(f"{where}: an object without properties")
        for name, prop in (properties or {}).items():
            if not (isinstance(prop, dict) and prop.get("description", "").strip()):
                found.append(f"{where}.{name}: no description")
            found += problems(prop, document, f"{where}.{name}", seen)
        if isinstance(extra, dict):
            found += problems(extra, document, f"{where}.*", seen)
    return found


def test_every_response_is_typed_and_described(client, db):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    found, responses = [], 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), f"{method} {path}: no summary"
            for parameter in operation["parameters"]:
                if not parameter.get("description"):
                    found.append(f"{method} {path} ?{parameter['name']}: no description")
            for status, response in operation["responses"].items():
                content_types = response.get("content") or {}
                if not content_types:
                    found.append(f"{method} {path} {status}: no content declared")
                for media, body in content_types.items():
                    responses += 1
                    found += problems(
                        body.get("schema"), document, f"{method} {path} {status} {media}", set()
                    )
    assert found == []
    assert responses >= 8 * 2 + 5 * 2  # every operation with its 200 and 404 (400 too for observations)


def test_media_types_are_declared(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    def media(path, status="200"):
        return set(paths[path]["get"]["responses"][status]["content"])

    assert media("/api/v1/catalog.jsonld") == {"application/ld+json"}
    assert media("/api/v1/measures.json") == {"application/json"}
    assert media("/api/v1/measures.json", "404") == {"text/html"}
    assert media("/api/v1/observations.json", "400") == {"text/plain"}
    assert media("/portal/daten/{key}.csv") == media("/portal/daten/{key}.csv-de") == {"text/csv"}
    assert media("/portal/daten/{key}.xlsx") == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
    assert media("/portal/daten/{key}.json") == {"application/json"}
    assert media("/portal/daten/alle-daten.zip") == {"application/zip"}


@pytest.fixture
def published(demo):
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    return content.latest()


@pytest.mark.parametrize(
    "url, shape",
    [
        ("/api/v1/", s.ApiIndex),
        ("/api/v1/fields-of-action.json", s.FieldOfActionList),
        ("/api/v1/measures.json", s.MeasureList),
        ("/api/v1/indicators.json", s.IndicatorList),
        ("/api/v1/indicators/wohnungssuchende-haushalte/observations.json", s.IndicatorObservations),
        ("/api/v1/observations.json?page_size=10000", s.ObservationPage),
        ("/api/v1/contact-points.json", s.ContactPointList),
        ("/api/v1/catalog.jsonld", s.Catalogue),
        ("/portal/daten/wohnungssuchende-haushalte.json", s.DownloadTable),
    ],
)
def test_responses_are_of_their_declared_type(client, published, url, shape):
    """Strict: no key more or less than declared, no number where text is declared, dates as
    YYYY-MM-DD; the demo has suppressed cells (null values), empty texts and breakdowns."""
    response = client.get(url)
    assert response.status_code == 200
    TypeAdapter(shape).validate_json(response.content, strict=True)


def test_a_field_the_schema_does_not_know_is_found(client, published):
    body = client.get("/api/v1/measures.json").json()
    body["items"][0]["note"] = "internal"
    with pytest.raises(ValueError, match="note"):
        TypeAdapter(s.MeasureList).validate_python(body, strict=False)
