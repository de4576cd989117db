"""Steering the concept: who is responsible for what, reporting cycles with one status update
(Sachstand) per measure, the history of every change, and deleted measures kept for restore.

The measure itself (`core.Measure`) holds the current state; an accepted status update is
copied onto it. Keys, not ids, identify measures here too (`measure_key`), so that history and
past cycles survive when a measure is deleted.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from imon.core.models import FieldOfAction, Measure, MeasureState


class FieldEditor(models.Model):
    """A person who edits the measures of one field of action."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    field_of_action = models.ForeignKey(
        FieldOfAction, verbose_name=_("field of action"), on_delete=models.CASCADE, related_name="editors"
    )

    class Meta:
        verbose_name = _("field-of-action editor")
        verbose_name_plural = _("field-of-action editors")
        constraints = [
            models.UniqueConstraint(fields=["user", "field_of_action"], name="field_editor_unique")
        ]

    def __str__(self):
        return f"{self.user} – {self.field_of_action}"


class MeasureOwner(models.Model):
    """A person who reports on a measure; may come from outside the administration."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="owners"
    )

    class Meta:
        verbose_name = _("measure owner")
        verbose_name_plural = _("measure owners")
        constraints = [models.UniqueConstraint(fields=["user", "measure"], name="measure_owner_unique")]

    def __str__(self):
        return f"{self.user} – {self.measure.key}"


class ReportingCycle(models.Model):
    """A reporting cycle (Berichtsrunde): opened by the integration office, approved by the body the concept names."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("approved and closed")

    key = models.CharField(_("key"), max_length=64, unique=True)
    concept = models.ForeignKey(
        "core.Concept", verbose_name=_("concept"), on_delete=models.PROTECT, related_name="cycles"
    )
    title = models.CharField(_("title"), max_length=300)
    reporting_date = models.DateField(_("reporting date"))
    deadline = models.DateField(_("deadline for status updates"))
    # The rhythm of `imon remind` (run daily) for this cycle's owners.
    remind_days_before = models.PositiveSmallIntegerField(
        _("reminders from this many days before the deadline"), default=7
    )
    remind_every_days = models.PositiveSmallIntegerField(
        _("remind every so many days"), default=1, validators=[MinValueValidator(1)]
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    snapshot = models.ForeignKey(
        "reports.Snapshot",
        verbose_name=_("snapshot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")
        ordering = ["-reporting_date", "-pk"]
        permissions = [
            ("manage_steering", _("Can administer steering (integration office)")),
            ("approve_cycle", _("Can approve reporting cycles")),
            ("view_steering", _("Can read all steering pages")),
        ]

    def __str__(self):
        return self.title


class StatusUpdate(MeasureState):
    """The status update (Sachstand) of one measure in one cycle; also the owner's task. The state
    fields and their constraints come from `core.MeasureState`, as on the measure."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for the owner")
        DRAFT = "draft", _("draft saved, not submitted")
        SUBMITTED = "submitted", _("submitted, waiting for review")
        RETURNED = "returned", _("returned to the owner")
        ACCEPTED = "accepted", _("accepted")

    cycle = models.ForeignKey(
        ReportingCycle, verbose_name=_("reporting cycle"), on_delete=models.CASCADE, related_name="updates"
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_updates",
    )
    measure_key = models.CharField(_("measure key"), max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    next_steps = models.JSONField(_("next steps"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    review_comment = models.TextField(_("comment of the review"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta(MeasureState.Meta):
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        ordering = ["cycle", "measure_key"]
        constraints = [
            *MeasureState.Meta.constraints,
            models.UniqueConstraint(fields=["cycle", "measure_key"], name="status_update_unique_per_cycle"),
        ]

    def __str__(self):
        return f"{self.cycle} – {self.measure_key}"


class Change(models.Model):
    """One recorded change: who, when, which object and field, old → new, in which cycle."""

    class Action(models.TextChoices):
        CHANGED = "changed", _("changed")
        CREATED = "created", _("created")
        DELETED = "deleted", _("deleted")
        RESTORED = "restored", _("restored")
        OPENED = "opened", _("cycle opened")
        DRAFTED = "drafted", _("draft saved")
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cycle = models.ForeignKey(
        ReportingCycle,
        verbose_name=_("reporting cycle"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
    )
    object_type = models.CharField(_("object type"), max_length=20)
    object_key = models.CharField(_("object key"), max_length=64)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices, default=Action.CHANGED)
    field = models.CharField(_("field"), max_length=100, blank=True)
    old = models.TextField(_("old value"), blank=True)
    new = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_key"], name="change_object")]

    def __str__(self):
        return f"{self.object_type} {self.object_key} {self.field}"


class DeletedMeasure(models.Model):
    """A deleted measure, kept as data so that it can be restored (soft delete)."""

    key = models.CharField(_("key"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    data = models.JSONField(_("data"))
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deleted measure")
        verbose_name_plural = _("deleted measures")
        ordering = ["-deleted_at"]

    def __str__(self):
        return f"{self.key} – {self.title}"
