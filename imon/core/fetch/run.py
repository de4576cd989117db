"""Fetch an indicator's official table and import it as an uploaded file would be.

    outcome = fetch_indicator(indicator, today=date.today())      # `imon fetch KEY`
    outcome = fetch_indicator(indicator, today=…, due_only=True)  # `imon fetch --due`

Every request of a subscription (one per regional variable) is downloaded first; the flat
files are joined into one, read by the GENESIS reader, narrowed to the subscribed value
variable and renamed to the indicator, then planned and applied by `imports` with the same
rules, confidentiality and single transaction as an upload. A failure anywhere before the
write leaves the database as it was. The import record keeps where the figures came from.
"""

import datetime
import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from .. import imports
from .. import models as m
from ..importers import ImportFileError, Parsed, decode, parse_bytes
from . import subscription as subs
from .client import NAMES, Client, Download, FetchError, credentials_for

BASE_URL_SETTINGS = {"genesis": "IMON_GENESIS_URL", "regio": "IMON_REGIO_URL", "zensus": "IMON_ZENSUS_URL"}


@dataclass
class Outcome:
    indicator: str
    state: str  # "written", "unchanged", "not_due", "dry_run", "failed"
    message: str
    record: m.ImportRecord | None = None
    problems: list = field(default_factory=list)  # German texts

    @property
    def failed(self) -> bool:
        return self.state == "failed"


def client_for(database: str, sleep=None) -> Client:
    """A client of the database with the credentials of this run (environment or file)."""
    return Client(
        database,
        getattr(settings, BASE_URL_SETTINGS[database]),
        credentials_for(database, file=getattr(settings, "IMON_FETCH_CREDENTIALS", "")),
        timeout=getattr(settings, "IMON_FETCH_TIMEOUT", 120),
        tries=getattr(settings, "IMON_FETCH_TRIES", 4),
        max_bytes=getattr(settings, "IMON_IMPORT_MAX_MB", 200) * 1024 * 1024,
        sleep=sleep or time.sleep,
    )


def latest_date(indicator: m.Indicator) -> datetime.date | None:
    return m.Observation.objects.filter(indicator=indicator).aggregate(d=Max("reference_date"))["d"]


def join_flat_files(parts: list[bytes]) -> bytes:
    """One flat file of several answers of the same table: the header once, then every answer's
    rows. Answers with different columns cannot be joined."""
    header: str | None = None
    lines: list[str] = []
    for part in parts:
        text = decode(part).lstrip("\ufeff")
        first, _sep, rest = text.partition("\n")
        if header is None:
            header = first.rstrip("\r")
        elif first.rstrip("\r") != header:
            raise FetchError(
                _("The answers for the regions have different columns and cannot be read as one table.")
            )
        lines.extend(line.rstrip("\r") for line in rest.split("\n") if line.strip())
    return ("\ufeff" + "\r\n".join([header or "", *lines]) + "\r\n").encode("utf-8")


def narrow(parsed: Parsed, value_variable: str, indicator_key: str) -> Parsed:
    """Keep the rows of the subscribed value variable, as figures of the indicator. The GENESIS
    reader names a value variable's indicator "<statistic>-<value variable>"."""
    wanted = value_variable.lower()
    found = {key for key in parsed.indicators if key.rsplit("-", 1)[-1] == wanted}
    if not found:
        given = ", ".join(sorted(key.rsplit("-", 1)[-1].upper() for key in parsed.indicators)) or "–"
        raise FetchError(
            _("The table has no value variable %(wanted)s (it has: %(given)s).")
            % {"wanted": value_variable, "given": given}
        )
    parsed.rows = [row for row in parsed.rows if row.indicator in found]
    for row in parsed.rows:
        row.indicator = indicator_key
    parsed.indicators = {indicator_key: parsed.indicators[min(found)]}
    return parsed


def fetch_indicator(indicator: m.Indicator, *args, **kwargs) -> Outcome:
    """Fetch and import the indicator's table (see `_fetch`); a fetch that ran (written, nothing
    new or failed) is remembered as a FetchAttempt for the staff's overview."""
    outcome = _fetch(indicator, *args, **kwargs)
    if outcome.state in m.FetchAttempt.State.values:
        message = "\n".join([outcome.message, *outcome.problems])
        m.FetchAttempt.objects.create(
            indicator=indicator, state=outcome.state, message=message, record=outcome.record
        )
    return outcome


def _fetch(
    indicator: m.Indicator,
    today: datetime.date,
    due_only: bool = False,
    dry_run: bool = False,
    replace: bool = False,
    user=None,
    client: Client | None = None,
    progress=None,
) -> Outcome:
    """Fetch and import the indicator's table; never raises for a failure of the service or the
    file (the outcome says what went wrong, and nothing was written)."""
    key = indicator.key
    subscription, problems = subs.clean(indicator.fetch)
    if problems or not subscription:
        return Outcome(
            key,
            "failed",
            _("The indicator has no valid official table to fetch."),
            problems=[p[1] for p in problems],
        )
    latest = latest_date(indicator)
    if due_only and not subs.is_due(latest, indicator.rhythm_months, today):
        expected = subs.next_reference_date(latest, indicator.rhythm_months)
        return Outcome(
            key,
            "not_due",
            _("not due: the next reference date %(date)s has not passed.") % {"date": f"{expected:%d.%m.%Y}"},
        )
    database, table = subscription["database"], subscription["table"]
    try:
        client = client or client_for(database)
        # A due fetch starts at the latest stored year: what is new, and revisions of the latest.
        downloads = [
            client.tablefile(params)
            for params in subs.requests(subscription, latest.year if due_only and latest else None)
        ]
        data = join_flat_files([d.data for d in downloads])
        name = f"{table}_flat.csv"
        parsed = narrow(parse_bytes(data, name, "genesis"), subscription["value_variable"], key)
    except (FetchError, ImportFileError) as exc:
        return Outcome(key, "failed", str(exc))
    sha256 = hashlib.sha256(data).hexdigest()
    label = f"{table} ({NAMES[database]})"
    plan = imports.plan_import(parsed, label, sha256, replace, progress)
    if not plan.ok:
        return Outcome(
            key,
            "failed",
            _("%(table)s: the fetched table has errors; nothing was written.") % {"table": table},
            problems=[str(p) for p in plan.errors[:20]],
        )
    if dry_run:
        return Outcome(key, "dry_run", plan.summary(), problems=[str(p) for p in plan.warnings[:20]])
    try:
        with transaction.atomic():
            record = imports.apply_import(plan, user=user, progress=progress)
            if record is not None:
                record.origin = origin(subscription, downloads, sha256)
                record.save(update_fields=["origin"])
                if indicator.source_id:
                    m.Source.objects.filter(pk=indicator.source_id).update(retrieved_on=today)
    except imports.StalePlanError as exc:
        return Outcome(key, "failed", str(exc))
    if record is None:
        return Outcome(key, "unchanged", _("nothing new: the database already holds these values."))
    return Outcome(
        key,
        "written",
        _("import #%(id)s: %(new)s new, %(changed)s changed rows.")
        % {"id": record.pk, "new": record.rows_new, "changed": record.rows_changed},
        record=record,
        problems=[str(p) for p in plan.warnings[:20]],
    )


def origin(subscription: dict, downloads: list[Download], sha256: str) -> dict:
    """What the import record keeps about a fetch: database, table, each request (URL, parameters
    without credentials, retrieval time, SHA-256 of the answer) and the hash of the joined file."""
    return {
        "database": subscription["database"],
        "table": subscription["table"],
        "value_variable": subscription["value_variable"],
        "requests": [d.origin() for d in downloads],
        "sha256": sha256,
    }


def subscribed(keys: list[str] | None = None):
    """The indicators with an official table, in their order; `keys` narrows them."""
    indicators = m.Indicator.objects.exclude(fetch={}).order_by("order", "key")
    if keys:
        indicators = indicators.filter(key__in=keys)
    return list(indicators)


def overview(today: datetime.date, indicators: list | None = None) -> list[dict]:
    """Per subscription (of `indicators`, default all): the indicator, its table, the latest
    reference date, the last fetch (when and how it ended), whether it is due and the next
    expected reference date. `imon fetch --list` and the staff page show these rows."""
    rows = []
    for indicator in subscribed() if indicators is None else indicators:
        sub = subs.canonical(indicator.fetch)
        latest = latest_date(indicator)
        rows.append(
            {
                "indicator": indicator,
                "database": NAMES.get(sub.get("database", ""), sub.get("database", "")),
                "table": sub.get("table", ""),
                "latest": latest,
                "attempt": indicator.fetch_attempts.select_related("record").first(),
                "due": subs.is_due(latest, indicator.rhythm_months, today),
                "next": subs.next_reference_date(latest, indicator.rhythm_months),
            }
        )
    return rows


def last_fetch(indicator: m.Indicator) -> m.ImportRecord | None:
    """The newest import that fetched the indicator's table."""
    return (
        m.ImportRecord.objects.filter(indicators=indicator)
        .exclude(origin={})
        .order_by("-created_at", "-pk")
        .first()
    )
