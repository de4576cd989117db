"""German numbers and official symbols are read exactly as a statistics office writes them."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imon.core.numbers import NumberError, format_number, parse_cell, parse_number

decimals = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False)


@given(decimals)
def test_german_formatting_reads_back_to_the_same_number(value):
    assert parse_number(format_number(value)) == value


@given(decimals)
def test_english_formatting_reads_back_in_english_mode(value):
    english = format_number(value).replace(".", "§").replace(",", ".").replace("§", ",")
    assert parse_number(english, decimal_comma=False) == value


@given(st.integers(0, 10**9))
def test_thousands_groups_are_dots(n):
    text = format_number(Decimal(n))
    assert text.replace(".", "") == str(n)
    assert all(len(group) == 3 for group in text.split(".")[1:])


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("166.737", (Decimal("166737"), "")),
        ("15,7", (Decimal("15.7"), "")),
        ("1.433", (Decimal("1433"), "")),
        ("1.234,56", (Decimal("1234.56"), "")),
        ("1 234", (Decimal("1234"), "")),
        ("−3", (Decimal("-3"), "")),
        ("15,7 %", (Decimal("15.7"), "")),
        ("(12,3)", (Decimal("12.3"), "()")),
        ("4.850p", (Decimal("4850"), "p")),
        ("4.850 r", (Decimal("4850"), "r")),
        ("-", (None, "-")),
        (".", (None, ".")),
        ("x", (None, "x")),
        ("...", (None, "...")),
        ("…", (None, "...")),
        ("/", (None, "/")),
        ("0", (Decimal("0"), "")),
        ("12.5", (Decimal("12.5"), "")),
    ],
)
def test_cells(cell, expected):
    assert parse_cell(cell) == expected


@pytest.mark.parametrize("cell", ["", "  ", "abc", "1,2,3", "12.34.5", "1.23,4,5", "--"])
def test_anything_else_is_a_german_error(cell):
    with pytest.raises(NumberError) as excinfo:
        parse_cell(cell)
    assert "Zahl" in str(excinfo.value) or "leer" in str(excinfo.value)


def test_symbols_are_never_zero():
    for symbol in ["-", ".", "x", "...", "/"]:
        value, flag = parse_cell(symbol)
        assert value is None and flag


def test_format_with_fixed_decimals():
    assert format_number(Decimal("15.7"), 1) == "15,7"
    assert format_number(Decimal("15"), 1) == "15,0"
    assert format_number(Decimal("-1234.5")) == "-1.234,5"


@pytest.mark.parametrize(
    "cell, decimal_comma, expected",
    [
        ("12 613", True, Decimal("12613")),
        ("12.613", True, Decimal("12613")),
        ("12\u00a0613", True, Decimal("12613")),
        ("1 234 567,5", True, Decimal("1234567.5")),
        ("12'613", True, Decimal("12613")),
        ("-12 613", True, Decimal("-12613")),
        ("12,613", False, Decimal("12613")),
        ("12 613", False, Decimal("12613")),
        ("1 234.5", False, Decimal("1234.5")),
        ("0.1234", True, Decimal("0.1234")),
    ],
)
def test_well_formed_digit_groups_are_read(cell, decimal_comma, expected):
    assert parse_number(cell, decimal_comma) == expected


@pytest.mark.parametrize(
    "cell, decimal_comma",
    [
        ("1 2613", True),  # a misplaced space is not 12613
        ("1 2613", False),
        ("12 61", True),
        ("1234 567", True),
        ("12 613.000", True),  # two kinds of thousands marks
        ("12 613 ,5", True),
        ("1\u00a0234 567", True),  # two kinds of spaces
        ("1.2613", True),  # a misplaced thousands dot is not the decimal 1.2613
        ("12.6130", True),
        ("1,2613", False),
        ("12,61", False),
    ],
)
def test_malformed_digit_groups_are_refused_not_guessed(cell, decimal_comma):
    with pytest.raises(NumberError, match="Zahl"):
        parse_number(cell, decimal_comma)
