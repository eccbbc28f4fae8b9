"""Figures for the "Discrete vs continuous" page: pure Plotly builders, arrays and records in.

No Streamlit and no model here. The likelihood chart takes the rows of the page's two sweeps
(plain dicts, see ``ui.cached.theory``); the sample grids take flattened images.

Conventions
-----------
- One y axis for both model families, in nats per held-out image, higher is better; two panels
  side by side because the mixture is swept over K and the VAE over its latent size.
- The mixture's ticks are its K values, its parameter count a formula in the axis title (it is
  linear in K); each VAE tick carries the latent size and, underneath, the parameter count.
- Short legend names (a narrow 1280-px screen keeps them on one row); the page's caption says
  more.
- Colours (Okabe-Ito): the mixture's exact value blue, the VAE's ELBO vermillion (dashed: a
  bound), its IWAE estimate bluish green. The shaded band between ELBO and IWAE is the part of
  log p(x) the ELBO misses.
- Fonts follow ``ui.figures.style`` (18 px, ticks 16 px), readable on a projector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.bernoulli import INK, mosaic
from ui.figures.style import FONT_SIZE, PALETTE, TITLE_SIZE, base_layout, legend_above, rgba

BLUE, VERMILLION, GREEN = PALETTE[0], PALETTE[1], PALETTE[2]
TICK_SIZE = 16
Y_TITLE = "held-out log-likelihood<br>(nats per image, higher is better)"
MIXTURE_NAME = "mixture: exact"
ELBO_NAME = "VAE ELBO: lower bound"
IWAE_NAME = "VAE IWAE: estimate"
PANEL_TITLES = ("Mixture: discrete z", "VAE: continuous z")
IMAGE_SHAPE = (8, 8)


def short_count(n: int) -> str:
    """A parameter count for a tick: ``649``, ``1.3k``, ``166k``."""
    if n < 1000:
        return f"{n:,}"
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1000:.0f}k"


def _ticks(sizes: Sequence[int], params: Sequence[int]) -> list[str]:
    return [f"{s}<br>{short_count(p)}" for s, p in zip(sizes, params, strict=True)]


def mixture_axis_title(ks: Sequence[int], params: Sequence[int]) -> str:
    """``"components K · parameters = 65K − 1"`` when every count is ``aK − 1``, else plain.

    A mixture of K components with ``a - 1`` parameters each has ``K - 1`` free weights too,
    so its count is ``aK - 1``; the formula says more than a row of numbers.
    """
    per = {(p + 1) / k for k, p in zip(ks, params, strict=True)}
    if len(per) == 1 and float(next(iter(per))).is_integer():
        return f"components K · parameters = {int(next(iter(per)))}K − 1"
    return "components K"


def _ring(x: float, y: float, color: str, name: str) -> go.Scatter:
    """A large open circle around a chosen point."""
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers",
        marker={"size": 26, "symbol": "circle-open", "color": color, "line": {"width": 3}},
        name=name,
        showlegend=False,
        hoverinfo="skip",
    )


def likelihood_figure(
    mixture_rows: Sequence[dict],
    vae_rows: Sequence[dict],
    *,
    k: int | None = None,
    d: int | None = None,
    height: int = 600,
) -> go.Figure:
    """The mixture's exact held-out log-likelihood over K beside the VAE's ELBO and IWAE.

    Parameters
    ----------
    mixture_rows : sequence of dict
        ``k``, ``n_parameters``, ``log_likelihood`` (mean nats per held-out image).
    vae_rows : sequence of dict
        ``d``, ``n_parameters``, ``elbo``, ``iwae`` (mean nats per held-out image).
    k, d : int, optional
        The chosen mixture and VAE: ringed, and the mixture's value drawn as a dotted line
        across both panels so the two families can be compared at a glance.

    Returns
    -------
    go.Figure
        Two panels sharing the y axis; traces named :data:`MIXTURE_NAME`, :data:`ELBO_NAME`
        and :data:`IWAE_NAME` (plus unnamed-in-legend rings for the chosen points). Both x
        axes are on a log scale, ticks at the swept sizes.
    """
    mix = sorted(mixture_rows, key=lambda r: r["k"])
    vae = sorted(vae_rows, key=lambda r: r["d"])
    ks = [int(r["k"]) for r in mix]
    ds = [int(r["d"]) for r in vae]
    ll = [float(r["log_likelihood"]) for r in mix]
    elbo = [float(r["elbo"]) for r in vae]
    iwae = [float(r["iwae"]) for r in vae]
    mix_params = [int(r["n_parameters"]) for r in mix]
    vae_params = [int(r["n_parameters"]) for r in vae]

    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        column_widths=[0.58, 0.42],
        horizontal_spacing=0.05,
        subplot_titles=PANEL_TITLES,
    )
    fig.add_trace(
        go.Scatter(
            x=ks,
            y=ll,
            customdata=mix_params,
            mode="lines+markers",
            name=MIXTURE_NAME,
            line={"color": BLUE, "width": 3},
            marker={"size": 12, "symbol": "circle", "color": BLUE},
            hovertemplate="K = %{x}<br>%{customdata:,} parameters<br>"
            "exact log p(x) = %{y:.2f} nats<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=ds,
            y=elbo,
            customdata=vae_params,
            mode="lines+markers",
            name=ELBO_NAME,
            line={"color": VERMILLION, "width": 3, "dash": "dash"},
            marker={"size": 12, "symbol": "square", "color": VERMILLION},
            hovertemplate="d = %{x}<br>%{customdata:,} parameters<br>"
            "ELBO = %{y:.2f} nats<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=ds,
            y=iwae,
            customdata=vae_params,
            mode="lines+markers",
            name=IWAE_NAME,
            line={"color": GREEN, "width": 3},
            marker={"size": 13, "symbol": "diamond", "color": GREEN},
            fill="tonexty",
            fillcolor=rgba(GREEN, 0.12),
            hovertemplate="d = %{x}<br>%{customdata:,} parameters<br>"
            "IWAE estimate = %{y:.2f} nats<extra></extra>",
        ),
        row=1,
        col=2,
    )

    if k is not None and k in ks:
        at = ll[ks.index(k)]
        fig.add_trace(_ring(k, at, BLUE, f"chosen K = {k}"), row=1, col=1)
        fig.add_shape(  # across both panels: they share the y axis
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=at,
            y1=at,
            line={"color": BLUE, "width": 2, "dash": "dot"},
        )
        fig.add_annotation(
            xref="paper",
            x=1,
            yref="y",
            y=at,
            text=f"mixture, K = {k}: {at:.2f}",
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"size": TICK_SIZE, "color": BLUE},
            bgcolor="rgba(255,255,255,0.85)",
        )
    if d is not None and d in ds:
        i = ds.index(d)
        fig.add_trace(_ring(d, iwae[i], GREEN, f"chosen d = {d}"), row=1, col=2)
        fig.add_trace(_ring(d, elbo[i], VERMILLION, f"chosen d = {d} (ELBO)"), row=1, col=2)

    fig.update_xaxes(
        type="log",
        tickvals=ks,
        ticktext=[str(k) for k in ks],
        title_text=mixture_axis_title(ks, mix_params),
        range=[np.log10(ks[0]) - 0.12, np.log10(ks[-1]) + 0.12],
        row=1,
        col=1,
    )
    fig.update_xaxes(
        type="log",
        tickvals=ds,
        ticktext=_ticks(ds, vae_params),
        title_text="latent size d · parameters",
        range=[np.log10(ds[0]) - 0.12, np.log10(ds[-1]) + 0.12],
        row=1,
        col=2,
    )
    fig.update_yaxes(title_text=Y_TITLE, row=1, col=1)
    return _layout(fig, height=height)


def _layout(fig: go.Figure, *, height: int) -> go.Figure:
    """The app's look (:func:`ui.figures.style.base_layout`), with the legend above the panels
    (placed in pixels) and the panel titles a touch larger."""
    base_layout(fig, height=height, margin={"l": 110, "t": 100, "b": 110})
    # traceorder: a tonexty fill would otherwise reverse the legend.
    legend_above(fig, top_px=10, height=height, traceorder="normal")
    fig.update_annotations(font_size=FONT_SIZE)
    for a in fig.layout.annotations:  # the panel titles: a touch larger, left-aligned feel kept
        if a.text in PANEL_TITLES:
            a.font.size = TITLE_SIZE - 2
    return fig


def samples_figure(
    images: np.ndarray,
    titles: Sequence[str] | None,
    *,
    title: str,
    probabilities: bool,
    ncols: int = 8,
    panel_px: int = 82,
) -> go.Figure:
    """A grid of generated 8x8 images, ink black on white paper, on a grey ground.

    Parameters
    ----------
    images : ndarray of shape (n, 64)
        0/1 pixels (a draw) or ink probabilities in [0, 1].
    titles : sequence of str, length n, or None
        A short label above each image; None leaves no room for labels.
    probabilities : bool
        Whether the values are probabilities (the hover says "P(ink)") or drawn pixels.
    panel_px : int
        Expected width of one image in pixels, for the figure's height.

    Returns
    -------
    go.Figure
        One heatmap of the tiled images (see :func:`ui.figures.bernoulli.mosaic`), cheap to
        build and to send; labels as annotations.
    """
    images = np.asarray(images, dtype=np.float32)
    n = len(images)
    h, w = IMAGE_SHAPE
    gap = 1
    top = 3 if titles else 0
    z = mosaic(images, IMAGE_SHAPE, ncols, gap=gap, top=top)
    cols = min(ncols, max(1, n))
    hover = (
        "P(ink) = %{z:.2f}<extra></extra>" if probabilities else "pixel = %{z:.0f}<extra></extra>"
    )
    fig = go.Figure(
        go.Heatmap(z=z, zmin=0.0, zmax=1.0, colorscale=INK, showscale=False, hovertemplate=hover)
    )
    labels = []
    for i, text in enumerate(titles or []):
        r, c = divmod(i, ncols)
        labels.append(
            {
                "x": c * (w + gap) + (w - 1) / 2,
                "y": r * (top + h + gap) + top - 0.6,
                "text": text,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": TICK_SIZE},
            }
        )
    axes = {"showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False}
    fig.update_xaxes(**axes, range=[-0.5, z.shape[1] - 0.5], constrain="domain")
    fig.update_yaxes(  # images stay under the title when the column is narrower than planned
        **axes,
        range=[z.shape[0] - 0.5, -0.5],
        scaleanchor="x",
        constrain="domain",
        constraintoward="top",
    )
    plot_px = panel_px * cols * z.shape[0] / (cols * (w + gap))
    fig.update_layout(
        annotations=labels,
        height=int(plot_px + 60),
        font={"size": FONT_SIZE},
        title={
            "text": title,
            "font": {"size": TITLE_SIZE - 2},
            "x": 0.0,
            "xanchor": "left",
            "y": 1 - 8 / (plot_px + 60),
            "yanchor": "top",
            "yref": "container",
        },
        margin={"l": 4, "r": 4, "t": 50, "b": 6},
        plot_bgcolor="#c8c8c8",
        hoverlabel={"font": {"size": FONT_SIZE - 2}},
    )
    return fig
