"""The Umsetzungsbericht as a document model: a pure function of a snapshot.

`build(snapshot, previous)` turns the snapshot document (see `snapshots.py`) into a list of
blocks (headings, paragraphs, lists, tables, figures) that every renderer (HTML, PDF, DOCX,
PPTX) walks in the same order. All numbers are formatted here, the German way, so that the
formats cannot disagree. The observations in a snapshot have already passed the
confidentiality boundary: suppressed cells arrive without a value.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from imon.core import rollup
from imon.core.numbers import format_number
from imon.publication.suppression import alt_text_sentence, footnote

from . import charts, narrative
from .narrative import count_phrase
from .narrative import format_date as german_date

# --- Blocks -------------------------------------------------------------------------------


@dataclass
class Heading:
    kind = "heading"
    level: int  # 1 = chapter
    text: str
    anchor: str
    number: str = ""  # "4.3"

    @property
    def label(self) -> str:
        return f"{self.number} {self.text}" if self.number else self.text


@dataclass
class Paragraph:
    kind = "paragraph"
    text: str
    style: str = ""  # "", "lead", "note"


@dataclass
class Bullets:
    kind = "bullets"
    items: list[str]


@dataclass
class Definitions:
    """A term/description list (indicator profiles, governance)."""

    kind = "definitions"

    items: list[tuple[str, str]]


@dataclass
class Table:
    kind = "table"
    number: int
    caption: str
    header: list[str]
    rows: list[list[str]]
    numeric: list[bool]  # per column: right-aligned figures
    source: str = ""
    stand: str = ""
    notes: list[str] = field(default_factory=list)
    widths: list[float] | None = None  # relative column widths

    @property
    def label(self) -> str:
        return f"Tabelle {self.number}: {self.caption}"

    @property
    def head(self) -> list[tuple[str, bool]]:
        """(header, is a figure column) per column."""
        return list(zip(self.header, self.numeric, strict=True))

    @property
    def cells(self) -> list[list[tuple[str, bool]]]:
        """The rows as (text, is a figure column) per cell, for right-aligned figures."""
        return [list(zip(row, self.numeric, strict=True)) for row in self.rows]

    @property
    def wide(self) -> bool:
        return len(self.header) > 6

    @property
    def colgroup(self) -> list[float] | None:
        """Column widths in per cent, if the table has relative widths."""
        if not self.widths:
            return None
        total = sum(self.widths)
        return [round(100 * w / total, 1) for w in self.widths]


@dataclass
class Figure:
    kind = "figure"
    number: int
    caption: str
    chart: charts.ChartSpec
    alt: str
    table: tuple[list[str], list[list[str]]]
    source: str = ""
    stand: str = ""
    notes: list[str] = field(default_factory=list)
    narrative: str = ""

    @property
    def label(self) -> str:
        return f"Abbildung {self.number}: {self.caption}"


@dataclass
class Report:
    title: str
    subtitle: str
    municipality: str
    reporting_date: str
    blocks: list
    highlights: list[str]  # the narrative sentences, for speaker notes and summaries
    chapters: dict  # chapter anchor -> list of blocks (for the deck)
    deck: dict = field(
        default_factory=dict
    )  # condensed content for the slides (governance, meetings, fields)

    def headings(self, max_level: int = 2):
        return [b for b in self.blocks if isinstance(b, Heading) and b.level <= max_level]


# --- Formatting ---------------------------------------------------------------------------


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


# --- The builder --------------------------------------------------------------------------


class _Builder:
    def __init__(self, snapshot: dict, previous: dict | None, area: str | None = None):
        self.s = snapshot
        self.previous = previous
        self.labels = snapshot["labels"]
        self.blocks: list = []
        self.tables = 0
        self.figures = 0
        self.chapter_numbers = [0, 0, 0]
        self.highlights: list[str] = []
        self.chapters: dict = {}
        self._chapter: list | None = None
        self.indicators = {i["key"]: i for i in snapshot["indicators"]}
        self.sources = {s["key"]: s for s in snapshot["sources"]}
        self.areas = {a["key"]: a for a in snapshot["areas"]}
        self.dim_labels = {d["key"]: d["label"] for d in snapshot["dimensions"]}
        self.value_labels = {
            (d["key"], v["key"]): v["label"] for d in snapshot["dimensions"] for v in d["values"]
        }
        self.value_order = {
            (d["key"], v["key"]): i for d in snapshot["dimensions"] for i, v in enumerate(d["values"])
        }
        self.totals = {
            (d["key"], v["key"]) for d in snapshot["dimensions"] for v in d["values"] if v.get("total")
        }
        self.observations = defaultdict(list)
        for obs in snapshot["observations"]:
            self.observations[obs["indicator"]].append(obs)
        self._one_area_per_indicator(area)
        self.shown: dict[str, str] = {}  # indicator -> label of the figure/table that shows it
        self.fields = sorted(snapshot["fields_of_action"], key=lambda f: (f.get("order", 0), f["code"]))
        self.measures = snapshot["measures"]

    def _one_area_per_indicator(self, preferred: str | None = None):
        """The report speaks about the municipality: of an indicator with several areas it shows the
        municipality's own area (else its first own area); small areas belong to the portal, which
        may ask for a `preferred` area."""
        main = main_area(self.s)
        for key, rows in self.observations.items():
            areas = {o["area"] for o in rows}
            if len(areas) > 1:
                chosen = (
                    preferred
                    if preferred in areas
                    else main
                    if main in areas
                    else min(
                        areas,
                        key=lambda a: (
                            bool(self.areas.get(a, {}).get("comparison")),
                            self.areas.get(a, {}).get("order", 0),
                            a,
                        ),
                    )
                )
                self.observations[key] = [o for o in rows if o["area"] == chosen]

    # blocks
    def add(self, block):
        self.blocks.append(block)
        if self._chapter is not None:
            self._chapter.append(block)
        return block

    def heading(self, level: int, text: str, anchor: str, numbered: bool = True):
        number = ""
        if numbered:
            self.chapter_numbers[level - 1] += 1
            for deeper in range(level, len(self.chapter_numbers)):
                self.chapter_numbers[deeper] = 0
            number = ".".join(str(n) for n in self.chapter_numbers[:level])
        if level == 1:
            self._chapter = []
            self.chapters[anchor] = self._chapter
        return self.add(Heading(level, text, anchor, number))

    def table(self, caption, header, rows, numeric=None, **kwargs):
        """A numbered table; tables without a statistical source are the KI's own presentation."""
        self.tables += 1
        kwargs.setdefault("source", "Eigene Darstellung")
        kwargs["source"] = kwargs["source"] or "Eigene Darstellung"
        numeric = numeric or [False] + [True] * (len(header) - 1)
        return self.add(Table(self.tables, caption, header, rows, numeric, **kwargs))

    # chapters
    def build(self) -> Report:
        s = self.s
        municipality = s["municipality"]["name"]
        self.summary()
        self.mandate()
        self.data_chapter()
        self.fields_chapter()
        self.cross_cutting()
        self.changes()
        self.outlook()
        self.annex()
        return Report(
            title=s["title"],
            subtitle=s["concept"]["title"],
            municipality=municipality,
            reporting_date=german_date(s["reporting_date"]),
            blocks=self.blocks,
            highlights=self.highlights,
            chapters=self.chapters,
            deck=self.deck(),
        )

    def deck(self) -> dict:
        s = self.s
        bodies = {b["key"]: b["name"] for b in s["bodies"]}
        fields = []
        for f in self.fields:
            measures = [m for m in self.measures if m["field_of_action"] == f["code"]]
            fields.append(
                {
                    "code": f["code"],
                    "title": f["title"],
                    "priority": bool(f.get("priority")),
                    "measures": [
                        (m["key"], m["title"], self.status_label(m.get("status"))) for m in measures
                    ],
                    "results": [f"{m['key']}: {_clean(m['results'])}" for m in measures if m.get("results")],
                    "steps": [
                        _step_text(st)
                        for m in measures
                        for st in m.get("next_steps", [])
                        if not st.get("done")
                    ],
                }
            )
        return {
            "resolution": s["concept"].get("resolution_reference", ""),
            "governance": [
                (b["name"], _clean(b.get("role", "")), b.get("rhythm", ""))
                for b in s["bodies"]
                if b.get("role") or b.get("rhythm")
            ],
            "meetings": [
                (
                    f"{german_date(mt['date'])}: {mt['title']}",
                    list(mt.get("outcomes", [])),
                    [bodies.get(mt["body"], mt["body"])],
                )
                for mt in s["meetings"]
                if mt["date"] <= s["reporting_date"]
            ],
            "fields": fields,
            "contact": next(
                (b["name"] for b in s["bodies"] if b.get("kind") == "staff_unit"), s["municipality"]["name"]
            ),
        }

    def status_label(self, value: str) -> str:
        return self.labels["measure_status"].get(value or "unknown", value)

    def summary(self):
        self.heading(1, "Zusammenfassung", "zusammenfassung")
        counts = rollup.of_records(self.measures)["by_status"]
        self.add(
            Paragraph(
                f"Dieser Bericht beschreibt den Stand der Umsetzung zum {german_date(self.s['reporting_date'])}. "
                f"Grundlage ist das Konzept „{self.s['concept']['title']}“ mit {len(self.fields)} Handlungsfeldern "
                f"und {len(self.measures)} Maßnahmen.",
                "lead",
            )
        )
        self.add(Paragraph(narrative.status_sentence(dict(counts))))
        statuses = [v for v in self.labels["measure_status"] if counts.get(v)]
        rows = []
        for f in self.fields:
            mine = [m for m in self.measures if m["field_of_action"] == f["code"]]
            own = rollup.of_records(mine)["by_status"]
            rows.append(
                [f"{f['code']} {f['title']}", "ja" if f.get("priority") else "nein", str(sum(own.values()))]
                + [str(own.get(v, 0)) if own.get(v) else "–" for v in statuses]
            )
        rows.append(["Insgesamt", "", str(len(self.measures))] + [str(counts[v]) for v in statuses])
        self.table(
            "Stand der Maßnahmen nach Handlungsfeld",
            ["Handlungsfeld", "priorisiert", "Maßnahmen", *(self.status_label(v) for v in statuses)],
            rows,
            numeric=[False, False] + [True] * (1 + len(statuses)),
            stand=german_date(self.s["reporting_date"]),
            widths=[5.5, 1.7, 2] + [1.9] * len(statuses),
        )
        needs = [f for f in self.fields if any(m["field_of_action"] == f["code"] for m in self.measures)]
        if needs:
            self.add(
                Paragraph(
                    "Maßnahmen mit aktuellem Sachstand liegen für die Handlungsfelder "
                    + _join([f"{f['code']} ({f['title']})" for f in needs])
                    + " vor; sie werden in Kapitel 4 ausführlich dargestellt."
                )
            )

    def mandate(self):
        s = self.s
        concept = s["concept"]
        self.heading(1, "Auftrag und Vorgehen", "auftrag")
        resolution = "Der Rat hat das Integrationskonzept beschlossen"
        if concept.get("resolution_date"):
            resolution += f" am {german_date(concept['resolution_date'])}"
        if concept.get("resolution_reference"):
            resolution += f" (Vorlage {concept['resolution_reference']})"
        self.add(Paragraph(resolution + "."))
        if concept.get("summary"):
            self.add(Paragraph(_clean(concept["summary"])))
        self.heading(2, "Steuerungsstruktur", "steuerung")
        bodies = s["bodies"]
        rows = [
            [
                b["name"],
                self.labels["body_kind"].get(b["kind"], b["kind"]),
                _clean(b.get("role", "")) or "–",
                b.get("rhythm") or "–",
            ]
            for b in bodies
        ]
        self.table(
            "Gremien der Steuerung",
            ["Gremium", "Art", "Rolle", "Rhythmus"],
            rows,
            numeric=[False] * 4,
            stand=german_date(s["reporting_date"]),
            widths=[3, 2, 5, 1.6],
        )
        meetings = [mt for mt in s["meetings"] if mt["date"] <= s["reporting_date"]]
        if meetings:
            self.heading(2, "Sitzungen und Beteiligung", "sitzungen")
            bodies_by_key = {b["key"]: b["name"] for b in bodies}
            for mt in meetings:
                who = [bodies_by_key.get(mt["body"], mt["body"])] + [
                    bodies_by_key.get(k, k) for k in mt.get("other_bodies", [])
                ]
                self.add(Paragraph(f"{german_date(mt['date'])}: {mt['title']} ({_join(who)})", "strong"))
                if mt.get("outcomes"):
                    self.add(Bullets(list(mt["outcomes"])))

    def data_chapter(self):
        self.heading(1, "Datenlage", "datenlage")
        self.add(
            Paragraph(
                "Die Kennzahlen stammen aus amtlichen und kommunalen Statistiken. Jede Tabelle und Abbildung "
                "nennt ihre Quelle und ihren Stichtag. Werte, die aus Gründen der statistischen Geheimhaltung "
                "nicht veröffentlicht werden dürfen, sind mit einem Punkt (.) gekennzeichnet."
            )
        )
        general = [i for i in self.s["indicators"] if not i.get("fields_of_action")]
        simple = [i for i in general if self._is_simple(i)]
        if simple:
            self.key_figure_table(simple, "Basisdaten")
        for indicator in general:
            if indicator not in simple:
                self.indicator_block(indicator)

    def fields_chapter(self):
        self.heading(1, "Handlungsfelder", "handlungsfelder")
        goals = defaultdict(list)
        for g in self.s["goals"]:
            goals[g["field_of_action"]].append(g)
        strategic = {g["key"]: g for g in self.s["strategic_goals"]}
        for f in self.fields:
            self.heading(2, f"Handlungsfeld {f['code']}: {f['title']}", f"hf-{f['code'].lower()}")
            if f.get("description"):
                self.add(Paragraph(_clean(f["description"])))
            linked = [strategic[k]["title"] for k in f.get("strategic_goals", []) if k in strategic]
            if goals[f["code"]] or linked:
                self.heading(3, "Ziele", f"hf-{f['code'].lower()}-ziele")
                items = []
                for g in goals[f["code"]]:
                    text = g["title"]
                    if g.get("target_value") is not None or g.get("target_date"):
                        target = []
                        if g.get("target_value") is not None:
                            target.append(f"Zielwert {format_number(Decimal(g['target_value']))}")
                        if g.get("target_date"):
                            target.append(f"bis {german_date(g['target_date'])}")
                        text += f" ({', '.join(target)})"
                    items.append(text)
                if items:
                    self.add(Bullets(items))
                if linked:
                    self.add(
                        Paragraph("Verknüpfte strategische Verwaltungsziele: " + "; ".join(linked) + ".")
                    )
            measures = [m for m in self.measures if m["field_of_action"] == f["code"]]
            self.heading(3, "Maßnahmen", f"hf-{f['code'].lower()}-massnahmen")
            if not measures:
                self.add(
                    Paragraph(
                        "Für dieses Handlungsfeld sind zum Stichtag keine Maßnahmen mit Sachstand erfasst.",
                        "note",
                    )
                )
            else:
                self.measure_table(f, measures)
                for measure in measures:
                    self.measure_details(measure)
            indicators = [i for i in self.s["indicators"] if f["code"] in i.get("fields_of_action", [])]
            if indicators:
                self.heading(3, "Kennzahlen", f"hf-{f['code'].lower()}-kennzahlen")
                for indicator in indicators:
                    self.indicator_block(indicator)

    def measure_table(self, field_of_action, measures):
        controlling = [
            (name, label)
            for name, label in (
                ("participants", "Teilnehmende"),
                ("staff", "Personal (VZÄ)"),
                ("hours", "Stunden"),
                ("cost", "Kosten (EUR)"),
                ("funding", "Fördermittel (EUR)"),
            )
            if any(m.get(name) is not None for m in measures)
        ]
        rows = []
        for m in measures:
            light = self.labels["traffic_light"].get(m.get("traffic_light", ""), "")
            status = self.status_label(m.get("status"))
            if m.get("progress") is not None:
                status += f", {m['progress']} %"
            if light:
                status += f" (Ampel: {light})"
            period = " – ".join(german_date(m[k]) for k in ("start_date", "end_date") if m.get(k)) or "–"
            rows.append(
                [m["key"], m["title"], m.get("lead_unit") or "–", status, period]
                + [
                    format_number(Decimal(str(m[name])), 2 if name in ("cost", "funding") else None)
                    if m.get(name) is not None
                    else "–"
                    for name, _l in controlling
                ]
            )
        self.table(
            f"Maßnahmen im Handlungsfeld {field_of_action['code']}",
            ["Nr.", "Maßnahme", "Federführung", "Status", "Zeitraum", *(label for _n, label in controlling)],
            rows,
            numeric=[False] * 5 + [True] * len(controlling),
            stand=german_date(self.s["reporting_date"]),
            widths=[0.8, 4.5, 3, 2, 1.8] + [1.4] * len(controlling),
        )

    def measure_details(self, m):
        parts = []
        if m.get("description"):
            parts.append(("Beschreibung", _clean(m["description"])))
        if m.get("partners"):
            parts.append(("Beteiligte", _clean(m["partners"])))
        if m.get("programme"):
            parts.append(("Programm / Förderung", m["programme"]))
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

    def cross_cutting(self):
        points = [c for c in self.s["contact_points"] if c.get("published", True)]
        if not points:
            return
        self.heading(1, "Querschnittsthemen und Anlaufstellen", "querschnitt")
        self.add(
            Paragraph(
                f"Das Integrationsportal verzeichnet {len(points)} Anlaufstellen. Die folgende Übersicht zeigt, "
                "wie viele Anlaufstellen den einzelnen Handlungsfeldern zugeordnet sind."
            )
        )
        by_field = Counter(code for c in points for code in c.get("fields_of_action", []))
        rows = [[f"{f['code']} {f['title']}", str(by_field.get(f["code"], 0))] for f in self.fields]
        self.table(
            "Anlaufstellen nach Handlungsfeld",
            ["Handlungsfeld", "Anlaufstellen"],
            rows,
            stand=german_date(self.s["reporting_date"]),
            source="Integrationsportal, Verzeichnis der Anlaufstellen",
            widths=[5, 1.5],
        )

    def changes(self):
        self.heading(1, "Was hat sich seit dem letzten Bericht geändert?", "aenderungen")
        if not self.previous:
            self.add(
                Paragraph(
                    "Dies ist der erste Bericht; ein Vergleich mit einem früheren Bericht ist daher nicht möglich.",
                    "note",
                )
            )
            return
        prev = self.previous
        self.add(
            Paragraph(
                f"Vergleich mit dem Bericht „{prev['title']}“ (Stand {german_date(prev['reporting_date'])})."
            )
        )
        old = {m["key"]: m for m in prev["measures"]}
        new = {m["key"]: m for m in self.measures}
        added = [m for k, m in new.items() if k not in old]
        removed = [m for k, m in old.items() if k not in new]
        changed = [
            (old[k], m)
            for k, m in new.items()
            if k in old and old[k].get("status", "unknown") != m.get("status", "unknown")
        ]
        finished = rollup.of_records(m for o, m in changed)["finished"]
        items = []
        for m in added:
            items.append(f"Neue Maßnahme {m['key']}: {m['title']} ({self.status_label(m.get('status'))})")
        for o, m in changed:
            items.append(
                f"{m['key']} {m['title']}: Status von „{self.status_label(o.get('status'))}“ zu „{self.status_label(m.get('status'))}“"
            )
        for m in removed:
            items.append(f"Nicht mehr berichtet: {m['key']} {m['title']}")
        self.add(
            Paragraph(
                f"{count_phrase(len(added), 'neue Maßnahme', 'neue Maßnahmen')}, {count_phrase(finished, 'abgeschlossene oder verstetigte Maßnahme', 'abgeschlossene oder verstetigte Maßnahmen')}, "
                f"{count_phrase(len(changed), 'Statusänderung', 'Statusänderungen')}."
            )
        )
        if items:
            self.add(Bullets(items))
        old_dates = defaultdict(set)
        for obs in prev["observations"]:
            old_dates[obs["indicator"]].add(obs["date"])
        data_items = []
        for key, rows in self.observations.items():
            fresh = sorted({o["date"] for o in rows} - old_dates.get(key, set()))
            if fresh and key in self.indicators:
                data_items.append(
                    f"{self.indicators[key]['title']}: neue Werte zum Stichtag {stand_text(fresh)}"
                )
        if data_items:
            self.add(Paragraph("Neue Daten:", "strong"))
            self.add(Bullets(data_items))

    def outlook(self):
        self.heading(1, "Ausblick und Zeitplan", "ausblick")
        rows = []
        for m in self.measures:
            for step in m.get("next_steps", []):
                if not step.get("done"):
                    rows.append((step.get("due_date") or "9999", m["key"], step))
        rows.sort(key=lambda r: (r[0], r[1]))
        if rows:
            self.add(
                Paragraph(
                    f"Die Maßnahmen nennen {count_phrase(len(rows), 'offenen nächsten Schritt', 'offene nächste Schritte')}:"
                )
            )
            self.table(
                "Nächste Schritte und Zeitplan",
                ["Maßnahme", "Nächster Schritt", "Verantwortlich", "Bis"],
                [
                    [
                        key,
                        step["text"],
                        step.get("responsible") or "–",
                        german_date(step["due_date"]) if step.get("due_date") else "offen",
                    ]
                    for _d, key, step in rows
                ],
                numeric=[False, False, False, False],
                stand=german_date(self.s["reporting_date"]),
                widths=[1, 6, 2.5, 1.5],
            )
        else:
            self.add(Paragraph("Zum Stichtag sind keine offenen nächsten Schritte erfasst.", "note"))

    def annex(self):
        self.heading(1, "Anhang", "anhang")
        self.heading(2, "Indikatoren-Steckbriefe", "steckbriefe")
        for indicator in self.s["indicators"]:
            rows = self.observations.get(indicator["key"], [])
            items = [("Definition", _clean(indicator.get("definition", "")) or indicator["title"])]
            items.append(("Einheit", indicator.get("unit", "")))
            items.append(("Art", self.labels["indicator_kind"].get(indicator.get("kind", "count"), "")))
            if indicator.get("population_concept"):
                items.append(
                    (
                        "Bevölkerungskonzept",
                        self.labels["population_concept"].get(indicator["population_concept"], ""),
                    )
                )
            source = self.sources.get(indicator.get("source"))
            if source:
                items.append(("Quelle", source_text(source)))
                if source.get("url"):
                    items.append(("Fundstelle", source["url"]))
                if source.get("licence"):
                    items.append(("Lizenz", source["licence"]))
            if indicator.get("dimensions"):
                items.append(
                    ("Gliederung", ", ".join(self.dim_labels.get(d, d) for d in indicator["dimensions"]))
                )
            items.append(("Stichtage", stand_text(o["date"] for o in rows) or "keine Werte veröffentlicht"))
            if indicator["key"] in self.shown:
                items.append(("Dargestellt in", self.shown[indicator["key"]]))
            self.heading(3, indicator["title"], f"i-{indicator['key']}", numbered=False)
            self.add(Definitions(items))
        self.heading(2, "Zeichenerklärung", "zeichen")
        self.add(
            Definitions(
                [
                    ("–", "nichts vorhanden (genau null)"),
                    (".", "Zahlenwert unbekannt oder geheim zu halten"),
                    ("x", "Tabellenfach gesperrt, weil Aussage nicht sinnvoll"),
                    ("…", "Angabe fällt später an"),
                    ("/", "keine Angabe, da Zahlenwert nicht sicher genug"),
                    ("( )", "Aussagewert eingeschränkt"),
                    ("p", "vorläufige Zahl"),
                    ("r", "berichtigte Zahl"),
                ]
            )
        )
        self.heading(2, "Statistische Geheimhaltung", "geheimhaltung")
        self.add(
            Paragraph(
                "Einzelangaben über persönliche und sachliche Verhältnisse sind nach § 16 Bundesstatistikgesetz geheim "
                "zu halten. Kleine Fallzahlen (in der Regel 1 und 2) werden daher nicht veröffentlicht (primäre "
                "Geheimhaltung). Damit sie nicht aus Summen oder verknüpften Tabellen zurückgerechnet werden können, "
                "werden weitere Werte gesperrt (sekundäre Geheimhaltung). Gesperrte Werte sind mit einem Punkt (.) "
                "gekennzeichnet."
            )
        )

    # indicators
    def _is_simple(self, indicator) -> bool:
        rows = self.observations.get(indicator["key"], [])
        return bool(rows) and all(not o["dims"] for o in rows) and len({o["area"] for o in rows}) == 1

    def key_figure_table(self, indicators, caption):
        dates = sorted({o["date"] for i in indicators for o in self.observations[i["key"]]})
        rows, notes, sources = [], [], []
        for indicator in indicators:
            by_date = {o["date"]: o for o in self.observations[indicator["key"]]}
            label = indicator["title"] + (f" ({unit_label(indicator)})" if indicator.get("unit") else "")
            rows.append(
                [label]
                + [
                    format_value(by_date[d], indicator.get("decimals")) if d in by_date else "–"
                    for d in dates
                ]
            )
            source = source_text(self.sources.get(indicator.get("source")))
            if source and source not in sources:
                sources.append(source)
            self.highlight(indicator)
        table = self.table(
            caption,
            ["Kennzahl", *(german_date(d) for d in dates)],
            rows,
            source="; ".join(sources),
            stand=stand_text(dates),
            notes=notes,
        )
        for indicator in indicators:
            self.shown[indicator["key"]] = table.label
        sentences = [s for s in (self.sentence(i) for i in indicators) if s]
        if sentences:
            self.add(Paragraph(" ".join(sentences)))

    def sentence(self, indicator) -> str:
        rows = [o for o in self.observations.get(indicator["key"], []) if o.get("value") is not None]
        # Disaggregated indicators speak about their total (every dimension at its total value).
        rows = [o for o in rows if all((d, v) in self.totals for d, v in o["dims"].items())]
        if len({o["area"] for o in rows}) != 1 or len(rows) < 2:
            return ""
        points = sorted((datetime.date.fromisoformat(o["date"]), Decimal(o["value"])) for o in rows)
        kind = indicator.get("kind", "count")
        return narrative.change_sentence(
            narrative.subject_for(indicator["title"], kind),
            points,
            unit=indicator.get("unit", ""),
            is_share=kind in ("share", "rate") and indicator.get("unit") == "%",
            decimals=indicator.get("decimals"),
        )

    def highlight(self, indicator):
        text = self.sentence(indicator)
        if text:
            self.highlights.append(text)

    def indicator_block(self, indicator):
        key = indicator["key"]
        if key in self.shown:
            self.add(Paragraph(f"{indicator['title']}: siehe {self.shown[key]}.", "note"))
            return
        rows = self.observations.get(key, [])
        if not rows:
            self.add(
                Paragraph(
                    f"{indicator['title']}: Für diesen Indikator liegen zum Stichtag keine veröffentlichten Werte vor.",
                    "note",
                )
            )
            self.shown[key] = "keine Werte"
            return
        if self._is_simple(indicator):
            self.key_figure_table([indicator], indicator["title"])
            return
        source = source_text(self.sources.get(indicator.get("source")))
        dates = sorted({o["date"] for o in rows})
        views = [(indicator["title"], rows)]
        if len(dates) >= 3 and any(o["dims"] for o in rows):
            # A long disaggregated series: the total over time, and the breakdown at the latest date.
            totals = [
                dict(o, dims={}) for o in rows if all((d, v) in self.totals for d, v in o["dims"].items())
            ]
            latest = [o for o in rows if o["date"] == dates[-1]]
            views = [(indicator["title"], totals)] if len({o["date"] for o in totals}) >= 2 else []
            dims = [self.dim_labels.get(d, d) for d in indicator.get("dimensions", [])]
            views.append((f"{indicator['title']} nach {_join(dims)}, {german_date(dates[-1])}", latest))
        for caption, part in views:
            self.indicator_view(indicator, caption, part, source)
        self.highlight(indicator)

    def indicator_view(self, indicator, caption, rows, source):
        key = indicator["key"]
        view = _View(indicator, rows, self)
        stand = stand_text(o["date"] for o in rows)
        reasons = [o["suppressed"] for o in rows if o.get("suppressed")]
        notes = [footnote(reasons)] if reasons else []
        spec = view.chart(source, stand, caption)
        header, body = view.table()
        if spec is None:
            table = self.table(caption, header, body, source=source, stand=stand, notes=notes)
            self.shown.setdefault(key, table.label)
            return
        self.figures += 1
        alt = charts.alt_text(spec)
        hidden_in_chart = sum(1 for s in spec.series for v in s.values if v is None)
        if hidden_in_chart:
            alt += " " + alt_text_sentence(hidden_in_chart)
        sentence = self.sentence(indicator) if key not in self.shown else ""
        figure = self.add(
            Figure(self.figures, caption, spec, alt, (header, body), source, stand, notes, sentence)
        )
        self.shown.setdefault(key, figure.label)


class _View:
    """The observations of one indicator arranged for a table and a chart."""

    def __init__(self, indicator, rows, builder: _Builder):
        self.indicator = indicator
        self.b = builder
        self.rows = rows
        present = {d for o in rows for d in o["dims"]}
        self.dims = [d for d in indicator.get("dimensions", []) if d in present] or sorted(present)
        self.dates = sorted({o["date"] for o in rows})
        self.area_keys = sorted(
            {o["area"] for o in rows}, key=lambda a: (builder.areas.get(a, {}).get("order", 0), a)
        )
        self.decimals = indicator.get("decimals")

    def values_of(self, dim):
        present = {o["dims"].get(dim) for o in self.rows if dim in o["dims"]}
        return sorted(present, key=lambda v: (self.b.value_order.get((dim, v), 999), v))

    def label(self, dim, value):
        return self.b.value_labels.get((dim, value), value)

    def is_total(self, dim, value):
        return (dim, value) in self.b.totals

    def lookup(self, **fixed):
        for o in self.rows:
            if all((o["dims"].get(k) if k not in ("date", "area") else o[k]) == v for k, v in fixed.items()):
                return o
        return None

    def table(self):
        ind = self.indicator
        unit = unit_label(ind)
        if len(self.dims) == 1 and len(self.area_keys) == 1:
            dim = self.dims[0]
            header = [self.b.dim_labels.get(dim, dim), *(german_date(d) for d in self.dates)]
            body = []
            for value in self.values_of(dim):
                body.append(
                    [self.label(dim, value)]
                    + [_cell(self.lookup(**{dim: value, "date": d}), self.decimals) for d in self.dates]
                )
            if len(self.dates) == 1:
                header = [header[0], f"{ind.get('unit', '')}".strip() or "Wert"]
            return header, body
        if len(self.dims) == 2 and len(self.area_keys) == 1 and len(self.dates) == 1:
            row_dim, col_dim = self.dims[1], self.dims[0]
            cols = self.values_of(col_dim)
            header = [self.b.dim_labels.get(row_dim, row_dim), *(self.label(col_dim, c) for c in cols)]
            body = [
                [self.label(row_dim, r)]
                + [_cell(self.lookup(**{row_dim: r, col_dim: c}), self.decimals) for c in cols]
                for r in self.values_of(row_dim)
            ]
            return header, body
        if not self.dims and len(self.area_keys) == 1:
            header = ["Stichtag", unit or "Wert"]
            return header, [
                [german_date(o["date"]), format_value(o, self.decimals)]
                for o in sorted(self.rows, key=lambda o: o["date"])
            ]
        # general long form
        header = ["Gebiet", "Stichtag", *(self.b.dim_labels.get(d, d) for d in self.dims), unit or "Wert"]
        body = [
            [
                self.b.areas.get(o["area"], {}).get("name", o["area"]),
                german_date(o["date"]),
                *(self.label(d, o["dims"].get(d, "")) for d in self.dims),
                format_value(o, self.decimals),
            ]
            for o in self.rows
        ]
        return header, body

    def chart(self, source, stand, title) -> charts.ChartSpec | None:
        """The chart of the view, or None when a table says it better (too few published values)."""
        spec = self._chart(source, stand, title)
        if spec is None or sum(1 for s in spec.series for v in s.values if v is not None) < 2:
            return None
        return spec

    def _chart(self, source, stand, title) -> charts.ChartSpec | None:
        ind = self.indicator
        common = dict(
            unit=ind.get("unit", ""), decimals=self.decimals or 0, source=source, reference_date=stand
        )
        if len(self.area_keys) != 1:
            if not self.dims and len(self.dates) == 1:
                cats = [self.b.areas.get(a, {}).get("name", a) for a in self.area_keys]
                values = tuple(_num(self.lookup(area=a)) for a in self.area_keys)
                return charts.ChartSpec(
                    "bar", title, tuple(cats), (charts.Series(stand, values),), horizontal=True, **common
                )
            return None
        if not self.dims:
            if len(self.dates) >= 3:
                values = tuple(_num(self.lookup(date=d)) for d in self.dates)
                return charts.ChartSpec(
                    "line",
                    title,
                    tuple(german_date(d) for d in self.dates),
                    (charts.Series(title, values),),
                    **common,
                )
            return None
        if len(self.dims) == 1:
            dim = self.dims[0]
            parts = [v for v in self.values_of(dim) if not self.is_total(dim, v)]
            parts = self._top_parts(dim, parts)
            if not parts:
                return None
            labels = tuple(self.label(dim, v) for v in parts)
            if len(self.dates) == 1:
                values = tuple(_num(self.lookup(**{dim: v})) for v in parts)
                adds_up = self._adds_up(dim, parts)
                if 2 <= len(parts) <= 5 and adds_up and all(v is not None for v in values):
                    return charts.ChartSpec("donut", title, labels, (charts.Series(stand, values),), **common)
                return charts.ChartSpec(
                    "bar",
                    title,
                    labels,
                    (charts.Series(stand, values),),
                    horizontal=max(map(len, labels)) > 14,
                    **common,
                )
            series = tuple(
                charts.Series(
                    self.label(dim, v), tuple(_num(self.lookup(**{dim: v, "date": d})) for d in self.dates)
                )
                for v in parts
            )
            kind = "stacked_bar" if self._adds_up(dim, parts) else "grouped_bar"
            return charts.ChartSpec(kind, title, tuple(german_date(d) for d in self.dates), series, **common)
        if len(self.dims) == 2 and len(self.dates) == 1:
            series_dim, cat_dim = self.dims[0], self.dims[1]
            cats = self._top_parts(
                cat_dim, [v for v in self.values_of(cat_dim) if not self.is_total(cat_dim, v)]
            )
            if not cats:
                return None
            series = tuple(
                charts.Series(
                    self.label(series_dim, s),
                    tuple(_num(self.lookup(**{series_dim: s, cat_dim: c})) for c in cats),
                )
                for s in self.values_of(series_dim)
            )
            return charts.ChartSpec(
                "grouped_bar",
                title,
                tuple(self.label(cat_dim, c) for c in cats),
                series,
                horizontal=True,
                **common,
            )
        return None

    def _top_parts(self, dim, parts):
        """Without subtotals: keep the parts of the part-sum rule on the dimension's total, if there is one."""
        for rule in self.indicator.get("rules", []):
            if (
                rule.get("kind") == "part_sum"
                and rule.get("dimension") == dim
                and rule.get("parts")
                and self.is_total(dim, rule.get("total"))
            ):
                return [p for p in parts if p in rule["parts"]]
        return parts

    def _adds_up(self, dim, parts) -> bool:
        """Do the parts make up a whole (so that a pie or stacked bar is honest)? For counts a part-sum
        rule says so; for shares the published values must add up to 100 % at every date."""
        if self.indicator.get("kind") == "share":
            for date in self.dates:
                values = [_num(self.lookup(**{dim: v, "date": date})) for v in parts]
                if any(v is None for v in values) or abs(sum(values) - 100) > Decimal("1.5"):
                    return False
            return True
        return any(
            r.get("kind") == "part_sum"
            and r.get("dimension") == dim
            and self.is_total(dim, r.get("total"))
            and set(r.get("parts") or parts) == set(parts)
            for r in self.indicator.get("rules", [])
        )


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


def _step_text(step) -> str:
    text = step["text"]
    extra = []
    if step.get("responsible"):
        extra.append(f"verantwortlich: {step['responsible']}")
    if step.get("due_date"):
        extra.append(f"bis {german_date(step['due_date'])}")
    return f"{text} ({'; '.join(extra)})" if extra else text


def main_area(snapshot: dict) -> str | None:
    """The key of the municipality's own area."""
    ags = snapshot["municipality"].get("ags", "")
    return next(
        (a["key"] for a in snapshot["areas"] if ags and (a["key"] == ags or a.get("code") == ags)), None
    )


def indicator_blocks(snapshot: dict, key: str, area: str | None = None) -> list:
    """The figures and tables of one indicator, as the report shows them (for the portal)."""
    builder = _Builder(snapshot, None, area=area)
    builder.indicator_block(builder.indicators[key])
    return builder.blocks


def sentence(snapshot: dict, key: str) -> str:
    """The narrative sentence of one indicator ('' without two reference dates)."""
    builder = _Builder(snapshot, None)
    return builder.sentence(builder.indicators[key])


def build(snapshot: dict, previous: dict | None = None) -> Report:
    """The report of a snapshot (and the comparison with the previous one)."""
    return _Builder(snapshot, previous).build()
