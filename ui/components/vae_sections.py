"""The VAE lab's sections below the model box: the latent space, reconstructions, samples and a
path, the aggregate posterior, and the KL per dimension. Each reads the cached results of
:mod:`ui.cached.vae` for the shown model and draws them; no model maths here."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from ui import state
from ui.cached import vae as cvae
from ui.components import vae_settings as vs
from ui.components.vae_model import Shown, chart
from ui.figures import vae as figs

SCATTER = "vae.scatter"
STRIP = 12
PATH_STEPS = 10


def training_curves(shown: Shown) -> None:
    run = shown.run
    chart(figs.training_curves(list(run.history)), key="vae.curves")
    st.caption(
        f"{len(run.history)} epochs in {run.seconds:.1f} s. Solid: the training images "
        "(averaged over each epoch); dashed: held-out images after the epoch. Reconstruction "
        "falls as the decoder learns; KL rises as the codes spread out to carry information."
    )


def latent_controls(ps: state.PageState, d: int) -> tuple[int, int]:
    row = st.columns([3, 2, 2, 2] if d > 2 else [3, 2, 2])
    row[0].radio(
        "Grid mesh",
        list(vs.MESH_LABELS),
        format_func=vs.MESH_LABELS.__getitem__,
        horizontal=True,
        key=ps.key("mesh"),
    )
    row[1].slider("Grid size n (n x n images)", 3, 25, key=ps.key("grid"))
    row[2].select_slider(
        "ε (inverse-CDF edge)",
        vs.EPS_OPTIONS,
        key=ps.key("eps"),
        disabled=ps["mesh"] != "inverse_cdf",
        help="The outermost levels are ε and 1 − ε; smaller ε reaches further into the tails.",
    )
    dims = (0, 1)
    if d > 2:
        if not all(0 <= int(j) < d for j in ps["dims"]):
            ps.set(dims=[0, 1])  # a slice of a larger model than this one
        names = [f"z{j + 1}" for j in range(d)]
        with row[3]:
            pair = st.multiselect(
                "Grid slice: two dimensions",
                list(range(d)),
                max_selections=2,
                format_func=names.__getitem__,
                key=ps.key("dims"),
            )
        if len(pair) == 2:
            dims = (min(pair), max(pair))
    return dims


def _first(custom) -> float | None:
    """The first customdata value of a selected point (a list, or a dict keyed "0", "1", …)."""
    if isinstance(custom, dict):
        custom = [custom[k] for k in sorted(custom, key=lambda k: int(k))] if custom else None
    if isinstance(custom, list | tuple):
        return custom[0] if custom else None
    return custom


def _on_pick(ps: state.PageState) -> None:
    """Copy a clicked point's image number into the chosen row."""
    event = st.session_state.get(SCATTER)
    for point in (event or {}).get("selection", {}).get("points", []):
        row = _first(point.get("customdata"))
        if row is not None:
            ps.set(row=int(row))
            return


def _views(codes: cvae.Codes, g: cvae.Grid, d: int):
    """Scatter points, grid points on it and axis titles: PCA of the codes beyond 2-D."""
    if d == 2:
        return codes.mu, g.points, ("z1", "z2")
    center, comps = figs.pca_basis(codes.mu)
    return (
        figs.project(codes.mu, center, comps),
        figs.project(g.points, center, comps),
        ("PC 1 of the codes", "PC 2 of the codes"),
    )


def latent_section(ps: state.PageState, shown: Shown) -> tuple[int, int]:
    st.header("The latent space", divider="gray")
    d = shown.latent_dim
    dims = latent_controls(ps, d)
    n = int(ps["grid"])
    codes = cvae.codes(shown.mref, shown.data)
    g = cvae.grid(shown.mref, n, float(ps["eps"]), ps["mesh"], dims)
    points, mesh_points, axes = _views(codes, g, d)
    if d > 2:
        st.info(
            f"This model has a {d}-D latent space. The scatter shows the first two principal "
            "components of the encoder means (PCA); the grid decodes a flat 2-D slice through "
            f"the origin along z{dims[0] + 1} and z{dims[1] + 1}, with every other dimension at "
            "0. The crosses on the scatter are that slice's points, projected the same way.",
            icon=":material/info:",
        )
    n_test = len(codes.mu)
    row = int(ps.ensure("row", range(n_test), 0))
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown(
            "**Encoder means μ(x) of the held-out images.** Click a point to decode it "
            "(+ grid points, ○ the chosen image)."
        )
        chart(
            figs.latent_scatter(
                points,
                codes.labels,
                codes.sigma,
                np.arange(n_test),
                axis_titles=axes,
                mesh=mesh_points,
                chosen=row,
                legend_title="digit" if shown.info.is_digits else "label",
            ),
            key=SCATTER,
            on_select=partial(_on_pick, ps),
            selection_mode="points",
        )
    with right:
        a, b = (f"z{k + 1}" for k in dims)
        st.markdown(f"**The decoder at each grid point** ({n} x {n}: {a} across, {b} up)")
        chart(
            figs.decoded_grid(g.images, shown.info.shape, g.values, axis_titles=(a, b)),
            key="vae.decoded_grid",
        )
    if ps["mesh"] == "inverse_cdf":
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
    chosen_image(ps, shown, codes, row, dims)
    return dims


def chosen_image(ps: state.PageState, shown: Shown, codes: cvae.Codes, row: int, dims) -> None:
    mu, sigma = codes.mu, codes.sigma
    text, picture = st.columns([2, 3], gap="medium")
    with text:
        st.number_input(
            f"Held-out image (0 to {len(mu) - 1}), or click a point above",
            0,
            len(mu) - 1,
            step=1,
            key=ps.key("row"),
        )
        label = f", a **{codes.labels[row]}**" if codes.labels is not None else ""
        show = list(dims) if mu.shape[1] > 2 else [0, 1]
        mu_text = ", ".join(f"{mu[row, j]:.2f}" for j in show)
        sigma_text = ", ".join(f"{sigma[row, j]:.2f}" for j in show)
        which = f"z{show[0] + 1}, z{show[1] + 1}"
        st.markdown(
            f"Image {row}{label}. The encoder's q(z|x) on ({which}): mean ({mu_text}), "
            f"standard deviation ({sigma_text})."
        )
    original, recon = cvae.reconstructions(shown.mref, shown.data, (row,))
    with picture:
        chart(
            figs.image_table(
                np.stack([original[0], recon[0]])[None],
                shown.info.shape,
                col_labels=["original", "decoded from μ(x)"],
                tile_px=220,
            ),
            key="vae.pair",
        )


def strip_rows(labels: np.ndarray | None, n: int, most: int = STRIP) -> list[int]:
    """Held-out rows to show: one of each label first (in label order), then the next ones."""
    if labels is None:
        return list(range(min(n, most)))
    firsts = [int(np.flatnonzero(labels == v)[0]) for v in np.unique(labels)][:most]
    rest = [i for i in range(n) if i not in set(firsts)]
    return (firsts + rest)[: min(most, n)]


def images_section(ps: state.PageState, shown: Shown) -> None:
    st.header("Reconstructions, samples and a path", divider="gray")
    shape = shown.info.shape
    codes = cvae.codes(shown.mref, shown.data)
    n = len(codes.mu)
    rows = strip_rows(codes.labels, n)
    originals, recon = cvae.reconstructions(shown.mref, shown.data, tuple(rows))
    chart(
        figs.image_table(
            np.stack([originals, recon]), shape, row_labels=["held-out", "decoded"], tile_px=90
        ),
        key="vae.recon",
    )
    st.caption(
        "Top: images the model never trained on. Bottom: the decoder's mean at each image's "
        "code μ(x) (for a Bernoulli decoder, each pixel's probability of ink)."
    )
    left, right = st.columns([1, 5], gap="medium")
    left.number_input("Sample seed", 0, vs.SEED_MAX, step=1, key=ps.key("sample_seed"))
    samples = cvae.prior_samples(shown.mref, 2 * STRIP, int(ps["sample_seed"]))
    with right:
        chart(figs.image_table(samples.reshape(2, STRIP, -1), shape, tile_px=90), key="vae.samples")
    st.caption(
        f"{2 * STRIP} new images: z drawn from the prior N(0, I), then decoded. Samples from "
        "places the codes never reach (see the next section) come out blurred or half-formed."
    )
    a = int(ps.ensure("path_a", range(n), rows[0]))
    b = int(ps.ensure("path_b", range(n), rows[1] if len(rows) > 1 else 0))
    left, right = st.columns([1, 5], gap="medium")
    left.number_input("From image A", 0, n - 1, step=1, key=ps.key("path_a"))
    left.number_input("To image B", 0, n - 1, step=1, key=ps.key("path_b"))
    strip = cvae.path(shown.mref, shown.data, a, b, PATH_STEPS)[None]
    ticks = ["A", "t = 0"] + [""] * (PATH_STEPS - 2) + ["t = 1", "B"]
    with right:
        chart(figs.image_table(strip, shape, col_labels=ticks, tile_px=110), key="vae.path")
    st.caption(
        f"A straight line in latent space from μ(A) to μ(B), decoded at {PATH_STEPS} evenly "
        "spaced points, between the two originals."
    )


def posterior_section(shown: Shown, dims: tuple[int, int]) -> None:
    st.header("Do the codes fill the prior?", divider="gray")
    mu, sigma = cvae.train_codes(shown.mref, shown.data)
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
    quick = cvae.quick_metrics(shown.mref, shown.data)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        chart(figs.kl_bars(quick["kl"], quick["active"]), key="vae.kl")
    with right:
        active = int(quick["active"].sum())
        st.markdown(
            f"**{active} of {shown.latent_dim}** dimensions are active. The bars split the "
            f"ELBO's KL term, {quick['kl'].sum():.2f} nats per image, by dimension: how much "
            "information about the image each coordinate of z carries."
        )
        st.caption(
            "A dimension the decoder does not need collapses to the prior: its KL falls to "
            "about 0 and its encoder mean stays at 0 for every image (grey bars)."
        )
