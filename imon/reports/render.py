"""One entry point for every report format: `render(snapshot, fmt)` gives the file's bytes.

A report leaves the building: it is made from the public document of the snapshot (and of the
previous one), never from the snapshot itself (see `imon.publication.view`)."""

from imon.publication import public_document

from . import document, snapshots

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    "html": ("text/html; charset=utf-8", "html"),
    # the Mitteilungsvorlage that puts the report on the council's agenda
    "vorlage": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
}


def render(snapshot, fmt: str, template=None) -> bytes:
    """The report of `snapshot` (a Snapshot) in `fmt`; `template` is a path or file object of a
    Word (docx) or PowerPoint (pptx) file whose styles and layouts are used."""
    previous = snapshots.previous(snapshot)
    current, before = public_document(snapshot.data), public_document(previous.data) if previous else None
    if fmt == "vorlage":
        from . import vorlage

        return vorlage.docx(vorlage.build(current, before))
    report = document.build(current, before)
    if fmt == "html":
        from .render_html import html

        return html(report).encode("utf-8")
    if fmt == "pdf":
        from .render_html import pdf

        return pdf(report)
    if fmt == "docx":
        from .render_docx import docx

        return docx(report, template)
    if fmt == "pptx":
        from .render_pptx import pptx

        return pptx(report, template)
    raise ValueError(fmt)


def filename(snapshot, fmt: str) -> str:
    name = "mitteilungsvorlage" if fmt == "vorlage" else "umsetzungsbericht"
    return f"{name}-{snapshot.number}-{snapshot.reporting_date:%Y-%m-%d}.{FORMATS[fmt][1]}"
