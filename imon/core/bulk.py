"""Fast bulk writing of observations, for concept files and statistics imports.

Django's bulk_create prepares every value of every row through the field
machinery (about 10 µs a row); for hundreds of thousands of observations we
adapt the values once here and hand them to the driver: `executemany` on
SQLite, `COPY` on PostgreSQL.
"""

from collections.abc import Iterable

from django.db import connection

from .models import Observation

COLUMNS = ("indicator_id", "area_id", "reference_date", "dim_key", "value", "flag", "note")


def insert_observations(rows: Iterable[tuple], extra: dict | None = None, batch_size: int = 5000) -> int:
    """Insert rows of (indicator_id, area_id, reference_date, dims, dim_key, value, flag, note).

    `dims` is carried by the callers for their own use; the database stores `dim_key` only.

    `extra` adds the same value to every row (e.g. the import that wrote it).
    Returns the number of rows written. Runs in the caller's transaction."""
    extra = extra or {}
    columns = COLUMNS + tuple(extra)
    extra_values = tuple(extra.values())
    table = connection.ops.quote_name(Observation._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The driver's COPY bypasses Django's cursor wrapper: translate its errors to Django's.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for ind, area, date, _dims, dim_key, value, flag, note in rows:
                    copy.write_row((ind, area, date, dim_key, value, flag, note, *extra_values))
                    count += 1
            return count
        # SQLite stores decimals with NUMERIC affinity: the text of the number is what Django writes too.
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        dates: dict = {}
        for ind, area, date, _dims, dim_key, value, flag, note in rows:
            date_text = dates.get(date)
            if date_text is None:
                date_text = dates[date] = connection.ops.adapt_datefield_value(date)
            batch.append((ind, area, date_text, dim_key, None if value is None else str(value), flag, note, *extra_values))
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
