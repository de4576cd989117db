"""The audit log records security events and shows them, read-only, to administrators."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from imon.ops.models import AuditEvent


def kinds():
    return list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))


def last(kind):
    return AuditEvent.objects.filter(kind=kind).latest("pk")


@pytest.fixture
def staff_without_rights(db, django_user_model):
    """Sven is staff (may enter the admin) but has no permissions."""
    return django_user_model.objects.create_user(
        "sven", "sven@example.org", "sicheres-passwort-4", is_staff=True
    )


def test_logins_failed_logins_and_logouts_are_recorded(ki_admin, client):
    client.post("/admin/login/", {"username": "anna", "password": "falsch"}, REMOTE_ADDR="10.1.2.3")
    failed = last("login_failed")
    assert failed.username == "anna" and failed.ip == "10.1.2.3" and failed.user is None
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "anna", "password": "sicheres-passwort-1"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    login = last("login")
    assert login.user == ki_admin and login.ip == "10.1.2.3" and login.path.startswith("POST /admin/login/")
    client.post("/admin/logout/")
    assert last("logout").username == "anna"
    assert kinds() == ["role_change", "login_failed", "login", "logout"]  # the first: Anna was made superuser
    assert (
        AuditEvent.objects.get(kind="role_change").detail
        == "user anna created: is_staff=True, is_superuser=True"
    )


def test_a_failed_login_for_an_unknown_user_names_the_attempted_user(db, client):
    client.post("/admin/login/", {"username": "mallory", "password": "x"})
    assert last("login_failed").username == "mallory"


def test_permission_denials_of_signed_in_users_are_recorded(outsider, staff_without_rights, client):
    client.force_login(outsider)
    response = client.get("/berichte/")  # refused, not sent to a login page
    assert response.status_code == 403
    denied = last("permission_denied")
    assert denied.user == outsider and denied.path == "GET /berichte/" and denied.detail == "403"
    client.force_login(staff_without_rights)
    assert client.get("/admin/core/measure/").status_code == 403
    assert last("permission_denied").username == "sven" and last("permission_denied").detail == "403"


def test_refusals_of_the_steering_pages_are_recorded_too(outsider, client):
    client.force_login(outsider)
    response = client.get("/steuerung/")
    assert response.status_code in (302, 403)
    assert last("permission_denied").path == "GET /steuerung/"


def test_anonymous_visitors_sent_to_the_login_page_are_not_denials(db, client):
    assert client.get("/berichte/").status_code == 302
    assert not AuditEvent.objects.exists()


def test_staff_downloads_are_recorded(demo, ki_admin, client):
    from imon.reports import snapshots

    snapshot = snapshots.create("1. Umsetzungsbericht", "2019-09-16", ki_admin)
    client.force_login(ki_admin)
    response = client.get(f"/berichte/{snapshot.number}.html")
    assert response.status_code == 200
    download = last("download")
    assert download.user == ki_admin and download.path == f"GET /berichte/{snapshot.number}.html"
    assert download.detail.endswith(".html")


def test_exports_of_non_public_data_are_recorded_but_public_ones_are_not(demo, tmp_path):
    import datetime

    from imon.reports import snapshots

    snapshots.publish(snapshots.create("Bericht", datetime.date(2099, 12, 31)))
    call_command("export_data", str(tmp_path / "public.csv"), "--public")
    assert not AuditEvent.objects.filter(kind="export").exists()
    call_command("export_data", str(tmp_path / "intern.csv"))
    export = last("export")
    assert (
        export.path == "imon export-data" and "intern.csv" in export.detail and "not public" in export.detail
    )
    assert export.username.startswith("(")  # the operating-system user who ran the command


def test_role_and_permission_changes_are_recorded(ki_admin, outsider):
    group = Group.objects.create(name="Fachgruppe Bildung")
    group.permissions.add(Permission.objects.get(codename="change_measure"))
    assert (
        last("role_change").detail.startswith("group Fachgruppe Bildung: ")
        and "change measure" in last("role_change").detail.lower()
    )
    outsider.groups.add(group)
    change = last("role_change")
    assert (
        change.detail.startswith("user otto: ")
        and "Fachgruppe Bildung" in change.detail
        and "added" in change.detail
    )
    assert change.username.startswith("(")  # changed outside a request: the operating-system user
    outsider.user_permissions.add(Permission.objects.get(codename="view_snapshot"))
    assert "view snapshot" in last("role_change").detail.lower()
    outsider.is_staff = True
    outsider.save()
    assert last("role_change").detail == "user otto: is_staff: False → True"
    outsider.first_name = "Otto"
    outsider.save()  # not a role change
    assert AuditEvent.objects.filter(kind="role_change").count() == 5
    outsider.groups.remove(group)
    assert "removed" in last("role_change").detail
    group.delete()
    assert last("role_change").detail == "group Fachgruppe Bildung deleted"
    outsider.delete()
    assert last("role_change").detail == "user otto deleted"


def test_role_changes_through_the_admin_are_recorded(ki_admin, outsider, client):
    client.force_login(ki_admin)
    page = client.get(f"/admin/auth/user/{outsider.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("groups", "user_permissions", "password")
    }
    data.update(
        is_staff="on",
        is_active="on",
        last_login_0="",
        last_login_1="",
        date_joined_0="01.01.2026",
        date_joined_1="10:00:00",
    )
    response = client.post(f"/admin/auth/user/{outsider.pk}/change/", data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    change = last("role_change")
    assert change.detail == "user otto: is_staff: False → True"
    assert (
        change.user == ki_admin and change.path == f"POST /admin/auth/user/{outsider.pk}/change/"
    )  # who did it


def test_backups_are_recorded(ki_admin, tmp_path):
    call_command("backup", str(tmp_path / "sicherung.zip"))
    backup = last("backup")
    assert backup.path == "imon backup" and "sicherung.zip" in backup.detail


def test_only_administrators_see_the_audit_log_and_nobody_changes_it(ki_admin, staff_without_rights, client):
    client.post("/admin/login/", {"username": "anna", "password": "falsch"})
    event = last("login_failed")
    client.force_login(ki_admin)
    page = client.get("/admin/ops/auditevent/")
    assert page.status_code == 200 and "Sicherheitsprotokoll" in page.content.decode()
    assert client.get(f"/admin/ops/auditevent/{event.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/ops/auditevent/add/").status_code == 403
    assert client.post(f"/admin/ops/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    other = Client()
    other.force_login(staff_without_rights)
    assert other.get("/admin/ops/auditevent/").status_code == 403
