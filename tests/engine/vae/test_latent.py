"""Latent-space tools: grids, decoded grids, interpolation, prior samples, codes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from engine.vae import (
    decode_grid,
    encode_means,
    interpolate,
    inverse_cdf_grid,
    linear_grid,
    sample_prior,
)

from .conftest import seeded_model


@pytest.mark.parametrize(("n", "eps"), [(2, 0.05), (5, 0.05), (20, 0.01), (7, 0.2)])
def test_inverse_cdf_grid_is_ppf_of_a_uniform_mesh(n, eps):
    grid = inverse_cdf_grid(n, eps)
    assert grid.shape == (n * n, 2)
    u = np.linspace(eps, 1 - eps, n)
    expected = np.array([(norm.ppf(u[j]), norm.ppf(u[i])) for i in range(n) for j in range(n)])
    np.testing.assert_allclose(grid, expected, rtol=0, atol=1e-12)
    # symmetric about the origin: the mesh reversed is the mesh negated
    np.testing.assert_allclose(grid[::-1], -grid, atol=1e-12)
    # back through the CDF: an evenly spaced mesh in probability
    np.testing.assert_allclose(norm.cdf(grid[:, 0]), np.tile(u, n), atol=1e-12)
    np.testing.assert_allclose(norm.cdf(grid[:, 1]), np.repeat(u, n), atol=1e-12)


def test_one_point_grids_are_the_origin():
    np.testing.assert_array_equal(inverse_cdf_grid(1), [[0.0, 0.0]])
    np.testing.assert_array_equal(linear_grid(1), [[0.0, 0.0]])


def test_inverse_cdf_grid_rejects_bad_eps():
    for eps in (0.0, 0.5, -0.1):
        with pytest.raises(ValueError, match="eps"):
            inverse_cdf_grid(5, eps)


def test_linear_grid():
    grid = linear_grid(3, limit=2.0)
    v = [-2.0, 0.0, 2.0]
    np.testing.assert_array_equal(grid, [(v[j], v[i]) for i in range(3) for j in range(3)])


@pytest.mark.parametrize("mesh", ["inverse_cdf", "linear"])
def test_decode_grid_shape_range_and_layout(mesh):
    model = seeded_model(0)
    images = decode_grid(model, 6, mesh=mesh)
    assert images.shape == (6, 6, 64)
    assert images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    points = inverse_cdf_grid(6) if mesh == "inverse_cdf" else linear_grid(6)
    i, j = 4, 1
    z = torch.tensor(points[i * 6 + j], dtype=torch.float32)
    np.testing.assert_allclose(images[i, j], model.decode(z).detach().numpy(), atol=1e-6)


def test_decode_grid_slice_of_a_larger_latent_space():
    model = seeded_model(0, latent_dim=5)
    base = np.array([0.5, -1.0, 0.0, 2.0, 0.3])
    images = decode_grid(model, 4, dims=(3, 1), base=base)
    assert images.shape == (4, 4, 64)
    points = inverse_cdf_grid(4)
    z = base.copy()
    z[3], z[1] = points[2 * 4 + 3]
    expected = model.decode(torch.tensor(z, dtype=torch.float32)).detach().numpy()
    np.testing.assert_allclose(images[2, 3], expected, atol=1e-6)
    with pytest.raises(ValueError, match="dims"):
        decode_grid(model, 4, dims=(1, 1))
    with pytest.raises(ValueError, match="dims"):
        decode_grid(model, 4, dims=(0, 5))
    with pytest.raises(ValueError, match="base"):
        decode_grid(model, 4, base=np.zeros(2))
    with pytest.raises(ValueError, match="mesh"):
        decode_grid(model, 4, mesh="polar")


def test_gaussian_decode_grid_returns_means():
    model = seeded_model(0, likelihood="gaussian")
    images = decode_grid(model, 3)
    np.testing.assert_allclose(
        images.reshape(9, 64),
        model.decoder_params(torch.tensor(inverse_cdf_grid(3), dtype=torch.float32))
        .detach()
        .numpy(),
        atol=1e-6,
    )


def test_interpolate_between_encoder_means(digits):
    model = seeded_model(0)
    x_a, x_b = digits[1][0], digits[1][1]
    path = interpolate(model, x_a, x_b, steps=7)
    assert path.shape == (7, 64)
    mu, _ = encode_means(model, np.stack([x_a, x_b]))
    ends = model.decode(torch.as_tensor(mu)).detach().numpy()
    np.testing.assert_allclose(path[[0, -1]], ends, atol=1e-6)
    with pytest.raises(ValueError, match="steps"):
        interpolate(model, x_a, x_b, steps=1)


def test_sample_prior_is_seeded():
    model = seeded_model(0)
    a, z = sample_prior(model, 9, generator=torch.Generator().manual_seed(2), return_z=True)
    b = sample_prior(model, 9, generator=torch.Generator().manual_seed(2))
    assert a.shape == (9, 64) and z.shape == (9, 2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, model.decode(torch.as_tensor(z)).detach().numpy(), atol=1e-6)


def test_encode_means(digits):
    model = seeded_model(0, latent_dim=3)
    mu, sigma = encode_means(model, digits[1][:10])
    assert mu.shape == sigma.shape == (10, 3)
    assert isinstance(mu, np.ndarray) and (sigma > 0).all()
