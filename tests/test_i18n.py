"""German is complete: every UI string has a translation, and the compiled catalogue matches."""

import gettext
import re
from pathlib import Path

import imon

LOCALE = Path(imon.__file__).parent / "locale" / "de" / "LC_MESSAGES"


def po_entries(path: Path) -> dict[tuple[str | None, str], dict]:
    """(msgctxt, msgid) -> entry with its msgstr(s), of a .po file (enough of the format for Django's catalogues)."""
    entries, current, field, fuzzy, context = {}, None, None, False, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        context_match = re.match(r'^msgctxt "(.*)"$', line)
        if context_match:
            context = context_match.group(1)
            continue
        match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            field = match.group(1)
            if field == "msgid":
                current = {"msgid": "", "msgstr": [], "fuzzy": fuzzy, "context": context}
                fuzzy, context = False, None
            if field.startswith("msgstr"):
                current["msgstr"].append("")
            current_value = match.group(2)
        elif line.startswith('"') and current is not None:
            current_value = line[1:-1]
        elif not line.strip() and current is not None:
            entries[(current["context"], current["msgid"])] = current
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
    missing = [
        msgid for (_context, msgid), e in entries.items() if msgid and (not all(e["msgstr"]) or e["fuzzy"])
    ]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations((LOCALE / "django.mo").open("rb"))

    def text(po_string):
        return po_string.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")

    for (context, msgid), entry in po_entries(LOCALE / "django.po").items():
        if msgid and len(entry["msgstr"]) == 1:
            found = (
                catalogue.pgettext(text(context), text(msgid))
                if context is not None
                else catalogue.gettext(text(msgid))
            )
            assert found == text(entry["msgstr"][0])
