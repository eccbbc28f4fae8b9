"""Classify: give new rows to the components of a fitted mixture, with how sure each call is.

The model is fitted on the picker's data and features (all of them when none are chosen), or
loaded from a saved file; K, the covariance type, the seed, the rows' source and the bootstrap
are page settings, so a link reproduces the view. Every fit, predict and bootstrap is cached
(:mod:`ui.cached.selection`): a rerun repeats none of them.
"""

from __future__ import annotations

import streamlit as st

from engine.data import DataError
from engine.mixtures.registry import COVARIANCE_TYPES, FAMILIES
from ui import state
from ui.cached import selection as sel
from ui.components import classify_inputs as inputs
from ui.components import classify_results as results
from ui.components import picker
from ui.figures import classify as figs

MODEL_SOURCES = {"fit": "Fit on the chosen data", "load": "Load a saved model (.json)"}


def main() -> None:
    ps = state.page(
        "classify",
        state.choice_setting("model", "fit", tuple(MODEL_SOURCES)),
        state.choice_setting("family", "gaussian", tuple(FAMILIES)),
        state.int_setting("k", 2, 1, 15),
        state.choice_setting("cov", "full", COVARIANCE_TYPES),
        state.int_setting("seed", 0, 0, state.SEED_MAX),
        state.choice_setting("rows", "example", tuple(inputs.ROW_SOURCES)),
        state.text_setting("row"),
        state.bool_setting("boot", None),
        state.int_setting("n_boot", 50, 1, 1000),
        state.float_setting("level", 0.9, results.LEVELS),
        state.text_setting("x"),
        state.text_setting("y"),
    )
    data = picker.data_picker()
    st.title("Classify")
    st.markdown(
        "A fitted mixture turns any new row into probabilities: how likely it is that the row "
        "came from each component. Fit a model on the chosen data (or load one you saved), "
        "then give it new rows."
    )
    if data is None:
        return

    st.header("1 · The model", divider="gray")
    st.radio(
        "Where the model comes from",
        tuple(MODEL_SOURCES),
        format_func=MODEL_SOURCES.__getitem__,
        horizontal=True,
        key=ps.key("model"),
    )
    if ps["model"] == "fit":
        source, found = inputs.fitted_model(ps, data)
        if not found.ok:
            st.error(f"The mixture could not be fitted. {found.error}", icon=":material/error:")
            return
        inputs.describe_fit(data, found, source.settings)
    else:
        loaded = inputs.loaded_model()
        if loaded is None:
            return
        source, found = loaded
    model, names = found.model, list(found.feature_names)
    with st.expander("The fitted components", icon=":material/functions:"):
        st.dataframe(figs.components_table(model.weights_, model.means_, names), hide_index=True)
        st.caption(
            "Weights are the share of rows each component expects; the other columns its mean."
        )

    st.header("2 · New rows", divider="gray")
    chosen = inputs.new_rows(ps, data, found)
    if chosen is None:
        return
    rows, rows_name = chosen
    try:
        result = sel.classified(source, rows)
    except DataError as err:
        st.error(
            f"**{state.quoted(rows_name)}** can't be used. {state.safe_prose(err)}",
            icon=":material/error:",
        )
        return
    except Exception:  # a bug in reading, not the user's fault
        inputs.unexpected(rows_name)
        return
    notes = list(sel.new_rows(rows, found.feature_names).messages) if rows.digest else []
    if result.extra and ps["rows"] == "upload":
        notes.append(
            "Not used by the model, kept in the results: "
            + ", ".join(state.plain(c, 40) for c in result.extra)
            + "."
        )
    if notes and ps["rows"] == "upload":
        st.info("\n".join(f"- {n}" for n in notes), icon=":material/rule:")
    if result.proba.shape[0] == 0:
        return

    st.header("3 · Which component, and how sure", divider="gray")
    ci = results.bootstrap(ps, source, rows, data)
    level = ps["level"] if ci is not None else None
    st.markdown(
        "A probability of 0.6 says which component is more likely, not how firmly the data "
        "back that number. With the bootstrap switched on, each bar shows the range the "
        "probability takes across refits on resampled training rows: a bar from 0.45 to 0.75 "
        "means the 0.6 could easily have been 0.5."
        if ci is None
        else f"Each bar is the bootstrap interval: the middle {level:.0%} of the probabilities "
        "given by refits on resampled training rows. A long bar crossing 0.5 means the "
        "training data cannot settle which component the row belongs to."
    )
    results.show(ps, source, found, result, ci, names)


main()
