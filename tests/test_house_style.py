"""The house style in one place: a city's logo, colours, font and imprint reach every report format and the
portal; a colour too weak to read is refused."""

import base64
import datetime
import io
import re
import uuid
import zipfile

import pytest
from django.core.management import call_command
from django.db import transaction

from imon.core import conceptfile, housestyle
from imon.publication import public_document
from imon.reports import document, render, snapshots

from .conftest import SECOND_DEMO_FILE

pytestmark = pytest.mark.django_db

PRIMARY, ACCENT = "#6a1b4d", "#1d4d5c"
PUBLISHER = "Stadt Lindenhain, Der Magistrat"


def _png(width=40, height=20) -> bytes:
    """A small PNG as a city would supply its logo (drawn with Pillow, which matplotlib brings)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).rectangle((4, 4, width - 5, height - 5), fill=PRIMARY)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


LOGO = _png()


def test_contrast_follows_wcag():
    assert housestyle.contrast("#000000") == pytest.approx(21)
    assert housestyle.contrast("#ffffff") == pytest.approx(1)
    assert housestyle.contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for AA
    assert housestyle.colour_problem("#004b76") is None
    assert housestyle.colour_problem("#767676") is None
    assert "4,47:1" in housestyle.colour_problem("#777777")  # German: the language of the staff
    assert housestyle.colour_problem("#f7c600")  # KERN's focus yellow: no text colour on white
    assert housestyle.colour_problem("blue") and housestyle.colour_problem("#12345")


def test_concept_file_refuses_a_colour_below_aa_and_a_logo_that_is_no_image():
    data = conceptfile.read(io.StringIO(SECOND_DEMO_FILE.read_text(encoding="utf-8")))
    data["municipality"]["primary_colour"] = "#8fb3d9"
    data["municipality"]["accent_colour"] = "#1d4d5c"
    data["municipality"]["logo"] = "<html><script>alert(1)</script></html>"
    data["municipality"]["logo_png"] = "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode()
    _clean, problems = conceptfile.validate(data)
    paths = {p.path: p.message for p in problems}
    assert set(paths) == {"municipality.primary_colour", "municipality.logo", "municipality.logo_png"}
    assert (
        "#8fb3d9" in paths["municipality.primary_colour"] and "4,5:1" in paths["municipality.primary_colour"]
    )


def test_concept_file_first_then_settings_then_the_default(tmp_path):
    logo = tmp_path / "wappen.png"
    logo.write_bytes(LOGO)
    config = {"primary_colour": "#334455", "accent_colour": "#aaaaaa", "logo": str(logo), "publisher": "Land"}
    style = housestyle.build({"name": "Stadt A", "primary_colour": PRIMARY}, config)
    assert style.primary_colour == PRIMARY  # the concept file wins
    assert style.accent_colour == housestyle.DEFAULTS["accent_colour"]  # a weak setting is ignored
    assert style.raster_logo == LOGO and style.publisher == "Land"
    plain = housestyle.build({"name": "Stadt A", "office_name": "Integrationsbüro"})
    assert (plain.primary_colour, plain.font) == ("#004b76", "Fira Sans")
    assert plain.publisher == "Stadt A, Integrationsbüro" and not plain.logo
    # a snapshot from before the house style: the municipality and the defaults
    assert housestyle.from_document({"municipality": {"name": "Stadt A"}}).primary_colour == "#004b76"


def test_imon_check_warns_on_a_house_style_setting_it_ignores(settings, tmp_path):
    from imon.ops.checks import check_house_style

    settings.IMON_STYLE = {"primary_colour": "#cccccc", "logo": str(tmp_path / "fehlt.svg")}
    warnings = check_house_style(None)
    assert {w.id for w in warnings} == {"imon.W010"} and len(warnings) == 2
    assert "IMON_STYLE_PRIMARY_COLOUR" in warnings[0].msg and "IMON_STYLE_LOGO_FILE" in warnings[1].msg
    settings.IMON_STYLE = {"primary_colour": "#004b76"}
    assert check_house_style(None) == []


@pytest.fixture(scope="module")
def styled(django_db_setup, django_db_blocker):
    """The second demo city with its own house style (a PNG logo, colours, imprint), frozen and rendered in
    every format."""
    data = conceptfile.read(io.StringIO(SECOND_DEMO_FILE.read_text(encoding="utf-8")))
    data["municipality"].update(
        logo="data:image/png;base64," + base64.b64encode(LOGO).decode(),
        primary_colour=PRIMARY,
        accent_colour=ACCENT,
        publisher=PUBLISHER,
        address="Marktplatz 1\n64999 Lindenhain",
        email="integration@lindenhain.example",
    )
    del data["municipality"]["logo_png"]
    clean, problems = conceptfile.validate(data)
    assert not problems
    with django_db_blocker.unblock(), transaction.atomic():
        conceptfile.load(clean)
        snapshot = snapshots.create("2. Umsetzungsbericht", datetime.date(2024, 6, 30))
        files = {fmt: render.render(snapshot, fmt) for fmt in ("html", "pdf", "docx", "pptx", "vorlage")}
        files["report"] = document.build(public_document(snapshot.data))
        transaction.set_rollback(True)
    return files


def test_snapshot_freezes_the_house_style(styled):
    html = styled["html"].decode("utf-8")
    assert f"--accent: {PRIMARY}" in html and f"--accent-2: {ACCENT}" in html
    assert 'class="logo" src="data:image/png;base64,' in html
    assert re.search(
        r'<section class="imprint".*Herausgeber:.*Stadt Lindenhain, Der Magistrat.*Marktplatz 1', html, re.S
    )
    assert "Berichtszeitraum:" in html and "Fassung des Konzepts:" in html


def test_pdf_has_the_logo_the_font_and_an_imprint(styled):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(styled["pdf"]))
    cover = reader.pages[0]
    sizes = {(image.image.width, image.image.height) for image in cover.images}
    assert (40, 20) in sizes  # the city's logo on the cover
    fonts = set()
    for page in reader.pages[:3]:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Fira-Sans" in name for name in fonts), fonts  # embedded
    last = reader.pages[-1].extract_text()
    assert "Impressum" in last and PUBLISHER in last and "integration@lindenhain.example" in last
    assert "Berichtszeitraum" in cover.extract_text()


def test_docx_has_the_logo_font_colours_and_imprint(styled):
    archive = zipfile.ZipFile(io.BytesIO(styled["docx"]))
    assert LOGO in [archive.read(name) for name in archive.namelist() if name.startswith("word/media/")]
    styles = archive.read("word/styles.xml").decode("utf-8")
    normal = re.search(r'<w:style [^>]*w:styleId="Normal".*?</w:style>', styles, re.S).group(0)
    assert 'w:ascii="Fira Sans"' in normal
    heading = re.search(r'<w:style [^>]*w:styleId="Heading1".*?</w:style>', styles, re.S).group(0)
    assert f'w:val="{PRIMARY[1:].upper()}"' in heading
    # the font is embedded, obfuscated with its key as ECMA-376 says: undone, it is TrueType again
    table = archive.read("word/fontTable.xml").decode("utf-8")
    key = re.search(r'<w:embedRegular [^>]*w:fontKey="\{([0-9A-F-]+)\}"', table).group(1)
    rels = archive.read("word/_rels/fontTable.xml.rels").decode("utf-8")
    target = re.search(r'Target="(fonts/[^"]+\.odttf)"', rels).group(1)
    data = archive.read(f"word/{target}")
    reversed_key = bytes.fromhex(uuid.UUID(key).hex)[::-1]
    head = bytes(b ^ reversed_key[i % 16] for i, b in enumerate(data[:32]))
    assert head[:4] in (b"\x00\x01\x00\x00", b"true")
    assert "<w:embedTrueTypeFonts" in archive.read("word/settings.xml").decode("utf-8")
    document = archive.read("word/document.xml").decode("utf-8")
    assert "Impressum" in document and PUBLISHER in document and "Marktplatz 1" in document
    assert "Berichtszeitraum" in document
    # the Mitteilungsvorlage too
    vorlage = zipfile.ZipFile(io.BytesIO(styled["vorlage"]))
    assert LOGO in [vorlage.read(n) for n in vorlage.namelist() if n.startswith("word/media/")]
    assert 'w:ascii="Fira Sans"' in vorlage.read("word/styles.xml").decode("utf-8")


def test_pptx_has_the_logo_colours_and_font(styled):
    import pptx
    from pptx.dml.color import RGBColor

    deck = pptx.Presentation(io.BytesIO(styled["pptx"]))
    first = deck.slides[0]
    pictures = [shape for shape in first.shapes if shape.shape_type == 13]
    assert [p.image.blob for p in pictures] == [LOGO]
    fills = [s.fill.fore_color.rgb for s in first.shapes if s.shape_type == 1 and s.fill.type == 1]
    assert RGBColor.from_string(ACCENT[1:]) in fills
    band = next(s for s in first.shapes if s.shape_type == 1)
    assert band.text_frame.text == PUBLISHER
    title_colours = {run.font.color.rgb for p in first.shapes.title.text_frame.paragraphs for run in p.runs}
    assert title_colours == {RGBColor.from_string(PRIMARY[1:])}
    theme = next(
        part for part in deck.part.package.iter_parts() if part.partname.startswith("/ppt/theme/theme")
    )
    assert theme.blob.count(b'typeface="Fira Sans"') >= 2
    last = " ".join(s.text_frame.text for s in deck.slides[-1].shapes if s.has_text_frame)
    assert PUBLISHER in last and "Marktplatz 1" in last


def test_a_city_template_keeps_its_own_colours_and_fonts(styled):
    """A city's own PowerPoint or Word template wins over the house style: its colours and fonts stay; the
    cover still carries the logo."""
    import docx
    import pptx

    from imon.reports.render_docx import docx as render_docx
    from imon.reports.render_pptx import pptx as render_pptx

    template = io.BytesIO()
    pptx.Presentation().save(template)
    template.seek(0)
    deck = pptx.Presentation(io.BytesIO(render_pptx(styled["report"], template)))
    colours = {
        run.font.color.rgb if run.font.color.type else None
        for slide in list(deck.slides)[1:]
        if slide.shapes.title is not None
        for p in slide.shapes.title.text_frame.paragraphs
        for run in p.runs
    }
    assert colours == {None}
    word = io.BytesIO()
    template_doc = docx.Document()
    template_doc.styles["Normal"].font.name = "Liberation Serif"
    template_doc.save(word)
    word.seek(0)
    archive = zipfile.ZipFile(io.BytesIO(render_docx(styled["report"], word)))
    styles = archive.read("word/styles.xml").decode("utf-8")
    assert "Liberation Serif" in styles and "Fira Sans" not in styles
    assert LOGO in [archive.read(n) for n in archive.namelist() if n.startswith("word/media/")]


def test_portal_wears_the_house_style_and_links_the_footer(client, second_demo):
    from imon.portal import content

    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2024, 6, 30)))
    content.snapshot_frozen()
    page = client.get("/portal/de/").content.decode("utf-8")
    assert "--accent: #2e6b3f; --accent-dark: #1d4d5c;" in page
    assert re.search(
        r'<a class="brand with-logo" href="/portal/de/"><img class="brand-logo" src="data:image/svg\+xml;base64,',
        page,
    )
    assert (
        '<span class="brand-city visually-hidden" lang="de">Stadt Lindenhain</span>' in page
    )  # the link's name
    footer = page[page.index('<footer class="site-footer">') :]
    for href in (
        "/portal/de/impressum/",
        "/portal/de/datenschutz/",
        "/portal/de/barrierefreiheit/",
        "/portal/de/leichte-sprache/",
        "/portal/de/barrierefreiheit/#gebaerdensprache",
        "mailto:integration@lindenhain.example",
    ):
        assert f'href="{href}"' in footer, href
    assert "Marktplatz 1<br>64999 Lindenhain" in footer and "Der Magistrat" in footer
    statement = client.get("/portal/de/barrierefreiheit/").content.decode("utf-8")
    assert 'id="gebaerdensprache"' in statement  # the footer's link has a target without a video too
    arabic = client.get("/portal/ar/").content.decode("utf-8")
    assert "لغة الإشارة الألمانية" in arabic and ">اتصل بنا</a>" in arabic


def test_the_admin_refuses_a_weak_colour_and_a_logo_that_is_no_image(second_demo):
    from django.core.exceptions import ValidationError

    from imon.core.models import Municipality

    city = Municipality.objects.get()
    city.primary_colour, city.logo = "#cccccc", "<b>Logo</b>"
    with pytest.raises(ValidationError) as refused:
        city.full_clean()
    assert set(refused.value.message_dict) == {"primary_colour", "logo"}
    city.primary_colour, city.logo = "#1f4e79", "<svg xmlns='http://www.w3.org/2000/svg'/>"
    city.full_clean()
    city.save()
    # SVG markup entered by hand reaches every output as an image
    assert housestyle.current().logo.startswith("data:image/svg+xml;base64,")


def test_static_export_carries_the_house_style_and_its_font(second_demo, tmp_path):
    import posixpath

    from imon.portal import content
    from imon.portal.static_export import export_site

    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2024, 6, 30)))
    content.snapshot_frozen()
    site = tmp_path / "site"
    export_site(site, languages=["de"])
    page = (site / "portal" / "de" / "index.html").read_text(encoding="utf-8")
    assert "--accent: #2e6b3f" in page and 'class="brand-logo" src="data:image/svg+xml;base64,' in page
    for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
        assert (site / "portal" / "de" / sheet).resolve().is_file(), sheet
    fonts_css = (site / "static" / "kern" / "fonts" / "fira-sans.css").read_text(encoding="utf-8")
    for font in re.findall(r'url\("\./([^"]+)"\)', fonts_css):
        assert (site / "static" / "kern" / "fonts" / posixpath.normpath(font)).is_file(), font
    assert "SIL OPEN FONT LICENSE" in (site / "static" / "kern" / "fonts" / "OFL.txt").read_text()


def test_setting_up_the_database_prepares_the_house_font_for_the_reports(db, settings, tmp_path):
    """`imon migrate` decompresses the shipped faces into the data folder, so that an
    installation's first report does not; the files are the faces as TrueType."""
    from fontTools.ttLib import TTFont

    from imon.reports import fonts

    settings.IMON_HOME = tmp_path
    call_command("migrate", verbosity=0)
    for face in ("Regular", "Italic", "SemiBold", "Bold"):
        cached = tmp_path / "cache" / "fonts" / f"FiraSans-{face}.ttf"
        assert cached.is_file() and fonts.truetype_file(face) == cached
        assert TTFont(str(cached)).flavor is None  # plain TrueType, not WOFF2
