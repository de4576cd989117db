"""Any statistics file to `Parsed`: size limit, ZIP, encoding, format detection, then the format's reader."""

import csv
import gc
import io
from contextlib import contextmanager
from pathlib import PurePath

from django.utils.translation import gettext as _

from .decoding import decode, max_bytes, read_bytes, unpack_zip
from .genesis import FIELD_SEPARATOR, genesis_order, parse_genesis
from .jsonfile import read_json
from .long import parse_long_rows
from .opensdg import parse_opensdg
from .parsed import ImportFileError, Parsed, extra_cells
from .sdmx import parse_sdmx
from .sniffing import detect_format, sniff_delimiter
from .xlsx_sheets import read_xlsx, rounding_note

FORMATS = ("genesis", "csv", "xlsx", "opensdg", "sdmx-csv", "json")


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
        return _parse_workbook(data, fmt)
    if fmt == "xlsx":
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    text = decode(data)
    if "\r" in text and "\n" not in text:  # lines ended by CR alone (classic Mac, Excel's "CSV (Macintosh)")
        text = text.replace("\r", "\n")
    if fmt == "json" or (fmt == "auto" and text.lstrip()[:1] == "{"):
        size: list = []
        parsed = parse_long_rows(read_json(text, size), "json", decimal_comma=False)
        parsed.lines = size[0] if size else 0  # the observations
        return parsed
    parsed = _parse_text(text, name, fmt, indicator)
    parsed.lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    return parsed


def _parse_workbook(data: bytes, fmt: str) -> Parsed:
    """An Excel workbook in the long format; a note of rounding around its table goes to every value."""
    if fmt not in ("auto", "xlsx", "csv"):
        raise ImportFileError(_("The file is an Excel workbook, not %(format)s.") % {"format": fmt})
    around: list = []
    ledger: dict = {}
    parsed = parse_long_rows(read_xlsx(data, around, ledger), "xlsx")
    parsed.lines = ledger.pop("lines", 0)
    for reason, count in ledger.items():
        parsed.ignore(reason, count)
    if note := rounding_note(around):
        for row in parsed.rows:
            row.note = f"{row.note}; {note}" if row.note else note
    return parsed


def _parse_text(text: str, name: str, fmt: str, indicator: str | None) -> Parsed:
    """A CSV text: its separator and format from the first line, then the format's reader."""
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
    fmt = _format(fmt, header)
    order = genesis_order(header) if fmt == "genesis" else None
    if fmt == "genesis" and order is None and '"' not in text:
        # GENESIS writes no quotes; then splitting lines is exact and five times faster than
        # the csv module, and it needs no copy of the text.
        start, number = _after_line(text, first)
        parsed = parse_genesis(header, _lines(text, start, number), name, delimiter)
    elif fmt == "opensdg" and '"' not in text:
        # Without quotes, splitting lines at the separator is exact, and faster than the csv module.
        start, number = _after_line(text, first)
        refused: list = []
        ledger: dict = {}
        records = _fitted_lines(_lines(text, start, number), delimiter, len(header), refused, ledger)
        parsed = parse_opensdg(header, records, indicator or _indicator_from_name(name), delimiter != ",")
        _add_ledger(parsed, refused, ledger)
    else:
        parsed = _parse_csv(text, header, delimiter, fmt, order, name, indicator)
    # the header, and the empty lines above it
    parsed.ignore("header")
    parsed.ignore("empty", _after_line(text, first)[1] - 1)
    return parsed


def _format(fmt: str, header: list[str]) -> str:
    """The format asked for, or the one the header shows (for "auto")."""
    if fmt == "auto":
        detected = detect_format(header)
        if detected is None:
            raise ImportFileError(
                _(
                    "The format of the file is unknown. Supported: GENESIS flat file (ffcsv), the own long CSV/XLSX template, Open SDG CSV and SDMX-CSV."
                )
            )
        fmt = detected
    if fmt not in FORMATS:
        raise ImportFileError(_("Unknown format '%(format)s'.") % {"format": fmt})
    return fmt


def _parse_csv(text, header, delimiter, fmt, order, name, indicator) -> Parsed:
    """A CSV text read by the csv module (quoted fields), handed to the format's reader."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(header)
    try:
        next(row for row in reader if row)  # the header
        # Short rows are padded: a missing cell is an empty cell, reported by the reader that needs it.
        # A row with more filled cells than the header is refused, not cut (`extra_cells`).
        refused: list = []
        ledger: dict = {}
        records = _fitted(reader, width, refused, ledger)
        decimal_comma = delimiter != ","  # ";" and tab: German Excel writes a decimal comma
        if fmt == "genesis":
            order = order or list(range(width))
            lines = ((number, FIELD_SEPARATOR.join([record[i] for i in order])) for number, record in records)
            parsed = parse_genesis([header[i] for i in order], lines, name, FIELD_SEPARATOR)
        elif fmt == "csv":
            parsed = parse_long_rows(_with_lines(header, records), "csv", decimal_comma)
        elif fmt == "opensdg":
            parsed = parse_opensdg(header, records, indicator or _indicator_from_name(name), decimal_comma)
        else:
            parsed = parse_sdmx(header, records, indicator, decimal_comma)
        _add_ledger(parsed, refused, ledger)
        return parsed
    except csv.Error as exc:
        raise ImportFileError(
            _("The file cannot be read as CSV (line %(line)s): %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None


def _fitted(reader, width: int, refused: list, ledger: dict):
    """(line, cells) of each row, short rows padded to the header's width, rows with filled
    cells beyond it noted in `refused` and left out; empty cells beyond it are dropped. Empty
    lines, and the further lines of a row whose quoted cell spans several, are counted in
    `ledger` (reason -> lines)."""
    last = reader.line_num  # the header's line
    for row in reader:
        if reader.line_num - last > 1:
            ledger["continued"] = ledger.get("continued", 0) + reader.line_num - last - 1
        last = reader.line_num
        if not any(cell.strip() for cell in row):
            ledger["empty"] = ledger.get("empty", 0) + 1
            continue
        if len(row) > width:
            problem = extra_cells(reader.line_num, row, width)
            if problem is not None:
                refused.append(problem)
                continue
            row = row[:width]
        yield reader.line_num, row + [""] * (width - len(row))


def _add_ledger(parsed: Parsed, refused: list, ledger: dict):
    """The rows refused and the lines ignored before the format's reader saw them."""
    if refused:
        parsed.problems = sorted(parsed.problems + refused, key=lambda p: p.line or 0)
        parsed.refused_lines += len(refused)
    for reason, count in ledger.items():
        parsed.ignore(reason, count)


def _fitted_lines(lines, delimiter: str, width: int, refused: list, ledger: dict):
    """As `_fitted`, for lines without quotes: (line, cells) padded to the header's width."""
    blank = delimiter + " \t\r"
    for number, line in lines:
        cells = line.rstrip("\r").split(delimiter)
        if len(cells) != width:
            if not line.strip(blank):
                ledger["empty"] = ledger.get("empty", 0) + 1
                continue
            if len(cells) > width:
                problem = extra_cells(number, cells, width)
                if problem is not None:
                    refused.append(problem)
                    continue
                cells = cells[:width]
            else:
                cells += [""] * (width - len(cells))
        elif (not cells[0] or cells[0].isspace()) and not line.strip(blank):  # (a row begins filled)
            ledger["empty"] = ledger.get("empty", 0) + 1
            continue
        yield number, cells


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
