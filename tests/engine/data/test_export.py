"""Tests for engine.data.export: CSV downloads that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from engine.data import escape_csv_cell, to_safe_csv


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
