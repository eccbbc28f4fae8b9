"""The Classify page's two inputs: where the model comes from, and where the new rows come
from. Widgets only: every fit, read and parse is a call to :mod:`ui.cached.selection`."""

from __future__ import annotations

import logging

import streamlit as st

from engine.data import DataError
from engine.mixtures.registry import COVARIANCE_TYPES, FAMILIES_BY_KIND, FAMILY_LABELS
from ui import state
from ui.cached import data as cdata
from ui.cached import selection as sel
from ui.cached.data import TABLE_SUFFIXES, ChosenData
from ui.cached.mixtures import FitSettings
from ui.components import fit_form
from ui.components.picker import UNEXPECTED_ERROR
from ui.components.selection_settings import classify_link
from ui.figures import classify as figs
from ui.figures.selection import default_view

_LOG = logging.getLogger(__name__)

SAMPLE = "wine_new_bottles.csv"
SAMPLE_COLUMNS = ("malic acid", "total phenols")
#: Restarts of the fit made on this page.
N_INIT = 3
#: Typed-row inputs per line of the form.
INPUTS_PER_LINE = 4
ROW_SOURCES = {
    "example": "Example: new wine bottles",
    "upload": "Upload a CSV",
    "typed": "Type one row",
}


def example_offered(data: ChosenData) -> bool:
    """The wine example bottles are offered only when the chosen data is the built-in wine."""
    return data.source == "builtin" and data.name == "wine"


def fitted_model(ps: state.PageState, data: ChosenData) -> tuple[sel.ModelSource, sel.Model]:
    """Family, K, covariance type and seed for a fit on the chosen data; the fit (cached)."""
    families = FAMILIES_BY_KIND.get(data.kind, ("gaussian",))
    ps.ensure("family", families)
    cols = st.columns(4)
    fit_form.family_select(cols[0], ps, families)
    cols[1].slider("K, components", 1, 15, key=ps.key("k"))
    cols[2].selectbox(
        "Covariance type", COVARIANCE_TYPES, key=ps.key("cov"), disabled=ps["family"] != "gaussian"
    )
    cols[3].number_input("Seed", 0, state.SEED_MAX, step=1, key=ps.key("seed"))
    settings = FitSettings(
        ps["family"], int(ps["k"]), ps["cov"], seed=int(ps["seed"]), n_init=N_INIT
    )
    source = sel.ModelSource(data.ref, tuple(data.features), settings)
    return source, sel.model(source)


def loaded_model() -> tuple[sel.ModelSource, sel.Model] | None:
    """A model file uploaded here (kept by digest); None, with a message, until one loads."""
    upload = st.file_uploader(
        "A mixture saved by this app (.json)", type=["json"], key="classify.model_file"
    )
    if upload is None:
        st.info(
            "Upload a model saved with **Save this model** on this page. Models are plain "
            "JSON, checked field by field; nothing in them is run.",
            icon=":material/info:",
        )
        return None
    name = state.quoted(upload.name)
    try:
        source = sel.ModelSource(file=sel.keep_file(upload.name, upload.getvalue()))
        found = sel.model(source)
    except DataError as err:
        st.error(
            f"**{name}** can't be used as a model. {state.safe_prose(err)}",
            icon=":material/error:",
        )
        return None
    except Exception:  # a bug, not the file: log it and keep the app alive
        _LOG.exception("Unexpected error while loading %r", upload.name)
        st.error(
            f"**{name}** could not be loaded because of an unexpected problem in the app.",
            icon=":material/error:",
        )
        return None
    if not found.ok:
        st.error(
            f"**{name}** can't be used as a model. {state.safe_prose(found.error)}",
            icon=":material/error:",
        )
        return None
    st.markdown(
        f"Loaded **{name}**: a {FAMILY_LABELS[found.family].split(' ')[0]} mixture with "
        f"K = {found.model.n_components} on {', '.join(found.feature_names)}."
    )
    return source, found


def new_rows(
    ps: state.PageState, data: ChosenData, found: sel.Model
) -> tuple[sel.Rows, str] | None:
    """The new rows' source and a name for messages, or None (with a message) when there are
    none yet."""
    options = tuple(s for s in ROW_SOURCES if s != "example" or example_offered(data))
    ps.ensure("rows", options)
    st.radio(
        "Where the new rows come from",
        options,
        format_func=ROW_SOURCES.__getitem__,
        horizontal=True,
        key=ps.key("rows"),
    )
    names = found.feature_names
    if ps["rows"] == "example":
        st.markdown(
            f"`assets/samples/{SAMPLE}`: twelve made-up bottles measured on malic acid and total "
            "phenols, a few of them half-way between cultivars."
        )
        st.download_button(
            f"Download {SAMPLE}",
            sel.sample_bytes(SAMPLE),
            file_name=SAMPLE,
            mime="text/csv",
            key="classify.sample_download",
            on_click="ignore",
            icon=":material/download:",
        )
        missing = [n for n in names if n not in SAMPLE_COLUMNS]
        if missing:
            st.info(
                f"The example bottles only have {' and '.join(SAMPLE_COLUMNS)}; this model "
                f"also needs {', '.join(missing[:5])}{', …' if len(missing) > 5 else ''}. "
                "Choose those two features in the sidebar (or open the example below) to try "
                "them, or upload your own rows.",
                icon=":material/info:",
            )
            st.link_button(
                "Open the wine example in a new tab: malic acid and total phenols",
                classify_link(state.DataRef(features=SAMPLE_COLUMNS)),
                icon=":material/wine_bar:",
            )
            return None
        return sel.Rows(sel.keep_sample(SAMPLE)), SAMPLE
    if ps["rows"] == "upload":
        upload = st.file_uploader(
            "CSV of new rows, with the same column names as the training data",
            type=list(TABLE_SUFFIXES),
            key="classify.rows_file",
        )
        st.caption(f"Columns the model needs: {', '.join(names)}.")
        if upload is None:
            return None
        try:
            return sel.Rows(sel.keep_file(upload.name, upload.getvalue())), upload.name
        except DataError as err:
            st.error(
                f"**{state.quoted(upload.name)}** can't be used. {state.safe_prose(err)}",
                icon=":material/error:",
            )
            return None
    return typed_row(ps, found), "the typed row"


def typed_row(ps: state.PageState, found: sel.Model) -> sel.Rows:
    """One row typed in a form, starting from the link's row or the mixture's mean."""
    names = found.feature_names
    start = sel.typed_row(ps["row"], len(names))
    if start is None:
        start = sel.typed_start(found)
    with st.form("classify.typed"):
        values = []
        for i in range(0, len(names), INPUTS_PER_LINE):
            line = st.columns(INPUTS_PER_LINE)
            for col, j in zip(line, range(i, min(i + INPUTS_PER_LINE, len(names))), strict=False):
                values.append(
                    col.number_input(
                        names[j],
                        value=float(round(start[j], 3)),
                        format="%.3f",
                        key=f"classify.typed.{names[j]}",
                    )
                )
        submitted = st.form_submit_button(
            "Classify this row", icon=":material/label:", type="primary"
        )
    if submitted:
        ps.set(row=sel.typed_text(values))
    return sel.Rows(typed=tuple(float(v) for v in values))


def describe_fit(data, found: sel.Model, settings) -> None:
    """What was fitted, whether it converged, and the model's file."""
    model, n = found.model, len(data.frame)
    names = ", ".join(found.feature_names[:6]) + (", …" if len(found.feature_names) > 6 else "")
    gaussian = settings.family == "gaussian"
    st.markdown(
        f"Fitted a {FAMILY_LABELS[settings.family].split(' ')[0]} mixture with "
        f"**K = {settings.k}**"
        + (f" ({settings.cov} covariances)" if gaussian else "")
        + f" on **{state.quoted(data.name)}**: {n:,} rows of {names} (choose the data and "
        "features in the sidebar). "
        + ("It converged" if model.converged_ else "**It did not converge**")
        + f" after {model.n_iter_} EM iterations (best of {settings.n_init} starts)."
    )
    safe = "".join(ch if ch.isalnum() else "_" for ch in data.name)[:40]
    st.download_button(
        "Save this model (.json)",
        found.saved,
        file_name=f"mixture_{safe}_k{settings.k}_{settings.cov if gaussian else settings.family}"
        ".json",
        mime="application/json",
        icon=":material/download:",
        key="classify.save_model",
        on_click="ignore",
    )


def where(ps: state.PageState, source: sel.ModelSource, found: sel.Model, result) -> None:
    """Where the new rows fall among the components, on two features the user picks."""
    names = list(found.feature_names)
    vx, vy = default_view(names, SAMPLE_COLUMNS)
    if len(names) > 2:
        vx = names.index(ps.ensure("x", names, names[vx]))
        vy = names.index(ps.ensure("y", names, names[vy]))
        across, up = st.columns(2)
        across.selectbox("Across", names, key=ps.key("x"))
        up.selectbox("Up", names, key=ps.key("y"))
    model = found.model
    means2, covs2 = figs.shapes_on_view(
        model.means_,
        getattr(model, "covariances_", None),
        getattr(model, "covariance_type", None),
        (vx, vy),
    )
    X_train2 = train_labels = None
    if source.fitted_here:
        X_train2 = cdata.columns(source.ref, source.columns)[:, [vx, vy]]
        train_labels = sel.training_labels(source)
    st.plotly_chart(
        figs.new_rows_figure(
            result.X[:, [vx, vy]],
            result.proba.argmax(axis=1),
            means2,
            covs2,
            (names[vx], names[vy]),
            X_train2,
            train_labels,
        ),
        key="classify.where",
        theme=None,
    )
    st.caption("Stars are the new rows, numbered as in the table; faint dots the training rows.")


def unexpected(name: str) -> None:
    """A file that failed in a way the engine did not foresee (a bug): logged, and said."""
    _LOG.exception("Unexpected error while reading %r", name)
    st.error(f"**{state.quoted(name)}**: {UNEXPECTED_ERROR}", icon=":material/error:")
