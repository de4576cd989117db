"""The builder that walks the snapshot chapter by chapter, numbering headings, tables and figures."""

from collections import defaultdict

from ..narrative import format_date as german_date
from .blocks import Heading, Report, Table
from .chapters import _Chapters
from .formatting import _clean, _step_text, main_area
from .indicators import _Indicators
from .measures import _FieldsOfAction


class _Builder(_Chapters, _FieldsOfAction, _Indicators):
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
