"""The sections of the "EM step by step" page: its settings, the form, and what it shows.

Everything drawn here comes from :mod:`ui.cached.mixtures` (keyed by the data reference, the
columns, the view and the fit settings) and :mod:`ui.figures.em`; nothing here fits a model or
runs an E-step. The page's settings live in a :class:`ui.state.PageState` (``"em.<name>"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui import state
from ui.cached import mixtures as cm
from ui.cached.data import ChosenData
from ui.cached.mixtures import FitSettings
from ui.components import fit_form
from ui.figures import em as figs

PAGE = "em"
TWO, PCA = "two", "pca"
VIEW_LABELS = {TWO: "two features", PCA: "PCA of all features"}
DEFAULT_K = 2
#: The classic view of each built-in dataset; other tables start with their first two columns.
DEFAULT_PAIRS = {
    "wine": ("malic acid", "total phenols"),
    "iris": ("petal length", "petal width"),
    "blobs": ("x1", "x2"),
}
#: Datasets whose single pixels make a poor picture: they start in the PCA view.
PCA_FIRST = ("digits", "digits_binary")
MAX_STEP = 2 * fit_form.MAX_ITER_RANGE[1]


@dataclass(frozen=True)
class View:
    """What the page plots: two features, or PCA of the chosen ones."""

    view: str
    fx: str
    fy: str


@dataclass(frozen=True)
class Run:
    """One fit as the page shows it: the cache key parts, and the display-safe axis labels."""

    ref: state.DataRef
    columns: tuple[str, ...]
    pca: bool
    settings: FitSettings

    @property
    def key(self) -> tuple:
        return (self.ref, self.columns, self.pca, self.settings)

    @property
    def element_id(self) -> str:
        return format(hash(self.key) & 0xFFFFFFFF, "08x")


# --------------------------------------------------------------------------- settings


def default_view(data: ChosenData) -> View:
    """Two chosen features -> those; more than two -> PCA; none -> the dataset's classic pair
    (PCA for images). One chosen feature shows the classic pair."""
    names, chosen = data.feature_names, data.ref.features
    pair = DEFAULT_PAIRS.get(data.name, ())
    if not (len(pair) == 2 and all(p in names for p in pair)):
        pair = (names[0], names[min(1, len(names) - 1)])
    if len(chosen) == 2:
        return View(TWO, *chosen)
    if len(chosen) > 2 or (not chosen and (data.name in PCA_FIRST or data.image_shape)):
        return View(PCA, *pair)
    return View(TWO, *pair)


def declare(view: View, step: int | None = None, row: int | None = None) -> state.PageState:
    """The page's settings; ``step`` and ``row`` defaults are known once the run is."""
    return state.page(
        PAGE,
        state.choice_setting("view", view.view, tuple(VIEW_LABELS)),
        state.text_setting("fx", view.fx),
        state.text_setting("fy", view.fy),
        *fit_form.settings(k=DEFAULT_K),
        state.int_setting("step", step, 0, MAX_STEP),
        state.int_setting("row", row, 0, 10**9),
    )


def follow(ps: state.PageState, name: str, basis, **defaults) -> None:
    """Reset settings to ``defaults`` when ``basis`` (the data, or the run) changed since the
    last run of this page; not on the first, so that a link's values hold."""
    key = f"{PAGE}._{name}"
    if st.session_state.get(key, basis) != basis:
        ps.set(**defaults)
    st.session_state[key] = basis


def follow_data(ps: state.PageState, data: ChosenData, view: View) -> None:
    """A new data choice brings its own default view; fx and fy stay features of the data."""
    follow(ps, "data", data.ref, view=view.view, fx=view.fx, fy=view.fy)
    ps.ensure("fx", data.feature_names, view.fx)
    ps.ensure("fy", data.feature_names, view.fy)


def _distinct_pair(ps: state.PageState, names: tuple[str, ...]) -> None:
    """The form's submit: two different features are needed."""
    if ps["fx"] == ps["fy"]:
        other = next(n for n in names if n != ps["fx"])
        ps.set(fy=other)
        state.add_note(
            f"Two different features are needed; plotting {state.quoted(ps['fx'])} "
            f"against {state.quoted(other)}."
        )


def controls(ps: state.PageState, data: ChosenData) -> None:
    """The one form, folded behind a one-line summary so the animation is on the first
    screen of a projector: view, features, model and stopping settings."""
    s = fit_form.fit_settings(ps)
    name = data.name if data.source == "builtin" else state.quoted(data.name)
    where = VIEW_LABELS[PCA] if ps["view"] == PCA else f"{ps['fx']} × {ps['fy']}"
    if data.source != "builtin" and ps["view"] != PCA:
        where = f"{state.quoted(ps['fx'], 30)} × {state.quoted(ps['fy'], 30)}"
    summary = f"Settings: {name} · {where} · {fit_form.summary(s)}"
    with (
        st.expander(summary, icon=":material/tune:", expanded=False),
        st.form("em.form", border=False),
    ):
        row = st.columns([2, 1, 1])
        row[0].radio(
            "Plot",
            tuple(VIEW_LABELS),
            format_func=VIEW_LABELS.__getitem__,
            key=ps.key("view"),
            horizontal=True,
            help="PCA: the first two principal components of the chosen (standardised) "
            "features. The data and its features are chosen in the sidebar.",
        )
        row[1].selectbox("x feature", data.feature_names, key=ps.key("fx"))
        row[2].selectbox("y feature", data.feature_names, key=ps.key("fy"))
        fit_form.draw(ps)
        st.form_submit_button(
            "Run EM",
            type="primary",
            key="em.apply",
            on_click=_distinct_pair,
            args=(ps, tuple(data.feature_names)),
        )


# --------------------------------------------------------------------------- sections


def by_component(table):
    """One column per component, one row per quantity (narrow enough for a side column)."""
    out = table.set_index("component").T
    out.columns = [f"component {c}" for c in out.columns]
    return out.map(lambda v: f"{v:.4g}")


def explain() -> None:
    e, m = st.columns(2, gap="large")
    with e:
        st.markdown("**E-step**: share each row out among the components.")
        st.latex(
            r"r_{nk} = \frac{\pi_k\,\mathcal{N}(x_n\mid\mu_k,\Sigma_k)}"
            r"{\sum_j \pi_j\,\mathcal{N}(x_n\mid\mu_j,\Sigma_j)}"
        )
        st.markdown("**The gap** between the two curves is a KL divergence:")
        st.latex(r"\log p(X\mid\theta) = \mathrm{ELBO} + \mathrm{KL}")
    with m:
        st.markdown("**M-step**: refit each component from its shares.")
        st.latex(
            r"\begin{aligned} N_k &= \textstyle\sum_n r_{nk}, \qquad \pi_k = N_k / N \\"
            r"\mu_k &= \textstyle\sum_n r_{nk}\,x_n / N_k \\"
            r"\Sigma_k &= \textstyle\sum_n r_{nk}\,(x_n-\mu_k)(x_n-\mu_k)^\top / N_k"
            r" + \epsilon I \end{aligned}"
        )
        st.caption("ε is reg_covar. Equal weights keep π_k = 1/K.")


def _use(ps: state.PageState, option: FitSettings) -> None:
    """A "Use …" button: put the fix into the page's settings."""
    ps.set(k=option.k, cov=option.cov, reg_covar=option.reg_covar)


def show_failure(ps: state.PageState, r: Run, run: cm.EMRun) -> None:
    st.error(f"**The fit collapsed.** {run.error}", icon=":material/error:")
    offer_fixes(ps, r, run)


def show_degenerate(ps: state.PageState, r: Run, run: cm.EMRun) -> None:
    """A component collapsed but the fit went on: say which, and offer checked fixes."""
    st.warning(f"**A component collapsed.** {run.degenerate}", icon=":material/warning:")
    offer_fixes(ps, r, run)


def offer_fixes(ps: state.PageState, r: Run, run: cm.EMRun) -> None:
    """Buttons for the settings that fit without collapsing (each checked by fitting it)."""
    found = cm.fixes(r.ref, r.columns, r.pca, r.settings)
    if found:
        st.info(
            "Each of these changes fits without collapsing (checked): "
            + "; ".join(label for label, _ in found)
            + ". Press one to use it.",
            icon=":material/build:",
        )
        for column, (label, option) in zip(st.columns(len(found)), found, strict=True):
            column.button(f"Use {label}", key=f"em.fix.{label}", on_click=_use, args=(ps, option))
    elif run.advice:
        st.info("To try: " + "; ".join(run.advice) + ".", icon=":material/build:")


def least_sure_row(run: cm.EMRun) -> int:
    """The drawn row the final fit is least sure of: where the point inspector starts."""
    return int(run.display_rows[int(np.argmin(run.resp[-1].max(axis=1)))])


def show_animation(r: Run, run: cm.EMRun, plane: cm.Plane):
    """Notes, the animation and, beside it, a slot for the bound chart (returned)."""
    n = len(plane.X)
    if len(run.display_rows) < n:
        st.caption(
            f"The plots draw a fixed random {len(run.display_rows):,} of the {n:,} rows, "
            "to stay quick; the fit, the counts and the histograms use every row."
        )
    if len(run.steps) < run.trace.n_steps:
        st.caption(
            f"The run took {run.n_iter} iterations; the animation shows "
            f"{len(run.steps) // 2} of them, evenly spread (first and last included)."
        )
    for message in run.warnings:
        if message != run.degenerate:  # that one has its own box, with fixes
            st.warning(message, icon=":material/warning:")
    for note in cm.run_notes(run, r.settings, plane.X):
        st.info(note, icon=":material/info:")
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(
            cm.animation(*r.key),
            theme=None,
            key=f"em.anim.{r.element_id}",
            config={"displaylogo": False},
        )
        status = "converged" if run.converged else "stopped at max_iter"
        st.caption(
            f"{run.n_iter} iterations, {status}. After an **E-step** each point's colour mixes "
            "the component colours by its shares; after an **M-step** the means (×) and "
            "ellipses move. Solid: 1σ, dashed: 2σ; dotted rings are other equal-density levels."
        )
    slot = right.empty()
    right.caption(
        "An E-step closes the gap (the ELBO touches the log-likelihood); an M-step raises the "
        "ELBO, and the log-likelihood rises at least as much, reopening a gap."
    )
    return slot


def show_step(ps: state.PageState, r: Run, run: cm.EMRun, plane: cm.Plane, slot) -> None:
    """The step inspector: bound chart marker, parameters, and the M-step's weighted view."""
    trace = run.trace
    st.subheader("Look at one step", divider="gray")
    ps.ensure("step", range(trace.n_steps), trace.n_steps - 1)
    s = st.select_slider(
        "Step to inspect", range(trace.n_steps), format_func=trace.label, key=ps.key("step")
    )
    with slot:
        st.plotly_chart(figs.bound_figure(trace, current=s), theme=None, key="em.bound")
    t = int(trace.iteration[s])
    e = s if trace.phase[s] == "E" else s - 1
    table, hist = st.columns([1, 1], gap="medium")
    with table:
        st.markdown(f"**Parameters at {trace.label(s).lower()}**")
        params = figs.parameter_table(trace, s, run.nk[t - 1], plane.labels)
        st.dataframe(by_component(params), key="em.params")
        st.caption(
            f"N_k = Σ r_nk from iteration {t}'s E-step: the rows' worth each component holds. "
            + (
                "An E-step row shows the parameters it used; the M-step then computes new ones."
                if trace.phase[s] == "E"
                else "These are the parameters this M-step computed from those shares."
            )
        )
    with hist:
        resp = cm.responsibilities(r.ref, r.columns, r.settings, e, pca=r.pca)
        st.markdown(f"**What the M-step of iteration {t} sees: histograms weighted by r_nk**")
        st.plotly_chart(
            figs.weighted_histograms(plane.X, resp, plane.labels), theme=None, key="em.hist"
        )
        st.caption("Dashed lines: the weighted means, which become the new μ_k.")


def show_point(ps: state.PageState, r: Run, run: cm.EMRun, plane: cm.Plane, quote) -> None:
    """Why one row gets its shares at the inspected step."""
    trace, n = run.trace, len(plane.X)
    s = ps["step"]
    st.subheader("Why does a point get its shares?", divider="gray")
    ps.ensure("row", range(n), least_sure_row(run))
    row = st.number_input(
        f"Row to inspect (0 to {n - 1}); it starts on the row the final fit is least sure of",
        0,
        n - 1,
        step=1,
        key=ps.key("row"),
    )
    point = cm.point_shares(r.ref, r.columns, r.pca, r.settings, s, int(row))
    numbers, bars = st.columns([1, 1], gap="medium")
    with numbers:
        where = ", ".join(
            f"{quote(label.split(' (')[0])} = {v:.3g}"
            for label, v in zip(plane.labels, plane.X[row], strict=True)
        )
        st.markdown(f"**Row {row}**: {where}")
        st.dataframe(by_component(point))
        st.caption(
            "share r_k = π·N(x|k) divided by the sum over components. "
            + (
                "These are the shares this E-step gave the row."
                if trace.phase[s] == "E"
                else "With this M-step's parameters: the shares the next E-step will give."
            )
        )
    with bars:
        st.plotly_chart(figs.shares_figure(point), theme=None, key="em.shares")


def show_restarts(r: Run) -> None:
    n = cm.N_RESTARTS
    st.subheader(f"{n} starts, {n} endings", divider="gray")
    found, best, error = cm.restarts(*r.key)
    if error:
        st.info(f"Every start collapsed: {error}", icon=":material/info:")
        return
    st.plotly_chart(cm.gallery(*r.key), theme=None, key="em.gallery")
    finals = np.array([x.lower_bound for x in found if x.error is None])
    distinct = len(np.unique(np.round(finals, 4)))
    st.caption(
        f"Each panel is EM from a different start with the same settings; the number is the "
        f"final log-likelihood in nats per row (higher is better). Start 1 is the run animated "
        f"above; ★ marks the one kept by n_init = {n}. "
        + (
            f"The starts ended in {distinct} different places: EM only climbs to a local optimum."
            if distinct > 1
            else "All starts ended in the same place."
        )
    )
