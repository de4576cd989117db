"""Steering actions that change the database: each is atomic, checks the workflow through
`logic`, and records every change in the history (`Change`). Views and commands call these."""

import datetime
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from imon.core import models as m
from imon.core import periods, rollup
from imon.core.vocabulary import vocabulary

from . import logic
from .models import Change, DeletedMeasure, MeasureOwner, ReportingCycle, StatusUpdate

logger = logging.getLogger(__name__)

# Fields a status update carries and, once accepted, copies onto the measure (core.MeasureState).
UPDATE_FIELDS = m.STATE_FIELDS
# Fields of the measure that the edit page changes (besides the status fields).
MEASURE_FIELDS = [
    "title",
    "description",
    "lead_unit",
    "partners",
    "programme",
    "start_date",
    "end_date",
    *UPDATE_FIELDS,
    "note",
]


# Status updates still with the owner: reminded, listed as waiting.
NOT_SUBMITTED = [StatusUpdate.State.OPEN, StatusUpdate.State.DRAFT, StatusUpdate.State.RETURNED]


class StaleEdit(Exception):
    """Someone else saved the object in between; `changes` lists their (field, old, new, by, at)."""

    def __init__(self, changes):
        super().__init__(_("Someone else has changed this in the meantime."))
        self.changes = changes


def record(user, object_type, object_key, changes=(), action=Change.Action.CHANGED, cycle=None):
    rows = [
        Change(
            user=user,
            cycle=cycle,
            object_type=object_type,
            object_key=object_key,
            action=action,
            field=f,
            old=o,
            new=n,
        )
        for f, o, n in changes
    ] or [Change(user=user, cycle=cycle, object_type=object_type, object_key=object_key, action=action)]
    Change.objects.bulk_create(rows)


def current_cycle(concept=None):
    cycles = ReportingCycle.objects.filter(state=ReportingCycle.State.OPEN)
    if concept is not None:
        cycles = cycles.filter(concept=concept)
    return cycles.order_by("-reporting_date").first()


def stale_indicators(today: datetime.date) -> list:
    """Indicators whose newest reference date plus their rhythm lies before `today` (staff dashboard).
    Reads only the newest reference date per indicator, never a value."""
    indicators = m.Indicator.objects.filter(rhythm_months__isnull=False).annotate(
        latest=Max("observations__reference_date")
    )
    return [
        i for i in indicators.order_by("order", "key") if logic.is_stale(i.latest, i.rhythm_months, today)
    ]


# The figures of the roll-up (imon.core.rollup) that the staff pages show: the average progress and its basis.
StaffFigure = Literal["average", "counted", "unknown", "total", "by_status"]
STAFF_FIGURES: tuple[StaffFigure, ...] = ("average", "counted", "unknown", "total", "by_status")


def staff_rollup(states) -> dict:
    """The roll-up of (status, progress[, traffic light]) as the staff dashboard and field pages show it."""
    figures = rollup.rollup(states)
    return {name: figures[name] for name in STAFF_FIGURES}


@dataclass
class FieldOverview:
    """A field of action on the dashboard: its roll-up and its measures by status (label, number)."""

    field: m.FieldOfAction
    rollup: dict
    statuses: Sequence[tuple[str | Promise, int]]
    cross_cutting: int = 0  # of the measures counted, those led by another field

    @property
    def code(self) -> str:
        return self.field.code


DASHBOARD_LIST = 25  # longest list per dashboard box; the full lists are on the cycle and next-steps pages


_GLANCE: dict = {}


def published_key_figures() -> dict | None:
    """The key figures of the published release, exactly as the portal's start page and the report
    show them (imon.reports.keyfigures), with the release's number and reporting date; computed
    once per release (one query per call)."""
    from imon.publication.view import PublicView
    from imon.reports import keyfigures
    from imon.reports.models import Snapshot

    head = (
        Snapshot.objects.filter(release__isnull=False)
        .order_by("-number")
        .values_list("number", "reporting_date")
        .first()
    )
    if head is None:
        return None
    if head[0] not in _GLANCE:
        _GLANCE.clear()
        # the rows of the headline indicators only, not the whole release
        view = PublicView.of(Snapshot.objects.get(number=head[0]))
        figures = keyfigures.key_figures(view.document, rows_of=view.public_rows)
        _GLANCE[head[0]] = {"number": head[0], "reporting_date": head[1], "figures": figures}
    return _GLANCE[head[0]]


def dashboard(concept: m.Concept, today: datetime.date) -> dict:
    """Everything the dashboard shows, in a fixed number of queries whatever the number of measures."""
    labels = dict(m.Measure.Status.choices)
    fields = list(concept.fields_of_action.filter(retired=None).order_by("order", "code"))
    states: dict[int, list] = {f.pk: [] for f in fields}
    current = m.Measure.objects.filter(field_of_action__in=fields, retired=None)
    for field_id, *state in current.values_list("field_of_action_id", "status", "progress", "traffic_light"):
        states[field_id].append(state)
    # A cross-cutting measure counts in every field it serves; the total counts it once.
    also: dict[int, list] = {f.pk: [] for f in fields}
    for field_id, *state in m.Measure.also_fields_of_action.through.objects.filter(
        measure__in=current, fieldofaction__in=fields
    ).values_list("fieldofaction_id", "measure__status", "measure__progress", "measure__traffic_light"):
        also[field_id].append(state)
    overviews = []
    for f in fields:
        figures = staff_rollup(states[f.pk] + also[f.pk])
        statuses = [
            (labels[code], n)
            for code, n in sorted(figures["by_status"].items(), key=lambda item: list(labels).index(item[0]))
        ]
        overviews.append(FieldOverview(f, figures, statuses, len(also[f.pk])))
    cycle = current_cycle(concept)
    waiting = []
    if cycle:
        waiting = list(
            cycle.updates.filter(state__in=NOT_SUBMITTED).select_related("measure").order_by("measure_key")
        )
    overdue = m.NextStep.objects.filter(
        measure__field_of_action__concept=concept, done=False, due_date__lt=today
    )
    return {
        "concept": concept,
        "today": today,
        "glance": published_key_figures(),
        "fields": overviews,
        "total": staff_rollup([state for field_states in states.values() for state in field_states]),
        "defaults": [(labels[code], value) for code, value in rollup.DEFAULT_PROGRESS.items()],
        "cycle": cycle,
        "waiting": waiting[:DASHBOARD_LIST],
        "waiting_count": len(waiting),
        "overdue": list(
            overdue.select_related("measure").order_by("due_date", "measure__key")[:DASHBOARD_LIST]
        ),
        "overdue_count": overdue.count(),
        "stale": stale_indicators(today),
        "meetings": list(
            m.Meeting.objects.filter(date__gte=today).select_related("body").order_by("date")[:5]
        ),
        "past": list(
            ReportingCycle.objects.filter(concept=concept, state=ReportingCycle.State.CLOSED).select_related(
                "snapshot"
            )[:5]
        ),
    }


def changes_since(object_type, key, version_field_changes_after):
    """The history rows written since a given moment, for the lost-update message."""
    return list(
        Change.objects.filter(object_type=object_type, object_key=key, at__gt=version_field_changes_after)
        .select_related("user")
        .order_by("at", "pk")
    )


# --- Measures -----------------------------------------------------------------------------


def save_measure(measure: m.Measure, values: dict, version: int, user, seen_at) -> list:
    """Write `values` onto the measure if nobody saved it since `version`; returns the changes.

    Raises StaleEdit with the other person's changes otherwise (nothing is written)."""
    from .permissions import can_review_measure

    # The KI and the field's editors review what they save; an owner's edit waits for them.
    reviewed = can_review_measure(user, measure)
    with transaction.atomic():
        old = {f: getattr(measure, f) for f in values}
        changes = logic.diff(old, values)
        pending = {"review_pending": not reviewed} if reviewed or changes else {}
        updated = m.Measure.objects.filter(pk=measure.pk, version=version).update(
            version=F("version") + 1, **values, **pending
        )
        if not updated:
            raise StaleEdit(changes_since("measure", measure.key, seen_at))
        if changes:
            record(
                user, "measure", measure.key, changes, cycle=current_cycle(measure.field_of_action.concept)
            )
    measure.refresh_from_db()
    return changes


def measure_data(measure: m.Measure) -> dict:
    data = {}
    for f in m.Measure._meta.concrete_fields:
        if f.name not in ("id", "field_of_action"):
            value = getattr(measure, f.attname)
            data[f.name] = (
                value.isoformat()
                if isinstance(value, datetime.date)
                else (str(value) if isinstance(value, Decimal) else value)
            )
    data["field_of_action"] = [measure.field_of_action.concept.key, measure.field_of_action.code]
    data["also_fields_of_action"] = list(measure.also_fields_of_action.values_list("code", flat=True))
    for name in ("goals", "strategic_goals", "indicators"):
        data[name] = list(getattr(measure, name).values_list("key", flat=True))
    data["owners"] = list(measure.owners.values_list("user_id", flat=True))
    data["next_steps"] = [
        {
            "key": s.key,
            "text": s.text,
            "responsible": s.responsible,
            "due_date": s.due_date.isoformat() if s.due_date else None,
            "due_precision": s.due_precision,
            "done": s.done,
            "order": s.order,
        }
        for s in measure.next_steps.all()
    ]
    return data


def delete_measure(measure: m.Measure, user) -> DeletedMeasure:
    """Soft delete: the measure leaves the concept, its data is kept for restore."""
    with transaction.atomic():
        deleted = DeletedMeasure.objects.create(
            key=measure.key, title=measure.title, data=measure_data(measure), deleted_by=user
        )
        record(
            user,
            "measure",
            measure.key,
            action=Change.Action.DELETED,
            cycle=current_cycle(measure.field_of_action.concept),
        )
        measure.delete()
    return deleted


class RestoreError(Exception):
    pass


def restore_measure(deleted: DeletedMeasure, user) -> m.Measure:
    from django.contrib.auth import get_user_model

    data = dict(deleted.data)
    if deleted.restored_at or m.Measure.objects.filter(key=deleted.key).exists():
        raise RestoreError(_("A measure with the key %(key)s exists already.") % {"key": deleted.key})
    with transaction.atomic():
        concept_key, code = data.pop("field_of_action")
        field = m.FieldOfAction.objects.get(concept__key=concept_key, code=code)
        related = {name: data.pop(name) for name in ("goals", "strategic_goals", "indicators")}
        also = data.pop("also_fields_of_action", [])  # kept since cross-cutting measures exist
        owners, steps = data.pop("owners"), data.pop("next_steps")
        measure = m.Measure(field_of_action=field)
        for f in m.Measure._meta.concrete_fields:
            if f.name in data and f.name not in ("id", "field_of_action"):
                setattr(measure, f.attname, None if data[f.name] is None else f.to_python(data[f.name]))
        measure.save()
        measure.also_fields_of_action.set(field.concept.fields_of_action.filter(code__in=also))
        measure.goals.set(m.Goal.objects.filter(key__in=related["goals"]))
        measure.strategic_goals.set(m.StrategicGoal.objects.filter(key__in=related["strategic_goals"]))
        measure.indicators.set(m.Indicator.objects.filter(key__in=related["indicators"]))
        for s in steps:
            m.NextStep.objects.create(
                measure=measure,
                **{**s, "due_date": s["due_date"] and datetime.date.fromisoformat(s["due_date"])},
            )
        users = get_user_model().objects.filter(pk__in=owners)
        MeasureOwner.objects.bulk_create([MeasureOwner(user=u, measure=measure) for u in users])
        StatusUpdate.objects.filter(measure_key=measure.key, measure=None).update(measure=measure)
        deleted.restored_at = timezone.now()
        deleted.save(update_fields=["restored_at"])
        record(
            user, "measure", measure.key, action=Change.Action.RESTORED, cycle=current_cycle(field.concept)
        )
    return measure


# --- Cycles -----------------------------------------------------------------------------------


def _notify(users, subject, body) -> int:
    """Send after the change is committed; a mail server that fails does not undo the change."""
    sent = 0
    for u in users:
        if u.email:
            try:
                sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [u.email])
            except (OSError, smtplib.SMTPException):
                logger.exception("e-mail to %s could not be sent", u.email)
    return sent


def open_cycle(
    concept: m.Concept, title: str, reporting_date, deadline, user, base_url="", **rhythm
) -> ReportingCycle:
    """Open a cycle: one task (status update, pre-filled with the current state) per measure,
    and an e-mail to every owner. `rhythm`: remind_days_before, remind_every_days (the defaults
    of the model otherwise)."""
    with transaction.atomic():
        m.Concept.objects.select_for_update().get(
            pk=concept.pk
        )  # two KIs opening at once: one waits, then sees the other's cycle
        if current_cycle(concept):
            raise logic.TransitionError(
                _("A reporting cycle is already open; approve it before opening the next.")
            )
        key = reporting_date.isoformat()
        n = 1
        while ReportingCycle.objects.filter(key=key).exists():
            n += 1
            key = f"{reporting_date.isoformat()}-{n}"
        cycle = ReportingCycle.objects.create(
            key=key,
            concept=concept,
            title=title,
            reporting_date=reporting_date,
            deadline=deadline,
            opened_by=user,
            **rhythm,
        )
        # a retired measure (one the current edition of the concept dropped) reports no more
        measures = m.Measure.objects.filter(field_of_action__concept=concept, retired=None).prefetch_related(
            "next_steps"
        )
        StatusUpdate.objects.bulk_create(
            [
                StatusUpdate(
                    cycle=cycle,
                    measure=measure,
                    measure_key=measure.key,
                    next_steps=[
                        {
                            "text": s.text,
                            "due_date": periods.stored_text(s.due_date, s.due_precision),
                            "responsible": s.responsible,
                        }
                        for s in measure.next_steps.all()
                        if not s.done
                    ],
                    **{f: getattr(measure, f) for f in UPDATE_FIELDS},
                )
                for measure in measures
            ]
        )
        record(user, "cycle", cycle.key, action=Change.Action.OPENED, cycle=cycle)
    tasks: dict = {}
    for owner in MeasureOwner.objects.filter(measure__field_of_action__concept=concept).select_related(
        "user", "measure"
    ):
        tasks.setdefault(owner.user, []).append(owner.measure)
    for owner_user, owned in tasks.items():
        lines = "\n".join(
            f"- {me.key} {me.title}: {base_url}{reverse('steering-update', args=[cycle.key, me.key])}"
            for me in owned
        )
        _notify(
            [owner_user],
            _("Status update requested: %(title)s") % {"title": cycle.title},
            _("Please report the status of your measures by %(deadline)s:")
            % {"deadline": deadline.strftime("%d.%m.%Y")}
            + "\n"
            + lines,
        )
    return cycle


SCHEDULE_FIELDS = ["deadline", "remind_days_before", "remind_every_days"]


def change_schedule(cycle: ReportingCycle, values: dict, user) -> list:
    """Move the deadline of an open cycle or change its reminder rhythm (recorded); reminders
    follow the new values. `values`: some of SCHEDULE_FIELDS."""
    with transaction.atomic():
        cycle = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.state != ReportingCycle.State.OPEN:
            raise logic.TransitionError(_("The reporting cycle is closed; nothing can be changed."))
        changes = logic.diff({f: getattr(cycle, f) for f in values}, values)
        if changes:
            for name, value in values.items():
                setattr(cycle, name, value)
            cycle.save(update_fields=list(values))
            record(user, "cycle", cycle.key, changes, cycle=cycle)
    return changes


def _update_values(update: StatusUpdate) -> dict:
    return {f: getattr(update, f) for f in [*UPDATE_FIELDS, "next_steps"]}


def submit_update(
    update: StatusUpdate, values: dict, version: int, user, seen_at=None, draft: bool = False
) -> list:
    """The owner submits (or corrects) the status update, or with `draft` keeps it as a draft that
    reviewers do not get to review. Optimistic locking on `version`."""
    with transaction.atomic():
        new_state = logic.next_update_state(update.cycle.state, update.state, "draft" if draft else "submit")
        changes = logic.diff(_update_values(update), values)
        now = timezone.now()
        sender = {} if draft else {"submitted_by": user, "submitted_at": now}
        updated = StatusUpdate.objects.filter(pk=update.pk, version=version).update(
            version=F("version") + 1, state=new_state, **sender, **values
        )
        if not updated:
            raise StaleEdit(
                changes_since("status_update", f"{update.cycle.key}/{update.measure_key}", seen_at or now)
            )
        record(
            user,
            "status_update",
            f"{update.cycle.key}/{update.measure_key}",
            changes,
            Change.Action.DRAFTED if draft else Change.Action.SUBMITTED,
            update.cycle,
        )
    update.refresh_from_db()
    return changes


def review_update(update: StatusUpdate, accept: bool, comment: str, user, base_url: str = "") -> None:
    """The KI accepts (the measure takes the new state) or returns the update with a comment; the
    e-mail about a returned update links to it (`base_url`: the site's address)."""
    action = "accept" if accept else "return"
    with transaction.atomic():
        update = (
            StatusUpdate.objects.select_for_update(of=("self",))
            .select_related("cycle", "measure")
            .get(pk=update.pk)
        )
        new_state = logic.next_update_state(update.cycle.state, update.state, action, comment)
        key = f"{update.cycle.key}/{update.measure_key}"
        update.state, update.review_comment, update.reviewed_by, update.reviewed_at = (
            new_state,
            comment,
            user,
            timezone.now(),
        )
        update.version += 1
        update.save(update_fields=["state", "review_comment", "reviewed_by", "reviewed_at", "version"])
        record(
            user,
            "status_update",
            key,
            [("review_comment", "", comment)] if comment else (),
            Change.Action.ACCEPTED if accept else Change.Action.RETURNED,
            update.cycle,
        )
        if accept and update.measure is not None:
            apply_to_measure(update, update.measure, user)
    if not accept and update.submitted_by:
        link = base_url + reverse("steering-update", args=[update.cycle.key, update.measure_key])
        _notify(
            [update.submitted_by],
            _("Status update returned: %(measure)s") % {"measure": update.measure_key},
            _("Your status update was returned (%(office)s) with this comment:")
            % {"office": vocabulary().office_short}
            + "\n"
            + comment
            + "\n\n"
            + _("Correct and submit it again here: %(link)s") % {"link": link},
        )


def apply_to_measure(update: StatusUpdate, measure: m.Measure, user) -> None:
    """Copy an accepted status update onto its measure and replace its open next steps; the
    measure counts as reviewed."""
    measure = m.Measure.objects.select_for_update().get(pk=measure.pk)
    m.Measure.objects.filter(pk=measure.pk).update(review_pending=False)
    values = {f: getattr(update, f) for f in UPDATE_FIELDS}
    changes = logic.diff({f: getattr(measure, f) for f in UPDATE_FIELDS}, values)
    old_steps = list(measure.next_steps.filter(done=False).order_by("order", "key"))
    old_list = [
        {
            "text": s.text,
            "due_date": periods.stored_text(s.due_date, s.due_precision),
            "responsible": s.responsible,
        }
        for s in old_steps
    ]
    if old_list != update.next_steps:
        changes.append(("next_steps", logic.as_text(old_list), logic.as_text(update.next_steps)))
        m.NextStep.objects.filter(pk__in=[s.pk for s in old_steps]).delete()
        taken = set(measure.next_steps.values_list("key", flat=True))
        number = 1
        for order, step in enumerate(update.next_steps, start=1):
            while f"{update.cycle.key}-{number}" in taken:
                number += 1
            key = f"{update.cycle.key}-{number}"
            taken.add(key)
            due = periods.from_file(step.get("due_date"))
            m.NextStep.objects.create(
                measure=measure,
                key=key,
                text=step["text"],
                responsible=step.get("responsible", ""),
                order=order,
                due_date=due.last if due else None,
                due_precision=due.precision if due else periods.DAY,
            )
    m.Measure.objects.filter(pk=measure.pk).update(version=F("version") + 1, **values)
    if changes:
        record(user, "measure", measure.key, changes, Change.Action.CHANGED, update.cycle)


def approve_cycle(cycle: ReportingCycle, user):
    """The body approving reporting cycles approves: a snapshot is frozen and the cycle closes."""
    from imon.reports import snapshots

    with transaction.atomic():
        cycle = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
        logic.check_approval(cycle.state, list(cycle.updates.values_list("state", flat=True)))
        snapshot = snapshots.create(cycle.title, cycle.reporting_date, user, concept_key=cycle.concept.key)
        cycle.state, cycle.approved_by, cycle.approved_at, cycle.snapshot = (
            ReportingCycle.State.CLOSED,
            user,
            timezone.now(),
            snapshot,
        )
        cycle.save(update_fields=["state", "approved_by", "approved_at", "snapshot"])
        record(
            user, "cycle", cycle.key, [("snapshot", "", str(snapshot.number))], Change.Action.APPROVED, cycle
        )
    return cycle


def remind(today: datetime.date, days_before: int | None = None, base_url: str = "") -> int:
    """E-mail every owner whose status update is not submitted yet (open, draft or returned), in the
    rhythm of its cycle: from `remind_days_before` days before the deadline on (`days_before`
    overrides it for every cycle), at most every `remind_every_days` days per task. Returns the
    number of e-mails."""
    sent = 0
    updates = (
        StatusUpdate.objects.filter(cycle__state=ReportingCycle.State.OPEN, state__in=NOT_SUBMITTED)
        .exclude(measure=None)
        .select_related("cycle", "measure")
        .prefetch_related("measure__owners__user")
    )
    now = timezone.now()
    for update in updates:
        measure, cycle = update.measure, update.cycle
        if measure is None or not logic.reminder_due(
            today,
            cycle.deadline,
            cycle.remind_days_before if days_before is None else days_before,
            cycle.remind_every_days,
            timezone.localdate(update.reminded_at) if update.reminded_at else None,
        ):
            continue  # (updates without a measure are excluded above)
        sent += _notify(
            [owner.user for owner in measure.owners.all()],
            _("Reminder: status update due on %(deadline)s")
            % {"deadline": cycle.deadline.strftime("%d.%m.%Y")},
            _("Please report the status of %(measure)s: %(url)s")
            % {
                "measure": f"{measure.key} {measure.title}",
                "url": base_url + reverse("steering-update", args=[cycle.key, update.measure_key]),
            },
        )
        update.reminded_at = now
        update.save(update_fields=["reminded_at"])
    return sent
