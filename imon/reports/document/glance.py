"""The report's first chapter: key figures at a glance, the same as the portal's start page tiles
(imon.reports.keyfigures), written in German."""

from django.utils import translation

from .. import keyfigures
from ..narrative import format_date as german_date
from .blocks import Tiles
from .state import _State

LIGHTS = {"green": "grün", "yellow": "gelb", "red": "rot", "": "nicht bewertet"}


class _AtAGlance(_State):
    """Adds the chapter "Auf einen Blick" (mixed into the builder)."""

    def at_a_glance(self):
        figures = keyfigures.key_figures(self.s)
        if not (figures.measures_total or figures.goals_total or figures.headlines):
            return
        self.heading(1, "Auf einen Blick", "auf-einen-blick")
        items = []
        with translation.override("de"):
            for h in figures.headlines:
                arrow = keyfigures.ARROWS.get(h.direction, "")
                change = keyfigures.change_words(h)
                value = keyfigures.value_text(h) + (f" {h.unit}" if h.unit and not h.is_percent else "")
                items.append(
                    (
                        h.title,
                        value,
                        f"{h.area}, {german_date(h.date)}",
                        f"{arrow} {change}" if change else "–",
                    )
                )
        if figures.measures_total:
            shares = ", ".join(
                f"{self.status_label(s.code)} {s.count} ({s.percent} %)" for s in figures.measures
            )
            items.append(
                (
                    "Maßnahmen nach Status",
                    str(figures.measures_total),
                    f"{figures.finished} abgeschlossen oder verstetigt ({figures.finished_percent} %)",
                    shares,
                )
            )
        if figures.goals_total:
            items.append(
                (
                    f"{self.vocab.goals} nach Bewertung",
                    str(figures.goals_total),
                    "Bewertung der Zielerreichung",
                    ", ".join(
                        f"{LIGHTS.get(s.code, s.code)} {s.count} ({s.percent} %)" for s in figures.goals
                    ),
                )
            )
        self.add(Tiles("Kennzahlen auf einen Blick", items, stand=german_date(self.s["reporting_date"])))
