"""Security settings, headers and the health endpoint."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import get_hasher


def test_passwords_are_hashed_with_argon2():
    assert get_hasher().algorithm == "argon2"


@pytest.mark.django_db
def test_every_page_sends_security_headers(client):
    response = client.get("/admin/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_health_endpoint_reports_database_and_migrations(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


@pytest.mark.django_db
def test_health_endpoint_reports_pending_migrations(client):
    from django.db.migrations.recorder import MigrationRecorder

    # As after installing a new version before `imon migrate`: its newest migration is not applied.
    MigrationRecorder.Migration.objects.filter(app="portal", name="0001_portal_state").delete()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["migrations"] == "1 pending"


def production_env(tmp_path, **extra) -> dict:
    """The environment of an installation behind HTTPS, without the test suite's IMON_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env.update(
        IMON_HOME=str(tmp_path),
        IMON_HTTPS="1",
        IMON_SECRET_KEY="a-long-random-secret-key-of-more-than-fifty-characters-1234567890",
        IMON_ALLOWED_HOSTS="integration.example.org",
        DJANGO_SETTINGS_MODULE="imon.settings",
        **extra,
    )
    return env


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = production_env(tmp_path, IMON_TRUSTED_PROXY="127.0.0.1")  # the documented deployment: nginx nearby
    result = subprocess.run(
        [sys.executable, "-m", "imon.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _setting(env: dict, expression: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_forwarded_proto_is_believed_only_from_a_named_proxy(tmp_path):
    """Without IMON_TRUSTED_PROXY any client could send X-Forwarded-Proto: https and pass for HTTPS;
    check --deploy says so."""
    env = production_env(tmp_path)
    assert _setting(env, "settings.SECURE_PROXY_SSL_HEADER") == "None"
    result = subprocess.run(
        [sys.executable, "-m", "imon.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "imon.W001" in result.stdout + result.stderr
    env["IMON_TRUSTED_PROXY"] = "10.0.0.5"
    assert _setting(env, "settings.SECURE_PROXY_SSL_HEADER") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_second_factor_is_required_by_default(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env.update(IMON_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="imon.settings")
    assert _setting(env, "settings.IMON_TOTP_REQUIRED") == "True"
    env["IMON_TOTP_REQUIRED"] = "0"
    assert _setting(env, "settings.IMON_TOTP_REQUIRED") == "False"


@pytest.mark.django_db
def test_login_form_requires_a_csrf_token(ki_admin):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/admin/login/", {"username": "anna", "password": "sicheres-passwort-1"})
    assert response.status_code == 403
