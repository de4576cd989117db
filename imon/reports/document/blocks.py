"""The blocks of the report (headings, paragraphs, lists, tables, figures) that every renderer walks."""

from dataclasses import dataclass, field

from imon.core import housestyle
from imon.core.housestyle import HouseStyle

from .. import charts

WIDE = 6  # a table with more columns is set smaller
LANDSCAPE = 10  # a table with more columns gets a landscape page in print


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
    widths: list[float] | None = None  # relative column widths of the DOCX (HTML and PDF fit the content)

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
        return len(self.header) > WIDE

    @property
    def landscape(self) -> bool:
        return len(self.header) > LANDSCAPE


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
    # the rendered chart, set by the HTML renderer: inline SVG or an SVG data URI for <img>
    svg: str = ""
    svg_uri: str = ""

    @property
    def label(self) -> str:
        return f"Abbildung {self.number}: {self.caption}"

    @property
    def wide(self) -> bool:
        return len(self.table[0]) > WIDE

    @property
    def landscape(self) -> bool:
        return len(self.table[0]) > LANDSCAPE


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
    author: str = ""  # the city's office that publishes the report
    keywords: list[str] = field(default_factory=list)
    # the cover and the imprint: the city's house style, the reporting period, the concept's edition
    style: HouseStyle = field(default_factory=lambda: housestyle.build({}))
    period: str = ""  # "17.09.2018 bis 16.09.2019"
    edition: str = ""  # the concept edition the report follows ("Fortschreibung 2023")

    @property
    def subject(self) -> str:
        return f"{self.subtitle}, Stand {self.reporting_date}"

    def headings(self, max_level: int = 2):
        return [b for b in self.blocks if isinstance(b, Heading) and b.level <= max_level]


def generated():
    """When a file of the report is made (aware, local time): its creation date in every format's metadata."""
    from django.utils import timezone

    return timezone.localtime()


@dataclass
class Tiles:
    """Key figures at a glance (imon.reports.keyfigures): tiles in HTML and PDF, a compact table in
    DOCX and on a slide in PPTX."""

    kind = "tiles"
    caption: str
    items: list[tuple[str, str, str, str]]  # (title, value, reference date and area, change in words)
    stand: str = ""

    header = ["Kennzahl", "Wert", "Stand", "Veränderung bzw. Verteilung"]

    @property
    def rows(self) -> list[list[str]]:
        return [list(item) for item in self.items]
