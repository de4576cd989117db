"""The document metadata of every report format: title, author (the city's office), subject, keywords,
language and the day the file was made."""

import datetime

from .document.blocks import Report, generated


def core_properties(props, report: Report):
    """Fill the core properties of a DOCX or PPTX file (python-docx and python-pptx name them alike); nothing
    of the library's or the city's template (its author, dates, revision, comments) is left."""
    now = generated().astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    props.title = report.title
    props.subject = report.subject
    props.author = props.last_modified_by = report.author or report.municipality
    props.keywords = ", ".join(report.keywords)
    props.category = "Umsetzungsbericht"
    props.comments = props.content_status = props.identifier = props.version = ""
    props.language = "de-DE"
    props.created = props.modified = now
    props.revision = 1
