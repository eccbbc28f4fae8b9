"""The look every figure shares: component colours and projector-sized type.

One place, so that component j has the same colour on every page and a change of font size
reaches every chart.
"""

from __future__ import annotations

from collections.abc import Sequence

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
