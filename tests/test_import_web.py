"""The upload page shows a preview; only the confirmation writes; staff can roll back."""

from django.core.files.uploadedfile import SimpleUploadedFile

from imon.core import models as m
from tests.importing import gefluechtete_2019


def upload(client, lines, name="g.csv", **extra):
    data = "\r\n".join(lines).encode("utf-8")
    return client.post("/daten/importe/", {"file": SimpleUploadedFile(name, data), "format": "auto", **extra})


def test_preview_then_confirm_then_rollback(demo, client, ki_admin):
    client.force_login(ki_admin)
    before = m.Observation.objects.count()
    response = upload(client, gefluechtete_2019())
    page = response.content.decode()
    assert response.status_code == 200 and "In die Datenbank schreiben" in page
    assert "neue Zeilen" in page and ">5<" in page
    assert m.Observation.objects.count() == before  # a preview writes nothing
    token = response.context["token"]
    response = client.post(f"/daten/importe/{token}/bestaetigen/", follow=True)
    record = m.ImportRecord.objects.get()
    assert (
        f"Import #{record.pk}" in response.content.decode()
    )  # PostgreSQL sequences do not roll back between tests
    assert m.Observation.objects.count() == before + 5
    assert record.user == ki_admin and record.file_name == "g.csv" and len(record.sha256) == 64
    response = client.post(f"/daten/importe/{record.pk}/zuruecknehmen/", follow=True)
    assert "zurückgenommen" in response.content.decode()
    assert m.Observation.objects.count() == before


def test_preview_lists_errors_and_offers_no_confirmation(demo, client, ki_admin):
    client.force_login(ki_admin)
    page = upload(client, gefluechtete_2019(b=3921, a_b=4551)).content.decode()
    assert "nichts geschrieben werden" in page and "Zeile 2" in page
    assert "In die Datenbank schreiben" not in page


def test_preview_lists_changed_and_conflicting_rows_with_both_values(demo, client, ki_admin):
    client.force_login(ki_admin)
    lines = [
        "Kennzahl;Gebiet;Stichtag;Wert;Zeichen",
        "bevoelkerung;05316000;31.12.2017;166.740;",  # a conflict: stored 166.737
        "bevoelkerung;05316000;31.12.2016;166.100;r",  # revised: a change
        "bevoelkerung;05316000;31.12.2020;163.000;p",  # new
    ]
    response = upload(client, lines)
    page = response.content.decode()
    plan = response.context["plan"]
    assert (len(plan.new), len(plan.changed), len(plan.conflicts)) == (1, 1, 1)
    changed = page.split("Geänderte Zeilen")[1].split("</table>")[0]
    assert "31.12.2016" in changed and "166.081" in changed and "166.100 r" in changed
    conflicts = page.split("Zeilen mit Konflikt, nicht geschrieben")[1].split("</table>")[0]
    assert "166.737" in conflicts and "166.740" in conflicts
    assert "163.000 p" in page.split("Neue Zeilen")[1].split("</table>")[0]


def test_preview_shows_the_notes_as_read_from_a_mac_roman_file(demo, client, ki_admin):
    """The note column is where a user sees that the file's letters were read right."""
    client.force_login(ki_admin)
    data = "Kennzahl;Gebiet;Stichtag;Wert;Zeichen;Anmerkung\r\nbevoelkerung;05316000;31.12.2020;163.000;p;Schätzung für Übergänge\r\n"
    response = client.post(
        "/daten/importe/", {"file": SimpleUploadedFile("mac.csv", data.encode("mac_roman")), "format": "auto"}
    )
    new_rows = response.content.decode().split("Neue Zeilen")[1].split("</table>")[0]
    assert '<th scope="col">Anmerkung</th>' in new_rows and "<td>Schätzung für Übergänge</td>" in new_rows


def test_unreadable_file_is_shown_as_a_form_error(demo, client, ki_admin):
    client.force_login(ki_admin)
    page = upload(client, ["foo;bar", "1;2"]).content.decode()
    assert "Format der Datei ist unbekannt" in page and "error-summary" in page


def test_a_confirmation_cannot_be_replayed(demo, client, ki_admin):
    client.force_login(ki_admin)
    token = upload(client, gefluechtete_2019()).context["token"]
    client.post(f"/daten/importe/{token}/bestaetigen/")
    response = client.post(f"/daten/importe/{token}/bestaetigen/", follow=True)
    assert "abgelaufen" in response.content.decode()
    assert m.ImportRecord.objects.count() == 1


def test_people_without_the_right_cannot_import(demo, client, outsider):
    client.force_login(outsider)
    assert client.get("/daten/importe/").status_code == 403
    response = upload(client, gefluechtete_2019())
    assert response.status_code == 403 and not m.ImportRecord.objects.exists()


def test_blank_template_names_the_dimensions(demo, client, ki_admin):
    client.force_login(ki_admin)
    response = client.get("/daten/vorlage/gefluechtete-azr-alter.csv")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "indicator;area;reference_date;altersgruppe;aufenthaltsstatus;value;flag;note"
    assert client.get("/daten/vorlage/gefluechtete-azr-alter.xlsx").status_code == 200


def test_previews_never_confirmed_are_cleaned_up_after_a_day(demo, client, ki_admin, settings, tmp_path):
    import os
    import time

    settings.MEDIA_ROOT = tmp_path
    client.force_login(ki_admin)
    upload(client, gefluechtete_2019())
    (old,) = list((tmp_path / "imports").glob("*.upload"))
    day_ago = time.time() - 25 * 60 * 60
    os.utime(old, (day_ago, day_ago))
    upload(client, gefluechtete_2019())
    remaining = list((tmp_path / "imports").glob("*.upload"))
    assert old not in remaining and len(remaining) == 1
