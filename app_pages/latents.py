"""Discrete vs continuous latents: a Bernoulli mixture and a VAE on the same held-out digits."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.cached import theory as cache
from ui.components import picker
from ui.components import vae_latents as text
from ui.figures import latents as figs

CHART_CONFIG = {"displaylogo": False}
N_SAMPLES = 24
DEFAULT_K = 20
DEFAULT_D = 2
SEED_MAX = 9999
BUILTIN_NOTE = "This page always compares its models on the built-in 8x8 digits."


def settings() -> state.PageState:
    """K, the latent size, the sample seed and the prototype view: all in the link."""
    ps = state.page(
        "latents",
        state.int_setting("k", DEFAULT_K, min(cache.KS), max(cache.KS)),
        state.int_setting("d", DEFAULT_D, min(cache.LATENTS), max(cache.LATENTS)),
        state.int_setting("seed", 0, 0, SEED_MAX),
        state.bool_setting("prototypes", False),
    )
    ps.ensure("k", cache.KS, DEFAULT_K)
    ps.ensure("d", cache.LATENTS, DEFAULT_D)
    return ps


def choices(ps: state.PageState) -> tuple[int, int]:
    a, b = st.columns(2, gap="large")
    k = a.select_slider(
        "Mixture: number of components K",
        options=cache.KS,
        key=ps.key("k"),
        help="Ringed on the chart; its samples are drawn below.",
    )
    d = b.select_slider(
        "VAE: latent size d",
        options=cache.LATENTS,
        key=ps.key("d"),
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
        f"The VAE's ELBO is a **lower bound** on log p(x) ({cache.SWEEP_ELBO_SAMPLES} samples "
        f"of z per image); IWAE is an **estimate** of log p(x) from {cache.SWEEP_IWAE_K:,} importance "
        f"samples per image (a little low on average, and never below the ELBO in "
        f"expectation). The shaded band between them is what the ELBO misses."
    )


def samples(ps: state.PageState, k: int, d: int) -> None:
    st.subheader("2 · What each model draws", divider="gray")
    knobs = st.columns([1, 2], vertical_alignment="bottom")
    seed = int(
        knobs[0].number_input(
            "Sample seed",
            0,
            SEED_MAX,
            step=1,
            key=ps.key("seed"),
            help="Same seed, same draws.",
        )
    )
    show_prototypes = knobs[1].toggle(
        "Show each mixture draw's prototype instead of its pixels",
        key=ps.key("prototypes"),
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


def main() -> None:
    picker.data_picker()
    st.sidebar.caption(BUILTIN_NOTE)
    ps = settings()
    text.introduction()
    k, d = choices(ps)
    mix = cache.mixture_sweep()
    vae = cache.vae_sweep()
    likelihood(mix, vae, k, d)
    samples(ps, k, d)
    text.reading(mix, vae, k, d)


main()
