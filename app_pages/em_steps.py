"""EM step by step: a Gaussian mixture's fit replayed E-step by M-step, on two features.

The data comes from the sidebar picker; this page's settings (view, features plotted, the fit
settings, the step and row inspected) are page settings, in the link. Every result comes from
:mod:`ui.cached.mixtures`, so a rerun repeats no fit and no E-step.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ui import state
from ui.cached import mixtures as cm
from ui.components import em_views as views
from ui.components import fit_form, picker


def main() -> None:
    st.title("EM step by step")
    st.markdown(
        "Watch a Gaussian mixture learn: each iteration first shares every row out among the "
        "components (**E-step**), then refits each component from its shares (**M-step**)."
    )
    data = picker.data_picker(needs="table")
    if data is None:
        return
    if len(data.feature_names) < 2:
        st.warning(
            f"This page plots two features, and **{state.quoted(data.name)}** has only one. "
            "Choose another dataset in the sidebar.",
            icon=":material/warning:",
        )
        return
    if len(data.ref.features) == 1:
        st.info(
            "This page plots two features; showing the usual pair instead of one.",
            icon=":material/info:",
        )

    default = views.default_view(data)
    ps = views.declare(default)
    views.follow_data(ps, data, default)
    views.controls(ps, data)
    for note in state.take_notes():
        st.info(note, icon=":material/info:")

    pca = ps["view"] == views.PCA
    run_of = views.Run(
        replace(data.ref, features=()),  # the columns are explicit: one fit for any feature set
        tuple(data.features) if pca else (ps["fx"], ps["fy"]),
        pca,
        fit_form.fit_settings(ps),
    )
    plane = cm.plane(run_of.ref, run_of.columns, pca)
    if plane.note:
        st.caption(plane.note)
    run = cm.em_run(*run_of.key)
    if run.ok:
        if run.degenerate:
            views.show_degenerate(ps, run_of, run)
        last, fence = run.trace.n_steps - 1, views.least_sure_row(run)
        ps = views.declare(default, step=last, row=fence)
        views.follow(ps, "run", run_of.key, step=last, row=fence)
        slot = views.show_animation(run_of, run, plane)
        views.explain()
        views.show_step(ps, run_of, run, plane, slot)
        quote = str if data.source == "builtin" else (lambda text: state.quoted(text, 30))
        views.show_point(ps, run_of, run, plane, quote)
    else:
        views.show_failure(ps, run_of, run)
    views.show_restarts(run_of)


main()
