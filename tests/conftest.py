import os
import shutil
import sys
from importlib import resources

import pytest
from django.db import connection

DEMO_FILE = resources.files("imon.core").joinpath("demo/leverkusen.yaml")
# The second demo city: invented, and organised unlike the first in every way a city can be.
SECOND_DEMO_FILE = resources.files("imon.core").joinpath("demo/lindenhain.yaml")


def pytest_report_header(config):
    return f"IMON_DATABASE_URL: {os.environ.get('IMON_DATABASE_URL') or '(not set: SQLite)'}"


def pytest_unconfigure(config):
    """The temporary data folder of the run (tests/settings.py) goes away with it."""
    test_settings = sys.modules.get("tests.settings")
    if test_settings is not None:
        shutil.rmtree(test_settings.TEST_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts with empty caches (the portal caches pages by snapshot number, which
    starts at 1 in every test database)."""
    from django.core.cache import cache

    from imon.portal import content

    cache.clear()
    content._LATEST.clear()
    content._BLOCKS.clear()  # keyed by snapshot number, which another test's city shares
    from imon.steering import services

    services._GLANCE.clear()  # the same
    yield


@pytest.fixture
def demo_text() -> str:
    return DEMO_FILE.read_text(encoding="utf-8")


@pytest.fixture
def demo(db, demo_text):
    """The Leverkusen demo concept, loaded."""
    from imon.core import conceptfile

    conceptfile.load_text(demo_text)
    return conceptfile


@pytest.fixture
def second_demo(db):
    """The Lindenhain demo concept, loaded."""
    from imon.core import conceptfile

    conceptfile.load_text(SECOND_DEMO_FILE.read_text(encoding="utf-8"))
    return conceptfile


@pytest.fixture
def ki_admin(db, django_user_model):
    """Anna from the KI administers Integrationsmonitor."""
    return django_user_model.objects.create_superuser("anna", "anna@example.org", "sicheres-passwort-1")


@pytest.fixture
def outsider(db, django_user_model):
    """Otto has an account but no staff rights."""
    return django_user_model.objects.create_user("otto", "otto@example.org", "sicheres-passwort-2")


@pytest.fixture
def browser():
    """Debian's Chromium, headless, driven by Playwright; the test is skipped (with the reason) only
    where Chromium is not installed. CI installs it (.ci/run)."""
    from tests.browsing import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def database_vendor():
    return connection.vendor
