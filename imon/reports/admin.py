from django.contrib import admin

from .models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Snapshots are frozen: they can be looked at, never changed or deleted."""

    list_display = ("number", "title", "reporting_date", "created_at", "created_by", "schema_version")
    search_fields = ("title",)
    exclude = ("document",)
    readonly_fields = ("number", "title", "reporting_date", "created_at", "created_by", "schema_version", "sha256")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
