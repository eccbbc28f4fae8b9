"""VAE lab: train a variational autoencoder in the app and explore its latent space."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.cached import vae as cvae
from ui.components import picker
from ui.components import vae_model as vm
from ui.components import vae_sections as sections
from ui.components import vae_settings as vs


def images_block(ref: state.DataRef) -> None:
    """What the VAE trains on: the chosen image file, else the built-in digits."""
    st.subheader("1 · Images", divider="gray")
    info = cvae.info(ref)
    if info.is_digits:
        st.markdown(
            f"1,797 handwritten digits of 8x8 pixels: {info.n_train:,} to learn from, "
            f"{info.n_test:,} held out. A Bernoulli decoder sees a pixel as ink when its "
            "grey level is at least half; a Gaussian one sees the grey levels."
        )
        st.caption(
            "To train on your own images, upload MNIST-format images (IDX, .npz or .npy) "
            "with the data picker in the sidebar."
        )
        return
    h, w = info.shape
    labelled = "with labels" if info.labelled else "without labels"
    st.markdown(
        f"**{state.plain(info.name)}**: {info.n_train:,} images of {h}x{w} pixels to learn "
        f"from, {info.n_test:,} held out, {labelled}. At most {cvae.MAX_TRAIN_IMAGES:,} "
        "training images are used, to keep training quick on a CPU."
    )
    for note in info.notes:
        st.caption(note)


def main() -> None:
    st.title("VAE lab")
    data = picker.data_picker(needs="images")
    ref = data.ref if data is not None else state.DEFAULT
    ps = vs.declare()
    st.markdown(
        "A **variational autoencoder** learns an encoder q(z|x), which maps an image to a small "
        "Gaussian cloud of codes z, and a decoder p(x|z), which draws an image from a code. "
        "Training maximises the **ELBO** = expected log p(x|z) − KL(q(z|x) ‖ N(0, I)). The "
        "page opens on a ready-trained model; train your own from the panel below."
    )
    # Folded away, so that the model's numbers and its latent space are on a projector's first
    # screen; one click opens the data and the training form.
    with st.expander(
        "Images and training: the images, set up a VAE and train it",
        icon=":material/model_training:",
        expanded=False,
    ):
        data_col, form_col = st.columns([1, 2], gap="large")
        with data_col:
            images_block(ref)
        with form_col:
            submitted, settings = vs.train_form(ps, ref)
    train_area = st.container()
    if submitted and settings is not None:
        trained = vm.train_live(settings, ref, train_area)
        ps.set(model=vs.RUN if trained is not None else vs.SHIPPED)
    shown, iwae_slot = vm.model_box(ps, ref)
    if shown is None:
        return
    if shown.run is not None:
        with train_area:
            sections.training_curves(shown)
    dims = sections.latent_section(ps, shown)
    sections.images_section(ps, shown)
    sections.posterior_section(shown, dims)
    sections.kl_section(shown)
    vm.fill_iwae(shown, iwae_slot)


main()
