"""Figures for the "Poisson mixture" page: pure Plotly builders over a recorded EM run on counts.

Every builder takes arrays and returns a ``go.Figure``; none imports Streamlit, none runs EM
and none computes a probability: :mod:`ui.cached.counts` prepares the numbers they draw.
A run arrives as a :class:`CountTrace`, one entry per history record of
``engine.mixtures.PoissonMixture`` (E, M, E, M, ...), so the animation is a view of what the
engine did, not a replay.

Conventions
-----------
- One column of counts. Bars cover whole numbers ``0, 1, 2, ...``; a wide range of counts is
  grouped into bars of ``width`` consecutive values so that a chart never has more than
  :data:`MAX_BARS` bars, and every probability is then summed over the bar's values.
- Component ``k`` always has colour ``PALETTE[k]`` (the app's Okabe-Ito order).
- A bar is split by the responsibilities of the latest E-step: the part coloured like component
  ``k`` is the share of those rows that the E-step gave to component ``k``.
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
    StepTrace,
    base_layout,
    component_color,
    play_controls,
)

#: Most bars a count histogram shows; wider ranges are grouped into bars of several counts.
MAX_BARS = 80
#: Milliseconds per animation frame, and of the tween between frames.
FRAME_MS = 800
TRANSITION_MS = 300
BAR_OPACITY = 0.5
MIXTURE_COLOR = "#222222"
_DONE = {"E": "every count's shares recomputed", "M": "rates and weights refitted"}


@dataclass(frozen=True)
class CountTrace(StepTrace):
    """A recorded EM run on one column of counts, as plain arrays (one entry per record).

    Attributes
    ----------
    iteration, phase, weights
        As in :class:`ui.figures.style.StepTrace` (weights are the ``pi_k``).
    rates : ndarray of shape (S, K)
        Poisson rates ``lambda_k`` held by each record.
    log_likelihood : ndarray of shape (S,)
        Total log-likelihood of the rows, in nats.
    proportion : ndarray of shape (B,)
        Fraction of the rows whose count falls in each bar; sums to 1.
    shares : ndarray of shape (S, B, K)
        Mean responsibility of each bar's rows after the latest E-step (an M-step record
        repeats its E-step's); rows of a bar without data are 0.
    pmf : ndarray of shape (S, K, B)
        Each component's probability of every bar under each record's rates.
    width : int
        Consecutive counts per bar (1: one bar per count).
    n_rows : int
    """

    rates: np.ndarray
    log_likelihood: np.ndarray
    proportion: np.ndarray
    shares: np.ndarray
    pmf: np.ndarray
    width: int
    n_rows: int

    @property
    def n_bins(self) -> int:
        return int(self.proportion.shape[0])


# --------------------------------------------------------------------------- pure helpers


def bar_centres(trace: CountTrace) -> np.ndarray:
    """The x position of each bar: the count itself, or the middle of a bar's counts."""
    return np.arange(trace.n_bins) * trace.width + (trace.width - 1) / 2.0


def _play_controls(labels: Sequence[str], prefix: str) -> dict:
    """``updatemenus`` and ``sliders`` of an animation whose frames are named ``labels``."""
    return play_controls(
        labels,
        frame_ms=FRAME_MS,
        transition_ms=TRANSITION_MS,
        buttons=(0.0, -0.2),
        slider=(0.3, 0.7, -0.16),
        slider_pad=30,
        current_prefix=prefix,
    )


# --------------------------------------------------------------------------- the animation


def _frame_data(trace: CountTrace, s: int, centres: np.ndarray) -> list[dict]:
    """The 2K + 1 changing traces of record ``s``: K bar parts, K weighted PMFs, the mixture."""
    K = trace.n_components
    weighted = trace.weights[s][:, None] * trace.pmf[s]
    out: list[dict] = []
    for k in range(K):
        share = trace.shares[s, :, k]
        out.append(
            {
                "type": "bar",
                "x": centres,
                "y": (trace.proportion * share).astype(np.float32),
                "customdata": share.astype(np.float32),
            }
        )
    for k in range(K):
        out.append({"type": "scatter", "x": centres, "y": weighted[k].astype(np.float32)})
    out.append({"type": "scatter", "x": centres, "y": weighted.sum(axis=0).astype(np.float32)})
    return out


def _frame_title(trace: CountTrace, s: int) -> str:
    return f"{trace.label(s)}: {_DONE[trace.phase[s]]}"


def pmf_animation(
    trace: CountTrace,
    *,
    steps: np.ndarray | None = None,
    height: int = 640,
) -> go.Figure:
    """The counts against the fitted mixture, one animation frame per history record.

    Parameters
    ----------
    trace : CountTrace
    steps : ndarray of int, optional
        Records to animate (all by default).
    height : int
        Pixels.

    Returns
    -------
    go.Figure
        Traces: K stacked bar parts (proportion of rows x mean responsibility), K weighted
        component probabilities ``pi_k Poisson(x | lambda_k)``, then the mixture (their sum).
        Frames are named ``"<t><E|M>"`` and titled ``"Iteration t, E-step: ..."``; a play
        button and a slider drive them.
    """
    steps = np.arange(trace.n_steps) if steps is None else np.asarray(steps, dtype=int)
    K = trace.n_components
    centres = bar_centres(trace)
    first = int(steps[0])
    wide = trace.width > 1
    what = f"counts around %{{x:.0f}} (bar of {trace.width})" if wide else "count %{x:.0f}"

    data: list[go.BaseTraceType] = []
    for k, part in enumerate(_frame_data(trace, first, centres)[:K]):
        data.append(
            go.Bar(
                **{key: part[key] for key in ("x", "y", "customdata")},
                width=0.92 * trace.width,
                marker={"color": component_color(k), "opacity": BAR_OPACITY, "line": {"width": 0}},
                name=f"rows given to component {k + 1}",
                legendgroup=f"c{k}",
                hovertemplate=f"{what}<br>%{{customdata:.0%}} of these rows given to component "
                f"{k + 1}<extra></extra>",
            )
        )
    for k, part in enumerate(_frame_data(trace, first, centres)[K : 2 * K]):
        data.append(
            go.Scatter(
                x=part["x"],
                y=part["y"],
                mode="lines+markers",
                line={"color": component_color(k), "width": 3},
                marker={"size": 7, "color": component_color(k)},
                name=f"π{k + 1} · Poisson(x | λ{k + 1})",
                legendgroup=f"c{k}",
                hovertemplate=f"{what}<br>π{k + 1}·Poisson = %{{y:.4f}}<extra></extra>",
            )
        )
    mix = _frame_data(trace, first, centres)[-1]
    data.append(
        go.Scatter(
            x=mix["x"],
            y=mix["y"],
            mode="lines+markers",
            line={"color": MIXTURE_COLOR, "width": 4},
            marker={"size": 8, "color": MIXTURE_COLOR},
            name="mixture: Σ πk · Poisson(x | λk)",
            hovertemplate=f"{what}<br>mixture = %{{y:.4f}}<extra></extra>",
        )
    )

    frames = [
        go.Frame(
            name=trace.short_label(int(s)),
            data=_frame_data(trace, int(s), centres),
            traces=list(range(2 * K + 1)),
            layout={"title": {"text": _frame_title(trace, int(s))}},
        )
        for s in steps
    ]
    top = float(trace.proportion.max())
    for s in steps:
        pmf = trace.weights[int(s)][:, None] * trace.pmf[int(s)]
        top = max(top, float(pmf.sum(axis=0).max()))

    fig = go.Figure(data=data, frames=frames)
    base_layout(fig, height=height, title=_frame_title(trace, first))
    fig.update_layout(
        barmode="stack",
        bargap=0.0,
        margin={"l": 90, "r": 20, "t": 80, "b": 170},
        legend={
            "orientation": "v",
            "x": 0.99,
            "xanchor": "right",
            "y": 0.99,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
            "bordercolor": "#ccc",
            "borderwidth": 1,
            "itemsizing": "constant",
        },
        **_play_controls([trace.short_label(int(s)) for s in steps], "Step "),
    )
    fig.update_xaxes(
        title_text="count"
        + (f" (each bar groups {trace.width} consecutive counts)" if wide else ""),
        range=[-0.5 * trace.width, trace.n_bins * trace.width - 0.5 * trace.width],
        autorange=False,
    )
    fig.update_yaxes(title_text="proportion of rows", range=[0, 1.08 * top], autorange=False)
    return fig


# --------------------------------------------------------------------------- parameters


def parameter_steps(trace: CountTrace) -> np.ndarray:
    """Records that show each set of parameters once: the start (first record) and every M-step."""
    m = [s for s, phase in enumerate(trace.phase) if phase == "M"]
    return np.array([0, *m], dtype=int) if trace.n_steps else np.array([], dtype=int)


def parameter_paths(
    trace: CountTrace,
    *,
    true_rates: Sequence[float] | None = None,
    true_weights: Sequence[float] | None = None,
    height: int = 620,
) -> go.Figure:
    """Rates (top) and weights (bottom) of every component after each M-step, from the start.

    ``true_rates`` / ``true_weights`` (known for simulated data) are drawn as dotted grey lines.
    """
    steps = parameter_steps(trace)
    x = np.array([0 if i == 0 else int(trace.iteration[s]) for i, s in enumerate(steps)])
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=(
            "Rates λk: the mean count of each component",
            "Weights πk: each component's share",
        ),
    )
    for k in range(trace.n_components):
        for row, values, symbol in ((1, trace.rates, "λ"), (2, trace.weights, "π")):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=values[steps, k],
                    mode="lines+markers",
                    line={"color": component_color(k), "width": 3},
                    marker={"size": 8},
                    name=f"component {k + 1}",
                    legendgroup=f"c{k}",
                    showlegend=row == 1,
                    hovertemplate=f"iteration %{{x}}<br>{symbol}{k + 1} = %{{y:.3f}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    for row, truth, name in ((1, true_rates, "true rates"), (2, true_weights, "true weights")):
        for j, value in enumerate(truth if truth is not None else ()):
            label = (
                {
                    "annotation_text": name,
                    "annotation_position": "bottom right",
                    "annotation_font": {"size": FONT_SIZE - 2, "color": "#555"},
                }
                if j == 0
                else {}
            )
            fig.add_hline(
                y=float(value),
                line={"color": "#777", "width": 2, "dash": "dot"},
                row=row,
                col=1,
                **label,
            )
    base_layout(fig, height=height)
    fig.update_annotations(font_size=FONT_SIZE)
    fig.update_layout(margin={"l": 90, "r": 20, "t": 50, "b": 70}, hovermode="x unified")
    fig.update_xaxes(
        title_text="EM iteration (0 = the start)", row=2, col=1, dtick=1 if x[-1] <= 20 else None
    )
    fig.update_yaxes(title_text="rate λ (counts per row)", row=1, col=1)
    fig.update_yaxes(title_text="weight π", row=2, col=1, rangemode="tozero")
    return fig


# --------------------------------------------------------------------------- choosing K


def criteria_figure(table: pd.DataFrame, *, height: int = 480) -> go.Figure:
    """AIC and BIC against K (lower is better), the best K of each marked with a star.

    Parameters
    ----------
    table : DataFrame
        Columns ``k``, ``aic``, ``bic`` (``engine.mixtures.compare``); rows whose fit failed
        hold NaN and are left out.
    """
    ok = table.dropna(subset=["aic", "bic"]).sort_values("k")
    fig = go.Figure()
    styles = {
        "bic": ("BIC", "#000000", "solid", "circle", "top center"),
        "aic": ("AIC", "#0072B2", "dash", "square", "bottom center"),
    }
    for column, (name, color, dash, symbol, where) in styles.items():
        fig.add_trace(
            go.Scatter(
                x=ok["k"],
                y=ok[column],
                mode="lines+markers",
                line={"color": color, "width": 3, "dash": dash},
                marker={"size": 10, "symbol": symbol, "color": color},
                name=name,
                hovertemplate=f"K = %{{x}}<br>{name} = %{{y:,.1f}}<extra></extra>",
            )
        )
        if len(ok):
            best = ok.loc[ok[column].idxmin()]
            fig.add_trace(
                go.Scatter(
                    x=[best["k"]],
                    y=[best[column]],
                    mode="markers+text",
                    marker={
                        "size": 26,
                        "symbol": "star",
                        "color": "#E69F00",
                        "line": {"width": 2, "color": color},
                    },
                    text=[f"best by {name}: K = {int(best['k'])}"],
                    textposition=where,
                    textfont={"size": FONT_SIZE - 2, "color": color},
                    name=f"best by {name}",
                    showlegend=False,
                    hovertemplate=f"lowest {name}: K = %{{x}}<extra></extra>",
                )
            )
    base_layout(fig, height=height)
    fig.update_xaxes(title_text="K, the number of components", dtick=1)
    fig.update_yaxes(title_text="score (lower is better)", tickformat=",.0f")
    fig.update_layout(legend={"orientation": "h", "x": 0.0, "y": 1.08})
    return fig
