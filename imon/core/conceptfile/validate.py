"""Checking a parsed concept file without the database: every problem with its path."""

import datetime
import difflib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from .. import housestyle, periods
from .. import models as m
from ..fetch import subscription
from ..numbers import parse_date
from .schema import (
    FLAG_VALUES,
    FLAGS_WITHOUT_VALUE,
    FORMAT_VERSION,
    KEY_RE,
    LIST_SECTIONS,
    OBSERVATION_FIELDS,
    SCHEMA,
    SINGLE_SECTIONS,
    TOP_LEVEL,
    Problem,
)


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
        self.warnings: list[Problem] = []
        self.keys: dict[str, set] = {name: set() for name in (*LIST_SECTIONS, "observations")}
        self.pending_refs: list[tuple[str, str, Any]] = []  # (path, section, key)

    def add(self, path, message):
        self.problems.append(Problem(path, message))

    # scalar checks return the cleaned value or None after recording a problem
    def check_field(self, path, kind, value, opts):
        return self.CHECKS[kind](self, path, kind, value, opts)

    def _text(self, path, kind, value, opts):
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.add(path, _("expected text, found %(type)s.") % {"type": _type_name(value)})
            return None
        value = str(value)
        if kind == "key" and "pattern" not in opts and not KEY_RE.match(value):
            self.add(
                path,
                _("'%(value)s' is not a valid key (letters, digits, '-', '_', '.').") % {"value": value},
            )
            return None
        if "pattern" in opts and not re.match(opts["pattern"], value):
            if "form" in opts:
                self.add(
                    path,
                    _("'%(value)s' does not have the expected form: %(form)s.")
                    % {"value": value, "form": opts["form"]},
                )
            else:
                self.add(path, _("'%(value)s' does not have the expected form.") % {"value": value})
            return None
        if kind == "str" and "\n" in value:
            self.add(path, _("expected a single line of text."))
            return None
        return value

    def _address(self, path, kind, value, opts):
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

    def _whole_number(self, path, kind, value, opts):
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

    def _decimal(self, path, kind, value, opts):
        number = _to_decimal(value)
        if number is None:
            self.add(path, _("expected a number, found %(value)r.") % {"value": _show(value)})
            return None
        if kind == "decimal+" and number < 0:
            self.add(path, _("%(value)s is negative; only numbers from 0 are allowed.") % {"value": value})
            return None
        return number

    def _date(self, path, kind, value, opts):
        parsed = _to_date(value)
        if parsed is None:
            self.add(
                path,
                _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(value)},
            )
        return parsed

    def _period(self, path, kind, value, opts):
        try:
            return periods.parse(value, open_allowed=opts.get("open", False))
        except periods.PeriodError as error:
            self.add(path, str(error))
            return None

    def _bool(self, path, kind, value, opts):
        if not isinstance(value, bool):
            self.add(path, _("expected true or false, found %(value)r.") % {"value": _show(value)})
            return None
        return value

    def _choice(self, path, kind, value, opts):
        if not isinstance(value, str) or value not in opts["choices"]:
            self.add(
                path,
                _("'%(value)s' is not a valid choice; allowed: %(allowed)s.")
                % {"value": _show(value), "allowed": ", ".join(c for c in opts["choices"] if c)},
            )
            return None
        return value

    def _ref(self, path, kind, value, opts):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.add(path, _("expected a key, found %(type)s.") % {"type": _type_name(value)})
            return None
        self.pending_refs.append((path, opts["ref"], str(value)))
        return str(value)

    def _texts(self, path, kind, value, opts):
        """A list of texts (strs) or of keys (refs)."""
        if not isinstance(value, list):
            self.add(path, _("expected a list, found %(type)s.") % {"type": _type_name(value)})
            return None
        cleaned = []
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                self.add(item_path, _("expected text, found %(type)s.") % {"type": _type_name(item)})
                continue
            if kind == "refs" or opts.get("ref"):
                self.pending_refs.append((item_path, opts["ref"], str(item)))
            cleaned.append(str(item))
        if (kind == "refs" or opts.get("ref")) and len(set(cleaned)) != len(cleaned):
            self.add(path, _("lists the same key more than once."))
        if opts.get("max_items") and len(cleaned) > opts["max_items"]:
            self.add(
                path,
                _("lists %(count)s keys; at most %(most)s fit at a glance.")
                % {"count": len(cleaned), "most": opts["max_items"]},
            )
        return cleaned

    def _fetch(self, path, kind, value, opts):
        """An indicator's official table (imon.core.fetch.subscription)."""
        cleaned, problems = subscription.clean(value)
        for subpath, message in problems:
            self.add(path + subpath, message)
        return None if problems else cleaned

    def _colour(self, path, kind, value, opts):
        """A house colour: #rrggbb with at least 4.5:1 contrast against white (imon.core.housestyle)."""
        problem = housestyle.colour_problem(value)
        if problem:
            self.add(path, problem)
            return None
        return value.strip().lower()

    def _logo(self, path, kind, value, opts):
        """A logo: SVG markup or a data URI of an SVG or PNG image, stored as a data URI."""
        if not isinstance(value, str):
            self.add(path, _("expected text, found %(type)s.") % {"type": _type_name(value)})
            return None
        try:
            return housestyle.logo_data_uri(value, png_only=opts.get("png", False))
        except ValueError as error:
            self.add(path, str(error))
            return None

    CHECKS = {
        **dict.fromkeys(("str", "text", "key"), _text),
        "colour": _colour,
        "logo": _logo,
        **dict.fromkeys(("email", "url"), _address),
        **dict.fromkeys(("int", "percent"), _whole_number),
        **dict.fromkeys(("decimal", "decimal+"), _decimal),
        "date": _date,
        "period": _period,
        "bool": _bool,
        "choice": _choice,
        "ref": _ref,
        **dict.fromkeys(("refs", "strs"), _texts),
        "fetch": _fetch,
    }

    def check_record(self, path, record, section):
        if not isinstance(record, dict):
            self.add(
                path, _("expected a mapping with fields, found %(type)s.") % {"type": _type_name(record)}
            )
            return None
        spec = SCHEMA[section]
        known = {name for name, _kind, _opts in spec}
        meant = set()  # fields a misspelt one stands for: their absence is the same mistake
        for name in record:
            if name not in known:
                guess = difflib.get_close_matches(
                    str(name), [k for k in known if k not in record], n=1, cutoff=0.75
                )
                if guess:
                    meant.add(guess[0])
                    message = _("unknown field; did you mean '%(guess)s'? Allowed: %(fields)s.") % {
                        "guess": guess[0],
                        "fields": ", ".join(sorted(known)),
                    }
                else:
                    message = _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(sorted(known))}
                self.add(f"{path}.{name}", message)
        cleaned: dict = {}
        for name, kind, opts in spec:
            value = record.get(name)
            field_path = f"{path}.{name}"
            if value is None or value == "" or value == []:
                if opts["required"] and name not in meant:
                    self.add(field_path, _("is required."))
                elif name in record:  # written empty: clear what is stored
                    cleaned[name] = [] if kind in ("list", "refs", "strs") else None
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
        seen: dict[str, str] = {}  # key -> path of its first record
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
    editions = [e["key"] for e in clean.get("concept", {}).get("editions", []) if "key" in e]
    v.keys["editions"] = set(editions)
    for name in LIST_SECTIONS:
        key_field = "code" if name == "fields_of_action" else "key"
        clean[name] = v.check_list(name, data.get(name) or [], name, key_field)
        v.keys[name] = {r[key_field] for r in clean[name] if key_field in r}
        # A record refused for its key is one problem: references to it do not add one each.
        raw = data.get(name)
        if isinstance(raw, list):
            v.keys[name] |= {
                str(r[key_field]) for r in raw if isinstance(r, dict) and r.get(key_field) is not None
            }
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
    _check_editions(v, clean, editions)
    _check_spans(v, clean)
    clean["observations"] = _check_observations(v, data.get("observations") or [], clean, dims)
    if not v.problems:
        _check_observation_rules(v, clean)
    clean["warnings"] = v.warnings  # broken rules of severity "warning": shown, not refused
    return clean, sorted(v.problems, key=_file_order)


def _file_order(problem: Problem) -> tuple:
    """Problems in the order of the file: by section, then record number (measures[2] before
    measures[10]); problems of one place keep the order they were found in."""
    path = str(problem.path or "")  # a section named by a YAML null or a number is no text
    section = path.split(".")[0].split("[")[0]
    place = TOP_LEVEL.index(section) if section in TOP_LEVEL else len(TOP_LEVEL)
    return (place, [int(n) for n in re.findall(r"\[(\d+)\]", path)])


def _check_spans(v: _Validator, clean: dict):
    """An event of several days ends on or after its first day."""
    for i, meeting in enumerate(clean["meetings"]):
        first, last = meeting.get("date"), meeting.get("end_date")
        if first and last and last < first:
            v.add(f"meetings[{i}].end_date", _("The last day cannot lie before the first."))


def _check_editions(v: _Validator, clean: dict, editions: list[str]):
    """A record is retired with an edition after the one it entered with."""
    place = {key: i for i, key in enumerate(editions)}
    retired_fields = {f.get("code") for f in clean["fields_of_action"] if f.get("retired")}
    for section in ("goals", "measures"):
        for i, record in enumerate(clean[section]):
            if record.get("field_of_action") in retired_fields and not record.get("retired"):
                v.add(
                    f"{section}[{i}].field_of_action",
                    _(
                        "the field of action '%(code)s' is retired: retire this record too "
                        "or assign it to a current field of action."
                    )
                    % {"code": record["field_of_action"]},
                )
    for section in ("fields_of_action", "goals", "measures"):
        for i, record in enumerate(clean[section]):
            since, retired = record.get("since"), record.get("retired")
            if retired not in place:
                continue
            if place[retired] == 0:
                v.add(
                    f"{section}[{i}].retired",
                    _("'%(key)s' is the first edition: nothing can be retired with it.") % {"key": retired},
                )
            elif since in place and place[retired] <= place[since]:
                v.add(
                    f"{section}[{i}].retired",
                    _(
                        "the edition '%(retired)s' must come after the edition '%(since)s' in which the record entered."
                    )
                    % {"retired": retired, "since": since},
                )


def _check_observation_rules(v: _Validator, clean: dict):
    """The observations of the file must satisfy the rules the file declares (errors only)."""
    from .. import rules as r

    rule_list = []
    for ind in clean["indicators"]:
        for rule in ind.get("rules", []):
            rule_list.append(
                r.Rule(
                    indicator=ind["key"],
                    kind=rule["kind"],
                    severity=rule.get("severity") or "error",
                    dimension=rule.get("dimension") or "",
                    total=rule.get("total") or "",
                    parts=tuple(rule.get("parts") or ()),
                    other_indicator=rule.get("other_indicator") or "",
                    min_value=rule.get("min"),
                    max_value=rule.get("max"),
                    percent=rule.get("percent"),
                    tolerance=rule.get("tolerance") or Decimal(0),
                    partial=bool(rule.get("partial")),
                )
            )
    if not rule_list:
        return
    stated = clean.get("observation_stated", {})
    cells = {
        (ind, area, date, dim_key): r.Cell(
            value, flag, dims, i, "value", stated.get((ind, area, date, dim_key), ("",))[0]
        )
        for i, (ind, area, date, dims, dim_key, value, flag, note) in enumerate(clean["observations"])
    }
    children: dict = {}
    for area in clean["areas"]:
        if area.get("parent"):
            children.setdefault(area["parent"], []).append(area["key"])
    for finding in r.check(rule_list, cells, children, today=datetime.date.max):
        path = "observations" if finding.line is None else f"observations[{finding.line}].value"
        if finding.severity == "error":
            v.add(path, finding.message)
        else:
            v.warnings.append(Problem(path, finding.message))


def _check_cross_rules(v: _Validator, clean: dict):
    for i, mdata in enumerate(clean["measures"]):
        light = mdata.get("traffic_light")
        if light in ("yellow", "red") and not mdata.get("traffic_light_reason"):
            v.add(f"measures[{i}].traffic_light_reason", _("a yellow or red traffic light needs a reason."))
        start, end = mdata.get("start_date"), mdata.get("end_date")
        if start and end and start.first and end.last and end.last < start.first:
            v.add(f"measures[{i}].end_date", _("the end lies before the start."))
        primary = mdata.get("field_of_action")
        for j, code in enumerate(mdata.get("also_fields_of_action") or []):
            if code == primary:
                v.add(
                    f"measures[{i}].also_fields_of_action[{j}]",
                    _(
                        "'%(code)s' is the measure's leading field of action (field_of_action); "
                        "list here only the further fields it serves."
                    )
                    % {"code": code},
                )
    for i, goal in enumerate(clean["goals"]):
        if goal.get("traffic_light") in ("yellow", "red") and not goal.get("traffic_light_reason"):
            v.add(f"goals[{i}].traffic_light_reason", _("a yellow or red traffic light needs a reason."))
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
                "same": ("other_indicator",),
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


ALLOWED_OBSERVATION_FIELDS = frozenset(OBSERVATION_FIELDS)


def _check_observations(v: _Validator, rows, clean: dict, dims: dict) -> list[tuple]:
    """Observations are checked by a dedicated loop: a file may hold hundreds of thousands."""
    if not isinstance(rows, list):
        v.add("observations", _("expected a list, found %(type)s.") % {"type": _type_name(rows)})
        return []
    checker = _ObservationChecker(v, clean, dims)
    seen: dict[tuple, str] = {}  # (indicator, area, date, dim_key) -> path of its first row
    result = []
    clean["observation_stated"] = stated_rows = {}  # ident -> (qualifier, period, source key)
    for i, row in enumerate(rows):
        path = f"observations[{i}]"
        checked = checker.check(path, row)
        stated = checker.stated(path, row, checked)
        if checked is None or stated is None:
            continue
        if any(stated):
            stated_rows[(*checked[:3], checked[4])] = stated
        ident = (*checked[:3], checked[4])  # indicator, area, date, dim_key
        if ident in seen:
            v.add(path, _("the same observation appears twice (also at %(other)s).") % {"other": seen[ident]})
            continue
        seen[ident] = path
        result.append(checked)
    return result


class _ObservationChecker:
    """The checks of one observation against the sections of the file."""

    def __init__(self, v: _Validator, clean: dict, dims: dict):
        self.add = v.add
        self.indicators = {ind["key"]: ind for ind in clean["indicators"] if "key" in ind}
        self.indicator_dims = {key: set(ind.get("dimensions", [])) for key, ind in self.indicators.items()}
        self.areas = v.keys["areas"]
        self.sources = v.keys["sources"]
        self.dims = dims

    def check(self, path: str, row) -> tuple | None:
        """(indicator, area, date, dims, dim_key, value, flag, note) of a valid row; None after
        recording its problems."""
        if not isinstance(row, dict):
            self.add(path, _("expected a mapping with fields, found %(type)s.") % {"type": _type_name(row)})
            return None
        if not ALLOWED_OBSERVATION_FIELDS.issuperset(row):
            self.unknown_fields(path, row)
        indicator, area = row.get("indicator"), row.get("area")
        ok = self.defined(path, "indicator", indicator, self.indicators, "indicators")
        ok = self.defined(path, "area", area, self.areas, "areas") and ok
        date = self.date(path, row.get("date"))
        obs_dims = self.dims_mapping(path, row.get("dims") or {})
        ok = ok and date is not None and obs_dims is not None
        obs_dims = obs_dims or {}
        if ok:
            ok = self.breakdown(path, str(indicator), obs_dims)
        flag = row.get("flag") or ""
        ok = self.flag(path, flag) and ok
        raw = row.get("value")
        value = None if raw is None else _to_decimal(raw)
        if raw is not None and value is None:
            self.add(f"{path}.value", _("expected a number, found %(value)r.") % {"value": _show(raw)})
            ok = False
        if ok:
            ok = self.value_fits(path, str(indicator), raw, value, flag)
        note = row.get("note") or ""
        if not isinstance(note, str):
            self.add(f"{path}.note", _("expected text, found %(type)s.") % {"type": _type_name(note)})
            ok = False
        if not ok:
            return None
        return (str(indicator), str(area), date, obs_dims, m.dimension_key(obs_dims), value, flag, note)

    def stated(self, path: str, row, checked) -> tuple | None:
        """(qualifier, period, source key) of a row, empty where it states none; None after
        recording a problem."""
        if not isinstance(row, dict):
            return None
        from ..importers.long import QUALIFIER_CODES

        word = row.get("qualifier") or ""
        qualifier = QUALIFIER_CODES.get(str(word).lower(), None) if word else ""
        ok = True
        if qualifier is None or (qualifier and checked is not None and checked[5] is None):
            self.add(
                f"{path}.qualifier",
                _("'%(value)s' is not a qualifier of a value (e.g. rund, mehr als, approx, more_than).")
                % {"value": _show(word)},
            )
            ok = False
        period = row.get("period") or ""
        if not isinstance(period, (str, int)):
            self.add(f"{path}.period", _("expected text, found %(type)s.") % {"type": _type_name(period)})
            ok = False
        source = row.get("source") or ""
        if source and source not in self.sources:
            self.add(
                f"{path}.source",
                _("'%(key)s' is not defined in the section '%(section)s'.")
                % {"key": source, "section": "sources"},
            )
            ok = False
        return (qualifier or "", str(period), str(source)) if ok else None

    def unknown_fields(self, path: str, row: dict):
        for name in row:
            if name not in ALLOWED_OBSERVATION_FIELDS:
                self.add(
                    f"{path}.{name}",
                    _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(OBSERVATION_FIELDS)},
                )

    def defined(self, path: str, name: str, key, defined, section: str) -> bool:
        """Whether the row names a key (indicator, area) that its section defines."""
        if key is None:
            self.add(f"{path}.{name}", _("is required."))
            return False
        if str(key) not in defined:
            self.add(
                f"{path}.{name}",
                _("'%(key)s' is not defined in the section '%(section)s'.")
                % {"key": key, "section": section},
            )
            return False
        return True

    def date(self, path: str, date):
        parsed = _to_date(date) if date is not None else None
        if parsed is None:
            if date is None:
                self.add(f"{path}.date", _("is required."))
            else:
                self.add(
                    f"{path}.date",
                    _("'%(value)s' is not a valid date (expected YYYY-MM-DD).") % {"value": _show(date)},
                )
        return parsed

    def dims_mapping(self, path: str, obs_dims) -> dict | None:
        """The row's breakdown as texts; None if it is not a mapping."""
        if not isinstance(obs_dims, dict):
            self.add(
                f"{path}.dims", _("expected a mapping, found %(type)s.") % {"type": _type_name(obs_dims)}
            )
            return None
        return {str(k): str(val) for k, val in obs_dims.items()}

    def breakdown(self, path: str, indicator: str, obs_dims: dict) -> bool:
        """Whether the row gives the indicator's dimensions, each with one of its values."""
        expected = self.indicator_dims[indicator]
        if set(obs_dims) != expected:
            self.add(
                f"{path}.dims",
                _("the indicator '%(indicator)s' is broken down by: %(expected)s; given: %(given)s.")
                % {
                    "indicator": indicator,
                    "expected": ", ".join(sorted(expected)) or "–",
                    "given": ", ".join(sorted(obs_dims)) or "–",
                },
            )
            return False
        ok = True
        for dim, val in obs_dims.items():
            if val not in self.dims.get(dim, ()):
                self.add(
                    f"{path}.dims.{dim}",
                    _("'%(value)s' is not a value of the dimension '%(dim)s'.") % {"value": val, "dim": dim},
                )
                ok = False
        return ok

    def flag(self, path: str, flag) -> bool:
        if flag not in FLAG_VALUES:
            self.add(
                f"{path}.flag",
                _("'%(value)s' is not an official symbol; allowed: %(allowed)s.")
                % {"value": flag, "allowed": " ".join(sorted(f for f in FLAG_VALUES if f))},
            )
            return False
        return True

    def value_fits(self, path: str, indicator: str, raw, value, flag: str) -> bool:
        """Whether value and symbol go together, and the value fits the indicator's kind."""
        if flag in FLAGS_WITHOUT_VALUE and value is not None:
            self.add(
                f"{path}.value",
                _("the symbol '%(flag)s' stands for a missing value; leave the value empty.")
                % {"flag": flag},
            )
            return False
        if flag not in FLAGS_WITHOUT_VALUE and value is None:
            self.add(f"{path}.value", _("a value or a symbol for a missing value is required."))
            return False
        if value is None:
            return True
        kind = self.indicators[indicator].get("kind", "count")
        if kind == "count" and value < 0:
            self.add(
                f"{path}.value", _("%(value)s is negative; a count cannot be negative.") % {"value": raw}
            )
            return False
        if kind == "count" and value != value.to_integral_value():
            # YAML reads 1.200 as 1.2: a German thousands point would silently change the figure
            self.add(
                f"{path}.value",
                _(
                    "%(value)s is not a whole number, but a count is. Write thousands without a point "
                    "(1200, not 1.200)."
                )
                % {"value": raw},
            )
            return False
        if kind == "share" and not (0 <= value <= 100):
            self.add(
                f"{path}.value",
                _("%(value)s lies outside 0–100; a share is given in per cent.") % {"value": raw},
            )
            return False
        return True
