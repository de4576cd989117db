"""The chapter on the fields of action: goals, measures with their status and controlling figures."""

from collections import defaultdict
from decimal import Decimal

from imon.core import periods
from imon.core.numbers import format_number

from ..narrative import format_date as german_date
from .blocks import Bullets, Definitions, Paragraph
from .formatting import _clean, _marked, _step_text, funders_text, goal_assessment
from .indicators import _Indicators
from .timetable import _Timetable


class _FieldsOfAction(_Indicators, _Timetable):
    """The chapter on the fields of action (mixed into the builder); it shows each field's
    controlling figures as indicator blocks."""

    def fields_chapter(self):
        self.heading(1, self.vocab.fields, "handlungsfelder")
        goals = defaultdict(list)
        for g in self.s["goals"]:
            goals[g["field_of_action"]].append(g)
        strategic = {g["key"]: g for g in self.s["strategic_goals"]}
        for f in self.fields:
            self.heading(2, f"{self.vocab.field} {f['code']}: {f['title']}", f"hf-{f['code'].lower()}")
            if f.get("description"):
                self.add(Paragraph(_clean(f["description"])))
            linked = [strategic[k]["title"] for k in f.get("strategic_goals", []) if k in strategic]
            if goals[f["code"]] or linked:
                self.heading(3, self.vocab.goals, f"hf-{f['code'].lower()}-ziele")
                items = []
                for g in goals[f["code"]]:
                    items.append(self.goal_text(g))
                if items:
                    self.add(Bullets(items))
                if linked:
                    self.add(
                        Paragraph("Verknüpfte strategische Verwaltungsziele: " + "; ".join(linked) + ".")
                    )
            measures = self.measures_of(f["code"])
            self.heading(3, "Maßnahmen", f"hf-{f['code'].lower()}-massnahmen")
            if not measures:
                self.add(
                    Paragraph(
                        f"Für {self.vocab.field} {f['code']} sind zum Stichtag keine Maßnahmen mit Sachstand erfasst.",
                        "note",
                    )
                )
            else:
                self.measure_table(f, measures)
                for measure in measures:
                    if measure["field_of_action"] == f["code"]:  # details once, where it is led
                        self.measure_details(measure)
            indicators = [i for i in self.s["indicators"] if f["code"] in i.get("fields_of_action", [])]
            if indicators:
                self.heading(3, "Kennzahlen", f"hf-{f['code'].lower()}-kennzahlen")
                for indicator in indicators:
                    self.indicator_block(indicator)

    def goal_text(self, g) -> str:
        """A goal with its target and its assessment, in words."""
        text = g["title"]
        target = []
        if g.get("target_value") is not None:
            target.append(f"Zielwert {format_number(Decimal(g['target_value']))}")
        if g.get("target_date"):
            target.append(f"bis {periods.show(g['target_date'])}")
        if target:
            text += f" ({', '.join(target)})"
        assessment = goal_assessment(g, self.labels["traffic_light"])
        return f"{text} – {assessment}" if assessment else text

    def measure_table(self, field_of_action, measures):
        rows = []
        for m in measures:
            light = self.labels["traffic_light"].get(m.get("traffic_light", ""), "")
            status = self.status_label(m.get("status"))
            if m.get("progress") is not None:
                status += f", {m['progress']} %"
            if light:
                status += f" (Ampel: {light})"
            period = " – ".join(periods.show(m[k]) for k in ("start_date", "end_date") if m.get(k)) or "–"
            rows.append(
                [
                    m["key"],
                    _marked(m["title"], self.cross_cutting_mark(m, field_of_action["code"])),
                    m.get("lead_unit") or "–",
                    status,
                    period,
                ]
            )
        self.table(
            f"Maßnahmen: {self.vocab.field} {field_of_action['code']}",
            ["Nr.", "Maßnahme", "Federführung", "Status", "Zeitraum"],
            rows,
            numeric=[False] * 5,
            stand=german_date(self.s["reporting_date"]),
            widths=[0.8, 4.5, 3, 2, 1.8],
        )
        self.controlling_table(field_of_action)

    def measure_details(self, m):
        parts = []
        if m.get("description"):
            parts.append(("Beschreibung", _clean(m["description"])))
        if m.get("partners"):
            parts.append(("Beteiligte", _clean(m["partners"])))
        if m.get("programme"):
            parts.append(("Programm / Förderung", m["programme"]))
        if m.get("funders"):
            parts.append(("Fördermittelgeber", funders_text(m["funders"])))
        if m.get("results"):
            parts.append(("Ergebnisse", _clean(m["results"])))
        if m.get("effect"):
            parts.append(("Wirkung", _clean(m["effect"])))
        if m.get("obstacles"):
            parts.append(("Hemmnisse", _clean(m["obstacles"])))
        if m.get("traffic_light_reason"):
            parts.append(("Begründung der Ampel", _clean(m["traffic_light_reason"])))
        steps = [s for s in m.get("next_steps", []) if not s.get("done")]
        if not parts and not steps:
            return
        self.heading(4, f"{m['key']} {m['title']}", f"m-{m['key'].lower()}", numbered=False)
        if parts:
            self.add(Definitions(parts))
        if steps:
            self.add(Paragraph("Ergebnisse und nächste Schritte:", "strong"))
            self.add(Bullets([_step_text(s) for s in steps]))
