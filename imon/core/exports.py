"""Exporting observations in the long format: CSV (two dialects), XLSX, JSON.

Columns: indicator, area, area_name, reference_date, one column per dimension,
value, flag, unit, source. The files read back with `imon import` unchanged.
"""

import csv
import datetime
import io
import itertools
import re
from decimal import Decimal

from django.db.models import Q

from . import areacodes, jsontext
from . import models as m

FORMATS = ("csv", "csv-de", "xlsx", "json")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection): prefix an apostrophe."""
    return "'" + text if text and text.startswith(FORMULA_START) else text


def append_row(sheet, values):
    """Append a row to an openpyxl worksheet (not write-only); text that starts like a formula is
    stored as text, so a spreadsheet program never executes it (CSV injection)."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def observations(indicator: str | None = None, area: str | None = None):
    qs = m.Observation.objects.select_related("indicator__source", "area", "source").order_by(
        "indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key"
    )
    if indicator:
        qs = qs.filter(indicator__key=indicator)
    if area:
        codes = areacodes.equivalents(area)  # a key, or any official code of the area
        qs = qs.filter(Q(area__key__in=codes) | Q(area__code__in=codes))
    return qs


def long_format(records) -> tuple[list[str], list[dict]]:
    """Header and rows of the long format from (indicator, area, area_name, reference_date, dims,
    value, flag, unit, source[, qualifier, period]) tuples; one column per dimension that occurs,
    and the columns `qualifier` and `period` where a value is stated approximately or a period
    is not a day (so that the file reads back unchanged)."""
    dims: dict[str, None] = {}
    rows = []
    stated = {"qualifier": False, "period": False}
    for indicator, area, area_name, date, row_dims, value, flag, unit, source, *more in records:
        if row_dims:
            dims.update(dict.fromkeys(row_dims))
        qualifier, period = more or ("", "")
        stated["qualifier"] |= bool(qualifier)
        stated["period"] |= bool(period)
        rows.append(
            {
                "indicator": indicator,
                "area": area,
                "area_name": area_name,
                "reference_date": date,
                **row_dims,
                "value": value,
                "flag": flag,
                "qualifier": qualifier,
                "period": period,
                "unit": unit,
                "source": source,
            }
        )
    header = [
        "indicator",
        "area",
        "area_name",
        "reference_date",
        *sorted(dims),
        "value",
        "flag",
        *(name for name, used in stated.items() if used),
        "unit",
        "source",
    ]
    for name, used in stated.items():
        if not used:
            for row in rows:
                del row[name]
    return header, rows


def records(qs, publish=None):
    """(indicator, area, area_name, reference_date, dims, value, flag, unit, source) of the
    observations of `qs`: as stored (staff only), or as `publish((indicator, area, date, dim_key),
    value, flag)` -> (value, flag, reason) shows them to the public (see `imon.publication`)."""
    for obs in qs.iterator(chunk_size=5000):
        value, flag = obs.value, obs.flag
        if publish is not None:
            key = (obs.indicator.key, obs.area.key, obs.reference_date, obs.dim_key)
            value, flag, _reason = publish(key, value, flag)
        source = obs.source or obs.indicator.source
        yield (
            obs.indicator.key,
            obs.area.key,
            obs.area.name,
            obs.reference_date,
            obs.dims,
            value,
            flag,
            obs.indicator.unit,
            str(source) if source else "",
            obs.qualifier if value is not None else "",
            obs.period,
        )


def table(qs) -> tuple[list[str], list[dict]]:
    """Header and rows (as dicts of Python values) of the long format, with the stored values."""
    return long_format(records(qs))


def _decimal_text(value: Decimal, german: bool = False) -> str:
    """A value with its digits and no exponent (1150460, not 1.15046E+6), decimal comma if German."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if german else text


def _cell(name, value, german: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _decimal_text(value, german)
    if name == "reference_date":
        return value.strftime("%d.%m.%Y") if german else value.isoformat()
    if name in ("area_name", "source", "unit", "note"):
        return safe_text(str(value))
    return str(value)


def _xlsx_cell(name, value):
    """A cell for the XLSX writer: numbers stay numbers, text that starts like a formula gets the apostrophe."""
    if name in ("area_name", "source", "unit") and value and isinstance(value, str):
        return safe_text(value)
    if name == "reference_date" and value:
        return value.isoformat()
    return value


def _json_value(value):
    """JSON for what json cannot encode itself: decimals as text, dates ISO."""
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


REPEATING = {str, type(None), datetime.date, datetime.datetime}


class Columns:
    """The cells of a table column by column, taken from the row dicts once for every format.

    Most columns of the long format repeat a few values (indicator, area, date, unit, source):
    those are converted once per distinct value. Numbers are converted one by one (equal numbers
    of different types or digits, such as 1 and 1.0, may be written differently)."""

    def __init__(self, header: list[str], rows: list[dict]):
        self.header = header
        self.values = [list(map(dict.get, rows, itertools.repeat(name))) for name in header]
        self.kinds = [set(map(type, column)) for column in self.values]
        self.distinct = [
            set(column) if kinds <= REPEATING else None for column, kinds in zip(self.values, self.kinds)
        ]

    def converted(self, convert, decimals=None) -> list[list]:
        """Every column with convert(name, value) applied to each cell; a column of decimals
        (and empty cells) with `decimals(column)` instead, if given."""
        columns = []
        for name, column, kinds, distinct in zip(self.header, self.values, self.kinds, self.distinct):
            if distinct is not None:
                memo = {value: convert(name, value) for value in distinct}
                columns.append(list(map(memo.__getitem__, column)))
            elif decimals and kinds <= {Decimal, type(None)}:
                columns.append(decimals(column))
            else:
                columns.append([convert(name, value) for value in column])
        return columns


class _CsvField:
    """A cell as csv.writer writes it into a row (QUOTE_MINIMAL): text without the delimiter, a
    quote or a line break as it is, any other text as the csv module quotes it."""

    def __init__(self, delimiter: str, lineterminator: str):
        self.special = re.compile(f'[{re.escape(delimiter)}"\r\n]')
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=delimiter, lineterminator=lineterminator)
        self.cut = len(lineterminator)

    def __call__(self, text: str) -> str:
        if not self.special.search(text):
            return text
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow([text])
        return self.buffer.getvalue()[: -self.cut]


def _write_csv(stream, german: bool, columns: Columns):
    delimiter, lineterminator = (";", "\r\n") if german else (",", "\n")
    encoding = "utf-8-sig" if german else "utf-8"
    if len(columns.header) < 2:  # csv.writer quotes a row of one empty cell; no joining shortcut here
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        writer = csv.writer(text, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(columns.header)
        writer.writerows(zip(*columns.converted(lambda name, value: _cell(name, value, german))))
        text.flush()
        text.detach()
        return
    # The same bytes as csv.writer, several times faster: every cell is quoted as csv.writer
    # would quote it (once per distinct value), then the rows are joined.
    field = _CsvField(delimiter, lineterminator)

    def decimals(column):  # as _cell writes them; digits, sign and decimal separator need no quotes
        return ["" if value is None else _decimal_text(value, german) for value in column]

    cells = columns.converted(lambda name, value: field(_cell(name, value, german)), decimals)
    lines = map(delimiter.join, zip(*cells))
    stream.write((delimiter.join(map(field, columns.header)) + lineterminator).encode(encoding))
    while chunk := lineterminator.join(itertools.islice(lines, 10000)):
        stream.write((chunk + lineterminator).encode("utf-8"))


def write(stream_or_path, fmt: str, header: list[str], rows: list[dict]):
    """Write to a binary stream."""
    write_formats({fmt: stream_or_path}, header, rows)


def write_formats(streams: dict, header: list[str], rows: list[dict]):
    """Write the same table in several formats ({format: binary stream}); the cells are taken
    from the rows once."""
    if unknown := set(streams) - set(FORMATS):
        raise ValueError(", ".join(sorted(unknown)))
    columns: Columns | None = None  # the cells of the tabular formats, made once when first needed
    for fmt, stream in streams.items():
        if fmt == "json":
            stream.write(jsontext.dumps({"columns": header, "observations": rows}, default=_json_value))
            continue
        if columns is None:
            columns = Columns(header, rows)
        if fmt in ("csv", "csv-de"):
            _write_csv(stream, fmt == "csv-de", columns)
        elif fmt == "xlsx":
            from . import xlsx

            xlsx.write_table(stream, "Daten", header, columns.converted(_xlsx_cell))
