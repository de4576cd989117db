"""From a file to text: the size limit, ZIP archives (refusing ZIP bombs), and the encodings that
statistics files come in."""

import io
import os
import re
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

from .parsed import ImportFileError


def max_bytes() -> int:
    return getattr(settings, "IMON_IMPORT_MAX_MB", 200) * 1024 * 1024


def read_bytes(path) -> bytes:
    """The file's content, refusing files above the size limit before reading them."""
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_bytes():
        raise ImportFileError(
            _(
                "The file is %(size)s MB large; at most %(limit)s MB can be imported. Split it, or raise IMON_IMPORT_MAX_MB."
            )
            % {"size": size // (1024 * 1024), "limit": max_bytes() // (1024 * 1024)}
        )
    with open(path, "rb") as stream:
        return stream.read()


def unpack_zip(data: bytes) -> tuple[str, bytes]:
    """A ZIP as GENESIS delivers it (one CSV) or an XLSX; refuses ZIP bombs.

    The sizes the archive declares are checked first; `zipfile` then stops
    each member at its declared size and checks its CRC, so forged sizes show
    as damage. Every member is unpacked here a block at a time – never whole,
    as `ZipFile.read` would – so a forged member cannot fill the memory before
    that check, here or later in openpyxl. Only the CSV member is kept."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file looks like a ZIP archive but is damaged or truncated.")) from None
    declared = sum(m.file_size for m in members)
    if declared > max_bytes() or any(
        m.compress_size and m.file_size / m.compress_size > 200 for m in members
    ):
        raise ImportFileError(
            _(
                "The archive unpacks to %(size)s MB or is compressed suspiciously strongly (ZIP bomb); it is not imported."
            )
            % {"size": declared // (1024 * 1024)}
        )
    names = [m.filename for m in members]
    is_xlsx = "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    csvs = [n for n in names if n.lower().endswith(".csv")]
    if not is_xlsx and len(csvs) != 1:
        raise ImportFileError(
            _("The ZIP archive must contain exactly one CSV file; it contains %(count)s.")
            % {"count": len(csvs)}
        )
    kept = []
    try:
        for member in members:
            with archive.open(member) as stream:
                while block := stream.read(1 << 20):
                    if not is_xlsx and member.filename == csvs[0]:
                        kept.append(block)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise ImportFileError(_("The file looks like a ZIP archive but is damaged or truncated.")) from None
    return ("xlsx", data) if is_xlsx else ("csv", b"".join(kept))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), Windows-1252 or UTF-16 with BOM (Excel's "Unicode text");
    refuses binary files."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return str(data, "utf-16")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is neither UTF-8 nor Windows-1252 text.")) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is not a text file (it contains binary data)."))
    body: bytes | memoryview = data
    if data.startswith(b"\xef\xbb\xbf"):
        body = memoryview(data)[3:]  # without a copy of the file
    try:
        return str(body, "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = str(body, "cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or _looks_mac_roman(text):
        # Excel for Mac still saves "CSV (Macintosh)" in Mac Roman, whose ä, ö, ü and ß
        # Windows-1252 reads as Š, š, Ÿ and §.
        mac = str(body, "mac_roman")
        if text is None and (_CONTROL.search(mac) or not _GERMAN_IN_WORD.search(mac)):
            raise ImportFileError(_("The file is neither UTF-8 nor Windows-1252 text."))
        return mac
    return text


_GERMAN_LETTERS = re.compile("[äöüßÄÖÜ]")
_GERMAN_IN_WORD = re.compile(r"[^\W\d_][äöüßÄÖÜ]")
# Mac Roman's ä, ü, ß, Ä, Ö and Ü read as Windows-1252, inside words: ä is Š after a small letter
# ("MŠnner"); its ö (š) is left out, for Windows-1252's own š is common in names.
_MAC_ROMAN_IN_WORD = re.compile(r"[^\W\d_][Ÿ§€…†][^\W\d_]|[a-zß-ÿ]Š")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _looks_mac_roman(text: str) -> bool:
    """Whether text read as Windows-1252 is really Mac Roman: none of the German letters where
    Windows-1252 has them, but Mac Roman's German letters inside words."""
    return not _GERMAN_LETTERS.search(text) and _MAC_ROMAN_IN_WORD.search(text) is not None
