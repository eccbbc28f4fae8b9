"""Tests for engine.data.sources, through read_table: every kind of source, size limits, failures."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import engine.data.tables as tables_module
from engine.data import DataError, read_table
from tests.engine.data.helpers import assert_clean
from tests.fixtures.bad_files import good_csv_bytes

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

    monkeypatch.setattr(tables_module, "_inspect", broken)
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
