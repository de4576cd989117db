"""Flat files (ffcsv) as GENESIS-Online, the Regionaldatenbank and the Zensus 2022 database ship
them today, written by hand line by line.

The layout follows the offices' flat-file format ("ffcsv", web service version 2020, also the
download "Flat-File CSV" of the three databases): UTF-8 with BOM, `;`, decimal comma, CR LF; the
columns statistics_code; statistics_label; time_code; time_label; time; then per classifying
variable n_variable_code; n_variable_label; n_variable_attribute_code;
n_variable_attribute_label; then value; value_unit; value_variable_code; value_variable_label and,
with quality on, value_q. A reference day (time_code STAG) is written in ISO form (2022-05-15 in
the Zensus table 1000A-1018, 2024-12-31 in 12411 tables); sub-annual tables have time_code JAHR
and the part of the year as a classifying variable (MONAT with MONAT01 … MONAT12, QUARTG with
QUART1 … QUART4, HJAHR with HJAHR1, HJAHR2). The regional variables are those the databases'
catalogues list: GENESIS/Regionaldatenbank DINSG/DG (Germany), DLAND (Länder), REGBEZ, KREISE,
GEMEIN (AGS); Zensus 2022 GEODL1 (Deutschland), GEOBL1 (Bundesländer), GEORB1
(Regierungsbezirke/Statistische Regionen), GEOLK4 (Landkreise und kreisfreie Städte), GEOGM1 …
GEOGM5 (Gemeinden, with the 12-digit Amtlicher Regionalschlüssel). Quality marks in value_q:
e final, p provisional, r revised, and the table symbols of the Zeichenerklärung ("()" limited
informative value, "/" not reliable enough, "." secret, "-" nothing, "x" not applicable, "..."
not yet available).
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from imon.core import exports, imports
from imon.core import models as m
from imon.core.importers import parse_bytes

HEAD = (
    "statistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label;value_q"
)
HEAD_ONE = (
    "statistics_code;statistics_label;time_code;time_label;time;"
    "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
    "value;value_unit;value_variable_code;value_variable_label;value_q"
)


def flat(*lines: str) -> bytes:
    """A flat file as the databases deliver it: UTF-8 with BOM, CR LF."""
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def run_import(data: bytes, name: str):
    plan = imports.plan_import(parse_bytes(data, name), name, imports.sha256_of(data))
    assert plan.ok, [str(p) for p in plan.errors[:5]]
    return plan, imports.apply_import(plan)


# -- 1. reference dates and time types ------------------------------------------------------


def test_iso_stichtag_of_a_regionaldatenbank_table_is_read(demo):
    """12411-01-01-4 (Regionaldatenbank, Bevölkerungsstand, Kreise) with time 2024-12-31 as
    the current download writes it, beside an older file's 31.12.2023."""
    data = flat(
        HEAD_ONE,
        "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31;KREISE;Kreise und kreisfreie Städte;05316;Leverkusen, kreisfreie Stadt;166.414;Anzahl;BEVSTD;Bevölkerungsstand;e",
        "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;31.12.2023;KREISE;Kreise und kreisfreie Städte;05316;Leverkusen, kreisfreie Stadt;167.040;Anzahl;BEVSTD;Bevölkerungsstand;e",
    )
    run_import(data, "12411-01-01-4_flat.csv")
    stored = dict(
        m.Observation.objects.filter(indicator__key="12411-bevstd", area__key="05316000").values_list(
            "reference_date", "value"
        )
    )
    assert stored == {date(2024, 12, 31): 166414, date(2023, 12, 31): 167040}


def test_every_time_type_in_the_form_the_databases_write_it():
    """JAHR (2023), STAG in ISO and German form, months, quarters and halves as the classifying
    variables MONAT/QUARTG/HJAHR of a JAHR table (e.g. 12613-0006, 61111-0002), and a school
    year (SJAHR 2023/24) – each at the end of its period; the part of the year is no breakdown."""
    data = flat(
        HEAD_ONE,
        "12613;Statistik der Sterbefälle;JAHR;Jahr;2023;MONAT;Monate;MONAT02;Februar;80.000;Anzahl;BEV009;Gestorbene;e",
        "12613;Statistik der Sterbefälle;JAHR;Jahr;2024;MONAT;Monate;MONAT02;Februar;79.000;Anzahl;BEV009;Gestorbene;p",
        "12613;Statistik der Sterbefälle;JAHR;Jahr;2023;QUARTG;Quartale;QUART3;3. Quartal;230.000;Anzahl;BEV009;Gestorbene;e",
        "12613;Statistik der Sterbefälle;JAHR;Jahr;2023;HJAHR;Halbjahre;HJAHR1;1. Halbjahr;520.000;Anzahl;BEV009;Gestorbene;e",
        "12613;Statistik der Sterbefälle;JAHR;Jahr;2023;MONAT;Monate;;Insgesamt;1.020.000;Anzahl;BEV009;Gestorbene;e",
        "12613;Statistik der Sterbefälle;STAG;Stichtag;2023-06-30;MONAT;Monate;;Insgesamt;1;Anzahl;BEV010;Test Stichtag ISO;e",
        "12613;Statistik der Sterbefälle;STAG;Stichtag;30.06.2022;MONAT;Monate;;Insgesamt;2;Anzahl;BEV010;Test Stichtag ISO;e",
        "21111;Statistik der allgemeinbildenden Schulen;SJAHR;Schuljahr;2023/24;DINSG;Deutschland insgesamt;DG;Deutschland;8.700.000;Anzahl;BIL003;Schüler/-innen;e",
    )
    parsed = parse_bytes(data, "12613-0006_flat.csv")
    assert not parsed.problems, [str(p) for p in parsed.problems]
    got = [(r.indicator, r.date, r.dim_key, r.value) for r in parsed.rows]
    assert got == [
        ("12613-bev009", date(2023, 2, 28), "", Decimal(80000)),
        ("12613-bev009", date(2024, 2, 29), "", Decimal(79000)),
        ("12613-bev009", date(2023, 9, 30), "", Decimal(230000)),
        ("12613-bev009", date(2023, 6, 30), "", Decimal(520000)),
        ("12613-bev009", date(2023, 12, 31), "", Decimal(1020000)),
        ("12613-bev010", date(2023, 6, 30), "", Decimal(1)),
        ("12613-bev010", date(2022, 6, 30), "", Decimal(2)),
        ("21111-bil003", date(2023, 12, 31), "", Decimal(8700000)),
    ]
    assert "monat" not in parsed.dimensions and "quartg" not in parsed.dimensions


def test_a_time_the_reader_does_not_know_is_one_problem_with_its_count():
    """A cause shared by many rows is reported once, with the number of rows and the first
    lines, not once per row (a table of 100,000 rows would give 100,000 messages)."""
    line = "12411;Bevölkerungsstand;STAG;Stichtag;2024-31-12;KREISE;Kreise;{ags};Kreis;100;Anzahl;BEVSTD;Bevölkerungsstand;e"
    data = flat(HEAD_ONE, *(line.format(ags=f"{5000 + i:05d}") for i in range(1200)))
    parsed = parse_bytes(data, "12411-01-01-4_flat.csv")
    assert len(parsed.problems) == 1
    message = str(parsed.problems[0])
    assert "1.200" in message and "2, 3, 4, 5, 6" in message and "2024-31-12" in message


# -- 2. regional variables of all three databases -------------------------------------------


def test_zensus_regions_are_areas_not_a_breakdown_of_germany(demo):
    """Zensus 2022 database, table 1000A-1018 (Religion) downloaded for Germany, Länder,
    Regierungsbezirke, Kreise and Gemeinden: GEODL1, GEOBL1, GEORB1, GEOLK4 and GEOGM1 (ARS of
    12 digits; Leverkusen 053160000000 is AGS 05316000)."""
    stat = "1000A;Bevölkerung kompakt (Gebietsstand 15.05.2022);STAG;Stichtag;2022-05-15"
    tail = "RELZG2;Religion;REL-RK-OR;Römisch-katholische Kirche (öffentlich-rechtlich)"
    data = flat(
        HEAD,
        f"{stat};GEODL1;Deutschland;DG;Deutschland;{tail};20.938.000;Anzahl;PRS018;Personen;e",
        f"{stat};GEOBL1;Bundesländer;05;Nordrhein-Westfalen;{tail};6.320.000;Anzahl;PRS018;Personen;e",
        f"{stat};GEOBL1;Bundesländer;13;Mecklenburg-Vorpommern;{tail};49.282;Anzahl;PRS018;Personen;e",
        f"{stat};GEORB1;Regierungsbezirke/Statistische Regionen;053;Köln;{tail};1.780.000;Anzahl;PRS018;Personen;e",
        f"{stat};GEOLK4;Landkreise u. krsfr. Städte (Stand 15.05.22);05316;Leverkusen, kreisfreie Stadt;{tail};52.000;Anzahl;PRS018;Personen;e",
        f"{stat};GEOGM1;Gemeinden;051580004004;Erkrath, Stadt;{tail};14.000;Anzahl;PRS018;Personen;e",
    )
    run_import(data, "1000A-1018_de_flat.csv")
    stored = {
        area: (kind, value)
        for area, kind, value in m.Observation.objects.filter(indicator__key="1000a-prs018").values_list(
            "area__key", "area__kind", "value"
        )
    }
    assert stored == {
        "DG": ("country", 20938000),
        "05": ("state", 6320000),
        "13": ("state", 49282),
        "053": ("region", 1780000),
        "05316000": ("county", 52000),  # the demo's county-free city, found by its Kreis code
        "05158004": ("municipality", 14000),  # ARS 051580004004 -> AGS 05158004
    }
    assert set(m.Indicator.objects.get(key="1000a-prs018").dimensions.values_list("key", flat=True)) == {
        "relzg2"
    }
    assert not m.Dimension.objects.filter(key__startswith="geo").exists()
    assert m.Area.objects.get(key="13").parent.key == "DG"


def test_regionaldatenbank_germany_laender_and_kreise():
    """Regionaldatenbank 12411-01-01-4: DG (Deutschland), DLAND, REGBEZ, KREISE and GEMEIN in
    one file give areas of their kinds."""
    stat = "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31"
    data = flat(
        HEAD_ONE,
        f"{stat};DG;Deutschland;DG;Deutschland;83.577.140;Anzahl;BEVSTD;Bevölkerungsstand;e",
        f"{stat};DLAND;Bundesländer;05;Nordrhein-Westfalen;18.034.454;Anzahl;BEVSTD;Bevölkerungsstand;e",
        f"{stat};REGBEZ;Regierungsbezirke / Statistische Regionen;053;Köln;4.500.000;Anzahl;BEVSTD;Bevölkerungsstand;e",
        f"{stat};KREISE;Kreise und kreisfreie Städte;05316;Leverkusen;166.414;Anzahl;BEVSTD;Bevölkerungsstand;e",
        f"{stat};GEMEIN;Gemeinden;05158004;Erkrath, Stadt;44.000;Anzahl;BEVSTD;Bevölkerungsstand;e",
    )
    parsed = parse_bytes(data, "12411-01-01-4_flat.csv")
    assert not parsed.problems and not parsed.dimensions
    assert [(r.area, parsed.areas[r.area]["kind"]) for r in parsed.rows] == [
        ("DG", "country"),
        ("05", "state"),
        ("053", "region"),
        ("05316", "county"),
        ("05158004", "municipality"),
    ]


def test_a_zensus_regional_variable_without_a_place_in_the_area_tree_is_refused_once():
    """GEOVB4 (Gemeindeverbände) is regional: not read as a breakdown, one message."""
    stat = "1000A;Bevölkerung kompakt;STAG;Stichtag;2022-05-15"
    data = flat(
        HEAD_ONE,
        f"{stat};GEOVB4;Gemeindeverbände (Gebietsstand 15.05.2022);051585001;Amt A;100;Anzahl;PRS018;Personen;e",
        f"{stat};GEOVB4;Gemeindeverbände (Gebietsstand 15.05.2022);051585002;Amt B;200;Anzahl;PRS018;Personen;e",
    )
    parsed = parse_bytes(data, "1000A-0000_de_flat.csv")
    assert not parsed.rows and len(parsed.problems) == 1 and "GEOVB4" in str(parsed.problems[0])


# -- 3. two levels of one classification ----------------------------------------------------


def test_two_levels_of_one_classification_are_two_breakdowns_and_the_import_says_so(demo):
    """A Zensus table with rows by WDGAT1 (Baujahr, coarse) and rows by WDGAT2 (Baujahr, fine)
    for the same value variable: each is a breakdown of its own, a row standing for the total of
    the other; the total both give is read once."""
    stat = "3000G;Gebäude- und Wohnungszählung;STAG;Stichtag;2022-05-15;GEOLK4;Landkreise u. krsfr. Städte;05316;Leverkusen"
    data = flat(
        HEAD,
        f"{stat};WDGAT1;Baujahr (Mikrozensus-Klassen);;Insgesamt;80.000;Anzahl;WHG001;Wohnungen;e",
        f"{stat};WDGAT1;Baujahr (Mikrozensus-Klassen);BJ-VOR1949;Vor 1949;20.000;Anzahl;WHG001;Wohnungen;e",
        f"{stat};WDGAT1;Baujahr (Mikrozensus-Klassen);BJ-AB1949;1949 und später;60.000;Anzahl;WHG001;Wohnungen;e",
        f"{stat};WDGAT2;Baujahr (Jahrzehnte);;Insgesamt;80.000;Anzahl;WHG001;Wohnungen;e",
        f"{stat};WDGAT2;Baujahr (Jahrzehnte);BJ-1950-1959;1950 bis 1959;15.000;Anzahl;WHG001;Wohnungen;e",
    )
    plan, _record = run_import(data, "3000G-1005_de_flat.csv")
    assert any("WDGAT1" in str(w) and "WDGAT2" in str(w) for w in plan.warnings)
    indicator = m.Indicator.objects.get(key="3000g-whg001")
    assert set(indicator.dimensions.values_list("key", flat=True)) == {"wdgat1", "wdgat2"}
    stored = dict(indicator.observations.values_list("dim_key", "value"))
    assert stored == {
        "wdgat1=insgesamt|wdgat2=insgesamt": 80000,
        "wdgat1=BJ-VOR1949|wdgat2=insgesamt": 20000,
        "wdgat1=BJ-AB1949|wdgat2=insgesamt": 60000,
        "wdgat1=insgesamt|wdgat2=BJ-1950-1959": 15000,
    }


# -- 4. quality marks ----------------------------------------------------------------------


def test_quality_marks_become_flags_and_every_export_carries_them(demo):
    """value_q as the Zensus and GENESIS downloads with quality on write it: "()" limited
    informative value stays with its value; "/", ".", "-", "x", "..." take the value's place;
    p and r qualify it; e says nothing. Each flag is one of the symbols the symbol key explains."""
    stat = "1000A;Bevölkerung kompakt;STAG;Stichtag;2022-05-15;GEOLK4;Landkreise u. krsfr. Städte;05316;Leverkusen"
    tail = "Anzahl;PRS018;Personen"
    rows = [
        ("", "Insgesamt", "163.729", "e"),
        ("STAAG-DE", "Deutschland", "130.000", "p"),
        ("STAAG-TR", "Türkei", "(4.900)", "()"),
        ("STAAG-SY", "Syrien", "1.200", "()"),
        ("STAAG-UA", "Ukraine", "700", "/"),
        ("STAAG-IT", "Italien", ".", "."),
        ("STAAG-PL", "Polen", "0", "-"),
        ("STAAG-XX", "Ohne Angabe", "x", "x"),
        ("STAAG-GR", "Griechenland", "...", "..."),
        ("STAAG-HR", "Kroatien", "2.100", "r"),
    ]
    data = flat(
        HEAD, *(f"{stat};STAAG;Staatsangehörigkeit;{c};{lab};{v};{tail};{q}" for c, lab, v, q in rows)
    )
    run_import(data, "1000A-0010_de_flat.csv")
    stored = {
        dims: (value, flag)
        for dims, value, flag in m.Observation.objects.filter(indicator__key="1000a-prs018").values_list(
            "dim_key", "value", "flag"
        )
    }
    assert stored == {
        "staag=insgesamt": (163729, ""),
        "staag=STAAG-DE": (130000, "p"),
        "staag=STAAG-TR": (4900, "()"),
        "staag=STAAG-SY": (1200, "()"),
        "staag=STAAG-UA": (None, "/"),
        "staag=STAAG-IT": (None, "."),
        "staag=STAAG-PL": (None, "-"),
        "staag=STAAG-XX": (None, "x"),
        "staag=STAAG-GR": (None, "..."),
        "staag=STAAG-HR": (2100, "r"),
    }
    assert {flag for _v, flag in stored.values()} <= set(m.Flag.values)  # all in the symbol key
    for fmt in ("csv", "csv-de"):
        buffer = io.BytesIO()
        exports.write(buffer, fmt, *exports.table(exports.observations("1000a-prs018", "05316000")))
        text = buffer.getvalue().decode("utf-8-sig")
        exported = {
            row["staag"]: row["flag"]
            for row in csv.DictReader(io.StringIO(text), delimiter=";" if fmt == "csv-de" else ",")
        }
        assert exported["STAAG-SY"] == "()" and exported["STAAG-UA"] == "/" and exported["STAAG-DE"] == "p"


# -- 5. one area, one key, whatever the order ------------------------------------------------

KREIS_FILE = (
    HEAD_ONE,
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31;KREISE;Kreise und kreisfreie Städte;05362;Rhein-Erft-Kreis;478.126;Anzahl;BEVSTD;Bevölkerungsstand;e",
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2024-12-31;KREISE;Kreise und kreisfreie Städte;05999;Musterstadt, kreisfreie Stadt;101.234;Anzahl;BEVSTD;Bevölkerungsstand;e",
)
GEMEINDE_FILE = (
    HEAD_ONE,
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;05999000;Musterstadt, kreisfreie Stadt;100.987;Anzahl;BEVSTD;Bevölkerungsstand;e",
    "12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;2023-12-31;GEMEIN;Gemeinden;05362004;Bedburg, Stadt;24.800;Anzahl;BEVSTD;Bevölkerungsstand;e",
)


@pytest.mark.parametrize("order", ["kreise first", "gemeinden first"])
def test_a_county_free_city_is_one_area_whatever_the_import_order(db, order):
    """A city named by its Kreis code (05999) in one table and by its AGS (05999000) in another
    is one area, in either order; export-data finds it by either code and by its ARS."""
    files = [(flat(*KREIS_FILE), "12411-01-01-4_flat.csv"), (flat(*GEMEINDE_FILE), "12411-01-01-5_flat.csv")]
    for data, name in files if order == "kreise first" else files[::-1]:
        run_import(data, name)
    city = m.Area.objects.filter(name__startswith="Musterstadt")
    assert city.count() == 1
    assert sorted(city.get().observations.values_list("value", flat=True)) == [100987, 101234]
    # a Landkreis and one of its towns stay two areas
    assert m.Area.objects.filter(name__in=["Rhein-Erft-Kreis", "Bedburg, Stadt"]).count() == 2
    for code in ("05999", "05999000", "059990000000"):
        assert exports.observations(area=code).count() == 2, code
