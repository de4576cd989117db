"""The bulk writer stores exactly what it is given, on SQLite (many rows per INSERT) and PostgreSQL (COPY text)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from imon.core import bulk
from imon.core import models as m


def test_texts_with_tabs_backslashes_and_line_breaks_and_a_last_short_batch(db):
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    notes = ["", "Tab\there", "Back\\slash \\N", "two\nlines\r\n", "Umlaut ä – ‰"]
    rows = []
    for i in range(301):  # not a multiple of the rows per statement nor of a COPY block
        value, flag = (None, ".") if i % 7 == 0 else (Decimal(i) / 4, "p" if i % 5 == 0 else "")
        rows.append(
            (
                indicator.pk,
                area.pk,
                datetime.date(2000 + i // 100, 12, 31),
                None,
                f"d=v{i}",
                value,
                flag,
                notes[i % len(notes)],
            )
        )
    assert bulk.insert_observations(iter(rows), batch_size=100) == 301
    stored = {
        o.dim_key: (o.area_id, o.reference_date, o.value, o.flag, o.note)
        for o in m.Observation.objects.filter(indicator=indicator)
    }
    assert stored == {
        dim_key: (area_id, date, value, flag, note)
        for _i, area_id, date, _d, dim_key, value, flag, note in rows
    }


ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's foreign keys (runs in the PostgreSQL pass)"
)


def _foreign_keys():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY 1",
            [m.Observation._meta.db_table],
        )
        return cursor.fetchall()


def _rows(indicator, area, count, area_id=None):
    return [
        (indicator.pk, area_id or area.pk, datetime.date(2020, 12, 31), None, f"d=v{i}", Decimal(i), "", "")
        for i in range(count)
    ]


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(bulk, "SET_CHECK_MIN_ROWS", 10)
    monkeypatch.setattr(bulk, "stored_estimate", lambda cursor, table: 1_000)  # 50 new rows: keys only


def _indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [m.Observation._meta.db_table],
        )
        return cursor.fetchall()


@ON_POSTGRES
def test_a_large_insert_checks_its_foreign_keys_as_a_set_and_keeps_them(db, small_threshold):
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    keys = _foreign_keys()
    assert len(keys) == 4 and all("DEFERRABLE INITIALLY DEFERRED" in definition for _name, definition in keys)
    with CaptureQueriesContext(connection) as queries:
        assert bulk.insert_observations(_rows(indicator, area, 50), expected=50) == 50
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "DROP CONSTRAINT" in sql and "ADD CONSTRAINT" in sql and "DROP INDEX" not in sql
    assert _foreign_keys() == keys  # the same names and definitions
    assert m.Observation.objects.filter(indicator=indicator).count() == 50
    with CaptureQueriesContext(connection) as queries:  # a small insert: checked row by row as usual
        bulk.insert_observations(
            [(indicator.pk, area.pk, datetime.date(2021, 12, 31), None, "", 1, "", "")], expected=1
        )
    assert "DROP CONSTRAINT" not in " ".join(q["sql"] for q in queries.captured_queries)


@ON_POSTGRES
def test_a_missing_reference_still_fails_and_writes_nothing(db, small_threshold):
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    keys = _foreign_keys()
    rows = _rows(indicator, area, 50)
    rows[30] = (*rows[30][:1], area.pk + 999, *rows[30][2:])  # no such area
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_observations(rows, expected=50)
    assert _foreign_keys() == keys
    assert not m.Observation.objects.exists()


@ON_POSTGRES
def test_when_another_session_holds_a_lock_the_keys_are_checked_row_by_row(db, small_threshold, monkeypatch):
    import psycopg

    monkeypatch.setattr(bulk, "SET_CHECK_LOCK_TIMEOUT", "200ms")
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    keys = _foreign_keys()
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    ) as other:
        other.execute(
            f"LOCK TABLE {m.Area._meta.db_table} IN ACCESS SHARE MODE"
        )  # a long reader of the areas
        with CaptureQueriesContext(connection) as queries:
            assert bulk.insert_observations(_rows(indicator, area, 50), expected=50) == 50
        other.rollback()
    assert "ADD CONSTRAINT" not in " ".join(q["sql"] for q in queries.captured_queries)
    assert _foreign_keys() == keys
    assert m.Observation.objects.filter(indicator=indicator).count() == 50


@ON_POSTGRES
def test_an_insert_that_doubles_the_table_builds_unique_key_and_indexes_afresh(
    db, small_threshold, monkeypatch
):
    monkeypatch.setattr(bulk, "stored_estimate", lambda cursor, table: 0)  # a first import
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    keys, indexes = _foreign_keys(), _indexes()
    assert len(indexes) == 5  # primary key, unique key, area, import, source
    with CaptureQueriesContext(connection) as queries:
        assert bulk.insert_observations(_rows(indicator, area, 50), expected=50) == 50
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert sql.count("DROP INDEX") == 3 and "observation_unique_per_key" in sql  # area, import, source
    assert _foreign_keys() == keys and _indexes() == indexes
    rows = [(*row[:2], datetime.date(2019, 12, 31), *row[3:]) for row in _rows(indicator, area, 50)]
    rows[40] = rows[2]  # the same key twice
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_observations(rows, expected=50)
    assert _foreign_keys() == keys and _indexes() == indexes
    assert m.Observation.objects.count() == 50


@pytest.mark.parametrize("value, flag", [(Decimal(3), "."), (None, ""), (None, "p")])
def test_a_value_that_does_not_fit_its_flag_is_refused_and_nothing_written(db, value, flag):
    """On SQLite the bulk writer checks the table's CHECK constraints itself and has SQLite skip
    them; it must refuse what the database would, and leave the database checking afterwards."""
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    good = [
        (indicator.pk, area.pk, datetime.date(2000 + i, 12, 31), None, "", Decimal(i), "", "")
        for i in range(200)
    ]
    bad = (indicator.pk, area.pk, datetime.date(2300, 12, 31), None, "", value, flag, "")
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_observations([*good, bad], expected=201)
    assert not m.Observation.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Observation.objects.create(
            indicator=indicator, area=area, reference_date=datetime.date(2000, 12, 31), value=value, flag=flag
        )
    assert bulk.insert_observations(good, expected=200) == 200
