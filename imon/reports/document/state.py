"""The state of the report builder: the snapshot's lookups, the blocks so far and their numbering."""

from collections import defaultdict

from imon.core.vocabulary import from_document
from imon.publication.view import fields_served

from .blocks import Heading, Table
from .formatting import main_area


def _by_area(rows: list) -> dict[str, tuple[list, dict[str, list]]]:
    """{indicator: (its rows, {area: its rows of that area})}, each in the order of `rows`."""
    grouped: dict[str, tuple[list, dict[str, list]]] = {}
    for obs in rows:
        known = grouped.get(obs["indicator"])
        if known is None:
            known = grouped[obs["indicator"]] = ([], {})
        known[0].append(obs)
        known[1].setdefault(obs["area"], []).append(obs)
    return grouped


class _State:
    """The builder's state (the snapshot, the blocks so far, the numbering) and the helpers that add
    blocks; the parts of the report (`chapters`, `measures`, `indicators`) build on it."""

    def __init__(
        self, snapshot: dict, previous: dict | None, area: str | None = None, prepared: dict | None = None
    ):
        self.s = snapshot
        self.previous = previous
        self.labels = snapshot["labels"]
        self.vocab = from_document(snapshot)
        self.blocks: list = []
        self.tables = 0
        self.figures = 0
        self.chapter_numbers = [0, 0, 0]
        self.highlights: list[str] = []
        self.narrate = True  # collect the narrative sentences (`highlights`); the portal's figures need none
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
        self.prepared = prepared
        self._group_rows(snapshot["observations"], area, prepared)
        self.shown: dict[str, str] = {}  # indicator -> label of the figure/table that shows it
        self.mapped: set[str] = set()  # indicators whose district map is drawn
        # the composition a chart already shows (see _View.composition) -> that figure's label
        self.compositions: dict[tuple, str] = {}
        self.fields = sorted(snapshot["fields_of_action"], key=lambda f: (f.get("order", 0), f["code"]))
        self.measures = snapshot["measures"]

    def _group_rows(self, rows: list, area: str | None, prepared: dict | None):
        """The rows by indicator (`all_rows`), and those of the one area shown (`observations`,
        `area_of`, see `_one_area_per_indicator`). `prepared`: what earlier builders grouped of
        the same list of rows (the portal builds the figures of one indicator's pages in every
        language from the same rows); only read here, every builder has its own dicts."""
        known = prepared.get((id(rows), area)) if prepared is not None else None
        if known is not None and known[0] is rows:
            _rows, observations, all_rows, area_of, self.own_area = known
            self.observations = defaultdict(list, observations)
            self.all_rows = dict(all_rows)
            self.area_of: dict[str, str] = dict(area_of)
            return
        by_area = None
        if prepared is not None:  # the rows by indicator and area, once for every area shown
            by_area = self.once(("by area",), rows, lambda: _by_area(rows))
            self.observations = defaultdict(list, {key: rows for key, (rows, _areas) in by_area.items()})
        else:
            self.observations = defaultdict(list)
            for obs in rows:
                self.observations[obs["indicator"]].append(obs)
        # every area's rows, before the report settles on one area per indicator (comparisons)
        self.all_rows = dict(
            self.observations
        )  # `_one_area_per_indicator` replaces lists, never changes them
        self._one_area_per_indicator(area, by_area)
        if prepared is not None:  # the list itself is kept with them: its id stays its own
            prepared[(id(rows), area)] = (
                rows,
                dict(self.observations),
                dict(self.all_rows),
                dict(self.area_of),
                self.own_area,
            )

    def once(self, name: tuple, rows: list, compute):
        """`compute()`, a pure function of the list `rows` (and of what `name` says), made once
        for the builders that share `prepared` (see `_group_rows`); the result is shared: the
        callers do not change it."""
        if self.prepared is None:
            return compute()
        known = self.prepared.get((*name, id(rows)))
        if known is None or known[0] is not rows:
            known = self.prepared[(*name, id(rows))] = (rows, compute())
        return known[1]

    def rows_by_area(self, key: str) -> dict[str, list] | None:
        """The rows of indicator `key` by area (every area's, as `all_rows`), where the builders
        share `prepared` and have grouped them already; None otherwise."""
        if self.prepared is None:
            return None
        rows = self.s["observations"]
        return self.once(("by area",), rows, lambda: _by_area(rows)).get(key, ([], {}))[1]

    def measures_of(self, code: str) -> list[dict]:
        """The measures serving a field of action: those it leads and the cross-cutting ones."""
        return [m for m in self.measures if code in fields_served(m)]

    def cross_cutting_mark(self, measure: dict, code: str) -> str:
        """The words that mark a measure listed under a field of action it does not lead."""
        if measure["field_of_action"] == code:
            return ""
        return f"Querschnittsmaßnahme, federführend in {self.vocab.field} {measure['field_of_action']}"

    def _one_area_per_indicator(self, preferred: str | None = None, by_area: dict | None = None):
        """The report speaks about the municipality: of an indicator with several areas it shows the
        municipality's own area (else its first own area); small areas belong to the portal, which
        may ask for a `preferred` area. Which area an indicator shows is kept in `area_of`: a
        figure of another area than the one spoken about says so (`titled`)."""
        main = main_area(self.s)
        self.own_area = preferred or main
        self.area_of = {}
        for key, rows in self.observations.items():
            areas = by_area[key][1] if by_area is not None else {o["area"] for o in rows}
            if len(areas) == 1:
                self.area_of[key] = next(iter(areas))
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
                self.observations[key] = (
                    by_area[key][1][chosen]
                    if by_area is not None
                    else [o for o in rows if o["area"] == chosen]
                )
                self.area_of[key] = str(chosen)

    def titled(self, indicator: dict) -> str:
        """The indicator's title, with the area its figures belong to where that is not the area
        the report speaks about: a district's figure never passes for the city's."""
        return indicator["title"] + self.area_suffix(indicator)

    def area_suffix(self, indicator: dict) -> str:
        area = self.area_of.get(indicator["key"])
        if area is None or area == self.own_area:
            return ""
        return f" ({self.areas.get(area, {}).get('name', area)})"

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
        """A numbered table; tables without a statistical source are the office's own presentation."""
        self.tables += 1
        kwargs.setdefault("source", "Eigene Darstellung")
        kwargs["source"] = kwargs["source"] or "Eigene Darstellung"
        numeric = numeric or [False] + [True] * (len(header) - 1)
        return self.add(Table(self.tables, caption, header, rows, numeric, **kwargs))

    def status_label(self, value: str | None) -> str:
        return self.labels["measure_status"].get(value or "unknown", value or "")
