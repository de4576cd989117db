"""What a reader returns (`Parsed`: rows, problems, what the file says about its codes), and the error
of a file that cannot be read at all."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    qualifier: str = ""  # models.Qualifier: "rund 1.200" is approx
    period: str = ""  # the reference period as stated where it is not a day ("2023/24")
    source: str = ""  # the source the file names for the row (key or "publisher: title")


@dataclass
class Problem:
    line: int | None
    column: str
    message: str
    value: str = ""
    count: int = 1  # the lines it stands for (see collapse_problems)
    file: str = ""  # the file of the line, where an import reads several (folder.Files.place)

    def __str__(self):
        place = [self.file] if self.file else []
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
    # Indicators a metadata file beside the data describes (Open SDG meta/*.yml): what they say is
    # in `indicators` only where the import may create them (--create-indicators).
    described: set = field(default_factory=set)
    # What the reader decided about the file that the import should say (German), e.g. how it
    # read rows broken down by two levels of one classification.
    notes: list[str] = field(default_factory=list)
    # Every line of the file accounted for: `lines` in all (rows of the table's sheet of a
    # workbook, observations of a JSON file); besides those that gave a row, the lines refused
    # (each named by a problem) and the lines ignored, counted by reason (IGNORED).
    lines: int = 0
    refused_lines: int = 0
    ignored: dict = field(default_factory=dict)

    def ignore(self, reason: str, count: int = 1):
        if count:
            self.ignored[reason] = self.ignored.get(reason, 0) + count


# Why a line gave no row and no problem (keys of Parsed.ignored; shown with IGNORED_LABELS).
IGNORED_LABELS = {
    "header": gettext_lazy("header"),
    "empty": gettext_lazy("empty line"),
    "title": gettext_lazy("title or note above the table"),
    "footnote": gettext_lazy("footnote or row below the table"),
    "continued": gettext_lazy("continuation of a quoted cell"),
    "same-total": gettext_lazy("total given by both levels, read once"),
}


def extra_cells(line: int, record: list, width: int, unnamed: tuple = ()) -> "Problem | None":
    """The problem of a row with filled cells beyond its header's `width` columns, or under a
    column without a name (positions `unnamed`): those cells would be lost. Empty ones pass."""
    lost = [record[i].strip() for i in unnamed if i < len(record)] + [c.strip() for c in record[width:]]
    lost = [cell for cell in lost if cell]
    if not lost:
        return None
    expected = width - len(unnamed)
    return Problem(
        line,
        "",
        _(
            "the row has %(found)s cells, but the header only %(expected)s columns; the cells "
            "beyond it (%(cells)s) would be lost. Give them a column or remove them."
        )
        % {"found": expected + len(lost), "expected": expected, "cells": "; ".join(lost)[:200]},
    )


# Lines named in the message of a problem that many lines share.
FIRST_LINES = 5


def collapse_problems(problems: list[Problem]) -> list[Problem]:
    """One problem for each cause: problems with the same column and message become the first of
    them, its message saying on how many lines it occurs and on which first ones (a reference
    date of a form the reader does not know is one problem, not one per row)."""
    groups: dict = {}
    for problem in problems:
        groups.setdefault((problem.column, problem.message), []).append(problem)
    if len(groups) == len(problems):
        return problems
    result = []
    for same in groups.values():
        first = same[0]
        if len(same) > 1:
            lines = ", ".join(str(p.line) for p in same[:FIRST_LINES] if p.line)
            more = " …" if len(same) > FIRST_LINES else ""
            first = Problem(
                first.line,
                first.column,
                _("%(message)s (%(count)s lines: %(lines)s%(more)s)")
                % {
                    "message": first.message.rstrip("."),
                    "count": f"{len(same):,}".replace(",", "."),
                    "lines": lines,
                    "more": more,
                },
                first.value,
                sum(p.count for p in same),
            )
        result.append(first)
    return result


def _require(columns, present, fmt):
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportFileError(
            _("A %(format)s file needs the columns %(columns)s.")
            % {"format": fmt, "columns": ", ".join(missing)}
        )
