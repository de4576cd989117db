"""The Umsetzungsbericht as a document model: a pure function of a snapshot.

`build(snapshot, previous)` turns the snapshot document (see `snapshots.py`) into a list of
blocks (headings, paragraphs, lists, tables, figures) that every renderer (HTML, PDF, DOCX,
PPTX) walks in the same order. All numbers are formatted here, the German way, so that the
formats cannot disagree. The observations in a snapshot have already passed the
confidentiality boundary: suppressed cells arrive without a value.

`blocks` holds the block types, `formatting` the German formatting, `builder` the walk through
the report, whose parts are `chapters`, `measures` (the fields of action) and `indicators`
(with `indicator_view`, one indicator's table and chart).
"""

from .blocks import Bullets, Definitions, Figure, Heading, Paragraph, Report, Table
from .builder import build, by_dimension, indicator_blocks, indicator_blocks_at, sentence

__all__ = [
    "Bullets",
    "Definitions",
    "Figure",
    "Heading",
    "Paragraph",
    "Report",
    "Table",
    "build",
    "by_dimension",
    "indicator_blocks",
    "indicator_blocks_at",
    "sentence",
]
