"""The VAE resource's training budget: weights counted exactly, runs estimated generously."""

from __future__ import annotations

import pytest

from engine.vae import VAE
from ui.cached import vae as cvae


@pytest.mark.parametrize(
    ("input_dim", "latent_dim", "hidden"), [(64, 2, (256, 256)), (784, 8, (1024, 512, 64))]
)
def test_weights_are_counted_as_the_model_has_them(input_dim, latent_dim, hidden) -> None:
    model = VAE(input_dim, latent_dim, hidden)
    assert cvae.n_weights(input_dim, latent_dim, hidden) == sum(
        p.numel() for p in model.parameters()
    )


def test_the_default_run_fits_the_budget_and_a_runaway_one_does_not() -> None:
    default = cvae.TrainSettings()
    assert cvae.training_seconds(default, 1437, 64) < 60
    # 2,000 epochs of batch 1 on three 1,024-unit layers: once asked for 18 CPU-hours.
    runaway = default._replace(epochs=2000, batch_size=1, hidden_dims=(1024, 1024, 1024))
    assert cvae.training_seconds(runaway, 5000, 784) > 10 * cvae.MAX_TRAIN_SECONDS
