"""Readers for statistics files: GENESIS flat files, the own long CSV/XLSX, Open SDG CSV, SDMX-CSV.

Each reader turns a file into a `Parsed` result without touching the
database: rows of observations keyed by codes as the file names them, plus
what the file says about its indicators, dimensions, areas and source. Problems
are collected with their line and column, in German. Resolving the codes
against the database is the job of `imports.py`.
"""

import csv
import datetime
import gc
import io
import operator
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from .models import dimension_key
from .numbers import NumberError, parse_cell, parse_date

FORMATS = ("genesis", "csv", "xlsx", "opensdg", "sdmx-csv")
REGIONAL_VARIABLES = {
    "DINSG": "country",
    "DLAND": "state",
    "REGBEZ": "region",
    "KREISE": "county",
    "GEMEIN": "municipality",
}
TOTAL_KEY = "insgesamt"
# Column names of the own long format, with German aliases (lower case).
LONG_COLUMNS = {
    "indicator": ("indicator", "kennzahl", "indikator"),
    "area": ("area", "gebiet", "ags"),
    "area_name": ("area_name", "gebietsname"),
    "reference_date": ("reference_date", "stichtag", "date", "datum"),
    "value": ("value", "wert"),
    "flag": ("flag", "zeichen", "symbol"),
    "unit": ("unit", "einheit"),
    "source": ("source", "quelle"),
    "note": ("note", "anmerkung", "fußnote"),
}


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


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while hundreds of thousands of rows are built.

    The rows hold no reference cycles, so reference counting frees them as usual; but
    with the collector running, it walks every row again each time a few thousand new
    objects have been made, which took a third of the time of a large import."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- Reading bytes ---------------------------------------------------------------------


def max_bytes() -> int:
    return getattr(settings, "IMON_IMPORT_MAX_MB", 200) * 1024 * 1024


def read_bytes(path) -> bytes:
    """The file's content, refusing files above the size limit before reading them."""
    import os

    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_bytes():
        raise ImportFileError(
            _("The file is %(size)s MB large; at most %(limit)s MB can be imported. Split it, or raise IMON_IMPORT_MAX_MB.")
            % {"size": size // (1024 * 1024), "limit": max_bytes() // (1024 * 1024)}
        )
    with open(path, "rb") as stream:
        return stream.read()


def unpack_zip(data: bytes) -> tuple[str, bytes]:
    """A ZIP as GENESIS delivers it (one CSV) or an XLSX; refuses ZIP bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file looks like a ZIP archive but is damaged or truncated.")) from None
    total = sum(m.file_size for m in members)
    if total > max_bytes() or any(m.compress_size and m.file_size / m.compress_size > 200 for m in members):
        raise ImportFileError(
            _("The archive unpacks to %(size)s MB or is compressed suspiciously strongly (ZIP bomb); it is not imported.")
            % {"size": total // (1024 * 1024)}
        )
    names = [m.filename for m in members]
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx", data
    csvs = [n for n in names if n.lower().endswith(".csv")]
    if len(csvs) != 1:
        raise ImportFileError(_("The ZIP archive must contain exactly one CSV file; it contains %(count)s.") % {"count": len(csvs)})
    return "csv", archive.read(csvs[0])


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; refuses binary files."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is not a text file (it contains binary data)."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is neither UTF-8 nor Windows-1252 text.")) from None
    return text


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise ImportFileError(_("No column separator found in the first line (expected ';', ',' or a tab)."))
    return delimiter


def detect_format(header: list[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    if "statistics_code" in names and "value" in names:
        return "genesis"
    if "obs_value" in names and "time_period" in names:
        return "sdmx-csv"
    if "year" in names and "value" in names and not names & set(LONG_COLUMNS["indicator"]):
        return "opensdg"
    if names & set(LONG_COLUMNS["indicator"]) and names & set(LONG_COLUMNS["value"]):
        return "csv"
    return None


def parse_file(path, fmt: str = "auto", indicator: str | None = None) -> Parsed:
    """Read a statistics file of any supported format; `indicator` names the indicator of
    Open SDG and SDMX files that do not name it themselves."""
    data = read_bytes(path)
    name = PurePath(str(path)).name
    return parse_bytes(data, name, fmt, indicator)


def parse_bytes(data: bytes, name: str, fmt: str = "auto", indicator: str | None = None) -> Parsed:
    with gc_paused():
        return _parse_bytes(data, name, fmt, indicator)


def _parse_bytes(data: bytes, name: str, fmt: str, indicator: str | None) -> Parsed:
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > max_bytes():
        raise ImportFileError(_("The file is larger than %(limit)s MB.") % {"limit": max_bytes() // (1024 * 1024)})
    kind = "csv"
    if data[:2] == b"PK":
        kind, data = unpack_zip(data)
    if kind == "xlsx":
        if fmt not in ("auto", "xlsx", "csv"):
            raise ImportFileError(_("The file is an Excel workbook, not %(format)s.") % {"format": fmt})
        return parse_long_rows(read_xlsx(data), "xlsx")
    if fmt == "xlsx":
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    text = decode(data)
    first = next((line for _number, line in _lines(text) if line.strip()), None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    delimiter = sniff_delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))
    detected = detect_format(header)
    if fmt == "auto":
        if detected is None:
            raise ImportFileError(
                _("The format of the file is unknown. Supported: GENESIS flat file (ffcsv), the own long CSV/XLSX template, Open SDG CSV and SDMX-CSV.")
            )
        fmt = detected
    if fmt not in FORMATS:
        raise ImportFileError(_("Unknown format '%(format)s'.") % {"format": fmt})
    if fmt == "genesis" and '"' not in text:
        # GENESIS writes no quotes; then splitting lines is exact and five times faster than
        # the csv module, and it needs no copy of the text.
        records = ((number, line.rstrip("\r").split(delimiter)) for number, line in _lines(text, after=first))
        return parse_genesis(header, records, name)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(header)
    try:
        next(row for row in reader if row)  # the header
        # Short rows are padded: a missing cell is an empty cell, reported by the reader that needs it.
        records = ((reader.line_num, row + [""] * (width - len(row))) for row in reader)
        decimal_comma = delimiter == ";"
        if fmt == "genesis":
            return parse_genesis(header, records, name)
        if fmt == "csv":
            return parse_long_rows(_with_lines(header, records), "csv", decimal_comma)
        if fmt == "opensdg":
            return parse_opensdg(header, records, indicator or _indicator_from_name(name), decimal_comma)
        return parse_sdmx(header, records, indicator, decimal_comma)
    except csv.Error as exc:
        raise ImportFileError(_("The file cannot be read as CSV (line %(line)s): %(error)s") % {"line": reader.line_num, "error": exc}) from None


def _require(columns, present, fmt):
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportFileError(
            _("A %(format)s file needs the columns %(columns)s.") % {"format": fmt, "columns": ", ".join(missing)}
        )


def _lines(text: str, after: str | None = None):
    """(line number, line) without copying the text; with `after`, from the line after that one."""
    position, number = 0, 0
    started = after is None
    while position <= len(text):
        end = text.find("\n", position)
        if end < 0:
            end = len(text)
        number += 1
        line = text[position:end]
        position = end + 1
        if started:
            if line or position <= len(text):
                yield number, line
        elif line == after:
            started = True


def _indicator_from_name(name: str) -> str | None:
    stem = PurePath(name).stem
    return stem.removeprefix("indicator_") if stem else None


def _with_lines(header, records):
    yield 1, header
    yield from records


# --- GENESIS flat file ---------------------------------------------------------------------


def parse_genesis(header: list[str], reader, name: str) -> Parsed:
    """GENESIS-Online / Regionalstatistik / Zensus flat file (ffcsv); `reader` yields (line, fields)."""
    result = Parsed("genesis", creates_metadata=True)
    col = {h.strip(): i for i, h in enumerate(header)}
    required = ["statistics_code", "statistics_label", "time_code", "time", "value", "value_unit", "value_variable_code", "value_variable_label"]
    missing = [c for c in required if c not in col]
    if missing:
        raise ImportFileError(_("The GENESIS flat file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)})
    variables = []
    n = 1
    while f"{n}_variable_code" in col:
        variables.append(
            (
                col[f"{n}_variable_code"],
                col.get(f"{n}_variable_label"),
                col[f"{n}_variable_attribute_code"],
                col.get(f"{n}_variable_attribute_label"),
            )
        )
        n += 1
    i_stat, i_stat_label = col["statistics_code"], col["statistics_label"]
    i_time_code, i_time = col["time_code"], col["time"]
    i_value, i_unit = col["value"], col["value_unit"]
    i_vcode, i_vlabel = col["value_variable_code"], col["value_variable_label"]
    i_q = col.get("value_q")
    width = len(header)
    table = re.search(r"\d{5}-\d{4}|\d{5}-\d{2}-\d{2}-\d|\d{4}[A-Z]-\d{4}", name)
    rows, problems = result.rows, result.problems
    indicators = result.indicators
    # Each distinct text is handled once: dates, combinations of codes, cell values.
    date_cache: dict = {}
    combo_cache: dict = {}  # statistic, value variable, variable and attribute codes -> (indicator, area, dims, dim_key)
    breakdowns: dict = {}  # codes of the classifying variables -> (dims, dim_key)
    cell_cache: dict = {}  # value text -> (value, flag)
    indicator_keys: dict = {}
    code_columns = [i_stat, i_vcode] + [i for cols in variables for i in cols[::2]]  # with variable and attribute codes
    combo_of = operator.itemgetter(*code_columns)
    for line, record in reader:
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        if len(record) < width:
            problems.append(
                Problem(line, "", _("the line has %(found)s of %(expected)s columns (file truncated?).") % {"found": len(record), "expected": width})
            )
            continue
        time_key = (record[i_time_code], record[i_time])
        date = date_cache.get(time_key)
        if date is None:
            try:
                date = _genesis_date(*time_key)
            except ValueError:
                problems.append(Problem(line, "time", _("'%(value)s' is not a reference date of type %(code)s.") % {"value": record[i_time], "code": record[i_time_code]}, record[i_time]))
                continue
            date_cache[time_key] = date
        combo = combo_of(record)
        cached = combo_cache.get(combo)
        if cached is None:
            indicator = f"{record[i_stat]}-{record[i_vcode]}".lower()
            indicator = indicator_keys.setdefault(indicator, indicator)  # one text per indicator
            if indicator not in indicators:
                indicators[indicator] = {"title": record[i_vlabel], "unit": record[i_unit], "statistic": record[i_stat_label]}
            if result.source is None:
                result.source = {
                    "key": f"genesis-{table.group(0) if table else record[i_stat]}".lower(),
                    "publisher": _("Statistical Offices of the Federation and the Länder (GENESIS)"),
                    "title": record[i_stat_label],
                    "table_code": table.group(0) if table else record[i_stat],
                    "licence": "dl-de/by-2-0",
                }
            cached = combo_cache[combo] = (indicator, *_genesis_combo(record, variables, result, breakdowns))
        indicator, area, dims, dim_key = cached
        raw = record[i_value]
        cell = cell_cache.get(raw)
        if cell is None:
            try:
                # GENESIS writes decimal commas; the parser also takes an unambiguous decimal point.
                cell = cell_cache[raw] = (Decimal(raw), "") if raw.isdigit() else parse_cell(raw)
            except NumberError as exc:
                problems.append(Problem(line, "value", str(exc), raw))
                continue
        value, flag = cell
        note = ""
        if i_q is not None:
            quality = record[i_q].strip()
            if quality in ("p", "v") and value is not None:
                flag = flag or "p"
            elif quality == "r" and value is not None:
                flag = flag or "r"
            elif quality and quality != "e":
                note = _("quality mark '%(mark)s'") % {"mark": quality}
        rows.append(Row(indicator, area, date, dims, dim_key, value, flag, note, line))
    return result


def _genesis_combo(record, variables, result, breakdowns):
    """Area and breakdown of one combination of variable codes, noting new areas and dimensions.

    `breakdowns` maps the codes of a breakdown to its (dims, dim_key): every row with
    that breakdown shares them, whatever its area."""
    area, codes = None, []
    for i_code, i_label, i_attr, i_attr_label in variables:
        code, attr = record[i_code], record[i_attr]
        if code in REGIONAL_VARIABLES:
            area = attr
            if attr not in result.areas:
                name = record[i_attr_label] if i_attr_label is not None else attr
                result.areas[attr] = {"name": name, "kind": REGIONAL_VARIABLES[code]}
        elif code:
            codes.append((code, attr))
    if area is None:
        area = "DG"
        result.areas.setdefault("DG", {"name": _("Germany"), "kind": "country"})
    breakdown = breakdowns.get(tuple(codes))
    if breakdown is None:
        breakdown = breakdowns[tuple(codes)] = _genesis_breakdown(record, variables, result)
    return area, *breakdown


def _genesis_breakdown(record, variables, result):
    """(dims, dim_key) of the classifying variables of a row, noting new dimensions and values."""
    dims = {}
    for i_code, i_label, i_attr, i_attr_label in variables:
        code, attr = record[i_code], record[i_attr]
        if not code or code in REGIONAL_VARIABLES:
            continue
        dim, value_key = code.lower(), attr or TOTAL_KEY
        spec = result.dimensions.setdefault(
            dim, {"label": record[i_label] if i_label is not None else code, "values": {}, "total": None}
        )
        if value_key not in spec["values"]:
            label = record[i_attr_label] if i_attr_label is not None else value_key
            spec["values"][value_key] = label or _("Total")
            if not attr or label.strip().lower() == "insgesamt":
                spec["total"] = value_key
        dims[dim] = value_key
    return dims, dimension_key(dims)


def _genesis_date(code: str, text: str) -> datetime.date:
    text = text.strip()
    if code == "STAG":
        return datetime.datetime.strptime(text, "%d.%m.%Y").date()
    if code == "JAHR":
        return datetime.date(int(text), 12, 31)
    if code in ("MONAT",):
        year, month = text.split("-")[:2] if "-" in text else (text[:4], text[4:6])
        first_next = datetime.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
        return first_next - datetime.timedelta(days=1)
    return parse_date(text)


# --- The own long format (CSV or XLSX) -------------------------------------------------------


def read_xlsx(data: bytes):
    """Rows of the first sheet with a header row naming indicator and value, as (line, cells).

    Title rows above the table and footnote rows below it (after the first empty row) are skipped."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ImportFileError(_("The Excel file cannot be read: %(error)s") % {"error": exc}) from None
    try:
        for sheet in workbook.worksheets:
            header_found = False
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                texts = [_xlsx_text(c) for c in cells]
                if not header_found:
                    if detect_format(texts) == "csv":
                        header_found = True
                        yield number, texts
                    continue
                if not any(t.strip() for t in texts):
                    return
                yield number, texts
            if header_found:
                return
    finally:
        workbook.close()
    raise ImportFileError(_("No table with the columns 'indicator' and 'value' (or 'Kennzahl' and 'Wert') found in the workbook."))


def _xlsx_text(cell) -> str:
    """A cell as the text the long-format reader expects: numbers with a decimal comma, dates ISO."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, (int, float)):
        return format(Decimal(repr(cell)), "f").replace(".", ",")
    if isinstance(cell, (datetime.date, datetime.datetime)):
        return cell.strftime("%Y-%m-%d")
    return str(cell)


def parse_long_rows(numbered_rows, fmt: str, decimal_comma: bool = True) -> Parsed:
    """One row per observation: indicator, area, reference_date, dimension columns, value, flag."""
    result = Parsed(fmt)
    rows_iter = iter(numbered_rows)
    try:
        _line, header = next(rows_iter)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
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
    known = set(col.values())
    dim_columns = [(i, names[i]) for i in range(len(names)) if i not in known and names[i]]
    width = len(names)
    for line, record in rows_iter:
        if not any(c.strip() for c in record):
            continue
        if len(record) < width:
            record = record + [""] * (width - len(record))

        def get(name, record=record):
            return record[col[name]].strip() if name in col else ""

        indicator, area, date_text = get("indicator"), get("area"), get("reference_date")
        if not indicator:
            result.problems.append(Problem(line, names[col["indicator"]], _("the indicator is missing.")))
            continue
        if not area:
            result.problems.append(Problem(line, names[col["area"]], _("the area is missing.")))
            continue
        try:
            date = parse_date(date_text)
        except ValueError:
            result.problems.append(Problem(line, names[col["reference_date"]], _("'%(value)s' is not a date (expected DD.MM.YYYY or YYYY-MM-DD).") % {"value": date_text}, date_text))
            continue
        dims = {name: record[i].strip() for i, name in dim_columns if record[i].strip()}
        raw, flag_text = get("value"), get("flag")
        try:
            if raw:
                value, flag = parse_cell(raw, decimal_comma)
            elif flag_text:
                value, flag = parse_cell(flag_text)
            else:
                raise NumberError(_("the cell is empty; write a value or an official symbol such as '.' or '-'."))
        except NumberError as exc:
            result.problems.append(Problem(line, names[col["value"]], str(exc), raw))
            continue
        if flag_text and flag_text != flag:
            if flag_text in ("p", "r", "()") and value is not None and not flag:
                flag = flag_text
            elif flag_text in ("-", ".", "x", "...", "/") and value is None:
                flag = flag_text
            else:
                result.problems.append(Problem(line, names[col["flag"]], _("the symbol '%(flag)s' does not fit the value '%(value)s'.") % {"flag": flag_text, "value": raw}, flag_text))
                continue
        result.rows.append(Row(indicator, area, date, dims, dimension_key(dims), value, flag, get("note"), line, names[col["value"]]))
    return result


# --- Open SDG and SDMX-CSV ---------------------------------------------------------------------


def parse_opensdg(header, reader, indicator: str | None, decimal_comma: bool) -> Parsed:
    """Open SDG: Year, disaggregation columns, Value; a blank disaggregation cell is the total."""
    if not indicator:
        raise ImportFileError(_("An Open SDG file does not name its indicator: give it with --indicator KEY."))
    result = Parsed("opensdg")
    names = [h.strip() for h in header]
    col = {n.lower(): i for i, n in enumerate(names)}
    _require(["year", "value"], col, "Open SDG")
    skip = {"year", "value", "units", "unit measure", "unit multiplier", "series", "observation status", "geocode"}
    dim_columns = [(i, n) for i, n in enumerate(names) if n.lower() not in skip and n]
    for line, record in reader:
        if not any(c.strip() for c in record):
            continue
        year = record[col["year"]].strip()
        try:
            date = parse_date(year)
        except ValueError:
            result.problems.append(Problem(line, "Year", _("'%(value)s' is not a year.") % {"value": year}, year))
            continue
        raw = record[col["value"]].strip()
        try:
            value, flag = parse_cell(raw, decimal_comma)
        except NumberError as exc:
            result.problems.append(Problem(line, "Value", str(exc), raw))
            continue
        area = record[col["geocode"]].strip() if "geocode" in col else ""
        dims = {n: (record[i].strip() or TOTAL_KEY) for i, n in dim_columns}
        result.rows.append(Row(indicator, area, date, dims, dimension_key(dims), value, flag, "", line, "Value"))
    return result


SDMX_STATUS = {"P": "p", "E": "p", "R": "r", "M": ".", "L": ".", "C": ".", "N": "x", "U": "/"}


def parse_sdmx(header, reader, indicator: str | None, decimal_comma: bool) -> Parsed:
    """SDMX-CSV (version 1 and 2): DATAFLOW/STRUCTURE_ID, dimensions, TIME_PERIOD, OBS_VALUE, OBS_STATUS."""
    result = Parsed("sdmx-csv")
    names = [h.strip() for h in header]
    upper = [n.upper().split(":")[0] for n in names]
    col = {n: i for i, n in enumerate(upper)}
    _require(["TIME_PERIOD", "OBS_VALUE"], col, "SDMX-CSV")
    skip = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "ACTION", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "OBS_FLAG", "UNIT_MEASURE", "UNIT_MULT", "DECIMALS", "REF_AREA", "COMMENT_OBS"}
    dim_columns = [(i, names[i].split(":")[0].lower()) for i, n in enumerate(upper) if n not in skip and n]
    flow_col = col.get("DATAFLOW", col.get("STRUCTURE_ID"))
    for line, record in reader:
        if not any(c.strip() for c in record):
            continue
        key = indicator
        if key is None and flow_col is not None:
            flow = record[flow_col].strip()
            key = flow.split(":")[-1].split("(")[0].lower()
        if not key:
            result.problems.append(Problem(line, "DATAFLOW", _("the row does not name its indicator; give it with --indicator KEY.")))
            continue
        period = record[col["TIME_PERIOD"]].strip()
        try:
            date = parse_date(period[:10])
        except ValueError:
            result.problems.append(Problem(line, "TIME_PERIOD", _("'%(value)s' is not a date.") % {"value": period}, period))
            continue
        raw = record[col["OBS_VALUE"]].strip()
        status = record[col["OBS_STATUS"]].strip().upper() if "OBS_STATUS" in col else ""
        try:
            if raw:
                value, flag = parse_cell(raw, False if "." in raw and "," not in raw else decimal_comma)
            elif SDMX_STATUS.get(status) in ("-", ".", "x", "...", "/"):
                value, flag = None, SDMX_STATUS[status]
            else:
                raise NumberError(_("the cell is empty; write a value or an official symbol such as '.' or '-'."))
        except NumberError as exc:
            result.problems.append(Problem(line, "OBS_VALUE", str(exc), raw))
            continue
        if value is not None and SDMX_STATUS.get(status) in ("p", "r"):
            flag = flag or SDMX_STATUS[status]
        area = record[col["REF_AREA"]].strip() if "REF_AREA" in col else ""
        dims = {name: record[i].strip() for i, name in dim_columns if record[i].strip()}
        result.rows.append(Row(key, area, date, dims, dimension_key(dims), value, flag, "", line, "OBS_VALUE"))
    return result
