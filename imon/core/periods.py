"""Dates as precise as the city knows them: a day, a month, a quarter, a half-year, a year, or
"fortlaufend" (open-ended, for end dates).

parse("2. Halbjahr 2024")  -> Period(2024-07-01, "half_year")  (also "2. HJ 2024", "H2 2024")
parse("Q3 2024")           -> Period(2024-07-01, "quarter")    (also "3. Quartal 2024")
parse("2025-03")           -> Period(2025-03-01, "month")      (also "03/2025", "03.2025")
parse("14.03.2025")        -> Period(2025-03-14, "day")        (also "2025-03-14")
parse("2025")              -> Period(2025-01-01, "year")
parse("fortlaufend")       -> ONGOING
format_period(parse(x))    -> the German way of writing it ("2. Halbjahr 2024", "03/2025", ...)

A period is stored as one date plus its precision: a start as its first day, an end or due date
as its last day (so that "ends 2025" sorts after "ends 03/2025", and a step due "2025" is overdue
only from 1 January 2026). The precision alone tells how to write it back.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

DAY, MONTH, QUARTER, HALF_YEAR, YEAR, OPEN = "day", "month", "quarter", "half_year", "year", "ongoing"
PRECISIONS = (DAY, MONTH, QUARTER, HALF_YEAR, YEAR, OPEN)
MONTHS = {DAY: 0, MONTH: 1, QUARTER: 3, HALF_YEAR: 6, YEAR: 12}
ONGOING_TEXT = "fortlaufend"


class PeriodError(ValueError):
    """A text that is none of the accepted notations; the message is German and names them."""


@dataclass(frozen=True)
class Period:
    first: datetime.date | None  # None only for an open end ("fortlaufend")
    precision: str

    @property
    def open(self) -> bool:
        return self.precision == OPEN

    @property
    def last(self) -> datetime.date | None:
        if self.first is None or self.precision == DAY:
            return self.first
        month = self.first.month + MONTHS[self.precision] - 1
        return datetime.date(self.first.year, month, calendar.monthrange(self.first.year, month)[1])

    def stored(self, edge: str) -> datetime.date | None:
        """The date kept in the database: the first day for a start, the last for an end."""
        return self.first if edge == "start" else self.last

    def __str__(self) -> str:
        return format_period(self)


ONGOING = Period(None, OPEN)

_YEAR = r"(?P<year>\d{4})"
_PATTERNS = [
    (YEAR, re.compile(rf"^{_YEAR}$")),
    (HALF_YEAR, re.compile(rf"^(?P<n>[12])\.?\s*(?:halbjahr|hj\.?)\s*{_YEAR}$")),
    (HALF_YEAR, re.compile(rf"^h(?P<n>[12])\s*/?\s*{_YEAR}$")),
    (QUARTER, re.compile(rf"^(?P<n>[1-4])\.?\s*(?:quartal|qu\.?)\s*{_YEAR}$")),
    (QUARTER, re.compile(rf"^q(?P<n>[1-4])\s*/?\s*{_YEAR}$")),
    (MONTH, re.compile(rf"^(?P<n>\d{{1,2}})\s*[/.]\s*{_YEAR}$")),
    (MONTH, re.compile(rf"^{_YEAR}-(?P<n>\d{{2}})$")),
]


def accepted_forms() -> str:
    return _(
        "a year (2025), a half-year (2. Halbjahr 2024, H2 2024), a quarter (3. Quartal 2024, "
        "Q3 2024), a month (03/2025, 2025-03) or a day (14.03.2025, 2025-03-14)"
    )


def parse(value, open_allowed: bool = False) -> Period:
    """The period a text (or a date, or a year as a number) stands for; PeriodError otherwise.
    "fortlaufend" only where `open_allowed` (an end)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return Period(value, DAY)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PeriodError(_error(value, open_allowed))
    text = " ".join(str(value).split()).lower()
    if text == ONGOING_TEXT and open_allowed:
        return ONGOING
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return Period(datetime.datetime.strptime(text, fmt).date(), DAY)
        except ValueError:
            pass
    for precision, pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match["year"])
        n = int(match.groupdict().get("n") or 1)
        month = n if precision == MONTH else (n - 1) * MONTHS[precision] + 1
        if 1 <= month <= 12 and year >= 1:
            return Period(datetime.date(year, month, 1), precision)
    raise PeriodError(_error(value, open_allowed))


def _error(value, open_allowed: bool) -> str:
    if open_allowed:
        return _("'%(value)s' is not a date. Accepted: %(forms)s, or 'fortlaufend' for an open end.") % {
            "value": value,
            "forms": accepted_forms(),
        }
    return _("'%(value)s' is not a date. Accepted: %(forms)s.") % {"value": value, "forms": accepted_forms()}


def from_stored(date: datetime.date | None, precision: str, edge: str = "start") -> Period | None:
    """The period a stored date and precision stand for (None for no date)."""
    if precision == OPEN:
        return ONGOING
    if date is None:
        return None
    precision = precision or DAY
    if precision == DAY:
        return Period(date, DAY)
    step = MONTHS[precision]
    first_month = (date.month - 1) // step * step + 1
    return Period(datetime.date(date.year, first_month, 1), precision)


def format_period(period: Period | None) -> str:
    """As the city writes it: "2025", "2. Halbjahr 2024", "3. Quartal 2024", "03/2025",
    "14.03.2025", "fortlaufend"; "" for no period."""
    if period is None:
        return ""
    if period.open or period.first is None:
        return ONGOING_TEXT
    first, precision = period.first, period.precision
    if precision == YEAR:
        return f"{first.year}"
    if precision == HALF_YEAR:
        return f"{(first.month - 1) // 6 + 1}. Halbjahr {first.year}"
    if precision == QUARTER:
        return f"{(first.month - 1) // 3 + 1}. Quartal {first.year}"
    if precision == MONTH:
        return f"{first.month:02d}/{first.year}"
    return f"{first:%d.%m.%Y}"


def format_stored(date, precision: str = DAY) -> str:
    """A stored date (a date or its ISO text, as snapshots keep it) with its precision, written
    as the city writes it; "" for none."""
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date) if date else None
    return format_period(from_stored(date, precision or DAY))


def file_value(period: Period | None):
    """The value a concept file holds: a day as an ISO date, anything else as it is written."""
    if period is None:
        return None
    if period.precision == DAY:
        return period.first
    return format_period(period)


def from_file(value) -> Period | None:
    """The period of a concept-file or snapshot value (an ISO date, a date, or a notation such as
    "2. Halbjahr 2024" or "fortlaufend"); None for none or a value that is no period."""
    if value is None or value == "":
        return None
    try:
        return parse(value, open_allowed=True)
    except PeriodError:
        return None


def show(value) -> str:
    """A concept-file or snapshot value as the city writes it ("14.03.2025", "3. Quartal 2024")."""
    period = from_file(value)
    return format_period(period) if period else ("" if value is None else str(value))


def sort_key(value, edge: str = "end") -> str:
    """A key that sorts file values by time (by the period's last day for an end, first for a
    start); no date and "fortlaufend" last."""
    period = from_file(value)
    date = period.stored(edge) if period else None
    return date.isoformat() if date else "9999"


def overdue(value, on) -> bool:
    """Whether a due date (a file value such as "3. Quartal 2025") has passed on the day `on`
    (a date or its ISO text): the due period's last day lies before it. A step due "2025" is
    overdue only from 1 January 2026; no date and "fortlaufend" are never overdue."""
    period = from_file(value)
    last = period.last if period else None
    if last is None:
        return False
    if isinstance(on, str):
        on = datetime.date.fromisoformat(on)
    return last < on


def stored_text(date: datetime.date | None, precision: str = DAY) -> str | None:
    """A stored date with its precision as text in concept-file form (a day as ISO date, anything
    else as written), as status updates keep their next steps; None for none."""
    value = file_value(from_stored(date, precision or DAY))
    return value.isoformat() if isinstance(value, datetime.date) else value


def format_span(first, last=None) -> str:
    """A day or a span of days the German way, shortest form: "21.09.2025", "21.–28.09.2025",
    "30.09.–02.10.2025", "29.12.2025–02.01.2026". Takes dates or their ISO text (as snapshots keep them)."""
    if isinstance(first, str):
        first = datetime.date.fromisoformat(first)
    if isinstance(last, str):
        last = datetime.date.fromisoformat(last) if last else None
    if last is None or last == first:
        return f"{first:%d.%m.%Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%d.}–{last:%d.%m.%Y}"
    if first.year == last.year:
        return f"{first:%d.%m.}–{last:%d.%m.%Y}"
    return f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"
