"""German is complete: every UI string has a translation, and the compiled catalogue matches."""

import gettext
import re
from pathlib import Path

import imon

LOCALE = Path(imon.__file__).parent / "locale" / "de" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[str, list[str]]:
    """msgid -> msgstr(s) of a .po file (enough of the format for Django's catalogues)."""
    entries, current, field, fuzzy = {}, None, None, False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            field = match.group(1)
            if field == "msgid":
                current = {"msgid": "", "msgstr": [], "fuzzy": fuzzy}
                fuzzy = False
            if field.startswith("msgstr"):
                current["msgstr"].append("")
            current_value = match.group(2)
        elif line.startswith('"') and current is not None:
            current_value = line[1:-1]
        elif not line.strip() and current is not None:
            entries[current["msgid"]] = current
            current = None
            continue
        else:
            continue
        if field == "msgid":
            current["msgid"] += current_value
        elif field.startswith("msgstr"):
            current["msgstr"][-1] += current_value
    return entries


def test_every_string_has_a_german_translation():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 200
    missing = [msgid for msgid, e in entries.items() if msgid and (not all(e["msgstr"]) or e["fuzzy"])]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations((LOCALE / "django.mo").open("rb"))
    for msgid, entry in po_entries(LOCALE / "django.po").items():
        if msgid and len(entry["msgstr"]) == 1:
            expected = entry["msgstr"][0].encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            assert catalogue.gettext(msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")) == expected
