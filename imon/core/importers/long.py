"""The own long format (CSV, XLSX or JSON): one row per observation."""

from django.utils.translation import gettext as _

from ..models import Qualifier, dimension_key
from ..numbers import QUALIFIER_WORDS, NumberError, parse_cell, parse_period, split_qualifier
from .parsed import ImportFileError, Parsed, Problem, Row, extra_cells

# Column names of the own long format, with German aliases (lower case).
LONG_COLUMNS = {
    "indicator": ("indicator", "kennzahl", "indikator"),
    "area": ("area", "gebiet", "ags"),
    "area_name": ("area_name", "gebietsname"),
    "reference_date": ("reference_date", "stichtag", "date", "datum"),
    "period": ("period", "zeitraum"),
    "qualifier": ("qualifier", "angabe"),
    "value": ("value", "wert"),
    "flag": ("flag", "zeichen", "symbol"),
    "unit": ("unit", "einheit"),
    "source": ("source", "quelle"),
    "note": ("note", "anmerkung", "fußnote"),
}

# The column `qualifier`: the codes (as `export-data` writes them) and the words of the sources.
QUALIFIER_CODES = {q.value: q.value for q in Qualifier if q.value} | dict(QUALIFIER_WORDS)


def parse_long_rows(numbered_rows, fmt: str, decimal_comma: bool = True) -> Parsed:
    """One row per observation: indicator, area, reference_date, dimension columns, value, flag."""
    result = Parsed(fmt)
    rows_iter = iter(numbered_rows)
    try:
        _line, header = next(rows_iter)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    names, col = _long_columns(header)
    known = set(col.values())
    dim_columns = [(i, names[i]) for i in range(len(names)) if i not in known and names[i]]
    width = len(names)
    unnamed = tuple(i for i, name in enumerate(names) if not name)  # e.g. empty cells right of an XLSX header
    for line, record in rows_iter:
        if not any(c.strip() for c in record):
            result.ignore("empty")
            continue
        if len(record) < width:
            record = record + [""] * (width - len(record))
        if (len(record) > width or unnamed) and (extra := extra_cells(line, record, width, unnamed)):
            result.problems.append(extra)
            continue
        row = _long_row(line, record, names, col, dim_columns, decimal_comma)
        (result.problems if isinstance(row, Problem) else result.rows).append(row)
    result.refused_lines = len(result.problems)  # one for each line that gave no row
    return result


def _long_columns(header) -> tuple[list[str], dict]:
    """(the column names, {canonical name: position}); a missing required column is an error."""
    names = [h.strip() for h in header]
    lower = [n.lower() for n in names]
    col = {}
    for canonical, aliases in LONG_COLUMNS.items():
        for i, name in enumerate(lower):
            if name in aliases:
                col[canonical] = i
                break
    for needed in ("indicator", "area", "reference_date", "value"):
        if needed not in col:
            raise ImportFileError(_("The column '%(column)s' is missing.") % {"column": needed})
    return names, col


def _long_row(line: int, record: list, names: list, col: dict, dim_columns: list, decimal_comma: bool):
    """The `Row` of one line, or the `Problem` that keeps it out."""

    def get(name):
        return record[col[name]].strip() if name in col else ""

    indicator, area, date_text = get("indicator"), get("area"), get("reference_date")
    if not indicator:
        return Problem(line, names[col["indicator"]], _("the indicator is missing."))
    if not area:
        return Problem(line, names[col["area"]], _("the area is missing."))
    try:
        date, period = parse_period(date_text)
    except ValueError:
        return Problem(
            line,
            names[col["reference_date"]],
            _(
                "'%(value)s' is not a date (expected DD.MM.YYYY, YYYY-MM-DD, a year or a school year such "
                "as 2023/24; write other periods in the column 'period' beside a date)."
            )
            % {"value": date_text},
            date_text,
        )
    period = get("period") or period
    dims = {name: record[i].strip() for i, name in dim_columns if record[i].strip()}
    raw, flag_text = get("value"), get("flag")
    qualifier, number = split_qualifier(raw)
    if get("qualifier"):  # as export-data writes it: the word or its code, the number apart
        stated = QUALIFIER_CODES.get(get("qualifier").lower())
        if stated is None or qualifier:
            return Problem(
                line,
                names[col["qualifier"]],
                _("'%(value)s' is not a qualifier (e.g. rund, mehr als, approx, more_than).")
                % {"value": get("qualifier")},
                get("qualifier"),
            )
        qualifier, number = stated, raw
    try:
        if qualifier:
            value, flag = parse_cell(number, decimal_comma)
            if value is None:
                raise NumberError(
                    _("'%(value)s': a symbol cannot be approximate; write the number after the word.")
                    % {"value": raw}
                )
        elif raw:
            value, flag = parse_cell(raw, decimal_comma)
        elif flag_text:
            value, flag = parse_cell(flag_text)
        else:
            raise NumberError(_("the cell is empty; write a value or an official symbol such as '.' or '-'."))
    except NumberError as exc:
        return Problem(line, names[col["value"]], str(exc), raw)
    if flag_text and flag_text != flag:
        if not _symbol_fits(flag_text, value, flag):
            return Problem(
                line,
                names[col["flag"]],
                _("the symbol '%(flag)s' does not fit the value '%(value)s'.")
                % {"flag": flag_text, "value": raw},
                flag_text,
            )
        flag = flag_text
    return Row(
        indicator,
        area,
        date,
        dims,
        dimension_key(dims),
        value,
        flag,
        get("note"),
        line,
        names[col["value"]],
        qualifier,
        period,
        get("source"),
    )


def _symbol_fits(symbol: str, value, flag: str) -> bool:
    """Whether the flag column's symbol may stand beside the value column's cell: a qualifying
    symbol beside a plain value, a symbol of a missing value beside no value."""
    return (
        symbol in ("p", "r", "()")
        and value is not None
        and not flag
        or symbol in ("-", ".", "x", "...", "/")
        and value is None
    )
