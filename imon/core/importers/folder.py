"""Several files, or the files of a folder, read as one import.

    found = find_files([Path("sdg-data")])          # data files, Open SDG metadata, files not understood
    parsed, files = read_files(found, meta=True)    # one `Parsed` of all rows; line numbers run on

An Open SDG source folder (https://github.com/open-sdg/open-sdg-data-starter) holds
`data/indicator_1-1-1.csv` and its metadata beside it in `meta/1-1-1.yml` (or `.md` with a
YAML front matter, or `meta/de/1-1-1.yml` translated): each data file is read with the
metadata of its indicator. Files that are neither data nor the metadata of a data file
(README, .gitkeep, scripts) are named and skipped.

The rows of all files form one `Parsed`, with line numbers that run on from file to file
(`Files.place` turns such a number back into the file and its own line), so that the
import checks, writes and rolls back all files together.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from .. import yamlio
from .decoding import decode, read_bytes
from .parse import parse_bytes
from .parsed import ImportFileError, Parsed, Problem

DATA_SUFFIXES = (".csv", ".xlsx", ".json", ".zip")
META_SUFFIXES = (".yml", ".yaml", ".md")
# The language of the titles, where the metadata is translated (meta/de/1-1-1.yml).
LANGUAGE = "de"


@dataclass
class Found:
    data: list[Path] = field(default_factory=list)
    meta: dict = field(default_factory=dict)  # indicator key -> [metadata files, the translated first]
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, why)


def indicator_key(path: Path) -> str:
    """The indicator an Open SDG file belongs to: `indicator_1-1-1.csv` and `1-1-1.yml` are 1-1-1."""
    return path.stem.removeprefix("indicator_")


def find_files(paths) -> Found:
    """The data files among `paths` (files, or folders searched through), the metadata files of
    their indicators, and every other file with the reason it is skipped. Hidden folders
    (.git) are skipped whole."""
    found = Found()
    candidates: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                hidden = next((p for p in item.relative_to(path).parts[:-1] if p.startswith(".")), None)
                if hidden:
                    continue
                if item.is_file():
                    candidates.append(item)
            found.skipped.extend(
                (item, _("hidden folder")) for item in sorted(path.rglob(".*")) if item.is_dir()
            )
        elif path.is_file():
            candidates.append(path)
            beside = path.parent.parent / "meta"  # data/indicator_1-1-1.csv has meta/1-1-1.yml
            if path.parent.name == "data" and beside.is_dir():
                key = indicator_key(path)
                candidates.extend(p for p in sorted(beside.rglob(f"*{key}.*")) if indicator_key(p) == key)
        else:
            raise ImportFileError(_("The file %(path)s does not exist.") % {"path": path})
    data = [p for p in candidates if p.suffix.lower() in DATA_SUFFIXES]
    keys = {indicator_key(p) for p in data}
    for path in candidates:
        suffix = path.suffix.lower()
        if suffix in DATA_SUFFIXES:
            found.data.append(path)
        elif suffix in META_SUFFIXES and indicator_key(path) in keys:
            found.meta.setdefault(indicator_key(path), []).append(path)
        elif suffix in META_SUFFIXES and path.parent.name in ("meta", LANGUAGE):
            found.skipped.append((path, _("metadata without a data file")))
        else:
            found.skipped.append((path, _("not a statistics file")))
    if not found.data:
        raise ImportFileError(_("No statistics file (CSV, XLSX, JSON) found."))
    for files in found.meta.values():  # German first, then the untranslated, then other languages
        files.sort(key=lambda p: 0 if p.parent.name == LANGUAGE else 1 if p.parent.name == "meta" else 2)
    return found


def read_meta(files: list[Path]) -> dict:
    """What the Open SDG metadata of an indicator says, as the import creates it: title (in German
    where translated), unit, definition, source. The first file that gives a field wins."""
    fields: dict = {}
    for path in files:
        for key, value in _meta_fields(path).items():
            if value not in (None, "") and key not in fields:
                fields[key] = value
    title = _text(fields.get("indicator_name") or fields.get("graph_title") or fields.get("SDG_SERIES_DESCR"))
    spec: dict = {
        "title": title,
        "unit": _text(fields.get("computation_units") or fields.get("UNIT_MEASURE")),
        "statistic": _text(
            fields.get("national_indicator_description") or fields.get("indicator_definition")
        ),
    }
    publisher = _text(fields.get("source_organisation_1") or fields.get("CONTACT_ORGANISATION"))
    if publisher:
        spec["source"] = {
            "key": slug(publisher),
            "publisher": publisher[:300],
            "title": (_text(fields.get("source_url_text_1")) or publisher)[:500],
            "url": _text(fields.get("source_url_1"))[:500],
        }
    return spec


def _meta_fields(path: Path) -> dict:
    try:
        text = decode(read_bytes(path))
    except ImportFileError as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
    if path.suffix.lower() == ".md":  # a YAML front matter between two lines of ---
        parts = text.split("---", 2)
        text = parts[1] if len(parts) == 3 and not parts[0].strip() else ""
    try:
        fields = yamlio.load(text)
    except Exception as exc:  # YAML errors of many kinds
        raise ImportFileError(
            _("%(file)s: the metadata cannot be read: %(error)s") % {"file": path.name, "error": exc}
        ) from None
    return fields if isinstance(fields, dict) else {}


def _text(value) -> str:
    """A metadata value as plain text: Open SDG sites write links into it (<a href=…>Destatis</a>)."""
    return " ".join(re.sub(r"<[^>]*>", "", str(value or "")).split())


def slug(text: str) -> str:
    """A key (letters, digits, '-') for a label: "65 Jahre und älter" -> "65-jahre-und-aelter"."""
    text = text.lower().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:64] or "x"


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass
class Files:
    """The files read into one `Parsed`: (name, first line, SHA-256, rows) each."""

    names: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # the merged line number before each file's first
    sha256: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def place(self, problem: Problem) -> Problem:
        """The problem with its file named and its line counted in that file."""
        if problem.file or not self.names:
            return problem
        if problem.line:
            i = max(j for j, start in enumerate(self.starts) if start < problem.line)
            problem.line -= self.starts[i]
        else:
            i = 0 if len(self.names) == 1 else -1
        if i >= 0:
            problem.file = self.names[i]
        return problem

    def digest(self) -> str:
        """One SHA-256 for all files: of their names and checksums."""
        text = "\n".join(f"{name} {sha}" for name, sha in zip(self.names, self.sha256, strict=True))
        return self.sha256[0] if len(self.names) == 1 else hashlib.sha256(text.encode()).hexdigest()

    def as_list(self) -> list[dict]:
        return [
            {"name": name, "sha256": sha, "rows": rows}
            for name, sha, rows in zip(self.names, self.sha256, self.rows, strict=True)
        ]


def read_files(found: Found, fmt: str = "auto", meta: bool = False, root=None, progress=None) -> tuple:
    """(one `Parsed` of all data files, `Files`); a file that cannot be read raises ImportFileError
    naming it. With `meta`, the indicators of Open SDG files get what their metadata says
    (`Parsed.indicators`) and the dimensions their columns (`creates_metadata`); without, the
    indicators described are only named (`Parsed.described`)."""
    merged = Parsed(fmt if fmt != "auto" else "")
    files = Files()
    say = progress or (lambda message: None)
    for number, path in enumerate(found.data, 1):
        name = display_name(path, root)
        say(
            _("Reading %(number)s/%(count)s %(file)s …")
            % {"number": number, "count": len(found.data), "file": name}
        )
        try:
            data = read_bytes(path)
            parsed = parse_bytes(data, path.name, fmt)
        except ImportFileError as exc:
            raise ImportFileError(f"{name}: {exc}") from None
        files.names.append(name)
        files.starts.append(merged.lines)
        files.sha256.append(hashlib.sha256(data).hexdigest())
        files.rows.append(len(parsed.rows))
        _merge(merged, parsed, name)
        key = indicator_key(path)
        if parsed.format == "opensdg" and key in found.meta:
            merged.described.add(key)
            if meta:
                merged.indicators.setdefault(key, read_meta(found.meta[key]))
    # Open SDG files name dimensions and values by label: created only where all files are Open SDG.
    merged.creates_metadata = merged.creates_metadata or (meta and merged.format == "opensdg")
    return merged, files


def display_name(path: Path, root) -> str:
    """The file's path inside the folder imported (`root`), else its name."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return path.name


def _merge(merged: Parsed, parsed: Parsed, name: str):
    """Append one file's result to the merged one, its line numbers after those before it; the
    reader's problems name the file. Created indicators keep the source of their file."""
    if offset := merged.lines:
        for row in parsed.rows:
            row.line += offset
    for problem in parsed.problems:
        problem.file = name
    if parsed.source:
        for spec in parsed.indicators.values():
            spec.setdefault("source", parsed.source)
    if not merged.format:
        merged.format = parsed.format
    elif merged.format != parsed.format:
        merged.format = "mixed"
    merged.rows.extend(parsed.rows)
    merged.problems.extend(parsed.problems)
    merged.notes.extend(parsed.notes)
    merged.lines += parsed.lines
    merged.refused_lines += parsed.refused_lines
    for reason, count in parsed.ignored.items():
        merged.ignore(reason, count)
    for name in ("indicators", "dimensions", "areas"):
        for key, spec in getattr(parsed, name).items():
            getattr(merged, name).setdefault(key, spec)
    merged.source = merged.source or parsed.source
    merged.creates_metadata = merged.creates_metadata or parsed.creates_metadata
