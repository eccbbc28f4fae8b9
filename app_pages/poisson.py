"""Poisson mixture: EM on counts, the histogram against the fitted probabilities, step by step."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from engine.data import DataError
from ui import cache, data_source, family_fits, state
from ui.figures import poisson as figs

BUILTIN, UPLOAD = "builtin", "upload"
SOURCE_LABELS = {BUILTIN: "Built-in counts (3 Poisson populations)", UPLOAD: "Upload a CSV"}
K_MAX = 8
INIT_LABELS = {
    "kmeans": "k-means (default)",
    "k-means++": "k-means++ seeds",
    "random": "random shares",
    "random_from_data": "random rows",
}
SAVED = "poisson.saved"  # the submitted settings, kept while other pages are shown
TABLE = "poisson.table"  # (digest, name) of the table uploaded on this page


# --------------------------------------------------------------------------- data


def _stored(digest: str | None, name: str | None) -> cache.UploadedTable | None:
    return cache.stored_upload(digest, name or "uploaded file") if digest else None


def choose_counts() -> tuple[str, str, np.ndarray, dict] | None:
    """The data block: built-in counts or one column of an uploaded CSV.

    Returns ``(cache key, column, counts (n,), truth)`` or None when nothing usable is chosen;
    ``truth`` holds the true rates and weights of the built-in example.
    """
    ss = st.session_state
    source = st.radio(
        "Where the counts come from",
        list(SOURCE_LABELS),
        format_func=SOURCE_LABELS.__getitem__,
        horizontal=True,
        key="poisson.source",
    )
    if source == BUILTIN:
        ds = cache.load_builtin("counts")
        st.markdown(ds.description)
        truth = {"rates": ds.extra["rates"], "weights": ds.extra["weights"]}
        return ds.name, "count", ds.X[:, 0].copy(), truth

    upload = st.file_uploader(
        "CSV file with a column of counts (whole numbers, 0 or more), names in the first row",
        type=list(data_source.UPLOAD_TYPES),
        key="poisson.upload",
    )
    if upload is not None:
        try:
            table = cache.read_uploaded(upload.getvalue(), upload.name)
            ss[TABLE] = (table.digest, table.name)
        except DataError as exc:
            st.error(f"**{upload.name}** can't be used. {exc}", icon=":material/error:")
    table = _stored(*ss.get(TABLE, (None, None)))
    if table is None and state.get("source") == "upload":  # the table uploaded on Home
        table = _stored(state.get("upload_digest"), state.get("upload_name"))
    if table is None:
        st.info("Upload a CSV to fit its counts.", icon=":material/upload_file:")
        return None
    columns = [str(c) for c in table.frame.columns]
    kinds = {c: data_source.guess_kind(table.frame[[c]]) for c in columns}
    first = next((i for i, c in enumerate(columns) if kinds[c] in ("counts", "binary")), 0)
    column = st.selectbox(
        f"Column of counts in **{table.name}**",
        columns,
        index=first,
        key=f"poisson.column.{table.digest[:12]}",
    )
    return table.digest, column, table.frame[column].to_numpy(dtype=np.float64), {}


# --------------------------------------------------------------------------- settings


def _save() -> None:
    ss = st.session_state
    ss[SAVED] = {name: ss[f"poisson.{name}"] for name in family_fits.PoissonSettings._fields}


def settings_now() -> family_fits.PoissonSettings:
    saved = st.session_state.get(SAVED, {})
    return family_fits.PoissonSettings(**{**family_fits.PoissonSettings()._asdict(), **saved})


def controls() -> None:
    ss = st.session_state
    for name, value in settings_now()._asdict().items():
        ss.setdefault(f"poisson.{name}", value)
    with st.form("poisson.form", border=True):
        row = st.columns(3)
        row[0].slider("K, the number of components", 1, K_MAX, key="poisson.k")
        row[1].selectbox(
            "Start from", list(INIT_LABELS), format_func=INIT_LABELS.__getitem__, key="poisson.init"
        )
        row[2].number_input("Seed", 0, state.SEED_MAX, step=1, key="poisson.seed")
        row = st.columns(3)
        row[0].number_input("max_iter", 1, 1000, step=10, key="poisson.max_iter")
        row[1].select_slider(
            "tol (per row)",
            family_fits.TOL_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key="poisson.tol",
            help="Stop when the mean log-likelihood per row rises by less than this.",
        )
        row[2].checkbox(
            "Keep weights equal (π = 1/K)",
            key="poisson.uniform",
            help="The M-step then updates the rates only.",
        )
        st.form_submit_button("Run EM", type="primary", key="poisson.apply", on_click=_save)


# --------------------------------------------------------------------------- sections


def explain(uniform: bool) -> None:
    e, m = st.columns(2, border=True)
    with e:
        st.markdown(
            "**E-step**: each count x shares itself out among the components, in proportion to "
            "how likely each one makes it (the x! is the same for all of them and cancels)."
        )
        st.latex(
            r"r_{nk} = \frac{\pi_k\,\lambda_k^{x_n} e^{-\lambda_k} / x_n!}"
            r"{\sum_j \pi_j\,\lambda_j^{x_n} e^{-\lambda_j} / x_n!}"
        )
    with m:
        st.markdown(
            "**M-step**: each rate becomes the average count of its rows, each row counted by "
            "its share; each weight becomes the component's share of all rows."
        )
        st.latex(
            r"N_k = \sum_n r_{nk},\qquad \lambda_k = \frac{\sum_n r_{nk}\,x_n}{N_k},\qquad "
            + (
                r"\pi_k = \tfrac{1}{K}\ \text{(kept fixed)}"
                if uniform
                else r"\pi_k = \frac{N_k}{N}"
            )
        )


def show_run(run: family_fits.PoissonRun, run_id: str, truth: dict) -> None:
    trace = run.trace
    for message in run.warnings:
        st.warning(message, icon=":material/warning:")
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(
            family_fits.poisson_animation(run_id, trace),
            key=f"poisson.anim.{run_id}",
            config={"displaylogo": False},
        )
        status = "converged" if run.converged else "stopped at max_iter"
        ll = trace.log_likelihood[-1]
        st.caption(
            f"{run.n_iter} iterations, {status}; final log-likelihood {ll:,.1f} nats "
            f"({ll / trace.n_rows:.3f} per row). Press ▶ Play to step through EM. Bars: the share of rows with each count, "
            "coloured by how the latest E-step split those rows among the components. "
            "Coloured lines: each component's weighted probability πk·Poisson(x | λk); "
            "black: the mixture, their sum."
        )
    with right:
        st.plotly_chart(
            figs.parameter_paths(
                trace, true_rates=truth.get("rates"), true_weights=truth.get("weights")
            ),
            key=f"poisson.paths.{run_id}",
        )
        final = pd.DataFrame(
            {
                "component": [f"{k + 1}" for k in range(trace.n_components)],
                "rate λ": trace.rates[-1],
                "weight π": trace.weights[-1],
            }
        )
        st.dataframe(
            final,
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format="%.3f") for c in ("rate λ", "weight π")
            },
        )
        if truth:
            st.caption(
                "The dotted lines are the true rates and weights the example was drawn from."
            )


def show_criteria(key: str, column: str, seed: int, x: np.ndarray) -> None:
    st.subheader("How many components? AIC and BIC for K = 1 to 6", divider="gray")
    table = family_fits.poisson_criteria(key, column, seed, x)
    ok = table.dropna(subset=["aic", "bic"]) if len(table) else table
    if not len(ok):
        st.info("No K could be fitted to these counts.", icon=":material/info:")
        return
    chart, words = st.columns([3, 2], gap="medium")
    with chart:
        st.plotly_chart(figs.criteria_figure(table), key=f"poisson.criteria.{key}.{column}.{seed}")
    with words:
        best = int(ok.loc[ok["bic"].idxmin(), "k"])
        st.markdown(
            f"Lowest BIC: **K = {best}**. Both scores reward a higher log-likelihood and charge "
            "for every extra rate and weight; BIC charges more as the number of rows grows "
            "(ln N per parameter instead of 2), so it tends to pick fewer components."
        )
        st.latex(r"\mathrm{AIC} = 2p - 2\log L,\qquad \mathrm{BIC} = p\ln N - 2\log L")
        st.markdown(
            "L is the fitted likelihood, N the number of rows and p = 2K − 1 the free "
            "parameters: K rates and K − 1 weights (the last weight is what the others leave)."
        )
        st.caption(f"Each K is the best of {family_fits.CRITERIA_N_INIT} starts from seed {seed}.")


# --------------------------------------------------------------------------- page


def main() -> None:
    st.title("Poisson mixture")
    st.markdown(
        "Counts (visits, calls, goals) often come from several groups, each with its own "
        "typical rate. A **Poisson mixture** finds those rates and how big each group is; EM "
        "alternates between sharing every count among the groups (**E-step**) and refitting "
        "each group's rate from its shares (**M-step**)."
    )
    choose, settings_col = st.columns([2, 3], gap="large")
    with choose:
        chosen = choose_counts()
    with settings_col:
        controls()
    if chosen is None:
        return
    key, column, x, truth = chosen
    settings = settings_now()
    run = family_fits.poisson_run(key, column, settings, x)
    if not run.ok:
        st.error(f"**EM could not fit these counts.** {run.error}", icon=":material/error:")
        if run.advice:
            st.info("To try: " + "; ".join(run.advice) + ".", icon=":material/build:")
        return
    run_id = hashlib.sha1(repr((key, column, settings)).encode()).hexdigest()[:10]
    show_run(run, run_id, truth)
    explain(settings.uniform)
    show_criteria(key, column, settings.seed, x)


main()
