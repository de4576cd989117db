"""Values, sources, dates and texts of a snapshot, written the German way for the report."""

from decimal import Decimal

from imon.core import periods
from imon.core.numbers import format_number

from ..narrative import format_date as german_date


def format_value(obs: dict, decimals: int | None) -> str:
    """A cell as the public sees it: '166.737', '15,7', '.' for suppressed or secret, symbols kept."""
    value, flag = obs.get("value"), obs.get("flag") or ""
    if value is None:
        return flag or "."
    text = format_number(Decimal(value), decimals)
    return f"{text} {flag}" if flag else text


def source_text(source: dict | None) -> str:
    if not source:
        return ""
    text = f"{source['publisher']}, {source['title']}" if source.get("title") else source["publisher"]
    if source.get("table_code"):
        text += f", Tabelle {source['table_code']}"
    return text


def stand_text(dates) -> str:
    dates = sorted(set(dates))
    if not dates:
        return ""
    if len(dates) == 1:
        return german_date(dates[0])
    return ", ".join(german_date(d) for d in dates[:-1]) + " und " + german_date(dates[-1])


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
