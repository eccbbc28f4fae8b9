"""A fit's recorded history as stacked arrays, and the responsibilities at any step of it.

``model.history_`` is a list of :class:`~engine.mixtures.base.StepRecord`, one after every
E-step and one after every M-step. Figures and animations want the same numbers as arrays with
the step first: ``weights`` of shape (T, K), ``means`` of shape (T, K, D) and so on. A
:class:`History` holds them, read-only, and says what each step is.

Record ``s`` holds the parameters in force after it: for an E record, those the E-step used
(an E-step changes only the responsibilities); for an M record, those the M-step produced.
Either way, :func:`responsibilities_at` gives the posteriors ``p(k | x_n)`` under record ``s``'s
weights and parameters: for an E record the responsibilities that E-step computed, for an M
record those the next E-step computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .registry import family_name

if TYPE_CHECKING:
    from .base import BaseMixture, StepRecord

__all__ = ["History", "responsibilities_at"]


def _frozen(a) -> np.ndarray:
    out = np.array(a)  # a copy: the records stay the fit's own
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class History:
    """The fit history as arrays with the step first; ``T`` records, ``K`` components.

    Attributes
    ----------
    iteration : ndarray of shape (T,), int
        EM iteration of each record, from 1; an E record and the M record after it share one.
    phase : tuple of str, length T
        ``"E"`` or ``"M"``.
    weights : ndarray of shape (T, K)
        Mixing weights in force after each record.
    params : dict of str to ndarray
        Each family parameter stacked over records, in the model's own layout with ``T`` in
        front: ``"means"`` (T, K, D) for every family; for a Gaussian also ``"covariances"``
        and ``"precisions_cholesky"``, (T, K, D, D) full, (T, D, D) tied, (T, K, D) diag or
        (T, K) spherical.
    log_likelihood : ndarray of shape (T,)
        Total ``sum_n log p(x_n)`` under each record's weights and parameters (nats).
    elbo : ndarray of shape (T,)
        The lower bound with the responsibilities of the latest E-step.
    kl : ndarray of shape (T,)
        ``log_likelihood - elbo``: 0 after an E-step, what the next E-step closes after an M-step.
    log_prior : ndarray of shape (T,)
        Log-density of the family's smoothing prior (0 when it has none).
    effective_counts : ndarray of shape (T, K)
        ``N_k = sum_n r_nk`` of the latest E-step: for an E record its own, for an M record the
        counts that M-step used. NaN for records made before the counts were kept.
    resp : tuple of (ndarray of shape (n_rows, K), float32, or None), length T
        The responsibilities an E record kept (None for M records, and for every record when
        they would have been too many to keep; see ``history_resp_cells``).
    n_rows : int
        Rows the model was fitted on.
    family : str
        Registry name of the family: ``"gaussian"``, ``"poisson"`` or ``"bernoulli"``.
    covariance_type : str or None
        The Gaussian's covariance type; None for other families.
    """

    iteration: np.ndarray
    phase: tuple[str, ...]
    weights: np.ndarray
    params: dict[str, np.ndarray]
    log_likelihood: np.ndarray
    elbo: np.ndarray
    kl: np.ndarray
    log_prior: np.ndarray
    effective_counts: np.ndarray
    resp: tuple[np.ndarray | None, ...]
    n_rows: int
    family: str
    covariance_type: str | None = None

    # -- building ---------------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: list[StepRecord],
        *,
        n_rows: int,
        family: str,
        covariance_type: str | None = None,
    ) -> History:
        """Stack a list of :class:`~engine.mixtures.base.StepRecord`.

        Parameters
        ----------
        records : list of StepRecord, length T >= 1
        n_rows : int
        family : str
        covariance_type : str or None
        """
        if not records:
            raise ValueError(
                "The history is empty: the fit recorded no step (was max_iter 0?). "
                "Fit with max_iter of at least 1."
            )
        names = [n for n in records[0].params if all(n in r.params for r in records)]
        K = records[0].weights.shape[0]
        counts = np.full((len(records), K), np.nan)
        latest = None
        for s, r in enumerate(records):
            if r.phase == "E":
                latest = r.nk
            if latest is not None:
                counts[s] = latest
        loglik = np.array([r.log_likelihood for r in records], dtype=np.float64)
        elbo = np.array([r.elbo for r in records], dtype=np.float64)
        return cls(
            iteration=_frozen([r.iteration for r in records]).astype(np.int64),
            phase=tuple(r.phase for r in records),
            weights=_frozen([r.weights for r in records]),
            params={n: _frozen([r.params[n] for r in records]) for n in names},
            log_likelihood=_frozen(loglik),
            elbo=_frozen(elbo),
            kl=_frozen(loglik - elbo),
            log_prior=_frozen([r.log_prior for r in records]),
            effective_counts=_frozen(counts),
            resp=tuple(r.resp for r in records),
            n_rows=int(n_rows),
            family=family,
            covariance_type=covariance_type,
        )

    @classmethod
    def from_model(cls, model: BaseMixture) -> History:
        """The history of a mixture fitted with ``record_history=True``."""
        records = getattr(model, "history_", None)
        if records is None:
            raise ValueError(
                f"This {type(model).__name__} has no recorded history: fit it with "
                "record_history=True."
            )
        return cls.from_records(
            records,
            n_rows=model.n_samples_fit_,
            family=family_name(model),
            covariance_type=getattr(model, "covariance_type", None),
        )

    # -- reading ----------------------------------------------------------------------

    @property
    def n_steps(self) -> int:
        """``T``, the number of records."""
        return len(self.phase)

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[1])

    @property
    def e_steps(self) -> np.ndarray:
        """Indices of the E records, shape (n_iter,)."""
        return np.flatnonzero(np.asarray(self.phase) == "E")

    @property
    def m_steps(self) -> np.ndarray:
        """Indices of the M records, shape (n_iter,)."""
        return np.flatnonzero(np.asarray(self.phase) == "M")

    def step_of(self, iteration: int, phase: str) -> int:
        """The index of the record of an iteration and phase (``"E"`` or ``"M"``)."""
        hits = np.flatnonzero((self.iteration == iteration) & (np.asarray(self.phase) == phase))
        if hits.size == 0:
            raise IndexError(f"No {phase}-step of iteration {iteration} in this history.")
        return int(hits[0])

    def label(self, s: int) -> str:
        """A label for record ``s``, e.g. ``"Iteration 3, E-step"``."""
        s = self._index(s)
        return f"Iteration {int(self.iteration[s])}, {self.phase[s]}-step"

    @property
    def labels(self) -> tuple[str, ...]:
        """:meth:`label` of every record, length T."""
        return tuple(self.label(s) for s in range(self.n_steps))

    def params_at(self, s: int) -> dict[str, np.ndarray]:
        """Record ``s``'s parameters, unstacked: ``{"means": (K, D), ...}`` (read-only views)."""
        s = self._index(s)
        return {name: values[s] for name, values in self.params.items()}

    def _index(self, s: int) -> int:
        T = self.n_steps
        if not -T <= int(s) < T:
            raise IndexError(f"Step {s} is outside this history of {T} records (0 to {T - 1}).")
        return int(s) % T


def responsibilities_at(
    model: BaseMixture,
    history: History | None,
    X,
    step: int,
    *,
    recorded: bool = False,
) -> np.ndarray:
    """The responsibilities ``p(k | x_n)`` at record ``step`` of a fit's history.

    For an E record, the responsibilities that E-step gave; for an M record, those under the
    parameters that M-step made, which is what the next E-step gives. They are computed in log
    space by the same code as the EM driver's E-step (the family's linear form and a
    log-sum-exp over components), for every family and covariance type; on the training rows
    they are the driver's numbers.

    Parameters
    ----------
    model : BaseMixture
        The fitted mixture the history belongs to (it supplies the family: covariance type,
        ``reg_covar``, ``alpha``).
    history : History or None
        None for ``model.history_arrays_``.
    X : array-like of shape (n_samples, n_features)
        Rows to score: the training rows, or any others (e.g. a grid for a figure).
    step : int
        Record index, from 0 (negative counts from the end).
    recorded : bool, default=False
        For an E record that kept its responsibilities, return those (float32 values as
        float64) instead of computing them. Only for the training rows, in their order.

    Returns
    -------
    resp : ndarray of shape (n_samples, K)
        Each row sums to 1.
    """
    if history is None:
        history = model.history_arrays_
    s = history._index(step)
    stored = history.resp[s]
    if recorded and history.phase[s] == "E" and stored is not None:
        n = np.shape(X)[0]
        if n != stored.shape[0]:
            raise ValueError(
                f"The recorded responsibilities are for the {stored.shape[0]} training rows; "
                f"got {n} rows. Pass the training rows, or recorded=False."
            )
        return stored.astype(np.float64)
    X = np.asarray(model._validate_X(X, reset=False), dtype=np.float64)
    fam = model._family()
    fam.prepare(X)
    params = fam.complete_params(dict(history.params_at(s)))
    _, _, _, resp, _ = model._pass(
        fam,
        np.asarray(X, dtype=np.float64),
        np.asarray(history.weights[s]),
        params,
        want_stats=False,
        want_resp=True,
        centers=fam.shifts(params),
    )
    return resp
