"""Concept files are read with YAML 1.2 types, and the fast path for observations reads what PyYAML reads."""

import datetime
import io
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imon.core import yamlio
from tests.conftest import DEMO_FILE

keys = st.text(
    st.characters(codec="utf-8", categories=["L", "N"], include_characters="-_."), min_size=1, max_size=12
)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31)),
    texts,
)
rows = st.lists(
    st.dictionaries(
        keys,
        st.one_of(scalars, st.dictionaries(keys, st.one_of(keys, texts), max_size=3)),
        min_size=1,
        max_size=6,
    ),
    max_size=20,
)


def normalise(value):
    """Decimals compare by value: 1.50 and 1.5 are the same number in a file."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value.normalize()
    return value


@settings(max_examples=300, deadline=None)
@given(rows)
def test_fast_path_reads_exactly_what_pyyaml_reads(observations):
    buffer = io.StringIO()
    yamlio.dump_document({"format_version": 1, "observations": observations}, buffer)
    text = buffer.getvalue()
    slow = yamlio.load(text)
    fast = yamlio.load_document(text)
    assert normalise(fast) == normalise(slow)
    assert normalise(fast["observations"]) == normalise(observations)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(keys, st.one_of(keys, st.integers(0, 10**6), st.dates()), min_size=1, max_size=5),
        max_size=10,
    )
)
def test_printable_rows_take_the_fast_path(observations):
    lines = [yamlio.flow_line(r) for r in observations]
    assert yamlio._scan_rows(lines) == observations


def test_the_demo_file_takes_the_fast_path():
    text = DEMO_FILE.read_text(encoding="utf-8")
    block = text.split("\nobservations:\n", 1)[1].split("\ncontact_points:", 1)[0].split("\n")
    rows = yamlio._scan_rows(block)
    assert len(rows) == 88
    assert rows[0] == {
        "indicator": "bevoelkerung",
        "area": "05316000",
        "date": datetime.date(2016, 12, 31),
        "value": 166081,
    }
    assert yamlio.load_document(text)["observations"] == yamlio.load(text)["observations"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("05316000", "05316000"),
        ("9:30", "9:30"),
        ("no", "no"),
        ("on", "on"),
        ("true", True),
        ("15.70", Decimal("15.70")),
        ("166081", 166081),
        ("2019-02-30", "2019-02-30"),
        ("2019-05-07", datetime.date(2019, 5, 7)),
        ("~", None),
        ("1e3", "1e3"),
    ],
)
def test_plain_scalars_follow_yaml_1_2_rules(text, expected):
    assert yamlio.load(f"a: {text}\n")["a"] == expected
    assert yamlio.resolve_plain(text) == expected


def test_line_numbers_of_errors_stay_those_of_the_file():
    text = "format_version: 1\nobservations:\n- {a: 1}\n- {a: 2}\nareas: [unclosed\n"
    with pytest.raises(yamlio.yaml.MarkedYAMLError) as excinfo:
        yamlio.load_document(text)
    assert excinfo.value.problem_mark.line + 1 >= 5
