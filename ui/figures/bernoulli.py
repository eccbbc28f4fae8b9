"""Figures for the "Bernoulli mixture" page: binary images and the prototypes EM learns for them.

Pure Plotly builders: arrays in, ``go.Figure`` out; no Streamlit, no EM. Images arrive
flattened row by row, shape (n, h * w), with their ``(h, w)``.

Conventions
-----------
- Greyscale: 0 is white paper, 1 is black ink, so a prototype (each pixel's probability of
  ink) reads like a smudged drawing of the images it stands for.
- Component ``k`` keeps colour ``PALETTE[k]`` (a square before its number in every title, the
  bar colour in the responsibility chart), so a prototype and its bar match.
- An animation carries at most :data:`MAX_FRAME_VALUES` pixel values over all its frames;
  longer runs are thinned out evenly (first and last record kept).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.style import FONT_SIZE, TITLE_SIZE, base_layout, component_color, play_controls

if TYPE_CHECKING:
    from engine.mixtures.history import History

#: Paper white to ink black.
INK = [[0.0, "#ffffff"], [1.0, "#000000"]]
#: Budget of pixel values over all frames of one animation (float32 each).
MAX_FRAME_VALUES = 300_000
FRAME_MS = 600
COLUMNS = 5


def swatch(k: int) -> str:
    """A coloured square and the component's number, for titles: ``"■ 3"``."""
    return f"<span style='color:{component_color(k)}'>■</span> {k + 1}"


def frame_steps(n_records: int, n_components: int, n_pixels: int, budget: int = MAX_FRAME_VALUES):
    """Indices of the records to animate: all, or evenly spread ones within ``budget`` values.

    Returns
    -------
    ndarray of int
        Sorted, unique, always holding the first and the last record.
    """
    per_frame = max(1, n_components * n_pixels)
    most = max(2, budget // per_frame)
    if n_records <= most:
        return np.arange(n_records)
    return np.unique(np.linspace(0, n_records - 1, most).round().astype(int))


def prototype_frames(
    history: History, n_pixels: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The start and every M-step of a fit's stacked history, thinned to the animation's budget.

    Parameters
    ----------
    history : engine.mixtures.history.History
        ``model.history_arrays_`` of a Bernoulli mixture.
    n_pixels : int
        Pixels per image (features).

    Returns
    -------
    means : ndarray of shape (S, K, n_pixels), float32
    weights : ndarray of shape (S, K)
    labels : tuple of str, length S
        ``"Start"``, then ``"Iteration t, M-step"``.
    """
    picked = np.array([0, *history.m_steps], dtype=int)
    keep = frame_steps(len(picked), history.n_components, n_pixels)
    chosen = picked[keep]
    means = np.asarray(history.params["means"][chosen], dtype=np.float32)
    weights = np.asarray(history.weights[chosen], dtype=np.float64)
    labels = tuple(
        "Start" if i == 0 else f"Iteration {int(history.iteration[s])}, M-step"
        for i, s in zip(keep, chosen, strict=True)
    )
    return means, weights, labels


def _grid(n: int, ncols: int, titles: Sequence[str], *, spacing: float = 0.03) -> go.Figure:
    rows = max(1, math.ceil(n / ncols))
    cols = min(ncols, max(1, n))
    return make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles) + [""] * (rows * cols - len(titles)),
        horizontal_spacing=spacing,
        vertical_spacing=min(0.12, 0.5 / rows),
    )


def _image_axes(fig: go.Figure, n_panels: int) -> None:
    """Square pixels, row 0 at the top, no ticks: a thin frame around each image."""
    for i in range(1, n_panels + 1):
        suffix = "" if i == 1 else str(i)
        fig.layout[f"yaxis{suffix}"].update(
            scaleanchor=f"x{suffix}", autorange="reversed", constrain="domain"
        )
        fig.layout[f"xaxis{suffix}"].update(constrain="domain")
    axes = {
        "showticklabels": False,
        "ticks": "",
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "mirror": True,
        "linecolor": "#888",
    }
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)


def _layout(fig: go.Figure, *, height: int, title: str | None) -> go.Figure:
    """The app's layout with narrow margins; call before :func:`_image_axes`."""
    base_layout(
        fig,
        height=height,
        title=title,
        margin={"l": 20, "r": 20, "t": 90 if title else 40, "b": 20},
    )
    fig.update_annotations(font_size=FONT_SIZE)
    return fig


def _heatmap(z: np.ndarray, *, show_scale: bool, hover: str) -> go.Heatmap:
    return go.Heatmap(
        z=np.asarray(z, dtype=np.float32),
        zmin=0.0,
        zmax=1.0,
        colorscale=INK,
        showscale=show_scale,
        colorbar={
            "title": {"text": "P(ink)", "side": "top", "font": {"size": FONT_SIZE}},
            "tickfont": {"size": FONT_SIZE - 2},
            "len": 0.8,
            "thickness": 18,
        }
        if show_scale
        else None,
        hovertemplate=hover,
    )


def prototype_titles(weights: np.ndarray) -> list[str]:
    """``"■ 3 · π = 0.12"`` for each component."""
    return [f"{swatch(k)} · π = {w:.2f}" for k, w in enumerate(np.asarray(weights))]


def prototype_animation(
    means: np.ndarray,
    weights: np.ndarray,
    labels: Sequence[str],
    shape: tuple[int, int],
    *,
    ncols: int = COLUMNS,
    panel_px: int = 250,
) -> go.Figure:
    """Every component's prototype as an image, one frame per recorded step.

    Parameters
    ----------
    means : ndarray of shape (S, K, h * w)
        Each component's probability of ink at every pixel, per frame.
    weights : ndarray of shape (S, K)
    labels : sequence of str, length S
        Frame names and titles, e.g. ``"Start"``, ``"Iteration 3, M-step"``.
    shape : (int, int)
        ``(h, w)`` of one image.

    Returns
    -------
    go.Figure
        K heatmaps (traces 0..K-1, in a grid of ``ncols`` columns) titled with their weight;
        frames update the images, the titles and the figure title.
    """
    means = np.asarray(means)
    S, K, _ = means.shape
    h, w = shape
    fig = _grid(K, ncols, prototype_titles(weights[0]))
    for k in range(K):
        fig.add_trace(
            _heatmap(
                means[0, k].reshape(h, w),
                show_scale=k == 0,
                hover=f"component {k + 1}<br>row %{{y}}, column %{{x}}<br>P(ink) = %{{z:.2f}}<extra></extra>",
            ),
            row=k // ncols + 1,
            col=k % ncols + 1,
        )
    n_titles = K  # make_subplots adds one annotation per panel title, in panel order
    frames = []
    for s in range(S):
        titles = prototype_titles(weights[s])
        annotations = [
            dict(fig.layout.annotations[i].to_plotly_json(), text=titles[i])
            for i in range(n_titles)
        ]
        frames.append(
            go.Frame(
                name=labels[s],
                data=[
                    {"type": "heatmap", "z": means[s, k].reshape(h, w).astype(np.float32)}
                    for k in range(K)
                ],
                traces=list(range(K)),
                layout={"title": {"text": labels[s]}, "annotations": annotations},
            )
        )
    fig.frames = frames
    rows = math.ceil(K / ncols)
    _layout(fig, height=rows * panel_px + 190, title=labels[0])
    _image_axes(fig, K)
    fig.update_layout(
        margin={"l": 20, "r": 20, "t": 90, "b": 120},
        **play_controls(
            labels,
            ticks=[_tick(name) for name in labels],
            frame_ms=FRAME_MS,
            buttons=(0.0, 0.0),
            buttons_pad=40,
            slider=(0.25, 0.75, 0.0),
            slider_pad=40,
        ),
    )
    return fig


def _tick(label: str) -> str:
    """Short slider tick: ``"Iteration 12, M-step"`` -> ``"12"``."""
    return (
        label.split(",")[0].removeprefix("Iteration ").strip()
        if label.startswith("Iteration")
        else label
    )


def mosaic(images: np.ndarray, shape: tuple[int, int], ncols: int, *, gap: int = 1, top: int = 0):
    """Tile images into one array, NaN between them (drawn as the background).

    Parameters
    ----------
    images : ndarray of shape (n, h * w)
    shape : (int, int)
    ncols : int
    gap : int
        Blank pixels between two images side by side.
    top : int
        Blank pixels above every row of images (room for a label).

    Returns
    -------
    ndarray of shape (rows * (top + h + gap), ncols * (w + gap) - gap), float32
    """
    images = np.asarray(images, dtype=np.float32)
    n = len(images)
    h, w = shape
    rows = max(1, math.ceil(n / ncols))
    cols = min(ncols, max(1, n))
    out = np.full((rows * (top + h + gap), cols * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        y0, x0 = r * (top + h + gap) + top, c * (w + gap)
        out[y0 : y0 + h, x0 : x0 + w] = images[i].reshape(h, w)
    return out


def image_grid(
    images: np.ndarray,
    shape: tuple[int, int],
    titles: Sequence[str],
    *,
    ncols: int = 8,
    panel_px: int = 130,
    title: str | None = None,
) -> go.Figure:
    """Images side by side (e.g. samples drawn from the mixture), each with a short label.

    One heatmap of the tiled images (see :func:`mosaic`), labels as annotations above each
    tile: cheap to build and to send, whatever the number of images.

    Parameters
    ----------
    images : ndarray of shape (n, h * w)
        Values in [0, 1].
    titles : sequence of str, length n
    """
    images = np.asarray(images)
    n = len(images)
    h, w = shape
    gap = max(1, round(0.15 * w))
    top = max(2, round(0.4 * h))
    z = mosaic(images, shape, ncols, gap=gap, top=top)
    cols = min(ncols, max(1, n))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            zmin=0.0,
            zmax=1.0,
            colorscale=INK,
            showscale=False,
            hovertemplate="%{z:.0f}<extra></extra>",
        )
    )
    labels = []
    for i, text in enumerate(titles):
        r, c = divmod(i, ncols)
        labels.append(
            {
                "x": c * (w + gap) + (w - 1) / 2,
                "y": r * (top + h + gap) + top - 0.6,
                "text": text,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": FONT_SIZE},
            }
        )
    fig.update_layout(annotations=labels)
    axes = {"showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False}
    fig.update_xaxes(**axes, range=[-0.5, z.shape[1] - 0.5], constrain="domain")
    fig.update_yaxes(**axes, autorange="reversed", scaleanchor="x", constrain="domain")
    width_units = cols * (w + gap)
    height_px = panel_px * cols * z.shape[0] / width_units
    fig.update_layout(
        height=int(height_px + (90 if title else 30)),
        font={"size": FONT_SIZE},
        title={"text": title, "font": {"size": TITLE_SIZE}, "x": 0.0, "xanchor": "left"}
        if title
        else None,
        margin={"l": 10, "r": 10, "t": 80 if title else 20, "b": 10},
        plot_bgcolor="#d0d0d0",
        hoverlabel={"font": {"size": FONT_SIZE - 2}},
    )
    return fig


def image_figure(
    pixels: np.ndarray, shape: tuple[int, int], title: str, *, height: int = 380
) -> go.Figure:
    """One image, ``pixels`` of shape (h * w,), with a frame around it."""
    h, w = shape
    fig = go.Figure(
        _heatmap(
            np.asarray(pixels).reshape(h, w),
            show_scale=False,
            hover="row %{y}, column %{x}: %{z:.0f}<extra></extra>",
        )
    )
    _layout(fig, height=height, title=title)
    _image_axes(fig, 1)
    return fig


def responsibility_bars(
    resp: np.ndarray, *, height: int = 380, title: str | None = None
) -> go.Figure:
    """Bars of ``r_k`` for one image, one colour per component, the largest labelled."""
    resp = np.asarray(resp, dtype=np.float64)
    K = len(resp)
    x = [str(k + 1) for k in range(K)]
    fig = go.Figure(
        go.Bar(
            x=x,
            y=resp,
            marker={
                "color": [component_color(k) for k in range(K)],
                "line": {"width": 1, "color": "#333"},
            },
            text=[f"{r:.2f}" if r >= 0.01 else "" for r in resp],
            textposition="outside",
            textfont={"size": FONT_SIZE - 2},
            hovertemplate="component %{x}: r = %{y:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    base_layout(fig, height=height, title=title, margin={"t": 70 if title else 30})
    if title:
        fig.update_layout(title_font_size=TITLE_SIZE - 2)
    fig.update_xaxes(title_text="component k", type="category", showgrid=False)
    fig.update_yaxes(title_text="responsibility r_k", range=[0, 1.15])
    return fig
