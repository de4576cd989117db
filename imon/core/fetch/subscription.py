"""An indicator's subscription to an official table, and when it is due. Plain functions, no database.

In the concept file an indicator names its table under `fetch`:

    fetch:
      database: regio            # genesis (GENESIS-Online), regio (Regionaldatenbank), zensus (Zensus 2022)
      table: 12411-01-01-4       # table code
      value_variable: BEVSTD     # the value variable (value_variable_code of the flat file)
      regions:                   # regional variable: regional keys; one request per variable
        DG: [DG]
        DLAND: ["05"]
        KREISE: ["05316"]
      classifications:           # up to three classifying variables: keys ("*" all)
        NAT: ["*"]
      start_year: 2015           # first year to fetch

`clean` checks such a mapping and gives it in one canonical order (so that a concept file
dumped, loaded and dumped again is the same); `requests` turns it into the parameters of the
web service's `data/tablefile`; `is_due` says whether a new reference date may be out.
"""

import calendar
import datetime
import re

from django.utils.translation import gettext as _

DATABASES = ("genesis", "regio", "zensus")
FIELDS = ("database", "table", "value_variable", "regions", "classifications", "start_year")
MAX_CLASSIFICATIONS = 3  # classifyingvariable1 … classifyingvariable3 of the web service
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_KEY = re.compile(r"^[A-Za-z0-9*][A-Za-z0-9_\-*.]*$")


def clean(value) -> tuple[dict, list[tuple[str, str]]]:
    """(the subscription in canonical form, [(sub-path, German message)]); an empty mapping is no
    subscription."""
    problems: list[tuple[str, str]] = []
    if not isinstance(value, dict):
        return {}, [("", _("expected a mapping with database, table and value_variable."))]
    for name in value:
        if name not in FIELDS:
            problems.append(
                (f".{name}", _("unknown field; allowed: %(fields)s.") % {"fields": ", ".join(FIELDS)})
            )
    out: dict = {}
    database = value.get("database")
    if database not in DATABASES:
        problems.append(
            (
                ".database",
                _("'%(value)s' is not a database; allowed: %(allowed)s.")
                % {"value": database, "allowed": ", ".join(DATABASES)},
            )
        )
    else:
        out["database"] = database
    for name in ("table", "value_variable"):
        code = value.get(name)
        if isinstance(code, (int, str)) and not isinstance(code, bool) and _CODE.match(str(code)):
            out[name] = str(code)
        else:
            problems.append((f".{name}", _("is required: the code as the database writes it.")))
    for name in ("regions", "classifications"):
        if value.get(name) not in (None, {}):
            mapping = _clean_keys(value[name], f".{name}", problems)
            if mapping:
                out[name] = mapping
    if len(out.get("classifications", {})) > MAX_CLASSIFICATIONS:
        problems.append((".classifications", _("the web service takes at most three classifying variables.")))
    start = value.get("start_year")
    if start is not None:
        if isinstance(start, bool) or not isinstance(start, int) or not 1900 <= start <= 2200:
            problems.append((".start_year", _("expected a year, e.g. 2015.")))
        else:
            out["start_year"] = start
    return out, problems


def _clean_keys(value, path: str, problems: list) -> dict:
    """{variable: [keys]} sorted by variable, each key as text; problems noted."""
    if not isinstance(value, dict):
        problems.append((path, _("expected a mapping: variable: [keys].")))
        return {}
    out = {}
    for variable, keys in value.items():
        if not isinstance(variable, str) or not _CODE.match(variable):
            problems.append(
                (f"{path}.{variable}", _("'%(value)s' is not a variable code.") % {"value": variable})
            )
            continue
        if isinstance(keys, (str, int)) and not isinstance(keys, bool):
            keys = [keys]
        if not isinstance(keys, list) or not keys:
            problems.append((f"{path}.{variable}", _("expected a list of keys.")))
            continue
        texts = [str(k) for k in keys if isinstance(k, (str, int)) and not isinstance(k, bool)]
        if len(texts) != len(keys) or not all(_KEY.match(k) for k in texts):
            problems.append(
                (f"{path}.{variable}", _("a key is not of the form the databases use (e.g. 05316, DG, *)."))
            )
            continue
        out[variable] = texts
    return dict(sorted(out.items()))


def canonical(value) -> dict:
    """The stored subscription in file order; {} for none."""
    cleaned, _problems = clean(value) if value else ({}, [])
    return cleaned


def requests(subscription: dict, start_year: int | None = None) -> list[dict]:
    """The form parameters of one `data/tablefile` request per regional variable (one request
    without regional parameters if the subscription names no regions). `start_year` narrows
    the years (a due fetch starts at the latest stored year)."""
    common = {"name": subscription["table"], "area": "all", "compress": "false", "transpose": "false"}
    first = max(filter(None, (subscription.get("start_year"), start_year)), default=None)
    if first:
        common["startyear"] = str(first)
    for i, (variable, keys) in enumerate(subscription.get("classifications", {}).items(), start=1):
        common[f"classifyingvariable{i}"] = variable
        common[f"classifyingkey{i}"] = ",".join(keys)
    common |= {"format": "ffcsv", "quality": "on", "job": "false", "language": "de"}
    regions = subscription.get("regions") or {}
    if not regions:
        return [common]
    return [
        common | {"regionalvariable": variable, "regionalkey": ",".join(keys)}
        for variable, keys in regions.items()
    ]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the end of a month stays the end of a month (31.12. + 6 → 30.06.)."""
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, last if month_end else min(day.day, last))


def next_reference_date(latest: datetime.date | None, rhythm_months: int | None) -> datetime.date | None:
    """The reference date expected after `latest`; None if nothing is stored or no rhythm is set."""
    if latest is None or not rhythm_months:
        return None
    return add_months(latest, rhythm_months)


def is_due(latest: datetime.date | None, rhythm_months: int | None, today: datetime.date) -> bool:
    """Whether the table may hold a newer reference date than `latest`: always if nothing is
    stored or the indicator has no rhythm, else once the next reference date has passed (the
    office publishes it some time after; until then each due fetch finds nothing new and writes
    nothing)."""
    expected = next_reference_date(latest, rhythm_months)
    return expected is None or expected <= today
