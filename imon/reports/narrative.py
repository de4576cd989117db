"""German narrative sentences for the Umsetzungsbericht, generated from the data.

    change_sentence("Die Zahl der geflüchteten Personen",
                    [(date(2017, 12, 31), Decimal(4675)), (date(2018, 12, 31), Decimal(4850))], unit="Personen")
    -> "Die Zahl der geflüchteten Personen stieg von 4.675 (31.12.2017) auf 4.850 (31.12.2018),
        also um 175 Personen (+3,7 %)."
    status_sentence({"completed": 2, "in_progress": 5, "planned": 2})
    -> "Von 9 Maßnahmen sind 2 abgeschlossen, 5 laufen und 2 sind geplant."

Reports are German documents, so the sentences are written in German directly, not through
gettext. The caller gives the grammatical subject with its article ("Der Anteil der ...",
"Die Zahl der ..."); `subject_for` builds a plain one from an indicator title. Values are
compared and subtracted *as displayed* (rounded to `decimals`), so the printed numbers always
add up and "stieg" never introduces a difference that prints as 0.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from imon.core.numbers import format_day, format_number

# Plural -> singular of the units the reports use; anything else is used as given.
UNITS = {
    "Personen": "Person",
    "Haushalte": "Haushalt",
    "Prozentpunkte": "Prozentpunkt",
    "Fälle": "Fall",
    "Maßnahmen": "Maßnahme",
    "Kinder": "Kind",
    "Plätze": "Platz",
    "Teilnehmende": "Teilnehmende",
    "Stunden": "Stunde",
    "Euro": "Euro",
    "Jahre": "Jahr",
    "Einwohner/innen": "Einwohner/in",
    "Geflüchtete": "Geflüchtete/r",
}
_SINGULAR_TO_PLURAL = {singular: plural for plural, singular in UNITS.items()}


def unit_for(unit: str, number_text: str, dative: bool = False) -> str:
    """The unit in the number that `number_text` shows: "1" takes the singular, everything else
    (0, 2, 0,5, 1,0) the plural, as in German usage. Accepts either form of a known unit.
    `dative` gives the dative plural after "mit" or "von" ("mit 402 Haushalten")."""
    plural = _SINGULAR_TO_PLURAL.get(unit, unit)
    if number_text.lstrip("+-") == "1":
        return UNITS.get(plural, unit)
    if dative and plural[-1:] == "e" or dative and plural.endswith(("er", "el")):
        return plural + "n"  # German dative plural: -n unless the plural already ends in -n or -s
    return plural


def format_date(date) -> str:
    """31.12.2018, from a date or an ISO date text (as snapshots store dates)."""
    return format_day(date)


def period_text(snapshot: dict, previous: dict | None) -> str:
    """The reporting period: from the day after the previous report's reporting date, else up to this one."""
    end = format_date(snapshot["reporting_date"])
    if previous:
        start = datetime.date.fromisoformat(previous["reporting_date"]) + datetime.timedelta(days=1)
        return f"{format_date(start)} bis {end}"
    return f"bis zum Stichtag {end} (erster Bericht)"


def resolution_sentence(council: str, concept: dict, document: str = "Vorlage") -> str:
    """'Das Integrationskonzept wurde am 12.03.2020 beschlossen (Rat, Vorlage 2019/3170).'

    The council's name stands in brackets, so that it needs no article (der Rat, die
    Stadtverordnetenversammlung); `document` is what the council calls its papers (Drucksache)."""
    when = f" am {format_date(concept['resolution_date'])}" if concept.get("resolution_date") else ""
    by = council
    if concept.get("resolution_reference"):
        by += f", {document} {concept['resolution_reference']}"
    return f"Das Integrationskonzept wurde{when} beschlossen ({by})."


def count_phrase(n: int, singular: str, plural: str) -> str:
    """'1 Wert', '3 Werte'."""
    return f"{n} {singular if n == 1 else plural}"


def _value(value: Decimal, decimals, share: bool) -> str:
    text = format_number(value, decimals)
    return text + " %" if share else text


def _amount(value: Decimal, decimals, unit: str) -> str:
    text = format_number(value, decimals)
    return f"{text} {unit_for(unit, text)}" if unit else text


def _rounded(value: Decimal, decimals) -> Decimal:
    return value if decimals is None else value.quantize(Decimal(1).scaleb(-decimals))


def change_sentence(
    subject: str,
    points: Sequence[tuple[datetime.date, Decimal | None]],
    unit: str = "",
    is_share: bool = False,
    decimals: int | None = None,
    plural: bool = False,
) -> str:
    """One sentence on how an indicator changed from its first to its last reference date.

    `subject` is the grammatical subject with its article, `plural` says whether it takes a
    plural verb ("Die Ausgaben stiegen"). Shares (`is_share`, or unit "%") print their values
    with "%" and the difference in Prozentpunkte; other values print the difference with the
    unit and the relative change in per cent (not when the first value is 0 or negative).
    `decimals` rounds values and difference alike; None uses as many decimals as the most
    precise value shows (15,1 -> 16,1 gives "um 1,0 Prozentpunkte").
    Points with value None are skipped; with fewer than two points left the result is "".
    With more than two points the highest and lowest value in between are named when they lie
    outside the first and last value.
    """
    share = is_share or unit == "%"
    known = sorted(
        ((d, _rounded(Decimal(v), decimals)) for d, v in points if v is not None), key=lambda p: p[0]
    )
    if len(known) < 2:
        return ""
    if decimals is None:
        # All values and the difference with as many decimals as the most precise value shows,
        # so that 15,1 -> 16,1 reads "um 1,0 Prozentpunkte" and not "um 1 Prozentpunkt".
        decimals = max(len(format_number(v).partition(",")[2]) for _d, v in known)
    (d0, v0), (d1, v1) = known[0], known[-1]
    verbs = (
        {"up": "stiegen", "down": "sanken", "same": "blieben", "was": "lagen"}
        if plural
        else {"up": "stieg", "down": "sank", "same": "blieb", "was": "lag"}
    )
    inner = known[1:-1]
    hi = max(inner, key=lambda p: p[1]) if inner else None
    lo = min(inner, key=lambda p: p[1]) if inner else None
    extremes = []
    if hi and hi[1] > max(v0, v1):
        extremes.append(f"der höchste Wert lag bei {_value(hi[1], decimals, share)} ({format_date(hi[0])})")
    if lo and lo[1] < min(v0, v1):
        extremes.append(
            f"der niedrigste Wert lag bei {_value(lo[1], decimals, share)} ({format_date(lo[0])})"
        )
    tail = ("; " + ", ".join(extremes) if extremes else "") + "."

    if v0 == v1:
        if extremes:
            return (
                f"{subject} {verbs['was']} am {format_date(d1)} wie am {format_date(d0)} bei "
                f"{_value(v1, decimals, share)}{tail}"
            )
        return (
            f"{subject} {verbs['same']} zwischen dem {format_date(d0)} und dem {format_date(d1)} "
            f"unverändert bei {_value(v1, decimals, share)}{tail}"
        )

    difference = abs(v1 - v0)
    verb = verbs["up"] if v1 > v0 else verbs["down"]
    if share:
        by = _amount(difference, decimals, "Prozentpunkte")
    else:
        by = _amount(difference, decimals, unit)
        if v0 > 0:
            by += f" ({_percent_change(v0, v1)})"
    return (
        f"{subject} {verb} von {_value(v0, decimals, share)} ({format_date(d0)}) auf "
        f"{_value(v1, decimals, share)} ({format_date(d1)}), also um {by}{tail}"
    )


def _percent_change(v0: Decimal, v1: Decimal) -> str:
    change = ((v1 - v0) * 100 / v0).quantize(Decimal("0.1"))
    if change == 0:
        return "weniger als 0,1 %"
    return ("+" if change > 0 else "") + format_number(change, 1) + " %"


def subject_for(title: str, kind: str) -> str:
    """A plain grammatical subject from an indicator title and kind (count, share, rate, amount):
    "Anteil Personen mit ... (in %)" -> "Der Anteil Personen mit ...", otherwise the title in
    quotation marks: "Die Zahl „Geflüchtete Personen“", "Der Wert „Arbeitslosenquote“"."""
    title = title.strip()
    # A trailing unit remark such as "(in %)" or "(in Personen)" belongs to the table, not the sentence.
    if title.endswith(")") and "(in " in title:
        title = title[: title.rindex("(in ")].rstrip()
    first = title.split(" ", 1)[0]
    if kind in ("share", "rate") and first == "Anteil":
        return "Der " + title
    if kind == "count" and first in ("Zahl", "Anzahl"):
        return "Die " + title
    if kind == "count":
        return f"Die Zahl „{title}“"
    return f"Der Wert „{title}“"


# Measure.Status value -> (finite verb singular, plural, rest of the predicate), in report order.
STATUS_PHRASES = {
    "completed": ("ist", "sind", "abgeschlossen"),
    "established": ("ist", "sind", "dauerhaft etabliert"),
    "in_progress": ("läuft", "laufen", ""),
    "delayed": ("ist", "sind", "verzögert"),
    "preparing": ("ist", "sind", "in Vorbereitung"),
    "planned": ("ist", "sind", "geplant"),
    "on_hold": ("ruht", "ruhen", ""),
    "discontinued": ("wurde", "wurden", "eingestellt"),
    "unknown": ("hat", "haben", "keinen bekannten Stand"),
}


def status_sentence(counts: dict[str, int]) -> str:
    """A summary of measure statuses from a mapping of Measure.Status value -> count:
    "Von 9 Maßnahmen sind 2 abgeschlossen, 5 laufen und 2 sind geplant." Statuses with count 0
    are left out; an unknown status value raises ValueError."""
    unknown = set(counts) - set(STATUS_PHRASES)
    if unknown:
        raise ValueError(f"unknown measure status: {', '.join(sorted(unknown))}")
    parts = [(status, n) for status in STATUS_PHRASES if (n := counts.get(status, 0)) > 0]
    total = sum(n for _status, n in parts)
    if total == 0:
        return "Es sind keine Maßnahmen erfasst."

    def predicate(status, n):
        singular, plural_, rest = STATUS_PHRASES[status]
        return (singular if n == 1 else plural_), rest

    if len(parts) == 1:
        verb, rest = predicate(*parts[0])
        if total == 1:
            return _join(f"Die einzige Maßnahme {verb}", rest) + "."
        return _join(f"Alle {total} Maßnahmen {verb}", rest) + "."
    clauses = []
    for i, (status, n) in enumerate(parts):
        verb, rest = predicate(status, n)
        # The first clause follows "Von 9 Maßnahmen", so its verb comes second (V2 word order).
        clauses.append(_join(f"{verb} {n}", rest) if i == 0 else _join(f"{n} {verb}", rest))
    listing = ", ".join(clauses[:-1]) + " und " + clauses[-1]
    return f"Von {total} Maßnahmen {listing}."


def _join(*words) -> str:
    return " ".join(w for w in words if w)


def _position(value: Decimal, other: Decimal, decimals) -> str:
    """'über', 'unter' or 'gleichauf mit', compared as displayed."""
    a, b = _rounded(value, decimals), _rounded(other, decimals)
    return "über" if a > b else "unter" if a < b else "gleichauf mit"


def comparison_sentence(
    name: str,
    value: Decimal,
    references: Sequence[tuple[str, Decimal]],
    unit: str = "",
    decimals: int | None = None,
) -> str:
    """Where the city stands against its Land and Germany, for shares, rates and averages:

        comparison_sentence("Leverkusen", Decimal("15.7"), [("Landeswert", Decimal("13.1"))], "%", 1)
        -> "Leverkusen liegt mit 15,7 % über dem Landeswert von 13,1 %."

    `references` are (noun with its article's case taken by "dem", value), e.g. ("Landeswert",
    13.1), ("Bundeswert", 12.2). Two references in the same direction share the preposition
    ("über dem Landeswert von 13,1 % und dem Bundeswert von 12,2 %"); otherwise "aber" joins them.
    Values are compared as displayed: 15,7 against 15,7 is "gleichauf mit", never "über".
    """
    if not references:
        return ""
    share = unit == "%"

    def amount(number: Decimal, dative: bool = False) -> str:
        text = format_number(number, decimals)
        if share:
            return text + " %"
        return f"{text} {unit_for(unit, text, dative)}" if unit else text

    text, previous = "", None
    for noun, other in references:
        where = _position(value, other, decimals)
        phrase = f"dem {noun} von {amount(other, True)}"
        if previous is None:
            text = f"{where} {phrase}"
        elif where == previous:
            text += f" und {phrase}"
        else:
            text += f", aber {where} {phrase}"
        previous = where
    return f"{name} liegt mit {amount(value, True)} {text}."


def rank_sentence(name: str, rank: int, total: int, group: str, lowest_first: bool = False) -> str:
    """The city's place among comparable regions, the highest value first:

    rank_sentence("Leverkusen", 3, 23, "kreisfreien Städten")
    -> "Leverkusen steht auf Rang 3 von 23 kreisfreien Städten (Rang 1: höchster Wert)."
    """
    order = "niedrigster" if lowest_first else "höchster"
    return f"{name} steht auf Rang {rank} von {total} {group} (Rang 1: {order} Wert)."
