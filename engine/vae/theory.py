"""Experiments behind the theory lab: estimator spreads, gradient variances, why q(z|x) matters.

Each function repeats a stochastic estimate many times with a seeded generator and reports the
mean and spread of what came out, as a function of the number of samples. They only read the
model; nothing here trains or writes files.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .loss import ESTIMATORS, as_tensor, elbo
from .model import VAE

_LOG_2PI = math.log(2 * math.pi)


def _generator(seed: int) -> torch.Generator:
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def elbo_estimator_spread(
    model: VAE,
    X: np.ndarray | torch.Tensor,
    n_samples_list=(1, 4, 16, 64),
    n_repeats: int = 30,
    seed: int = 0,
) -> list[dict]:
    """Mean and spread of the three ELBO estimators against the number of samples.

    For every estimator and sample count, the per-image ELBO of ``X`` is estimated
    ``n_repeats`` times; the records give the mean over images and repeats and the standard
    deviation over repeats (averaged over images), in nats per image.

    Returns
    -------
    list of dict
        Keys ``estimator``, ``n_samples``, ``mean``, ``std``.
    """
    X = as_tensor(X, model)
    rows = []
    for estimator in ESTIMATORS:
        for s in n_samples_list:
            g = _generator(seed)
            runs = torch.stack(
                [elbo(model, X, estimator, n_samples=int(s), generator=g) for _ in range(n_repeats)]
            )  # (repeats, n)
            rows.append(
                {
                    "estimator": estimator,
                    "n_samples": int(s),
                    "mean": float(runs.mean()),
                    "std": float(runs.std(dim=0).mean()),
                }
            )
    return rows


def toy_gradient_variance(
    n_samples_list=(1, 4, 16, 64, 256),
    n_repeats: int = 500,
    mu: float = 0.5,
    sigma: float = 1.0,
    target: float = 3.0,
    seed: int = 0,
) -> list[dict]:
    """Two estimators of ``d/dmu E_{z ~ N(mu, sigma^2)}[(z - target)^2]`` (exactly ``2 (mu - target)``).

    Reparameterised: ``mean_s f'(mu + sigma eps_s)``. Score function (REINFORCE):
    ``mean_s f(z_s) (z_s - mu) / sigma^2``. Both are unbiased; their variances differ.

    Returns
    -------
    list of dict
        Keys ``method`` ("reparameterisation" or "score function"), ``n_samples``, ``mean``,
        ``variance``, ``exact``.
    """
    rng = np.random.default_rng(seed)
    exact = 2.0 * (mu - target)
    rows = []
    for s in n_samples_list:
        eps = rng.standard_normal((n_repeats, int(s)))
        z = mu + sigma * eps
        reparam = (2.0 * (z - target)).mean(axis=1)
        score = ((z - target) ** 2 * (z - mu) / sigma**2).mean(axis=1)
        for method, est in (("reparameterisation", reparam), ("score function", score)):
            rows.append(
                {
                    "method": method,
                    "n_samples": int(s),
                    "mean": float(est.mean()),
                    "variance": float(est.var(ddof=1)),
                    "exact": exact,
                }
            )
    return rows


def encoder_gradient_variance(
    model: VAE,
    x: np.ndarray | torch.Tensor,
    n_samples_list=(1, 4, 16, 64),
    n_repeats: int = 50,
    seed: int = 0,
) -> list[dict]:
    """Variance of two gradient estimators of ``E_q[log p(x|z)]`` with respect to the encoder.

    For one image ``x``, the gradient with respect to all encoder weights is estimated
    ``n_repeats`` times by the reparameterisation trick (backpropagating through
    ``z = mu + sigma eps``) and by the score function (``log p(x|z) * grad log q(z|x)`` with z
    held fixed). The total variance is the sum over weights of the variance across repeats.

    Returns
    -------
    list of dict
        Keys ``method``, ``n_samples``, ``total_variance``, ``mean_norm`` (norm of the averaged
        gradient, the signal the variance competes with).
    """
    x = as_tensor(x, model)[:1]
    params = list(model.encoder.parameters())
    rows = []
    # The model has no dropout or batch norm, so train/eval mode does not matter; it is left
    # as it is (the app shares one cached model between sessions).
    for s in n_samples_list:
        g = _generator(seed)
        grads = {"reparameterisation": [], "score function": []}
        for _ in range(n_repeats):
            mu, logvar = model.encode(x)
            std = torch.exp(0.5 * logvar)
            eps = torch.randn((int(s), *mu.shape), generator=g)
            z = mu + std * eps  # (s, 1, d)
            log_px = model.log_likelihood(x, model.decoder_params(z))  # (s, 1)
            reparam = torch.autograd.grad(log_px.mean(), params, retain_graph=False)
            grads["reparameterisation"].append(torch.cat([p.reshape(-1) for p in reparam]))

            mu, logvar = model.encode(x)
            zd = z.detach()
            log_q = -0.5 * (
                ((zd - mu) ** 2 / logvar.exp()).sum(-1)
                + logvar.sum(-1)
                + model.latent_dim * _LOG_2PI
            )  # (s, 1)
            with torch.no_grad():
                reward = model.log_likelihood(x, model.decoder_params(zd))
            surrogate = (reward * log_q).mean()
            score = torch.autograd.grad(surrogate, params)
            grads["score function"].append(torch.cat([p.reshape(-1) for p in score]))
        for method, runs in grads.items():
            stacked = torch.stack(runs)  # (repeats, n_params)
            rows.append(
                {
                    "method": method,
                    "n_samples": int(s),
                    "total_variance": float(stacked.var(dim=0).sum()),
                    "mean_norm": float(stacked.mean(dim=0).norm()),
                }
            )
    return rows


@torch.no_grad()
def marginal_likelihood_estimates(
    model: VAE,
    x: np.ndarray | torch.Tensor,
    n_samples_list=(1, 10, 100, 1000, 10000),
    n_repeats: int = 20,
    seed: int = 0,
) -> list[dict]:
    """``log p(x)`` for one image, estimated by sampling z from the prior or from q(z|x).

    Prior sampling: ``log mean_s p(x|z_s)``, ``z_s ~ N(0, I)``. Importance sampling:
    ``log mean_s p(x|z_s) p(z_s) / q(z_s|x)``, ``z_s ~ q(z|x)``. Both converge to the same
    value; the prior's estimate needs far more samples because most prior draws decode to
    images unlike ``x``.

    Returns
    -------
    list of dict
        Keys ``method`` ("prior" or "posterior (importance)"), ``n_samples``, ``mean``, ``std``.
    """
    x = as_tensor(x, model)[:1]
    d = model.latent_dim
    mu, logvar = model.encode(x)
    std = torch.exp(0.5 * logvar)
    rows = []
    for s in n_samples_list:
        g = _generator(seed)
        prior_runs, is_runs = [], []
        for _ in range(n_repeats):
            z = torch.randn((int(s), d), generator=g)
            log_px = model.log_likelihood(x, model.decoder_params(z)[:, None, :])[:, 0]
            prior_runs.append(float(torch.logsumexp(log_px, 0) - math.log(s)))
            eps = torch.randn((int(s), d), generator=g)
            zq = mu + std * eps
            log_px = model.log_likelihood(x, model.decoder_params(zq)[:, None, :])[:, 0]
            log_pz = -0.5 * (zq.square().sum(-1) + d * _LOG_2PI)
            log_qz = -0.5 * ((eps.square() + logvar).sum(-1) + d * _LOG_2PI)
            is_runs.append(float(torch.logsumexp(log_px + log_pz - log_qz, 0) - math.log(s)))
        for method, runs in (("prior", prior_runs), ("posterior (importance)", is_runs)):
            rows.append(
                {
                    "method": method,
                    "n_samples": int(s),
                    "mean": float(np.mean(runs)),
                    "std": float(np.std(runs, ddof=1)),
                }
            )
    return rows
