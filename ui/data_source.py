"""The "choose data" block every page can show, and the chosen data it returns.

``choose_data(key_prefix)`` draws the widgets (built-in dataset or CSV upload, then features)
and returns a :class:`ChosenData`. ``current_data()`` returns the same choice without drawing
anything, for pages that only read it. The choice itself lives in :mod:`ui.state` (small keys)
and uploaded tables in :mod:`ui.cache` (by content digest), so it survives page switches.

A broken file never stops the app: its message is shown with ``st.error`` and the previous
choice (an earlier upload, or the selected built-in dataset) stays in use.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from engine.data import BUILTIN_NAMES, DataError
from ui import cache, state

_LOG = logging.getLogger(__name__)

#: Menu labels of the built-in datasets.
BUILTIN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "wine": "Wine (13 chemical measurements)",
        "iris": "Iris flowers (4 sizes)",
        "digits": "Handwritten digits, grey (8x8 pixels)",
        "digits_binary": "Handwritten digits, black and white (8x8 pixels)",
        "blobs": "Three blobs (2-D, synthetic)",
        "counts": "Counts (Poisson, synthetic)",
    }
)
SOURCE_LABELS: Mapping[str, str] = MappingProxyType(
    {"builtin": "Built-in dataset", "upload": "Upload a CSV"}
)
UPLOAD_TYPES: tuple[str, ...] = ("csv", "txt", "tsv")
#: Features listed in the summary table before it scrolls.
SUMMARY_ROWS = 16
#: Shown when reading a file fails in a way the engine did not foresee (a bug, not the file).
UNEXPECTED_ERROR = (
    "This file could not be read because of an unexpected problem in the app. "
    "Please try another file, or save it again as a plain comma-separated CSV."
)


@dataclass(frozen=True)
class ChosenData:
    """The data a page works on.

    Attributes
    ----------
    name : str
        Built-in dataset name (``"wine"``) or the uploaded file's name.
    frame : DataFrame of shape (n_samples, n_columns)
        Numeric, finite float64 columns only; a copy the page may not share with others.
    feature_names : tuple of str
        All columns of ``frame``.
    features : tuple of str
        The columns selected for modelling (all of them unless the user picked some).
    labels : ndarray of shape (n_samples,) or None
        True class of each row, where the source knows it.
    label_names : tuple of str or None
        A name for each label value.
    source : {"builtin", "upload"}
    kind : {"continuous", "counts", "binary"}
        Which mixture families suit the data.
    description : str
        One or two sentences about the data.
    messages : tuple of str
        What the file check found and changed (uploads only).
    changed : bool
        True when the check dropped or renamed columns or rows.
    digest : str or None
        SHA-256 of an uploaded file's bytes; None for built-in data.
    """

    name: str
    frame: pd.DataFrame
    feature_names: tuple[str, ...]
    features: tuple[str, ...]
    labels: np.ndarray | None
    label_names: tuple[str, ...] | None
    source: str
    kind: str
    description: str
    messages: tuple[str, ...] = ()
    changed: bool = False
    digest: str | None = None

    @property
    def X(self) -> np.ndarray:
        """The selected features as a float64 array of shape (n_samples, n_selected)."""
        return self.frame[list(self.features)].to_numpy(dtype=np.float64)

    @property
    def cache_key(self) -> str:
        """A short string that identifies the table (dataset name or file digest)."""
        return self.digest or self.name


# --------------------------------------------------------------------------- pure helpers


def guess_kind(frame: pd.DataFrame) -> str:
    """``"binary"`` if every value is 0 or 1, ``"counts"`` if all are whole numbers >= 0,
    ``"continuous"`` otherwise."""
    values = frame.to_numpy(dtype=np.float64)
    if values.size and np.isin(values, (0.0, 1.0)).all():
        return "binary"
    if values.size and (values >= 0).all() and (values == np.round(values)).all():
        return "counts"
    return "continuous"


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: mean, standard deviation, min and max (3 significant digits)."""
    table = frame.agg(["mean", "std", "min", "max"]).T
    table.columns = ["mean", "std", "min", "max"]
    return table.map(lambda v: float(f"{v:.3g}"))


def preview_frame(data: ChosenData, n_rows: int = 8) -> pd.DataFrame:
    """The first rows of the data, with the true label (where known) as the first column."""
    head = data.frame.head(n_rows).copy()
    if data.labels is not None:
        labels = data.labels[:n_rows]
        names = data.label_names
        text = [names[int(v)] if names is not None else str(v) for v in labels]
        head.insert(0, "label", text)
    return head


# --------------------------------------------------------------------------- reading the choice


def _with_features(data: ChosenData) -> ChosenData:
    """Resolve the shared feature selection against this table, cleaning it in session state."""
    requested = state.get("features")
    kept, unknown = state.resolve_features(requested, data.feature_names)
    if unknown:
        state.add_note(
            f"Not in {data.name}, so left out: {', '.join(unknown)}. "
            "Pick features from the list instead."
        )
    if kept != tuple(requested):
        state.update(features=kept)
    return replace(data, features=kept or data.feature_names)


def _builtin(name: str) -> ChosenData:
    ds = cache.load_builtin(name)
    frame = pd.DataFrame(ds.X, columns=list(ds.feature_names))
    return ChosenData(
        name=ds.name,
        frame=frame,
        feature_names=tuple(ds.feature_names),
        features=tuple(ds.feature_names),
        labels=ds.target,
        label_names=tuple(ds.target_names) if ds.target_names is not None else None,
        source="builtin",
        kind=ds.kind,
        description=ds.description,
    )


def _uploaded(table: cache.UploadedTable) -> ChosenData:
    rows, cols = table.frame.shape
    return ChosenData(
        name=table.name,
        frame=table.frame,
        feature_names=tuple(str(c) for c in table.frame.columns),
        features=tuple(str(c) for c in table.frame.columns),
        labels=None,
        label_names=None,
        source="upload",
        kind=guess_kind(table.frame),
        description=f"Uploaded file: {rows:,} rows and {cols} numeric columns.",
        messages=table.messages,
        changed=table.changed,
        digest=table.digest,
    )


def current_data() -> ChosenData | None:
    """The chosen data, without drawing any widget.

    An upload is used while the cache still holds it; otherwise (nothing uploaded yet, or the
    upload was dropped from the cache) the selected built-in dataset is used. Returns None only
    if even that cannot be loaded.
    """
    digest = state.get("upload_digest")
    if state.get("source") == "upload" and digest:
        table = cache.stored_upload(digest, state.get("upload_name") or "uploaded file")
        if table is not None:
            return _with_features(_uploaded(table))
        state.update(upload_digest=None, upload_name=None)
        state.add_note(
            "The uploaded file is no longer in the server's memory; please upload it again."
        )
    try:
        return _with_features(_builtin(state.get("dataset")))
    except DataError:
        return None


# --------------------------------------------------------------------------- widgets


def _new_dataset() -> None:
    state.update(features=())


def _read_new_upload(upload: UploadedFile) -> bool:
    """Validate a freshly uploaded file: remember it and return True, or st.error and False."""
    try:
        table = cache.read_uploaded(upload.getvalue(), upload.name)
    except DataError as exc:
        st.error(f"**{upload.name}** can't be used. {exc}", icon=":material/error:")
        return False
    except Exception:  # a bug in reading, not the user's fault: log it, keep the app alive
        _LOG.exception("Unexpected error while reading %r", upload.name)
        st.error(f"**{upload.name}**: {UNEXPECTED_ERROR}", icon=":material/error:")
        return False
    if table.digest != state.get("upload_digest"):
        state.update(upload_digest=table.digest, upload_name=table.name, features=())
    return True


def choose_data(key_prefix: str, *, pick_features: bool = True) -> ChosenData | None:
    """Draw the data chooser and return the chosen data.

    Parameters
    ----------
    key_prefix : str
        Prefix for this block's widget keys, unique per page (e.g. ``"home"``).
    pick_features : bool
        Also show a multiselect of features (empty selection means all of them).

    Returns
    -------
    ChosenData or None
        None only if no data at all can be loaded (an error is shown).
    """
    source = st.radio(
        "Where the data comes from",
        state.SOURCES,
        format_func=SOURCE_LABELS.__getitem__,
        horizontal=True,
        **state.bind("source", f"{key_prefix}.source"),
    )
    failed = False
    if source == "builtin":
        st.selectbox(
            "Dataset",
            BUILTIN_NAMES,
            format_func=lambda name: BUILTIN_LABELS.get(name, name),
            **state.bind("dataset", f"{key_prefix}.dataset", on_change=_new_dataset),
        )
    else:
        upload = st.file_uploader(
            "CSV file: one row per example, one numeric column per feature, names in the first row",
            type=list(UPLOAD_TYPES),
            key=f"{key_prefix}.upload",
        )
        failed = upload is not None and not _read_new_upload(upload)

    data = current_data()
    if data is None:
        st.error("No data could be loaded. Please reload the page.", icon=":material/error:")
        return None
    if source == "builtin":
        st.markdown(data.description)
    elif failed:
        last = "the last file that worked" if data.source == "upload" else "the built-in data"
        st.markdown(f"Still using **{data.name}**, {last}.")
    elif data.source == "upload":
        st.markdown(f"Using **{data.name}**.")
    else:
        st.markdown(f"Until a file is uploaded, the pages use the built-in **{data.name}** data.")

    if pick_features:
        chosen = st.multiselect(
            "Features to use",
            data.feature_names,
            placeholder="All features",
            **state.bind("features", f"{key_prefix}.features.{data.cache_key}"),
        )
        if chosen:
            data = replace(data, features=tuple(chosen))

    for note in state.take_notes():
        st.info(note, icon=":material/info:")
    return data


def show_report(data: ChosenData) -> None:
    """What the file check found and changed: a warning if it dropped anything, else a note."""
    if not data.messages:
        return
    lines = "\n".join(f"- {message}" for message in data.messages)
    if data.changed:
        st.warning(f"**The check changed {data.name}:**\n{lines}", icon=":material/rule:")
    else:
        st.info(f"**{data.name} passed the check:**\n{lines}", icon=":material/task_alt:")


def show_preview(data: ChosenData, n_rows: int = 8) -> None:
    """Shape, first rows, and a per-feature summary of the chosen data."""
    n_rows_total, n_cols = data.frame.shape
    counts = st.columns(3)
    counts[0].metric("Rows", f"{n_rows_total:,}")
    counts[1].metric("Features used", f"{len(data.features)} of {n_cols}")
    counts[2].metric("Known classes", len(data.label_names) if data.label_names else "none")
    st.dataframe(preview_frame(data, n_rows), hide_index=True)
    st.caption(f"First {min(n_rows, n_rows_total)} of {n_rows_total:,} rows.")
    summary = summary_table(data.frame[list(data.features)])
    st.markdown("**Each feature at a glance**")
    # Show up to SUMMARY_ROWS features without an inner scroll bar (35 px per row + header).
    st.dataframe(
        summary.reset_index(names="feature"),
        hide_index=True,
        height=35 * (min(len(summary), SUMMARY_ROWS) + 1) + 3,
    )
