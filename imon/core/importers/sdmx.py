"""SDMX-CSV (version 1 and 2)."""

from django.utils.translation import gettext as _

from ..models import dimension_key
from ..numbers import NumberError, parse_cell, parse_date
from .parsed import Parsed, Problem, Row, _require

SDMX_STATUS = {"P": "p", "E": "p", "R": "r", "M": ".", "L": ".", "C": ".", "N": "x", "U": "/"}


def parse_sdmx(header, reader, indicator: str | None, decimal_comma: bool) -> Parsed:
    """SDMX-CSV (version 1 and 2): DATAFLOW/STRUCTURE_ID, dimensions, TIME_PERIOD, OBS_VALUE, OBS_STATUS."""
    result = Parsed("sdmx-csv")
    names = [h.strip() for h in header]
    upper = [n.upper().split(":")[0] for n in names]
    col = {n: i for i, n in enumerate(upper)}
    _require(["TIME_PERIOD", "OBS_VALUE"], col, "SDMX-CSV")
    skip = {
        "DATAFLOW",
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "TIME_PERIOD",
        "OBS_VALUE",
        "OBS_STATUS",
        "OBS_FLAG",
        "UNIT_MEASURE",
        "UNIT_MULT",
        "DECIMALS",
        "REF_AREA",
        "COMMENT_OBS",
    }
    dim_columns = [(i, names[i].split(":")[0].lower()) for i, n in enumerate(upper) if n not in skip and n]
    flow_col = col.get("DATAFLOW", col.get("STRUCTURE_ID"))
    for line, record in reader:
        if not any(c.strip() for c in record):
            result.ignore("empty")
            continue
        key = indicator
        if key is None and flow_col is not None:
            flow = record[flow_col].strip()
            key = flow.split(":")[-1].split("(")[0].lower()
        if not key:
            result.problems.append(
                Problem(
                    line, "DATAFLOW", _("the row does not name its indicator; give it with --indicator KEY.")
                )
            )
            continue
        period = record[col["TIME_PERIOD"]].strip()
        try:
            date = parse_date(period[:10])
        except ValueError:
            result.problems.append(
                Problem(line, "TIME_PERIOD", _("'%(value)s' is not a date.") % {"value": period}, period)
            )
            continue
        raw = record[col["OBS_VALUE"]].strip()
        status = record[col["OBS_STATUS"]].strip().upper() if "OBS_STATUS" in col else ""
        try:
            if raw:
                value, flag = parse_cell(raw, False if "." in raw and "," not in raw else decimal_comma)
            elif SDMX_STATUS.get(status) in ("-", ".", "x", "...", "/"):
                value, flag = None, SDMX_STATUS[status]
            else:
                raise NumberError(
                    _("the cell is empty; write a value or an official symbol such as '.' or '-'.")
                )
        except NumberError as exc:
            result.problems.append(Problem(line, "OBS_VALUE", str(exc), raw))
            continue
        if value is not None and SDMX_STATUS.get(status) in ("p", "r"):
            flag = flag or SDMX_STATUS[status]
        area = record[col["REF_AREA"]].strip() if "REF_AREA" in col else ""
        dims = {name: record[i].strip() for i, name in dim_columns if record[i].strip()}
        result.rows.append(
            Row(key, area, date, dims, dimension_key(dims), value, flag, "", line, "OBS_VALUE")
        )
    result.refused_lines = len(result.problems)  # one for each line that gave no row
    return result
