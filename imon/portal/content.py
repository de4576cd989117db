"""What the portal publishes, as plain functions over the latest snapshot.

The portal shows the **latest snapshot** (see `imon/reports/snapshots.py`): a snapshot is what the
city has approved and published, and its figures have already passed the confidentiality
boundary. Draft states, unapproved cycle data and internal notes therefore cannot reach the
public: only the fields listed here are ever handed to a template or an API response. Contact
points are the exception: the directory is live (only entries marked as published), so that a
new *Anlaufstelle* appears without waiting for the next report.
"""

import datetime
import time
from collections import Counter, defaultdict

from imon.core.numbers import add_months
from imon.reports import document

MEASURE_FIELDS = (
    "key",
    "title",
    "description",
    "lead_unit",
    "partners",
    "programme",
    "start_date",
    "end_date",
    "status",
    "progress",
    "results",
    "effect",
)
FIELD_FIELDS = ("code", "title", "description", "easy_language", "priority")
INDICATOR_FIELDS = (
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
SOURCE_FIELDS = ("key", "publisher", "title", "table_code", "url", "licence", "retrieved_on")
CONTACT_FIELDS = (
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
DONE = {"completed", "established"}


def _pick(record: dict, fields) -> dict:
    return {name: record[name] for name in fields if name in record}


class Published:
    """The public view of one snapshot (plain data, no database)."""

    def __init__(self, snapshot: dict, number: int):
        self.snapshot = snapshot
        self.number = number
        self.labels = snapshot["labels"]
        self.municipality = _pick(snapshot["municipality"], ("name", "ags", "state", "website"))
        concept = snapshot["concept"]
        self.concept = _pick(concept, ("title", "summary", "resolution_date", "resolution_reference"))
        self.reporting_date = datetime.date.fromisoformat(snapshot["reporting_date"])
        self.fields = [
            _pick(f, FIELD_FIELDS)
            for f in sorted(snapshot["fields_of_action"], key=lambda f: (f.get("order", 0), f["code"]))
        ]
        self.measures = []
        for record in snapshot["measures"]:
            measure = _pick(record, MEASURE_FIELDS)
            for name in ("start_date", "end_date"):
                if measure.get(name):
                    measure[name] = datetime.date.fromisoformat(measure[name])
            measure["field_of_action"] = record["field_of_action"]
            measure["status_label"] = self.labels["measure_status"].get(record.get("status", "unknown"), "")
            measure["next_steps"] = [
                {
                    **_pick(step, ("text", "responsible")),
                    "due_date": datetime.date.fromisoformat(step["due_date"])
                    if step.get("due_date")
                    else None,
                }
                for step in record.get("next_steps", [])
                if not step.get("done")
            ]
            measure["goals"] = list(record.get("goals", []))
            measure["indicators"] = list(record.get("indicators", []))
            self.measures.append(measure)
        self.goals = [
            _pick(g, ("key", "field_of_action", "title", "description", "target_value", "target_date"))
            for g in snapshot["goals"]
        ]
        self.sources = {s["key"]: _pick(s, SOURCE_FIELDS) for s in snapshot["sources"]}
        self._observations = defaultdict(list)
        for o in snapshot["observations"]:
            self._observations[o["indicator"]].append(o)
        observed = {key: len(rows) for key, rows in self._observations.items()}
        self.indicators = []
        for record in snapshot["indicators"]:
            indicator = _pick(record, INDICATOR_FIELDS)
            indicator["source"] = self.sources.get(record.get("source"))
            indicator["observations"] = observed.get(record["key"], 0)
            self.indicators.append(indicator)
        self._sentences: dict[str, str] = {}
        self._by_field = defaultdict(list)
        for measure in self.measures:
            self._by_field[measure["field_of_action"]].append(measure)

    # fields of action and measures
    def field(self, code: str) -> dict | None:
        return next((f for f in self.fields if f["code"].lower() == code.lower()), None)

    def measures_of(self, code: str) -> list[dict]:
        return self._by_field.get(code, [])

    def progress(self, code: str) -> dict:
        """Status counts of a field of action and the share of finished measures (the roll-up shown)."""
        measures = self.measures_of(code)
        counts = Counter(m["status_label"] for m in measures)
        finished = sum(1 for m in measures if m.get("status") in DONE)
        return {"total": len(measures), "counts": sorted(counts.items()), "finished": finished}

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
        """The published observations of an indicator (suppressed cells without value, with their symbol)."""
        return [
            {"area": o["area"], "date": o["date"], "dims": o["dims"], "value": o["value"], "flag": o["flag"]}
            for o in self._observations.get(key, [])
        ]

    def all_observations(self):
        """Every published observation of the release, indicator by indicator in the release's
        order (rows as in `observations`, with the indicator's key first); made one at a time."""
        for key, rows in self._observations.items():
            for o in rows:
                yield {
                    "indicator": key,
                    "area": o["area"],
                    "date": o["date"],
                    "dims": o["dims"],
                    "value": o["value"],
                    "flag": o["flag"],
                }

    def only(self, key: str) -> dict:
        """The snapshot reduced to one indicator's observations (what its page needs)."""
        return {**self.snapshot, "observations": self._observations.get(key, [])}

    def areas_of(self, key: str) -> list[dict]:
        present = {o["area"] for o in self._observations.get(key, [])}
        return [{"key": a["key"], "name": a["name"]} for a in self.snapshot["areas"] if a["key"] in present]

    def blocks(self, key: str, area: str | None = None) -> list:
        return _blocks(self.number, key, area, self)

    def sentence(self, key: str) -> str:
        if key not in self._sentences:
            self._sentences[key] = document.sentence(self.only(key), key)
        return self._sentences[key]

    def latest_date(self, key: str) -> datetime.date | None:
        dates = [o["date"] for o in self._observations.get(key, [])]
        return datetime.date.fromisoformat(max(dates)) if dates else None

    def next_update(self, key: str) -> datetime.date | None:
        """The expected next reference date: the latest plus the indicator's rhythm."""
        indicator, latest = self.indicator(key), self.latest_date(key)
        months = (indicator or {}).get("rhythm_months")
        if not latest or not months:
            return None
        return add_months(latest, months)


_BLOCKS: dict = {}


def _blocks(number, key, area, published: Published):
    """Figures of an indicator are built once per snapshot, indicator and area."""
    cache_key = (number, key, area)
    if cache_key not in _BLOCKS:
        if len(_BLOCKS) > 2000:
            _BLOCKS.clear()
        _BLOCKS[cache_key] = document.indicator_blocks(published.only(key), key, area)
    return _BLOCKS[cache_key]


_LATEST: dict = {}


def version(published: "Published | None") -> str:
    """What the public pages depend on: the published snapshot and the contact points (both
    remembered by latest() for up to HEAD_TTL seconds)."""
    return f"{published.number if published else 0}.{_LATEST.get('contacts', 0)}"


def contact_points_changed(**kwargs):
    """Signal receiver: an edited contact point makes every cached portal page stale, in every
    server process (they read the version from the database, see latest())."""
    from django.db.models import F

    from .models import PortalState

    if not PortalState.objects.filter(pk=1).update(contact_points_version=F("contact_points_version") + 1):
        PortalState.objects.get_or_create(pk=1, defaults={"contact_points_version": 1})
    _LATEST.clear()


HEAD_TTL = 2.0  # seconds a process trusts its knowledge of the newest snapshot without asking the database


def latest() -> Published | None:
    """The published state: the newest snapshot, kept in memory. A process asks the database for
    the newest number (and the contact points' version) at most every HEAD_TTL seconds; a change
    made in this process is seen at once (signals), one made by another process within HEAD_TTL."""
    from imon.reports.models import Snapshot

    from .models import PortalState

    now = time.monotonic()
    if "checked" in _LATEST and now - _LATEST["checked"] < HEAD_TTL:
        return _LATEST.get("published")
    head = Snapshot.objects.order_by("-number").values_list("number", flat=True).first()
    if head is None:
        _LATEST.pop("number", None)
        _LATEST.pop("published", None)
    elif _LATEST.get("number") != head:
        snapshot = Snapshot.objects.get(number=head)
        _LATEST.update(number=head, published=Published(snapshot.data, head))
    _LATEST["contacts"] = (
        PortalState.objects.filter(pk=1).values_list("contact_points_version", flat=True).first() or 0
    )
    _LATEST["checked"] = now
    return _LATEST.get("published")


def contact_directory() -> list:
    """The published contact points (area, its parent and the fields of action loaded, plus
    `search_text` and `field_codes`), ordered by name: read from the database once per version of
    the contact points, then filtered in memory."""
    from imon.core.models import ContactPoint

    latest()
    version = _LATEST.get("contacts", 0)
    remembered = _LATEST.get("directory")
    if remembered is None or remembered[0] != version:
        points = list(
            ContactPoint.objects.filter(published=True)
            .select_related("area", "area__parent")
            .prefetch_related("fields_of_action")
            .order_by("name", "key")
        )
        for point in points:  # worked out once per version, not per search
            point.search_text = search_text(point)
            point.field_codes = {field.code for field in point.fields_of_action.all()}
        remembered = _LATEST["directory"] = (version, points)
    return remembered[1]


def search_text(point) -> str:
    """What the directory's full-text search looks in, case-folded (so that Ä finds ä)."""
    return f"{point.name}\n{point.description}\n{point.organisation}\n{point.city}".casefold()


def snapshot_frozen(**kwargs):
    """Signal receiver: a new snapshot is published; forget the remembered one."""
    _LATEST.clear()
