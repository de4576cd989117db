"""The staff page for reports: freeze a snapshot, download the report in every format."""

import pytest

from imon.reports.models import Snapshot


@pytest.fixture
def staff(client, ki_admin):
    client.force_login(ki_admin)
    return client


def test_freeze_and_download(demo, staff):
    page = staff.get("/berichte/")
    assert page.status_code == 200 and "Noch keine Momentaufnahme." in page.content.decode()
    response = staff.post(
        "/berichte/", {"title": "1. Umsetzungsbericht", "reporting_date": "16.09.2019"}, follow=True
    )
    text = response.content.decode()
    assert "Momentaufnahme 1 wurde eingefroren." in text and "16.09.2019" in text
    snapshot = Snapshot.objects.get()
    assert snapshot.created_by.username == "anna"
    # The council paper is named as the city calls it, not by its internal format key.
    assert ">Vorlage (DOCX)</a>" in text and "VORLAGE" not in text
    for fmt, kind, magic in (
        ("html", "text/html", b"<!DOCTYPE html>"),
        ("pdf", "application/pdf", b"%PDF"),
        ("docx", "wordprocessingml", b"PK"),
        ("pptx", "presentationml", b"PK"),
    ):
        assert f'href="/berichte/1.{fmt}"' in text
        download = staff.get(f"/berichte/1.{fmt}")
        assert download.status_code == 200 and kind in download["Content-Type"], fmt
        assert (
            download["Content-Disposition"] == f'attachment; filename="umsetzungsbericht-1-2019-09-16.{fmt}"'
        )
        assert download.content.startswith(magic)
    assert staff.get("/berichte/1.exe").status_code == 404
    assert staff.get("/berichte/7.pdf").status_code == 404


def test_bad_form_input_is_explained_in_german(demo, staff):
    response = staff.post("/berichte/", {"title": "", "reporting_date": "31.02.2019"})
    text = response.content.decode()
    assert response.status_code == 200 and "Es gibt ein Problem" in text
    assert (
        "Titel: Dieses Feld ist zwingend erforderlich." in text
        and "Berichtsstichtag: Bitte ein gültiges Datum eingeben." in text
    )
    assert not Snapshot.objects.exists()


def test_outsiders_get_no_reports(demo, client, outsider):
    client.force_login(outsider)
    assert client.get("/berichte/").status_code == 403
    assert client.post("/berichte/", {"title": "X", "reporting_date": "16.09.2019"}).status_code == 403
    assert not Snapshot.objects.exists()
