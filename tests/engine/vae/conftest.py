"""Shared fixtures: the fixed digits split and the shipped default model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.data import digits_split
from engine.vae import VAE, load

DEFAULT_WEIGHTS = (
    Path(__file__).resolve().parents[3] / "assets" / "vae" / "digits_bernoulli_2d.safetensors"
)


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """(X_train, X_test) of the binarised 8x8 digits."""
    X_train, X_test, _, _ = digits_split(binary=True)
    return X_train, X_test


@pytest.fixture(scope="session")
def default_model() -> VAE:
    """The shipped default model (read-only: tests must not train it)."""
    return load(DEFAULT_WEIGHTS)


def seeded_model(seed: int = 0, **kwargs) -> VAE:
    """A freshly initialised VAE whose weights depend only on ``seed``."""
    kwargs.setdefault("input_dim", 64)
    model = VAE(**kwargs)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim > 0:
                p.uniform_(-0.3, 0.3, generator=gen)
    return model.eval()
