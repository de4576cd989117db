"""The timetable chapter: who does what by when. Every open next step and every measure with its
owner, its due date as the city wrote it, its status and whether it is overdue on the reporting
date; and the controlling figures per field of action with their sums."""

from decimal import Decimal

from imon.core import periods, rollup
from imon.core.numbers import format_number

from .. import charts, timebars
from ..narrative import count_phrase
from ..narrative import format_date as german_date
from .blocks import Figure, Paragraph
from .state import _State

OVERDUE = "überfällig"

# The controlling figures the council asked for, with their column heads and decimals.
CONTROLLING = (
    ("participants", "Teilnehmende", None),
    ("staff", "Personal (VZÄ)", None),
    ("hours", "Stunden", None),
    ("cost", "Kosten (EUR)", 2),
    ("funding", "Drittmittel (EUR)", 2),
)


def measure_overdue(measure: dict, on) -> bool:
    """A measure is overdue when its end has passed on `on` and it is neither finished nor given up."""
    status = measure.get("status") or "unknown"
    if rollup.is_finished(status) or status == "discontinued":
        return False
    return periods.overdue(measure.get("end_date"), on)


def controlling_sums(measures: list[dict]) -> dict[str, Decimal]:
    """The sum of each controlling figure over the measures that state it (figures nobody states
    are left out)."""
    sums: dict[str, Decimal] = {}
    for name, _label, _decimals in CONTROLLING:
        values = [Decimal(str(m[name])) for m in measures if m.get(name) is not None]
        if values:
            sums[name] = sum(values, Decimal(0))
    return sums


def figure_text(name: str, value: Decimal) -> str:
    decimals = next(d for n, _l, d in CONTROLLING if n == name)
    return format_number(value, decimals)


class _Timetable(_State):
    """The timetable chapter (mixed into the builder)."""

    def outlook(self):
        self.heading(1, "Ausblick und Zeitplan", "ausblick")
        on = self.s["reporting_date"]
        self.add(
            Paragraph(
                "Wer macht was bis wann: alle offenen nächsten Schritte und alle Maßnahmen mit "
                "Verantwortlichen, Termin, Status und ob der Termin zum Stichtag "
                f"{german_date(on)} überschritten ist."
            )
        )
        self.steps_table(on)
        self.measures_timetable(on)
        self.time_bars(on)

    def open_steps(self) -> list[tuple[dict, dict]]:
        """(measure, step) of every open next step, by due date."""
        rows = [(m, step) for m in self.measures for step in m.get("next_steps", []) if not step.get("done")]
        rows.sort(key=lambda r: (periods.sort_key(r[1].get("due_date")), r[0]["key"]))
        return rows

    def steps_table(self, on):
        rows = self.open_steps()
        if not rows:
            self.add(Paragraph("Zum Stichtag sind keine offenen nächsten Schritte erfasst.", "note"))
            return
        late = sum(periods.overdue(step.get("due_date"), on) for _m, step in rows)
        said = f"Die Maßnahmen nennen {count_phrase(len(rows), 'offenen nächsten Schritt', 'offene nächste Schritte')}"
        said += f", davon {late} {OVERDUE}." if late else "."
        self.add(Paragraph(said))
        self.table(
            "Nächste Schritte und Zeitplan",
            ["Maßnahme", "Nächster Schritt", "Verantwortlich", "Bis", "Status"],
            [
                [
                    m["key"],
                    step["text"],
                    step.get("responsible") or m.get("lead_unit") or "–",
                    periods.show(step["due_date"]) if step.get("due_date") else "ohne Termin",
                    OVERDUE if periods.overdue(step.get("due_date"), on) else "offen",
                ]
                for m, step in rows
            ],
            numeric=[False] * 5,
            stand=german_date(on),
            notes=[
                "Verantwortlich: wer den Schritt übernimmt, sonst die Federführung der Maßnahme. "
                f"„{OVERDUE}“: das Ende des Termins liegt vor dem Stichtag."
            ],
            widths=[1, 5, 2.5, 1.9, 1.6],
        )

    def measures_timetable(self, on):
        if not self.measures:
            return
        measures = sorted(
            self.measures, key=lambda m: (periods.sort_key(m.get("end_date")), m["field_of_action"], m["key"])
        )
        self.table(
            "Maßnahmen im Zeitplan",
            ["Nr.", "Maßnahme", "Federführung", "Beginn", "Ende", "Status"],
            [
                [
                    m["key"],
                    m["title"],
                    m.get("lead_unit") or "–",
                    periods.show(m.get("start_date")) or "–",
                    periods.show(m.get("end_date")) or "–",
                    self.status_label(m.get("status")) + (f", {OVERDUE}" if measure_overdue(m, on) else ""),
                ]
                for m in measures
            ],
            numeric=[False] * 6,
            stand=german_date(on),
            widths=[0.8, 4.2, 3, 1.7, 1.7, 2.4],
        )

    def time_bars(self, on):
        """The measures over the concept's period as time bars (those with a start)."""
        spans, undated = timebars.measure_spans(self.measures, self.status_label, on)
        if not spans:
            return
        concept = self.s["concept"]
        notes = []
        if undated:
            notes.append(
                f"Ohne Beginn nicht dargestellt: {count_phrase(len(undated), 'Maßnahme', 'Maßnahmen')} "
                "(siehe Tabelle „Maßnahmen im Zeitplan“)."
            )
        notes.append(
            "Ein Balken reicht vom ersten Tag des Beginns bis zum letzten Tag des Endes, so genau die "
            f"Stadt sie angibt; „{timebars.OPEN_END}“ und „{timebars.NO_END}“ laufen bis zum Rand."
        )
        for spec in timebars.charts_for(
            spans,
            "Laufzeit der Maßnahmen",
            on,
            self.fields,
            self.vocab.field,
            valid_from=concept.get("valid_from"),
            valid_until=concept.get("valid_until"),
        ):
            self.figures += 1
            self.add(
                Figure(
                    self.figures,
                    spec.title,
                    spec,
                    charts.alt_text(spec),
                    charts.data_table(spec),
                    "Eigene Darstellung",
                    german_date(on),
                    notes,
                )
            )

    def controlling_table(self, field_of_action: dict):
        """The controlling figures of the measures a field leads, with their sums; nothing where
        none of them states a figure."""
        measures = [m for m in self.measures if m["field_of_action"] == field_of_action["code"]]
        sums = controlling_sums(measures)
        if not sums:
            return
        names = [(n, label) for n, label, _d in CONTROLLING if n in sums]
        rows = [
            [m["key"], m["title"]]
            + [figure_text(n, Decimal(str(m[n]))) if m.get(n) is not None else "–" for n, _l in names]
            for m in measures
            if any(m.get(n) is not None for n, _l in names)
        ]
        rows.append(["", "Summe"] + [figure_text(n, sums[n]) for n, _l in names])
        self.table(
            f"Controlling: {self.vocab.field} {field_of_action['code']}",
            ["Nr.", "Maßnahme", *(label for _n, label in names)],
            rows,
            numeric=[False, False] + [True] * len(names),
            stand=german_date(self.s["reporting_date"]),
            widths=[0.8, 5] + [1.6] * len(names),
        )
