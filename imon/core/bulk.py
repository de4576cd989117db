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
from itertools import islice
from operator import itemgetter

from django.db import DatabaseError, IntegrityError, connection, transaction

from .models import FLAGS_WITH_VALUE, Observation

COLUMNS = ("indicator_id", "area_id", "reference_date", "dim_key", "value", "flag", "note")
BATCH_SIZE = 20_000


# PostgreSQL, large inserts: from SET_CHECK_MIN_ROWS new rows on, and when they are at least
# 1/SET_CHECK_SHARE of the rows already stored, the foreign keys are checked once for the table
# instead of row by row; when they are at least as many as those stored (a first import, say),
# the unique key and the indexes are built afresh too (see `checked_as_a_set`).
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
    check their constraints as a set (see `checked_as_a_set`).
    Returns the number of rows written. Runs in the caller's transaction."""
    extra = extra or {}
    columns = COLUMNS + tuple(extra)
    table = connection.ops.quote_name(Observation._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with checked_as_a_set(cursor, expected):
                return _copy(
                    cursor, f"COPY {table} ({names}) FROM STDIN", rows, tuple(extra.values()), batch_size
                )
        # In key order the unique key's and the area index's entries are appended, not
        # scattered over the B-trees: a table of Kreise × years inserts about a sixth faster.
        return _insert_values(
            cursor, table, names, sorted(rows, key=itemgetter(0, 1, 2)), tuple(extra.values())
        )


@contextmanager
def checked_as_a_set(cursor, new_rows: int):
    """PostgreSQL checks a foreign key row by row, at commit (Django makes them deferred), and
    puts each row into every index as it comes: for 172,800 new observations with three keys and
    three indexes besides the primary key that takes three times as long as storing the rows.
    For a large insert this drops the observation table's foreign keys (and, if the insert at
    least doubles the table, its unique key and other indexes) inside the transaction, and adds
    them again afterwards: each key is then checked with one join, each index built by one sort,
    as the PostgreSQL manual advises for bulk loads. A missing reference or a duplicate key still
    fails the transaction, so nothing is written.

    This locks the observation table and the referenced tables (areas, indicators, imports) until
    the transaction ends, so other sessions' reads of them wait for the rest of the import. If a
    lock is not granted within SET_CHECK_LOCK_TIMEOUT (a long reader, a deadlock), everything
    stays and is checked row by row as usual."""
    table = Observation._meta.db_table
    if not connection.in_atomic_block:  # outside a transaction the keys would be gone at once
        yield
        return
    stored = stored_estimate(cursor, table)
    if new_rows < SET_CHECK_MIN_ROWS or new_rows * SET_CHECK_SHARE < stored:
        yield
        return
    rebuild = new_rows >= stored
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
        " AND (contype = 'f' OR (contype = 'u' AND %s)) ORDER BY contype = 'f', conname",
        [table, rebuild],
    )
    constraints = cursor.fetchall()  # unique keys first: they are added again before the foreign keys
    indexes = []
    if rebuild:  # indexes of their own, not those of the primary key or a constraint
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)"
            " ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
    quoted = connection.ops.quote_name
    # Deferred checks of earlier statements (e.g. new areas) must run before their tables are altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        with transaction.atomic():  # a savepoint: a refused lock leaves the transaction usable
            cursor.execute(f"SET LOCAL lock_timeout = '{SET_CHECK_LOCK_TIMEOUT}'")
            cursor.execute(
                f"ALTER TABLE {quoted(table)} "
                + ", ".join(f"DROP CONSTRAINT {quoted(name)}" for name, _d in constraints)
            )
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {quoted(name)}")
    except DatabaseError:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield
        return
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    cursor.execute(
        f"ALTER TABLE {quoted(table)} "
        + ", ".join(f"ADD CONSTRAINT {quoted(name)} {definition}" for name, definition in constraints)
    )
    for _name, definition in indexes:
        cursor.execute(definition)


def stored_estimate(cursor, table: str) -> float:
    """PostgreSQL's estimate of a table's rows (kept by ANALYZE, autovacuum and index builds):
    free to read, and good enough to choose a way of inserting."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    return max(0, cursor.fetchone()[0])  # -1 before the first ANALYZE


def _insert_values(cursor, table, names, rows, extra_values) -> int:
    """SQLite: INSERT with many rows per statement (as many as the parameter limit allows),
    which takes half the time of executemany with one row per statement. Decimals are
    written as their text, as Django does (NUMERIC affinity), dates as ISO text; the values
    every row shares (`extra`, whole numbers or None) are written into the statement.

    The statements go to the driver's cursor with its own `?` placeholders: Django's cursor
    would rewrite the thousand `%s` of every statement with a regular expression first, which
    costs a fifth of the insert.

    The table's two CHECK constraints (a value exactly if the flag goes with one) are checked
    here, a test per row, and SQLite is told not to check them again: its check, an IN list
    evaluated twice per row, took an eighth of the insert."""
    limit = connection.features.max_query_params
    assert limit is not None  # SQLite always has a parameter limit
    per_statement = max(1, limit // len(COLUMNS))
    row_sql = "(?, ?, ?, ?, ?, ?, ?" + "".join(f", {_integer_literal(v)}" for v in extra_values) + ")"
    full_sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row_sql] * per_statement)
    with_value = frozenset(FLAGS_WITH_VALUE)
    dates: dict = {}
    count = 0
    rows = iter(rows)
    with connection.wrap_database_errors:
        sqlite3.Cursor.execute(cursor.cursor, "PRAGMA ignore_check_constraints = 1")
        try:
            while True:
                params: list = []
                extend = params.extend
                for ind, area, date, _dims, dim_key, value, flag, note in islice(rows, per_statement):
                    if (value is None) is (flag in with_value):
                        raise IntegrityError(
                            f"CHECK constraint failed: observation_{'value_or_symbol' if value is None else 'symbol_without_value'}"
                            f" (value {value!r}, flag {flag!r})"
                        )
                    date_text = dates.get(date)
                    if date_text is None:
                        date_text = dates[date] = connection.ops.adapt_datefield_value(date)
                    extend((ind, area, date_text, dim_key, None if value is None else str(value), flag, note))
                if not params:
                    return count
                size = len(params) // len(COLUMNS)
                sql = (
                    full_sql
                    if size == per_statement
                    else f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row_sql] * size)
                )
                sqlite3.Cursor.execute(cursor.cursor, sql, params)  # below Django's wrapper
                count += size
        finally:
            sqlite3.Cursor.execute(cursor.cursor, "PRAGMA ignore_check_constraints = 0")


def _integer_literal(value) -> str:
    if value is None:
        return "NULL"
    if type(value) is not int:
        raise TypeError(f"extra values must be whole numbers or None, not {value!r}")
    return str(value)


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
            lines.append(
                f"{ind}\t{area}\t{date_text}\t{escape(dim_key)}\t{value_text}\t{escape(flag)}\t{escape(note)}{tail}"
            )
            if len(lines) >= batch_size:
                copy.write("".join(lines))
                count += len(lines)
                lines = []
        if lines:
            copy.write("".join(lines))
            count += len(lines)
    return count
