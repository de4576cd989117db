"""The Mitteilungsvorlage (information note) that puts the Umsetzungsbericht on the council's
agenda: subject, addressees (the concept's council bodies), a summary of the reporting period,
the decisions needed, the financial effects from the controlling figures and the report as
attachment. Made from the public documents of the snapshot and the previous one, as a sober DOCX."""

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from docx import Document
from docx.shared import Cm, Pt

from imon.core import housestyle, periods, rollup
from imon.core.housestyle import HouseStyle
from imon.core.vocabulary import from_document

from . import fonts
from .document.chapters import measure_changes
from .document.formatting import funders_text
from .document.timetable import controlling_sums, figure_text, measure_overdue
from .narrative import STATUS_PHRASES, count_phrase, period_text, status_sentence
from .narrative import format_date as german_date
from .render_docx import _page_setup, _set_language, _style, _table

# The bodies a council submission goes to, in the order they deliberate.
ADDRESSEE_KINDS = ("advisory_council", "council_committee", "council")


@dataclass
class Vorlage:
    municipality: str
    office: str
    kind: str  # "Mitteilungsvorlage"
    subject: str
    addressees: list[tuple[str, str]]  # (body, date of its meeting on or after the reporting date, or "")
    period: str
    status_rows: list[tuple[str, int]]
    status_text: str
    changes: list[str]
    attention: list[str]  # measures that need the bodies' attention: red traffic light, overdue
    decisions: str
    finance: list[str]
    attachment: str
    date: str
    notes: list[str] = field(default_factory=list)
    style: HouseStyle = field(default_factory=lambda: housestyle.build({}))


def funders_summed(measures: list[dict]) -> list[dict]:
    """The funders of all measures, each (name and programme) once with the sum of its amounts
    (None where no measure states an amount), in the order they first appear."""
    summed: dict[tuple[str, str], dict] = {}
    for measure in measures:
        for funder in measure.get("funders", []):
            entry = summed.setdefault(
                (funder["name"], funder.get("programme") or ""),
                {"name": funder["name"], "programme": funder.get("programme") or "", "amount": None},
            )
            if funder.get("amount") is not None:
                entry["amount"] = (entry["amount"] or Decimal(0)) + Decimal(str(funder["amount"]))
    return list(summed.values())


def attention(measures: list[dict], labels: dict, on) -> list[str]:
    """Measures the bodies should know need action: a red traffic light (with its reason) or past
    their end and not finished."""
    items = []
    for m in measures:
        said = []
        if m.get("traffic_light") == "red":
            light = f"Ampel {labels['traffic_light'].get('red', 'rot')}"
            reason = m.get("traffic_light_reason")
            said.append(f"{light} ({reason})" if reason else light)
        if measure_overdue(m, on):
            said.append(f"Laufzeit bis {periods.show(m['end_date'])} überschritten, nicht abgeschlossen")
        if said:
            items.append(f"{m['key']} {m['title']}: {'; '.join(said)}")
    return items


def finance_lines(measures: list[dict], on) -> list[str]:
    """The financial effects: the measures' costs, third-party funding, own share and funders, from
    their controlling figures (as of the reporting date `on`)."""
    sums = controlling_sums(measures)
    finance = []
    if "cost" in sums or "funding" in sums:
        stating = [m for m in measures if m.get("cost") is not None or m.get("funding") is not None]
        if "cost" in sums:
            finance.append(f"Kosten der Maßnahmen: {figure_text('cost', sums['cost'])} EUR")
        if "funding" in sums:
            finance.append(f"davon gedeckt durch Drittmittel: {figure_text('funding', sums['funding'])} EUR")
        if "cost" in sums and "funding" in sums:
            own = sums["cost"] - sums["funding"]
            finance.append(f"Eigenanteil: {figure_text('cost', own)} EUR")
        funders = funders_summed(measures)
        if funders:
            finance.append(f"Mittelgeber: {funders_text(funders)}")
        finance.append(
            f"Angaben aus dem Controlling von {count_phrase(len(stating), 'Maßnahme', 'Maßnahmen')} "
            f"(Stand {german_date(on)}). Die Mitteilung selbst hat keine weiteren finanziellen Auswirkungen."
        )
    else:
        finance.append(
            "Keine. Die Maßnahmen nennen im Controlling keine Kosten oder Drittmittel; "
            "die Mitteilung selbst hat keine finanziellen Auswirkungen."
        )
    return finance


def build(snapshot: dict, previous: dict | None = None, today: datetime.date | None = None) -> Vorlage:
    vocab = from_document(snapshot)
    concept = snapshot["concept"]
    measures = snapshot["measures"]
    labels = snapshot["labels"]
    on = snapshot["reporting_date"]
    meetings = sorted((m for m in snapshot["meetings"] if m["date"] >= on), key=lambda m: m["date"])
    addressees = []
    for kind in ADDRESSEE_KINDS:
        for body in snapshot["bodies"]:
            if body.get("kind") == kind:
                when = next(
                    (m["date"] for m in meetings if body["key"] in [m["body"], *m.get("other_bodies", [])]),
                    "",
                )
                addressees.append((body["name"], german_date(when) if when else ""))
    if not addressees:
        addressees.append((vocab.council, ""))
    counts = rollup.of_records(measures)["by_status"]
    # in the order of the status sentence: finished first, unknown last
    status_rows = [(labels["measure_status"].get(v, v), counts[v]) for v in STATUS_PHRASES if counts.get(v)]
    changes = []
    if previous:
        old = {m["key"]: m for m in previous["measures"]}
        added = [m for m in measures if m["key"] not in old]
        if added:
            changes.append(count_phrase(len(added), "neue Maßnahme", "neue Maßnahmen"))
        for m in measures:
            if m["key"] in old:
                said = measure_changes(old[m["key"]], m, labels)
                if said:
                    changes.append(f"{m['key']} {m['title']}: {'; '.join(said)}")
        if not changes:
            changes.append("Gegenüber dem letzten Bericht haben sich keine Maßnahmen verändert.")
    needs = attention(measures, labels, on)
    finance = finance_lines(measures, on)
    return Vorlage(
        municipality=snapshot["municipality"]["name"],
        office=vocab.office,
        kind="Mitteilungsvorlage",
        subject=f"{snapshot['title']} zum Konzept „{concept['title']}“",
        addressees=addressees,
        period=period_text(snapshot, previous),
        status_rows=status_rows,
        status_text=status_sentence(dict(counts)),
        changes=changes,
        attention=needs,
        decisions="Keine. Die Vorlage dient der Information; ein Beschluss ist nicht erforderlich."
        + (
            f" Auf Handlungsbedarf bei {count_phrase(len(needs), 'Maßnahme', 'Maßnahmen')} weist die "
            "Sachdarstellung hin."
            if needs
            else ""
        ),
        finance=finance,
        attachment=f"{snapshot['title']} – {concept['title']} (Stand {german_date(on)})",
        date=german_date(today or datetime.date.today()),
        style=housestyle.from_document(snapshot),
    )


def docx(vorlage: Vorlage) -> bytes:
    """The Vorlage as a sober DOCX in the house style (logo, font, colours): A4, the headings a council paper
    has."""
    doc = Document()
    _page_setup(doc, vorlage.style)
    fonts.embed_docx(doc, vorlage.style.font)
    _set_language(doc)
    props = doc.core_properties
    props.title = f"Mitteilungsvorlage: {vorlage.subject}"
    props.subject = vorlage.subject
    props.author = vorlage.office
    props.language = "de-DE"
    section = doc.sections[-1]
    usable_cm = (
        (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    ) / 360000
    if vorlage.style.raster_logo:
        doc.add_paragraph().add_run().add_picture(io.BytesIO(vorlage.style.raster_logo), height=Cm(1.6))
    head = doc.add_paragraph()
    head.add_run(vorlage.municipality).bold = True
    head.add_run(f"\n{vorlage.office}\nDatum: {vorlage.date}")
    doc.add_paragraph(vorlage.kind, style=_style(doc, "Title", "Heading 1"))
    subject = doc.add_paragraph()
    subject.add_run("Betreff: ").bold = True
    subject.add_run(vorlage.subject)
    doc.add_heading("Beratungsfolge", level=2)
    _table(
        doc,
        ["Gremium", "Sitzung", "Zuständigkeit"],
        [[name, when or "–", "Kenntnisnahme"] for name, when in vorlage.addressees],
        [False, False, False],
        [6, 2, 2.5],
        usable_cm,
        font_size=10,
    )
    doc.add_heading("Beschlussvorschlag", level=2)
    doc.add_paragraph(vorlage.decisions)
    doc.add_heading("Sachdarstellung", level=2)
    doc.add_paragraph(f"Berichtszeitraum: {vorlage.period}.")
    doc.add_paragraph(f"Der Bericht „{vorlage.attachment}“ liegt als Anlage bei. {vorlage.status_text}")
    if vorlage.status_rows:
        _table(
            doc,
            ["Stand der Maßnahmen", "Anzahl"],
            [[label, str(n)] for label, n in vorlage.status_rows]
            + [["Insgesamt", str(sum(n for _l, n in vorlage.status_rows))]],
            [False, True],
            [5, 1.5],
            usable_cm * 0.6,
            font_size=10,
        )
    if vorlage.changes:
        lead = doc.add_paragraph()
        lead.paragraph_format.space_before = Pt(10)
        lead.add_run("Wesentliche Änderungen seit dem letzten Bericht:").bold = True
        for item in vorlage.changes:
            doc.add_paragraph(item, style=_style(doc, "List Bullet", "Normal"))
    if vorlage.attention:
        lead = doc.add_paragraph()
        lead.paragraph_format.space_before = Pt(10)
        lead.add_run("Handlungsbedarf:").bold = True
        for item in vorlage.attention:
            doc.add_paragraph(item, style=_style(doc, "List Bullet", "Normal"))
    doc.add_heading("Finanzielle Auswirkungen", level=2)
    for line in vorlage.finance:
        doc.add_paragraph(line)
    doc.add_heading("Anlage", level=2)
    doc.add_paragraph(f"Anlage 1: {vorlage.attachment}")
    for paragraph in doc.paragraphs:
        paragraph.paragraph_format.space_after = Pt(6)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
