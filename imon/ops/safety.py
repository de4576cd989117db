"""Output safety helpers as plain functions."""

from urllib.parse import urlsplit

LINK_SCHEMES = {"http", "https", "mailto"}


def http_url(value) -> str:
    """`value` if it is a link a browser may follow without running code (http, https, mailto), else "".

    Browsers ignore whitespace and control characters in a scheme ("java\\tscript:"), so they are removed
    before the scheme is read."""
    if not value:
        return ""
    text = str(value).strip()
    cleaned = "".join(ch for ch in text if ord(ch) > 32 and ch != "\x7f")
    scheme = urlsplit(cleaned).scheme.lower()
    return text if scheme in LINK_SCHEMES else ""
