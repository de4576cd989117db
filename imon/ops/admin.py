from django.contrib import admin

from imon.core.admin import ReadOnlyAdmin

from .models import AuditEvent, TOTPDevice


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, read-only: events are only ever added by the application."""

    list_display = ["created_at", "kind", "username", "ip", "path", "detail"]
    list_filter = ["kind", "created_at"]
    search_fields = ["username", "ip", "path", "detail"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Administrators see who has a second factor and remove it when a phone is lost; the secret stays hidden."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
