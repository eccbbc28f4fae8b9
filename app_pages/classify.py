"""Classify: give new rows to the components of a fitted mixture, with how sure each call is."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import streamlit as st

from engine.data import DataError, align_columns, to_safe_csv
from engine.mixtures import COVARIANCE_TYPES, DegenerateFitError, GaussianMixture
from engine.mixtures.io import ModelFileError, load_mixture, save_mixture
from ui import data_source, selection_cache, state
from ui.cache import digest_of
from ui.figures import classify as figs
from ui.figures.selection import default_view, full_covariances

_LOG = logging.getLogger(__name__)

SAMPLE = "wine_new_bottles.csv"
WINE_VIEW = ("malic acid", "total phenols")
FAMILY_LABELS = {
    "gaussian": "Gaussian",
    "poisson": "Poisson (counts)",
    "bernoulli": "Bernoulli (0/1 values)",
}
FAMILIES_BY_KIND = {
    "continuous": ("gaussian",),
    "counts": ("poisson", "gaussian"),
    "binary": ("bernoulli", "gaussian"),
}
MODEL_SOURCES = {"fit": "Fit on the chosen data", "load": "Load a saved model (.json)"}
ROW_SOURCES = {
    "example": "Example: new wine bottles",
    "upload": "Upload a CSV",
    "typed": "Type one row",
}
N_INIT = 3
LEVELS = (0.8, 0.9, 0.95)
#: Training tables up to this many rows get bootstrap intervals without asking (quick to refit).
BOOTSTRAP_ON_ROWS = 2_000
#: Typed-row inputs per line of the form.
INPUTS_PER_LINE = 4


def _use_wine_example() -> None:
    state.update(source="builtin", dataset="wine", features=WINE_VIEW)
    for key in ("classify.source", "classify.dataset", "classify.features.wine"):
        st.session_state.pop(key, None)
    st.session_state["classify.model_source"] = "fit"
    st.session_state["classify.rows_source"] = "example"


# A first visit with the app's untouched default data opens on the reference example, whose
# sample rows the model can classify at once.
if not st.session_state.get("classify.visited"):
    st.session_state["classify.visited"] = True
    untouched = state.get("source") == "builtin" and state.get("dataset") == "wine"
    if untouched and not state.get("features") and "features" not in st.query_params:
        _use_wine_example()

st.title("Classify")
st.markdown(
    "A fitted mixture turns any new row into probabilities: how likely it is that the row came "
    "from each component. Fit a model (or load one you saved), then give it new rows."
)

# --------------------------------------------------------------------------- 1. the model
st.header("1 · The model", divider="gray")
model_source = st.radio(
    "Where the model comes from",
    tuple(MODEL_SOURCES),
    format_func=MODEL_SOURCES.__getitem__,
    horizontal=True,
    key="classify.model_source",
)

model = None
feature_names: list[str] = []
train = None  # (data, X) when the model was fitted here
if model_source == "fit":
    with st.expander("Training data", icon=":material/table:"):
        data = data_source.choose_data("classify")
    if data is None:
        st.stop()
    if not (data.name == "wine" and data.source == "builtin" and data.features == WINE_VIEW):
        st.button(
            "Try the wine example: fit malic acid and total phenols, classify new bottles",
            icon=":material/wine_bar:",
            on_click=_use_wine_example,
        )
    families = FAMILIES_BY_KIND.get(data.kind, ("gaussian",))
    cols = st.columns(4)
    family = cols[0].selectbox(
        "Mixture family",
        families,
        format_func=FAMILY_LABELS.__getitem__,
        key="classify.family",
        disabled=len(families) == 1,
    )
    k = cols[1].slider("K, components", 1, max(10, state.get("k")), **state.bind("k", "classify.k"))
    cov = cols[2].selectbox(
        "Covariance type",
        COVARIANCE_TYPES,
        disabled=family != "gaussian",
        **state.bind("cov", "classify.cov"),
    )
    seed = cols[3].number_input(
        "Seed", 0, state.SEED_MAX, step=1, **state.bind("seed", "classify.seed")
    )
    features = tuple(data.features)
    X_train = data.X
    fit_args = (data.cache_key, features, X_train, family, int(k), cov, N_INIT, int(seed))
    try:
        with st.spinner("Fitting…"):
            model = selection_cache.fitted_model(*fit_args)
    except (DegenerateFitError, ValueError) as err:
        st.error(f"The mixture could not be fitted. {err}", icon=":material/error:")
        st.stop()
    feature_names = list(features)
    train = (data, X_train, fit_args)
    shown = ", ".join(feature_names[:6]) + (", …" if len(feature_names) > 6 else "")
    st.markdown(
        f"Fitted a {FAMILY_LABELS[family].split(' ')[0]} mixture with **K = {k}**"
        + (f" ({cov} covariances)" if family == "gaussian" else "")
        + f" on **{data.name}**: {X_train.shape[0]:,} rows of {shown}. "
        + ("It converged" if model.converged_ else "**It did not converge**")
        + f" after {model.n_iter_} EM iterations (best of {N_INIT} starts)."
    )
    safe_name = "".join(ch if ch.isalnum() else "_" for ch in data.name)[:40]
    st.download_button(
        "Save this model (.json)",
        save_mixture(model, feature_names),
        file_name=f"mixture_{safe_name}_k{k}_{cov if family == 'gaussian' else family}.json",
        mime="application/json",
        icon=":material/download:",
        key="classify.save_model",
        on_click="ignore",
    )
else:
    upload = st.file_uploader(
        "A mixture saved by this app (.json)", type=["json"], key="classify.model_file"
    )
    if upload is None:
        st.info(
            "Upload a model saved with **Save this model** on this page. "
            "Models are plain JSON, checked field by field; nothing in them is run.",
            icon=":material/info:",
        )
        st.stop()
    try:
        model, feature_names = load_mixture(upload.getvalue())
    except ModelFileError as err:
        st.error(f"**{upload.name}** can't be used as a model. {err}", icon=":material/error:")
        st.stop()
    except Exception:  # a bug, not the file: log it and keep the app alive
        _LOG.exception("Unexpected error while loading %r", upload.name)
        st.error(
            f"**{upload.name}** could not be loaded because of an unexpected problem in the app.",
            icon=":material/error:",
        )
        st.stop()
    family = type(model).__name__.replace("Mixture", "")
    st.markdown(
        f"Loaded **{upload.name}**: a {family} mixture with K = {model.n_components} on "
        f"{', '.join(feature_names)}."
    )

K = int(model.n_components)
with st.expander("The fitted components", icon=":material/functions:"):
    summary = pd.DataFrame(model.means_, columns=feature_names)
    summary.insert(0, "weight", np.round(model.weights_, 3))
    summary.insert(0, "component", [figs.component_name(j) for j in range(K)])
    st.dataframe(summary, hide_index=True)
    st.caption("Weights are the share of rows each component expects; the other columns its mean.")

# --------------------------------------------------------------------------- 2. new rows
st.header("2 · New rows", divider="gray")
rows_source = st.radio(
    "Where the new rows come from",
    tuple(ROW_SOURCES),
    format_func=ROW_SOURCES.__getitem__,
    horizontal=True,
    key="classify.rows_source",
)

new_rows: pd.DataFrame | None = None
if rows_source == "example":
    sample = selection_cache.sample_bytes(SAMPLE)
    st.markdown(
        f"`assets/samples/{SAMPLE}`: twelve made-up bottles measured on malic acid and total "
        "phenols, a few of them half-way between cultivars."
    )
    st.download_button(
        f"Download {SAMPLE}",
        sample,
        file_name=SAMPLE,
        mime="text/csv",
        key="classify.sample_download",
        on_click="ignore",
        icon=":material/download:",
    )
    frame, _ = selection_cache.read_new_rows(sample)
    missing = [name for name in feature_names if name not in frame.columns]
    if missing:
        st.info(
            f"The example bottles only have {' and '.join(WINE_VIEW)}; this model also needs "
            f"{', '.join(missing[:5])}{', …' if len(missing) > 5 else ''}. Fit the model on "
            "those two features to try them, or upload your own rows.",
            icon=":material/info:",
        )
        st.button(
            "Fit on malic acid and total phenols, and classify the example bottles",
            icon=":material/wine_bar:",
            on_click=_use_wine_example,
            key="classify.example_here",
            type="primary",
        )
    else:
        new_rows = frame
elif rows_source == "upload":
    upload = st.file_uploader(
        "CSV of new rows, with the same column names as the training data",
        type=list(data_source.UPLOAD_TYPES),
        key="classify.rows_file",
    )
    st.caption(f"Columns the model needs: {', '.join(feature_names)}.")
    if upload is not None:
        try:
            frame, report = selection_cache.read_new_rows(upload.getvalue())
            align_columns(frame, feature_names)
        except DataError as err:
            st.error(f"**{upload.name}** can't be used. {err}", icon=":material/error:")
        except Exception:  # a bug in reading, not the user's fault
            _LOG.exception("Unexpected error while reading %r", upload.name)
            st.error(f"**{upload.name}**: {data_source.UNEXPECTED_ERROR}", icon=":material/error:")
        else:
            new_rows = frame
            extra = [c for c in frame.columns if c not in feature_names]
            notes = list(report.messages())
            if extra:
                notes.append(
                    f"Not used by the model, kept in the results: {', '.join(map(str, extra))}."
                )
            if notes:
                st.info("\n".join(f"- {n}" for n in notes), icon=":material/rule:")
else:
    start = figs.mixture_mean(model.weights_, model.means_)
    form_key = "classify.typed." + digest_of("\x1f".join(feature_names).encode())[:12]
    with st.form(form_key):
        values = []
        for i in range(0, len(feature_names), INPUTS_PER_LINE):
            line = st.columns(INPUTS_PER_LINE)
            for col, j in zip(
                line, range(i, min(i + INPUTS_PER_LINE, len(feature_names))), strict=False
            ):
                values.append(
                    col.number_input(
                        feature_names[j],
                        value=float(round(start[j], 3)),
                        format="%.3f",
                        key=f"{form_key}.{j}",
                    )
                )
        st.form_submit_button("Classify this row", icon=":material/label:", type="primary")
    new_rows = pd.DataFrame([values], columns=feature_names)

if new_rows is None or new_rows.empty:
    st.stop()
X_new = align_columns(new_rows, feature_names).to_numpy(dtype=np.float64)
proba = model.predict_proba(X_new)

# --------------------------------------------------------------------------- 3. results
st.header("3 · Which component, and how sure", divider="gray")
lower = upper = None
level = None
controls = st.columns([2, 1, 1])
if train is None:
    controls[0].caption(
        "Bootstrap intervals need the training rows, which a saved model does not carry: "
        "fit the model here to get them."
    )
else:
    want = controls[0].toggle(
        "Bootstrap interval for each probability",
        value=train[1].shape[0] <= BOOTSTRAP_ON_ROWS,
        key="classify.bootstrap",
        help="Refit the model on training rows drawn with replacement, many times, and see how "
        "far each probability moves.",
    )
    n_boot = controls[1].select_slider(
        "Refits", (20, 50, 100, 200), value=50, key="classify.n_boot", disabled=not want
    )
    level = controls[2].selectbox(
        "Interval",
        LEVELS,
        index=1,
        format_func="{:.0%}".format,
        key="classify.level",
        disabled=not want,
    )
    if want:
        data, X_train, fit_args = train
        with st.spinner(f"Refitting {n_boot} times on resampled training rows…"):
            lower, upper, n_failed, first_error = selection_cache.bootstrap_intervals(
                *fit_args, X_new, int(n_boot), float(level)
            )
        if n_failed == n_boot:
            st.warning(
                f"Every refit collapsed, so there is no interval. {first_error}",
                icon=":material/warning:",
            )
            lower = upper = None
        elif n_failed:
            st.caption(f"{n_failed} of {n_boot} refits collapsed and were skipped.")
    else:
        level = None

st.markdown(
    "A probability of 0.6 says which component is more likely, not how firmly the data back "
    "that number. With the bootstrap switched on, each bar shows the range the probability "
    "takes across refits on resampled training rows: a bar from 0.45 to 0.75 means the 0.6 "
    "could easily have been 0.5."
    if lower is None
    else "Each bar is the bootstrap interval: the middle "
    f"{level:.0%} of the probabilities given by refits on resampled training rows. A long bar "
    "crossing 0.5 means the training data cannot settle which component the row belongs to."
)
results = figs.results_table(new_rows, proba, lower, upper)
chart = where = st.container()
with chart:
    st.plotly_chart(
        figs.posterior_figure(proba, lower, upper, level=level),
        key="classify.posterior",
        theme=None,
    )
    if len(proba) > figs.MAX_ROWS_SHOWN:
        st.caption(f"The first {figs.MAX_ROWS_SHOWN} of {len(proba):,} rows; the table has all.")
with where:
    if len(feature_names) >= 2:
        vx, vy = default_view(feature_names, WINE_VIEW)
        covs = None
        if isinstance(model, GaussianMixture):
            covs = full_covariances(
                model.covariances_, model.covariance_type, K, len(feature_names)
            )
            covs = covs[:, [vx, vy]][:, :, [vx, vy]]
        X_train2 = train_labels = None
        if train is not None:
            X_train2 = train[1][:, [vx, vy]]
            train_labels = model.predict(train[1])
        st.plotly_chart(
            figs.new_rows_figure(
                X_new[:, [vx, vy]],
                proba.argmax(axis=1),
                model.means_[:, [vx, vy]],
                covs,
                (feature_names[vx], feature_names[vy]),
                X_train2,
                train_labels,
            ),
            key="classify.where",
            theme=None,
        )
        st.caption(
            "Stars are the new rows, numbered as in the table; faint dots the training rows."
        )

st.dataframe(
    figs.display_table(results, K, lower is not None),
    hide_index=True,
    height=35 * (min(len(results), 20) + 1) + 3,
    column_config={
        name: st.column_config.ProgressColumn(
            name, min_value=0.0, max_value=1.0, format="%.3f", width="medium"
        )
        for name in figs.probability_columns(K)
    }
    | {
        "row": st.column_config.NumberColumn(width=60),
        "most likely component": st.column_config.NumberColumn("most likely", width="small"),
        "uncertainty": st.column_config.NumberColumn(format="%.3f", width="small"),
    },
)
st.caption(
    "Uncertainty = 1 − the largest probability: 0 for a sure call, up to 1 − 1/K for a toss-up."
)
st.download_button(
    "Download the results (.csv)",
    to_safe_csv(results),
    file_name="classified_rows.csv",
    mime="text/csv",
    icon=":material/download:",
    key="classify.results_download",
    on_click="ignore",
    type="primary",
)
