"""The house font in the report files: Fira Sans (SIL Open Font License 1.1), the typeface KERN UX
ships and the package carries as WOFF2 (imon/core/static/kern/fonts, licence beside it).

The PDF embeds it through @font-face (WeasyPrint subsets it); the DOCX embeds the regular and bold
faces as obfuscated TrueType fonts (ECMA-376 Part 1, 17.8.1), which Word and LibreOffice use when the
font is not installed. The TrueType form is decompressed from the WOFF2 once and kept in
IMON_HOME/cache/fonts (decompressing takes about a third of a second per face), when the
installation's database is set up (`prepare`, after `imon migrate`); the PDF's @font-face rules
point at those files too, so that WeasyPrint does not decompress the WOFF2 again for every PDF. Another font family in the
house style is named in the documents but not embedded: it must be installed where they are opened.
"""

import io
import uuid
from functools import cache
from pathlib import Path

SHIPPED = "Fira Sans"
FOLDER = Path(__file__).resolve().parent.parent / "core" / "static" / "kern" / "fonts" / "fira-sans"
# (file name, CSS weight, CSS style) of the faces the PDF uses
FACES = (
    ("Regular", 400, "normal"),
    ("Italic", 400, "italic"),
    ("SemiBold", 600, "normal"),
    ("Bold", 700, "normal"),
)


def css(font: str) -> str:
    """@font-face rules (file URLs) for WeasyPrint, if `font` is the one the package ships: the
    cached TrueType files, or the WOFF2 where the cache cannot be written."""
    if font != SHIPPED:
        return ""
    rules = []
    for name, weight, style in FACES:
        cached = truetype_file(name)
        src = (
            f'url("{cached.as_uri()}") format("truetype")'
            if cached
            else f'url("{(FOLDER / f"FiraSans-{name}.woff2").as_uri()}") format("woff2")'
        )
        rules.append(
            f'@font-face {{ font-family: "{SHIPPED}"; src: {src}; font-weight: {weight}; font-style: {style}; }}'
        )
    return "\n".join(rules)


def _cached_path(face: str) -> Path:
    from django.conf import settings

    return Path(settings.IMON_HOME) / "cache" / "fonts" / f"FiraSans-{face}.ttf"


def truetype_file(face: str) -> Path | None:
    """The cached TrueType file of a shipped face ("Regular", "Bold"), decompressed from the WOFF2
    first if it is missing or older; None if the cache folder cannot be written."""
    cached = _cached_path(face)
    if cached.is_file() and cached.stat().st_mtime >= (FOLDER / f"FiraSans-{face}.woff2").stat().st_mtime:
        return cached
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_bytes(_decompressed(face))
        partial.replace(cached)
    except OSError:
        return None  # a read-only data folder: decompress again next time
    return cached


def prepare() -> None:
    """Decompress every face the reports use into the cache folder, where not done yet."""
    for face in {name for name, _weight, _style in FACES} | {"Regular", "Bold"}:
        truetype_file(face)


@cache
def truetype(face: str) -> bytes:
    """The TrueType (sfnt) bytes of a shipped face, from the cache folder or decompressed."""
    cached = truetype_file(face)
    return cached.read_bytes() if cached else _decompressed(face)


@cache
def _decompressed(face: str) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(str(FOLDER / f"FiraSans-{face}.woff2"))
    font.flavor = None
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _obfuscated(data: bytes, key: uuid.UUID) -> bytes:
    """ECMA-376 font obfuscation: the first 32 bytes XOR the key's bytes in reverse order."""
    reversed_key = bytes.fromhex(key.hex)[::-1]
    head = bytes(b ^ reversed_key[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embed_docx(doc, font: str) -> bool:
    """Embed the regular and bold faces of `font` in a python-docx Document (only the shipped font);
    whether it was embedded."""
    if font != SHIPPED:
        return False
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    font_table = next(
        (rel.target_part for rel in doc.part.rels.values() if rel.reltype == RT.FONT_TABLE), None
    )
    if font_table is None:
        return False
    from lxml import etree

    root = etree.fromstring(font_table.blob)
    entry = next((f for f in root.findall(qn("w:font")) if f.get(qn("w:name")) == font), None)
    if entry is None:
        entry = OxmlElement("w:font")
        entry.set(qn("w:name"), font)
        root.append(entry)
    for number, (face, tag) in enumerate((("Regular", "w:embedRegular"), ("Bold", "w:embedBold")), 1):
        key = uuid.uuid4()
        part = Part(
            PackURI(f"/word/fonts/font{number}.odttf"),
            "application/vnd.openxmlformats-officedocument.obfuscatedFont",
            _obfuscated(truetype(face), key),
            doc.part.package,
        )
        rel_id = font_table.relate_to(part, RT.FONT)
        embed = OxmlElement(tag)
        embed.set(qn("r:id"), rel_id)
        embed.set(qn("w:fontKey"), "{" + str(key).upper() + "}")
        entry.append(embed)
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    settings = doc.settings.element
    if settings.find(qn("w:embedTrueTypeFonts")) is None:
        # its place in the schema's sequence: after these elements, before all others
        before = [child for child in settings if child.tag in {qn(f"w:{n}") for n in _SETTINGS_BEFORE}]
        index = settings.index(before[-1]) + 1 if before else 0
        settings.insert(index, OxmlElement("w:embedTrueTypeFonts"))
    return True


_SETTINGS_BEFORE = (
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
)
