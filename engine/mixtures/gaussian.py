"""Gaussian mixtures with full, tied, diagonal or spherical covariances.

Same parameter names and meanings as :class:`sklearn.mixture.GaussianMixture`, so a fit can be
compared with scikit-learn's run for run; the EM loop itself lives in :mod:`.base`.
"""

from __future__ import annotations

from functools import lru_cache
from numbers import Real

import numpy as np
from scipy import linalg
from sklearn.utils._param_validation import Interval, StrOptions

from engine.errors import DegenerateFitError

from .base import NK_EPS, BaseMixture, Family, m_step

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
LOG_2PI = float(np.log(2 * np.pi))

#: A covariance without ``reg_covar`` whose smallest eigenvalue is below this share of its
#: largest is singular: its rows are identical or lie on a line or plane. Measured against
#: the component's own spread, never the whole data's, so tight far-apart clusters are sound.
COLLAPSE_SINGULAR = 1e-10
#: Squared Mahalanobis distance from the shared centre to a component's mean beyond which its
#: moments are gathered about its own previous mean (the shared-centre moments would lose
#: about ``eps`` times this, relative, to cancellation).
SHIFT_MAHALANOBIS = 1e4


# --------------------------------------------------------------------------------------
# Pure functions on arrays
# --------------------------------------------------------------------------------------


def precision_cholesky(covariances: np.ndarray, covariance_type: str) -> np.ndarray:
    """Cholesky factors of the precisions, as scikit-learn stores them.

    Parameters
    ----------
    covariances : ndarray
        (K, D, D) full, (D, D) tied, (K, D) diag or (K,) spherical.
    covariance_type : str

    Returns
    -------
    ndarray of the same shape: ``L`` with ``precision = L L^T`` (full/tied, upper-triangular),
    or ``1 / sqrt(variance)`` (diag/spherical).

    Raises
    ------
    DegenerateFitError
        When a covariance is not positive definite; names the component.
    """
    if covariance_type in ("full", "tied"):
        covs = covariances if covariance_type == "full" else covariances[np.newaxis]
        try:
            chol = np.linalg.cholesky(covs)  # batched; lower-triangular
        except np.linalg.LinAlgError:
            for k, cov in enumerate(covs):  # find the culprit to name it
                try:
                    np.linalg.cholesky(cov)
                except np.linalg.LinAlgError:
                    raise _not_pd(k if covariance_type == "full" else -1) from None
            raise
        # L^{-T}: upper-triangular U with U U^T = Sigma^{-1}. A batched inverse beats a
        # triangular solve per component for these small matrices.
        out = np.linalg.inv(chol).transpose(0, 2, 1)
        return out if covariance_type == "full" else out[0]
    if np.any(covariances <= 0.0):
        per_component = np.reshape(covariances, (covariances.shape[0], -1)).min(axis=1)
        raise _not_pd(int(np.flatnonzero(per_component <= 0)[0]))
    return 1.0 / np.sqrt(covariances)


def _not_pd(k: int) -> DegenerateFitError:
    which = "The shared covariance" if k < 0 else f"The covariance of component {k + 1}"
    advice = [
        "raise reg_covar (e.g. to 1e-3 on standardised data)",
        "use fewer components",
        "use covariance_type='diag' or 'spherical'",
        "standardise the features",
    ]
    return DegenerateFitError(
        f"{which} is not positive definite: the component collapsed onto a point or a "
        "line (identical or collinear rows). To fix it: " + "; ".join(advice) + ". "
        # scikit-learn's own words, so code that matches on them keeps working
        "(Fitting the mixture model failed because some components have ill-defined "
        "empirical covariance (for instance caused by singleton or collapsed samples). Try "
        "to decrease the number of components, increase reg_covar, or scale the input data.)",
        component=max(k, 0),
        advice=advice,
    )


def precision_cholesky_from_precisions(precisions: np.ndarray, covariance_type: str) -> np.ndarray:
    """Precision factors from precision matrices (for ``precisions_init``)."""
    if covariance_type == "full":
        return np.array([_upper_factor(p) for p in precisions])
    if covariance_type == "tied":
        return _upper_factor(precisions)
    return np.sqrt(precisions)


def _upper_factor(precision: np.ndarray) -> np.ndarray:
    # An upper-triangular U with U U^T = P (the layout scikit-learn uses).
    flipped = linalg.cholesky(precision[::-1, ::-1], lower=True)
    return flipped[::-1, ::-1]


def covariances_from_precision_cholesky(prec_chol: np.ndarray, covariance_type: str) -> np.ndarray:
    """Invert :func:`precision_cholesky`."""
    if covariance_type == "full":
        return np.array([_cov_from_factor(u) for u in prec_chol])
    if covariance_type == "tied":
        return _cov_from_factor(prec_chol)
    return 1.0 / prec_chol**2


def _cov_from_factor(u: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(u)  # U^{-1}
    return inv.T @ inv  # (U U^T)^{-1} = U^{-T} U^{-1}


def log_gaussian_prob(
    X: np.ndarray, means: np.ndarray, prec_chol: np.ndarray, covariance_type: str
) -> np.ndarray:
    """Log-density of every row under every component.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    means : ndarray of shape (n_components, n_features)
    prec_chol : ndarray
        See :func:`precision_cholesky`.
    covariance_type : str

    Returns
    -------
    ndarray of shape (n_samples, n_components)
        ``log N(x_n | mu_k, Sigma_k)``.
    """
    n, D = X.shape
    K = means.shape[0]
    out = np.empty((n, K))
    if covariance_type in ("full", "tied"):
        factors = prec_chol if covariance_type == "full" else np.broadcast_to(prec_chol, (K, D, D))
        for k in range(K):
            u = factors[k]
            y = (X - means[k]) @ u
            out[:, k] = np.einsum("ij,ij->i", y, y)
            out[:, k] -= 2.0 * np.log(np.diagonal(u)).sum()
    else:
        scale = prec_chol if covariance_type == "diag" else np.repeat(prec_chol[:, None], D, 1)
        for k in range(K):
            y = (X - means[k]) * scale[k]
            out[:, k] = np.einsum("ij,ij->i", y, y)
            out[:, k] -= 2.0 * np.log(scale[k]).sum()
    out += D * LOG_2PI
    out *= -0.5
    return out


def gaussian_m_step(
    X: np.ndarray, resp: np.ndarray, reg_covar: float, covariance_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The M-step for a Gaussian mixture, as a pure function.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    reg_covar : float
    covariance_type : str

    Returns
    -------
    nk : ndarray of shape (n_components,)
        Effective counts ``sum_n r_nk``.
    means : ndarray of shape (n_components, n_features)
        ``sum_n r_nk x_n / N_k``.
    covariances : ndarray
        Posterior-weighted scatter about the new means over ``N_k``, plus ``reg_covar`` on the
        diagonal; shape as :func:`precision_cholesky` describes.
    """
    nk, params = m_step(GaussianFamily(covariance_type, reg_covar), X, resp)
    return nk, params["means"], params["covariances"]


@lru_cache(maxsize=64)
def _triu(D: int) -> tuple[np.ndarray, np.ndarray]:
    iu, ju = np.triu_indices(D)
    iu.flags.writeable = False
    ju.flags.writeable = False
    return iu, ju


# --------------------------------------------------------------------------------------
# The family
# --------------------------------------------------------------------------------------


class GaussianFamily(Family):
    """Gaussian components on centred quadratic features.

    For a block of rows ``x`` (centred by the training mean ``c``) the features are the
    distinct products ``x_i x_j`` (full, tied), the squares ``x_i^2`` (diag) or ``|x|^2``
    (spherical), followed by ``x`` itself. The Mahalanobis term of every component is then
    linear in them, so the E-step is one matrix product and ``resp^T F`` holds every
    component's first and second moments for the M-step.
    """

    param_names = ("means", "covariances", "precisions_cholesky")
    shiftable = True

    def __init__(self, covariance_type: str = "full", reg_covar: float = 1e-6):
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.center: np.ndarray | None = None

    # -- features ----------------------------------------------------------------------

    def prepare(self, X):
        self.center = X.mean(axis=0)

    @staticmethod
    def _pairs(D: int) -> tuple[np.ndarray, np.ndarray]:
        return _triu(D)

    def features(self, X, center: np.ndarray | None = None):
        """Features of rows ``X`` (n, D) about ``center`` (D,) (default: the shared centre)."""
        if center is None:
            center = self.center
        XT = (X - center).T if center is not None else X.T
        D, n = XT.shape
        if self.covariance_type in ("full", "tied"):
            F = np.empty((D * (D + 1) // 2 + D, n))
            at = 0
            for i in range(D):  # row-major upper triangle, the order of np.triu_indices
                np.multiply(XT[i], XT[i:], out=F[at : at + D - i])
                at += D - i
        elif self.covariance_type == "diag":
            F = np.empty((2 * D, n))
            np.multiply(XT, XT, out=F[:D])
        else:
            F = np.empty((1 + D, n))
            F[0] = np.einsum("ij,ij->j", XT, XT)
        F[-D:] = XT
        return F

    def log_prob(self, X, params):
        # The direct formula (as scikit-learn computes it) for scoring new rows.
        return log_gaussian_prob(
            X, params["means"], params["precisions_cholesky"], self.covariance_type
        )

    def linear_form(self, params, center=None) -> tuple[np.ndarray, np.ndarray]:
        """``W`` (n_stats, K) and ``c`` (K,) with ``log N(x | k) = F(x) . W_k + c_k``.

        ``F`` is taken about ``center``: (D,) shared, (K, D) one per component, or None for
        the shared centre.
        """
        if center is None:
            center = self.center
        u = params["precisions_cholesky"]
        mu = params["means"] - (center if center is not None else 0.0)
        K, D = mu.shape
        ct = self.covariance_type
        if ct in ("full", "tied"):
            uk = u if ct == "full" else np.broadcast_to(u, (K, D, D))
            prec = np.einsum("kij,klj->kil", uk, uk)
            iu, ju = self._pairs(D)
            mult = np.where(iu == ju, 1.0, 2.0)
            quad = -0.5 * prec[:, iu, ju] * mult  # (K, n_pairs)
            lin = np.einsum("kij,kj->ki", prec, mu)
            log_det = np.log(np.diagonal(uk, axis1=1, axis2=2)).sum(axis=1)
        else:
            prec = u**2  # (K, D) diag or (K,) spherical
            quad = -0.5 * (prec if ct == "diag" else prec[:, None])
            lin = mu * (prec if ct == "diag" else prec[:, None])
            log_det = np.log(u).sum(axis=1) if ct == "diag" else D * np.log(u)
        const = -0.5 * (D * LOG_2PI + np.einsum("kd,kd->k", lin, mu)) + log_det
        return np.hstack([quad, lin]).T, const

    # -- the M-step --------------------------------------------------------------------

    def shifts(self, params):
        """Each component's mean, when moments about the shared centre would cancel.

        The relative error of a covariance gathered about a point ``c`` is about ``eps`` times
        the squared Mahalanobis distance from ``c`` to the component's mean; beyond
        :data:`SHIFT_MAHALANOBIS` every component is gathered about its own current mean.
        """
        center = self.center if self.center is not None else 0.0
        d = params["means"] - center
        u = params["precisions_cholesky"]
        ct = self.covariance_type
        if ct == "full":
            m = np.einsum("kd,kde->ke", d, u)
        elif ct == "tied":
            m = d @ u
        elif ct == "diag":
            m = d * u
        else:
            m = d * u[:, None]
        if not np.all(np.isfinite(m)) or np.max(np.einsum("ke,ke->k", m, m)) > SHIFT_MAHALANOBIS:
            return np.array(params["means"], dtype=np.float64)
        return None

    def _moments(self, nk, sf, center) -> tuple[np.ndarray, np.ndarray]:
        """Means (relative to ``center``) and regularised covariances from the statistics.

        The means are scikit-learn's, ``sum_n r_nk x_n / (N_k + 10 eps)``; the covariances are
        the weighted scatter about them over ``N_k + 10 eps``, written as the scatter about
        the weighted mean (``S2 - l l^T / N_k``, which loses nothing when ``center`` is close
        to the mean) plus the exact, non-negative term that the ``10 eps`` shrinkage adds.
        """
        nk_eps = nk + NK_EPS
        K = nk.shape[0]
        ct = self.covariance_type
        if ct == "spherical":
            D = sf.shape[1] - 1
        elif ct == "diag":
            D = sf.shape[1] // 2
        else:
            D = int(round((-3 + np.sqrt(9 + 8 * sf.shape[1])) / 2))
        c = np.zeros(D) if center is None else center
        lin = sf[:, -D:]
        quad = sf[:, :-D]
        mu = (lin - NK_EPS * c) / nk_eps[:, None]  # the shrunk mean, relative to center
        nk_safe = np.where(nk > 0, nk, 1.0)
        xw = lin / nk_safe[:, None] + c  # the weighted mean itself
        tail = nk * (NK_EPS / nk_eps) ** 2  # scatter added by the shrinkage: tail * xw xw^T
        if ct in ("full", "tied"):
            iu, ju = self._pairs(D)
            s2 = np.empty((K, D, D))
            s2[:, iu, ju] = quad
            s2[:, ju, iu] = quad
            scatter = (
                s2
                - np.einsum("ki,kj->kij", lin, lin) / nk_safe[:, None, None]
                + tail[:, None, None] * np.einsum("ki,kj->kij", xw, xw)
            )
            if ct == "full":
                cov = scatter / nk_eps[:, None, None]
                cov[:, np.arange(D), np.arange(D)] += self.reg_covar
            else:
                cov = scatter.sum(axis=0) / nk_eps.sum()
                cov.flat[:: D + 1] += self.reg_covar
        elif ct == "diag":
            scatter = quad - lin**2 / nk_safe[:, None] + tail[:, None] * xw**2
            cov = scatter / nk_eps[:, None] + self.reg_covar
        else:
            total = (
                quad[:, 0]
                - np.einsum("kd,kd->k", lin, lin) / nk_safe
                + tail * np.einsum("kd,kd->k", xw, xw)
            )
            cov = total / (nk_eps * D) + self.reg_covar
        return mu, cov

    def params_from_stats(self, nk, sf, center=None):
        """The M-step from statistics gathered about ``center`` (see :meth:`linear_form`)."""
        if center is None:
            center = self.center
        mu, cov = self._moments(nk, sf, center)
        means = mu + (center if center is not None else 0.0)
        return {
            "means": means,
            "covariances": cov,
            "precisions_cholesky": precision_cholesky(cov, self.covariance_type),
        }

    def refine_centers(self, nk, sf, center=None):
        """New means to gather the statistics about again, when these ones cancelled.

        Moments about ``center`` lose about ``eps`` times the squared Mahalanobis distance
        from ``center`` to the new mean (under the new covariance), relative. Beyond
        :data:`SHIFT_MAHALANOBIS` (or when the covariance came out not positive definite)
        this returns the new means, shape (K, D), for a second pass about them; else None.
        """
        if center is None:
            center = self.center
        mu, cov = self._moments(nk, sf, center)
        ct = self.covariance_type
        with np.errstate(all="ignore"):
            if ct in ("full", "tied"):
                covs = cov if ct == "full" else np.broadcast_to(cov, (mu.shape[0], *cov.shape))
                try:
                    chol = np.linalg.cholesky(covs)
                except np.linalg.LinAlgError:
                    chol = None
                if chol is None:
                    far = np.inf
                else:
                    y = np.linalg.solve(chol, mu[:, :, None])[:, :, 0]
                    far = np.einsum("kd,kd->k", y, y).max()
            elif ct == "diag":
                far = (mu**2 / cov).sum(axis=1).max() if np.all(cov > 0) else np.inf
            else:
                far = ((mu**2).sum(axis=1) / cov).max() if np.all(cov > 0) else np.inf
        if np.isfinite(far) and far <= SHIFT_MAHALANOBIS:
            return None
        return mu + (center if center is not None else 0.0)

    def complete_params(self, params):
        if "precisions_cholesky" not in params:
            params["precisions_cholesky"] = precision_cholesky(
                params["covariances"], self.covariance_type
            )
        if "covariances" not in params:
            params["covariances"] = covariances_from_precision_cholesky(
                params["precisions_cholesky"], self.covariance_type
            )
        return params

    def n_parameters(self, n_components, n_features):
        K, D = n_components, n_features
        cov = {
            "full": K * D * (D + 1) // 2,
            "tied": D * (D + 1) // 2,
            "diag": K * D,
            "spherical": K,
        }[self.covariance_type]
        return cov + K * D

    def sample(self, params, k, n, rng):
        mean = params["means"][k]
        cov = params["covariances"]
        if self.covariance_type == "full":
            return rng.multivariate_normal(mean, cov[k], n)
        if self.covariance_type == "tied":
            return rng.multivariate_normal(mean, cov, n)
        return mean + rng.standard_normal(size=(n, mean.shape[0])) * np.sqrt(cov[k])

    def degenerate(self, params, nk):
        """Degenerate components as ``(k, reason)`` pairs.

        A component is degenerate when no row gives it weight, when it holds fewer rows' worth
        of weight than its covariance needs (D + 1 for full, 2 for diag and spherical), or when
        its covariance without ``reg_covar`` is singular next to its own largest variance (its
        rows are identical or lie on a line or plane). Such a component is a density spike held
        up only by ``reg_covar``. Nothing here depends on the whole data's spread, so tight,
        far-apart clusters are sound.
        """
        out = []
        ct = self.covariance_type
        cov = params["covariances"]
        D = params["means"].shape[1]
        need = {"full": D + 1, "tied": 1, "diag": 2, "spherical": 2}[ct]
        if ct in ("full", "tied"):
            covs = cov if ct == "full" else cov[None]
            raw = np.linalg.eigvalsh(covs - self.reg_covar * np.eye(D))
            lo, hi = raw[:, 0], raw[:, -1]
        else:
            raw = (cov if ct == "diag" else cov[:, None]) - self.reg_covar
            lo, hi = raw.min(axis=1), raw.max(axis=1)
        singular = (hi <= 0) | (lo <= COLLAPSE_SINGULAR * hi)
        if ct == "tied":  # the shared covariance is blamed on the lightest component
            shared = bool(singular[0])
            singular = np.zeros(nk.shape[0], dtype=bool)
            singular[int(np.argmin(nk))] = shared
        for k in range(nk.shape[0]):
            if nk[k] < 1e-3:
                out.append((k, "is empty: no row gives it any weight"))
            elif nk[k] < need:
                out.append(
                    (
                        k,
                        f"has collapsed onto {nk[k]:.2g} row(s): fewer than the {need} a "
                        f"{ct} covariance needs, so its spread is held up by reg_covar alone",
                    )
                )
            elif singular[k]:
                out.append(
                    (
                        k,
                        "has collapsed onto identical or collinear rows (its covariance "
                        "without reg_covar is singular)",
                    )
                )
        return out

    def advice(self):
        simpler = {
            "full": ["use covariance_type='diag' or 'spherical'"],
            "tied": ["use covariance_type='diag' or 'spherical'"],
            "diag": ["use covariance_type='spherical'"],
            "spherical": [],
        }[self.covariance_type]
        return [
            "use fewer components",
            "raise reg_covar (try 1e-3 on standardised data)",
            *simpler,
            "try another seed or init method",
        ]


class GaussianMixture(BaseMixture):
    """A mixture of Gaussians fitted by EM, compatible with scikit-learn's estimator.

    Parameters
    ----------
    n_components : int, default=1
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    tol : float, default=1e-3
        Stop when the mean log-likelihood per row changes by less than this.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, keeping it positive definite.
    max_iter : int, default=100
    n_init : int, default=1
        Restarts; the one with the highest final lower bound is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
    weights_init, means_init, precisions_init : array-like, optional
        Starting values; given all three, a fit starts from exactly those.
    random_state : int, RandomState or None
    warm_start : bool, default=False
        Refit from the fitted parameters (one run; ``n_init`` ignored), as scikit-learn does.
    verbose : int, default=0
        1 prints each initialisation and every ``verbose_interval``-th iteration; 2 adds
        timings and the change of the lower bound.
    verbose_interval : int, default=10
    uniform_weights : bool, default=False
        Keep the mixing weights fixed at 1/K (the uniform-prior case).
    record_history : bool, default=False
        Keep ``history_``: a :class:`~engine.mixtures.base.StepRecord` after every E-step and
        every M-step.
    history_resp_cells : int, default=2_000_000
        With ``record_history``, responsibilities are kept in the E-step records only while
        ``n_samples * K * 2 * (max_iter + 1)`` stays below this.

    Attributes
    ----------
    weights_ : (K,)
    means_ : (K, D)
    covariances_, precisions_cholesky_, precisions_
    converged_, n_iter_, lower_bound_, lower_bounds_, init_results_, history_
    degenerate_components_ : ndarray of int
        Components (from 0) of the kept fit that degenerated; each also gave a
        :class:`~engine.mixtures.DegeneracyWarning`.
    """

    _parameter_constraints: dict = {
        **BaseMixture._parameter_constraints,
        "covariance_type": [StrOptions(set(COVARIANCE_TYPES))],
        "reg_covar": [Interval(Real, 0.0, None, closed="left")],
        "precisions_init": ["array-like", None],
    }

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        uniform_weights: bool = False,
        record_history: bool = False,
        history_resp_cells: int = 2_000_000,
    ):
        super().__init__(
            n_components,
            tol=tol,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            weights_init=weights_init,
            means_init=means_init,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
            uniform_weights=uniform_weights,
            record_history=record_history,
            history_resp_cells=history_resp_cells,
        )
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.precisions_init = precisions_init

    def _family(self):
        return GaussianFamily(self.covariance_type, self.reg_covar)

    def _params_init(self, X):
        if self.precisions_init is None:
            return {}
        K, D = self.n_components, X.shape[1]
        ct = self.covariance_type
        prec = np.asarray(self.precisions_init, dtype=np.float64)
        expected = {"full": (K, D, D), "tied": (D, D), "diag": (K, D), "spherical": (K,)}[ct]
        if prec.shape != expected:
            raise ValueError(
                f"The parameter '{ct} precision' should have the shape of {expected}, but got "
                f"{prec.shape}: precisions_init for covariance_type={ct!r} is "
                + {
                    "full": "one D x D matrix per component.",
                    "tied": "one D x D matrix shared by all components.",
                    "diag": "one precision per component and feature.",
                    "spherical": "one precision per component.",
                }[ct]
            )
        if not np.all(np.isfinite(prec)):
            raise ValueError(f"The parameter '{ct} precision' should be finite.")
        if ct in ("full", "tied"):
            for k, p in enumerate(prec if ct == "full" else prec[None]):
                which = f" (component {k + 1})" if ct == "full" else ""
                if not np.allclose(p, p.T, rtol=0, atol=1e-10 * max(np.abs(p).max(), 1e-300)):
                    raise ValueError(
                        f"'{ct} precision' should be symmetric, positive-definite: "
                        f"precisions_init{which} is not symmetric."
                    )
                if np.linalg.eigvalsh(p)[0] <= 0:
                    raise ValueError(
                        f"'{ct} precision' should be symmetric, positive-definite: "
                        f"precisions_init{which} has an eigenvalue of at most 0."
                    )
        elif np.any(prec <= 0):
            raise ValueError(
                f"'{ct} precision' should be positive: precisions_init has the value "
                f"{prec.min():g}."
            )
        try:
            chol = precision_cholesky_from_precisions(prec, ct)
        except linalg.LinAlgError:
            raise ValueError(
                f"'{ct} precision' should be symmetric, positive-definite: its Cholesky "
                "factorisation failed."
            ) from None
        return {
            "precisions_cholesky": chol,
            "covariances": covariances_from_precision_cholesky(chol, ct),
        }

    @property
    def precisions_(self) -> np.ndarray:
        """Inverse covariances, shaped like ``covariances_``."""
        u = self.precisions_cholesky_
        if self.covariance_type == "full":
            return np.einsum("kij,klj->kil", u, u)
        if self.covariance_type == "tied":
            return u @ u.T
        return u**2
