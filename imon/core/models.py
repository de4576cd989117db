"""The domain model: places, the concept and its steering, indicator data, contact points.

Every record has a stable, human-readable `key` used in files and URLs. Names
follow the glossary in the design brief (shared/design.md §2).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import housestyle, periods

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# Fields of action keep the codes a city uses: A, HF1, 1, 2.3, IV.
FIELD_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,9}$"
FIELD_CODE_FORM = _(
    "letters and digits, also with '.' or '-', at most 10 characters, beginning with a letter or digit "
    "(e.g. A, HF1, 1, 2.3, IV)"
)
key_validator = RegexValidator(
    KEY_PATTERN,
    _("Use letters, digits, '-', '_' and '.' only, starting with a letter or digit."),
)


def key_field(**kwargs):
    return models.CharField(_("key"), max_length=64, validators=[key_validator], **kwargs)


class DatePrecision(models.TextChoices):
    DAY = periods.DAY, _("day")
    MONTH = periods.MONTH, _("month")
    QUARTER = periods.QUARTER, _("quarter")
    HALF_YEAR = periods.HALF_YEAR, _("half-year")
    YEAR = periods.YEAR, _("year")
    ONGOING = periods.OPEN, _("ongoing (open end)")


def precision_field(verbose_name):
    return models.CharField(
        verbose_name, max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )


# --- Places -----------------------------------------------------------------


class Municipality(models.Model):
    key = key_field(unique=True)
    name = models.CharField(_("name"), max_length=200)
    ags = models.CharField(
        _("AGS"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^\d{8}$", _("The AGS has exactly 8 digits."))],
        help_text=_("Amtlicher Gemeindeschlüssel, 8 digits, e.g. 05316000."),
    )
    ars = models.CharField(_("ARS"), max_length=12, blank=True)
    state = models.CharField(_("federal state"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    office_name = models.CharField(
        _("name of the integration office"),
        max_length=200,
        blank=True,
        help_text=_("E.g. Kommunales Integrationszentrum, Integrationsbüro, Amt für Integration."),
    )
    office_short_name = models.CharField(
        _("short name of the integration office"), max_length=50, blank=True, help_text=_("E.g. KI.")
    )
    council_name = models.CharField(
        _("name of the council"),
        max_length=200,
        blank=True,
        help_text=_("The body that adopts the concept, e.g. Rat, Kreistag, Stadtverordnetenversammlung."),
    )
    document_name = models.CharField(
        _("name of a council document"),
        max_length=100,
        blank=True,
        help_text=_("What the council's papers are called, e.g. Vorlage, Drucksache, Beschlussvorlage."),
    )
    # The house style (imon.core.housestyle): logo, colours, font and imprint of every report and the portal.
    logo = models.TextField(
        _("logo"),
        blank=True,
        validators=[housestyle.validate_logo],
        help_text=_("SVG or PNG image, stored as a data URI."),
    )
    logo_png = models.TextField(
        _("logo as PNG"),
        blank=True,
        validators=[housestyle.validate_logo],
        help_text=_("For Word and PowerPoint, where the logo is an SVG image."),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        blank=True,
        validators=[housestyle.validate_colour],
        help_text=_("#rrggbb, at least 4.5:1 against white."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        blank=True,
        validators=[housestyle.validate_colour],
        help_text=_("#rrggbb, at least 4.5:1 against white."),
    )
    font = models.CharField(_("font"), max_length=100, blank=True, help_text=_("E.g. Fira Sans."))
    publisher = models.CharField(
        _("publisher"),
        max_length=200,
        blank=True,
        help_text=_("Named in the imprint of reports and the portal."),
    )
    address = models.TextField(_("postal address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return self.name


class Area(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", _("country")
        STATE = "state", _("federal state")
        REGION = "region", _("administrative region")
        DISTRICT_COUNTY = "county", _("county or county-free city")
        MUNICIPALITY = "municipality", _("municipality")
        CITY_DISTRICT = "city_district", _("city district (Stadtbezirk)")
        QUARTER = "quarter", _("quarter (Stadtteil)")
        STATISTICAL = "statistical", _("statistical area")

    key = key_field(unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(
        _("official code"),
        max_length=20,
        blank=True,
        help_text=_("AGS, Kreis code or official district number."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_comparison = models.BooleanField(
        _("comparison area"),
        default=False,
        help_text=_("E.g. the federal state or Germany, shown for comparison."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    note = models.TextField(_("note"), blank=True)
    # The outline for maps of the city's own districts (`imon load-geometry`): rings of
    # (longitude, latitude) in WGS 84, as GeoJSON writes them.
    geometry = models.JSONField(_("outline"), default=list, blank=True, editable=False)
    geometry_source = models.CharField(_("source of the outline"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["order", "key"]

    def __str__(self):
        return self.name

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("An area cannot be part of itself.")})
            ancestor = ancestor.parent


# Areas so small that a stricter minimum count can apply to them (`small_area_min_count`).
SMALL_AREA_KINDS = (Area.Kind.QUARTER, Area.Kind.STATISTICAL)


def area_children() -> dict[str, list[str]]:
    """{area key: keys of its direct sub-areas}, for area-sum rules."""
    children: dict[str, list[str]] = {}
    for key, parent in (
        Area.objects.exclude(parent=None).order_by("order", "key").values_list("key", "parent__key")
    ):
        children.setdefault(parent, []).append(key)
    return children


# --- The concept and its steering ---------------------------------------------


class Concept(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ADOPTED = "adopted", _("adopted")
        SUPERSEDED = "superseded", _("superseded")

    key = key_field(unique=True)
    municipality = models.ForeignKey(Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    resolution_date = models.DateField(_("date of council resolution"), null=True, blank=True)
    resolution_reference = models.CharField(
        _("council document number (Vorlage)"), max_length=100, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    field_of_action_name = models.CharField(
        _("name of a field of action"),
        max_length=100,
        blank=True,
        help_text=_("What the concept calls its top level, e.g. Handlungsfeld, Themenfeld, Leitlinie."),
    )
    field_of_action_name_plural = models.CharField(
        _("name of the fields of action (plural)"), max_length=100, blank=True
    )
    goal_name = models.CharField(
        _("name of a goal"), max_length=100, blank=True, help_text=_("E.g. Ziel, Leitziel, Teilziel.")
    )
    goal_name_plural = models.CharField(_("name of the goals (plural)"), max_length=100, blank=True)
    headline_indicators = models.JSONField(
        _("headline indicators"),
        default=list,
        blank=True,
        help_text=_(
            "The keys of three to six indicators shown as key figures on the portal's start page and "
            "in the report's summary."
        ),
    )
    approving_body = models.ForeignKey(
        "Body",
        verbose_name=_("body approving reporting cycles"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("integration concept")
        verbose_name_plural = _("integration concepts")

    def __str__(self):
        return self.title


class ConceptEdition(models.Model):
    """An edition of a concept: the first resolution or an update (Fortschreibung). The last in
    order is the current one; fields of action, goals and measures say since which edition they
    belong to the concept and in which one they were retired."""

    concept = models.ForeignKey(
        Concept, verbose_name=_("concept"), on_delete=models.CASCADE, related_name="editions"
    )
    key = key_field()
    title = models.CharField(_("title"), max_length=300)
    resolution_date = models.DateField(_("date of resolution"), null=True, blank=True)
    resolution_reference = models.CharField(_("council document number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("concept edition")
        verbose_name_plural = _("concept editions")
        ordering = ["concept", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["concept", "key"], name="concept_edition_key_unique_per_concept"),
        ]

    def __str__(self):
        return self.title


def edition_fields():
    """`since` and `retired`: the editions in which a record entered and left the concept."""
    return (
        models.ForeignKey(
            ConceptEdition,
            verbose_name=_("in the concept since edition"),
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
        models.ForeignKey(
            ConceptEdition,
            verbose_name=_("retired with edition"),
            on_delete=models.PROTECT,
            null=True,
            blank=True,
            related_name="+",
        ),
    )


class FieldOfAction(models.Model):
    concept = models.ForeignKey(
        Concept, verbose_name=_("concept"), on_delete=models.CASCADE, related_name="fields_of_action"
    )
    code = models.CharField(
        _("code"),
        max_length=10,
        validators=[RegexValidator(FIELD_CODE_PATTERN, FIELD_CODE_FORM)],
        help_text=_("The code the concept uses for the field of action, e.g. C, HF1, 2.3 or IV."),
    )
    title = models.CharField(_("title"), max_length=300)
    is_priority = models.BooleanField(_("prioritised"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    description = models.TextField(_("description"), blank=True)
    easy_language = models.TextField(_("text in easy-to-read German (Leichte Sprache)"), blank=True)
    since, retired = edition_fields()

    class Meta:
        verbose_name = _("field of action")
        verbose_name_plural = _("fields of action")
        ordering = ["concept", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["concept", "code"], name="field_of_action_code_unique_per_concept"
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.title}"


class StrategicGoal(models.Model):
    """A strategic goal of the administration (strategisches Verwaltungsziel)."""

    key = key_field(unique=True)
    municipality = models.ForeignKey(Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    fields_of_action = models.ManyToManyField(
        FieldOfAction, verbose_name=_("fields of action"), blank=True, related_name="strategic_goals"
    )

    class Meta:
        verbose_name = _("strategic administration goal")
        verbose_name_plural = _("strategic administration goals")
        ordering = ["key"]

    def __str__(self):
        return self.title


class TrafficLight(models.TextChoices):
    """The traffic light of a measure's state and of a goal's assessment (one definition)."""

    GREEN = "green", _("green: on track")
    YELLOW = "yellow", _("yellow: at risk")
    RED = "red", _("red: off track")


class Goal(models.Model):
    key = key_field(unique=True)
    field_of_action = models.ForeignKey(
        FieldOfAction, verbose_name=_("field of action"), on_delete=models.CASCADE, related_name="goals"
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    target_precision = precision_field(_("precision of the target date"))
    # "Indicator" is defined further down; django-stubs cannot infer the field's type from a name.
    indicators: "models.ManyToManyField[Indicator, Any]" = models.ManyToManyField(
        "Indicator", verbose_name=_("indicators"), blank=True, related_name="goals"
    )
    strategic_goals = models.ManyToManyField(
        StrategicGoal, verbose_name=_("strategic administration goals"), blank=True, related_name="goals"
    )
    # The assessment: how the office judges the goal for a period (a year, "2. Halbjahr 2024", ...).
    traffic_light = models.CharField(
        _("traffic light"), max_length=10, choices=TrafficLight.choices, blank=True
    )
    traffic_light_reason = models.TextField(_("reason for the traffic light"), blank=True)
    assessed_for = models.CharField(
        _("assessed for"),
        max_length=100,
        blank=True,
        help_text=_(
            "The period the assessment refers to, as the concept names it, e.g. 2024 or 2. Halbjahr 2024."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    since, retired = edition_fields()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["field_of_action", "order", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(traffic_light__in=["", "green"]) | ~Q(traffic_light_reason=""),
                name="goal_traffic_light_reason_required",
                violation_error_message=_("A yellow or red traffic light needs a reason."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def target(self) -> str:
        """The target date as the city writes it ("2026", "2. Halbjahr 2025"; "" for none)."""
        return periods.format_stored(self.target_date, self.target_precision)


class MeasureState(models.Model):
    """The state of a measure, declared once: the current state on `Measure`, each cycle's report on
    `steering.StatusUpdate` (copied onto the measure once accepted). Validators and database
    constraints come with the fields; the constraint names carry the model's name."""

    class Status(models.TextChoices):
        UNKNOWN = "unknown", _("unknown")
        PLANNED = "planned", _("planned")
        PREPARING = "preparing", _("in preparation")
        IN_PROGRESS = "in_progress", _("in progress")
        DELAYED = "delayed", _("delayed")
        COMPLETED = "completed", _("completed")
        ESTABLISHED = "established", _("established (permanent)")
        ON_HOLD = "on_hold", _("on hold")
        DISCONTINUED = "discontinued", _("discontinued")

    TrafficLight = TrafficLight

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UNKNOWN)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    traffic_light = models.CharField(
        _("traffic light"), max_length=10, choices=TrafficLight.choices, blank=True
    )
    traffic_light_reason = models.TextField(_("reason for the traffic light"), blank=True)
    results = models.TextField(_("results"), blank=True)
    obstacles = models.TextField(_("obstacles"), blank=True)
    # Controlling figures, as the council asked for them (participants, staff, hours, cost, funding, effect).
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    staff = models.DecimalField(
        _("staff (full-time equivalents)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    hours = models.PositiveIntegerField(_("hours"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding = models.DecimalField(
        _("third-party funding (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    effect = models.TextField(_("effect"), blank=True)

    class Meta:
        abstract = True
        # "%(class)s_" keeps the names the measure's constraints have had since 0001 (measure_…).
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="%(class)s_progress_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(traffic_light__in=["", "green"]) | ~Q(traffic_light_reason=""),
                name="%(class)s_traffic_light_reason_required",
                violation_error_message=_("A yellow or red traffic light needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(staff__gte=0) | Q(staff__isnull=True), name="%(class)s_staff_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0) | Q(cost__isnull=True), name="%(class)s_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(funding__gte=0) | Q(funding__isnull=True), name="%(class)s_funding_not_negative"
            ),
        ]


# The state fields in their order (forms, spreadsheet columns, copying an accepted status update).
STATE_FIELDS = [f.name for f in MeasureState._meta.fields]


class Measure(MeasureState):
    key = key_field(unique=True)
    field_of_action = models.ForeignKey(
        FieldOfAction, verbose_name=_("field of action"), on_delete=models.PROTECT, related_name="measures"
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    lead_unit = models.CharField(_("lead unit (Federführung)"), max_length=300, blank=True)
    partners = models.TextField(_("partners"), blank=True)
    programme = models.CharField(_("programme / funding"), max_length=300, blank=True)
    # A date as precise as the city knows it (imon.core.periods): the start's first day, the
    # end's last day, and the precision they were given with.
    start_date = models.DateField(_("start"), null=True, blank=True)
    start_precision = precision_field(_("precision of the start"))
    end_date = models.DateField(_("end"), null=True, blank=True)
    # A cross-cutting measure serves further fields of action; `field_of_action` leads.
    also_fields_of_action = models.ManyToManyField(
        FieldOfAction,
        verbose_name=_("also serves the fields of action"),
        blank=True,
        related_name="cross_cutting_measures",
        help_text=_("Further fields of action of a cross-cutting measure; the field of action above leads."),
    )
    end_precision = precision_field(_("precision of the end"))
    goals = models.ManyToManyField(Goal, verbose_name=_("goals"), blank=True, related_name="measures")
    strategic_goals = models.ManyToManyField(
        StrategicGoal, verbose_name=_("strategic administration goals"), blank=True, related_name="measures"
    )
    indicators: "models.ManyToManyField[Indicator, Any]" = models.ManyToManyField(
        "Indicator", verbose_name=_("indicators"), blank=True, related_name="measures"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    since, retired = edition_fields()
    published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Unpublished measures stay out of the portal, the API and the reports."),
    )
    note = models.TextField(_("internal note"), blank=True)
    # Optimistic locking: every save through the steering pages raises it by one (imon.steering.services).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # An owner's own edit waits for the KI: until the KI saves the measure or accepts a status
    # update of it, a snapshot publishes the measure as the last release showed it.
    review_pending = models.BooleanField(_("changes awaiting review"), default=False, editable=False)

    class Meta(MeasureState.Meta):
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["field_of_action__order", "order", "key"]
        constraints = [
            *MeasureState.Meta.constraints,
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="measure_end_not_before_start",
                violation_error_message=_("The end must not lie before the start."),
            ),
        ]

    def __str__(self):
        return f"{self.key} – {self.title}"

    @property
    def start(self) -> str:
        """The start as the city writes it ("2. Halbjahr 2024", "14.03.2025"; "" for none)."""
        return periods.format_stored(self.start_date, self.start_precision)

    @property
    def end(self) -> str:
        """The end as the city writes it ("2025", "fortlaufend"; "" for none)."""
        return periods.format_stored(self.end_date, self.end_precision)


class Funder(models.Model):
    """One of the funders of a measure, with its programme and amount where known."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="funders"
    )
    name = models.CharField(_("funder"), max_length=300)
    programme = models.CharField(_("programme"), max_length=300, blank=True)
    amount = models.DecimalField(
        _("amount (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["measure", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(amount__isnull=True), name="funder_amount_not_negative"
            )
        ]

    def __str__(self):
        return self.name


class NextStep(models.Model):
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="next_steps"
    )
    key = key_field()
    text = models.TextField(_("next step"))
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)  # the period's last day
    due_precision = precision_field(_("precision of the due date"))
    done = models.BooleanField(_("done"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("next step")
        verbose_name_plural = _("next steps")
        ordering = ["measure", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "key"], name="next_step_key_unique_per_measure")
        ]

    def __str__(self):
        return self.text[:80]

    @property
    def due(self) -> str:
        """The due date as the city writes it ("3. Quartal 2025"; "" for none)."""
        return periods.format_stored(self.due_date, self.due_precision)


class Body(models.Model):
    """A governance body (Gremium) or unit taking part in steering the concept."""

    class Kind(models.TextChoices):
        STAFF_UNIT = "staff_unit", _("staff unit")
        CONTROLLING_GROUP = "controlling_group", _("controlling group")
        STEERING_GROUP = "steering_group", _("steering group")
        EXPERT_GROUP = "expert_group", _("expert group")
        EXECUTIVE_BOARD = "executive_board", _("administration board")
        COUNCIL = "council", _("council")
        COUNCIL_COMMITTEE = "council_committee", _("council committee")
        ADVISORY_COUNCIL = "advisory_council", _("integration or foreigners' advisory council")
        WORKING_GROUP = "working_group", _("working group")
        NETWORK = "network", _("network")
        CONFERENCE = "conference", _("conference")
        OTHER = "other", _("other")

    key = key_field(unique=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    role = models.TextField(_("role in steering"), blank=True)
    rhythm = models.CharField(_("meeting rhythm"), max_length=200, blank=True)
    members = models.TextField(_("members"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["order", "key"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("meeting")
        WORKSHOP = "workshop", _("workshop")
        PRESENTATION = "presentation", _("presentation")
        EVENT = "event", _("event (e.g. an intercultural week)")

    key = key_field(unique=True)
    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="meetings")
    other_bodies = models.ManyToManyField(
        Body, verbose_name=_("further bodies taking part"), blank=True, related_name="joint_meetings"
    )
    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("last day"), null=True, blank=True, help_text=_("For an event of several days.")
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")),
                name="meeting_end_not_before_start",
                violation_error_message=_("The last day cannot lie before the first."),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.when})"

    @property
    def when(self) -> str:
        """The day, or the days of an event ("21.–28.09.2025")."""
        return periods.format_span(self.date, self.end_date)


class Decision(models.Model):
    """An outcome or decision of a meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("outcome or decision"))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("outcome or decision")
        verbose_name_plural = _("outcomes and decisions")
        ordering = ["meeting", "order"]

    def __str__(self):
        return self.text[:80]


# --- Indicator data ---------------------------------------------------------------


def publication_rule_fields():
    """The confidentiality settings that indicators and sources both have (the indicator's own wins,
    then the source's, then the project default): min_count, small_area_min_count, rounding,
    min_denominator."""
    return (
        models.PositiveSmallIntegerField(
            _("minimum count for publication"),
            null=True,
            blank=True,
            help_text=_("Counts from 1 up to this number minus one are blocked; empty: project default (3)."),
        ),
        models.PositiveSmallIntegerField(
            _("minimum count in small areas"),
            null=True,
            blank=True,
            help_text=_(
                "A stricter minimum count for quarters (Stadtteile) and statistical areas; empty: none."
            ),
        ),
        models.PositiveSmallIntegerField(
            _("round published values to multiples of"),
            null=True,
            blank=True,
            help_text=_("E.g. 5 or 10; empty: no rounding."),
        ),
        models.PositiveIntegerField(
            _("minimum denominator"),
            null=True,
            blank=True,
            help_text=_(
                "For shares and rates: below this denominator the value is published as '/' (too uncertain)."
            ),
        ),
    )


class Source(models.Model):
    key = key_field(unique=True)
    publisher = models.CharField(_("publisher"), max_length=300)
    title = models.CharField(_("title"), max_length=500)
    table_code = models.CharField(
        _("table code"), max_length=100, blank=True, help_text=_("E.g. 12531-0043.")
    )
    url = models.URLField(_("URL"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    retrieved_on = models.DateField(_("retrieved on"), null=True, blank=True)
    # Statistical confidentiality for all indicators of the source; an indicator's own setting wins.
    min_count, small_area_min_count, rounding, min_denominator = publication_rule_fields()
    released = models.BooleanField(
        _("published by the source itself"),
        default=False,
        help_text=_(
            "E.g. election results: the publisher released these values; our statistical "
            "confidentiality does not hide them and no footnote cites § 16 BStatG for them."
        ),
    )

    class XMeans(models.TextChoices):
        NOT_APPLICABLE = "not_applicable", _("not meaningful (not applicable)")
        SECRET = "secret", _("secret")

    x_means = models.CharField(
        _("meaning of the symbol x"),
        max_length=20,
        choices=XMeans.choices,
        default=XMeans.NOT_APPLICABLE,
        help_text=_("As the office's key of symbols says; shown in the legend of its tables."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["key"]

    def __str__(self):
        return f"{self.publisher}: {self.title}"


class Dimension(models.Model):
    """A disaggregation of observations, e.g. age group or residence status."""

    key = key_field(unique=True)
    label = models.CharField(_("label"), max_length=300)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["key"]

    def __str__(self):
        return self.label


class DimensionValue(models.Model):
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("dimension"), on_delete=models.CASCADE, related_name="values"
    )
    key = key_field()
    label = models.CharField(_("label"), max_length=300)
    is_total = models.BooleanField(_("total"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension value")
        verbose_name_plural = _("dimension values")
        ordering = ["dimension", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="dimension_value_key_unique")
        ]

    def __str__(self):
        return self.label


class Indicator(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", _("count")
        SHARE = "share", _("share (%)")
        RATE = "rate", _("rate")
        AMOUNT = "amount", _("amount")

    class PopulationConcept(models.TextChoices):
        NONE = "", _("not applicable")
        TOTAL = "total_population", _("total population")
        FOREIGN_REGISTER = "foreign_register", _("foreign nationals (population register)")
        FOREIGN_AZR = "foreign_azr", _("foreign nationals (Central Register of Foreigners, AZR)")
        FOREIGN_OR_DUAL = "foreign_or_dual", _("foreign or dual nationals (population register)")
        MIGRATION_BACKGROUND = "migration_background", _("migration background (census / microcensus)")
        IMMIGRATION_HISTORY = "immigration_history", _("immigration history (since 2023)")
        REFUGEES = "refugees", _("refugees by residence status")
        NEWCOMERS = "newcomers", _("newly arrived immigrants")

    key = key_field(unique=True)
    title = models.CharField(_("title"), max_length=500)
    short_title = models.CharField(_("short title"), max_length=200, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUNT)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=0, validators=[MaxValueValidator(6)])
    population_concept = models.CharField(
        _("population concept"), max_length=30, choices=PopulationConcept.choices, blank=True
    )
    numerator = models.ForeignKey(
        "self", verbose_name=_("numerator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self",
        verbose_name=_("denominator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    fields_of_action = models.ManyToManyField(
        FieldOfAction, verbose_name=_("fields of action"), blank=True, related_name="indicators"
    )
    dimensions = models.ManyToManyField(
        Dimension, verbose_name=_("dimensions"), blank=True, related_name="indicators"
    )
    rhythm_months = models.PositiveSmallIntegerField(
        _("expected update rhythm (months)"), null=True, blank=True
    )
    # Where `imon fetch` takes the indicator's figures from: the official table of a database's web service
    # (database, table, value variable, regions, classifications; see imon.core.fetch.subscription).
    fetch = models.JSONField(_("official table to fetch"), default=dict, blank=True)
    # Statistical confidentiality; empty fields use the project default (IMON_MIN_COUNT).
    min_count, small_area_min_count, rounding, min_denominator = publication_rule_fields()
    order = models.PositiveIntegerField(_("order"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(numerator__isnull=True, denominator__isnull=True)
                | Q(numerator__isnull=False, denominator__isnull=False),
                name="indicator_numerator_and_denominator_together",
                violation_error_message=_("A derived indicator needs both numerator and denominator."),
            ),
        ]

    def __str__(self):
        return self.title

    def publication_setting(self, name: str):
        """A confidentiality setting (`min_count`, `small_area_min_count`, `rounding`,
        `min_denominator`) as it applies: the indicator's own, else its source's, else None."""
        value = getattr(self, name)
        if value is None and self.source_id:
            value = getattr(self.source, name)
        return value


class Flag(models.TextChoices):
    """Official table symbols. They are states of a value, never errors and never zero."""

    NONE = "", _("no symbol")
    NOTHING = "-", _("- nothing (exactly zero)")
    SECRET = ".", _(". secret or unknown")
    NOT_APPLICABLE = "x", _("x not applicable")
    NOT_YET_AVAILABLE = "...", _("... not yet available")
    TOO_UNCERTAIN = "/", _("/ too uncertain")
    LIMITED = "()", _("() limited reliability")
    PROVISIONAL = "p", _("p provisional")
    REVISED = "r", _("r revised")


class Qualifier(models.TextChoices):
    """How the source states a value that is not exact ("rund 1.200", "mehr als 500"). The label
    is the word shown before the number."""

    EXACT = "", _("exact")
    APPROX = "approx", _("about")
    JUST_UNDER = "just_under", _("just under")
    AT_LEAST = "at_least", _("at least")
    MORE_THAN = "more_than", _("more than")
    AT_MOST = "at_most", _("at most")
    LESS_THAN = "less_than", _("less than")


# Flags that carry no number: the value must be empty.
FLAGS_WITHOUT_VALUE = {
    Flag.NOTHING,
    Flag.SECRET,
    Flag.NOT_APPLICABLE,
    Flag.NOT_YET_AVAILABLE,
    Flag.TOO_UNCERTAIN,
}
# Flags (and no flag) that go with a number; an observation has a value exactly if its flag is one of these.
FLAGS_WITH_VALUE = ["", "()", "p", "r"]


def dimension_key(dims: dict[str, str]) -> str:
    """Canonical text form of a disaggregation, stored and used in the uniqueness constraint.

    Dimension and value keys cannot contain '=' or '|' (see key_validator)."""
    return "|".join(f"{k}={dims[k]}" for k in sorted(dims))


def parse_dimension_key(dim_key: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in dim_key.split("|")) if dim_key else {}


class ValidationRule(models.Model):
    """A check that observations of an indicator must pass, e.g. total = a + b + c.

    Errors stop an import; warnings are shown and stored with it."""

    class Kind(models.TextChoices):
        PART_SUM = "part_sum", _("part sum: total = sum of parts")
        AREA_SUM = "area_sum", _("area sum: area = sum of its sub-areas")
        PRODUCT = "product", _("product: value = dimension value × other indicator")
        SAME = "same", _("same quantity: value = the other indicator's value")
        RANGE = "range", _("range")
        JUMP = "jump", _("change from the previous reference date")

    class Severity(models.TextChoices):
        ERROR = "error", _("error")
        WARNING = "warning", _("warning")

    indicator = models.ForeignKey(
        "Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR
    )
    dimension = models.CharField(_("dimension"), max_length=64, blank=True)
    total = models.CharField(
        _("total"),
        max_length=64,
        blank=True,
        help_text=_("Dimension value of the total, or area key for area sums."),
    )
    parts = models.JSONField(_("parts"), default=list, blank=True, help_text=_("Empty: all other values."))
    other_indicator = models.ForeignKey(
        "Indicator",
        verbose_name=_("other indicator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    partial = models.BooleanField(
        _("partial coverage expected"),
        default=False,
        help_text=_(
            "Part and area sums: the file may hold only some of the parts (e.g. the districts a "
            "city publishes); the check is then skipped without a notice."
        ),
    )
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=6, null=True, blank=True)
    percent = models.DecimalField(
        _("largest change (%)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("tolerance"),
        max_digits=20,
        decimal_places=6,
        default=0,
        help_text=_("Allowed deviation, e.g. for rounding by the publisher."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["indicator", "order", "pk"]

    def __str__(self):
        from .rules import describe

        return describe(self)


class ImportRecord(models.Model):
    """One statistics file written into the database; it can be rolled back."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        ROLLED_BACK = "rolled_back", _("rolled back")

    file_name = models.CharField(_("file name"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    format = models.CharField(_("format"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    rows_new = models.PositiveIntegerField(_("new rows"), default=0)
    rows_changed = models.PositiveIntegerField(_("changed rows"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged rows"), default=0)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    previous = models.JSONField(
        default=dict, blank=True, editable=False
    )  # observation id -> old value, flag, note, import
    indicators = models.ManyToManyField(Indicator, verbose_name=_("indicators"), blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.APPLIED)
    rolled_back_at = models.DateTimeField(_("rolled back at"), null=True, blank=True)
    # For figures fetched from a web service: database, URL, table, parameters (never credentials),
    # retrieval time and the SHA-256 of each response; empty for an uploaded file.
    origin = models.JSONField(_("origin"), default=dict, blank=True)
    # The files of an import of several (a folder): name, SHA-256 and rows of each.
    files = models.JSONField(_("files"), default=list, blank=True)
    # The keys of what the import created, by kind (indicators, dimensions, values as [dimension,
    # value], areas, sources): rolling the import back removes those that nothing else uses.
    created = models.JSONField(_("created"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"


class FetchAttempt(models.Model):
    """One run of `imon fetch` for an indicator's official table and how it ended, so the staff
    can see what came of the last fetch, failures included (a failure writes no import record)."""

    class State(models.TextChoices):
        WRITTEN = "written", _("written")
        UNCHANGED = "unchanged", _("nothing new")
        FAILED = "failed", _("failed")

    indicator = models.ForeignKey(
        "Indicator", verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="fetch_attempts"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    state = models.CharField(_("result"), max_length=20, choices=State.choices)
    message = models.TextField(_("message"), blank=True)
    record = models.ForeignKey(
        ImportRecord,
        verbose_name=_("import"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fetch")
        verbose_name_plural = _("fetches")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.indicator_id} {self.at:%d.%m.%Y %H:%M} {self.state}"


class Observation(models.Model):
    # No separate index on indicator: the unique constraint's index starts with it.
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="observations",
        db_index=False,
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="observations"
    )
    reference_date = models.DateField(_("reference date (Stichtag)"))
    # On PostgreSQL compared byte by byte (COLLATE "C", set by migration 0006), as on SQLite.
    dim_key = models.CharField(
        _("disaggregation"),
        max_length=500,
        blank=True,
        help_text=_("Dimension and value pairs, e.g. altersgruppe=0-64|geschlecht=w; empty: no breakdown."),
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    flag = models.CharField(_("symbol"), max_length=3, choices=Flag.choices, blank=True)
    qualifier = models.CharField(
        _("qualifier"),
        max_length=12,
        choices=Qualifier.choices,
        blank=True,
        default=Qualifier.EXACT,
        db_default=Qualifier.EXACT,  # the bulk insert of imports leaves it out
    )
    period = models.CharField(
        _("reference period as stated"),
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text=_("E.g. 2023/24 or Bericht 2020; shown instead of the reference date."),
    )
    # The observation's own source; empty: the indicator's.
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    note = models.TextField(_("note"), blank=True)
    import_record = models.ForeignKey(
        ImportRecord,
        verbose_name=_("written by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observations",
    )

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["indicator", "area", "reference_date", "dim_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "reference_date", "dim_key"], name="observation_unique_per_key"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(flag__in=FLAGS_WITH_VALUE),
                name="observation_value_or_symbol",
                violation_error_message=_(
                    "An observation needs a value or a symbol that stands for a missing value."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(flag__in=FLAGS_WITH_VALUE),
                name="observation_symbol_without_value",
                violation_error_message=_("This symbol stands for a missing value; the value must be empty."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator.key} {self.area.key} {self.reference_date}"

    @property
    def dims(self) -> dict:
        """The breakdown as a mapping {dimension: value}."""
        return parse_dimension_key(self.dim_key)

    @dims.setter
    def dims(self, value: dict):
        self.dim_key = dimension_key(value or {})


# --- Contact points ---------------------------------------------------------------


class ContactPoint(models.Model):
    class Access(models.TextChoices):
        UNKNOWN = "", _("unknown")
        YES = "yes", _("barrier-free")
        PARTIAL = "partial", _("partly barrier-free")
        NO = "no", _("not barrier-free")

    key = key_field(unique=True)
    name = models.CharField(_("name"), max_length=300)
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    fields_of_action = models.ManyToManyField(
        FieldOfAction, verbose_name=_("fields of action"), blank=True, related_name="contact_points"
    )
    street = models.CharField(_("street"), max_length=300, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_points",
    )
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=500, blank=True)
    opening_hours = models.TextField(_("opening hours"), blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    barrier_free = models.CharField(
        _("barrier-free access"), max_length=10, choices=Access.choices, blank=True
    )
    published = models.BooleanField(_("published"), default=True)
    sources = models.TextField(_("sources"), blank=True)
    note = models.TextField(_("internal note"), blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["name", "key"]

    def __str__(self):
        return self.name
