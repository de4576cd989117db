"""The report as a council deck (PPTX), in the spirit of the seed: title slide, mandate and
governance, meetings, fields of action, one slide per figure or data table, one "Ergebnisse und
nächste Schritte" slide per field of action with measures, thank-you slide. Speaker notes carry
the narrative sentences and the alt texts. A PowerPoint file can be given as template: its
masters and layouts are used (title slide = layout 0, title and content = layout 1,
title only = layout 5, falling back to what it has), its own slides are removed."""

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.util import Cm, Emu, Pt

from imon.core.housestyle import HouseStyle

from . import charts
from .document.blocks import WIDE, Figure, Report, Table, Tiles
from .metadata import core_properties

MUTED = RGBColor(0x4A, 0x4A, 0x4A)
MAX_BULLETS = 7
MAX_TABLE_ROWS = 12


def _layout(prs, index):
    layouts = prs.slide_layouts
    return layouts[index] if index < len(layouts) else layouts[len(layouts) - 1]


def _remove_slides(prs):
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)


def _theme_style(prs, family: str, primary: str):
    """The theme's heading and body fonts (Latin) become the house font, and its first accent
    colour the house colour: the tables' header rows are white on it (python-pptx's accent blue
    is 4.0:1 against white, the house colour at least 4.5:1)."""
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    for latin in root.findall(".//a:fontScheme/*/a:latin", ns):
        latin.set("typeface", family)
    for colour in root.findall(".//a:clrScheme/a:accent1/a:srgbClr", ns):
        colour.set("val", primary.lstrip("#").upper())
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


class _Deck:
    def __init__(self, template, style: HouseStyle):
        self.prs = Presentation(template) if template else Presentation()
        self.style = style
        # a city's template keeps its own colours and fonts; otherwise the house style's
        self.colour = None if template else RGBColor(*style.rgb("primary_colour"))
        if template:
            _remove_slides(self.prs)
        else:
            _theme_style(self.prs, style.font, style.primary_colour)
        width, height = self.prs.slide_width, self.prs.slide_height
        if not template or width is None or height is None:  # 16:9, unless the template has its size
            width, height = Cm(33.867), Cm(19.05)
            self.prs.slide_width, self.prs.slide_height = width, height
        self.width, self.height = width, height
        self.margin = Cm(1.5)

    def slide(self, title, layout=5, notes=""):
        slide = self.prs.slides.add_slide(_layout(self.prs, layout))
        if slide.shapes.title is not None:
            slide.shapes.title.text = title
            frame = slide.shapes.title.text_frame
            for paragraph in frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(28) if len(title) < 60 else Pt(22)
                    if self.colour is not None:
                        run.font.color.rgb = self.colour
            title_shape = slide.shapes.title
            title_shape.left, title_shape.top = self.margin, Cm(0.8)
            title_shape.width, title_shape.height = self.width - 2 * self.margin, Cm(2.6)
        if self.colour is not None:  # a slim bar in the house colour along the top edge
            bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, self.width, Cm(0.3))
            bar.fill.solid()
            bar.fill.fore_color.rgb = self.colour
            bar.line.fill.background()
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide

    def text_box(self, slide, top, height, paragraphs, size=18, bullets=True, color=None):
        box = slide.shapes.add_textbox(self.margin, top, self.width - 2 * self.margin, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, text in enumerate(paragraphs):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = ("• " if bullets else "") + text
            paragraph.space_after = Pt(6)
            for run in paragraph.runs:
                run.font.size = Pt(size)
                if color is not None:
                    run.font.color.rgb = color
        return box

    def bullets_slides(self, title, items, notes="", size=20, per_slide=MAX_BULLETS):
        for start in range(0, max(len(items), 1), per_slide):
            part = items[start : start + per_slide]
            suffix = f" ({start // per_slide + 1})" if len(items) > per_slide else ""
            slide = self.slide(title + suffix, notes=notes)
            self.text_box(
                slide, Cm(3.8), self.height - Cm(5), part, size=size if len(part) <= 5 else size - 2
            )

    def source_line(self, slide, block):
        parts = [
            f"Quelle: {block.source}" if block.source else "",
            f"Stand: {block.stand}" if block.stand else "",
        ]
        lines = [". ".join(p for p in parts if p)] + list(block.notes)
        self.text_box(
            slide,
            self.height - Cm(2.3),
            Cm(1.8),
            [line for line in lines if line],
            size=10,
            bullets=False,
            color=MUTED,
        )

    def table(self, slide, header, rows, numeric, top):
        height = Cm(0.9) * (len(rows) + 1)
        shape = slide.shapes.add_table(
            len(rows) + 1, len(header), self.margin, top, self.width - 2 * self.margin, height
        )
        table = shape.table
        first = Emu(int((self.width - 2 * self.margin) * (0.45 if len(header) > 2 else 0.6)))
        table.columns[0].width = first
        rest = (self.width - 2 * self.margin - first) // max(len(header) - 1, 1)
        for i in range(1, len(header)):
            table.columns[i].width = Emu(int(rest))
        size = Pt(14) if len(rows) <= 6 and len(header) <= 4 else Pt(11) if len(header) <= WIDE else Pt(9)
        for r, values in enumerate([header, *rows]):
            for c, text in enumerate(values):
                cell = table.cell(r, c)
                cell.text = text
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.alignment = PP_ALIGN.RIGHT if numeric[c] and c > 0 else PP_ALIGN.LEFT
                    for run in paragraph.runs:
                        run.font.size = size
                        run.font.bold = r == 0
        return shape


def _at_a_glance(deck, report: Report):
    """The key figures at a glance (the report's first chapter) as one table on one slide."""
    for block in report.blocks:
        if isinstance(block, Tiles):
            slide = deck.slide("Auf einen Blick", notes=f"Stand: {block.stand}")
            deck.table(slide, block.header, block.rows, [False, True, False, False], Cm(3.6))


def _title_slide(deck: _Deck, report: Report, template):
    """Logo, title, concept, reporting period, edition and date, and the publisher on a band in the accent
    colour (white text, at least 4.5:1)."""
    style = report.style
    slide = deck.prs.slides.add_slide(_layout(deck.prs, 0))
    slide.shapes.title.text = report.title
    facts = [report.subtitle]
    if report.period:
        facts.append(f"Berichtszeitraum: {report.period}")
    if report.edition:
        facts.append(f"Fassung des Konzepts: {report.edition}")
    facts.append(f"{report.municipality} · Stand: {report.reporting_date}")
    subtitle = [p for p in slide.placeholders if p.placeholder_format.idx == 1]
    if subtitle:
        subtitle[0].text = "\n".join(facts)
    if not template:  # the default layouts are made for 4:3; place them on the wide slide
        for shape in slide.placeholders:
            top, height = (Cm(5.2), Cm(3.6)) if shape.placeholder_format.idx == 0 else (Cm(9), Cm(5.2))
            shape.left, shape.top, shape.width, shape.height = (
                deck.margin * 2,
                top,
                deck.width - deck.margin * 4,
                height,
            )
            shape.text_frame.word_wrap = True
            for paragraph in shape.text_frame.paragraphs:
                paragraph.alignment = PP_ALIGN.LEFT
                for run in paragraph.runs:
                    run.font.size = Pt(40) if shape.placeholder_format.idx == 0 else Pt(18)
                    if shape.placeholder_format.idx == 0:
                        run.font.bold = True
                        run.font.color.rgb = deck.colour
                    else:  # the layout's light grey is below 4.5:1 on white
                        run.font.color.rgb = MUTED
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, deck.height - Cm(2.2), deck.width, Cm(2.2))
        band.fill.solid()
        band.fill.fore_color.rgb = RGBColor(*style.rgb("accent_colour"))
        band.line.fill.background()
        band.text_frame.text = style.publisher
        paragraph = band.text_frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.LEFT
        band.text_frame.margin_left = deck.margin * 2
        for run in paragraph.runs:
            run.font.size, run.font.color.rgb = Pt(14), RGBColor(0xFF, 0xFF, 0xFF)
    if style.raster_logo:
        logo = slide.shapes.add_picture(
            io.BytesIO(style.raster_logo), deck.margin * 2, Cm(1.2), height=Cm(2.6)
        )
        logo._element.nvPicPr.cNvPr.set("descr", report.municipality)
    slide.notes_slide.notes_text_frame.text = " ".join(report.highlights)


def _chart_room(deck) -> tuple:
    """(top, height) of a chart on its slide, in EMU."""
    top = Cm(3.6)
    return top, deck.height - top - Cm(2.6)


def _chart_max_height_cm(deck) -> float:
    # Drawn no higher than the room scaled down by a quarter: placed to fill the room, the
    # picture grows by at least that much and its text stays above 9 pt (a tall bar chart
    # would otherwise shrink to fit and its labels with it).
    return _chart_room(deck)[1] / 360000 / 1.25


def pptx(report: Report, template=None) -> bytes:
    deck = _Deck(template, report.style)
    charts.draw_ahead(
        [
            charts.png_job(block.chart, max_height_cm=_chart_max_height_cm(deck))
            for block in report.blocks
            if isinstance(block, Figure)
        ]
    )
    d = report.deck
    _title_slide(deck, report, template)
    _at_a_glance(deck, report)
    mandate = (
        [
            f"Beschluss zum Integrationskonzept ({d['council']}, {d.get('document', 'Vorlage')} {d['resolution']})"
        ]
        if d["resolution"]
        else []
    )
    mandate += [
        f"{name}: {role}" + (f" ({rhythm})" if rhythm else "") for name, role, rhythm in d["governance"]
    ]
    if mandate:
        deck.bullets_slides("Auftrag und Steuerung", mandate, size=18)
    for title, outcomes, bodies in d["meetings"]:
        if outcomes:
            deck.bullets_slides(title, outcomes, notes=", ".join(bodies))

    fields = [f"{f['code']}  {f['title']}" + (" (priorisiert)" if f["priority"] else "") for f in d["fields"]]
    deck.bullets_slides(f"{d['fields_name']} des Integrationskonzepts", fields, size=20, per_slide=8)

    for block in report.blocks:
        if isinstance(block, Figure):
            header, rows = block.table
            data = "Daten: " + "; ".join(
                f"{row[0]}: " + ", ".join(f"{h} {v}" for h, v in zip(header[1:], row[1:], strict=True))
                for row in rows
            )
            slide = deck.slide(
                block.label, notes="\n\n".join(t for t in (block.narrative, block.alt, data) if t)
            )
            top, available_h = _chart_room(deck)
            png = charts.render_png(block.chart, max_height_cm=_chart_max_height_cm(deck))
            picture = slide.shapes.add_picture(io.BytesIO(png), deck.margin, top, height=available_h)
            if picture.width > deck.width - 2 * deck.margin:
                ratio = (deck.width - 2 * deck.margin) / picture.width
                picture.width, picture.height = int(picture.width * ratio), int(picture.height * ratio)
            picture.left = int((deck.width - picture.width) / 2)
            picture._element.nvPicPr.cNvPr.set("descr", block.alt)
            deck.source_line(slide, block)
        elif isinstance(block, Table) and (block.source != "Eigene Darstellung" or block.number == 1):
            # Data tables, and the status overview (table 1); the long measure tables are in the document.
            sentences = [
                s for s in report.highlights if any(row[0].split(" (")[0] in s for row in block.rows)
            ]
            # a long table goes on as many slides as it needs, each with the header row
            parts = range(0, max(len(block.rows), 1), MAX_TABLE_ROWS)
            for part, start in enumerate(parts, 1):
                title = block.label + (f" ({part}/{len(parts)})" if len(parts) > 1 else "")
                slide = deck.slide(title, notes=" ".join(sentences))
                rows = block.rows[start : start + MAX_TABLE_ROWS]
                deck.table(slide, block.header, rows, block.numeric, Cm(3.6))
                deck.source_line(slide, block)

    for f in d["fields"]:
        if not f["measures"]:
            continue
        items = [f"{key} {title} – {status}" for key, title, status in f["measures"]]
        items += f["results"]
        items += [f"Nächster Schritt: {step}" for step in f["steps"]]
        deck.bullets_slides(
            f"{d['field_name']} {f['code']}: Ergebnisse und nächste Schritte",
            items,
            notes=f["title"],
            size=18,
        )

    slide = deck.slide("Vielen Dank für Ihre Aufmerksamkeit!")
    deck.text_box(slide, Cm(4.5), Cm(3), [d["contact"], report.municipality], size=20, bullets=False)
    imprint = [f"Herausgeber: {report.style.publisher}", *report.style.contact_lines]
    deck.text_box(slide, Cm(8.5), Cm(6), imprint, size=14, bullets=False, color=MUTED)
    core_properties(deck.prs.core_properties, report)
    out = io.BytesIO()
    deck.prs.save(out)
    return out.getvalue()
