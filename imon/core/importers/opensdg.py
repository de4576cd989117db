"""Open SDG CSV: Year, disaggregation columns, Value."""

from operator import itemgetter

from django.utils.translation import gettext as _

from ..models import dimension_key
from ..numbers import NumberError, parse_cell, parse_date
from .parsed import TOTAL_KEY, ImportFileError, Parsed, Problem, Row, _require


def parse_opensdg(header, reader, indicator: str | None, decimal_comma: bool) -> Parsed:
    """Open SDG: Year, disaggregation columns, Value; a blank disaggregation cell is the total."""
    if not indicator:
        raise ImportFileError(
            _("An Open SDG file does not name its indicator: give it with --indicator KEY.")
        )
    result = Parsed("opensdg")
    names = [h.strip() for h in header]
    col = {n.lower(): i for i, n in enumerate(names)}
    _require(["year", "value"], col, "Open SDG")
    skip = {
        "year",
        "value",
        "units",
        "unit measure",
        "unit multiplier",
        "series",
        "observation status",
        "geocode",
    }
    dim_columns = [(i, n) for i, n in enumerate(names) if n.lower() not in skip and n]
    year_at, value_at, area_at = col["year"], col["value"], col.get("geocode")
    # A file repeats its years, values, areas and breakdowns on many rows: each is read once, and
    # the rows share what it gives (dates, Decimals and texts are immutable; no one changes a
    # row's dims).
    dates: dict = {}
    cells: dict = {}
    areas: dict = {}
    breakdowns: dict = {}
    # the cells of a row's breakdown, as one key (a text where there is one column)
    cells_of = itemgetter(*[i for i, _n in dim_columns]) if dim_columns else lambda record: ()
    rows = result.rows
    for line, record in reader:
        year = record[year_at]
        date = dates.get(year)
        if date is None:
            if not any(c.strip() for c in record):
                result.ignore("empty")
                continue
            try:
                date = dates[year] = parse_date(year)
            except ValueError:
                result.problems.append(
                    Problem(line, "Year", _("'%(value)s' is not a year.") % {"value": year.strip()}, year)
                )
                continue
        raw = record[value_at]
        cell = cells.get(raw)
        if cell is None:
            try:
                cell = cells[raw] = parse_cell(raw.strip(), decimal_comma)
            except NumberError as exc:
                result.problems.append(Problem(line, "Value", str(exc), raw.strip()))
                continue
        key = cells_of(record)
        breakdown = breakdowns.get(key)
        if breakdown is None:
            dims = {n: (record[i].strip() or TOTAL_KEY) for i, n in dim_columns}
            breakdown = breakdowns[key] = (dims, dimension_key(dims))
        area = areas.get(record[area_at]) if area_at is not None else ""
        if area is None:
            area = areas[record[area_at]] = record[area_at].strip()
        rows.append(
            Row(indicator, area, date, breakdown[0], breakdown[1], cell[0], cell[1], "", line, "Value")
        )
    result.refused_lines = len(result.problems)  # one for each line that gave no row
    return result
