"""Tests for engine.data.tables: reading CSV-like tables of numbers and reporting what changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import DataError, TableReport, align_columns, inspect_table, read_table
from tests.engine.data.helpers import assert_clean
from tests.fixtures.bad_files import bad_csv_cases, good_csv_bytes

CASES = bad_csv_cases()
CASE_IDS = [case_id for case_id, _, _ in CASES]
ERROR_CASES = [(case_id, raw) for case_id, raw, expected in CASES if expected == "error"]
OK_CASES = [(case_id, raw) for case_id, raw, expected in CASES if expected == "ok"]

# Words (lower case) that each refusal must contain: it says what is wrong.
ERROR_KEYWORDS = {
    "empty": ["empty"],
    "blank_lines_only": ["empty"],
    "header_only": ["header", "no data"],
    "one_row": ["only 1 usable row", "at least two rows"],
    "pipe_separator": ["no column of numbers", "'|'"],
    "identical_rows": ["identical"],
    "all_text": ["no column of numbers", "text, not numbers"],
    "all_rows_missing": ["missing values", "at least two rows"],
    "huge_values": ["column 'b'", "rescale"],
    "png_bytes": ["png image"],
    "nul_bytes": ["nul bytes"],
    "zip_bytes": ["zip", "excel"],
    "json_object": ["json"],
    "json_array": ["json"],
    "html": ["html"],
    "ragged_rows": ["line 4 has 2 values", "line 1 has 3"],
    "unclosed_quote": ["quote", "line 3"],
    "columns_1001": ["1,001 columns", "at most 1,000"],
}

# (column names, values) each accepted case must give.
OK_EXPECTED = {
    "semicolon_decimal_comma": (["x", "y"], [[1.5, 2.25], [3.0, -4.5], [0.5, 1000.0]]),
    "tab_separated": (["x", "y"], [[1.5, 2.0], [3.0, 4.25], [5.0, 7.0]]),
    "latin1_header": (
        ["Température", "Pression"],
        [[12.5, 1013.0], [13.0, 1009.0], [9.5, 1020.0]],
    ),
    "utf8_bom": (["a", "b"], [[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]]),
    "no_header": (["x1", "x2"], [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]),
    "nan_and_inf": (["a", "b"], [[1.0, 2.0], [7.0, 8.0], [9.0, 11.0]]),
    "text_column": (["a", "b"], [[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]]),
    "constant_column": (["a", "c"], [[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]]),
    "duplicate_names": (["a", "a_2", "b"], [[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]),
    "duplicate_rows": (["a", "b"], [[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]]),
    "formula_injection": (["a", "b"], [[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]]),
    "columns_300": (
        [f"c{j}" for j in range(300)],
        [[i * 300 + j + 0.5 for j in range(300)] for i in range(5)],
    ),
}


# ----------------------------------------------------------------------------- the bad-file matrix


def test_matrix_is_fully_checked():
    assert len(set(CASE_IDS)) == len(CASE_IDS)
    assert {case_id for case_id, _ in ERROR_CASES} == set(ERROR_KEYWORDS)
    assert {case_id for case_id, _ in OK_CASES} == set(OK_EXPECTED)
    assert all(isinstance(raw, bytes) for _, raw, _ in CASES)


@pytest.mark.parametrize(("case_id", "raw"), ERROR_CASES, ids=[c for c, _ in ERROR_CASES])
def test_bad_file_is_refused_with_a_message(case_id, raw):
    with pytest.raises(DataError) as info:
        read_table(raw)
    message = str(info.value)
    for keyword in ERROR_KEYWORDS[case_id]:
        assert keyword in message.lower(), (keyword, message)
    assert message.endswith(".")
    assert "Traceback" not in message and "Error tokenizing" not in message


@pytest.mark.parametrize(("case_id", "raw"), OK_CASES, ids=[c for c, _ in OK_CASES])
def test_awkward_file_is_read(case_id, raw):
    table, report = inspect_table(raw)
    names, values = OK_EXPECTED[case_id]
    assert_clean(table)
    assert list(table.columns) == names
    np.testing.assert_array_equal(table.to_numpy(), np.array(values))
    assert report.columns == names
    assert report.n_rows_kept == len(values)
    assert report.messages()[-1] == f"Kept {len(values)} rows and {len(names)} columns."


def test_good_csv_bytes():
    table, report = inspect_table(good_csv_bytes())
    assert table.shape == (6, 3)
    assert list(table.columns) == ["length", "width", "height"]
    assert table.iloc[3].tolist() == [3.1, 0.7, 1.9]
    assert report.dropped_columns == []
    assert (report.separator, report.decimal, report.encoding) == (",", ".", "utf-8")
    assert report.has_header


# ----------------------------------------------------------------------------- what the report says


def report_of(case_id: str) -> TableReport:
    raw = dict((c, r) for c, r, _ in CASES)[case_id]
    return inspect_table(raw)[1]


def test_report_semicolon_with_decimal_commas():
    report = report_of("semicolon_decimal_comma")
    assert (report.separator, report.decimal) == (";", ",")
    assert "semicolon-separated" in report.messages()[0]
    assert "decimal commas" in report.messages()[0]


def test_report_encodings():
    assert report_of("latin1_header").encoding == "latin-1"
    assert report_of("utf8_bom").encoding == "utf-8-sig"
    assert report_of("tab_separated").separator == "\t"


def test_report_nan_and_inf_are_counted_separately():
    report = report_of("nan_and_inf")
    assert report.n_rows_read == 7
    assert (report.n_rows_dropped_nan, report.n_rows_dropped_inf) == (2, 2)
    assert "Dropped 2 rows with missing values (NaN)." in report.messages()
    assert "Dropped 2 rows with infinite values (inf)." in report.messages()


def test_report_dropped_columns_have_reasons():
    assert report_of("text_column").dropped_columns == [("name", "text, not numbers")]
    assert "Dropped column 'name': text, not numbers." in report_of("text_column").messages()
    assert report_of("constant_column").dropped_columns == [("b", "the same value in every row")]
    assert report_of("formula_injection").dropped_columns == [("note", "text, not numbers")]


def test_report_duplicates_and_names():
    report = report_of("duplicate_rows")
    assert report.n_duplicate_rows == 1
    assert any("1 duplicate row" in m for m in report.messages())
    assert report_of("duplicate_names").renamed_columns == [("a", "a_2")]
    no_header = report_of("no_header")
    assert not no_header.has_header
    assert any("read as data" in m for m in no_header.messages())


def test_mostly_numeric_column_with_stray_text_says_which_cell():
    table, report = inspect_table(b"a,b\n1,2\n2,abc\n3,4\n5,7\n")
    assert list(table.columns) == ["a"]
    (name, reason), *_ = report.dropped_columns
    assert name == "b" and "mostly numbers" in reason and "'abc'" in reason


def test_missing_value_markers_and_saved_row_numbers():
    raw = b",a,b\n0,1,2\n1,?,3\n2,4,n/a\n3,5,6\n4,8,9\n"
    table, report = inspect_table(raw)
    assert list(table.columns) == ["a", "b"]
    assert table.to_numpy().tolist() == [[1.0, 2.0], [5.0, 6.0], [8.0, 9.0]]
    assert report.n_rows_dropped_nan == 2
    assert report.dropped_columns[0][0] == "x1"
    assert "row numbers" in report.dropped_columns[0][1]


def test_blank_lines_trailing_separators_and_quotes():
    raw = b'\n"a","b c"\r\n"1.5",2,\r\n\r\n3,4,\r\n5,"6"\r\n'
    table = read_table(raw)
    assert list(table.columns) == ["a", "b c"]
    assert table.to_numpy().tolist() == [[1.5, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_utf16_with_bom_is_read():
    table, report = inspect_table("a\tb\n1\t2\n3\t5\n".encode("utf-16"))
    assert report.encoding == "utf-16"
    assert table.to_numpy().tolist() == [[1.0, 2.0], [3.0, 5.0]]


def test_ragged_error_counts_lines_from_the_top_of_the_file():
    raw = b"a,b\n1,2\n\n\n3,4,5\n"
    with pytest.raises(DataError, match="Line 5 has 3 values"):
        read_table(raw)


def test_new_rows_to_classify_may_be_one_row_with_a_constant_column():
    table = read_table(b"a,b\n1,2\n", for_fitting=False)
    assert table.to_numpy().tolist() == [[1.0, 2.0]]
    table = read_table(b"a,b\n1,2\n1,3\n", for_fitting=False)
    assert list(table.columns) == ["a", "b"]


# ----------------------------------------------------------------------------- round trips


def _frame(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "alpha": rng.normal(size=30),
            "Température": rng.normal(scale=1e4, size=30),
            "b c": rng.exponential(size=30) * 1e-5,
            "d": rng.integers(-50, 50, size=30).astype(float),
        }
    )


DIALECTS = [(",", "."), (";", "."), (";", ","), ("\t", "."), ("\t", ",")]


@pytest.mark.parametrize(("separator", "decimal"), DIALECTS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_round_trip_in_each_dialect(separator, decimal, encoding):
    df = _frame(np.random.default_rng(7))
    raw = df.to_csv(sep=separator, decimal=decimal, index=False).encode(encoding)
    table, report = inspect_table(raw)
    assert list(table.columns) == list(df.columns)
    np.testing.assert_allclose(table.to_numpy(), df.to_numpy(), rtol=1e-12)
    assert (report.separator, report.decimal, report.encoding) == (separator, decimal, encoding)


def test_round_trip_without_header_and_with_index():
    df = _frame(np.random.default_rng(3))
    table = read_table(df.to_csv(index=False, header=False).encode())
    assert list(table.columns) == ["x1", "x2", "x3", "x4"]
    np.testing.assert_allclose(table.to_numpy(), df.to_numpy(), rtol=1e-12)
    table = read_table(df.to_csv(index=True).encode())
    assert list(table.columns) == list(df.columns)
    np.testing.assert_allclose(table.to_numpy(), df.to_numpy(), rtol=1e-12)


def test_300_columns_round_trip():
    df = pd.DataFrame(np.random.default_rng(1).normal(size=(40, 300)))
    df.columns = [f"feature {j}" for j in range(300)]
    table = read_table(df.to_csv(index=False).encode())
    assert table.shape == (40, 300)
    np.testing.assert_allclose(table.to_numpy(), df.to_numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- align_columns


def test_align_columns_reorders_and_ignores_extras():
    df = pd.DataFrame({"b": [1.0, 2.0], "a": [3.0, 4.0], "z": [0.0, 0.0]})
    out = align_columns(df, ["a", "b"])
    assert list(out.columns) == ["a", "b"]
    assert out["a"].tolist() == [3.0, 4.0]


def test_align_columns_names_missing_and_extra_columns():
    df = pd.DataFrame({"a": [1.0], "z": [2.0]})
    with pytest.raises(DataError) as info:
        align_columns(df, ["a", "b", "c"])
    message = str(info.value)
    assert "'b', 'c'" in message
    assert "'z'" in message and "ignored" in message
