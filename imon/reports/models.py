import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotIsFrozen(Exception):
    """A snapshot was about to be changed or deleted; snapshots are immutable."""


class Snapshot(models.Model):
    """A frozen, versioned copy of concept, measures, indicators and published observations as of
    a reporting date. Reports are rendered from it, never from live data.

    The document is stored as canonical JSON text (not as a JSON column, which would reorder keys
    on PostgreSQL) together with its SHA-256, so that a snapshot can be verified byte for byte."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    reporting_date = models.DateField(_("reporting date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    schema_version = models.PositiveSmallIntegerField(_("schema version"))
    document = models.TextField(_("document (JSON)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-number"]
        permissions = [("publish_snapshot", _("Can publish a snapshot as the public release"))]

    def __str__(self):
        return f"{self.number}: {self.title} ({self.reporting_date:%d.%m.%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise SnapshotIsFrozen(_("Snapshots cannot be changed."))
        self.sha256 = hashlib.sha256(self.document.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotIsFrozen(_("Snapshots cannot be deleted."))

    @property
    def data(self) -> dict:
        return json.loads(self.document)


class Release(models.Model):
    """A snapshot made public: the portal, its API and downloads, the static export and
    `export-data --public` show the newest release, never a snapshot that nobody published."""

    snapshot = models.OneToOneField(
        Snapshot, verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="release"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["-snapshot__number"]

    def __str__(self):
        return str(self.snapshot)
