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
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
COMPRESSED_TYPES = ("text/", "application/json", "application/ld+json", "image/svg+xml")
MIN_SIZE = 200  # bytes; smaller answers are not worth compressing
# seconds a rendered page is kept (pages that say what is overdue or due next depend on the day)
KEEP_SECONDS = 3600


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


SHAREABLE = "imon.portal.shareable"  # WSGI environ key: the page's release version (see Front)


class Front:
    """WSGI middleware in front of Django: answers a repeated request for a kept portal page with
    the status, headers and body Django sent for it the first time, without running Django again
    (its middleware, URL resolution and the page cache's look-up: about 0.3 ms of CPU a request,
    most of the server's work for a page already kept).

    Only what is the same for every visitor is answered here: a page the portal marked as kept
    (`portal_view` sets SHAREABLE to the release version) and sent without a cookie, for a GET
    without cookies or validators (those go through Django as before: a signed-in user's
    session, 304 answers), by scheme, host, path, query and whether the client takes gzip. A
    kept answer is used only while this process may trust its knowledge of the newest release
    without asking the database (`content.known_version`): every HEAD_TTL seconds one request
    goes through Django, which looks, and a new release or an edited contact point replaces the
    pages; like the page cache, no page is answered from here longer than KEEP_SECONDS. At most
    MAX_BYTES of bodies are kept per process, the longest kept given up first."""

    MAX_BYTES = 32 * 1024 * 1024

    def __init__(self, application):
        self.application = application
        # key -> (version, status, headers, body, monotonic time until which it may be answered)
        self.pages: OrderedDict = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not environ.get("PATH_INFO", "").startswith("/portal/")
            or "HTTP_COOKIE" in environ
            or "HTTP_IF_NONE_MATCH" in environ
            or "HTTP_IF_MODIFIED_SINCE" in environ
        ):
            return self.application(environ, start_response)
        from . import content

        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING", ""),
            bool(_ACCEPTS_GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", ""))),
        )
        kept = self.pages.get(key)
        if kept is not None and kept[0] == content.known_version() and time.monotonic() < kept[4]:
            start_response(kept[1], list(kept[2]))
            return [kept[3]]
        answer: list = []

        def remember(status, headers, exc_info=None):
            answer[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        result = self.application(environ, remember)
        version = environ.get(SHAREABLE)
        if (
            version is None
            or not answer
            or not answer[0].startswith("200")
            # a cookie a middleware set on the way out is the visitor's own
            or any(name.lower() == "set-cookie" for name, _value in answer[1])
        ):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._keep(key, (version, answer[0], tuple(answer[1]), body, time.monotonic() + KEEP_SECONDS))
        return [body]

    def _keep(self, key, page):
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old[3])
            self.pages[key] = page
            self.size += len(page[3])
            while self.size > self.MAX_BYTES and len(self.pages) > 1:
                _key, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped[3])
