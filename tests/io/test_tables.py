"""CSV cells carry a float's precision, not its binary noise (``negsim/io/tables.py``):
at most 12 significant digits, read back within half a unit of the 12th."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from negsim.io.tables import CSV_DIGITS, cell_value, csv_cell, csv_text, float_text, read_csv_rows, write_table

#: Half a unit in the last of CSV_DIGITS significant digits, relative to the value.
HALF_UNIT = 0.5 * 10.0 ** (1 - CSV_DIGITS)


@pytest.mark.parametrize("value, text", [
    (0.12480000000000002, "0.1248"),
    (0.1 + 0.2, "0.3"),
    (0.7000000000000001, "0.7"),
    (1 / 3, "0.333333333333"),
    (2 / 3, "0.666666666667"),
    (2.0, "2.0"),
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (6.0, "6.0"),
    (20000.0, "20000.0"),
    (0.877461, "0.877461"),
    (86559604.414315, "86559604.4143"),
    (1e-06, "1e-06"),
    (1.5e300, "1.5e+300"),
    (5e-324, "5e-324"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    (np.float64(0.1) * 3, "0.3"),
    (np.float32(0.1), "0.1"),  # to the 6 digits a float32 carries
    (np.float32(1 / 3), "0.333333"),
])
def test_known_floats_are_written_exactly_so(value, text):
    assert csv_cell(value) == text


@pytest.mark.parametrize("value", [0, 7, -3, 10**20, True, np.int64(5), "0.12480000000000002", "[0.1, 0.2]"])
def test_ints_bools_and_text_are_left_as_they_are(value):
    assert csv_cell(value) is value


@given(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False))
def test_a_float_reads_back_within_half_a_unit_of_its_twelfth_digit(x):
    """Rounding to 12 significant digits moves a value by at most 5e-12 of it (the bound
    1e-12 holds only from a leading digit of 5 up), plus the float's own rounding."""
    back = float(float_text(x))
    assert abs(back - x) <= HALF_UNIT * abs(x) * (1 + 1e-12)
    assert float_text(back) == float_text(x)  # written again, the same text


@given(st.integers(-10**12 + 1, 10**12 - 1), st.integers(-20, 20))
def test_a_number_of_twelve_digits_is_written_as_typed(digits, exponent):
    x = float(f"{digits}e{exponent}")
    assert float_text(x) == repr(x)


def test_csv_text_rows_with_floats_none_and_missing_cells():
    rows = [{"a": 0.1 + 0.2, "b": None, "c": 3}, {"a": float("nan"), "c": "x,y"}]
    assert csv_text(rows) == 'a,b,c\n0.3,,3\nnan,,"x,y"\n'
    back = list(csv.DictReader(io.StringIO(csv_text(rows))))
    assert back[0] == {"a": "0.3", "b": "", "c": "3"} and math.isnan(float(back[1]["a"]))


def test_write_table_keeps_full_precision_in_parquet(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    rows = [{"p": 0.12480000000000002, "q": 1 / 3, "n": 4}]
    paths = write_table(rows, ["p", "q", "n"], tmp_path)
    assert [p.name for p in paths] == ["table.csv", "table.parquet"]
    assert (tmp_path / "table.csv").read_text() == "p,q,n\n0.1248,0.333333333333,4\n"
    frame = pd.read_parquet(tmp_path / "table.parquet")
    assert frame["p"].tolist() == [0.12480000000000002] and frame["q"].tolist() == [1 / 3]
    assert frame["n"].tolist() == [4]


cells = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=False, allow_infinity=True, width=64),
                  st.text(st.characters(codec="utf-8", exclude_characters="\r\x00"), min_size=1).filter(
                      lambda t: cell_value(t) == t))


@given(rows=st.lists(st.fixed_dictionaries({"a": cells, "b": cells}), min_size=1, max_size=5))
def test_rows_read_back_as_written(rows, tmp_path_factory):
    """read_csv_rows inverts csv_text: None, bools, whole numbers and text as they were,
    floats at the CSV's precision (CSV_DIGITS significant digits)."""
    path = tmp_path_factory.mktemp("rows") / "t.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    back = read_csv_rows(path)
    assert len(back) == len(rows)
    for got, want in zip(back, rows, strict=True):
        for key in ("a", "b"):
            w = want[key]
            expected = float(float_text(w)) if isinstance(w, float) else w  # "2.0" stays a float, "inf" too
            assert got[key] == expected and type(got[key]) is type(expected)


def test_cell_value_reads_each_kind():
    assert [cell_value(t) for t in ("", "7", "-7", "2.0", "1e-20", "inf", "True", "False", "0.7 x", "1_000", " 5")] == [
        None, 7, -7, 2.0, 1e-20, math.inf, True, False, "0.7 x", "1_000", " 5"]
    assert math.isnan(cell_value("nan"))
