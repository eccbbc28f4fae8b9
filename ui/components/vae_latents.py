"""The "Discrete vs continuous" page's introduction and its reading of the numbers."""

from __future__ import annotations

import streamlit as st

from ui.cached import theory as cache


def _row(rows: list[dict], key: str, value: int) -> dict:
    return next(r for r in rows if r[key] == value)


def _params(n: int) -> str:
    return f"{n / 1000:,.0f}k" if n >= 10_000 else f"{n:,}"


def introduction() -> None:
    st.title("Discrete vs continuous latents")
    st.markdown(
        "Two models of the same black-and-white 8×8 digits, each explaining an image by a "
        "hidden cause z. In the **Bernoulli mixture**, z is one of K labels and every label "
        "owns one prototype: a picture of ink probabilities. In the **VAE**, z is a point in "
        "d-dimensional space and a neural network (the decoder) turns every point into its own "
        "picture. Both are trained on the same 1,437 images and scored on the same 360 "
        "held-out ones."
    )
    st.latex(
        r"\begin{aligned}"
        r"\text{mixture:}\quad p(x) &= \sum_{k=1}^{K} \pi_k"
        r" \prod_{j=1}^{64} \mathrm{Bern}(x_j \mid \mu_{kj})\\"
        r"\text{VAE:}\quad p(x) &= \int \mathcal{N}(z \mid 0, I)"
        r" \prod_{j=1}^{64} \mathrm{Bern}(x_j \mid f_j(z))\,dz"
        r"\end{aligned}"
    )
    st.caption(
        "Bern(x | μ) is μ when the pixel is ink (x = 1) and 1 − μ when it is paper. The "
        "mixture's p(x) is a sum of K terms (prototype μₖ, weight πₖ), so it can be computed "
        "exactly. The VAE's is an integral over every code z, the decoder f giving each pixel's "
        "probability: it has no closed form, so it is bounded (ELBO) or estimated by importance "
        "sampling (IWAE)."
    )


def reading(mix: list[dict], vae: list[dict], k: int, d: int) -> None:
    st.subheader("3 · Reading it", divider="gray")
    m = _row(mix, "k", k)
    v = _row(vae, "d", d)
    best = max(mix, key=lambda r: r["log_likelihood"])
    first = (
        f"The {k}-component mixture needs **{m['n_parameters']:,} parameters** to reach "
        f"**{m['log_likelihood']:.1f} nats** per image; the {d}-D VAE reaches "
        f"**{v['iwae']:.1f}** (IWAE) with **{_params(v['n_parameters'])}**, most of them in "
        f"the decoder network that every code shares."
    )
    gain = v["iwae"] - best["log_likelihood"]
    if gain > 0.05:
        versus = (
            f"Even the best mixture tried (K = {best['k']}, {best['log_likelihood']:.1f}) stays "
            f"{gain:.1f} nats per image behind it."
        )
    elif gain < -0.05:
        versus = (
            f"Here the best mixture tried (K = {best['k']}, {best['log_likelihood']:.1f}) is "
            f"ahead by {-gain:.1f} nats per image."
        )
    else:
        versus = (
            f"The best mixture tried (K = {best['k']}, {best['log_likelihood']:.1f}) is level "
            f"with it."
        )
    top = _row(mix, "k", cache.KS[-1])
    low = _row(mix, "k", cache.KS[0])
    discrete = (
        f"A discrete latent explains each image by **one** prototype plus pixel noise, so more "
        f"detail costs whole new prototypes of 64 probabilities: from K = {low['k']} to "
        f"K = {top['k']} the score climbs {top['log_likelihood'] - low['log_likelihood']:.1f} "
        f"nats, and the last steps add little. A continuous latent lets nearby codes **blend** "
        f"into one another, so a stroke can thicken or tilt by degrees."
    )
    bound = (
        f"Keep the kinds of number apart: the mixture's is exact, while at d = {d} the VAE's "
        f"ELBO ({v['elbo']:.1f}) is a guaranteed floor that sits {v['iwae'] - v['elbo']:.1f} "
        f"nats below the IWAE estimate; judged by its ELBO alone, the VAE would look worse than "
        f"it is."
    )
    st.markdown(f"**Reading it:** {first} {versus} {discrete} {bound}")
