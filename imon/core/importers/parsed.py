"""What a reader returns (`Parsed`: rows, problems, what the file says about its codes), and the error
of a file that cannot be read at all."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

TOTAL_KEY = "insgesamt"


class ImportFileError(Exception):
    """The file cannot be read at all; the message is German."""


@dataclass(slots=True)
class Row:
    indicator: str
    area: str
    date: datetime.date
    dims: dict
    dim_key: str  # canonical text of dims (models.dimension_key)
    value: Decimal | None
    flag: str
    note: str
    line: int
    column: str = "value"


@dataclass
class Problem:
    line: int | None
    column: str
    message: str
    value: str = ""

    def __str__(self):
        place = []
        if self.line:
            place.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            place.append(_("column '%(column)s'") % {"column": self.column})
        return f"{', '.join(place)}: {self.message}" if place else self.message


@dataclass
class Parsed:
    format: str
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What the file says about things it names, keyed by their code in the file.
    indicators: dict = field(default_factory=dict)  # key -> {"title", "unit", "source"}
    dimensions: dict = field(default_factory=dict)  # key -> {"label", "values": {key: label}, "total": key}
    areas: dict = field(default_factory=dict)  # code -> {"name", "kind"}
    source: dict | None = None  # {"key", "publisher", "title", "table_code", "licence"}
    # Whether indicators, dimensions and areas the database lacks may be created.
    creates_metadata: bool = False


def _require(columns, present, fmt):
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportFileError(
            _("A %(format)s file needs the columns %(columns)s.")
            % {"format": fmt, "columns": ", ".join(missing)}
        )
