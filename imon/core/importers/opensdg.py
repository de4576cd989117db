"""Open SDG CSV: Year, disaggregation columns, Value."""

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
    for line, record in reader:
        if not any(c.strip() for c in record):
            result.ignore("empty")
            continue
        year = record[col["year"]].strip()
        try:
            date = parse_date(year)
        except ValueError:
            result.problems.append(
                Problem(line, "Year", _("'%(value)s' is not a year.") % {"value": year}, year)
            )
            continue
        raw = record[col["value"]].strip()
        try:
            value, flag = parse_cell(raw, decimal_comma)
        except NumberError as exc:
            result.problems.append(Problem(line, "Value", str(exc), raw))
            continue
        area = record[col["geocode"]].strip() if "geocode" in col else ""
        dims = {n: (record[i].strip() or TOTAL_KEY) for i, n in dim_columns}
        result.rows.append(
            Row(indicator, area, date, dims, dimension_key(dims), value, flag, "", line, "Value")
        )
    result.refused_lines = len(result.problems)  # one for each line that gave no row
    return result
