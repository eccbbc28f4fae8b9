"""Bernoulli mixture: EM on black-and-white images, the prototypes it learns, and what they do."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import streamlit as st

from engine.data import DataError
from ui import family_fits, state
from ui.figures import bernoulli as figs

BUILTIN, UPLOAD = "builtin", "upload"
SOURCE_LABELS = {BUILTIN: "Built-in digits (8x8, black and white)", UPLOAD: "Upload images"}
K_MAX = 20
ALPHA_OPTIONS: tuple[float, ...] = (0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0)
INIT_LABELS = {
    "random": "random shares (default)",
    "random_from_data": "random images",
    "kmeans": "k-means",
    "k-means++": "k-means++ seeds",
}
SAVED = "bernoulli.saved"


# --------------------------------------------------------------------------- data


def choose_images() -> tuple[str, family_fits.BinaryImages]:
    """The data block: the built-in digits, or an uploaded MNIST-format file.

    Returns the images and the short name a fit is cached under (the upload's digest).
    """
    source = st.radio(
        "Where the images come from",
        list(SOURCE_LABELS),
        format_func=SOURCE_LABELS.__getitem__,
        horizontal=True,
        key="bernoulli.source",
    )
    digits = family_fits.builtin_digits()
    if source == BUILTIN:
        st.markdown(
            f"1,797 handwritten digits, 8x8 pixels, a pixel is ink when its grey level is at "
            f"least half. The fit learns from {len(digits.X_train):,} of them and is scored on "
            f"the other {len(digits.X_test):,}."
        )
        return digits.name, digits
    upload = st.file_uploader(
        "MNIST-format images: IDX (raw or .gz), .npz with x_train (and y_train), or a CSV "
        "with a label and then the pixels on each line",
        key="bernoulli.upload",
    )
    if upload is not None:
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        try:
            images = family_fits.uploaded_images(digest, upload.name, data)
        except DataError as exc:
            st.error(f"**{upload.name}** can't be used. {exc}", icon=":material/error:")
        else:
            h, w = images.shape
            st.markdown(
                f"Using **{upload.name}**: {len(images.X_train):,} images of {h}x{w} pixels to "
                f"learn from, {len(images.X_test):,} held out."
            )
            for note in images.notes:
                st.caption(note)
            return digest, images
    st.markdown("Until a file is uploaded, the page uses the built-in digits.")
    return digits.name, digits


# --------------------------------------------------------------------------- settings


def _save() -> None:
    ss = st.session_state
    ss[SAVED] = {name: ss[f"bernoulli.{name}"] for name in family_fits.BernoulliSettings._fields}


def settings_now() -> family_fits.BernoulliSettings:
    saved = st.session_state.get(SAVED, {})
    return family_fits.BernoulliSettings(**{**family_fits.BernoulliSettings()._asdict(), **saved})


def controls() -> None:
    ss = st.session_state
    for name, value in settings_now()._asdict().items():
        ss.setdefault(f"bernoulli.{name}", value)
    with st.form("bernoulli.form", border=True):
        row = st.columns(3)
        row[0].slider("K, the number of components", 1, K_MAX, key="bernoulli.k")
        row[1].select_slider(
            "alpha (smoothing)",
            ALPHA_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key="bernoulli.alpha",
            help="Each pixel probability is estimated as if every component had also seen "
            "alpha extra inked and alpha extra blank pixels: no probability is exactly 0 or 1.",
        )
        row[2].selectbox(
            "Start from",
            list(INIT_LABELS),
            format_func=INIT_LABELS.__getitem__,
            key="bernoulli.init",
        )
        row = st.columns(3)
        row[0].number_input("Seed", 0, state.SEED_MAX, step=1, key="bernoulli.seed")
        row[1].number_input("max_iter", 1, 1000, step=10, key="bernoulli.max_iter")
        row[2].checkbox(
            "Keep weights equal (π = 1/K)",
            key="bernoulli.uniform",
            help="The uniform-prior mixture: every component is equally likely before "
            "seeing an image.",
        )
        st.form_submit_button("Run EM", type="primary", key="bernoulli.apply", on_click=_save)


# --------------------------------------------------------------------------- sections


def explain(settings: family_fits.BernoulliSettings) -> None:
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
        st.latex(
            r"N_k = \sum_n r_{nk},\qquad p_{kd} = \frac{\sum_n r_{nk}\,x_{nd} + \alpha}"
            r"{N_k + 2\alpha},\qquad "
            + (r"\pi_k = \tfrac{1}{K}" if settings.uniform else r"\pi_k = \frac{N_k}{N}")
        )


def show_fit(run: family_fits.BernoulliRun, images, settings, run_id: str) -> None:
    for message in run.warnings:
        st.warning(message, icon=":material/warning:")
    left, right = st.columns([3, 1], gap="medium")
    with left:
        st.plotly_chart(
            family_fits.prototype_animation(run_id, run, images.shape),
            key=f"bernoulli.anim.{run_id}",
            config={"displaylogo": False},
        )
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
        coin = -d * math.log(2)
        st.metric(
            "Held-out log-likelihood",
            f"{run.test_ll:.2f} nats",
            help="Per image, on images the fit never saw.",
        )
        st.metric(
            "Training log-likelihood",
            f"{run.train_ll:.2f} nats",
            help="Per image, on the images EM learned from.",
        )
        st.metric(
            "Coin-flip baseline", f"{coin:.2f} nats", help="Every pixel ink with probability ½."
        )
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


def show_one_image(run: family_fits.BernoulliRun, images, run_id: str) -> None:
    st.subheader("Which component explains this image?", divider="gray")
    n = len(images.X_test)
    i = st.number_input(
        f"Held-out image (0 to {n - 1})", 0, n - 1, value=0, step=1, key="bernoulli.image"
    )
    label = f" (a {images.y_test[i]})" if images.y_test is not None else ""
    picture, bars = st.columns([1, 2], gap="medium")
    with picture:
        st.plotly_chart(
            figs.image_figure(images.X_test[i], images.shape, f"Image {i}{label}"),
            key=f"bernoulli.image.{run_id}.{i}",
        )
    with bars:
        r = run.test_resp[i]
        st.plotly_chart(
            figs.responsibility_bars(r, title="Responsibilities r_k of this image"),
            key=f"bernoulli.resp.{run_id}.{i}",
        )
        st.caption(
            f"Component {int(np.argmax(r)) + 1} takes {r.max():.0%} of this image. The bar "
            "colours match the squares in the prototype titles above."
        )


def show_samples(run: family_fits.BernoulliRun, images, settings, run_id: str) -> None:
    st.subheader("Images drawn from the fitted mixture", divider="gray")
    titles = [figs.swatch(int(k)) for k in run.sample_components]
    st.plotly_chart(
        figs.image_grid(run.samples, images.shape, titles, ncols=12),
        key=f"bernoulli.samples.{run_id}",
    )
    st.caption(
        f"{len(run.samples)} samples (seed {settings.seed}): pick a component with probability "
        "π, then ink each pixel independently with that prototype's probability. The number "
        "names the component drawn. Pixels are drawn independently, which is why samples look "
        "speckled next to real digits."
    )


# --------------------------------------------------------------------------- page


def main() -> None:
    st.title("Bernoulli mixture")
    st.markdown(
        "Black-and-white images as **0/1 pixels**. Each component is a *prototype*: one "
        "probability of ink per pixel. EM shares every image among the prototypes (**E-step**), "
        "then redraws each prototype as the average of its share of the images (**M-step**)."
    )
    choose, settings_col = st.columns([2, 3], gap="large")
    with choose:
        key, images = choose_images()
    with settings_col:
        controls()
    settings = settings_now()
    run = family_fits.bernoulli_run(key, settings, images.X_train, images.X_test)
    if not run.ok:
        st.error(f"**EM could not fit these images.** {run.error}", icon=":material/error:")
        if run.advice:
            st.info("To try: " + "; ".join(run.advice) + ".", icon=":material/build:")
        return
    run_id = hashlib.sha1(repr((key, settings)).encode()).hexdigest()[:10]
    show_fit(run, images, settings, run_id)
    explain(settings)
    show_one_image(run, images, run_id)
    show_samples(run, images, settings, run_id)


main()
