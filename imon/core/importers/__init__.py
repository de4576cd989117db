"""Readers for statistics files: GENESIS flat files, the own long CSV/XLSX, Open SDG CSV, SDMX-CSV.

Each reader turns a file into a `Parsed` result without touching the
database: rows of observations keyed by codes as the file names them, plus
what the file says about its indicators, dimensions, areas and source. Problems
are collected with their line and column, in German. Resolving the codes
against the database is the job of `imports.py`.

`parse` takes any file to the reader of its format (`decoding`, `sniffing`); one module per
format: `genesis`, `long` (CSV), `xlsx_sheets`, `jsonfile`, `opensdg`, `sdmx`.
"""

from .decoding import decode, read_bytes
from .parse import FORMATS, gc_paused, parse_bytes, parse_file
from .parsed import ImportFileError, Parsed, Problem, Row
from .xlsx_sheets import rounding_note

__all__ = [
    "FORMATS",
    "ImportFileError",
    "Parsed",
    "Problem",
    "Row",
    "decode",
    "gc_paused",
    "parse_bytes",
    "parse_file",
    "read_bytes",
    "rounding_note",
]
