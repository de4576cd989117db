"""The public view of a snapshot: the only form in which concept, measures and figures leave.

A snapshot is the office's frozen record: it keeps internal notes and measures that are not
published. `public_document()` turns it into the document that every public output is made from
(portal pages, API, DCAT, static export, every report format): it keeps only the fields listed in
`PUBLIC_FIELDS` (a field not listed there never leaves, so a new field is internal until someone
decides otherwise), drops unpublished measures and contact points, and keeps the observations as
the confidentiality boundary froze them. `PublicView` is that document with the look-ups the
portal needs.
"""

import datetime
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from imon.core import areacodes, editions, housestyle, periods
from imon.core.importers import gc_paused
from imon.core.vocabulary import from_document

# What the public may see of each section of the snapshot; everything else stays inside.
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "municipality": (
        "key",
        "name",
        "ags",
        "ars",
        "state",
        "website",
        "office_name",
        "office_short_name",
        "council_name",
        "document_name",
        # the house style: shown on every portal page and report cover
        "logo",
        "logo_png",
        "primary_colour",
        "accent_colour",
        "font",
        "publisher",
        "address",
        "email",
        "phone",
    ),
    "areas": ("key", "name", "kind", "code", "parent", "comparison"),
    "concept": (
        "key",
        "title",
        "status",
        "resolution_date",
        "resolution_reference",
        "valid_from",
        "valid_until",
        "summary",
        "field_of_action_name",
        "field_of_action_name_plural",
        "goal_name",
        "goal_name_plural",
        "approving_body",
        "editions",
        "headline_indicators",
    ),
    "editions": ("key", "title", "resolution_date", "resolution_reference"),
    "fields_of_action": ("code", "title", "priority", "description", "easy_language", "since", "retired"),
    "strategic_goals": ("key", "title", "description", "fields_of_action"),
    "goals": (
        "key",
        "field_of_action",
        "title",
        "description",
        "target_value",
        "target_date",
        "traffic_light",
        "traffic_light_reason",
        "assessed_for",
        "indicators",
        "strategic_goals",
        "since",
        "retired",
    ),
    "next_steps": ("key", "text", "responsible", "due_date", "done"),
    "funders": ("name", "programme", "amount"),
    "measures": (
        "key",
        "field_of_action",
        "also_fields_of_action",
        "title",
        "description",
        "lead_unit",
        "partners",
        "programme",
        "funders",
        "start_date",
        "end_date",
        "status",
        "progress",
        "traffic_light",
        "traffic_light_reason",
        "results",
        "obstacles",
        "participants",
        "staff",
        "hours",
        "cost",
        "funding",
        "effect",
        "goals",
        "strategic_goals",
        "indicators",
        "next_steps",
        "since",
        "retired",
    ),
    "bodies": ("key", "name", "kind", "role", "rhythm", "members"),
    "meetings": ("key", "body", "other_bodies", "date", "end_date", "title", "kind", "outcomes"),
    "sources": (
        "key",
        "publisher",
        "title",
        "table_code",
        "url",
        "licence",
        "retrieved_on",
        "released",  # the publisher released its values itself: no confidentiality footnote
        "x_means",  # what the office's "x" means (its key of symbols)
    ),
    "dimensions": ("key", "label", "values"),
    "dimension_values": ("key", "label", "total"),
    # The rules say which values add up to which total: the report draws parts of a total with them.
    "rules": ("kind", "dimension", "total", "parts", "other_indicator"),
    "indicators": (
        "key",
        "title",
        "short_title",
        "definition",
        "unit",
        "kind",
        "decimals",
        "population_concept",
        "numerator",
        "denominator",
        "source",
        "fields_of_action",
        "dimensions",
        "rhythm_months",
        "rules",
    ),
    "contact_points": (
        "key",
        "name",
        "organisation",
        "description",
        "fields_of_action",
        "street",
        "postcode",
        "city",
        "area",
        "phone",
        "email",
        "website",
        "opening_hours",
        "languages",
        "barrier_free",
    ),
}
# Fields that are deliberately kept inside, with the reason (a test checks that every field of the
# concept file is either public or listed here).
INTERNAL_FIELDS: dict[str, str] = {
    "note": "internal notes of the office",
    "published": "the switch itself; unpublished records are dropped",
    "sources": "where the office found a contact point's details (contact points only)",
    "min_count": "confidentiality settings, applied before the snapshot",
    "small_area_min_count": "confidentiality settings, applied before the snapshot",
    "rounding": "confidentiality settings, applied before the snapshot",
    "min_denominator": "confidentiality settings, applied before the snapshot",
    "severity": "how the import treats a broken rule",
    "fetch": "where `imon fetch` takes an indicator's figures from (the source says it publicly)",
    "min": "plausibility range of the import",
    "max": "plausibility range of the import",
    "percent": "jump warning of the import",
    "tolerance": "tolerance of the import's sum checks",
    "partial": "whether the import reports a sum check skipped for missing parts",
}
NESTED = {
    ("concept", "editions"): "editions",
    ("measures", "next_steps"): "next_steps",
    ("measures", "funders"): "funders",
    ("dimensions", "values"): "dimension_values",
    ("indicators", "rules"): "rules",
}
TOP_LEVEL = ("schema_version", "title", "reporting_date", "labels", "geometry", "house_style")
OBSERVATION_FIELDS = (
    "indicator",
    "area",
    "date",
    "dims",
    "value",
    "flag",
    "suppressed",
    "qualifier",  # how the source states the value: "approx" for "rund 1.200" (models.Qualifier)
    "period",  # the reference period as stated where it is not a day ("2023/24")
    "source",  # the observation's own source, where it is not the indicator's
)


def _public_record(section: str, record: dict) -> dict:
    result = {}
    for name in PUBLIC_FIELDS[section]:
        if name not in record:
            continue
        value = record[name]
        nested = NESTED.get((section, name))
        if nested:
            value = [_public_record(nested, item) for item in value]
        elif isinstance(value, list):
            value = list(value)
        result[name] = value
    return result


def _public_observation(observation: dict) -> dict:
    """An observation of the snapshot as published: a hidden cell says that it is hidden ("secret"
    or "uncertain"), never why (primary, secondary, ...)."""
    result = {name: observation[name] for name in OBSERVATION_FIELDS if name in observation}
    if result.get("suppressed") == "source":
        # The office's own mark, published as the office published it: not our suppression, so
        # no footnote cites § 16 BStatG for it (the symbol key explains "."; it hides nothing
        # anybody could know).
        del result["suppressed"]
    elif "suppressed" in result:
        result["suppressed"] = "uncertain" if result["suppressed"] == "uncertain" else "secret"
    return result


_PLAIN_ROW = OBSERVATION_FIELDS[:6]  # the fields of every observation, in this order


def _public_rows(rows) -> list[dict]:
    """`_public_observation` of rows nobody else holds (read from a stored snapshot for the view):
    a row of the plain fields alone, in their order (most rows), is public as it is."""
    return [o if tuple(o) == _PLAIN_ROW else _public_observation(o) for o in rows]


def public_document(snapshot: dict) -> dict:
    """The public document of a snapshot document (a new dict; the snapshot is not changed)."""
    document = {name: snapshot[name] for name in TOP_LEVEL if name in snapshot}
    for section in ("municipality", "concept"):
        document[section] = _public_record(section, snapshot.get(section) or {})
    for section in PUBLIC_FIELDS:
        if section in document or section not in snapshot:
            continue
        records = [r for r in snapshot[section] if r.get("published", True)]
        document[section] = [_public_record(section, r) for r in records]
    if "retired" in snapshot:  # the records an edition of the concept dropped (imon.core.editions)
        document["retired"] = {
            section: [_public_record(section, r) for r in records if r.get("published", True)]
            for section, records in snapshot["retired"].items()
        }
    document["observations"] = [_public_observation(o) for o in snapshot.get("observations", [])]
    return document


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


def _period(record: dict, name: str, edge: str | None = None) -> dict:
    """A date of the document as the portal and the API give it: `NAME` as the city writes it
    ("2. Halbjahr 2024", "fortlaufend"), `NAME_date` its first day (a start) or last day (an end,
    a due date; none for an open end) and `NAME_precision`; nothing for no date."""
    period = periods.from_file(record.get(f"{name}_date"))
    if period is None:
        return {}
    result: dict[str, object] = {name: periods.format_period(period), f"{name}_precision": period.precision}
    date = period.stored(edge or name)
    if date is not None:
        result[f"{name}_date"] = date
    return result


# What the portal and the API show of the public document (the report shows all of it).
PORTAL_MEASURE_FIELDS = (
    "key",
    "title",
    "description",
    "lead_unit",
    "partners",
    "programme",
    "status",
    "progress",
    "results",
    "effect",
)
PORTAL_FIELD_FIELDS = ("code", "title", "description", "easy_language", "priority")
PORTAL_INDICATOR_FIELDS = (
    "key",
    "title",
    "short_title",
    "definition",
    "unit",
    "kind",
    "decimals",
    "population_concept",
    "rhythm_months",
    "dimensions",
    "fields_of_action",
)
PORTAL_GOAL_FIELDS = (
    "key",
    "field_of_action",
    "title",
    "description",
    "target_value",
    "target_date",
    "traffic_light",
    "traffic_light_reason",
    "assessed_for",
)
PORTAL_SOURCE_FIELDS = ("key", "publisher", "title", "table_code", "url", "licence", "retrieved_on")
PORTAL_CONTACT_FIELDS = (
    "key",
    "name",
    "organisation",
    "description",
    "street",
    "postcode",
    "city",
    "phone",
    "email",
    "website",
    "opening_hours",
    "languages",
    "barrier_free",
)


def fields_served(measure: dict) -> list[str]:
    """The codes of the fields of action a measure (a record of a document) serves: its leading
    field first, then those of a cross-cutting measure."""
    primary = measure["field_of_action"]
    return [primary, *(code for code in measure.get("also_fields_of_action", []) if code != primary)]


def pick(record: dict, fields) -> dict:
    return {name: record[name] for name in fields if name in record}


def public_records(document: dict, indicator: str | None = None, area: str | None = None):
    """(indicator, area, area_name, reference_date, dims, value, flag, unit, source, qualifier,
    period) of the observations of a public document, in its order (that of the long format; for
    `imon export-data --public`, see `imon.core.exports.long_format`). `area`: key or AGS."""
    from decimal import Decimal

    areas = {a["key"]: a for a in document.get("areas", [])}
    sources = {
        s["key"]: f"{s.get('publisher', '')}: {s.get('title', '')}" for s in document.get("sources", [])
    }
    indicators = {i["key"]: i for i in document.get("indicators", [])}
    codes = set(areacodes.equivalents(area)) if area else set()  # a key, or any official code
    wanted_areas = {k for k, a in areas.items() if k in codes or a.get("code") in codes} if area else None
    for o in document.get("observations", []):
        if (indicator and o["indicator"] != indicator) or (
            wanted_areas is not None and o["area"] not in wanted_areas
        ):
            continue
        facts = indicators.get(o["indicator"], {})
        value = o.get("value")
        source = o.get("source") or facts.get("source")
        yield (
            o["indicator"],
            o["area"],
            areas.get(o["area"], {}).get("name", ""),
            _date(str(o["date"])),
            o.get("dims") or {},
            None if value is None else Decimal(str(value)),
            o.get("flag") or "",
            facts.get("unit", ""),
            sources.get(source, ""),
            o.get("qualifier", ""),
            o.get("period", ""),
        )


def _summary(parts) -> dict[str, tuple[int, str]]:
    """{indicator: (number of observations, latest reference date)} of (indicator, rows) parts."""
    return {key: (len(rows), max(o["date"] for o in rows)) for key, rows in parts if rows}


class PublicView:
    """The public document of one snapshot with the look-ups public pages need (plain data; the
    observations of a streamed snapshot through `load`). Only `public_document()` output is ever
    held here."""

    def __init__(self, snapshot: dict, number: int, load=None, summary=None):
        """`load(indicators)`: the observations of a streamed snapshot as (indicator, rows of the
        snapshot) one indicator at a time, for these indicators or all (None)
        (`Snapshot.observation_rows`), where `snapshot` is the document without them. Then an
        indicator's rows are read and made public when a page asks for them, and only those of
        the last few indicators asked for are kept (`remember`): memory does not grow with the
        release. Without `load`, the document holds the observations (schema version 1).
        `summary()`: {indicator: (number of observations, latest reference date)}, where the
        caller can tell them without making the rows (`Snapshot.observation_summary`)."""
        self.document = doc = public_document(snapshot)
        self.number = number
        self.labels = doc["labels"]
        self.municipality = pick(doc["municipality"], ("name", "ags", "state", "website"))
        self.concept = pick(doc["concept"], ("title", "summary", "resolution_date", "resolution_reference"))
        edition = editions.current(doc)
        self.edition = (
            {**edition, "resolution_date": _date(edition.get("resolution_date"))} if edition else None
        )
        self.vocabulary = from_document(doc)
        self.style = housestyle.from_document(doc)
        self.reporting_date = datetime.date.fromisoformat(doc["reporting_date"])
        self.fields = [
            pick(f, PORTAL_FIELD_FIELDS)
            for f in sorted(doc["fields_of_action"], key=lambda f: (f.get("order", 0), f["code"]))
        ]
        self.measures = [self._measure(record) for record in doc["measures"]]
        self.goals = [self._goal(g) for g in doc["goals"]]
        self.sources = {s["key"]: pick(s, PORTAL_SOURCE_FIELDS) for s in doc["sources"]}
        self._memo: OrderedDict = OrderedDict()
        self._memo_lock = threading.Lock()  # the server's threads share the view
        self._load = load
        self._observations: defaultdict[str, list] = defaultdict(list)  # without `load`: all rows
        for o in doc["observations"]:
            self._observations[o["indicator"]].append(o)
        doc["observations"] = []  # only(key) gives an indicator's
        # what the lists of all indicators show: counts and latest dates
        known = summary() if summary else _summary(load(None) if load else self._observations.items())
        self._counts: dict[str, int] = {key: count for key, (count, _latest) in known.items()}
        self._latest: dict[str, str] = {key: latest for key, (_count, latest) in known.items()}
        self.indicators = []
        for record in doc["indicators"]:
            indicator = pick(record, PORTAL_INDICATOR_FIELDS)
            indicator["source"] = self.sources.get(record.get("source"))
            indicator["observations"] = self._counts.get(record["key"], 0)
            self.indicators.append(indicator)
        # A cross-cutting measure is listed under each field it serves (see `measures_of`).
        self._by_field = defaultdict(list)
        for measure in self.measures:
            for code in fields_served(measure):
                self._by_field[code].append(measure)

    # An indicator's page asks for its rows and what is derived from them several times (areas,
    # dates, breakdowns, symbols, figures), and the export renders its pages one indicator after
    # another: the results for the last few indicators are kept. The view is immutable (one
    # release), so nothing kept goes stale; a few indicators only, so that the public rows of a
    # large release never all lie in memory. As many as a server process has threads (8), which
    # may each be making the page of another indicator: with fewer, they took each other's rows
    # away in the middle of a page, and read them again and again (at 50 clients on the pages of
    # 60 indicators: 1 page a second with 4 kept, 7 to 9 with 8). The static export keeps 4.
    MEMO_INDICATORS = 8

    @classmethod
    def of(cls, snapshot):
        """The view of a stored snapshot (a `Snapshot`): its observations read one indicator at a
        time where it stores them in parts (version 2), from the document otherwise."""
        document = snapshot.head
        if "observations" in document:  # version 1: the document holds them
            return cls(document, snapshot.number)
        return cls(document, snapshot.number, snapshot.observation_rows, snapshot.observation_summary)

    def remember(self, key: str, name: str, compute):
        """`compute()` for indicator `key` under `name`, made once while `key` is among the
        last MEMO_INDICATORS indicators asked for. The result is shared: callers do not change it.
        Computed outside the lock: `compute` may itself ask for another name (the rows)."""
        with self._memo_lock:
            kept = self._memo.get(key)
            if kept is None:
                kept = self._memo[key] = {}
                while len(self._memo) > self.MEMO_INDICATORS:
                    self._memo.popitem(last=False)
            else:
                self._memo.move_to_end(key)
            if name in kept:
                return kept[name]
        kept[name] = value = compute()  # two threads may both compute it: the same value
        return value

    def _measure(self, record: dict) -> dict:
        measure = pick(record, PORTAL_MEASURE_FIELDS)
        measure.update(_period(record, "start"))
        measure.update(_period(record, "end"))
        if record.get("funders"):
            measure["funders"] = [dict(f) for f in record["funders"]]
        measure["field_of_action"] = record["field_of_action"]
        measure["also_fields_of_action"] = list(record.get("also_fields_of_action", []))
        measure["status_label"] = self.labels["measure_status"].get(record.get("status", "unknown"), "")
        measure["next_steps"] = [
            {**pick(step, ("text", "responsible")), **_period(step, "due", "end")}
            for step in record.get("next_steps", [])
            if not step.get("done")
        ]
        measure["goals"] = list(record.get("goals", []))
        measure["indicators"] = list(record.get("indicators", []))
        return measure

    @staticmethod
    def _goal(record: dict) -> dict:
        from decimal import Decimal

        goal = pick(record, PORTAL_GOAL_FIELDS)
        if goal.get("target_value") is not None:
            goal["target_value"] = Decimal(str(goal["target_value"])).normalize()
        goal.pop("target_date", None)
        goal.update(_period(record, "target", "end"))  # "2026", "2. Halbjahr 2025", a day
        return goal

    # fields of action and measures
    def field(self, code: str) -> dict | None:
        return next((f for f in self.fields if f["code"].lower() == code.lower()), None)

    def measures_of(self, code: str) -> list[dict]:
        """The measures serving a field of action: those it leads and the cross-cutting measures
        that serve it too (`measure["field_of_action"] != code` marks them)."""
        return self._by_field.get(code, [])

    def measure(self, key: str) -> dict | None:
        return next((m for m in self.measures if m["key"].lower() == key.lower()), None)

    def goals_of(self, code: str) -> list[dict]:
        return [g for g in self.goals if g["field_of_action"] == code]

    # indicators
    def indicator(self, key: str) -> dict | None:
        return next((i for i in self.indicators if i["key"] == key), None)

    def indicators_of(self, code: str) -> list[dict]:
        return [i for i in self.indicators if code in i.get("fields_of_action", [])]

    def observations(self, key: str) -> list[dict]:
        """The published observations of an indicator (suppressed cells without value, with their
        symbol), each with its source's key and, where the source states it so, its qualifier
        and reference period. The list is shared (see `remember`): callers do not change it."""

        def rows():
            own = (self.indicator(key) or {}).get("source") or {}
            public = self.public_rows(key)
            with gc_paused():  # thousands of rows without cycles (see gc_paused)
                return [self._row(o, own.get("key", "")) for o in public]

        return self.remember(key, "observations", rows)

    def public_rows(self, key: str) -> list[dict]:
        """The rows of one indicator as in the public document (shared: callers do not change them)."""
        if self._load is None:
            return self._observations.get(key, [])
        if key not in self._counts:
            return []  # no indicator of the release, or one without rows: nothing to read or keep

        def rows():
            with gc_paused():  # thousands of rows without cycles (see gc_paused)
                return [o for _k, rows in self._load([key]) for o in _public_rows(rows)]

        return self.remember(key, "public rows", rows)

    def keep_rows(self, key: str, rows: list[dict]) -> None:
        """Take `public_rows(key)` as given (made by another process from the same release)."""
        self.remember(key, "public rows", lambda: rows)

    def keep_stored_rows(self, key: str, rows: list[dict]) -> None:
        """Take the rows of `key` as stored in the release (what `load` gives, read by another
        process), made public here."""
        self.keep_rows(key, _public_rows(rows))

    def _all_public_rows(self):
        """(indicator, its public rows), one indicator at a time, in the release's order."""
        if self._load is None:
            yield from self._observations.items()
            return
        for key, rows in self._load(None):
            yield key, _public_rows(rows)

    @staticmethod
    def _row(o: dict, own_source: str) -> dict:
        return {
            "area": o["area"],
            "date": o["date"],
            "dims": o["dims"],
            "value": o["value"],
            "flag": o["flag"],
            "qualifier": o.get("qualifier", ""),
            "period": o.get("period", ""),
            "source": o.get("source") or own_source,
            # Our confidentiality hid the value; an office's own "." is not ours (False).
            "suppressed": "suppressed" in o,
        }

    def sources_of(self, key: str) -> list[dict]:
        """The sources of an indicator's published observations, the indicator's own first."""
        own = (self.indicator(key) or {}).get("source")

        def keys():
            found = dict.fromkeys([own["key"]] if own else [])
            found.update((o["source"], None) for o in self.public_rows(key) if o.get("source"))
            return [self.sources[k] for k in found if k in self.sources]

        return list(self.remember(key, "sources", keys))

    def all_observations(self):
        """Every published observation of the release, indicator by indicator in the release's
        order (rows as in `observations`, with the indicator's key first); made one at a time."""
        for key, rows in self._all_public_rows():
            own = ((self.indicator(key) or {}).get("source") or {}).get("key", "")
            for o in rows:
                yield {"indicator": key, **self._row(o, own)}

    def only(self, key: str) -> dict:
        """The public document reduced to one indicator's observations (what its page needs)."""
        return {**self.document, "observations": self.public_rows(key)}

    def area_names(self) -> dict[str, str]:
        return {a["key"]: a["name"] for a in self.document["areas"]}

    def areas_of(self, key: str) -> list[dict]:
        present = {o["area"] for o in self.public_rows(key)}
        return [{"key": a["key"], "name": a["name"]} for a in self.document["areas"] if a["key"] in present]

    def latest_date(self, key: str) -> datetime.date | None:
        latest = self._latest.get(key)
        return datetime.date.fromisoformat(latest) if latest else None


@dataclass(frozen=True)
class PublicContactPoint:
    """What the public directory shows of a published contact point (the directory is live: it is
    read from the database, not from a snapshot)."""

    key: str
    name: str
    organisation: str
    description: str
    street: str
    postcode: str
    city: str
    phone: str
    email: str
    website: str
    opening_hours: str
    languages: tuple[str, ...]
    barrier_free: str
    area_name: str
    districts: frozenset[str]  # the keys of its area and of the area above it
    fields: tuple[dict, ...]  # {"code", "title"} of its fields of action
    field_codes: frozenset[str]
    search_text: str  # what the directory's full-text search looks in, case-folded (Ä finds ä)

    def get_barrier_free_display(self) -> str:
        from imon.core.models import ContactPoint

        return str(ContactPoint.Access(self.barrier_free).label) if self.barrier_free else ""


def public_contact_point(point) -> PublicContactPoint:
    """The public record of a ContactPoint (its area, the area's parent and its fields of action
    loaded); the caller makes sure it is published."""
    area = point.area
    fields = tuple({"code": f.code, "title": f.title} for f in point.fields_of_action.all())
    return PublicContactPoint(
        **{name: getattr(point, name) for name in PORTAL_CONTACT_FIELDS if name != "languages"},
        languages=tuple(point.languages or ()),
        area_name=area.name if area else "",
        districts=frozenset(a.key for a in (area, area.parent if area else None) if a is not None),
        fields=fields,
        field_codes=frozenset(f["code"] for f in fields),
        search_text=f"{point.name}\n{point.description}\n{point.organisation}\n{point.city}".casefold(),
    )
