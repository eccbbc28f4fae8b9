"""The model: shapes, config, the reparameterisation trick, the two likelihoods."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from engine.vae import VAE, VAEOutput

from .conftest import seeded_model


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("latent_dim", [2, 5, 32])
def test_shapes(likelihood, latent_dim):
    model = VAE(64, latent_dim=latent_dim, hidden_dims=(32, 16), likelihood=likelihood)
    x = torch.rand(7, 64)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (7, latent_dim)
    assert model.decode(mu).shape == (7, 64)
    out = model(x, generator=torch.Generator().manual_seed(0))
    assert isinstance(out, VAEOutput)
    assert out.params.shape == (7, 64)
    assert out.z.shape == (7, latent_dim)
    assert model.log_likelihood(x, out.params).shape == (7,)


def test_bernoulli_decode_is_sigmoid_of_logits():
    model = seeded_model(0)
    z = torch.randn(10, 2, generator=torch.Generator().manual_seed(1))
    probs = model.decode(z)
    assert torch.equal(probs, torch.sigmoid(model.decoder_params(z)))
    assert probs.min() >= 0 and probs.max() <= 1


def test_config_rebuilds_same_architecture():
    model = VAE(20, latent_dim=3, hidden_dims=(8, 4), likelihood="gaussian", sigma=0.5)
    clone = VAE(**model.config)
    assert clone.config == model.config
    assert {k: v.shape for k, v in clone.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_parameter_count_of_default_architecture():
    # 64-256-256-(2x2) encoder, 2-256-256-64 decoder, counted by hand.
    enc = 64 * 256 + 256 + 256 * 256 + 256 + 256 * 4 + 4
    dec = 2 * 256 + 256 + 256 * 256 + 256 + 256 * 64 + 64
    assert sum(p.numel() for p in VAE(64).parameters()) == enc + dec


@pytest.mark.parametrize(
    "kwargs",
    [
        {"latent_dim": 1},
        {"latent_dim": 33},
        {"likelihood": "poisson"},
        {"hidden_dims": (0,)},
        {"sigma": 0.0},
    ],
)
def test_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        VAE(64, **kwargs)


def test_reparameterize_moments_and_generator():
    mu = torch.tensor([[1.0, -2.0]])
    logvar = torch.tensor([[0.0, math.log(0.25)]])
    z = VAE.reparameterize(
        mu.expand(200_000, 2), logvar.expand(200_000, 2), torch.Generator().manual_seed(0)
    )
    torch.testing.assert_close(z.mean(0), mu[0], atol=0.01, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([1.0, 0.5]), atol=0.01, rtol=0)
    a = VAE.reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    b = VAE.reparameterize(mu, logvar, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_reparameterize_passes_gradients():
    mu = torch.zeros(4, 2, requires_grad=True)
    logvar = torch.zeros(4, 2, requires_grad=True)
    VAE.reparameterize(mu, logvar, torch.Generator().manual_seed(0)).sum().backward()
    assert torch.equal(mu.grad, torch.ones(4, 2))
    assert logvar.grad.abs().sum() > 0


@pytest.mark.parametrize("learn_sigma", [False, True])
def test_gaussian_log_likelihood_matches_scipy(learn_sigma):
    model = VAE(6, hidden_dims=(5,), likelihood="gaussian", sigma=0.3, learn_sigma=learn_sigma)
    if learn_sigma:
        with torch.no_grad():
            model.log_sigma.fill_(np.log(0.7))
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(9, 6, generator=gen)
    means = torch.randn(9, 6, generator=gen)
    sigma = 0.7 if learn_sigma else 0.3
    expected = stats.norm.logpdf(x.numpy(), loc=means.numpy(), scale=sigma).sum(1)
    got = model.log_likelihood(x, means).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert model.sigma == pytest.approx(sigma)


def test_bernoulli_log_likelihood_matches_scipy():
    model = VAE(6, hidden_dims=(5,))
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(9, 6, generator=gen) < 0.5).float()
    logits = 3 * torch.randn(9, 6, generator=gen)
    p = torch.sigmoid(logits.double()).numpy()
    expected = stats.bernoulli.logpmf(x.numpy(), p).sum(1)
    np.testing.assert_allclose(model.log_likelihood(x, logits).numpy(), expected, rtol=1e-5)


def test_bernoulli_log_likelihood_finite_for_saturated_logits():
    model = VAE(2, hidden_dims=())
    x = torch.tensor([[1.0, 0.0]])
    ll = model.log_likelihood(x, torch.tensor([[-200.0, 200.0]]))
    assert torch.isfinite(ll).all()
    assert ll.item() == pytest.approx(-400.0)


def test_learned_sigma_is_a_parameter_fixed_sigma_is_frozen():
    fixed = VAE(4, likelihood="gaussian", learn_sigma=False)
    learned = VAE(4, likelihood="gaussian", learn_sigma=True)
    assert not fixed.log_sigma.requires_grad
    assert learned.log_sigma.requires_grad
    assert "log_sigma" not in VAE(4).state_dict()
