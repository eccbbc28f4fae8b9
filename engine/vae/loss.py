"""The ELBO, its terms and estimators, and the importance-weighted bound on log p(x).

For one x, with q(z|x) = N(mu, diag(sigma^2)) from the encoder and the prior p(z) = N(0, I),

    ELBO(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z))          "analytic": KL in closed form
            = E_q[log p(x|z) + log p(z)] + H[q(z|x)]          "entropy": entropy in closed form
            = E_q[log p(x|z) + log p(z) - log q(z|x)]         "mc": everything sampled

and log p(x) >= ELBO(x). The three forms have the same expectation; the fewer terms are sampled,
the smaller the variance of the estimate. The importance-weighted bound (Burda, Grosse &
Salakhutdinov, 2016) averages k weights p(x, z_i) / q(z_i|x) inside the log; it equals the "mc"
ELBO for k = 1 and rises towards log p(x) as k grows.

All quantities are in nats. ``recon`` is the reconstruction term as a loss, -E_q[log p(x|z)].
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch

from engine.vae.model import VAE

ESTIMATORS = ("analytic", "entropy", "mc")
_LOG_2PI = math.log(2.0 * math.pi)
# Largest number of decoder outputs (rows x samples x features) held at once when sampling.
_DECODE_BUDGET = 1 << 22


def gaussian_kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) for each latent dimension, in closed form.

    For a diagonal Gaussian against the standard normal the divergence separates over
    dimensions, each contributing ``(mu^2 + sigma^2 - 1 - log sigma^2) / 2``
    (Kingma & Welling, 2014, appendix B).

    Parameters
    ----------
    mu, logvar : Tensor of shape (n, latent_dim)

    Returns
    -------
    Tensor of shape (n, latent_dim)
    """
    return 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per sample: :func:`gaussian_kl_per_dim` summed over dimensions.

    Parameters
    ----------
    mu, logvar : Tensor of shape (n, latent_dim)

    Returns
    -------
    Tensor of shape (n,)
    """
    return gaussian_kl_per_dim(mu, logvar).sum(-1)


def vae_loss(
    model: VAE, x: torch.Tensor, beta: float = 1.0, generator: torch.Generator | None = None
) -> dict[str, torch.Tensor]:
    """The training objective on a batch: one reparameterised sample per row, analytic KL.

    Parameters
    ----------
    model : VAE
    x : Tensor of shape (n, input_dim)
    beta : float, default 1.0
        Weight of the KL term; 1 gives the negative ELBO, other values the beta-VAE objective.
    generator : torch.Generator, optional

    Returns
    -------
    dict of 0-d Tensors, all per-sample means in nats
        ``loss`` = ``recon`` + beta * ``kl`` (differentiable), ``recon`` = -log p(x|z),
        ``kl`` = KL(q(z|x) || p(z)).
    """
    out = model(x, generator=generator)
    recon = -model.log_likelihood(x, out.params).mean()
    kl = gaussian_kl(out.mu, out.logvar).mean()
    return {"loss": recon + beta * kl, "recon": recon, "kl": kl}


def as_tensor(X: np.ndarray | torch.Tensor, model: VAE, name: str = "X") -> torch.Tensor:
    """``X`` as a float32 tensor of shape (n, model.input_dim), checked.

    Parameters
    ----------
    X : array-like of shape (n, input_dim) or (input_dim,)
        A single row is accepted and becomes a batch of one.

    Returns
    -------
    Tensor of shape (n, input_dim), float32, on the CPU
    """
    t = torch.as_tensor(X).detach().to(device="cpu", dtype=torch.float32)
    if t.ndim == 1:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != model.input_dim:
        raise ValueError(
            f"{name} must have shape (n_samples, {model.input_dim}) for this model; "
            f"got shape {tuple(t.shape)}."
        )
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or infinite values; remove or fill them first.")
    return t


def _sampled_terms(
    model: VAE,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    n_samples: int,
    generator: torch.Generator | None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Yield sampled log-densities for one batch, ``s`` samples of z per row at a time.

    Parameters
    ----------
    x : Tensor of shape (n, input_dim)
    mu, logvar : Tensor of shape (n, latent_dim)
        The encoder's output for ``x``.

    Yields
    ------
    log_px_z, log_pz, log_qz : Tensor of shape (s, n)
        log p(x|z), log p(z) and log q(z|x) at each sample z; the ``s`` add up to ``n_samples``.
    """
    std = torch.exp(0.5 * logvar)
    widest = max(model.input_dim, *model.hidden_dims)
    chunk = max(1, _DECODE_BUDGET // (x.shape[0] * widest))
    d = model.latent_dim
    done = 0
    while done < n_samples:
        s = min(chunk, n_samples - done)
        eps = torch.randn((s, *mu.shape), generator=generator, dtype=mu.dtype)
        z = mu + std * eps
        log_px_z = model.log_likelihood(x, model.decoder_params(z))
        log_pz = -0.5 * (z.square().sum(-1) + d * _LOG_2PI)
        log_qz = -0.5 * ((eps.square() + logvar).sum(-1) + d * _LOG_2PI)
        yield log_px_z, log_pz, log_qz
        done += s


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1; got {value!r}.")
    return int(value)


@torch.no_grad()
def elbo(
    model: VAE,
    X: np.ndarray | torch.Tensor,
    estimator: str = "analytic",
    n_samples: int = 1,
    generator: torch.Generator | None = None,
    batch_size: int = 1024,
) -> torch.Tensor:
    """Per-sample evidence lower bound in nats, by one of three estimators.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n, input_dim)
    estimator : {"analytic", "entropy", "mc"}, default "analytic"
        ``"analytic"``: mean over samples of log p(x|z), minus the closed-form KL.
        ``"entropy"``: mean of log p(x|z) + log p(z), plus the closed-form entropy of q.
        ``"mc"``: mean of log p(x|z) + log p(z) - log q(z|x).
    n_samples : int, default 1
        Samples of z per row.
    generator : torch.Generator, optional
    batch_size : int, default 1024
        Rows evaluated at once.

    Returns
    -------
    Tensor of shape (n,)
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}.")
    n_samples = _check_count("n_samples", n_samples)
    batch_size = _check_count("batch_size", batch_size)
    X = as_tensor(X, model)
    d = model.latent_dim
    out = []
    for start in range(0, X.shape[0], batch_size):
        x = X[start : start + batch_size]
        mu, logvar = model.encode(x)
        total = torch.zeros(x.shape[0])
        for log_px_z, log_pz, log_qz in _sampled_terms(model, x, mu, logvar, n_samples, generator):
            if estimator == "analytic":
                total += log_px_z.sum(0)
            elif estimator == "entropy":
                total += (log_px_z + log_pz).sum(0)
            else:
                total += (log_px_z + log_pz - log_qz).sum(0)
        value = total / n_samples
        if estimator == "analytic":
            value -= gaussian_kl(mu, logvar)
        elif estimator == "entropy":
            value += 0.5 * (logvar.sum(-1) + d * (1.0 + _LOG_2PI))
        out.append(value)
    return torch.cat(out)


@torch.no_grad()
def iwae_log_likelihood(
    model: VAE,
    X: np.ndarray | torch.Tensor,
    k: int = 1000,
    batch_size: int = 256,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Importance-weighted estimate of log p(x) per sample, in nats (Burda et al., 2016).

    ``log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x)`` with z_i ~ q(z|x). The sum is taken with a
    running log-sum-exp, and the k samples are drawn in chunks, so memory stays bounded for any k.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n, input_dim)
    k : int, default 1000
        Importance samples per row.
    batch_size : int, default 256
        Rows evaluated at once.
    generator : torch.Generator, optional

    Returns
    -------
    Tensor of shape (n,)
    """
    k = _check_count("k", k)
    batch_size = _check_count("batch_size", batch_size)
    X = as_tensor(X, model)
    out = []
    for start in range(0, X.shape[0], batch_size):
        x = X[start : start + batch_size]
        acc = torch.full((x.shape[0],), -math.inf)
        mu, logvar = model.encode(x)
        for log_px_z, log_pz, log_qz in _sampled_terms(model, x, mu, logvar, k, generator):
            chunk = torch.logsumexp(log_px_z + log_pz - log_qz, dim=0)
            acc = torch.logaddexp(acc, chunk)
        out.append(acc - math.log(k))
    return torch.cat(out)


@torch.no_grad()
def kl_per_dimension(model: VAE, X: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Average over rows of the closed-form KL of each latent dimension, in nats.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n, input_dim)

    Returns
    -------
    Tensor of shape (latent_dim,)
    """
    mu, logvar = model.encode(as_tensor(X, model))
    return gaussian_kl_per_dim(mu, logvar).mean(0)


@torch.no_grad()
def active_units(model: VAE, X: np.ndarray | torch.Tensor, threshold: float = 0.01) -> int:
    """Number of latent dimensions the encoder uses (Burda et al., 2016).

    A dimension is active when its encoder mean varies across the data: the variance over rows
    of ``mu[:, j]`` exceeds ``threshold``. A collapsed dimension has mu close to 0 for every x.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n, input_dim), n >= 2
    threshold : float, default 0.01

    Returns
    -------
    int
    """
    mu, _ = model.encode(as_tensor(X, model))
    if mu.shape[0] < 2:
        raise ValueError("active_units needs at least 2 rows to measure a variance.")
    return int((mu.var(0) > threshold).sum())
