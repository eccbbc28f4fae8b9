"""Make the VAEs the "discrete against continuous latents" comparison loads.

Bernoulli VAEs with latent sizes 4, 8 and 16 (the 2-D one is ``digits_bernoulli_2d``, made by
``make_default.py``), each with the default architecture and ``engine.vae.train``'s defaults
and seed 0 on the fixed training split of the binarised 8x8 digits. Run from the repository
root (about a minute on two CPU cores)::

    python assets/vae/make_latent_sweep.py

Writes ``assets/vae/digits_bernoulli_{4,8,16}d.safetensors`` (about 0.6 MB each).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LATENT_SIZES = (4, 8, 16)
SEED = 0


def path_for(latent_dim: int) -> Path:
    """Where the VAE with this latent size is stored."""
    return HERE / f"digits_bernoulli_{latent_dim}d.safetensors"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from engine.data import digits_split
    from engine.vae import VAE, save, train

    X_train, _, _, _ = digits_split(binary=True)
    for d in LATENT_SIZES:
        model = VAE(X_train.shape[1], latent_dim=d, likelihood="bernoulli")
        t0 = time.perf_counter()
        history = train(model, X_train, seed=SEED)
        save(model, path_for(d))
        print(
            f"latent {d:>2}: {len(history)} epochs in {time.perf_counter() - t0:.1f} s, "
            f"wrote {path_for(d).relative_to(ROOT)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
