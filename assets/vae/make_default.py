"""Make the VAE the app loads at start: ``assets/vae/digits_bernoulli_2d.safetensors``.

A Bernoulli VAE with a 2-D latent space and the default architecture (64-256-256-2), trained
with ``engine.vae.train``'s defaults and seed 0 on the fixed training split of the binarised
8x8 digits. Run from the repository root (about 10-20 s on two CPU cores)::

    python assets/vae/make_default.py

The run is seeded, so it rebuilds the same weights on the same platform and torch version
(floating-point summation order can differ across CPUs and builds).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "digits_bernoulli_2d.safetensors"
SEED = 0


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from engine.data import digits_split
    from engine.vae import VAE, elbo, iwae_log_likelihood, load, save, train

    X_train, X_test, _, _ = digits_split(binary=True)
    model = VAE(X_train.shape[1], latent_dim=2, likelihood="bernoulli")
    t0 = time.perf_counter()
    history = train(model, X_train, seed=SEED)
    print(f"trained {len(history)} epochs in {time.perf_counter() - t0:.1f} s")

    save(model, OUT)
    reloaded = load(OUT)
    gen = torch.Generator().manual_seed(SEED)
    neg_elbo = -float(elbo(reloaded, X_test, n_samples=100, generator=gen).mean())
    neg_iwae = -float(iwae_log_likelihood(reloaded, X_test, k=1000, generator=gen).mean())
    print(f"held-out -ELBO {neg_elbo:.2f} nats, IWAE -log p(x) {neg_iwae:.2f} nats (k=1000)")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
