"""The report as DOCX: real heading styles (navigation pane), a table of contents field, table
header rows that repeat on every page, images with alt text. A city's own Word document can be
given as template: its styles, headers and footers (logo) and page layout are kept, its body
text is replaced by the report."""

import functools
import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from imon.core import housestyle
from imon.core.housestyle import HouseStyle

from . import charts, fonts
from .document.blocks import (
    WIDE,
    Bullets,
    Definitions,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
    Tiles,
    generated,
)
from .metadata import core_properties

MUTED = RGBColor(0x4A, 0x4A, 0x4A)


def _style(doc, *names):
    """The first of these styles that the document (or its template) has."""
    for name in names:
        try:
            return doc.styles[name]
        except KeyError:
            continue
    return None


def _clear_body(doc):
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _set_language(doc, lang="de-DE"):
    rpr = doc.styles.element.find(qn("w:docDefaults"))
    if rpr is None:
        return
    rpr = rpr.find(qn("w:rPrDefault"))
    target = rpr.find(qn("w:rPr")) if rpr is not None else None
    if target is None:
        return
    lang_el = target.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        target.append(lang_el)
    lang_el.set(qn("w:val"), lang)


def _field_char(paragraph, kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    if kind == "begin":
        element.set(qn("w:dirty"), "true")  # Word fills it when the document is opened
    paragraph.add_run()._r.append(element)


def _field_start(paragraph, instruction: str):
    """The start of a Word field (e.g. TOC, PAGE): what follows up to `_field_char(p, "end")` is
    its present result, which Word replaces when it updates the field (updateFields)."""
    _field_char(paragraph, "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    paragraph.add_run()._r.append(instr)
    _field_char(paragraph, "separate")


def _field(paragraph, instruction: str, placeholder: str):
    """A Word field within one paragraph, showing `placeholder` until Word updates it."""
    _field_start(paragraph, instruction)
    paragraph.add_run(placeholder)
    _field_char(paragraph, "end")


def _hyphenate(doc):
    """Automatic hyphenation (German, from the document's language), so that narrow columns break words at
    syllables."""
    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        el = OxmlElement("w:autoHyphenation")
        el.set(qn("w:val"), "true")
        settings.append(el)


def _update_fields_on_open(doc):
    settings = doc.settings.element
    el = settings.find(qn("w:updateFields"))
    if el is None:
        el = OxmlElement("w:updateFields")
        settings.append(el)
    el.set(qn("w:val"), "true")


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row):
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _small(paragraph, size=8, color=MUTED):
    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.color.rgb = color


def _caption(doc, text):
    paragraph = doc.add_paragraph(text, style=_style(doc, "Caption"))
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _source(doc, block):
    parts = []
    if block.source:
        parts.append(f"Quelle: {block.source}")
    if block.stand:
        parts.append(f"Stand: {block.stand}")
    if parts:
        _small(doc.add_paragraph(". ".join(parts)))
    for note in block.notes:
        _small(doc.add_paragraph(note))


@functools.lru_cache(maxsize=2048)
def _bold_cm(word: str, font_size: float) -> float:
    """The width of a word of a header, measured in the shipped house font's bold face, with a
    twentieth to spare (a city's own font is about as wide): an estimate by the number of
    characters broke wide words such as "Maßnahme" in LibreOffice ("Maßnahm|e")."""
    return _bold_face().getlength(word) * font_size / 100 / 72 * 2.54 * 1.05


@functools.cache
def _bold_face():
    from PIL import ImageFont

    return ImageFont.truetype(io.BytesIO(fonts.truetype("Bold")), 100)


def _column_cm(header, rows, numeric, widths, usable_cm, font_size) -> list[float]:
    """Column widths that fill the text width in the given proportions, yet give each column room for its
    longest word or figure (figures never break), as far as the text width allows."""
    widths = widths or [3] + [1.5] * (len(header) - 1)
    char_cm = font_size * 0.55 / 72 * 2.54  # a character of a sans-serif font
    need = []
    for i, is_figure in enumerate(numeric):
        # words are hyphenated (autoHyphenation) beyond eight characters; figures are whole, and so
        # are the words of the header (bold, measured: `_bold_cm`), which LibreOffice would break
        # without a hyphen ("Maßnah|me")
        words = [min(len(word), 8) for row in rows if not is_figure for word in row[i].split()]
        figures = [len(row[i]) for row in rows if is_figure]
        heads = [max(len(word) * 1.12 * char_cm, _bold_cm(word, font_size)) for word in header[i].split()]
        longest = max([max(words + figures + [1]) * char_cm, *heads])
        need.append(longest + 0.4)  # cell margins: 0.19 cm each side
    if sum(need) >= usable_cm:
        return [usable_cm * n / sum(need) for n in need]
    fixed: dict[int, float] = {}
    while True:  # columns narrower than they need keep their need; the others share the rest
        free = [i for i in range(len(widths)) if i not in fixed]
        rest = usable_cm - sum(fixed.values())
        total = sum(widths[i] for i in free)
        cols = {i: rest * widths[i] / total for i in free}
        short = {i: need[i] for i in free if cols[i] < need[i]}
        if not short:
            return [fixed.get(i, cols.get(i, 0.0)) for i in range(len(widths))]
        fixed.update(short)


def _table_width(table, width_cm):
    """The table's own width (w:tblW), which Word uses to lay it out."""
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(width_cm * 567)))


def _table(doc, header, rows, numeric, widths, usable_cm, font_size=9):
    table = doc.add_table(rows=1, cols=len(header))
    style = _style(doc, "Light List Accent 1", "Table Grid")
    if style is not None:
        table.style = style
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    if len(header) > WIDE:
        font_size = min(font_size, 8)
    col_cm = _column_cm(header, rows, numeric, widths, usable_cm, font_size)
    _table_width(table, sum(col_cm))
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(font_size)
        if numeric[i]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            paragraph = cells[i].paragraphs[0]
            run = paragraph.add_run(text)
            run.font.size = Pt(font_size)
            if numeric[i]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table.autofit = False
    for i, column in enumerate(table.columns):
        column.width = Cm(col_cm[i])  # the grid, which LibreOffice reads
    for row in table.rows:
        _cant_split(row)
        for i, cell in enumerate(row.cells):
            cell.width = Cm(col_cm[i])  # the cells, which Word reads
    return table


def docx(report: Report, template=None) -> bytes:
    """The report as DOCX: in the house style (font, colours, logo), or in the styles of a city's template,
    which win over the house style (its logo on the cover and its imprint stay)."""
    doc = Document(template) if template else Document()
    if template:
        _clear_body(doc)
    else:
        _page_setup(doc, report.style)
        fonts.embed_docx(doc, report.style.font)
    _set_language(doc)
    _update_fields_on_open(doc)
    _hyphenate(doc)
    usable_cm = _text_width_cm(doc.sections[-1])
    charts.draw_ahead(
        [
            charts.png_job(b.chart, width_cm=_chart_width_cm(usable_cm))
            for b in report.blocks
            if isinstance(b, Figure)
        ]
    )
    core_properties(doc.core_properties, report)
    _title_page(doc, report)
    for block in report.blocks:
        if isinstance(block, Figure):
            _figure(doc, block, usable_cm)
        else:
            _text_block(doc, block, usable_cm)
    _imprint(doc, report)
    if not template:
        _drop_unused_table_styles(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _page_setup(doc, style: HouseStyle | None = None):
    """A4 portrait, margins, the house font and colours for text and headings, page numbers (without a
    template)."""
    style = style or housestyle.build({})
    primary = RGBColor(*style.rgb("primary_colour"))
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.2), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    normal = doc.styles["Normal"]
    _font(normal, style.font)
    normal.font.size = Pt(10.5)
    for name in ("Title", "Subtitle", "Caption", *(f"Heading {level}" for level in range(1, 5))):
        named = _style(doc, name)
        if named is not None:
            _font(named, style.font)
            named.font.color.rgb = primary
    _strong_colours(doc, style.primary_colour)
    _drop_styles_with_effects(doc)
    title, subtitle = _style(doc, "Title"), _style(doc, "Subtitle")
    if title is not None:  # bold and calm: no rule under the title (the cover draws its own)
        title.font.bold, title.font.size = True, Pt(26)
        for border in title.element.findall(f".//{qn('w:pBdr')}"):
            border.getparent().remove(border)
    if subtitle is not None:
        subtitle.font.italic, subtitle.font.size = False, Pt(14)
        for spacing in subtitle.element.findall(f".//{qn('w:rPr')}/{qn('w:spacing')}"):
            spacing.getparent().remove(spacing)
    section.different_first_page_header_footer = True  # no page number on the cover
    _page_numbers(doc)


def _strong_colours(doc, primary: str):
    """No text below 4.5:1 in any style of python-docx's template (its accent blue is 4.0:1): a weak
    text colour becomes the house colour, and so does the fill behind white text in a table style
    (the header row of "Light List Accent 1")."""
    for element in doc.styles.element.iter(qn("w:color")):
        value = element.get(qn("w:val"), "")
        if len(value) == 6 and value.upper() != "FFFFFF" and housestyle.contrast(f"#{value}") < 4.5:
            element.set(qn("w:val"), primary[1:])
    for part in doc.styles.element.iter(qn("w:tblStylePr")):
        white = any(c.get(qn("w:val"), "").upper() == "FFFFFF" for c in part.iter(qn("w:color")))
        for shading in part.iter(qn("w:shd")):
            fill = shading.get(qn("w:fill"), "")
            if white and len(fill) == 6 and housestyle.contrast(f"#{fill}") < 4.5:
                shading.set(qn("w:fill"), primary[1:])


def _drop_styles_with_effects(doc):
    """python-docx's template carries a second copy of its styles for Word 2010 (stylesWithEffects),
    which would keep the template's weak colours; Word reads styles.xml without it."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)


def _drop_unused_table_styles(doc):
    """The template's sixty table styles in colours the report never uses (white on its accent
    colours among them) are left out; the one the tables use stays."""
    used = {t.style.style_id for t in doc.tables if t.style is not None} | {"TableNormal"}
    for element in list(doc.styles.element.iter(qn("w:style"))):
        if element.get(qn("w:type")) == "table" and element.get(qn("w:styleId")) not in used:
            element.getparent().remove(element)


def _font(style, family: str):
    """A style's font for every script (python-docx sets only Latin); no theme font overrides it."""
    style.font.name = family
    fonts_el = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        fonts_el.set(qn(attr), family)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts_el.attrib.pop(qn(attr), None)


def _title_page(doc, report: Report):
    """The cover: logo (else the city's name), title, concept, reporting period, edition, dates and
    publisher; then the table of contents (a field Word fills)."""
    style = report.style
    logo = style.raster_logo
    if logo:
        picture = doc.add_paragraph().add_run().add_picture(io.BytesIO(logo), height=Cm(2.2))
        picture._inline.docPr.set("descr", report.municipality)
    else:
        doc.add_paragraph(report.municipality, style=_style(doc, "Subtitle", "Normal"))
    rule = doc.add_paragraph()
    rule.paragraph_format.space_after = Pt(110)
    _bottom_border(rule, style.primary_colour)
    doc.add_paragraph(report.title, style=_style(doc, "Title", "Heading 1"))
    doc.add_paragraph(report.subtitle, style=_style(doc, "Subtitle", "Normal"))
    facts = [("Berichtszeitraum", report.period), ("Fassung des Konzepts", report.edition)]
    facts += [("Stand", report.reporting_date), ("Erstellt am", generated().strftime("%d.%m.%Y"))]
    for label, value in facts:
        if value:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.add_run(f"{label}: ").bold = True
            paragraph.add_run(value)
    office = doc.add_paragraph(style.publisher)
    office.paragraph_format.space_before = Pt(200)
    _small(office, 9.5)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    toc_heading = doc.add_paragraph("Inhalt", style=_style(doc, "TOC Heading", "Heading 1"))
    toc_heading.paragraph_format.keep_with_next = True
    _toc(doc, report)


def _toc(doc, report: Report):
    """The table of contents as a Word field (Word fills in the page numbers when the document is
    opened) whose present result already lists the chapters and sections, so that a reader
    whose program does not update fields (LibreOffice, a viewer) still sees them."""
    headings = report.headings(2) or [None]
    paragraphs = [doc.add_paragraph() for _ in headings]
    for paragraph, heading in zip(paragraphs, headings):
        paragraph.paragraph_format.space_after = Pt(1)
        if heading is not None and heading.level > 1:
            paragraph.paragraph_format.left_indent = Cm(0.6)
    _field_start(paragraphs[0], 'TOC \\o "1-2" \\h \\z \\u')
    for paragraph, heading in zip(paragraphs, headings):
        paragraph.add_run(heading.label if heading is not None else "Inhaltsverzeichnis (in Word: F9)")
    _field_char(paragraphs[-1], "end")


def _bottom_border(paragraph, colour: str):
    """A rule under the paragraph in the house colour."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", colour[1:])):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _imprint(doc, report: Report):
    """The imprint on a page of its own: publisher, contact, title, period, dates."""
    style = report.style
    heading = doc.add_heading("Impressum", level=1)
    heading.paragraph_format.page_break_before = True
    entries = [
        ("Herausgeber", [style.publisher]),
        ("Kontakt", style.contact_lines),
        (
            "Titel",
            [f"{report.title}: {report.subtitle}" + (f" ({report.edition})" if report.edition else "")],
        ),
        ("Berichtszeitraum", [report.period]),
        ("Stand der Daten", [report.reporting_date]),
        ("Erstellt am", [generated().strftime("%d.%m.%Y")]),
    ]
    for label, lines in entries:
        lines = [line for line in lines if line]
        if not lines:
            continue
        paragraph = doc.add_paragraph()
        paragraph.add_run(label).bold = True
        for line in lines:
            paragraph.add_run().add_break()
            paragraph.add_run(line)
    font_note = " (SIL Open Font License 1.1)" if style.font == fonts.SHIPPED else ""
    _small(doc.add_paragraph(f"Erstellt mit Integrationsmonitor. Schrift: {style.font}{font_note}."), 9)


def _text_block(doc, block, usable_cm):
    """A heading, paragraph, list, term list or table."""
    if isinstance(block, Heading):
        heading = doc.add_heading(block.label, level=min(block.level, 4))
        heading.paragraph_format.page_break_before = block.level == 1
    elif isinstance(block, Paragraph):
        paragraph = doc.add_paragraph()
        run = paragraph.add_run(block.text)
        if block.style == "note":
            run.italic = True
        elif block.style == "strong":
            run.bold = True
            paragraph.paragraph_format.keep_with_next = True
    elif isinstance(block, Bullets):
        for item in block.items:
            doc.add_paragraph(item, style=_style(doc, "List Bullet", "Normal"))
    elif isinstance(block, Definitions):
        for term, text in block.items:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.add_run(f"{term}: ").bold = True
            paragraph.add_run(text)
    elif isinstance(block, Tiles):  # key figures at a glance: a compact table
        _caption(doc, block.caption)
        _table(doc, block.header, block.rows, [False, True, False, False], [3, 2, 2.5, 4], usable_cm)
    elif isinstance(block, Table):
        if block.landscape:
            usable_cm = _orientation(doc, landscape=True)
        _caption(doc, block.label)
        _table(doc, block.header, block.rows, block.numeric, block.widths, usable_cm)
        _source(doc, block)
        if block.landscape:
            _orientation(doc, landscape=False)


def _text_width_cm(section) -> float:
    page_width = section.page_width or Cm(21)  # A4, where a template names no page size
    return (page_width - (section.left_margin or 0) - (section.right_margin or 0)) / 360000


def _orientation(doc, landscape: bool) -> float:
    """A new section (on a new page) in landscape or back in portrait; its text width in cm. Headers, footers
    and margins carry over."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    if (section.orientation == WD_ORIENT.LANDSCAPE) != landscape:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        width, height = section.page_width or Cm(21), section.page_height or Cm(29.7)
        section.page_width, section.page_height = height, width
    return _text_width_cm(section)


def _chart_width_cm(usable_cm: float) -> float:
    return min(charts.WIDTH_CM, usable_cm)  # drawn at the width it is placed: text at its size


def _figure(doc, block: Figure, usable_cm):
    """Caption, narrative sentence, the chart as PNG with its alt text, and its data table."""
    _caption(doc, block.label)
    if block.narrative:
        doc.add_paragraph(block.narrative).paragraph_format.keep_with_next = True
    paragraph = doc.add_paragraph()
    width_cm = _chart_width_cm(usable_cm)
    picture = paragraph.add_run().add_picture(
        io.BytesIO(charts.render_png(block.chart, width_cm=width_cm)), width=Cm(width_cm)
    )
    doc_pr = picture._inline.docPr
    doc_pr.set("descr", block.alt)
    doc_pr.set("title", block.label)
    header, rows = block.table
    _caption(doc, f"Daten zu Abbildung {block.number}")
    width = usable_cm if len(header) > 4 else min(usable_cm, 11)  # a long series takes the whole width
    _table(doc, header, rows, [False] + [True] * (len(header) - 1), None, width, font_size=8)
    _source(doc, block)


def _page_numbers(doc):
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run("Seite ")
    _field(paragraph, "PAGE", "1")
    _small(paragraph, 8.5)
