"""Exporting observations in the long format: CSV (two dialects), XLSX, JSON.

Columns: indicator, area, area_name, reference_date, one column per dimension,
value, flag, unit, source. The files read back with `imon import` unchanged.
"""

import csv
import io
import json
from decimal import Decimal

from . import models as m

FORMATS = ("csv", "csv-de", "xlsx", "json")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection): prefix an apostrophe."""
    return "'" + text if text and text.startswith(FORMULA_START) else text


def observations(indicator: str | None = None, area: str | None = None):
    qs = m.Observation.objects.select_related("indicator__source", "area").order_by(
        "indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key"
    )
    if indicator:
        qs = qs.filter(indicator__key=indicator)
    if area:
        qs = qs.filter(area__key=area) | qs.filter(area__code=area)
    return qs


def table(qs) -> tuple[list[str], list[dict]]:
    """Header and rows (as dicts of Python values) of the long format."""
    dims: list[str] = []
    rows = []
    for obs in qs.iterator(chunk_size=5000):
        for d in obs.dims:
            if d not in dims:
                dims.append(d)
        rows.append(
            {
                "indicator": obs.indicator.key,
                "area": obs.area.key,
                "area_name": obs.area.name,
                "reference_date": obs.reference_date,
                **obs.dims,
                "value": obs.value,
                "flag": obs.flag,
                "unit": obs.indicator.unit,
                "source": str(obs.indicator.source) if obs.indicator.source else "",
            }
        )
    header = ["indicator", "area", "area_name", "reference_date", *sorted(dims), "value", "flag", "unit", "source"]
    return header, rows


def _cell(name, value, german: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.replace(".", ",") if german else text
    if name == "reference_date":
        return value.strftime("%d.%m.%Y") if german else value.isoformat()
    if name in ("area_name", "source", "unit", "note"):
        return safe_text(str(value))
    return str(value)


def write(stream_or_path, fmt: str, header: list[str], rows: list[dict]):
    """Write to a binary stream."""
    stream = stream_or_path
    if fmt in ("csv", "csv-de"):
        german = fmt == "csv-de"
        text = io.TextIOWrapper(stream, encoding="utf-8-sig" if german else "utf-8", newline="")
        writer = csv.writer(text, delimiter=";" if german else ",", lineterminator="\r\n" if german else "\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(name, row.get(name), german) for name in header])
        text.flush()
        text.detach()
    elif fmt == "json":
        payload = [
            {k: (str(v.normalize()) if isinstance(v, Decimal) else v.isoformat() if k == "reference_date" else v) for k, v in row.items()}
            for row in rows
        ]
        stream.write(json.dumps({"columns": header, "observations": payload}, ensure_ascii=False, indent=1).encode("utf-8"))
    elif fmt == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("Daten")
        sheet.append(header)
        for row in rows:
            cells = []
            for name in header:
                value = row.get(name)
                if isinstance(value, Decimal):
                    value = int(value) if value == value.to_integral_value() else float(value)
                elif name in ("area_name", "source", "unit") and value:
                    value = safe_text(value)
                elif name == "reference_date" and value:
                    value = value.isoformat()
                cells.append("" if value is None else value)
            sheet.append(cells)
        workbook.save(stream)
    else:
        raise ValueError(fmt)


