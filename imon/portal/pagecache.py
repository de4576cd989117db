"""Rendered portal pages kept per release, compressed once.

A page of the portal is the same for every visitor until the next publication (or an edited
contact point), so the portal keeps what it sent: the body, its gzip form and its ETag, made
once when the page is rendered. A later request gets the stored bytes in the encoding it
accepts, with the validators, without rendering, compressing or hashing again (before, a cached
page was gzipped and hashed anew for every request: most of the time of a cached indicator page).
"""

import gzip
import hashlib
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
COMPRESSED_TYPES = ("text/", "application/json", "application/ld+json", "image/svg+xml")
MIN_SIZE = 200  # bytes; smaller answers are not worth compressing


@dataclass(frozen=True)
class Page:
    status: int
    headers: tuple  # (name, value) of the rendered response
    body: bytes
    compressed: bytes | None  # gzip of the body, where it is worth it
    etag: str  # of the body; the gzip form's tag says so


def freeze(response) -> Page | None:
    """The page to keep, or None for an answer that must not be shared (cookies, a stream)."""
    if response.streaming or response.cookies:
        return None
    body = response.content
    kind = response.get("Content-Type", "")
    compressed = None
    if (
        len(body) >= MIN_SIZE
        and kind.startswith(COMPRESSED_TYPES)
        and not response.has_header("Content-Encoding")
    ):
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        if len(compressed) >= len(body):
            compressed = None
    etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
    return Page(response.status_code, tuple(response.items()), body, compressed, etag)


def answer(page: Page, request) -> HttpResponse:
    """A response of the kept page: gzip where the client accepts it, with Vary and an ETag, so
    that ConditionalGetMiddleware answers 304 to a client that has it."""
    wants_gzip = page.compressed is not None and _ACCEPTS_GZIP.search(
        request.headers.get("Accept-Encoding", "")
    )
    response = HttpResponse(page.compressed if wants_gzip else page.body, status=page.status)
    for name, value in page.headers:
        if name.lower() != "content-length":
            response[name] = value
    if page.compressed is not None:
        patch_vary_headers(response, ("Accept-Encoding",))
    if wants_gzip:
        response["Content-Encoding"] = "gzip"
        response["ETag"] = page.etag[:-1] + '-gzip"'
    else:
        response["ETag"] = page.etag
    response["Content-Length"] = str(len(response.content))
    return response
