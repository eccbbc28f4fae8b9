"""The look every figure shares: component colours and projector-sized type.

One place, so that component j has the same colour on every page and a change of font size
reaches every chart.
"""

from __future__ import annotations

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
