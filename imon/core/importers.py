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
import itertools
import os
import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from .models import dimension_key
from .numbers import NumberError, parse_cell, parse_date

FORMATS = ("genesis", "csv", "xlsx", "opensdg", "sdmx-csv", "json")
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
    objects have been made, which took a third of the time of a large import.

    On leaving, the objects made meanwhile join the oldest generation (`gc.freeze()` and
    `gc.unfreeze()` move them there without a look at each): otherwise the first allocation
    after `gc.enable()` would walk them all as one young generation, 30 ms for the rows of
    a large file, again after each step of an import."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


# --- Reading bytes ---------------------------------------------------------------------


def max_bytes() -> int:
    return getattr(settings, "IMON_IMPORT_MAX_MB", 200) * 1024 * 1024


def read_bytes(path) -> bytes:
    """The file's content, refusing files above the size limit before reading them."""
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_bytes():
        raise ImportFileError(
            _(
                "The file is %(size)s MB large; at most %(limit)s MB can be imported. Split it, or raise IMON_IMPORT_MAX_MB."
            )
            % {"size": size // (1024 * 1024), "limit": max_bytes() // (1024 * 1024)}
        )
    with open(path, "rb") as stream:
        return stream.read()


def unpack_zip(data: bytes) -> tuple[str, bytes]:
    """A ZIP as GENESIS delivers it (one CSV) or an XLSX; refuses ZIP bombs.

    The sizes the archive declares are checked first; `zipfile` then stops
    each member at its declared size and checks its CRC, so forged sizes show
    as damage. Every member is unpacked here a block at a time – never whole,
    as `ZipFile.read` would – so a forged member cannot fill the memory before
    that check, here or later in openpyxl. Only the CSV member is kept."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file looks like a ZIP archive but is damaged or truncated.")) from None
    declared = sum(m.file_size for m in members)
    if declared > max_bytes() or any(
        m.compress_size and m.file_size / m.compress_size > 200 for m in members
    ):
        raise ImportFileError(
            _(
                "The archive unpacks to %(size)s MB or is compressed suspiciously strongly (ZIP bomb); it is not imported."
            )
            % {"size": declared // (1024 * 1024)}
        )
    names = [m.filename for m in members]
    is_xlsx = "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    csvs = [n for n in names if n.lower().endswith(".csv")]
    if not is_xlsx and len(csvs) != 1:
        raise ImportFileError(
            _("The ZIP archive must contain exactly one CSV file; it contains %(count)s.")
            % {"count": len(csvs)}
        )
    kept = []
    try:
        for member in members:
            with archive.open(member) as stream:
                while block := stream.read(1 << 20):
                    if not is_xlsx and member.filename == csvs[0]:
                        kept.append(block)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise ImportFileError(_("The file looks like a ZIP archive but is damaged or truncated.")) from None
    return ("xlsx", data) if is_xlsx else ("csv", b"".join(kept))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), Windows-1252 or UTF-16 with BOM (Excel's "Unicode text");
    refuses binary files."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return str(data, "utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is neither UTF-8 nor Windows-1252 text.")) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is not a text file (it contains binary data)."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = memoryview(data)[3:]  # without a copy of the file
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = str(data, "cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or _looks_mac_roman(text):
        # Excel for Mac still saves "CSV (Macintosh)" in Mac Roman, whose ä, ö, ü and ß
        # Windows-1252 reads as Š, š, Ÿ and §.
        mac = str(data, "mac_roman")
        if text is None and (_CONTROL.search(mac) or not _GERMAN_IN_WORD.search(mac)):
            raise ImportFileError(_("The file is neither UTF-8 nor Windows-1252 text."))
        return mac
    return text


_GERMAN_LETTERS = re.compile("[äöüßÄÖÜ]")
_GERMAN_IN_WORD = re.compile(r"[^\W\d_][äöüßÄÖÜ]")
# Mac Roman's ä, ü, ß, Ä, Ö and Ü read as Windows-1252, inside words: ä is Š after a small letter
# ("MŠnner"); its ö (š) is left out, for Windows-1252's own š is common in names.
_MAC_ROMAN_IN_WORD = re.compile(r"[^\W\d_][Ÿ§€…†][^\W\d_]|[a-zß-ÿ]Š")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _looks_mac_roman(text: str) -> bool:
    """Whether text read as Windows-1252 is really Mac Roman: none of the German letters where
    Windows-1252 has them, but Mac Roman's German letters inside words."""
    return not _GERMAN_LETTERS.search(text) and _MAC_ROMAN_IN_WORD.search(text) is not None


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
        raise ImportFileError(
            _("The file is larger than %(limit)s MB.") % {"limit": max_bytes() // (1024 * 1024)}
        )
    kind = "csv"
    if data[:2] == b"PK":
        kind, data = unpack_zip(data)
    if kind == "xlsx":
        if fmt not in ("auto", "xlsx", "csv"):
            raise ImportFileError(_("The file is an Excel workbook, not %(format)s.") % {"format": fmt})
        around: list = []
        parsed = parse_long_rows(read_xlsx(data, around), "xlsx")
        if note := rounding_note(around):
            for row in parsed.rows:
                row.note = f"{row.note}; {note}" if row.note else note
        return parsed
    if fmt == "xlsx":
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    text = decode(data)
    if "\r" in text and "\n" not in text:  # lines ended by CR alone (classic Mac, Excel's "CSV (Macintosh)")
        text = text.replace("\r", "\n")
    if fmt == "json" or (fmt == "auto" and text.lstrip()[:1] == "{"):
        return parse_long_rows(read_json(text), "json", decimal_comma=False)
    first = next((line for _number, line in _lines(text) if line.strip()), None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    delimiter = sniff_delimiter(first)
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except csv.Error as exc:  # e.g. a stray CR inside the first line
        raise ImportFileError(
            _("The file cannot be read as CSV (line %(line)s): %(error)s") % {"line": 1, "error": exc}
        ) from None
    detected = detect_format(header)
    if fmt == "auto":
        if detected is None:
            raise ImportFileError(
                _(
                    "The format of the file is unknown. Supported: GENESIS flat file (ffcsv), the own long CSV/XLSX template, Open SDG CSV and SDMX-CSV."
                )
            )
        fmt = detected
    if fmt not in FORMATS:
        raise ImportFileError(_("Unknown format '%(format)s'.") % {"format": fmt})
    order = genesis_order(header) if fmt == "genesis" else None
    if fmt == "genesis" and order is None and '"' not in text:
        # GENESIS writes no quotes; then splitting lines is exact and five times faster than
        # the csv module, and it needs no copy of the text.
        start, number = _after_line(text, first)
        return parse_genesis(header, _lines(text, start, number), name, delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(header)
    try:
        next(row for row in reader if row)  # the header
        # Short rows are padded: a missing cell is an empty cell, reported by the reader that needs it.
        records = ((reader.line_num, row + [""] * (width - len(row))) for row in reader)
        decimal_comma = delimiter != ","  # ";" and tab: German Excel writes a decimal comma
        if fmt == "genesis":
            order = order or list(range(width))
            lines = ((number, FIELD_SEPARATOR.join([record[i] for i in order])) for number, record in records)
            return parse_genesis([header[i] for i in order], lines, name, FIELD_SEPARATOR)
        if fmt == "csv":
            return parse_long_rows(_with_lines(header, records), "csv", decimal_comma)
        if fmt == "opensdg":
            return parse_opensdg(header, records, indicator or _indicator_from_name(name), decimal_comma)
        return parse_sdmx(header, records, indicator, decimal_comma)
    except csv.Error as exc:
        raise ImportFileError(
            _("The file cannot be read as CSV (line %(line)s): %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None


def _require(columns, present, fmt):
    missing = [c for c in columns if c not in present]
    if missing:
        raise ImportFileError(
            _("A %(format)s file needs the columns %(columns)s.")
            % {"format": fmt, "columns": ", ".join(missing)}
        )


def _lines(text: str, start: int = 0, number: int = 0):
    """(line number, line) of the text from position `start` (a line's start; `number` lines
    come before it), split a megabyte at a time: a copy of the whole text would double the
    memory, a loop over each line's end in Python takes twice as long."""
    position, size = start, len(text)
    while position < size:
        end = text.find("\n", position + (1 << 20))
        end = size if end < 0 else end + 1
        lines = text[position:end].split("\n")
        if text[end - 1] == "\n":
            lines.pop()  # the empty text after the block's last line break
        yield from enumerate(lines, number + 1)
        number += len(lines)
        position = end


def _after_line(text: str, line: str) -> tuple[int, int]:
    """(position, number) of the line after the first line that is `line`."""
    position = text.find(line)
    while position > 0 and text[position - 1] != "\n":  # not at a line's start
        position = text.find(line, position + 1)
    end = text.find("\n", position)
    end = len(text) if end < 0 else end + 1
    return end, text.count("\n", 0, end)


def _indicator_from_name(name: str) -> str | None:
    stem = PurePath(name).stem
    return stem.removeprefix("indicator_") if stem else None


def _with_lines(header, records):
    yield 1, header
    yield from records


# --- GENESIS flat file ---------------------------------------------------------------------

# Joins the fields of a row read by the csv module (quoted fields may hold ';') into a line
# that `parse_genesis` can split; no statistics file holds this control character.
FIELD_SEPARATOR = "\x1f"


def _genesis_cut(header: list[str]) -> tuple[int, int] | None:
    """(first, last): where `parse_genesis` cuts a line. The classifying variables' columns
    run from `first` to `last` (last = first - 1 in a table without variables); the columns
    read on every line stand outside them, statistic and time before, value, value variable
    and quality after (the labels may stand anywhere). None if the columns do not stand so,
    or if one of those is missing."""
    position = {h.strip(): i for i, h in enumerate(header)}
    head = [position.get(name) for name in ("statistics_code", "time_code", "time")]
    tail = [position.get(name) for name in ("value", "value_variable_code")] + [
        position[n] for n in ("value_q",) if n in position
    ]
    if None in head or None in tail:
        return None
    middle = [
        i for name, i in position.items() if re.fullmatch(r"\d+_variable_(attribute_)?(code|label)", name)
    ]
    first, last = (min(middle), max(middle)) if middle else (min(tail), min(tail) - 1)
    return (first, last) if max(head) < first and last < min(tail) else None


def genesis_order(header: list[str]) -> list[int] | None:
    """None if `parse_genesis` can cut the lines as they are (GENESIS's own order), else the
    positions of the columns in an order it can cut: the others, then the variables, then
    value, value variable and quality."""
    position = {h.strip(): i for i, h in enumerate(header)}
    if (
        _genesis_cut(header) is not None
        or not {"statistics_code", "time_code", "time", "value", "value_variable_code"} <= position.keys()
    ):
        return None  # (parse_genesis names a missing column)
    middle = [
        i for name, i in position.items() if re.fullmatch(r"\d+_variable_(attribute_)?(code|label)", name)
    ]
    tail = [position[name] for name in ("value", "value_variable_code", "value_q") if name in position]
    return [i for i in range(len(header)) if i not in middle and i not in tail] + sorted(middle) + tail


def parse_genesis(header: list[str], lines, name: str, delimiter: str) -> Parsed:
    """GENESIS-Online / Regionalstatistik / Zensus flat file (ffcsv); `lines` yields
    (line number, text) of lines whose columns, split at `delimiter`, stand in an order it
    can cut (see `genesis_order`)."""
    return _GenesisReader(header, name, delimiter).read(lines)


class _GenesisReader:
    """Reads the lines of one GENESIS flat file.

    A large table repeats each combination of area and classifying variables once per
    reference date, and the variables' columns stand together between the time and the value
    columns. Each line is therefore cut into three: the columns before the variables, the
    variables' columns as one text, and the columns after them. The variables' text is the
    key under which the combination is looked up; only a new one is split. Dates and values
    are likewise read once per distinct text."""

    def __init__(self, header: list[str], name: str, delimiter: str):
        self.result = Parsed("genesis", creates_metadata=True)
        col = self.col = {h.strip(): i for i, h in enumerate(header)}
        required = [
            "statistics_code",
            "statistics_label",
            "time_code",
            "time",
            "value",
            "value_unit",
            "value_variable_code",
            "value_variable_label",
        ]
        missing = [c for c in required if c not in col]
        if missing:
            raise ImportFileError(
                _("The GENESIS flat file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
        self.variables = []
        n = 1
        while f"{n}_variable_code" in col:
            if f"{n}_variable_attribute_code" not in col:
                raise ImportFileError(
                    _("The GENESIS flat file lacks the columns: %(columns)s.")
                    % {"columns": f"{n}_variable_attribute_code"}
                )
            self.variables.append(
                (
                    col[f"{n}_variable_code"],
                    col.get(f"{n}_variable_label"),
                    col[f"{n}_variable_attribute_code"],
                    col.get(f"{n}_variable_attribute_label"),
                )
            )
            n += 1
        cut = _genesis_cut(header)
        if cut is None:
            raise ValueError("the columns must stand in an order parse_genesis can cut (see genesis_order)")
        self.width, self.delimiter = len(header), delimiter
        # `first` columns before the variables' text, `n_after` after it
        self.first, self.last = cut
        self.n_after = self.width - 1 - self.last
        self.has_middle = self.last >= self.first
        # If the first variable is regional (KREISE, GEMEIN, …) and its columns lead the
        # variables' text, a new combination is an area and a known breakdown of the others.
        self.lead = None
        lead_columns = [i for i in self.variables[0] if i is not None] if self.variables else []
        if lead_columns and sorted(lead_columns) == list(range(self.first, self.first + len(lead_columns))):
            i_code, _i_label, i_attr, i_attr_label = self.variables[0]
            self.lead = (
                len(lead_columns),
                i_code - self.first,
                i_attr - self.first,
                i_attr_label and i_attr_label - self.first,
            )
        self.rests: dict = {}  # the text of the other variables' columns -> (dims, dim_key)
        self.breakdowns: dict = {}  # codes of the classifying variables -> (dims, dim_key)
        self.indicator_of: dict = {}  # statistic, value variable -> (indicator, its combinations)
        self.table = re.search(r"\d{5}-\d{4}|\d{5}-\d{2}-\d{2}-\d|\d{4}[A-Z]-\d{4}", name)

    def read(self, lines) -> Parsed:
        result, col, delimiter, first, last, n_after, has_middle = (
            self.result,
            self.col,
            self.delimiter,
            self.first,
            self.last,
            self.n_after,
            self.has_middle,
        )
        i_stat, i_time_code, i_time = col["statistics_code"], col["time_code"], col["time"]
        j_value, j_vcode = col["value"] - last, col["value_variable_code"] - last
        j_quality = col["value_q"] - last if "value_q" in col else None
        problems = result.problems
        append = result.rows.append
        date_cache: dict = {}  # time text -> (time code, date)
        cell_cache: dict = {}  # value text -> (value, flag)
        stat = vcode = time_code = time = date = indicator = combinations = None
        for line, text in lines:
            text = text.rstrip("\r")
            head = text.split(delimiter, first)
            if len(head) > first:
                tail = (head[first] if has_middle else delimiter + head[first]).rsplit(delimiter, n_after)
            else:
                tail = ()
            if len(tail) <= n_after:
                if text.strip():
                    self.short_line(line, text.count(delimiter) + 1)
                continue
            if head[i_time] != time or head[i_time_code] != time_code:  # mostly the previous line's date
                time_code, time = head[i_time_code], head[i_time]
                cached_date = date_cache.get(time)
                if cached_date is None or cached_date[0] != time_code:
                    try:
                        cached_date = date_cache[time] = (time_code, _genesis_date(time_code, time))
                    except ValueError:
                        problems.append(
                            Problem(
                                line,
                                "time",
                                _("'%(value)s' is not a reference date of type %(code)s.")
                                % {"value": time, "code": time_code},
                                time,
                            )
                        )
                        time_code = time = None
                        continue
                date = cached_date[1]
            if tail[j_vcode] != vcode or head[i_stat] != stat:  # mostly the previous line's indicator
                stat, vcode = head[i_stat], tail[j_vcode]
                known = self.indicator_of.get((stat, vcode))
                if known is None:
                    known = self.indicator_of[(stat, vcode)] = (f"{stat}-{vcode}".lower(), {})
                indicator, combinations = known
            combination = combinations.get(tail[0])
            if combination is None:
                combination = self.combination(indicator, head, tail, line)
                if combination is None:
                    continue
                combinations[tail[0]] = combination
            raw = tail[j_value]
            cell = cell_cache.get(raw)
            if cell is None:
                try:
                    # GENESIS writes decimal commas; the parser also takes an unambiguous decimal point.
                    cell = cell_cache[raw] = (Decimal(raw), "") if raw.isdigit() else parse_cell(raw)
                except NumberError as exc:
                    problems.append(Problem(line, "value", str(exc), raw))
                    continue
            area, dims, dim_key = combination
            value, flag = cell
            if j_quality and tail[j_quality] not in ("", "e"):
                value, flag, note = _with_quality(value, flag, tail[j_quality])
            else:
                note = ""
            append(Row(indicator, area, date, dims, dim_key, value, flag, note, line))
        return result

    def short_line(self, line: int, found: int):
        self.result.problems.append(
            Problem(
                line,
                "",
                _("the line has %(found)s of %(expected)s columns (file truncated?).")
                % {"found": found, "expected": self.width},
            )
        )

    def combination(self, indicator: str, head: list, tail: list, line: int):
        """(area, dims, dim_key) of a line with a new variables' text, noting new indicators,
        areas and dimensions; None after noting a problem."""
        result, middle = self.result, tail[0]
        parts = None
        if self.lead is not None and indicator in result.indicators:
            size, j_code, j_attr, j_attr_label = self.lead
            parts = middle.split(self.delimiter, size)
            code = parts[j_code] if len(parts) > size else None
            if code in REGIONAL_VARIABLES:
                breakdown = self.rests.get(parts[size])
                if breakdown is not None:
                    area = parts[j_attr]
                    if area not in result.areas:
                        result.areas[area] = {
                            "name": parts[j_attr_label] if j_attr_label is not None else area,
                            "kind": REGIONAL_VARIABLES[code],
                        }
                    return area, *breakdown
            else:
                parts = None
        record = head[: self.first] + (middle.split(self.delimiter) if self.has_middle else []) + tail[1:]
        if len(record) != self.width:
            self.short_line(line, len(record))
            return None
        col = self.col
        if indicator not in result.indicators:
            result.indicators[indicator] = {
                "title": record[col["value_variable_label"]],
                "unit": record[col["value_unit"]],
                "statistic": record[col["statistics_label"]],
            }
        if result.source is None:
            table = self.table.group(0) if self.table else record[col["statistics_code"]]
            result.source = {
                "key": f"genesis-{table}".lower(),
                "publisher": _("Statistical Offices of the Federation and the Länder (GENESIS)"),
                "title": record[col["statistics_label"]],
                "table_code": table,
                "licence": "dl-de/by-2-0",
            }
        area, dims, dim_key = _genesis_combo(record, self.variables, result, self.breakdowns)
        if parts is not None and area == parts[self.lead[2]]:  # no other regional variable among the rest
            self.rests[parts[self.lead[0]]] = (dims, dim_key)
        return area, dims, dim_key


def _with_quality(value, flag: str, quality: str) -> tuple:
    """(value, flag, note) of a cell with GENESIS's quality mark (value_q): p and v
    (provisional) and r (revised) become the flag of a value; e (final) says nothing; other
    marks, and any mark of a missing value, are kept as a note."""
    quality = quality.strip()
    if not quality or quality == "e":
        return value, flag, ""
    if value is not None and quality in ("p", "v", "r"):
        return value, flag or ("r" if quality == "r" else "p"), ""
    return value, flag, _("quality mark '%(mark)s'") % {"mark": quality}


def _genesis_combo(record, variables, result, breakdowns):
    """Area and breakdown of one combination of variable codes, noting new areas and dimensions.

    `breakdowns` maps the codes of a breakdown to its (dims, dim_key): every row with
    that breakdown shares them, whatever its area."""
    area, codes = None, []
    for i_code, _i_label, i_attr, i_attr_label in variables:
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


def read_xlsx(data: bytes, around: list | None = None):
    """Rows of the first sheet with a header row naming indicator and value, as (line, cells).

    Title rows above the table are skipped. Rows right below the header that leave the
    indicator, area, date and value columns empty continue the header, as a header of two
    rows with merged cells does: a label there names the column below it. The table ends at
    the first empty row or at a footnote (a row of one text, such as "1) vorläufig" or
    "Quelle: IT.NRW"). The texts of title and footnote rows are appended to `around`."""
    import openpyxl

    around = [] if around is None else around
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ImportFileError(_("The Excel file cannot be read: %(error)s") % {"error": exc}) from None
    try:
        for sheet in workbook.worksheets:
            header, header_line, required, titles, ended = None, 0, [], [], False
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                texts = [_xlsx_text(c) for c in cells]
                filled = [t.strip() for t in texts if t.strip()]
                if header is None:
                    if detect_format(texts) == "csv":
                        header, header_line = texts, number
                        lower = [t.strip().lower() for t in texts]
                        required = [
                            i
                            for i, t in enumerate(lower)
                            if any(
                                t in LONG_COLUMNS[c] for c in ("indicator", "area", "reference_date", "value")
                            )
                        ]
                    else:
                        titles.extend(filled)
                    continue
                if ended:
                    around.extend(filled)
                    continue
                if header_line and not any(i < len(texts) and texts[i].strip() for i in required):
                    if any(t.strip() for t in texts):  # the lower row of the header
                        header = [
                            t if t.strip() else h
                            for h, t in itertools.zip_longest(header, texts, fillvalue="")
                        ]
                    continue
                if header_line:
                    around.extend(titles)
                    yield header_line, header
                    header_line = 0
                if not filled or (len(filled) == 1 and _FOOTNOTE.match(filled[0])):
                    ended = True
                    around.extend(filled)
                    continue
                yield number, texts
            if header is not None:
                if header_line:  # a table without rows
                    around.extend(titles)
                    yield header_line, header
                return
    finally:
        workbook.close()
    raise ImportFileError(
        _(
            "No table with the columns 'indicator' and 'value' (or 'Kennzahl' and 'Wert') found in the workbook."
        )
    )


# A footnote below a table: a text with a space in it, or a reference mark, or a note's
# heading; a single key such as "bevoelkerung" is a row with cells missing, and reported.
_FOOTNOTE = re.compile(r"\S*\s|\d+\)|\*|(quelle|hinweis|anmerkung|fußnote|stand)\b", re.IGNORECASE)
# What a publisher writes when its figures are rounded: "auf ein Vielfaches von 5 gerundet",
# "Rundungsdifferenzen", "gerundete Werte".
_ROUNDING = re.compile(r"gerundet|rundung|vielfache[sn]? von \d", re.IGNORECASE)


def rounding_note(texts) -> str:
    """The note an observation keeps when the texts around its table (title rows, footnotes)
    say that the publisher rounded the figures; empty if they say nothing of it."""
    said = [" ".join(t.split()) for t in texts if _ROUNDING.search(t)]
    if not said:
        return ""
    return _("Rounded by the publisher: %(text)s") % {"text": " ".join(said)[:500]}


def read_json(text: str):
    """Rows of the JSON that `imon export-data --format json` writes ({"columns": [...],
    "observations": [{column: value}, ...]}), as (number, cells) for the long-format reader;
    the number is the observation's place, counted from 1."""
    import json

    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("The JSON file is damaged or truncated (line %(line)s, column %(column)s).")
            % {"line": exc.lineno, "column": exc.colno}
        ) from None
    columns = payload.get("columns") if isinstance(payload, dict) else None
    observations = payload.get("observations") if isinstance(payload, dict) else None
    if not isinstance(columns, list) or not isinstance(observations, list):
        raise ImportFileError(
            _("A JSON file must hold 'columns' and 'observations', as imon export-data writes it.")
        )
    yield 0, [str(c) for c in columns]
    for number, observation in enumerate(observations, start=1):
        if not isinstance(observation, dict):
            raise ImportFileError(
                _("Observation %(number)s of the JSON file is not an object.") % {"number": number}
            )
        yield number, ["" if observation.get(c) is None else str(observation.get(c)) for c in columns]


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
            result.problems.append(
                Problem(
                    line,
                    names[col["reference_date"]],
                    _("'%(value)s' is not a date (expected DD.MM.YYYY or YYYY-MM-DD).")
                    % {"value": date_text},
                    date_text,
                )
            )
            continue
        dims = {name: record[i].strip() for i, name in dim_columns if record[i].strip()}
        raw, flag_text = get("value"), get("flag")
        try:
            if raw:
                value, flag = parse_cell(raw, decimal_comma)
            elif flag_text:
                value, flag = parse_cell(flag_text)
            else:
                raise NumberError(
                    _("the cell is empty; write a value or an official symbol such as '.' or '-'.")
                )
        except NumberError as exc:
            result.problems.append(Problem(line, names[col["value"]], str(exc), raw))
            continue
        if flag_text and flag_text != flag:
            if (
                flag_text in ("p", "r", "()")
                and value is not None
                and not flag
                or flag_text in ("-", ".", "x", "...", "/")
                and value is None
            ):
                flag = flag_text
            else:
                result.problems.append(
                    Problem(
                        line,
                        names[col["flag"]],
                        _("the symbol '%(flag)s' does not fit the value '%(value)s'.")
                        % {"flag": flag_text, "value": raw},
                        flag_text,
                    )
                )
                continue
        result.rows.append(
            Row(
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
            )
        )
    return result


# --- Open SDG and SDMX-CSV ---------------------------------------------------------------------


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
    return result


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
    return result
