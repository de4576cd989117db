"""export-data writes the long format in four formats; export → import is a no-op."""

import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imon.core import exports, imports
from imon.core import models as m
from imon.core.importers import parse_bytes


def export_bytes(fmt, indicator=None, area=None):
    buffer = io.BytesIO()
    exports.write(buffer, fmt, *exports.table(exports.observations(indicator, area)))
    return buffer.getvalue()


def reimport_plan(data, name):
    return imports.plan_import(parse_bytes(data, name), name, imports.sha256_of(data))


@pytest.mark.parametrize(
    "fmt, name", [("csv", "x.csv"), ("csv-de", "x.csv"), ("xlsx", "x.xlsx"), ("json", "x.json")]
)
def test_export_then_import_is_a_no_op(demo, fmt, name):
    plan = reimport_plan(export_bytes(fmt), name)
    assert plan.ok, [str(p) for p in plan.errors]
    assert (len(plan.new), len(plan.changed), len(plan.conflicts)) == (0, 0, 0)
    assert plan.unchanged == m.Observation.objects.count()


def test_german_excel_dialect(demo):
    data = export_bytes("csv-de", "anteil-auslaendisch")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["indicator", "area", "area_name", "reference_date", "value", "flag", "unit", "source"]
    assert rows[1][3:5] == ["31.12.2016", "15,1"]


def test_open_csv_and_json(demo):
    rows = list(csv.DictReader(io.StringIO(export_bytes("csv", "gefluechtete").decode())))
    assert {r["aufenthaltsstatus"] for r in rows} == {"insgesamt", "a_b", "a", "b", "c"}
    assert rows[0]["reference_date"] == "2017-12-31"
    payload = json.loads(export_bytes("json", "bevoelkerung"))
    assert payload["observations"][1]["value"] == "166737"


def test_round_numbers_keep_plain_digits_in_every_format(demo):
    first = m.Observation.objects.filter(indicator__key="bevoelkerung").order_by("reference_date").first()
    first.value = 1150460
    first.save()
    assert (
        json.loads(export_bytes("json", "bevoelkerung"))["observations"][0]["value"] == "1150460"
    )  # not 1.15046E+6
    assert (
        next(csv.DictReader(io.StringIO(export_bytes("csv", "bevoelkerung").decode())))["value"] == "1150460"
    )
    assert (
        openpyxl.load_workbook(io.BytesIO(export_bytes("xlsx", "bevoelkerung"))).active["E2"].value == 1150460
    )


def test_xlsx_has_numbers_not_text(demo):
    workbook = openpyxl.load_workbook(io.BytesIO(export_bytes("xlsx", "bevoelkerung")))
    assert workbook.active["E2"].value == 166081


def test_spreadsheet_formulas_in_text_are_neutralised(demo):
    m.Area.objects.filter(key="05316000").update(name='=HYPERLINK("http://evil")')
    rows = list(csv.DictReader(io.StringIO(export_bytes("csv", "bevoelkerung").decode())))
    assert rows[0]["area_name"] == '\'=HYPERLINK("http://evil")'
    assert exports.safe_text("-3") == "'-3" and exports.safe_text("Leverkusen") == "Leverkusen"


def test_export_data_command_writes_atomically(demo, tmp_path):
    target = tmp_path / "daten.csv"
    call_command("export-data".replace("-", "_"), str(target), indicator="bevoelkerung", format="csv-de")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert not list(tmp_path.glob(".daten.csv.*"))


values = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False)
cells = st.one_of(
    st.tuples(values, st.sampled_from(["", "p", "r", "()"])),
    st.tuples(st.none(), st.sampled_from(["-", ".", "x", "...", "/"])),
)


keys = st.tuples(
    st.integers(2000, 2025),
    st.sampled_from(["05316000", "lev-bezirk-1"]),
    st.sampled_from(["insgesamt", "0-64", "65plus"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(keys, cells), min_size=1, max_size=15, unique_by=lambda t: t[0]),
    st.sampled_from(exports.FORMATS),
)
def test_round_trip_of_random_observations(demo, rows, fmt):
    """Whatever the values, symbols, areas and breakdowns: an exported file imports as unchanged."""
    indicator, _ = m.Indicator.objects.get_or_create(
        key="zufall", defaults={"title": "Zufall", "unit": "Anzahl", "kind": "amount"}
    )
    indicator.dimensions.set(m.Dimension.objects.filter(key="altersgruppe"))
    indicator.observations.all().delete()
    areas = {a.key: a for a in m.Area.objects.filter(key__in=["05316000", "lev-bezirk-1"])}
    for (year, area, age), (value, flag) in rows:
        m.Observation.objects.create(
            indicator=indicator,
            area=areas[area],
            reference_date=datetime.date(year, 12, 31),
            dim_key=m.dimension_key({"altersgruppe": age}),
            value=value,
            flag=flag,
        )
    plan = reimport_plan(export_bytes(fmt, "zufall"), {"xlsx": "x.xlsx", "json": "x.json"}.get(fmt, "x.csv"))
    assert plan.ok, [str(p) for p in plan.errors]
    assert (len(plan.new), len(plan.changed), len(plan.conflicts), plan.unchanged) == (0, 0, 0, len(rows))
