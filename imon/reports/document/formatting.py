"""Values, sources, dates and texts of a snapshot, written the German way for the report."""

from decimal import Decimal

from imon.core import periods
from imon.core.numbers import format_day, format_number, format_stated, shown_language

from ..narrative import format_date as german_date


def format_value(obs: dict, decimals: int | None) -> str:
    """A cell as the public sees it: '166.737', '15,7', '.' for suppressed or secret, symbols kept;
    a value the source states approximately or as a bound as stated ('rund 1.200', 'mehr als
    500'), with the digits it has, never with the indicator's decimals (no invented precision)."""
    value, flag = obs.get("value"), obs.get("flag") or ""
    if value is None:
        return flag or "."
    qualifier = obs.get("qualifier") or ""
    text = format_stated(Decimal(value), qualifier, None if qualifier else decimals, shown_language())
    return f"{text} {flag}" if flag else text


def shown_date(date) -> str:
    """A date as a label of a table's column or a chart's category: German in the report, the
    visitor's language on the portal (see imon.core.numbers); running German text uses german_date."""
    return format_day(date, shown_language())


def date_text(obs: dict) -> str:
    """The reference period as the source states it ('2023/24', '2020'), else the date (in the
    visitor's language on the portal, see imon.core.numbers)."""
    return obs.get("period") or shown_date(obs["date"])


def date_labels(rows) -> dict:
    """{date: the period stated for it} where every row of that date states the same one."""
    labels: dict = {}
    for o in rows:
        labels.setdefault(o["date"], set()).add(o.get("period") or "")
    return {d: next(iter(p)) for d, p in labels.items() if len(p) == 1 and "" not in p}


def rows_source(sources: dict, indicator: dict, rows) -> str:
    """The source line of a table: each source its rows come from, the indicator's own first."""
    keys = [indicator["source"]] if indicator.get("source") else []
    seen = {o.get("source") or indicator.get("source") for o in rows}
    keys = [k for k in keys if k in seen or not rows]
    for o in rows:
        if o.get("source") and o["source"] not in keys:
            keys.append(o["source"])
    return "; ".join(text for text in (source_text(sources.get(k)) for k in keys) if text)


# The offices' own symbols, as their keys of symbols explain them (Zeichenerklärung).
OFFICE_MARKS = {
    "-": "nichts vorhanden (genau null)",
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "/": "keine Angabe, da Zahlenwert nicht sicher genug",
    "()": "Aussagewert eingeschränkt",
    "...": "Angabe fällt später an",
}
X_SECRET = "Tabellenfach gesperrt aus Gründen der Geheimhaltung"


def office_marks(sources: dict, indicator: dict, rows) -> str:
    """The legend of the symbols the sources themselves set in these rows (not our suppression,
    which `suppression.footnote` explains): 'Zeichen der Quelle: „.“ = …'; empty without any."""
    found: dict = {}
    for o in rows:
        flag = o.get("flag") or ""
        if flag in OFFICE_MARKS and o.get("suppressed") in (None, "source"):
            source = sources.get(o.get("source") or indicator.get("source") or "") or {}
            meaning = X_SECRET if flag == "x" and source.get("x_means") == "secret" else OFFICE_MARKS[flag]
            found.setdefault(flag, meaning)
    if not found:
        return ""
    order = list(OFFICE_MARKS)
    marks = "; ".join(f"„{flag}“ = {found[flag]}" for flag in sorted(found, key=order.index))
    return f"Zeichen der Quelle: {marks}."


def source_text(source: dict | None) -> str:
    if not source:
        return ""
    text = f"{source['publisher']}, {source['title']}" if source.get("title") else source["publisher"]
    if source.get("table_code"):
        text += f", Tabelle {source['table_code']}"
    return text


def stand_text(dates, labels: dict | None = None) -> str:
    """The reference dates of a table in words; a date with a stated period ('2023/24') as that."""
    dates = sorted(set(dates))
    if not dates:
        return ""
    labels = labels or {}
    texts = [labels.get(d) or german_date(d) for d in dates]
    if len(texts) == 1:
        return texts[0]
    return ", ".join(texts[:-1]) + " und " + texts[-1]


def unit_label(indicator: dict) -> str:
    unit = indicator.get("unit", "")
    return f"in {unit}" if unit == "%" else unit


def _num(obs):
    return Decimal(obs["value"]) if obs and obs.get("value") is not None else None


def _cell(obs, decimals):
    return format_value(obs, decimals) if obs else "–"


def _clean(text: str) -> str:
    """Paragraph text from a concept file: line breaks inside a paragraph become spaces."""
    return " ".join(text.split())


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def _marked(text: str, mark: str) -> str:
    """A text with a mark in brackets (e.g. a cross-cutting measure under a field it does not lead)."""
    return f"{text} ({mark})" if mark else text


def goal_assessment(goal: dict, light_labels: dict) -> str:
    """A goal's assessment in words: "Bewertung 2024: Ampel gelb: gefährdet. Begründung: …"
    (empty without a traffic light)."""
    light = light_labels.get(goal.get("traffic_light") or "", "")
    if not light:
        return ""
    text = f"Bewertung {goal['assessed_for']}" if goal.get("assessed_for") else "Bewertung"
    text += f": Ampel {light}."
    if goal.get("traffic_light_reason"):
        text += f" Begründung: {_clean(goal['traffic_light_reason'])}"
    return text


def _step_text(step) -> str:
    text = step["text"]
    extra = []
    if step.get("responsible"):
        extra.append(f"verantwortlich: {step['responsible']}")
    if step.get("due_date"):
        extra.append(f"bis {periods.show(step['due_date'])}")
    return f"{text} ({'; '.join(extra)})" if extra else text


def funders_text(funders) -> str:
    """The funders of a measure, German style: "Land Hessen (WIR-Programm): 12.500,50 EUR"."""
    items = []
    for funder in funders:
        text = funder["name"]
        if funder.get("programme"):
            text += f" ({funder['programme']})"
        if funder.get("amount") is not None:
            text += f": {format_number(Decimal(str(funder['amount'])), 2)} EUR"
        items.append(text)
    return "; ".join(items)


def main_area(snapshot: dict) -> str | None:
    """The key of the municipality's own area."""
    ags = snapshot["municipality"].get("ags", "")
    return next(
        (a["key"] for a in snapshot["areas"] if ags and (a["key"] == ags or a.get("code") == ags)), None
    )
