"""Staff pages for statistics data: upload with preview, confirm, list of imports, rollback, templates."""

import io
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from imon.core.access import staff_permission_required

from . import exports, imports
from . import models as m
from .forms import ImportForm
from .importers import ImportFileError, parse_bytes

PREVIEW_ROWS = 200


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_stale_uploads(max_age_seconds: int = 24 * 60 * 60):
    """Previews that were never confirmed leave their file behind; a day later it goes."""
    limit = time.time() - max_age_seconds
    for stale in _upload_dir().glob("*.upload"):
        if stale.stat().st_mtime < limit:
            stale.unlink(missing_ok=True)


def _plan_from_upload(token: str, meta: dict):
    data = (_upload_dir() / f"{token}.upload").read_bytes()
    parsed = parse_bytes(data, meta["name"], meta["format"], meta["indicator"] or None)
    return imports.plan_import(parsed, meta["name"], imports.sha256_of(data), meta["replace"])


@staff_permission_required("core.view_importrecord")
def fetch_overview(request):
    """The official tables the indicators subscribe to: last fetch and its result, next due date."""
    from django.utils import timezone

    from .fetch import run

    return render(request, "core/fetches.html", {"rows": run.overview(timezone.localdate())})


@staff_permission_required("core.add_importrecord")
def import_upload(request):
    """Upload a file; the plan is shown for confirmation, nothing is written yet."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMON_IMPORT_MAX_MB * 1024 * 1024:
            form.add_error(
                "file", _("The file is larger than %(limit)s MB.") % {"limit": settings.IMON_IMPORT_MAX_MB}
            )
        else:
            _remove_stale_uploads()
            token = secrets.token_urlsafe(16)
            (_upload_dir() / f"{token}.upload").write_bytes(upload.read())
            meta = {
                "name": Path(upload.name).name,
                "format": form.cleaned_data["format"],
                "indicator": form.cleaned_data["indicator"],
                "replace": form.cleaned_data["replace"],
            }
            request.session[f"import-{token}"] = meta
            try:
                plan = _plan_from_upload(token, meta)
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                return render(
                    request, "core/import_preview.html", {"plan": plan, "token": token, "limit": PREVIEW_ROWS}
                )
    records = m.ImportRecord.objects.select_related("user")[:50]
    return render(request, "core/import_upload.html", {"form": form, "records": records})


@require_POST
@staff_permission_required("core.add_importrecord")
def import_confirm(request, token):
    meta = request.session.pop(f"import-{token}", None)
    path = _upload_dir() / f"{token}.upload"
    if meta is None or not path.exists():
        messages.error(request, _("This preview has expired; please upload the file again."))
        return redirect("data-import")
    try:
        plan = _plan_from_upload(token, meta)  # checked again: the data may have changed meanwhile
        if not plan.ok:
            return render(
                request, "core/import_preview.html", {"plan": plan, "token": None, "limit": PREVIEW_ROWS}
            )
        record = imports.apply_import(plan, request.user)
    except imports.StalePlanError as exc:
        messages.error(request, str(exc))
        return redirect("data-import")
    finally:
        path.unlink(missing_ok=True)
    if record is None:
        messages.info(request, _("Nothing to do: the database already holds these values."))
    else:
        messages.success(
            request,
            _("Import #%(id)s written: %(new)s new, %(changed)s changed rows.")
            % {"id": record.pk, "new": record.rows_new, "changed": record.rows_changed},
        )
    messages.info(request, plan.accounting())
    return redirect("data-import")


@require_POST
@staff_permission_required("core.add_importrecord")
def import_rollback(request, pk):
    record = get_object_or_404(m.ImportRecord, pk=pk)
    try:
        imports.rollback_import(record)
    except imports.RollbackError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Import #%(id)s (%(file)s) rolled back.") % {"id": record.pk, "file": record.file_name}
        )
    return redirect("data-import")


@staff_permission_required("core.view_indicator")
def import_template(request, key, fmt):
    """A blank long-format template for one indicator, naming its dimensions."""
    indicator = get_object_or_404(m.Indicator, key=key)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    dims = [d.key for d in indicator.dimensions.order_by("key")]
    header = ["indicator", "area", "reference_date", *dims, "value", "flag", "note"]
    example = {"indicator": indicator.key}
    buffer = io.BytesIO()
    exports.write(buffer, "csv-de" if fmt == "csv" else "xlsx", header, [example])
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="vorlage-{indicator.key}.{fmt}"'
    return response
