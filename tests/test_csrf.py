"""Every URL of the application refuses a POST without a valid CSRF token: with the German CSRF page, or, for
read-only views (the open-data API), with 405 Method Not Allowed. Whatever app a view is in."""

import itertools

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

# Values tried for URL parameters until one reverses; pages need not exist: CSRF is checked before the view runs.
CANDIDATES = ["1", "core", "x", "de", "auth", "measure", "json"]


def named_patterns(resolver=None, namespace=""):
    """(name for reverse(), parameter names) for every named URL pattern, admin included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", sorted(entry.pattern.regex.groupindex)


def some_url(name, params):
    for values in itertools.product(CANDIDATES, repeat=len(params)):
        try:
            return reverse(name, kwargs=dict(zip(params, values)))
        except NoReverseMatch:
            continue
    return None


def all_urls():
    urls = {}
    for name, params in named_patterns():
        url = some_url(name, params)
        if url:
            urls.setdefault(url, name)
    return urls


def test_the_url_list_covers_every_app():
    names = set(all_urls().values())
    assert {"home", "data-import", "reports", "healthz", "admin:login", "admin:index"} <= names
    assert any(name.startswith("admin:core_measure_") for name in names)
    assert any(name.startswith("admin:ops_auditevent_") for name in names)
    assert len(names) > 100


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [True, False], ids=["staff", "anonymous"])
def test_every_post_without_csrf_token_is_refused(ki_admin, signed_in):
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(ki_admin)
    accepted = []
    for url, name in sorted(all_urls().items()):
        response = client.post(url, {"title": "x", "username": "anna", "password": "sicheres-passwort-1"})
        if response.status_code == 405:  # read-only (e.g. the open-data API): no POST at all
            continue
        if response.status_code != 403 or "Das Formular ist abgelaufen" not in response.content.decode():
            accepted.append(f"{name} {url} → {response.status_code}")
    assert not accepted, "POST without CSRF token not refused:\n" + "\n".join(accepted)


@pytest.mark.django_db
def test_a_post_with_a_valid_token_passes_the_check(ki_admin):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/admin/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/", {"username": "anna", "password": "sicheres-passwort-1", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
