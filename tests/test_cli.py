"""The `imon` command as a user runs it: a separate process with its own data folder (SQLite)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_FILE


def imon(home: Path, *args, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env["IMON_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "imon.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(result.stderr)
    return result


@pytest.fixture
def home(tmp_path):
    imon(tmp_path, "migrate", "-v0")
    return tmp_path


def test_load_and_dump_with_hyphenated_commands(home, tmp_path):
    out = imon(home, "load-concept", str(DEMO_FILE))
    assert re.search(r"geladen: \d+ neu angelegt, 0 aktualisiert, 0 unverändert", out.stdout)
    target = tmp_path / "dump.yaml"
    imon(home, "dump-concept", str(target))
    text = target.read_text(encoding="utf-8")
    assert "ik-leverkusen-2017" in text and "166737" in text
    assert imon(home, "dump-concept", "-").stdout == text
    assert not list(tmp_path.glob(".dump.yaml.*.tmp"))


def test_invalid_file_exits_non_zero_with_german_messages_and_writes_nothing(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        DEMO_FILE.read_text(encoding="utf-8").replace("status: planned", "status: fertig"), encoding="utf-8"
    )
    result = imon(home, "load-concept", str(bad), check=False)
    assert result.returncode != 0
    assert "measures[8].status: 'fertig' ist kein" in result.stderr
    assert "nichts geschrieben" in result.stderr
    assert "Traceback" not in result.stderr
    empty = imon(home, "dump-concept", "-", check=False)
    assert empty.returncode != 0 and "Kein Konzept" in empty.stderr


def test_missing_file_is_a_clear_error(home):
    result = imon(home, "load-concept", "gibt-es-nicht.yaml", check=False)
    assert (
        result.returncode != 0 and "gibt-es-nicht.yaml" in result.stderr and "Traceback" not in result.stderr
    )


def test_secret_key_is_generated_once_and_kept(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
    env.update(IMON_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="imon.settings")
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    first = run()
    assert len(first) > 40 and run() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    secret_file = tmp_path / "given"
    secret_file.write_text("aus-einer-datei\n")
    env["IMON_SECRET_KEY_FILE"] = str(secret_file)
    assert run() == "aus-einer-datei"


def test_import_dry_run_replace_and_rollback(home, tmp_path):
    imon(home, "load-concept", str(DEMO_FILE))
    data = tmp_path / "bev.csv"
    data.write_text(
        "Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2018;167.000\n", encoding="utf-8"
    )
    dry = imon(home, "import", str(data), "--dry-run")
    assert "1 neu" in dry.stdout and "Probelauf" in dry.stdout
    assert "166737" in imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout
    assert "167000" not in imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout
    written = imon(home, "import", str(data))
    assert "Import #1" in written.stdout
    assert "167000" in imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout
    assert "Nichts zu tun" in imon(home, "import", str(data)).stdout
    assert "#1" in imon(home, "import", "--list").stdout
    imon(home, "import", "--rollback", "1")
    assert "167000" not in imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout
    # A different value for a stored key is a conflict: listed, and written only with --replace.
    # The file's other rows are not written either, and the exit code says why (4).
    data.write_text(
        "Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2017;166.740\n"
        "bevoelkerung;05316000;31.12.2018;167.000\n",
        encoding="utf-8",
    )
    for dry_run in (("--dry-run",), ()):
        conflict = imon(home, "import", str(data), *dry_run, check=False)
        assert conflict.returncode == 4
        assert "166.737" in conflict.stderr and "166.740" in conflict.stderr
        assert "1 Zeile mit Konflikt; 0 Fehler, 1 Warnung" in conflict.stdout
        assert (
            "1 Zeile weicht vom gespeicherten Wert ab (Konflikt); nichts wurde geschrieben" in conflict.stderr
            and "--replace" in conflict.stderr
        )
        assert "Nichts zu tun" not in conflict.stdout + conflict.stderr
    stored = imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout
    assert "166740" not in stored and "167000" not in stored
    imon(home, "import", str(data), "--replace")
    assert "166740" in imon(home, "export-data", "-", "--indicator", "bevoelkerung").stdout


def test_a_mistyped_option_is_explained_in_german(tmp_path):
    result = imon(tmp_path, "import", "daten.csv", "--format", "odt", check=False)
    assert result.returncode == 2
    assert "Fehler: Argument --format: ungültige Wahl: 'odt'" in result.stderr and result.stderr.startswith(
        "Aufruf: "
    )
    assert "Optionen:" in imon(tmp_path, "export-data", "--help").stdout


def test_import_with_errors_exits_non_zero_naming_file_line_and_rule(home, tmp_path):
    imon(home, "load-concept", str(DEMO_FILE))
    bad = tmp_path / "gefluechtete.csv"
    bad.write_text(
        "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert\n"
        "gefluechtete;05316000;31.12.2019;insgesamt;5000\n"
        "gefluechtete;05316000;31.12.2019;a;630\n"
        "gefluechtete;05316000;31.12.2019;b;3920\n"
        "gefluechtete;05316000;31.12.2019;c;350\n",
        encoding="utf-8",
    )
    result = imon(home, "import", str(bad), check=False)
    assert result.returncode != 0
    assert "gefluechtete.csv: Zeile 2" in result.stderr and "insgesamt = a + b + c" in result.stderr
    assert "nichts geschrieben" in result.stderr and "Traceback" not in result.stderr
