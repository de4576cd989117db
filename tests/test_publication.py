"""Every public output is made through the publication module (`imon.publication`).

An internal note on every kind of record, an unpublished measure, an unpublished contact point and
a status update that nobody has approved yet each carry a unique marker. Then every public output
is produced — every portal page in German and English (found by following links), every API
endpoint, the DCAT catalogue, the static export, `imon export-data --public` in every format and
the report in every format — and no marker may appear in any of them.
"""

import datetime
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from imon.core import conceptfile
from imon.core import models as m
from imon.publication import view
from imon.publication.view import INTERNAL_FIELDS, PUBLIC_FIELDS, public_document

MARKERS = {
    "QXMUNINOTE": "internal note of the municipality",
    "QXCONCEPTNOTE": "internal note of the concept",
    "QXAREANOTE": "internal note of an area",
    "QXINDICATORNOTE": "internal note of an indicator",
    "QXSOURCENOTE": "internal note of a source",
    "QXMEASURENOTE": "internal note of a measure",
    "QXMEETINGNOTE": "internal note of a meeting",
    "QXCONTACTNOTE": "internal note of a contact point",
    "QXCONTACTSOURCES": "where the office found a contact point's details",
    "QXUNPUBLISHEDMEASURE": "title of an unpublished measure",
    "QXUNPUBLISHEDSTEP": "next step of an unpublished measure",
    "QXHIDDENCONTACT": "name of an unpublished contact point",
    "QXUNAPPROVED": "results of a status update not yet approved",
}


# --- the public document, as plain data -----------------------------------------------------------


def test_every_field_of_the_concept_file_is_declared_public_or_internal():
    """A new field must be classified: it stays inside until someone lists it as public."""
    sections = {**conceptfile.SCHEMA}
    unclassified = []
    for section, fields in sections.items():
        public = set(PUBLIC_FIELDS.get(section, ()))
        for name, _kind, _options in fields:
            if name not in public and name not in INTERNAL_FIELDS:
                unclassified.append(f"{section}.{name}")
    assert not unclassified, unclassified
    for section, names in PUBLIC_FIELDS.items():
        assert not set(names) & set(INTERNAL_FIELDS), section


def test_public_document_keeps_only_public_fields_and_published_records():
    snapshot = {
        "schema_version": 1,
        "title": "Bericht",
        "reporting_date": "2026-12-31",
        "labels": {},
        "municipality": {"key": "x", "name": "Musterstadt", "note": "QXMUNINOTE"},
        "concept": {"key": "k", "title": "Konzept", "note": "QXCONCEPTNOTE"},
        "measures": [
            {
                "key": "A1",
                "title": "Sprachkurse",
                "note": "QXMEASURENOTE",
                "next_steps": [{"key": "s", "text": "Weiter", "secret": "QXSTEP"}],
            },
            {"key": "A2", "title": "QXUNPUBLISHEDMEASURE", "published": False},
        ],
        "contact_points": [
            {"key": "c1", "name": "Beratung", "sources": "QXCONTACTSOURCES"},
            {"key": "c2", "name": "QXHIDDENCONTACT", "published": False},
        ],
        "indicators": [{"key": "i", "title": "T", "rules": [{"kind": "part_sum", "tolerance": 1}]}],
        "observations": [
            {"indicator": "i", "area": "a", "date": "2025-12-31", "dims": {}, "value": "1", "x": 2}
        ],
        "internal_section": [{"key": "QXSECTION"}],
    }
    document = public_document(snapshot)
    text = repr(document)
    assert not re.findall(r"QX[A-Z]+", text)
    assert [m["key"] for m in document["measures"]] == ["A1"]
    assert document["measures"][0]["next_steps"] == [{"key": "s", "text": "Weiter"}]
    assert [c["key"] for c in document["contact_points"]] == ["c1"]
    assert document["indicators"][0]["rules"] == [{"kind": "part_sum"}]
    assert document["observations"][0] == {
        "indicator": "i",
        "area": "a",
        "date": "2025-12-31",
        "dims": {},
        "value": "1",
    }
    assert snapshot["measures"][0]["note"] == "QXMEASURENOTE"  # the snapshot itself is not changed


def test_the_public_view_holds_no_snapshot():
    """Templates get the public view; there is no way from it back to the snapshot."""
    assert not hasattr(view.PublicView, "snapshot")


# --- every output of a release -----------------------------------------------------------------------


@pytest.fixture
def release(demo, ki_admin):
    """The demo with internal material planted everywhere, frozen as a snapshot."""
    from imon.portal import content
    from imon.reports import snapshots
    from imon.steering import services
    from imon.steering.models import StatusUpdate

    concept = m.Concept.objects.get()
    m.Municipality.objects.update(note="QXMUNINOTE")
    m.Concept.objects.update(note="QXCONCEPTNOTE")
    m.Area.objects.update(note="QXAREANOTE")
    m.Indicator.objects.update(note="QXINDICATORNOTE")
    m.Source.objects.update(note="QXSOURCENOTE")
    m.Measure.objects.update(note="QXMEASURENOTE")
    m.Meeting.objects.update(note="QXMEETINGNOTE")
    m.ContactPoint.objects.update(note="QXCONTACTNOTE", sources="QXCONTACTSOURCES")
    field = m.FieldOfAction.objects.get(concept=concept, code="C")
    hidden = m.Measure.objects.create(
        key="C99",
        field_of_action=field,
        title="QXUNPUBLISHEDMEASURE",
        description="QXUNPUBLISHEDMEASURE",
        status="planned",
        published=False,
    )
    m.NextStep.objects.create(measure=hidden, key="s1", text="QXUNPUBLISHEDSTEP")
    visible = m.ContactPoint.objects.first()
    m.ContactPoint.objects.create(
        key="versteckt", name="QXHIDDENCONTACT", description="QXHIDDENCONTACT", published=False
    )
    cycle = services.open_cycle(
        concept, "2. Umsetzungsbericht", datetime.date(2026, 12, 31), datetime.date(2026, 11, 30), ki_admin
    )
    StatusUpdate.objects.filter(cycle=cycle, measure_key="C1").update(
        state=StatusUpdate.State.SUBMITTED, results="QXUNAPPROVED", obstacles="QXUNAPPROVED"
    )
    assert StatusUpdate.objects.filter(results="QXUNAPPROVED").exists()
    content._LATEST.clear()
    snapshot = snapshots.publish(
        snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16))
    ).snapshot
    assert "QXMEASURENOTE" in snapshot.document  # the frozen record keeps it: the test is not empty
    assert "QXUNPUBLISHEDMEASURE" in snapshot.document
    return snapshot, visible


def leaks(text: str) -> set[str]:
    squeezed = re.sub(r"[\s\u00ad]", "", text)
    return {marker for marker in MARKERS if marker in squeezed}


def archive_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if not name.lower().endswith((".png", ".jpg", ".jpeg", ".woff2", ".ttf"))
        )


def body_text(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return archive_text(data)
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
        return metadata + "\n".join(page.extract_text() or "" for page in reader.pages)
    return data.decode("utf-8", "replace")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def crawl(client, starts, prefixes, limit=2000) -> dict[str, bytes]:
    """Every page under `prefixes` reachable from `starts`, with its body."""
    seen, queue, bodies = set(starts), list(starts), {}
    while queue and len(bodies) < limit:
        url = queue.pop()
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code != 200:
            continue
        data = b"".join(response.streaming_content) if response.streaming else response.content
        bodies[url] = data
        links = []
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(data.decode("utf-8"))
            links = parser.links
        elif response.get("Content-Type", "").startswith("application/json"):
            links = re.findall(r'"(/(?:api|portal)/[^"]+)"', data.decode("utf-8"))
        for link in links:
            link = link.split("#")[0]
            if link.startswith(prefixes) and link not in seen:
                seen.add(link)
                queue.append(link)
    return bodies


def test_no_internal_material_reaches_any_public_output(release, client, tmp_path):
    from imon.reports import render

    snapshot, visible_contact = release
    found: dict[str, set[str]] = {}

    def check(where: str, text: str):
        if leaked := leaks(text):
            found[where] = leaked

    # Portal pages and API endpoints, live.
    indicator_keys = list(m.Indicator.objects.values_list("key", flat=True))
    starts = [
        "/portal/de/",
        "/portal/en/",
        "/portal/de/anlaufstellen/",
        f"/portal/de/anlaufstellen/{visible_contact.key}/",
        "/portal/de/massnahmen/C1/",
        "/portal/daten/alle-daten.zip",
        "/api/v1/",
        "/api/v1/openapi.json",
        "/api/v1/catalog.jsonld",
        "/api/v1/observations.json?page_size=10000",
        *(f"/api/v1/indicators/{key}/observations.json" for key in indicator_keys),
        *(f"/portal/daten/{key}.{fmt}" for key in indicator_keys for fmt in ("csv", "xlsx", "json")),
    ]
    bodies = crawl(client, starts, ("/portal/", "/api/"))
    assert len(bodies) > 100  # the crawl really reached the pages
    assert client.get("/portal/de/massnahmen/C99/").status_code == 404
    assert client.get("/portal/de/anlaufstellen/versteckt/").status_code == 404
    for url, data in bodies.items():
        check(url, body_text(data))

    # The static export.
    site = tmp_path / "site"
    call_command(
        "export_site",
        str(site),
        "--base-url",
        "https://example.org",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) > 50
    for path in files:
        if path.suffix not in (".png", ".woff2", ".jpg"):
            check(f"export-site {path.relative_to(site)}", body_text(path.read_bytes()))

    # export-data --public, every format.
    for fmt in ("csv", "csv-de", "xlsx", "json"):
        target = tmp_path / f"public.{fmt}"
        call_command("export_data", str(target), format=fmt, public=True, stdout=io.StringIO())
        check(f"export-data --public --format {fmt}", body_text(target.read_bytes()))

    # The report, every format.
    for fmt in render.FORMATS:
        data = render.render(snapshot, fmt)
        text = body_text(data)
        assert "Umsetzungsbericht" in re.sub(r"\s", "", text) or "Umsetzungsbericht" in text, fmt
        check(f"report {fmt}", text)

    assert not found, {where: sorted(MARKERS[x] for x in leaked) for where, leaked in found.items()}


def test_portal_templates_get_no_model_and_no_snapshot(release, client):
    """What public templates see is the public view and plain data: no model instance (whose
    internal fields a template could reach) and nothing holding the snapshot."""
    from django.db.models import Model
    from django.test.utils import ContextList

    from imon.reports.models import Snapshot

    _snapshot, visible_contact = release
    offending = []
    for url in (
        "/portal/de/",
        "/portal/de/handlungsfelder/C/",
        "/portal/de/massnahmen/C1/",
        "/portal/de/kennzahlen/",
        "/portal/de/anlaufstellen/",
        f"/portal/de/anlaufstellen/{visible_contact.key}/",
        "/portal/de/leichte-sprache/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        contexts = response.context if isinstance(response.context, ContextList) else [response.context]
        for context in contexts:
            for name, value in context.flatten().items():
                items = value if isinstance(value, list | tuple) else [value]
                for item in items:
                    if isinstance(item, Snapshot) or (
                        isinstance(item, Model) and not _is_request_plumbing(name)
                    ):
                        offending.append(f"{url}: {name} = {type(item).__name__}")
    assert not offending, offending


def _is_request_plumbing(name: str) -> bool:
    """Django's own context entries (the visitor's user object for the CSRF/auth machinery)."""
    return name in {"user", "request"}


def test_a_hidden_cell_says_that_it_is_hidden_never_why():
    observations = [
        {
            "indicator": "i",
            "area": "a",
            "date": "2025-12-31",
            "dims": {},
            "value": None,
            "flag": ".",
            "suppressed": r,
        }
        for r in ("primary", "secondary", "source", "derived", "uncertain")
    ]
    document = public_document({"labels": {}, "observations": observations})
    shown = [o.get("suppressed") for o in document["observations"]]
    assert shown == ["secret", "secret", None, "secret", "uncertain"]  # the office's own "." is its own


def test_an_offices_own_secret_mark_is_not_our_suppression():
    """A '.' the statistics office published itself stays the office's mark: no footnote of ours
    (citing § 16 BStatG) is hung on it; our own suppression is still said, never why."""
    from imon.publication import public_document
    from imon.publication.suppression import footnote

    snapshot = {
        "municipality": {},
        "concept": {},
        "observations": [
            {
                "indicator": "x",
                "area": "a",
                "date": "2024-12-31",
                "dims": {},
                "value": None,
                "flag": ".",
                "suppressed": "source",
            },
            {
                "indicator": "x",
                "area": "b",
                "date": "2024-12-31",
                "dims": {},
                "value": None,
                "flag": ".",
                "suppressed": "primary",
            },
        ],
    }
    office, ours = public_document(snapshot)["observations"]
    assert "suppressed" not in office and office["flag"] == "."
    assert ours["suppressed"] == "secret"
    assert footnote([o["suppressed"] for o in (office,) if "suppressed" in o]) == ""
