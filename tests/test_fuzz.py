"""Random input never crashes an importer or the concept loader: a clean German error, and nothing written."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from imon.core import conceptfile, imports
from imon.core import models as m
from imon.core.importers import ImportFileError, parse_bytes
from tests.conftest import DEMO_FILE

FORMATS = ["auto", "genesis", "csv", "xlsx", "opensdg", "sdmx-csv"]
HEADERS = [
    b"statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    b"1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label\n",
    b"indicator;area;reference_date;value;flag\n",
    b"Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert\n",
    b"Year,Value,Altersgruppe\n",
    b"DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n",
    b"PK\x03\x04",
    b"",
]
settings_fuzz = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def counts():
    return (
        m.Observation.objects.count(),
        m.ImportRecord.objects.count(),
        m.Indicator.objects.count(),
        m.Area.objects.count(),
    )


@settings_fuzz
@given(st.sampled_from(HEADERS), st.binary(max_size=600), st.sampled_from(FORMATS))
@example(b"", b"\r;", "auto")  # found in CI: a lone CR raised the csv module's error
def test_importers_survive_random_bytes(demo, header, body, fmt):
    before = counts()
    try:
        parsed = parse_bytes(header + body, "zufall.csv", fmt, "bevoelkerung")
        plan = imports.plan_import(parsed, "zufall.csv", imports.sha256_of(header + body))
    except ImportFileError as exc:
        assert str(exc)
    else:
        for problem in plan.errors:
            assert str(problem)
    assert counts() == before


cell = st.one_of(
    st.sampled_from(
        [
            "bevoelkerung",
            "gefluechtete",
            "05316000",
            "31.12.2019",
            "2019-12-31",
            "insgesamt",
            "a",
            "1.234",
            "-",
            ".",
            "x",
        ]
    ),
    st.text(max_size=8),
)


@settings_fuzz
@given(st.lists(st.lists(cell, min_size=1, max_size=6), max_size=8), st.sampled_from([";", ","]))
def test_importers_survive_random_tables(demo, rows, delimiter):
    data = "\n".join(
        delimiter.join(r)
        for r in [["indicator", "area", "reference_date", "aufenthaltsstatus", "value"], *rows]
    )
    before = counts()
    try:
        plan = imports.plan_import(parse_bytes(data.encode(), "t.csv"), "t.csv", "0" * 64)
    except ImportFileError:
        pass
    else:
        if plan.ok:
            imports.apply_import(plan)  # a valid random table may be written ...
            return
    assert counts() == before  # ... anything else changes nothing


@settings_fuzz
@given(st.binary(max_size=400))
def test_concept_loader_survives_random_bytes(db, data):
    with pytest.raises(conceptfile.ConceptFileError):
        conceptfile.load_text(data)
    assert not m.Concept.objects.exists()


# Damage that leaves the file valid but renames the concept (ik-leverkusen-2018): a second
# concept, beside which every later example runs.
RENAMED = (DEMO_FILE.read_bytes().index(b"key: ik-leverkusen-2017") + len("key: ik-leverkusen-201"), b"8")


@settings_fuzz
@given(st.integers(0, 40_000), st.binary(min_size=1, max_size=20))
@example(*RENAMED)
def test_concept_loader_survives_damaged_demo_files(db, position, garbage):
    text = DEMO_FILE.read_bytes()
    damaged = text[:position] + garbage + text[position + len(garbage) :]
    # Earlier examples of this test may have loaded a file whose damage left it valid, some
    # under another key (a second concept): every stored concept must stay as it was.
    before = stored_concepts()
    try:
        conceptfile.load_text(damaged)
    except conceptfile.ConceptFileError as exc:
        assert all(str(p) for p in exc.problems)
        assert stored_concepts() == before


def stored_concepts():
    return [conceptfile.dump_text(concept) for concept in m.Concept.objects.order_by("pk")]
