"""Classify's results: the bootstrap controls and intervals, the probabilities as a chart and
a table, and the download. Widgets only; every refit and predict is a call to
:mod:`ui.cached.selection`."""

from __future__ import annotations

import streamlit as st

from engine.data import to_safe_csv
from ui import state
from ui.cached import selection as sel
from ui.components import classify_inputs as inputs
from ui.figures import classify as figs

LEVELS = (0.8, 0.9, 0.95)
N_BOOT = (20, 50, 100, 200)
#: Training tables up to this many rows get bootstrap intervals without asking (quick to refit).
BOOTSTRAP_ON_ROWS = 2_000


def bootstrap(ps: state.PageState, source: sel.ModelSource, rows: sel.Rows, data):
    """The bootstrap switch and its settings; the intervals (cached) when switched on."""
    controls = st.columns([2, 1, 1])
    if not source.fitted_here:
        controls[0].caption(
            "Bootstrap intervals need the training rows, which a saved model "
            "does not carry: fit the model here to get them."
        )
        return None
    ps.ensure("boot", (True, False), len(data.frame) <= BOOTSTRAP_ON_ROWS)
    ps.ensure("n_boot", N_BOOT, 50)
    want = controls[0].toggle(
        "Bootstrap interval for each probability",
        key=ps.key("boot"),
        help="Refit the model on training rows drawn with replacement, many times, and see "
        "how far each probability moves.",
    )
    controls[1].select_slider("Refits", N_BOOT, key=ps.key("n_boot"), disabled=not want)
    controls[2].selectbox(
        "Interval", LEVELS, format_func="{:.0%}".format, key=ps.key("level"), disabled=not want
    )
    if not want:
        return None
    n_boot = int(ps["n_boot"])
    with st.spinner(f"Refitting {n_boot} times on resampled training rows…"):
        ci = sel.intervals(source, rows, n_boot, float(ps["level"]))
    if ci.lower is None:
        st.warning(
            f"Every refit collapsed, so there is no interval. {ci.first_error}",
            icon=":material/warning:",
        )
        return None
    if ci.n_failed:
        st.caption(f"{ci.n_failed} of {n_boot} refits collapsed and were skipped.")
    return ci


def show(ps: state.PageState, source, found, result, ci, names) -> None:
    """The probabilities of the new rows: a chart, where they fall, a table and a download."""
    K = int(found.model.n_components)
    level = ps["level"] if ci is not None else None
    lower, upper = (ci.lower, ci.upper) if ci is not None else (None, None)
    proba = result.proba
    results = figs.results_table(result.rows, proba, lower, upper)
    st.plotly_chart(
        figs.posterior_figure(proba, lower, upper, level=level),
        key="classify.posterior",
        theme=None,
    )
    if len(proba) > figs.MAX_ROWS_SHOWN:
        st.caption(f"The first {figs.MAX_ROWS_SHOWN} of {len(proba):,} rows; the table has all.")
    if len(names) >= 2:
        inputs.where(ps, source, found, result)
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
