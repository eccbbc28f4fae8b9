"""Discrete vs continuous latents: a Bernoulli mixture and a VAE on the same held-out digits."""

from __future__ import annotations

import streamlit as st

from ui import latents_cache as cache
from ui.figures import latents as figs

CHART_CONFIG = {"displaylogo": False}
N_SAMPLES = 24
DEFAULT_K = 20
DEFAULT_D = 2


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


def choices() -> tuple[int, int]:
    a, b = st.columns(2, gap="large")
    k = a.select_slider(
        "Mixture: number of components K",
        options=cache.KS,
        value=DEFAULT_K,
        key="latents.k",
        help="Ringed on the chart; its samples are drawn below.",
    )
    d = b.select_slider(
        "VAE: latent size d",
        options=cache.LATENTS,
        value=DEFAULT_D,
        key="latents.d",
        help="Each size is a separately trained VAE shipped with the app.",
    )
    return int(k), int(d)


def likelihood(mix: list[dict], vae: list[dict], k: int, d: int) -> None:
    st.subheader("1 · How well each model predicts unseen digits", divider="gray")
    st.plotly_chart(
        figs.likelihood_figure(mix, vae, k=k, d=d),
        theme=None,
        config=CHART_CONFIG,
        key="latents.likelihood",
    )
    st.caption(
        f"Means over the 360 held-out images; hover a point for its numbers. The Bernoulli "
        f"mixture's value is **exact** (each fit is the best of {cache.N_INIT} EM restarts). "
        f"The VAE's ELBO is a **lower bound** on log p(x) ({cache.ELBO_SAMPLES} samples of z "
        f"per image); IWAE is an **estimate** of log p(x) from {cache.IWAE_K:,} importance "
        f"samples per image (a little low on average, and never below the ELBO in "
        f"expectation). The shaded band between them is what the ELBO misses."
    )


def samples(k: int, d: int) -> None:
    st.subheader("2 · What each model draws", divider="gray")
    knobs = st.columns([1, 2], vertical_alignment="bottom")
    seed = int(
        knobs[0].number_input(
            "Sample seed",
            0,
            9999,
            value=0,
            step=1,
            key="latents.seed",
            help="Same seed, same draws.",
        )
    )
    show_prototypes = knobs[1].toggle(
        "Show each mixture draw's prototype instead of its pixels",
        key="latents.prototypes",
        help="The ink probabilities of the component each image was drawn from.",
    )
    X, comp, proto = cache.mixture_samples(k, N_SAMPLES, seed)
    vae_images = cache.vae_samples(d, N_SAMPLES, seed)
    left, right = st.columns(2, gap="large")
    mix_title = (
        f"Mixture, K = {k}: the prototype picked" if show_prototypes else f"Mixture, K = {k}: draws"
    )
    left.plotly_chart(
        figs.samples_figure(
            proto if show_prototypes else X,
            [f"#{c + 1}" for c in comp],
            title=mix_title,
            probabilities=show_prototypes,
        ),
        theme=None,
        config={"displayModeBar": False},
        key="latents.mixture_samples",
    )
    distinct = len(set(comp.tolist()))
    left.caption(
        f"Pick a component (the number above each image), then flip one coin per pixel with "
        f"that prototype's probabilities. These {N_SAMPLES} draws use {distinct} of the {k} "
        f"prototypes; however many you draw, only {k} distinct pictures of probabilities exist."
    )
    right.plotly_chart(
        figs.samples_figure(
            vae_images,
            None,
            title=f"VAE, d = {d}: decoded prior draws",
            probabilities=True,
        ),
        theme=None,
        config={"displayModeBar": False},
        key="latents.vae_samples",
    )
    right.caption(
        "Draw z from N(0, I) and decode it: each image shows the decoder's ink probabilities "
        "(grey = unsure). Every z gives a different picture, so the shapes vary smoothly "
        "rather than coming from a fixed list."
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


def main() -> None:
    introduction()
    k, d = choices()
    mix = cache.mixture_sweep()
    vae = cache.vae_sweep()
    likelihood(mix, vae, k, d)
    samples(k, d)
    reading(mix, vae, k, d)


main()
