"""Discrete against continuous latent variables, in nats per held-out image.

    python bench/bench_latents.py

On the fixed held-out split of the binarised 8x8 digits: the Bernoulli mixture's exact
log-likelihood over a sweep of K, against the shipped VAEs' ELBO and IWAE estimate of log p(x)
over latent sizes 2, 4, 8 and 16 (``assets/vae/make_default.py`` and
``make_latent_sweep.py`` make them). Every figure is a mean over the 360 held-out images.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import torch
from sklearn.exceptions import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.data import digits_split  # noqa: E402
from engine.mixtures import BernoulliMixture  # noqa: E402
from engine.vae import elbo, iwae_log_likelihood, load  # noqa: E402

KS = (1, 2, 5, 10, 20, 30, 50)
LATENTS = (2, 4, 8, 16)


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    X_train, X_test, _, _ = digits_split(binary=True)
    print(f"{'model':<28}{'size':>6}{'parameters':>12}{'held-out nats/image':>22}{'s':>7}")
    for k in KS:
        t0 = time.perf_counter()
        bm = BernoulliMixture(k, n_init=3, random_state=0).fit(X_train)
        print(
            f"{'Bernoulli mixture, exact':<28}{'K=' + str(k):>6}{bm.n_parameters():>12,}"
            f"{bm.score(X_test):>22.2f}{time.perf_counter() - t0:>7.1f}"
        )
    for d in LATENTS:
        path = ROOT / "assets" / "vae" / f"digits_bernoulli_{d}d.safetensors"
        model = load(path)
        n_params = sum(p.numel() for p in model.parameters())
        t0 = time.perf_counter()
        g = torch.Generator().manual_seed(0)
        e = float(elbo(model, X_test, n_samples=100, generator=g).mean())
        i = float(iwae_log_likelihood(model, X_test, k=1000, generator=g).mean())
        s = time.perf_counter() - t0
        print(
            f"{'VAE, ELBO (lower bound)':<28}{'d=' + str(d):>6}{n_params:>12,}{e:>22.2f}{s:>7.1f}"
        )
        print(f"{'VAE, IWAE k=1000':<28}{'d=' + str(d):>6}{n_params:>12,}{i:>22.2f}")


if __name__ == "__main__":
    main()
