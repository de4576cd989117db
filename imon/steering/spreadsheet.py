"""Bulk update of a cycle's status updates by spreadsheet: export and re-import use the same
columns (`logic.COLUMNS`), keyed by the measures' keys. Rows are checked by `logic.validate_row`;
the import is a plan (preview) first and is written only when confirmed, all or nothing."""

import io

import openpyxl
from django.db import transaction
from django.db.models import Field
from django.utils.translation import gettext as _

from imon.core import models as m
from imon.core.exports import append_row

from . import logic
from .models import StatusUpdate
from .services import StaleEdit, submit_update


def _cell(update: StatusUpdate, name: str):
    if name == "key":
        return update.measure_key
    if name == "field_of_action":
        return update.measure.field_of_action.code if update.measure else ""
    if name == "title":
        return update.measure.title if update.measure else ""
    if name == "next_steps":
        return "\n".join(logic.next_step_line(s) for s in update.next_steps)
    if name == "status":
        return update.get_status_display()
    if name == "traffic_light":
        return {"green": "grün", "yellow": "gelb", "red": "rot"}.get(update.traffic_light, "")
    value = getattr(update, name)
    return float(value) if hasattr(value, "as_tuple") else value


def export_xlsx(cycle) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]  # a new workbook has one sheet, the active one
    sheet.title = "Sachstand"
    sheet.append([str(label) for _name, label in logic.COLUMNS])
    updates = cycle.updates.select_related("measure__field_of_action").order_by("measure_key")
    for update in updates:
        append_row(sheet, [_cell(update, name) for name, _label in logic.COLUMNS])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class SheetError(Exception):
    pass


def read_rows(data: bytes) -> list[dict]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise SheetError(_("The file is not an XLSX spreadsheet.")) from None
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
    if not rows:
        raise SheetError(_("The spreadsheet is empty."))
    labels = {str(label).lower(): name for name, label in logic.COLUMNS}
    labels.update({name: name for name, _label in logic.COLUMNS})
    labels.update(logic.OLD_HEADERS)
    header = [labels.get(str(h or "").strip().lower()) for h in rows[0]]
    missing = [
        str(label) for name, label in logic.COLUMNS if name not in header and name not in logic.READ_ONLY
    ]
    if missing:
        raise SheetError(
            _("Columns missing: %(columns)s. Use the exported file.") % {"columns": ", ".join(missing)}
        )
    result = []
    for cells in rows[1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        result.append({name: value for name, value in zip(header, cells) if name})
    return result


def shown(name: str, value: str) -> str:
    """A value of the preview as the pages show it: the label of a status or traffic light."""
    field = StatusUpdate._meta.get_field(name)
    if not isinstance(field, Field) or not field.choices:
        return value
    return str(dict(field.flatchoices).get(value, value))


def plan(cycle, rows: list[dict]) -> dict:
    """Check every row: {'rows': [{'line', 'key', 'values', 'changes', 'errors'}], 'errors': n};
    the changes are (German label, old, new) as the preview shows them."""
    updates = {u.measure_key: u for u in cycle.updates.all()}
    status_labels = dict(m.Measure.Status.choices)
    light_labels = dict(m.Measure.TrafficLight.choices)
    planned, seen = [], set()
    for line, row in enumerate(rows, start=2):
        key = str(row.get("key") or "").strip()
        values, errors = logic.validate_row(row, status_labels, light_labels)
        version = values.pop("version", None)
        update = updates.get(key)
        changes = []
        if update is None:
            errors.insert(0, _("The measure '%(key)s' has no status update in this cycle.") % {"key": key})
        elif key in seen:
            errors.insert(0, _("The measure '%(key)s' appears twice.") % {"key": key})
        else:
            if version is not None and version != update.version:
                errors.append(
                    _(
                        "Changed by someone else since the export (version %(old)s, now %(new)s); export again."
                    )
                    % {"old": version, "new": update.version}
                )
            if update.state == StatusUpdate.State.ACCEPTED:
                current = {f: getattr(update, f) for f in values}
                if logic.diff(current, values):
                    errors.append(_("The status update is already accepted and cannot be changed."))
            if not errors:
                changes = [
                    (logic.field_label(f), shown(f, old), shown(f, new))
                    for f, old, new in logic.diff({f: getattr(update, f) for f in values}, values)
                ]
        seen.add(key)
        planned.append(
            {
                "line": line,
                "key": key,
                "values": values,
                "changes": changes,
                "errors": errors,
                "version": update.version if update else None,
            }
        )
    return {"rows": planned, "errors": sum(1 for r in planned if r["errors"])}


def apply(cycle, the_plan: dict, user) -> int:
    """Submit every changed row as the user's status update; all or nothing."""
    if the_plan["errors"]:
        raise SheetError(_("The spreadsheet has errors; nothing was written."))
    updates = {u.measure_key: u for u in cycle.updates.select_related("cycle")}
    count = 0
    with transaction.atomic():
        for row in the_plan["rows"]:
            if not row["changes"]:
                continue
            try:
                submit_update(updates[row["key"]], row["values"], row["version"], user)
            except StaleEdit:
                raise SheetError(
                    _("Line %(line)d: changed by someone else in the meantime; nothing was written.")
                    % {"line": row["line"]}
                ) from None
            count += 1
    return count
