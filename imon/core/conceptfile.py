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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from . import models as m
from . import yamlio

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
        F("website"),
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
        F("url"),
        F("licence"),
        F("retrieved_on", "date"),
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
        F("email"),
        F("website"),
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
                self.add(path, _("'%(value)s' is not a valid key (letters, digits, '-', '_', '.').") % {"value": value})
                return None
            if "pattern" in opts:
                import re

                if not re.match(opts["pattern"], value):
                    self.add(path, _("'%(value)s' does not have the expected form.") % {"value": value})
                    return None
            if kind == "str" and "\n" in value:
                self.add(path, _("expected a single line of text."))
                return None
            return value
        if kind in ("int", "percent"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(path, _("expected a whole number, found %(value)r.") % {"value": _show(value)})
                return None
            if value < 0:
                self.add(path, _("%(value)s is negative; only numbers from 0 are allowed.") % {"value": value})
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
                self.add(path, _("%(value)s is negative; only numbers from 0 are allowed.") % {"value": value})
                return None
            return number
        if kind == "date":
            parsed = _to_date(value)
            if parsed is None:
                self.add(path, _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(value)})
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
            self.add(path, _("expected a mapping with fields, found %(type)s.") % {"type": _type_name(record)})
            return None
        spec = SCHEMA[section]
        known = {name for name, _kind, _opts in spec}
        for name in record:
            if name not in known:
                self.add(f"{path}.{name}", _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(sorted(known))})
        cleaned = {}
        for name, kind, opts in spec:
            value = record.get(name)
            field_path = f"{path}.{name}"
            if value is None or value == "" or value == []:
                if opts["required"]:
                    self.add(field_path, _("is required."))
                continue
            if kind == "list":
                cleaned[name] = self.check_list(field_path, value, opts["of"])
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
            key = record.get(key_field)
            if key is not None:
                if key in seen:
                    self.add(
                        f"{item_path}.{key_field}",
                        _("the key '%(key)s' appears twice (also at %(other)s).") % {"key": key, "other": seen[key]},
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
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return datetime.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                pass
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
    dims = {d["key"]: {val["key"] for val in d.get("values", []) if "key" in val} for d in clean["dimensions"] if "key" in d}
    for i, d in enumerate(clean["dimensions"]):
        totals = [val for val in d.get("values", []) if val.get("total")]
        if len(totals) > 1:
            v.add(f"dimensions[{i}].values", _("only one value can be the total."))
    for path, section, key in v.pending_refs:
        if key not in v.keys[section]:
            v.add(path, _("'%(key)s' is not defined in the section '%(section)s'.") % {"key": key, "section": section})
    _check_cross_rules(v, clean)
    clean["observations"] = _check_observations(v, data.get("observations") or [], clean, dims)
    return clean, v.problems


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
    parents = {a["key"]: a.get("parent") for a in clean["areas"] if "key" in a}
    for i, area in enumerate(clean["areas"]):
        seen, current = set(), area.get("key")
        while current is not None and current in parents:
            if current in seen:
                v.add(f"areas[{i}].parent", _("the areas form a cycle."))
                break
            seen.add(current)
            current = parents[current]


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
                    add(f"{path}.{name}", _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(OBSERVATION_FIELDS)})
        ok = True
        indicator = row.get("indicator")
        if indicator is None:
            add(f"{path}.indicator", _("is required."))
            ok = False
        elif str(indicator) not in indicators:
            add(f"{path}.indicator", _("'%(key)s' is not defined in the section '%(section)s'.") % {"key": indicator, "section": "indicators"})
            ok = False
        area = row.get("area")
        if area is None:
            add(f"{path}.area", _("is required."))
            ok = False
        elif str(area) not in areas:
            add(f"{path}.area", _("'%(key)s' is not defined in the section '%(section)s'.") % {"key": area, "section": "areas"})
            ok = False
        date = row.get("date")
        parsed_date = _to_date(date) if date is not None else None
        if parsed_date is None:
            if date is None:
                add(f"{path}.date", _("is required."))
            else:
                add(f"{path}.date", _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(date)})
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
                        add(f"{path}.dims.{dim}", _("'%(value)s' is not a value of the dimension '%(dim)s'.") % {"value": val, "dim": dim})
                        ok = False
        flag = row.get("flag") or ""
        if flag not in FLAG_VALUES:
            add(f"{path}.flag", _("'%(value)s' is not an official symbol; allowed: %(allowed)s.") % {"value": flag, "allowed": " ".join(sorted(f for f in FLAG_VALUES if f))})
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
                add(f"{path}.value", _("the symbol '%(flag)s' stands for a missing value; leave the value empty.") % {"flag": flag})
                ok = False
            elif flag not in FLAGS_WITHOUT_VALUE and value is None:
                add(f"{path}.value", _("a value or a symbol for a missing value is required."))
                ok = False
            elif value is not None:
                kind = indicators[str(indicator)].get("kind", "count")
                if kind == "count" and value < 0:
                    add(f"{path}.value", _("%(value)s is negative; a count cannot be negative.") % {"value": raw})
                    ok = False
                elif kind == "share" and not (0 <= value <= 100):
                    add(f"{path}.value", _("%(value)s lies outside 0–100; a share is given in per cent.") % {"value": raw})
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


def read(stream) -> dict:
    """Parse YAML text or a file object; a syntax error becomes a ConceptFileError."""
    import yaml

    try:
        return yamlio.load(stream)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = _("line %(line)s, column %(column)s") % {"line": mark.line + 1, "column": mark.column + 1} if mark else ""
        raise ConceptFileError([Problem(where, _("the file is not valid YAML: %(problem)s") % {"problem": exc.problem})]) from exc
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise ConceptFileError([Problem("", _("the file cannot be read as YAML text: %(error)s") % {"error": exc})]) from exc


# --- Loading ------------------------------------------------------------------------


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self):
        return _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % self.__dict__


def _text(data, name):
    return data.get(name, "")


def load(clean: dict) -> LoadStats:
    """Write validated concept data atomically; returns what changed."""
    with transaction.atomic():
        return _Loader(clean).run()


class _Loader:
    def __init__(self, clean):
        self.clean = clean
        self.stats = LoadStats()

    def save(self, existing, key, model, values, m2m=None):
        """Create or update one record by key; returns the object."""
        obj = existing.get(key)
        created = obj is None
        if created:
            obj = model(**values)
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            existing[key] = obj
            changed = True
        else:
            changed_fields = [name for name, value in values.items() if _differs(getattr(obj, name), value)]
            for name in changed_fields:
                setattr(obj, name, values[name])
            if changed_fields:
                obj.full_clean(validate_unique=False, validate_constraints=False)
                obj.save(update_fields=changed_fields)
            changed = bool(changed_fields)
        for name, targets in (m2m or {}).items():
            manager = getattr(obj, name)
            wanted = [t.pk for t in targets]
            current = [] if created else list(manager.values_list("pk", flat=True))
            if set(current) != set(wanted):
                manager.set(wanted)
                changed = True
        if created:
            self.stats.created += 1
        elif changed:
            self.stats.updated += 1
        else:
            self.stats.unchanged += 1
        return obj

    def run(self) -> LoadStats:
        c = self.clean
        mun = c["municipality"]
        existing_mun = {o.key: o for o in m.Municipality.objects.filter(key=mun["key"])}
        municipality = self.save(
            existing_mun,
            mun["key"],
            m.Municipality,
            {
                "key": mun["key"],
                "name": mun["name"],
                "ags": mun["ags"],
                "ars": _text(mun, "ars"),
                "state": _text(mun, "state"),
                "website": _text(mun, "website"),
                "note": _text(mun, "note"),
            },
        )

        areas = {o.key: o for o in m.Area.objects.all()}
        for order, a in enumerate(c["areas"]):
            self.save(
                areas,
                a["key"],
                m.Area,
                {
                    "key": a["key"],
                    "name": a["name"],
                    "kind": a["kind"],
                    "code": _text(a, "code"),
                    "is_comparison": a.get("comparison", False),
                    "order": order,
                    "note": _text(a, "note"),
                    "parent": areas.get(a.get("parent")) if a.get("parent") in areas else None,
                },
            )
        # Parents may come after their children in the file: set them in a second pass.
        for a in c["areas"]:
            area, parent = areas[a["key"]], areas.get(a.get("parent"))
            if area.parent_id != (parent.pk if parent else None):
                area.parent = parent
                area.save(update_fields=["parent"])

        con = c["concept"]
        concepts = {o.key: o for o in m.Concept.objects.filter(key=con["key"])}
        concept = self.save(
            concepts,
            con["key"],
            m.Concept,
            {
                "key": con["key"],
                "municipality": municipality,
                "title": con["title"],
                "status": con.get("status", m.Concept.Status.DRAFT),
                "resolution_date": con.get("resolution_date"),
                "resolution_reference": _text(con, "resolution_reference"),
                "valid_from": con.get("valid_from"),
                "valid_until": con.get("valid_until"),
                "summary": _text(con, "summary"),
                "note": _text(con, "note"),
            },
        )

        fields = {o.code: o for o in m.FieldOfAction.objects.filter(concept=concept)}
        for order, f in enumerate(c["fields_of_action"]):
            self.save(
                fields,
                f["code"],
                m.FieldOfAction,
                {
                    "concept": concept,
                    "code": f["code"],
                    "title": f["title"],
                    "is_priority": f.get("priority", False),
                    "order": order,
                    "description": _text(f, "description"),
                    "easy_language": _text(f, "easy_language"),
                },
            )

        def pick(registry, keys):
            return [registry[k] for k in keys]

        strategic = {o.key: o for o in m.StrategicGoal.objects.all()}
        for s in c["strategic_goals"]:
            self.save(
                strategic,
                s["key"],
                m.StrategicGoal,
                {"key": s["key"], "municipality": municipality, "title": s["title"], "description": _text(s, "description")},
                {"fields_of_action": pick(fields, s.get("fields_of_action", []))},
            )

        sources = {o.key: o for o in m.Source.objects.all()}
        for s in c["sources"]:
            self.save(
                sources,
                s["key"],
                m.Source,
                {
                    "key": s["key"],
                    "publisher": s["publisher"],
                    "title": s["title"],
                    "table_code": _text(s, "table_code"),
                    "url": _text(s, "url"),
                    "licence": _text(s, "licence"),
                    "retrieved_on": s.get("retrieved_on"),
                    "note": _text(s, "note"),
                },
            )

        dimensions = {o.key: o for o in m.Dimension.objects.all()}
        for d in c["dimensions"]:
            dim = self.save(dimensions, d["key"], m.Dimension, {"key": d["key"], "label": d["label"]})
            values = {o.key: o for o in dim.values.all()}
            for order, val in enumerate(d["values"]):
                self.save(
                    values,
                    val["key"],
                    m.DimensionValue,
                    {
                        "dimension": dim,
                        "key": val["key"],
                        "label": val["label"],
                        "is_total": val.get("total", False),
                        "order": order,
                    },
                )

        indicators = {o.key: o for o in m.Indicator.objects.all()}
        # First pass without numerator/denominator, which may point to later indicators.
        for order, ind in enumerate(c["indicators"]):
            values = {
                "key": ind["key"],
                "title": ind["title"],
                "short_title": _text(ind, "short_title"),
                "definition": _text(ind, "definition"),
                "unit": ind["unit"],
                "kind": ind.get("kind", m.Indicator.Kind.COUNT),
                "decimals": ind.get("decimals", 0),
                "population_concept": ind.get("population_concept", ""),
                "source": sources.get(ind.get("source")),
                "rhythm_months": ind.get("rhythm_months"),
                "order": order,
                "note": _text(ind, "note"),
            }
            if ind["key"] not in indicators:
                values["numerator"] = values["denominator"] = None
            self.save(
                indicators,
                ind["key"],
                m.Indicator,
                values,
                {
                    "fields_of_action": pick(fields, ind.get("fields_of_action", [])),
                    "dimensions": pick(dimensions, ind.get("dimensions", [])),
                },
            )
        for ind in c["indicators"]:
            obj = indicators[ind["key"]]
            num, den = indicators.get(ind.get("numerator")), indicators.get(ind.get("denominator"))
            if (obj.numerator_id, obj.denominator_id) != (num and num.pk, den and den.pk):
                obj.numerator, obj.denominator = num, den
                obj.save(update_fields=["numerator", "denominator"])

        goals = {o.key: o for o in m.Goal.objects.all()}
        for order, g in enumerate(c["goals"]):
            self.save(
                goals,
                g["key"],
                m.Goal,
                {
                    "key": g["key"],
                    "field_of_action": fields[g["field_of_action"]],
                    "title": g["title"],
                    "description": _text(g, "description"),
                    "target_value": g.get("target_value"),
                    "target_date": g.get("target_date"),
                    "order": order,
                },
                {
                    "indicators": pick(indicators, g.get("indicators", [])),
                    "strategic_goals": pick(strategic, g.get("strategic_goals", [])),
                },
            )

        measures = {o.key: o for o in m.Measure.objects.all()}
        steps_by_measure: dict[int, dict] = {}
        for step in m.NextStep.objects.filter(measure__in=list(measures.values())):
            steps_by_measure.setdefault(step.measure_id, {})[step.key] = step
        for order, md in enumerate(c["measures"]):
            measure = self.save(
                measures,
                md["key"],
                m.Measure,
                {
                    "key": md["key"],
                    "field_of_action": fields[md["field_of_action"]],
                    "title": md["title"],
                    "description": _text(md, "description"),
                    "lead_unit": _text(md, "lead_unit"),
                    "partners": _text(md, "partners"),
                    "programme": _text(md, "programme"),
                    "start_date": md.get("start_date"),
                    "end_date": md.get("end_date"),
                    "status": md.get("status", m.Measure.Status.UNKNOWN),
                    "progress": md.get("progress"),
                    "traffic_light": md.get("traffic_light", ""),
                    "traffic_light_reason": _text(md, "traffic_light_reason"),
                    "results": _text(md, "results"),
                    "obstacles": _text(md, "obstacles"),
                    "participants": md.get("participants"),
                    "staff": md.get("staff"),
                    "hours": md.get("hours"),
                    "cost": md.get("cost"),
                    "funding": md.get("funding"),
                    "effect": _text(md, "effect"),
                    "order": order,
                    "note": _text(md, "note"),
                },
                {
                    "goals": pick(goals, md.get("goals", [])),
                    "strategic_goals": pick(strategic, md.get("strategic_goals", [])),
                    "indicators": pick(indicators, md.get("indicators", [])),
                },
            )
            steps = steps_by_measure.setdefault(measure.pk, {})
            for step_order, s in enumerate(md.get("next_steps", [])):
                self.save(
                    steps,
                    s["key"],
                    m.NextStep,
                    {
                        "measure": measure,
                        "key": s["key"],
                        "text": s["text"],
                        "responsible": _text(s, "responsible"),
                        "due_date": s.get("due_date"),
                        "done": s.get("done", False),
                        "order": step_order,
                    },
                )

        bodies = {o.key: o for o in m.Body.objects.all()}
        for order, b in enumerate(c["bodies"]):
            self.save(
                bodies,
                b["key"],
                m.Body,
                {
                    "key": b["key"],
                    "name": b["name"],
                    "kind": b["kind"],
                    "role": _text(b, "role"),
                    "rhythm": _text(b, "rhythm"),
                    "members": _text(b, "members"),
                    "order": order,
                },
            )

        meetings = {o.key: o for o in m.Meeting.objects.all()}
        for mt in c["meetings"]:
            meeting = self.save(
                meetings,
                mt["key"],
                m.Meeting,
                {
                    "key": mt["key"],
                    "body": bodies[mt["body"]],
                    "date": mt["date"],
                    "title": mt["title"],
                    "kind": mt.get("kind", m.Meeting.Kind.MEETING),
                    "note": _text(mt, "note"),
                },
                {"other_bodies": pick(bodies, mt.get("other_bodies", []))},
            )
            wanted = mt.get("outcomes", [])
            if list(meeting.decisions.values_list("text", flat=True)) != wanted:
                meeting.decisions.all().delete()
                m.Decision.objects.bulk_create(
                    m.Decision(meeting=meeting, text=text, order=i) for i, text in enumerate(wanted)
                )

        contacts = {o.key: o for o in m.ContactPoint.objects.all()}
        for cp in c["contact_points"]:
            self.save(
                contacts,
                cp["key"],
                m.ContactPoint,
                {
                    "key": cp["key"],
                    "name": cp["name"],
                    "organisation": _text(cp, "organisation"),
                    "description": _text(cp, "description"),
                    "street": _text(cp, "street"),
                    "postcode": _text(cp, "postcode"),
                    "city": _text(cp, "city"),
                    "area": areas.get(cp.get("area")),
                    "phone": _text(cp, "phone"),
                    "email": _text(cp, "email"),
                    "website": _text(cp, "website"),
                    "opening_hours": _text(cp, "opening_hours"),
                    "languages": cp.get("languages", []),
                    "barrier_free": cp.get("barrier_free", ""),
                    "published": cp.get("published", True),
                    "sources": _text(cp, "sources"),
                    "note": _text(cp, "note"),
                },
                {"fields_of_action": pick(fields, cp.get("fields_of_action", []))},
            )

        self._load_observations(c["observations"], indicators, areas)
        return self.stats

    def _load_observations(self, rows, indicators, areas):
        if not rows:
            return
        indicator_ids = {key: obj.pk for key, obj in indicators.items()}
        area_ids = {key: obj.pk for key, obj in areas.items()}
        wanted_indicators = {indicator_ids[r[0]] for r in rows}
        existing = {}
        for pk, ind_id, area_id, date, dim_key, value, flag, note in m.Observation.objects.filter(
            indicator_id__in=wanted_indicators
        ).values_list("pk", "indicator_id", "area_id", "reference_date", "dim_key", "value", "flag", "note").iterator(
            chunk_size=5000
        ):
            existing[(ind_id, area_id, date, dim_key)] = (pk, value, flag, note)
        new, changed = [], []
        for indicator, area, date, dims, dim_key, value, flag, note in rows:
            ident = (indicator_ids[indicator], area_ids[area], date, dim_key)
            old = existing.get(ident)
            if old is None:
                new.append(
                    m.Observation(
                        indicator_id=ident[0],
                        area_id=ident[1],
                        reference_date=date,
                        dims=dims,
                        dim_key=dim_key,
                        value=value,
                        flag=flag,
                        note=note,
                    )
                )
            elif _differs(old[1], value) or old[2] != flag or old[3] != note:
                changed.append(m.Observation(pk=old[0], value=value, flag=flag, note=note))
            else:
                self.stats.unchanged += 1
        m.Observation.objects.bulk_create(new, batch_size=2000)
        m.Observation.objects.bulk_update(changed, ["value", "flag", "note"], batch_size=1000)
        self.stats.created += len(new)
        self.stats.updated += len(changed)


def _differs(old, new) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is not new
        return Decimal(old) != Decimal(new)
    return old != new


def load_text(stream) -> LoadStats:
    """Parse, validate and load; raises ConceptFileError with every problem, writing nothing."""
    data = read(stream)
    clean, problems = validate(data)
    if problems:
        raise ConceptFileError(problems)
    return load(clean)


# --- Dumping ------------------------------------------------------------------------


def _compact(record: dict) -> dict:
    """Drop empty optional values (None, "", []) so the file stays readable.

    Callers pass None for a value that equals its default (e.g. a false flag)."""
    return {k: v for k, v in record.items() if v is not None and v != "" and v != []}


def dump(concept: m.Concept) -> dict:
    """The concept and all data of the installation, in file order."""
    mun = concept.municipality
    fields = list(concept.fields_of_action.order_by("order", "code"))
    keys = lambda qs, attr="key": [getattr(o, attr) for o in qs]  # noqa: E731
    data: dict[str, Any] = {"format_version": FORMAT_VERSION}
    data["municipality"] = _compact(
        {
            "key": mun.key,
            "name": mun.name,
            "ags": mun.ags,
            "ars": mun.ars,
            "state": mun.state,
            "website": mun.website,
            "note": mun.note,
        }
    )
    data["areas"] = [
        _compact(
            {
                "key": a.key,
                "name": a.name,
                "kind": a.kind,
                "code": a.code,
                "parent": a.parent.key if a.parent else None,
                "comparison": a.is_comparison or None,
                "note": a.note,
            }
        )
        for a in m.Area.objects.select_related("parent").order_by("order", "key")
    ]
    data["concept"] = _compact(
        {
            "key": concept.key,
            "title": concept.title,
            "status": concept.status,
            "resolution_date": concept.resolution_date,
            "resolution_reference": concept.resolution_reference,
            "valid_from": concept.valid_from,
            "valid_until": concept.valid_until,
            "summary": concept.summary,
            "note": concept.note,
        }
    )
    data["fields_of_action"] = [
        _compact(
            {
                "code": f.code,
                "title": f.title,
                "priority": f.is_priority or None,
                "description": f.description,
                "easy_language": f.easy_language,
            }
        )
        for f in fields
    ]
    data["strategic_goals"] = [
        _compact(
            {
                "key": s.key,
                "title": s.title,
                "description": s.description,
                "fields_of_action": keys(s.fields_of_action.order_by("order", "code"), "code"),
            }
        )
        for s in m.StrategicGoal.objects.filter(municipality=mun).prefetch_related("fields_of_action")
    ]
    data["sources"] = [
        _compact(
            {
                "key": s.key,
                "publisher": s.publisher,
                "title": s.title,
                "table_code": s.table_code,
                "url": s.url,
                "licence": s.licence,
                "retrieved_on": s.retrieved_on,
                "note": s.note,
            }
        )
        for s in m.Source.objects.all()
    ]
    data["dimensions"] = [
        {
            "key": d.key,
            "label": d.label,
            "values": [_compact({"key": v.key, "label": v.label, "total": v.is_total or None}) for v in d.values.all()],
        }
        for d in m.Dimension.objects.prefetch_related("values")
    ]
    data["indicators"] = [
        _compact(
            {
                "key": i.key,
                "title": i.title,
                "short_title": i.short_title,
                "definition": i.definition,
                "unit": i.unit,
                "kind": i.kind,
                "decimals": i.decimals or None,
                "population_concept": i.population_concept,
                "numerator": i.numerator.key if i.numerator else None,
                "denominator": i.denominator.key if i.denominator else None,
                "source": i.source.key if i.source else None,
                "fields_of_action": keys(i.fields_of_action.order_by("order", "code"), "code"),
                "dimensions": keys(i.dimensions.order_by("key")),
                "rhythm_months": i.rhythm_months,
                "note": i.note,
            }
        )
        for i in m.Indicator.objects.select_related("numerator", "denominator", "source")
    ]
    data["goals"] = [
        _compact(
            {
                "key": g.key,
                "field_of_action": g.field_of_action.code,
                "title": g.title,
                "description": g.description,
                "target_value": g.target_value,
                "target_date": g.target_date,
                "indicators": keys(g.indicators.order_by("order", "key")),
                "strategic_goals": keys(g.strategic_goals.order_by("key")),
            }
        )
        for g in m.Goal.objects.filter(field_of_action__concept=concept).select_related("field_of_action").order_by("order", "key")
    ]
    data["measures"] = [_dump_measure(ms) for ms in m.Measure.objects.filter(field_of_action__concept=concept).select_related("field_of_action").prefetch_related("next_steps").order_by("order", "key")]
    data["bodies"] = [
        _compact(
            {
                "key": b.key,
                "name": b.name,
                "kind": b.kind,
                "role": b.role,
                "rhythm": b.rhythm,
                "members": b.members,
            }
        )
        for b in m.Body.objects.order_by("order", "key")
    ]
    data["meetings"] = [
        _compact(
            {
                "key": mt.key,
                "body": mt.body.key,
                "other_bodies": keys(mt.other_bodies.order_by("order", "key")),
                "date": mt.date,
                "title": mt.title,
                "kind": mt.kind,
                "outcomes": [d.text for d in mt.decisions.all()],
                "note": mt.note,
            }
        )
        for mt in m.Meeting.objects.select_related("body").prefetch_related("decisions").order_by("date", "key")
    ]
    data["contact_points"] = [
        _compact(
            {
                "key": cp.key,
                "name": cp.name,
                "organisation": cp.organisation,
                "description": cp.description,
                "fields_of_action": keys(cp.fields_of_action.order_by("order", "code"), "code"),
                "street": cp.street,
                "postcode": cp.postcode,
                "city": cp.city,
                "area": cp.area.key if cp.area else None,
                "phone": cp.phone,
                "email": cp.email,
                "website": cp.website,
                "opening_hours": cp.opening_hours,
                "languages": cp.languages,
                "barrier_free": cp.barrier_free,
                "published": None if cp.published else False,
                "sources": cp.sources,
                "note": cp.note,
            }
        )
        for cp in m.ContactPoint.objects.select_related("area").order_by("key")
    ]
    data["observations"] = list(_dump_observations())
    return data


def _dump_measure(ms: m.Measure) -> dict:
    record = _compact(
        {
            "key": ms.key,
            "field_of_action": ms.field_of_action.code,
            "title": ms.title,
            "description": ms.description,
            "lead_unit": ms.lead_unit,
            "partners": ms.partners,
            "programme": ms.programme,
            "start_date": ms.start_date,
            "end_date": ms.end_date,
            "status": ms.status,
            "progress": ms.progress,
            "traffic_light": ms.traffic_light,
            "traffic_light_reason": ms.traffic_light_reason,
            "results": ms.results,
            "obstacles": ms.obstacles,
            "participants": ms.participants,
            "staff": ms.staff,
            "hours": ms.hours,
            "cost": ms.cost,
            "funding": ms.funding,
            "effect": ms.effect,
            "goals": [g.key for g in ms.goals.order_by("order", "key")],
            "strategic_goals": [s.key for s in ms.strategic_goals.order_by("key")],
            "indicators": [i.key for i in ms.indicators.order_by("order", "key")],
            "next_steps": [
                _compact(
                    {
                        "key": s.key,
                        "text": s.text,
                        "responsible": s.responsible,
                        "due_date": s.due_date,
                        "done": s.done or None,
                    }
                )
                for s in ms.next_steps.all()
            ],
            "note": ms.note,
        }
    )
    return record


def _dump_observations():
    rows = (
        m.Observation.objects.order_by("indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key")
        .values_list("indicator__key", "area__key", "reference_date", "dims", "value", "flag", "note")
        .iterator(chunk_size=5000)
    )
    for indicator, area, date, dims, value, flag, note in rows:
        row = yamlio.Row(indicator=indicator, area=area, date=date)
        if dims:
            row["dims"] = yamlio.Row(sorted(dims.items()))
        row["value"] = value.normalize() if value is not None else None
        if flag:
            row["flag"] = flag
        if note:
            row["note"] = note
        yield row


def dump_text(concept: m.Concept, stream=None):
    return yamlio.dump(dump(concept), stream)
