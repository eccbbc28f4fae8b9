"""The Theory lab's first three sections: the ELBO's three estimators, the reparameterisation
trick, and why sampling from q(z|x) matters. Each draws the cached experiment of
:mod:`ui.cached.theory` for its controls (page settings of ``"theory"``)."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.cached import theory as cache
from ui.cached import vae as cvae
from ui.figures import bernoulli as digit_figs
from ui.figures import theory as figs

CHART_CONFIG = {"displaylogo": False}


def _by(rows: list[dict], key: str, method: str, n: int) -> dict:
    return next(r for r in rows if r[key] == method and r["n_samples"] == n)


def _times(a: float, b: float) -> str:
    return f"{a / b:,.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


def digit_picker(ps: state.PageState, name: str, label: str) -> int:
    """A held-out digit chosen by number, shown as a small image beside the input."""
    digits = cvae.digits()
    X, y = digits.X_test, digits.y_test
    key = ps.key(name)
    pick, image = st.columns([3, 2], vertical_alignment="center")
    index = int(
        pick.number_input(
            label,
            0,
            len(X) - 1,
            step=1,
            key=key,
            help=f"One of the {len(X)} held-out 8×8 digits the VAE never trained on.",
        )
    )
    pick.caption(f"Held-out digit {index} is a **{y[index]}**.")
    image.plotly_chart(
        digit_figs.image_figure(X[index], (8, 8), None, height=200),
        theme=None,
        config={"displayModeBar": False},
        key=f"{key}.image",
    )
    return index


# --------------------------------------------------------------------------- 1


def elbo_estimators() -> None:
    st.subheader("1 · Three ways to estimate the ELBO", divider="gray")
    st.markdown(
        f"For an image x, q(z|x) is the encoder's Gaussian guess at which codes z produced it. "
        f"The ELBO can be written three ways; each is estimated by drawing z from q(z|x). "
        f"Here: the default VAE, averaged over {cache.ELBO_IMAGES} held-out digits, "
        f"{cache.ELBO_REPEATS} repeats per point."
    )
    left, right = st.columns(2, gap="large")
    left.latex(
        r"\begin{aligned}"
        r"\mathrm{ELBO} &= \mathbb{E}_{q}[\log p(x\mid z)] - \mathrm{KL}(q(z\mid x)\,\|\,p(z))"
        r" && \text{analytic KL}\\"
        r"&= \mathbb{E}_{q}[\log p(x, z)] + \mathrm{H}[q(z\mid x)] && \text{entropy form}\\"
        r"&= \mathbb{E}_{q}[\log p(x, z) - \log q(z\mid x)] && \text{full Monte Carlo}"
        r"\end{aligned}"
    )
    right.latex(r"\log p(x) = \mathrm{ELBO} + \mathrm{KL}(q(z\mid x)\,\|\,p(z\mid x))")
    right.caption(
        "Only the part inside the expectation is sampled: the analytic form samples the "
        "reconstruction alone, the entropy form adds log p(z), the full form adds log q(z|x) too."
    )
    rows = cache.elbo_spread()
    a, b = st.columns(2, gap="medium")
    a.plotly_chart(
        figs.estimator_means_figure(rows), theme=None, config=CHART_CONFIG, key="theory.elbo.mean"
    )
    b.plotly_chart(
        figs.estimator_spread_figure(rows),
        theme=None,
        config=CHART_CONFIG,
        key="theory.elbo.sd",
    )
    one = {e: _by(rows, "estimator", e, 1) for e in ("analytic", "entropy", "mc")}
    means = [r["mean"] for r in one.values()]
    lowest = min(one, key=lambda e: one[e]["std"])
    sds = ", ".join(f"{figs.style(e)['label']} {r['std']:.2f}" for e, r in one.items())
    reading = (
        f"**Reading it:** the means agree to within {max(means) - min(means):.2f} nats, so all "
        f"three aim at the same number; with one sample their spreads are {sds} nats. "
    )
    if lowest == "mc":
        reading += (
            "The full Monte Carlo form spreads least here: if q(z|x) were the exact posterior, "
            "log p(x, z) − log q(z|x) would equal log p(x) for every z, so it would not vary at "
            "all; this encoder is close to that."
        )
    else:
        reading += f"The {figs.style(lowest)['label']} form spreads least here."
    st.markdown(reading)


# --------------------------------------------------------------------------- 2


def reparameterisation(ps: state.PageState) -> None:
    st.subheader("2 · The reparameterisation trick", divider="gray")
    st.markdown(
        "To train the encoder we need the gradient of an expectation over q, with respect to "
        "q's own parameters. Two unbiased estimators, on a toy first:"
    )
    eq, knobs = st.columns([3, 2], gap="large")
    eq.latex(
        r"\begin{aligned}"
        r"&\tfrac{d}{d\mu}\,\mathbb{E}_{z\sim\mathcal{N}(\mu,\sigma^2)}[(z-3)^2] = 2(\mu-3)\\"
        r"&\text{reparameterised: } z_s=\mu+\sigma\epsilon_s,\;"
        r"\epsilon_s\sim\mathcal{N}(0,1):\quad \tfrac1S\textstyle\sum_s 2(z_s-3)\\"
        r"&\text{score function: }\quad \tfrac1S\textstyle\sum_s (z_s-3)^2\,"
        r"\tfrac{z_s-\mu}{\sigma^2}"
        r"\end{aligned}"
    )
    with knobs:
        mu = st.slider("μ (mean of z)", -2.0, 5.0, step=0.5, key=ps.key("mu"))
        sigma = st.slider("σ (sd of z)", 0.25, 3.0, step=0.25, key=ps.key("sigma"))
    toy = cache.toy_gradients(float(mu), float(sigma))
    st.plotly_chart(
        figs.toy_gradient_figure(toy), theme=None, config=CHART_CONFIG, key="theory.toy"
    )
    r1 = _by(toy, "method", "reparameterisation", 1)
    s1 = _by(toy, "method", "score function", 1)
    st.markdown(
        f"**Reading it:** both centre on the exact gradient (dashed), but with one sample the "
        f"score function's variance is {_times(s1['variance'], r1['variance'])} the "
        f"reparameterised one. The score function only sees how good each z was; the trick "
        f"also sees which way to move it, because z depends smoothly on μ and σ."
    )

    st.markdown(
        "**The same on the VAE**: the gradient of E_q[log p(x|z)] with respect to every "
        "encoder weight, for one digit. Total variance = the sum of the weights' variances "
        f"over {cache.GRAD_REPEATS} repeats."
    )
    chart, pick = st.columns([3, 2], gap="large")
    with pick:
        index = digit_picker(ps, "grad_digit", "Held-out digit for the encoder gradient")
    enc = cache.encoder_gradients(index)
    chart.plotly_chart(
        figs.encoder_variance_figure(enc), theme=None, config=CHART_CONFIG, key="theory.enc"
    )
    r1 = _by(enc, "method", "reparameterisation", cache.GRAD_SAMPLES[0])
    s1 = _by(enc, "method", "score function", cache.GRAD_SAMPLES[0])
    pick.markdown(
        f"With one sample the score function's total variance is "
        f"**{_times(s1['total_variance'], r1['total_variance'])}** the reparameterised one."
    )


# --------------------------------------------------------------------------- 3


def posterior_matters(ps: state.PageState) -> None:
    st.subheader("3 · Why sampling from q(z|x) matters", divider="gray")
    eq, pick = st.columns([3, 2], gap="large")
    with eq:
        st.markdown(
            "log p(x) averages p(x|z) over all codes z. Drawn from the prior, almost every z "
            "decodes to some other digit and adds next to nothing; drawn from q(z|x), the "
            "codes land where x is likely, and a weight corrects for sampling there."
        )
        st.latex(
            r"\log p(x) = \log \mathbb{E}_{p(z)}\big[p(x\mid z)\big]"
            r" = \log \mathbb{E}_{q(z\mid x)}\Big[\frac{p(x\mid z)\,p(z)}{q(z\mid x)}\Big]"
        )
    with pick:
        index = digit_picker(ps, "ml_digit", "Held-out digit for log p(x)")
    rows = cache.marginal_likelihood(index)
    st.plotly_chart(
        figs.marginal_likelihood_figure(rows), theme=None, config=CHART_CONFIG, key="theory.ml"
    )
    counts = sorted({r["n_samples"] for r in rows})
    few = counts[1] if len(counts) > 1 else counts[0]
    goal = _by(rows, "method", "posterior (importance)", few)["std"]
    enough = next(
        (n for n in counts if _by(rows, "method", "prior", n)["std"] <= goal),
        None,
    )
    need = f"{enough:,} samples" if enough else f"more than {counts[-1]:,} samples"
    st.markdown(
        f"**Reading it:** both estimators head for the same log p(x). With few samples both "
        f"sit below it (the log of an average underestimates on average), the prior far more. "
        f"The spread importance sampling has with {few:,} samples, the prior reaches only "
        f"with {need}. Spread over {cache.ML_REPEATS} repeats."
    )
