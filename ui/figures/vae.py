"""Figures for the "VAE lab" page: the latent space of a trained VAE and what it decodes to.

Pure Plotly builders: numpy arrays in, ``go.Figure`` out; no Streamlit, no torch, no training.
Images arrive flattened row by row, shape (n, h * w), with their ``(h, w)``.

Conventions
-----------
- Latent axes are titled ``z1``, ``z2`` (dimension numbers from 1, as people count them).
- Greyscale images: 0 is white paper, 1 is black ink (a Bernoulli decoder's probability of ink,
  or a Gaussian decoder's mean grey level), no ticks on the pixels.
- Many images are drawn as ONE heatmap of the tiled array (:func:`tile`), with thin lines
  between the tiles, never as one subplot per image: the payload is one uint8 array (plotly
  sends it base64-encoded) whatever the number of images.
- Labels use the app's colour-blind-safe categorical palette, ``PALETTE`` from ``style.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.style import FONT_SIZE, PALETTE, TITLE_SIZE

#: Paper white to ink black, for uint8 images scaled 0..255.
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]
#: White (no codes) to dark blue: empty regions of the latent space stay white.
DENSITY = [
    [0.0, "#ffffff"],
    [0.15, "#c6dbef"],
    [0.45, "#6baed6"],
    [0.75, "#2171b5"],
    [1.0, "#08306b"],
]
#: Lines between tiles and the prior's circles.
SEPARATOR = "#b0b0b0"
PRIOR_LINE = PALETTE[1]
MESH_COLOR = "#444444"
#: The chosen point's ring.
CHOSEN_COLOR = "#000000"
#: Radii of the N(0, I) circles and the share of prior mass inside each (chi-square, 2 dof).
PRIOR_RADII: tuple[float, ...] = (1.0, 2.0, 3.0)
MAX_TICKS = 5


# --------------------------------------------------------------------------- pure helpers


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (clipped) as 0..255 integers: a quarter of float32's payload."""
    return np.rint(np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0) * 255).astype(np.uint8)


def tile(images: np.ndarray, shape: tuple[int, int], n_rows: int, n_cols: int) -> np.ndarray:
    """Lay ``n_rows * n_cols`` images out as one array, row by row, no gaps.

    Parameters
    ----------
    images : ndarray of shape (n_rows, n_cols, h * w) or (n_rows * n_cols, h * w)
    shape : (int, int)
        ``(h, w)`` of one image.

    Returns
    -------
    ndarray of shape (n_rows * h, n_cols * w)
        Image ``(r, c)`` fills rows ``r*h:(r+1)*h`` and columns ``c*w:(c+1)*w``.
    """
    h, w = shape
    a = np.asarray(images)
    if a.size != n_rows * n_cols * h * w:
        raise ValueError(
            f"expected {n_rows} x {n_cols} images of {h}x{w} pixels; got an array of shape "
            f"{a.shape}."
        )
    return a.reshape(n_rows, n_cols, h, w).transpose(0, 2, 1, 3).reshape(n_rows * h, n_cols * w)


def grid_mosaic(decoded: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Tile a decoded grid so that the second latent coordinate grows upwards.

    Parameters
    ----------
    decoded : ndarray of shape (n, n, h * w)
        As from ``engine.vae.decode_grid``: ``decoded[i, j]`` sits at the j-th value of the
        first coordinate and the i-th (ascending) value of the second.

    Returns
    -------
    ndarray of shape (n * h, n * w)
        Row block 0 (the top, in a figure with row 0 on top) holds the highest second coordinate.
    """
    decoded = np.asarray(decoded)
    n = decoded.shape[0]
    return tile(decoded[::-1], shape, n, decoded.shape[1])


def _num(v: float) -> str:
    """Two decimals, never "-0.00"."""
    return f"{round(float(v), 2) + 0.0:.2f}"


def tick_positions(n: int, most: int = MAX_TICKS) -> np.ndarray:
    """At most ``most`` evenly spread indices out of ``range(n)``, first and last included."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(int))


def pca_basis(mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the first two principal directions of the encoder means.

    Parameters
    ----------
    mu : ndarray of shape (n, d), d >= 2

    Returns
    -------
    center : ndarray of shape (d,)
    components : ndarray of shape (2, d)
        Orthonormal rows; each signed so its largest entry is positive (a stable picture).
    """
    mu = np.asarray(mu, dtype=np.float64)
    center = mu.mean(axis=0)
    _, _, vt = np.linalg.svd(mu - center, full_matrices=False)
    comps = vt[:2].copy()
    for row in comps:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    return center, comps


def project(points: np.ndarray, center: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Coordinates of ``points`` (m, d) on the principal directions: shape (m, 2)."""
    return (np.asarray(points, dtype=np.float64) - center) @ components.T


def payload_bytes(fig: go.Figure) -> int:
    """Size of the figure's JSON, roughly what the browser receives."""
    return len(fig.to_json())


# --------------------------------------------------------------------------- layout helpers


def _layout(fig: go.Figure, *, height: int, title: str | None, margin: dict | None = None):
    fig.update_layout(
        height=height,
        font={"size": FONT_SIZE, "color": "#222"},
        title={"text": title, "font": {"size": TITLE_SIZE}, "x": 0.0, "xanchor": "left"}
        if title
        else None,
        margin=margin or {"l": 20, "r": 20, "t": 70 if title else 20, "b": 20},
        plot_bgcolor="white",
        hoverlabel={"font": {"size": FONT_SIZE - 2}},
    )
    fig.update_annotations(font_size=FONT_SIZE)
    return fig


def _separators(n_rows: int, n_cols: int, h: int, w: int) -> list[dict]:
    """Thin lines between tiles (layout shapes in data coordinates)."""
    shapes = []
    line = {"color": SEPARATOR, "width": 1}
    for c in range(1, n_cols):
        x = c * w - 0.5
        shapes.append(
            {"type": "line", "x0": x, "x1": x, "y0": -0.5, "y1": n_rows * h - 0.5, "line": line}
        )
    for r in range(1, n_rows):
        y = r * h - 0.5
        shapes.append(
            {"type": "line", "x0": -0.5, "x1": n_cols * w - 0.5, "y0": y, "y1": y, "line": line}
        )
    return shapes


def _image_heatmap(z: np.ndarray, hover: bool = False) -> go.Heatmap:
    return go.Heatmap(
        z=to_uint8(z),
        zmin=0,
        zmax=255,
        colorscale=INK,
        showscale=False,
        hoverinfo="skip" if not hover else None,
    )


def _image_axes(fig: go.Figure, **extra) -> None:
    common = {"showgrid": False, "zeroline": False, "showline": True, "mirror": True}
    fig.update_xaxes(linecolor="#888", constrain="domain", **common, **extra.get("x", {}))
    fig.update_yaxes(
        linecolor="#888",
        scaleanchor="x",
        autorange="reversed",
        constrain="domain",
        constraintoward="top",
        **common,
        **extra.get("y", {}),
    )


# --------------------------------------------------------------------------- images


def image_table(
    images: np.ndarray,
    shape: tuple[int, int],
    *,
    row_labels: Sequence[str] = (),
    col_labels: Sequence[str] = (),
    title: str | None = None,
    height: int | None = None,
    tile_px: int = 64,
) -> go.Figure:
    """A table of images (originals over reconstructions, samples, an interpolation) as one image.

    Parameters
    ----------
    images : ndarray of shape (n_rows, n_cols, h * w)
        Values in [0, 1].
    shape : (int, int)
    row_labels : sequence of str, length n_rows or empty
        Written left of each row.
    col_labels : sequence of str, length n_cols or empty
        Written under each column.
    tile_px : int
        Rough height of one tile on screen, to size the figure.

    Returns
    -------
    go.Figure
        One heatmap (uint8) of shape (n_rows * h, n_cols * w).
    """
    images = np.asarray(images)
    n_rows, n_cols = images.shape[:2]
    h, w = shape
    fig = go.Figure(_image_heatmap(tile(images, shape, n_rows, n_cols)))
    x_ticks = {"showticklabels": False, "ticks": ""}
    y_ticks = {"showticklabels": False, "ticks": ""}
    if len(col_labels):
        x_ticks = {
            "tickmode": "array",
            "tickvals": [c * w + (w - 1) / 2 for c in range(n_cols)],
            "ticktext": list(col_labels),
            "ticks": "",
            "side": "bottom",
        }
    if len(row_labels):
        y_ticks = {
            "tickmode": "array",
            "tickvals": [r * h + (h - 1) / 2 for r in range(n_rows)],
            "ticktext": list(row_labels),
            "ticks": "",
        }
    _image_axes(fig, x=x_ticks, y=y_ticks)
    fig.update_layout(shapes=_separators(n_rows, n_cols, h, w))
    top = 60 if title else 10
    bottom = 40 if len(col_labels) else 10
    left = 12 + 10 * max((len(t) for t in row_labels), default=0)
    return _layout(
        fig,
        height=height or n_rows * tile_px + top + bottom,
        title=title,
        margin={"l": left, "r": 10, "t": top, "b": bottom},
    )


def decoded_grid(
    decoded: np.ndarray,
    shape: tuple[int, int],
    values: np.ndarray,
    *,
    axis_titles: tuple[str, str] = ("z1", "z2"),
    title: str | None = None,
    height: int = 540,
) -> go.Figure:
    """The decoder's picture of the latent plane: one image per grid point, tiled into one.

    Parameters
    ----------
    decoded : ndarray of shape (n, n, h * w)
        ``decoded[i, j]`` decoded at (``values[j]``, ``values[i]``), as from ``decode_grid``.
    values : ndarray of shape (n,)
        The grid's coordinates along each axis, ascending (the same on both axes).
    axis_titles : (str, str)
        Names of the two latent coordinates varied.

    Returns
    -------
    go.Figure
        Trace 0: the tiled heatmap (uint8, shape (n*h, n*w)), highest second coordinate on top.
        Trace 1: invisible markers at the tile centres that show the latent point on hover.
        Axis ticks at some tile centres, labelled with their latent values (uneven steps show
        the mesh).
    """
    decoded = np.asarray(decoded)
    n = decoded.shape[0]
    h, w = shape
    values = np.asarray(values, dtype=np.float64)
    fig = go.Figure(_image_heatmap(grid_mosaic(decoded, shape)))
    jj, ii = np.meshgrid(np.arange(n), np.arange(n))
    cx = (jj * w + (w - 1) / 2).ravel()
    cy = ((n - 1 - ii) * h + (h - 1) / 2).ravel()
    fig.add_trace(
        go.Scatter(
            x=cx,
            y=cy,
            mode="markers",
            marker={"size": 10, "opacity": 0},
            customdata=np.round(np.column_stack([values[jj.ravel()], values[ii.ravel()]]), 2),
            hovertemplate=(
                f"{axis_titles[0]} = %{{customdata[0]:.2f}}<br>"
                f"{axis_titles[1]} = %{{customdata[1]:.2f}}<extra></extra>"
            ),
            showlegend=False,
        )
    )
    ticks = tick_positions(n)
    _image_axes(
        fig,
        x={
            "tickmode": "array",
            "tickvals": [j * w + (w - 1) / 2 for j in ticks],
            "ticktext": [_num(values[j]) for j in ticks],
            "title": {"text": axis_titles[0]},
            "ticks": "outside",
            "tickangle": 0,
        },
        y={
            "tickmode": "array",
            "tickvals": [(n - 1 - i) * h + (h - 1) / 2 for i in ticks],
            "ticktext": [_num(values[i]) for i in ticks],
            "title": {"text": axis_titles[1]},
            "ticks": "outside",
        },
    )
    fig.update_layout(shapes=_separators(n, n, h, w))
    return _layout(
        fig,
        height=height,
        title=title,
        margin={"l": 70, "r": 10, "t": 60 if title else 10, "b": 70},
    )


# --------------------------------------------------------------------------- latent space


def latent_scatter(
    points: np.ndarray,
    labels: np.ndarray | None,
    sigma: np.ndarray,
    rows: np.ndarray,
    *,
    axis_titles: tuple[str, str] = ("z1", "z2"),
    mesh: np.ndarray | None = None,
    chosen: int | None = None,
    title: str | None = None,
    legend_title: str = "digit",
    height: int = 540,
) -> go.Figure:
    """Where the encoder puts each image: its posterior mean, coloured by label.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
        Plotted coordinates (the means themselves, or their principal-component scores).
    labels : ndarray of shape (n,) or None
        One trace per distinct label, in sorted order, coloured ``PALETTE[k]``; None: one trace.
    sigma : ndarray of shape (n, d)
        Posterior standard deviations, shown on hover (their mean when d > 2).
    rows : ndarray of shape (n,)
        The image's row number, carried as ``customdata[0]`` so that a click names the image.
    mesh : ndarray of shape (m, 2), optional
        Grid points drawn as small crosses over the codes (the decoded grid's positions).
    chosen : int, optional
        Position in ``points`` of the image to ring.

    Returns
    -------
    go.Figure
        Label traces first (``customdata = [row, sigma_a, sigma_b]``), then the mesh, then the
        ring (these two not in the legend and not clickable).
        Equal axis scales, so the prior's circles stay round.
    """
    points = np.asarray(points, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    rows = np.asarray(rows)
    if sigma.shape[1] == 2:
        s = sigma
        sigma_text = "σ = (%{customdata[1]:.2f}, %{customdata[2]:.2f})"
    else:
        s = np.column_stack([sigma.mean(axis=1), sigma.max(axis=1)])
        sigma_text = "σ: mean %{customdata[1]:.2f}, largest %{customdata[2]:.2f}"
    custom = np.column_stack([rows, np.round(s, 3)])
    fig = go.Figure()
    groups = [None] if labels is None else list(np.unique(labels))
    for k, label in enumerate(groups):
        idx = np.arange(len(points)) if label is None else np.flatnonzero(labels == label)
        name = "images" if label is None else str(label)
        who = "image" if label is None else f"{legend_title} {label}"
        fig.add_trace(
            go.Scatter(
                x=np.round(points[idx, 0], 3),
                y=np.round(points[idx, 1], 3),
                mode="markers",
                name=name,
                marker={
                    "size": 9,
                    "color": PALETTE[k % len(PALETTE)],
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=custom[idx],
                hovertemplate=(
                    f"{who} · image %{{customdata[0]:.0f}}<br>"
                    f"{axis_titles[0]} = %{{x:.2f}}, {axis_titles[1]} = %{{y:.2f}}<br>"
                    f"{sigma_text}<extra></extra>"
                ),
            )
        )
    if mesh is not None:
        mesh = np.asarray(mesh, dtype=np.float64)
        fig.add_trace(
            go.Scatter(
                x=np.round(mesh[:, 0], 3),
                y=np.round(mesh[:, 1], 3),
                mode="markers",
                name="grid points",
                showlegend=False,
                marker={
                    "symbol": "cross-thin",
                    "size": 9,
                    "line": {"width": 1.5, "color": MESH_COLOR},
                },
                hoverinfo="skip",
            )
        )
    if chosen is not None:
        fig.add_trace(
            go.Scatter(
                x=[points[chosen, 0]],
                y=[points[chosen, 1]],
                mode="markers",
                name="chosen",
                showlegend=False,
                marker={
                    "symbol": "circle-open",
                    "size": 24,
                    "color": CHOSEN_COLOR,
                    "line": {"width": 4},
                },
                hoverinfo="skip",
            )
        )
    axis = {"zeroline": True, "zerolinecolor": "#ddd", "showgrid": True, "gridcolor": "#eee"}
    fig.update_xaxes(title={"text": axis_titles[0]}, constrain="domain", **axis)
    fig.update_yaxes(
        title={"text": axis_titles[1]},
        scaleanchor="x",
        constrain="domain",
        constraintoward="top",  # a narrow column leaves its spare height below, not above
        **axis,
    )
    # The legend sits above the plot, so a narrow column keeps its width for the points.
    fig.update_layout(
        legend={
            "title": {"text": legend_title if labels is not None else ""},
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "bottom",
            "tracegroupgap": 0,
            "itemsizing": "constant",
            "font": {"size": FONT_SIZE},
        },
    )
    return _layout(
        fig,
        height=height,
        title=title,
        margin={"l": 70, "r": 10, "t": 100 if title else 50, "b": 60},
    )


def _circle(radius: float, n: int = 73) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, 2.0 * np.pi, n)
    return np.round(radius * np.cos(t), 4), np.round(radius * np.sin(t), 4)


def prior_mass(radius: float) -> float:
    """Share of N(0, I_2) inside a circle of this radius: 1 - exp(-r^2 / 2)."""
    return float(1.0 - np.exp(-0.5 * radius**2))


def mixture_density(
    mu: np.ndarray, sigma: np.ndarray, centres: np.ndarray, chunk: int = 512
) -> np.ndarray:
    """The aggregate posterior q(z) = mean over images of N(z; mu_n, diag sigma_n^2), on a grid.

    Parameters
    ----------
    mu, sigma : ndarray of shape (n, 2)
        Each image's posterior mean and standard deviation in the two coordinates shown.
    centres : ndarray of shape (m,)
        Grid values along each axis.

    Returns
    -------
    ndarray of shape (m, m)
        ``out[i, j]`` is the density at (``centres[j]``, ``centres[i]``): rows follow the
        second coordinate, as a heatmap wants.
    """
    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.maximum(np.asarray(sigma, dtype=np.float64), 1e-6)
    c = np.asarray(centres, dtype=np.float64)
    out = np.zeros((len(c), len(c)))
    for lo in range(0, len(mu), chunk):
        m, s = mu[lo : lo + chunk], sigma[lo : lo + chunk]
        # Each image's density factorises: a 1-D normal per coordinate, then an outer product.
        gx = np.exp(-0.5 * ((c[None, :] - m[:, :1]) / s[:, :1]) ** 2) / (
            s[:, :1] * np.sqrt(2 * np.pi)
        )
        gy = np.exp(-0.5 * ((c[None, :] - m[:, 1:]) / s[:, 1:]) ** 2) / (
            s[:, 1:] * np.sqrt(2 * np.pi)
        )
        out += gy.T @ gx
    return out / max(len(mu), 1)


def aggregate_posterior(
    mu: np.ndarray,
    sigma: np.ndarray,
    *,
    axis_titles: tuple[str, str] = ("z1", "z2"),
    limit: float = 4.0,
    cells: int = 81,
    height: int = 520,
) -> go.Figure:
    """The codes of the whole data set next to the prior they are meant to fill.

    Parameters
    ----------
    mu, sigma : ndarray of shape (n, 2)
        Posterior means and standard deviations of the images, in the two coordinates shown.
    limit : float
        Both panels cover ``[-limit, limit]^2``.
    cells : int
        Grid points per axis.

    Returns
    -------
    go.Figure
        Two heatmaps with one colour scale: left, the aggregate posterior q(z) (the average of
        every image's q(z|x), see :func:`mixture_density`); right, the N(0, I) density. Both carry
        the prior's circles at radii 1, 2, 3 (39%, 86% and 99% of its mass).
    """
    centres = np.linspace(-limit, limit, cells)
    q = mixture_density(mu, sigma, centres)
    xx, yy = np.meshgrid(centres, centres)
    p = np.exp(-0.5 * (xx**2 + yy**2)) / (2 * np.pi)
    zmax = float(max(q.max(), p.max()))
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Aggregate posterior q(z)", "Prior p(z) = N(0, I)"),
        horizontal_spacing=0.08,
    )
    for col, z in ((1, q), (2, p)):
        fig.add_trace(
            go.Heatmap(
                x=np.round(centres, 3),
                y=np.round(centres, 3),
                z=np.round(z, 4).astype(np.float32),
                zmin=0.0,
                zmax=zmax,
                colorscale=DENSITY,
                showscale=col == 2,
                colorbar={
                    "title": {"text": "density", "side": "top", "font": {"size": FONT_SIZE}},
                    "tickfont": {"size": FONT_SIZE - 2},
                    "thickness": 16,
                },
                hovertemplate=(
                    f"{axis_titles[0]} = %{{x:.1f}}, {axis_titles[1]} = %{{y:.1f}}<br>"
                    "density %{z:.3f}<extra></extra>"
                ),
            ),
            row=1,
            col=col,
        )
        for r in PRIOR_RADII:
            cx, cy = _circle(r)
            fig.add_trace(
                go.Scatter(
                    x=cx,
                    y=cy,
                    mode="lines",
                    line={"color": PRIOR_LINE, "width": 2, "dash": "dash" if r > 1 else "solid"},
                    showlegend=False,
                    hovertemplate=f"r = {r:g}: {prior_mass(r):.0%} of the prior's mass<extra></extra>",
                ),
                row=1,
                col=col,
            )
        suffix = "" if col == 1 else "2"
        fig.update_xaxes(
            title={"text": axis_titles[0]},
            range=[-limit, limit],
            row=1,
            col=col,
            showgrid=False,
            zeroline=False,
            constrain="domain",
        )
        fig.update_yaxes(
            title={"text": axis_titles[1]},
            range=[-limit, limit],
            scaleanchor=f"x{suffix}",
            row=1,
            col=col,
            showgrid=False,
            zeroline=False,
            constrain="domain",
        )
    return _layout(fig, height=height, title=None, margin={"l": 70, "r": 10, "t": 50, "b": 60})


# --------------------------------------------------------------------------- numbers


def kl_bars(kl: np.ndarray, active: np.ndarray, *, height: int = 380) -> go.Figure:
    """Average KL(q(z_j|x) || p(z_j)) of each latent dimension, active ones coloured.

    Parameters
    ----------
    kl : ndarray of shape (d,)
        Nats per image.
    active : ndarray of bool, shape (d,)
        Whether the encoder uses the dimension (its means vary over the data).
    """
    kl = np.asarray(kl, dtype=np.float64)
    active = np.asarray(active, dtype=bool)
    names = [f"z{j + 1}" for j in range(len(kl))]
    fig = go.Figure()
    for flag, name, color in (
        (True, "active", PALETTE[0]),
        (False, "inactive (collapsed)", "#999999"),
    ):
        idx = np.flatnonzero(active == flag)
        if len(idx) == 0:
            continue
        fig.add_trace(
            go.Bar(
                x=[names[j] for j in idx],
                y=np.round(kl[idx], 3),
                name=name,
                marker={"color": color},
                hovertemplate="%{x}: %{y:.2f} nats<extra></extra>",
            )
        )
    fig.update_xaxes(title={"text": "latent dimension"}, categoryorder="array", categoryarray=names)
    fig.update_yaxes(title={"text": "KL (nats per image)"}, rangemode="tozero", gridcolor="#eee")
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return _layout(fig, height=height, title=None, margin={"l": 70, "r": 10, "t": 40, "b": 60})


def training_curves(history: Sequence[dict], *, total_epochs: int | None = None, height: int = 380):
    """Reconstruction and KL per epoch, on the training images and the held-out ones.

    Parameters
    ----------
    history : sequence of dict
        ``engine.vae.train`` records (``epoch``, ``recon``, ``kl`` and optionally ``val_recon``,
        ``val_kl``), in nats per image.
    total_epochs : int, optional
        Fix the x range to the planned run (so a live chart does not rescale every epoch).

    Returns
    -------
    go.Figure
        Two panels: reconstruction (-log p(x|z)) and KL; training solid, held-out dashed.
    """
    epochs = np.array([r["epoch"] for r in history], dtype=float)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Reconstruction −log p(x|z)", "KL( q(z|x) ‖ p(z) )"),
        horizontal_spacing=0.1,
    )
    for col, key in ((1, "recon"), (2, "kl")):
        for prefix, name, color, dash in (
            ("", "training images", PALETTE[0], "solid"),
            ("val_", "held-out images", PALETTE[1], "dash"),
        ):
            if not history or f"{prefix}{key}" not in history[0]:
                continue
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=np.round([r[f"{prefix}{key}"] for r in history], 3),
                    mode="lines+markers" if len(history) < 30 else "lines",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    line={"color": color, "width": 3, "dash": dash},
                    hovertemplate=f"epoch %{{x:.0f}}: %{{y:.2f}} nats<extra>{name}</extra>",
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title={"text": "epoch"}, row=1, col=col, gridcolor="#eee")
        if total_epochs:
            fig.update_xaxes(range=[0.5, max(total_epochs, 2) + 0.5], row=1, col=col)
        fig.update_yaxes(title={"text": "nats per image"}, row=1, col=col, gridcolor="#eee")
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0})
    return _layout(fig, height=height, title=None, margin={"l": 70, "r": 10, "t": 50, "b": 110})
