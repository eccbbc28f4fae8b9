"""Poisson mixture: EM on counts, the histogram against the fitted probabilities, step by step."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import state
from ui.cached import data as cdata
from ui.cached import mixtures as mix
from ui.components import fit_form, picker
from ui.figures import poisson as figs

K_MAX = 8
FIELDS = ("k", "init", "seed", "max_iter", "tol", "uniform")


def settings_form(ps: state.PageState) -> None:
    """The fit's settings; applied on "Run EM"."""
    with st.form("poisson.form", border=True):
        fit_form.draw(ps, FIELDS, k_range=(1, K_MAX), per_row=3)
        st.form_submit_button("Run EM", type="primary", key="poisson.apply")


def choose_column(ps: state.PageState, data: cdata.ChosenData | None):
    """The data block: which table and column of counts the page fits, and what it is."""
    ref, columns = mix.counts_source(data.ref if data is not None else mix.COUNTS_REF)
    if ref == mix.COUNTS_REF:
        st.markdown(cdata.builtin(ref.name).description)
        return ref, columns[0]
    name = state.quoted(data.name)
    if len(columns) > 1:
        ps.ensure("column", columns, columns[0])
        column = st.selectbox(f"Column of counts in **{name}**", columns, key=ps.key("column"))
    else:
        column = columns[0]
    st.markdown(f"Fitting the counts in {state.quoted(column)} of **{name}**.")
    return ref, column


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
        weight = (
            r"\pi_k = \tfrac{1}{K}\ \text{(kept fixed)}" if uniform else r"\pi_k = \frac{N_k}{N}"
        )
        st.latex(
            r"N_k = \sum_n r_{nk},\qquad \lambda_k = \frac{\sum_n r_{nk}\,x_n}{N_k},\qquad "
            + weight
        )


def show_run(fit: mix.Fit, trace: figs.CountTrace, animation, truth: dict) -> None:
    fit_form.show_warnings(fit)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(animation, config={"displaylogo": False})
        model = fit.model
        status = "converged" if model.converged_ else "stopped at max_iter"
        ll = trace.log_likelihood[-1]
        st.caption(
            f"{model.n_iter_} iterations, {status}; final log-likelihood {ll:,.1f} nats "
            f"({ll / trace.n_rows:.3f} per row). Press ▶ Play to step through EM. Bars: the "
            "share of rows with each count, coloured by how the latest E-step split those rows "
            "among the components. Coloured lines: each component's weighted probability "
            "πk·Poisson(x | λk); black: the mixture, their sum."
        )
    with right:
        st.plotly_chart(
            figs.parameter_paths(
                trace, true_rates=truth.get("rates"), true_weights=truth.get("weights")
            )
        )
        final = pd.DataFrame(
            {
                "component": [f"{k + 1}" for k in range(trace.n_components)],
                "rate λ": trace.rates[-1],
                "weight π": trace.weights[-1],
            }
        )
        number = st.column_config.NumberColumn(format="%.3f")
        st.dataframe(final, hide_index=True, column_config={"rate λ": number, "weight π": number})
        if truth:
            st.caption(
                "The dotted lines are the true rates and weights the example was drawn from."
            )


def show_criteria(table: pd.DataFrame, seed: int) -> None:
    st.subheader("How many components? AIC and BIC for K = 1 to 6", divider="gray")
    ok = table.dropna(subset=["aic", "bic"]) if len(table) else table
    if not len(ok):
        st.info("No K could be fitted to these counts.", icon=":material/info:")
        return
    chart, words = st.columns([3, 2], gap="medium")
    chart.plotly_chart(figs.criteria_figure(table))
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
        st.caption(f"Each K is the best of {mix.CRITERIA_N_INIT} starts from seed {seed}.")


def main() -> None:
    data = picker.data_picker(needs="counts")
    ps = state.page(
        "poisson",
        state.text_setting("column"),
        *fit_form.settings(FIELDS, k_range=(1, K_MAX), k=3),
    )
    st.title("Poisson mixture")
    st.markdown(
        "Counts (visits, calls, goals) often come from several groups, each with its own "
        "typical rate. A **Poisson mixture** finds those rates and how big each group is; EM "
        "alternates between sharing every count among the groups (**E-step**) and refitting "
        "each group's rate from its shares (**M-step**)."
    )
    choose, settings_col = st.columns([2, 3], gap="large")
    with choose:
        ref, column = choose_column(ps, data)
    with settings_col:
        settings_form(ps)
    settings = fit_form.fit_settings(ps, "poisson", FIELDS)
    fit = mix.fit(ref, (column,), settings)
    if not fit.ok:
        st.error(f"**EM could not fit these counts.** {fit.error}", icon=":material/error:")
        if fit.advice:
            st.info("To try: " + "; ".join(fit.advice) + ".", icon=":material/build:")
        return
    trace = mix.count_trace(ref, column, settings)
    show_run(fit, trace, mix.count_animation(ref, column, settings), mix.count_truth(ref))
    explain(settings.uniform)
    show_criteria(mix.count_criteria(ref, column, settings.seed), settings.seed)


main()
