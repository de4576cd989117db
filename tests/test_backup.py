"""Backup and restore: round trips on SQLite, on PostgreSQL and across them; damaged, newer and
misplaced archives are refused; a restore killed midway leaves nothing behind.

The installations are separate (their own IMON_HOME and database) and driven through the `imon` command,
as an IT service provider would."""

import datetime
import decimal
import json
import os
import signal
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from imon.core.synthetic import write_genesis

PG_URL = os.environ.get("IMON_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")

SETUP_USERS = """
from django.contrib.auth.models import Group, Permission, User
group = Group.objects.create(name="Fachgruppe Bildung")
group.permissions.add(*Permission.objects.filter(codename__in=["change_measure", "view_snapshot"]))
user = User.objects.create_user("berta", "berta@example.org", "sicheres-passwort-3", first_name="Berta")
user.groups.add(group)
user.user_permissions.add(Permission.objects.get(codename="view_observation"))
"""
DIGEST = "import json; from imon.ops.backup import table_digest; print(json.dumps(table_digest()))"
AUDIT = "import json; from imon.ops.models import AuditEvent as A; print(json.dumps(list(A.objects.order_by('pk').values_list('kind', 'username', 'detail'))))"


RESTORE_STOPPING_AT = """
import sys, django
django.setup()
from django.core.management import call_command

class Progress:
    def write(self, text):
        sys.stderr.write(text)
        if text.startswith({label!r} + ":"):
            sys.stderr.write("stopped at {label}\\n")
            sys.stderr.flush()
            sys.stdin.readline()  # waits until the test kills the process
    def flush(self):
        sys.stderr.flush()

call_command("restore", {archive!r}, verbosity=2, stderr=Progress())
"""


class Installation:
    """One installation of Integrationsmonitor: a home folder and a database."""

    def __init__(self, home: Path, database_url: str | None):
        self.home, self.database_url = home, database_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("IMON_")}
        self.env["IMON_HOME"] = str(home)
        if database_url:
            self.env["IMON_DATABASE_URL"] = database_url

    def run(self, *args, check=True):
        result = subprocess.run(
            [sys.executable, "-m", "imon.cli", *args], env=self.env, capture_output=True, text=True
        )
        if check:
            assert result.returncode == 0, f"imon {' '.join(args)}: {result.stdout}{result.stderr}"
        return result

    def popen(self, *args):
        return subprocess.Popen(
            [sys.executable, "-m", "imon.cli", *args], env=self.env, stderr=subprocess.PIPE, text=True
        )

    def popen_restore_stopping_at(self, archive: Path, label: str):
        """`imon restore -v2 ARCHIVE` that stops, without ending, when it starts writing the table `label`."""
        code = RESTORE_STOPPING_AT.format(archive=str(archive), label=label)
        env = dict(self.env, DJANGO_SETTINGS_MODULE="imon.settings")
        return subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def shell(self, code: str) -> str:
        return self.run("shell", "-c", code).stdout.strip().splitlines()[-1]

    def digest(self) -> dict:
        return json.loads(self.shell(DIGEST))

    def audit(self) -> list:
        return json.loads(self.shell(AUDIT))

    def concept(self) -> str:
        return self.run("dump-concept", "-").stdout


def postgres_database(name: str) -> str:
    import psycopg

    base = PG_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def drop_postgres_database(name: str):
    import psycopg

    base = PG_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def make_installation(tmp_path_factory):
    """Creates empty installations on 'sqlite' or 'postgresql', migrated unless told otherwise; drops their databases
    afterwards."""
    created = []

    def make(vendor: str, migrate: bool = True) -> Installation:
        home = tmp_path_factory.mktemp(f"imon-{vendor}")
        url = None
        if vendor == "postgresql":
            name = f"imon_backup_{uuid.uuid4().hex[:10]}"
            url = postgres_database(name)
            created.append(name)
        installation = Installation(home, url)
        if migrate:
            installation.run("migrate", "-v0")
        return installation

    yield make
    for name in created:
        drop_postgres_database(name)


def fill(installation: Installation, tmp_path: Path, areas: int = 20):
    """Demo concept and login, an import (history), a snapshot, users with a group and permissions, an upload."""
    installation.run("demo", "--no-serve")
    genesis = tmp_path / "12521-0041_flat.csv"
    write_genesis(genesis, areas=areas, years=(2021, 2022))
    installation.run("import", str(genesis))
    installation.run("snapshot", "create", "--title", "1. Umsetzungsbericht", "--date", "2019-09-16")
    installation.shell(SETUP_USERS + "print('ok')")
    upload = installation.home / "uploads" / "imports" / "vorschau.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes("Kennzahl;Wert\r\nä;1\r\n".encode("utf-8-sig"))


@pytest.fixture(scope="module")
def sources(make_installation, tmp_path_factory):
    """A filled installation and its backup, per database vendor (built once)."""
    built = {}

    def source(vendor: str):
        if vendor not in built:
            installation = make_installation(vendor)
            fill(installation, tmp_path_factory.mktemp("files"))
            archive = installation.home.parent / f"{installation.home.name}.zip"
            result = installation.run("backup", str(archive))
            assert "Sicherung" in result.stdout
            built[vendor] = (installation, archive)
        return built[vendor]

    return source


VENDOR_PAIRS = [("sqlite", "sqlite")] + (
    [("postgresql", "postgresql"), ("sqlite", "postgresql"), ("postgresql", "sqlite")] if ON_POSTGRES else []
)


@pytest.mark.parametrize("source_vendor,target_vendor", VENDOR_PAIRS)
def test_round_trip_gives_identical_concept_tables_and_files(
    sources, make_installation, source_vendor, target_vendor
):
    source, archive = sources(source_vendor)
    target = make_installation(target_vendor)
    result = target.run("restore", str(archive))
    assert "Wiederhergestellt" in result.stdout

    assert target.concept() == source.concept()
    source_tables, target_tables = source.digest(), target.digest()
    assert source_tables.pop("ops.auditevent") and target_tables.pop("ops.auditevent")
    assert target_tables == source_tables
    assert (
        "auth.user" in target_tables
        and "reports.snapshot" in target_tables
        and "core.importrecord" in target_tables
    )
    # The history of security events comes along (up to the backup, recorded after it), followed by the restore.
    source_events, target_events = source.audit(), target.audit()
    assert (
        source_events[-1][0] == "backup"
        and [kind for kind, _user, _detail in source_events].count("role_change") >= 3
    )
    assert target_events[:-1] == source_events[:-1] and target_events[-1][0] == "restore"
    assert (target.home / "uploads" / "imports" / "vorschau.csv").read_bytes() == (
        source.home / "uploads" / "imports" / "vorschau.csv"
    ).read_bytes()
    # Sequences continue after the restored ids (PostgreSQL: sqlsequencereset), so new rows can be added.
    target.shell(
        "from django.contrib.auth.models import User, Group; User.objects.create_user('neu'); Group.objects.create(name='neu');"
        "from imon.core.models import Area; Area.objects.create(key='x1', name='Neu', kind='quarter'); print('ok')"
    )
    target.run("snapshot", "create", "--title", "2. Umsetzungsbericht", "--date", "2020-09-16")


@pytest.mark.parametrize("vendor", ["sqlite"] + (["postgresql"] if ON_POSTGRES else []))
def test_restore_onto_a_new_machine_sets_up_the_empty_database_first(sources, make_installation, vendor):
    """Disaster recovery: a new machine, a new empty database (or no SQLite file at all), no 'imon migrate'."""
    source, archive = sources("sqlite")
    target = make_installation(vendor, migrate=False)
    assert not (target.home / "imon.sqlite3").exists()
    result = target.run("restore", str(archive))
    assert "Die Datenbank ist neu und leer" in result.stdout and "Wiederhergestellt" in result.stdout
    assert "anderen Datenbankschema" not in result.stdout + result.stderr
    assert target.concept() == source.concept()
    source_tables, target_tables = source.digest(), target.digest()
    assert source_tables.pop("ops.auditevent") and target_tables.pop("ops.auditevent")
    assert target_tables == source_tables
    assert target.run("migrate", "--check", check=False).returncode == 0  # nothing left to migrate


def test_a_damaged_archive_leaves_a_new_database_untouched(sources, make_installation, tmp_path):
    """The archive is verified before a new database is set up."""
    _source, archive = sources("sqlite")
    target = make_installation("sqlite", migrate=False)
    bad = rewrite(archive, tmp_path / "tampered.zip", tampered_observation)
    result = target.run("restore", str(bad), check=False)
    assert result.returncode == 1 and "Prüfsumme" in result.stderr
    assert "Die Datenbank ist neu und leer" not in result.stdout
    tables = target.shell(
        "from django.db import connection; print(len(connection.introspection.table_names()))"
    )
    assert tables == "0"


def test_restore_refuses_a_non_empty_installation(sources):
    source, archive = sources("sqlite")
    before = source.digest()
    result = source.run("restore", str(archive), check=False)
    assert result.returncode == 1
    assert "nicht leer" in result.stderr and "Es wurde nichts wiederhergestellt" in result.stderr
    assert "Traceback" not in result.stderr
    after = source.digest()
    assert after == before


def rewrite(archive: Path, target: Path, change):
    """Copy the archive, passing each member's bytes through change(name, data)."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return target


def tampered_observation(name, data):
    if name.endswith("core.observation.jsonl"):
        return data.replace(b"2021-12-31", b"2020-12-31", 1)
    return data


def with_dangling_reference(archive: Path, target: Path) -> Path:
    """Observations pointing to an indicator that does not exist, with checksums made to fit: an archive that
    passes every check before writing, so that only the database (at the commit) can refuse it."""
    import hashlib

    with zipfile.ZipFile(archive) as src:
        manifest = json.loads(src.read("manifest.json"))
        members = {name: src.read(name) for name in src.namelist()}
    table = next(t for t in manifest["tables"] if t["model"] == "core.observation")
    column = table["columns"].index("indicator_id")
    lines = []
    for line in members[table["member"]].decode().splitlines():
        row = json.loads(line)
        row[column] = 999999
        lines.append(json.dumps(row))
    members[table["member"]] = ("\n".join(lines) + "\n").encode()
    table["sha256"] = hashlib.sha256(members[table["member"]]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return target


def newer_version(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["format_version"] += 1
        manifest["app_version"] = "9.0.0"
        return json.dumps(manifest).encode()
    return data


@pytest.mark.parametrize(
    "damage,message",
    [
        ("truncated", "beschädigt oder abgeschnitten"),
        ("tampered", "Prüfsumme"),
        ("newer", "Formatversion"),
        ("not a backup", "keine Sicherung"),
        ("dangling reference", "konnte nicht wiederhergestellt werden"),
    ],
)
def test_damaged_or_newer_archives_are_refused_and_nothing_is_written(
    sources, make_installation, tmp_path, damage, message
):
    _source, archive = sources("sqlite")
    target = make_installation("postgresql" if ON_POSTGRES else "sqlite")
    if damage == "truncated":
        bad = tmp_path / "cut.zip"
        data = archive.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "tampered":
        bad = rewrite(archive, tmp_path / "tampered.zip", tampered_observation)
    elif damage == "newer":
        bad = rewrite(archive, tmp_path / "newer.zip", newer_version)
    elif damage == "dangling reference":
        bad = with_dangling_reference(archive, tmp_path / "dangling.zip")
    else:
        bad = tmp_path / "other.zip"
        with zipfile.ZipFile(bad, "w") as other:
            other.writestr("readme.txt", "hello")
    empty = target.digest()
    result = target.run("restore", str(bad), check=False)
    assert result.returncode == 1
    assert message in result.stderr and "Es wurde nichts wiederhergestellt" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert target.digest() == empty
    assert not (target.home / "uploads").exists()


def test_a_restore_killed_midway_leaves_the_installation_empty(make_installation, tmp_path):
    vendor = "postgresql" if ON_POSTGRES else "sqlite"
    source = make_installation(vendor)
    fill(source, tmp_path, areas=400)
    archive = tmp_path / "gross.zip"
    source.run("backup", str(archive))
    target = make_installation(vendor)
    empty = target.digest()
    # The restore command runs as `imon restore -v2` does, but stops when it starts the table after the observations
    # (the largest table, written by then, as all tables before it), inside its one transaction, until it is killed:
    # midway whatever the speed of the machine.
    with zipfile.ZipFile(archive) as opened:
        labels = [table["model"] for table in json.loads(opened.read("manifest.json"))["tables"]]
    gate = labels[labels.index("core.observation") + 1]
    proc = target.popen_restore_stopping_at(archive, gate)
    for line in proc.stderr:
        if line.startswith("stopped at "):
            break
    else:
        raise AssertionError(f"the restore ended before {gate} (exit code {proc.wait()})")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert target.digest() == empty
    assert not (target.home / "uploads").exists()
    # ... and the restore can then be done properly.
    target.run("restore", str(archive))
    assert target.concept() == source.concept()


def test_values_survive_the_json_encoding():
    from imon.ops.backup import encode

    moment = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert encode(moment) == "2026-03-29T00:30:00+00:00"
    assert encode(decimal.Decimal("12.50")) == "12.50"
    assert encode(datetime.date(2019, 12, 31)) == "2019-12-31"
    assert encode(b"\x00\xff") == "AP8="
    assert encode({"altersgruppe": "0-64"}) == {"altersgruppe": "0-64"}


@pytest.mark.django_db
def test_tables_come_after_the_tables_they_refer_to():
    from imon.ops.backup import models_in_order

    labels = [model._meta.label_lower for model in models_in_order()]
    assert labels.index("core.indicator") < labels.index("core.observation")
    assert (
        labels.index("contenttypes.contenttype")
        < labels.index("auth.permission")
        < labels.index("auth.group_permissions")
    )
    assert labels.index("auth.user") < labels.index("reports.snapshot")
    assert "sessions.session" not in labels
