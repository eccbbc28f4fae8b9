"""The engine's exceptions, in one leaf module that imports nothing of ours.

Each error is a :class:`ValueError` (the warning a :class:`UserWarning`) whose message is written for a person: what is wrong and what to
do about it. The modules that raise them re-export them under their old names
(``engine.data.DataError``, ``engine.io.ModelFileError``, ``engine.vae.ModelFileError``,
``engine.mixtures.DegenerateFitError``, ...), and every one of those names is the class defined
here, so ``isinstance`` and ``except`` work whichever name a caller uses.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DataError", "DegeneracyWarning", "DegenerateFitError", "ModelFileError"]


class DataError(ValueError):
    """A file or array cannot be used; the message says why and what to do."""


class ModelFileError(ValueError):
    """A model file cannot be used; the message says why and what to do."""


class _Degenerate:
    """Where a component degenerated and what to try: shared by the error and the warning.

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


class DegenerateFitError(_Degenerate, ValueError):
    """A fit failed: a component's covariance is not positive definite (or the likelihood is
    not finite), where scikit-learn's fit fails too. Attributes as in :class:`_Degenerate`."""


class DegeneracyWarning(_Degenerate, UserWarning):
    """A fitted component degenerated (emptied, or shrank onto too few or collinear rows).

    The fit itself went on, as scikit-learn's does: the component is held up only by
    ``reg_covar`` (or is empty). The message names the component, the iteration and the fixes
    to try; the fitted model lists such components in ``degenerate_components_``. Turn it into
    an error with ``warnings.simplefilter("error", DegeneracyWarning)``. Attributes as in
    :class:`_Degenerate`.
    """
