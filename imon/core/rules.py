"""Validation rules for observations, as plain functions.

A rule is checked against `cells`: a mapping from the key of an observation
(indicator, area, reference date, dim_key) to a `Cell`. Cells from a file carry
their place in it (line and column); cells already stored carry none. Only
groups that contain at least one cell from the file are checked, so stored data
that was accepted earlier does not block a new import.
"""

import datetime
import operator
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .numbers import format_number

# (indicator, area, reference date, dim_key)
Key = tuple[str, str, datetime.date, str]

EARLIEST_DATE = datetime.date(1950, 1, 1)
# The severity of a finding that says a check could not run (a sum with parts missing): shown
# and stored with the import like a warning, and written in its summary.
SKIPPED = "skipped"  # official statistics of the Federal Republic begin about then


@dataclass(frozen=True)
class Cell:
    value: Decimal | None
    flag: str
    dims: dict
    line: int | None = None  # place in the file; None for stored observations
    column: str = ""
    qualifier: str = ""  # models.Qualifier: an approximate value or a bound is not exact


@dataclass(frozen=True)
class Rule:
    indicator: str
    kind: str
    severity: str = "error"
    dimension: str = ""
    total: str = ""
    parts: tuple = ()
    other_indicator: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    percent: Decimal | None = None
    tolerance: Decimal = Decimal(0)
    whole: bool = False  # range: whole numbers only
    partial: bool = False  # part and area sums: only some parts present is expected, not a notice


@dataclass
class Finding:
    severity: str  # "error" | "warning" | "skipped" (a check that could not run, see SKIPPED)
    message: str
    rule: str
    line: int | None = None
    column: str = ""
    value: str = ""

    def __str__(self):
        place = (
            _("line %(line)s, column '%(column)s'") % {"line": self.line, "column": self.column}
            if self.line
            else ""
        )
        return f"{place}: {self.message}" if place else self.message


def rule_from_model(rule) -> Rule:
    return Rule(
        indicator=rule.indicator.key,
        kind=rule.kind,
        severity=rule.severity,
        dimension=rule.dimension,
        total=rule.total,
        parts=tuple(rule.parts or ()),
        other_indicator=rule.other_indicator.key if rule.other_indicator_id else "",
        min_value=rule.min_value,
        max_value=rule.max_value,
        percent=rule.percent,
        tolerance=rule.tolerance or Decimal(0),
        partial=rule.partial,
    )


def describe(rule) -> str:
    """A rule in words, for messages and lists."""
    r = rule if isinstance(rule, Rule) else rule_from_model(rule)
    if r.kind == "part_sum":
        parts = " + ".join(r.parts) if r.parts else _("sum of all other values")
        text = f"{r.indicator}: {r.dimension} {r.total} = {parts}"
    elif r.kind == "area_sum":
        text = _("%(indicator)s: area %(area)s = sum of its sub-areas") % {
            "indicator": r.indicator,
            "area": r.total,
        }
    elif r.kind == "product":
        text = f"{r.indicator}[{r.dimension}=k] = k × {r.other_indicator}[{r.dimension}=k]"
    elif r.kind == "same":
        text = f"{r.indicator} = {r.other_indicator}"
    elif r.kind == "range":
        low = format_number(r.min_value) if r.min_value is not None else "–∞"
        high = format_number(r.max_value) if r.max_value is not None else "∞"
        text = _("%(indicator)s between %(low)s and %(high)s") % {
            "indicator": r.indicator,
            "low": low,
            "high": high,
        }
        if r.whole:
            text += ", " + _("a whole number")
    elif r.kind == "jump":
        text = _("%(indicator)s changes by at most %(percent)s %% from the previous reference date") % {
            "indicator": r.indicator,
            "percent": format_number(r.percent or Decimal(0)),
        }
    else:
        text = f"{r.indicator}: {r.kind}"
    if r.tolerance:
        text += " " + _("(tolerance %(tolerance)s)") % {"tolerance": format_number(r.tolerance)}
    return text


def implicit_rules(indicator: str, kind: str, decimals: int = 0) -> list[Rule]:
    """Rules every indicator of a kind obeys: counts are whole numbers, not negative (a count
    shown with decimals, e.g. in thousands, need not be whole); shares lie within 0–100."""
    if kind == "count":
        return [Rule(indicator, "range", min_value=Decimal(0), whole=not decimals)]
    if kind == "share":
        return [Rule(indicator, "range", min_value=Decimal(0), max_value=Decimal(100))]
    return []


class _Index:
    """Cells grouped for the rules: by indicator, and by key without one dimension."""

    def __init__(self, cells: dict):
        self.cells = cells
        self.by_indicator = defaultdict(list)
        indicators = {key[0] for key in cells}
        if len(indicators) == 1:  # the usual case, without a loop in Python
            self.by_indicator[indicators.pop()] = list(cells)
        else:
            for key in cells:
                self.by_indicator[key[0]].append(key)

    def cells_of(self, indicator: str):
        keys = self.by_indicator[indicator]
        return self.cells.values() if len(keys) == len(self.cells) else map(self.cells.__getitem__, keys)

    def groups(self, indicator: str, dimension: str):
        """(area, date, other dims) -> {value of `dimension`: key}."""
        groups: defaultdict[tuple, dict[str, Key]] = defaultdict(dict)
        for key in self.by_indicator[indicator]:
            dims = self.cells[key].dims
            if dimension in dims:
                rest = tuple(sorted((d, v) for d, v in dims.items() if d != dimension))
                groups[(key[1], key[2], rest)][dims[dimension]] = key
        return groups


def _fmt(value: Decimal) -> str:
    return format_number(value)


def _place(cells, keys):
    """The first cell from the file among `keys` (the total first), for the message."""
    for key in keys:
        cell = cells.get(key)
        if cell is not None and cell.line is not None:
            return cell
    return None


def check(
    rules: list[Rule],
    cells: dict,
    area_children: dict[str, list[str]] | None = None,
    today: datetime.date | None = None,
) -> list[Finding]:
    """Check the rules; returns findings sorted by line."""
    index = _Index(cells)
    findings: list[Finding] = []
    for rule in rules:
        checker = _CHECKERS[rule.kind]
        findings.extend(checker(rule, index, area_children or {}))
    today = today or datetime.date.today()
    dates = {key[2] for key in cells}  # a few distinct dates: compared once each, not per cell
    if dates and (max(dates) > today or min(dates) < EARLIEST_DATE):
        for key, cell in cells.items():
            if cell.line is None or EARLIEST_DATE <= key[2] <= today:
                continue
            if key[2] > today:
                message = _("the reference date %(date)s lies in the future.")
            else:
                message = _(
                    "the reference date %(date)s lies implausibly far in the past (before 1950); is the year mistyped?"
                )
            findings.append(
                Finding(
                    "error",
                    message % {"date": key[2].strftime("%d.%m.%Y")},
                    _("reference date"),
                    cell.line,
                    cell.column,
                )
            )
    findings.sort(key=lambda f: (f.line or 0, f.severity))
    return _once(findings)


def _once(findings: list[Finding]) -> list[Finding]:
    """Each notice of a skipped check once, saying how often it applies (e.g. once per
    reference date), instead of once for every group."""
    counts: dict[str, int] = {}
    for finding in findings:
        if finding.severity == SKIPPED:
            counts[finding.message] = counts.get(finding.message, 0) + 1
    if not counts:
        return findings
    result = []
    for finding in findings:
        if finding.severity != SKIPPED:
            result.append(finding)
        elif finding.message in counts:
            times = counts.pop(finding.message)
            if times > 1:
                finding.message = _("%(message)s (%(times)s times)") % {
                    "message": finding.message.rstrip("."),
                    "times": times,
                }
            result.append(finding)
    return result


def _sum_finding(rule, cells, total_key, part_keys, label_total, label_parts):
    total = cells[total_key]
    values = [cells[k].value for k in part_keys]
    if total.value is None or any(v is None for v in values):
        return None  # a secret or missing part cannot be checked
    keys = [total_key, *part_keys]
    inexact = sum(1 for k in keys if cells[k].qualifier)
    if inexact:  # "rund 1.200" or "mehr als 500" cannot be added up as exact values
        if not any(cells[k].line is not None for k in keys):
            return None
        return Finding(
            SKIPPED,
            _(
                "Sum check skipped: %(count)s of %(all)s values are stated approximately or as a bound "
                "(e.g. 'rund', 'mehr als'); rule: %(rule)s."
            )
            % {"count": inexact, "all": len(keys), "rule": describe(rule)},
            describe(rule),
        )
    parts_sum = sum(values, Decimal(0))
    if abs(total.value - parts_sum) <= rule.tolerance:
        return None
    touched = [k for k in [total_key, *part_keys] if cells[k].line is not None]
    if not touched:
        return None
    place = _place(cells, [total_key, *part_keys])
    return Finding(
        rule.severity,
        _(
            "%(total_label)s is %(total)s, but %(parts_label)s add up to %(sum)s (difference %(diff)s); rule: %(rule)s."
        )
        % {
            "total_label": label_total,
            "total": _fmt(total.value),
            "parts_label": label_parts,
            "sum": _fmt(parts_sum),
            "diff": _fmt(total.value - parts_sum),
            "rule": describe(rule),
        },
        describe(rule),
        place.line,
        place.column,
        _fmt(place.value) if place.value is not None else place.flag,
    )


def _skipped(rule, cells, keys, present: int, expected: int, what: str):
    """The notice of a sum check that cannot run because only `present` of `expected` parts
    are there, if the file touches the group and the rule does not expect partial coverage."""
    if rule.partial or not any(cells[k].line is not None for k in keys):
        return None
    return Finding(
        SKIPPED,
        _("Sum check skipped: %(present)s of %(expected)s %(what)s; rule: %(rule)s.")
        % {"present": present, "expected": expected, "what": what, "rule": describe(rule)},
        describe(rule),
    )


def _check_part_sum(rule, index, area_children):
    for members in index.groups(rule.indicator, rule.dimension).values():
        if rule.total not in members:
            continue
        parts = list(rule.parts) or [v for v in members if v != rule.total]
        if not all(p in members for p in parts):
            present = [members[p] for p in parts if p in members]
            notice = _skipped(
                rule,
                index.cells,
                [members[rule.total], *present],
                len(present),
                len(parts),
                _("parts of the breakdown"),
            )
            if notice:
                yield notice
            continue
        finding = _sum_finding(
            rule,
            index.cells,
            members[rule.total],
            [members[p] for p in parts],
            f"'{rule.total}'",
            " + ".join(f"'{p}'" for p in parts),
        )
        if finding:
            yield finding


def _check_area_sum(rule, index, area_children):
    children = area_children.get(rule.total, [])
    if not children:
        return
    by_rest: defaultdict[tuple, dict[str, Key]] = defaultdict(dict)
    for key in index.by_indicator[rule.indicator]:
        by_rest[(key[2], key[3])][key[1]] = key
    for members in by_rest.values():
        if rule.total not in members:
            continue
        if not all(c in members for c in children):
            present = [members[c] for c in children if c in members]
            notice = _skipped(
                rule,
                index.cells,
                [members[rule.total], *present],
                len(present),
                len(children),
                _("sub-areas"),
            )
            if notice:
                yield notice
            continue
        finding = _sum_finding(
            rule,
            index.cells,
            members[rule.total],
            [members[c] for c in children],
            _("area %(area)s") % {"area": rule.total},
            _("its %(count)s sub-areas") % {"count": len(children)},
        )
        if finding:
            yield finding


def _check_product(rule, index, area_children):
    cells = index.cells
    for key in index.by_indicator[rule.indicator]:
        cell = cells[key]
        factor = cell.dims.get(rule.dimension, "")
        if not factor.isdigit() or cell.value is None:
            continue
        other = cells.get((rule.other_indicator, key[1], key[2], key[3]))
        if other is None or other.value is None:
            continue
        if cell.line is None and other.line is None:
            continue
        expected = int(factor) * other.value
        if abs(cell.value - expected) <= rule.tolerance:
            continue
        place = cell if cell.line is not None else other
        yield Finding(
            rule.severity,
            _("%(value)s does not equal %(factor)s × %(other)s = %(expected)s; rule: %(rule)s.")
            % {
                "value": _fmt(cell.value),
                "factor": factor,
                "other": _fmt(other.value),
                "expected": _fmt(expected),
                "rule": describe(rule),
            },
            describe(rule),
            place.line,
            place.column,
            _fmt(place.value),
        )


def _check_same(rule, index, area_children):
    """The same quantity from two sources: equal for the same area, reference date and breakdown."""
    cells = index.cells
    for key in index.by_indicator[rule.indicator]:
        cell = cells[key]
        other = cells.get((rule.other_indicator, key[1], key[2], key[3]))
        if cell.value is None or other is None or other.value is None:
            continue
        if (cell.line is None and other.line is None) or abs(cell.value - other.value) <= rule.tolerance:
            continue
        place = cell if cell.line is not None else other
        yield Finding(
            rule.severity,
            _("%(value)s differs from %(other)s, the same quantity in %(indicator)s; rule: %(rule)s.")
            % {
                "value": _fmt(cell.value),
                "other": _fmt(other.value),
                "indicator": rule.other_indicator,
                "rule": describe(rule),
            },
            describe(rule),
            place.line,
            place.column,
            _fmt(place.value),
        )


def _check_range(rule, index, area_children):
    cells = index.cells
    values = [cell.value for cell in index.cells_of(rule.indicator) if cell.line is not None]
    values = [value for value in values if value is not None]
    if not values or (
        (rule.min_value is None or min(values) >= rule.min_value)
        and (rule.max_value is None or max(values) <= rule.max_value)
        and (not rule.whole or all(map(operator.eq, values, map(Decimal.to_integral_value, values))))
    ):
        return  # all within the range: the usual case, found without a loop in Python
    for key in index.by_indicator[rule.indicator]:
        cell = cells[key]
        if cell.line is None or cell.value is None:
            continue
        if (rule.min_value is not None and cell.value < rule.min_value) or (
            rule.max_value is not None and cell.value > rule.max_value
        ):
            message = _("%(value)s lies outside the allowed range; rule: %(rule)s.")
        elif rule.whole and cell.value != cell.value.to_integral_value():
            message = _("%(value)s is not a whole number, but the indicator counts; rule: %(rule)s.")
        else:
            continue
        yield Finding(
            rule.severity,
            message % {"value": _fmt(cell.value), "rule": describe(rule)},
            describe(rule),
            cell.line,
            cell.column,
            _fmt(cell.value),
        )


def _check_jump(rule, index, area_children):
    series = defaultdict(list)
    for key in index.by_indicator[rule.indicator]:
        series[(key[1], key[3])].append(key)
    limit = rule.percent or Decimal(0)
    for keys in series.values():
        keys.sort(key=lambda k: k[2])
        for previous, current in zip(keys, keys[1:]):
            old, new = index.cells[previous], index.cells[current]
            if new.line is None or old.value in (None, 0) or new.value is None:
                continue
            change = (new.value - old.value) / abs(old.value) * 100
            if abs(change) > limit:
                yield Finding(
                    rule.severity,
                    _("%(new)s differs by %(change)s %% from %(old)s on %(date)s; rule: %(rule)s.")
                    % {
                        "new": _fmt(new.value),
                        "change": format_number(change, 1),
                        "old": _fmt(old.value),
                        "date": previous[2].strftime("%d.%m.%Y"),
                        "rule": describe(rule),
                    },
                    describe(rule),
                    new.line,
                    new.column,
                    _fmt(new.value),
                )


_CHECKERS = {
    "part_sum": _check_part_sum,
    "area_sum": _check_area_sum,
    "product": _check_product,
    "same": _check_same,
    "range": _check_range,
    "jump": _check_jump,
}
