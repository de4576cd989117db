import functools

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.utils import translation

from . import models as m
from .vocabulary import vocabulary


@login_required
def home(request):
    """Overview of the concepts with their fields of action, for staff."""
    concepts = m.Concept.objects.select_related("municipality").prefetch_related(
        Prefetch(
            "fields_of_action",
            queryset=m.FieldOfAction.objects.annotate(
                measure_count=Count("measures", distinct=True),
                indicator_count=Count("indicators", distinct=True),
            ),
        )
    )
    counts = {
        "measures": m.Measure.objects.count(),
        "indicators": m.Indicator.objects.count(),
        "observations": m.Observation.objects.count(),
        "contact_points": m.ContactPoint.objects.count(),
    }
    # each concept with its own names of its levels ("Themenfelder"), which are German words: in
    # another language the general terms stand in for them
    german = translation.get_language() == "de"
    listed = [{"concept": c, "words": vocabulary(c) if german else None} for c in concepts]
    return render(request, "core/home.html", {"concepts": listed, "counts": counts})


@functools.cache
def _migrations_of_this_version() -> tuple[frozenset, dict]:
    """The migrations this version of the code brings (read from disk once per process), and
    which of them replace others (squashed migrations)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.disk_migrations), {
        key: migration.replaces for key, migration in loader.replacements.items()
    }


def healthz(request):
    """For monitoring: 200 when the database answers and every migration is applied, else 503.
    One query: the applied migrations against those this process's code brings."""
    from django.db import DatabaseError, connection
    from django.db.migrations.recorder import MigrationRecorder
    from django.http import JsonResponse

    checks = {"database": "ok", "migrations": "ok"}
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
        known, replacements = _migrations_of_this_version()
        for key, replaced in replacements.items():
            if all(tuple(r) in applied for r in replaced):
                applied.add(key)
            if key in applied:
                applied.update(tuple(r) for r in replaced)
        pending = known - applied
        if pending:
            checks["migrations"] = f"{len(pending)} pending"
    except DatabaseError:
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", **checks}, status=200 if healthy else 503)
