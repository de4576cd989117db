"""The own XLSX writer (imon.core.xlsx) and the fast CSV path of the exports: what openpyxl and
LibreOffice read back is the data, cell by cell; the CSV is byte for byte what csv.writer writes."""

import csv
import datetime
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imon.core import exports, xlsx

HEADER = ["indicator", "area", "area_name", "reference_date", "geschlecht", "value", "flag", "unit", "source"]
ROWS = [
    {
        "indicator": "bevoelkerung",
        "area": "05316000",
        "area_name": "Köln-Mülheim",
        "reference_date": datetime.date(2018, 12, 31),
        "geschlecht": "weiblich",
        "value": Decimal("166081"),
        "flag": "",
        "unit": "Personen",
        "source": "Straßen- und Größenämter",
    },
    {
        "indicator": "anteil",
        "area": "05316000",
        "area_name": '=HYPERLINK("http://evil")',
        "reference_date": datetime.date(2019, 12, 31),
        "value": Decimal("9.2"),
        "flag": "p",
        "unit": "%",
        "source": "+49 221 0",
    },
    {
        "indicator": "=1+1",
        "area": "@A1",
        "area_name": "  Leerzeichen  ",
        "reference_date": datetime.date(2020, 12, 31),
        "geschlecht": "-3",
        "value": None,
        "flag": ".",
        "unit": "-",
        "source": '<b>&amp;</b> "Zitat"',
    },
    {
        "indicator": "anteil",
        "area": "05316000",
        "area_name": "Zeile\nzwei",
        "reference_date": datetime.date(2021, 12, 31),
        "value": Decimal("-0.000125"),
        "flag": "",
        "unit": "",
        "source": "",
    },
    {
        "indicator": "gross",
        "area": "05316000",
        "area_name": "Ölberg",
        "reference_date": datetime.date(2022, 12, 31),
        "value": Decimal("12345678901234.5"),
        "flag": "r",
        "unit": "€",
        "source": "Amt für Statistik",
    },
    {
        "indicator": "null",
        "area": "05316000",
        "area_name": "Ürdingen",
        "reference_date": datetime.date(2023, 12, 31),
        "value": Decimal("0"),
        "flag": "-",
        "unit": "Personen",
        "source": "x",
    },
    {
        "indicator": "rund",
        "area": "05316000",
        "area_name": "Äußere Stadt",
        "reference_date": datetime.date(2024, 12, 31),
        "value": Decimal("15.10"),
        "flag": "",
        "unit": "Personen",
        "source": "x",
    },
]


def expected(row: dict, name: str):
    """What a spreadsheet program must read in a cell of the export's XLSX."""
    value = row.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if name in ("area_name", "source", "unit"):
        return exports.safe_text(value)
    return value


def export_xlsx(rows) -> bytes:
    buffer = io.BytesIO()
    exports.write(buffer, "xlsx", HEADER, rows)
    return buffer.getvalue()


def test_openpyxl_reads_every_cell_back():
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsx(ROWS)))
    assert workbook.sheetnames == ["Daten"]
    sheet = workbook["Daten"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.max_row == len(ROWS) + 1 and sheet.max_column == len(HEADER)
    for number, row in enumerate(ROWS, start=2):
        for column, name in enumerate(HEADER, start=1):
            cell = sheet.cell(number, column)
            assert cell.value == expected(row, name), (number, name)
            assert type(cell.value) is type(expected(row, name)), (
                number,
                name,
            )  # numbers stay numbers, text text
            assert cell.data_type != "f", (number, name)  # nothing becomes a formula
    assert sheet["C3"].value == '\'=HYPERLINK("http://evil")'  # safe_text, as in the CSV
    assert (
        sheet["A4"].value == "=1+1" and sheet["B4"].value == "@A1"
    )  # other text that looks like a formula stays text
    assert sheet["F2"].value == 166081 and sheet["F3"].value == 9.2 and sheet["F4"].value is None


def test_columns_are_wide_enough_to_read():
    sheet = openpyxl.load_workbook(io.BytesIO(export_xlsx(ROWS)))["Daten"]
    assert sheet.column_dimensions["D"].width >= len("reference_date")  # the header
    assert sheet.column_dimensions["I"].width >= len("Straßen- und Größenämter")  # the longest source
    assert sheet.column_dimensions["G"].width < 10  # a narrow column stays narrow


def test_read_only_reading_as_imon_import_does():
    workbook = openpyxl.load_workbook(io.BytesIO(export_xlsx(ROWS)), read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER)
    assert rows[1:] == [tuple(expected(row, name) for name in HEADER) for row in ROWS]


def test_the_package_is_a_plain_workbook():
    archive = zipfile.ZipFile(io.BytesIO(export_xlsx(ROWS)))
    assert archive.testzip() is None
    assert set(archive.namelist()) == {
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    }
    assert export_xlsx(ROWS) == export_xlsx(ROWS)  # the same data gives the same file


def test_empty_table_and_wide_table():
    sheet = openpyxl.load_workbook(io.BytesIO(export_xlsx([]))).active
    assert [c.value for c in sheet[1]] == HEADER and sheet.max_row == 1
    header = [f"d{i}" for i in range(30)]
    buffer = io.BytesIO()
    xlsx.write_table(buffer, "Daten", header, [[i] for i in range(30)])
    sheet = openpyxl.load_workbook(buffer).active
    assert sheet["AD1"].value == "d29" and sheet["AD2"].value == 29
    assert (
        xlsx.column_letter(1) == "A" and xlsx.column_letter(27) == "AA" and xlsx.column_letter(703) == "AAA"
    )


def test_what_cannot_be_written_is_refused():
    with pytest.raises(ValueError):
        xlsx.write_table(io.BytesIO(), "Daten", ["a"], [["Steuerzeichen \x07"]])
    with pytest.raises(TypeError):
        xlsx.write_table(io.BytesIO(), "Daten", ["a"], [[True]])
    with pytest.raises(ValueError):
        xlsx.write_table(io.BytesIO(), "Daten/1", ["a"], [["x"]])


def libreoffice_csv(tmp_path, name: str, data: bytes) -> list[list[str]] | None:
    """The first sheet as LibreOffice Calc converts it to CSV (UTF-8); None if it cannot load the file."""
    (tmp_path / f"{name}.xlsx").write_bytes(data)
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(tmp_path / f"{name}.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    if not (tmp_path / f"{name}.csv").exists():
        return None
    return list(csv.reader(io.StringIO((tmp_path / f"{name}.csv").read_text(encoding="utf-8"))))


@pytest.mark.skipif(
    not shutil.which("libreoffice"), reason="libreoffice is not installed (.ci/run installs libreoffice-calc)"
)
def test_libreoffice_opens_it(tmp_path):
    control = openpyxl.Workbook()
    control.active.append(["a"])
    buffer = io.BytesIO()
    control.save(buffer)
    if libreoffice_csv(tmp_path, "control", buffer.getvalue()) is None:
        pytest.skip("LibreOffice cannot open XLSX here either (apt-get install libreoffice-calc)")
    rows = libreoffice_csv(tmp_path, "daten", export_xlsx(ROWS))
    assert rows is not None, "LibreOffice could not load the file"
    assert rows[0] == HEADER
    assert rows[1] == [
        "bevoelkerung",
        "05316000",
        "Köln-Mülheim",
        "2018-12-31",
        "weiblich",
        "166081",
        "",
        "Personen",
        "Straßen- und Größenämter",
    ]
    assert rows[2][2] == '\'=HYPERLINK("http://evil")' and rows[3][0] == "=1+1"  # text, not evaluated
    assert [row[5] for row in rows[2:]] == ["9.2", "", "-0.000125", "12345678901234.5", "0", "15.1"]
    assert (
        rows[4][2] == "Zeile\nzwei"
        and rows[3][2] == "  Leerzeichen  "
        and rows[3][8] == '<b>&amp;</b> "Zitat"'
    )


def reference_csv(german: bool, header, rows) -> bytes:
    """The CSV as csv.writer writes it, cell by cell (the implementation before the fast path)."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig" if german else "utf-8", newline="")
    writer = csv.writer(text, delimiter=";" if german else ",", lineterminator="\r\n" if german else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([exports._cell(name, row.get(name), german) for name in header])
    text.flush()
    text.detach()
    return buffer.getvalue()


texts = st.text(alphabet=st.sampled_from(list("aÄß ,;\"'\r\n\t=+-@.0") + ["€"]), max_size=8)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"area_name": texts, "flag": texts, "value": st.none() | decimals}, optional={"dim": texts}
        ),
        max_size=12,
    ),
    st.booleans(),
)
def test_csv_is_what_csv_writer_writes(rows, german):
    header = ["area_name", "dim", "value", "flag"]
    buffer = io.BytesIO()
    exports.write(buffer, "csv-de" if german else "csv", header, rows)
    assert buffer.getvalue() == reference_csv(german, header, rows)


def test_one_column_csv_keeps_the_quoted_empty_row():
    buffer = io.BytesIO()
    exports.write(buffer, "csv", ["flag"], [{"flag": ""}, {"flag": "a,b"}])
    assert (
        buffer.getvalue()
        == reference_csv(False, ["flag"], [{"flag": ""}, {"flag": "a,b"}])
        == b'flag\n""\n"a,b"\n'
    )
