"""The report's chapters around the fields of action: summary, mandate and governance, contact points,
changes since the last report, outlook and annex."""

from collections import Counter, defaultdict

from imon.core import editions, periods, rollup

from .. import narrative
from ..narrative import count_phrase, resolution_sentence
from ..narrative import format_date as german_date
from .blocks import Bullets, Definitions, Paragraph
from .formatting import _clean, _join, source_text, stand_text
from .state import _State


class _Chapters(_State):
    """The chapters of the report (mixed into the builder)."""

    def summary(self):
        self.heading(1, "Zusammenfassung", "zusammenfassung")
        counts = rollup.of_records(self.measures)["by_status"]
        self.add(
            Paragraph(
                f"Dieser Bericht beschreibt den Stand der Umsetzung zum {german_date(self.s['reporting_date'])}. "
                f"Grundlage ist das Konzept „{self.s['concept']['title']}“ ({self.vocab.fields}: {len(self.fields)}, "
                f"Maßnahmen: {len(self.measures)}).",
                "lead",
            )
        )
        self.add(Paragraph(narrative.status_sentence(dict(counts))))
        statuses = [v for v in self.labels["measure_status"] if counts.get(v)]
        rows = []
        for f in self.fields:
            mine = self.measures_of(f["code"])
            own = rollup.of_records(mine)["by_status"]
            rows.append(
                [f"{f['code']} {f['title']}", "ja" if f.get("priority") else "nein", str(sum(own.values()))]
                + [str(own.get(v, 0)) if own.get(v) else "–" for v in statuses]
            )
        rows.append(["Insgesamt", "", str(len(self.measures))] + [str(counts[v]) for v in statuses])
        self.table(
            f"Stand der Maßnahmen je {self.vocab.field}",
            [self.vocab.field, "priorisiert", "Maßnahmen", *(self.status_label(v) for v in statuses)],
            rows,
            numeric=[False, False] + [True] * (1 + len(statuses)),
            stand=german_date(self.s["reporting_date"]),
            widths=[5.5, 1.7, 2] + [1.9] * len(statuses),
        )
        if any(m.get("also_fields_of_action") for m in self.measures):
            self.add(
                Paragraph(
                    f"Querschnittsmaßnahmen erscheinen unter allen {self.vocab.fields}, denen sie dienen; "
                    "in der Zeile „Insgesamt“ zählen sie nur einmal.",
                    "note",
                )
            )
        needs = [f for f in self.fields if self.measures_of(f["code"])]
        if needs:
            self.add(
                Paragraph(
                    f"Maßnahmen mit aktuellem Sachstand liegen vor für: {self.vocab.fields} "
                    + _join([f"{f['code']} ({f['title']})" for f in needs])
                    + "; sie werden in Kapitel 4 ausführlich dargestellt."
                )
            )

    def mandate(self):
        s = self.s
        concept = s["concept"]
        self.heading(1, "Auftrag und Vorgehen", "auftrag")
        self.add(Paragraph(resolution_sentence(self.vocab.council, concept, self.vocab.document)))
        self.edition()
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
                when = periods.format_span(mt["date"], mt.get("end_date"))
                self.add(Paragraph(f"{when}: {mt['title']} ({_join(who)})", "strong"))
                if mt.get("outcomes"):
                    self.add(Bullets(list(mt["outcomes"])))

    def edition(self):
        """Which edition of the concept the report follows, and what its update changed."""
        latest = editions.current(self.s)
        if latest is None:
            return
        text = f"Dieser Bericht folgt der Fassung „{latest['title']}“"
        decided = (
            [f"beschlossen am {german_date(latest['resolution_date'])}"]
            if latest.get("resolution_date")
            else []
        )
        if latest.get("resolution_reference"):
            decided.append(latest["resolution_reference"])
        self.add(Paragraph(text + (f" ({'; '.join(decided)})." if decided else ".")))
        change = editions.changes(self.s)
        if change is None:
            return
        names = {
            "fields_of_action": (self.vocab.field, self.vocab.fields),
            "goals": (self.vocab.goal, self.vocab.goals),
            "measures": ("Maßnahme", "Maßnahmen"),
        }

        def counted(counts):
            return _join([count_phrase(counts[s], *names[s]) for s in editions.SECTIONS if counts[s]])

        def label(section, record):
            if section == "fields_of_action":
                return f"{names[section][0]} {record['code']} {record['title']}"
            return f"{names[section][0]} {record['key']}: {record['title']}"

        sentences = [
            f"{word} {counted(counts)}"
            for word, counts in (
                ("neu aufgenommen", {s: len(records) for s, records in change.added.items()}),
                ("entfallen", {s: len(records) for s, records in change.retired.items()}),
                ("übernommen", change.carried_over),
            )
            if any(counts.values())
        ]
        if sentences:
            self.add(
                Paragraph(
                    f"Gegenüber der Fassung „{change.previous['title']}“: " + "; ".join(sentences) + "."
                )
            )
        items = [f"Neu: {label(s, r)}" for s in editions.SECTIONS for r in change.added[s]]
        items += [f"Entfallen: {label(s, r)}" for s in editions.SECTIONS for r in change.retired[s]]
        if items:
            self.add(Bullets(items))

    def cross_cutting(self):
        points = [c for c in self.s["contact_points"] if c.get("published", True)]
        if not points:
            return
        self.heading(1, "Querschnittsthemen und Anlaufstellen", "querschnitt")
        self.add(
            Paragraph(
                f"Das Integrationsportal verzeichnet {len(points)} Anlaufstellen. Die folgende Übersicht zeigt, "
                f"wie viele Anlaufstellen jedem Eintrag der {self.vocab.fields} zugeordnet sind."
            )
        )
        by_field = Counter(code for c in points for code in c.get("fields_of_action", []))
        rows = [[f"{f['code']} {f['title']}", str(by_field.get(f["code"], 0))] for f in self.fields]
        self.table(
            f"Anlaufstellen je {self.vocab.field}",
            [self.vocab.field, "Anlaufstellen"],
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
        for k, m in new.items():
            if k in old:
                what = measure_changes(old[k], m, self.labels)
                if what:
                    items.append(f"{m['key']} {m['title']}: {'; '.join(what)}")
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


def measure_changes(old: dict, new: dict, labels: dict) -> list[str]:
    """What changed in a measure between two reports, in words: status, traffic light, progress,
    and its next steps (new ones, finished ones)."""
    status, light = labels.get("measure_status", {}), labels.get("traffic_light", {})
    said = []
    if old.get("status", "unknown") != new.get("status", "unknown"):
        said.append(
            f"Status von „{status.get(old.get('status') or 'unknown', old.get('status'))}“ "
            f"zu „{status.get(new.get('status') or 'unknown', new.get('status'))}“"
        )
    if (old.get("traffic_light") or "") != (new.get("traffic_light") or ""):
        before = light.get(old.get("traffic_light") or "", "") or "keine"
        after = light.get(new.get("traffic_light") or "", "") or "keine"
        said.append(f"Ampel von „{before}“ zu „{after}“")
    if old.get("progress") != new.get("progress") and new.get("progress") is not None:
        before = "–" if old.get("progress") is None else f"{old['progress']} %"
        said.append(f"Fortschritt von {before} auf {new['progress']} %")
    old_steps = {s.get("key"): s for s in old.get("next_steps", [])}
    new_steps = [s for s in new.get("next_steps", []) if s.get("key") not in old_steps]
    done = [
        s
        for s in new.get("next_steps", [])
        if s.get("done") and s.get("key") in old_steps and not old_steps[s["key"]].get("done")
    ]
    if new_steps:
        said.append(count_phrase(len(new_steps), "neuer nächster Schritt", "neue nächste Schritte"))
    if done:
        said.append(count_phrase(len(done), "nächster Schritt erledigt", "nächste Schritte erledigt"))
    return said
