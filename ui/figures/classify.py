"""Figures and tables for classifying new rows with a fitted mixture.

Pure: arrays and DataFrames in, a ``go.Figure`` or a DataFrame out; no Streamlit, no fitting.
Component ``j`` has the same colour here as in every other figure of the app
(:func:`ui.figures.selection.component_colour`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui.figures.selection import (
    MAX_POINTS,
    TICK_SIZE,
    add_component_shapes,
    component_colour,
    component_symbol,
    full_covariances,
    style,
    thin,
)

#: Rows drawn in the probability chart; the table and the download hold all of them.
MAX_ROWS_SHOWN = 30


def component_name(j: int) -> str:
    """People count from 1: component 0 is "component 1"."""
    return f"component {j + 1}"


def results_table(
    rows: pd.DataFrame,
    proba: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> pd.DataFrame:
    """The new rows with their posterior probabilities, hard label and uncertainty.

    Parameters
    ----------
    rows : DataFrame of shape (n_new, n_columns)
        The rows as uploaded or typed (every column is kept).
    proba : ndarray of shape (n_new, K)
    lower, upper : ndarray of shape (n_new, K), optional
        Bootstrap interval of each probability.

    Returns
    -------
    DataFrame
        ``row`` (1-based), the input columns, ``P(component j)`` for each j,
        ``most likely component`` (1-based), ``uncertainty`` (1 - largest probability), and
        with an interval ``P(component j) low`` / ``high``.
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape[0] != len(rows):
        raise ValueError(
            f"proba should have shape ({len(rows)}, K), one row per new row; got {proba.shape}."
        )
    out = rows.reset_index(drop=True).copy()
    out.insert(0, "row", np.arange(1, len(rows) + 1))
    K = proba.shape[1]
    for j in range(K):
        out[f"P({component_name(j)})"] = proba[:, j]
    out["most likely component"] = proba.argmax(axis=1) + 1
    out["uncertainty"] = 1.0 - proba.max(axis=1)
    if lower is not None and upper is not None:
        for j in range(K):
            out[f"P({component_name(j)}) low"] = np.asarray(lower)[:, j]
            out[f"P({component_name(j)}) high"] = np.asarray(upper)[:, j]
    return out


def posterior_figure(
    proba: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    row_names: Sequence[str] | None = None,
    level: float | None = None,
    max_rows: int = MAX_ROWS_SHOWN,
) -> go.Figure:
    """Posterior probability of every component for each new row: one dot per component,
    with the bootstrap interval as a horizontal bar when given.

    Parameters
    ----------
    proba : ndarray of shape (n_new, K)
    lower, upper : ndarray of shape (n_new, K), optional
    row_names : sequence of str, optional
        Defaults to "row 1", "row 2", ...
    level : float, optional
        Coverage of the interval, for the legend.
    max_rows : int
        Only the first ``max_rows`` rows are drawn.
    """
    proba = np.asarray(proba, dtype=np.float64)[:max_rows]
    n, K = proba.shape
    names = list(row_names)[:n] if row_names is not None else [f"row {i + 1}" for i in range(n)]
    has_interval = lower is not None and upper is not None
    fig = go.Figure()
    for j in range(K):
        colour = component_colour(j)
        error_x = None
        if has_interval:
            lo = np.asarray(lower, dtype=np.float64)[:n, j]
            hi = np.asarray(upper, dtype=np.float64)[:n, j]
            error_x = {
                "type": "data",
                "symmetric": False,
                "array": np.clip(hi - proba[:, j], 0, None),
                "arrayminus": np.clip(proba[:, j] - lo, 0, None),
                "color": colour,
                "thickness": 3,
                "width": 6,
            }
        fig.add_trace(
            go.Scatter(
                x=proba[:, j],
                y=names,
                mode="markers",
                name=component_name(j),
                marker={
                    "color": colour,
                    "symbol": component_symbol(j),
                    "size": 16,
                    "line": {"color": "white", "width": 1},
                },
                error_x=error_x,
                hovertemplate=f"%{{y}}<br>P({component_name(j)}) = %{{x:.3f}}<extra></extra>",
            )
        )
    fig.add_vline(x=0.5, line={"color": "#888888", "dash": "dot", "width": 2})
    title = "posterior probability P(component | row)"
    if has_interval and level is not None:
        title += f", bar = {level:.0%} bootstrap interval"
    fig.update_xaxes(title_text=title, range=[-0.03, 1.03], dtick=0.1)
    fig.update_yaxes(autorange="reversed", title_text="", type="category")
    return style(fig, height=max(320, 170 + 42 * n))


def new_rows_figure(
    X_new2: np.ndarray,
    new_labels: np.ndarray,
    means2: np.ndarray,
    covariances2: np.ndarray | None,
    axis_titles: tuple[str, str],
    X_train2: np.ndarray | None = None,
    train_labels: np.ndarray | None = None,
    max_points: int = MAX_POINTS,
) -> go.Figure:
    """Where the new rows fall among the components, on two features.

    Parameters
    ----------
    X_new2 : ndarray of shape (n_new, 2)
    new_labels : ndarray of shape (n_new,)
        Hard label (0-based) of each new row.
    means2 : ndarray of shape (K, 2)
    covariances2 : ndarray of shape (K, 2, 2) or None
        Gaussian marginal covariances (2-sigma ellipses); None for other families.
    axis_titles : (str, str)
    X_train2, train_labels : optional
        Training rows drawn faintly behind, coloured by their own hard label.
    max_points : int
        Largest number of training or new rows drawn.
    """
    fig = go.Figure()
    if X_train2 is not None and train_labels is not None:
        keep = thin(len(X_train2), max_points)
        X_train2 = np.asarray(X_train2)[keep]
        train_labels = np.asarray(train_labels)[keep]
        for j in range(len(means2)):
            hit = train_labels == j
            fig.add_trace(
                go.Scattergl(
                    x=X_train2[hit, 0],
                    y=X_train2[hit, 1],
                    mode="markers",
                    marker={"color": component_colour(j), "size": 7, "opacity": 0.3},
                    name=f"training rows, {component_name(j)}",
                    legendgroup=component_name(j),
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    add_component_shapes(fig, means2, covariances2)
    keep = thin(len(X_new2), max_points)
    X_new2 = np.asarray(X_new2, dtype=np.float64)[keep]
    new_labels = np.asarray(new_labels)[keep]
    for j in range(len(means2)):
        hit = new_labels == j
        if not hit.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=X_new2[hit, 0],
                y=X_new2[hit, 1],
                mode="markers+text" if len(X_new2) <= 40 else "markers",
                marker={
                    "color": component_colour(j),
                    "symbol": "star",
                    "size": 22,
                    "line": {"color": "black", "width": 1.5},
                },
                text=[str(i + 1) for i in keep[hit]],
                textposition="top right",
                textfont={"size": TICK_SIZE},
                name=f"new rows → {component_name(j)}",
                legendgroup=component_name(j),
                hovertemplate="new row %{text}<br>(%{x:.3g}, %{y:.3g})<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=axis_titles[0])
    fig.update_yaxes(title_text=axis_titles[1])
    return style(fig, height=560)


def probability_columns(K: int) -> list[str]:
    """Names of the probability columns of :func:`results_table`."""
    return [f"P({component_name(j)})" for j in range(K)]


def display_table(results: pd.DataFrame, K: int, with_interval: bool = False) -> pd.DataFrame:
    """:func:`results_table` for the screen: each interval as one text column ("0.51–0.70")
    after its probability, instead of separate low and high columns."""
    out = results.copy()
    if with_interval:
        for name in probability_columns(K):
            low, high = out.pop(f"{name} low"), out.pop(f"{name} high")
            text = [
                "–" if np.isnan(a) or np.isnan(b) else f"{a:.2f}–{b:.2f}"
                for a, b in zip(low, high, strict=True)
            ]
            out.insert(out.columns.get_loc(name) + 1, f"{name} interval", text)
    return out


def components_table(
    weights: np.ndarray, means: np.ndarray, feature_names: Sequence[str]
) -> pd.DataFrame:
    """One row per component: its name, weight (3 decimals) and mean on every feature."""
    summary = pd.DataFrame(np.asarray(means, dtype=np.float64), columns=list(feature_names))
    summary.insert(0, "weight", np.round(np.asarray(weights, dtype=np.float64), 3))
    summary.insert(0, "component", [component_name(j) for j in range(len(summary))])
    return summary


def shapes_on_view(
    means: np.ndarray,
    covariances: np.ndarray | None,
    covariance_type: str | None,
    view: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Means ``(K, 2)`` and Gaussian marginal covariances ``(K, 2, 2)`` (None without
    covariances) on the two features ``view``, from a model's own layout."""
    idx = list(view)
    means = np.asarray(means, dtype=np.float64)
    if covariances is None or covariance_type is None:
        return means[:, idx], None
    K, D = means.shape
    full = full_covariances(covariances, covariance_type, K, D)
    return means[:, idx], full[:, idx][:, :, idx]
