"""Staff pages for steering the concept. Every view checks its permission with a helper from
`permissions`; thin views, the work is done in `services`, `logic` and `spreadsheet`."""

import csv
import datetime
import io
import secrets
from functools import wraps
from pathlib import Path

import openpyxl
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import F, Field, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from imon.core import models as m
from imon.core import rollup
from imon.core.exports import append_row, safe_text
from imon.core.vocabulary import vocabulary

from . import logic, people, roles, services, spreadsheet
from .forms import (
    CycleForm,
    DeadlineForm,
    InviteForm,
    MeasureForm,
    OwnersForm,
    ReviewForm,
    RolesForm,
    StatusUpdateForm,
    UploadForm,
)
from .models import Change, DeletedMeasure, FieldEditor, MeasureOwner, ReportingCycle, StatusUpdate
from .permissions import (
    can_delete_measure,
    can_edit_measure,
    can_read_all,
    can_submit,
    can_view_measure,
    is_ki,
    is_member,
    is_reviewer,
    require,
)


def member_required(view):
    """Logged in with some role in steering; anonymous people are sent to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("login"))
        require(is_member(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def _concept(request):
    concepts = m.Concept.objects.select_related("municipality").order_by("key")
    key = request.GET.get("konzept")
    concept = concepts.filter(key=key).first() if key else concepts.first()
    if concept is None:
        raise Http404(_("No concept has been loaded yet."))
    return concept


def _history(object_type, keys):
    return (
        Change.objects.filter(object_type=object_type, object_key__in=keys)
        .select_related("user", "cycle")
        .order_by("-at", "-pk")
    )


HISTORY_MODELS = {"measure": m.Measure, "status_update": StatusUpdate, "cycle": ReportingCycle}


def labelled(changes):
    """German field names and choice labels for history rows (the rows keep the stored codes)."""
    changes = list(changes)
    for c in changes:
        c.field_label, c.old_label, c.new_label = c.field, c.old, c.new
        model = HISTORY_MODELS.get(c.object_type)
        if not c.field or model is None:
            continue
        if c.field == "next_steps":
            model = StatusUpdate  # on the measure it is a relation; the status update has the field
        try:
            field = model._meta.get_field(c.field)
        except Exception:
            continue
        if not isinstance(field, Field):
            continue  # a relation from another model: no label or choices of its own
        c.field_label = capfirst(field.verbose_name)
        if field.choices:
            choices = dict(field.flatchoices)
            c.old_label, c.new_label = choices.get(c.old, c.old), choices.get(c.new, c.new)
    return changes


# --- Start page -----------------------------------------------------------------------------


def home(request):
    """The staff start page: the overview for anyone with a role; owners go to their tasks; an
    account without any role sees only a notice (it may not even learn what the concept holds)."""
    from imon.core import views as core_views

    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.is_active and (user.is_superuser or can_read_all(user) or user.get_all_permissions()):
        return core_views.home(request)
    if is_member(user):
        return redirect("steering-tasks")
    return render(request, "steering/no_role.html", status=403)


@require_POST
def log_out(request):
    """The one logout of the staff interface, for every user (with or without a staff account): the
    session ends, the logout is recorded (the audit log listens to Django's logout signal) and the
    browser lands on the staff login page."""
    auth.logout(request)
    messages.success(request, _("You have been logged out."))
    return redirect("login")


# --- Dashboard ------------------------------------------------------------------------------


@member_required
def dashboard(request):
    if not can_read_all(request.user):
        return redirect("steering-tasks")
    context = services.dashboard(_concept(request), timezone.localdate())
    return render(
        request, "steering/dashboard.html", {**context, "rule": rollup.RULE % {"level": vocabulary().field}}
    )


# --- Pages --------------------------------------------------------------------------------


def _measure_rows(queryset):
    return queryset.select_related("field_of_action").order_by("field_of_action__order", "order", "key")


@member_required
def field_page(request, concept, code):
    require(can_read_all(request.user))
    field = get_object_or_404(
        m.FieldOfAction.objects.select_related("concept"), concept__key=concept, code=code
    )
    # the measures it leads and the cross-cutting measures that serve it too (marked in the list)
    serving = m.Measure.objects.filter(Q(field_of_action=field) | Q(also_fields_of_action=field)).distinct()
    measures = list(_measure_rows(serving))
    goals = list(field.goals.prefetch_related("indicators").order_by("order", "key"))
    return render(
        request,
        "steering/field.html",
        {
            "field": field,
            "measures": measures,
            "goals": goals,
            "rollup": services.staff_rollup(
                [(x.status, x.progress, x.traffic_light) for x in measures if not x.retired_id]
            ),
            "rule": rollup.RULE % {"level": vocabulary().field},
            "strategic": list(field.strategic_goals.all()),
        },
    )


@member_required
def goal_page(request, key):
    require(can_read_all(request.user))
    goal = get_object_or_404(m.Goal.objects.select_related("field_of_action__concept"), key=key)
    return render(
        request,
        "steering/goal.html",
        {
            "goal": goal,
            "measures": list(_measure_rows(goal.measures.all())),
            "indicators": list(goal.indicators.all()),
            "strategic": list(goal.strategic_goals.all()),
        },
    )


@member_required
def measure_page(request, key):
    measure = get_object_or_404(m.Measure.objects.select_related("field_of_action__concept"), key=key)
    require(can_view_measure(request.user, measure))
    updates = list(
        StatusUpdate.objects.filter(measure_key=key)
        .select_related("cycle", "submitted_by", "reviewed_by")
        .order_by("-cycle__reporting_date")
    )
    keys = [key] + [f"{u.cycle.key}/{key}" for u in updates]
    return render(
        request,
        "steering/measure.html",
        {
            "measure": measure,
            "steps": list(measure.next_steps.order_by("done", "order", "key")),
            "goals": list(measure.goals.all()),
            "also_fields": list(measure.also_fields_of_action.select_related("concept")),
            "strategic": list(measure.strategic_goals.all()),
            "indicators": list(measure.indicators.all()),
            "owners": list(MeasureOwner.objects.filter(measure=measure).select_related("user")),
            "updates": updates,
            "history": labelled(
                _history("measure", [key])
                | Change.objects.filter(object_type="status_update", object_key__in=keys[1:]).select_related(
                    "user", "cycle"
                )
            ),
            "can_edit": can_edit_measure(request.user, measure),
            "can_delete": can_delete_measure(request.user, measure),
        },
    )


def _stale_message(request, error):
    lines = [
        _("%(who)s changed %(field)s at %(at)s: '%(old)s' → '%(new)s'")
        % {
            "who": c.user.get_username() if c.user else "?",
            "field": c.field_label if c.field else c.get_action_display(),
            "at": timezone.localtime(c.at).strftime("%d.%m.%Y %H:%M"),
            "old": c.old_label,
            "new": c.new_label,
        }
        for c in labelled(error.changes)
    ]
    return lines


def _kept_after_conflict(form_class, request, fresh, **kwargs):
    """The form again with everything the person typed, now at the stored version: sending it once
    more knowingly replaces the other person's change (the history keeps both)."""
    data = request.POST.copy()
    data["version"] = str(fresh.version)
    data["seen_at"] = timezone.now().isoformat()
    return form_class(data, instance=fresh, **kwargs)


@member_required
def measure_edit(request, key):
    measure = get_object_or_404(m.Measure.objects.select_related("field_of_action__concept"), key=key)
    require(can_edit_measure(request.user, measure))
    form = MeasureForm(
        request.POST or None,
        instance=measure,
        initial={"version": measure.version, "seen_at": timezone.now()},
    )
    conflict = []
    if request.method == "POST" and form.is_valid():
        fresh = m.Measure.objects.get(pk=measure.pk)
        try:
            services.save_measure(
                fresh,
                form.values(),
                form.cleaned_data["version"],
                request.user,
                form.cleaned_data["seen_at"] or timezone.now(),
            )
        except services.StaleEdit as error:
            conflict = _stale_message(request, error)
            form = _kept_after_conflict(MeasureForm, request, fresh)
            form.add_error(
                None,
                _(
                    "Not saved: someone else saved this measure after you opened the form. Their changes are shown below. Your entries are still in the form: check them and save again to keep yours."
                ),
            )
        else:
            messages.success(request, _("The measure has been saved."))
            return redirect("steering-measure", key)
    return render(
        request, "steering/measure_edit.html", {"measure": measure, "form": form, "conflict": conflict}
    )


@require_POST
@member_required
def measure_delete(request, key):
    measure = get_object_or_404(m.Measure.objects.select_related("field_of_action__concept"), key=key)
    require(can_delete_measure(request.user, measure))
    services.delete_measure(measure, request.user)
    messages.success(
        request, _("The measure %(key)s has been deleted; it can be restored from the bin.") % {"key": key}
    )
    return redirect("steering-dashboard")


@member_required
def deleted_list(request):
    require(is_ki(request.user))
    items = DeletedMeasure.objects.filter(restored_at=None).select_related("deleted_by")
    return render(request, "steering/deleted.html", {"items": items})


@require_POST
@member_required
def measure_restore(request, pk):
    require(is_ki(request.user))
    deleted = get_object_or_404(DeletedMeasure, pk=pk, restored_at=None)
    try:
        measure = services.restore_measure(deleted, request.user)
    except services.RestoreError as error:
        messages.error(request, str(error))
        return redirect("steering-deleted")
    messages.success(request, _("The measure %(key)s has been restored.") % {"key": measure.key})
    return redirect("steering-measure", measure.key)


@member_required
def body_page(request, key):
    require(can_read_all(request.user))
    body = get_object_or_404(m.Body, key=key)
    meetings = (
        m.Meeting.objects.filter(Q(body=body) | Q(other_bodies=body))
        .distinct()
        .prefetch_related("decisions")
        .order_by("-date")
    )
    return render(request, "steering/body.html", {"body": body, "meetings": list(meetings)})


# --- Next steps ---------------------------------------------------------------------------


def _next_steps(request, concept):
    steps = m.NextStep.objects.filter(measure__field_of_action__concept=concept).select_related(
        "measure__field_of_action"
    )
    field, who, show = (
        request.GET.get("hf", ""),
        request.GET.get("wer", "").strip(),
        request.GET.get("zeige", "offen"),
    )
    if field:
        steps = steps.filter(measure__field_of_action__code=field)
    if who:
        steps = steps.filter(Q(responsible__icontains=who) | Q(measure__lead_unit__icontains=who))
    if show == "offen":
        steps = steps.filter(done=False)
    elif show == "ueberfaellig":
        steps = steps.filter(done=False, due_date__lt=timezone.localdate())
    return steps.order_by(F("due_date").asc(nulls_last=True), "measure__key", "order"), {
        "hf": field,
        "wer": who,
        "zeige": show,
    }


@member_required
def next_steps(request):
    require(can_read_all(request.user))
    concept = _concept(request)
    steps, filters = _next_steps(request, concept)
    return render(
        request,
        "steering/next_steps.html",
        {
            "steps": list(steps),
            "filters": filters,
            "fields": list(concept.fields_of_action.order_by("order")),
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
        },
    )


@member_required
def next_steps_export(request, fmt):
    require(can_read_all(request.user))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    steps, _filters = _next_steps(request, _concept(request))
    header = [_("Measure"), _("Field of action"), _("Next step"), _("Due date"), _("Responsible"), _("Done")]
    rows = [
        [
            s.measure.key,
            s.measure.field_of_action.code,
            s.text,
            s.due_date if s.due_precision == m.DatePrecision.DAY else s.due,  # a day stays a date cell
            s.responsible or s.measure.lead_unit,
            _("yes") if s.done else _("no"),
        ]
        for s in steps
    ]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        writer.writerows(
            [
                [
                    *map(safe_text, r[:3]),
                    r[3].strftime("%d.%m.%Y") if isinstance(r[3], datetime.date) else safe_text(r[3] or ""),
                    *map(safe_text, r[4:]),
                ]
                for r in rows
            ]
        )
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        book = openpyxl.Workbook()
        sheet = book.worksheets[0]  # a new workbook has one sheet, the active one
        sheet.append(header)
        for r in rows:
            append_row(sheet, r)
        data = io.BytesIO()
        book.save(data)
        response = HttpResponse(
            data.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="naechste-schritte.{fmt}"'
    return response


# --- Reporting cycles -----------------------------------------------------------------------


@member_required
def my_tasks(request):
    updates = list(
        StatusUpdate.objects.filter(
            cycle__state=ReportingCycle.State.OPEN, measure__owners__user=request.user
        )
        .select_related("cycle", "measure")
        .order_by("cycle__deadline", "measure_key")
    )
    return render(request, "steering/tasks.html", {"updates": updates})


@member_required
def cycle_list(request):
    require(can_read_all(request.user))
    concept = _concept(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        require(is_ki(request.user))
        if form.is_valid():
            try:
                cycle = services.open_cycle(
                    concept,
                    form.cleaned_data["title"],
                    form.cleaned_data["reporting_date"],
                    form.cleaned_data["deadline"],
                    request.user,
                    request.build_absolute_uri("/")[:-1],
                    remind_days_before=form.cleaned_data["remind_days_before"],
                    remind_every_days=form.cleaned_data["remind_every_days"],
                )
            except logic.TransitionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("The reporting cycle has been opened; the owners have been informed.")
                )
                return redirect("steering-cycle", cycle.key)
    cycles = ReportingCycle.objects.filter(concept=concept).select_related(
        "snapshot", "opened_by", "approved_by"
    )
    return render(
        request,
        "steering/cycles.html",
        {"cycles": list(cycles), "form": form, "can_open": is_ki(request.user)},
    )


@member_required
def cycle_page(request, key):
    require(can_read_all(request.user))
    cycle = get_object_or_404(ReportingCycle.objects.select_related("concept", "snapshot"), key=key)
    updates = list(
        cycle.updates.select_related("measure__field_of_action", "submitted_by").order_by("measure_key")
    )
    owners: dict[int, list] = {}
    for owner in MeasureOwner.objects.filter(measure__in=[u.measure_id for u in updates]).select_related(
        "user"
    ):
        owners.setdefault(owner.measure_id, []).append(owner.user)
    counts: dict[str, int] = {}
    for u in updates:
        counts[u.state] = counts.get(u.state, 0) + 1
    states = [(value, label, counts.get(value, 0)) for value, label in StatusUpdate.State.choices]
    history = labelled(
        Change.objects.filter(cycle=cycle).select_related("user", "cycle").order_by("-at", "-pk")[:1000]
    )
    return render(
        request,
        "steering/cycle.html",
        {
            "cycle": cycle,
            "rows": [(u, owners.get(u.measure_id or 0, [])) for u in updates],
            "states": states,
            "history": history,
            "can_approve": is_reviewer(request.user) and cycle.state == ReportingCycle.State.OPEN,
            "ready": bool(updates) and counts.get(StatusUpdate.State.ACCEPTED, 0) == len(updates),
            "is_ki": is_ki(request.user),
            "deadline_form": DeadlineForm(initial={f: getattr(cycle, f) for f in services.SCHEDULE_FIELDS}),
        },
    )


@require_POST
@member_required
def cycle_deadline(request, key):
    require(is_ki(request.user))
    cycle = get_object_or_404(ReportingCycle, key=key)
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            changes = services.change_schedule(
                cycle, {f: form.cleaned_data[f] for f in services.SCHEDULE_FIELDS}, request.user
            )
        except logic.TransitionError as error:
            messages.error(request, str(error))
        else:
            if any(name == "deadline" for name, _old, _new in changes):
                messages.success(
                    request,
                    _("The deadline has been changed to '%(date)s'.")
                    % {"date": form.cleaned_data["deadline"].strftime("%d.%m.%Y")},
                )
            elif changes:
                messages.success(request, _("The reminder rhythm has been changed."))
    else:
        for name, errors in form.errors.items():
            for message in errors:
                label = form.fields[name].label if name in form.fields else ""
                messages.error(request, f"{label}: {message}" if label else str(message))
    return redirect("steering-cycle", key)


@require_http_methods(["GET", "POST"])
@member_required
def cycle_approve(request, key):
    """Approval in two steps: a page that shows what will be frozen, then the confirmed POST."""
    require(is_reviewer(request.user))
    cycle = get_object_or_404(ReportingCycle.objects.select_related("concept"), key=key)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            cycle = services.approve_cycle(cycle, request.user)
        except logic.TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "The reporting cycle has been approved; snapshot %(number)d has been frozen. "
                    "It becomes public only when it is published on the Reports page."
                )
                % {"number": cycle.snapshot.number},
            )
        return redirect("steering-cycle", key)
    updates = list(cycle.updates.select_related("measure").order_by("measure_key"))
    try:
        logic.check_approval(cycle.state, [u.state for u in updates])
        problem = ""
    except logic.TransitionError as error:
        problem = str(error)
    return render(
        request,
        "steering/cycle_approve.html",
        {"cycle": cycle, "updates": updates, "problem": problem},
    )


def _update(key, measure_key):
    return get_object_or_404(
        StatusUpdate.objects.select_related(
            "cycle", "measure__field_of_action", "submitted_by", "reviewed_by"
        ),
        cycle__key=key,
        measure_key=measure_key,
    )


def _previous_update(update):
    """The accepted status update of the same measure in the latest cycle before this one."""
    return (
        StatusUpdate.objects.filter(
            measure_key=update.measure_key,
            state=StatusUpdate.State.ACCEPTED,
            cycle__reporting_date__lt=update.cycle.reporting_date,
        )
        .select_related("cycle")
        .order_by("-cycle__reporting_date")
        .first()
    )


@member_required
def update_form(request, key, measure_key):
    update = _update(key, measure_key)
    require(can_submit(request.user, update) or can_read_all(request.user))
    editable = (
        can_submit(request.user, update)
        and update.cycle.state == ReportingCycle.State.OPEN
        and update.state != StatusUpdate.State.ACCEPTED
    )
    previous = _previous_update(update)
    form = StatusUpdateForm(
        request.POST or None,
        instance=update,
        initial={"version": update.version, "seen_at": timezone.now()},
        previous=previous,
    )
    conflict = []
    if request.method == "POST":
        require(editable)
        if form.is_valid():
            fresh = _update(key, measure_key)
            draft = request.POST.get("action") == "draft"
            try:
                services.submit_update(
                    fresh,
                    form.values(),
                    form.cleaned_data["version"],
                    request.user,
                    form.cleaned_data["seen_at"],
                    draft=draft,
                )
            except services.StaleEdit as error:
                conflict = _stale_message(request, error)
                form = _kept_after_conflict(
                    StatusUpdateForm, request, _update(key, measure_key), previous=previous
                )
                form.add_error(
                    None,
                    _(
                        "Not sent: someone else saved this status update after you opened the form. Their changes are shown below. Your entries are still in the form: check them and send again to keep yours."
                    ),
                )
            except logic.TransitionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _(
                        "The draft has been saved. It is not submitted: it is reviewed (%(office)s) only once you submit it."
                    )
                    % {"office": vocabulary().office_short}
                    if draft
                    else _("Thank you: the status update has been sent for review (%(office)s).")
                    % {"office": vocabulary().office_short},
                )
                for warning in logic.past_due_warnings(form.cleaned_steps, timezone.localdate()):
                    messages.warning(request, warning)
                return redirect("steering-update", key, measure_key)
    history = labelled(_history("status_update", [f"{key}/{measure_key}"]))
    review = ReviewForm() if is_ki(request.user) and update.state == StatusUpdate.State.SUBMITTED else None
    return render(
        request,
        "steering/update.html",
        {
            "update": update,
            "form": form,
            "editable": editable,
            "conflict": conflict,
            "review": review,
            "history": history,
        },
    )


@require_POST
@member_required
def update_review(request, key, measure_key):
    require(is_ki(request.user))
    update = _update(key, measure_key)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_update(
                update,
                form.cleaned_data["decision"] == "accept",
                form.cleaned_data["comment"],
                request.user,
                request.build_absolute_uri("/")[:-1],
            )
        except logic.TransitionError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("The status update has been accepted.")
                if form.cleaned_data["decision"] == "accept"
                else _("The status update has been returned to the owner."),
            )
            return redirect("steering-cycle", key)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))  # ErrorList gives the messages as text
    return redirect("steering-update", key, measure_key)


# --- Spreadsheet ------------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "steering"
    path.mkdir(parents=True, exist_ok=True)
    return path


@member_required
def cycle_export(request, key):
    require(is_ki(request.user))
    cycle = get_object_or_404(ReportingCycle, key=key)
    response = HttpResponse(
        spreadsheet.export_xlsx(cycle),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="sachstand-{cycle.key}.xlsx"'
    return response


@member_required
def cycle_import(request, key):
    require(is_ki(request.user))
    cycle = get_object_or_404(ReportingCycle, key=key)
    form = UploadForm(request.POST or None, request.FILES or None)
    the_plan, token = None, ""
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        if not token.replace("-", "").replace("_", "").isalnum():
            raise Http404
        path = _upload_dir() / f"{token}.xlsx"
        if not path.exists():
            raise Http404
        try:
            count = spreadsheet.apply(
                cycle, spreadsheet.plan(cycle, spreadsheet.read_rows(path.read_bytes())), request.user
            )
        except (spreadsheet.SheetError, logic.TransitionError) as error:
            messages.error(request, str(error))
            return redirect("steering-cycle-import", key)
        path.unlink(missing_ok=True)
        messages.success(
            request,
            _("%(count)d status updates have been taken over from the spreadsheet.") % {"count": count},
        )
        return redirect("steering-cycle", key)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            the_plan = spreadsheet.plan(cycle, spreadsheet.read_rows(data))
        except spreadsheet.SheetError as error:
            form.add_error("file", str(error))
        else:
            token = secrets.token_urlsafe(16)
            (_upload_dir() / f"{token}.xlsx").write_bytes(data)
    return render(
        request,
        "steering/import.html",
        {"cycle": cycle, "form": form, "plan": the_plan, "token": token, "columns": logic.COLUMNS},
    )


# --- People and roles (office administration) -------------------------------------------------

PERSON_FIELDS = {
    "email": _("E-mail address"),
    "roles": _("Roles"),
    "measures": _("Owner of the measures"),
    "fields_of_action": _("Editor of the fields of action"),
    "is_active": _("Active"),
}


def _role_summary(users):
    """Per user id: the names of the role groups, the owned measure keys and the edited field codes."""
    ids = [u.pk for u in users]
    office, reviewer = (roles.group_name(p) for p in people.ROLE_PERMISSIONS)
    summary: dict[int, dict] = {pk: {"groups": [], "measures": [], "fields": []} for pk in ids}
    for user in users:
        names = {g.name for g in user.groups.all()}
        summary[user.pk]["groups"] = [n for n in (office, reviewer) if n in names]
    for user_id, key in MeasureOwner.objects.filter(user__in=ids).values_list("user_id", "measure__key"):
        summary[user_id]["measures"].append(key)
    for user_id, code in FieldEditor.objects.filter(user__in=ids).values_list(
        "user_id", "field_of_action__code"
    ):
        summary[user_id]["fields"].append(code)
    return summary


@member_required
def people_list(request):
    require(is_ki(request.user))
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = people.invite(
                form.cleaned_data["email"],
                form.cleaned_data["first_name"],
                form.cleaned_data["last_name"],
                request.user,
                request.build_absolute_uri("/")[:-1],
            )
        except people.PeopleError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                _(
                    "'%(email)s' has been invited and gets an e-mail with a link to set the password. "
                    "Now give the person a role."
                )
                % {"email": user.email},
            )
            return redirect("steering-person", user.pk)
    users = list(auth.get_user_model().objects.prefetch_related("groups").order_by("-is_active", "username"))
    summary = _role_summary(users)
    return render(
        request, "steering/people.html", {"rows": [(u, summary[u.pk]) for u in users], "form": form}
    )


def _person_history(user):
    changes = list(_history("user", [people.history_key(user)]))
    for c in changes:
        c.field_label = PERSON_FIELDS.get(c.field, c.field)
        c.old_label, c.new_label = c.old, c.new
    return changes


@member_required
def person_page(request, pk):
    require(is_ki(request.user))
    person = get_object_or_404(auth.get_user_model(), pk=pk)
    current = people.roles_of(person)
    form = RolesForm(
        request.POST if request.method == "POST" else None,  # every box unticked: an empty POST
        initial={
            "office": roles.OFFICE_PERMISSION in current.permissions,
            "reviewer": roles.REVIEWER_PERMISSION in current.permissions,
            "measures": list(current.measures),
            "fields_of_action": list(current.fields),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = people.Roles(
            permissions={
                permission
                for permission, name in (
                    (roles.OFFICE_PERMISSION, "office"),
                    (roles.REVIEWER_PERMISSION, "reviewer"),
                )
                if data[name]
            },
            measures={x.pk for x in data["measures"]},
            fields={x.pk for x in data["fields_of_action"]},
        )
        try:
            changes = people.set_roles(person, new, request.user)
        except people.PeopleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The roles of '%(name)s' have been saved.") % {"name": person.get_username()}
                if changes
                else _("Nothing has changed."),
            )
            return redirect("steering-person", pk)
    return render(
        request,
        "steering/person.html",
        {
            "person": person,
            "form": form,
            "history": _person_history(person),
            "invited": not person.has_usable_password(),
            "link_days": people.link_days(),
        },
    )


@require_POST
@member_required
def person_active(request, pk):
    require(is_ki(request.user))
    person = get_object_or_404(auth.get_user_model(), pk=pk)
    active = request.POST.get("active") == "yes"
    try:
        people.set_active(person, active, request.user)
    except people.PeopleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            (
                _("'%(name)s' can log in again.")
                if active
                else _("'%(name)s' has been deactivated and can no longer log in.")
            )
            % {"name": person.get_username()},
        )
    return redirect("steering-person", pk)


@require_POST
@member_required
def person_invite_again(request, pk):
    require(is_ki(request.user))
    person = get_object_or_404(auth.get_user_model(), pk=pk, is_active=True)
    if people.send_invitation(person, request.user, request.build_absolute_uri("/")[:-1]):
        messages.success(request, _("A new link has been sent to '%(email)s'.") % {"email": person.email})
    else:
        messages.error(request, _("The e-mail could not be sent; check the address and the mail server."))
    return redirect("steering-person", pk)


@member_required
def measure_owners(request, key):
    require(is_ki(request.user))
    measure = get_object_or_404(m.Measure, key=key)
    form = OwnersForm(
        request.POST if request.method == "POST" else None,
        initial={
            "owners": list(MeasureOwner.objects.filter(measure=measure).values_list("user_id", flat=True))
        },
    )
    back = request.GET.get("zurueck", "")
    cycle = ReportingCycle.objects.filter(key=back).first() if back else None
    if request.method == "POST" and form.is_valid():
        people.set_owners(measure, {u.pk for u in form.cleaned_data["owners"]}, request.user)
        messages.success(request, _("The owners of %(key)s have been saved.") % {"key": measure.key})
        return redirect("steering-cycle", cycle.key) if cycle else redirect("steering-measure", key)
    return render(request, "steering/measure_owners.html", {"measure": measure, "form": form, "cycle": cycle})
