"""Error pages speak German and show no technical details."""

import pytest


@pytest.mark.django_db
def test_unknown_page_gives_a_german_404(client):
    response = client.get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Seite nicht gefunden" in page and "Traceback" not in page


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Serverfehler" in page


@pytest.mark.django_db
@pytest.mark.parametrize("lang,heading", [("de", "Seite nicht gefunden"), ("en", "Page not found")])
def test_a_missing_portal_page_is_the_portals_own_in_the_visitors_language(client, lang, heading):
    """Not the staff page: the portal's layout and navigation, the visitor's language, no staff
    stylesheet."""
    response = client.get(f"/portal/{lang}/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{lang}"' in page and heading in page
    assert "portal/portal.css" in page and "core/" not in page  # the portal's stylesheet only
    assert f'href="/portal/{lang}/"' in page  # back to the portal's start page
    assert response["Content-Language"] == lang


@pytest.mark.django_db
def test_a_missing_portal_page_in_an_unknown_language_is_german(client):
    response = client.get("/portal/xx/")
    assert response.status_code == 404 and '<html lang="de"' in response.content.decode()


def test_a_portal_error_is_the_portals_own_page(rf, settings):
    from imon.ops.views import server_error

    try:
        raise RuntimeError("kaputt")
    except RuntimeError:
        response = server_error(rf.get("/portal/ar/kennzahlen/"))
    page = response.content.decode()
    assert response.status_code == 500 and '<html lang="ar" dir="rtl"' in page and "kaputt" not in page
