"""EM step by step: a Gaussian mixture's fit replayed E-step by M-step, on two features."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from engine.data import BUILTIN_NAMES
from engine.mixtures import COVARIANCE_TYPES
from ui import cache, data_source, fits, state
from ui.figures import em as figs

UPLOAD = "__upload__"
TWO, PCA = "two features", "PCA of all features"
K_MAX = 10
DEFAULT_K = 2
#: The classic view of each built-in dataset; other tables start with their first two columns.
DEFAULT_PAIRS = {
    "wine": ("malic acid", "total phenols"),
    "iris": ("petal length", "petal width"),
    "blobs": ("x1", "x2"),
}
#: Datasets whose single pixels make a poor picture: they start in the PCA view.
PCA_FIRST = ("digits", "digits_binary")
INIT_LABELS = {
    "kmeans": "k-means (default)",
    "k-means++": "k-means++ seeds",
    "random": "random shares",
    "random_from_data": "random rows",
}
SETTINGS_KEY = "em.settings"  # the page-only settings, kept while other pages are shown


# --------------------------------------------------------------------------- choices


def default_pair(data: data_source.ChosenData) -> tuple[str, str]:
    names = data.feature_names
    pair = DEFAULT_PAIRS.get(data.name, ())
    if len(pair) == 2 and all(p in names for p in pair):
        return pair
    return names[0], names[min(1, len(names) - 1)]


def current_view(data: data_source.ChosenData) -> tuple[str, str, str]:
    """``(view, x feature, y feature)`` from the shared feature choice.

    Two chosen features are plotted as they are; more than two are shown through PCA; none
    (meaning all) gives the dataset's classic pair, or PCA for image data.
    """
    chosen = tuple(state.get("features"))
    fx, fy = default_pair(data)
    if len(chosen) == 2:
        return TWO, chosen[0], chosen[1]
    if len(chosen) > 2 or (not chosen and data.name in PCA_FIRST):
        return PCA, fx, fy
    if len(chosen) == 1:
        state.add_note("This page plots two features; showing the usual pair instead of one.")
    return TWO, fx, fy


def _apply(names: tuple[str, ...], copy_back: list) -> None:
    """The form's submit: write the choice into the shared state (and so into the link)."""
    ss = st.session_state
    picked = ss["em.data"]
    before = (state.get("source"), state.get("dataset"))
    if picked == UPLOAD:
        state.update(source="upload")
    else:
        state.update(source="builtin", dataset=picked)
    if (state.get("source"), state.get("dataset")) != before:
        state.update(features=())
        for key in ("em.view", "em.fx", "em.fy"):
            ss.pop(key, None)
    elif ss["em.view"] == PCA:
        state.update(features=names)
    else:
        fx, fy = ss["em.fx"], ss["em.fy"]
        if fx == fy:
            fy = next(n for n in names if n != fx)
            ss["em.fy"] = fy
            state.add_note(f"Two different features are needed; plotting {fx} against {fy}.")
        state.update(features=(fx, fy))
    for copy in copy_back:
        copy()
    ss[SETTINGS_KEY] = {
        "init": ss["em.init"],
        "tol": ss["em.tol"],
        "max_iter": int(ss["em.max_iter"]),
        "reg_covar": ss["em.reg_covar"],
        "uniform": ss["em.uniform"],
    }


def _use(settings: fits.Settings) -> None:
    """A "use this fix" button: put the fix into the shared state and the form."""
    state.update(k=settings.k, cov=settings.cov)
    saved = dict(st.session_state.get(SETTINGS_KEY, {}))
    saved["reg_covar"] = settings.reg_covar
    st.session_state[SETTINGS_KEY] = saved
    for key in ("em.k", "em.cov", "em.reg_covar"):
        st.session_state.pop(key, None)


def _seed_widget(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def controls(data: data_source.ChosenData) -> None:
    """The one form: data, view, model and stopping settings."""
    ss = st.session_state
    saved = {**fits.Settings()._asdict(), **ss.get(SETTINGS_KEY, {})}
    if "em.k" not in ss:
        k = state.get("k")
        first_visit = not ss.get("em.visited")
        if first_visit and "k" not in st.query_params and k == state.DEFAULT.k:
            k = DEFAULT_K  # the page's own default: two components, as in the classic example
        if not 1 <= k <= K_MAX:
            state.add_note(f"This page shows at most {K_MAX} components; using K = {K_MAX}.")
            k = K_MAX
        state.update(k=int(k))
    ss["em.visited"] = True

    uploaded = state.get("source") == "upload" and state.get("upload_digest")
    data_options = ([UPLOAD] if uploaded else []) + list(BUILTIN_NAMES)
    _seed_widget("em.data", UPLOAD if data.source == "upload" else data.name)
    view, fx, fy = current_view(data)
    _seed_widget("em.view", view)
    _seed_widget("em.fx", fx)
    _seed_widget("em.fy", fy)
    for name in ("init", "tol", "max_iter", "reg_covar", "uniform"):
        _seed_widget(f"em.{name}", saved[name])
    binds = [state.bind("k", "em.k"), state.bind("cov", "em.cov"), state.bind("seed", "em.seed")]

    # Folded away behind a one-line summary, so the animation is on the first screen of a
    # projector; a click opens every setting.
    where = "PCA of all features" if view == PCA else f"{fx} × {fy}"
    summary = (
        f"Settings: {data.name} · {where} · K = {ss['em.k']} · {ss['em.cov']} covariance · "
        f"seed {ss['em.seed']}"
    )
    with (
        st.expander(summary, icon=":material/tune:", expanded=False),
        st.form("em.form", border=False),
    ):
        row = st.columns(4)
        row[0].selectbox(
            "Dataset",
            data_options,
            format_func=lambda n: (
                f"Uploaded: {state.get('upload_name')}"
                if n == UPLOAD
                else data_source.BUILTIN_LABELS.get(n, n)
            ),
            key="em.data",
            help="Upload your own CSV on the Home page; it then appears here.",
        )
        row[1].radio(
            "Plot",
            (TWO, PCA),
            key="em.view",
            help="PCA: the first two principal components of all (standardised) features.",
        )
        names = data.feature_names
        row[2].selectbox("x feature", names, key="em.fx")
        row[3].selectbox("y feature", names, key="em.fy")
        row = st.columns(4)
        row[0].slider("K (components)", 1, K_MAX, key=binds[0]["key"])
        row[1].selectbox(
            "Covariance type",
            COVARIANCE_TYPES,
            key=binds[1]["key"],
            help="full: any ellipse; tied: one shared ellipse; diag: axis-aligned; "
            "spherical: circles.",
        )
        row[2].selectbox(
            "Start from",
            list(INIT_LABELS),
            format_func=INIT_LABELS.__getitem__,
            key="em.init",
        )
        row[3].number_input("Seed", 0, state.SEED_MAX, step=1, key=binds[2]["key"])
        row = st.columns(4)
        row[0].select_slider(
            "tol (per row)",
            fits.TOL_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key="em.tol",
            help="Stop when the mean log-likelihood per row rises by less than this.",
        )
        row[1].number_input("max_iter", 1, 1000, step=10, key="em.max_iter")
        row[2].select_slider(
            "reg_covar",
            fits.REG_COVAR_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key="em.reg_covar",
            help="Added to every variance so that no component can shrink to a point.",
        )
        row[3].checkbox(
            "Equal weights π = 1/K",
            key="em.uniform",
            help="The M-step then updates means and covariances only.",
        )
        st.caption("Changing the dataset? Press Run EM once, then pick its features.")
        st.form_submit_button(
            "Run EM",
            type="primary",
            key="em.apply",
            on_click=_apply,
            args=(tuple(names), [b["on_change"] for b in binds]),
        )


def settings_now() -> fits.Settings:
    saved = {**fits.Settings()._asdict(), **st.session_state.get(SETTINGS_KEY, {})}
    return fits.Settings(
        k=int(state.get("k")),
        cov=state.get("cov"),
        init=saved["init"],
        seed=int(state.get("seed")),
        tol=float(saved["tol"]),
        max_iter=int(saved["max_iter"]),
        reg_covar=float(saved["reg_covar"]),
        uniform=bool(saved["uniform"]),
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


def show_failure(run: fits.EMRun, key: str, columns, pca: bool, settings, X) -> None:
    st.error(f"**The fit collapsed.** {run.error}", icon=":material/error:")
    found = fits.fixes(key, columns, pca, settings, X)
    if found:
        st.info(
            "Each of these changes fits without collapsing (checked): "
            + "; ".join(label for label, _ in found)
            + ". Press one to use it.",
            icon=":material/build:",
        )
        for column, (label, option) in zip(st.columns(len(found)), found, strict=True):
            column.button(f"Use {label}", key=f"em.fix.{label}", on_click=_use, args=(option,))
    elif run.advice:
        st.info("To try: " + "; ".join(run.advice) + ".", icon=":material/build:")


def show_run(run: fits.EMRun, plane: fits.Plane, data, settings: fits.Settings, run_id: str):
    trace = run.trace
    X = plane.X
    shown = X[run.display_rows]
    labels = plane.labels

    if len(run.display_rows) < len(X):
        st.caption(
            f"The plots draw a fixed random {len(run.display_rows):,} of the {len(X):,} rows, "
            "to stay quick; the fit, the counts and the histograms use every row."
        )
    if len(run.steps) < trace.n_steps:
        st.caption(
            f"The run took {run.n_iter} iterations; the animation shows "
            f"{len(run.steps) // 2} of them, evenly spread (first and last included)."
        )
    for message in run.warnings:
        st.warning(message, icon=":material/warning:")
    for note in fits.notes(run, settings, X):
        st.info(note, icon=":material/info:")

    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(
            theme=None,
            figure_or_data=fits.animation(run_id, shown, run.resp, trace, labels, run.steps),
            key=f"em.anim.{run_id}",
            config={"displaylogo": False},
        )
        status = "converged" if run.converged else "stopped at max_iter"
        st.caption(
            f"{run.n_iter} iterations, {status}. After an **E-step** each point's colour mixes "
            "the component colours by its shares; after an **M-step** the means (×) and "
            "ellipses move. Solid: 1σ, dashed: 2σ; dotted rings are other equal-density levels."
        )
    bound_slot = right.empty()
    right.caption(
        "An E-step closes the gap (the ELBO touches the log-likelihood); an M-step raises the "
        "ELBO, and the log-likelihood rises at least as much, reopening a gap."
    )

    explain()

    st.subheader("Look at one step", divider="gray")
    options = list(range(trace.n_steps))
    s = st.select_slider(
        "Step to inspect",
        options,
        value=options[-1],
        format_func=trace.label,
        key=f"em.step.{run_id}",
    )
    with bound_slot:
        st.plotly_chart(
            theme=None,
            figure_or_data=figs.bound_figure(trace, current=s),
            key=f"em.bound.{run_id}.{s}",
        )
    t = int(trace.iteration[s])
    e = s if trace.phase[s] == "E" else s - 1
    table, hist = st.columns([1, 1], gap="medium")
    with table:
        st.markdown(f"**Parameters at {trace.label(s).lower()}**")
        params = figs.parameter_table(trace, s, run.nk[t - 1], labels)
        st.dataframe(by_component(params), key=f"em.params.{run_id}")
        st.caption(
            f"N_k = Σ r_nk from iteration {t}'s E-step: the rows' worth each component holds. "
            + (
                "An E-step row shows the parameters it used; the M-step then computes new ones."
                if trace.phase[s] == "E"
                else "These are the parameters this M-step computed from those shares."
            )
        )
    with hist:
        _, resp_all = figs.responsibilities(
            X, trace.weights[e], trace.means[e], trace.covariances[e]
        )
        st.markdown(f"**What the M-step of iteration {t} sees: histograms weighted by r_nk**")
        st.plotly_chart(
            theme=None,
            figure_or_data=figs.weighted_histograms(X, resp_all, labels),
            key=f"em.hist.{run_id}.{t}",
        )
        st.caption("Dashed lines: the weighted means, which become the new μ_k.")

    st.subheader("Why does a point get its shares?", divider="gray")
    surest = run.resp[-1].max(axis=1)
    fence = int(run.display_rows[int(np.argmin(surest))])
    row = st.number_input(
        f"Row to inspect (0 to {len(X) - 1}); it starts on the row the final fit is least sure of",
        0,
        len(X) - 1,
        value=fence,
        step=1,
        key=f"em.row.{run_id}",
    )
    point = figs.point_shares(X[row], trace.weights[s], trace.means[s], trace.covariances[s])
    numbers, bars = st.columns([1, 1], gap="medium")
    with numbers:
        where = ", ".join(
            f"{label.split(' (')[0]} = {v:.3g}" for label, v in zip(labels, X[row], strict=True)
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
        st.plotly_chart(
            theme=None, figure_or_data=figs.shares_figure(point), key=f"em.shares.{run_id}"
        )


def show_restarts(key: str, columns, pca: bool, settings: fits.Settings, X, labels, run_id) -> None:
    st.subheader(f"{fits.N_RESTARTS} starts, {fits.N_RESTARTS} endings", divider="gray")
    found, best, error = fits.restarts(key, columns, pca, settings, X)
    if error:
        st.info(f"Every start collapsed: {error}", icon=":material/info:")
        return
    st.plotly_chart(
        theme=None,
        figure_or_data=fits.gallery(run_id, X[fits.display_rows(len(X))], found, best, labels),
        key="em.gallery",
    )
    finals = np.array([r.lower_bound for r in found if r.error is None])
    distinct = len(np.unique(np.round(finals, 4)))
    st.caption(
        f"Each panel is EM from a different start with the same settings; the number is the "
        f"final log-likelihood in nats per row (higher is better). Start 1 is the run animated "
        f"above; ★ marks the one kept by n_init = {fits.N_RESTARTS}. "
        + (
            f"The starts ended in {distinct} different places: EM only climbs to a local optimum."
            if distinct > 1
            else "All starts ended in the same place."
        )
    )


# --------------------------------------------------------------------------- page


def main() -> None:
    st.title("EM step by step")
    st.markdown(
        "Watch a Gaussian mixture learn: each iteration first shares every row out among the "
        "components (**E-step**), then refits each component from its shares (**M-step**)."
    )
    data = data_source.current_data()
    if data is None:
        st.error("No data could be loaded. Please reload the page.", icon=":material/error:")
        return
    controls(data)
    for note in state.take_notes():
        st.info(note, icon=":material/info:")
    if len(data.feature_names) < 2:
        st.warning(
            f"This page plots two features, and **{data.name}** has only one. "
            "Choose another dataset above.",
            icon=":material/warning:",
        )
        return

    view, fx, fy = current_view(data)
    pca = view == PCA
    columns = tuple(data.features) if pca else (fx, fy)
    units = cache.load_builtin(data.name).extra.get("units") if data.source == "builtin" else None
    plane = fits.plane(data.cache_key, columns, pca, units, data.frame[list(columns)].to_numpy())
    if plane.note:
        st.caption(plane.note)
    settings = settings_now()
    run = fits.em_run(data.cache_key, columns, pca, settings, plane.X)
    run_id = hashlib.sha1(repr((data.cache_key, columns, pca, settings)).encode()).hexdigest()[:10]
    if run.ok:
        show_run(run, plane, data, settings, run_id)
    else:
        show_failure(run, data.cache_key, columns, pca, settings, plane.X)
    show_restarts(data.cache_key, columns, pca, settings, plane.X, plane.labels, run_id)


main()
