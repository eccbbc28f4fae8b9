"""Cached wrappers around the engine, at the UI boundary.

``st.cache_data`` hands every caller its own copy of the result, so callers may not share
(or mutate) one object by accident. Exceptions are never cached: a :class:`engine.data.DataError`
raised inside reaches the caller with its message intact, and the next call tries again.

An uploaded table is stored under the SHA-256 digest of its bytes. The page that received the
upload calls :func:`read_uploaded`; any later page gets the same table back with
:func:`stored_upload` from the digest kept in session state, without the bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from engine import data as engine_data
from engine.data import Dataset, TableReport

#: How many uploaded tables the server keeps (for all sessions together) and for how long.
UPLOAD_MAX_ENTRIES = 32
UPLOAD_TTL = "6h"


@dataclass(frozen=True)
class UploadedTable:
    """A validated upload: the numeric table and what the check found and changed."""

    name: str
    digest: str
    frame: pd.DataFrame
    report: TableReport

    @property
    def messages(self) -> tuple[str, ...]:
        """The report as short sentences for people."""
        return tuple(self.report.messages())

    @property
    def changed(self) -> bool:
        """True when the check dropped or renamed something (worth a warning)."""
        r = self.report
        return bool(
            r.dropped_columns or r.renamed_columns or r.n_rows_dropped_nan or r.n_rows_dropped_inf
        )


class _NotStored(Exception):
    """The digest is not in the store and no bytes were given to fill it."""


def digest_of(data: bytes) -> str:
    """Hex SHA-256 of the file's bytes: the key an uploaded table is stored under."""
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=len(engine_data.BUILTIN_NAMES))
def load_builtin(name: str) -> Dataset:
    """:func:`engine.data.load_builtin`, cached. Raises DataError for an unknown name."""
    return engine_data.load_builtin(name)


@st.cache_data(show_spinner="Checking the file…", max_entries=UPLOAD_MAX_ENTRIES, ttl=UPLOAD_TTL)
def _table_by_digest(digest: str, _data: bytes | None) -> tuple[pd.DataFrame, TableReport]:
    # Keyed on ``digest`` only: the leading underscore keeps ``_data`` out of the cache key.
    if _data is None:
        raise _NotStored(digest)
    return engine_data.inspect_table(_data)


def read_uploaded(data: bytes, name: str) -> UploadedTable:
    """Validate an uploaded file's bytes (cached on their content).

    Raises
    ------
    engine.data.DataError
        The file cannot be used; the message says why, for a person.
    """
    digest = digest_of(data)
    frame, report = _table_by_digest(digest, data)
    return UploadedTable(name=name, digest=digest, frame=frame, report=report)


def stored_upload(digest: str, name: str) -> UploadedTable | None:
    """The table uploaded earlier with this digest, or None once the store has dropped it."""
    try:
        frame, report = _table_by_digest(digest, None)
    except _NotStored:
        return None
    return UploadedTable(name=name, digest=digest, frame=frame, report=report)
