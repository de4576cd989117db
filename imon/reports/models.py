import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from imon.core import jsontext


class SnapshotIsFrozen(Exception):
    """A snapshot was about to be changed or deleted; snapshots are immutable."""


class Snapshot(models.Model):
    """A frozen, versioned copy of concept, measures, indicators and published observations as of
    a reporting date. Reports are rendered from it, never from live data.

    The document is stored as canonical JSON text (not as a JSON column, which would reorder keys
    on PostgreSQL) together with its SHA-256, so that a snapshot can be verified byte for byte.
    From schema version 2 (STREAMED) the observations are not in the document but in one
    SnapshotPart per indicator, written one at a time; the SHA-256 covers the parts in the order
    of their position followed by the document (`texts`), which is written last (it holds the
    suppression report of all parts). Version 1 snapshots stay readable."""

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
        if not self.sha256:  # a streamed snapshot's hash is set by its writer, after the parts
            self.sha256 = hashlib.sha256(self.document.encode("utf-8")).hexdigest()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotIsFrozen(_("Snapshots cannot be deleted."))

    @property
    def data(self) -> dict:
        """The whole document, observations included, as in schema version 1 (all in memory:
        readers of one indicator at a time use `observation_rows`)."""
        head = self.head
        if "observations" not in head:
            head["observations"] = [row for _key, rows in self._parts(None, head) for row in rows]
        return head

    @property
    def head(self) -> dict:
        """The document without loading the observations of a streamed snapshot (a version 1
        document has them inline)."""
        return json.loads(self.document)

    def texts(self):
        """The stored texts in the order the SHA-256 covers them."""
        if self.schema_version >= STREAMED:
            yield from self.parts.order_by("position").values_list("rows", flat=True).iterator(chunk_size=1)
        yield self.document

    def verify(self) -> bool:
        """Whether the stored texts are still exactly the ones frozen."""
        digest = hashlib.sha256()
        for text in self.texts():
            digest.update(text.encode("utf-8"))
        return digest.hexdigest() == self.sha256

    def observation_rows(self, indicators=None):
        """(indicator, its observation rows as in the document) for `indicators` (default all),
        one indicator at a time for a streamed snapshot."""
        if self.schema_version >= STREAMED and self.parts.exists():
            yield from self._parts(indicators)
            return
        rows: dict = {}
        for row in self.data.get("observations", []):
            if indicators is None or row["indicator"] in indicators:
                rows.setdefault(row["indicator"], []).append(row)
        yield from rows.items()

    def observation_summary(self) -> dict[str, tuple[int, str]]:
        """{indicator: (number of observations, latest reference date)} of a streamed snapshot,
        as stored beside each part's rows (one small query)."""
        return {
            key: (count, latest)
            for key, count, latest in self.parts.filter(count__gt=0).values_list(
                "indicator", "count", "latest"
            )
        }

    def _parts(self, indicators, head=None):
        """The stored parts in the order of the document's indicators (a version 1 document's
        order), whatever order they were written in."""
        order = {i["key"]: n for n, i in enumerate((head or self.head).get("indicators", []))}
        query = self.parts.order_by("position")
        if indicators is not None:
            query = query.filter(indicator__in=list(indicators))
        stored = sorted(query.values_list("pk", "indicator"), key=lambda part: order.get(part[1], len(order)))
        for pk, key in stored:
            yield key, part_rows(key, SnapshotPart.objects.values_list("rows", flat=True).get(pk=pk))

    def part_texts(self, indicator: str) -> list[str]:
        """The stored texts of one indicator's parts, in their order (none in a version 1
        document): `part_rows` makes its rows of them, also in another process."""
        if self.schema_version < STREAMED:
            return []
        return list(
            self.parts.filter(indicator=indicator).order_by("position").values_list("rows", flat=True)
        )


STREAMED = 2  # the schema version from which observations are stored in SnapshotPart
EXTRAS = ("qualifier", "period", "source", "suppressed")  # optional keys of an observation row


def compact_row(row: dict) -> list:
    """An observation row of the document as stored in a SnapshotPart: [area, date, dims, value,
    flag] and, where it has any, a mapping of the optional keys (EXTRAS)."""
    extras = {name: row[name] for name in EXTRAS if name in row}
    compact = [row["area"], row["date"], row["dims"], row["value"], row["flag"]]
    return [*compact, extras] if extras else compact


def part_rows(indicator: str, text: str) -> list[dict]:
    """The document's rows of an indicator's stored part (its text)."""
    return [row_of(indicator, row) for row in jsontext.loads(text)]


def row_of(indicator: str, compact: list) -> dict:
    """The document's row of a stored compact row (the inverse of `compact_row`)."""
    row = {"indicator": indicator, "area": compact[0], "date": compact[1], "dims": compact[2]}
    row["value"], row["flag"] = compact[3], compact[4]
    if len(compact) > 5:
        row.update(compact[5])
    return row


class SnapshotPart(models.Model):
    """The observations of one indicator in a streamed snapshot: compact rows (`compact_row`) as
    canonical JSON text, frozen with the snapshot."""

    snapshot = models.ForeignKey(
        Snapshot, verbose_name=_("snapshot"), on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveIntegerField(_("position"))
    indicator = models.CharField(_("indicator"), max_length=100)
    rows = models.TextField(_("observations (JSON)"))
    # of `rows`, kept beside them so that a server need not read every part to know them
    count = models.PositiveIntegerField(_("number of observations"), default=0)
    latest = models.CharField(_("latest reference date"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("snapshot part")
        verbose_name_plural = _("snapshot parts")
        ordering = ["snapshot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "position"], name="snapshot_part_position"),
            models.UniqueConstraint(fields=["snapshot", "indicator"], name="snapshot_part_indicator"),
        ]

    def __str__(self):
        return f"{self.snapshot_id}: {self.indicator}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise SnapshotIsFrozen(_("Snapshots cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SnapshotIsFrozen(_("Snapshots cannot be deleted."))


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
