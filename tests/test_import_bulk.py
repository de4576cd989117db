"""The bulk writer stores exactly what it is given, on SQLite (many rows per INSERT) and PostgreSQL (COPY text)."""

import datetime
from decimal import Decimal

from imon.core import bulk
from imon.core import models as m


def test_texts_with_tabs_backslashes_and_line_breaks_and_a_last_short_batch(db):
    indicator = m.Indicator.objects.create(key="x", title="x", kind=m.Indicator.Kind.COUNT)
    area = m.Area.objects.create(key="a", name="A", kind="municipality")
    notes = ["", "Tab\there", "Back\\slash \\N", "two\nlines\r\n", "Umlaut ä – ‰"]
    rows = []
    for i in range(301):  # not a multiple of the rows per statement nor of a COPY block
        value, flag = (None, ".") if i % 7 == 0 else (Decimal(i) / 4, "p" if i % 5 == 0 else "")
        rows.append((indicator.pk, area.pk, datetime.date(2000 + i // 100, 12, 31), None, f"d=v{i}", value, flag, notes[i % len(notes)]))
    assert bulk.insert_observations(iter(rows), batch_size=100) == 301
    stored = {
        o.dim_key: (o.area_id, o.reference_date, o.value, o.flag, o.note)
        for o in m.Observation.objects.filter(indicator=indicator)
    }
    assert stored == {dim_key: (area_id, date, value, flag, note) for _i, area_id, date, _d, dim_key, value, flag, note in rows}
