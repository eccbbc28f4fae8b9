"""Built-in datasets and validated reading of user files.

Everything here returns plain numeric arrays (float64) or raises :class:`DataError`, whose
message is written for a person: what is wrong and what to do about it. Nothing here needs the
network: the built-in datasets ship with scikit-learn or are generated from a seed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import datasets as _skdatasets
from sklearn.model_selection import train_test_split


class DataError(ValueError):
    """A file or array cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Dataset:
    """A named, validated table of numbers.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"wine"``.
    X : ndarray of shape (n_samples, n_features)
        float64 values, all finite.
    feature_names : list of str
        One name per column of ``X``.
    target : ndarray of shape (n_samples,) or None
        True labels where the source knows them.
    target_names : list of str or None
        A name for each label value.
    kind : {"continuous", "counts", "binary"}
        Which mixture families suit the data.
    description : str
        One or two sentences for the app.
    """

    name: str
    X: np.ndarray
    feature_names: list[str]
    target: np.ndarray | None = None
    target_names: list[str] | None = None
    kind: str = "continuous"
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


#: Pixels of the 8x8 digits run from 0 to 16; at or above this value a pixel counts as ink.
DIGITS_INK_THRESHOLD = 8


def _wine() -> Dataset:
    raw = _skdatasets.load_wine()
    names = [
        n.replace("_", " ").replace("od280/od315 of diluted wines", "OD280/OD315")
        for n in raw.feature_names
    ]
    return Dataset(
        name="wine",
        X=np.asarray(raw.data, dtype=np.float64),
        feature_names=names,
        target=np.asarray(raw.target),
        target_names=[f"cultivar {i + 1}" for i in range(3)],
        description=(
            "Chemical analysis of 178 Italian wines from three grape cultivars (UCI). "
            "Malic acid against total phenols is the classic two-feature view."
        ),
    )


def _iris() -> Dataset:
    raw = _skdatasets.load_iris()
    return Dataset(
        name="iris",
        X=np.asarray(raw.data, dtype=np.float64),
        feature_names=[n.replace(" (cm)", "") for n in raw.feature_names],
        target=np.asarray(raw.target),
        target_names=list(raw.target_names),
        description="150 iris flowers of three species; sepal and petal sizes in cm (Fisher, 1936).",
        extra={"units": "cm"},
    )


def _digits(binary: bool) -> Dataset:
    raw = _skdatasets.load_digits()
    X = np.asarray(raw.data, dtype=np.float64)
    X = (X >= DIGITS_INK_THRESHOLD).astype(np.float64) if binary else X / 16.0
    return Dataset(
        name="digits_binary" if binary else "digits",
        X=X,
        feature_names=[f"pixel {r},{c}" for r in range(8) for c in range(8)],
        target=np.asarray(raw.target),
        target_names=[str(d) for d in range(10)],
        kind="binary" if binary else "continuous",
        description=(
            "1,797 handwritten digits as 8x8 images (UCI, shipped with scikit-learn); "
            + (
                f"a pixel is ink (1) when its grey level is at least {DIGITS_INK_THRESHOLD} of 16."
                if binary
                else "grey levels scaled to [0, 1]."
            )
        ),
        extra={"image_shape": (8, 8)},
    )


def _blobs(random_state: int = 0) -> Dataset:
    centers = np.array([[-4.0, -1.0], [0.5, 3.0], [3.5, -2.5]])
    X, y = _skdatasets.make_blobs(
        n_samples=450, centers=centers, cluster_std=[1.0, 1.4, 0.8], random_state=random_state
    )
    return Dataset(
        name="blobs",
        X=np.asarray(X, dtype=np.float64),
        feature_names=["x1", "x2"],
        target=np.asarray(y),
        target_names=["blob 1", "blob 2", "blob 3"],
        description="Three seeded Gaussian clusters in 2-D with different spreads (synthetic).",
        extra={"centers": centers},
    )


def _counts(random_state: int = 0) -> Dataset:
    rng = np.random.default_rng(random_state)
    rates = np.array([2.0, 7.0, 15.0])
    weights = np.array([0.45, 0.35, 0.20])
    z = rng.choice(3, size=600, p=weights)
    X = rng.poisson(rates[z]).astype(np.float64)[:, None]
    return Dataset(
        name="counts",
        X=X,
        feature_names=["count"],
        target=z,
        target_names=[f"rate {r:g}" for r in rates],
        kind="counts",
        description=(
            "600 seeded counts from three overlapping Poisson populations "
            "(rates 2, 7 and 15, weights 0.45, 0.35 and 0.20)."
        ),
        extra={"rates": rates, "weights": weights},
    )


_BUILTINS = {
    "wine": _wine,
    "iris": _iris,
    "digits": lambda: _digits(binary=False),
    "digits_binary": lambda: _digits(binary=True),
    "blobs": _blobs,
    "counts": _counts,
}

#: Names accepted by :func:`load_builtin`, in the order the app lists them.
BUILTIN_NAMES: tuple[str, ...] = tuple(_BUILTINS)


def load_builtin(name: str) -> Dataset:
    """Load one of the built-in datasets, offline.

    Parameters
    ----------
    name : str
        One of :data:`BUILTIN_NAMES`: ``"wine"``, ``"iris"``, ``"digits"`` (grey levels in
        [0, 1]), ``"digits_binary"`` (0/1 pixels), ``"blobs"`` (seeded 2-D clusters) or
        ``"counts"`` (seeded Poisson counts).

    Returns
    -------
    Dataset
    """
    try:
        make = _BUILTINS[name]
    except KeyError:
        raise DataError(
            f"There is no built-in dataset called {name!r}. Choose one of: {', '.join(BUILTIN_NAMES)}."
        ) from None
    return make()


def digits_split(
    binary: bool = True, test_size: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed train / held-out split of the 8x8 digits used across the app and benchmarks.

    Parameters
    ----------
    binary : bool
        0/1 pixels (ink at grey level >= 8 of 16) when True, grey levels in [0, 1] otherwise.
    test_size : float
        Fraction held out, stratified by digit.
    seed : int
        Seed of the split; the default 0 is the app's fixed split.

    Returns
    -------
    X_train : ndarray of shape (n_train, 64)
    X_test : ndarray of shape (n_test, 64)
    y_train : ndarray of shape (n_train,)
    y_test : ndarray of shape (n_test,)
    """
    ds = load_builtin("digits_binary" if binary else "digits")
    X_train, X_test, y_train, y_test = train_test_split(
        ds.X, ds.target, test_size=test_size, random_state=seed, stratify=ds.target
    )
    return X_train, X_test, y_train, y_test


# ---------------------------------------------------------------------------------------------
# Reading user files: shared helpers
# ---------------------------------------------------------------------------------------------

#: Default upper bound on the size of an uploaded table, in bytes (pass ``max_bytes=None`` to lift it).
MAX_TABLE_BYTES = 50 * 2**20
#: Most columns a table may have.
MAX_COLUMNS = 1000
#: Largest magnitude accepted in a table: squares of larger values overflow float64 in covariances.
MAX_ABS_VALUE = 1e150
#: Default upper bound on an image file, in bytes, before and after gzip decompression.
MAX_IMAGE_BYTES = 256 * 2**20
#: Most images one file may hold.
MAX_IMAGES = 200_000
#: Smallest and largest side, in pixels, of a (square) image.
MIN_IMAGE_SIDE, MAX_IMAGE_SIDE = 4, 64

_SAVE_AS_CSV = (
    "Save it as a CSV file (comma-separated, with a header row of column names) and try again."
)

# Leading bytes of common files that are not text, with a name a person recognises.
_BINARY_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x93NUMPY", "a NumPy array file (.npy)"),
    (b"\x80\x02", "a Python pickle"),
    (b"\x80\x03", "a Python pickle"),
    (b"\x80\x04", "a Python pickle"),
    (b"\x80\x05", "a Python pickle"),
)


def _read_source(source: Any, max_bytes: int | None) -> bytes:
    """Return the bytes behind ``source``: bytes, a path, or a file-like object."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        data = _read_path(Path(source), max_bytes)
    elif hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read() if max_bytes is None else source.read(max_bytes + 1)
    else:
        raise DataError(
            f"Cannot read data from a {type(source).__name__}: pass the bytes of a file, "
            "a path, or an uploaded file."
        )
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DataError("The upload did not give the bytes of a file. Upload the file again.")
    data = bytes(data)
    _check_size(len(data), max_bytes)
    return data


def _read_path(path: Path, max_bytes: int | None) -> bytes:
    try:
        _check_size(path.stat().st_size, max_bytes)
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(
            f"There is no file at {str(path)[:200]!r}. Check the name and folder."
        ) from None
    except IsADirectoryError:
        raise DataError(f"{str(path)[:200]!r} is a folder, not a file. Choose a file.") from None
    except OSError as exc:
        raise DataError(
            f"The file {str(path)[:200]!r} could not be opened ({exc.strerror or exc}). "
            "Check that it exists and that you may read it."
        ) from None


def _check_size(n_bytes: int, max_bytes: int | None) -> None:
    if max_bytes is not None and n_bytes > max_bytes:
        raise DataError(
            f"The file is {_megabytes(n_bytes)}, more than the limit of {_megabytes(max_bytes)}. "
            "Keep fewer rows or columns, or take a random sample of the rows, and upload it again."
        )


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB"


def _binary_kind(data: bytes) -> str | None:
    """Name what ``data`` looks like when it is not text, or None when it may be text."""
    for magic, kind in _BINARY_SIGNATURES:
        if data.startswith(magic):
            return kind
    if b"\x00" in data[:65536]:
        return "a binary file (it contains NUL bytes)"
    return None


def _decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes, trying UTF-16 (with BOM), UTF-8 (with or without BOM), then Latin-1.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-16"``, ``"utf-8-sig"``, ``"utf-8"`` or ``"latin-1"``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise DataError(
                "The file starts like UTF-16 text but is damaged. " + _SAVE_AS_CSV
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            return data[3:].decode("latin-1"), "latin-1"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _has_control_characters(text: str) -> bool:
    """True when more than 1% of the first 8,000 characters are control characters."""
    sample = text[:8000]
    n_control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return n_control > 0.01 * max(len(sample), 1)


# ---------------------------------------------------------------------------------------------
# Tables (CSV)
# ---------------------------------------------------------------------------------------------

_SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "latin-1": "Latin-1",
    "utf-16": "UTF-16",
}
# Cell contents read as "no value" (compared in lower case, after stripping spaces).
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "?", "#n/a", "missing", "nil"})
_NUMBER = re.compile(
    r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.I
)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_DECIMAL_DOT = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")
_ROW_NUMBER_NAMES = frozenset({"", "index", "unnamed: 0"})
_SNIFF_CHARS = 65536
_SNIFF_LINES = 200


@dataclass(frozen=True)
class TableReport:
    """What :func:`inspect_table` found in a file and what it changed.

    Attributes
    ----------
    n_rows_read : int
        Data rows in the file (the header row not counted).
    n_rows_kept : int
        Rows in the returned table.
    n_columns_read : int
        Columns in the file.
    columns : list of str
        Names of the kept columns, in order.
    dropped_columns : list of (str, str)
        Each dropped column's name and the reason, written for a person.
    renamed_columns : list of (str, str)
        ``(name in the file, new name)`` for repeated column names.
    n_rows_dropped_nan : int
        Rows dropped because a kept column had no value (empty, NA, NaN, ...).
    n_rows_dropped_inf : int
        Rows dropped because a kept column held +inf or -inf (and no missing value).
    n_duplicate_rows : int
        Kept rows equal to an earlier kept row; they are counted, not dropped.
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"``, ``"latin-1"`` or ``"utf-16"``.
    separator : str
        ``","``, ``";"`` or ``"\\t"``.
    decimal : str
        ``"."`` or ``","``.
    has_header : bool
        Whether the first row was read as column names.
    """

    n_rows_read: int
    n_rows_kept: int
    n_columns_read: int
    columns: list[str]
    dropped_columns: list[tuple[str, str]]
    renamed_columns: list[tuple[str, str]]
    n_rows_dropped_nan: int
    n_rows_dropped_inf: int
    n_duplicate_rows: int
    encoding: str
    separator: str
    decimal: str
    has_header: bool

    def messages(self) -> list[str]:
        """Short sentences for the app, one per finding, the summary last.

        Returns
        -------
        list of str
        """
        details = [
            f"{_SEPARATOR_NAMES.get(self.separator, repr(self.separator))}-separated"
            if self.n_columns_read > 1
            else "one column",
            _ENCODING_NAMES.get(self.encoding, self.encoding),
        ]
        if self.decimal == ",":
            details.append("decimal commas")
        out = [
            f"Read {_count(self.n_rows_read, 'row')} and {_count(self.n_columns_read, 'column')} "
            f"({', '.join(details)})."
        ]
        if not self.has_header:
            out.append(
                "The first row holds only numbers, so it was read as data; "
                f"the columns are named x1 to x{self.n_columns_read}."
            )
        out += [
            f"Column name {old!r} appears more than once; this copy is called {new!r}."
            for old, new in self.renamed_columns
        ]
        out += [f"Dropped column {name!r}: {reason}." for name, reason in self.dropped_columns]
        if self.n_rows_dropped_nan:
            out.append(
                f"Dropped {_count(self.n_rows_dropped_nan, 'row')} with missing values (NaN)."
            )
        if self.n_rows_dropped_inf:
            out.append(
                f"Dropped {_count(self.n_rows_dropped_inf, 'row')} with infinite values (inf)."
            )
        if self.n_duplicate_rows:
            out.append(
                f"Found {_count(self.n_duplicate_rows, 'duplicate row')} "
                "(equal to an earlier row); duplicates are kept."
            )
        out.append(
            f"Kept {_count(self.n_rows_kept, 'row')} and {_count(len(self.columns), 'column')}."
        )
        return out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class _Rows:
    """A text table split into cells, before any conversion to numbers."""

    header: list[str] | None
    data: list[list[str]]
    line_numbers: list[int]
    separator: str
    decimal: str


def _is_number(cell: str) -> bool:
    return _NUMBER.fullmatch(cell.strip()) is not None


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in _MISSING


def _sniff_lines(text: str) -> list[str]:
    sample = text[:_SNIFF_CHARS]
    lines = sample.splitlines()
    if len(text) > _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    return [line for line in lines if line.strip()][:_SNIFF_LINES]


def _split(lines: list[str], separator: str) -> list[list[str]]:
    return [row for row in csv.reader(lines, delimiter=separator) if row]


def _sniff_separator(lines: list[str]) -> str:
    """Choose the separator whose split gives the most consistent, most numeric table.

    Each candidate is scored by the share of lines that have its most common number of fields
    (which must be at least 2), times one plus the share of cells below the first line that read
    as numbers. The numeric share settles ``1,5;2,5``: split at commas it has as consistent a
    field count as split at semicolons, but its cells are not numbers.
    """
    best, best_score = ",", 0.0
    for separator in _SEPARATORS:
        rows = _split(lines, separator)
        if not rows:
            continue
        width, n_width = Counter(len(row) for row in rows).most_common(1)[0]
        if width < 2:
            continue
        cells = [cell for row in (rows[1:] or rows) for cell in row]
        numeric = sum(_is_number(cell) for cell in cells) / max(len(cells), 1)
        score = n_width / len(rows) * (1.0 + numeric)
        if score > best_score:
            best, best_score = separator, score
    return best


def _sniff_decimal(lines: list[str], separator: str) -> str:
    cells = [cell.strip() for row in _split(lines, separator) for cell in row]
    n_comma = sum(_DECIMAL_COMMA.fullmatch(cell) is not None for cell in cells)
    n_dot = sum(_DECIMAL_DOT.fullmatch(cell) is not None for cell in cells)
    return "," if n_comma > n_dot else "."


def _looks_like_header(first: list[str], rest: list[list[str]]) -> bool:
    """Decide whether the first row holds column names.

    A row of numbers (or blanks) is data. A row with text is a header when one of its text
    cells sits above a column that is mostly numbers, or when it has no number at all.
    """
    if all(_is_number(cell) or _is_missing(cell) for cell in first):
        return False
    for j, cell in enumerate(first):
        if _is_number(cell) or _is_missing(cell):
            continue
        below = [row[j] for row in rest if j < len(row) and not _is_missing(row[j])]
        if below and sum(_is_number(v) for v in below) >= 0.5 * len(below):
            return True
    return not any(_is_number(cell) for cell in first)


def _read_rows(text: str, separator: str) -> tuple[list[list[str]], list[int]]:
    """Split the whole text into rows of cells, skipping blank lines.

    Returns
    -------
    rows : list of list of str
    line_numbers : list of int
        The 1-based line on which each row starts.
    """
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    try:
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()):
                if not rows and len(row) > MAX_COLUMNS:
                    raise DataError(
                        f"The file has {len(row):,} columns; at most {MAX_COLUMNS:,} are "
                        "supported. Keep the columns you need and save it again."
                    )
                rows.append(row)
                line_numbers.append(start)
            start = reader.line_num + 1
    except csv.Error:
        raise _unclosed_quote(start) from None
    if rows and text.count('"') % 2 and any("\n" in cell for cell in rows[-1]):
        raise _unclosed_quote(line_numbers[-1])
    return rows, line_numbers


def _unclosed_quote(line: int) -> DataError:
    return DataError(
        f'A double quote (") opened on line {line} is never closed, so the rest of the file '
        "reads as one cell. Close or remove that quote and try again."
    )


def _check_ragged(rows: list[list[str]], line_numbers: list[int]) -> None:
    """Raise on the first row whose number of cells differs from the first row's.

    Extra cells that are all blank (a trailing separator) are trimmed in place.
    """
    width = len(rows[0])
    for row, line in zip(rows, line_numbers, strict=True):
        if len(row) == width:
            continue
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            del row[width:]
            continue
        raise DataError(
            f"Line {line} has {len(row)} values but line {line_numbers[0]} has {width}. "
            "Every line needs the same number of values: check that line for a missing or extra "
            "separator, or for a separator inside a value (put such values in double quotes)."
        )


def _split_table(text: str) -> _Rows:
    """Sniff the dialect and split ``text`` into a header (or None) and rows of equal length."""
    lines = _sniff_lines(text)
    separator = _sniff_separator(lines)
    decimal = _sniff_decimal(lines, separator)
    rows, line_numbers = _read_rows(text, separator)
    if not rows:
        raise DataError("The file holds no data, only blank lines. " + _SAVE_AS_CSV)
    _check_ragged(rows, line_numbers)
    has_header = _looks_like_header(rows[0], rows[1:_SNIFF_LINES])
    if has_header:
        return _Rows(rows[0], rows[1:], line_numbers[1:], separator, decimal)
    return _Rows(None, rows, line_numbers, separator, decimal)


def _refuse_non_table_text(text: str) -> None:
    start = text.lstrip()[:1]
    if start in ("{", "["):
        raise DataError(
            f"This looks like JSON (it starts with {start!r}), not a table. "
            "Convert it to a CSV file with one row per sample and a header row of column names."
        )
    if start == "<":
        raise DataError("This looks like HTML or XML, not a table. " + _SAVE_AS_CSV)
    if _has_control_characters(text):
        raise DataError(
            "This does not look like a text table: it is full of control characters. "
            + _SAVE_AS_CSV
        )


def _text_of_table(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a table, refusing empty, binary and non-tabular files."""
    if not data.strip():
        raise DataError(
            "The file is empty. Choose a CSV file with a header row and rows of numbers."
        )
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        kind = _binary_kind(data)
        if kind is not None:
            raise DataError(f"This looks like {kind}, not a table of text. " + _SAVE_AS_CSV)
    text, encoding = _decode(data)
    if not text.strip():
        raise DataError(
            "The file is empty. Choose a CSV file with a header row and rows of numbers."
        )
    _refuse_non_table_text(text)
    return text, encoding


def _clean_names(header: list[str] | None, width: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Column names: stripped, printable, never blank, unique (repeats get ``_2``, ``_3``...)."""
    if header is None:
        return [f"x{j + 1}" for j in range(width)], []
    names = []
    for j, raw in enumerate(header):
        name = " ".join("".join(ch for ch in raw if ch.isprintable()).split())[:100]
        names.append(name or f"x{j + 1}")
    taken = set(names)
    seen: set[str] = set()
    unique, renamed = [], []
    for name in names:
        new = name
        k = 2
        while new in seen or (new != name and new in taken):
            new, k = f"{name}_{k}", k + 1
        if new != name:
            renamed.append((name, new))
        seen.add(new)
        unique.append(new)
    return unique, renamed


def _cell_numbers(data: list[list[str]], decimal: str) -> tuple[np.ndarray, ...]:
    """Convert a table of text cells to numbers, all columns at once.

    Returns
    -------
    values : ndarray of shape (n_rows, n_columns)
        float64; NaN where a cell is missing or not a number.
    missing : ndarray of shape (n_rows, n_columns)
        bool, True where the cell is blank or a missing-value marker such as ``NA``.
    text : ndarray of shape (n_rows, n_columns)
        bool, True where the cell holds something that is not a number.
    """
    shape = (len(data), len(data[0]))
    flat = [cell for row in data for cell in row]
    numbers = [cell.replace(",", ".") for cell in flat] if decimal == "," else flat
    values = pd.to_numeric(pd.Series(numbers, dtype=object), errors="coerce")
    values = values.to_numpy(dtype=np.float64).reshape(shape)
    not_a_number = np.isnan(values)
    missing = np.zeros(shape, dtype=bool)
    missing.ravel()[not_a_number.ravel()] = [
        flat[i].strip().lower() in _MISSING for i in np.flatnonzero(not_a_number)
    ]
    return values, missing, not_a_number & ~missing


def _text_reason(column: list[str], text: np.ndarray, missing: np.ndarray) -> str:
    """Why a column with text cells is dropped; ``column`` holds its cells as read."""
    n_text, n_filled = int(text.sum()), int((~missing).sum())
    if n_text < 0.5 * n_filled:
        example = column[int(np.argmax(text))].strip()[:30]
        return (
            f"mostly numbers, but {_count(n_text, 'cell')} {'holds' if n_text == 1 else 'hold'} "
            f"text such as {example!r}; fix or empty those cells to keep the column"
        )
    return "text, not numbers"


def _is_row_number_column(raw_name: str, values: np.ndarray) -> bool:
    """A blank-named (or ``index``) column counting 0, 1, 2, ... or 1, 2, 3, ...: saved row numbers."""
    if raw_name.strip().lower() not in _ROW_NUMBER_NAMES or len(values) < 3:
        return False
    start = values[0]
    return start in (0.0, 1.0) and bool(np.array_equal(values, start + np.arange(len(values))))


def _numeric_columns(
    rows: _Rows, names: list[str], for_fitting: bool
) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """Keep the numeric columns of ``rows``; give every dropped column a reason."""
    values, missing, text = _cell_numbers(rows.data, rows.decimal)
    n_rows = len(values)
    kept: dict[str, np.ndarray] = {}
    dropped: list[tuple[str, str]] = []
    for j, name in enumerate(names):
        n_missing = int(missing[:, j].sum())
        if n_missing == n_rows:
            dropped.append((name, "empty, no values"))
        elif text[:, j].any():
            column = [row[j] for row in rows.data]
            dropped.append((name, _text_reason(column, text[:, j], missing[:, j])))
        elif for_fitting and n_missing > 0.5 * n_rows:
            dropped.append((name, f"missing in {n_missing:,} of {n_rows:,} rows"))
        elif rows.header is not None and _is_row_number_column(rows.header[j], values[:, j]):
            dropped.append((name, "row numbers (0, 1, 2, ...), not a measurement"))
        else:
            kept[name] = values[:, j]
    return kept, dropped


def _nothing_numeric(rows: _Rows, dropped: list[tuple[str, str]]) -> DataError:
    reasons = "; ".join(f"{name!r}: {reason}" for name, reason in dropped[:5])
    more = f" (and {len(dropped) - 5} more)" if len(dropped) > 5 else ""
    hint = ""
    if len(dropped) == 1 and rows.data:
        first, second = (rows.header or rows.data[0])[0], rows.data[-1][0]
        for separator, name in (("|", "vertical bars '|'"), (" ", "spaces"), (":", "colons ':'")):
            if first.strip().count(separator) == second.strip().count(separator) >= 1:
                hint = (
                    f" The values seem to be separated by {name}; this reader understands commas, "
                    "semicolons and tabs."
                )
                break
    return DataError(
        f"No column of numbers is left to use ({reasons}{more}).{hint} "
        "The app needs columns of numbers, one row per sample. " + _SAVE_AS_CSV
    )


def _drop_bad_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Drop rows with NaN, then rows with inf; return the table and both counts."""
    values = table.to_numpy()
    has_nan = np.isnan(values).any(axis=1)
    has_inf = np.isinf(values).any(axis=1) & ~has_nan
    keep = ~(has_nan | has_inf)
    return table.loc[keep].reset_index(drop=True), int(has_nan.sum()), int(has_inf.sum())


def _too_few_rows(n_kept: int, n_read: int, n_nan: int, n_inf: int, min_rows: int) -> DataError:
    lost = []
    if n_nan:
        lost.append(f"{_count(n_nan, 'row')} with missing values")
    if n_inf:
        lost.append(f"{_count(n_inf, 'row')} with infinite values")
    why = f" after dropping {' and '.join(lost)}" if lost else ""
    need = (
        "Fitting a model needs at least two rows" if min_rows >= 2 else "At least one row is needed"
    )
    return DataError(
        f"Only {_count(n_kept, 'usable row')} of {n_read:,} {'is' if n_kept == 1 else 'are'} left{why}. "
        f"{need}: add rows, or fill in the empty cells."
    )


def _check_magnitudes(table: pd.DataFrame) -> None:
    largest = table.abs().max()
    too_big = largest[largest > MAX_ABS_VALUE]
    if len(too_big):
        name = str(too_big.index[0])
        raise DataError(
            f"Column {name!r} holds values as large as {float(too_big.iloc[0]):.3g}; their squares "
            "overflow the computer's number format. Rescale the column (for example divide it by "
            "a power of ten, or take logarithms) and upload the file again."
        )


def _inspect(data: bytes, for_fitting: bool) -> tuple[pd.DataFrame, TableReport]:
    text, encoding = _text_of_table(data)
    rows = _split_table(text)
    width = len(rows.header if rows.header is not None else rows.data[0])
    if not rows.data:
        raise DataError(
            "The file has a header row but no data below it. Add one row per sample under the header."
        )
    names, renamed = _clean_names(rows.header, width)
    columns, dropped = _numeric_columns(rows, names, for_fitting)
    if not columns:
        raise _nothing_numeric(rows, dropped)
    n_read = len(rows.data)
    table, n_nan, n_inf = _drop_bad_rows(pd.DataFrame(columns, dtype=np.float64))
    min_rows = 2 if for_fitting else 1
    if len(table) < min_rows:
        raise _too_few_rows(len(table), n_read, n_nan, n_inf, min_rows)
    if for_fitting:
        if len(table.drop_duplicates()) == 1:
            raise DataError(
                f"All {len(table):,} rows are identical, so there is nothing to tell apart. "
                "Upload rows that differ from one another."
            )
        constant = [name for name in table.columns if table[name].nunique() == 1]
        dropped += [(name, "the same value in every row") for name in constant]
        table = table.drop(columns=constant)
    _check_magnitudes(table)
    report = TableReport(
        n_rows_read=n_read,
        n_rows_kept=len(table),
        n_columns_read=width,
        columns=[str(c) for c in table.columns],
        dropped_columns=dropped,
        renamed_columns=renamed,
        n_rows_dropped_nan=n_nan,
        n_rows_dropped_inf=n_inf,
        n_duplicate_rows=int(table.duplicated().sum()),
        encoding=encoding,
        separator=rows.separator,
        decimal=rows.decimal,
        has_header=rows.header is not None,
    )
    return table, report


def inspect_table(
    source: bytes | str | os.PathLike | Any,
    *,
    max_bytes: int | None = MAX_TABLE_BYTES,
    for_fitting: bool = True,
) -> tuple[pd.DataFrame, TableReport]:
    """Read a CSV-like table of numbers and report what was found and changed.

    The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Latin-1), the separator
    (comma, semicolon or tab), the decimal mark and the presence of a header row are detected.
    Columns that are not numbers, are empty or mostly empty, or hold saved row numbers are
    dropped; so are constant columns when fitting. Rows with a missing or infinite value are
    dropped and counted; duplicate rows are counted and kept.

    Parameters
    ----------
    source : bytes, str, os.PathLike or file-like
        The file's bytes, a path to it, or an object with ``getvalue()`` or ``read()`` (such as
        Streamlit's ``UploadedFile``).
    max_bytes : int or None
        Refuse larger files; None for no limit.
    for_fitting : bool
        True (the default) for data a model will be fitted on: at least two rows, not all
        identical, constant columns dropped. False for new rows to classify with a fitted model:
        one row is enough and constant columns are kept.

    Returns
    -------
    table : pandas.DataFrame of shape (n_rows_kept, n_columns_kept)
        float64 columns, all finite, with unique string names.
    report : TableReport

    Raises
    ------
    DataError
        When the file cannot be used; the message says what is wrong and what to do.
    """
    try:
        data = _read_source(source, max_bytes)
        return _inspect(data, for_fitting)
    except DataError:
        raise
    except Exception as exc:
        raise DataError("The file could not be read as a table. " + _SAVE_AS_CSV) from exc


def read_table(
    source: bytes | str | os.PathLike | Any,
    *,
    max_bytes: int | None = MAX_TABLE_BYTES,
    for_fitting: bool = True,
) -> pd.DataFrame:
    """Read a validated table of numbers; :func:`inspect_table` without the report.

    Returns
    -------
    pandas.DataFrame of shape (n_rows, n_columns)
        float64 columns, all finite, with unique string names.
    """
    return inspect_table(source, max_bytes=max_bytes, for_fitting=for_fitting)[0]


def align_columns(df: pd.DataFrame, expected: list[str]) -> pd.DataFrame:
    """Put new rows in the column order a fitted model expects.

    Parameters
    ----------
    df : pandas.DataFrame of shape (n_rows, n_any)
        New rows, e.g. from ``read_table(..., for_fitting=False)``.
    expected : list of str
        The columns the model was fitted on, in order.

    Returns
    -------
    pandas.DataFrame of shape (n_rows, len(expected))
        ``df[expected]``; other columns are left out.

    Raises
    ------
    DataError
        When a column in ``expected`` is missing from ``df``; the message names it and the
        columns that would be ignored.
    """
    expected = [str(name) for name in expected]
    present = [str(name) for name in df.columns]
    missing = [name for name in expected if name not in present]
    if missing:
        extra = [name for name in present if name not in expected]
        message = (
            f"The new rows lack {_count(len(missing), 'column')} the model was fitted on: "
            f"{_quoted(missing)}."
        )
        if extra:
            message += (
                f" These columns are not used by the model and would be ignored: {_quoted(extra)}."
            )
        message += " Upload rows with the same column names as the data the model was fitted on."
        raise DataError(message)
    out = df.copy()
    out.columns = present
    return out[expected]


def _quoted(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(name) for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# ---------------------------------------------------------------------------------------------
# Safe CSV for downloads
# ---------------------------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def escape_csv_cell(value: Any) -> Any:
    """Neutralise a cell that a spreadsheet would run as a formula.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single
    quote in front, so spreadsheets show it as text instead of evaluating it. Numbers, and
    strings that are plain numbers such as ``"-3.5"``, are returned unchanged.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        ``value``, or ``"'" + value`` for a risky string.
    """
    risky = isinstance(value, str) and value.startswith(_FORMULA_STARTS)
    if risky and _PLAIN_NUMBER.fullmatch(value) is None:
        return "'" + value
    return value


def to_safe_csv(df: pd.DataFrame, *, index: bool = False) -> bytes:
    """Write a DataFrame as UTF-8 CSV bytes that are safe to open in a spreadsheet.

    Parameters
    ----------
    df : pandas.DataFrame of shape (n_rows, n_columns)
    index : bool
        Also write the index as the first column.

    Returns
    -------
    bytes
        Comma-separated, with a header row; string cells and names escaped with
        :func:`escape_csv_cell`; numbers written as numbers.
    """
    out = df.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].astype(object).map(escape_csv_cell)
    out.columns = [escape_csv_cell(str(name)) for name in out.columns]
    if index:
        out.index = [escape_csv_cell(v) if isinstance(v, str) else v for v in out.index]
        if out.index.name is not None:
            out.index.name = escape_csv_cell(str(out.index.name))
    return out.to_csv(index=index, lineterminator="\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Images (MNIST formats) for the VAE lab
# ---------------------------------------------------------------------------------------------

_IDX_IMAGES, _IDX_LABELS = 0x00000803, 0x00000801
_IMAGE_FORMATS_HELP = (
    "The image lab reads MNIST-format files: IDX files (raw or .gz, as in the MNIST download), "
    "an .npz with arrays x_train and y_train (optionally x_test and y_test), "
    "or a CSV with a label and then the pixel values on each line."
)


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Square grey-level images, flattened row by row, with optional labels.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, h * w)
        float64 in [0, 1].
    y_train : ndarray of shape (n_train,) or None
        int64 labels.
    X_test : ndarray of shape (n_test, h * w) or None
        float64 in [0, 1].
    y_test : ndarray of shape (n_test,) or None
        int64 labels.
    shape : (int, int)
        ``(h, w)`` of one image; ``h == w``.
    source_format : str
        ``"idx"``, ``"idx.gz"``, ``"npz"``, ``"npy"`` or ``"csv"`` (``.gz`` appended when
        the file was gzip-compressed).
    """

    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    shape: tuple[int, int]
    source_format: str

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return 0 if self.X_test is None else int(self.X_test.shape[0])


def _gunzip(data: bytes, max_bytes: int | None) -> tuple[bytes, bool]:
    """Decompress gzip bytes (detected by their magic bytes) without exceeding ``max_bytes``."""
    if not data.startswith(b"\x1f\x8b"):
        return data, False
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, 0 if max_bytes is None else max_bytes + 1)
    except zlib.error:
        raise DataError(
            "The gzip file is damaged and cannot be decompressed. Download it again."
        ) from None
    if max_bytes is not None and len(out) > max_bytes:
        raise DataError(
            f"Decompressed, the file is more than {_megabytes(max_bytes)}, the limit here. "
            "Use fewer images."
        )
    if not inflater.eof:
        raise DataError("The gzip file is cut short (incomplete download?). Download it again.")
    return out, True


def _check_side(h: int, w: int, where: str) -> None:
    if h != w:
        raise DataError(f"{where} holds {h}x{w} images; only square images are supported.")
    if not MIN_IMAGE_SIDE <= h <= MAX_IMAGE_SIDE:
        raise DataError(
            f"{where} holds {h}x{w} images; the side must be between {MIN_IMAGE_SIDE} and "
            f"{MAX_IMAGE_SIDE} pixels. Resize the images."
        )


def _check_count(n: int, where: str) -> None:
    if n < 1:
        raise DataError(f"{where} holds no images.")
    if n > MAX_IMAGES:
        raise DataError(
            f"{where} holds {n:,} images; at most {MAX_IMAGES:,} are supported. Use a subset."
        )


def _parse_idx(data: bytes) -> np.ndarray:
    """Parse an unsigned-byte IDX file (MNIST images or labels).

    Returns
    -------
    ndarray of shape (n, h, w) or (n,)
        uint8, a read-only view of ``data``.
    """
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise DataError(
            "This is not an IDX file: it does not start with two zero bytes. " + _IMAGE_FORMATS_HELP
        )
    if data[2] != 0x08:
        raise DataError(
            f"This IDX file stores values of type 0x{data[2]:02X}; only unsigned bytes (0x08), "
            "as in MNIST, are supported."
        )
    magic, n_dims = struct.unpack(">I", data[:4])[0], data[3]
    if magic not in (_IDX_IMAGES, _IDX_LABELS):
        raise DataError(
            f"This IDX file has {n_dims} dimensions; expected 3 (images: count, rows, columns) "
            "or 1 (labels)."
        )
    header = 4 + 4 * n_dims
    if len(data) < header:
        raise DataError("The IDX file is cut short inside its header. Download it again.")
    dims = struct.unpack(f">{n_dims}I", data[4:header])
    what = "The IDX file" if magic == _IDX_IMAGES else "The IDX labels file"
    _check_count(dims[0], what)
    if magic == _IDX_IMAGES:
        _check_side(dims[1], dims[2], what)
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        shape = " x ".join(str(d) for d in dims)
        problem = "is cut short" if len(data) < expected else "has extra bytes at the end"
        raise DataError(
            f"The IDX file {problem}: its header announces {shape} values ({expected:,} bytes with "
            f"the header) but the file has {len(data):,} bytes. Download it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _pixels(x: np.ndarray, where: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Validate images and flatten them to float64 in [0, 1].

    Parameters
    ----------
    x : ndarray of shape (n, h, w), (n, h, w, 1) or (n, h * w)
        Pixel values in [0, 1] or in [0, 255].

    Returns
    -------
    X : ndarray of shape (n, h * w)
    shape : (int, int)
    """
    if x.dtype.kind not in "biuf":
        raise DataError(f"{where} holds {x.dtype} values; pixels must be numbers.")
    if x.ndim == 4 and x.shape[3] == 1:
        x = x[..., 0]
    if x.ndim == 3:
        h, w = int(x.shape[1]), int(x.shape[2])
    elif x.ndim == 2:
        side = _square_side(int(x.shape[1]))
        if side is None:
            raise DataError(
                f"{where} holds rows of {x.shape[1]:,} pixels, which is not a square number "
                "(28x28 = 784). Only square images are supported."
            )
        h = w = side
    else:
        raise DataError(
            f"{where} has shape {x.shape}; expected (count, rows, columns) or (count, pixels)."
        )
    _check_count(int(x.shape[0]), where)
    _check_side(h, w, where)
    X = np.asarray(x, dtype=np.float64).reshape(x.shape[0], h * w)
    if not np.isfinite(X).all():
        raise DataError(
            f"{where} holds NaN or infinite pixel values; every pixel must be a number."
        )
    low, high = float(X.min()), float(X.max())
    if low < 0 or high > 255:
        raise DataError(
            f"{where} holds pixel values from {low:g} to {high:g}; expected 0 to 255, or 0 to 1."
        )
    if high > 1:
        X = X / 255.0
    return X, (h, w)


def _labels(y: np.ndarray, n: int, where: str) -> np.ndarray:
    """Validate labels: ``n`` finite whole numbers. Returns an int64 array of shape (n,)."""
    if y.dtype.kind not in "biuf":
        raise DataError(f"{where} holds {y.dtype} values; labels must be whole numbers.")
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{where} holds {y.size:,} labels for {n:,} images; they must agree.")
    y = np.asarray(y, dtype=np.float64)
    if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
        raise DataError(f"{where} holds labels that are not whole numbers.")
    if np.abs(y).max() >= 2**31:
        raise DataError(f"{where} holds labels beyond ±2,147,483,647; use small class numbers.")
    return y.astype(np.int64)


def _square_side(n_pixels: int) -> int | None:
    side = int(round(n_pixels**0.5))
    return side if side * side == n_pixels and side > 0 else None


def _images_from_idx(data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    arr = _parse_idx(data)
    if arr.ndim == 1:
        raise DataError(
            "This IDX file holds labels, not images. Choose the images file (its name usually "
            "contains 'images-idx3'), or upload both files together to pair images with labels."
        )
    return _pixels(arr, "The IDX file")


def _npz_arrays(data: bytes, max_bytes: int | None) -> dict[str, np.ndarray]:
    """Load the arrays of an .npz without ever unpickling, keyed by lower-case name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if not members or not all(m.filename.endswith(".npy") for m in members):
            raise DataError(
                "This is a ZIP archive (or an Excel workbook) but not an .npz of NumPy arrays. "
                + _IMAGE_FORMATS_HELP
            )
        _check_size(sum(m.file_size for m in members), max_bytes)
    out = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        for key in npz.files:
            try:
                out[key.lower()] = npz[key]
            except ValueError:
                raise DataError(
                    f"The array {key!r} in the .npz holds Python objects, which are never loaded "
                    "because opening them could run code. Save plain numeric arrays, e.g. "
                    "np.savez(path, x_train=images.astype('uint8'), y_train=labels)."
                ) from None
    return out


def _images_from_npz(data: bytes, max_bytes: int | None) -> ImageSet:
    arrays = _npz_arrays(data, max_bytes)
    if "x_train" not in arrays:
        found = ", ".join(sorted(arrays)) or "none"
        raise DataError(
            f"The .npz has no array called x_train (found: {found}). Save the images as x_train "
            "and their labels as y_train; x_test and y_test are optional."
        )
    X_train, shape = _pixels(arrays["x_train"], "x_train")
    y_train = _labels(arrays["y_train"], len(X_train), "y_train") if "y_train" in arrays else None
    X_test = y_test = None
    if "x_test" in arrays:
        X_test, test_shape = _pixels(arrays["x_test"], "x_test")
        if test_shape != shape:
            raise DataError(
                f"x_test holds {test_shape[0]}x{test_shape[1]} images but x_train holds "
                f"{shape[0]}x{shape[1]}; they must be the same size."
            )
        if "y_test" in arrays:
            y_test = _labels(arrays["y_test"], len(X_test), "y_test")
    return ImageSet(X_train, y_train, X_test, y_test, shape, "npz")


def _images_from_npy(data: bytes) -> ImageSet:
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        raise DataError(
            "The .npy file holds Python objects, which are never loaded because opening them "
            "could run code. Save a plain numeric array."
        ) from None
    X, shape = _pixels(arr, "The .npy array")
    return ImageSet(X, None, None, None, shape, "npy")


def _images_from_csv(data: bytes) -> ImageSet:
    kind = _binary_kind(data)
    if kind is not None:
        raise DataError(f"This looks like {kind}, not MNIST-format images. " + _IMAGE_FORMATS_HELP)
    text, _ = _decode(data)
    if not text.strip():
        raise DataError("The file is empty. " + _IMAGE_FORMATS_HELP)
    _refuse_non_table_text(text)
    values = _csv_values(text.lstrip("\r\n"))
    width = values.shape[1]
    if _square_side(width - 1) is not None and width > 1:
        y = _labels(values[:, 0], len(values), "The label column (the first column)")
        X, shape = _pixels(values[:, 1:], "The CSV")
    elif _square_side(width) is not None:
        y = None
        X, shape = _pixels(values, "The CSV")
    else:
        raise DataError(
            f"Each line holds {width:,} values: expected a label and then a square number of "
            "pixels, e.g. 1 + 784 for 28x28 images."
        )
    return ImageSet(X, y, None, None, shape, "csv")


def _csv_values(text: str) -> np.ndarray:
    """Every cell of an all-numeric CSV as float64, shape (n_rows, n_columns), header skipped.

    NumPy's C parser keeps memory low on MNIST-sized files; when it fails, the slower
    cell-by-cell reader finds the line to blame.
    """
    lines = _sniff_lines(text)
    separator = _sniff_separator(lines)
    decimal = _sniff_decimal(lines, separator)
    first, *rest = _split(lines, separator)
    has_header = _looks_like_header(first, rest)
    if has_header and not rest:
        raise DataError("The CSV has a header row but no images below it.")
    body = text.replace(",", ".") if decimal == "," and separator != "," else text
    try:
        return np.loadtxt(
            io.StringIO(body),
            delimiter=separator,
            skiprows=int(has_header),
            dtype=np.float64,
            ndmin=2,
            comments=None,
            quotechar='"',
        )
    except ValueError:
        raise _first_bad_cell(_split_table(text)) from None


def _first_bad_cell(rows: _Rows) -> DataError:
    for row, line in zip(rows.data, rows.line_numbers, strict=True):
        for j, cell in enumerate(row):
            if not _is_number(cell.replace(",", ".") if rows.decimal == "," else cell):
                return DataError(
                    f"Line {line}, column {j + 1} holds {cell.strip()[:30]!r}, not a number. "
                    "Every value in an image CSV must be a number: the label, then the pixels."
                )
    return DataError("The CSV holds values that are not numbers. " + _IMAGE_FORMATS_HELP)


def _refuse_pickle_name(filename: str | None) -> None:
    if filename and filename.lower().endswith((".pkl", ".pickle", ".pt", ".pth", ".joblib")):
        raise DataError(
            f"{filename!r} looks like a pickle, which is never opened here because opening it "
            "could run code. " + _IMAGE_FORMATS_HELP
        )


def _read_images(data: bytes, filename: str | None, max_bytes: int | None) -> ImageSet:
    _refuse_pickle_name(filename)
    if not data:
        raise DataError("The file is empty. " + _IMAGE_FORMATS_HELP)
    data, gzipped = _gunzip(data, max_bytes)
    suffix = ".gz" if gzipped else ""
    if data[:2] == b"\x00\x00":
        X, shape = _images_from_idx(data)
        images = ImageSet(X, None, None, None, shape, "idx")
    elif data.startswith(b"PK\x03\x04"):
        images = _images_from_npz(data, max_bytes)
    elif data.startswith(b"\x93NUMPY"):
        images = _images_from_npy(data)
    else:
        images = _images_from_csv(data)
    if suffix:
        images = ImageSet(
            images.X_train, images.y_train, images.X_test, images.y_test,
            images.shape, images.source_format + suffix,
        )  # fmt: skip
    return images


def read_images(
    source: bytes | str | os.PathLike | Any,
    filename: str | None = None,
    *,
    max_bytes: int | None = MAX_IMAGE_BYTES,
) -> ImageSet:
    """Read MNIST-format images for the VAE lab.

    The format is detected from the bytes: an IDX images file (magic ``0x00000803``), an
    ``.npz`` with ``x_train`` and optionally ``y_train``, ``x_test``, ``y_test``, a plain
    ``.npy`` array, or a CSV with a label then the pixels on each line (a CSV whose lines hold
    a square number of values is read as pixels without labels). Any of them may be
    gzip-compressed. Nothing is ever unpickled.

    Parameters
    ----------
    source : bytes, str, os.PathLike or file-like
        The file's bytes, a path, or an object with ``getvalue()`` or ``read()``.
    filename : str or None
        The name of the uploaded file, used to refuse pickles by name early.
    max_bytes : int or None
        Refuse files (also once decompressed) larger than this; None for no limit.

    Returns
    -------
    ImageSet
        Pixels scaled to [0, 1] (values in 0..255 are divided by 255).

    Raises
    ------
    DataError
        When the file is not readable images; the message says why and what to do.
    """
    try:
        return _read_images(_read_source(source, max_bytes), filename, max_bytes)
    except DataError:
        raise
    except Exception as exc:
        raise DataError("The file could not be read as images. " + _IMAGE_FORMATS_HELP) from exc


def read_idx_pair(
    images_source: bytes | str | os.PathLike | Any,
    labels_source: bytes | str | os.PathLike | Any,
    *,
    max_bytes: int | None = MAX_IMAGE_BYTES,
) -> ImageSet:
    """Read an IDX images file with its IDX labels file (raw or gzip-compressed).

    The two may be passed in either order.

    Parameters
    ----------
    images_source, labels_source : bytes, str, os.PathLike or file-like
        E.g. ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``.
    max_bytes : int or None
        Refuse files (also once decompressed) larger than this; None for no limit.

    Returns
    -------
    ImageSet
        ``X_train`` of shape (n, h * w) in [0, 1] and ``y_train`` of shape (n,); no test set.

    Raises
    ------
    DataError
        When either file is not IDX, or the number of labels differs from the number of images.
    """
    try:
        first, gz_first = _gunzip(_read_source(images_source, max_bytes), max_bytes)
        second, gz_second = _gunzip(_read_source(labels_source, max_bytes), max_bytes)
        a, b = _parse_idx(first), _parse_idx(second)
        if a.ndim == 1 and b.ndim == 3:
            a, b = b, a
        if a.ndim != 3 or b.ndim != 1:
            raise DataError(
                "Expected one IDX images file and one IDX labels file, but got "
                f"{'two labels files' if a.ndim == 1 else 'two images files'}."
            )
        if len(a) != len(b):
            raise DataError(
                f"The images file holds {len(a):,} images but the labels file holds {len(b):,} "
                "labels. Use the labels file that belongs to these images (train with train, "
                "test with test)."
            )
        X, shape = _pixels(a, "The IDX images file")
        y = b.astype(np.int64)
        fmt = "idx.gz" if gz_first or gz_second else "idx"
        return ImageSet(X, y, None, None, shape, fmt)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            "The files could not be read as IDX images and labels. " + _IMAGE_FORMATS_HELP
        ) from exc
