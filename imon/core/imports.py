"""Importing statistics files: plan (resolve, compare, validate), then apply atomically, or roll back.

    plan = plan_import(parse_file(path), file_name, sha256)   # nothing written
    record = apply_import(plan, user)                           # all or nothing
    rollback_import(record)                                     # undo it

The same functions serve `imon import` and the upload page in the staff interface.
"""

import datetime
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import areacodes, bulk, rules
from . import models as m
from .importers import Parsed, Problem, folder, gc_paused, rounding_note
from .importers.parsed import IGNORED_LABELS, TOTAL_KEY
from .numbers import format_number, same_value

_IGNORED_ORDER = {reason: i for i, reason in enumerate(IGNORED_LABELS)}

# Old symbol or flag under which a different new value is an expected update, not a conflict.
REPLACEABLE_FLAGS = {"p", "...", "/"}


@dataclass
class Plan:
    parsed: Parsed
    file_name: str
    sha256: str
    replace: bool = False
    errors: list = field(default_factory=list)  # Problem
    warnings: list = field(default_factory=list)  # Problem
    new: list = field(
        default_factory=list
    )  # (indicator_key, area_key, date, dims, dim_key, value, flag, note)
    changed: list = field(
        default_factory=list
    )  # (observation id, new row, old (value, flag, note, import id))
    conflicts: list = field(default_factory=list)  # like changed
    unchanged: int = 0
    skipped: list = field(default_factory=list)  # Problem: checks that could not run (also in warnings)
    refused_rows: int = 0  # rows of the file that an error keeps out (unknown area, …)
    create: dict = field(
        default_factory=lambda: {"indicators": {}, "dimensions": {}, "values": {}, "areas": {}}
    )
    indicator_keys: set = field(default_factory=set)
    breakdowns: list = field(default_factory=list)  # (indicator_key, dims) of each breakdown in the file
    # (indicator_key, area_key, date, dim_key) -> (source id, qualifier, period) of the new and
    # changed rows that have any of them
    extras: dict = field(default_factory=dict)
    last_import: int = 0  # the newest import when the plan was made
    files: "folder.Files | None" = None  # the files of an import of several (a folder)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or (self.replace and self.conflicts))

    def summary(self) -> str:
        conflicts, errors, warnings = len(self.conflicts), len(self.errors), len(self.warnings)
        return _(
            "%(new)s new, %(changed)s changed, %(unchanged)s unchanged, %(conflicts)s; %(errors)s, %(warnings)s"
        ) % {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "conflicts": ngettext("%(n)s conflicting row", "%(n)s conflicting rows", conflicts)
            % {"n": conflicts},
            "errors": ngettext("%(n)s error", "%(n)s errors", errors) % {"n": errors},
            "warnings": ngettext("%(n)s warning", "%(n)s warnings", warnings) % {"n": warnings},
        } + (
            "; "
            + ngettext("%(n)s check skipped", "%(n)s checks skipped", len(self.skipped))
            % {"n": len(self.skipped)}
            if self.skipped
            else ""
        )

    def creation(self) -> str:
        """What the import creates, in a sentence ("" if nothing): "Creates 2 indicators (a, b), …"."""
        create = self.plan_created()
        parts = [
            ngettext("%(n)s indicator", "%(n)s indicators", len(create["indicators"]))
            % {"n": len(create["indicators"])}
            + (f" ({', '.join(create['indicators'][:20])}{' …' if len(create['indicators']) > 20 else ''})"),
            ngettext("%(n)s dimension", "%(n)s dimensions", len(create["dimensions"]))
            % {"n": len(create["dimensions"])},
            ngettext("%(n)s dimension value", "%(n)s dimension values", len(create["values"]))
            % {"n": len(create["values"])},
            ngettext("%(n)s area", "%(n)s areas", len(create["areas"])) % {"n": len(create["areas"])},
        ]
        counts = [len(create[k]) for k in ("indicators", "dimensions", "values", "areas")]
        if not any(counts):
            return ""
        return _("Creates %(what)s.") % {
            "what": ", ".join(p for p, n in zip(parts, counts, strict=True) if n)
        }

    def plan_created(self) -> dict:
        """The keys of what the plan creates (indicators that exist only take a breakdown)."""
        return {
            "indicators": sorted(
                k for k, spec in self.create["indicators"].items() if "dimensions_only" not in spec
            ),
            "dimensions": sorted(self.create["dimensions"]),
            "values": sorted(self.create["values"]),
            "areas": sorted(self.create["areas"]),
        }

    def line_counts(self) -> list[tuple[str, int]]:
        """Every line of the file accounted for, as (what, how many lines); the counts add up to
        the lines of the file. Ignored lines are counted by reason; refused ones are named by
        the errors."""
        parsed = self.parsed
        counts = [
            (_("new"), len(self.new)),
            (_("changed"), len(self.changed) + (len(self.conflicts) if self.replace else 0)),
            (_("unchanged"), self.unchanged),
            (_("conflicting, not written"), 0 if self.replace else len(self.conflicts)),
            (_("refused (errors)"), parsed.refused_lines + self.refused_rows),
        ]
        counts.extend(
            (_("ignored: %(reason)s") % {"reason": IGNORED_LABELS.get(reason, reason)}, count)
            for reason, count in sorted(
                parsed.ignored.items(), key=lambda item: _IGNORED_ORDER.get(item[0], 99)
            )
        )
        return [(label, count) for label, count in counts if count]

    def accounting(self) -> str:
        """The line counts in a sentence: "12 lines: 3 new, 1 changed, …"."""
        counts = self.line_counts()
        total = sum(count for _label, count in counts)
        return ngettext(
            "%(count)s line of the file: %(counts)s", "%(count)s lines of the file: %(counts)s", total
        ) % {
            "count": format_number(Decimal(total)),
            "counts": ", ".join(f"{format_number(Decimal(count))} {label}" for label, count in counts),
        }


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _problem_at(line, column, message, value=""):
    return Problem(line, column, message, value)


class _Resolver:
    """Maps the codes of a file onto the database, noting what must be created."""

    def __init__(self, parsed: Parsed, plan: Plan):
        self.parsed, self.plan = parsed, plan
        self.indicators = {
            i.key: i
            for i in m.Indicator.objects.select_related("source").prefetch_related("dimensions__values")
        }
        self.areas_by_key = {a.key: a for a in m.Area.objects.all()}
        self.areas_by_code = {a.code: a for a in self.areas_by_key.values() if a.code}
        self.dimensions = {d.key: d for d in m.Dimension.objects.prefetch_related("values")}
        self.default_area = None
        municipality = m.Municipality.objects.first()
        if municipality:
            self.default_area = areacodes.find(municipality.ags, self.areas_by_key, self.areas_by_code)
        self.area_cache: dict = {}
        self.unknown_reported: set = set()
        self.sources: dict | None = None

    def source(self, text: str, line: int, column: str):
        """The id of the source a row names by key or as "publisher: title" (as `export-data`
        writes it), or False after recording an error."""
        if self.sources is None:
            self.sources = {}
            for source in m.Source.objects.all():
                self.sources.setdefault(str(source), source.pk)
            self.sources |= dict(m.Source.objects.values_list("key", "pk"))
        found = self.sources.get(text)
        if found is None:
            self.error_once(
                "source", text, line, column, _("unknown source '%(source)s'.") % {"source": text}
            )
            return False
        return found

    def error_once(self, what, key, line, column, message):
        if (what, key) not in self.unknown_reported:
            self.unknown_reported.add((what, key))
            self.plan.errors.append(_problem_at(line, column, message, key))

    def area(self, code: str, line: int, column: str):
        """The key of the area a file code means, or None after recording an error."""
        if code in self.area_cache:
            return self.area_cache[code]
        key = None
        if not code:
            key = self.default_area.key if self.default_area else None
            if key is None:
                self.error_once(
                    "area",
                    "",
                    line,
                    column,
                    _("the row names no area and the installation has no municipality area."),
                )
        elif (found := areacodes.find(code, self.areas_by_key, self.areas_by_code)) is not None:
            key = found.key  # by key, or by any official code of the same territory
        elif self.parsed.creates_metadata and code in self.parsed.areas:
            planned = self.plan.create["areas"]
            # one territory, one area, even where the file names it in two ways (Kreis code and AGS)
            key = next((c for c in areacodes.equivalents(code) if c in planned), code)
            if key == code:
                planned[code] = self.parsed.areas[code]
        else:
            self.error_once("area", code, line, column, _("unknown area '%(area)s'.") % {"area": code})
        self.area_cache[code] = key
        return key


def plan_import(
    parsed: Parsed,
    file_name: str,
    sha256: str,
    replace: bool = False,
    progress=None,
    source: str = "",
    files: "folder.Files | None" = None,
) -> Plan:
    """Resolve, compare with the database and validate; writes nothing. `source` names the
    source (key) of the rows that name none themselves; `files` the files of a `parsed` read
    from several (`importers.folder`): each problem then names its file and line there."""
    if source:
        for row in parsed.rows:
            row.source = row.source or source
    with gc_paused():
        plan = _plan_import(parsed, file_name, sha256, replace, progress)
    if files is not None:
        plan.files = files
        for problem in (*plan.errors, *plan.warnings, *plan.skipped):
            files.place(problem)
    return plan


def _plan_import(parsed: Parsed, file_name: str, sha256: str, replace: bool, progress) -> Plan:
    plan = Plan(parsed, file_name, sha256, replace)
    plan.last_import = m.ImportRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    plan.errors.extend(parsed.problems)
    plan.warnings.extend(Problem(None, "", note) for note in parsed.notes)
    resolver = _Resolver(parsed, plan)
    say = progress or (lambda message: None)
    say(
        ngettext("Checking %(count)s row …", "Checking %(count)s rows …", len(parsed.rows))
        % {"count": len(parsed.rows)}
    )
    if parsed.creates_metadata and parsed.format == "opensdg":
        _key_labelled_breakdowns(parsed, resolver)
    values = _DimensionValues(resolver.dimensions)
    indicator_dims, file_dims = _indicator_dimensions(parsed, plan, resolver)
    if parsed.creates_metadata:
        _plan_new_dimensions(parsed, plan, resolver, values)
        _plan_new_breakdowns(plan, resolver, indicator_dims, file_dims)
        _warn_of_unknown_units(plan)
    _note_rounding(parsed, resolver, indicator_dims)
    # What is stored for these indicators; nothing for new ones (then every row is new).
    existing = _stored({key for key, dims in indicator_dims.items() if dims is not None}, resolver.indicators)
    incoming, renamed = _compare_rows(parsed, plan, resolver, indicator_dims, values, existing)
    if plan.conflicts and not replace:
        _warn_of_conflicts(plan, incoming)
    say(_("Validating …"))
    _validate(plan, incoming, renamed, existing, resolver)
    plan.errors.sort(key=lambda p: p.line or 0)
    return plan


class _DimensionValues:
    """The values of each dimension, stored or to be created, by key and by lower-case label."""

    def __init__(self, dimensions):
        self.keys: dict[str, set] = {key: {v.key for v in d.values.all()} for key, d in dimensions.items()}
        self.by_label: dict[str, dict] = {
            key: {v.label.lower(): v.key for v in d.values.all()} for key, d in dimensions.items()
        }


def _indicator_dimensions(parsed: Parsed, plan: Plan, resolver: _Resolver) -> tuple[dict, dict]:
    """({indicator: its dimension keys, None if unknown}, {indicator: the dimensions the file gives it}),
    noting indicators to create and reporting unknown ones."""
    indicator_dims: dict[str, set[str] | None] = {}
    file_dims: defaultdict[str, set[str]] = defaultdict(set)
    # The first row of each breakdown of an indicator (the last write wins, so read backwards)
    first_rows = {(row.indicator, row.dim_key): row for row in reversed(parsed.rows)}
    for row in sorted(first_rows.values(), key=lambda row: row.line or 0):
        if row.indicator not in indicator_dims:
            indicator = resolver.indicators.get(row.indicator)
            if indicator is not None:
                indicator_dims[row.indicator] = {d.key for d in indicator.dimensions.all()}
            elif parsed.creates_metadata and row.indicator in parsed.indicators:
                indicator_dims[row.indicator] = set(row.dims)
                plan.create["indicators"][row.indicator] = parsed.indicators[row.indicator]
            else:
                resolver.error_once(
                    "indicator",
                    row.indicator,
                    row.line,
                    "indicator",
                    _(
                        "unknown indicator '%(key)s'; its metadata file is there: --create-indicators "
                        "creates it from that."
                    )
                    % {"key": row.indicator}
                    if row.indicator in parsed.described
                    else _("unknown indicator '%(key)s'.") % {"key": row.indicator},
                )
                indicator_dims[row.indicator] = None
        file_dims[row.indicator].update(row.dims)
    return indicator_dims, file_dims


def _key_labelled_breakdowns(parsed: Parsed, resolver: _Resolver):
    """Open SDG files name dimensions and values by their labels ("Geschlecht", "weiblich"; a blank
    cell is the total): give each row the keys of the stored dimension and value of that key or
    label, or new keys made from the labels, noted in `parsed.dimensions` to be created."""
    stored = resolver.dimensions
    by_name = {d.label.lower(): key for key, d in stored.items()} | {key.lower(): key for key in stored}
    keyed: dict = {}  # dim_key in the file -> (dims, dim_key) with keys
    for row in parsed.rows:
        found = keyed.get(row.dim_key)
        if found is None:
            dims = {}
            for name, label in row.dims.items():
                dim = by_name.get(name.lower()) or folder.slug(name)
                dims[dim] = _value_key(dim, name, label, stored.get(dim), parsed.dimensions)
            found = keyed[row.dim_key] = (dims, m.dimension_key(dims))
        row.dims, row.dim_key = found


def _value_key(dim: str, name: str, label: str, stored, planned: dict) -> str:
    """The key of a value of a dimension named by its label in a file, noting a new one in `planned`."""
    spec = planned.setdefault(dim, {"label": name, "values": {}, "total": TOTAL_KEY})
    values = list(stored.values.all()) if stored is not None else []
    if label == TOTAL_KEY:
        total = next((v.key for v in values if v.is_total), None)
        if total is None:
            spec["values"].setdefault(TOTAL_KEY, "Insgesamt")  # a label of the data, not of the interface
        return total or TOTAL_KEY
    for value in values:
        if label in (value.key, value.label) or label.lower() == value.label.lower():
            return value.key
    key = folder.slug(label)
    spec["values"].setdefault(key, label)
    return key


def _plan_new_dimensions(parsed: Parsed, plan: Plan, resolver: _Resolver, values: _DimensionValues):
    """The dimensions and values a file that creates metadata (GENESIS) names and the database lacks."""
    for dim, spec in parsed.dimensions.items():
        if dim not in resolver.dimensions:
            plan.create["dimensions"][dim] = spec
            values.keys[dim] = set()
        for value_key, label in spec["values"].items():
            if value_key not in values.keys[dim]:
                plan.create["values"][(dim, value_key)] = (label, value_key == spec.get("total"))
                values.keys[dim].add(value_key)


def _plan_new_breakdowns(plan: Plan, resolver: _Resolver, indicator_dims: dict, file_dims: dict):
    """A stored indicator without observations takes the breakdown of the file (GENESIS); one with
    observations keeps its own, and a file with another breakdown is an error."""
    for key, dims in indicator_dims.items():
        indicator = resolver.indicators.get(key)
        if dims is None or indicator is None or file_dims[key] == dims:
            continue
        if indicator.observations.exists():
            plan.errors.append(
                _problem_at(
                    None,
                    "",
                    _("the indicator '%(key)s' is broken down by %(expected)s, the file by %(given)s.")
                    % {
                        "key": key,
                        "expected": ", ".join(sorted(dims)) or "–",
                        "given": ", ".join(sorted(file_dims[key])) or "–",
                    },
                )
            )
        else:
            plan.create["indicators"][key] = {"dimensions_only": True}
            indicator_dims[key] = file_dims[key]


def _note_rounding(parsed: Parsed, resolver: _Resolver, indicator_dims: dict):
    """Where an indicator's source says that its figures are rounded, each value keeps a note saying so."""
    said = {
        key: rounding_note([i.source.note])
        for key in indicator_dims
        if (i := resolver.indicators.get(key)) and i.source
    }
    if said := {key: note for key, note in said.items() if note}:
        for row in parsed.rows:
            note = said.get(row.indicator)
            if note and note not in row.note:
                row.note = f"{row.note}; {note}" if row.note else note


def _resolve_breakdown(row, expected: set, values: _DimensionValues, plan: Plan, resolver: _Resolver):
    """(dims, dim_key) as stored for the row's breakdown, or None after recording an error."""
    dims = row.dims
    if set(dims) != expected:
        dims = _match_dimensions(dims, expected, resolver.dimensions)
        if dims is None:
            plan.errors.append(
                _problem_at(
                    row.line,
                    "",
                    _(
                        "the indicator '%(indicator)s' is broken down by: %(expected)s; the row gives: %(given)s."
                    )
                    % {
                        "indicator": row.indicator,
                        "expected": ", ".join(sorted(expected)) or "–",
                        "given": ", ".join(sorted(row.dims)) or "–",
                    },
                )
            )
            return None
    for dim, value in list(dims.items()):
        if value not in values.keys.get(dim, ()):
            by_label = values.by_label.get(dim, {}).get(value.lower())
            if not by_label:
                resolver.error_once(
                    "value",
                    (dim, value),
                    row.line,
                    dim,
                    _("'%(value)s' is not a value of the dimension '%(dim)s'.")
                    % {"value": value, "dim": dim},
                )
                return None
            dims = {**dims, dim: by_label}
    return dims, m.dimension_key(dims) if dims is not row.dims else row.dim_key


def _compare_rows(parsed, plan, resolver, indicator_dims, values, existing) -> tuple[dict, dict]:
    """Sort each row into new, changed, conflicting or unchanged (on `plan`); returns the incoming
    rows by (indicator, area, date, dim_key), and the breakdowns of rows named differently in the
    file. Each distinct area and each distinct breakdown of an indicator is resolved once."""
    areas: dict = {}
    breakdowns: dict = {}
    incoming: dict = {}  # (indicator, area, date, dim_key) -> row
    renamed: dict = {}  # the same key -> dims, for rows whose breakdown was named differently in the file
    indicator = code = area = own_source = None  # of the previous row, which most rows share
    new = plan.new
    for row in parsed.rows:
        if row.indicator is not indicator:
            indicator = row.indicator
            known = indicator_dims.get(indicator) is not None  # an unknown one is reported above
            own_source = getattr(resolver.indicators.get(indicator), "source_id", None)
        if not known:
            plan.refused_rows += 1
            continue
        if row.area is not code:
            code = row.area
            area = areas.get(code, areas)
            if area is areas:
                area = areas[code] = resolver.area(code, row.line, "area")
        if area is None:
            plan.refused_rows += 1
            continue
        target = breakdowns.get((row.indicator, row.dim_key), breakdowns)
        if target is breakdowns:
            target = breakdowns[(row.indicator, row.dim_key)] = _resolve_breakdown(
                row, indicator_dims[row.indicator], values, plan, resolver
            )
        if target is None:
            plan.refused_rows += 1
            continue
        dims, dim_key = target
        source_id = resolver.source(row.source, row.line, "source") if row.source else None
        if source_id is False:
            plan.refused_rows += 1
            continue
        ident = (indicator, area, row.date, dim_key)
        other = incoming.setdefault(ident, row)
        if other is not row:
            plan.errors.append(
                _problem_at(
                    row.line,
                    "",
                    _("the same observation appears twice (also in line %(other)s).") % {"other": other.line},
                )
            )
            plan.refused_rows += 1
            continue
        if dims is not row.dims:
            renamed[ident] = dims
        new_row = (indicator, area, row.date, dims, dim_key, row.value, row.flag, row.note)
        old = existing.get(ident) if existing else None
        if source_id == own_source:
            source_id = None
        if old is None and not (source_id or row.qualifier or row.period):
            new.append(new_row)  # most rows of a first import: what _sort_row would do, without the call
        else:
            _sort_row(plan, row, ident, new_row, old, source_id, own_source)
    plan.indicator_keys = {key[0] for key in incoming}
    plan.breakdowns = [(key[0], target[0]) for key, target in breakdowns.items() if target is not None]
    return incoming, renamed


def _sort_row(plan: Plan, row, ident: tuple, new_row: tuple, old, source_id, own_source):
    """Put a row among the new, changed, conflicting or unchanged ones, or refuse it when it
    would overwrite another source's value. `source_id` is the row's own source, None where it
    names none or the indicator's (`own_source`): stored only where it differs from that."""
    period = row.period
    if old is not None:
        stored_source, period = old[7] or own_source, row.period or old[6]
        incoming_source = source_id or own_source
        if stored_source and incoming_source and incoming_source != stored_source:
            plan.errors.append(_other_source(row, stored_source, incoming_source))
            plan.refused_rows += 1
            return
    if source_id or row.qualifier or period:
        plan.extras[ident] = (source_id, row.qualifier, period)
    if old is None:
        plan.new.append(new_row)
    elif same_value(old[1], row.value) and old[2] == row.flag and (old[3] == row.note or not row.note):
        if old[5:] == (row.qualifier, period, source_id):
            plan.unchanged += 1
        else:  # the same value, stated otherwise (a period label, a source named)
            plan.changed.append((old[0], new_row, old[1:]))
    elif row.flag == "r" or old[2] in REPLACEABLE_FLAGS:
        plan.changed.append((old[0], new_row, old[1:]))
    else:
        plan.conflicts.append((old[0], new_row, old[1:]))


def _other_source(row, stored: int, new: int) -> Problem:
    """The error of a row whose source differs from the stored value's: two sources are two
    series, and one never overwrites the other, not even with --replace."""
    names = {s.pk: str(s) for s in m.Source.objects.filter(pk__in=(stored, new))}
    return _problem_at(
        row.line,
        "source",
        _(
            "the stored value comes from the source '%(stored)s', this row from '%(new)s'. Two sources "
            "are two series: import this source's figures under an indicator of their own; nothing "
            "is overwritten, not even with --replace."
        )
        % {"stored": names.get(stored, stored), "new": names.get(new, new)},
        row.source,
    )


def _warn_of_conflicts(plan: Plan, incoming: dict):
    """The first 50 conflicts as warnings: they are written only when overwriting is chosen."""
    for _obs_id, new_row, old in plan.conflicts[:50]:
        row = incoming[(new_row[0], new_row[1], new_row[2], new_row[4])]
        plan.warnings.append(
            _problem_at(
                row.line,
                row.column,
                _(
                    "conflict: stored is %(old)s, the file says %(new)s; written only when overwriting is chosen (--replace)."
                )
                % {"old": _show(old[0], old[1]), "new": _show(row.value, row.flag)},
                _show(row.value, row.flag),
            )
        )


def _validate(plan: Plan, incoming: dict, renamed: dict, existing: dict, resolver: _Resolver):
    """Validation rules, on stored and incoming values together: errors and warnings of the plan."""
    for finding in _check_rules(plan, incoming, renamed, existing, resolver):
        problem = _problem_at(finding.line, finding.column, finding.message, finding.value)
        if finding.severity == rules.SKIPPED:
            plan.skipped.append(problem)
        (plan.errors if finding.severity == "error" else plan.warnings).append(problem)


def _match_dimensions(dims, expected, dimensions):
    """Map dimension columns named by label (e.g. in Open SDG files) onto dimension keys;
    a dimension of the indicator missing from the row is its total."""
    result = {}
    labels = {d.label.lower(): key for key, d in dimensions.items()}
    for name, value in dims.items():
        key = name if name in expected else labels.get(name.lower())
        if key not in expected:
            return None
        result[key] = value
    for key in expected - set(result):
        total = (
            next((v.key for v in dimensions[key].values.all() if v.is_total), None)
            if key in dimensions
            else None
        )
        if total is None:
            return None
        result[key] = total
    return result


def _stored(indicator_keys, indicators):
    ids = {indicators[k].pk: k for k in indicator_keys if k in indicators}
    if not ids:
        return {}
    area_keys = dict(m.Area.objects.values_list("pk", "key"))
    stored = {}
    rows = m.Observation.objects.filter(indicator_id__in=ids).values_list(
        "pk",
        "indicator_id",
        "area_id",
        "reference_date",
        "dim_key",
        "value",
        "flag",
        "note",
        "import_record_id",
        "qualifier",
        "period",
        "source_id",
    )
    for pk, ind, area, date, dim_key, value, flag, note, record, qualifier, period, source in rows.iterator(
        chunk_size=5000
    ):
        stored[(ids[ind], area_keys[area], date, dim_key)] = (
            pk,
            value,
            flag,
            note,
            record,
            qualifier,
            period,
            source,
        )
    return stored


def _show(value, flag):
    if value is None:
        return flag
    return format_number(Decimal(value)) + (f" {flag}" if flag else "")


# Units of the statistics offices, lower case. A count is checked as one (whole, >= 0) and kept
# confidential when small; everything that is not a known amount counts, so that a misspelt or new
# unit word never lets a small count through (an unknown unit is named in a warning).
COUNT_UNITS = frozenset(
    {
        "anzahl",
        "person",
        "personen",
        "fall",
        "fälle",
        "haushalt",
        "haushalte",
        "einwohner",
        "einwohnerinnen und einwohner",
        "menschen",
        "kinder",
        "schüler",
        "schülerinnen und schüler",
        "beschäftigte",
        "empfänger",
        "leistungsempfänger",
        "bedarfsgemeinschaften",
        "betriebe",
        "wohnungen",
        "gebäude",
        "stück",
    }
)
AMOUNT_UNITS = frozenset(
    {
        "prozent",
        "%",
        "promille",
        "‰",
        "jahre",
        "jahr",
        "eur",
        "euro",
        "tsd. eur",
        "1000 eur",
        "mio. eur",
        "mill. eur",
        "mrd. eur",
        "mill.",
        "mrd.",
        "ew/qkm",
        "1000",
        "tsd.",
        "tausend",
        "ha",
        "km²",
        "qkm",
        "m²",
        "qm",
        "stunden",
        "tage",
        "index",
        "quote",
        "anteil",
        "durchschnitt",
        "je 1000 einwohner",
        "je 100.000 einwohner",
    }
)


def _unit_word(unit: str) -> str:
    return " ".join(unit.strip().lower().split())


def kind_of_unit(unit: str) -> str:
    """The kind of an indicator a statistics file creates, from its unit: an amount where the unit
    is one of the offices' amount units ("Prozent", "Jahre", "EUR", "Mill. EUR", "Ew/qkm", "1000", an
    index base "2020=100", …: checked by no implicit
    rule, a percentage there may be a change and lie outside 0–100); a count otherwise — "Anzahl",
    "Person", "Personen", "Fälle", "Haushalte" and every unit not known (see `unit_is_known`)."""
    word = _unit_word(unit)
    if (
        word in AMOUNT_UNITS
        or word.startswith(("je ", "prozent", "eur "))
        or re.fullmatch(r"\d{4}=100", word)  # an index's base year: 2020=100
    ):
        return m.Indicator.Kind.AMOUNT
    return m.Indicator.Kind.COUNT


def unit_is_known(unit: str) -> bool:
    word = _unit_word(unit)
    return (
        not word
        or word in COUNT_UNITS
        or word.startswith("anzahl")
        or kind_of_unit(unit) == m.Indicator.Kind.AMOUNT
    )


def _warn_of_unknown_units(plan: "Plan"):
    """A new indicator whose unit is no known word of the offices is created as a count: say so."""
    for key, spec in plan.create["indicators"].items():
        unit = spec.get("unit") or ""
        if not unit_is_known(unit):
            plan.warnings.append(
                Problem(
                    None,
                    "value_unit",
                    _(
                        "The unit '%(unit)s' of the new indicator %(key)s is not known: it is created as a count "
                        "(whole numbers, small counts kept confidential). If it is an amount, change its kind in "
                        "the administration."
                    )
                    % {"unit": unit, "key": key},
                    unit,
                )
            )


def _check_rules(plan, incoming, renamed, existing, resolver):
    indicators = resolver.indicators
    rule_list = []
    related = set(plan.indicator_keys)
    for key in plan.indicator_keys:
        indicator = indicators.get(key)
        if indicator:
            rule_list.extend(rules.implicit_rules(key, indicator.kind, indicator.decimals))
        else:  # created by this file (GENESIS)
            rule_list.extend(
                rules.implicit_rules(
                    key, kind_of_unit(plan.create["indicators"].get(key, {}).get("unit", ""))
                )
            )
        if indicator:
            for rule in indicator.rules.select_related("indicator", "other_indicator"):
                spec = rules.rule_from_model(rule)
                rule_list.append(spec)
                if spec.other_indicator:
                    related.add(spec.other_indicator)
    # Product rules of other indicators that point at an imported one
    for rule in m.ValidationRule.objects.filter(other_indicator__key__in=plan.indicator_keys).select_related(
        "indicator", "other_indicator"
    ):
        spec = rules.rule_from_model(rule)
        if spec not in rule_list:
            rule_list.append(spec)
            related.add(spec.indicator)
    cells = {}
    more = _stored(related - plan.indicator_keys, indicators) if related - plan.indicator_keys else {}
    for source in (existing, more):
        for ident, stored in source.items():
            cells[ident] = rules.Cell(
                stored[1], stored[2], m.parse_dimension_key(ident[3]), qualifier=stored[5]
            )
    # A row has the attributes of a cell; only rows whose breakdown was renamed need a new one.
    cells.update(incoming)
    for ident, dims in renamed.items():
        row = incoming[ident]
        cells[ident] = rules.Cell(row.value, row.flag, dims, row.line, row.column, row.qualifier)
    return rules.check(rule_list, cells, m.area_children())


# --- Applying ----------------------------------------------------------------------------


class StalePlanError(Exception):
    """The database changed between checking and writing; the message is German."""


# Any constant: the key of the PostgreSQL advisory lock that serialises imports.
IMPORT_LOCK = 4_733_021


def _lock_imports():
    """Imports run one after the other. On SQLite the write transaction itself is exclusive
    (transaction_mode IMMEDIATE); PostgreSQL needs an advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def apply_import(plan: Plan, user=None, progress=None) -> m.ImportRecord | None:
    """Write a checked plan in one transaction; returns the record, or None if nothing changes.

    Raises StalePlanError, writing nothing, if another import of the same
    indicators (or any other write to the same observations) came in between."""
    if not plan.ok:
        raise ValueError("plan has errors")
    if not plan.has_changes:
        return None
    try:
        with gc_paused(), transaction.atomic():
            _lock_imports()
            newer = m.ImportRecord.objects.filter(
                pk__gt=plan.last_import, indicators__key__in=plan.indicator_keys
            )
            if newer.exists():
                raise StalePlanError(
                    _(
                        "Another import of the same indicators was written after this file was checked; check the file again."
                    )
                )
            return _write(plan, user, progress or (lambda message: None))
    except IntegrityError:
        raise StalePlanError(
            _(
                "The stored values changed after this file was checked; nothing was written. Check the file again."
            )
        ) from None


def _write(plan: Plan, user, say) -> m.ImportRecord:
    """Write the plan; runs inside apply_import's transaction and lock."""
    created = _create_metadata(plan)
    indicators = {i.key: i for i in m.Indicator.objects.filter(key__in=plan.indicator_keys)}
    areas = dict(m.Area.objects.values_list("key", "pk"))
    record = m.ImportRecord.objects.create(
        file_name=plan.file_name,
        sha256=plan.sha256,
        format=plan.parsed.format,
        user=user if user is not None and user.is_authenticated else None,
        rows_new=len(plan.new),
        rows_changed=len(plan.changed) + (len(plan.conflicts) if plan.replace else 0),
        rows_unchanged=plan.unchanged,
        warnings=[str(w) for w in plan.warnings],
        files=plan.files.as_list() if plan.files else [],
        created={what: keys for what, keys in created.items() if keys},
    )
    say(_("Writing %(count)s new rows …") % {"count": len(plan.new)})
    indicator_ids = {key: indicator.pk for key, indicator in indicators.items()}
    _insert_new(plan, indicator_ids, areas, record)
    updates = plan.changed + (plan.conflicts if plan.replace else [])
    previous = {}
    objects = []
    for obs_id, new_row, old in updates:
        previous[str(obs_id)] = [None if old[0] is None else str(old[0]), old[1], old[2], old[3], *old[4:]]
        source, qualifier, period = plan.extras.get(
            (new_row[0], new_row[1], new_row[2], new_row[4]), (None, "", "")
        )
        objects.append(
            m.Observation(
                pk=obs_id,
                value=new_row[5],
                flag=new_row[6],
                note=new_row[7],
                import_record=record,
                source_id=source,
                qualifier=qualifier,
                period=period,
            )
        )
    m.Observation.objects.bulk_update(
        objects, ["value", "flag", "note", "import_record", "source", "qualifier", "period"], batch_size=1000
    )
    record.previous = previous
    record.save(update_fields=["previous"])
    record.indicators.set(indicators.values())
    recompute_derived(set(indicators))
    return record


def _insert_new(plan: Plan, indicator_ids: dict, areas: dict, record):
    """The new rows: those with a qualifier or a stated period through the ORM (they are few),
    the others by the bulk writer, one batch per source."""
    by_source: dict = {}
    special = []
    if plan.new and not plan.extras:  # no row names a source, qualifier or period of its own
        by_source[None] = [
            (indicator_ids[indicator], areas[area], date, dims, dim_key, value, flag, note)
            for indicator, area, date, dims, dim_key, value, flag, note in plan.new
        ]
    else:
        for row in plan.new:
            indicator, area, date, dims, dim_key, value, flag, note = row
            source, qualifier, period = plan.extras.get((indicator, area, date, dim_key), (None, "", ""))
            ids = (indicator_ids[indicator], areas[area], date, dims, dim_key, value, flag, note)
            if qualifier or period:
                special.append((ids, source, qualifier, period))
            else:
                by_source.setdefault(source, []).append(ids)
    for source, rows in by_source.items():
        extra = {"import_record_id": record.pk}
        if source:
            extra["source_id"] = source
        bulk.insert_observations(rows, extra=extra, expected=len(rows))
    m.Observation.objects.bulk_create(
        [
            m.Observation(
                indicator_id=ind,
                area_id=area,
                reference_date=date,
                dim_key=dim_key,
                value=value,
                flag=flag,
                note=note,
                import_record=record,
                source_id=source,
                qualifier=qualifier,
                period=period,
            )
            for (ind, area, date, _dims, dim_key, value, flag, note), source, qualifier, period in special
        ],
        batch_size=1000,
    )


def _create_metadata(plan: Plan) -> dict:
    """Create the indicators, dimensions, values, areas and sources the plan names; returns what
    was created, by key (`ImportRecord.created`), for the summary and for rolling back."""
    parsed, create = plan.parsed, plan.create
    created: dict = {
        "indicators": [],
        "dimensions": sorted(create["dimensions"]),
        "values": sorted([dim, key] for dim, key in create["values"]),
        "areas": sorted(create["areas"]),
        "sources": [],
    }
    sources: dict = {}

    def source_of(spec):
        spec = spec.get("source") or parsed.source
        if not spec:
            return None
        key = spec["key"][:64]
        if key not in sources:
            sources[key], made = m.Source.objects.get_or_create(
                key=key,
                defaults={k: v for k, v in spec.items() if k != "key"}
                | {"retrieved_on": datetime.date.today()},
            )
            if made:
                created["sources"].append(key)
        return sources[key]

    m.Dimension.objects.bulk_create(
        m.Dimension(key=key, label=spec["label"][:300] or key) for key, spec in create["dimensions"].items()
    )
    dims = {d.key: d for d in m.Dimension.objects.filter(key__in={d for d, _v in create["values"]})}
    order: defaultdict[str, int] = defaultdict(int)
    values = []
    for (dim, value_key), (label, is_total) in create["values"].items():
        order[dim] += 1
        values.append(
            m.DimensionValue(
                dimension=dims[dim],
                key=value_key,
                label=(label or value_key)[:300],
                is_total=is_total,
                order=1000 + order[dim],
            )
        )
    m.DimensionValue.objects.bulk_create(values)
    states = {a.code: a for a in m.Area.objects.filter(kind__in=["state", "country"])}
    new_areas = []
    for code, spec in create["areas"].items():
        parent = states.get(code[:2]) if spec["kind"] != "state" else states.get("DG")
        if spec["kind"] == "country":
            parent = None
        new_areas.append(
            m.Area(
                key=code,
                code=code,
                name=spec["name"][:200] or code,
                kind=spec["kind"],
                parent=parent,
                order=10000,
            )
        )
    m.Area.objects.bulk_create(new_areas)
    file_dims = defaultdict(set)
    for key, dims in plan.breakdowns:
        if key in create["indicators"]:
            file_dims[key].update(dims)
    for key, spec in create["indicators"].items():
        indicator = m.Indicator.objects.filter(key=key).first()
        if indicator is None:
            indicator = m.Indicator.objects.create(
                key=key,
                title=(spec.get("title") or key)[:500],
                unit=(spec.get("unit") or "")[:100],
                kind=kind_of_unit(spec.get("unit") or ""),
                source=source_of(spec),
                note=spec.get("statistic", ""),
            )
            created["indicators"].append(key)
        indicator.dimensions.set(m.Dimension.objects.filter(key__in=file_dims[key]))
    return created


def recompute_derived(indicator_keys: set):
    """Recompute shares and rates whose numerator or denominator changed."""
    derived = m.Indicator.objects.filter(
        Q(numerator__key__in=indicator_keys) | Q(denominator__key__in=indicator_keys)
    ).select_related("numerator", "denominator")
    for indicator in derived:
        numerator, denominator = indicator.numerator, indicator.denominator
        if numerator is None or denominator is None:
            continue  # not derived (the database keeps both or neither)
        columns = ("area_id", "reference_date", "dim_key", "value", "flag", "qualifier")
        rows = derive(
            indicator.kind,
            list(numerator.observations.values_list(*columns)),
            list(denominator.observations.values_list(*columns)),
        )
        indicator.observations.all().delete()
        plain = [row for row in rows if len(row) == 6]
        bulk.insert_observations(
            ((indicator.pk, area, date, None, dim_key, *rest) for area, date, dim_key, *rest in plain),
            expected=len(plain),
        )
        step = Decimal(1).scaleb(-indicator.decimals)  # a stated share keeps no more digits than shown
        m.Observation.objects.bulk_create(
            m.Observation(
                indicator=indicator,
                area_id=area,
                reference_date=date,
                dim_key=dim_key,
                value=value.quantize(step, rounding=ROUND_HALF_UP),
                flag=flag,
                note=note,
                qualifier=qualifier,
            )
            for area, date, dim_key, value, flag, note, qualifier in (row for row in rows if len(row) == 7)
        )


# A bound of the denominator bounds the share the other way: 500 / (more than 1,000) < 50 %.
_FLIPPED = {"more_than": "less_than", "at_least": "at_most", "less_than": "more_than", "at_most": "at_least"}
_UPPER, _LOWER = {"less_than", "at_most"}, {"more_than", "at_least"}


def derived_qualifier(numerator: str, denominator: str) -> str | None:
    """How a share of values stated so is stated: exact of exact inputs, "approx" where an input is
    approximate, a bound where the inputs bound it one way (strict if either is strict); None
    where they bound it in opposite ways."""
    bounds = {q for q in (numerator, _FLIPPED.get(denominator, denominator)) if q in _UPPER | _LOWER}
    if not bounds:
        return "approx" if numerator or denominator else ""
    if bounds <= _UPPER:
        return "less_than" if "less_than" in bounds else "at_most"
    if bounds <= _LOWER:
        return "more_than" if "more_than" in bounds else "at_least"
    return None


def derive(kind: str, numerators: list, denominators: list) -> list:
    """Shares (× 100) or rates (× 1,000) from (area, date, dim_key, value, flag) of numerator
    and denominator; returns (area, date, dim_key, value, flag, note) rows.

    A numerator is paired with the denominator of the same area and breakdown
    (or the denominator's total when the denominator is not broken down) at the
    same reference date, else the latest earlier one; the result carries the
    lower of the two dates. Where several numerators meet the same denominator
    (2018 and 2019 over a population of 2017), the one nearest to it wins: a
    result stands for one date only. A missing input gives the input's symbol
    (a share of a secret count is secret); qualifiers (p, r, ()) are passed on. Inputs may carry a
    sixth element, how the source states them ("approx", "more_than", …): a share of such values
    is a row of seven, the last saying how it is stated (see `derived_qualifier`)."""
    factor = Decimal(1000) if kind == "rate" else Decimal(100)
    by_key: defaultdict[tuple, list[tuple]] = defaultdict(list)  # (area, dim_key) -> (date, value, flag)
    for area, date, dim_key, value, flag, *den_stated in denominators:
        by_key[(area, dim_key)].append((date, value, flag, *den_stated[:1]))
    for series in by_key.values():
        series.sort()
    result: dict[tuple, tuple] = {}  # (area, date, dim_key) -> (numerator date, row)
    for area, date, dim_key, value, flag, *stated in numerators:
        denominator = by_key.get((area, dim_key)) or by_key.get((area, ""))
        if not denominator:
            continue
        candidates = [s for s in denominator if s[0] <= date]
        if not candidates:
            continue
        den_date, den_value, den_flag, *den_stated = candidates[-1]
        out_date = min(date, den_date)
        key = (area, out_date, dim_key)
        if key in result and result[key][0] < date:
            continue
        qualifiers = {f for f in (flag, den_flag) if f in ("p", "r", "()")}
        row: tuple
        if value is None and flag != "-":
            row = (area, out_date, dim_key, None, flag, "")
        elif den_value is None or den_value == 0:
            row = (area, out_date, dim_key, None, den_flag if den_value is None else "x", "")
        else:
            numerator = Decimal(0) if value is None else Decimal(value)
            share = (numerator / Decimal(den_value) * factor).quantize(
                Decimal("0.000001"), rounding=ROUND_HALF_UP
            )
            out_flag = (
                "p" if "p" in qualifiers else "()" if "()" in qualifiers else "r" if "r" in qualifiers else ""
            )
            stated_as = derived_qualifier((stated or [""])[0], (den_stated or [""])[0])
            if stated_as is None:  # bounds that point different ways bound nothing
                row = (area, out_date, dim_key, None, "x", "")
            elif stated_as:
                row = (area, out_date, dim_key, share, out_flag, "", stated_as)
            else:
                row = (area, out_date, dim_key, share, out_flag, "")
        result[key] = (date, row)
    return [row for _, row in result.values()]


# --- Rolling back ----------------------------------------------------------------------------


class RollbackError(Exception):
    pass


def rollback_import(record: m.ImportRecord):
    """Undo an import: remove the rows it created, restore the values it changed."""
    if record.status == m.ImportRecord.Status.ROLLED_BACK:
        raise RollbackError(_("This import has already been rolled back."))
    later = m.ImportRecord.objects.filter(
        status=m.ImportRecord.Status.APPLIED, pk__gt=record.pk, indicators__in=record.indicators.all()
    ).distinct()
    if later.exists():
        raise RollbackError(
            _("Later imports changed the same indicators (%(imports)s); roll those back first.")
            % {"imports": ", ".join(f"#{r.pk} {r.file_name}" for r in later)}
        )
    with transaction.atomic():
        changed_ids = [int(pk) for pk in record.previous]
        record.observations.exclude(pk__in=changed_ids).delete()
        restored = []
        for pk, (value, flag, note, import_id, *stated) in record.previous.items():
            qualifier, period, source = stated or ("", "", None)  # older imports kept only four
            restored.append(
                m.Observation(
                    pk=int(pk),
                    value=None if value is None else Decimal(value),
                    flag=flag,
                    note=note,
                    import_record_id=import_id,
                    qualifier=qualifier,
                    period=period,
                    source_id=source,
                )
            )
        m.Observation.objects.bulk_update(
            restored,
            ["value", "flag", "note", "import_record", "qualifier", "period", "source"],
            batch_size=1000,
        )
        record.status = m.ImportRecord.Status.ROLLED_BACK
        record.rolled_back_at = timezone.now()
        record.save(update_fields=["status", "rolled_back_at"])
        recompute_derived(set(record.indicators.values_list("key", flat=True)))
        return remove_created(record.created)


def remove_created(created: dict) -> dict:
    """Remove what an import created (`ImportRecord.created`) where nothing else uses it now: an
    indicator without observations that no goal, rule or derived indicator names, a dimension no
    indicator is broken down by, a value no observation has, an area or source nothing refers
    to. Returns what was kept, by kind."""
    kept: dict = {}

    def remove(kind, objects, ignore=()):
        for obj in objects:
            if _in_use(obj, ignore):
                kept.setdefault(kind, []).append(obj.key)
            else:
                obj.delete()

    remove(
        "indicators",
        m.Indicator.objects.filter(key__in=created.get("indicators", [])),
        ignore=(m.ImportRecord, "dimensions"),
    )
    values = defaultdict(set)
    for dim, key in created.get("values", []):
        values[dim].add(key)
    remove(
        "dimensions",
        m.Dimension.objects.filter(key__in=created.get("dimensions", [])),
        ignore=(m.DimensionValue,),
    )
    for dimension in m.Dimension.objects.filter(key__in=values):
        used = set()
        for dim_key in (
            m.Observation.objects.filter(indicator__dimensions=dimension)
            .values_list("dim_key", flat=True)
            .distinct()
        ):
            used.add(m.parse_dimension_key(dim_key).get(dimension.key))
        for value in dimension.values.filter(key__in=values[dimension.key]):
            if value.key in used:
                kept.setdefault("values", []).append(f"{dimension.key}={value.key}")
            else:
                value.delete()
    remove("areas", m.Area.objects.filter(key__in=created.get("areas", [])))
    remove("sources", m.Source.objects.filter(key__in=created.get("sources", [])))
    return kept


def _in_use(obj, ignore=()) -> bool:
    """Whether any row refers to `obj`, except rows of the models and many-to-many fields in `ignore`."""
    for rel in obj._meta.related_objects:
        if rel.related_model not in ignore and (
            rel.related_model._base_manager.filter(**{rel.field.name: obj}).exists()
        ):
            return True
    return any(f.name not in ignore and getattr(obj, f.name).exists() for f in obj._meta.many_to_many)
