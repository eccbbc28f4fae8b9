"""The VAE lab's model box: which model is shown, its numbers, training it live, and saving or
opening model files.

The model shown is the ``model`` page setting: ``"shipped"``, ``"run"`` (the run the form's
settings describe, on the chosen images) or ``"file-<sha256>"`` (an opened model file).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import partial

import streamlit as st

from engine.errors import ModelFileError
from ui import state
from ui.cached import vae as cvae
from ui.components import vae_settings as vs
from ui.figures import vae as figs

CHART_CONFIG = {"displaylogo": False}
IWAE_LABEL = "IWAE log p(x) (nats)"
#: Redraw the live training curves at most this often, in seconds.
LIVE_EVERY = 0.5
_FILE = re.compile(r"file-([0-9a-f]{64})")
_USED = "vae.model_file_used"
_ERROR = "vae.model_file_error"


@dataclass(frozen=True)
class Shown:
    """The model the page explores and the images it is explored on."""

    mref: cvae.ModelRef
    data: state.DataRef
    info: cvae.ImageInfo
    label: str
    latent_dim: int
    likelihood: str
    run: cvae.TrainedRun | None = None


def chart(fig, key: str, **kwargs):
    """``st.plotly_chart`` with the figure's own fonts and colours (no Streamlit theme)."""
    return st.plotly_chart(fig, key=key, config=CHART_CONFIG, theme=None, **kwargs)


def train_live(settings: cvae.TrainSettings, ref: state.DataRef, area) -> cvae.ModelRef | None:
    """Train with a progress bar and live curves in ``area``; the run is kept on the server."""
    with area:
        progress = st.progress(0.0, text="Starting…")
        live = st.empty()
    history: list[dict] = []
    last = [0.0]

    def on_epoch(record: dict) -> None:
        history.append(record)
        e, total = record["epoch"], settings.epochs
        val = f" · held-out {record['val_loss']:.2f}" if "val_loss" in record else ""
        progress.progress(
            e / total,
            text=f"Epoch {e} of {total} · loss {record['loss']:.2f} nats per image{val} · "
            f"{record['elapsed']:.1f} s",
        )
        now = time.perf_counter()
        if now - last[0] >= LIVE_EVERY or e == total:
            last[0] = now
            live.plotly_chart(
                figs.training_curves(history, total_epochs=total),
                key=f"vae.live.{e}",
                config=CHART_CONFIG,
                theme=None,
            )

    try:
        return cvae.train(settings, ref, on_epoch)
    except ValueError as exc:
        with area:
            st.error(f"**Training stopped.** {exc}", icon=":material/error:")
        return None
    finally:
        progress.empty()
        live.empty()


def _use_shipped(ps: state.PageState) -> None:
    ps.set(model=vs.SHIPPED)


def open_model_file(ps: state.PageState) -> None:
    """The model uploader: a good new file becomes the shown model; a bad one gets st.error."""
    file = st.file_uploader(
        "Open a saved model (.safetensors from this app)",
        key="vae.model_file",
        help="Only this app's .safetensors files are read; pickles and torch.save files are "
        "refused, because opening them can run code.",
    )
    ss = st.session_state
    if file is None:
        ss.pop(_ERROR, None)
        return
    if ss.get(_USED) != file.file_id:  # a new file: open it once
        ss[_USED] = file.file_id
        ss.pop(_ERROR, None)
        try:
            mref = cvae.open_model_file(file.name, file.getvalue())
        except ModelFileError as exc:
            ss[_ERROR] = f"**{state.plain(file.name)}** was not loaded. {state.safe_prose(exc)}"
        else:
            ps.set(model=vs.FILE_PREFIX + mref.digest)
    if ss.get(_ERROR):
        st.error(ss[_ERROR], icon=":material/error:")


def _shipped() -> Shown:
    model = cvae.shipped(2)
    label = f"the shipped model ({cvae.describe(model)}), trained on the built-in digits"
    return Shown(cvae.SHIPPED, cvae.DIGITS, cvae.info(cvae.DIGITS), label, 2, model.likelihood)


def resolve(ps: state.PageState, ref: state.DataRef) -> Shown | None:
    """The model to explore and its images, from the ``model`` setting and the data choice."""
    choice = str(ps["model"])
    if choice == vs.RUN:
        try:
            mref = cvae.run_ref(vs.train_settings(ps), ref)
        except ValueError:
            mref = None
        run = cvae.stored_run(mref) if mref else None
        if run is not None:
            label = (
                f"your trained model ({cvae.describe(run.model)}) on {state.plain(run.data_name)}"
            )
            return Shown(
                mref, run.data, cvae.info(run.data), label, run.model.latent_dim,
                run.model.likelihood, run,
            )  # fmt: skip
        st.info(
            "No model trained with these settings on these images is on the server (it may "
            "have been dropped, or the images changed); press **Train** to train it. Showing "
            "the shipped model.",
            icon=":material/info:",
        )
    elif _FILE.fullmatch(choice):
        mref = cvae.file_ref(choice.removeprefix(vs.FILE_PREFIX))
        try:
            model = cvae.model(mref)
        except (cvae.ModelGone, ModelFileError):
            st.info(
                "The opened model file is no longer in the server's memory; open the file "
                "again. Showing the shipped model.",
                icon=":material/info:",
            )
            return _shipped()
        name = state.plain(cvae.model_file_name(mref.digest) or "model file")
        chosen = cvae.info(ref)
        data = cvae.image_ref(ref) if chosen.input_dim == model.input_dim else cvae.DIGITS
        info = cvae.info(data)
        if info.input_dim != model.input_dim:
            st.error(
                f"**{name}** expects images of {model.input_dim} pixels, but the chosen images "
                f"have {chosen.input_dim}. Choose images of that size in the sidebar, or go "
                "back to the shipped model.",
                icon=":material/error:",
            )
            return None
        label = f"**{name}** ({cvae.describe(model)}) on {state.plain(info.name)}"
        return Shown(mref, data, info, label, model.latent_dim, model.likelihood)
    elif choice != vs.SHIPPED:
        st.info(
            f"The link's model {state.quoted(choice)} is not one this page knows; showing the "
            "shipped model.",
            icon=":material/info:",
        )
    return _shipped()


def model_box(ps: state.PageState, ref: state.DataRef):
    """Which model is shown, its numbers, and saving / opening models.

    Returns (shown, iwae slot); shown is None when the opened model does not fit the images.
    """
    with st.container(border=True):
        head = st.empty()
        numbers = st.container()
        files, buttons = st.columns([3, 2], gap="large", vertical_alignment="bottom")
        with files:
            open_model_file(ps)  # first: a good file changes the model shown
        shown = resolve(ps, ref)
        if shown is None:
            buttons.button(
                "Back to the shipped model", on_click=_use_shipped, args=(ps,), key="vae.reset"
            )
            return None, None
        head.markdown(f"**Showing {shown.label}.**")
        with buttons:
            st.download_button(
                "Download this model",
                data=partial(cvae.model_file, shown.mref),
                file_name=f"vae_{shown.mref.kind}_{shown.latent_dim}d.safetensors",
                mime="application/octet-stream",
                key="vae.download",
                icon=":material/download:",
                help="One .safetensors file: the weights and the architecture, no code.",
            )
            if shown.mref.kind != "shipped":
                st.button(
                    "Back to the shipped model", on_click=_use_shipped, args=(ps,), key="vae.reset"
                )
        quick = cvae.quick_metrics(shown.mref, shown.data)
        cells = numbers.columns(4)
        cells[0].metric(
            "Held-out ELBO (nats)",
            f"{quick['elbo']:.2f}",
            help=f"Per image, averaged over {quick['n_images']} held-out images: expected "
            "log p(x|z) minus KL(q(z|x) ‖ p(z)). A lower bound on log p(x); higher is better.",
        )
        iwae_slot = cells[1].empty()
        iwae_slot.metric(IWAE_LABEL, "…")
        cells[2].metric(
            "Active units",
            f"{int(quick['active'].sum())} of {shown.latent_dim}",
            help="Latent dimensions whose encoder mean varies over the images (variance > 0.01).",
        )
        seconds = shown.run.seconds if shown.run else None
        cells[3].metric(
            "Training time",
            f"{seconds:.1f} s" if seconds is not None else "offline",
            help="Wall-clock time of train() on this server."
            if seconds is not None
            else "Trained ahead of time by assets/vae/make_default.py (or elsewhere).",
        )
        numbers.caption(
            "Nats per image, on held-out images. The IWAE estimate averages k importance-weighted "
            "samples of p(x, z) / q(z|x) and comes closer to log p(x) than the ELBO; the gap "
            "between them is how loose the bound is."
        )
    return shown, iwae_slot


def fill_iwae(shown: Shown, slot) -> None:
    """The slowest number on the page, filled in last so everything else is on screen."""
    with st.spinner(f"Estimating log p(x) with {cvae.IWAE_K} importance samples…"):
        value = cvae.iwae(shown.mref, shown.data)
    slot.metric(
        IWAE_LABEL,
        f"{value:.2f}",
        help=f"Importance-weighted estimate of the held-out log-likelihood with "
        f"k = {cvae.IWAE_K} samples per image (Burda et al., 2016), on the same images as the "
        "ELBO.",
    )
