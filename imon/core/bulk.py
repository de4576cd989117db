"""Fast bulk writing of observations, for concept files and statistics imports.

Django's bulk_create prepares every value of every row through the field
machinery (about 10 µs a row); for hundreds of thousands of observations we
adapt the values once here and hand them to the driver in large batches:
`INSERT … VALUES` with as many rows per statement as the parameter limit allows
on SQLite, `COPY` in text format on PostgreSQL.
"""

import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from functools import cache
from itertools import chain, islice

from django.db import DatabaseError, connection, transaction

from .models import Observation

COLUMNS = ("indicator_id", "area_id", "reference_date", "dim_key", "value", "flag", "note")
BATCH_SIZE = 20_000


# PostgreSQL: from this many new rows on, and when they are at least 1/SET_CHECK_SHARE of the
# rows already stored, the foreign keys are checked once for the table instead of row by row.
SET_CHECK_MIN_ROWS = 5_000
SET_CHECK_SHARE = 20
SET_CHECK_LOCK_TIMEOUT = "2s"


def insert_observations(
    rows: Iterable[tuple], extra: dict | None = None, batch_size: int = BATCH_SIZE, expected: int = 0
) -> int:
    """Insert rows of (indicator_id, area_id, reference_date, dims, dim_key, value, flag, note).

    `dims` is carried by the callers for their own use; the database stores `dim_key` only.

    `extra` adds the same value to every row (e.g. the import that wrote it).
    `batch_size` is the number of rows per block of COPY data (PostgreSQL).
    `expected` is the number of rows, if the caller knows it: large inserts on PostgreSQL
    check their foreign keys as a set (see `foreign_keys_checked_as_a_set`).
    Returns the number of rows written. Runs in the caller's transaction."""
    extra = extra or {}
    columns = COLUMNS + tuple(extra)
    table = connection.ops.quote_name(Observation._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with foreign_keys_checked_as_a_set(cursor, expected):
                return _copy(cursor, f"COPY {table} ({names}) FROM STDIN", rows, tuple(extra.values()), batch_size)
        return _insert_values(cursor, table, names, rows, tuple(extra.values()))


@contextmanager
def foreign_keys_checked_as_a_set(cursor, new_rows: int):
    """PostgreSQL checks a foreign key row by row, at commit (Django makes them deferred): for
    172,800 new observations with three keys that takes longer than the COPY itself. For a large
    insert this drops the observation table's foreign keys inside the transaction and adds them
    again afterwards, which checks the whole table with one join per key, as the PostgreSQL
    manual advises for bulk loads. A missing reference still fails the transaction, so nothing
    is written.

    Dropping a foreign key locks the observation table and the referenced tables (areas,
    indicators, imports) until the transaction ends, so other sessions' reads of them wait
    for the rest of the import. If a lock is not granted within SET_CHECK_LOCK_TIMEOUT (a long
    reader, a deadlock), the keys stay and are checked row by row as usual."""
    table = Observation._meta.db_table
    if not connection.in_atomic_block:  # outside a transaction the keys would be gone at once
        yield
        return
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    stored = max(0, cursor.fetchone()[0])  # the planner's estimate, -1 before the first ANALYZE
    if new_rows < SET_CHECK_MIN_ROWS or new_rows * SET_CHECK_SHARE < stored:
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    keys = cursor.fetchall()
    quoted = connection.ops.quote_name
    # Deferred checks of earlier statements (e.g. new areas) must run before their tables are altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        with transaction.atomic():  # a savepoint: a refused lock leaves the transaction usable
            cursor.execute(f"SET LOCAL lock_timeout = '{SET_CHECK_LOCK_TIMEOUT}'")
            cursor.execute(f"ALTER TABLE {quoted(table)} " + ", ".join(f"DROP CONSTRAINT {quoted(name)}" for name, _d in keys))
    except DatabaseError:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield
        return
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    cursor.execute(
        f"ALTER TABLE {quoted(table)} " + ", ".join(f"ADD CONSTRAINT {quoted(name)} {definition}" for name, definition in keys)
    )


def _insert_values(cursor, table, names, rows, extra_values) -> int:
    """SQLite: INSERT with many rows per statement (as many as the parameter limit allows),
    which takes half the time of executemany with one row per statement. Decimals are
    written as their text, as Django does (NUMERIC affinity), dates as ISO text.

    The statements go to the driver's cursor with its own `?` placeholders: Django's cursor
    would rewrite the thousand `%s` of every statement with a regular expression first, which
    costs a fifth of the insert."""
    width = len(COLUMNS) + len(extra_values)
    per_statement = max(1, connection.features.max_query_params // width)
    row_sql = "(" + ", ".join(["?"] * width) + ")"
    full_sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row_sql] * per_statement)
    date_text = cache(connection.ops.adapt_datefield_value)
    count = 0
    rows = iter(rows)
    with connection.wrap_database_errors:
        while batch := [
            (ind, area, date_text(date), dim_key, None if value is None else str(value), flag, note, *extra_values)
            for ind, area, date, _dims, dim_key, value, flag, note in islice(rows, per_statement)
        ]:
            sql = full_sql if len(batch) == per_statement else f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row_sql] * len(batch))
            sqlite3.Cursor.execute(cursor.cursor, sql, list(chain.from_iterable(batch)))  # below Django's wrapper
            count += len(batch)
    return count


NULL = "\\N"  # COPY's text format


def _copy_text(value) -> str:
    """A value in COPY's text format: NULL as \\N, backslash, tab, newline and CR escaped."""
    if value is None:
        return NULL
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy(cursor, sql, rows, extra_values, batch_size) -> int:
    """PostgreSQL: COPY in text format, one block of lines per batch. Text cells (dim_key, flag,
    note) repeat a lot and are escaped once per distinct text."""
    count = 0
    texts: dict = {}  # text -> escaped text
    dates: dict = {}

    def escape(text):
        escaped = texts.get(text)
        if escaped is None:
            escaped = texts[text] = _copy_text(text)
        return escaped

    tail = "".join("\t" + _copy_text(v) for v in extra_values) + "\n"
    lines = []
    # The driver's COPY bypasses Django's cursor wrapper: translate its errors to Django's.
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for ind, area, date, _dims, dim_key, value, flag, note in rows:
            date_text = dates.get(date)
            if date_text is None:
                date_text = dates[date] = date.isoformat()
            value_text = NULL if value is None else value
            lines.append(f"{ind}\t{area}\t{date_text}\t{escape(dim_key)}\t{value_text}\t{escape(flag)}\t{escape(note)}{tail}")
            if len(lines) >= batch_size:
                copy.write("".join(lines))
                count += len(lines)
                lines = []
        if lines:
            copy.write("".join(lines))
            count += len(lines)
    return count
