"""The builder that walks the snapshot chapter by chapter, numbering headings, tables and figures."""

from imon.core import editions, housestyle, periods

from ..narrative import format_date as german_date
from ..narrative import period_text
from .blocks import Report
from .chapters import _Chapters
from .formatting import _clean, _marked, _step_text
from .glance import _AtAGlance
from .measures import _FieldsOfAction


class _Builder(_AtAGlance, _Chapters, _FieldsOfAction):
    """The whole report, chapter by chapter."""

    def build(self) -> Report:
        s = self.s
        municipality = s["municipality"]["name"]
        self.at_a_glance()
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
            author=self.vocab.office,
            keywords=["Integrationskonzept", "Umsetzungsbericht", "Integration", municipality],
            style=housestyle.from_document(s),
            period=period_text(s, self.previous),
            edition=(editions.current(s) or {}).get("title", ""),
        )

    def deck(self) -> dict:
        s = self.s
        bodies = {b["key"]: b["name"] for b in s["bodies"]}
        fields = []
        for f in self.fields:
            measures = self.measures_of(f["code"])
            fields.append(
                {
                    "code": f["code"],
                    "title": f["title"],
                    "priority": bool(f.get("priority")),
                    "measures": [
                        (
                            m["key"],
                            _marked(m["title"], self.cross_cutting_mark(m, f["code"])),
                            self.status_label(m.get("status")),
                        )
                        for m in measures
                    ],
                    # results and next steps belong to the field that leads the measure
                    "results": [
                        f"{m['key']}: {_clean(m['results'])}"
                        for m in measures
                        if m.get("results") and m["field_of_action"] == f["code"]
                    ],
                    "steps": [
                        _step_text(st)
                        for m in measures
                        if m["field_of_action"] == f["code"]
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
                    f"{periods.format_span(mt['date'], mt.get('end_date'))}: {mt['title']}",
                    list(mt.get("outcomes", [])),
                    [bodies.get(mt["body"], mt["body"])],
                )
                for mt in s["meetings"]
                if mt["date"] <= s["reporting_date"]
            ],
            "fields": fields,
            "council": self.vocab.council,
            "document": self.vocab.document,
            "field_name": self.vocab.field,
            "fields_name": self.vocab.fields,
            "contact": next(
                (b["name"] for b in s["bodies"] if b.get("kind") == "staff_unit"), self.vocab.office
            ),
        }


def indicator_blocks(snapshot: dict, key: str, area: str | None = None, prepared: dict | None = None) -> list:
    """The figures and tables of one indicator, as the report shows them (for the portal).
    `prepared`: a dict the caller keeps for the figures of one indicator (the same rows, in
    every language), where the builders keep what they make of its rows (see `_State`)."""
    builder = _Builder(snapshot, None, area=area, prepared=prepared)
    builder.narrate = False
    _indicator(builder, key, area)
    return builder.blocks


def _indicator(builder: _Builder, key: str, area: str | None) -> bool:
    """Add the blocks of one indicator; True where they are the areas side by side (the city has
    no value of its own, so all its areas are shown, each named)."""
    indicator = builder.indicators[key]
    by_area = area is None and builder.area_of.get(key) not in (None, builder.own_area)
    if by_area and builder.areas_table(indicator):
        builder.district_map(indicator)
        return True
    builder.indicator_block(indicator)
    return False


def indicator_blocks_at(
    snapshot: dict, key: str, area: str | None, date: str, prepared: dict | None = None
) -> tuple[list, list]:
    """The figures and tables of one indicator at one reference date (ISO), and below them how it
    developed over all dates (the portal's time switch): the blocks the report would show if
    `date` were the only date (breakdown, district map and comparison at that date), then the
    series (`_Indicators.time_series`), numbered on from them."""
    rows = snapshot["observations"]
    at = (prepared or {}).get(("at", id(rows), date))
    if at is None or at[0] is not rows:
        at = (rows, [o for o in rows if o["date"] == date])
        if prepared is not None:
            prepared[("at", id(rows), date)] = at
    at_date = {**snapshot, "observations": at[1]}
    builder = _Builder(at_date, None, area=area, prepared=prepared)
    builder.narrate = False
    by_area = _indicator(builder, key, area)
    series = _Builder(snapshot, None, area=area, prepared=prepared)
    series.figures, series.tables = builder.figures, builder.tables
    series.time_series(series.indicators[key], by_area)
    return builder.blocks, series.blocks


def dimension_totals(snapshot: dict) -> set[tuple[str, str]]:
    """The (dimension, value) pairs that are a dimension's total ("insgesamt")."""
    return {(d["key"], v["key"]) for d in snapshot["dimensions"] for v in d["values"] if v.get("total")}


def one_dimension(rows, dim: str, totals) -> list[dict]:
    """The rows broken down by `dim` alone: those where every other dimension is at its total,
    without those other dimensions (the portal's breakdown switch; nothing is added, only left out)."""
    return [
        dict(o, dims={dim: o["dims"][dim]} if dim in o["dims"] else {})
        for o in at_totals_but(rows, dim, totals)
    ]


def at_totals_but(rows, dim: str, totals) -> list[dict]:
    """The rows where every dimension but `dim` is at its total (as they are)."""
    # a row's pairs are each a total or one of `dim`'s (a row has one value of each dimension)
    allowed = frozenset(totals).union({(dim, o["dims"][dim]) for o in rows if dim in o["dims"]})
    return [o for o in rows if allowed.issuperset(o["dims"].items())]


def by_dimension(snapshot: dict, key: str, dim: str) -> dict:
    """The snapshot with one indicator's figures broken down by `dim` alone (see one_dimension)."""
    totals = dimension_totals(snapshot)
    mine = [o for o in snapshot["observations"] if o["indicator"] == key]
    return {
        **snapshot,
        "observations": [o for o in snapshot["observations"] if o["indicator"] != key]
        + one_dimension(mine, dim, totals),
        "indicators": [dict(i, dimensions=[dim]) if i["key"] == key else i for i in snapshot["indicators"]],
    }


def sentence(snapshot: dict, key: str) -> str:
    """The narrative sentence of one indicator ('' without two reference dates)."""
    builder = _Builder(snapshot, None)
    return builder.sentence(builder.indicators[key])


def build(snapshot: dict, previous: dict | None = None) -> Report:
    """The report of a snapshot (and the comparison with the previous one)."""
    return _Builder(snapshot, previous).build()
