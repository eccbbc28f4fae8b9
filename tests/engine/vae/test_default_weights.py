"""The shipped default model, and the engine's import boundary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

from engine.vae import decode_grid, elbo, iwae_log_likelihood

from .conftest import DEFAULT_WEIGHTS


def test_default_weights_are_small_and_describe_the_default_model(default_model):
    assert DEFAULT_WEIGHTS.stat().st_size < 1_000_000
    assert default_model.config == {
        "input_dim": 64,
        "latent_dim": 2,
        "hidden_dims": [256, 256],
        "likelihood": "bernoulli",
        "sigma": 0.1,
        "learn_sigma": False,
    }


def test_default_weights_reach_the_target_on_held_out_digits(default_model, digits):
    X_test = digits[1]
    gen = torch.Generator().manual_seed(0)
    neg_elbo = -elbo(default_model, X_test, n_samples=20, generator=gen).mean().item()
    # k=200 gives a looser bound than k=1000, so passing here implies passing there.
    neg_log_px = -iwae_log_likelihood(default_model, X_test, k=200, generator=gen).mean().item()
    assert neg_elbo <= 21.0
    assert neg_log_px <= 20.0
    assert neg_log_px < neg_elbo


def test_default_model_decodes_digit_like_images(default_model):
    images = decode_grid(default_model, 10)
    assert images.shape == (10, 10, 64)
    # not a blank or uniform grey: decoded images differ across the latent plane
    assert images.std(axis=(0, 1)).mean() > 0.1


def test_engine_vae_imports_no_ui_libraries():
    root = Path(__file__).resolve().parents[3]
    code = (
        "import sys, engine.vae, engine.io; "
        "bad = [m for m in ('streamlit', 'plotly') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
