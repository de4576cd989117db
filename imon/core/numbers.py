"""German number conventions and official table symbols, both ways.

parse_cell("166.737")   -> (Decimal("166737"), "")
parse_cell("15,7")      -> (Decimal("15.7"), "")
parse_cell("(12,3)")    -> (Decimal("12.3"), "()")
parse_cell("4.850 p")   -> (Decimal("4850"), "p")
parse_cell(".")         -> (None, ".")
format_number(Decimal("166737")) -> "166.737"

Numbers and dates shown to people are written in one language's way, from the CLDR data (Babel):
German (the default, and always in the report) 166.737 / 15,7 % / 31.12.2018; English 166,737 /
15.7% / Dec 31, 2018; Turkish 166.737 / %15,7; Ukrainian 166 737 / 15,7%; Arabic with Latin
digits 166,737 / 15.7% (CLDR's default numbering system for `ar`; German municipalities' Arabic
pages keep Latin digits, and the portal's tables and charts are shared with the German page). The
portal sets the visitor's language with `display_language(lang)`; `shown_language()` tells the
callers that format in the visitor's language which one it is.
"""

import calendar
import datetime
import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Symbols that replace a value. "…" is the typographic form of "...".
VALUE_SYMBOLS = {"-": "-", "–": "-", ".": ".", "x": "x", "X": "x", "...": "...", "…": "...", "/": "/"}
# Symbols that qualify a value.
QUALIFIERS = {"p": "p", "r": "r"}

# Characters that group digits by threes besides the dot (German) or comma (English) of a file:
# space, no-break space, narrow no-break space, thin space, apostrophe (Swiss).
_GROUP_MARKS = " \u00a0\u202f\u2009'"
_GERMAN = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_ENGLISH = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
# A plain decimal point in a German file, read as what it obviously is: one or two decimals
# ("12.5"), or a whole part of 0 ("0.1234"). "1.2613" is refused: a misplaced thousands dot.
_POINT_IN_GERMAN = re.compile(r"^[+-]?(\d+\.\d{1,2}|0\.\d+)$")


class NumberError(ValueError):
    """A cell that is neither a number nor an official symbol; the message is German."""


def _ungrouped(raw: str) -> str | None:
    """The number text without its grouping spaces or apostrophes, if they group the whole part
    by threes with one and the same mark ("12 613", "1 234 567,5"); None otherwise ("1 2613")."""
    marks = {c for c in raw if c in _GROUP_MARKS}
    if len(marks) != 1:
        return None
    mark = marks.pop()
    sign = raw[0] if raw[0] in "+-" else ""
    whole, _sep, rest = raw[len(sign) :].partition(mark)
    groups = [whole, *rest.split(mark)]
    last = groups[-1]
    tail = ""
    for i, ch in enumerate(last):
        if not ch.isdigit():
            last, tail = last[:i], last[i:]
            break
    groups[-1] = last
    if not (1 <= len(groups[0]) <= 3 and groups[0].isdigit()):
        return None
    if not all(len(g) == 3 and g.isdigit() for g in groups[1:]):
        return None
    return sign + "".join(groups) + tail


def parse_number(text: str, decimal_comma: bool = True) -> Decimal:
    """A number written the German way (decimal comma, thousands dot) or, if asked, the English way.

    Digits may be grouped by threes with the file's thousands mark (a dot in a German file, a
    comma in an English one) or with spaces or apostrophes; anything else is refused, never
    guessed: "1 2613" is not 12613, "1.2613" in a German file not 1.2613."""
    raw = text.strip()
    if raw.startswith("−"):  # typographic minus
        raw = "-" + raw[1:]
    if any(c in _GROUP_MARKS for c in raw):
        ungrouped = _ungrouped(raw)
        if ungrouped is None:
            raise NumberError(
                _("'%(text)s' is not a well-formed number: digits are grouped by threes (12 613, 12.613).")
                % {"text": text.strip()}
            )
        raw = ungrouped
    pattern, thousands, point = (_GERMAN, ".", ",") if decimal_comma else (_ENGLISH, ",", ".")
    if not pattern.match(raw):
        if decimal_comma and _POINT_IN_GERMAN.match(raw):
            return Decimal(raw)
        raise NumberError(_("'%(text)s' is not a number.") % {"text": text.strip()})
    try:
        return Decimal(raw.replace(thousands, "").replace(point, "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise NumberError(_("'%(text)s' is not a number.") % {"text": text.strip()}) from None


def parse_cell(text, decimal_comma: bool = True) -> tuple[Decimal | None, str]:
    """A table cell as (value, flag). Raises NumberError for anything else, including an empty cell."""
    if isinstance(text, bool):
        raise NumberError(_("'%(text)s' is not a number.") % {"text": text})
    if isinstance(text, (int, float, Decimal)):
        return Decimal(str(text)), ""
    if text and text.isascii() and text.isdigit():  # most cells: a whole number, nothing around it
        return Decimal(text), ""
    cell = (text or "").strip().removesuffix("%").rstrip()
    if not cell:
        raise NumberError(_("the cell is empty; write a value or an official symbol such as '.' or '-'."))
    if cell in VALUE_SYMBOLS:
        return None, VALUE_SYMBOLS[cell]
    if cell.startswith("(") and cell.endswith(")"):
        return parse_number(cell[1:-1], decimal_comma), "()"
    if cell[-1] in QUALIFIERS and len(cell) > 1:
        return parse_number(cell[:-1], decimal_comma), QUALIFIERS[cell[-1]]
    return parse_number(cell, decimal_comma), ""


# How sources state values that are not exact, as written before the number (lower case), and the
# qualifier (models.Qualifier) each means. Longer words first: "mehr als" before "mehr".
QUALIFIER_WORDS = (
    ("weniger als", "less_than"),
    ("mehr als", "more_than"),
    ("mindestens", "at_least"),
    ("höchstens", "at_most"),
    ("ungefähr", "approx"),
    ("circa", "approx"),
    ("zirka", "approx"),
    ("knapp", "just_under"),
    ("etwa", "approx"),
    ("rund", "approx"),
    ("über", "more_than"),
    ("unter", "less_than"),
    ("ca.", "approx"),
    (">=", "at_least"),
    ("<=", "at_most"),
    ("≥", "at_least"),
    ("≤", "at_most"),
    (">", "more_than"),
    ("<", "less_than"),
    ("≈", "approx"),
    ("~", "approx"),
)


def split_qualifier(text: str) -> tuple[str, str]:
    """(qualifier, the rest) of a cell that states a value approximately or as a bound:
    "rund 1.200" -> ("approx", "1.200"), "> 60 %" -> ("more_than", "60 %"); ("", text) otherwise."""
    cell = text.strip()
    if cell[:1].isdigit():  # every word and sign of a qualifier starts with something else
        return "", cell
    lower = cell.lower()
    for word, qualifier in QUALIFIER_WORDS:
        if lower.startswith(word):
            rest = cell[len(word) :]
            if word[-1].isalpha() and rest[:1].isalpha():
                continue  # "unterschiedlich" is no "unter"
            return qualifier, rest.strip()
    return "", cell


_SHOWN: ContextVar[str] = ContextVar("imon_display_language", default="de")


@contextmanager
def display_language(lang: str) -> Iterator[None]:
    """Numbers and dates that follow the visitor's language are written in `lang`'s way inside."""
    token = _SHOWN.set(lang)
    try:
        yield
    finally:
        _SHOWN.reset(token)


def shown_language() -> str:
    """The language set by `display_language` (German outside it)."""
    return _SHOWN.get()


@functools.cache
def _symbols(lang: str) -> tuple[str, str, str, str, str]:
    """(decimal mark, group mark, minus sign, percent prefix, percent suffix) of a language, from
    CLDR with Latin digits. German keeps a plain space before "%", as the report has always
    written it."""
    if lang == "de":
        return ",", ".", "-", "", " %"
    from babel import Locale

    locale = Locale.parse(lang)
    symbols = locale.number_symbols["latn"]
    pattern = locale.percent_formats[None].pattern.split(";")[0]
    number = re.search(r"[#0,.]+", pattern)
    assert number is not None, pattern
    prefix, suffix = pattern[: number.start()], pattern[number.end() :]
    percent = symbols["percentSign"]
    return (
        symbols["decimal"],
        symbols["group"],
        symbols["minusSign"],
        prefix.replace("%", percent),
        suffix.replace("%", percent),
    )


def format_number(
    value: Decimal, decimals: int | None = None, grouping: bool = True, lang: str = "de"
) -> str:
    """166737 -> "166.737"; 15.7 -> "15,7" (decimals=None keeps the digits the value has);
    lang="en": "166,737", "15.7" (see the module's docstring)."""
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals))
    text = format(value.normalize() if decimals is None else value, "f")
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    point, group, minus, _prefix, _suffix = _symbols(lang)
    sign = minus if text.startswith("-") else ""
    whole, _sep, fraction = text.lstrip("-").partition(".")
    if grouping:
        whole = f"{int(whole):,}".replace(",", group)
    return sign + whole + (point + fraction if fraction else "")


def format_percent(value: Decimal, decimals: int | None = None, lang: str = "de") -> str:
    """A share in per cent, as the language writes it: 15.7 -> "15,7 %" (de), "15.7%" (en),
    "%15,7" (tr)."""
    return with_percent_sign(format_number(value, decimals, lang=lang), lang)


def with_percent_sign(text: str, lang: str = "de") -> str:
    """A number already written ("15,7", "rund 15,7") with the language's percent sign."""
    _point, _group, _minus, prefix, suffix = _symbols(lang)
    return prefix + text + suffix


def format_day(date: "datetime.date | str", lang: str = "de") -> str:
    """A day as the language writes it: 31.12.2018 (de), Dec 31, 2018 (en), 31 Ara 2018 (tr),
    31 груд. 2018 р. (uk), 31/12/2018 (ar); from a date or an ISO date text (as snapshots keep
    dates)."""
    if isinstance(date, str):
        return _day_of_text(date, lang)
    if lang == "de":
        return date.strftime("%d.%m.%Y")
    return _babel_day(date, lang)


@functools.lru_cache(maxsize=4096)
def _day_of_text(text: str, lang: str) -> str:
    """format_day of an ISO date text (a table writes the same few dates for many of its rows)."""
    return format_day(datetime.date.fromisoformat(text), lang)


@functools.lru_cache(maxsize=4096)
def _babel_day(date: datetime.date, lang: str) -> str:
    """A day in the language's medium form, by Babel (slow; a page writes the same few days often)."""
    from babel.dates import format_date

    return format_date(date, "medium", locale=lang)


_SCHOOL_YEAR = re.compile(r"^(\d{4})/(\d{2}|\d{4})$")


def parse_period(text: str) -> tuple[datetime.date, str]:
    """A reference date, or a period that is not a day, as (date, label): a day has no label;
    a year "2020" -> (31.12.2020, "2020"); a school or academic year "2023/24" -> (31.12.2023,
    "2023/24"), as the GENESIS reader dates it. ValueError otherwise."""
    text = text.strip()
    school = _SCHOOL_YEAR.match(text)
    if school:
        first, second = int(school[1]), school[2]
        if int(second) % 100 != (first + 1) % 100:
            raise ValueError(text)
        return datetime.date(first, 12, 31), text
    date = parse_date(text)
    return date, text if re.fullmatch(r"\d{4}", text) else ""


# The words of a stated value, as the German sources write them (data, not translated labels).
STATED_WORDS = {
    "approx": "rund",
    "just_under": "knapp",
    "at_least": "mindestens",
    "more_than": "mehr als",
    "at_most": "höchstens",
    "less_than": "weniger als",
}


def format_stated(value: Decimal, qualifier: str = "", decimals: int | None = None, lang: str = "de") -> str:
    """A value as its source states it: "rund 1.200", "mehr als 500", or just "1.200"."""
    text = format_number(value, decimals, lang=lang)
    word = STATED_WORDS.get(qualifier)
    return f"{word} {text}" if word else text


def parse_date(text: str) -> datetime.date:
    """31.12.2018, 2018-12-31, or a year (2018 -> 31.12.2018); ValueError otherwise."""
    text = text.strip()
    if len(text) == 10 and text.isascii():  # the usual forms, without strptime (ten times faster)
        if text[4] == text[7] == "-" and (digits := text[:4] + text[5:7] + text[8:]).isdigit():
            return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if text[2] == text[5] == "." and (digits := text[:2] + text[3:5] + text[6:]).isdigit():
            return datetime.date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}", text):
        return datetime.date(int(text), 12, 31)
    raise ValueError(text)


def add_months(date: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the last day of the month where it has fewer days)."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def same_value(old, new) -> bool:
    """Equal values, with numbers compared by value (Decimal('5.000000') == 5); None only equals None."""
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        if old is None or new is None:
            return old is new
        return Decimal(old) == Decimal(new)
    return old == new
