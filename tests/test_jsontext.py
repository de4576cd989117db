"""The JSON downloads and the API's answers are made with orjson (imon.core.jsontext): the same
bytes as the json module writes them compactly, which earlier releases published."""

import datetime
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imon.core import jsontext


def by_json(data, default=None) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=default).encode("utf-8")


def default(value):  # as the downloads and the API convert what JSON has no type for
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


text = st.text(st.characters(exclude_categories=("Cs",)))  # any character but a lone surrogate
scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # also beyond 64 bits, which orjson refuses
    | text
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes(timezones=st.none() | st.timezones())
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(text | st.integers(-5, 5) | st.booleans(), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(documents)
@settings(max_examples=300, deadline=None)
def test_the_same_bytes_as_the_json_module(data):
    assert jsontext.dumps(data, default=default) == by_json(data, default)


def test_control_characters_and_non_ascii_text_as_json_writes_them():
    data = {"name": 'Ärzte "Nord"\\Süd\n\t\x00\x1f\x7f\u2028 – 日本', "values": [1, -0, 2**70, None, True]}
    assert jsontext.dumps(data) == by_json(data)
    assert jsontext.loads(jsontext.dumps(data)) == data


def test_what_json_cannot_encode_is_refused_as_json_refuses_it():
    with pytest.raises(TypeError):
        jsontext.dumps({"value": Decimal("1.5")})  # no default: refused, as json refuses it
    with pytest.raises(TypeError):
        jsontext.dumps({"value": object()}, default=default)


def test_floats_are_the_same_numbers():
    """Floats (not in the published rows, which hold decimals as text) are the same numbers;
    orjson writes small exponents without the leading zero (1e-7, json: 1e-07)."""
    data = [0.1, 1.5, 1e16, 1e-7, -2.5e-12, 123456789.123]
    assert json.loads(jsontext.dumps(data)) == data
