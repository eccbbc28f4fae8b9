"""Bernoulli mixture: EM on black-and-white images, the prototypes it learns, and what they do."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from engine.errors import DataError
from ui import state
from ui.cached import data as cdata
from ui.cached import mixtures as mix
from ui.components import fit_form, picker
from ui.figures import bernoulli as figs

K_MAX = 20
ALPHA_OPTIONS: tuple[float, ...] = (0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0)
FIELDS = ("k", "init", "seed", "max_iter", "tol", "uniform")


def settings_form(ps: state.PageState) -> None:
    """The fit's settings and the smoothing alpha; applied on "Run EM"."""
    with st.form("bernoulli.form", border=True):
        fit_form.draw(ps, FIELDS, k_range=(1, K_MAX), per_row=3)
        st.select_slider(
            "alpha (smoothing)",
            ALPHA_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key=ps.key("alpha"),
            help="Each pixel probability is estimated as if every component had also seen "
            "alpha extra inked and alpha extra blank pixels: no probability is exactly 0 or 1.",
        )
        st.form_submit_button("Run EM", type="primary", key="bernoulli.apply")


def describe(ref: state.DataRef, images: cdata.Images) -> None:
    """Say which 0/1 rows the page fits."""
    n_train, n_test = len(images.X_train), len(images.X_test)
    if ref == mix.DIGITS_REF:
        st.markdown(
            "The page uses the built-in digits: 1,797 handwritten digits, 8x8 pixels, a pixel "
            f"is ink when its grey level is at least half. The fit learns from {n_train:,} of "
            f"them and is scored on the other {n_test:,}."
        )
        return
    h, w = images.shape
    what = f"images of {h}x{w} pixels" if h > 1 else f"rows of {w} 0/1 values"
    st.markdown(
        f"Using **{state.quoted(images.name)}**: {n_train:,} {what} to learn from, "
        f"{n_test:,} held out."
    )
    if h > 1:
        st.caption(
            f"Pixels are binarised: ink (1) where the grey level is at least {cdata.INK_THRESHOLD:g}."
        )
    for note in images.notes:
        st.caption(note)


def explain(settings: mix.FitSettings) -> None:
    e, m = st.columns(2, border=True)
    with e:
        st.markdown(
            "**E-step**: how well each prototype explains the image, pixel by pixel, times its "
            "weight, normalised over the components."
        )
        st.latex(
            r"r_{nk} = \frac{\pi_k \prod_d p_{kd}^{\,x_{nd}} (1-p_{kd})^{1-x_{nd}}}"
            r"{\sum_j \pi_j \prod_d p_{jd}^{\,x_{nd}} (1-p_{jd})^{1-x_{nd}}}"
        )
        if settings.uniform:
            st.markdown(
                "With the weights kept equal, π cancels: the responsibilities are just the "
                "image's likelihood under each prototype, normalised to sum to 1."
            )
    with m:
        st.markdown(
            "**M-step**: each prototype pixel becomes the share-weighted fraction of inked "
            f"images, pulled slightly towards ½ by α = {settings.alpha:g}."
        )
        weight = r"\pi_k = \tfrac{1}{K}" if settings.uniform else r"\pi_k = \frac{N_k}{N}"
        st.latex(
            r"N_k = \sum_n r_{nk},\qquad p_{kd} = \frac{\sum_n r_{nk}\,x_{nd} + \alpha}"
            r"{N_k + 2\alpha},\qquad " + weight
        )


def show_fit(fit: mix.Fit, run: mix.BinaryRun, animation, images, settings) -> None:
    fit_form.show_warnings(fit)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        st.plotly_chart(animation, config={"displaylogo": False})
        status = "converged" if run.converged else "stopped at max_iter"
        shown = len(run.labels) - 1
        thinned = f"; the animation shows {shown} of them" if shown < run.n_iter else ""
        st.caption(
            f"Each image is one component's prototype: how likely each pixel is to be ink "
            f"(black = surely ink); π is the component's weight. Press ▶ Play to watch them "
            f"sharpen: {run.n_iter} iterations, {status}{thinned}."
        )
    with right:
        d = images.X_train.shape[1]
        held, train = f"{run.test_ll:.2f} nats", f"{run.train_ll:.2f} nats"
        st.metric("Held-out log-likelihood", held, help="Per image, on images the fit never saw.")
        st.metric(
            "Training log-likelihood", train, help="Per image, on the images EM learned from."
        )
        coin = f"{-d * math.log(2):.2f} nats"
        st.metric("Coin-flip baseline", coin, help="Every pixel ink with probability ½.")
        st.caption(
            "Nats per image: the log of the probability the model gives that exact pattern of "
            f"{d} pixels. Higher (closer to 0) is better."
        )
    if settings.uniform:
        st.info(
            "Weights kept equal (the uniform-prior mixture): π cancels in the E-step, so each "
            "image's responsibilities are its likelihoods under the prototypes, normalised.",
            icon=":material/balance:",
        )


def show_one_image(ps: state.PageState, run: mix.BinaryRun, images) -> None:
    st.subheader("Which component explains this image?", divider="gray")
    n = len(images.X_test)
    ps.ensure("image", range(n), 0)
    i = st.number_input(f"Held-out image (0 to {n - 1})", 0, n - 1, step=1, key=ps.key("image"))
    label = f" (a {images.y_test[i]})" if images.y_test is not None else ""
    picture, bars = st.columns([1, 2], gap="medium")
    picture.plotly_chart(figs.image_figure(images.X_test[i], images.shape, f"Image {i}{label}"))
    with bars:
        r = run.test_resp[i]
        st.plotly_chart(figs.responsibility_bars(r, title="Responsibilities r_k of this image"))
        st.caption(
            f"Component {int(np.argmax(r)) + 1} takes {r.max():.0%} of this image. The bar "
            "colours match the squares in the prototype titles above."
        )


def show_samples(run: mix.BinaryRun, images, seed: int) -> None:
    st.subheader("Images drawn from the fitted mixture", divider="gray")
    titles = [figs.swatch(int(k)) for k in run.sample_components]
    st.plotly_chart(figs.image_grid(run.samples, images.shape, titles, ncols=12))
    st.caption(
        f"{len(run.samples)} samples (seed {seed}): pick a component with probability "
        "π, then ink each pixel independently with that prototype's probability. The number "
        "names the component drawn. Pixels are drawn independently, which is why samples look "
        "speckled next to real digits."
    )


def main() -> None:
    data = picker.data_picker(needs="binary")
    ps = state.page(
        "bernoulli",
        *fit_form.settings(FIELDS, k_range=(1, K_MAX), k=10, init="random"),
        state.float_setting("alpha", 0.1, ALPHA_OPTIONS),
        state.int_setting("image", 0, 0, 10**7),
    )
    st.title("Bernoulli mixture")
    st.markdown(
        "Black-and-white images as **0/1 pixels**. Each component is a *prototype*: one "
        "probability of ink per pixel. EM shares every image among the prototypes (**E-step**), "
        "then redraws each prototype as the average of its share of the images (**M-step**)."
    )
    ref = mix.binary_source(data.ref if data is not None else mix.DIGITS_REF)
    try:
        images = mix.binary_data(ref)
    except DataError as exc:
        st.error(
            f"**{state.quoted(ref.name)}** can't be used. {state.safe_prose(exc)}",
            icon=":material/error:",
        )
        ref = mix.DIGITS_REF
        images = mix.binary_data(ref)
    choose, settings_col = st.columns([2, 3], gap="large")
    with choose:
        describe(ref, images)
    with settings_col:
        settings_form(ps)
    settings = fit_form.fit_settings(ps, "bernoulli", FIELDS, alpha=ps["alpha"])
    fit = mix.bernoulli_fit(ref, settings)
    if not fit.ok:
        st.error(f"**EM could not fit these images.** {fit.error}", icon=":material/error:")
        if fit.advice:
            st.info("To try: " + "; ".join(fit.advice) + ".", icon=":material/build:")
        return
    run = mix.bernoulli_run(ref, settings)
    show_fit(fit, run, mix.prototype_animation(ref, settings), images, settings)
    explain(settings)
    show_one_image(ps, run, images)
    show_samples(run, images, settings.seed)


main()
