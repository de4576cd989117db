"""Reading a concept file (YAML) and writing validated data to the database, atomically."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import bulk, periods, yamlio
from .. import models as m
from ..numbers import same_value
from .dump import _record
from .schema import (
    MODELS,
    SCHEMA,
    SINGLE_SECTIONS,
    ConceptFileError,
    Problem,
    _model_field,
    _stored_fields,
    key_attribute,
    model_attributes,
)
from .validate import validate


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


@dataclass
class Change:
    """One record a load creates, changes or deletes: `fields` holds (attribute, old, new)."""

    path: str
    key: str
    action: str  # "created", "updated", "deleted"
    fields: tuple = ()


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    warnings: list = field(default_factory=list)  # broken rules of severity "warning" (Problem)
    changes: list = field(default_factory=list)
    unlisted: list = field(default_factory=list)  # (section, key) stored but not in the file

    def __str__(self):
        text = _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.deleted:
            text += ", " + _("%(deleted)s deleted") % {"deleted": self.deleted}
        return text


class _DryRun(Exception):
    def __init__(self, stats):
        self.stats = stats


def load(clean: dict, dry_run: bool = False, prune: bool = False) -> LoadStats:
    """Write validated concept data atomically; returns what changed (`changes`, and the stored
    records the file does not list in `unlisted`).

    A record is updated only in the fields the file gives: a field left out stays as stored, a
    field written empty is cleared. Records the file does not list stay, unless `prune` deletes
    them. With `dry_run` nothing is written: the returned stats say what would change."""
    try:
        with transaction.atomic():
            stats = _Loader(prune).run(clean)
            if dry_run:
                raise _DryRun(stats)
            return stats
    except _DryRun as done:
        return done.stats


# Sections whose stored records a file can leave out (and `--prune` can delete), from the most
# dependent to the least, so that deleting follows the references.
PRUNABLE = (
    "contact_points",
    "meetings",
    "bodies",
    "measures",
    "goals",
    "strategic_goals",
    "fields_of_action",
)


class _Loader:
    def __init__(self, prune: bool = False):
        self.stats = LoadStats()
        self.prune = prune
        self.registry: dict[str, dict] = {}  # section -> {key: object}
        self.listed: dict[str, set] = {}  # section -> keys the file lists

    def run(self, c: dict) -> LoadStats:
        municipality = self.upsert_all("municipality", [c["municipality"]], m.Municipality.objects.all())
        municipality = municipality[c["municipality"]["key"]]
        self.upsert_all("areas", c["areas"], m.Area.objects.all())
        # Bodies refer to nothing; the concept refers to the body approving reporting cycles.
        self.upsert_all("bodies", c["bodies"], m.Body.objects.all())
        concept = self.upsert_all(
            "concept", [c["concept"]], m.Concept.objects.all(), {"municipality": municipality}
        )
        concept = concept[c["concept"]["key"]]
        # Left out of the file, the stored editions stay (and references can point to them).
        self.registry["editions"] = self.upsert_all(
            "editions",
            c["concept"].get("editions", []),
            concept.editions.all(),
            {"concept": concept},
            "concept.editions",
        )
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
            if "values" not in d:
                continue
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
            if "rules" in ind:  # left out: the stored rules stay
                self.replace_rules(indicators[ind["key"]], ind["rules"])
        self.upsert_all("goals", c["goals"], m.Goal.objects.all())
        measures = self.upsert_all("measures", c["measures"], m.Measure.objects.all())
        for i, md in enumerate(c["measures"]):
            measure = measures[md["key"]]
            if "next_steps" not in md:
                continue
            steps = md["next_steps"]
            self.upsert_all(
                "next_steps",
                steps,
                measure.next_steps.all(),
                {"measure": measure},
                f"measures[{i}].next_steps",
            )
        for i, md in enumerate(c["measures"]):
            if "funders" in md:  # left out: the stored funders stay
                self.replace_funders(measures[md["key"]], md["funders"], f"measures[{i}]")
        meetings = self.upsert_all("meetings", c["meetings"], m.Meeting.objects.all())
        for mt in c["meetings"]:
            if "outcomes" not in mt:
                continue
            meeting, wanted = meetings[mt["key"]], mt["outcomes"]
            if list(meeting.decisions.values_list("text", flat=True)) != wanted:
                meeting.decisions.all().delete()
                m.Decision.objects.bulk_create(
                    m.Decision(meeting=meeting, text=t, order=i) for i, t in enumerate(wanted)
                )
        self.upsert_all("contact_points", c["contact_points"], m.ContactPoint.objects.all())
        self._load_observations(c["observations"], self.registry["indicators"], self.registry["areas"])
        self._load_stated(c["observations"], c.get("observation_stated") or {})
        self._unlisted(concept)
        return self.stats

    def _unlisted(self, concept):
        """Note (and with `prune` delete) the stored records of this concept the file leaves out."""
        from django.db.models import ProtectedError

        # Measures, goals and fields of action belong to the concept, strategic goals to the
        # municipality; bodies, meetings and contact points to the installation.
        scopes = {
            "fields_of_action": concept.fields_of_action.all(),
            "measures": m.Measure.objects.filter(field_of_action__concept=concept),
            "goals": m.Goal.objects.filter(field_of_action__concept=concept),
            "strategic_goals": m.StrategicGoal.objects.filter(municipality=concept.municipality),
        }
        for section in PRUNABLE:
            key_attr = key_attribute(section)
            queryset = scopes[section] if section in scopes else MODELS[section][0]._default_manager.all()
            missing = queryset.exclude(**{f"{key_attr}__in": self.listed.get(section, set())})
            keys = sorted(missing.values_list(key_attr, flat=True))
            self.stats.unlisted += [(section, key) for key in keys]
            if not (self.prune and keys):
                continue
            try:
                missing.delete()
            except ProtectedError:
                raise ConceptFileError(
                    [
                        Problem(
                            section,
                            _("%(keys)s cannot be deleted: other records still refer to them.")
                            % {"keys": ", ".join(keys)},
                        )
                    ]
                ) from None
            self.stats.deleted += len(keys)
            self.stats.changes += [Change(section, key, "deleted") for key in keys]

    def upsert_all(self, section, records, queryset, extra=None, path=None) -> dict:
        """Create or update the records of one section by key; returns {key: object}.

        References within the same section (an area's parent, an indicator's
        numerator) may point forward in the file, so they are set in a second pass."""
        model = MODELS[section][0]
        key_attr = key_attribute(section)
        existing = {getattr(o, key_attr): o for o in queryset}
        # The order of the file counts only where it lists every stored record of the section.
        has_order = _model_field(model, "order") is not None and set(existing) <= {
            r[key_attr] for r in records
        }
        single = section in SINGLE_SECTIONS
        if not path:
            self.listed[section] = {r[key_attr] for r in records}
        second_pass = []
        for i, record in enumerate(records):
            values, m2m, self_refs = self.values_for(section, record)
            values.update(extra or {})
            if has_order:
                values["order"] = i
            item_path = section if single else f"{path or section}[{i}]"
            obj, state = self.save(
                existing, record[key_attr], model, values, m2m, item_path, (section, record)
            )
            second_pass.append((obj, state, self_refs, item_path))
        for obj, state, self_refs, item_path in second_pass:
            changed = []
            for attr, key in self_refs.items():
                target = existing.get(key)
                old = getattr(obj, f"{attr}_id")
                if old != (target.pk if target else None):
                    setattr(obj, attr, target)
                    changed.append(attr)
            if changed:
                obj.save(update_fields=changed)
                if state != "created":
                    self._note(item_path, obj, key_attr, [(attr, "…", self_refs[attr]) for attr in changed])
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

    def replace_funders(self, measure, wanted: list, path: str):
        """Funders have no key: when the list differs, it is replaced as a whole."""
        current = [_record("funders", f) for f in measure.funders.all()]
        if current == [_normalise_funder(r) for r in wanted]:
            return
        measure.funders.all().delete()
        for order, record in enumerate(wanted):
            values, _m2m, _self_refs = self.values_for("funders", record)
            funder = m.Funder(measure=measure, order=order, **values)
            funder.full_clean(exclude=["measure"])
            funder.save()
        noted = [c for c in self.stats.changes if c.path == path and c.key == measure.key]
        if noted and noted[0].action == "created":
            return
        if not noted:  # the measure itself was unchanged
            self.stats.unchanged -= 1
            self.stats.updated += 1
        self._note(path, measure, "key", [("funders", len(current), len(wanted))])

    def _note(self, path, obj, key_attr, fields):
        key = str(getattr(obj, key_attr))
        for change in self.stats.changes:
            if change.path == path and change.key == key:
                change.fields += tuple(fields)
                return
        self.stats.changes.append(Change(path, key, "updated", tuple(fields)))

    def values_for(self, section, record):
        """The model values of a record: every field (defaults for those the record leaves out,
        for a new record); self-references only where the record gives them."""
        values, m2m, self_refs = {}, {}, {}
        for name, kind, opts, attr, model_field in _stored_fields(section):
            value = record.get(name)
            if kind == "ref" and opts["ref"] == section and name not in record:
                continue
            if kind == "ref":
                if opts["ref"] == section:
                    self_refs[attr] = value
                else:
                    values[attr] = self.registry[opts["ref"]][value] if value is not None else None
            elif kind == "refs":
                m2m[attr] = [self.registry[opts["ref"]][key] for key in value or []]
            elif kind == "period":
                values[attr] = value.stored(opts["edge"]) if value is not None else None
                values[opts["precision"]] = value.precision if value is not None else periods.DAY
            else:
                values[attr] = model_field.get_default() if value is None else value
        return values, m2m, self_refs

    def save(self, existing, key, model, values, m2m, path, given_by=None):
        """Create or update one record; returns (object, "created"|"updated"|"unchanged").

        An existing record changes only in the fields the record of `given_by` gives (and in the links to its
        parent and its place, which the loader sets). A value the model refuses (e.g. text
        longer than the field allows) becomes a ConceptFileError naming the path in the file."""
        obj = existing.get(key)
        created = obj is None
        fields: list = []
        given = None
        if given_by is not None:  # (section, record): only the fields the record gives
            section, record = given_by
            given = {
                a
                for name, kind, opts, attr, _f in _stored_fields(section)
                if name in record
                for a in model_attributes(kind, opts, attr)
            }
        if created:
            obj = model(**values)
            changed_fields = None
        else:
            if given is not None:
                stored = {
                    a
                    for _n, kind, opts, attr, _f in _stored_fields(section)
                    for a in model_attributes(kind, opts, attr)
                }
                values = {k: v for k, v in values.items() if k in given or k not in stored}
                m2m = {k: v for k, v in m2m.items() if k in given}
            changed_fields = [
                name for name, value in values.items() if not same_value(getattr(obj, name), value)
            ]
            fields = [(name, getattr(obj, name), values[name]) for name in changed_fields]
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
            before = set(manager.values_list("pk", flat=True)) if not created else set()
            if created or before != wanted:
                manager.set(wanted)
                changed = True
                if not created:
                    fields.append((attr, len(before), len(wanted)))
        state = "created" if created else "updated" if changed else "unchanged"
        setattr(self.stats, state, getattr(self.stats, state) + 1)
        if state == "created":
            self.stats.changes.append(Change(path, str(key), "created"))
        elif state == "updated":
            self.stats.changes.append(Change(path, str(key), "updated", tuple(fields)))
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
                # a changed figure is listed like any changed record (dry run, -v 2): old -> new
                fields = [
                    (name, before, after)
                    for name, before, after in (
                        ("value", old[1], value),
                        ("flag", old[2], flag),
                        ("note", old[3], note),
                    )
                    if (not same_value(before, after) if name == "value" else before != after)
                ]
                where = " ".join(str(part) for part in (indicator, area, date, dim_key) if part)
                self.stats.changes.append(Change("observations", where, "updated", tuple(fields)))
            else:
                self.stats.unchanged += 1
        if new:  # new figures are counted, not listed one by one (a file may hold thousands)
            self.stats.changes.append(
                Change(
                    "observations",
                    ngettext("%(count)s new figure", "%(count)s new figures", len(new)) % {"count": len(new)},
                    "created",
                )
            )
        bulk.insert_observations(new, expected=len(new))
        m.Observation.objects.bulk_update(changed, ["value", "flag", "note"], batch_size=1000)
        self.stats.created += len(new)
        self.stats.updated += len(changed)

    def _load_stated(self, rows: list, stated: dict):
        """How the file states its observations (qualifier, period, own source), after they are
        written: the file's rows only; one that states nothing keeps none."""
        in_file = {(r[0], r[1], r[2], r[4]) for r in rows}
        if not in_file:
            return
        indicators = self.registry["indicators"]
        sources = self.registry.get("sources") or {}
        stored_stated = Q(qualifier__gt="") | Q(period__gt="") | Q(source__isnull=False)
        wanted = {i[0] for i in stated}
        found = m.Observation.objects.filter(
            Q(indicator__key__in=wanted) | (Q(indicator__key__in={i[0] for i in in_file}) & stored_stated)
        )
        changed = []
        for obs in found.select_related("indicator", "area"):
            ident = (obs.indicator.key, obs.area.key, obs.reference_date, obs.dim_key)
            if ident not in in_file:
                continue
            qualifier, period, source = stated.get(ident, ("", "", ""))
            source_id = sources[source].pk if source else None
            if source_id == indicators[obs.indicator.key].source_id:
                source_id = None
            if (obs.qualifier, obs.period, obs.source_id) != (qualifier, period, source_id):
                obs.qualifier, obs.period, obs.source_id = qualifier, period, source_id
                changed.append(obs)
        m.Observation.objects.bulk_update(changed, ["qualifier", "period", "source"], batch_size=1000)


def _normalise_rule(record: dict) -> dict:
    """A rule from a file in the form `_record` gives for a stored one."""
    defaults = {"severity": "error", "tolerance": Decimal(0), "partial": False}
    out = {}
    for name, kind, _opts in SCHEMA["rules"]:
        value = record.get(name)
        if value is None or value == "" or value == [] or defaults.get(name) == value:
            continue
        out[name] = Decimal(value) if kind.startswith("decimal") else value
    return out


def _normalise_funder(record: dict) -> dict:
    """A funder from a file in the form `_record` gives for a stored one."""
    out = {name: record[name] for name in ("name", "programme") if record.get(name)}
    if record.get("amount") is not None:
        out["amount"] = Decimal(record["amount"])
    return out


def load_text(stream, dry_run: bool = False, prune: bool = False) -> LoadStats:
    """Parse, validate and load; raises ConceptFileError with every problem, writing nothing."""
    data = read(stream)
    clean, problems = validate(data)
    if problems:
        raise ConceptFileError(problems)
    stats = load(clean, dry_run=dry_run, prune=prune)
    stats.warnings = clean.get("warnings", [])
    return stats
