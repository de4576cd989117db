"""Exporting observations in the long format: CSV (two dialects), XLSX, JSON.

Columns: indicator, area, area_name, reference_date, one column per dimension,
value, flag, unit, source. The files read back with `imon import` unchanged.
"""

import csv
import io
import json
from decimal import Decimal

from django.conf import settings

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
    qs = m.Observation.objects.select_related("indicator__source", "area").order_by(
        "indicator__order", "indicator__key", "area__order", "area__key", "reference_date", "dim_key"
    )
    if indicator:
        qs = qs.filter(indicator__key=indicator)
    if area:
        qs = qs.filter(area__key=area) | qs.filter(area__code=area)
    return qs


def hidden_cells(indicator_keys) -> dict:
    """The confidentiality boundary: {(indicator, area, date, dim_key): reason} of every observation
    of these indicators (and of the indicators their rules link them to) that the public must not see.

    Suppression is decided on everything published together, not on the part that one page or file
    shows, so that every output hides the same cells."""
    from . import confidentiality, rules

    keys = set(indicator_keys)
    rule_objects = list(m.ValidationRule.objects.select_related("indicator", "other_indicator"))
    derived_inputs = {
        key: (num, den)
        for key, num, den in m.Indicator.objects.exclude(numerator=None).values_list("key", "numerator__key", "denominator__key")
    }
    linked = True
    while linked:  # follow product rules both ways, and derived indicators to their inputs
        linked = False
        for rule in rule_objects:
            if rule.other_indicator_id and (rule.indicator.key in keys) != (rule.other_indicator.key in keys):
                keys |= {rule.indicator.key, rule.other_indicator.key}
                linked = True
        for key in keys & set(derived_inputs):
            if not set(derived_inputs[key]) <= keys:
                keys |= set(derived_inputs[key])
                linked = True
    cells = {
        (ind, area, date, dim_key): (value, flag, m.parse_dimension_key(dim_key))
        for ind, area, date, dim_key, value, flag in m.Observation.objects.filter(indicator__key__in=keys).values_list(
            "indicator__key", "area__key", "reference_date", "dim_key", "value", "flag"
        )
    }
    rule_list = [rules.rule_from_model(r) for r in rule_objects if r.indicator.key in keys]
    children = m.area_children()
    indicators = {i.key: i for i in m.Indicator.objects.filter(key__in=keys).select_related("source")}
    default, policies, area_policies = publication_policies(indicators.values())
    relations = confidentiality.relations_from_rules(rule_list, cells, children)
    is_count = lambda key: indicators[key[0]].kind == "count"  # noqa: E731
    hidden = confidentiality.suppress(cells, relations, is_count, default, policies, area_policies)
    derivations = {k: derived_inputs[k] for k in keys & set(derived_inputs)}
    minimums = {k: i.publication_setting("min_denominator") for k, i in indicators.items() if i.publication_setting("min_denominator")}
    hidden |= confidentiality.derived(cells, hidden, derivations, minimums)
    return hidden


def publication_policies(indicators) -> tuple:
    """The confidentiality policies of these indicators (with their sources loaded): the project
    default, {indicator: policy} where the indicator or its source sets a minimum count, and
    {(indicator, area): policy} with the stricter minimum count for small areas (quarters and
    statistical areas), where the indicator, its source or the project sets one.
    Precedence: indicator, then source, then project (IMON_MIN_COUNT, IMON_SMALL_AREA_MIN_COUNT)."""
    from .confidentiality import Policy

    default = Policy(min_count=settings.IMON_MIN_COUNT)
    small_default = getattr(settings, "IMON_SMALL_AREA_MIN_COUNT", None)
    policies, area_policies, small_areas = {}, {}, None
    for indicator in indicators:
        min_count = indicator.publication_setting("min_count")
        if min_count:
            policies[indicator.key] = Policy(min_count=min_count)
        small = indicator.publication_setting("small_area_min_count") or small_default
        if small and small > policies.get(indicator.key, default).min_count:
            if small_areas is None:
                small_areas = list(m.Area.objects.filter(kind__in=m.SMALL_AREA_KINDS).values_list("key", flat=True))
            area_policies.update({(indicator.key, area): Policy(min_count=small) for area in small_areas})
    return default, policies, area_policies


def long_format(records) -> tuple[list[str], list[dict]]:
    """Header and rows of the long format from (indicator, area, area_name, reference_date, dims,
    value, flag, unit, source) tuples; one column per dimension that occurs."""
    dims: dict[str, None] = {}
    rows = []
    for indicator, area, area_name, date, row_dims, value, flag, unit, source in records:
        dims.update(dict.fromkeys(row_dims))
        rows.append(
            {
                "indicator": indicator,
                "area": area,
                "area_name": area_name,
                "reference_date": date,
                **row_dims,
                "value": value,
                "flag": flag,
                "unit": unit,
                "source": source,
            }
        )
    header = ["indicator", "area", "area_name", "reference_date", *sorted(dims), "value", "flag", "unit", "source"]
    return header, rows


def table(qs, public: bool = False) -> tuple[list[str], list[dict]]:
    """Header and rows (as dicts of Python values) of the long format; `public` applies
    statistical confidentiality (hidden cells become '.')."""
    from .confidentiality import public_value

    hidden = hidden_cells(set(qs.values_list("indicator__key", flat=True).distinct())) if public else {}

    def records():
        for obs in qs.iterator(chunk_size=5000):
            value, flag = obs.value, obs.flag
            if public:
                reason = hidden.get((obs.indicator.key, obs.area.key, obs.reference_date, obs.dim_key))
                value, flag = public_value(value, flag, reason, obs.indicator.publication_setting("rounding"))
            source = str(obs.indicator.source) if obs.indicator.source else ""
            yield obs.indicator.key, obs.area.key, obs.area.name, obs.reference_date, obs.dims, value, flag, obs.indicator.unit, source

    return long_format(records())


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
        # Compact on purpose: with indent, json uses its pure-Python encoder (several times slower).
        stream.write(json.dumps({"columns": header, "observations": payload}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
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


