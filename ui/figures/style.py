"""The look every figure shares: component colours and projector-sized type.

One place, so that component j has the same colour on every page and a change of font size
reaches every chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Component colours: Okabe & Ito's colour-blind-safe palette, strongest on white first (yellow
#: late), then grey and brown for K above eight.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
    "#999999",  # grey
    "#8C510A",  # brown
)
#: Base and title font sizes in px: readable from the back of a classroom.
FONT_SIZE = 18
TITLE_SIZE = 22


def play_controls(
    names: Sequence[str],
    *,
    ticks: Sequence[str] | None = None,
    frame_ms: int = 700,
    transition_ms: int = 0,
    buttons: tuple[float, float] = (0.0, -0.13),
    buttons_pad: int = 10,
    slider: tuple[float, float, float] = (0.0, 1.0, -0.22),
    slider_pad: int = 0,
    current_prefix: str | None = None,
) -> dict:
    """``updatemenus`` and ``sliders`` for an animation whose frames are named ``names``.

    Parameters
    ----------
    names : sequence of str
        Frame names, in order; the slider has one step per frame.
    ticks : sequence of str, optional
        Slider tick labels (the frame names when None).
    frame_ms, transition_ms : int
        How long each frame shows while playing, and the tween between frames.
    buttons : (x, y)
        Where the Play / Pause buttons sit, in paper coordinates.
    slider : (x, len, y)
        Where the slider starts, how wide it is and its height, in paper coordinates.
    current_prefix : str, optional
        Show the current frame's name after this prefix above the slider.

    Returns
    -------
    dict
        ``{"updatemenus": [...], "sliders": [...]}`` for ``fig.update_layout(**...)``.
    """
    anim = {
        "frame": {"duration": frame_ms, "redraw": True},
        "transition": {"duration": transition_ms, "easing": "cubic-in-out"},
        "fromcurrent": True,
        "mode": "immediate",
    }
    still = {
        "frame": {"duration": 0, "redraw": True},
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    current = (
        {"visible": False}
        if current_prefix is None
        else {
            "prefix": current_prefix,
            "font": {"size": FONT_SIZE},
            "visible": True,
            "xanchor": "left",
        }
    )
    x, length, y = slider
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": buttons[0],
                "y": buttons[1],
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"r": 10, "t": buttons_pad},
                "showactive": False,
                "font": {"size": FONT_SIZE},
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, anim]},
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], still]},
                ],
            }
        ],
        "sliders": [
            {
                "active": 0,
                "x": x,
                "len": length,
                "y": y,
                "yanchor": "top",
                "pad": {"t": slider_pad, "b": 0},
                "currentvalue": current,
                "font": {"size": FONT_SIZE - 4},
                "transition": {"duration": 0},
                "steps": [
                    {"label": tick, "method": "animate", "args": [[name], still]}
                    for name, tick in zip(names, ticks or names, strict=True)
                ],
            }
        ],
    }


def component_color(k: int) -> str:
    """The colour of component ``k`` (from 0), the same on every chart of the app."""
    return PALETTE[k % len(PALETTE)]


#: Axis lines, grid and tick type of the app's line and bar charts.
AXIS_STYLE: dict = {
    "showline": True,
    "linecolor": "#444",
    "gridcolor": "#e5e5e5",
    "zeroline": False,
    "tickfont": {"size": FONT_SIZE - 2, "color": "#222"},
    "title_font": {"size": FONT_SIZE, "color": "#222"},
}


def base_layout(fig, *, height: int, title: str | None = None, margin: dict | None = None):
    """Projector-sized type, a white plot, a left-aligned title and framed axes; returns ``fig``.

    ``margin`` overrides the default margins (``l`` 90, ``r`` 20, ``t`` 80 with a title or 30
    without, ``b`` 70).
    """
    fig.update_layout(
        height=height,
        font={"size": FONT_SIZE},
        title={"text": title, "font": {"size": TITLE_SIZE}, "x": 0.0, "xanchor": "left"}
        if title
        else None,
        margin={"l": 90, "r": 20, "t": 80 if title else 30, "b": 70, **(margin or {})},
        plot_bgcolor="white",
        hoverlabel={"font": {"size": FONT_SIZE - 2}},
        legend={"font": {"size": FONT_SIZE - 2}},
    )
    fig.update_xaxes(**AXIS_STYLE)
    fig.update_yaxes(**AXIS_STYLE)
    return fig


def legend_above(fig, *, top_px: float, height: int, **legend):
    """A horizontal legend placed ``top_px`` pixels below the figure's top edge, left-aligned
    above the plot (so it never covers a curve or a tick), on the app's white template;
    ``legend`` adds or overrides legend keys. Returns ``fig``."""
    fig.update_layout(
        template="plotly_white",
        font={"color": "#222"},
        legend={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 1 - top_px / height,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": FONT_SIZE - 1},
            **legend,
        },
    )
    return fig


# ---- EM page helpers (layout, component colours, ellipses), shared by every figure module


def component_colors(k: int) -> list[str]:
    """The first ``k`` palette colours (the palette repeats beyond its length)."""
    return [PALETTE[i % len(PALETTE)] for i in range(k)]


def full_covariances(cov, covariance_type: str, k: int, d: int) -> np.ndarray:
    """Any Gaussian covariance layout as full matrices, shape (..., K, D, D).

    Leading axes (e.g. the steps of a stacked history) are kept: full (..., K, D, D), tied
    (..., D, D), diag (..., K, D) or spherical (..., K).
    """
    cov = np.asarray(cov, dtype=np.float64)
    eye = np.eye(d)
    if covariance_type == "full":
        return cov.reshape(cov.shape[:-3] + (k, d, d))
    if covariance_type == "tied":
        lead = cov.shape[:-2]
        return np.broadcast_to(cov[..., None, :, :], lead + (k, d, d)).copy()
    if covariance_type == "diag":
        return cov[..., :, None] * eye
    if covariance_type == "spherical":
        return cov[..., None, None] * eye
    raise ValueError(f"Unknown covariance type {covariance_type!r}.")


def ellipse(mean, cov, radius: float, n: int = 49) -> tuple[np.ndarray, np.ndarray]:
    """Points ``mean + radius * A u`` on the curve of Mahalanobis distance ``radius``.

    ``A A^T = cov`` (the first two dimensions); the curve is where a Gaussian with this mean
    and covariance has density ``exp(-radius^2 / 2)`` times its peak. Returns x and y of
    shape (n,), closed.
    """
    values, vectors = np.linalg.eigh(np.asarray(cov, dtype=np.float64)[:2, :2])
    a = vectors * np.sqrt(np.clip(values, 0.0, None))
    theta = np.linspace(0.0, 2.0 * np.pi, n)
    pts = np.asarray(mean, dtype=np.float64)[:2, None] + radius * (
        a @ np.vstack([np.cos(theta), np.sin(theta)])
    )
    return pts[0], pts[1]


def rgba(hex_color: str, alpha: float) -> str:
    """``"#0072B2"``, 0.2 -> ``"rgba(0,114,178,0.2)"``: a palette colour, see-through (bands)."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


@dataclass(frozen=True)
class StepTrace:
    """What every recorded EM run's figures share: one entry per history record, in the order
    E, M, E, M, ...; the page's own trace types add their parameters after these fields.

    Attributes
    ----------
    iteration : ndarray of shape (S,)
        EM iteration of each record, from 1.
    phase : tuple of str, length S
        ``"E"`` or ``"M"``.
    weights : ndarray of shape (S, K)
        Mixing weights held by each record.
    """

    iteration: np.ndarray
    phase: tuple[str, ...]
    weights: np.ndarray

    @property
    def n_steps(self) -> int:
        return len(self.phase)

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[1])

    def label(self, s: int) -> str:
        """``"Iteration t, E-step"`` for record ``s``."""
        return f"Iteration {int(self.iteration[s])}, {self.phase[s]}-step"

    def short_label(self, s: int) -> str:
        """``"3E"`` for record ``s``: an animation slider's tick label and the frame's name."""
        return f"{int(self.iteration[s])}{self.phase[s]}"
