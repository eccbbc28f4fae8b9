"""Training: it learns, it is reproducible, it reports every epoch, it touches no globals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.vae import VAE, train


def _timeless(history):
    return [{k: v for k, v in r.items() if k not in ("seconds", "elapsed")} for r in history]


@pytest.fixture(scope="module")
def small(digits):
    return digits[0][:300], digits[1][:100]


def test_loss_decreases_and_records_have_the_keys(small):
    X, X_val = small
    history = train(VAE(64, hidden_dims=(64, 64)), X, epochs=12, batch_size=32, X_val=X_val)
    assert [r["epoch"] for r in history] == list(range(1, 13))
    keys = {"epoch", "beta", "loss", "recon", "kl", "val_loss", "val_recon", "val_kl", "seconds"}
    assert keys <= set(history[0])
    assert history[-1]["loss"] < history[0]["loss"] - 3
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    for r in history:
        assert r["loss"] == pytest.approx(r["recon"] + r["beta"] * r["kl"])


def test_same_seed_same_history_and_weights(small):
    X, _ = small
    runs = []
    for _ in range(2):
        model = VAE(64, hidden_dims=(32,))
        runs.append((train(model, X, epochs=4, batch_size=50, seed=7), model.state_dict()))
    assert _timeless(runs[0][0]) == _timeless(runs[1][0])
    assert all(torch.equal(runs[0][1][k], runs[1][1][k]) for k in runs[0][1])
    other = train(VAE(64, hidden_dims=(32,)), X, epochs=4, batch_size=50, seed=8)
    assert _timeless(other) != _timeless(runs[0][0])


def test_accepts_tensors_and_arrays_alike(small):
    X, _ = small
    a = train(VAE(64, hidden_dims=(16,)), X, epochs=2, seed=1)
    b = train(VAE(64, hidden_dims=(16,)), torch.as_tensor(X, dtype=torch.float32), epochs=2, seed=1)
    assert _timeless(a) == _timeless(b)


def test_callback_every_epoch_and_early_stop(small):
    X, _ = small
    seen = []
    train(VAE(64, hidden_dims=(16,)), X, epochs=5, callback=seen.append)
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5]
    history = train(VAE(64, hidden_dims=(16,)), X, epochs=50, callback=lambda r: r["epoch"] < 3)
    assert len(history) == 3


def test_kl_warmup_ramps_beta(small):
    X, _ = small
    history = train(VAE(64, hidden_dims=(16,)), X, epochs=6, beta=2.0, kl_warmup_epochs=4)
    assert [r["beta"] for r in history] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]


def test_warm_start_continues_from_current_weights(small):
    X, _ = small
    model = VAE(64, hidden_dims=(32,))
    first = train(model, X, epochs=6, seed=0)
    more = train(model, X, epochs=1, seed=1, warm_start=True)
    fresh = train(VAE(64, hidden_dims=(32,)), X, epochs=1, seed=1)
    assert more[0]["loss"] < fresh[0]["loss"]
    assert more[0]["loss"] < first[0]["loss"]


def test_no_global_state_is_touched(small):
    X, _ = small
    model = VAE(64, hidden_dims=(16,))  # construction draws from the global generator
    rng_before = torch.get_rng_state()
    threads = torch.get_num_threads()
    train(model, X, epochs=2, X_val=X[:20])
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert torch.get_num_threads() == threads


def test_gaussian_decoder_learns_sigma(digits):
    from engine.data import digits_split

    X = digits_split(binary=False)[0][:300]
    model = VAE(64, hidden_dims=(64,), likelihood="gaussian", sigma=0.5, learn_sigma=True)
    history = train(model, X, epochs=15, batch_size=32, lr=3e-3)
    assert model.sigma < 0.45
    assert history[-1]["loss"] < history[0]["loss"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": -1.0}, "lr"),
        ({"beta": float("nan")}, "beta"),
        ({"kl_warmup_epochs": -1}, "kl_warmup_epochs"),
    ],
)
def test_rejects_bad_settings(small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(VAE(64, hidden_dims=(8,)), small[0], **kwargs)


def test_rejects_bad_data():
    model = VAE(4, hidden_dims=(8,))
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        train(model, np.full((5, 4), 2.0), epochs=1)
    with pytest.raises(ValueError, match="shape"):
        train(model, np.zeros((5, 3)), epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        train(model, np.full((5, 4), np.nan), epochs=1)
