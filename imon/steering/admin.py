from django.contrib import admin

from .models import Change, DeletedMeasure, FieldEditor, MeasureOwner, ReportingCycle, StatusUpdate


@admin.register(FieldEditor)
class FieldEditorAdmin(admin.ModelAdmin):
    list_display = ["user", "field_of_action"]
    list_select_related = ["user", "field_of_action"]


@admin.register(MeasureOwner)
class MeasureOwnerAdmin(admin.ModelAdmin):
    list_display = ["user", "measure"]
    list_select_related = ["user", "measure"]
    autocomplete_fields = []


@admin.register(ReportingCycle)
class ReportingCycleAdmin(admin.ModelAdmin):
    list_display = ["title", "reporting_date", "deadline", "state"]
    readonly_fields = ["state", "opened_by", "approved_by", "approved_at", "snapshot"]


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["cycle", "measure_key", "state", "status"]
    list_filter = ["state", "cycle"]

    def has_change_permission(self, request, obj=None):
        return False  # changed through the steering pages only, so that history and locking apply


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "object_type", "object_key", "action", "field"]
    list_filter = ["object_type", "action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeletedMeasure)
class DeletedMeasureAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "deleted_at", "restored_at"]

    def has_change_permission(self, request, obj=None):
        return False
