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
