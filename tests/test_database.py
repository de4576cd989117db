"""The suite runs on SQLite by default and on PostgreSQL when IMON_DATABASE_URL says so."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_configured_one():
    url = os.environ.get("IMON_DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone()[0] == 1
