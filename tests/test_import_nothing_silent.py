"""Nothing changes silently: every reader refuses what it would have to guess, and every
import accounts for every line of its file (written, unchanged, conflicting, refused, ignored)."""

import io
import json

import openpyxl
import pytest

from imon.core.importers import parse_bytes

# --- Malformed numbers are refused, naming line and column, by every reader ------------------

GENESIS_HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;"
    "value_variable_label"
)


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _files(value: str) -> dict:
    """The same malformed value in each format, with the (line, column) a reader must name."""
    json_text = json.dumps(
        {
            "columns": ["indicator", "area", "reference_date", "value"],
            "observations": [
                {
                    "indicator": "bevoelkerung",
                    "area": "05316000",
                    "reference_date": "2019-12-31",
                    "value": "1",
                },
                {
                    "indicator": "bevoelkerung",
                    "area": "05316000",
                    "reference_date": "2020-12-31",
                    "value": value,
                },
            ],
        }
    )
    return {
        "csv ;": (
            f"Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2019;1\nbevoelkerung;05316000;31.12.2020;{value}\n",
            (3, "Wert"),
        ),
        "csv ,": (
            f'indicator,area,reference_date,value\nbevoelkerung,05316000,2019-12-31,1\nbevoelkerung,05316000,2020-12-31,"{value}"\n',
            (3, "value"),
        ),
        "xlsx text cell": (
            _xlsx(
                [
                    ["Kennzahl", "Gebiet", "Stichtag", "Wert"],
                    ["bevoelkerung", "05316000", "31.12.2019", "1"],
                    ["bevoelkerung", "05316000", "31.12.2020", value],
                ]
            ),
            (3, "Wert"),
        ),
        "json": (json_text, (2, "value")),
        "opensdg": (f'Year,Value\n2019,1\n2020,"{value}"\n', (3, "Value")),
        "sdmx-csv ;": (
            f"DATAFLOW;REF_AREA;TIME_PERIOD;OBS_VALUE\nX:BEVOELKERUNG(1.0);05316000;2019;1\n"
            f"X:BEVOELKERUNG(1.0);05316000;2020;{value}\n",
            (3, "OBS_VALUE"),
        ),
        "genesis": (
            f"{GENESIS_HEADER}\n"
            "12411;Bevölkerung;STAG;Stichtag;31.12.2019;GEMEIN;Gemeinden;05316000;Leverkusen;1;Anzahl;BEVSTD;Bevölkerungsstand\n"
            f"12411;Bevölkerung;STAG;Stichtag;31.12.2020;GEMEIN;Gemeinden;05316000;Leverkusen;{value};Anzahl;BEVSTD;Bevölkerungsstand\n",
            (3, "value"),
        ),
    }


@pytest.mark.parametrize("kind", list(_files("1")))
def test_a_misplaced_digit_group_is_refused_by_every_reader(kind):
    data, (line, column) = _files("1 2613")[kind]
    raw = data if isinstance(data, bytes) else data.encode()
    parsed = parse_bytes(
        raw, "indicator_bevoelkerung.csv", indicator="bevoelkerung" if kind == "opensdg" else None
    )
    assert [r.value for r in parsed.rows] == [1], "the malformed value must not become a row"
    assert [(p.line, p.column) for p in parsed.problems] == [(line, column)]
    assert "1 2613" in parsed.problems[0].message and "Dreiergruppen" in parsed.problems[0].message


@pytest.mark.parametrize("kind", list(_files("1")))
def test_a_well_formed_digit_group_is_read_by_every_reader(kind):
    value = "12,613" if kind in ("csv ,", "opensdg", "json") else "12 613"
    data, _place = _files(value)[kind]
    raw = data if isinstance(data, bytes) else data.encode()
    parsed = parse_bytes(
        raw, "indicator_bevoelkerung.csv", indicator="bevoelkerung" if kind == "opensdg" else None
    )
    assert not parsed.problems
    assert [r.value for r in parsed.rows] == [1, 12613]


# --- A row with more cells than the header is refused, not cut ------------------------------


def _extra_cell_files(extra: str) -> dict:
    """One row with a cell beyond the header in each format, and the line a reader must name."""
    return {
        "csv ;": f"Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2019;1\nbevoelkerung;05316000;31.12.2020;2;{extra}\n",
        "csv quoted": f'Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2019;1\nbevoelkerung;05316000;31.12.2020;2;"{extra}"\n',
        "xlsx": _xlsx(
            [
                ["Kennzahl", "Gebiet", "Stichtag", "Wert"],
                ["bevoelkerung", "05316000", "31.12.2019", 1],
                ["bevoelkerung", "05316000", "31.12.2020", 2, extra or None],
            ]
        ),
        "opensdg": f"Year,Value\n2019,1\n2020,2,{extra}\n",
        "sdmx-csv": f"DATAFLOW;REF_AREA;TIME_PERIOD;OBS_VALUE\nX:BEVOELKERUNG(1.0);05316000;2019;1\n"
        f"X:BEVOELKERUNG(1.0);05316000;2020;2;{extra}\n",
        "genesis": f"{GENESIS_HEADER}\n"
        "12411;Bevölkerung;STAG;Stichtag;31.12.2019;GEMEIN;Gemeinden;05316000;Leverkusen;1;Anzahl;BEVSTD;Bevölkerungsstand\n"
        f"12411;Bevölkerung;STAG;Stichtag;31.12.2020;GEMEIN;Gemeinden;05316000;Leverkusen;2;Anzahl;BEVSTD;Bevölkerungsstand;{extra}\n",
        "genesis without variables": "statistics_code;statistics_label;time_code;time_label;time;value;value_unit;value_variable_code;value_variable_label\n"
        "12411;Bevölkerung;STAG;Stichtag;31.12.2019;1;Anzahl;BEVSTD;Bevölkerungsstand\n"
        f"12411;Bevölkerung;STAG;Stichtag;31.12.2020;{extra};2;Anzahl;BEVSTD;Bevölkerungsstand\n",
    }


def _parse(data, kind="csv"):
    raw = data if isinstance(data, bytes) else data.encode()
    return parse_bytes(
        raw, "indicator_bevoelkerung.csv", indicator="bevoelkerung" if kind == "opensdg" else None
    )


@pytest.mark.parametrize("kind", list(_extra_cell_files("x")))
def test_a_row_with_more_cells_than_the_header_is_refused_naming_its_line(kind):
    parsed = _parse(_extra_cell_files("Fußnote 1")[kind], kind)
    assert [r.value for r in parsed.rows] == [1]
    assert [p.line for p in parsed.problems] == [3]
    assert "Kopfzeile" in parsed.problems[0].message


def test_json_keys_the_columns_do_not_name_are_refused():
    data = json.dumps(
        {
            "columns": ["indicator", "area", "reference_date", "value"],
            "observations": [
                {
                    "indicator": "bevoelkerung",
                    "area": "05316000",
                    "reference_date": "2020-12-31",
                    "value": 2,
                    "flag": "p",
                }
            ],
        }
    )
    parsed = _parse(data)
    assert not parsed.rows
    assert [p.line for p in parsed.problems] == [1] and "(p)" in parsed.problems[0].message


@pytest.mark.parametrize("kind", ["csv ;", "csv quoted", "xlsx", "opensdg", "sdmx-csv"])
def test_empty_cells_after_the_last_column_pass(kind):
    parsed = _parse(_extra_cell_files("")[kind], kind)
    assert not parsed.problems
    assert [r.value for r in parsed.rows] == [1, 2]


# --- Every line accounted for --------------------------------------------------------------

MIXED = [
    "Kennzahl;Gebiet;Stichtag;Wert;Zeichen",  # 1 header
    "bevoelkerung;05316000;31.12.2016;166.081;",  # 2 unchanged
    "",  # 3 empty
    "bevoelkerung;05316000;31.12.2017;166.740;",  # 4 conflict: stored 166.737
    "anteil-auslaendisch;05316000;31.12.2017;15,8;r",  # 5 changed: revised
    ";;;;",  # 6 empty
    "bevoelkerung;05316000;31.12.2018;167.000;",  # 7 new
    "bevoelkerung;05316000;31.12.2019;1 2613;",  # 8 refused: malformed number
    "bevoelkerung;05316000;31.12.2020;168.000;;Fußnote",  # 9 refused: a cell beyond the header
    "bevoelkerung;99999;31.12.2020;1;",  # 10 refused: unknown area
    "bevoelkerung;05316000;31.12.2018;167.000;",  # 11 refused: the same observation twice
]


def _counts(plan):
    return dict(plan.line_counts())


def test_every_line_of_a_mixed_file_is_counted_once(demo, tmp_path):
    from tests.importing import plan_for, write_csv

    plan = plan_for(write_csv(tmp_path / "gemischt.csv", MIXED))
    assert _counts(plan) == {
        "neu": 1,
        "geändert": 1,
        "unverändert": 1,
        "mit Konflikt, nicht geschrieben": 1,
        "abgelehnt (Fehler)": 4,
        "ignoriert: Kopfzeile": 1,
        "ignoriert: leere Zeile": 2,
    }
    assert sum(_counts(plan).values()) == len(MIXED)
    assert plan.accounting().startswith("11 Zeilen der Datei: 1 neu, 1 geändert, 1 unverändert")


def test_the_import_command_prints_the_line_counts(demo, tmp_path):
    from django.core.management import CommandError, call_command

    from tests.importing import write_csv

    path = write_csv(tmp_path / "gemischt.csv", MIXED[:8])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(path), stdout=out, stderr=err)
    assert (
        "8 Zeilen der Datei: 1 neu, 1 geändert, 1 unverändert, 1 mit Konflikt, nicht geschrieben, "
        "1 abgelehnt (Fehler), 1 ignoriert: Kopfzeile, 2 ignoriert: leere Zeile" in out.getvalue()
    )


def test_the_upload_preview_counts_every_line(demo, client, ki_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(ki_admin)
    data = "\r\n".join(MIXED).encode("utf-8")
    page = client.post(
        "/daten/importe/", {"file": SimpleUploadedFile("gemischt.csv", data), "format": "auto"}
    ).content.decode()
    table = page.split("Jede Zeile der Datei")[1].split("</table>")[0]
    assert "11 Zeilen der Datei" in table
    assert '<th scope="row">abgelehnt (Fehler)</th><td class="num">4</td>' in table
    assert '<th scope="row">ignoriert: leere Zeile</th><td class="num">2</td>' in table


def test_lines_of_a_workbook_are_counted_with_titles_and_footnotes(demo):
    from imon.core import imports

    data = _xlsx(
        [
            ["Bevölkerung in Leverkusen"],  # 1 title
            [],  # 2 empty, above the table
            ["Kennzahl", "Gebiet", "Stichtag", "Wert"],  # 3 header
            ["bevoelkerung", "05316000", "31.12.2016", 166081],  # 4 unchanged
            ["bevoelkerung", "05316000", "31.12.2018", 167000],  # 5 new
            ["bevoelkerung", "05316000", "31.12.2019", "x y"],  # 6 refused
            [],  # 7 empty: the table ends
            ["Quelle: Stadt Leverkusen"],  # 8 footnote
        ]
    )
    plan = imports.plan_import(parse_bytes(data, "b.xlsx"), "b.xlsx", "0" * 64)
    assert _counts(plan) == {
        "neu": 1,
        "unverändert": 1,
        "abgelehnt (Fehler)": 1,
        "ignoriert: Kopfzeile": 1,
        "ignoriert: Titel oder Anmerkung über der Tabelle": 1,
        "ignoriert: leere Zeile": 2,
        "ignoriert: Fußnote oder Zeile unter der Tabelle": 1,
    }


def test_lines_of_a_genesis_file_are_counted():
    rows = [
        GENESIS_HEADER,
        "12411;Bevölkerung;STAG;Stichtag;31.12.2019;GEMEIN;Gemeinden;05316000;Leverkusen;1;Anzahl;BEVSTD;Bevölkerungsstand",
        "",
        "12411;Bevölkerung;STAG;Stichtag;32.12.2020;GEMEIN;Gemeinden;05316000;Leverkusen;2;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bevölkerung;STAG;Stichtag;32.12.2020;GEMEIN;Gemeinden;05316000;Leverkusen;2;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bevölkerung;STAG;Stichtag;31.12.2021;GEMEIN;Gemeinden;05316000;Leverkusen;1 2;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bevölkerung;STAG;Stichtag;31.12.2021;GEMEIN;Gemeinden;05316000",
    ]
    parsed = parse_bytes("\n".join(rows).encode(), "12411-0001.csv")
    assert (parsed.lines, len(parsed.rows), parsed.refused_lines, parsed.ignored) == (
        7,
        1,
        4,
        {"header": 1, "empty": 1},
    )


def test_the_confirmation_counts_every_line(demo, client, ki_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(ki_admin)
    lines = [MIXED[0], MIXED[1], MIXED[2], MIXED[6]]  # header, unchanged, empty, new
    data = "\r\n".join(lines).encode("utf-8")
    response = client.post("/daten/importe/", {"file": SimpleUploadedFile("g.csv", data), "format": "auto"})
    token = response.context["token"]
    page = client.post(f"/daten/importe/{token}/bestaetigen/", follow=True).content.decode()
    assert (
        "4 Zeilen der Datei: 1 neu, 1 unverändert, 1 ignoriert: Kopfzeile, 1 ignoriert: leere Zeile" in page
    )


# --- A sum check skipped for missing parts is said, and stored with the import ------------------

DISTRICTS = [
    "Kennzahl;Gebiet;Stichtag;Wert",
    "bevoelkerung;05316000;31.12.2020;163.000",
    "bevoelkerung;I;31.12.2020;50.000",
    "bevoelkerung;II;31.12.2020;60.000",  # Stadtbezirk III is not published
]


@pytest.mark.parametrize("partial", [False, True])
def test_an_area_sum_skipped_for_missing_districts_is_said_and_stored(demo, tmp_path, partial):
    from imon.core import imports
    from imon.core import models as m
    from tests.importing import plan_for, write_csv

    indicator = m.Indicator.objects.get(key="bevoelkerung")
    m.ValidationRule.objects.create(indicator=indicator, kind="area_sum", total="05316000", partial=partial)
    plan = plan_for(write_csv(tmp_path / "bezirke.csv", DISTRICTS))
    assert plan.ok
    notices = [str(w) for w in plan.warnings if "übersprungen" in str(w)]
    record = imports.apply_import(plan)
    if partial:  # the rule says that only some districts are published: no notice
        assert not notices and "übersprungen" not in plan.summary()
        return
    assert notices == [
        "Summenprüfung übersprungen: 2 von 3 Teilgebieten; Regel: bevoelkerung: Gebiet 05316000 = Summe seiner Teilgebiete."
    ]
    assert plan.summary().endswith("; 1 Prüfung übersprungen")
    assert notices[0] in record.warnings


def test_a_part_sum_skipped_for_a_missing_part_is_said(demo, tmp_path):
    from tests.importing import plan_for, write_csv

    lines = [
        "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert",
        "gefluechtete;05316000;31.12.2019;insgesamt;4900",
        "gefluechtete;05316000;31.12.2019;a;630",
        "gefluechtete;05316000;31.12.2019;b;3920",
    ]
    plan = plan_for(write_csv(tmp_path / "g.csv", lines))
    assert plan.ok
    assert [str(w) for w in plan.skipped] == [
        "Summenprüfung übersprungen: 2 von 3 Teilen der Gliederung; Regel: gefluechtete: aufenthaltsstatus insgesamt = a + b + c."
    ]


def test_partial_coverage_is_a_rule_field_of_the_concept_file(demo):
    from imon.core import conceptfile
    from imon.core import models as m

    concept = m.Concept.objects.get()
    assert "partial" not in conceptfile.dump_text(concept)  # the default is left out
    rule = m.ValidationRule.objects.filter(kind="part_sum").first()
    rule.partial = True
    rule.save()
    dumped = conceptfile.dump_text(concept)
    assert dumped.count("partial: true") == 1
    conceptfile.load_text(io.BytesIO(dumped.replace("partial: true", "partial: false").encode()))
    rule = m.ValidationRule.objects.get(indicator=rule.indicator, order=rule.order)
    assert rule.partial is False
    stats = conceptfile.load_text(io.BytesIO(dumped.encode()))
    assert m.ValidationRule.objects.get(indicator=rule.indicator, order=rule.order).partial is True
    assert "partial: true" in conceptfile.dump_text(concept) and stats.updated >= 1
    bad = dumped.replace("partial: true", "partial: vielleicht")
    with pytest.raises(conceptfile.ConceptFileError) as excinfo:
        conceptfile.load_text(io.BytesIO(bad.encode()))
    assert any(".partial" in str(p) for p in excinfo.value.problems)
