"""Plain domain rules of steering, testable without a database: the
transitions of cycles and status updates, differences for the history, due and stale dates, and
the validation of one spreadsheet row. The roll-up of progress is `imon.core.rollup`."""

import datetime
import re
from decimal import Decimal
from typing import Any

from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imon.core import periods
from imon.core.numbers import add_months, format_number, parse_number

# --- Transitions --------------------------------------------------------------------------


class TransitionError(Exception):
    """A step that the workflow does not allow in the current state; the message is for the user."""


# (state of the status update, action) -> new state
UPDATE_TRANSITIONS = {
    # a draft is kept by the owner and not reviewed; a returned update stays returned until it is sent
    ("open", "draft"): "draft",
    ("draft", "draft"): "draft",
    ("returned", "draft"): "returned",
    ("open", "submit"): "submitted",
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "submit"): "submitted",  # corrected before the review
    ("submitted", "accept"): "accepted",
    ("submitted", "return"): "returned",
}


def next_update_state(cycle_state: str, state: str, action: str, comment: str = "") -> str:
    if cycle_state != "open":
        raise TransitionError(_("The reporting cycle is closed; nothing can be changed."))
    if action == "return" and not comment.strip():
        raise TransitionError(_("Say why the status update is returned: the comment is required."))
    try:
        return UPDATE_TRANSITIONS[(state, action)]
    except KeyError:
        if action == "draft" and state == "submitted":
            raise TransitionError(
                _("The status update has been submitted already; correct it with 'Submit again'.")
            ) from None
        raise TransitionError(
            _("This step is not possible in the current state of the status update.")
        ) from None


def check_approval(cycle_state: str, update_states: list[str]) -> None:
    """A cycle can be approved once it is open and every status update is accepted."""
    if cycle_state != "open":
        raise TransitionError(_("The reporting cycle is already closed."))
    waiting = sum(1 for s in update_states if s != "accepted")
    if waiting:
        raise TransitionError(
            _("%(count)d status updates are not accepted yet; the cycle cannot be approved.")
            % {"count": waiting}
        )


# --- History ---------------------------------------------------------------------------


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, Decimal):  # German, as the forms show it: 1.234,50; 2.500; 0,50
        return format_number(value, 0 if value == value.to_integral() else 2)
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, list):
        return "\n".join(next_step_line(step) for step in value)
    if isinstance(value, str):  # forms strip text and send CRLF: not a change
        return value.replace("\r\n", "\n").strip()
    return str(value)


def diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(field, old text, new text) for every field whose value changed."""
    changes = []
    for field, value in new.items():
        before, after = as_text(old.get(field)), as_text(value)
        if before != after:
            changes.append((field, before, after))
    return changes


# --- Dates ---------------------------------------------------------------------------------


def is_overdue(due_date, done: bool, today: datetime.date) -> bool:
    return bool(due_date) and not done and due_date < today


def is_stale(latest: datetime.date | None, rhythm_months: int | None, today: datetime.date) -> bool:
    """An indicator is stale when its newest reference date plus its rhythm lies before today."""
    if not rhythm_months:
        return False
    return latest is None or add_months(latest, rhythm_months) < today


def deadline_error(deadline: datetime.date, today: datetime.date) -> str:
    """A cycle's deadline must not lie in the past (owners would be mailed a date already gone)."""
    if deadline < today:
        return _("The deadline %(date)s lies in the past; choose today or a later day.") % {
            "date": deadline.strftime("%d.%m.%Y")
        }
    return ""


def reminder_due(
    today: datetime.date, deadline: datetime.date, days_before: int, every: int, last: datetime.date | None
) -> bool:
    """A reminder is due from `days_before` days before the deadline on, `every` days after the last."""
    if (deadline - today).days > days_before:
        return False
    return last is None or (today - last).days >= max(1, every)


def past_due_warnings(steps: list[dict], today: datetime.date) -> list[str]:
    """Warnings (not errors) for next steps whose due date lies in the past."""
    warnings = []
    for step in steps:
        due = periods.from_file(step.get("due_date"))
        if due and due.last and due.last < today:
            warnings.append(
                _(
                    "Next step '%(text)s': the due date %(date)s lies in the past. Saved; please check the date."
                )
                % {"text": step["text"], "date": periods.format_period(due)}
            )
    return warnings


# --- Next steps as text (forms and spreadsheet) -----------------------------------------


def next_step_line(step: dict) -> str:
    parts = [step.get("text", "")]
    if step.get("due_date") or step.get("responsible"):
        parts.append(periods.show(step.get("due_date")))
    if step.get("responsible"):
        parts.append(step["responsible"])
    return " | ".join(parts)


def parse_next_steps(text: str) -> tuple[list[dict], list[str]]:
    """One next step per line: 'text | due date | responsible'; date and responsible optional. The
    due date as precise as known (14.03.2025, 03/2025, 3. Quartal 2025, 2. Halbjahr 2025, 2025)."""
    steps, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        step = {"text": parts[0], "due_date": None, "responsible": parts[2] if len(parts) > 2 else ""}
        if not step["text"]:
            errors.append(_("Line %(line)d: the next step has no text.") % {"line": number})
            continue
        if len(parts) > 1 and parts[1]:
            try:
                due = periods.parse(parts[1])
            except periods.PeriodError as error:
                errors.append(_("Line %(line)d: %(error)s") % {"line": number, "error": error})
                continue
            step["due_date"] = periods.stored_text(due.last, due.precision)
        steps.append(step)
    return steps, errors


# --- Limits of texts (forms and spreadsheet) ----------------------------------------------

# The longest text each field takes: a report's paragraph, not a document. The forms and the
# spreadsheet import refuse longer texts with a message, so that no page or history repeats them.
TEXT_LIMITS = {
    "traffic_light_reason": 2000,
    "results": 5000,
    "obstacles": 5000,
    "effect": 5000,
    "next_steps": 5000,
    "description": 5000,
    "partners": 2000,
    "note": 5000,
    "comment": 2000,
}


def too_long(text: str, limit: int) -> str:
    """A German message when the text has more than `limit` characters, else ''."""
    if len(text or "") <= limit:
        return ""
    return _("At most %(limit)s characters, please; this text has %(count)s.") % {
        "limit": format_number(Decimal(limit)),
        "count": format_number(Decimal(len(text))),
    }


# --- One spreadsheet row ------------------------------------------------------------------


def _field_label(name: str) -> str:
    """The German label of a field of the status update: its model field's verbose name, the one
    label the forms, pages, history, preview and spreadsheet all show (no second name for it)."""
    from django.db.models import Field

    from .models import StatusUpdate  # models import this module's neighbours; read when shown

    field = StatusUpdate._meta.get_field(name)
    assert isinstance(field, Field)
    return str(capfirst(field.verbose_name))


field_label = lazy(_field_label, str)

STATE_FIELDS = [
    "status",
    "progress",
    "traffic_light",
    "traffic_light_reason",
    "results",
    "obstacles",
    "next_steps",
    "participants",
    "staff",
    "hours",
    "cost",
    "funding",
    "effect",
]
# The columns of the export and the import, in order. Read-only columns help people offline.
COLUMNS = [
    ("key", gettext_lazy("Key")),
    ("field_of_action", gettext_lazy("Field of action")),
    ("title", gettext_lazy("Title")),
    *[(name, field_label(name)) for name in STATE_FIELDS],
    ("version", gettext_lazy("Version")),
]
# Headers of files exported before the labels were unified; still read.
OLD_HEADERS = {"hindernisse": "obstacles", "fördermittel (eur)": "funding", "personal (vzä)": "staff"}
READ_ONLY = {"field_of_action", "title"}


_AMBIGUOUS = re.compile(r"^[+-]?\d+\.\d{3}$")  # 1.234: a thousands dot or a decimal point?


def parse_figure(value, whole: bool = False, places: int = 2) -> int | Decimal | None:
    """The one reading of a figure typed into a staff form or a spreadsheet cell (None when empty).

    German numbers (1.234,50; 0,5; 12.500,00) are read by the statistics importers' rule
    (`imon.core.numbers.parse_number`), so that a figure means the same wherever it is typed.
    Refused, with a German message (ValueError): what is not a number, numbers below zero, more
    than `places` decimal places, a fraction where a whole number is asked for, and what is
    ambiguous: "1.234" may be 1234 or 1,234, unless a whole number is asked for."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):  # a number cell of a spreadsheet
        number = Decimal(str(value))
        text = format_number(number)
    else:
        text = str(value).strip()
        if not text:
            return None
        if not whole and _AMBIGUOUS.match(text):
            raise ValueError(
                _(
                    "'%(value)s' is ambiguous: write %(whole)s (without the point) or %(decimal)s (with a decimal comma)."
                )
                % {"value": text, "whole": text.replace(".", ""), "decimal": text.replace(".", ",")}
            )
        try:
            number = parse_number(text)
        except ValueError:
            raise ValueError(
                _("'%(value)s' is not a number; write it the German way, e.g. 1.234,50.") % {"value": text}
            ) from None
    if number < 0:
        raise ValueError(_("'%(value)s' is less than zero.") % {"value": text})
    if whole:
        if number != number.to_integral():
            raise ValueError(_("'%(value)s' is not a whole number.") % {"value": text})
        return int(number)
    if -number.normalize().as_tuple().exponent > places:  # type: ignore[operator]
        raise ValueError(
            _("'%(value)s' has more than %(places)d decimal places.") % {"value": text, "places": places}
        )
    return number.quantize(Decimal(1).scaleb(-places))


def validate_row(row: dict, status_labels: dict, light_labels: dict) -> tuple[dict, list[str]]:
    """Check one row (column name -> cell) and return the values for a status update and German errors.

    Status and traffic light may be given as code or as German label."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    by_label = {str(label).lower(): code for code, label in status_labels.items()}
    status = str(row.get("status") or "").strip()
    if status in status_labels:
        values["status"] = status
    elif status.lower() in by_label:
        values["status"] = by_label[status.lower()]
    else:
        errors.append(_("Status: '%(value)s' is not a status.") % {"value": status})
    light = str(row.get("traffic_light") or "").strip()
    lights = {str(label).lower(): code for code, label in light_labels.items()}
    lights.update({code: code for code in light_labels})
    lights.update({"grün": "green", "gelb": "yellow", "rot": "red", "": ""})
    if light.lower() in lights:
        values["traffic_light"] = lights[light.lower()]
    else:
        errors.append(_("Traffic light: '%(value)s' is not green, yellow or red.") % {"value": light})
    values["traffic_light_reason"] = str(row.get("traffic_light_reason") or "").strip()
    if values.get("traffic_light") in ("yellow", "red") and not values["traffic_light_reason"]:
        errors.append(_("A yellow or red traffic light needs a reason."))
    for name, kind in (
        ("progress", int),
        ("participants", int),
        ("hours", int),
        ("staff", Decimal),
        ("cost", Decimal),
        ("funding", Decimal),
    ):
        try:
            values[name] = parse_figure(row.get(name), whole=kind is int)
        except ValueError as error:
            errors.append(_("%(column)s: %(error)s") % {"column": dict(COLUMNS)[name], "error": error})
    if values.get("progress") is not None and values["progress"] > 100:
        errors.append(_("%(column)s: at most 100.") % {"column": field_label("progress")})
    for name in ("results", "obstacles", "effect"):
        values[name] = str(row.get(name) or "").strip()
    for name in ("traffic_light_reason", "results", "obstacles", "effect", "next_steps"):
        message = too_long(str(row.get(name) or "").strip(), TEXT_LIMITS[name])
        if message:
            errors.append(_("%(column)s: %(error)s") % {"column": dict(COLUMNS)[name], "error": message})
    steps, step_errors = parse_next_steps(str(row.get("next_steps") or ""))
    values["next_steps"] = steps
    errors += [_("Next steps: %(error)s") % {"error": e} for e in step_errors]
    try:
        values["version"] = int(row["version"]) if str(row.get("version") or "").strip() else None
    except ValueError:
        errors.append(_("Version: do not change this column."))
    return values, errors
