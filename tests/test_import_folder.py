"""`imon import DIR`: a folder (or several files) is one import; Open SDG metadata creates indicators.

The folders are written by hand in the layout of an Open SDG data repository
(https://github.com/open-sdg/open-sdg-data-starter): `data/indicator_1-1-1.csv`, the metadata
beside it in `meta/1-1-1.yml` (or `.md` with a YAML front matter), a README and a .gitkeep.
"""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from imon.core import models as m
from imon.core.importers import folder

META_1_1_1 = """\
indicator_number: 1.1.1
indicator_name: Ausländerinnen und Ausländer nach Geschlecht
graph_title: Ausländer/innen nach Geschlecht
computation_units: Personen
national_indicator_description: Einwohnerinnen und Einwohner ohne deutsche Staatsangehörigkeit
source_active_1: true
source_organisation_1: <a href="https://www.it.nrw/" target="_blank">IT.NRW</a>
source_url_1: https://www.landesdatenbank.nrw.de/
source_url_text_1: Landesdatenbank NRW
reporting_status: complete
published: true
"""

# Open SDG's .md metadata: a YAML front matter, the page text below it.
META_1_2_1 = """\
---
indicator_name: Anteil der Ausländer/innen über 65 Jahre
computation_units: Prozent
source_organisation_1: Statistikstelle der Stadt
---

Der Anteil ist auf eine Nachkommastelle gerundet.
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def sdg(tmp_path):
    """An Open SDG source folder: two indicators unknown to the demo concept, one it knows."""
    root = tmp_path / "sdg-data"
    write(
        root / "data" / "indicator_1-1-1.csv",
        "Year,Geschlecht,Value\n2022,,17500\n2022,männlich,9100\n2022,weiblich,8400\n"
        "2023,,18200\n2023,männlich,9500\n2023,weiblich,8700\n",
    )
    write(root / "meta" / "1-1-1.yml", META_1_1_1)
    write(root / "data" / "indicator_1-2-1.csv", "Year,Value\n2022,12.5\n2023,12.9\n")
    write(root / "meta" / "1-2-1.md", META_1_2_1)
    # A known indicator; its column and values are named by their labels, as Open SDG does.
    write(
        root / "data" / "indicator_auslaender-alter.csv",
        "Year,Altersgruppe,Value\n2019,,27500\n2019,0 bis unter 65 Jahre,24400\n2019,65plus,3100\n",
    )
    write(root / "README.md", "# Daten der Integrationsberichterstattung\n")
    write(root / "data" / ".gitkeep", "")
    return root


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        return exc, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def value(indicator, date, dim_key=""):
    return m.Observation.objects.get(indicator__key=indicator, reference_date=date, dim_key=dim_key).value


def test_a_folder_is_one_import_that_creates_the_indicators_of_its_metadata(demo, sdg):
    error, out, err = run(sdg, "--create-indicators")
    assert error is None, err
    record = m.ImportRecord.objects.get()
    assert (record.file_name, record.rows_new) == ("sdg-data/", 11)
    assert [f["name"] for f in record.files] == [
        "data/indicator_1-1-1.csv",
        "data/indicator_1-2-1.csv",
        "data/indicator_auslaender-alter.csv",
    ]
    # The files it does not understand are named, not silently passed over.
    assert "README.md" in err and ".gitkeep" in err
    assert "3/3 data/indicator_auslaender-alter.csv" in err  # progress

    created = m.Indicator.objects.get(key="1-1-1")
    assert created.title == "Ausländerinnen und Ausländer nach Geschlecht"
    assert (created.unit, created.kind) == ("Personen", "count")
    assert (created.source.publisher, created.source.title) == ("IT.NRW", "Landesdatenbank NRW")
    assert created.source.url == "https://www.landesdatenbank.nrw.de/"
    sex = created.dimensions.get()
    assert sex.label == "Geschlecht"
    assert {(v.key, v.label, v.is_total) for v in sex.values.all()} >= {
        ("maennlich", "männlich", False),
        ("weiblich", "weiblich", False),
    }
    total = sex.values.get(is_total=True).key
    assert value("1-1-1", "2023-12-31", f"{sex.key}={total}") == 18200
    assert value("1-1-1", "2023-12-31", f"{sex.key}=weiblich") == 8700
    share = m.Indicator.objects.get(key="1-2-1")
    assert (share.title, share.unit, share.kind) == (
        "Anteil der Ausländer/innen über 65 Jahre",
        "Prozent",
        "amount",
    )
    assert value("1-2-1", "2023-12-31") == Decimal("12.9")
    # The known indicator keeps its dimension: columns and values named by label find it.
    assert value("auslaender-alter", "2019-12-31", "altersgruppe=0-64") == 24400
    assert value("auslaender-alter", "2019-12-31", "altersgruppe=insgesamt") == 27500
    assert not m.Dimension.objects.filter(label="Altersgruppe").exclude(key="altersgruppe").exists()
    # What it created is in the summary and in the import's history.
    assert "2 Kennzahlen (1-1-1, 1-2-1)" in out
    assert sorted(record.created["indicators"]) == ["1-1-1", "1-2-1"]
    assert record.created["dimensions"] == [sex.key]


def test_rolling_the_folder_back_undoes_all_of_it_and_removes_what_it_created(demo, sdg):
    before = m.Observation.objects.count()
    sources = set(m.Source.objects.values_list("key", flat=True))
    run(sdg, "--create-indicators")
    record = m.ImportRecord.objects.get()
    error, _out, _err = run("--rollback", record.pk)
    assert error is None
    assert m.Observation.objects.count() == before
    assert not m.Indicator.objects.filter(key__in=["1-1-1", "1-2-1"]).exists()
    assert not m.Dimension.objects.filter(key="geschlecht").exists()
    assert set(m.Source.objects.values_list("key", flat=True)) == sources
    # The concept's own indicator and dimension stay.
    assert m.Indicator.objects.filter(key="auslaender-alter").exists()
    assert m.Dimension.objects.get(key="altersgruppe").values.count() == 4


def test_rolling_back_keeps_a_created_indicator_that_a_goal_names_since(demo, sdg):
    run(sdg, "--create-indicators")
    record = m.ImportRecord.objects.get()
    goal = m.Goal.objects.first()
    goal.indicators.add(m.Indicator.objects.get(key="1-1-1"))
    error, _out, err = run("--rollback", record.pk)
    assert error is None
    assert not m.Observation.objects.filter(indicator__key="1-1-1").exists()
    assert m.Indicator.objects.filter(key="1-1-1").exists()
    assert not m.Indicator.objects.filter(key="1-2-1").exists()
    assert "1-1-1" in err


def test_without_the_flag_the_unknown_indicators_are_named_and_nothing_is_written(demo, sdg):
    error, _out, err = run(sdg)
    assert error is not None
    assert "1-1-1, 1-2-1" in err and "--create-indicators" in err
    assert not m.ImportRecord.objects.exists()
    assert not m.Indicator.objects.filter(key="1-1-1").exists()
    assert not m.Observation.objects.filter(
        indicator__key="auslaender-alter", reference_date="2019-12-31"
    ).exists()


def test_a_bad_file_anywhere_in_the_folder_writes_nothing(demo, sdg):
    write(sdg / "data" / "indicator_1-3-1.csv", "Year,Value\n2022,12\n2023,zwölf\n")
    write(sdg / "meta" / "1-3-1.yml", "indicator_name: Dritte Kennzahl\ncomputation_units: Anzahl\n")
    error, _out, err = run(sdg, "--create-indicators")
    assert error is not None
    # The error names the file and the line in that file.
    assert "data/indicator_1-3-1.csv, Zeile 3" in err
    assert not m.ImportRecord.objects.exists()
    assert not m.Indicator.objects.filter(key__in=["1-1-1", "1-2-1", "1-3-1"]).exists()
    assert not m.Dimension.objects.filter(label="Geschlecht").exists()


def test_an_error_found_when_checking_names_the_file_and_its_own_line(demo, sdg):
    """The part sum of auslaender-alter fails in the third file: its line, not one counted on."""
    write(
        sdg / "data" / "indicator_auslaender-alter.csv",
        "Year,Altersgruppe,Value\n2019,,27500\n2019,0-64,24400\n2019,65plus,9999\n",
    )
    error, _out, err = run(sdg, "--create-indicators")
    assert error is not None
    assert "data/indicator_auslaender-alter.csv, Zeile" in err
    assert not m.ImportRecord.objects.exists()


def test_several_files_named_on_the_command_line_are_one_import(demo, tmp_path):
    a = write(
        tmp_path / "a.csv",
        "Kennzahl;Gebiet;Stichtag;Wert\nbevoelkerung;05316000;31.12.2025;170.000\n",
    )
    b = write(
        tmp_path / "b.csv",
        "Kennzahl;Gebiet;Stichtag;Wert\nauslaender-alter;05316000;31.12.2025;30.000\n",
    )
    error, _out, err = run(a, b)
    assert error is None, err
    record = m.ImportRecord.objects.get()
    assert record.rows_new == 2 and len(record.files) == 2
    run("--rollback", record.pk)
    assert not m.Observation.objects.filter(reference_date="2025-12-31").exists()


def test_a_single_data_file_finds_its_metadata_beside_it(demo, sdg):
    error, _out, err = run(sdg / "data" / "indicator_1-2-1.csv", "--create-indicators")
    assert error is None, err
    assert m.Indicator.objects.get(key="1-2-1").title == "Anteil der Ausländer/innen über 65 Jahre"


def test_translated_metadata_gives_the_german_title(tmp_path):
    write(tmp_path / "data" / "indicator_4-1-1.csv", "Year,Value\n2020,1\n")
    write(tmp_path / "meta" / "4-1-1.yml", "indicator_name: Pupils\ncomputation_units: Anzahl\n")
    write(tmp_path / "meta" / "de" / "4-1-1.yml", "indicator_name: Schülerinnen und Schüler\n")
    found = folder.find_files([tmp_path])
    spec = folder.read_meta(found.meta["4-1-1"])
    assert (spec["title"], spec["unit"]) == ("Schülerinnen und Schüler", "Anzahl")


def test_a_folder_without_statistics_files_is_a_message(tmp_path):
    write(tmp_path / "README.md", "nichts\n")
    with pytest.raises(folder.ImportFileError, match="CSV"):
        folder.find_files([tmp_path])
