"""Figures and small pure helpers for choosing K: criteria curves, fitted mixtures side by side.

Everything here takes arrays or DataFrames and returns a ``go.Figure``, a DataFrame or plain
values; nothing imports Streamlit, and nothing fits a model.

Criteria tables are those of :func:`engine.mixtures.compare` (scikit-learn's sign: AIC, BIC and
ICL are lower-is-better). The mclust convention shows the same numbers with the sign flipped
(``2 log L - p log n``, higher is better): the ranking of the fits never changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures.style import FONT_SIZE, PALETTE, base_layout, full_covariances
from ui.figures.style import component_color as component_colour
from ui.figures.style import ellipse as _ellipse

__all__ = ["component_colour", "full_covariances"]  # re-exported from the shared style

# --------------------------------------------------------------------------- look

#: Marker shapes, cycled after the palette's colours so K up to 40 stays distinguishable.
COMPONENT_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up")
#: Line style of each covariance type in the criteria curves (colour and dash both differ).
COVARIANCE_STYLE: dict[str, tuple[str, str]] = {
    "full": ("#0072B2", "solid"),
    "tied": ("#D55E00", "dash"),
    "diag": ("#009E73", "dot"),
    "spherical": ("#CC79A7", "dashdot"),
    "-": ("#0072B2", "solid"),
}
COVARIANCE_WORDS: dict[str, str] = {
    "full": "full covariances",
    "tied": "one shared (tied) covariance",
    "diag": "diagonal covariances",
    "spherical": "spherical covariances",
    "-": "",
}
TICK_SIZE = 16
#: Most points a scatter draws; larger tables are thinned (seeded) to keep the page light.
MAX_POINTS = 4000

CONVENTIONS = ("sklearn", "mclust")
CONVENTION_LABELS = {
    "sklearn": "scikit-learn: −2 log L + penalty (lower is better)",
    "mclust": "mclust: 2 log L − penalty (higher is better)",
}
#: Criteria that flip sign with the convention, and the held-out criterion that never does.
INFO_CRITERIA = ("aic", "bic", "icl")
HELDOUT = "heldout_log_likelihood"
CRITERION_NAMES = {
    "aic": "AIC",
    "bic": "BIC",
    "icl": "ICL",
    HELDOUT: "Held-out log-likelihood",
}


def component_symbol(j: int) -> str:
    """Marker shape of component ``j`` (0-based): changes once the colours have been used."""
    return COMPONENT_SYMBOLS[(j // len(PALETTE)) % len(COMPONENT_SYMBOLS)]


def style(fig: go.Figure, *, height: int) -> go.Figure:
    """The shared layout (:func:`ui.figures.style.base_layout`) with the legend on top and
    projector-sized subplot titles."""
    base_layout(fig, height=height, margin={"l": 80, "r": 30, "t": 110, "b": 80})
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0},
        hoverlabel={"font": {"size": TICK_SIZE}},
    )
    for note in fig.layout.annotations:  # subplot titles
        note.font = {"size": FONT_SIZE + 1}
    return fig


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` of ``n`` rows: all of them, or a seeded sample in order."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=max_points, replace=False))


# --------------------------------------------------------------------------- criteria


def higher_is_better(criterion: str, convention: str = "sklearn") -> bool:
    """True for held-out log-likelihood always, and for AIC/BIC/ICL under mclust's sign."""
    _check_convention(convention)
    return criterion == HELDOUT or convention == "mclust"


def _check_convention(convention: str) -> None:
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}; got {convention!r}.")


def criterion_values(table: pd.DataFrame, criterion: str, convention: str = "sklearn") -> pd.Series:
    """A criterion column as shown under ``convention`` (NaN for collapsed fits)."""
    _check_convention(convention)
    values = table[criterion].astype(float)
    if criterion in INFO_CRITERIA and convention == "mclust":
        return -values
    return values


def available_criteria(table: pd.DataFrame) -> tuple[str, ...]:
    """AIC, BIC, ICL, and held-out log-likelihood when the table has it."""
    return (*INFO_CRITERIA, *((HELDOUT,) if HELDOUT in table.columns else ()))


def best_row(
    table: pd.DataFrame, criterion: str, convention: str = "sklearn", mask=None
) -> pd.Series | None:
    """The best fit by a criterion (among rows selected by ``mask``), or None if all collapsed."""
    values = criterion_values(table, criterion, convention)
    if mask is not None:
        values = values[mask]
    values = values.dropna()
    if values.empty:
        return None
    idx = values.idxmax() if higher_is_better(criterion, convention) else values.idxmin()
    return table.loc[idx]


def axis_title(criterion: str, convention: str) -> str:
    """Y-axis title naming the criterion and its direction."""
    if criterion == HELDOUT:
        return "nats per held-out row ↑"
    arrow = "↑" if convention == "mclust" else "↓"
    return f"{CRITERION_NAMES[criterion]} {arrow}"


def criteria_figure(
    table: pd.DataFrame, convention: str = "sklearn", criteria: Sequence[str] | None = None
) -> go.Figure:
    """One panel per criterion against K; one curve per covariance type; the best of each
    curve marked with a star, the best of the panel with a larger ringed star.

    Parameters
    ----------
    table : DataFrame
        :func:`engine.mixtures.compare`'s output. Collapsed fits (NaN) leave gaps.
    convention : {"sklearn", "mclust"}
    criteria : sequence of str, optional
        Defaults to :func:`available_criteria`.
    """
    criteria = tuple(criteria or available_criteria(table))
    cols = 2 if len(criteria) > 1 else 1
    rows = -(-len(criteria) // cols)
    titles = []
    for c in criteria:
        better = "higher" if higher_is_better(c, convention) else "lower"
        titles.append(f"<b>{CRITERION_NAMES[c]}</b> ({better} is better)")
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.1,
        vertical_spacing=0.2 if rows > 1 else 0.1,
    )
    types = list(dict.fromkeys(table["covariance_type"]))
    for i, criterion in enumerate(criteria):
        row, col = i // cols + 1, i % cols + 1
        values = criterion_values(table, criterion, convention)
        for ct in types:
            mask = table["covariance_type"] == ct
            part = table[mask]
            colour, dash = COVARIANCE_STYLE.get(ct, ("#555555", "solid"))
            name = ct if ct != "-" else "mixture"
            fig.add_trace(
                go.Scatter(
                    x=part["k"],
                    y=values[mask],
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=i == 0,
                    line={"color": colour, "dash": dash, "width": 3},
                    marker={"size": 8, "color": colour},
                    connectgaps=False,
                    customdata=np.c_[part["n_parameters"]],
                    hovertemplate=(
                        f"{name}, K=%{{x}}<br>{CRITERION_NAMES[criterion]} %{{y:.2f}}"
                        "<br>p = %{customdata[0]}<extra></extra>"
                    ),
                ),
                row=row,
                col=col,
            )
            best = best_row(table, criterion, convention, mask)
            if best is not None:
                fig.add_trace(
                    go.Scatter(
                        x=[best["k"]],
                        y=[values[best.name]],
                        mode="markers",
                        name=f"best {name}",
                        legendgroup=name,
                        showlegend=False,
                        marker={
                            "symbol": "star",
                            "size": 18,
                            "color": colour,
                            "line": {"color": "black", "width": 1},
                        },
                        hovertemplate=(f"best for {name}: K=%{{x}}<br>%{{y:.2f}}<extra></extra>"),
                    ),
                    row=row,
                    col=col,
                )
        overall = best_row(table, criterion, convention)
        if overall is not None:
            ct = overall["covariance_type"]
            fig.add_trace(
                go.Scatter(
                    x=[overall["k"]],
                    y=[values[overall.name]],
                    mode="markers",
                    name="best overall",
                    legendgroup="best",
                    showlegend=i == 0,
                    marker={
                        "symbol": "circle-open",
                        "size": 30,
                        "color": "black",
                        "line": {"width": 3},
                    },
                    hoverinfo="skip",
                ),
                row=row,
                col=col,
            )
        fig.update_yaxes(title_text=axis_title(criterion, convention), row=row, col=col)
        fig.update_xaxes(title_text="K, number of components", dtick=1, row=row, col=col)
    return style(fig, height=340 * rows + 160)


# --------------------------------------------------------------------------- words and tables


@dataclass(frozen=True)
class Recommendation:
    """The suggested fit and why, in words."""

    k: int
    covariance_type: str
    criterion: str
    text: str
    close: tuple[tuple[int, str], ...] = ()


def _fit_name(k: int, ct: str) -> str:
    words = COVARIANCE_WORDS.get(ct, ct)
    return f"K={k}" + (f" with {words}" if words else "")


def recommend(
    table: pd.DataFrame,
    criterion: str = "bic",
    convention: str = "sklearn",
    margin: float = 2.0,
) -> Recommendation | None:
    """The best fit by ``criterion``, and a sentence on how clearly the data prefer it.

    Fits within ``margin`` points of the best (2 is the usual threshold for BIC differences
    worth a mention) are named as close contenders. None if every fit collapsed.
    """
    best = best_row(table, criterion, convention)
    if best is None:
        return None
    values = criterion_values(table, criterion, convention)
    up = higher_is_better(criterion, convention)
    name = CRITERION_NAMES[criterion]
    k, ct = int(best["k"]), str(best["covariance_type"])
    value = values[best.name]
    text = f"{name} is {'highest' if up else 'lowest'} at {_fit_name(k, ct)} ({value:,.1f})."
    gaps = (values - value).abs().drop(index=best.name).dropna()
    close_idx = gaps[gaps < margin].index
    close = table.loc[close_idx].sort_values(["n_parameters", "k"])
    pairs = tuple((int(r.k), str(r.covariance_type)) for r in close.itertuples())
    if len(close):
        first = close.iloc[0]
        gap = gaps[first.name]
        others = len(close) - 1
        text += (
            f" {_fit_name(int(first['k']), str(first['covariance_type']))} is only {gap:.1f} "
            f"{'lower' if up else 'higher'}"
            + (
                f" ({others} more fit{'s' if others > 1 else ''} also within {margin:g})"
                if others
                else ""
            )
            + f", within {margin:g} points, so the data do not clearly prefer one to the other."
        )
    elif len(gaps):
        second = table.loc[gaps.idxmin()]
        gap = gaps.min()
        strength = "very strong" if gap > 10 else "strong" if gap > 6 else "positive"
        text += (
            f" The runner-up, {_fit_name(int(second['k']), str(second['covariance_type']))}, "
            f"is {gap:.1f} points {'lower' if up else 'higher'}: {strength} evidence for K={k}."
        )
    others = []
    for other in available_criteria(table):
        row = best_row(table, other, convention) if other != criterion else None
        if row is not None:
            fit = _fit_name(int(row["k"]), str(row["covariance_type"]))
            label = CRITERION_NAMES[other] if other != HELDOUT else "held-out log-likelihood"
            others.append(f"{label} {'points' if not others else ''} to {fit}")
    if others:
        text += " For comparison, " + "; ".join(" ".join(o.split()) for o in others) + "."
    return Recommendation(k=k, covariance_type=ct, criterion=criterion, text=text, close=pairs)


def collapsed_notes(table: pd.DataFrame) -> list[str]:
    """One line per collapsed fit: which K and covariance type, and the engine's message."""
    failed = table[table["error"].notna()] if "error" in table else table.iloc[:0]
    return [
        f"{_fit_name(int(r.k), str(r.covariance_type))}: {r.error}" for r in failed.itertuples()
    ]


def parameter_table(table: pd.DataFrame, convention: str = "sklearn") -> pd.DataFrame:
    """The fits as a table for people: K, covariance type, p, log L, criteria (in ``convention``)."""
    out = pd.DataFrame(
        {
            "K": table["k"].astype(int),
            "covariance type": table["covariance_type"],
            "parameters p": table["n_parameters"].astype("Int64"),
            "log L (nats)": table["log_likelihood"].round(2),
        }
    )
    for c in available_criteria(table):
        label = CRITERION_NAMES[c] if c != HELDOUT else "held-out log L per row"
        out[label] = criterion_values(table, c, convention).round(3 if c == HELDOUT else 2)
    out["converged"] = table["converged"].astype(bool)
    out["note"] = table["error"].fillna("")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- fitted mixtures


def ellipse(mean: np.ndarray, cov: np.ndarray, n_sigma: float = 2.0, n: int = 73) -> np.ndarray:
    """Points ``(n, 2)`` at Mahalanobis distance ``n_sigma`` from ``mean``
    (:func:`ui.figures.style.ellipse` as one array)."""
    x, y = _ellipse(mean, cov, n_sigma, n)
    return np.column_stack([x, y])


@dataclass(frozen=True)
class PanelFit:
    """One fitted mixture seen on two features.

    Attributes
    ----------
    k : int
    labels : ndarray of shape (n_samples,)
        Hard label of each row (0-based).
    means : ndarray of shape (K, 2)
    covariances : ndarray of shape (K, 2, 2) or None
        Gaussian marginal covariances on the two features; None for Poisson/Bernoulli.
    subtitle : str
    """

    k: int
    labels: np.ndarray
    means: np.ndarray
    covariances: np.ndarray | None = None
    subtitle: str = ""


def add_component_shapes(
    fig: go.Figure,
    means: np.ndarray,
    covariances: np.ndarray | None,
    *,
    row: int | None = None,
    col: int | None = None,
    legend: bool = False,
) -> None:
    """Each component's 2-sigma ellipse (if Gaussian) and its mean as a large cross."""
    where = {"row": row, "col": col} if row is not None else {}
    for j, mean in enumerate(np.asarray(means)):
        colour = component_colour(j)
        group = f"component {j + 1}"
        if covariances is not None:
            xy = ellipse(mean, covariances[j])
            fig.add_trace(
                go.Scatter(
                    x=xy[:, 0],
                    y=xy[:, 1],
                    mode="lines",
                    line={"color": colour, "width": 3},
                    name=f"{group}: 2σ ellipse",
                    legendgroup=group,
                    showlegend=False,
                    hoverinfo="skip",
                ),
                **where,
            )
        fig.add_trace(
            go.Scatter(
                x=[mean[0]],
                y=[mean[1]],
                mode="markers",
                marker={
                    "symbol": "x",
                    "size": 20,
                    "color": colour,
                    "line": {"color": "black", "width": 2},
                },
                name=f"{group} mean",
                legendgroup=group,
                showlegend=legend and j == 0,
                hovertemplate=f"mean of {group}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            ),
            **where,
        )


def mixtures_figure(
    X2: np.ndarray,
    panels: Sequence[PanelFit],
    axis_titles: tuple[str, str],
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Fitted mixtures side by side on two features: points coloured by hard label, each
    component's 2-sigma ellipse (Gaussian) and its mean.

    Parameters
    ----------
    X2 : ndarray of shape (n_samples, 2)
        The two features shown.
    panels : sequence of PanelFit
        One panel each, left to right.
    axis_titles : (str, str)
    max_points : int
        Larger tables are thinned to this many points (the same rows in every panel).
    """
    X2 = np.asarray(X2, dtype=np.float64)
    keep = thin(X2.shape[0], max_points)
    fig = make_subplots(
        rows=1,
        cols=max(len(panels), 1),
        subplot_titles=[
            f"<b>K = {p.k}</b>" + (f" · {p.subtitle}" if p.subtitle else "") for p in panels
        ],
        horizontal_spacing=0.06,
        shared_yaxes=True,
    )
    k_max = max((p.k for p in panels), default=0)
    for i, panel in enumerate(panels):
        labels = np.asarray(panel.labels)[keep]
        for j in range(panel.k):
            hit = labels == j
            group = f"component {j + 1}"
            fig.add_trace(
                go.Scattergl(
                    x=X2[keep][hit, 0],
                    y=X2[keep][hit, 1],
                    mode="markers",
                    marker={
                        "color": component_colour(j),
                        "symbol": component_symbol(j),
                        "size": 8,
                        "opacity": 0.75,
                    },
                    name=group,
                    legendgroup=group,
                    showlegend=panel.k == k_max and i == len(panels) - 1,
                    hovertemplate=f"{group}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
                ),
                row=1,
                col=i + 1,
            )
        add_component_shapes(fig, panel.means, panel.covariances, row=1, col=i + 1)
        fig.update_xaxes(title_text=axis_titles[0], row=1, col=i + 1)
    fig.update_yaxes(title_text=axis_titles[1], row=1, col=1)
    fig = style(fig, height=540)
    fig.update_layout(legend_y=1.12, margin_t=130)
    return fig


def default_view(features: Sequence[str], preferred: Sequence[str] = ()) -> tuple[int, int]:
    """Indices of the two features to draw: ``preferred`` when both are present, else the
    first two (or the only one twice)."""
    names = list(features)
    if len(preferred) == 2 and all(p in names for p in preferred):
        return names.index(preferred[0]), names.index(preferred[1])
    return 0, min(1, len(names) - 1)


def panels_on_view(
    fits: Sequence[dict],
    view: tuple[int, int],
    table: pd.DataFrame | None = None,
    criterion: str = "bic",
    convention: str = "sklearn",
    covariance_type: str = "full",
) -> list[PanelFit]:
    """Fitted mixtures (dicts of ``k``, ``labels``, ``means`` (K, D), ``covariances`` (K, D, D)
    or None, ``error``) seen on two features; collapsed fits are left out.

    With ``table``, each panel's subtitle gives its ``criterion`` value from that table.
    """
    idx = list(view)
    panels = []
    for fit in fits:
        if fit.get("error"):
            continue
        covs = fit["covariances"]
        if covs is not None:
            covs = np.asarray(covs)[:, idx][:, :, idx]
        subtitle = ""
        if table is not None and criterion in table:
            hit = table[(table["k"] == fit["k"]) & (table["covariance_type"] == covariance_type)]
            values = criterion_values(hit, criterion, convention).dropna()
            if len(values):
                subtitle = f"{CRITERION_NAMES[criterion]} {values.iloc[0]:,.1f}"
        panels.append(
            PanelFit(
                k=int(fit["k"]),
                labels=np.asarray(fit["labels"]),
                means=np.asarray(fit["means"])[:, idx],
                covariances=covs,
                subtitle=subtitle,
            )
        )
    return panels
