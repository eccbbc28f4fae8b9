"""Choose K: score mixtures with K = 1, 2, ... components by AIC, BIC, ICL and held-out fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from engine.mixtures import COVARIANCE_TYPES
from ui import data_source, selection_cache, state
from ui.figures import selection as figs

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
#: Larger tables are scored on a seeded sample of this many rows, to keep the page quick.
MAX_ROWS = 20_000
PANEL_KS = (1, 2, 3)
#: With more features than this, full and tied covariances (D(D+1)/2 entries each) start
#: unticked: they are slow to fit and rarely supported by the rows available.
WIDE = 20
CV_CHOICES = (0, 3, 5, 10)


def _use_wine_view() -> None:
    state.update(source="builtin", dataset="wine", features=WINE_VIEW)
    for key in ("choose_k.source", "choose_k.dataset", "choose_k.features.wine"):
        st.session_state.pop(key, None)


st.title("Choose K")
st.markdown(
    "How many groups do the data hold? Fit a mixture with K = 1, 2, 3, … components and score "
    "every fit. A score rewards fitting the data (the log-likelihood, log L) and charges for "
    "every extra parameter, so a K that only chases noise loses."
)

with st.expander("Data", icon=":material/table:"):
    data = data_source.choose_data("choose_k")
if data is None:
    st.stop()
if data.name == "wine" and data.source == "builtin" and data.features != WINE_VIEW:
    st.button(
        "Use the classic wine example: malic acid and total phenols",
        icon=":material/wine_bar:",
        on_click=_use_wine_view,
    )

X = data.X
note = ""
if X.shape[0] > MAX_ROWS:
    X = X[np.sort(np.random.default_rng(0).choice(X.shape[0], MAX_ROWS, replace=False))]
    note = f" (a random {MAX_ROWS:,} of its {data.X.shape[0]:,} rows, to stay quick)"
n_rows, n_features = X.shape
features = tuple(data.features)
st.markdown(
    f"**Data:** {data.name}{note}: {n_rows:,} rows, {n_features} feature"
    f"{'s' if n_features > 1 else ''} ({', '.join(features[:6])}{', …' if n_features > 6 else ''})."
)

families = FAMILIES_BY_KIND.get(data.kind, ("gaussian",))
form_col, seed_col = st.columns([7, 1], vertical_alignment="top")
with form_col, st.form("choose_k.settings", border=True):
    row = st.columns(4)
    family = row[0].selectbox(
        "Mixture family",
        families,
        format_func=FAMILY_LABELS.__getitem__,
        key="choose_k.family",
        disabled=len(families) == 1,
    )
    k_max = row[1].slider("K from 1 to", 2, 15, 10, key="choose_k.k_max")
    n_init = row[2].slider(
        "Restarts per fit",
        1,
        10,
        3,
        key="choose_k.n_init",
        help="EM can stop at a poor local optimum; the best of several starts is kept.",
    )
    cv = row[3].selectbox(
        "Held-out folds",
        CV_CHOICES,
        index=CV_CHOICES.index(5),
        format_func=lambda v: "off" if v == 0 else f"{v} folds",
        key="choose_k.cv",
        help="Cross-validation: fit on all folds but one, score the rows left out.",
    )
    row = st.columns([3, 1], vertical_alignment="bottom")
    cov_types = row[0].multiselect(
        "Covariance types (Gaussian)",
        COVARIANCE_TYPES,
        default=list(COVARIANCE_TYPES if n_features <= WIDE else ("diag", "spherical")),
        key=f"choose_k.cov_types.{'wide' if n_features > WIDE else 'narrow'}",
        help="full: any ellipse per component; tied: one ellipse shape shared by all; "
        "diag: axis-aligned ellipses; spherical: circles."
        + (
            f" With more than {WIDE} features, full and tied start unticked: they are slow "
            "and need many rows."
            if n_features > WIDE
            else ""
        ),
    )
    row[1].form_submit_button("Compute", icon=":material/calculate:", type="primary")
seed = seed_col.number_input(
    "Seed", 0, state.SEED_MAX, step=1, **state.bind("seed", "choose_k.seed")
)
main = st.container()

if family != "gaussian":
    cov_types = ["-"]
elif not cov_types:
    with main:
        st.info(
            "Pick at least one covariance type, then press **Compute**.", icon=":material/info:"
        )
    st.stop()
ks = tuple(range(1, min(k_max, n_rows) + 1))
folds = min(cv, n_rows) if cv and n_rows >= 4 else None

with main:
    progress = st.progress(0.0, text="Fitting…")
    parts = []
    try:
        for i, ct in enumerate(cov_types):
            label = f"{ct} covariances" if ct != "-" else FAMILY_LABELS[family]
            progress.progress(i / len(cov_types), text=f"Fitting K = 1…{ks[-1]}, {label}")
            parts.append(
                selection_cache.criteria_table(
                    data.cache_key, features, X, family, ks, (ct,), n_init, int(seed), folds
                )
            )
    except Exception as err:  # a bug, not the data: say so and keep the app alive
        progress.empty()
        st.error(f"The fits could not be computed: {err}", icon=":material/error:")
        st.stop()
    progress.empty()
    table = pd.concat(parts, ignore_index=True)

    top = st.columns([3, 2])
    convention = top[0].radio(
        "Sign convention for AIC, BIC and ICL",
        figs.CONVENTIONS,
        format_func=figs.CONVENTION_LABELS.__getitem__,
        key="choose_k.convention",
        horizontal=True,
    )
    criteria = figs.available_criteria(table)
    criterion = top[1].selectbox(
        "Recommend by",
        criteria,
        index=criteria.index("bic"),
        format_func=figs.CRITERION_NAMES.__getitem__,
        key="choose_k.criterion",
    )
    rec = figs.recommend(table, criterion, convention)
    if rec is None:
        st.error(
            "Every fit collapsed, so there is nothing to compare. Try fewer components, "
            "fewer features, or other covariance types.",
            icon=":material/error:",
        )
    else:
        st.success(f"**Suggested: K = {rec.k}.** {rec.text}", icon=":material/recommend:")

        def _share(k: int = rec.k, ct: str = rec.covariance_type) -> None:
            state.update(k=k, **({"cov": ct} if ct in COVARIANCE_TYPES else {}))

        st.button(
            f"Use K = {rec.k}"
            + (f" ({rec.covariance_type})" if family == "gaussian" else "")
            + " on the other pages",
            on_click=_share,
            key="choose_k.share",
        )
    st.plotly_chart(figs.criteria_figure(table, convention), key="choose_k.criteria", theme=None)
    st.caption(
        f"{len(table)} fits of {n_rows:,} rows, best of {n_init} start"
        f"{'s' if n_init > 1 else ''} each; ★ marks the best K of each curve, the ring the best "
        "of the panel." + (f" Held-out: {folds}-fold cross-validation." if folds else "")
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
valid_types = list(cov_types)
controls = st.columns(3)
panel_cov = cov_types[0]
if family == "gaussian":
    default_cov = rec.covariance_type if rec is not None else valid_types[0]
    panel_cov = controls[0].selectbox(
        "Covariance type shown",
        valid_types,
        index=valid_types.index(default_cov),
        key="choose_k.panel_cov",
    )
view_x, view_y = figs.default_view(features, WINE_VIEW)
if n_features > 2:
    view_x = controls[1].selectbox("Across", features, index=view_x, key="choose_k.view_x")
    view_y = controls[2].selectbox("Up", features, index=view_y, key="choose_k.view_y")
    view_x, view_y = features.index(view_x), features.index(view_y)
panel_ks = tuple(k for k in PANEL_KS if k <= ks[-1])
if rec is not None and rec.k not in panel_ks:
    panel_ks = (*panel_ks, rec.k)
with st.spinner("Fitting the mixtures shown…"):
    fits = selection_cache.panel_fits(
        data.cache_key, features, X, family, panel_ks, panel_cov, n_init, int(seed)
    )
if n_features == 1:
    st.info("One feature only: pick at least two features (under Data) to see the fits drawn.")
else:
    panels = figs.panels_on_view(fits, (view_x, view_y), table, criterion, convention, panel_cov)
    st.plotly_chart(
        figs.mixtures_figure(X[:, [view_x, view_y]], panels, (features[view_x], features[view_y])),
        key="choose_k.panels",
        theme=None,
    )
    shown = "the two features shown" if n_features == 2 else "these two of the features"
    st.caption(
        f"Points take the colour of their most probable component; ✕ marks each mean and the "
        f"line is the 2σ ellipse (Mahalanobis distance 2, about 86% of a component's points) "
        f"on {shown}."
    )
    for fit in fits:
        if fit["error"]:
            st.warning(f"K = {fit['k']} collapsed: {fit['error']}", icon=":material/warning:")

st.header("Every fit, and the two ways to write BIC", divider="gray")
sk, mc = st.columns(2, gap="large")
sk.markdown("**scikit-learn**, lower is better:")
sk.latex(r"\mathrm{BIC} = -2\log L + p\log n")
mc.markdown("**mclust**, higher is better:")
mc.latex(r"\mathrm{BIC} = 2\log L - p\log n")
st.markdown(
    "Here **log L** is the log-likelihood of all n rows (in nats) and **p** the number of free "
    "parameters. The two are the same number with the sign flipped, so both pick the same K. "
    "AIC charges 2 per parameter instead of log n; ICL adds twice the entropy of the soft "
    "labels, so it also favours clearly separated groups. The sign switch above flips all three."
)
if family == "gaussian":
    d = n_features
    st.markdown(
        f"A Gaussian mixture on D = {d} feature{'s' if d > 1 else ''} with full covariances "
        f"has p = (K − 1) weights + K·D means + K·D(D+1)/2 covariance entries; for K = 2 that "
        f"is 1 + {2 * d} + {d * (d + 1)} = {1 + 2 * d + d * (d + 1)}."
    )
st.dataframe(
    figs.parameter_table(table, convention),
    hide_index=True,
    height=min(35 * (len(table) + 1) + 3, 560),
)
