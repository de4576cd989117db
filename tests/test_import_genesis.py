"""GENESIS flat files import completely, keep symbols and quality marks, and map Kreise onto areas."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from imon.core import exports, imports
from imon.core import models as m
from imon.core.importers import parse_bytes, parse_file
from imon.core.synthetic import header, write_genesis

INDICATOR = "12521-bev001"


def run_import(path, **kw):
    data = path.read_bytes()
    plan = imports.plan_import(parse_bytes(data, path.name), path.name, imports.sha256_of(data), **kw)
    assert plan.ok, [str(p) for p in plan.errors[:5]]
    return plan, imports.apply_import(plan)


def test_small_file_creates_indicator_dimensions_and_areas(demo, tmp_path):
    path = tmp_path / "12521-0041_flat.csv"
    rows = write_genesis(path, areas=6, years=(2021, 2022))
    plan, record = run_import(path)
    assert record.rows_new == rows == m.Observation.objects.filter(indicator__key=INDICATOR).count()
    indicator = m.Indicator.objects.get(key=INDICATOR)
    assert indicator.title == "Bevölkerung" and indicator.unit == "Anzahl"
    assert indicator.source.table_code == "12521-0041" and indicator.source.licence == "dl-de/by-2-0"
    assert {d.key for d in indicator.dimensions.all()} == {"ges", "staag", "altx20", "aufdau"}
    ges = m.Dimension.objects.get(key="ges")
    assert ges.values.get(is_total=True).key == "insgesamt"
    assert set(ges.values.values_list("key", flat=True)) == {"GESM", "GESW", "insgesamt"}
    # Leverkusen's Kreis code 05316 is the demo's city area 05316000; other Kreise become new areas.
    assert m.Observation.objects.filter(indicator__key=INDICATOR, area__key="05316000").count() == rows // 6
    assert not m.Area.objects.filter(key="05316").exists()
    new_area = m.Area.objects.get(key="01001")
    assert new_area.kind == "county"
    assert record.indicators.get().key == INDICATOR


def test_symbols_and_quality_marks_are_kept(demo, tmp_path):
    path = tmp_path / "flat.csv"
    write_genesis(path, areas=30, years=(2021, 2022))
    run_import(path)
    observations = m.Observation.objects.filter(indicator__key=INDICATOR)
    secret = observations.filter(flag=".")
    assert secret.exists() and not secret.exclude(value=None).exists()
    assert observations.filter(flag="-", value=None).exists()
    assert not observations.filter(value=0).exists()  # a "-" is a symbol, never turned into 0
    for symbol in ("x", "...", "/"):  # not applicable, not yet available, too uncertain
        assert (
            observations.filter(flag=symbol).exists()
            and not observations.filter(flag=symbol).exclude(value=None).exists()
        )
    uncertain = observations.filter(flag="()")  # "(12)": a value of limited reliability
    assert uncertain.exists() and not uncertain.filter(value=None).exists()
    assert (
        observations.filter(reference_date="2021-12-31", flag="r").exclude(value=None).exists()
    )  # value_q r: revised
    provisional = observations.filter(reference_date="2022-12-31")
    assert provisional.exclude(value=None).filter(flag="p").count() == provisional.exclude(value=None).count()
    assert not observations.filter(reference_date="2021-12-31", flag="p").exists()


def test_reimporting_the_same_file_changes_nothing(demo, tmp_path):
    path = tmp_path / "flat.csv"
    write_genesis(path, areas=3, years=(2022,))
    run_import(path)
    plan, record = run_import(path)
    assert record is None and plan.unchanged == plan.parsed.rows.__len__() and not plan.new
    assert m.ImportRecord.objects.count() == 1


def test_year_time_codes_and_value_q_columns(db, tmp_path):
    lines = [
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label;value_q",
        "12511;Einbürgerungsstatistik;JAHR;Jahr;2022;KREISE;Kreise;05316;Leverkusen;1.234;Anzahl;EINB01;Einbürgerungen;r",
        "12511;Einbürgerungsstatistik;JAHR;Jahr;2023;KREISE;Kreise;05316;Leverkusen;...;Anzahl;EINB01;Einbürgerungen;",
    ]
    path = tmp_path / "12511-0001_flat.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    run_import(path)
    stored = {o.reference_date.isoformat(): (o.value, o.flag) for o in m.Observation.objects.all()}
    assert stored == {"2022-12-31": (Decimal("1234"), "r"), "2023-12-31": (None, "...")}
    assert m.Area.objects.get().key == "05316"


def test_gemeinde_codes_find_the_city_or_become_municipalities(demo, tmp_path):
    """Regionalstatistik tables of Gemeinden: an 8-digit AGS finds the city, others become municipalities of their Land."""
    lines = [
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label",
        "12411;Bevölkerungsstand;STAG;Stichtag;31.12.2022;GEMEIN;Gemeinden;05316000;Leverkusen, Stadt;165.748;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bevölkerungsstand;STAG;Stichtag;31.12.2022;GEMEIN;Gemeinden;05158004;Erkrath, Stadt;44.393;Anzahl;BEVSTD;Bevölkerungsstand",
    ]
    path = tmp_path / "12411-01-01-5_flat.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    run_import(path)
    stored = dict(
        m.Observation.objects.filter(indicator__key="12411-bevstd").values_list("area__key", "value")
    )
    assert stored == {"05316000": 165748, "05158004": 44393}
    erkrath = m.Area.objects.get(key="05158004")
    assert (erkrath.name, erkrath.kind, erkrath.parent.key) == ("Erkrath, Stadt", "municipality", "05")
    assert m.Area.objects.get(key="05316000").name == "Leverkusen"  # the city keeps its own name


def test_all_german_kreise_import_completely_and_leverkusen_exports_match(demo, tmp_path):
    path = tmp_path / "12521-0041_flat.csv"
    rows = write_genesis(path, areas=400)
    assert rows >= 100_000
    # the demo's comparison Kreise (real keys) are not among the file's made-up ones
    others = m.Area.objects.filter(kind="county").exclude(key="05316000").count()
    plan, record = run_import(path)
    assert record.rows_new == rows
    assert m.Area.objects.filter(kind="county").count() == 400 + others
    # The file's Leverkusen rows, as (date, breakdown) -> cell text
    expected = {}
    with open(path, encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, delimiter=";")
        columns = next(reader)
        assert columns == header()
        for row in reader:
            if row[7] == "05316":
                dims = {row[i].lower(): row[i + 2] or "insgesamt" for i in (9, 13, 17, 21)}
                german = datetime.date.fromisoformat(row[4]).strftime("%d.%m.%Y")  # csv-de writes dates so
                expected[(german, m.dimension_key(dims))] = row[25]
    buffer = io.BytesIO()
    exports.write(buffer, "csv-de", *exports.table(exports.observations(INDICATOR, "05316000")))
    exported = list(csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert len(exported) == len(expected)
    for row in exported:
        dims = {d: row[d] for d in ("ges", "staag", "altx20", "aufdau")}
        cell = expected[(row["reference_date"], m.dimension_key(dims))]
        assert (f"({row['value']})" if row["flag"] == "()" else row["value"] or row["flag"]) == cell


def test_a_2_gb_file_is_refused_before_it_is_read(tmp_path):
    import tracemalloc

    from imon.core.importers import ImportFileError

    path = tmp_path / "gross.csv"
    with open(path, "wb") as stream:
        stream.truncate(2 * 1024**3)  # sparse: takes no disk space
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as excinfo:
            parse_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "höchstens 200 MB" in str(excinfo.value)
    assert peak < 5_000_000, f"{peak:,} bytes"


def test_parse_file_refuses_files_above_a_lower_limit(tmp_path, settings):
    settings.IMON_IMPORT_MAX_MB = 1
    path = tmp_path / "big.csv"
    with open(path, "wb") as stream:
        stream.truncate(2 * 1024 * 1024)
    from imon.core.importers import ImportFileError

    with pytest.raises(ImportFileError) as excinfo:
        parse_file(path)
    assert "höchstens 1 MB" in str(excinfo.value)


def test_a_header_without_the_attribute_code_of_a_variable_is_named():
    from imon.core.importers import ImportFileError

    names = [n for n in header() if n != "2_variable_attribute_code"]
    with pytest.raises(ImportFileError) as excinfo:
        parse_bytes((";".join(names) + "\r\n").encode(), "12521-0041_flat.csv")
    assert "2_variable_attribute_code" in str(excinfo.value) and "fehlen" in str(excinfo.value)


def _genesis_text(rows, columns=None):
    """A flat file of synthetic rows, with its columns in the order `columns` (default: as GENESIS)."""
    names = header()
    order = [names.index(c) for c in (columns or names)]
    return "\r\n".join(";".join(row[i] for i in order) for row in [names, *rows]) + "\r\n"


def _parsed_rows(text, name="12521-0041_flat.csv"):
    parsed = parse_bytes(text.encode("utf-8-sig"), name)
    return parsed, [
        (r.indicator, r.area, r.date, r.dim_key, r.value, r.flag, r.note, r.line) for r in parsed.rows
    ]


def _expected(rows, names=None):
    """(area, reference date, breakdown, value or symbol, quality) of synthetic rows, read
    by name without the importer: what every way of reading must give."""
    names = names or header()
    result = []
    for row in rows:
        cells = dict(zip(names, row, strict=True))
        dims = {}
        for n in range(1, 6):
            code = cells[f"{n}_variable_code"]
            if code == "KREISE":
                area = cells[f"{n}_variable_attribute_code"]
            else:
                dims[code.lower()] = cells[f"{n}_variable_attribute_code"] or "insgesamt"
        time = cells["time"]  # "2024-12-31" as current downloads write it, or "31.12.2024"
        year = time[:4] if time[4] == "-" else time[-4:]
        result.append((area, year, m.dimension_key(dims), cells["value"], cells["value_q"]))
    return result


def _seen(quick):
    """Read rows in the file's own notation: the cell as written, the quality mark."""

    def cell(value, flag):
        return flag if value is None else f"({value})" if flag == "()" else str(value)

    def quality(flag, note):
        return flag if flag in ("p", "r") else next((q for q in "pr" if f"'{q}'" in note), "e")

    return [
        (area, str(date.year), dim_key, cell(value, flag), quality(flag, note))
        for _indicator, area, date, dim_key, value, flag, note, _line in quick
    ]


def test_every_way_of_reading_a_flat_file_gives_the_same_rows():
    """The quick cut of unquoted lines, the csv module for quoted files, and files whose
    columns stand in another order all read the observations the file holds."""
    from imon.core.synthetic import genesis_rows

    rows = list(genesis_rows(areas=3, years=(2021, 2022)))
    parsed, quick = _parsed_rows(_genesis_text(rows))
    assert len(quick) == len(rows) and not parsed.problems
    assert _seen(quick) == _expected(rows)
    quoted = _genesis_text(rows).replace("Kreise und krfr. Städte", '"Kreise; und krfr. Städte"')
    assert _parsed_rows(quoted)[1] == quick
    columns = header()
    reordered = columns[25:] + columns[:25]  # value columns first, variables last
    parsed_reordered, rows_reordered = _parsed_rows(_genesis_text(rows, reordered))
    assert rows_reordered == quick
    assert parsed_reordered.indicators == parsed.indicators and parsed_reordered.areas == parsed.areas
    assert parsed_reordered.dimensions == parsed.dimensions
    # The regional variable last instead of first: each new combination is split in full.
    regional_last = columns[:5] + columns[9:25] + columns[5:9] + columns[25:]
    swapped = [[r[columns.index(c)] for c in regional_last] for r in rows]
    names = [f"{(i - 5) // 4 + 1}{c[1:]}" if 5 <= i < 25 else c for i, c in enumerate(columns)]
    text = "\r\n".join(";".join(r) for r in [names, *swapped]) + "\r\n"
    parsed_swapped, rows_swapped = _parsed_rows(text)
    assert _seen(rows_swapped) == _expected(swapped, names) == _expected(rows)
    assert parsed_swapped.areas == parsed.areas


def test_lines_with_missing_or_surplus_columns_are_reported_not_read():
    from imon.core.synthetic import genesis_rows

    rows = list(genesis_rows(areas=2, years=(2022,)))
    good = len(rows)
    text = _genesis_text(rows)
    lines = text.split("\r\n")
    lines[5] = lines[5].rsplit(";", 3)[0]  # the line ends early
    lines[9] = lines[9].replace(";männlich;", ";männ;lich;")  # a separator too many among the variables
    lines[12] = ";".join(lines[12].split(";")[:8])  # cut off among the variables
    lines.insert(20, "")  # a blank line is no row and no problem
    parsed, read = _parsed_rows("\r\n".join(lines))
    assert len(read) == good - 3
    assert [(p.line, "Spalten" in p.message) for p in parsed.problems] == [(6, True), (10, True), (13, True)]
    assert "27 von 30" in parsed.problems[0].message
    assert "31 Zellen" in parsed.problems[1].message and "nur 30 Spalten" in parsed.problems[1].message


def test_a_table_without_classifying_variables_reads_the_same_either_way():
    lines = [
        "statistics_code;statistics_label;time_code;time_label;time;value;value_unit;value_variable_code;value_variable_label;value_q",
        "12411;Bevölkerungsstand;STAG;Stichtag;31.12.2021;83.237.124;Anzahl;BEVSTD;Bevölkerungsstand;e",
        "12411;Bevölkerungsstand;STAG;Stichtag;31.12.2022;84.358.845;Anzahl;BEVSTD;Bevölkerungsstand;p",
    ]
    parsed, quick = _parsed_rows("\r\n".join(lines))
    assert [(r[1], r[2].year, r[4], r[5]) for r in quick] == [
        ("DG", 2021, Decimal(83237124), ""),
        ("DG", 2022, Decimal(84358845), "p"),
    ]
    assert parsed.indicators["12411-bevstd"]["unit"] == "Anzahl" and not parsed.problems
    quoted = [lines[0]] + [
        line.replace("Bevölkerungsstand;e", '"Bevölkerungs;stand";e').replace(
            "Bevölkerungsstand;p", '"Bevölkerungs;stand";p'
        )
        for line in lines[1:]
    ]
    parsed_quoted, rows_quoted = _parsed_rows("\r\n".join(quoted))
    assert rows_quoted == quick and parsed_quoted.indicators["12411-bevstd"]["title"] == "Bevölkerungs;stand"
