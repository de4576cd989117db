"""Staff pages for reports: the snapshots, a form to freeze a new one, a download per format."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from imon.core.access import staff_permission_required

from . import render as rendering
from . import snapshots, suppression_report
from .forms import SnapshotForm
from .models import Snapshot


@staff_permission_required("reports.view_snapshot")
def snapshot_list(request):
    form = SnapshotForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("reports.add_snapshot"):
            raise Http404
        if form.is_valid():
            try:
                snapshot = snapshots.create(
                    form.cleaned_data["title"], form.cleaned_data["reporting_date"], request.user
                )
            except snapshots.SnapshotError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("Snapshot %(number)d has been frozen.") % {"number": snapshot.number}
                )
                return redirect("reports")
    items = Snapshot.objects.select_related("created_by", "release").defer("document").order_by("-number")
    public = snapshots.published()
    return render(
        request,
        "reports/snapshots.html",
        {
            "snapshots": items,
            "form": form,
            "formats": rendering.FORMATS,
            "public": public,
            "public_out_of_date": public is not None and snapshots.out_of_date(public),
        },
    )


@staff_permission_required("reports.publish_snapshot")
def snapshot_publish(request, number: int):
    """The suppression report of a snapshot, and the button that makes it the public release."""
    try:
        snapshot = Snapshot.objects.get(number=number)
    except Snapshot.DoesNotExist:
        raise Http404 from None
    error = None
    if request.method == "POST":
        try:
            snapshots.publish(snapshot, request.user)
        except snapshots.SnapshotError as problem:
            error = str(problem)
        else:
            messages.success(
                request,
                _(
                    "Snapshot %(number)d is now the public release: portal, API, downloads and static export show it."
                )
                % {"number": snapshot.number},
            )
            return redirect("reports")
    return render(
        request,
        "reports/publish.html",
        {
            "snapshot": snapshot,
            "report": suppression_report.context(snapshot),
            "error": error,
            "unreviewed": snapshot.head.get("unreviewed", []),
        },
    )


@staff_permission_required("reports.view_snapshot")
def report_download(request, number: int, fmt: str):
    if fmt not in rendering.FORMATS:
        raise Http404
    try:
        snapshot = Snapshot.objects.get(number=number)
    except Snapshot.DoesNotExist:
        raise Http404 from None
    content = rendering.render(snapshot, fmt)
    response = HttpResponse(content, content_type=rendering.FORMATS[fmt][0])
    response["Content-Disposition"] = f'attachment; filename="{rendering.filename(snapshot, fmt)}"'
    return response
