"""Safe CSV for downloads: cells a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

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
