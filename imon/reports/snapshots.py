"""Snapshots: the frozen document from which every report is rendered.

A snapshot is the concept file of the installation (concept, fields of action, goals, measures
with next steps, bodies, meetings, indicators, sources, areas, contact points) plus the
observations up to the reporting date *as published*: every observation passes the
confidentiality boundary (`imon.publication.cells`) before it is frozen. Suppressed cells keep
their place with the symbol and the reason, so that tables can say that and why cells are hidden.
The German labels of all choice values are frozen too, so the report is a pure function of the
snapshot.

The snapshot itself is the office's frozen record and keeps internal fields (notes, unpublished
measures); whatever leaves for the public is made from it by `imon.publication.public_document`.
"""

import datetime
import hashlib
import json
from decimal import Decimal
from itertools import repeat
from operator import itemgetter

from django.db import transaction
from django.db.models import Max
from django.utils import translation

from imon.core import conceptfile, editions, geometry, housestyle
from imon.core import models as m
from imon.core.importers import gc_paused
from imon.publication import suppression
from imon.publication.cells import Made, current_policy, public_observations, public_parts, released_values

from .models import STREAMED, Release, Snapshot, SnapshotPart

SCHEMA_VERSION = STREAMED

LABELS = {
    "measure_status": m.Measure.Status,
    "traffic_light": m.Measure.TrafficLight,
    "concept_status": m.Concept.Status,
    "body_kind": m.Body.Kind,
    "meeting_kind": m.Meeting.Kind,
    "indicator_kind": m.Indicator.Kind,
    "population_concept": m.Indicator.PopulationConcept,
    "flag": m.Flag,
}


def _json_default(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"not serialisable: {value!r}")


def _earlier_releases() -> dict:
    """What the public releases showed, the newer over the older: the next release is
    suppressed knowing all of it."""
    known: dict = {}
    for snapshot in Snapshot.objects.filter(release__isnull=False).order_by("number"):
        known.update(released_values(snapshot.data))
    return known


class _Earlier:
    """What the public releases showed of some indicators ({key: value}, the newer over the
    older), read indicator by indicator from streamed releases."""

    def __init__(self):
        self.releases = list(Snapshot.objects.filter(release__isnull=False).order_by("number"))
        self.streamed = {s.number for s in self.releases if s.schema_version >= STREAMED and s.parts.exists()}
        self.inline: dict = {}  # snapshot number -> released_values of a version 1 release

    def __call__(self, keys) -> dict:
        keys, known = set(keys), {}
        for snapshot in self.releases:
            if snapshot.number in self.streamed:
                parts = snapshot.parts.filter(indicator__in=keys).values_list("indicator", "rows")
                for indicator, text in parts.iterator(chunk_size=1):
                    known.update(_released_values(indicator, json.loads(text)))
                continue
            if snapshot.number not in self.inline:
                self.inline[snapshot.number] = released_values(snapshot.data)
            known.update({k: v for k, v in self.inline[snapshot.number].items() if k[0] in keys})
        return known


def _released_values(indicator: str, rows: list) -> dict:
    """`released_values` of the stored rows (`compact_row`) of one indicator's part, without
    making the document's rows: each date text and each breakdown's key made once."""
    rows = [row for row in rows if row[3] is not None]
    dates = Made(lambda text: datetime.date.fromisoformat(str(text)))
    dim_keys = Made(lambda shape: m.dimension_key(dict(shape)))  # (dimension, value) pairs -> key
    keys = zip(
        repeat(indicator),
        map(itemgetter(0), rows),
        map(dates.__getitem__, map(itemgetter(1), rows)),
        map(dim_keys.__getitem__, map(tuple, map(dict.items, map(itemgetter(2), rows)))),
    )
    return dict(zip(keys, map(Decimal, map(str, map(itemgetter(3), rows)))))


def collect(concept: m.Concept, title: str, reporting_date: datetime.date) -> dict:
    """The snapshot document (plain JSON types after encoding), observations included."""
    document = _head(concept, title, reporting_date)
    document["observations"], document["suppression"] = public_observations(
        reporting_date, earlier=_earlier_releases()
    )
    _unreviewed_as_released(document)
    return document


def _head(concept: m.Concept, title: str, reporting_date: datetime.date) -> dict:
    """The document up to the observations."""
    with translation.override("de"):
        labels = {
            name: {value: str(label) for value, label in choices.choices} for name, choices in LABELS.items()
        }
    document = {
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "reporting_date": reporting_date,
        "labels": labels,
        **{k: v for k, v in conceptfile.dump(concept, observations=False).items() if k != "format_version"},
    }
    editions.split_retired(document)
    # the house style as it is now (concept and settings): every report of the snapshot looks the same
    document["house_style"] = housestyle.current(concept.municipality).as_document()
    document["geometry"] = _geometry()
    return document


def _geometry() -> dict | None:
    """The outlines of the city's own areas, projected for drawing (imon.core.geometry), and who
    made them; None without any."""
    rows = [row for row in m.Area.objects.values_list("key", "geometry", "geometry_source") if row[1]]
    if not rows:
        return None
    return {
        "sources": sorted({source for _k, _g, source in rows if source}),
        "shapes": geometry.project({key: rings for key, rings, _s in rows}),
    }


def _unreviewed_as_released(document: dict) -> None:
    """A measure with an owner's edit that nobody reviewed yet goes out as the last release showed
    it (or not at all, if no release showed it); the keys are kept in the section "unreviewed"
    (internal), for the page that publishes."""
    pending = set(m.Measure.objects.filter(review_pending=True).values_list("key", flat=True))
    if not pending:
        return
    release = published()
    released = {x["key"]: x for x in release.head.get("measures", [])} if release else {}
    measures = []
    for measure in document["measures"]:
        if measure["key"] in pending:
            measure = released.get(measure["key"]) or {**measure, "published": False}
        measures.append(measure)
    document["measures"] = measures
    document["unreviewed"] = sorted(pending)


def _value_text(value) -> str:
    return "null" if value is None else f'"{format(value.normalize(), "f")}"'


class _StoredRows:
    """Makes each row of a part as the JSON text that `encode` writes for its stored form
    (`compact_row` of the row `imon.publication.cells` makes of these arguments), directly: the
    same bytes, without a list per row and an encoder pass over them. A part is then the texts of
    its rows, joined as `encode` joins a list."""

    def __init__(self):
        self.strings = Made(encode)  # area keys and flags
        self.dates = Made(lambda date: f'"{date.isoformat()}"')
        # values: equal values write the same, but for 0 and -0 (written "0" and "-0")
        self.values = Made(_value_text, keep=bool)
        self.dims: dict[str, str] = {}  # dim key -> the JSON of its dims
        self.kept: dict[int, tuple] = {}  # id of a dims mapping -> (the mapping, its JSON)
        # the latest reference date of the rows made since `take_latest` (a part's rows are made
        # together, right before the part is handed on)
        self.latest: datetime.date | None = None

    def take_latest(self) -> str:
        """The latest reference date (ISO) of the rows made since the last call, "" for none."""
        latest, self.latest = self.latest, None
        return latest.isoformat() if latest else ""

    def __call__(self, indicator, area, date, dims, value, flag, qualifier, period, source, reason) -> str:
        if self.latest is None or date > self.latest:
            self.latest = date
        known = self.kept.get(id(dims))
        if known is None:  # the mapping is kept with its text: its id cannot pass to another one
            known = self.kept[id(dims)] = (dims, encode(dims))
        text = (
            f"[{self.strings[area]},{self.dates[date]},{known[1]},{self.values[value]},{self.strings[flag]}"
        )
        extras = {}
        if qualifier and value is not None:
            extras["qualifier"] = qualifier
        if period:
            extras["period"] = period
        if source:
            extras["source"] = source
        if reason:
            extras["suppressed"] = reason
        return f"{text},{encode(extras)}]" if extras else f"{text}]"

    def plain(
        self, areas, dates, dim_keys, all_dims, values, flags, qualifiers, periods, sources
    ) -> list[str]:
        """The rows of a part that publishing leaves as they are, given as columns, each as
        `__call__` makes it (dims: those of the dim keys)."""
        if dates:
            top = max(dates)
            self.latest = top if self.latest is None else max(self.latest, top)
        for dim_key, dims in dict(zip(dim_keys, all_dims, strict=True)).items():
            if dim_key not in self.dims:
                self.dims[dim_key] = encode(dims)
        texts = list(
            map(
                "[{},{},{},{},{}]".format,
                map(self.strings.__getitem__, areas),
                map(self.dates.__getitem__, dates),
                map(self.dims.__getitem__, dim_keys),
                map(self.values.__getitem__, values),
                map(self.strings.__getitem__, flags),
            )
        )
        if any(qualifiers) or any(periods) or any(sources):
            for i, (qualifier, period, source) in enumerate(zip(qualifiers, periods, sources, strict=True)):
                if qualifier or period or source:
                    texts[i] = self(
                        None,
                        areas[i],
                        dates[i],
                        all_dims[i],
                        values[i],
                        flags[i],
                        qualifier,
                        period,
                        source,
                        None,
                    )
        return texts


def _part_text(rows: list[str]) -> str:
    """The JSON text of a part from the texts of its rows (`_StoredRows`): `encode` of the list."""
    return "[" + ",".join(rows) + "]"


def encode(document: dict | list) -> str:
    return json.dumps(document, ensure_ascii=False, default=_json_default, separators=(",", ":"))


class SnapshotError(Exception):
    """A snapshot cannot be created or found; the message is for the user."""


def create(
    title: str, reporting_date: datetime.date | str, user=None, concept_key: str | None = None
) -> Snapshot:
    """Freeze the current state as a new snapshot with the next number (the reporting date as a
    date or its ISO text)."""
    if isinstance(reporting_date, str):
        reporting_date = datetime.date.fromisoformat(reporting_date)
    query = m.Concept.objects.select_related("municipality")
    if concept_key:
        query = query.filter(key=concept_key)
    concepts = list(query[:2])
    if not concepts:
        raise SnapshotError(translation.gettext("No concept found. Load one with 'imon load-concept FILE'."))
    if len(concepts) > 1:
        raise SnapshotError(translation.gettext("There are several concepts; choose one with --concept KEY."))
    concept = concepts[0]
    document = _head(concept, title, reporting_date)
    # the cycle collector would scan the millions of cells and rows a group keeps again and
    # again (a quarter of the time) without finding a cycle to free
    with transaction.atomic(), gc_paused():
        number = (Snapshot.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0) + 1
        snapshot = Snapshot.objects.create(
            number=number,
            title=title,
            reporting_date=reporting_date,
            created_by=user,
            schema_version=SCHEMA_VERSION,
            document="",
            sha256="-",  # set below, when the parts and the document are written
        )
        # The observations, one indicator at a time: suppressed, encoded, hashed and written,
        # so that memory holds one group of linked indicators, not the whole snapshot.
        digest, report, used = hashlib.sha256(), suppression.Report(), dict[str, object]()
        stored_rows = _StoredRows()
        parts = public_parts(reporting_date, _Earlier(), report, used, make_row=stored_rows)
        for position, (indicator, rows) in enumerate(parts):
            text = _part_text(rows)
            digest.update(text.encode("utf-8"))
            SnapshotPart.objects.create(
                snapshot=snapshot,
                position=position,
                indicator=indicator,
                rows=text,
                count=len(rows),
                latest=stored_rows.take_latest(),
            )
        document["suppression"] = report.as_dict(used, current_policy())
        _unreviewed_as_released(document)
        snapshot.document = encode(document)
        digest.update(snapshot.document.encode("utf-8"))
        snapshot.sha256 = digest.hexdigest()
        Snapshot.objects.filter(pk=snapshot.pk).update(document=snapshot.document, sha256=snapshot.sha256)
        return snapshot


def get(ref: str | int) -> Snapshot:
    """A snapshot by number, or the newest for 'latest'."""
    if str(ref) == "latest":
        snapshot = Snapshot.objects.order_by("-number").first()
        if snapshot is None:
            raise SnapshotError(
                translation.gettext("There is no snapshot yet: create one with 'imon snapshot create'.")
            )
        return snapshot
    try:
        return Snapshot.objects.get(number=int(ref))
    except (ValueError, Snapshot.DoesNotExist):
        raise SnapshotError(translation.gettext("There is no snapshot %(ref)s.") % {"ref": ref}) from None


def previous(snapshot: Snapshot) -> Snapshot | None:
    """The report before this one: the newest earlier snapshot with an earlier reporting date (a
    snapshot made again for the same date is a new issue of that report, not its predecessor: the
    period would read "17.09.2019 bis 16.09.2019")."""
    return (
        Snapshot.objects.filter(number__lt=snapshot.number, reporting_date__lt=snapshot.reporting_date)
        .order_by("-number")
        .first()
    )


def published() -> Snapshot | None:
    """The public release: the newest snapshot that was published."""
    return Snapshot.objects.filter(release__isnull=False).order_by("-number").first()


def out_of_date(snapshot: Snapshot) -> bool:
    """Whether the confidentiality policy changed since the snapshot was frozen: then every
    output made from it would be suppressed differently from what the policy now asks."""
    report = snapshot.head.get("suppression") or {}
    return report.get("policy") != current_policy()


def publish(snapshot: Snapshot, user=None) -> Release:
    """Make `snapshot` the public release (the caller checked the right to publish)."""
    with transaction.atomic():
        newest = published()
        if newest is not None and newest.number >= snapshot.number:
            if newest.number == snapshot.number:
                raise SnapshotError(
                    translation.gettext("Snapshot %(number)d is already published.")
                    % {"number": snapshot.number}
                )
            raise SnapshotError(
                translation.gettext(
                    "Snapshot %(newer)d is already published; an older snapshot cannot replace it."
                )
                % {"newer": newest.number}
            )
        if out_of_date(snapshot):
            raise SnapshotError(
                translation.gettext(
                    "The confidentiality settings have changed since snapshot %(number)d was frozen: "
                    "create a new snapshot and publish that one."
                )
                % {"number": snapshot.number}
            )
        return Release.objects.create(snapshot=snapshot, published_by=user)
