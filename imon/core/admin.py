from typing import Any

from django.contrib import admin
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from . import models as m


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records the application alone writes (snapshots, the audit log): look, never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Integrationsmonitor administration")
admin.site.site_title = _("Integrationsmonitor")
admin.site.index_title = _("Administration")


# Web addresses typed without a scheme get https://, as browsers do today.
HTTPS_URLS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


@admin.register(m.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "ags", "state"]
    search_fields = ["name", "ags"]


@admin.register(m.Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "kind", "code", "parent", "is_comparison"]
    list_filter = ["kind", "is_comparison"]
    search_fields = ["name", "key", "code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class FieldOfActionInline(admin.TabularInline):
    model = m.FieldOfAction
    fields = ["code", "title", "is_priority", "order"]
    extra = 0
    show_change_link = True


class ConceptEditionInline(admin.TabularInline):
    model = m.ConceptEdition
    fields = ["key", "title", "resolution_date", "resolution_reference", "order"]
    extra = 0


@admin.register(m.Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "status", "resolution_date", "resolution_reference"]
    list_filter = ["status"]
    search_fields = ["title", "resolution_reference"]
    inlines = [ConceptEditionInline, FieldOfActionInline]


class GoalInline(admin.StackedInline):
    model = m.Goal
    fields = [
        "key",
        "title",
        "target_value",
        "target_date",
        "traffic_light",
        "traffic_light_reason",
        "assessed_for",
        "indicators",
        "strategic_goals",
        "order",
    ]
    autocomplete_fields = ["indicators", "strategic_goals"]
    extra = 0
    show_change_link = True


class MeasureInline(admin.TabularInline):
    model = m.Measure
    fields = ["key", "title", "status", "progress", "traffic_light", "lead_unit"]
    extra = 0
    show_change_link = True


@admin.register(m.FieldOfAction)
class FieldOfActionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "is_priority", "measure_count", "concept"]
    list_display_links = ["code", "title"]
    list_filter = ["concept", "is_priority"]
    search_fields = ["code", "title", "description"]
    inlines = [GoalInline, MeasureInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super().get_queryset(request).select_related("concept").annotate(_measure_count=Count("measures"))
        )

    @admin.display(description=_("measures"), ordering="_measure_count")
    def measure_count(self, obj):
        return obj._measure_count


@admin.register(m.StrategicGoal)
class StrategicGoalAdmin(admin.ModelAdmin):
    list_display = ["key", "title"]
    search_fields = ["key", "title"]
    filter_horizontal = ["fields_of_action"]


@admin.register(m.Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "field_of_action", "target_value", "target_date", "traffic_light"]
    list_filter = ["field_of_action", "traffic_light"]
    search_fields = ["key", "title"]
    list_select_related = ["field_of_action"]
    autocomplete_fields = ["indicators", "strategic_goals"]


class NextStepInline(admin.TabularInline):
    model = m.NextStep
    fields = ["key", "text", "responsible", "due_date", "due_precision", "done", "order"]
    extra = 0


class FunderInline(admin.TabularInline):
    model = m.Funder
    fields = ["name", "programme", "amount", "order"]
    extra = 0


@admin.register(m.Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "field_of_action", "status", "progress", "traffic_light", "lead_unit"]
    list_display_links = ["key", "title"]
    list_filter = ["field_of_action", "status", "traffic_light", "programme"]
    search_fields = ["key", "title", "description", "lead_unit", "partners", "programme"]
    list_select_related = ["field_of_action"]
    autocomplete_fields = ["goals", "strategic_goals", "indicators"]
    inlines = [FunderInline, NextStepInline]
    filter_horizontal = ["also_fields_of_action"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "key",
                    "field_of_action",
                    "also_fields_of_action",
                    "title",
                    "description",
                    "order",
                    "published",
                ]
            },
        ),
        (
            _("Responsibility"),
            {
                "fields": [
                    "lead_unit",
                    "partners",
                    "programme",
                    ("start_date", "start_precision"),
                    ("end_date", "end_precision"),
                ]
            },
        ),
        (
            _("Current state"),
            {
                "fields": [
                    "status",
                    "progress",
                    "traffic_light",
                    "traffic_light_reason",
                    "results",
                    "obstacles",
                ]
            },
        ),
        (
            _("Controlling figures"),
            {"fields": ["participants", "staff", "hours", "cost", "funding", "effect"]},
        ),
        (_("Links"), {"fields": ["goals", "strategic_goals", "indicators"]}),
        (_("Internal"), {"fields": ["note"]}),
    ]


class DecisionInline(admin.TabularInline):
    model = m.Decision
    fields = ["text", "order"]
    extra = 0


class MeetingInline(admin.TabularInline):
    model = m.Meeting
    fk_name = "body"
    fields = ["key", "date", "title", "kind"]
    extra = 0
    show_change_link = True


@admin.register(m.Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "rhythm"]
    list_filter = ["kind"]
    search_fields = ["name", "key"]
    inlines = [MeetingInline]


@admin.register(m.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "title", "body", "kind"]
    list_filter = ["body", "kind"]
    search_fields = ["title", "key"]
    date_hierarchy = "date"
    list_select_related = ["body"]
    filter_horizontal = ["other_bodies"]
    inlines = [DecisionInline]


@admin.register(m.Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["key", "publisher", "title", "table_code", "retrieved_on"]
    search_fields = ["key", "publisher", "title", "table_code"]


class DimensionValueInline(admin.TabularInline):
    model = m.DimensionValue
    fields = ["key", "label", "is_total", "order"]
    extra = 0


@admin.register(m.Dimension)
class DimensionAdmin(admin.ModelAdmin):
    list_display = ["key", "label"]
    search_fields = ["key", "label"]
    inlines = [DimensionValueInline]


class ValidationRuleInline(admin.TabularInline):
    model = m.ValidationRule
    fk_name = "indicator"
    fields = [
        "kind",
        "severity",
        "dimension",
        "total",
        "parts",
        "other_indicator",
        "min_value",
        "max_value",
        "percent",
        "tolerance",
        "order",
    ]
    autocomplete_fields = ["other_indicator"]
    extra = 0


@admin.register(m.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    inlines = [ValidationRuleInline]
    list_display = ["key", "title", "kind", "unit", "population_concept", "source", "observation_count"]
    list_display_links = ["key", "title"]
    list_filter = ["kind", "population_concept", "fields_of_action", "source"]
    search_fields = ["key", "title", "definition"]
    list_select_related = ["source"]
    autocomplete_fields = ["numerator", "denominator", "source"]
    filter_horizontal = ["fields_of_action", "dimensions"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_observation_count=Count("observations"))

    @admin.display(description=_("observations"), ordering="_observation_count")
    def observation_count(self, obj):
        return obj._observation_count


@admin.register(m.Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = [
        "indicator_key",
        "area",
        "reference_date",
        "disaggregation",
        "formatted_value",
        "flag",
    ]
    list_filter = ["indicator", "flag", "area"]
    search_fields = ["indicator__key", "indicator__title", "area__name", "dim_key"]
    list_select_related = ["indicator", "area"]
    autocomplete_fields = ["indicator", "area"]
    date_hierarchy = "reference_date"
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("indicator"), ordering="indicator__key")
    def indicator_key(self, obj):
        return obj.indicator.key

    @admin.display(description=_("disaggregation"), ordering="dim_key")
    def disaggregation(self, obj):
        return ", ".join(f"{k}: {v}" for k, v in sorted(obj.dims.items())) or "–"

    @admin.display(description=_("value"), ordering="value")
    def formatted_value(self, obj):
        if obj.value is None:
            return obj.flag
        return number_format(
            obj.value, decimal_pos=obj.indicator.decimals, use_l10n=True, force_grouping=True
        )


@admin.register(m.ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "organisation", "area", "barrier_free", "published"]
    list_filter = ["published", "barrier_free", "fields_of_action", "area"]
    search_fields = ["name", "organisation", "description", "street"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    filter_horizontal = ["fields_of_action"]


@admin.register(m.ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["pk", "file_name", "format", "created_at", "user", "rows_new", "rows_changed", "status"]
    list_filter = ["status", "format"]
    search_fields = ["file_name", "sha256"]
    readonly_fields = [f.name for f in m.ImportRecord._meta.fields if f.name != "id"] + ["indicators"]
    exclude = ["previous"]

    def has_add_permission(self, request):
        return False  # imports are made by uploading a file (Daten › Importe) or with `imon import`

    def has_change_permission(self, request, obj=None):
        return False
