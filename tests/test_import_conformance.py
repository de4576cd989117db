"""Conformance fixtures: one small flat file (ffcsv) per database and variant in
tests/data/official/, written by hand in the layout the offices ship (see README.md there for the
documentation and the real downloads each layout follows). Each file is imported as a user would
upload it, and every value and symbol stored is checked against a table written by hand here."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from imon.core import imports
from imon.core import models as m
from imon.core.importers import parse_bytes

FILES = Path(__file__).parent / "data" / "official"
D = Decimal

# file -> {(indicator, area, reference date, dim_key): (value, flag)}
EXPECTED = {
    # GENESIS-Online, time series of a Stichtag (ISO and German dates), Geschlecht with total, e/p/r
    "genesis_12411-0001_flat.csv": {
        ("12411-bevstd", "DG", date(2024, 12, 31), "ges=insgesamt"): (D(83577140), "p"),
        ("12411-bevstd", "DG", date(2024, 12, 31), "ges=GESM"): (D(41194564), "p"),
        ("12411-bevstd", "DG", date(2024, 12, 31), "ges=GESW"): (D(42382576), "p"),
        ("12411-bevstd", "DG", date(2023, 12, 31), "ges=insgesamt"): (D(83456045), ""),
        ("12411-bevstd", "DG", date(2023, 12, 31), "ges=GESM"): (D(41124180), ""),
        ("12411-bevstd", "DG", date(2023, 12, 31), "ges=GESW"): (D(42331865), ""),
        ("12411-bevstd", "DG", date(2022, 12, 31), "ges=insgesamt"): (D(83118501), "r"),
    },
    # GENESIS-Online, one value variable as index (2020=100) and as % change; negative value
    "genesis_61111-0001_flat.csv": {
        ("61111-preis1", "DG", date(2022, 12, 31), ""): (D("110.2"), ""),
        ("61111-preis1", "DG", date(2023, 12, 31), ""): (D("116.7"), ""),
        ("61111-preis1-pct", "DG", date(2022, 12, 31), ""): (D("6.9"), ""),
        ("61111-preis1-pct", "DG", date(2023, 12, 31), ""): (D("5.9"), ""),
        ("61111-preis1-pct", "DG", date(2020, 12, 31), ""): (D("-0.5"), ""),
    },
    # GENESIS-Online, parts of the year: MONAT/QUARTG/HJAHR variables of a JAHR table, and
    # MONAT/QUARTG times; each at the end of its period, none a breakdown
    "genesis_61111-0002_flat.csv": {
        ("61111-preis1", "DG", date(2024, 1, 31), ""): (D("117.6"), ""),
        ("61111-preis1", "DG", date(2024, 2, 29), ""): (D("118.1"), ""),
        ("61111-preis1", "DG", date(2024, 12, 31), ""): (D("121.5"), "p"),
        ("61111-preis1", "DG", date(2024, 3, 31), ""): (D("119.3"), ""),
        ("61111-preis1", "DG", date(2024, 6, 30), ""): (D("120.4"), ""),
        ("61111-preis1", "DG", date(2025, 3, 31), ""): (D("121.2"), ""),
        ("61111-preis1", "DG", date(2025, 6, 30), ""): (D("120.9"), ""),
    },
    # GENESIS-Online, school years (SJAHR) in both spellings, "..." not yet available
    "genesis_21111-0001_flat.csv": {
        ("21111-bil003", "DG", date(2023, 12, 31), ""): (D(8741921), ""),
        ("21111-bil003", "DG", date(2024, 12, 31), ""): (None, "..."),
    },
    # Regionaldatenbank, Kreise (5 digits), Land and Germany in one file, two years, "-"
    "regio_12411-01-01-4_flat.csv": {
        ("12411-bevstd", "05316", date(2023, 12, 31), "ges=insgesamt"): (D(167040), ""),
        ("12411-bevstd", "05316", date(2023, 12, 31), "ges=GESW"): (D(85601), ""),
        ("12411-bevstd", "05316", date(2024, 12, 31), "ges=insgesamt"): (D(166414), "p"),
        ("12411-bevstd", "05316", date(2024, 12, 31), "ges=GESW"): (D(85312), "p"),
        ("12411-bevstd", "05362", date(2024, 12, 31), "ges=insgesamt"): (D(478126), "p"),
        ("12411-bevstd", "05362", date(2024, 12, 31), "ges=GESW"): (None, "-"),
        ("12411-bevstd", "05", date(2024, 12, 31), "ges=insgesamt"): (D(18034454), "p"),
        ("12411-bevstd", "DG", date(2024, 12, 31), "ges=insgesamt"): (D(83577140), "p"),
    },
    # Regionaldatenbank, Kreise, JAHR, every symbol of the Zeichenerklärung in the value cell
    "regio_82111-01-05-4_flat.csv": {
        ("82111-bws001", "05316", date(2022, 12, 31), ""): (D("9876.543"), ""),
        ("82111-bws001", "05362", date(2022, 12, 31), ""): (None, "."),
        ("82111-bws001", "05314", date(2022, 12, 31), ""): (None, "x"),
        ("82111-bws001", "05316", date(2023, 12, 31), ""): (None, "..."),
        ("82111-bws001", "05362", date(2023, 12, 31), ""): (None, "/"),
        ("82111-bws001", "05314", date(2023, 12, 31), ""): (D(0), ""),
        ("82111-bws001", "05316", date(2021, 12, 31), ""): (D("9500.1"), "r"),
    },
    # Regionaldatenbank, Gemeinden (8-digit AGS), German Stichtag, two value variables
    "regio_12411-01-01-5_flat.csv": {
        ("12411-bevstd", "05158004", date(2023, 12, 31), ""): (D(44012), ""),
        ("12411-bevstd", "05362004", date(2023, 12, 31), ""): (D(24800), ""),
        ("12411-bevstd", "05316000", date(2023, 12, 31), ""): (D(167040), ""),
        ("12411-bev018", "05158004", date(2023, 12, 31), ""): (D("1626.5"), ""),
    },
    # Zensus 2022, Gemeinden (GEOGM4, 12-digit ARS -> AGS), three value variables
    "zensus_1000A-0001_de_flat.csv": {
        ("1000a-flc001", "09276130", date(2022, 5, 15), ""): (D("108.84"), ""),
        ("1000a-prs018", "09276130", date(2022, 5, 15), ""): (D(2294), ""),
        ("1000a-prs017", "09276130", date(2022, 5, 15), ""): (D(21), ""),
        ("1000a-flc001", "05316000", date(2022, 5, 15), ""): (D("78.87"), ""),
        ("1000a-prs018", "05316000", date(2022, 5, 15), ""): (D(160510), ""),
        ("1000a-prs017", "05316000", date(2022, 5, 15), ""): (D(2035), ""),
    },
    # Zensus 2022, English download: decimal point, no thousands separator ("2.125" is 2.125)
    "zensus_1000A-0001_en_flat.csv": {
        ("1000a-flc001", "01059045", date(2022, 5, 15), ""): (D("2.125"), ""),
        ("1000a-prs018", "01059045", date(2022, 5, 15), ""): (D(1042), ""),
        ("1000a-flc001", "09276130", date(2022, 5, 15), ""): (D("108.84"), ""),
        ("1000a-flc001", "01001000", date(2022, 5, 15), ""): (D("56.73"), "()"),
    },
    # Zensus 2022, Germany, Land, Kreis (GEODL1, GEOBL1, GEOLK4); Anzahl and % of PRS018; () and /
    "zensus_1000A-1018_de_flat.csv": {
        ("1000a-prs018", "DG", date(2022, 5, 15), "relzg2=REL-RK-OR"): (D(20938130), ""),
        ("1000a-prs018-pct", "DG", date(2022, 5, 15), "relzg2=REL-RK-OR"): (D("25.2"), ""),
        ("1000a-prs018-pct", "13", date(2022, 5, 15), "relzg2=REL-RK-OR"): (D("3.1"), ""),
        ("1000a-prs018", "13", date(2022, 5, 15), "relzg2=REL-RK-OR"): (D(49282), ""),
        ("1000a-prs018", "05316", date(2022, 5, 15), "relzg2=REL-EV-OR"): (D(29410), "()"),
        ("1000a-prs018-pct", "05316", date(2022, 5, 15), "relzg2=REL-EV-OR"): (D("18.3"), "()"),
        ("1000a-prs018", "05316", date(2022, 5, 15), "relzg2=REL-SONST-X"): (None, "/"),
    },
    # Zensus 2022, two levels of one classification (WDGAT1, WDGAT2); the total both give once;
    # in Anzahl and in %
    "zensus_3000G-1005_de_flat.csv": {
        ("3000g-whg001", "05316", date(2022, 5, 15), "wdgat1=insgesamt|wdgat2=insgesamt"): (D(82000), ""),
        ("3000g-whg001", "05316", date(2022, 5, 15), "wdgat1=BJ-VOR1949|wdgat2=insgesamt"): (D(21000), ""),
        ("3000g-whg001", "05316", date(2022, 5, 15), "wdgat1=BJ-AB1949|wdgat2=insgesamt"): (D(61000), ""),
        ("3000g-whg001", "05316", date(2022, 5, 15), "wdgat1=insgesamt|wdgat2=BJ-1950-1959"): (D(15500), ""),
        ("3000g-whg001", "05316", date(2022, 5, 15), "wdgat1=insgesamt|wdgat2=BJ-1960-1969"): (
            D(12400),
            "()",
        ),
        ("3000g-whg001-pct", "05316", date(2022, 5, 15), "wdgat1=insgesamt|wdgat2=insgesamt"): (D(100), ""),
        ("3000g-whg001-pct", "05316", date(2022, 5, 15), "wdgat1=BJ-VOR1949|wdgat2=insgesamt"): (
            D("25.6"),
            "",
        ),
        ("3000g-whg001-pct", "05316", date(2022, 5, 15), "wdgat1=insgesamt|wdgat2=BJ-1960-1969"): (
            D("15.1"),
            "()",
        ),
    },
}


def test_every_fixture_has_its_table():
    assert sorted(EXPECTED) == sorted(p.name for p in FILES.glob("*.csv"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_official_flat_file_is_imported_value_by_value(db, name):
    data = (FILES / name).read_bytes()
    parsed = parse_bytes(data, name)
    assert not parsed.problems, [str(p) for p in parsed.problems]
    plan = imports.plan_import(parsed, name, imports.sha256_of(data))
    assert plan.ok, [str(p) for p in plan.errors[:5]]
    imports.apply_import(plan)
    stored = {
        (indicator, area, day, dim_key): (value, flag)
        for indicator, area, day, dim_key, value, flag in m.Observation.objects.values_list(
            "indicator__key", "area__key", "reference_date", "dim_key", "value", "flag"
        )
    }
    assert stored == EXPECTED[name]


@pytest.mark.parametrize(
    "name", ["genesis_12411-0001_flat.csv", "zensus_1000A-0001_de_flat.csv", "regio_12411-01-01-5_flat.csv"]
)
def test_bom_and_line_endings_do_not_change_what_is_read(name):
    """The same file with and without BOM, with CR LF and with LF, gives the same rows."""
    text = (FILES / name).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    variants = [
        (bom + text.replace("\n", newline)).encode() for bom in ("", "\ufeff") for newline in ("\n", "\r\n")
    ]
    rows = [
        [(r.indicator, r.area, r.date, r.dim_key, r.value, r.flag) for r in parse_bytes(v, name).rows]
        for v in variants
    ]
    assert rows[0] and all(r == rows[0] for r in rows)


def test_an_english_download_is_known_by_its_time_label_whatever_its_name():
    """A file fetched or renamed without "_en_" in its name: the English label of the time
    column ("Reference date") says the decimal mark is a point."""
    data = (FILES / "zensus_1000A-0001_en_flat.csv").read_bytes()
    values = [(r.indicator, r.value, r.flag) for r in parse_bytes(data, "download.csv").rows]
    assert values[:2] == [("1000a-flc001", D("2.125"), ""), ("1000a-prs018", D(1042), "")]
