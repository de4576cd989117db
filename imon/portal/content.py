"""What the portal publishes, as plain functions over the latest snapshot.

The portal shows the **latest snapshot** (see `imon/reports/snapshots.py`): a snapshot is what the
city has approved and published, and its figures have already passed the confidentiality
boundary. Draft states, unapproved cycle data and internal notes therefore cannot reach the
public: only the fields listed here are ever handed to a template or an API response. Contact
points are the exception: the directory is live (only entries marked as published), so that a
new *Anlaufstelle* appears without waiting for the next report.
"""

import datetime
import threading
import time
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar

from imon.core import rollup
from imon.core.numbers import add_months, shown_language
from imon.publication.view import PORTAL_CONTACT_FIELDS, PublicContactPoint, PublicView, public_contact_point
from imon.reports import document, keyfigures

CONTACT_FIELDS = PORTAL_CONTACT_FIELDS


class Published(PublicView):
    """The public view of one snapshot (see `imon.publication.view`), with the report's figures
    and sentences of an indicator, built from the public document only."""

    def __init__(self, snapshot: dict, number: int, load=None, summary=None):
        super().__init__(snapshot, number, load, summary)
        self._sentences: dict[str, str] = {}
        self._key_figures: keyfigures.KeyFigures | None = None
        self._key_figures_lock = threading.Lock()

    def progress(self, code: str) -> dict:
        """Status counts of a field of action and the number of finished measures (imon.core.rollup)."""
        figures = rollup.of_records(self.measures_of(code))
        counts = Counter()
        for status, n in figures["by_status"].items():
            counts[self.labels["measure_status"].get(status, "")] += n
        return {"total": figures["total"], "counts": sorted(counts.items()), "finished": figures["finished"]}

    def key_figures(self) -> keyfigures.KeyFigures:
        """Measures by status, goals by assessment and the headline figures (imon.reports.keyfigures),
        the same as on the staff dashboard and in the report's summary."""
        with self._key_figures_lock:  # once, not in every thread that asks at the same time
            if self._key_figures is None:
                # the rows of the headline indicators only (of the first ones with a value at two
                # reference dates, where the concept names none), not the whole release
                self._key_figures = keyfigures.key_figures(self.document, rows_of=self.public_rows)
        return self._key_figures

    def blocks(self, key: str, area: str | None = None, dim: str | None = None) -> list:
        return _blocks(self.number, key, area, self, None, dim)

    def blocks_at(self, key: str, area: str | None, date: str, dim: str | None = None) -> tuple[list, list]:
        """The figures of an indicator at one reference date, and its series below them (the time
        switch); broken down by `dim` alone where one is chosen (the breakdown switch)."""
        return _blocks(self.number, key, area, self, date, dim)

    def by_dimension(self, key: str, dim: str) -> dict:
        """The public document with the indicator's rows broken down by `dim` alone (the
        breakdown switch, see document.by_dimension); the same in every language."""
        return self.remember(
            key, f"by_dimension {dim}", lambda: document.by_dimension(self.only(key), key, dim)
        )

    def sentence(self, key: str) -> str:
        if key not in self._sentences:
            self._sentences[key] = document.sentence(self.only(key), key)
        return self._sentences[key]

    def next_update(self, key: str) -> datetime.date | None:
        """The expected next reference date: the latest plus the indicator's rhythm."""
        indicator, latest = self.indicator(key), self.latest_date(key)
        months = (indicator or {}).get("rhythm_months")
        if not latest or not months:
            return None
        return add_months(latest, months)


_BLOCKS: dict = {}


def _blocks(number, key, area, published: Published, date: str | None = None, dim: str | None = None):
    """Figures of an indicator are built once per snapshot, indicator, area, reference date,
    breakdown and language (tables and charts write numbers and dates in the page's language, see
    imon.core.numbers)."""
    cache_key = (number, key, area, date, dim, shown_language())
    if cache_key not in _BLOCKS:
        if len(_BLOCKS) > 2000:
            _BLOCKS.clear()
        snapshot = published.only(key) if dim is None else published.by_dimension(key, dim)
        # what the builders make of the rows, shared by the pages of the indicator in every language
        prepared = published.remember(key, "prepared rows", dict)
        if date is None:
            _BLOCKS[cache_key] = document.indicator_blocks(snapshot, key, area, prepared)
        else:
            _BLOCKS[cache_key] = document.indicator_blocks_at(snapshot, key, area, date, prepared)
    return _BLOCKS[cache_key]


class KeptWith:
    """What was made of an object in a language (the HTML of a page's figures, the rows of a
    table), kept with that object: the figures of a release are kept (see `_blocks`), so a page
    rendered again, after the page cache's hour or without the page cache, makes only what is its
    own. The object is held with the result, so that its id stays its own; at most `most` results
    are kept (then all are dropped)."""

    def __init__(self, most: int):
        self.most = most
        self.kept: dict[tuple[int, str], tuple[object, object]] = {}

    def get(self, thing, lang: str, make):
        """make(thing, lang), made once while kept."""
        known = self.kept.get((id(thing), lang))
        if known is not None and known[0] is thing:
            return known[1]
        made = make(thing, lang)
        if len(self.kept) >= self.most:
            self.kept.clear()
        self.kept[(id(thing), lang)] = (thing, made)
        return made


_LATEST: dict = {}


def version(published: "Published | None") -> str:
    """What the public pages depend on: the published snapshot and the contact points (both
    remembered by latest() for up to HEAD_TTL seconds)."""
    return f"{published.number if published else 0}.{_LATEST.get('contacts', 0)}"


def known_version() -> str | None:
    """The `version` of the newest release as this process knows it, while it may trust that
    without asking the database (see latest()); None when the next latest() asks."""
    if _PINNED.get() is None and "checked" in _LATEST and time.monotonic() - _LATEST["checked"] < HEAD_TTL:
        return version(_LATEST.get("published"))
    return None


def contact_points_changed(**kwargs):
    """Signal receiver: an edited contact point makes every cached portal page stale, in every
    server process (they read the version from the database, see latest())."""
    from django.db.models import F

    from .models import PortalState

    if not PortalState.objects.filter(pk=1).update(contact_points_version=F("contact_points_version") + 1):
        PortalState.objects.get_or_create(pk=1, defaults={"contact_points_version": 1})
    _LATEST.clear()


HEAD_TTL = 2.0  # seconds a process trusts its knowledge of the newest snapshot without asking the database
_PINNED: ContextVar["Published | None"] = ContextVar("portal_pinned", default=None)
_LATEST_LOCK = threading.Lock()


@contextmanager
def pinned(published: Published, keep: int = 4):
    """`latest()` is `published` without asking the database: the static export renders one
    release, also in worker processes that must not use the exporting process's connection. It
    renders one page at a time: `published` keeps the rows of `keep` indicators (see
    PublicView.MEMO_INDICATORS)."""
    token = _PINNED.set(published)
    kept, published.MEMO_INDICATORS = published.MEMO_INDICATORS, keep
    try:
        yield
    finally:
        published.MEMO_INDICATORS = kept
        _PINNED.reset(token)


def latest() -> Published | None:
    """The published state: the newest released snapshot (`imon snapshot publish`), kept in memory. A process asks the database for
    the newest number (and the contact points' version) at most every HEAD_TTL seconds; a change
    made in this process is seen at once (signals), one made by another process within HEAD_TTL."""
    from imon.reports.models import Snapshot

    from .models import PortalState

    if (fixed := _PINNED.get()) is not None:
        return fixed
    now = time.monotonic()
    if "checked" in _LATEST and now - _LATEST["checked"] < HEAD_TTL:
        return _LATEST.get("published")
    # One thread reads the newest release, the others wait for it: after a publication every
    # thread of a busy server would otherwise read and build it at once.
    with _LATEST_LOCK:
        if "checked" in _LATEST and time.monotonic() - _LATEST["checked"] < HEAD_TTL:
            return _LATEST.get("published")
        head = (
            Snapshot.objects.filter(release__isnull=False)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
        )
        if head is None:
            _LATEST.pop("number", None)
            _LATEST.pop("published", None)
        elif _LATEST.get("number") != head:
            snapshot = Snapshot.objects.get(number=head)
            # The document; the observations are read one indicator at a time (see PublicView).
            _LATEST.pop("published", None)
            _LATEST.update(number=head, published=Published.of(snapshot))
        _LATEST["contacts"] = (
            PortalState.objects.filter(pk=1).values_list("contact_points_version", flat=True).first() or 0
        )
        _LATEST["checked"] = now
        return _LATEST.get("published")


def contact_directory() -> list[PublicContactPoint]:
    """The published contact points as public records, ordered by name: read from the database
    once per version of the contact points, then filtered in memory."""
    from imon.core.models import ContactPoint

    latest()
    version = _LATEST.get("contacts", 0)
    remembered = _LATEST.get("directory")
    if remembered is None or remembered[0] != version:
        points = [
            public_contact_point(point)
            for point in ContactPoint.objects.filter(published=True)
            .select_related("area", "area__parent")
            .prefetch_related("fields_of_action")
            .order_by("name", "key")
        ]
        remembered = _LATEST["directory"] = (version, points)
    return remembered[1]


def snapshot_frozen(**kwargs):
    """Signal receiver: a new snapshot is published; forget the remembered one."""
    _LATEST.clear()


# The accessibility statement (BITV 2.0 § 7, model statement of Implementing Decision (EU) 2018/1523):
# what the office states about its own portal comes from the settings IMON_ACCESSIBILITY_*; the
# municipality's Land comes from the concept. Nothing here names a real body or address.
COMPLIANCE = {
    "full": "vollständig vereinbar",
    "partial": "teilweise vereinbar",
    "none": "nicht vereinbar",
}
# Known gaps of the portal itself; the office adds its own (IMON_ACCESSIBILITY_GAPS_FILE).
PORTAL_GAPS = [
    "Texte zum Konzept, zu Maßnahmen und Kennzahlen werden nur auf Deutsch veröffentlicht; in den "
    "anderen Sprachen ist nur die Bedienoberfläche übersetzt.",
    "Texte in Leichter Sprache gibt es nur für die Übersichtsseite und für die Themen, zu denen die "
    "Stadt einen Text in Leichter Sprache eingetragen hat.",
]
DEFAULT_METHOD = (
    "Selbstbewertung: automatisierte Prüfung jeder Seitenart mit axe-core (WCAG 2.1, Stufen A und AA) "
    "auf Deutsch und Arabisch bei 1280 und 320 Pixel Breite sowie manuelle Prüfung mit der Tastatur, "
    "bei 200 % Vergrößerung und in der Darstellung von rechts nach links."
)


def accessibility_statement(config: dict, gap_paragraphs: list[str]) -> dict:
    """The office's statement data from the settings (`config`: the IMON_ACCESSIBILITY_* and
    IMON_SIGN_LANGUAGE_* values without the prefix, lower case) and the paragraphs of its own gaps
    file. An unknown compliance status counts as "partial": the portal never claims more than stated."""
    status = (config.get("status") or "partial").strip().lower()
    assessed = (config.get("assessed_on") or "").strip()
    return {
        "status": status if status in COMPLIANCE else "partial",
        "status_words": COMPLIANCE.get(status, COMPLIANCE["partial"]),
        "assessed_on": datetime.date.fromisoformat(assessed) if assessed else None,
        "method": (config.get("method") or "").strip() or DEFAULT_METHOD,
        "gaps": [*PORTAL_GAPS, *gap_paragraphs],
        "email": (config.get("email") or "").strip(),
        "phone": (config.get("phone") or "").strip(),
        "enforcement_body": (config.get("enforcement_body") or "").strip(),
        "enforcement_url": (config.get("enforcement_url") or "").strip(),
        "sign_language_video": (config.get("sign_language_video") or "").strip(),
        "sign_language_transcript": (config.get("sign_language_transcript") or "").strip(),
    }
