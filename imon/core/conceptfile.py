"""The concept file: a whole integration concept with its data, as YAML.

Three plain steps, each usable on its own:

* `validate(data)` checks a parsed file without touching the database and
  returns every problem as a `Problem` naming its path inside the file
  (`measures[3].status: 'fertig' ist kein gültiger Status.`).
* `load(data)` writes a valid file atomically, updating records by key; records
  that the database has and the file lacks are left alone.
* `dump(concept)` returns the current state in the same format, so that dump →
  load into an empty database → dump gives an identical file.

The format is documented in docs/concept-file.md.
"""

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import bulk, yamlio
from . import models as m
from .numbers import parse_date, same_value

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


# --- Schema -------------------------------------------------------------------------
#
# A field is (name, kind, options). Kinds: key, str, text, int (>= 0), percent
# (0-100), decimal, decimal+ (>= 0), date, bool, choice, ref, refs, strs,
# list (nested records). "required" marks mandatory fields; "ref" names the
# section a reference points into.


def F(name, kind="str", required=False, **options):
    return (name, kind, {"required": required, **options})


def choices(model_choices):
    return [value for value, _label in model_choices.choices]


SCHEMA: dict[str, list] = {
    "municipality": [
        F("key", "key", True),
        F("name", required=True),
        F("ags", required=True, pattern=r"^\d{8}$"),
        F("ars"),
        F("state"),
        F("website", "url"),
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
        F("note", "text"),
    ],
    "fields_of_action": [
        F("code", "key", True, pattern=r"^[A-Z][0-9]?$"),
        F("title", required=True),
        F("priority", "bool"),
        F("description", "text"),
        F("easy_language", "text"),
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
        F("target_date", "date"),
        F("indicators", "refs", ref="indicators"),
        F("strategic_goals", "refs", ref="strategic_goals"),
    ],
    "next_steps": [
        F("key", "key", True),
        F("text", "text", True),
        F("responsible"),
        F("due_date", "date"),
        F("done", "bool"),
    ],
    "measures": [
        F("key", "key", True),
        F("field_of_action", "ref", True, ref="fields_of_action"),
        F("title", required=True),
        F("description", "text"),
        F("lead_unit"),
        F("partners", "text"),
        F("programme"),
        F("start_date", "date"),
        F("end_date", "date"),
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
OBSERVATION_FIELDS = ("indicator", "area", "date", "dims", "value", "flag", "note")

FLAG_VALUES = set(choices(m.Flag))
FLAGS_WITHOUT_VALUE = {str(f) for f in m.FLAGS_WITHOUT_VALUE}
KEY_RE = m.key_validator.regex


# --- Validation ---------------------------------------------------------------------


def _type_name(value) -> str:
    return {
        str: _("text"),
        int: _("a whole number"),
        Decimal: _("a number"),
        bool: _("true/false"),
        list: _("a list"),
        dict: _("a mapping"),
        datetime.date: _("a date"),
    }.get(type(value), type(value).__name__)


class _Validator:
    def __init__(self):
        self.problems: list[Problem] = []
        self.keys: dict[str, set] = {name: set() for name in (*LIST_SECTIONS, "observations")}
        self.pending_refs: list[tuple[str, str, Any]] = []  # (path, section, key)

    def add(self, path, message):
        self.problems.append(Problem(path, message))

    # scalar checks return the cleaned value or None after recording a problem
    def check_field(self, path, kind, value, opts):
        if kind in ("str", "text", "key"):
            if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
                self.add(path, _("expected text, found %(type)s.") % {"type": _type_name(value)})
                return None
            value = str(value)
            if kind == "key" and not KEY_RE.match(value):
                self.add(
                    path,
                    _("'%(value)s' is not a valid key (letters, digits, '-', '_', '.').") % {"value": value},
                )
                return None
            if "pattern" in opts and not re.match(opts["pattern"], value):
                self.add(path, _("'%(value)s' does not have the expected form.") % {"value": value})
                return None
            if kind == "str" and "\n" in value:
                self.add(path, _("expected a single line of text."))
                return None
            return value
        if kind in ("email", "url"):
            if not isinstance(value, str):
                self.add(path, _("expected text, found %(type)s.") % {"type": _type_name(value)})
                return None
            validator = EmailValidator() if kind == "email" else URLValidator(schemes=["http", "https"])
            try:
                validator(value)
            except DjangoValidationError:
                message = (
                    _("'%(value)s' is not a valid e-mail address.")
                    if kind == "email"
                    else _("'%(value)s' is not a valid web address (http:// or https://).")
                )
                self.add(path, message % {"value": value})
                return None
            return value
        if kind in ("int", "percent"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(path, _("expected a whole number, found %(value)r.") % {"value": _show(value)})
                return None
            if value < 0:
                self.add(
                    path, _("%(value)s is negative; only numbers from 0 are allowed.") % {"value": value}
                )
                return None
            limit = 100 if kind == "percent" else opts.get("max")
            if limit is not None and value > limit:
                self.add(path, _("%(value)s is larger than %(limit)s.") % {"value": value, "limit": limit})
                return None
            return value
        if kind in ("decimal", "decimal+"):
            number = _to_decimal(value)
            if number is None:
                self.add(path, _("expected a number, found %(value)r.") % {"value": _show(value)})
                return None
            if kind == "decimal+" and number < 0:
                self.add(
                    path, _("%(value)s is negative; only numbers from 0 are allowed.") % {"value": value}
                )
                return None
            return number
        if kind == "date":
            parsed = _to_date(value)
            if parsed is None:
                self.add(
                    path,
                    _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(value)},
                )
            return parsed
        if kind == "bool":
            if not isinstance(value, bool):
                self.add(path, _("expected true or false, found %(value)r.") % {"value": _show(value)})
                return None
            return value
        if kind == "choice":
            if not isinstance(value, str) or value not in opts["choices"]:
                self.add(
                    path,
                    _("'%(value)s' is not a valid choice; allowed: %(allowed)s.")
                    % {"value": _show(value), "allowed": ", ".join(c for c in opts["choices"] if c)},
                )
                return None
            return value
        if kind == "ref":
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                self.add(path, _("expected a key, found %(type)s.") % {"type": _type_name(value)})
                return None
            self.pending_refs.append((path, opts["ref"], str(value)))
            return str(value)
        if kind in ("refs", "strs"):
            if not isinstance(value, list):
                self.add(path, _("expected a list, found %(type)s.") % {"type": _type_name(value)})
                return None
            cleaned = []
            for i, item in enumerate(value):
                item_path = f"{path}[{i}]"
                if isinstance(item, bool) or not isinstance(item, (str, int)):
                    self.add(item_path, _("expected text, found %(type)s.") % {"type": _type_name(item)})
                    continue
                if kind == "refs":
                    self.pending_refs.append((item_path, opts["ref"], str(item)))
                cleaned.append(str(item))
            if kind == "refs" and len(set(cleaned)) != len(cleaned):
                self.add(path, _("lists the same key more than once."))
            return cleaned
        raise AssertionError(kind)

    def check_record(self, path, record, section):
        if not isinstance(record, dict):
            self.add(
                path, _("expected a mapping with fields, found %(type)s.") % {"type": _type_name(record)}
            )
            return None
        spec = SCHEMA[section]
        known = {name for name, _kind, _opts in spec}
        for name in record:
            if name not in known:
                self.add(
                    f"{path}.{name}",
                    _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(sorted(known))},
                )
        cleaned = {}
        for name, kind, opts in spec:
            value = record.get(name)
            field_path = f"{path}.{name}"
            if value is None or value == "" or value == []:
                if opts["required"]:
                    self.add(field_path, _("is required."))
                continue
            if kind == "list":
                cleaned[name] = self.check_list(field_path, value, opts["of"], opts.get("key", "key"))
            else:
                result = self.check_field(field_path, kind, value, opts)
                if result is not None:
                    cleaned[name] = result
        return cleaned

    def check_list(self, path, value, section, key_field="key"):
        if not isinstance(value, list):
            self.add(path, _("expected a list, found %(type)s.") % {"type": _type_name(value)})
            return []
        seen = {}
        records = []
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            record = self.check_record(item_path, item, section)
            if record is None:
                continue
            key = record.get(key_field) if key_field else None
            if key is not None:
                if key in seen:
                    self.add(
                        f"{item_path}.{key_field}",
                        _("the key '%(key)s' appears twice (also at %(other)s).")
                        % {"key": key, "other": seen[key]},
                    )
                seen[key] = item_path
            records.append(record)
        return records


def _show(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _to_decimal(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _to_date(value):
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


def validate(data) -> tuple[dict, list[Problem]]:
    """Check a parsed concept file. Returns the cleaned data and all problems found."""
    v = _Validator()
    if not isinstance(data, dict):
        v.add("", _("The file does not contain a concept (expected a mapping at the top level)."))
        return {}, v.problems
    for name in data:
        if name not in TOP_LEVEL:
            v.add(name, _("unknown section; allowed: %(sections)s.") % {"sections": ", ".join(TOP_LEVEL)})
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        v.add(
            "format_version",
            _("version %(found)s is not supported; this program reads version %(supported)s.")
            % {"found": _show(version), "supported": FORMAT_VERSION},
        )
        return {}, v.problems
    clean: dict[str, Any] = {}
    for name in SINGLE_SECTIONS:
        if data.get(name) is None:
            v.add(name, _("is required."))
            continue
        clean[name] = v.check_record(name, data[name], name) or {}
    for name in LIST_SECTIONS:
        key_field = "code" if name == "fields_of_action" else "key"
        clean[name] = v.check_list(name, data.get(name) or [], name, key_field)
        v.keys[name] = {r[key_field] for r in clean[name] if key_field in r}
    dims = {
        d["key"]: {val["key"] for val in d.get("values", []) if "key" in val}
        for d in clean["dimensions"]
        if "key" in d
    }
    for i, d in enumerate(clean["dimensions"]):
        totals = [val for val in d.get("values", []) if val.get("total")]
        if len(totals) > 1:
            v.add(f"dimensions[{i}].values", _("only one value can be the total."))
    for path, section, key in v.pending_refs:
        if key not in v.keys[section]:
            v.add(
                path,
                _("'%(key)s' is not defined in the section '%(section)s'.")
                % {"key": key, "section": section},
            )
    _check_cross_rules(v, clean)
    clean["observations"] = _check_observations(v, data.get("observations") or [], clean, dims)
    if not v.problems:
        _check_observation_rules(v, clean)
    return clean, v.problems


def _check_observation_rules(v: _Validator, clean: dict):
    """The observations of the file must satisfy the rules the file declares (errors only)."""
    from . import rules as r

    rule_list = []
    for ind in clean["indicators"]:
        for rule in ind.get("rules", []):
            rule_list.append(
                r.Rule(
                    indicator=ind["key"],
                    kind=rule["kind"],
                    severity=rule.get("severity", "error"),
                    dimension=rule.get("dimension", ""),
                    total=rule.get("total", ""),
                    parts=tuple(rule.get("parts", ())),
                    other_indicator=rule.get("other_indicator", ""),
                    min_value=rule.get("min"),
                    max_value=rule.get("max"),
                    percent=rule.get("percent"),
                    tolerance=rule.get("tolerance", Decimal(0)),
                )
            )
    if not rule_list:
        return
    cells = {
        (ind, area, date, dim_key): r.Cell(value, flag, dims, i, "value")
        for i, (ind, area, date, dims, dim_key, value, flag, note) in enumerate(clean["observations"])
    }
    children: dict = {}
    for area in clean["areas"]:
        if area.get("parent"):
            children.setdefault(area["parent"], []).append(area["key"])
    for finding in r.check(rule_list, cells, children, today=datetime.date.max):
        if finding.severity == "error":
            v.add(f"observations[{finding.line}].value", finding.message)


def _check_cross_rules(v: _Validator, clean: dict):
    for i, mdata in enumerate(clean["measures"]):
        light = mdata.get("traffic_light")
        if light in ("yellow", "red") and not mdata.get("traffic_light_reason"):
            v.add(f"measures[{i}].traffic_light_reason", _("a yellow or red traffic light needs a reason."))
        start, end = mdata.get("start_date"), mdata.get("end_date")
        if start and end and end < start:
            v.add(f"measures[{i}].end_date", _("the end lies before the start."))
    for i, ind in enumerate(clean["indicators"]):
        if bool(ind.get("numerator")) != bool(ind.get("denominator")):
            v.add(f"indicators[{i}]", _("a derived indicator needs both numerator and denominator."))
    _check_rules(v, clean)
    parents = {a["key"]: a.get("parent") for a in clean["areas"] if "key" in a}
    for i, area in enumerate(clean["areas"]):
        seen, current = set(), area.get("key")
        while current is not None and current in parents:
            if current in seen:
                v.add(f"areas[{i}].parent", _("the areas form a cycle."))
                break
            seen.add(current)
            current = parents[current]


def _check_rules(v: _Validator, clean: dict):
    """Rules must name dimensions, values and areas that exist for their indicator."""
    values = {
        d["key"]: {x["key"] for x in d.get("values", []) if "key" in x}
        for d in clean["dimensions"]
        if "key" in d
    }
    areas = v.keys["areas"]
    for i, ind in enumerate(clean["indicators"]):
        for j, rule in enumerate(ind.get("rules", [])):
            path, kind = f"indicators[{i}].rules[{j}]", rule.get("kind")
            needed = {
                "part_sum": ("dimension", "total"),
                "product": ("dimension", "other_indicator"),
                "area_sum": ("total",),
                "jump": ("percent",),
            }
            for name in needed.get(kind, ()):
                if not rule.get(name):
                    v.add(f"{path}.{name}", _("is required for this kind of rule."))
            if kind == "range" and rule.get("min") is None and rule.get("max") is None:
                v.add(path, _("a range needs a minimum or a maximum."))
            dimension = rule.get("dimension")
            if dimension and kind in ("part_sum", "product"):
                if dimension not in ind.get("dimensions", []):
                    v.add(
                        f"{path}.dimension",
                        _("the indicator is not broken down by '%(dim)s'.") % {"dim": dimension},
                    )
                    continue
                for name in ("total",) if kind == "part_sum" else ():
                    if rule.get(name) and rule[name] not in values.get(dimension, ()):
                        v.add(
                            f"{path}.{name}",
                            _("'%(value)s' is not a value of the dimension '%(dim)s'.")
                            % {"value": rule[name], "dim": dimension},
                        )
                for k, part in enumerate(rule.get("parts", [])):
                    if part not in values.get(dimension, ()):
                        v.add(
                            f"{path}.parts[{k}]",
                            _("'%(value)s' is not a value of the dimension '%(dim)s'.")
                            % {"value": part, "dim": dimension},
                        )
            if kind == "area_sum" and rule.get("total") and rule["total"] not in areas:
                v.add(
                    f"{path}.total",
                    _("'%(key)s' is not defined in the section '%(section)s'.")
                    % {"key": rule["total"], "section": "areas"},
                )


def _check_observations(v: _Validator, rows, clean: dict, dims: dict) -> list[tuple]:
    """Observations are checked by a dedicated loop: a file may hold hundreds of thousands."""
    if not isinstance(rows, list):
        v.add("observations", _("expected a list, found %(type)s.") % {"type": _type_name(rows)})
        return []
    indicators = {ind["key"]: ind for ind in clean["indicators"] if "key" in ind}
    indicator_dims = {key: set(ind.get("dimensions", [])) for key, ind in indicators.items()}
    areas = v.keys["areas"]
    allowed = set(OBSERVATION_FIELDS)
    seen = {}
    result = []
    add = v.add
    for i, row in enumerate(rows):
        path = f"observations[{i}]"
        if not isinstance(row, dict):
            add(path, _("expected a mapping with fields, found %(type)s.") % {"type": _type_name(row)})
            continue
        if not allowed.issuperset(row):
            for name in row:
                if name not in allowed:
                    add(
                        f"{path}.{name}",
                        _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(OBSERVATION_FIELDS)},
                    )
        ok = True
        indicator = row.get("indicator")
        if indicator is None:
            add(f"{path}.indicator", _("is required."))
            ok = False
        elif str(indicator) not in indicators:
            add(
                f"{path}.indicator",
                _("'%(key)s' is not defined in the section '%(section)s'.")
                % {"key": indicator, "section": "indicators"},
            )
            ok = False
        area = row.get("area")
        if area is None:
            add(f"{path}.area", _("is required."))
            ok = False
        elif str(area) not in areas:
            add(
                f"{path}.area",
                _("'%(key)s' is not defined in the section '%(section)s'.")
                % {"key": area, "section": "areas"},
            )
            ok = False
        date = row.get("date")
        parsed_date = _to_date(date) if date is not None else None
        if parsed_date is None:
            if date is None:
                add(f"{path}.date", _("is required."))
            else:
                add(
                    f"{path}.date",
                    _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(date)},
                )
            ok = False
        obs_dims = row.get("dims") or {}
        if not isinstance(obs_dims, dict):
            add(f"{path}.dims", _("expected a mapping, found %(type)s.") % {"type": _type_name(obs_dims)})
            ok = False
            obs_dims = {}
        obs_dims = {str(k): str(val) for k, val in obs_dims.items()}
        if ok:
            expected = indicator_dims[str(indicator)]
            if set(obs_dims) != expected:
                add(
                    f"{path}.dims",
                    _("the indicator '%(indicator)s' is broken down by: %(expected)s; given: %(given)s.")
                    % {
                        "indicator": indicator,
                        "expected": ", ".join(sorted(expected)) or "–",
                        "given": ", ".join(sorted(obs_dims)) or "–",
                    },
                )
                ok = False
            else:
                for dim, val in obs_dims.items():
                    if val not in dims.get(dim, ()):
                        add(
                            f"{path}.dims.{dim}",
                            _("'%(value)s' is not a value of the dimension '%(dim)s'.")
                            % {"value": val, "dim": dim},
                        )
                        ok = False
        flag = row.get("flag") or ""
        if flag not in FLAG_VALUES:
            add(
                f"{path}.flag",
                _("'%(value)s' is not an official symbol; allowed: %(allowed)s.")
                % {"value": flag, "allowed": " ".join(sorted(f for f in FLAG_VALUES if f))},
            )
            ok = False
        raw = row.get("value")
        value = None
        if raw is not None:
            value = _to_decimal(raw)
            if value is None:
                add(f"{path}.value", _("expected a number, found %(value)r.") % {"value": _show(raw)})
                ok = False
        if ok:
            if flag in FLAGS_WITHOUT_VALUE and value is not None:
                add(
                    f"{path}.value",
                    _("the symbol '%(flag)s' stands for a missing value; leave the value empty.")
                    % {"flag": flag},
                )
                ok = False
            elif flag not in FLAGS_WITHOUT_VALUE and value is None:
                add(f"{path}.value", _("a value or a symbol for a missing value is required."))
                ok = False
            elif value is not None:
                kind = indicators[str(indicator)].get("kind", "count")
                if kind == "count" and value < 0:
                    add(
                        f"{path}.value",
                        _("%(value)s is negative; a count cannot be negative.") % {"value": raw},
                    )
                    ok = False
                elif kind == "share" and not (0 <= value <= 100):
                    add(
                        f"{path}.value",
                        _("%(value)s lies outside 0–100; a share is given in per cent.") % {"value": raw},
                    )
                    ok = False
        note = row.get("note") or ""
        if not isinstance(note, str):
            add(f"{path}.note", _("expected text, found %(type)s.") % {"type": _type_name(note)})
            ok = False
        if not ok:
            continue
        dim_key = m.dimension_key(obs_dims)
        ident = (str(indicator), str(area), parsed_date, dim_key)
        if ident in seen:
            add(path, _("the same observation appears twice (also at %(other)s).") % {"other": seen[ident]})
            continue
        seen[ident] = path
        result.append((str(indicator), str(area), parsed_date, obs_dims, dim_key, value, flag, note))
    return result


def read(source) -> dict:
    """Parse YAML text, bytes or a binary file; a syntax error becomes a ConceptFileError."""
    import yaml

    try:
        if hasattr(source, "read"):
            source = source.read()
        if isinstance(source, bytes):
            source = source.decode("utf-8")
        return yamlio.load_document(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = (
            _("line %(line)s, column %(column)s") % {"line": mark.line + 1, "column": mark.column + 1}
            if mark
            else ""
        )
        raise ConceptFileError(
            [Problem(where, _("the file is not valid YAML: %(problem)s") % {"problem": exc.problem})]
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise ConceptFileError(
            [Problem("", _("the file cannot be read as YAML text: %(error)s") % {"error": exc})]
        ) from exc


# --- Loading ------------------------------------------------------------------------


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % self.__dict__


# section -> (model, key attribute, {file field: model attribute} where they differ)
MODELS = {
    "municipality": (m.Municipality, "key", {}),
    "areas": (m.Area, "key", {"comparison": "is_comparison"}),
    "concept": (m.Concept, "key", {}),
    "fields_of_action": (m.FieldOfAction, "code", {"priority": "is_priority"}),
    "strategic_goals": (m.StrategicGoal, "key", {}),
    "sources": (m.Source, "key", {}),
    "dimensions": (m.Dimension, "key", {}),
    "dimension_values": (m.DimensionValue, "key", {"total": "is_total"}),
    "indicators": (m.Indicator, "key", {}),
    "goals": (m.Goal, "key", {}),
    "measures": (m.Measure, "key", {}),
    "next_steps": (m.NextStep, "key", {}),
    "bodies": (m.Body, "key", {}),
    "meetings": (m.Meeting, "key", {}),
    "contact_points": (m.ContactPoint, "key", {}),
    "rules": (m.ValidationRule, None, {"min": "min_value", "max": "max_value"}),
}


def _model_field(model, attr):
    try:
        return model._meta.get_field(attr)
    except FieldDoesNotExist:
        return None


def _stored_fields(section):
    """(file name, kind, options, model attribute, model field) for fields stored on the model itself."""
    model, _key, renames = MODELS[section]
    for name, kind, opts in SCHEMA[section]:
        attr = renames.get(name, name)
        field = _model_field(model, attr)
        if field is not None and kind != "list":
            yield name, kind, opts, attr, field


def load(clean: dict) -> LoadStats:
    """Write validated concept data atomically; returns what changed."""
    with transaction.atomic():
        return _Loader().run(clean)


class _Loader:
    def __init__(self):
        self.stats = LoadStats()
        self.registry: dict[str, dict] = {}  # section -> {key: object}

    def run(self, c: dict) -> LoadStats:
        municipality = self.upsert_all("municipality", [c["municipality"]], m.Municipality.objects.all())
        municipality = municipality[c["municipality"]["key"]]
        self.upsert_all("areas", c["areas"], m.Area.objects.all())
        concept = self.upsert_all(
            "concept", [c["concept"]], m.Concept.objects.all(), {"municipality": municipality}
        )
        concept = concept[c["concept"]["key"]]
        self.upsert_all(
            "fields_of_action", c["fields_of_action"], concept.fields_of_action.all(), {"concept": concept}
        )
        self.upsert_all(
            "strategic_goals",
            c["strategic_goals"],
            m.StrategicGoal.objects.all(),
            {"municipality": municipality},
        )
        self.upsert_all("sources", c["sources"], m.Source.objects.all())
        dimensions = self.upsert_all("dimensions", c["dimensions"], m.Dimension.objects.all())
        for i, d in enumerate(c["dimensions"]):
            dim = dimensions[d["key"]]
            self.upsert_all(
                "dimension_values",
                d["values"],
                dim.values.all(),
                {"dimension": dim},
                f"dimensions[{i}].values",
            )
        self.upsert_all("indicators", c["indicators"], m.Indicator.objects.all())
        indicators = self.registry["indicators"]
        for ind in c["indicators"]:
            self.replace_rules(indicators[ind["key"]], ind.get("rules", []))
        self.upsert_all("goals", c["goals"], m.Goal.objects.all())
        measures = self.upsert_all("measures", c["measures"], m.Measure.objects.all())
        for i, md in enumerate(c["measures"]):
            measure = measures[md["key"]]
            steps = md.get("next_steps", [])
            self.upsert_all(
                "next_steps",
                steps,
                measure.next_steps.all(),
                {"measure": measure},
                f"measures[{i}].next_steps",
            )
        self.upsert_all("bodies", c["bodies"], m.Body.objects.all())
        meetings = self.upsert_all("meetings", c["meetings"], m.Meeting.objects.all())
        for mt in c["meetings"]:
            meeting, wanted = meetings[mt["key"]], mt.get("outcomes", [])
            if list(meeting.decisions.values_list("text", flat=True)) != wanted:
                meeting.decisions.all().delete()
                m.Decision.objects.bulk_create(
                    m.Decision(meeting=meeting, text=t, order=i) for i, t in enumerate(wanted)
                )
        self.upsert_all("contact_points", c["contact_points"], m.ContactPoint.objects.all())
        self._load_observations(c["observations"], self.registry["indicators"], self.registry["areas"])
        return self.stats

    def upsert_all(self, section, records, queryset, extra=None, path=None) -> dict:
        """Create or update the records of one section by key; returns {key: object}.

        References within the same section (an area's parent, an indicator's
        numerator) may point forward in the file, so they are set in a second pass."""
        model, key_attr, _renames = MODELS[section]
        existing = {getattr(o, key_attr): o for o in queryset}
        has_order = _model_field(model, "order") is not None
        single = section in SINGLE_SECTIONS
        second_pass = []
        for i, record in enumerate(records):
            values, m2m, self_refs = self.values_for(section, record)
            values.update(extra or {})
            if has_order:
                values["order"] = i
            item_path = section if single else f"{path or section}[{i}]"
            obj, state = self.save(existing, record[key_attr], model, values, m2m, item_path)
            second_pass.append((obj, state, self_refs))
        for obj, state, self_refs in second_pass:
            changed = []
            for attr, key in self_refs.items():
                target = existing.get(key)
                if getattr(obj, f"{attr}_id") != (target.pk if target else None):
                    setattr(obj, attr, target)
                    changed.append(attr)
            if changed:
                obj.save(update_fields=changed)
                if state == "unchanged":
                    self.stats.unchanged -= 1
                    self.stats.updated += 1
        if not path:
            self.registry[section] = existing
        return existing

    def replace_rules(self, indicator, wanted: list):
        """Rules have no key: when the list differs, it is replaced as a whole."""
        current = [_record("rules", r) for r in indicator.rules.select_related("other_indicator")]
        wanted_records = []
        for order, record in enumerate(wanted):
            values, _m2m, _self_refs = self.values_for("rules", record)
            wanted_records.append((order, values))
        if current == [_normalise_rule(r) for r in wanted]:
            return
        indicator.rules.all().delete()
        for order, values in wanted_records:
            rule = m.ValidationRule(indicator=indicator, order=order, **values)
            rule.full_clean(exclude=["indicator"])
            rule.save()
        if current:
            self.stats.updated += 1
        else:
            self.stats.created += len(wanted_records)

    def values_for(self, section, record):
        values, m2m, self_refs = {}, {}, {}
        for name, kind, opts, attr, field in _stored_fields(section):
            value = record.get(name)
            if kind == "ref":
                if opts["ref"] == section:
                    self_refs[attr] = value
                else:
                    values[attr] = self.registry[opts["ref"]][value] if value is not None else None
            elif kind == "refs":
                m2m[attr] = [self.registry[opts["ref"]][key] for key in value or []]
            else:
                values[attr] = field.get_default() if value is None else value
        return values, m2m, self_refs

    def save(self, existing, key, model, values, m2m, path):
        """Create or update one record; returns (object, "created"|"updated"|"unchanged").

        A value the model refuses (e.g. text longer than the field allows)
        becomes a ConceptFileError naming the path in the file."""
        obj = existing.get(key)
        created = obj is None
        if created:
            obj = model(**values)
            changed_fields = None
        else:
            changed_fields = [
                name for name, value in values.items() if not same_value(getattr(obj, name), value)
            ]
            for name in changed_fields:
                setattr(obj, name, values[name])
        if created or changed_fields:
            try:
                obj.full_clean(validate_unique=False, validate_constraints=False)
            except DjangoValidationError as exc:
                raise ConceptFileError(
                    [
                        Problem(path if field == "__all__" else f"{path}.{field}", " ".join(messages))
                        for field, messages in exc.message_dict.items()
                    ]
                ) from None
            try:
                obj.save(update_fields=changed_fields)
            except IntegrityError:  # e.g. a second municipality with the AGS of the stored one
                raise ConceptFileError(
                    [
                        Problem(
                            path,
                            _(
                                "conflicts with a stored record: a value that must be unique (such as a key or the AGS) is taken already."
                            ),
                        )
                    ]
                ) from None
            existing[key] = obj
        changed = created or bool(changed_fields)
        for attr, targets in m2m.items():
            manager = getattr(obj, attr)
            wanted = {t.pk for t in targets}
            if created or set(manager.values_list("pk", flat=True)) != wanted:
                manager.set(wanted)
                changed = True
        state = "created" if created else "updated" if changed else "unchanged"
        setattr(self.stats, state, getattr(self.stats, state) + 1)
        return obj, state

    def _load_observations(self, rows, indicators, areas):
        if not rows:
            return
        indicator_ids = {key: obj.pk for key, obj in indicators.items()}
        area_ids = {key: obj.pk for key, obj in areas.items()}
        wanted_indicators = {indicator_ids[r[0]] for r in rows}
        existing = {}
        for pk, ind_id, area_id, date, dim_key, value, flag, note in (
            m.Observation.objects.filter(indicator_id__in=wanted_indicators)
            .values_list(
                "pk", "indicator_id", "area_id", "reference_date", "dim_key", "value", "flag", "note"
            )
            .iterator(chunk_size=5000)
        ):
            existing[(ind_id, area_id, date, dim_key)] = (pk, value, flag, note)
        new, changed = [], []
        for indicator, area, date, dims, dim_key, value, flag, note in rows:
            ident = (indicator_ids[indicator], area_ids[area], date, dim_key)
            old = existing.get(ident)
            if old is None:
                new.append((*ident[:3], dims, dim_key, value, flag, note))
            elif not same_value(old[1], value) or old[2] != flag or old[3] != note:
                changed.append(m.Observation(pk=old[0], value=value, flag=flag, note=note))
            else:
                self.stats.unchanged += 1
        bulk.insert_observations(new, expected=len(new))
        m.Observation.objects.bulk_update(changed, ["value", "flag", "note"], batch_size=1000)
        self.stats.created += len(new)
        self.stats.updated += len(changed)


def _normalise_rule(record: dict) -> dict:
    """A rule from a file in the form `_record` gives for a stored one."""
    defaults = {"severity": "error", "tolerance": Decimal(0)}
    out = {}
    for name, kind, _opts in SCHEMA["rules"]:
        value = record.get(name)
        if value is None or value == "" or value == [] or defaults.get(name) == value:
            continue
        out[name] = Decimal(value) if kind.startswith("decimal") else value
    return out


def load_text(stream) -> LoadStats:
    """Parse, validate and load; raises ConceptFileError with every problem, writing nothing."""
    data = read(stream)
    clean, problems = validate(data)
    if problems:
        raise ConceptFileError(problems)
    return load(clean)


# --- Dumping ------------------------------------------------------------------------


def _record(section, obj) -> dict:
    """One record in file form; empty values and values equal to their default are left out."""
    out = {}
    for name, kind, opts, attr, field in _stored_fields(section):
        if kind == "ref":
            target = getattr(obj, attr)
            value = getattr(target, MODELS[opts["ref"]][1]) if target else None
        elif kind == "refs":
            ref_key = MODELS[opts["ref"]][1]
            value = [getattr(t, ref_key) for t in getattr(obj, attr).all()]
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
    data["fields_of_action"] = _records("fields_of_action", concept.fields_of_action.all())
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
        .select_related("field_of_action")
        .order_by("order", "key"),
    )
    data["measures"] = []
    measures = m.Measure.objects.filter(field_of_action__concept=concept).select_related("field_of_action")
    for measure in measures.prefetch_related("next_steps", *_prefetch("measures")).order_by("order", "key"):
        record = _record("measures", measure)
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


def _dump_observations():
    rows = (
        m.Observation.objects.order_by(
            "indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key"
        )
        .values_list("indicator__key", "area__key", "reference_date", "dim_key", "value", "flag", "note")
        .iterator(chunk_size=5000)
    )
    for indicator, area, date, dim_key, value, flag, note in rows:
        row = {"indicator": indicator, "area": area, "date": date}
        if dim_key:
            row["dims"] = m.parse_dimension_key(dim_key)
        row["value"] = value.normalize() if value is not None else None
        if flag:
            row["flag"] = flag
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
