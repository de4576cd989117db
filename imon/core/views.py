from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import render

from . import models as m


@login_required
def home(request):
    """Overview of the concepts with their fields of action, for staff."""
    concepts = m.Concept.objects.select_related("municipality").prefetch_related(
        Prefetch(
            "fields_of_action",
            queryset=m.FieldOfAction.objects.annotate(measure_count=Count("measures", distinct=True), indicator_count=Count("indicators", distinct=True)),
        )
    )
    counts = {
        "measures": m.Measure.objects.count(),
        "indicators": m.Indicator.objects.count(),
        "observations": m.Observation.objects.count(),
        "contact_points": m.ContactPoint.objects.count(),
    }
    return render(request, "core/home.html", {"concepts": concepts, "counts": counts})


def healthz(request):
    """For monitoring: 200 when the database answers and every migration is applied, else 503."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor
    from django.http import JsonResponse

    checks = {"database": "ok", "migrations": "ok"}
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            checks["migrations"] = f"{len(pending)} pending"
    except DatabaseError:
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", **checks}, status=200 if healthy else 503)
