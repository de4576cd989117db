"""Login throttling: repeated failures lock a user name or an address for a while, with a German message."""

from datetime import UTC, datetime, timedelta

import pytest

from imon.ops.models import AuditEvent
from imon.ops.throttle import lock_end

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def minutes_ago(*minutes):
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_five_failures_within_the_window_lock_until_the_window_after_the_last():
    assert lock_end(minutes_ago(1, 2, 3, 4, 5), 5, WINDOW, NOW) == NOW + timedelta(minutes=14)
    assert lock_end(minutes_ago(1, 2, 3, 4), 5, WINDOW, NOW) is None  # four are allowed
    assert lock_end(minutes_ago(1, 2, 3, 4, 17), 5, WINDOW, NOW) is None  # spread over more than the window
    assert lock_end(minutes_ago(16, 17, 18, 19, 20), 5, WINDOW, NOW) is None  # the lock is over
    assert lock_end(minutes_ago(1, 2, 3), 0, WINDOW, NOW) is None  # throttling switched off


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failed_logins_lock_the_user_name_even_with_the_right_password(ki_admin, client):
    for _ in range(5):
        assert attempt(client, "anna", "falsch").status_code == 200
    response = attempt(client, "anna", "sicheres-passwort-1")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in page and "15 Minuten" in page
    assert AuditEvent.objects.filter(kind="lockout", username="anna").count() == 1
    assert AuditEvent.objects.filter(kind="login_locked", username="anna").count() == 1
    # Another user from another address is not affected.
    assert attempt(client, "otto", "x", ip="10.0.0.8").status_code == 200
    assert "Zu viele" not in attempt(client, "otto", "x", ip="10.0.0.8").content.decode()


def test_the_lock_ends_after_the_lock_time(ki_admin, client):
    for _ in range(5):
        attempt(client, "anna", "falsch")
    assert "Zu viele" in attempt(client, "anna", "sicheres-passwort-1").content.decode()
    AuditEvent.objects.update(created_at=NOW - timedelta(days=1))
    response = attempt(client, "anna", "sicheres-passwort-1")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(ki_admin.pk)


def test_a_successful_login_ends_the_count(ki_admin, client):
    for _ in range(4):
        attempt(client, "anna", "falsch")
    assert attempt(client, "anna", "sicheres-passwort-1").status_code == 302
    client.logout()
    for _ in range(4):
        attempt(client, "anna", "falsch")
    assert attempt(client, "anna", "sicheres-passwort-1").status_code == 302


def test_many_failures_from_one_address_lock_the_address(ki_admin, client, settings):
    settings.IMON_LOGIN_MAX_FAILURES_PER_IP = 6
    for number in range(6):
        attempt(client, f"rate{number}", "x", ip="192.0.2.1")
    assert "Zu viele" in attempt(client, "anna", "sicheres-passwort-1", ip="192.0.2.1").content.decode()
    assert attempt(client, "anna", "sicheres-passwort-1", ip="192.0.2.2").status_code == 302
    assert AuditEvent.objects.filter(kind="lockout", ip="192.0.2.1").exists()


@pytest.mark.django_db
def test_the_lock_message_counts_down_in_german():
    from django.utils import translation

    from imon.ops.throttle import lock_message

    with translation.override("de"):
        assert lock_message(NOW + timedelta(seconds=30), NOW).endswith("in 1 Minute erneut.")
        assert "in 14 Minuten" in lock_message(NOW + timedelta(minutes=13, seconds=10), NOW)


def test_every_way_of_signing_in_is_throttled(ki_admin, rf):
    from django.contrib.auth import authenticate

    request = rf.post("/anmelden/", REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        assert authenticate(request, username="anna", password="falsch") is None
    assert authenticate(request, username="anna", password="sicheres-passwort-1") is None
    assert AuditEvent.objects.filter(kind="login_failed").count() == 5
    assert AuditEvent.objects.filter(kind="login_locked").count() == 1  # not counted as a further failure


def test_the_login_form_for_pages_outside_the_admin_says_it_is_locked(ki_admin, rf):
    from imon.ops.throttle import LoginForm

    request = rf.post("/anmelden/", REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        assert not LoginForm(request, data={"username": "anna", "password": "falsch"}).is_valid()
    form = LoginForm(request, data={"username": "anna", "password": "sicheres-passwort-1"})
    assert not form.is_valid() and "Zu viele fehlgeschlagene Anmeldeversuche" in form.non_field_errors()[0]


def test_behind_a_trusted_proxy_the_client_address_is_recorded(tmp_path):
    """`imon serve` with IMON_TRUSTED_PROXY takes the client from X-Forwarded-For: the lock per address must not
    lock everybody behind the proxy; without the setting the header is ignored (it could be forged)."""
    import http.cookiejar
    import os
    import re
    import socket
    import subprocess
    import sys
    import urllib.parse
    import urllib.request

    from tests.waiting import wait_until

    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(tmp_path)
    imon = [sys.executable, "-m", "imon.cli"]
    subprocess.run([*imon, "migrate", "-v0"], env=env, check=True)
    show = "from imon.ops.models import AuditEvent as A; print(list(A.objects.filter(kind='login_failed').values_list('ip', flat=True)))"

    def failed_login_from(trusted: bool) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server_env = dict(env, IMON_TRUSTED_PROXY="127.0.0.1") if trusted else env
        server = subprocess.Popen(
            [*imon, "serve", "--port", str(port)],
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )

            def login_page():
                try:
                    return opener.open(f"http://127.0.0.1:{port}/admin/login/", timeout=60).read().decode()
                except OSError:
                    return None

            page = wait_until(login_page, "server did not start", process=server)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            data = urllib.parse.urlencode(
                {"username": "mallory", "password": "x", "csrfmiddlewaretoken": token}
            ).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/admin/login/", data=data, headers={"X-Forwarded-For": "203.0.113.5"}
            )
            opener.open(request, timeout=10).read()
        finally:
            server.terminate()
            server.wait(timeout=10)
        out = subprocess.run(
            [*imon, "shell", "-c", show], env=env, capture_output=True, text=True, check=True
        )
        return out.stdout.strip().splitlines()[-1]

    assert failed_login_from(trusted=False) == "['127.0.0.1']"
    assert failed_login_from(trusted=True) == "['203.0.113.5', '127.0.0.1']"


def test_the_staff_login_page_says_it_is_locked(ki_admin, client):
    for _ in range(5):
        client.post("/anmelden/", {"username": "anna", "password": "falsch"})
    response = client.post("/anmelden/", {"username": "anna", "password": "sicheres-passwort-1"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
