"""Own CSV/XLSX template, Open SDG and SDMX-CSV read the German way; bad input changes nothing."""

import functools
import io
import struct
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from imon.core import imports
from imon.core import models as m
from imon.core.importers import ImportFileError, decode, parse_bytes
from tests.importing import gefluechtete_2019, plan_for, write_csv


def stored(indicator, date, dim_key=""):
    return m.Observation.objects.get(indicator__key=indicator, reference_date=date, dim_key=dim_key)


def test_windows_1252_with_german_headers_and_decimal_comma(demo, tmp_path):
    lines = [
        "Kennzahl;Gebiet;Stichtag;Wert;Zeichen;Anmerkung",
        "anteil-auslaendisch;05316000;31.12.2018;16,2;p;Schätzung für Übergänge",
    ]
    path = write_csv(tmp_path / "x.csv", lines, encoding="cp1252")
    imports.apply_import(plan_for(path))
    obs = stored("anteil-auslaendisch", "2018-12-31")
    assert (obs.value, obs.flag, obs.note) == (Decimal("16.2"), "p", "Schätzung für Übergänge")


def test_mac_roman_from_excel_for_mac_is_read(demo, tmp_path):
    """Excel for Mac's "CSV (Macintosh)" is Mac Roman: its ä, ö, ü read as Windows-1252 would be Š, š, Ÿ."""
    lines = [
        "Kennzahl;Gebiet;Stichtag;Wert;Zeichen;Anmerkung",
        "anteil-auslaendisch;05316000;31.12.2018;16,2;p;Schätzung für Übergänge, größer",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "x.csv", lines, encoding="mac_roman")))
    assert stored("anteil-auslaendisch", "2018-12-31").note == "Schätzung für Übergänge, größer"


def test_lines_ended_by_cr_alone_are_read(demo, tmp_path):
    """Excel for Mac's "CSV (Macintosh)" also ends its lines with CR alone, as classic Mac OS did."""
    data = "Kennzahl;Gebiet;Stichtag;Wert\rbevoelkerung;05316000;31.12.2020;163.000\ranteil-auslaendisch;05316000;31.12.2020;17,1\r"
    path = tmp_path / "mac.csv"
    path.write_bytes(data.encode("mac_roman"))
    imports.apply_import(plan_for(path))
    assert stored("bevoelkerung", "2020-12-31").value == 163000
    assert stored("anteil-auslaendisch", "2020-12-31").value == Decimal("17.1")


def test_a_stray_carriage_return_in_the_header_is_a_german_message():
    with pytest.raises(ImportFileError, match="kann nicht als CSV gelesen werden \\(Zeile 1\\)"):
        parse_bytes(b"Kennzahl;\rGebiet;Wert\nbevoelkerung;05316000;1\n", "zufall.csv")


def test_windows_1252_letters_of_other_languages_stay():
    """Š and š in a Windows-1252 file with German letters, or in names, are not taken for Mac Roman."""
    assert decode("Škoda;Šibenik;Straße\n".encode("cp1252")) == "Škoda;Šibenik;Straße\n"
    assert decode("Name;Wert\nBoškoviš;1\n".encode("cp1252")) == "Name;Wert\nBoškoviš;1\n"


def test_comma_separated_file_uses_decimal_points(demo, tmp_path):
    lines = ["indicator,area,reference_date,value", "anteil-auslaendisch,05316000,2018-12-31,16.2"]
    imports.apply_import(plan_for(write_csv(tmp_path / "x.csv", lines, encoding="utf-8")))
    assert stored("anteil-auslaendisch", "2018-12-31").value == Decimal("16.2")


def test_excel_unicode_text_is_read(demo, tmp_path):
    """Excel's "Unicode-Text": UTF-16 with BOM, tab-separated, German numbers."""
    lines = [
        "Kennzahl\tGebiet\tStichtag\tWert",
        "anteil-auslaendisch\t05316000\t31.12.2018\t16,2",
        "bevoelkerung\t05316000\t31.12.2018\t166.500",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "x.txt", lines, encoding="utf-16")))
    assert stored("anteil-auslaendisch", "2018-12-31").value == Decimal("16.2")
    assert stored("bevoelkerung", "2018-12-31").value == 166500


def test_xlsx_with_title_rows_and_footnotes(demo, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Geflüchtete in Leverkusen"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    for line in gefluechtete_2019():
        cells = line.split(";")
        sheet.append(
            [int(c) if c.isdigit() and cells[0] != "Kennzahl" and c == cells[-1] else c for c in cells]
        )
    sheet.append([])
    sheet.append(["Quelle: Statistikstelle. Fußnote: vorläufige Zahlen."])
    path = tmp_path / "g.xlsx"
    workbook.save(path)
    plan = plan_for(path)
    assert plan.ok and len(plan.new) == 5, [str(p) for p in plan.errors]


def test_xlsx_with_a_merged_two_row_header_and_a_footnote_right_below(demo, tmp_path):
    """As statistics offices lay out sheets: header cells merged over two rows, a group label
    over the breakdown, a footnote without a blank row before it that says the figures are rounded."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Geflüchtete in Leverkusen nach Aufenthaltsstatus"])
    sheet.append(["Kennzahl", "Gebiet", "Stichtag", "Merkmal", "Wert"])
    sheet.append([None, None, None, "aufenthaltsstatus", None])
    for column in "ABCE":
        sheet.merge_cells(f"{column}2:{column}3")
    for line in gefluechtete_2019()[1:]:
        indicator, area, date, status, value = line.split(";")
        sheet.append([indicator, area, date, status, int(value)])
    sheet.append(["1) Aus Datenschutzgründen sind alle Werte auf ein Vielfaches von 5 gerundet."])
    sheet.append(["Quelle: Statistikstelle"])
    path = tmp_path / "g.xlsx"
    workbook.save(path)
    plan = plan_for(path)
    assert plan.ok and len(plan.new) == 5, [str(p) for p in plan.errors]
    imports.apply_import(plan)
    status_a = stored("gefluechtete", "2019-12-31", "aufenthaltsstatus=a")
    assert status_a.value == 630
    assert "Vom Herausgeber gerundet" in status_a.note and "Vielfaches von 5" in status_a.note
    # Without that footnote the rows carry no note; the stored ones stay, nothing changes.
    assert sheet["A9"].value.startswith("1) Aus Datenschutzgründen")
    sheet.delete_rows(9, 1)
    workbook.save(path)
    plan = plan_for(path)
    assert plan.ok and plan.unchanged == 5 and not any(row.note for row in plan.parsed.rows)


def test_open_sdg_blank_disaggregation_is_the_total(demo, tmp_path):
    lines = ["Year,Altersgruppe,Value", "2019,,27500", "2019,0-64,24400", "2019,65plus,3100"]
    path = write_csv(tmp_path / "indicator_auslaender-alter.csv", lines, encoding="utf-8")
    plan = plan_for(path)
    assert plan.ok, [str(p) for p in plan.errors]
    imports.apply_import(plan)
    assert stored("auslaender-alter", "2019-12-31", "altersgruppe=insgesamt").value == 27500


def test_sdmx_csv_with_status_codes(demo, tmp_path):
    lines = [
        "DATAFLOW,REF_AREA,AUFENTHALTSSTATUS,TIME_PERIOD,OBS_VALUE,OBS_STATUS",
        "IMON:GEFLUECHTETE(1.0),05316000,insgesamt,2019-12-31,4900,P",
        "IMON:GEFLUECHTETE(1.0),05316000,a_b,2019-12-31,4550,P",
        "IMON:GEFLUECHTETE(1.0),05316000,a,2019-12-31,630,P",
        "IMON:GEFLUECHTETE(1.0),05316000,b,2019-12-31,3920,P",
        "IMON:GEFLUECHTETE(1.0),05316000,c,2019-12-31,,M",
    ]
    plan = plan_for(write_csv(tmp_path / "g.csv", lines, encoding="utf-8"))
    assert plan.ok, [str(p) for p in plan.errors]
    imports.apply_import(plan)
    assert stored("gefluechtete", "2019-12-31", "aufenthaltsstatus=a").flag == "p"
    c = stored("gefluechtete", "2019-12-31", "aufenthaltsstatus=c")
    assert (c.value, c.flag) == (None, ".")


@functools.cache
def zip_bomb() -> bytes:
    """An XLSX-shaped archive whose workbook unpacks to 50 MB of blanks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"<" + b" " * 50_000_000 + b"/>")
    return buffer.getvalue()


@functools.cache
def forged_zip_bomb() -> bytes:
    """A ZIP whose one CSV declares 60 KB but unpacks to 60 MB: its headers lie about the size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("daten.csv", b"indicator;area;reference_date;value\n" + b" " * 60_000_000)
    data = bytearray(buffer.getvalue())
    packed = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0].compress_size
    forged = struct.pack("<I", packed)
    data[22:26] = forged  # the local header's size
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = forged  # the central directory's size
    return bytes(data)


def bad_inputs():
    return {
        "empty file": (b"", "leer"),
        "only blank lines": (b"\n\n \n", "leer"),
        "binary file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "keine Textdatei"),
        "truncated GENESIS file": (
            "statistics_code;statistics_label;time_code;time_label;time;value;value_unit;value_variable_code;value_variable_label\n"
            "12411;Bevölkerung;STAG;Stichtag;31.12.2022;166.0".encode(),
            "Spalten",
        ),
        "unknown format": (b"foo;bar\n1;2\n", "Format"),
        "unknown indicator": (
            b"indicator;area;reference_date;value\ngibt-es-nicht;05316000;2019-12-31;1\n",
            "gibt-es-nicht",
        ),
        "unknown area": (b"indicator;area;reference_date;value\nbevoelkerung;99999;2019-12-31;1\n", "99999"),
        "duplicate rows": (
            b"indicator;area;reference_date;value\nbevoelkerung;05316000;2019-12-31;1\nbevoelkerung;05316000;2019-12-31;1\n",
            "doppelt",
        ),
        "text instead of a number": (
            b"indicator;area;reference_date;value\nbevoelkerung;05316000;2019-12-31;viele\n",
            "keine Zahl",
        ),
        "bad date": (
            b"indicator;area;reference_date;value\nbevoelkerung;05316000;31.02.2019;1\n",
            "31.02.2019",
        ),
        "damaged zip": (b"PK\x03\x04garbage", "beschädigt"),
        "truncated JSON": (
            b'{"columns": ["indicator", "area", "reference_date", "value"], "observations": [{"indicator": "bev',
            "JSON-Datei",
        ),
        "xlsx zip bomb": (zip_bomb(), "ZIP-Bombe"),
        "wrong encoding": (
            b"indicator;area;reference_date;value;note\nbevoelkerung;05316000;2019-12-31;1;" + b"\x81\x8d\n",
            "weder UTF-8",
        ),
    }


def test_a_zip_that_lies_about_its_size_is_refused_in_bounded_memory():
    data = forged_zip_bomb()
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError, match="beschädigt"):
            parse_bytes(data, "daten.zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(data) + 20_000_000, f"{peak:,} bytes"  # the 60 MB inside were never held at once


@pytest.mark.parametrize("kind", list(bad_inputs()))
def test_bad_input_gets_a_german_message_and_changes_nothing(demo, tmp_path, kind):
    data, fragment = bad_inputs()[kind]
    before = m.Observation.objects.count()
    try:
        parsed = parse_bytes(data, "datei.csv")
    except ImportFileError as exc:
        message = str(exc)
    else:
        plan = imports.plan_import(parsed, "datei.csv", imports.sha256_of(data))
        assert not plan.ok
        message = " ".join(str(p) for p in plan.errors)
    assert fragment in message, message
    assert m.Observation.objects.count() == before and not m.ImportRecord.objects.exists()


def test_open_sdg_lines_with_crlf_empty_and_short_lines_are_all_accounted_for():
    """Open SDG files without quotes are split at the separator: CR LF, empty lines, a line of
    separators only and a short line are read as the csv module reads them."""
    data = b"Year,Geschlecht,Value\r\n2019,,10\r\n\r\n,,\r\n2019,weiblich,4\r\n2020\r\n"
    parsed = parse_bytes(data, "indicator_auslaender-alter.csv")
    assert [(r.dims, r.value) for r in parsed.rows] == [
        ({"Geschlecht": "insgesamt"}, 10),
        ({"Geschlecht": "weiblich"}, 4),
    ]
    assert [(p.line, p.column) for p in parsed.problems] == [(6, "Value")]  # the value is missing
    assert parsed.ignored == {"empty": 2, "header": 1} and parsed.lines == 6


def test_open_sdg_line_of_blanks_and_separators_is_empty():
    """A line of spaces, tabs and separators only is an empty line, whatever its first cell holds
    of them; a line with its year alone is a row whose value is missing."""
    data = b"Year,Geschlecht,Value\n2019,,10\n \t, ,\n2020,,\n"
    parsed = parse_bytes(data, "indicator_auslaender-alter.csv")
    assert [r.value for r in parsed.rows] == [10]
    assert parsed.ignored == {"empty": 1, "header": 1}
    assert [(p.line, p.column) for p in parsed.problems] == [(4, "Value")]
