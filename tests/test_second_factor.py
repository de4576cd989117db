"""Second factor (TOTP) for staff: optional, mandatory for administrators when configured."""

import base64
import time

import pytest

from imon.ops import otp
from imon.ops.models import AuditEvent, TOTPDevice
from tests import steering

people = steering.people  # the personas fixture

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    "timestamp,code",
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_codes_match_the_test_values_of_rfc_6238(timestamp, code):
    assert otp.code_at(RFC_SECRET, otp.step_of(timestamp), digits=8) == code


def test_a_code_is_accepted_one_step_either_side_and_only_once():
    secret = otp.new_secret()
    now = 1_800_000_000
    step = otp.step_of(now)
    assert otp.matching_step(secret, otp.code_at(secret, step), now) == step
    assert otp.matching_step(secret, otp.code_at(secret, step - 1), now) == step - 1
    assert otp.matching_step(secret, otp.code_at(secret, step + 2), now) is None
    assert otp.matching_step(secret, otp.code_at(secret, step), now, last_step=step) is None  # used already
    assert (
        otp.matching_step(secret, "12 34 5", now) is None and otp.matching_step(secret, "abcdef", now) is None
    )
    assert len(secret) == 32 and otp.provisioning_uri(secret, "anna").startswith(
        "otpauth://totp/Integrationsmonitor%3Aanna?secret="
    )


def current_code(secret):
    return otp.code_at(secret, otp.step_of(time.time()))


def login(client, password="sicheres-passwort-1"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "anna", "password": password, "next": "/admin/"}
    )


@pytest.fixture
def anna_with_app(ki_admin):
    return TOTPDevice.objects.create(user=ki_admin, secret=otp.new_secret())


def test_with_an_app_the_password_alone_opens_nothing(anna_with_app, client):
    assert login(client).status_code == 302
    response = client.get("/admin/")
    assert (
        response.status_code == 302 and response["Location"] == "/anmelden/zweiter-faktor/?next=%2Fadmin%2F"
    )
    assert client.get("/berichte/").status_code == 302
    assert client.get("/healthz").status_code == 200  # public things stay open
    page = client.get("/anmelden/zweiter-faktor/?next=/admin/")
    assert page.status_code == 200 and "Zweiter Faktor" in page.content.decode()


def test_the_right_code_opens_the_staff_area_and_cannot_be_used_twice(anna_with_app, client):
    login(client)
    wrong = client.post(
        "/anmelden/zweiter-faktor/",
        {"code": "000000" if current_code(anna_with_app.secret) != "000000" else "111111", "next": "/admin/"},
    )
    assert wrong.status_code == 200 and "Der Code stimmt nicht" in wrong.content.decode()
    assert (
        AuditEvent.objects.filter(kind="login_failed", username="anna", detail="second factor").count() == 1
    )
    code = current_code(anna_with_app.secret)
    right = client.post("/anmelden/zweiter-faktor/", {"code": code, "next": "/admin/"})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    login(client)
    again = client.post("/anmelden/zweiter-faktor/", {"code": code, "next": "/admin/"})
    assert again.status_code == 200 and client.get("/admin/").status_code == 302


def test_the_next_address_must_be_on_this_site(anna_with_app, client):
    login(client)
    response = client.post(
        "/anmelden/zweiter-faktor/",
        {"code": current_code(anna_with_app.secret), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_wrong_codes_count_towards_the_lock(anna_with_app, client):
    login(client)
    for _ in range(5):
        client.post("/anmelden/zweiter-faktor/", {"code": "000000"})
    response = client.post("/anmelden/zweiter-faktor/", {"code": current_code(anna_with_app.secret)})
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_without_an_app_and_without_the_setting_nothing_changes(ki_admin, client):
    login(client)
    assert client.get("/admin/").status_code == 200


def test_administrators_must_set_up_an_app_when_configured(ki_admin, outsider, client, settings):
    settings.IMON_TOTP_REQUIRED = True
    login(client)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/zweiter-faktor/")
    page = client.get("/konto/zweiter-faktor/")
    assert "mit einem zweiten Faktor an" in page.content.decode()
    secret = client.session["imon_otp_new_secret"]
    assert otp.grouped(secret) in page.content.decode()
    done = client.post("/konto/zweiter-faktor/", {"code": current_code(secret), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=ki_admin).secret == secret
    assert AuditEvent.objects.filter(kind="otp_enabled", username="anna").exists()
    assert client.get("/admin/").status_code == 200
    # Users who are not administrators are not asked.
    other = client.__class__()
    other.post("/admin/login/", {"username": "otto", "password": "sicheres-passwort-2"})
    assert other.get("/berichte/")["Location"].startswith("/anmelden/")  # not the second factor


def test_administrators_remove_a_lost_app_and_the_secret_is_never_shown(anna_with_app, outsider, client):
    device = TOTPDevice.objects.create(user=outsider, secret=otp.new_secret())
    client.force_login(anna_with_app.user)
    client.post("/anmelden/zweiter-faktor/", {"code": current_code(anna_with_app.secret)})
    page = client.get(f"/admin/ops/totpdevice/{device.pk}/change/").content.decode()
    assert device.secret not in page and otp.grouped(device.secret) not in page
    client.post(f"/admin/ops/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.get(kind="otp_disabled").detail == "user otto"


def test_every_role_that_changes_or_publishes_data_needs_the_second_factor(people, settings):
    """Owners, editors, reviewers and the office change or publish data; a reader does not."""
    from django.contrib.auth.models import Permission

    from imon.ops.second_factor import required_for
    from tests.steering import make_user

    settings.IMON_TOTP_REQUIRED = True
    for user in (people.ki, people.reviewer, people.editor, people.owner, people.external):
        assert required_for(user), user.username
    reader = make_user(people.ki.__class__, "rudi", ["steering.view_steering"])
    assert not required_for(reader) and not required_for(people.outsider)
    reader.user_permissions.add(Permission.objects.get(codename="add_importrecord"))
    reader = reader.__class__.objects.get(pk=reader.pk)
    assert required_for(reader)
    settings.IMON_TOTP_REQUIRED = False
    assert not required_for(people.ki)


def test_an_owner_is_sent_to_set_up_the_app(people, client, settings):
    settings.IMON_TOTP_REQUIRED = True
    client.post("/anmelden/", {"username": "emil", "password": "sicheres-passwort-9"})
    response = client.get("/steuerung/aufgaben/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/zweiter-faktor/")


def test_replacing_the_app_needs_the_password_and_a_code_of_the_current_app(anna_with_app, client):
    """A session left open on a shared PC must not be enough to take over the second factor."""
    login(client)
    client.post("/anmelden/zweiter-faktor/", {"code": current_code(anna_with_app.secret), "next": "/"})
    page = client.get("/konto/zweiter-faktor/")
    new_secret = client.session["imon_otp_new_secret"]
    assert "Ihr Passwort" in page.content.decode()
    # The new app's code alone: refused.
    response = client.post("/konto/zweiter-faktor/", {"code": current_code(new_secret)})
    assert response.status_code == 200
    anna_with_app.refresh_from_db()
    assert anna_with_app.secret != new_secret
    # A wrong password: refused.
    response = client.post(
        "/konto/zweiter-faktor/",
        {
            "password": "falsch",
            "old_code": current_code(anna_with_app.secret),
            "code": current_code(new_secret),
        },
    )
    assert "Das Passwort stimmt nicht" in response.content.decode()
    anna_with_app.refresh_from_db()
    assert anna_with_app.secret != new_secret
    # Password and a code of the current app: replaced.
    anna_with_app.last_step = None
    anna_with_app.save()
    response = client.post(
        "/konto/zweiter-faktor/",
        {
            "password": "sicheres-passwort-1",
            "old_code": current_code(anna_with_app.secret),
            "code": current_code(new_secret),
            "next": "/",
        },
    )
    assert response.status_code == 302
    anna_with_app.refresh_from_db()
    assert anna_with_app.secret == new_secret
