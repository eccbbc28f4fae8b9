"""Tests for reading user files in engine.data: tables, safe CSV downloads and MNIST-format images."""

from __future__ import annotations

import csv
import gzip
import io
import pathlib
import pickle
import struct

import numpy as np
import pandas as pd
import pytest

import engine.data as data_module
from engine.data import (
    DataError,
    ImageSet,
    TableReport,
    align_columns,
    escape_csv_cell,
    inspect_table,
    read_idx_pair,
    read_images,
    read_table,
    to_safe_csv,
)
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


def assert_clean(table: pd.DataFrame) -> None:
    """The reader's promise: float64, finite, unique string column names."""
    assert all(dtype == np.float64 for dtype in table.dtypes)
    assert np.isfinite(table.to_numpy()).all()
    names = list(table.columns)
    assert all(isinstance(name, str) and name for name in names)
    assert len(set(names)) == len(names)


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


# ----------------------------------------------------------------------------- sources and limits


class _ReadOnly:
    """A file-like object with only ``read()``."""

    def __init__(self, raw: bytes):
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        return self._raw if size < 0 else self._raw[:size]


def test_every_kind_of_source_gives_the_same_table(tmp_path):
    raw = good_csv_bytes()
    path = tmp_path / "good.csv"
    path.write_bytes(raw)
    expected = read_table(raw)
    for source in (bytearray(raw), path, str(path), io.BytesIO(raw), _ReadOnly(raw)):
        pd.testing.assert_frame_equal(read_table(source), expected)


def test_size_limit_missing_file_and_wrong_type(tmp_path):
    with pytest.raises(DataError, match="limit"):
        read_table(good_csv_bytes(), max_bytes=20)
    with pytest.raises(DataError, match="limit"):
        read_table(_ReadOnly(good_csv_bytes()), max_bytes=20)
    with pytest.raises(DataError, match="no file"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="folder"):
        read_table(tmp_path)
    with pytest.raises(DataError, match="Cannot read data from a int"):
        read_table(42)


def test_unexpected_failures_become_a_data_error(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("deep inside pandas")

    monkeypatch.setattr(data_module, "_inspect", broken)
    with pytest.raises(DataError, match="could not be read as a table.*CSV"):
        read_table(good_csv_bytes())


def test_damaged_files_give_a_table_or_a_data_error():
    rng = np.random.default_rng(0)
    base = bytearray(good_csv_bytes() + b"1.1,2.2,3.3\n")
    for _ in range(300):
        raw = bytearray(base)
        for position in rng.integers(0, len(raw), size=rng.integers(1, 6)):
            raw[position] = int(rng.choice([0, 9, 10, 13, 34, 44, 46, 59, 45, 101, 255]))
        raw = raw[: rng.integers(0, len(raw) + 1)]
        try:
            table = read_table(bytes(raw))
        except DataError as err:
            assert str(err)
        else:
            assert_clean(table)
            assert len(table) >= 2


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


# ----------------------------------------------------------------------------- safe CSV downloads


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1+2", "'+1+2"),
        ("-cmd", "'-cmd"),
        ("@import", "'@import"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("hello", "hello"),
        ("", ""),
        ("-3.5", "-3.5"),
        (-3.5, -3.5),
        (7, 7),
        (None, None),
    ],
)
def test_escape_csv_cell(value, expected):
    assert escape_csv_cell(value) == expected


def test_to_safe_csv_escapes_text_and_keeps_numbers():
    df = pd.DataFrame(
        {
            "=name": ["=SUM(A1)", "plain", "@x"],
            "value": [-3.5, 2.0, 1e-3],
            "cluster": [0, 1, 2],
        }
    )
    raw = to_safe_csv(df)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == ["'=name", "value", "cluster"]
    assert [row[0] for row in rows[1:]] == ["'=SUM(A1)", "plain", "'@x"]
    assert rows[1][1:] == ["-3.5", "0"]
    back = pd.read_csv(io.BytesIO(raw))
    assert back["value"].tolist() == [-3.5, 2.0, 1e-3]
    assert back["cluster"].tolist() == [0, 1, 2]
    assert df.columns[0] == "=name"  # the input is not changed


# ----------------------------------------------------------------------------- images


def idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">IIII", 0x00000803, n, h, w) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(7, 6, 6), dtype=np.uint8)


@pytest.fixture
def labels() -> np.ndarray:
    return np.array([3, 1, 4, 1, 5, 9, 2], dtype=np.uint8)


def assert_images(result: ImageSet, images: np.ndarray, fmt: str) -> None:
    assert result.shape == images.shape[1:]
    assert result.source_format == fmt
    assert result.X_train.dtype == np.float64
    np.testing.assert_array_equal(result.X_train * 255, images.reshape(len(images), -1))


@pytest.mark.parametrize("compress", [False, True])
def test_idx_images_alone(images, compress):
    raw = idx_images(images)
    result = read_images(gzip.compress(raw) if compress else raw)
    assert_images(result, images, "idx.gz" if compress else "idx")
    assert result.y_train is None and result.X_test is None and result.n_test == 0


@pytest.mark.parametrize("compress", [False, True])
def test_idx_pair(images, labels, compress):
    pack = gzip.compress if compress else bytes
    result = read_idx_pair(pack(idx_images(images)), pack(idx_labels(labels)))
    assert_images(result, images, "idx.gz" if compress else "idx")
    np.testing.assert_array_equal(result.y_train, labels)
    swapped = read_idx_pair(idx_labels(labels), idx_images(images))
    np.testing.assert_array_equal(swapped.y_train, labels)


def test_idx_pair_counts_must_agree(images, labels):
    with pytest.raises(DataError, match="7 images but the labels file holds 6"):
        read_idx_pair(idx_images(images), idx_labels(labels[:6]))
    with pytest.raises(DataError, match="two images files"):
        read_idx_pair(idx_images(images), idx_images(images))


def test_npz_with_train_and_test(images, labels):
    raw = npz_bytes(x_train=images, y_train=labels, x_test=images[:2], y_test=labels[:2])
    result = read_images(raw, filename="digits.npz")
    assert_images(result, images, "npz")
    np.testing.assert_array_equal(result.y_train, labels)
    np.testing.assert_array_equal(result.X_test * 255, images[:2].reshape(2, -1))
    np.testing.assert_array_equal(result.y_test, labels[:2])
    assert (result.n_train, result.n_test) == (7, 2)


def test_npz_of_flat_unit_floats_is_kept_as_is(images):
    flat = images.reshape(7, 36) / 255.0
    result = read_images(npz_bytes(x_train=flat))
    np.testing.assert_array_equal(result.X_train, flat)
    assert result.y_train is None


def test_npy_array(images):
    buffer = io.BytesIO()
    np.save(buffer, images)
    assert_images(read_images(buffer.getvalue()), images, "npy")


def test_csv_with_labels_with_and_without_header(images, labels):
    flat = images.reshape(7, 36)
    df = pd.DataFrame(np.column_stack([labels, flat]))
    for raw in (
        df.to_csv(index=False, header=False).encode(),
        df.set_axis(["label"] + [f"p{j}" for j in range(36)], axis=1).to_csv(index=False).encode(),
    ):
        result = read_images(raw)
        assert_images(result, images, "csv")
        np.testing.assert_array_equal(result.y_train, labels)


def test_csv_of_unit_pixels_without_labels(images):
    flat = images.reshape(7, 36) / 255.0
    raw = pd.DataFrame(flat).to_csv(index=False, header=False).encode()
    result = read_images(raw)
    assert result.y_train is None
    np.testing.assert_allclose(result.X_train, flat, rtol=1e-12)


def _with_dims(n: int, h: int, w: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 0x00000803, n, h, w) + body


MALFORMED_IMAGES = [
    ("empty", lambda im: b"", ["empty"]),
    ("truncated", lambda im: idx_images(im)[:-1], ["cut short", "268 bytes", "267 bytes"]),
    ("extra_bytes", lambda im: idx_images(im) + b"\x00", ["extra bytes"]),
    ("truncated_header", lambda im: idx_images(im)[:10], ["cut short inside its header"]),
    ("not_square", lambda im: _with_dims(7, 6, 5, im.tobytes()[:210]), ["6x5", "square"]),
    ("too_small", lambda im: _with_dims(2, 3, 3, bytes(18)), ["3x3", "between 4 and 64"]),
    ("too_large", lambda im: _with_dims(1, 65, 65, bytes(65 * 65)), ["65x65", "between 4 and 64"]),
    ("too_many", lambda im: _with_dims(4_000_000_000, 28, 28), ["4,000,000,000 images", "200,000"]),
    ("no_images", lambda im: _with_dims(0, 28, 28), ["no images"]),
    ("float_idx", lambda im: b"\x00\x00\x0d\x03" + bytes(12), ["0x0d", "unsigned bytes"]),
    ("two_dims", lambda im: b"\x00\x00\x08\x02" + bytes(8), ["2 dimensions"]),
    ("labels_only", lambda im: idx_labels(np.arange(3)), ["labels, not images"]),
    ("truncated_gzip", lambda im: gzip.compress(idx_images(im))[:-12], ["gzip", "cut short"]),
    ("damaged_gzip", lambda im: b"\x1f\x8b" + bytes(30), ["gzip", "damaged"]),
    ("png", lambda im: b"\x89PNG\r\n\x1a\n" + bytes(40), ["png image", "idx"]),
    ("npz_no_x_train", lambda im: npz_bytes(images=im), ["no array called x_train", "images"]),
    (
        "npz_out_of_range",
        lambda im: npz_bytes(x_train=im.astype(float) * 2),
        ["0 to 510", "0 to 255"],
    ),
    ("npz_nan", lambda im: npz_bytes(x_train=np.full((2, 4, 4), np.nan)), ["nan"]),
    (
        "npz_label_count",
        lambda im: npz_bytes(x_train=im, y_train=np.arange(3)),
        ["3 labels for 7 images"],
    ),
    ("npz_test_size", lambda im: npz_bytes(x_train=im, x_test=np.zeros((2, 5, 5))), ["5x5", "6x6"]),
    ("csv_not_square", lambda im: b"1,2,3\n4,5,6\n", ["3 values", "square number"]),
    (
        "csv_fractional_label",
        lambda im: b"0.5," + b"1," * 15 + b"0\n1," + b"0," * 15 + b"1\n",
        ["whole numbers"],
    ),
    (
        "csv_text_cell",
        lambda im: b"1," + b"0," * 15 + b"1\n2," + b"0,x," * 7 + b"0,0\n",
        ["line 2", "'x'"],
    ),
    ("json", lambda im: b'{"x_train": []}', ["json"]),
    ("pickle", lambda im: pickle.dumps({"x_train": [1, 2, 3]}), ["pickle"]),
]


@pytest.mark.parametrize(
    ("make", "keywords"),
    [(make, keywords) for _, make, keywords in MALFORMED_IMAGES],
    ids=[case_id for case_id, _, _ in MALFORMED_IMAGES],
)
def test_malformed_images_are_refused(images, make, keywords):
    with pytest.raises(DataError) as info:
        read_images(make(images))
    message = str(info.value).lower()
    for keyword in keywords:
        assert keyword in message, (keyword, message)


def test_gzip_bomb_is_stopped_at_the_limit():
    with pytest.raises(DataError, match="limit"):
        read_images(gzip.compress(bytes(100_000)), max_bytes=10_000)


def test_pickle_file_names_are_refused_before_reading(images):
    with pytest.raises(DataError, match="pickle"):
        read_images(idx_images(images), filename="weights.pkl")


class _Trap:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


@pytest.mark.parametrize("key", ["x_train", "y_train"])
def test_object_arrays_in_npz_are_never_unpickled(tmp_path, images, key):
    flag = tmp_path / "code_ran"
    trap = np.empty(7, dtype=object)
    trap[:] = [_Trap(flag) for _ in range(7)]
    arrays = {"x_train": images, "y_train": np.arange(7)}
    arrays[key] = trap
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(DataError, match="Python objects"):
        read_images(buffer.getvalue())
    assert not flag.exists()
    pickle.loads(pickle.dumps(_Trap(flag)))  # the trap itself works
    assert flag.exists()


def test_object_npy_is_never_unpickled(tmp_path):
    flag = tmp_path / "code_ran"
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap(flag)
    buffer = io.BytesIO()
    np.save(buffer, trap)
    with pytest.raises(DataError, match="Python objects"):
        read_images(buffer.getvalue())
    assert not flag.exists()
