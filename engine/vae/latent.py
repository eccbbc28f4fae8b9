"""Looking at the latent space: grids of decoded points, interpolations, prior samples, codes.

Every function takes a trained :class:`~engine.vae.model.VAE`, runs without gradients and
returns numpy arrays ready for a figure.

Grid layout. :func:`inverse_cdf_grid` and :func:`linear_grid` return ``n * n`` points in
row-major order: point ``i * n + j`` is ``(v[j], v[i])`` where ``v`` are the ``n`` values along one
axis, ascending. So the first coordinate changes along a row and the second down the columns, and
:func:`decode_grid` returns ``images[i, j]`` decoded at that point: row 0 holds the lowest value
of the second latent dimension (a figure that puts high values on top flips the rows).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import norm

from engine.vae.loss import as_tensor
from engine.vae.model import VAE

MESHES = ("inverse_cdf", "linear")


def _check_n(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number of at least 1; got {n!r}.")
    return int(n)


def _mesh(values: np.ndarray) -> np.ndarray:
    """All pairs of ``values``, first coordinate fastest: shape (n*n, 2)."""
    first, second = np.meshgrid(values, values, indexing="xy")
    return np.column_stack([first.ravel(), second.ravel()])


def inverse_cdf_grid(n: int, eps: float = 0.05) -> np.ndarray:
    """A grid that is uniform in probability under the N(0, I) prior.

    Takes ``n`` evenly spaced levels on ``[eps, 1 - eps]`` along each axis and maps them through
    the standard normal inverse CDF, so every cell holds about the same prior mass: the points
    crowd near the origin, where the prior puts most codes, and thin out in the tails.
    ``eps`` keeps the levels off 0 and 1, whose images are infinite.

    Parameters
    ----------
    n : int
        Points per axis.
    eps : float, default 0.05
        Distance of the outermost levels from 0 and 1, in (0, 0.5).

    Returns
    -------
    ndarray of shape (n * n, 2)
        Point ``i * n + j`` is ``(ppf(u[j]), ppf(u[i]))``, ``u = linspace(eps, 1 - eps, n)``
        (for ``n = 1``, the single point is the origin, ``u = [0.5]``).
    """
    n = _check_n(n)
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must lie strictly between 0 and 0.5; got {eps!r}.")
    levels = np.linspace(eps, 1.0 - eps, n) if n > 1 else np.array([0.5])
    return _mesh(norm.ppf(levels))


def linear_grid(n: int, limit: float = 3.0) -> np.ndarray:
    """An evenly spaced grid on ``[-limit, limit]^2``, same layout as :func:`inverse_cdf_grid`.

    Parameters
    ----------
    n : int
        Points per axis.
    limit : float, default 3.0
        Half-width of the square, in prior standard deviations.

    Returns
    -------
    ndarray of shape (n * n, 2)
    """
    n = _check_n(n)
    if not limit > 0:
        raise ValueError(f"limit must be positive; got {limit!r}.")
    return _mesh(np.linspace(-limit, limit, n) if n > 1 else np.zeros(1))


@torch.no_grad()
def decode_grid(
    model: VAE,
    n: int,
    eps: float = 0.05,
    mesh: str = "inverse_cdf",
    dims: tuple[int, int] = (0, 1),
    base: np.ndarray | None = None,
    limit: float = 3.0,
) -> np.ndarray:
    """Decode a 2-D grid of latent points: the "manifold" picture of a trained VAE.

    With a 2-D latent space the grid covers it. With more dimensions the grid is a plane
    through ``base`` (default: the origin) along the two dimensions in ``dims``; the others stay
    at their ``base`` values.

    Parameters
    ----------
    model : VAE
    n : int
        Points per axis.
    eps : float, default 0.05
        For ``mesh="inverse_cdf"``, see :func:`inverse_cdf_grid`.
    mesh : {"inverse_cdf", "linear"}, default "inverse_cdf"
    dims : pair of int, default (0, 1)
        The two latent dimensions varied: ``dims[0]`` changes along each row (index j),
        ``dims[1]`` down the columns (index i).
    base : array-like of shape (latent_dim,), optional
        The point the plane passes through.
    limit : float, default 3.0
        For ``mesh="linear"``, see :func:`linear_grid`.

    Returns
    -------
    ndarray of shape (n, n, input_dim), float32
        ``out[i, j]`` is the decoder mean (probabilities for Bernoulli) at the grid point whose
        ``dims[0]`` coordinate is the j-th value and ``dims[1]`` coordinate the i-th.
    """
    if mesh == "inverse_cdf":
        points = inverse_cdf_grid(n, eps)
    elif mesh == "linear":
        points = linear_grid(n, limit)
    else:
        raise ValueError(f"mesh must be one of {', '.join(MESHES)}; got {mesh!r}.")
    d = model.latent_dim
    pair = tuple(dims)
    if len(pair) != 2 or pair[0] == pair[1] or not all(0 <= k < d for k in pair):
        raise ValueError(
            f"dims must be two different latent dimensions from 0 to {d - 1}; got {dims!r}."
        )
    a, b = (int(k) for k in pair)
    if base is None:
        origin = np.zeros(d)
    else:
        origin = np.asarray(base, dtype=np.float64).reshape(-1)
        if origin.shape != (d,) or not np.isfinite(origin).all():
            raise ValueError(f"base must be {d} finite numbers (one per latent dimension).")
    z = np.tile(origin, (points.shape[0], 1))
    z[:, a] = points[:, 0]
    z[:, b] = points[:, 1]
    out = model.decode(torch.as_tensor(z, dtype=torch.float32))
    return out.numpy().reshape(n, n, model.input_dim)


@torch.no_grad()
def interpolate(
    model: VAE,
    x_a: np.ndarray | torch.Tensor,
    x_b: np.ndarray | torch.Tensor,
    steps: int = 10,
) -> np.ndarray:
    """Decode evenly spaced points on the segment between the encoder means of two inputs.

    Parameters
    ----------
    model : VAE
    x_a, x_b : array-like of shape (input_dim,)
    steps : int, default 10
        Number of points, both ends included (at least 2).

    Returns
    -------
    ndarray of shape (steps, input_dim), float32
        Row 0 decodes the mean code of ``x_a``, row ``steps - 1`` that of ``x_b``.
    """
    if isinstance(steps, bool) or int(steps) != steps or steps < 2:
        raise ValueError(f"steps must be a whole number of at least 2; got {steps!r}.")
    mu_a, _ = model.encode(as_tensor(x_a, model, "x_a")[:1])
    mu_b, _ = model.encode(as_tensor(x_b, model, "x_b")[:1])
    t = torch.linspace(0.0, 1.0, int(steps)).unsqueeze(1)
    return model.decode((1.0 - t) * mu_a + t * mu_b).numpy()


@torch.no_grad()
def sample_prior(
    model: VAE, n: int, generator: torch.Generator | None = None, return_z: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Draw z ~ N(0, I) and decode it: what the model generates.

    Parameters
    ----------
    model : VAE
    n : int
        Number of samples.
    generator : torch.Generator, optional
    return_z : bool, default False
        Also return the latent points.

    Returns
    -------
    x : ndarray of shape (n, input_dim), float32
        Decoder means (probabilities for Bernoulli).
    z : ndarray of shape (n, latent_dim), float32
        Only when ``return_z``.
    """
    n = _check_n(n)
    z = torch.randn((n, model.latent_dim), generator=generator)
    x = model.decode(z).numpy()
    return (x, z.numpy()) if return_z else x


@torch.no_grad()
def encode_means(model: VAE, X: np.ndarray | torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of q(z|x) for every row: where the encoder puts the data.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n, input_dim)

    Returns
    -------
    mu : ndarray of shape (n, latent_dim), float32
    sigma : ndarray of shape (n, latent_dim), float32
    """
    mu, logvar = model.encode(as_tensor(X, model))
    return mu.numpy(), torch.exp(0.5 * logvar).numpy()
