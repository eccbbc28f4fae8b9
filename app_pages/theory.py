"""Theory lab: the ELBO's three estimators, the reparameterisation trick, why q(z|x) matters,
and EM as coordinate ascent in the lower bound, each on live numbers."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.cached import theory as cache
from ui.cached import vae as cvae
from ui.components import picker
from ui.components import vae_theory as sections
from ui.figures import theory as figs

CHART_CONFIG = {"displaylogo": False}
MU_OPTIONS = tuple(round(-2.0 + 0.5 * i, 2) for i in range(15))  # -2 .. 5
SIGMA_OPTIONS = tuple(round(0.25 * i, 2) for i in range(1, 13))  # 0.25 .. 3
BUILTIN_NOTE = "The Theory lab's experiments always use the built-in 8x8 digits."


def settings() -> state.PageState:
    """Every control of the page, in the link: the toy's μ and σ, the two digits, the EM step
    and the mean that slides."""
    n_test = cvae.info(cvae.DIGITS).n_test
    ps = state.page(
        "theory",
        state.float_setting("mu", 0.5, MU_OPTIONS),
        state.float_setting("sigma", 1.0, SIGMA_OPTIONS),
        state.int_setting("grad_digit", 0, 0, n_test - 1),
        state.int_setting("ml_digit", 0, 0, n_test - 1),
        state.int_setting("step", 0, 0, cache.n_coordinate_steps() - 1),
        state.int_setting("which", 0, 0, 1),
    )
    return ps


# --------------------------------------------------------------------------- 4


def _set_step(ps: state.PageState, step: int) -> None:
    ps.set(step=step)


def _fmt(v: float) -> str:
    text = f"{v:,.3f}"
    return "0.000" if text == "-0.000" else text


def coordinate_ascent(ps: state.PageState) -> None:
    st.subheader("4 · EM is coordinate ascent in the lower bound", divider="gray")
    st.markdown(
        "A two-component Gaussian mixture on 250 numbers (two overlapping bell curves). "
        "The curves show what happens as **one** mean slides, everything else held at the "
        "current step's values."
    )
    st.latex(
        r"\log p(X\mid\theta) = \underbrace{\sum_{n,k} q_{nk}\big[\log \pi_k"
        r" + \log\mathcal{N}(x_n\mid\mu_k,\sigma_k^2) - \log q_{nk}\big]}_{L(q,\,\theta)}"
        r" + \mathrm{KL}\big(q\,\|\,p(Z\mid X,\theta)\big)"
    )
    n_steps = cache.n_coordinate_steps()
    step = min(max(int(ps["step"]), 0), n_steps - 1)
    which = int(ps["which"])
    sl = cache.coordinate_slice(step, which)
    phase = sl.phase
    at_end = step >= n_steps - 1

    buttons = st.columns([1, 1, 1, 3], vertical_alignment="center")
    buttons[0].button(
        "E-step",
        key="theory.e",
        type="primary",
        disabled=phase == "E" or at_end,
        on_click=_set_step,
        args=(ps, step + 1),
        help="Set q to the exact posterior under the current θ: the bound rises to touch.",
        width="stretch",
    )
    buttons[1].button(
        "M-step",
        key="theory.m",
        type="primary",
        disabled=phase == "M" or at_end,
        on_click=_set_step,
        args=(ps, step + 1),
        help="Keep q, move θ to the top of the bound.",
        width="stretch",
    )
    buttons[2].button(
        "Reset", key="theory.reset", on_click=_set_step, args=(ps, 0), width="stretch"
    )
    buttons[3].radio(
        "Mean that slides",
        (0, 1),
        format_func=lambda k: f"μ{'₁₂'[k]} (component {k + 1})",
        horizontal=True,
        key=ps.key("which"),
    )

    chart, numbers = st.columns([3, 1], gap="medium")
    chart.plotly_chart(
        figs.coordinate_figure(sl), theme=None, config=CHART_CONFIG, key="theory.coord"
    )
    with numbers:
        done = "E-step" if sl.phase == "E" else "M-step"
        st.markdown(f"**Iteration {sl.iteration}, after the {done}**")
        st.metric("log-likelihood (nats)", _fmt(sl.log_likelihood))
        st.metric("ELBO L(q, θ) (nats)", _fmt(sl.elbo))
        st.metric("KL gap (nats)", _fmt(sl.kl))
        if sl.phase == "E":
            st.markdown(
                "q is now the exact posterior: the gap is 0 and the dashed bound **touches** "
                f"the log-likelihood at the current mean. Next, the M-step moves the mean to "
                f"the star ({sl.target:.2f})."
            )
        else:
            st.markdown(
                f"The mean moved from {sl.previous:.2f} to the top of the bound "
                f"({sl.mean:.2f}). The log-likelihood rose at least as much as the bound; "
                "the gap that opened is what the next E-step closes."
            )
        if at_end:
            st.caption(f"End of the recorded run ({n_steps // 2} iterations). Press Reset.")


# --------------------------------------------------------------------------- page


def main() -> None:
    picker.data_picker()
    st.sidebar.caption(BUILTIN_NOTE)
    ps = settings()
    st.title("Theory lab")
    st.markdown(
        "Four small experiments behind the equations: each section names what it computes "
        "and shows the numbers live."
    )
    sections.elbo_estimators()
    sections.reparameterisation(ps)
    sections.posterior_matters(ps)
    coordinate_ascent(ps)


main()
