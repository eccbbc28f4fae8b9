"""Figures for the "EM step by step" page: pure Plotly builders over a recorded EM run.

Every builder takes arrays and returns a ``go.Figure``; none imports Streamlit and none runs EM.
The recorded run arrives as an :class:`EMTrace` (one entry per E-step and per M-step record of
the engine's stacked history, ``model.history_arrays_``), so the animation is a view of what
the engine did, not a replay; responsibilities arrive computed by the engine (through
:mod:`ui.cached.mixtures`), never recomputed here.

Conventions
-----------
- Two plotted dimensions (two chosen features, or two PCA scores).
- Component ``k`` always has colour ``PALETTE[k]`` (Okabe-Ito first, colour-blind safe).
- A point's colour after an E-step is the blend ``sum_k r_nk * colour_k`` in RGB, so a point
  shared half and half between two components sits visibly between their colours.
- A Gaussian's equal-density curves are ellipses at fixed Mahalanobis radii, so contours are
  drawn as ellipses (exact and cheap), never by evaluating a grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.style import (
    FONT_SIZE,
    PALETTE,
    TITLE_SIZE,
    StepTrace,
    base_layout,
    component_colors,
    ellipse,
    full_covariances,
    play_controls,
)

__all__ = [
    "FONT_SIZE",
    "PALETTE",
    "TITLE_SIZE",
    "EMTrace",
    "Restart",
    "animation_figure",
    "axis_ranges",
    "blend_colors",
    "bound_figure",
    "component_colors",
    "ellipse",
    "frame_steps",
    "full_covariances",
    "parameter_table",
    "restart_gallery",
    "shares_figure",
    "shares_table",
    "weighted_histograms",
]

#: Mahalanobis radii of the emphasised ellipses (solid, dashed) and of the faint density contours.
SIGMA_RADII: tuple[float, float] = (1.0, 2.0)
CONTOUR_RADII: tuple[float, ...] = (0.5, 1.5, 2.5)
#: Iterations animated before the frames are thinned out.
MAX_ANIMATED_ITERATIONS = 60
FRAME_MS = 700
TRANSITION_MS = 300


@dataclass(frozen=True)
class EMTrace(StepTrace):
    """A recorded EM run as plain arrays: one entry per history record (E, M, E, M, ...).

    Attributes
    ----------
    iteration, phase, weights
        As in :class:`ui.figures.style.StepTrace`.
    means : ndarray of shape (S, K, D)
    covariances : ndarray of shape (S, K, D, D)
        Always full matrices (tied, diagonal and spherical ones expanded).
    log_likelihood, elbo : ndarray of shape (S,)
        Totals over the rows, in nats.
    n_rows : int
        Rows the fit used (to show values per row).
    """

    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: np.ndarray
    elbo: np.ndarray
    n_rows: int

    @classmethod
    def from_history(cls, history, n_features: int) -> EMTrace:
        """The trace of a Gaussian fit's stacked history (``model.history_arrays_``, an
        :class:`engine.mixtures.History`): no loop over records, covariances expanded."""
        K = history.n_components
        return cls(
            iteration=np.asarray(history.iteration),
            phase=tuple(history.phase),
            weights=np.asarray(history.weights, dtype=np.float64),
            means=np.asarray(history.params["means"], dtype=np.float64),
            covariances=full_covariances(
                history.params["covariances"], history.covariance_type, K, n_features
            ),
            log_likelihood=np.asarray(history.log_likelihood, dtype=np.float64),
            elbo=np.asarray(history.elbo, dtype=np.float64),
            n_rows=int(history.n_rows),
        )

    @property
    def kl(self) -> np.ndarray:
        """The gap ``log-likelihood - ELBO`` per record (0 after an E-step)."""
        return self.log_likelihood - self.elbo


# --------------------------------------------------------------------------- small pure helpers


def _rgb(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def blend_colors(resp: np.ndarray, colors: Sequence[str] | None = None) -> list[str]:
    """Mix the component colours in RGB by each row's responsibilities.

    Parameters
    ----------
    resp : ndarray of shape (n, K)
        Rows sum to 1.
    colors : sequence of K hex colours, optional
        Defaults to :func:`component_colors`.

    Returns
    -------
    list of n hex colours ``"#rrggbb"``; a row with ``r_k = 1`` gets exactly ``colors[k]``.
    """
    resp = np.asarray(resp, dtype=np.float64)
    colors = component_colors(resp.shape[1]) if colors is None else colors
    table = np.stack([_rgb(c) for c in colors])  # (K, 3)
    total = resp.sum(axis=1, keepdims=True)
    mixed = (resp / np.where(total > 0, total, 1.0)) @ table
    rgb = np.clip(np.rint(mixed), 0, 255).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def _rings(mean: np.ndarray, cov: np.ndarray, radii: Sequence[float]):
    """Several ellipses in one x/y pair, separated by NaN gaps (one trace draws them all)."""
    xs, ys = [], []
    for r in radii:
        x, y = ellipse(mean, cov, r)
        xs += [x, [np.nan]]
        ys += [y, [np.nan]]
    return np.concatenate(xs[:-1]).astype(np.float32), np.concatenate(ys[:-1]).astype(np.float32)


def axis_ranges(X: np.ndarray, pad: float = 0.08) -> tuple[list[float], list[float]]:
    """Fixed x and y ranges from the data, padded by ``pad`` of the spread on each side."""
    lo, hi = np.min(X[:, :2], axis=0), np.max(X[:, :2], axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad * span, hi + pad * span
    return [float(lo[0]), float(hi[0])], [float(lo[1]), float(hi[1])]


def frame_steps(trace: EMTrace, max_iterations: int = MAX_ANIMATED_ITERATIONS) -> np.ndarray:
    """Indices of the records to animate: all of them, or both steps of evenly spread iterations.

    The first and last iterations are always kept; at most ``max_iterations`` iterations.
    """
    iters = np.unique(trace.iteration)
    if len(iters) <= max_iterations:
        return np.arange(trace.n_steps)
    keep = set(np.unique(np.rint(np.linspace(iters[0], iters[-1], max_iterations)).astype(int)))
    return np.array([s for s in range(trace.n_steps) if int(trace.iteration[s]) in keep])


def parameter_table(
    trace: EMTrace, s: int, nk: np.ndarray, feature_labels: Sequence[str]
) -> pd.DataFrame:
    """One row per component at record ``s``: weight, effective count, means and covariance."""
    fx, fy = feature_labels[:2]
    cov = trace.covariances[s]
    sx, sy = np.sqrt(cov[:, 0, 0]), np.sqrt(cov[:, 1, 1])
    return pd.DataFrame(
        {
            "component": [f"{k + 1}" for k in range(trace.n_components)],
            "weight π": trace.weights[s],
            "N_k": np.asarray(nk, dtype=np.float64),
            f"mean {fx}": trace.means[s, :, 0],
            f"mean {fy}": trace.means[s, :, 1],
            f"sd {fx}": sx,
            f"sd {fy}": sy,
            "correlation": cov[:, 0, 1] / np.where(sx * sy > 0, sx * sy, 1.0),
        }
    )


# --------------------------------------------------------------------------- the animation

_TRACES_PER_COMPONENT = 4  # faint contours, 2-sigma, 1-sigma, mean


def _component_traces(trace: EMTrace, s: int) -> list[dict]:
    """The ellipse and mean traces of record ``s``, as plain dicts (x/y only change)."""
    out: list[dict] = []
    for k in range(trace.n_components):
        mean, cov = trace.means[s, k], trace.covariances[s, k]
        for radii in (CONTOUR_RADII, (SIGMA_RADII[1],), (SIGMA_RADII[0],)):
            x, y = _rings(mean, cov, radii)
            out.append({"type": "scatter", "x": x, "y": y})
        out.append({"type": "scatter", "x": [float(mean[0])], "y": [float(mean[1])]})
    return out


def animation_figure(
    X: np.ndarray,
    resp: np.ndarray,
    trace: EMTrace,
    feature_labels: Sequence[str],
    *,
    steps: np.ndarray | None = None,
    height: int = 720,
) -> go.Figure:
    """The EM run as a Plotly animation: one frame per E-step and per M-step record.

    Parameters
    ----------
    X : ndarray of shape (n, 2)
        The rows to draw (possibly a subsample of the fitted rows).
    resp : ndarray of shape (T, n, K)
        Responsibilities of those rows after the E-step of each iteration 1..T; the E- and
        M-step frames of iteration t both colour the points by ``resp[t - 1]``.
    trace : EMTrace
    feature_labels : two str
        Axis titles.
    steps : ndarray of int, optional
        Records to animate (see :func:`frame_steps`); all by default.

    Returns
    -------
    go.Figure
        Traces: points first, then per component (faint contours, 2-sigma, 1-sigma, mean),
        then three legend-only keys. Frames are named ``"<t><E|M>"`` and titled
        ``"Iteration t, E-step"``; a play button and a slider drive them.
    """
    steps = np.arange(trace.n_steps) if steps is None else np.asarray(steps)
    K = trace.n_components
    colors = component_colors(K)
    X = np.asarray(X, dtype=np.float64)
    xr, yr = axis_ranges(X)
    rows = np.arange(len(X))

    def point_colors(s: int) -> list[str]:
        return blend_colors(resp[int(trace.iteration[s]) - 1], colors)

    first = int(steps[0])
    data: list[go.Scatter] = [
        go.Scatter(
            x=X[:, 0].astype(np.float32),
            y=X[:, 1].astype(np.float32),
            mode="markers",
            name="rows",
            marker={
                "size": 10,
                "color": point_colors(first),
                "line": {"width": 0.6, "color": "white"},
            },
            customdata=rows,
            hovertemplate="row %{customdata}<br>%{x:.3g}, %{y:.3g}<extra></extra>",
        )
    ]
    dashes = {0: "dot", 1: "dash", 2: "solid"}
    widths = {0: 1.2, 1: 2.0, 2: 3.2}
    comp = _component_traces(trace, first)
    for k in range(K):
        parts = comp[_TRACES_PER_COMPONENT * k : _TRACES_PER_COMPONENT * (k + 1)]
        for j, part in enumerate(parts[:3]):
            data.append(
                go.Scatter(
                    x=part["x"],
                    y=part["y"],
                    mode="lines",
                    line={"color": colors[k], "width": widths[j], "dash": dashes[j]},
                    opacity=0.55 if j == 0 else 1.0,
                    name=f"comp. {k + 1}",
                    legendgroup=f"c{k}",
                    showlegend=j == 2,
                    hoverinfo="skip",
                )
            )
        data.append(
            go.Scatter(
                x=parts[3]["x"],
                y=parts[3]["y"],
                mode="markers",
                marker={
                    "symbol": "x-thin",
                    "size": 22,
                    "line": {"width": 4, "color": colors[k]},
                    "color": colors[k],
                },
                name=f"mean {k + 1}",
                legendgroup=f"c{k}",
                showlegend=False,
                hovertemplate=f"mean of component {k + 1}<br>%{{x:.3g}}, %{{y:.3g}}<extra></extra>",
            )
        )
    # Legend-only keys that say what the line styles mean.
    for name, dash, width in (
        ("1σ", "solid", 3.2),
        ("2σ", "dash", 2.0),
        ("density rings", "dot", 1.2),
    ):
        data.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "#555", "dash": dash, "width": width},
                name=name,
            )
        )
    n_dynamic = 1 + _TRACES_PER_COMPONENT * K

    frames = []
    for s in steps:
        s = int(s)
        comp = _component_traces(trace, s)
        frames.append(
            go.Frame(
                name=trace.short_label(s),
                data=[{"type": "scatter", "marker": {"color": point_colors(s)}}, *comp],
                traces=list(range(n_dynamic)),
                layout={"title": {"text": trace.label(s)}},
            )
        )

    fig = go.Figure(data=data, frames=frames)
    base_layout(fig, height=height, title=trace.label(first))
    fig.update_xaxes(title_text=feature_labels[0], range=xr, autorange=False)
    fig.update_yaxes(title_text=feature_labels[1], range=yr, autorange=False)
    fig.update_layout(
        margin={"l": 80, "r": 20, "t": 120, "b": 190},
        title={"y": 0.98, "yanchor": "top"},
        legend={
            "orientation": "h",
            "x": 0.0,
            "y": 1.01,
            "yanchor": "bottom",
            "font": {"size": FONT_SIZE - 2},
            "itemsizing": "constant",
        },
        **play_controls(
            [trace.short_label(int(s)) for s in steps],
            frame_ms=FRAME_MS,
            transition_ms=TRANSITION_MS,
            buttons=(0.0, -0.13),
            slider=(0.0, 1.0, -0.22),
        ),
    )
    return fig


# --------------------------------------------------------------------------- the bound


def bound_figure(trace: EMTrace, *, current: int | None = None, height: int = 720) -> go.Figure:
    """Log-likelihood, ELBO and their gap (the KL) after every E-step and M-step, per row.

    E-steps sit at whole iterations (circles), M-steps halfway to the next (diamonds). The top
    panel shows log p(X | θ) and the ELBO; the bottom one the gap between them, which an
    E-step closes to zero and an M-step reopens while raising the ELBO.
    """
    n = max(trace.n_rows, 1)
    is_m = np.array([p == "M" for p in trace.phase])
    x = trace.iteration.astype(np.float64) + np.where(is_m, 0.5, 0.0)
    ll, elbo, kl = trace.log_likelihood / n, trace.elbo / n, trace.kl / n
    symbols = np.where(is_m, "diamond", "circle").tolist()
    labels = [trace.label(s) for s in range(trace.n_steps)]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.64, 0.36],
        vertical_spacing=0.08,
        subplot_titles=("log-likelihood and ELBO", "gap = KL(q ‖ posterior)"),
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=ll,
            mode="lines+markers",
            name="log-likelihood",
            line={"color": "#0072B2", "width": 3},
            marker={"symbol": symbols, "size": 11},
            customdata=labels,
            hovertemplate="%{customdata}<br>log-lik %{y:.4f} nats/row<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=elbo,
            mode="lines+markers",
            name="ELBO",
            line={"color": "#D55E00", "width": 2.5, "dash": "dash"},
            marker={"symbol": symbols, "size": 9},
            customdata=labels,
            hovertemplate="%{customdata}<br>ELBO %{y:.4f} nats/row<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=x[is_m],
            y=kl[is_m],
            name="gap (after M)",
            marker={"color": "#CC79A7"},
            width=0.4,
            customdata=np.array(labels)[is_m],
            hovertemplate="%{customdata}<br>gap %{y:.2e} nats/row<extra></extra>",
        ),
        row=2,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=x[~is_m],
            y=kl[~is_m],
            mode="markers",
            name="gap (after E) = 0",
            marker={"symbol": "circle", "size": 8, "color": "#009E73"},
            customdata=np.array(labels)[~is_m],
            hovertemplate="%{customdata}<br>gap %{y:.1e}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    for name, symbol in (("after an E-step", "circle"), ("after an M-step", "diamond")):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": symbol, "size": 11, "color": "#555"},
                name=name,
            ),
            row=1,
            col=1,
        )
    base_layout(fig, height=height)
    fig.update_layout(
        legend={
            "orientation": "h",
            "y": 1.04,
            "yanchor": "bottom",
            "x": 0.0,
            "font": {"size": FONT_SIZE - 2},
        },
        margin={"l": 90, "r": 20, "t": 120, "b": 60},
        bargap=0.0,
    )
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_yaxes(title_text="nats per row", row=1, col=1)
    fig.update_yaxes(title_text="nats per row", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(title_text="iteration", row=2, col=1)
    if current is not None and 0 <= current < trace.n_steps:
        for row in (1, 2):
            fig.add_vline(
                x=float(x[current]),
                line={"color": "#888", "width": 2, "dash": "dot"},
                row=row,
                col=1,
            )
    return fig


# --------------------------------------------------------------------------- the M-step's view


def weighted_histograms(
    X: np.ndarray,
    resp: np.ndarray,
    feature_labels: Sequence[str],
    *,
    bins: int = 24,
    height: int = 420,
) -> go.Figure:
    """Each feature's histogram weighted by ``r_nk``, one colour per component.

    The bar heights of component k sum to ``N_k``; the dashed line is the weighted mean
    ``sum_n r_nk x_n / N_k``, which is exactly where the M-step puts ``mu_k``.
    """
    X = np.asarray(X, dtype=np.float64)
    resp = np.asarray(resp, dtype=np.float64)
    K = resp.shape[1]
    colors = component_colors(K)
    nk = resp.sum(axis=0)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for d in range(2):
        edges = np.histogram_bin_edges(X[:, d], bins=bins)
        centers = 0.5 * (edges[:-1] + edges[1:])
        for k in range(K):
            counts, _ = np.histogram(X[:, d], bins=edges, weights=resp[:, k])
            fig.add_trace(
                go.Bar(
                    x=centers,
                    y=counts,
                    width=np.diff(edges),
                    marker={"color": colors[k], "line": {"width": 0}},
                    opacity=0.55,
                    name=f"component {k + 1}",
                    legendgroup=f"c{k}",
                    showlegend=d == 0,
                    hovertemplate=f"component {k + 1}<br>%{{x:.3g}}: %{{y:.1f}} rows' worth<extra></extra>",
                ),
                row=1,
                col=d + 1,
            )
            mean = float(resp[:, k] @ X[:, d] / nk[k]) if nk[k] > 0 else float("nan")
            if np.isfinite(mean):
                fig.add_vline(
                    x=mean,
                    line={"color": colors[k], "width": 3, "dash": "dash"},
                    row=1,
                    col=d + 1,
                )
        fig.update_xaxes(title_text=feature_labels[d], row=1, col=d + 1)
    fig.update_yaxes(title_text="weighted count  Σ r_nk", row=1, col=1)
    base_layout(fig, height=height)
    fig.update_layout(
        barmode="overlay",
        bargap=0.0,
        legend={"orientation": "h", "y": 1.12, "x": 0.0, "font": {"size": FONT_SIZE - 2}},
        margin={"t": 50},
    )
    return fig


# --------------------------------------------------------------------------- one point


def shares_table(weights: np.ndarray, log_density: np.ndarray, shares: np.ndarray) -> pd.DataFrame:
    """Why a row gets its responsibilities, as a table with one row per component.

    Parameters
    ----------
    weights : ndarray of shape (K,)
        ``pi_k`` at the step shown.
    log_density : ndarray of shape (K,)
        ``log N(x | mu_k, Sigma_k)`` of the row, from the engine.
    shares : ndarray of shape (K,)
        The row's responsibilities at that step, from the engine (they sum to 1).

    Returns
    -------
    DataFrame with columns ``component``, ``weight π``, ``density N(x|k)``, ``π·N(x|k)`` and
    ``share r_k``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    density = np.exp(np.asarray(log_density, dtype=np.float64))
    return pd.DataFrame(
        {
            "component": [f"{k + 1}" for k in range(len(weights))],
            "weight π": weights,
            "density N(x|k)": density,
            "π·N(x|k)": weights * density,
            "share r_k": np.asarray(shares, dtype=np.float64),
        }
    )


def shares_figure(table: pd.DataFrame, *, height: int = 360) -> go.Figure:
    """Two bar charts from :func:`shares_table`: ``π·N(x|k)``, then the normalised shares."""
    K = len(table)
    colors = component_colors(K)
    names = [f"comp. {k + 1}" for k in range(K)]
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.16,
        subplot_titles=("π_k·N(x|k)", "share r_k"),
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=table["π·N(x|k)"],
            marker={"color": colors},
            showlegend=False,
            hovertemplate="%{x}: %{y:.3e}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=table["share r_k"],
            marker={"color": colors},
            showlegend=False,
            text=[f"{v:.2f}" for v in table["share r_k"]],
            textposition="outside",
            hovertemplate="%{x}: %{y:.4f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    base_layout(fig, height=height)
    fig.update_yaxes(range=[0, 1.15], row=1, col=2)
    fig.update_yaxes(exponentformat="e", row=1, col=1)
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(margin={"t": 50})
    return fig


# --------------------------------------------------------------------------- restarts


@dataclass(frozen=True)
class Restart:
    """The end of one initialisation, for the gallery.

    ``means`` (K, 2) and ``covariances`` (K, 2, 2) are None when the restart collapsed;
    ``labels`` (n,) is each drawn row's most probable component.
    """

    index: int
    lower_bound: float
    n_iter: int
    converged: bool
    weights: np.ndarray | None
    means: np.ndarray | None
    covariances: np.ndarray | None
    labels: np.ndarray | None
    error: str | None = None


def restart_gallery(
    X: np.ndarray,
    restarts: Sequence[Restart],
    best: int,
    feature_labels: Sequence[str],
    *,
    cols: int = 3,
    height_per_row: int = 330,
) -> go.Figure:
    """Small scatter-and-ellipse panels, one per restart, titled with the final log-likelihood.

    The kept restart (``best``) is starred and framed; a collapsed one shows its points grey.
    """
    X = np.asarray(X, dtype=np.float64)
    n = len(restarts)
    rows = max(1, -(-n // cols))
    titles = []
    for r in restarts:
        if r.error is not None:
            titles.append(f"start {r.index + 1}: collapsed")
        else:
            mark = "  ★ kept" if r.index == best else ""
            stop = f"{r.n_iter} it." + ("" if r.converged else ", not converged")
            titles.append(f"start {r.index + 1}: {r.lower_bound:.4f}<br>({stop}){mark}")
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.05,
        vertical_spacing=0.16,
    )
    xr, yr = axis_ranges(X)
    for i, r in enumerate(restarts):
        row, col = i // cols + 1, i % cols + 1
        if r.labels is not None and r.means is not None:
            K = r.means.shape[0]
            colors = component_colors(K)
            point_colors = [colors[int(c)] for c in r.labels]
        else:
            K, colors, point_colors = 0, [], "#bbbbbb"
        fig.add_trace(
            go.Scatter(
                x=X[:, 0].astype(np.float32),
                y=X[:, 1].astype(np.float32),
                mode="markers",
                marker={"size": 5, "color": point_colors, "opacity": 0.7},
                showlegend=False,
                hoverinfo="skip",
            ),
            row=row,
            col=col,
        )
        for k in range(K):
            for radius, dash in ((SIGMA_RADII[0], "solid"), (SIGMA_RADII[1], "dash")):
                ex, ey = ellipse(r.means[k], r.covariances[k], radius)
                fig.add_trace(
                    go.Scatter(
                        x=ex.astype(np.float32),
                        y=ey.astype(np.float32),
                        mode="lines",
                        line={"color": colors[k], "width": 2.2, "dash": dash},
                        showlegend=False,
                        hoverinfo="skip",
                    ),
                    row=row,
                    col=col,
                )
        if r.index == best:
            axis = "" if i == 0 else str(i + 1)
            fig.add_shape(
                type="rect",
                xref=f"x{axis} domain",
                yref=f"y{axis} domain",
                x0=0,
                y0=0,
                x1=1,
                y1=1,
                line={"color": "#000", "width": 4},
            )
    base_layout(fig, height=rows * height_per_row + 40)
    fig.update_xaxes(range=xr, autorange=False, showticklabels=False)
    fig.update_yaxes(range=yr, autorange=False, showticklabels=False)
    fig.update_annotations(font_size=FONT_SIZE - 2)
    fig.update_layout(margin={"l": 20, "r": 20, "t": 70, "b": 20})
    for c in range(1, cols + 1):
        fig.update_xaxes(
            title_text=feature_labels[0], title_font_size=FONT_SIZE - 4, row=rows, col=c
        )
    return fig
