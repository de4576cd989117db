"""The test suite's settings: imon's settings with a temporary data folder (IMON_HOME), so that a test run never
writes into the user's data folder (not even the generated secret key). They must be in place before Django reads
its settings, which pytest-django does before any conftest.py is loaded; hence a settings module (pyproject.toml).

Subprocesses started by tests inherit the temporary IMON_HOME and use imon.settings itself; tests that need an
installation of their own set IMON_HOME. tests/conftest.py removes the folder at the end of the run."""

import os
import tempfile

TEST_HOME = tempfile.mkdtemp(prefix="imon-test-home-")
os.environ["IMON_HOME"] = TEST_HOME
# A subprocess started without IMON_HOME would use the platform's folder for user data; on Linux that is below
# XDG_DATA_HOME, here inside the temporary folder too.
os.environ["XDG_DATA_HOME"] = os.path.join(TEST_HOME, "xdg-data")

# The suite signs staff in without a second factor; tests/test_second_factor.py switches the mandatory second
# factor (on by default in a real installation) on where it tests it. Subprocesses inherit this.
os.environ["IMON_TOTP_REQUIRED"] = "0"

from imon.settings import *  # noqa: E402, F403

# `imon` started by a test reads imon.settings (this module may not be importable from its working directory).
os.environ["DJANGO_SETTINGS_MODULE"] = "imon.settings"
