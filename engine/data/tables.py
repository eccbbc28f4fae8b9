"""Tables of numbers from CSV-like text: detection, validation and a report of what changed.

Everything here returns float64 columns, all finite, or raises :class:`DataError`, whose
message is written for a person: what is wrong and what to do about it.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.data.sources import (
    _SAVE_AS_CSV,
    MAX_TABLE_BYTES,
    _binary_kind,
    _decode_counted,
    _has_control_characters,
    _read_source,
    _refuse_wide_encoding,
)
from engine.errors import DataError

#: Most columns a table may have.
MAX_COLUMNS = 1000
#: Largest magnitude accepted in a table: squares of larger values overflow float64 in covariances.
MAX_ABS_VALUE = 1e150

_SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "latin-1": "Latin-1",
    "utf-16": "UTF-16",
    "utf-8+latin-1": "UTF-8, some characters read as Latin-1",
}
_FIELD_LIMIT = csv.field_size_limit()
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
        ``"utf-8"``, ``"utf-8-sig"``, ``"latin-1"``, ``"utf-16"`` or ``"utf-8+latin-1"`` (UTF-8
        in which some bytes are not UTF-8 and were read as Latin-1; see ``n_latin1_chars``).
    separator : str
        ``","``, ``";"`` or ``"\\t"``.
    decimal : str
        ``"."`` or ``","``.
    has_header : bool
        Whether the first row was read as column names.
    n_latin1_chars : int
        In a ``"utf-8+latin-1"`` file, how many bytes were not UTF-8 and were each read as one
        Latin-1 character; else 0.
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
    n_latin1_chars: int = 0

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
        if self.n_latin1_chars:
            out.append(
                f"The file is UTF-8 but {_count(self.n_latin1_chars, 'character')} "
                f"{'is' if self.n_latin1_chars == 1 else 'are'} not, and "
                f"{'was' if self.n_latin1_chars == 1 else 'were'} read as Latin-1: check the "
                "column names, and save the file as UTF-8 to be sure."
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
    except csv.Error as exc:
        if "field larger than field limit" in str(exc) and reader.line_num <= start:
            # One physical line holds the whole field: a value too long, not a lost quote.
            raise DataError(
                f"Line {start} holds a value over {_FIELD_LIMIT:,} characters long, more than a "
                "table cell may hold. Check that line (is it a whole document pasted into one "
                "cell?), shorten or remove that value, and try again."
            ) from None
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


def _text_of_table(data: bytes) -> tuple[str, str, int]:
    """Decode the bytes of a table, refusing empty, binary and non-tabular files.

    Returns the text, its encoding and how many characters were read as Latin-1 in a file
    that is otherwise UTF-8.
    """
    if not data.strip():
        raise DataError(
            "The file is empty. Choose a CSV file with a header row and rows of numbers."
        )
    _refuse_wide_encoding(data)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        kind = _binary_kind(data)
        if kind is not None:
            raise DataError(f"This looks like {kind}, not a table of text. " + _SAVE_AS_CSV)
    text, encoding, n_latin1 = _decode_counted(data)
    if not text.strip():
        raise DataError(
            "The file is empty. Choose a CSV file with a header row and rows of numbers."
        )
    _refuse_non_table_text(text)
    return text, encoding, n_latin1


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
    if keep.all():  # the common case: no copy
        return table, 0, 0
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


def _fast_values(
    data: bytes, text: str, encoding: str
) -> tuple[list[str] | None, np.ndarray, str, str] | None:
    """Read a plain table of finite numbers with pandas' C parser, or None to read it carefully.

    Most large uploads are exactly this: a header (or not) and rows of numbers, no quotes, no
    missing values. The C parser reads them some fifty times faster than splitting cells in
    Python. Anything else (quotes, text, blanks, NaN or inf, ragged lines, decimal commas in a
    comma-separated file) returns None, and the careful reader finds and names the problem.

    Returns
    -------
    header : list of str or None
    values : ndarray of shape (n_rows, n_columns)
        float64, all finite.
    separator, decimal : str
    """
    if '"' in text:
        return None
    lines = _sniff_lines(text)
    separator = _sniff_separator(lines)
    decimal = _sniff_decimal(lines, separator)
    if decimal == separator:
        return None
    first, *rest = _split(lines, separator) or [[]]
    if not first or len(first) > MAX_COLUMNS or not rest:
        return None
    header = first if _looks_like_header(first, rest) else None
    if encoding in ("utf-8", "utf-8-sig"):
        stream, codec = io.BytesIO(data), encoding
    else:
        stream, codec = io.BytesIO(text.encode("utf-8")), "utf-8"
    try:
        frame = pd.read_csv(
            stream,
            sep=separator,
            decimal=decimal,
            header=None,
            skiprows=_leading_blank_lines(text) + (header is not None),
            dtype=np.float64,
            na_filter=False,
            encoding=codec,
            engine="c",
            skip_blank_lines=True,
        )
    except (ValueError, pd.errors.ParserError):
        return None
    values = frame.to_numpy(dtype=np.float64)
    del frame
    if values.ndim != 2 or values.shape[1] != len(first) or len(values) == 0:
        return None
    if not np.isfinite(values).all():
        return None
    return header, values, separator, decimal


def _leading_blank_lines(text: str) -> int:
    """How many blank lines precede the first line with something on it."""
    n = 0
    for line in io.StringIO(text[:_SNIFF_CHARS]):
        if line.strip():
            return n
        n += 1
    return n


def _fast_columns(
    header: list[str] | None, values: np.ndarray, names: list[str]
) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """:func:`_numeric_columns` for a table already known to hold only finite numbers."""
    kept: dict[str, np.ndarray] = {}
    dropped: list[tuple[str, str]] = []
    for j, name in enumerate(names):
        if header is not None and _is_row_number_column(header[j], values[:, j]):
            dropped.append((name, "row numbers (0, 1, 2, ...), not a measurement"))
        else:
            kept[name] = values[:, j]
    return kept, dropped


def _inspect(data: bytes, for_fitting: bool) -> tuple[pd.DataFrame, TableReport]:
    text, encoding, n_latin1 = _text_of_table(data)
    fast = _fast_values(data, text, encoding)
    if fast is not None:
        header, values, separator, decimal = fast
        del text
        width = values.shape[1]
        names, renamed = _clean_names(header, width)
        columns, dropped = _fast_columns(header, values, names)
        n_read = len(values)
    else:
        rows = _split_table(text)
        del text
        width = len(rows.header if rows.header is not None else rows.data[0])
        if not rows.data:
            raise DataError(
                "The file has a header row but no data below it. Add one row per sample under "
                "the header."
            )
        names, renamed = _clean_names(rows.header, width)
        columns, dropped = _numeric_columns(rows, names, for_fitting)
        if not columns:
            raise _nothing_numeric(rows, dropped)
        n_read = len(rows.data)
        header, separator, decimal = rows.header, rows.separator, rows.decimal
        del rows
    table, n_nan, n_inf = _drop_bad_rows(pd.DataFrame(columns, dtype=np.float64))
    min_rows = 2 if for_fitting else 1
    if len(table) < min_rows:
        raise _too_few_rows(len(table), n_read, n_nan, n_inf, min_rows)
    if for_fitting:
        # Comparisons with the first row, not hashing: 2,000,000 rows take milliseconds.
        values = table.to_numpy()
        if (values == values[0]).all():
            raise DataError(
                f"All {len(table):,} rows are identical, so there is nothing to tell apart. "
                "Upload rows that differ from one another."
            )
        same = (values == values[0]).all(axis=0)
        constant = [name for name, flat in zip(table.columns, same, strict=True) if flat]
        del values
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
        separator=separator,
        decimal=decimal,
        has_header=header is not None,
        n_latin1_chars=n_latin1,
    )
    return table, report


def inspect_table(
    source: bytes | str | os.PathLike | Any,
    *,
    max_bytes: int | None = MAX_TABLE_BYTES,
    for_fitting: bool = True,
) -> tuple[pd.DataFrame, TableReport]:
    """Read a CSV-like table of numbers and report what was found and changed.

    The encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Latin-1; UTF-16 without BOM
    and UTF-32 are refused with a message naming them), the separator
    (comma, semicolon or tab), the decimal mark and the presence of a header row are detected.
    Columns that are not numbers, are empty or mostly empty, or hold saved row numbers are
    dropped; so are constant columns when fitting. Rows with a missing or infinite value are
    dropped and counted; duplicate rows are counted and kept.

    A plain table of finite numbers (no quotes, no blanks) is parsed by pandas' C parser, some
    fifty times faster than cell by cell; anything else goes through the careful reader, whose
    messages name the line and the cell at fault.

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
