from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from imon.core import models as m
from imon.core.admin import ObservationAdmin, ReadOnlyAdmin
from imon.publication import hidden_cells

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


admin.site.unregister(m.Observation)


@admin.register(m.Observation)
class ObservationWithPublicationAdmin(ObservationAdmin):
    """The observations, with a column saying which cells the confidentiality boundary blocks
    (registered here, above the boundary: the core does not know it)."""

    list_display = [*ObservationAdmin.list_display, "publication"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        keys = {obs.indicator.key for obs in changelist.result_list}
        self._hidden = hidden_cells(keys) if keys else {}
        return changelist

    @admin.display(description=_("publication"))
    def publication(self, obj):
        key = (obj.indicator.key, obj.area.key, obj.reference_date, obj.dim_key)
        return _("blocked for publication") if key in getattr(self, "_hidden", {}) else ""
