"""Figures for the "Theory lab" page: pure Plotly builders over the engine's experiment records.

Every builder takes the plain records that ``engine.vae.theory`` returns (lists of dicts) or a
:class:`CoordinateSlice` and gives back a ``go.Figure``; none imports Streamlit and none runs an
experiment or EM.

Conventions
-----------
- One colour, marker and dash per method (:data:`METHOD_STYLE`), the same in every chart.
- Sample counts are shown on a log axis with the counts themselves as ticks.
- Values are in nats; the axis titles say so.
- Fonts follow ``ui.figures.em`` (18 px, 16 px ticks), readable on a projector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.style import FONT_SIZE, PALETTE, TITLE_SIZE, base_layout, legend_above, rgba

BLUE, VERMILLION, GREEN, PURPLE, ORANGE = PALETTE[:5]

TICK_SIZE = 16
SAMPLES_AXIS = "number of samples (log scale)"
#: Colour (Okabe-Ito), marker symbol, line dash and legend label of every method on the page.
METHOD_STYLE: dict[str, dict[str, str]] = {
    "analytic": {"color": BLUE, "symbol": "circle", "dash": "solid", "label": "analytic KL"},
    "entropy": {"color": GREEN, "symbol": "square", "dash": "dash", "label": "entropy form"},
    "mc": {"color": VERMILLION, "symbol": "diamond", "dash": "dot", "label": "full Monte Carlo"},
    "reparameterisation": {
        "color": BLUE,
        "symbol": "circle",
        "dash": "solid",
        "label": "reparameterised",
    },
    "score function": {
        "color": ORANGE,
        "symbol": "x",
        "dash": "dash",
        "label": "score function (REINFORCE)",
    },
    "posterior (importance)": {
        "color": BLUE,
        "symbol": "circle",
        "dash": "solid",
        "label": "z from q(z|x), importance-weighted",
    },
    "prior": {
        "color": PURPLE,
        "symbol": "square",
        "dash": "dash",
        "label": "z from the prior p(z)",
    },
}
LOGLIK_COLOR = BLUE  # as in the "EM step by step" bound chart
BOUND_COLOR = VERMILLION
EXACT_COLOR = "#222222"


def style(method: str) -> dict[str, str]:
    """The style of ``method``; unknown names get grey."""
    return METHOD_STYLE.get(
        method, {"color": "#999999", "symbol": "circle", "dash": "solid", "label": method}
    )


def _by(rows: Sequence[dict], key: str) -> dict[str, list[dict]]:
    """Group records by ``key`` (keeping first-seen order), each group sorted by n_samples."""
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return {k: sorted(v, key=lambda r: r["n_samples"]) for k, v in out.items()}


def _counts(rows: Sequence[dict]) -> list[int]:
    return sorted({int(r["n_samples"]) for r in rows})


def _layout(
    fig: go.Figure,
    *,
    height: int,
    title: str | None = None,
    legend_rows: int = 1,
    extra_top: int = 0,
) -> go.Figure:
    """The app's look (:func:`ui.figures.style.base_layout`), with the title, then the legend,
    above the plot (placed in pixels), so neither covers tick labels or axis titles;
    ``extra_top`` leaves room for subplot titles."""
    legend_top = 12 + (40 if title else 0)
    top = legend_top + 32 * legend_rows + 10 + extra_top
    base_layout(fig, height=height, margin={"t": top})
    legend_above(fig, top_px=legend_top, height=height, xref="paper")
    if title:
        fig.update_layout(
            title={
                "text": title,
                "font": {"size": TITLE_SIZE},
                "x": 0.0,
                "xanchor": "left",
                "xref": "paper",
                "y": 1 - 12 / height,
                "yanchor": "top",
                "yref": "container",
            }
        )
    fig.update_annotations(font_size=FONT_SIZE)
    return fig


def log_ticks(values: Sequence[float]) -> list[float]:
    """Readable ticks for a log axis over ``values``: 1-2-5 steps across up to two decades,
    powers of ten beyond that."""
    v = np.asarray([x for x in values if x > 0], dtype=float)
    lo, hi = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
    mantissas = (1, 2, 5) if hi - lo <= 2 else (1,)
    ticks = [m * 10.0**e for e in np.arange(lo, hi + 1) for m in mantissas]
    return [t for t in ticks if v.min() / 2 <= t <= v.max() * 2]


def tick_label(t: float) -> str:
    """``0.02``, ``5``, ``1,000``, then ``1e4``, ``2e5`` ... for a log axis."""
    if t >= 1e4:
        mantissa, exponent = f"{t:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{t:,.0f}" if t >= 1 else f"{t:g}"


def _log_values_axis(fig: go.Figure, values: Sequence[float], title: str, **where) -> None:
    ticks = log_ticks(values)
    fig.update_yaxes(
        type="log",
        tickvals=ticks,
        ticktext=[tick_label(t) for t in ticks],
        title_text=title,
        **where,
    )


def _log_samples_axis(fig: go.Figure, counts: Sequence[int], **where) -> None:
    fig.update_xaxes(
        type="log",
        tickvals=list(counts),
        ticktext=[f"{c:,}" for c in counts],
        title_text=SAMPLES_AXIS,
        **where,
    )


def _dodge(counts: np.ndarray, i: int, n: int, spread: float = 0.06) -> np.ndarray:
    """Shift series ``i`` of ``n`` sideways on a log axis so error bars do not overlap."""
    return counts * 10 ** (spread * (i - (n - 1) / 2))


# --------------------------------------------------------------------------- 1. ELBO estimators


def estimator_means_figure(rows: Sequence[dict], *, height: int = 460) -> go.Figure:
    """Mean ± one standard deviation of each ELBO estimator against the number of samples.

    ``rows`` are :func:`engine.vae.theory.elbo_estimator_spread` records (``estimator``,
    ``n_samples``, ``mean``, ``std`` in nats per image). The series are nudged sideways so their
    error bars stay apart; hovering gives the exact count.
    """
    groups = _by(rows, "estimator")
    fig = go.Figure()
    for i, (name, group) in enumerate(groups.items()):
        s = style(name)
        n = np.array([r["n_samples"] for r in group], dtype=float)
        fig.add_trace(
            go.Scatter(
                x=_dodge(n, i, len(groups)),
                y=[r["mean"] for r in group],
                error_y={"type": "data", "array": [r["std"] for r in group], "thickness": 2.5},
                mode="lines+markers",
                name=s["label"],
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                customdata=n.astype(int),
                hovertemplate=f"{s['label']}<br>%{{customdata}} samples: "
                "%{y:.2f} ± %{error_y.array:.2f} nats<extra></extra>",
            )
        )
    _log_samples_axis(fig, _counts(rows))
    fig.update_yaxes(title_text="ELBO (nats per image)")
    return _layout(fig, height=height, title="Same target: mean ± 1 sd")


def estimator_spread_figure(rows: Sequence[dict], *, height: int = 460) -> go.Figure:
    """Standard deviation of each ELBO estimator against the number of samples, log-log.

    A dotted grey guide falls like ``1 / sqrt(S)``: every unbiased average of independent
    samples does, so parallel lines differ only by a constant factor.
    """
    groups = _by(rows, "estimator")
    counts = _counts(rows)
    fig = go.Figure()
    for name, group in groups.items():
        s = style(name)
        fig.add_trace(
            go.Scatter(
                x=[r["n_samples"] for r in group],
                y=[r["std"] for r in group],
                mode="lines+markers",
                name=s["label"],
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                hovertemplate=f"{s['label']}<br>%{{x}} samples: sd %{{y:.3f}} nats<extra></extra>",
            )
        )
    top = max(r["std"] for r in rows)
    c = np.array(counts, dtype=float)
    fig.add_trace(
        go.Scatter(
            x=c,
            y=top * np.sqrt(c[0] / c),
            mode="lines",
            name="∝ 1/√samples",
            line={"color": "#999999", "width": 2, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    _log_samples_axis(fig, counts)
    _log_values_axis(fig, [r["std"] for r in rows], "sd of the estimate (nats, log scale)")
    return _layout(fig, height=height, title="Different spread: sd across repeats", legend_rows=2)


# --------------------------------------------------------------------------- 2. gradients


def toy_gradient_figure(rows: Sequence[dict], *, height: int = 480) -> go.Figure:
    """The toy gradient: estimates ± sd with the exact value (left), variance log-log (right).

    ``rows`` are :func:`engine.vae.theory.toy_gradient_variance` records (``method``,
    ``n_samples``, ``mean``, ``variance``, ``exact``).
    """
    groups = _by(rows, "method")
    counts = _counts(rows)
    exact = float(rows[0]["exact"])
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.14,
        subplot_titles=("estimate ± 1 sd", "variance of the estimate"),
    )
    for i, (name, group) in enumerate(groups.items()):
        s = style(name)
        n = np.array([r["n_samples"] for r in group], dtype=float)
        sd = np.sqrt([r["variance"] for r in group])
        fig.add_trace(
            go.Scatter(
                x=_dodge(n, i, len(groups)),
                y=[r["mean"] for r in group],
                error_y={"type": "data", "array": sd, "thickness": 2.5},
                mode="lines+markers",
                name=s["label"],
                legendgroup=name,
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                customdata=n.astype(int),
                hovertemplate=f"{s['label']}<br>%{{customdata}} samples: "
                "%{y:.2f} ± %{error_y.array:.2f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=n,
                y=[r["variance"] for r in group],
                mode="lines+markers",
                name=s["label"],
                legendgroup=name,
                showlegend=False,
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                hovertemplate=f"{s['label']}<br>%{{x}} samples: variance %{{y:.3g}}<extra></extra>",
            ),
            row=1,
            col=2,
        )
    _reference_line(
        fig, counts, exact, f"exact gradient 2(μ − 3) = {exact:.3g}", f"exact gradient {exact:.4g}"
    )
    _log_samples_axes(fig, counts)
    fig.update_yaxes(title_text="d/dμ of E[(z − 3)²]", row=1, col=1)
    _log_values_axis(fig, [r["variance"] for r in rows], "variance (log scale)", row=1, col=2)
    return _layout(fig, height=height, extra_top=40)


def _reference_line(fig: go.Figure, counts, y: float, name: str, hover: str) -> None:
    """A dashed horizontal line at ``y`` across the left panel: the value the estimates aim at."""
    fig.add_trace(
        go.Scatter(
            x=[counts[0] * 0.7, counts[-1] * 1.4],
            y=[y, y],
            mode="lines",
            name=name,
            line={"color": EXACT_COLOR, "width": 2.5, "dash": "longdash"},
            hovertemplate=f"{hover}<extra></extra>",
        ),
        row=1,
        col=1,
    )


def _log_samples_axes(fig: go.Figure, counts) -> None:
    """Both panels share a log-scale 'number of samples' x axis."""
    _log_samples_axis(fig, counts, row=1, col=1)
    _log_samples_axis(fig, counts, row=1, col=2)


def encoder_variance_figure(rows: Sequence[dict], *, height: int = 480) -> go.Figure:
    """Total variance of the encoder-weight gradient, per estimator, log-log.

    ``rows`` are :func:`engine.vae.theory.encoder_gradient_variance` records (``method``,
    ``n_samples``, ``total_variance``, ``mean_norm``).
    """
    groups = _by(rows, "method")
    fig = go.Figure()
    for name, group in groups.items():
        s = style(name)
        fig.add_trace(
            go.Scatter(
                x=[r["n_samples"] for r in group],
                y=[r["total_variance"] for r in group],
                mode="lines+markers",
                name=s["label"],
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                hovertemplate=f"{s['label']}<br>%{{x}} samples: total variance %{{y:.3g}}"
                "<extra></extra>",
            )
        )
    _log_samples_axis(fig, _counts(rows))
    _log_values_axis(
        fig, [r["total_variance"] for r in rows], "total variance over weights (log scale)"
    )
    return _layout(fig, height=height, title="The VAE's encoder, one digit")


# --------------------------------------------------------------------------- 3. log p(x)


def marginal_likelihood_figure(rows: Sequence[dict], *, height: int = 480) -> go.Figure:
    """Estimates of log p(x) ± sd as bands (left, log-x) and their sd (right, log-log).

    ``rows`` are :func:`engine.vae.theory.marginal_likelihood_estimates` records (``method``,
    ``n_samples``, ``mean``, ``std``). The dashed line is the importance-sampling estimate at
    the largest sample count: the best value the page has for log p(x).
    """
    groups = _by(rows, "method")
    counts = _counts(rows)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.14,
        subplot_titles=("estimate of log p(x) ± 1 sd", "sd of the estimate"),
    )
    for name, group in groups.items():
        s = style(name)
        n = [r["n_samples"] for r in group]
        mean = np.array([r["mean"] for r in group])
        sd = np.array([r["std"] for r in group])
        fig.add_trace(
            go.Scatter(
                x=n + n[::-1],
                y=np.concatenate([mean + sd, (mean - sd)[::-1]]),
                fill="toself",
                fillcolor=rgba(s["color"], 0.18),
                line={"width": 0},
                mode="lines",
                name=f"{s['label']} ± 1 sd",
                legendgroup=name,
                showlegend=False,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=n,
                y=mean,
                mode="lines+markers",
                name=s["label"],
                legendgroup=name,
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                customdata=sd,
                hovertemplate=f"{s['label']}<br>%{{x:,}} samples: "
                "%{y:.2f} ± %{customdata:.2f} nats<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=n,
                y=sd,
                mode="lines+markers",
                name=s["label"],
                legendgroup=name,
                showlegend=False,
                line={"color": s["color"], "width": 3, "dash": s["dash"]},
                marker={"symbol": s["symbol"], "size": 12, "color": s["color"]},
                hovertemplate=f"{s['label']}<br>%{{x:,}} samples: sd %{{y:.3g}} nats"
                "<extra></extra>",
            ),
            row=1,
            col=2,
        )
    best = groups.get("posterior (importance)")
    if best:
        ref = best[-1]["mean"]
        _reference_line(
            fig, counts, ref, f"best estimate {ref:.2f} nats", f"best estimate {ref:.3f} nats"
        )
    _log_samples_axes(fig, counts)
    fig.update_yaxes(title_text="log p(x) (nats)", row=1, col=1)
    _log_values_axis(fig, [r["std"] for r in rows], "sd (nats, log scale)", row=1, col=2)
    return _layout(fig, height=height, extra_top=40)


# --------------------------------------------------------------------------- 4. coordinate ascent


@dataclass(frozen=True)
class CoordinateSlice:
    """One step of a 1-D two-component EM run, seen along one component's mean.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The data.
    grid : ndarray of shape (G,)
        Values the chosen mean runs over.
    loglik, bound : ndarray of shape (G,)
        Total log-likelihood and lower bound L(q, θ) (nats) along the grid, every other
        parameter at this step's value, q from the latest E-step.
    which : int
        The component whose mean varies (0-based).
    phase : str
        ``"E"`` or ``"M"``: the step just done.
    iteration : int
        EM iteration, from 1.
    mean : float
        The chosen mean at this step.
    target : float
        The top of the bound: where the M-step puts the mean (after an M-step, the mean itself).
    previous : float or None
        After an M-step, the mean before it; None after an E-step.
    weights, means, variances : ndarray of shape (K,)
        All parameters at this step.
    log_likelihood, elbo : float
        Totals at this step (nats); their difference is the KL gap.
    """

    x: np.ndarray
    grid: np.ndarray
    loglik: np.ndarray
    bound: np.ndarray
    which: int
    phase: str
    iteration: int
    mean: float
    target: float
    previous: float | None
    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    log_likelihood: float
    elbo: float

    @property
    def kl(self) -> float:
        """The gap log p(X | θ) − L(q, θ), never shown below zero for rounding."""
        gap = float(self.log_likelihood - self.elbo)
        return 0.0 if abs(gap) < 1e-9 else gap

    def at(self, values: np.ndarray, where: float) -> float:
        """``values`` (along :attr:`grid`) at ``where``, by linear interpolation."""
        return float(np.interp(where, self.grid, values))


def _normal_pdf(x: np.ndarray, mean: float, var: float) -> np.ndarray:
    return np.exp(-0.5 * (x - mean) ** 2 / var) / np.sqrt(2 * np.pi * var)


def coordinate_figure(sl: CoordinateSlice, *, height: int = 820, span: float = 3.0) -> go.Figure:
    """The log-likelihood and the lower bound as one mean moves, above the data and components.

    Top: both curves along :attr:`CoordinateSlice.grid`; a filled circle at the current mean
    on the log-likelihood, an open circle where the bound is at the current mean (on top of the
    filled one after an E-step: they touch), a star at the top of the bound with an arrow to it
    (after an E-step: where the M-step will move the mean). Bottom: the data's histogram and
    each component's weighted density at this step; the sliding component (black) has its
    mean marked.
    The top panel zooms in: it reaches below the lowest marked point by ``span`` nats or six
    times the spread of the marked points, whichever is more, and shows the means that fall
    within that range.
    """
    k = sl.which
    fig = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.66, 0.34],
        vertical_spacing=0.14,
    )
    mu_name = f"μ{'₁₂'[k] if k < 2 else k + 1}"
    fig.add_trace(
        go.Scatter(
            x=sl.grid,
            y=sl.loglik,
            mode="lines",
            name="log-likelihood log p(X | θ)",
            line={"color": LOGLIK_COLOR, "width": 4},
            hovertemplate=f"{mu_name} = %{{x:.2f}}<br>log-lik %{{y:.2f}} nats<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=sl.grid,
            y=sl.bound,
            mode="lines",
            name="lower bound L(q, θ)",
            line={"color": BOUND_COLOR, "width": 3.5, "dash": "dash"},
            hovertemplate=f"{mu_name} = %{{x:.2f}}<br>bound %{{y:.2f}} nats<extra></extra>",
        ),
        row=1,
        col=1,
    )
    top_bound = sl.at(sl.bound, sl.target)
    if sl.previous is not None:
        fig.add_trace(
            go.Scatter(
                x=[sl.previous],
                y=[sl.at(sl.bound, sl.previous)],
                mode="markers",
                name="where this M-step started",
                marker={
                    "symbol": "circle-open",
                    "size": 16,
                    "color": "#777777",
                    "line": {"width": 3},
                },
                hovertemplate=f"before: {mu_name} = %{{x:.3f}}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=[sl.mean],
            y=[sl.log_likelihood],
            mode="markers",
            name=f"current {mu_name}: log-likelihood",
            marker={"symbol": "circle", "size": 20, "color": LOGLIK_COLOR},
            hovertemplate=f"current {mu_name} = %{{x:.3f}}<br>log-lik %{{y:.3f}} nats"
            "<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[sl.mean],
            y=[sl.elbo],
            mode="markers",
            name="bound at the current mean" + (" (touches)" if sl.phase == "E" else ""),
            marker={
                "symbol": "circle-open",
                "size": 30,
                "color": BOUND_COLOR,
                "line": {"width": 4, "color": BOUND_COLOR},
            },
            hovertemplate="bound %{y:.3f} nats<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[sl.target],
            y=[top_bound],
            mode="markers",
            name="top of the bound (M-step target)",
            marker={"symbol": "star", "size": 22, "color": GREEN, "line": {"width": 1.5}},
            hovertemplate=f"top of the bound: {mu_name} = %{{x:.3f}}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    if sl.phase == "E" and abs(sl.target - sl.mean) > 1e-6:
        fig.add_annotation(
            x=sl.target,
            y=top_bound,
            ax=sl.mean,
            ay=sl.elbo,
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=3,
            arrowsize=1.4,
            arrowwidth=3,
            arrowcolor=GREEN,
            text="",
        )
    marked = [sl.log_likelihood, sl.elbo, top_bound]
    y_top = max(marked)
    y_low = min(marked) - max(span, 6.0 * (y_top - min(marked)))
    fig.update_yaxes(
        range=[y_low, y_top + 0.1 * (y_top - y_low)],
        title_text="nats (sum over points)",
        row=1,
        col=1,
    )
    shown = sl.grid[np.maximum(sl.loglik, sl.bound) >= y_low]
    points = [sl.mean, sl.target] + ([sl.previous] if sl.previous is not None else [])
    x_lo = min(points + ([shown.min()] if shown.size else []))
    x_hi = max(points + ([shown.max()] if shown.size else []))
    x_pad = 0.08 * max(x_hi - x_lo, 1e-3)
    fig.update_xaxes(
        range=[x_lo - x_pad, x_hi + x_pad],
        title_text=f"{mu_name}, the mean of component {k + 1} (zoomed in)",
        row=1,
        col=1,
    )

    # Bottom: the data and the components at this step.
    lo, hi = float(sl.grid[0]), float(sl.grid[-1])
    fig.add_trace(
        go.Histogram(
            x=sl.x,
            xbins={"start": lo, "end": hi, "size": (hi - lo) / 40},
            histnorm="probability density",
            marker={"color": "#dddddd", "line": {"color": "#aaaaaa", "width": 1}},
            name="data",
            hovertemplate="%{x}: density %{y:.3f}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    xs = np.linspace(lo, hi, 200)
    for j, (w, m, v) in enumerate(zip(sl.weights, sl.means, sl.variances, strict=True)):
        moving = j == k
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=w * _normal_pdf(xs, float(m), float(v)),
                mode="lines",
                name=f"component {j + 1}: π·N(x | μ, σ²)"
                + (" (its mean slides)" if moving else ""),
                line={
                    "color": "#111111" if moving else "#888888",
                    "width": 4 if moving else 2.5,
                    "dash": "solid" if moving else "dashdot",
                },
                hovertemplate=f"component {j + 1}<br>x = %{{x:.2f}}: %{{y:.3f}}<extra></extra>",
            ),
            row=2,
            col=1,
        )
    fig.add_vline(x=sl.mean, line={"color": "#111111", "width": 2, "dash": "dot"}, row=2, col=1)
    fig.update_yaxes(title_text="density", row=2, col=1)
    fig.update_xaxes(range=[lo, hi], title_text="x (the 250 data points)", row=2, col=1)
    fig = _layout(fig, height=height, legend_rows=4)
    fig.update_layout(bargap=0.02)
    return fig
