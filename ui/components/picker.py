"""The data picker: the one place where the data choice is made, shown in the sidebar of
every page, and the preview and check report the Home page shows of it.

``data = picker.data_picker()`` draws the picker and returns the chosen data
(:class:`ui.cached.data.ChosenData`). The choice lives in :mod:`ui.state` (small keys, and the
URL) and uploaded files in :mod:`ui.cached.data`'s store (by content digest), so it is the same
on every page, whatever the order of visits, and a link reproduces it.

A broken file never stops the app: its message is shown with ``st.error`` and the previous
choice stays in use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import streamlit as st

from engine.data import BUILTIN_LABELS, BUILTIN_NAMES, DataError
from ui import state
from ui.cached import data as cdata
from ui.cached.data import ChosenData

_LOG = logging.getLogger(__name__)

SOURCE_LABELS = {"builtin": "Built-in dataset", "upload": "Upload a file"}
UPLOAD_TYPES: tuple[str, ...] = (*cdata.TABLE_SUFFIXES, *cdata.IMAGE_SUFFIXES)
#: Features listed in the summary table before it scrolls.
SUMMARY_ROWS = 16
#: Shown when reading a file fails in a way the engine did not foresee (a bug, not the file).
UNEXPECTED_ERROR = (
    "This file could not be read because of an unexpected problem in the app. "
    "Please try another file, or save it again as a plain comma-separated CSV."
)
NO_LABEL = "(none)"


# --------------------------------------------------------------------------- pure helpers


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: mean, standard deviation, min and max (3 significant digits)."""
    table = frame.agg(["mean", "std", "min", "max"]).T
    table.columns = ["mean", "std", "min", "max"]
    return table.map(lambda v: float(f"{v:.3g}"))


def preview_frame(data: ChosenData, n_rows: int = 8) -> pd.DataFrame:
    """The first rows of the data, with the known class (where known) as the first column."""
    head = data.frame.head(n_rows).copy()
    if data.labels is not None:
        labels = data.labels[:n_rows]
        names = data.label_names
        text = [names[int(v)] if names is not None else str(v) for v in labels]
        head.insert(0, "label", text)
    return head


def display_name(data: ChosenData) -> str:
    """The data's name for Markdown: a built-in name as it is, a file's name made inert."""
    return data.name if data.source == "builtin" else state.plain(data.name)


def needs_note(data: ChosenData, needs: str) -> str | None:
    """What a page that needs ``needs`` does with the chosen data, when it is not a fit."""
    name = f"**{display_name(data)}**"
    if needs == "images" and data.image_shape is None:
        return (
            f"This page works on images, and {name} is a table, so it shows the built-in 8x8 "
            "digits. Choose the digits, or upload an image file (IDX, .npz), to use your own."
        )
    if needs == "counts" and data.kind not in ("counts", "binary"):
        return (
            f"This page models counts (whole numbers from 0 up); {name}'s chosen features are "
            "not counts, so it shows the built-in counts. Choose a table of counts to use it."
        )
    if needs == "binary" and data.kind != "binary" and data.image_shape is None:
        return (
            f"This page models 0/1 data; {name} is neither 0/1 nor images, so it shows the "
            "built-in digits, black and white."
        )
    return None


# --------------------------------------------------------------------------- widgets


def _bound(field: str, widget_key: str, on_change: Callable[[], None] | None = None) -> dict:
    """Keyword arguments that tie a picker widget to a field of the data choice."""
    # Set on every run, not only the first: the same key is drawn on every page, and
    # Streamlit gives the widget a new identity on each page, which would reset it.
    value = state.get(field)
    if isinstance(value, tuple):
        value = list(value)
    st.session_state[widget_key] = NO_LABEL if field == "label" and value is None else value

    def copy_back() -> None:
        value = st.session_state[widget_key]
        state.update(**{field: None if value == NO_LABEL else value})
        if on_change is not None:
            on_change()

    return {"key": widget_key, "on_change": copy_back}


def _new_dataset() -> None:
    state.update(features=(), label=None)


def _read_new_upload(files) -> bool:
    """Keep freshly uploaded files: choose them and return True, or st.error and False."""
    names = tuple(f.name for f in files)
    shown = state.plain(" + ".join(names))
    try:
        ref = cdata.keep_upload(names, tuple(f.getvalue() for f in files))
    except DataError as exc:
        st.error(f"**{shown}** can't be used. {state.safe_prose(exc)}", icon=":material/error:")
        return False
    except Exception:  # a bug in reading, not the user's fault: log it, keep the app alive
        _LOG.exception("Unexpected error while reading %r", names)
        st.error(f"**{shown}**: {UNEXPECTED_ERROR}", icon=":material/error:")
        return False
    if ref.digest != state.get("upload_digest"):
        state.update(upload_digest=ref.digest, upload_name=ref.name, features=(), label=None)
    return True


def _load(ref: state.DataRef) -> ChosenData | None:
    """The chosen data; an expired upload falls back to the built-in data, with a message."""
    try:
        return cdata.chosen(ref)
    except cdata.UploadExpired:
        st.warning(
            "The link names an uploaded file that this server no longer holds (uploads are "
            "kept for 6 hours after their last use, and until the server restarts). Upload the "
            "file again to use it; until then the pages show the built-in data.",
            icon=":material/history:",
        )
        state.update(upload_digest=None, upload_name=None, features=(), label=None)
    except DataError as exc:
        st.error(
            f"The chosen data can't be loaded. {state.safe_prose(exc)}", icon=":material/error:"
        )
        state.update(source="builtin", upload_digest=None, upload_name=None, features=())
    try:
        return cdata.chosen(state.data_ref())
    except DataError:
        return None


def _picker() -> ChosenData | None:
    source = st.radio(
        "Where the data comes from",
        state.SOURCES,
        format_func=SOURCE_LABELS.__getitem__,
        horizontal=True,
        **_bound("source", "data.source"),
    )
    failed = False
    if source == "builtin":
        st.selectbox(
            "Dataset",
            BUILTIN_NAMES,
            format_func=lambda name: BUILTIN_LABELS.get(name, name),
            **_bound("dataset", "data.dataset", on_change=_new_dataset),
        )
    else:
        files = st.file_uploader(
            "A CSV table (one row per example, names in the first row), or images: IDX "
            "(with its labels file as a second file), .npz or .npy",
            type=list(UPLOAD_TYPES),
            accept_multiple_files=True,
            key="data.upload",
        )
        failed = bool(files) and not _read_new_upload(files)

    data = _load(state.data_ref())
    if data is None:
        st.error("No data could be loaded. Please reload the page.", icon=":material/error:")
        return None
    name = display_name(data)
    if source == "builtin":
        st.markdown(data.description)
    elif failed:
        last = "the last file that worked" if data.source == "upload" else "the built-in data"
        st.markdown(f"Still using **{name}**, {last}.")
    elif data.source == "upload":
        st.markdown(f"Using **{name}**.")
    else:
        st.markdown(f"Until a file is uploaded, the pages use the built-in **{name}** data.")

    if tuple(state.get("features")) != data.ref.features:  # tidied against the real names
        state.update(features=data.ref.features)
        st.session_state.pop(f"data.features.{data.cache_key}", None)
    if data.source == "upload" and data.image_shape is None:
        label = data.ref.label
        st.selectbox(
            "Known classes (a column kept out of the features)",
            [NO_LABEL, *([label] if label else []), *data.feature_names],
            **_bound("label", f"data.label.{data.cache_key}"),
        )
    st.multiselect(
        "Features to use",
        data.feature_names,
        placeholder="All features",
        **_bound("features", f"data.features.{data.cache_key}"),
    )
    if data.unknown_features:
        state.add_note(
            f"Not in {name}, so left out: "
            + ", ".join(state.plain(f, 30) for f in data.unknown_features[:10])
            + ". Pick features from the list instead."
        )
    return data


def data_picker(needs: str = "table") -> ChosenData | None:
    """Draw the data picker in the sidebar and return the chosen data.

    Parameters
    ----------
    needs : {"table", "images", "counts", "binary"}
        What the page works on. When the chosen data is something else, the sidebar says what
        the page does instead (the choice itself is never changed by a page).

    Returns
    -------
    ChosenData or None
        None only if no data at all can be loaded (an error is shown).
    """
    with st.sidebar:
        st.markdown("**Data**", help="Every page uses this choice; the link reproduces it.")
        data = _picker()
        if data is not None:
            note = needs_note(data, needs)
            if note:
                st.info(note, icon=":material/info:")
    for note in state.take_notes():
        st.info(note, icon=":material/info:")
    return data


def show_report(data: ChosenData) -> None:
    """What the file check found and changed: a warning if it dropped anything, else a note."""
    if not data.messages:
        return
    # The check's messages quote the file's own names and cells: shown as plain text.
    lines = "\n".join(f"- {state.safe_prose(message)}" for message in data.messages)
    name = display_name(data)
    if data.changed:
        st.warning(f"**The check changed {name}:**\n{lines}", icon=":material/rule:")
    else:
        st.info(f"**{name} passed the check:**\n{lines}", icon=":material/task_alt:")


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
    st.dataframe(
        summary.reset_index(names="feature"),
        hide_index=True,
        height=35 * (min(len(summary), SUMMARY_ROWS) + 1) + 3,
    )
