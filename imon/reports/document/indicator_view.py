"""The observations of one indicator arranged for a table and a chart."""

from decimal import Decimal

from .. import charts
from .formatting import _cell, _num, date_labels, date_text, format_value, shown_date, unit_label


class _View:
    """The observations of one indicator arranged for a table and a chart."""

    def __init__(self, indicator, rows, builder):
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
        self.date_labels = date_labels(rows)

    def date_label(self, date) -> str:
        return self.date_labels.get(date) or shown_date(date)

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
            header = [self.b.dim_labels.get(dim, dim), *(self.date_label(d) for d in self.dates)]
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
                [date_text(o), format_value(o, self.decimals)]
                for o in sorted(self.rows, key=lambda o: o["date"])
            ]
        # general long form
        header = ["Gebiet", "Stichtag", *(self.b.dim_labels.get(d, d) for d in self.dims), unit or "Wert"]
        body = [
            [
                self.b.areas.get(o["area"], {}).get("name", o["area"]),
                date_text(o),
                *(self.label(d, o["dims"].get(d, "")) for d in self.dims),
                format_value(o, self.decimals),
            ]
            for o in self.rows
        ]
        return header, body

    def composition(self) -> tuple | None:
        """What a chart of a whole and its parts shows, independent of whether it draws counts or
        shares: the population, source, area, breakdown and dates. The counts of a whole by age
        and the shares of the ages in it make one picture, which a report draws once. None where
        the view is not the parts of a whole."""
        if len(self.dims) != 1 or len(self.area_keys) != 1:
            return None
        dim = self.dims[0]
        parts = self._top_parts(dim, [v for v in self.values_of(dim) if not self.is_total(dim, v)])
        if not parts or not self._adds_up(dim, parts):
            return None
        ind = self.indicator
        population = ind.get("population_concept") or ind.get("key")
        return (population, ind.get("source"), self.area_keys[0], dim, tuple(parts), tuple(self.dates))

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
                    "bar",
                    title,
                    tuple(cats),
                    (charts.Series(stand, values),),
                    horizontal=True,
                    dimension="Gebiet",
                    **common,
                )
            return None
        if not self.dims:
            if len(self.dates) >= 3:
                values = tuple(_num(self.lookup(date=d)) for d in self.dates)
                return charts.ChartSpec(
                    "line",
                    title,
                    tuple(self.date_label(d) for d in self.dates),
                    (charts.Series(title, values),),
                    time_axis=True,
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
            dimension = self.b.dim_labels.get(dim, dim)
            if len(self.dates) == 1:
                # A breakdown at one date is a bar chart; where the parts make up a whole, each bar
                # is labelled with its share too (no pie: lengths compare better than angles).
                values = tuple(_num(self.lookup(**{dim: v})) for v in parts)
                return charts.ChartSpec(
                    "bar",
                    title,
                    labels,
                    (charts.Series(stand, values),),
                    horizontal=max(map(len, labels)) > 14,
                    dimension=dimension,
                    shares=self._adds_up(dim, parts),
                    **common,
                )
            series = tuple(
                charts.Series(
                    self.label(dim, v), tuple(_num(self.lookup(**{dim: v, "date": d})) for d in self.dates)
                )
                for v in parts
            )
            # Over time: counts that make up a whole stack up; shares over three or more dates
            # are lines (one per part), over two dates bars side by side.
            if self.indicator.get("kind") == "share" or not self._adds_up(dim, parts):
                kind = "line" if len(self.dates) >= 3 else "grouped_bar"
            else:
                kind = "stacked_bar"
            return charts.ChartSpec(
                kind,
                title,
                tuple(shown_date(d) for d in self.dates),
                series,
                dimension=dimension,
                time_axis=True,
                **common,
            )
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
                dimension=self.b.dim_labels.get(cat_dim, cat_dim),
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
        rule says so, and where the total is published the parts shown must add up to it at every
        date (an incomplete table, 5 of 10 lists, must not make a pie of its own total); for shares
        the published values must add up to 100 % at every date."""
        if self.indicator.get("kind") == "share":
            for date in self.dates:
                values = [_num(self.lookup(**{dim: v, "date": date})) for v in parts]
                if any(v is None for v in values) or abs(sum(values) - 100) > Decimal("1.5"):
                    return False
            return True
        for rule in self.indicator.get("rules", []):
            if not (
                rule.get("kind") == "part_sum"
                and rule.get("dimension") == dim
                and self.is_total(dim, rule.get("total"))
                and set(rule.get("parts") or parts) == set(parts)
            ):
                continue
            for date in self.dates:
                total = _num(self.lookup(**{dim: rule["total"], "date": date}))
                values = [_num(self.lookup(**{dim: v, "date": date})) for v in parts]
                if total is not None and (any(v is None for v in values) or sum(values) != total):
                    return False
            return True
        return False
