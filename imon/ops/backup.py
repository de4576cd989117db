"""Backup and restore of a whole installation: every table of every app, and the uploaded files.

The archive is a ZIP file:

    manifest.json              format and app version, migration state per app, tables, files, SHA-256 of each member
    data/NNNN-app.model.jsonl  one JSON array per row (columns named in the manifest), tables in dependency order
    media/...                  the files below MEDIA_ROOT

The database is read in one transaction (REPEATABLE READ on PostgreSQL, one read transaction on SQLite in WAL mode),
so the archive is consistent while the application runs. Rows are streamed in both directions; a restore writes all
tables in one transaction and is refused, before anything is written, for a damaged archive, a newer format, another
migration state or an installation that is not empty. A new database without tables is migrated first."""

import base64
import datetime
import decimal
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import uuid
import zipfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string
from django.utils.translation import gettext as _

FORMAT = "imon-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Sessions are short-lived and tied to one server: not backed up.
EXCLUDED = {"sessions.session"}
# Written by `migrate` into every installation (the role groups too: imon.steering.roles); a restore replaces
# them with the archive's rows, whose ids the other tables refer to.
FURNITURE = ["auth.group_permissions", "auth.group", "auth.permission", "contenttypes.contenttype"]
BATCH = 2000


class BackupError(Exception):
    """The archive cannot be written or restored; the message is for the user."""


def app_version() -> str:
    try:
        return metadata.version("integrationsmonitor")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def models_in_order() -> list:
    """All tables (including many-to-many tables) of the installed apps, each after the tables it refers to."""
    candidates = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in EXCLUDED
    ]
    candidates.sort(key=lambda model: model._meta.label_lower)
    ordered, done = [], set()
    pending = list(candidates)
    while pending:
        progressed = False
        for model in list(pending):
            targets = {
                field.related_model
                for field in model._meta.local_concrete_fields
                if field.is_relation and field.related_model is not model
            }
            if all(target in done or target not in candidates for target in targets):
                ordered.append(model)
                done.add(model)
                pending.remove(model)
                progressed = True
        if not progressed:  # a cycle between tables: foreign keys are checked at commit, so any order will do
            ordered.extend(pending)
            break
    return ordered


def columns(model) -> list:
    return list(model._meta.local_concrete_fields)


def encode(value):
    """A column value as JSON."""
    if value is None or isinstance(value, (bool, int, float, str, dict, list)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def decode(field, value):
    """A JSON value back into what the database adapter takes for this column."""
    if value is None:
        return None
    if field.get_internal_type() == "BinaryField":
        return base64.b64decode(value)
    if field.get_internal_type() != "JSONField":
        value = field.to_python(value)
    return field.get_db_prep_save(value, connection)


def rows(model):
    """The rows of one table as lists of column values, in primary-key order, fetched in chunks."""
    names = [field.attname for field in columns(model)]
    queryset = model._base_manager.order_by("pk").values_list(*names)
    for row in queryset.iterator(chunk_size=BATCH):
        yield [encode(value) for value in row]


@contextmanager
def consistent_read():
    """One snapshot of the database for all tables, without blocking writers."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def migration_state() -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        state.setdefault(app_label, []).append(name)
    return {app_label: sorted(names) for app_label, names in sorted(state.items())}


class _HashingWriter:
    def __init__(self, stream):
        self.stream, self.sha, self.size = stream, hashlib.sha256(), 0

    def write(self, data: bytes):
        self.sha.update(data)
        self.size += len(data)
        self.stream.write(data)


def media_files(root: Path):
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def write_archive(target, progress=None) -> dict:
    """Write the backup archive to `target` (a temporary file beside it, renamed at the end). Returns the manifest."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        manifest = _write(Path(tmp), progress)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def _write(path: Path, progress) -> dict:
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": {},
        "tables": [],
        "media": [],
    }
    with zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6, allowZip64=True
    ) as archive:
        with consistent_read():
            manifest["migrations"] = migration_state()
            for number, model in enumerate(models_in_order(), start=1):
                label = model._meta.label_lower
                member = f"data/{number:04d}-{label}.jsonl"
                count = 0
                with archive.open(member, "w", force_zip64=True) as raw:
                    out = _HashingWriter(raw)
                    lines = []
                    for row in rows(model):
                        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
                        count += 1
                        if len(lines) >= BATCH:
                            out.write(("\n".join(lines) + "\n").encode("utf-8"))
                            lines = []
                    if lines:
                        out.write(("\n".join(lines) + "\n").encode("utf-8"))
                manifest["tables"].append(
                    {
                        "model": label,
                        "member": member,
                        "columns": [field.attname for field in columns(model)],
                        "rows": count,
                        "sha256": out.sha.hexdigest(),
                    }
                )
                if progress:
                    progress(label, count)
        root = Path(settings.MEDIA_ROOT)
        for file in media_files(root):
            relative = file.relative_to(root).as_posix()
            member = f"media/{relative}"
            with file.open("rb") as source, archive.open(member, "w", force_zip64=True) as raw:
                out = _HashingWriter(raw)
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            manifest["media"].append(
                {"member": member, "path": relative, "size": out.size, "sha256": out.sha.hexdigest()}
            )
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


# --- Restore ------------------------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(_("The file is not a backup of Integrationsmonitor (no manifest).")) from None
    except (ValueError, zipfile.BadZipFile, OSError):
        raise BackupError(_("The archive is damaged: its manifest cannot be read.")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("The file is not a backup of Integrationsmonitor (no manifest)."))
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            _(
                "The archive has format version %(found)s (Integrationsmonitor %(app)s); this version reads format versions up to %(supported)s. Update Integrationsmonitor first."
            )
            % {"found": version, "app": manifest.get("app_version", "?"), "supported": FORMAT_VERSION}
        )
    return manifest


def verify(archive: zipfile.ZipFile, manifest: dict):
    """Check every member against its SHA-256 in the manifest, and that nothing was added or left out."""
    listed = {entry["member"]: entry["sha256"] for entry in manifest["tables"] + manifest["media"]}
    present = {name for name in archive.namelist() if not name.endswith("/")} - {MANIFEST}
    if present != set(listed):
        raise BackupError(_("The archive is damaged: its content does not match its manifest."))
    for member, expected in listed.items():
        sha = hashlib.sha256()
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    sha.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise BackupError(
                _("The archive is damaged: %(member)s cannot be read.") % {"member": member}
            ) from None
        if sha.hexdigest() != expected:
            raise BackupError(
                _("The archive is damaged: the checksum of %(member)s does not match.") % {"member": member}
            )


def check_compatible(manifest: dict):
    ours = migration_state()
    theirs = manifest.get("migrations", {})
    different = sorted(app for app in theirs if ours.get(app) != theirs[app])
    if different:
        raise BackupError(
            _(
                "The archive was made with another database schema (apps: %(apps)s). Restore it into an installation of Integrationsmonitor %(version)s, then update."
            )
            % {"apps": ", ".join(different), "version": manifest.get("app_version", "?")}
        )
    known = {model._meta.label_lower: model for model in models_in_order()}
    for entry in manifest["tables"]:
        model = known.get(entry["model"])
        if model is None or [field.attname for field in columns(model)] != entry["columns"]:
            raise BackupError(
                _(
                    "The archive was made with another database schema (apps: %(apps)s). Restore it into an installation of Integrationsmonitor %(version)s, then update."
                )
                % {"apps": entry["model"], "version": manifest.get("app_version", "?")}
            )


def non_empty_tables() -> list[str]:
    return [
        str(model._meta.verbose_name_plural)
        for model in models_in_order()
        if model._meta.label_lower not in FURNITURE and model._base_manager.exists()
    ]


def check_empty():
    filled = non_empty_tables()
    if filled:
        raise BackupError(
            _(
                "The installation is not empty (%(tables)s). Restore only into a new installation: create an empty database, run 'imon migrate', then 'imon restore'."
            )
            % {"tables": ", ".join(filled[:5]) + (" …" if len(filled) > 5 else "")}
        )
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir() and any(root.iterdir()):
        raise BackupError(
            _("The upload folder %(folder)s is not empty. Restore only into a new installation.")
            % {"folder": root}
        )


def is_new_database() -> bool:
    """The database has no table at all: it was just created (a new machine), and `imon migrate` never ran."""
    return not connection.introspection.table_names()


def set_up_new_database():
    """Create the tables of this version in a new database, as `imon migrate` does."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def restore_archive(source, progress=None, announce=None) -> dict:
    """Restore the archive into this empty installation: all or nothing. Returns the manifest.

    A new database without any table (disaster recovery onto a new machine) is first set up by itself, as by
    `imon migrate`, once the archive has been verified; `announce(message)` is told so."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise BackupError(_("The file is not a readable backup archive (damaged or cut off).")) from None
    with archive:
        manifest = read_manifest(archive)
        verify(archive, manifest)
        if is_new_database():
            if announce:
                announce(
                    _(
                        "The database is new and empty: its tables are created first (as by 'imon migrate'), then the archive is restored."
                    )
                )
            set_up_new_database()
        check_compatible(manifest)
        check_empty()
        media_root = Path(settings.MEDIA_ROOT)
        staging = _extract_media(archive, manifest, media_root) if manifest["media"] else None
        moved = False
        try:
            with transaction.atomic():  # foreign keys are checked at the commit, at the end of this block
                _load_tables(archive, manifest, progress)
                if staging is not None:
                    if media_root.is_dir():
                        media_root.rmdir()
                    os.replace(staging, media_root)
                    moved, staging = True, None
        except (zipfile.BadZipFile, EOFError, ValueError, TypeError, DatabaseError) as error:
            if moved:  # the database said no at the commit: take the files back out
                shutil.rmtree(media_root, ignore_errors=True)
            detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise BackupError(
                _("The archive could not be restored: %(error)s") % {"error": detail}
            ) from error
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _extract_media(archive, manifest, media_root: Path) -> Path:
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".restore-media-"))
    try:
        for entry in manifest["media"]:
            relative = Path(entry["path"])
            if relative.is_absolute() or ".." in relative.parts:
                raise BackupError(
                    _("The archive is damaged: %(member)s cannot be read.") % {"member": entry["member"]}
                )
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry["member"]) as stream, target.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _load_tables(archive, manifest, progress):
    known = {model._meta.label_lower: model for model in models_in_order()}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for label in FURNITURE:
            cursor.execute(f"DELETE FROM {quote(known[label]._meta.db_table)}")
        restored = []
        for entry in manifest["tables"]:
            model = known[entry["model"]]
            fields = columns(model)
            if progress:
                progress(entry["model"], entry["rows"])
            if not entry["rows"]:
                continue
            table, names = quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
            with archive.open(entry["member"]) as stream:
                values = (
                    [decode(field, value) for field, value in zip(fields, json.loads(line), strict=True)]
                    for line in stream
                )
                if connection.vendor == "postgresql":
                    # COPY is several times faster than INSERT; the driver's errors are translated to Django's.
                    with (
                        connection.wrap_database_errors,
                        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                    ):
                        for row in values:
                            copy.write_row(row)
                else:
                    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
                    while batch := list(itertools.islice(values, BATCH)):
                        cursor.executemany(sql, batch)
            restored.append(model)
        for statement in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(statement)


# --- Comparing installations (tests, and a check after a migration) ------------------------------------------------


def table_digest() -> dict[str, str]:
    """SHA-256 of every table's rows in primary-key order, comparable across SQLite and PostgreSQL."""
    digests = {}
    for model in models_in_order():
        sha = hashlib.sha256()
        for row in rows(model):
            sha.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n")
        digests[model._meta.label_lower] = sha.hexdigest()
    return digests
