"""Choose K: score mixtures with K = 1, 2, ... components by AIC, BIC, ICL and held-out fit.

Works on the picker's data and features (all of them when none are chosen); every view of
this page (K range, covariance types, sign convention, features drawn…) is a page setting,
so a link reproduces it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.mixtures.registry import COVARIANCE_TYPES, FAMILIES, FAMILIES_BY_KIND, FAMILY_LABELS
from ui import state
from ui.cached import selection as sel
from ui.components import picker
from ui.components.selection_settings import (
    CV_CHOICES,
    WIDE,
    bic_explained,
    classify_link,
    list_setting,
    settings_form,
)
from ui.figures import selection as figs

#: Features drawn first when the data has them (a view, not a data choice).
PREFERRED_VIEW = ("malic acid", "total phenols")
PANEL_KS = (1, 2, 3)
CRITERIA = (*figs.INFO_CRITERIA, figs.HELDOUT)


def main() -> None:
    ps = state.page(
        "choose_k",
        state.choice_setting("family", "gaussian", tuple(FAMILIES)),
        state.int_setting("kmax", 10, 2, 15),
        state.int_setting("n_init", 3, 1, 10),
        state.int_setting("cv", 5, 0, 10),
        list_setting("cov", COVARIANCE_TYPES, COVARIANCE_TYPES),
        list_setting("cov_wide", ("diag", "spherical"), COVARIANCE_TYPES),
        state.int_setting("seed", 0, 0, state.SEED_MAX),
        state.choice_setting("sign", "sklearn", figs.CONVENTIONS),
        state.choice_setting("criterion", "bic", CRITERIA),
        state.text_setting("shown"),
        state.text_setting("x"),
        state.text_setting("y"),
    )
    data = picker.data_picker()
    st.title("Choose K")
    st.markdown(
        "How many groups do the data hold? Fit a mixture with K = 1, 2, 3, … components and "
        "score every fit. A score rewards fitting the data (the log-likelihood, log L) and "
        "charges for every extra parameter, so a K that only chases noise loses."
    )
    if data is None:
        return
    ref, features = data.ref, tuple(data.features)
    X = sel.scored_rows(ref, features)
    n_rows, n_features = X.shape
    note = (
        ""
        if n_rows == len(data.frame)
        else (f" (a random {n_rows:,} of its {len(data.frame):,} rows, to stay quick)")
    )
    shown_names = ", ".join(features[:6]) + (", …" if n_features > 6 else "")
    st.markdown(
        f"**Data:** {state.quoted(data.name)}{note}: {n_rows:,} rows, {n_features} feature"
        f"{'s' if n_features > 1 else ''} ({shown_names}). Choose the data and features in "
        "the sidebar."
    )

    families = FAMILIES_BY_KIND.get(data.kind, ("gaussian",))
    family = ps.ensure("family", families)
    ps.ensure("cv", CV_CHOICES, 5)
    cov_name = "cov_wide" if n_features > WIDE else "cov"
    settings_form(ps, families, cov_name, n_features > WIDE)
    family, cov_types = ps["family"], list(ps[cov_name])
    body = st.container()

    if family != "gaussian":
        cov_types = ["-"]
    elif not cov_types:
        body.info(
            "Pick at least one covariance type, then press **Compute**.", icon=":material/info:"
        )
        return
    ks = tuple(range(1, min(ps["kmax"], n_rows) + 1))
    folds = min(ps["cv"], n_rows) if ps["cv"] and n_rows >= 4 else None
    scans = [sel.Scan(family, ks, ct, ps["n_init"], int(ps["seed"]), folds) for ct in cov_types]

    with body:
        progress = st.progress(0.0, text="Fitting…")
        parts = []
        for i, scan in enumerate(scans):
            label = f"{scan.cov} covariances" if scan.cov != "-" else FAMILY_LABELS[family]
            progress.progress(i / len(scans), text=f"Fitting K = 1…{ks[-1]}, {label}")
            parts.append(sel.criteria(ref, features, scan))
        progress.empty()
        table = pd.concat(parts, ignore_index=True)
        top = st.columns([3, 2])
        top[0].radio(
            "Sign convention for AIC, BIC and ICL",
            figs.CONVENTIONS,
            format_func=figs.CONVENTION_LABELS.__getitem__,
            key=ps.key("sign"),
            horizontal=True,
        )
        criteria = figs.available_criteria(table)
        ps.ensure("criterion", criteria, "bic")
        top[1].selectbox(
            "Recommend by",
            criteria,
            format_func=figs.CRITERION_NAMES.__getitem__,
            key=ps.key("criterion"),
        )
        convention, criterion = ps["sign"], ps["criterion"]
        rec = figs.recommend(table, criterion, convention)
        if rec is None:
            st.error(
                "Every fit collapsed, so there is nothing to compare. Try fewer components, "
                "fewer features, or other covariance types.",
                icon=":material/error:",
            )
        else:
            st.success(f"**Suggested: K = {rec.k}.** {rec.text}", icon=":material/recommend:")
            ct = rec.covariance_type if family == "gaussian" else None
            st.link_button(
                f"Open Classify with K = {rec.k}" + (f" ({ct})" if ct else "") + " in a new tab",
                classify_link(ref, family=family, k=rec.k, cov=ct, seed=int(ps["seed"])),
                icon=":material/open_in_new:",
            )
        st.plotly_chart(
            figs.criteria_figure(table, convention), key="choose_k.criteria", theme=None
        )
        n_init = ps["n_init"]
        st.caption(
            f"{len(table)} fits of {n_rows:,} rows, best of {n_init} start"
            f"{'s' if n_init > 1 else ''} each; ★ marks the best K of each curve, the ring the "
            "best of the panel." + (f" Held-out: {folds}-fold cross-validation." if folds else "")
        )
        failed = figs.collapsed_notes(table)
        if failed:
            st.warning(
                f"**{len(failed)} fit{'s' if len(failed) > 1 else ''} collapsed** and "
                f"{'are' if len(failed) > 1 else 'is'} left as gaps in the curves: "
                + "; ".join(line.split(":")[0] for line in failed)
                + ".",
                icon=":material/warning:",
            )
            with st.expander("Why they collapsed"):
                st.markdown("\n".join(f"- {line}" for line in failed))

    st.header("What the fits look like", divider="gray")
    controls = st.columns(3)
    panel_cov = cov_types[0]
    if family == "gaussian":
        ps.ensure("shown", cov_types, rec.covariance_type if rec is not None else cov_types[0])
        panel_cov = controls[0].selectbox("Covariance type shown", cov_types, key=ps.key("shown"))
    vx, vy = figs.default_view(features, PREFERRED_VIEW)
    if n_features > 2:
        vx = features.index(ps.ensure("x", features, features[vx]))
        vy = features.index(ps.ensure("y", features, features[vy]))
        controls[1].selectbox("Across", features, key=ps.key("x"))
        controls[2].selectbox("Up", features, key=ps.key("y"))
    panel_ks = tuple(k for k in PANEL_KS if k <= ks[-1])
    if rec is not None and rec.k not in panel_ks:
        panel_ks = (*panel_ks, rec.k)
    panel_scan = scans[0]._replace(cov=panel_cov)
    with st.spinner("Fitting the mixtures shown…"):
        fits = [sel.panel_fit(ref, features, panel_scan.settings(k)) for k in panel_ks]
    if n_features == 1:
        st.info(
            "One feature only: pick at least two features (in the sidebar) to see the fits drawn."
        )
    else:
        panels = figs.panels_on_view(fits, (vx, vy), table, criterion, convention, panel_cov)
        st.plotly_chart(
            figs.mixtures_figure(X[:, [vx, vy]], panels, (features[vx], features[vy])),
            key="choose_k.panels",
            theme=None,
        )
        shown = "the two features shown" if n_features == 2 else "these two of the features"
        st.caption(
            "Points take the colour of their most probable component; ✕ marks each mean and "
            "the line is the 2σ ellipse (Mahalanobis distance 2, about 86% of a component's "
            f"points) on {shown}."
        )
        for fit in fits:
            if fit["error"]:
                st.warning(f"K = {fit['k']} collapsed: {fit['error']}", icon=":material/warning:")

    st.header("Every fit, and the two ways to write BIC", divider="gray")
    bic_explained(family, n_features)
    st.dataframe(
        figs.parameter_table(table, convention),
        hide_index=True,
        height=min(35 * (len(table) + 1) + 3, 560),
    )


main()
