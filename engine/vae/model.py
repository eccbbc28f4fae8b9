"""The variational autoencoder: an MLP encoder q(z|x), an MLP decoder p(x|z), a N(0, I) prior.

The model follows Kingma & Welling, "Auto-Encoding Variational Bayes" (ICLR 2014): the encoder
outputs the mean and log-variance of a diagonal Gaussian over z, a sample is drawn with the
reparameterisation trick so that gradients flow through it, and the decoder outputs the
parameters of the likelihood of x given that sample.

Two likelihoods are available:

``"bernoulli"``
    For 0/1 pixels. The decoder outputs one logit per feature; ``decode`` returns the
    probabilities and :meth:`VAE.log_likelihood` uses the logits directly
    (binary cross-entropy with logits), which stays finite where a sigmoid would saturate.
``"gaussian"``
    For real values. The decoder outputs one mean per feature and the model holds one explicit
    standard deviation ``sigma`` shared by all features, fixed or learned (as a scalar
    ``log_sigma`` parameter). The log-likelihood is the full Gaussian log-density with its
    normalising constant, so the ELBO is a bound in nats, like the Bernoulli one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

LIKELIHOODS = ("bernoulli", "gaussian")
LATENT_DIM_RANGE = (2, 32)
# Bounds for a learned decoder standard deviation; outside them a Gaussian likelihood on data
# with repeated exact values (e.g. blank pixels) would run away towards an infinite density.
LOG_SIGMA_RANGE = (math.log(1e-3), math.log(1e3))
_LOG_2PI = math.log(2.0 * math.pi)


class VAEOutput(NamedTuple):
    """What :meth:`VAE.forward` returns for a batch of ``n`` rows.

    Attributes
    ----------
    params : Tensor of shape (n, input_dim)
        Decoder output for the sampled ``z``: logits (Bernoulli) or means (Gaussian).
    mu : Tensor of shape (n, latent_dim)
        Mean of q(z|x).
    logvar : Tensor of shape (n, latent_dim)
        Log-variance of q(z|x).
    z : Tensor of shape (n, latent_dim)
        The reparameterised sample ``mu + exp(logvar / 2) * eps``.
    """

    params: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    z: torch.Tensor


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    """Linear layers with a ReLU between consecutive ones (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """A variational autoencoder with MLP encoder and decoder (Kingma & Welling, 2014).

    Parameters
    ----------
    input_dim : int
        Number of features of x, e.g. 64 for 8x8 images.
    latent_dim : int, default 2
        Dimension of z, from 2 to 32. Two dimensions can be drawn as a plane.
    hidden_dims : sequence of int, default (256, 256)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    likelihood : {"bernoulli", "gaussian"}, default "bernoulli"
        Family of p(x|z); see the module docstring.
    sigma : float, default 0.1
        Standard deviation of the Gaussian decoder (its starting value if learned). Ignored by
        the Bernoulli decoder.
    learn_sigma : bool, default False
        Learn ``log_sigma`` with the other weights (Gaussian only).

    Notes
    -----
    The encoder ends in one linear layer of width ``2 * latent_dim`` whose halves are the mean
    and the log-variance of q(z|x). State-dict keys are ``encoder.*``, ``decoder.*`` and, for
    the Gaussian decoder, ``log_sigma`` (a 0-d tensor).
    """

    def __init__(
        self,
        input_dim: int,
        latent_dim: int = 2,
        hidden_dims: Sequence[int] = (256, 256),
        likelihood: str = "bernoulli",
        sigma: float = 0.1,
        learn_sigma: bool = False,
    ) -> None:
        super().__init__()
        _check_int("input_dim", input_dim, 1)
        _check_int("latent_dim", latent_dim, *LATENT_DIM_RANGE)
        hidden = tuple(hidden_dims)
        for h in hidden:
            _check_int("every hidden_dims entry", h, 1)
        if likelihood not in LIKELIHOODS:
            raise ValueError(
                f"likelihood must be one of {', '.join(LIKELIHOODS)}; got {likelihood!r}."
            )
        sigma = float(sigma)
        lo, hi = (math.exp(b) for b in LOG_SIGMA_RANGE)
        if not lo <= sigma <= hi:
            raise ValueError(f"sigma must be a number from {lo:g} to {hi:g}; got {sigma!r}.")

        self.input_dim = int(input_dim)
        self.latent_dim = int(latent_dim)
        self.hidden_dims = tuple(int(h) for h in hidden)
        self.likelihood = likelihood
        self.sigma_init = sigma
        self.learn_sigma = bool(learn_sigma)

        self.encoder = _mlp((self.input_dim, *self.hidden_dims, 2 * self.latent_dim))
        self.decoder = _mlp((self.latent_dim, *self.hidden_dims[::-1], self.input_dim))
        if likelihood == "gaussian":
            self.log_sigma = nn.Parameter(
                torch.tensor(math.log(sigma)), requires_grad=self.learn_sigma
            )

    @property
    def config(self) -> dict:
        """The keyword arguments that rebuild this architecture: ``VAE(**model.config)``."""
        return {
            "input_dim": self.input_dim,
            "latent_dim": self.latent_dim,
            "hidden_dims": list(self.hidden_dims),
            "likelihood": self.likelihood,
            "sigma": self.sigma_init,
            "learn_sigma": self.learn_sigma,
        }

    @property
    def sigma(self) -> float | None:
        """Current decoder standard deviation (Gaussian), or None (Bernoulli)."""
        if self.likelihood != "gaussian":
            return None
        return float(self._log_sigma().detach().exp())

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Parameters of the approximate posterior q(z|x) = N(mu, diag(exp(logvar))).

        Parameters
        ----------
        x : Tensor of shape (n, input_dim)

        Returns
        -------
        mu : Tensor of shape (n, latent_dim)
        logvar : Tensor of shape (n, latent_dim)
        """
        h = self.encoder(x)
        return h[:, : self.latent_dim], h[:, self.latent_dim :]

    @staticmethod
    def reparameterize(
        mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Draw z ~ q(z|x) as ``mu + sigma * eps`` with eps ~ N(0, I) (Kingma & Welling, 2014).

        Writing the sample as a deterministic function of the encoder outputs and independent
        noise is what lets the gradient of E_q[log p(x|z)] pass through the sampling step.

        Parameters
        ----------
        mu, logvar : Tensor of shape (..., latent_dim)
        generator : torch.Generator, optional
            Source of the noise; the global generator when None.

        Returns
        -------
        z : Tensor of shape (..., latent_dim)
        """
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def decoder_params(self, z: torch.Tensor) -> torch.Tensor:
        """Raw decoder output: logits (Bernoulli) or means (Gaussian).

        Parameters
        ----------
        z : Tensor of shape (..., latent_dim)

        Returns
        -------
        Tensor of shape (..., input_dim)
        """
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Mean of p(x|z): pixel probabilities (Bernoulli) or feature means (Gaussian).

        Parameters
        ----------
        z : Tensor of shape (..., latent_dim)

        Returns
        -------
        Tensor of shape (..., input_dim)
        """
        out = self.decoder(z)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> VAEOutput:
        """Encode, sample one z per row with the reparameterisation trick, decode.

        Parameters
        ----------
        x : Tensor of shape (n, input_dim)
        generator : torch.Generator, optional

        Returns
        -------
        VAEOutput
            ``params`` (n, input_dim), ``mu``, ``logvar`` and ``z`` (n, latent_dim).
        """
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, generator)
        return VAEOutput(self.decoder(z), mu, logvar, z)

    def log_likelihood(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """log p(x|z) in nats, summed over features.

        Parameters
        ----------
        x : Tensor of shape (n, input_dim)
        params : Tensor of shape (..., n, input_dim)
            Decoder output from :meth:`decoder_params` (logits or means); leading sample
            dimensions broadcast against ``x``.

        Returns
        -------
        Tensor of shape (..., n)
        """
        if self.likelihood == "bernoulli":
            x = x.expand_as(params)
            nll = F.binary_cross_entropy_with_logits(params, x, reduction="none")
            return -nll.sum(-1)
        log_sigma = self._log_sigma()
        sq = ((x - params) / log_sigma.exp()).square().sum(-1)
        return -0.5 * sq - self.input_dim * (log_sigma + 0.5 * _LOG_2PI)

    def _log_sigma(self) -> torch.Tensor:
        return self.log_sigma.clamp(*LOG_SIGMA_RANGE)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.config.items())


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number; got {value!r}.")
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {span}; got {value}.")
