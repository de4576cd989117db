"""Excel workbooks: the table of the first fitting sheet, with the notes around it."""

import datetime
import io
import itertools
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from .long import LONG_COLUMNS
from .parsed import ImportFileError
from .sniffing import detect_format


def read_xlsx(data: bytes, around: list | None = None, ledger: dict | None = None):
    """Rows of the first sheet with a header row naming indicator and value, as (line, cells).

    Title rows above the table are skipped. Rows right below the header that leave the
    indicator, area, date and value columns empty continue the header, as a header of two
    rows with merged cells does: a label there names the column below it. The table ends at
    the first empty row or at a footnote (a row of one text, such as "1) vorläufig" or
    "Quelle: IT.NRW"). The texts of title and footnote rows are appended to `around`; `ledger`
    gets the number of rows of the table's sheet ("lines") and of the rows not yielded, by
    reason (header, title, empty, footnote)."""
    from python_calamine import CalamineError, CalamineWorkbook

    around = [] if around is None else around
    ledger = {} if ledger is None else ledger

    def skip(reason):
        counts[reason] = counts.get(reason, 0) + 1

    # calamine (Rust) reads a sheet seven times as fast as openpyxl's read-only mode. Its rows
    # start at the sheet's first row (numbers as in Excel), and empty cells are "".
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportFileError(_("The Excel file cannot be read: %(error)s") % {"error": exc}) from None
    try:
        for index in range(len(workbook.sheet_names)):
            try:
                rows = workbook.get_sheet_by_index(index).iter_rows()
            except (CalamineError, ValueError) as exc:
                raise ImportFileError(
                    _("The Excel file cannot be read: %(error)s") % {"error": exc}
                ) from None
            header, header_line, required, titles, ended = None, 0, [], [], False
            counts: dict = {}
            number = 0
            for number, cells in enumerate(rows, start=1):
                texts = [_xlsx_text(c) for c in cells]
                filled = [t.strip() for t in texts if t.strip()]
                if header is None:
                    if detect_format(texts) == "csv":
                        skip("header")
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
                        skip("title" if filled else "empty")
                    continue
                if ended:
                    around.extend(filled)
                    skip("footnote" if filled else "empty")
                    continue
                if header_line and not any(i < len(texts) and texts[i].strip() for i in required):
                    if any(t.strip() for t in texts):  # the lower row of the header
                        header = [
                            t if t.strip() else h
                            for h, t in itertools.zip_longest(header, texts, fillvalue="")
                        ]
                        skip("header")
                    else:
                        skip("empty")
                    continue
                if header_line:
                    around.extend(titles)
                    yield header_line, header
                    header_line = 0
                if not filled or (len(filled) == 1 and _FOOTNOTE.match(filled[0])):
                    ended = True
                    around.extend(filled)
                    skip("footnote" if filled else "empty")
                    continue
                yield number, texts
            if header is not None:
                ledger.update(counts, lines=number)
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


def _xlsx_text(cell) -> str:
    """A cell as the text the long-format reader expects: numbers with a decimal comma, dates ISO."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():  # Excel stores 163000 as a number of its own kind
        return str(int(cell))
    if isinstance(cell, (int, float)):
        return format(Decimal(repr(cell)), "f").replace(".", ",")
    if isinstance(cell, (datetime.date, datetime.datetime)):
        return cell.strftime("%Y-%m-%d")
    return str(cell)
