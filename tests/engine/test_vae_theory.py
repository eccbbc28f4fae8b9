"""The theory lab's experiments: unbiased estimators agree, and their spreads tell them apart."""

import numpy as np
import pytest
import torch

from engine.data import digits_split
from engine.vae import VAE, load
from engine.vae.theory import (
    elbo_estimator_spread,
    encoder_gradient_variance,
    marginal_likelihood_estimates,
    toy_gradient_variance,
)
from tests.conftest import REPO_ROOT as ROOT

WEIGHTS = ROOT / "assets" / "vae" / "digits_bernoulli_2d.safetensors"


@pytest.fixture(scope="module")
def model():
    return load(WEIGHTS)


@pytest.fixture(scope="module")
def images():
    return digits_split(binary=True)[1][:20]


def test_elbo_estimators_agree_in_mean_and_differ_in_spread(model, images):
    rows = elbo_estimator_spread(model, images, n_samples_list=(1, 32), n_repeats=20, seed=0)
    by = {(r["estimator"], r["n_samples"]): r for r in rows}
    means = [by[(e, 32)]["mean"] for e in ("analytic", "entropy", "mc")]
    assert max(means) - min(means) < 0.3  # nats per image, all three unbiased
    for e in ("analytic", "entropy", "mc"):
        assert by[(e, 32)]["std"] < by[(e, 1)]["std"]  # more samples, less spread
    # Their spreads differ. Near a good posterior the full Monte Carlo form varies least:
    # log p(x, z) - log q(z|x) is constant when q is the exact posterior.
    spreads = sorted(by[(e, 1)]["std"] for e in ("analytic", "entropy", "mc"))
    assert spreads[-1] > 1.05 * spreads[0]


def test_toy_gradients_are_unbiased_and_reparameterisation_has_lower_variance():
    rows = toy_gradient_variance(n_samples_list=(1, 100), n_repeats=4000, seed=0)
    by = {(r["method"], r["n_samples"]): r for r in rows}
    exact = rows[0]["exact"]
    for method in ("reparameterisation", "score function"):
        assert by[(method, 100)]["mean"] == pytest.approx(exact, abs=0.15)
        # variance falls like 1/S
        ratio = by[(method, 1)]["variance"] / by[(method, 100)]["variance"]
        assert 60 < ratio < 160
    assert by[("reparameterisation", 1)]["variance"] * 5 < by[("score function", 1)]["variance"]


def test_encoder_gradient_variance_favours_reparameterisation(model, images):
    rows = encoder_gradient_variance(model, images[:1], n_samples_list=(1, 8), n_repeats=12)
    by = {(r["method"], r["n_samples"]): r for r in rows}
    for s in (1, 8):
        assert (
            by[("reparameterisation", s)]["total_variance"]
            < by[("score function", s)]["total_variance"]
        )
    assert (
        by[("reparameterisation", 8)]["total_variance"]
        < by[("reparameterisation", 1)]["total_variance"]
    )


def test_importance_sampling_beats_the_prior(model, images):
    rows = marginal_likelihood_estimates(
        model, images[:1], n_samples_list=(10, 3000), n_repeats=8, seed=1
    )
    by = {(r["method"], r["n_samples"]): r for r in rows}
    post, prior = by[("posterior (importance)", 3000)], by[("prior", 3000)]
    assert post["mean"] == pytest.approx(prior["mean"], abs=1.0)  # same target
    assert by[("posterior (importance)", 10)]["std"] < by[("prior", 10)]["std"]
    # with few samples the prior underestimates log p(x) (Jensen): below the converged value
    assert by[("prior", 10)]["mean"] < post["mean"]


def test_experiments_are_seeded(model, images):
    a = marginal_likelihood_estimates(model, images[:1], n_samples_list=(10,), n_repeats=3)
    b = marginal_likelihood_estimates(model, images[:1], n_samples_list=(10,), n_repeats=3)
    assert a == b
    untrained = VAE(64, latent_dim=2, hidden_dims=(16,))
    torch.manual_seed(0)
    rows = elbo_estimator_spread(untrained, np.zeros((2, 64)), (1,), n_repeats=3)
    assert len(rows) == 3
