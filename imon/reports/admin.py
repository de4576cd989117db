from django.contrib import admin

from imon.core.admin import ReadOnlyAdmin

from .models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin):
    """Snapshots are frozen: they can be looked at, never changed or deleted."""

    list_display = ("number", "title", "reporting_date", "created_at", "created_by", "schema_version")
    search_fields = ("title",)
    exclude = ("document",)
    readonly_fields = (
        "number",
        "title",
        "reporting_date",
        "created_at",
        "created_by",
        "schema_version",
        "sha256",
    )
