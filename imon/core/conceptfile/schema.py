"""The concept file's schema: its sections and fields, and the models they are stored in.

A field is (name, kind, options). Kinds: key, str, text, int (>= 0), percent
(0-100), decimal, decimal+ (>= 0), date, period (a date as precise as the city knows it, stored
as a date plus its "precision" attribute; see imon.core.periods), bool, choice, ref, refs, strs,
fetch (an indicator's official table, see imon.core.fetch.subscription), list (nested records). "required" marks mandatory fields; "ref" names the
section a reference points into. `MODELS` names the model, key attribute and renamed
fields of each section, for loading and dumping.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from .. import models as m

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message


class ConceptFileError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def F(name, kind="str", required=False, **options):
    return (name, kind, {"required": required, **options})


def choices(model_choices):
    return [value for value, _label in model_choices.choices]


SCHEMA: dict[str, list] = {
    "municipality": [
        F("key", "key", True),
        F("name", required=True),
        F("ags", required=True, pattern=r"^\d{8}$", form=_("eight digits, e.g. 05316000")),
        F("ars"),
        F("state"),
        F("website", "url"),
        F("office_name"),
        F("office_short_name"),
        F("council_name"),
        F("document_name"),
        F("logo", "logo"),
        F("logo_png", "logo", png=True),
        F("primary_colour", "colour"),
        F("accent_colour", "colour"),
        F("font"),
        F("publisher"),
        F("address", "text"),
        F("email", "email"),
        F("phone"),
        F("note", "text"),
    ],
    "areas": [
        F("key", "key", True),
        F("name", required=True),
        F("kind", "choice", True, choices=choices(m.Area.Kind)),
        F("code"),
        F("parent", "ref", ref="areas"),
        F("comparison", "bool"),
        F("note", "text"),
    ],
    "concept": [
        F("key", "key", True),
        F("title", required=True),
        F("status", "choice", choices=choices(m.Concept.Status)),
        F("resolution_date", "date"),
        F("resolution_reference"),
        F("valid_from", "date"),
        F("valid_until", "date"),
        F("summary", "text"),
        F("field_of_action_name"),
        F("field_of_action_name_plural"),
        F("goal_name"),
        F("goal_name_plural"),
        F("headline_indicators", "strs", ref="indicators", max_items=6),
        F("approving_body", "ref", ref="bodies"),
        F("editions", "list", of="editions"),
        F("note", "text"),
    ],
    "editions": [
        F("key", "key", True),
        F("title", required=True),
        F("resolution_date", "date"),
        F("resolution_reference"),
        F("note", "text"),
    ],
    "fields_of_action": [
        F("code", "key", True, pattern=m.FIELD_CODE_PATTERN, form=m.FIELD_CODE_FORM),
        F("title", required=True),
        F("priority", "bool"),
        F("description", "text"),
        F("easy_language", "text"),
        F("since", "ref", ref="editions"),
        F("retired", "ref", ref="editions"),
    ],
    "strategic_goals": [
        F("key", "key", True),
        F("title", required=True),
        F("description", "text"),
        F("fields_of_action", "refs", ref="fields_of_action"),
    ],
    "goals": [
        F("key", "key", True),
        F("field_of_action", "ref", True, ref="fields_of_action"),
        F("title", required=True),
        F("description", "text"),
        F("target_value", "decimal"),
        F("target_date", "period", precision="target_precision", edge="end"),
        F("traffic_light", "choice", choices=choices(m.TrafficLight)),
        F("traffic_light_reason", "text"),
        F("assessed_for"),
        F("indicators", "refs", ref="indicators"),
        F("strategic_goals", "refs", ref="strategic_goals"),
        F("since", "ref", ref="editions"),
        F("retired", "ref", ref="editions"),
    ],
    "next_steps": [
        F("key", "key", True),
        F("text", "text", True),
        F("responsible"),
        F("due_date", "period", precision="due_precision", edge="end"),
        F("done", "bool"),
    ],
    "funders": [
        F("name", required=True),
        F("programme"),
        F("amount", "decimal+"),
    ],
    "measures": [
        F("key", "key", True),
        F("field_of_action", "ref", True, ref="fields_of_action"),
        F("also_fields_of_action", "refs", ref="fields_of_action"),
        F("title", required=True),
        F("description", "text"),
        F("lead_unit"),
        F("partners", "text"),
        F("programme"),
        F("funders", "list", of="funders", key=None),
        F("start_date", "period", precision="start_precision", edge="start"),
        F("end_date", "period", precision="end_precision", edge="end", open=True),
        F("status", "choice", choices=choices(m.Measure.Status)),
        F("progress", "percent"),
        F("traffic_light", "choice", choices=choices(m.Measure.TrafficLight)),
        F("traffic_light_reason", "text"),
        F("results", "text"),
        F("obstacles", "text"),
        F("participants", "int"),
        F("staff", "decimal+"),
        F("hours", "int"),
        F("cost", "decimal+"),
        F("funding", "decimal+"),
        F("effect", "text"),
        F("goals", "refs", ref="goals"),
        F("strategic_goals", "refs", ref="strategic_goals"),
        F("indicators", "refs", ref="indicators"),
        F("next_steps", "list", of="next_steps"),
        F("since", "ref", ref="editions"),
        F("retired", "ref", ref="editions"),
        F("published", "bool"),
        F("note", "text"),
    ],
    "bodies": [
        F("key", "key", True),
        F("name", required=True),
        F("kind", "choice", True, choices=choices(m.Body.Kind)),
        F("role", "text"),
        F("rhythm"),
        F("members", "text"),
    ],
    "meetings": [
        F("key", "key", True),
        F("body", "ref", True, ref="bodies"),
        F("other_bodies", "refs", ref="bodies"),
        F("date", "date", True),
        F("end_date", "date"),
        F("title", required=True),
        F("kind", "choice", choices=choices(m.Meeting.Kind)),
        F("outcomes", "strs"),
        F("note", "text"),
    ],
    "sources": [
        F("key", "key", True),
        F("publisher", required=True),
        F("title", required=True),
        F("table_code"),
        F("url", "url"),
        F("licence"),
        F("retrieved_on", "date"),
        F("min_count", "int"),
        F("small_area_min_count", "int"),
        F("rounding", "int"),
        F("min_denominator", "int"),
        F("released", "bool"),
        F("x_means", "choice", choices=choices(m.Source.XMeans)),
        F("note", "text"),
    ],
    "dimension_values": [
        F("key", "key", True),
        F("label", required=True),
        F("total", "bool"),
    ],
    "dimensions": [
        F("key", "key", True),
        F("label", required=True),
        F("values", "list", True, of="dimension_values"),
    ],
    "rules": [
        F("kind", "choice", True, choices=choices(m.ValidationRule.Kind)),
        F("severity", "choice", choices=choices(m.ValidationRule.Severity)),
        F("dimension", "key"),
        F("total", "key"),
        F("parts", "strs"),
        F("other_indicator", "ref", ref="indicators"),
        F("min", "decimal"),
        F("max", "decimal"),
        F("percent", "decimal+"),
        F("tolerance", "decimal+"),
        F("partial", "bool"),
    ],
    "indicators": [
        F("key", "key", True),
        F("title", required=True),
        F("short_title"),
        F("definition", "text"),
        F("unit", required=True),
        F("kind", "choice", choices=choices(m.Indicator.Kind)),
        F("decimals", "int", max=6),
        F("population_concept", "choice", choices=choices(m.Indicator.PopulationConcept)),
        F("numerator", "ref", ref="indicators"),
        F("denominator", "ref", ref="indicators"),
        F("source", "ref", ref="sources"),
        F("fields_of_action", "refs", ref="fields_of_action"),
        F("dimensions", "refs", ref="dimensions"),
        F("rhythm_months", "int"),
        F("fetch", "fetch"),
        F("min_count", "int"),
        F("small_area_min_count", "int"),
        F("rounding", "int"),
        F("min_denominator", "int"),
        F("rules", "list", of="rules", key=None),
        F("note", "text"),
    ],
    "contact_points": [
        F("key", "key", True),
        F("name", required=True),
        F("organisation"),
        F("description", "text"),
        F("fields_of_action", "refs", ref="fields_of_action"),
        F("street"),
        F("postcode"),
        F("city"),
        F("area", "ref", ref="areas"),
        F("phone"),
        F("email", "email"),
        F("website", "url"),
        F("opening_hours", "text"),
        F("languages", "strs"),
        F("barrier_free", "choice", choices=choices(m.ContactPoint.Access)),
        F("published", "bool"),
        F("sources", "text"),
        F("note", "text"),
    ],
}

SINGLE_SECTIONS = ("municipality", "concept")
LIST_SECTIONS = (
    "areas",
    "fields_of_action",
    "strategic_goals",
    "sources",
    "dimensions",
    "indicators",
    "goals",
    "measures",
    "bodies",
    "meetings",
    "contact_points",
)
TOP_LEVEL = ("format_version", *SINGLE_SECTIONS, *LIST_SECTIONS, "observations")
OBSERVATION_FIELDS = (
    "indicator",
    "area",
    "date",
    "dims",
    "value",
    "flag",
    "qualifier",  # how the source states the value (models.Qualifier, or its German word: rund …)
    "period",  # the reference period as stated where it is not a day ("2023/24")
    "source",  # the observation's own source (a key of `sources`); else the indicator's
    "note",
)

FLAG_VALUES = set(choices(m.Flag))
FLAGS_WITHOUT_VALUE = {str(f) for f in m.FLAGS_WITHOUT_VALUE}
KEY_RE = re.compile(m.KEY_PATTERN)


# section -> (model, key attribute, {file field: model attribute} where they differ)
MODELS = {
    "municipality": (m.Municipality, "key", {}),
    "areas": (m.Area, "key", {"comparison": "is_comparison"}),
    "concept": (m.Concept, "key", {}),
    "editions": (m.ConceptEdition, "key", {}),
    "fields_of_action": (m.FieldOfAction, "code", {"priority": "is_priority"}),
    "strategic_goals": (m.StrategicGoal, "key", {}),
    "sources": (m.Source, "key", {}),
    "dimensions": (m.Dimension, "key", {}),
    "dimension_values": (m.DimensionValue, "key", {"total": "is_total"}),
    "indicators": (m.Indicator, "key", {}),
    "goals": (m.Goal, "key", {}),
    "measures": (m.Measure, "key", {}),
    "next_steps": (m.NextStep, "key", {}),
    "funders": (m.Funder, None, {}),
    "bodies": (m.Body, "key", {}),
    "meetings": (m.Meeting, "key", {}),
    "contact_points": (m.ContactPoint, "key", {}),
    "rules": (m.ValidationRule, None, {"min": "min_value", "max": "max_value"}),
}


def key_attribute(section: str) -> str:
    """The model attribute that identifies a record of the section by key (rules have none)."""
    key = MODELS[section][1]
    if key is None:
        raise ValueError(f"the section {section!r} has no key")
    return key


def _model_field(model, attr):
    try:
        return model._meta.get_field(attr)
    except FieldDoesNotExist:
        return None


def model_attributes(kind, opts, attr) -> tuple[str, ...]:
    """The model attributes a file field is stored in (a period: its date and its precision)."""
    return (attr, opts["precision"]) if kind == "period" else (attr,)


def _stored_fields(section):
    """(file name, kind, options, model attribute, model field) for fields stored on the model itself."""
    model, _key, renames = MODELS[section]
    for name, kind, opts in SCHEMA[section]:
        attr = renames.get(name, name)
        field = _model_field(model, attr)
        if field is not None and kind != "list":
            yield name, kind, opts, attr, field
