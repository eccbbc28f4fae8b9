"""The engine's exceptions, in one leaf module that imports nothing of ours.

Each is a :class:`ValueError` whose message is written for a person: what is wrong and what to
do about it. The modules that raise them re-export them under their old names
(``engine.data.DataError``, ``engine.io.ModelFileError``, ``engine.vae.ModelFileError``,
``engine.mixtures.DegenerateFitError``, ...), and every one of those names is the class defined
here, so ``isinstance`` and ``except`` work whichever name a caller uses.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DataError", "DegenerateFitError", "ModelFileError"]


class DataError(ValueError):
    """A file or array cannot be used; the message says why and what to do."""


class ModelFileError(ValueError):
    """A model file cannot be used; the message says why and what to do."""


class DegenerateFitError(ValueError):
    """A fit collapsed: a component lost its points or shrank onto a point or a line.

    Attributes
    ----------
    component : int
        Index (from 0) of the first component found degenerate.
    iteration : int
        EM iteration at which it happened (0 for a problem found before the first step).
    advice : list of str
        Fixes to try, in the order worth trying.
    """

    def __init__(
        self, message: str, component: int = -1, iteration: int = 0, advice: Iterable[str] = ()
    ):
        super().__init__(message)
        self.component = component
        self.iteration = iteration
        self.advice = list(advice)
