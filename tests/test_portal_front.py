"""Kept portal pages answered in front of Django (pagecache.Front), as `imon serve` runs it: a
visitor gets exactly what Django sent the first time, a new release replaces it, and nothing
personal or conditional is answered without Django."""

import datetime
import io
import sys

import pytest
from django.core.wsgi import get_wsgi_application

from imon.core import conceptfile
from imon.portal import content, pagecache
from imon.reports import snapshots


class Counting:
    """The Django application, counting the requests that reach it."""

    def __init__(self, application):
        self.application, self.calls = application, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.application(environ, start_response)


def get(app, path, query="", host="localhost", **headers):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        **{"HTTP_" + name.upper(): value for name, value in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=response_headers)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return answer["status"], answer["headers"], body


@pytest.fixture
def served(transactional_db, demo_text):
    conceptfile.load_text(demo_text)
    content._LATEST.clear()
    snapshots.publish(snapshots.create("1. Umsetzungsbericht", datetime.date(2019, 9, 16)))
    django = Counting(get_wsgi_application())
    return pagecache.Front(django), django


def test_a_kept_page_is_answered_as_django_answered_it(served):
    front, django = served
    first = get(front, "/portal/de/kennzahlen/bevoelkerung/", accept_encoding="gzip")
    again = get(front, "/portal/de/kennzahlen/bevoelkerung/", accept_encoding="gzip")
    assert django.calls == 1
    assert first == again and first[0] == "200 OK"
    headers = dict(first[1])
    assert headers["Content-Encoding"] == "gzip" and "Content-Security-Policy" in headers
    assert not any(pagecache.SHAREABLE in name or "shareable" in name.lower() for name, _v in first[1])
    # another encoding, query or host is another answer, made by Django
    plain = get(front, "/portal/de/kennzahlen/bevoelkerung/")
    assert "Content-Encoding" not in dict(plain[1]) and "Bevölkerung".encode() in plain[2]
    get(front, "/portal/de/kennzahlen/bevoelkerung/", query="stichtag=2017-12-31", accept_encoding="gzip")
    assert get(front, "/portal/de/", host="evil.example")[0].startswith("400")
    assert django.calls == 4


def test_a_new_release_replaces_the_kept_pages(served, monkeypatch):
    front, django = served
    before = get(front, "/portal/de/")[2]
    assert "16.09.2019" in before.decode()
    snapshots.publish(snapshots.create("2. Umsetzungsbericht", datetime.date(2020, 9, 16)))
    monkeypatch.setattr(content, "HEAD_TTL", 0.0)  # another process published: the next look
    after = get(front, "/portal/de/")[2]
    assert "16.09.2020" in after.decode() and django.calls == 2


def test_a_kept_page_is_asked_for_again_after_its_time(served, monkeypatch):
    """Pages that say what is overdue depend on the day: the page cache's time applies here too."""
    front, django = served
    monkeypatch.setattr(pagecache, "KEEP_SECONDS", 0)
    get(front, "/portal/de/")
    get(front, "/portal/de/")
    assert django.calls == 2


def test_cookies_validators_and_staff_pages_go_through_django(served):
    front, django = served
    status, headers, _body = get(front, "/portal/de/")
    etag = dict(headers)["ETag"]
    assert get(front, "/portal/de/", if_none_match=etag)[0].startswith("304")
    get(front, "/portal/de/", cookie="sessionid=abc")
    get(front, "/anmelden/")
    get(front, "/anmelden/")
    assert django.calls == 5


def test_the_kept_pages_stay_within_their_bound(served, monkeypatch):
    front, _django = served
    monkeypatch.setattr(pagecache.Front, "MAX_BYTES", 1)
    for path in ("/portal/de/", "/portal/de/kennzahlen/", "/portal/de/anlaufstellen/"):
        get(front, path)
    assert len(front.pages) == 1 and front.size == len(next(iter(front.pages.values()))[3])


def test_made_up_parameters_neither_change_a_page_nor_make_it_again(served, monkeypatch):
    """An address with parameters the portal does not read is the page without them, made once:
    appending random parameters cannot make the server render again and again, nor put the
    sender's text into a page others are given."""
    from imon.portal import views

    front, _django = served
    made = []
    render = views.render
    monkeypatch.setattr(views, "render", lambda *args, **kwargs: made.append(1) or render(*args, **kwargs))
    page = get(front, "/portal/de/kennzahlen/bevoelkerung/")[2]
    for junk in ("x=1", "x=2&y=3", "zz=%3Cb%3Eboese%3C%2Fb%3E"):
        assert get(front, "/portal/de/kennzahlen/bevoelkerung/", query=junk)[2] == page
    assert len(made) == 1
    filtered = get(front, "/portal/de/anlaufstellen/", query="sprache=tr&zz=boese")[2].decode()
    unfiltered = get(front, "/portal/de/anlaufstellen/")[2].decode()
    assert "boese" not in filtered and filtered != unfiltered and len(made) == 3


def test_without_the_page_cache_every_page_is_made_anew(served, monkeypatch, settings):
    """IMON_PAGE_CACHE=0 (to measure rendering, or look for a fault): nothing kept anywhere."""
    from imon.portal import views

    settings.PORTAL_PAGE_CACHE = False
    front, django = served
    made = []
    render = views.render
    monkeypatch.setattr(views, "render", lambda *args, **kwargs: made.append(1) or render(*args, **kwargs))
    first, again = get(front, "/portal/de/"), get(front, "/portal/de/")
    assert first[2] == again[2] and dict(first[1])["Content-Language"] == "de"
    assert len(made) == 2 and django.calls == 2 and not front.pages


def test_an_answer_that_sets_a_cookie_is_never_given_to_another_visitor():
    """A middleware may set a cookie on a page on its way out (a session, a CSRF token): that
    cookie is the visitor's own, so the answer is not kept (no database needed)."""
    calls = []

    def application(environ, start_response):
        calls.append(1)
        environ[pagecache.SHAREABLE] = "1.0"
        start_response("200 OK", [("Content-Type", "text/html"), ("Set-Cookie", "sessionid=geheim")])
        return [b"<p>Seite</p>"]

    front = pagecache.Front(application)
    for _ in range(2):
        assert ("Set-Cookie", "sessionid=geheim") in get(front, "/portal/de/")[1]
    assert len(calls) == 2 and not front.pages
