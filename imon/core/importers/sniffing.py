"""Which format a text file is in: its column separator and its header."""

from django.utils.translation import gettext as _

from .long import LONG_COLUMNS
from .parsed import ImportFileError


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=counts.__getitem__)
    if counts[delimiter] == 0:
        raise ImportFileError(_("No column separator found in the first line (expected ';', ',' or a tab)."))
    return delimiter


def detect_format(header: list[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    if "statistics_code" in names and "value" in names:
        return "genesis"
    if "obs_value" in names and "time_period" in names:
        return "sdmx-csv"
    if "year" in names and "value" in names and not names & set(LONG_COLUMNS["indicator"]):
        return "opensdg"
    if names & set(LONG_COLUMNS["indicator"]) and names & set(LONG_COLUMNS["value"]):
        return "csv"
    return None
