"""The installation's current state in concept-file form (the inverse of loading)."""

import io
from typing import Any

from .. import models as m
from .. import periods, yamlio
from ..fetch import subscription
from .schema import FORMAT_VERSION, SCHEMA, _stored_fields, key_attribute


def _record(section, obj) -> dict:
    """One record in file form; empty values and values equal to their default are left out."""
    out = {}
    for name, kind, opts, attr, field in _stored_fields(section):
        if kind == "ref":
            target = getattr(obj, attr)
            value = getattr(target, key_attribute(opts["ref"])) if target else None
        elif kind == "refs":
            ref_key = key_attribute(opts["ref"])
            value = [getattr(t, ref_key) for t in getattr(obj, attr).all()]
        elif kind == "period":
            stored = periods.from_stored(getattr(obj, attr), getattr(obj, opts["precision"]))
            value = periods.file_value(stored)
        elif kind == "fetch":
            value = subscription.canonical(getattr(obj, attr)) or None
        else:
            value = getattr(obj, attr)
            if value == field.get_default():
                value = None  # defaults are left out; loading gives them back
        if value is not None and value != "" and value != []:
            out[name] = value
    return out


def _prefetch(section):
    return [attr for name, kind, opts, attr, field in _stored_fields(section) if kind == "refs"]


def _records(section, queryset):
    return [_record(section, o) for o in queryset.prefetch_related(*_prefetch(section))]


def dump(concept: m.Concept, observations: bool = True) -> dict:
    """The concept and all data of the installation, in file order (without the observations
    if `observations` is false)."""
    data: dict[str, Any] = {"format_version": FORMAT_VERSION}
    data["municipality"] = _record("municipality", concept.municipality)
    data["areas"] = _records("areas", m.Area.objects.select_related("parent"))
    data["concept"] = _record("concept", concept)
    editions = [_record("editions", e) for e in concept.editions.all()]
    if editions:
        data["concept"] = _insert_before(data["concept"], "note", "editions", editions)
    data["fields_of_action"] = _records(
        "fields_of_action", concept.fields_of_action.select_related("since", "retired")
    )
    data["strategic_goals"] = _records(
        "strategic_goals", m.StrategicGoal.objects.filter(municipality=concept.municipality)
    )
    data["sources"] = _records("sources", m.Source.objects.all())
    data["dimensions"] = []
    for dim in m.Dimension.objects.prefetch_related("values"):
        record = _record("dimensions", dim)
        record["values"] = [_record("dimension_values", v) for v in dim.values.all()]
        data["dimensions"].append(record)
    data["indicators"] = []
    indicators = m.Indicator.objects.select_related("numerator", "denominator", "source")
    for indicator in indicators.prefetch_related("rules__other_indicator", *_prefetch("indicators")):
        record = _record("indicators", indicator)
        rules = [_record("rules", r) for r in indicator.rules.all()]
        if rules:
            record = _insert_before(record, "note", "rules", rules)
        data["indicators"].append(record)
    data["goals"] = _records(
        "goals",
        m.Goal.objects.filter(field_of_action__concept=concept)
        .select_related("field_of_action", "since", "retired")
        .order_by("order", "key"),
    )
    data["measures"] = []
    measures = m.Measure.objects.filter(field_of_action__concept=concept).select_related(
        "field_of_action", "since", "retired"
    )
    measures = measures.prefetch_related("next_steps", "funders", *_prefetch("measures"))
    for measure in measures.order_by("order", "key"):
        record = _record("measures", measure)
        funders = [_record("funders", f) for f in measure.funders.all()]
        if funders:
            record = _in_schema_order("measures", {**record, "funders": funders})
        steps = [_record("next_steps", s) for s in measure.next_steps.all()]
        if steps:
            record = _insert_before(record, "note", "next_steps", steps)
        data["measures"].append(record)
    data["bodies"] = _records("bodies", m.Body.objects.all())
    data["meetings"] = []
    for meeting in (
        m.Meeting.objects.select_related("body")
        .prefetch_related("decisions", "other_bodies")
        .order_by("date", "key")
    ):
        record = _record("meetings", meeting)
        outcomes = [d.text for d in meeting.decisions.all()]
        if outcomes:
            record = _insert_before(record, "note", "outcomes", outcomes)
        data["meetings"].append(record)
    data["contact_points"] = _records(
        "contact_points", m.ContactPoint.objects.select_related("area").order_by("key")
    )
    if observations:
        data["observations"] = list(_dump_observations())
    return data


def _insert_before(record: dict, before: str, name: str, value) -> dict:
    """Place a nested list where the schema has it (before the note), keeping files readable."""
    items = [(k, v) for k, v in record.items() if k != before]
    items.append((name, value))
    if before in record:
        items.append((before, record[before]))
    return dict(items)


def _in_schema_order(section: str, record: dict) -> dict:
    order = {name: i for i, (name, _kind, _opts) in enumerate(SCHEMA[section])}
    return dict(sorted(record.items(), key=lambda item: order[item[0]]))


def _dump_observations():
    rows = (
        m.Observation.objects.order_by(
            "indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key"
        )
        .values_list(
            "indicator__key",
            "area__key",
            "reference_date",
            "dim_key",
            "value",
            "flag",
            "note",
            "qualifier",
            "period",
            "source__key",
        )
        .iterator(chunk_size=5000)
    )
    for indicator, area, date, dim_key, value, flag, note, qualifier, period, source in rows:
        row = {"indicator": indicator, "area": area, "date": date}
        if dim_key:
            row["dims"] = m.parse_dimension_key(dim_key)
        row["value"] = value.normalize() if value is not None else None
        if flag:
            row["flag"] = flag
        for name, stated in (("qualifier", qualifier), ("period", period), ("source", source)):
            if stated:
                row[name] = stated
        if note:
            row["note"] = note
        yield row


def dump_text(concept: m.Concept, stream=None):
    """Write the concept file to `stream`, or return it as text."""
    if stream is not None:
        yamlio.dump_document(dump(concept), stream)
        return None
    buffer = io.StringIO()
    yamlio.dump_document(dump(concept), buffer)
    return buffer.getvalue()
