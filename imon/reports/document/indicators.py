"""The indicators in the report: the data chapter, key-figure tables, one indicator's figures and
tables, and its narrative sentence."""

import datetime
from decimal import Decimal

from imon.publication.suppression import alt_text_sentence, footnote

from .. import charts, comparison, maps, narrative
from ..narrative import format_date as german_date
from .blocks import Figure, Paragraph
from .formatting import (
    _join,
    date_labels,
    format_value,
    office_marks,
    rows_source,
    shown_date,
    source_text,
    stand_text,
    unit_label,
)
from .indicator_view import _View
from .state import _State


class _Indicators(_State):
    """The indicators' blocks (mixed into the builder)."""

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

    # indicators
    def _is_simple(self, indicator) -> bool:
        rows = self.observations.get(indicator["key"], [])
        return bool(rows) and all(not o["dims"] for o in rows) and len({o["area"] for o in rows}) == 1

    def key_figure_table(self, indicators, caption, compare: bool = True):
        dates = sorted({o["date"] for i in indicators for o in self.observations[i["key"]]})
        labels = date_labels(o for i in indicators for o in self.observations[i["key"]])
        rows: list[list[str]] = []
        notes: list[str] = []
        sources: list[str] = []
        marks = []
        for indicator in indicators:
            by_date = {o["date"]: o for o in self.observations[indicator["key"]]}
            label = self.titled(indicator) + (f" ({unit_label(indicator)})" if indicator.get("unit") else "")
            rows.append(
                [label]
                + [
                    format_value(by_date[d], indicator.get("decimals")) if d in by_date else "–"
                    for d in dates
                ]
            )
            for source in rows_source(self.sources, indicator, by_date.values()).split("; "):
                if source and source not in sources:
                    sources.append(source)
            legend = office_marks(self.sources, indicator, by_date.values())
            if legend and legend not in marks:
                marks.append(legend)
            self.highlight(indicator)
        reasons = [
            o["suppressed"] for i in indicators for o in self.observations[i["key"]] if o.get("suppressed")
        ]
        if footnote(reasons):
            notes.append(footnote(reasons))
        notes.extend(marks)
        table = self.table(
            caption,
            ["Kennzahl", *(labels.get(d) or shown_date(d) for d in dates)],
            rows,
            source="; ".join(sources),
            stand=stand_text(dates, labels),
            notes=notes,
        )
        for indicator in indicators:
            self.shown[indicator["key"]] = table.label
        sentences = [s for s in (self.sentence(i) for i in indicators) if s]
        if sentences:
            self.add(Paragraph(" ".join(sentences)))
        for indicator in indicators:
            if compare:
                self.comparison_blocks(indicator)

    def areas_table(self, indicator) -> bool:
        """The values of every area that has one (latest three dates), for an indicator without
        breakdowns that the city itself has no value of: no single district stands in for the city.
        False where there is no such table to draw."""
        key = indicator["key"]
        rows = [
            o
            for o in self.all_rows.get(key, [])
            if not o["dims"] and not self.areas.get(o["area"], {}).get("comparison")
        ]
        areas = sorted({o["area"] for o in rows}, key=lambda a: (self.areas.get(a, {}).get("order", 0), a))
        if len(areas) < 2:
            return False
        dates = sorted({o["date"] for o in rows})[-3:]
        by_cell = {(o["area"], o["date"]): o for o in rows}
        self.table(
            f"{indicator['title']} nach Gebiet"
            + (f" ({unit_label(indicator)})" if indicator.get("unit") else ""),
            ["Gebiet", *(shown_date(d) for d in dates)],
            [
                [self.areas.get(a, {}).get("name", a)]
                + [
                    format_value(by_cell[(a, d)], indicator.get("decimals")) if (a, d) in by_cell else "–"
                    for d in dates
                ]
                for a in areas
            ],
            source=source_text(self.sources.get(indicator.get("source"))),
            stand=stand_text(dates),
        )
        return True

    def sentence(self, indicator) -> str:
        rows = self.observations.get(indicator["key"], [])
        suffix = self.area_suffix(indicator)
        return self.once(
            ("sentence", indicator["key"], suffix), rows, lambda: self._sentence(indicator, suffix)
        )

    def _sentence(self, indicator, suffix: str) -> str:
        # Only exact values: "stieg von rund 1.100 auf rund 1.200 (+9,1 %)" would invent precision.
        # Disaggregated indicators speak about their total (every dimension at its total value).
        rows = [
            o
            for o in self.at_totals(self.observations.get(indicator["key"], []))
            if o.get("value") is not None and not o.get("qualifier")
        ]
        if len({o["area"] for o in rows}) != 1 or len(rows) < 2:
            return ""
        points = sorted((datetime.date.fromisoformat(o["date"]), Decimal(o["value"])) for o in rows)
        kind = indicator.get("kind", "count")
        return narrative.change_sentence(
            narrative.subject_for(indicator["title"], kind) + suffix,
            points,
            unit=indicator.get("unit", ""),
            is_share=kind in ("share", "rate") and indicator.get("unit") == "%",
            decimals=indicator.get("decimals"),
        )

    def highlight(self, indicator):
        if not self.narrate:
            return
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
            self.key_figure_table([indicator], self.titled(indicator))
            return
        source = source_text(self.sources.get(indicator.get("source")))
        dates = sorted({o["date"] for o in rows})
        title = self.titled(indicator)
        views = [(title, rows)]
        if len(dates) >= 3 and any(o["dims"] for o in rows):
            # A long disaggregated series: the total over time, and the breakdown at the latest date.
            totals = self.at_totals(rows)
            latest = [o for o in rows if o["date"] == dates[-1]]
            views = [(title, totals)] if len({o["date"] for o in totals}) >= 2 else []
            dims = [self.dim_labels.get(d, d) for d in indicator.get("dimensions", [])]
            views.append((f"{title} nach {_join(dims)}, {german_date(dates[-1])}", latest))
        for caption, part in views:
            self.indicator_view(indicator, caption, part, source)
        self.highlight(indicator)
        self.comparison_blocks(indicator)

    def at_totals(self, rows: list) -> list[dict]:
        """The rows where every dimension is at its total, without their dimensions."""
        return self.once(
            ("at totals",),
            rows,
            lambda: [dict(o, dims={}) for o in rows if self.totals.issuperset(o["dims"].items())],
        )

    def time_series(self, indicator, by_area: bool = False):
        """How an indicator developed over its reference dates, where it has two or more: the
        areas side by side over the latest three dates (`by_area`), the key-figure table of a
        simple indicator, the total over time of a disaggregated series of three or more dates,
        else every value over time (what `indicator_block` shows first)."""
        key = indicator["key"]
        rows = self.observations.get(key, [])
        if by_area:
            self.areas_table(indicator)
            return
        dates = sorted({o["date"] for o in rows})
        if len(dates) < 2:
            return
        title = self.titled(indicator)
        if self._is_simple(indicator):
            self.key_figure_table([indicator], f"{title} im Zeitverlauf", compare=False)
            return
        if len(dates) >= 3 and any(o["dims"] for o in rows):
            totals = self.at_totals(rows)
            if len({o["date"] for o in totals}) >= 2:
                rows = totals
        source = source_text(self.sources.get(indicator.get("source")))
        self.indicator_view(indicator, f"{title} im Zeitverlauf", rows, source)

    def district_map(self, indicator):
        """A map of the city's own areas shaded by the indicator's latest value, where the
        municipality loaded their outlines (`imon load-geometry`) and at least three have a value;
        the figure's table is the alternative to the picture."""
        geometry = self.s.get("geometry") or {}
        shapes = geometry.get("shapes") or {}
        key = indicator["key"]
        if not shapes or key in self.mapped:
            return
        every = self.all_rows.get(key, [])
        rows = self.once(
            ("mapped rows",),
            every,
            lambda: [o for o in every if o["area"] in shapes and self.totals.issuperset(o["dims"].items())],
        )
        if not rows:
            return
        latest = max(o["date"] for o in rows)
        values = {o["area"]: o.get("value") for o in rows if o["date"] == latest}
        if sum(v is not None for v in values.values()) < 3:
            return
        self.mapped.add(key)
        kinds = {self.areas.get(a, {}).get("kind") for a in values}
        drawn = sorted(
            (a for a in shapes if self.areas.get(a, {}).get("kind") in kinds),
            key=lambda a: (self.areas.get(a, {}).get("order", 0), a),
        )
        stand = german_date(latest)
        spec = charts.ChartSpec(
            "map",
            f"{indicator['title']}, {stand}",
            tuple(self.areas.get(a, {}).get("name", a) for a in drawn),
            (
                charts.Series(
                    stand, tuple(Decimal(values[a]) if values.get(a) is not None else None for a in drawn)
                ),
            ),
            unit=indicator.get("unit", ""),
            decimals=indicator.get("decimals") or 0,
            codes=tuple(drawn),
            shapes=tuple((a, tuple(tuple(ring) for ring in shapes[a])) for a in drawn),
            credit=", ".join(geometry.get("sources") or []),
        )
        self._figure(spec, source_text(self.sources.get(indicator.get("source"))), stand, "")

    def comparison_blocks(self, indicator):
        """The city beside its Land, Germany and its peers: a bar chart with the city set apart,
        the position in words, and a map of the Land's Kreise where enough of them have figures."""
        key = indicator["key"]
        self.district_map(indicator)
        if self.area_of.get(key) != self.own_area:
            return  # the figures shown are a district's: a comparison would not be about them
        rows = self.all_rows.get(key, [])
        result = self.once(
            ("comparison", key, self.own_area),
            rows,
            lambda: comparison.compare(
                indicator, rows, self.areas, self.own_area, frozenset(self.totals), self.rows_by_area(key)
            ),
        )
        if result is None:
            return
        unit, decimals = indicator.get("unit", ""), indicator.get("decimals")
        source = source_text(self.sources.get(indicator.get("source")))
        stand = comparison.german_date(result)
        sentence = comparison.sentences(result, unit, decimals, indicator.get("kind", "count"))
        regions = result.chart_regions
        common = dict(unit=unit, decimals=decimals or 0, source=source, reference_date=stand)
        caption = f"{indicator['title']}: {result.city.name} im Vergleich, {stand}"
        spec = charts.ChartSpec(
            "bar",
            caption,
            tuple(r.name for r in regions),
            (charts.Series(stand, tuple(r.value for r in regions)),),
            horizontal=True,
            highlight=regions.index(result.city),
            dimension="Gebiet",
            **common,
        )
        if sum(1 for r in regions if r.value is not None) >= 2:
            self._figure(spec, source, stand, sentence)
        elif sentence:
            self.add(Paragraph(sentence))
        mapped = [r for r in result.kreise if r.value is not None]
        if len(mapped) >= comparison.MIN_MAPPED:
            land = f" in {result.land_name}" if result.land_name else ""
            names = tuple(r.name for r in result.kreise)
            codes = tuple(r.kreis for r in result.kreise)
            city_index = codes.index(result.city.kreis) if result.city.kreis in codes else None
            spec = charts.ChartSpec(
                "map",
                f"{indicator['title']} nach Kreisen und kreisfreien Städten{land}, {stand}",
                names,
                (charts.Series(stand, tuple(r.value for r in result.kreise)),),
                highlight=city_index,
                codes=codes,
                region=result.land_key,
                **common,
            )
            self._figure(spec, source, stand, "")

    def _figure(self, spec, source, stand, sentence):
        self.figures += 1
        header, body = charts.data_table(spec)
        notes = []
        if spec.kind == "map":
            credit = spec.credit if spec.shapes else f"{maps.attribution()}, dl-de/by-2-0"
            notes = [f"Kartengrundlage: {credit}."] if credit else []
        self.add(
            Figure(
                self.figures,
                spec.title,
                spec,
                charts.alt_text(spec),
                (header, body),
                source,
                stand,
                notes,
                sentence,
            )
        )

    def indicator_view(self, indicator, caption, rows, source):
        key = indicator["key"]
        view = _View(indicator, rows, self)
        stand = stand_text((o["date"] for o in rows), view.date_labels)
        source = rows_source(self.sources, indicator, rows) or source
        reasons = [o["suppressed"] for o in rows if o.get("suppressed")]
        notes = [footnote(reasons)] if reasons else []
        legend = office_marks(self.sources, indicator, rows)
        if legend:
            notes.append(legend)
        spec = view.chart(source, stand, caption)
        header, body = view.table()
        composition = view.composition()
        drawn = self.compositions.get(composition) if composition else None
        if drawn:
            # The same parts of the same whole are drawn already (counts there, shares here, or
            # the other way round): the values as a table, the picture is not repeated.
            notes.append(f"Die Verteilung zeigt {drawn}.")
            spec = None
        if spec is None:
            table = self.table(caption, header, body, source=source, stand=stand, notes=notes)
            self.shown.setdefault(key, table.label)
            return
        self.figures += 1
        alt = charts.alt_text(spec)
        # Only our own suppression is "for reasons of statistical confidentiality", not an office's mark.
        ours = sum(1 for o in rows if o.get("suppressed"))
        hidden_in_chart = min(ours, sum(1 for s in spec.series for v in s.values if v is None))
        if hidden_in_chart:
            alt += " " + alt_text_sentence(hidden_in_chart)
        sentence = self.sentence(indicator) if key not in self.shown else ""
        figure = self.add(
            Figure(self.figures, caption, spec, alt, (header, body), source, stand, notes, sentence)
        )
        self.shown.setdefault(key, figure.label)
        if composition:
            self.compositions[composition] = f"Abbildung {figure.number}"
