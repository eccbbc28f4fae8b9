"""VAE lab: train a variational autoencoder in the app and explore its latent space."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from engine import vae as ev
from engine.data import DataError
from ui import vae_cache as vc
from ui.figures import vae as figs

BUILTIN, UPLOAD = "builtin", "upload"
SOURCE_LABELS = {BUILTIN: "Built-in digits (8x8)", UPLOAD: "Upload MNIST-format images"}
LIKELIHOOD_LABELS = {
    "bernoulli": "Bernoulli (black-and-white pixels)",
    "gaussian": "Gaussian (grey levels, σ = 0.1)",
}
MESH_LABELS = {"inverse_cdf": "inverse CDF (equal prior mass)", "linear": "linear (−3 to 3)"}
ACTIVE = "vae.active"
MODEL_FILE_USED = "vae.model_file_used"
ROW = "vae.row"
SCATTER = "vae.scatter"
STRIP = 12
#: Redraw the live training curves at most this often, in seconds.
LIVE_EVERY = 0.5
CHART_CONFIG = {"displaylogo": False}
IWAE_LABEL = "IWAE log p(x) (nats)"


@dataclass(frozen=True)
class Shown:
    """The model the page explores and the images it is explored on."""

    model: ev.VAE
    model_id: str
    images: vc.Images
    label: str
    run: vc.TrainedRun | None = None


def chart(fig, key: str, **kwargs):
    """``st.plotly_chart`` with the figure's own fonts and colours (no Streamlit theme)."""
    return st.plotly_chart(fig, key=key, config=CHART_CONFIG, theme=None, **kwargs)


# --------------------------------------------------------------------------- data


def choose_data() -> vc.Images:
    """The data block: built-in digits, or the user's MNIST-format file(s)."""
    st.subheader("1 · Images", divider="gray")
    source = st.radio(
        "Images to train on",
        list(SOURCE_LABELS),
        format_func=SOURCE_LABELS.__getitem__,
        horizontal=True,
        key="vae.source",
        label_visibility="collapsed",
    )
    digits = vc.builtin_digits()
    if source == UPLOAD:
        files = st.file_uploader(
            "IDX images (raw or .gz, with the IDX labels file as a second file if you have it), "
            ".npz with x_train (and y_train, x_test, y_test), or a CSV with a label then the "
            "pixels on each line",
            accept_multiple_files=True,
            key="vae.upload",
        )
        if files:
            names = tuple(f.name for f in files)
            blobs = tuple(f.getvalue() for f in files)
            try:
                images = vc.uploaded_images(vc.digest_of(*blobs), names, blobs)
            except DataError as exc:
                st.error(f"**{' + '.join(names)}** can't be used. {exc}", icon=":material/error:")
            else:
                h, w = images.shape
                labelled = "with labels" if images.y_test is not None else "without labels"
                st.markdown(
                    f"**{images.name}**: {len(images.X_train):,} images of {h}x{w} pixels "
                    f"to learn from, {len(images.X_test):,} held out, {labelled}. "
                    f"At most {vc.MAX_TRAIN_IMAGES:,} training images are used, to keep "
                    "training quick on a CPU."
                )
                for note in images.notes:
                    st.caption(note)
                return images
        st.markdown("Until a file is uploaded, training uses the built-in digits.")
        return digits
    st.markdown(
        f"1,797 handwritten digits of 8x8 pixels: {len(digits.X_train):,} to learn from, "
        f"{len(digits.X_test):,} held out. A Bernoulli decoder sees a pixel as ink when its "
        "grey level is at least half; a Gaussian one sees the grey levels."
    )
    return digits


# --------------------------------------------------------------------------- training


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"256, 256"`` -> (256, 256). Raises ValueError with a message for people."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"Hidden layer widths must be whole numbers separated by commas, like 256, 256; "
            f"got {text!r}."
        ) from None
    if not 1 <= len(widths) <= 4 or not all(2 <= w <= 1024 for w in widths):
        raise ValueError("Give 1 to 4 hidden layers, each 2 to 1024 units wide, like 256, 256.")
    return widths


def train_form() -> tuple[bool, vc.TrainSettings | None]:
    """The training form. Returns (submitted, settings or None when they are invalid)."""
    st.subheader("2 · Train a VAE", divider="gray")
    d = vc.TrainSettings()
    ss = st.session_state
    ss.setdefault("vae.hidden", ", ".join(str(h) for h in d.hidden_dims))
    with st.form("vae.form", border=False):
        st.radio(
            "Decoder p(x|z)",
            list(LIKELIHOOD_LABELS),
            index=list(LIKELIHOOD_LABELS).index(d.likelihood),
            format_func=LIKELIHOOD_LABELS.__getitem__,
            horizontal=True,
            key="vae.likelihood",
        )
        row = st.columns(3)
        row[0].number_input(
            "Latent dimensions", 2, 32, value=d.latent_dim, step=1, key="vae.latent_dim"
        )
        row[1].text_input(
            "Hidden layers",
            key="vae.hidden",
            help="Widths of the encoder's hidden layers, from the pixels in, separated by "
            "commas (1 to 4 layers); the decoder mirrors them.",
        )
        row[2].number_input("Seed", 0, 2**31 - 1, value=d.seed, step=1, key="vae.seed")
        row = st.columns(3)
        row[0].number_input("Epochs", 1, 2000, value=d.epochs, step=10, key="vae.epochs")
        row[1].number_input("Batch size", 1, 4096, value=d.batch_size, step=32, key="vae.batch")
        row[2].number_input(
            "Learning rate", 1e-5, 1.0, value=float(d.lr), step=5e-4, format="%.4f", key="vae.lr"
        )
        row = st.columns(3)
        row[0].number_input(
            "β (KL weight)",
            0.0,
            20.0,
            value=float(d.beta),
            step=0.5,
            key="vae.beta",
            help="1 trains on the ELBO; other values give a β-VAE.",
        )
        row[1].number_input(
            "KL warm-up",
            0,
            2000,
            value=d.kl_warmup_epochs,
            step=5,
            key="vae.warmup",
            help="Epochs over which the KL weight rises from small to β; 0 is off.",
        )
        submitted = st.form_submit_button("Train", type="primary", key="vae.train")
    try:
        hidden = parse_hidden(ss["vae.hidden"])
    except ValueError as exc:
        if submitted:
            st.error(str(exc), icon=":material/error:")
        return submitted, None
    settings = vc.TrainSettings(
        latent_dim=int(ss["vae.latent_dim"]),
        hidden_dims=hidden,
        likelihood=ss["vae.likelihood"],
        epochs=int(ss["vae.epochs"]),
        batch_size=int(ss["vae.batch"]),
        lr=float(ss["vae.lr"]),
        beta=float(ss["vae.beta"]),
        kl_warmup_epochs=int(ss["vae.warmup"]),
        seed=int(ss["vae.seed"]),
    )
    return submitted, settings


def train_live(settings: vc.TrainSettings, images: vc.Images, area) -> vc.TrainedRun | None:
    """Train with a progress bar and live curves in ``area``; the run is kept in the cache."""
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
        run = vc.train_run(settings, images, on_epoch)
    except ValueError as exc:
        with area:
            st.error(f"**Training stopped.** {exc}", icon=":material/error:")
        return None
    finally:
        progress.empty()
        live.empty()
    return run


# --------------------------------------------------------------------------- which model


def _use_default() -> None:
    st.session_state[ACTIVE] = {"kind": "default"}


def open_model_file() -> None:
    """The model uploader: a good file becomes the shown model; a bad one gets st.error."""
    file = st.file_uploader(
        "Open a saved model (.safetensors from this app)",
        key="vae.model_file",
        help="Only this app's .safetensors files are read; pickles and torch.save files are "
        "refused, because opening them can run code.",
    )
    if file is None:
        return
    data = file.getvalue()
    digest = vc.digest_of(data)
    if st.session_state.get(MODEL_FILE_USED) == digest:
        return
    try:
        vc.uploaded_model(digest, data)
    except ev.ModelFileError as exc:
        st.error(f"**{file.name}** was not loaded. {exc}", icon=":material/error:")
        return
    st.session_state[MODEL_FILE_USED] = digest
    st.session_state[ACTIVE] = {"kind": "uploaded", "key": digest, "name": file.name}


def describe(model: ev.VAE) -> str:
    arch = "-".join(str(k) for k in (model.input_dim, *model.hidden_dims, model.latent_dim))
    return f"{model.latent_dim}-D latent, {model.likelihood.capitalize()} decoder, {arch}"


def resolve(chosen: vc.Images) -> Shown | None:
    """The model to explore and its images, from the small record in session state."""
    active = st.session_state.setdefault(ACTIVE, {"kind": "default"})
    digits = vc.builtin_digits()
    if active["kind"] == "trained":
        run = vc.stored_run(active["key"])
        if run is None:
            st.info(
                "The model trained earlier has been dropped from the server's memory; "
                "press **Train** to train it again. Showing the shipped model.",
                icon=":material/info:",
            )
        else:
            images = digits if run.data_key == vc.DIGITS_KEY else chosen
            if images.key == run.data_key:
                label = f"your trained model ({describe(run.model)}) on {run.data_name}"
                return Shown(run.model, f"run:{run.key}", images, label, run)
            st.info(
                "Your model was trained on an uploaded file that is no longer selected; "
                "upload it again to explore that model. Showing the shipped model.",
                icon=":material/info:",
            )
    elif active["kind"] == "uploaded":
        model = vc.stored_model(active["key"])
        if model is not None:
            images = next((im for im in (chosen, digits) if im.input_dim == model.input_dim), None)
            if images is None:
                st.error(
                    f"**{active['name']}** expects images of {model.input_dim} pixels, but the "
                    f"selected images have {chosen.input_dim}. Upload images of that size "
                    "under *1 · Images*, or go back to the shipped model.",
                    icon=":material/error:",
                )
                return None
            label = f"**{active['name']}** ({describe(model)}) on {images.name}"
            return Shown(model, f"file:{active['key']}", images, label)
        st.info(
            "The uploaded model is no longer in the server's memory; open the file again. "
            "Showing the shipped model.",
            icon=":material/info:",
        )
    model = vc.default_model()
    label = f"the shipped model ({describe(model)}), trained on the built-in digits"
    return Shown(model, "default", digits, label)


def model_box(chosen: vc.Images):
    """Which model is shown, its numbers, and saving / opening models. Returns (shown, iwae slot)."""
    with st.container(border=True):
        head = st.empty()
        numbers = st.container()
        files, buttons = st.columns([3, 2], gap="large", vertical_alignment="bottom")
        with files:
            open_model_file()  # first: a good file changes the model shown
        shown = resolve(chosen)
        if shown is None:
            buttons.button("Back to the shipped model", on_click=_use_default, key="vae.reset")
            return None, None
        head.markdown(f"**Showing {shown.label}.**")
        with buttons:
            st.download_button(
                "Download this model",
                data=partial(vc.model_file, shown.model_id, shown.model),
                file_name=f"vae_{shown.model_id.replace(':', '_')}.safetensors",
                mime="application/octet-stream",
                key="vae.download",
                icon=":material/download:",
                help="One .safetensors file: the weights and the architecture, no code.",
            )
            if st.session_state[ACTIVE]["kind"] != "default":
                st.button("Back to the shipped model", on_click=_use_default, key="vae.reset")
        _, X_test = shown.images.inputs(shown.model.likelihood)
        quick = vc.quick_metrics(shown.model_id, shown.images.key, shown.model, X_test)
        cells = numbers.columns(4)
        cells[0].metric(
            "Held-out ELBO (nats)",
            f"{quick['elbo']:.2f}",
            help=f"Per image, averaged over {quick['n_images']} held-out images: expected "
            "log p(x|z) minus KL(q(z|x) ‖ p(z)). A lower bound on log p(x); higher is better.",
        )
        iwae_slot = cells[1].empty()
        iwae_slot.metric(IWAE_LABEL, "…")
        d = shown.model.latent_dim
        cells[2].metric(
            "Active units",
            f"{int(quick['active'].sum())} of {d}",
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


# --------------------------------------------------------------------------- latent space


def latent_controls(d: int) -> tuple[str, int, float, tuple[int, int]]:
    row = st.columns([3, 2, 2, 2] if d > 2 else [3, 2, 2])
    mesh = row[0].radio(
        "Grid mesh",
        list(MESH_LABELS),
        format_func=MESH_LABELS.__getitem__,
        horizontal=True,
        key="vae.mesh",
    )
    n = row[1].slider("Grid size n (n x n images)", 3, 25, 15, key="vae.n")
    eps = row[2].slider(
        "ε (inverse-CDF edge)",
        0.01,
        0.2,
        0.05,
        step=0.01,
        key="vae.eps",
        disabled=mesh != "inverse_cdf",
        help="The outermost levels are ε and 1 − ε; smaller ε reaches further into the tails.",
    )
    dims = (0, 1)
    if d > 2:
        names = [f"z{j + 1}" for j in range(d)]
        with row[3]:
            pair = st.multiselect(
                "Grid slice: two dimensions",
                list(range(d)),
                default=[0, 1],
                max_selections=2,
                format_func=names.__getitem__,
                key="vae.dims",
            )
        if len(pair) == 2:
            dims = (min(pair), max(pair))
    return mesh, n, eps, dims


def _on_pick() -> None:
    """Copy a clicked point's image number into the fallback number input."""
    event = st.session_state.get(SCATTER)
    points = (event or {}).get("selection", {}).get("points", [])
    for point in points:
        row = _first(point.get("customdata"))
        if row is not None:
            st.session_state[ROW] = int(row)
            return


def _first(custom) -> float | None:
    """The first customdata value of a selected point (a list, or a dict keyed "0", "1", …)."""
    if isinstance(custom, dict):
        custom = [custom[k] for k in sorted(custom, key=lambda k: int(k))] if custom else None
    if isinstance(custom, list | tuple):
        return custom[0] if custom else None
    return custom


def latent_section(shown: Shown) -> tuple[int, int]:
    st.header("The latent space", divider="gray")
    model, images = shown.model, shown.images
    d = model.latent_dim
    mesh, n, eps, dims = latent_controls(d)
    _, X_test = images.inputs(model.likelihood)
    mu, sigma = vc.codes(shown.model_id, images.key, model, X_test)
    g = vc.grid(shown.model_id, n, eps, mesh, dims, model)
    if d == 2:
        points, mesh_points = mu, g.points
        axes = ("z1", "z2")
    else:
        center, comps = figs.pca_basis(mu)
        points, mesh_points = figs.project(mu, center, comps), figs.project(g.points, center, comps)
        axes = ("PC 1 of the codes", "PC 2 of the codes")
        st.info(
            f"This model has a {d}-D latent space. The scatter shows the first two principal "
            "components of the encoder means (PCA); the grid decodes a flat 2-D slice through "
            f"the origin along z{dims[0] + 1} and z{dims[1] + 1}, with every other dimension at "
            "0. The crosses on the scatter are that slice's points, projected the same way.",
            icon=":material/info:",
        )
    n_test = len(X_test)
    st.session_state.setdefault(ROW, 0)
    if st.session_state[ROW] >= n_test:
        st.session_state[ROW] = 0
    row = int(st.session_state[ROW])
    labels = images.y_test
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown(
            "**Encoder means μ(x) of the held-out images.** Click a point to decode it "
            "(+ grid points, ○ the chosen image)."
        )
        chart(
            figs.latent_scatter(
                points,
                labels,
                sigma,
                np.arange(n_test),
                axis_titles=axes,
                mesh=mesh_points,
                chosen=row,
                legend_title="digit" if images.key == vc.DIGITS_KEY else "label",
            ),
            key=SCATTER,
            on_select=_on_pick,
            selection_mode="points",
        )
    with right:
        a, b = (f"z{k + 1}" for k in dims)
        st.markdown(f"**The decoder at each grid point** ({n} x {n}: {a} across, {b} up)")
        chart(
            figs.decoded_grid(g.images, images.shape, g.values, axis_titles=(a, b)),
            key="vae.grid",
        )
    if mesh == "inverse_cdf":
        st.markdown(
            "**Why a fish-eye?** The mesh takes evenly spaced probabilities from ε to 1 − ε and "
            "maps each through the normal's inverse CDF, so every cell of the grid holds the "
            "same share of the prior N(0, I): the points crowd together near the origin, where "
            "the prior puts most of its mass, and spread apart in the tails."
        )
    else:
        st.markdown(
            "**Linear mesh:** evenly spaced from −3 to 3 on both axes. The outer images decode "
            "regions the prior (and usually the encoder) rarely visits; switch to the "
            "inverse-CDF mesh to spend the images where the prior puts its mass."
        )
    chosen_image(shown, X_test, mu, sigma, row, dims)
    return dims


def chosen_image(shown: Shown, X_test, mu, sigma, row: int, dims) -> None:
    images = shown.images
    n_test = len(X_test)
    text, picture = st.columns([2, 3], gap="medium")
    with text:
        st.number_input(
            f"Held-out image (0 to {n_test - 1}), or click a point above",
            0,
            n_test - 1,
            step=1,
            key=ROW,
        )
        label = f", a **{images.y_test[row]}**" if images.y_test is not None else ""
        show = list(dims) if mu.shape[1] > 2 else [0, 1]
        mu_text = ", ".join(f"{mu[row, j]:.2f}" for j in show)
        sigma_text = ", ".join(f"{sigma[row, j]:.2f}" for j in show)
        which = f"z{show[0] + 1}, z{show[1] + 1}"
        st.markdown(
            f"Image {row}{label}. The encoder's q(z|x) on ({which}): mean ({mu_text}), "
            f"standard deviation ({sigma_text})."
        )
    recon = vc.reconstructions(shown.model_id, images.key, (row,), shown.model, X_test)
    with picture:
        chart(
            figs.image_table(
                np.stack([X_test[row], recon[0]])[None],
                images.shape,
                col_labels=["original", "decoded from μ(x)"],
                tile_px=220,
            ),
            key="vae.pair",
        )


# --------------------------------------------------------------------------- images


def strip_rows(labels: np.ndarray | None, n: int, most: int = STRIP) -> list[int]:
    """Held-out rows to show: one of each label first (in label order), then the next ones."""
    if labels is None:
        return list(range(min(n, most)))
    firsts = [int(np.flatnonzero(labels == v)[0]) for v in np.unique(labels)][:most]
    rest = [i for i in range(n) if i not in set(firsts)]
    return (firsts + rest)[: min(most, n)]


def images_section(shown: Shown) -> None:
    st.header("Reconstructions, samples and a path", divider="gray")
    model, images = shown.model, shown.images
    _, X_test = images.inputs(model.likelihood)
    rows = strip_rows(images.y_test, len(X_test))
    recon = vc.reconstructions(shown.model_id, images.key, tuple(rows), model, X_test)
    chart(
        figs.image_table(
            np.stack([X_test[rows], recon]),
            images.shape,
            row_labels=["held-out", "decoded"],
            tile_px=90,
        ),
        key="vae.recon",
    )
    st.caption(
        "Top: images the model never trained on. Bottom: the decoder's mean at each image's "
        "code μ(x) (for a Bernoulli decoder, each pixel's probability of ink)."
    )
    left, right = st.columns([1, 5], gap="medium")
    seed = left.number_input("Sample seed", 0, 2**31 - 1, 0, step=1, key="vae.sample_seed")
    samples = vc.prior_samples(shown.model_id, 2 * STRIP, int(seed), model)
    with right:
        chart(
            figs.image_table(samples.reshape(2, STRIP, -1), images.shape, tile_px=90),
            key="vae.samples",
        )
    st.caption(
        f"{2 * STRIP} new images: z drawn from the prior N(0, I), then decoded. Samples from "
        "places the codes never reach (see the next section) come out blurred or half-formed."
    )
    n = len(X_test)
    default_b = rows[1] if len(rows) > 1 else 0
    left, right = st.columns([1, 5], gap="medium")
    a = left.number_input("From image A", 0, n - 1, rows[0], step=1, key="vae.path_a")
    b = left.number_input("To image B", 0, n - 1, default_b, step=1, key="vae.path_b")
    steps = 10
    decoded = vc.path(shown.model_id, images.key, int(a), int(b), steps, model, X_test)
    strip = np.concatenate([X_test[[int(a)]], decoded, X_test[[int(b)]]])[None]
    ticks = ["A", "t = 0"] + [""] * (steps - 2) + ["t = 1", "B"]
    with right:
        chart(
            figs.image_table(strip, images.shape, col_labels=ticks, tile_px=110),
            key="vae.path",
        )
    st.caption(
        "A straight line in latent space from μ(A) to μ(B), decoded at 10 evenly spaced points, "
        "between the two originals."
    )


def posterior_section(shown: Shown, dims: tuple[int, int]) -> None:
    st.header("Do the codes fill the prior?", divider="gray")
    model, images = shown.model, shown.images
    X_train, _ = images.inputs(model.likelihood)
    mu, sigma = vc.train_codes(shown.model_id, images.key, model, X_train)
    pair = list(dims)
    a, b = (f"z{k + 1}" for k in dims)
    chart(
        figs.aggregate_posterior(mu[:, pair], sigma[:, pair], axis_titles=(a, b)), "vae.aggregate"
    )
    st.markdown(
        f"Left: the average of the {len(mu):,} training images' q(z|x), each a small Gaussian "
        f"cloud, in ({a}, {b}). Right: the prior the decoder samples from, on the same colour "
        "scale. The KL term pulls every q(z|x) towards the prior, yet their average does not "
        "fill it evenly: the pale gaps between the classes are places a prior sample can land "
        "that no image maps to, and there the decoder draws blurred in-between shapes. "
        "Circles: radius 1, 2, 3 (39%, 86%, 99% of the prior)."
    )


def kl_section(shown: Shown) -> None:
    st.header("How much each latent dimension is used", divider="gray")
    model, images = shown.model, shown.images
    _, X_test = images.inputs(model.likelihood)
    quick = vc.quick_metrics(shown.model_id, images.key, model, X_test)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        chart(
            figs.kl_bars(quick["kl"], quick["active"]),
            key="vae.kl",
        )
    with right:
        active = int(quick["active"].sum())
        st.markdown(
            f"**{active} of {model.latent_dim}** dimensions are active. The bars split the "
            f"ELBO's KL term, {quick['kl'].sum():.2f} nats per image, by dimension: how much "
            "information about the image each coordinate of z carries."
        )
        st.caption(
            "A dimension the decoder does not need collapses to the prior: its KL falls to "
            "about 0 and its encoder mean stays at 0 for every image (grey bars)."
        )


# --------------------------------------------------------------------------- page


def main() -> None:
    st.title("VAE lab")
    st.markdown(
        "A **variational autoencoder** learns an encoder q(z|x), which maps an image to a small "
        "Gaussian cloud of codes z, and a decoder p(x|z), which draws an image from a code. "
        "Training maximises the **ELBO** = expected log p(x|z) − KL(q(z|x) ‖ N(0, I)). The "
        "page opens on a ready-trained model; train your own from the panel below."
    )
    # Folded away, so that the model's numbers and its latent space are on a projector's first
    # screen; one click opens the data and the training form.
    with st.expander(
        "Images and training: choose the data, set up a VAE and train it",
        icon=":material/model_training:",
        expanded=False,
    ):
        data_col, form_col = st.columns([1, 2], gap="large")
        with data_col:
            chosen = choose_data()
        with form_col:
            submitted, settings = train_form()
    train_area = st.container()
    if submitted and settings is not None:
        key = vc.run_key(settings, chosen.key)
        run = vc.stored_run(key) or train_live(settings, chosen, train_area)
        if run is not None:
            st.session_state[ACTIVE] = {"kind": "trained", "key": run.key}
    shown, iwae_slot = model_box(chosen)
    if shown is None:
        return
    if shown.run is not None:
        with train_area:
            chart(
                figs.training_curves(list(shown.run.history)),
                key="vae.curves",
            )
            st.caption(
                f"{len(shown.run.history)} epochs in {shown.run.seconds:.1f} s. Solid: the "
                "training images (averaged over each epoch); dashed: held-out images after the "
                "epoch. Reconstruction falls as the decoder learns; KL rises as the codes spread "
                "out to carry information."
            )
    dims = latent_section(shown)
    images_section(shown)
    posterior_section(shown, dims)
    kl_section(shown)
    # The IWAE estimate is the slowest number on the page: it is filled in last, so everything
    # above is already on screen while it runs the first time.
    _, X_test = shown.images.inputs(shown.model.likelihood)
    with st.spinner(f"Estimating log p(x) with {vc.IWAE_K} importance samples…"):
        value = vc.iwae(shown.model_id, shown.images.key, shown.model, X_test)
    iwae_slot.metric(
        IWAE_LABEL,
        f"{value:.2f}",
        help=f"Importance-weighted estimate of the held-out log-likelihood with k = {vc.IWAE_K} "
        "samples per image (Burda et al., 2016), on the same images as the ELBO.",
    )


main()
