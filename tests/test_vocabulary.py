"""A city's own words in every output: no template, message, report, API record or portal page
carries the demo city's or one Land's wording.

Each concept file in `CITY_FILES` is loaded, published and rendered in every output (the report in
HTML, DOCX, PPTX and PDF; the portal in every language; the API and the DCAT catalogue; the static
export; the staff steering pages). The file must name its own office, council, level names and
approving body (`office_name`, `council_name`, `field_of_action_name(_plural)`,
`goal_name_plural`, `approving_body`): the test takes the expected words from the file itself."""

import datetime
import html
import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation

from imon.core import conceptfile
from imon.core import models as m
from imon.core.vocabulary import from_document
from imon.portal import content
from imon.reports import render, snapshots
from imon.steering import services

HERE = Path(__file__).parent
# Concept files of cities that are not the demo city; a further demo city's file joins this list.
# A small hand-written town, and the second demo city (invented, organised unlike the first).
CITY_FILES = [
    HERE / "data" / "vocabulary_city.yaml",
    HERE.parent / "imon" / "core" / "demo" / "lindenhain.yaml",
]
# The demo city's and its Land's words, which no other city's output may carry.
FOREIGN_WORDS = [
    "Leverkusen",
    "Nordrhein-Westfalen",
    "Kommunales Integrationszentrum",
    "Kommunale Integrationszentrum",
    "Verwaltungsvorstand",
    "Controlling-Gruppe",
    "Fachgruppe",
    "Zensus 2011",
]
LANGS = ["de", "en", "tr", "ar", "uk"]
REPORTING_DATE = datetime.date(2024, 6, 30)


def words(text: str) -> str:
    """Markup-free text with single spaces (tags of Office files removed without a gap, so that a
    phrase split into runs reads as one)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def html_words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def office_text(data: bytes) -> str:
    """Every XML part of a DOCX or PPTX file (body, headers, notes, properties) as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            words(archive.read(name).decode("utf-8"))
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        )


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    return " ".join((metadata + " " + " ".join(p.extract_text() for p in reader.pages)).split())


def assert_own_words(where: str, text: str):
    found = [word for word in FOREIGN_WORDS if word.lower() in text.lower()]
    assert not found, f"{where} carries {found}"


@pytest.fixture(params=CITY_FILES, ids=lambda path: path.stem)
def city(request, db):
    """The city's concept loaded and its first snapshot published; its own words from the file."""
    text = request.param.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    conceptfile.load_text(text)
    content._LATEST.clear()
    snapshot = snapshots.create("Umsetzungsbericht", REPORTING_DATE)
    snapshots.publish(snapshot)
    municipality, concept = data["municipality"], data["concept"]
    bodies = {b["key"]: b["name"] for b in data["bodies"]}
    return {
        "snapshot": snapshot,
        "data": data,
        "office": municipality["office_name"],
        "council": municipality["council_name"],
        "field": concept["field_of_action_name"],
        "fields": concept["field_of_action_name_plural"],
        "goals": concept["goal_name_plural"],
        "approving_body": bodies[concept["approving_body"]],
    }


def test_body_kinds_and_population_concepts_carry_no_city_names():
    with translation.override("de"):
        labels = [str(label) for _v, label in m.Body.Kind.choices]
        labels += [str(label) for _v, label in m.Indicator.PopulationConcept.choices]
    assert_own_words("the German labels of body kinds and population concepts", " | ".join(labels))
    assert {"steering_group", "advisory_council", "council_committee", "working_group"} <= set(
        m.Body.Kind.values
    )


def test_report_in_every_format_speaks_the_citys_words(city):
    snapshot = city["snapshot"]
    report_html = html_words(render.render(snapshot, "html").decode("utf-8"))
    texts = {
        "HTML": report_html,
        "DOCX": office_text(render.render(snapshot, "docx")),
        "PPTX": office_text(render.render(snapshot, "pptx")),
        "PDF": pdf_text(render.render(snapshot, "pdf")),
    }
    for fmt, text in texts.items():
        assert_own_words(f"the {fmt} report", text)
        assert city["council"] in text, fmt
        assert f"{city['field']} " in text, fmt
    # The resolution sentence names the city's council, the chapters its level names.
    assert f"beschlossen ({city['council']}" in report_html
    assert city["fields"] in report_html and city["goals"] in report_html
    if city["field"] != "Handlungsfeld":
        assert "Handlungsfeld" not in report_html
    if city["council"] != "Rat":
        assert "Der Rat " not in report_html and "Ratsbeschluss" not in texts["PPTX"]


def test_portal_pages_in_every_language_carry_no_foreign_words(city, client):
    data = city["data"]
    pages = ["", "kennzahlen/", "anlaufstellen/", "leichte-sprache/", "barrierefreiheit/", "impressum/"]
    pages += ["datenschutz/"]
    pages += [
        f"handlungsfelder/{f['code'].lower()}/" for f in data["fields_of_action"] if not f.get("retired")
    ]
    pages += [
        f"massnahmen/{mt['key'].lower()}/"
        for mt in data["measures"]
        if mt.get("published", True) and not mt.get("retired")
    ]
    pages += [f"kennzahlen/{i['key']}/" for i in data["indicators"]]
    pages += [f"anlaufstellen/{c['key']}/" for c in data["contact_points"] if c.get("published", True)]
    for lang in LANGS:
        for page in pages:
            response = client.get(f"/portal/{lang}/{page}")
            assert response.status_code == 200, (lang, page)
            assert_own_words(f"/portal/{lang}/{page}", html_words(response.content.decode("utf-8")))
    # The German pages name the levels as the concept does.
    start = html_words(client.get("/portal/de/").content.decode("utf-8"))
    first = data["fields_of_action"][0]["code"]
    field = html_words(client.get(f"/portal/de/handlungsfelder/{first.lower()}/").content.decode("utf-8"))
    assert city["fields"] in start and f"{city['field']} {first}" in field and city["goals"] in field
    if city["field"] != "Handlungsfeld":
        assert "Handlungsfeld" not in start + field


def test_accessibility_statement_names_the_citys_office(city, client):
    page = html_words(client.get("/portal/de/barrierefreiheit/").content.decode("utf-8"))
    contact = page[page.index("Feedback und Kontakt") :]
    assert city["office"] in contact.split("Schlichtungsverfahren")[0]


def test_easy_language_page_names_and_counts_the_citys_fields(city, client):
    fields = [f for f in city["data"]["fields_of_action"] if not f.get("retired")]  # the current edition's
    page = html_words(client.get("/portal/de/leichte-sprache/").content.decode("utf-8"))
    assert f"In dem Plan stehen {len(fields)} Themen" in page
    for field in fields:
        assert html_words(field["title"]) in page
    for retired in (f for f in city["data"]["fields_of_action"] if f.get("retired")):
        assert html_words(retired["title"]) not in page


def test_api_and_dcat_carry_the_citys_office(city, client):
    data = city["data"]
    urls = [
        "/api/v1/",
        "/api/v1/fields-of-action.json",
        "/api/v1/measures.json",
        "/api/v1/indicators.json",
        "/api/v1/observations.json",
        "/api/v1/contact-points.json",
        "/api/v1/openapi.json",
        "/api/v1/catalog.jsonld",
    ]
    urls += [f"/api/v1/indicators/{i['key']}/observations.json" for i in data["indicators"]]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_own_words(url, response.content.decode("utf-8"))
    catalogue = client.get("/api/v1/catalog.jsonld").json()
    assert city["office"] in str(catalogue)


def test_static_export_carries_no_foreign_words(city, tmp_path):
    target = tmp_path / "site"
    call_command(
        "export_site",
        str(target),
        "--base-url",
        "https://integration.example.de",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    checked = 0
    for path in sorted(target.rglob("*")):
        if path.is_dir():
            continue
        raw = path.read_bytes()
        if path.suffix in (".zip", ".xlsx"):
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                text = " ".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        elif path.suffix in (".png", ".woff2", ".ico", ".pdf", ".docx", ".pptx"):
            continue
        else:
            text = raw.decode("utf-8", "replace")
        assert_own_words(str(path.relative_to(target)), words(text))
        checked += 1
    assert checked > 20
    statement = (target / "portal" / "de" / "barrierefreiheit" / "index.html").read_text(encoding="utf-8")
    assert city["office"] in html_words(statement)


def test_staff_steering_pages_speak_the_citys_words(city, client, ki_admin):
    data = city["data"]
    concept = m.Concept.objects.get(key=data["concept"]["key"])
    cycle = services.open_cycle(
        concept, "Berichtsrunde 2024", REPORTING_DATE, REPORTING_DATE + datetime.timedelta(days=30), ki_admin
    )
    client.force_login(ki_admin)
    field = data["fields_of_action"][0]["code"]
    measure = data["measures"][0]["key"]
    pages = {
        "/": None,
        "/steuerung/": city["field"],
        f"/steuerung/handlungsfelder/{concept.key}/{field}/": city["field"],
        f"/steuerung/ziele/{data['goals'][0]['key']}/": city["field"],
        f"/steuerung/massnahmen/{measure}/": city["field"],
        f"/steuerung/gremien/{data['bodies'][0]['key']}/": None,
        "/steuerung/naechste-schritte/": city["approving_body"],
        "/steuerung/berichtsrunden/": None,
        f"/steuerung/berichtsrunden/{cycle.key}/": f"Freigabe durch: {city['approving_body']}",
        f"/steuerung/berichtsrunden/{cycle.key}/{measure}/": None,
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        text = html_words(response.content.decode("utf-8"))
        assert_own_words(url, text)
        if expected:
            assert expected in text, (url, expected)
        if url.startswith("/steuerung/") and city["field"] != "Handlungsfeld":
            assert "Handlungsfeld" not in text, url


def test_the_citys_words_survive_dump_and_load(city):
    """What the file says about office, council, levels and approving body is stored and dumped
    back as written."""
    data = city["data"]
    dumped = conceptfile.dump(m.Concept.objects.get(key=data["concept"]["key"]), observations=False)
    for section, names in (
        ("municipality", ("office_name", "office_short_name", "council_name")),
        ("concept", ("field_of_action_name", "field_of_action_name_plural", "goal_name", "goal_name_plural")),
    ):
        for name in names:
            assert dumped[section].get(name) == data[section].get(name), (section, name)
    assert dumped["concept"]["approving_body"] == data["concept"]["approving_body"]


def test_a_concept_that_names_nothing_gets_neutral_german_words():
    words = from_document({"municipality": {"name": "Stadt X"}, "concept": {"title": "Konzept"}})
    assert (words.office, words.council, words.field, words.fields, words.goal, words.goals) == (
        "Integrationsstelle",
        "Rat",
        "Handlungsfeld",
        "Handlungsfelder",
        "Ziel",
        "Ziele",
    )
    assert words.office_short == "Integrationsstelle"
    themed = from_document({"concept": {"field_of_action_name": "Leitlinie", "goal_name": "Teilziel"}})
    assert (themed.fields, themed.goals) == ("Leitlinie", "Teilziel")  # no invented plural
