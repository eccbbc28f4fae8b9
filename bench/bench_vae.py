"""Benchmark of engine.vae: model quality, training throughput, decoding speed.

Run from the repository root::

    python bench/bench_vae.py            # about 1 minute on 2 idle CPU cores
    python bench/bench_vae.py --quick    # smaller throughput run
    python bench/bench_vae.py --json out.json   # also write the figures to a file

Three measurements, printed as tables:

1. Quality: ``engine.vae.train`` with its defaults (the app's defaults) on the binarised 8x8
   digits, 2-D latent space; held-out -ELBO (analytic KL, 100 samples of z per image) and
   -log p(x) by importance weighting (k = 1000), in nats per image. Targets: <= 21.0 and <= 20.0
   within 60 s of training.
2. Throughput: images per second on an MNIST-sized array (60000 x 784 random 0/1 pixels), for
   ``engine.vae.train`` and, side by side in the same process, a plain PyTorch loop of the same
   architecture (Linear/ReLU encoder with two heads, Linear/ReLU decoder, Adam,
   BCE-with-logits plus the analytic KL, randperm mini-batches). Epochs alternate between the two
   so that both see the same machine load; the best and the median epoch are shown.
3. Decoding a 20 x 20 latent grid (target under 100 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.data import digits_split  # noqa: E402
from engine.vae import VAE, decode_grid, elbo, iwae_log_likelihood, train  # noqa: E402
from engine.vae.train import BATCH_SIZE, EPOCHS, LR  # noqa: E402


class ReferenceVAE(nn.Module):
    """The textbook PyTorch VAE (as in pytorch/examples), with the same layer sizes."""

    def __init__(self, input_dim: int, latent_dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc_mu = nn.Linear(hidden, latent_dim)
        self.fc_logvar = nn.Linear(hidden, latent_dim)
        self.fc3 = nn.Linear(latent_dim, hidden)
        self.fc4 = nn.Linear(hidden, hidden)
        self.fc5 = nn.Linear(hidden, input_dim)

    def forward(self, x: torch.Tensor, generator: torch.Generator):
        h = F.relu(self.fc2(F.relu(self.fc1(x))))
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
        logits = self.fc5(F.relu(self.fc4(F.relu(self.fc3(z)))))
        return logits, mu, logvar


def reference_epoch(model, optimizer, X: torch.Tensor, batch_size: int, gen) -> float:
    """One epoch of the plain loop; returns the mean loss (-ELBO per image)."""
    total = 0.0
    order = torch.randperm(X.shape[0], generator=gen)
    for lo in range(0, X.shape[0], batch_size):
        x = X[order[lo : lo + batch_size]]
        logits, mu, logvar = model(x, gen)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = (bce + kld) / x.shape[0]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * x.shape[0]
    return total / X.shape[0]


def bench_quality(seed: int) -> dict:
    X_train, X_test, _, _ = digits_split(binary=True)
    model = VAE(X_train.shape[1], latent_dim=2)
    t0 = time.perf_counter()
    history = train(model, X_train, seed=seed)
    seconds = time.perf_counter() - t0
    gen = torch.Generator().manual_seed(seed + 1)
    t1 = time.perf_counter()
    neg_elbo = -float(elbo(model, X_test, n_samples=100, generator=gen).mean())
    neg_iwae = -float(iwae_log_likelihood(model, X_test, k=1000, generator=gen).mean())
    eval_seconds = time.perf_counter() - t1
    neg_elbo_train = -float(elbo(model, X_train, n_samples=100, generator=gen).mean())
    return {
        "epochs": len(history),
        "train_seconds": seconds,
        "train_neg_elbo": neg_elbo_train,
        "test_neg_elbo": neg_elbo,
        "test_neg_log_px_iwae_k1000": neg_iwae,
        "eval_seconds": eval_seconds,
    }


def bench_throughput(n: int, rounds: int, batch_size: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    X = (rng.random((n, 784)) < 0.13).astype(np.float32)  # about MNIST's share of ink
    hidden, latent = 256, 2

    torch.manual_seed(seed)  # the bench is a script: seeding the reference model here is fine
    ref = ReferenceVAE(784, latent, hidden)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    ref_gen = torch.Generator().manual_seed(seed)
    ours = VAE(784, latent_dim=latent, hidden_dims=(hidden, hidden))

    ref_times, our_times = [], []
    ref_loss = our_loss = float("nan")
    for r in range(rounds):
        t0 = time.perf_counter()
        X_t = torch.as_tensor(X, dtype=torch.float32)
        ref_loss = reference_epoch(ref, ref_opt, X_t, batch_size, ref_gen)
        ref_times.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        hist = train(
            ours, X, epochs=1, batch_size=batch_size, lr=1e-3, seed=seed + r, warm_start=r > 0
        )
        our_times.append(time.perf_counter() - t0)
        our_loss = hist[-1]["loss"]
    return {
        "n_images": n,
        "batch_size": batch_size,
        "epochs_each": rounds,
        "reference_images_per_s_best": n / min(ref_times),
        "reference_images_per_s_median": n / statistics.median(ref_times),
        "engine_images_per_s_best": n / min(our_times),
        "engine_images_per_s_median": n / statistics.median(our_times),
        "reference_last_loss": ref_loss,
        "engine_last_loss": our_loss,
    }


def bench_grid(repeats: int = 30) -> dict:
    X_train, _, _, _ = digits_split(binary=True)
    model = VAE(X_train.shape[1], latent_dim=2).eval()
    decode_grid(model, 20)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        images = decode_grid(model, 20)
        times.append(time.perf_counter() - t0)
    assert images.shape == (20, 20, 64)
    return {"grid_ms_median": 1e3 * statistics.median(times), "grid_ms_max": 1e3 * max(times)}


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10000 images for throughput")
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each loop (default 3)")
    parser.add_argument("--batch-size", type=int, default=128, help="throughput batch size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {_load()}")
    print(f"train() defaults: epochs={EPOCHS}, batch_size={BATCH_SIZE}, lr={LR:g}, no KL warm-up\n")

    q = bench_quality(args.seed)
    print("1. Binarised digits, 2-D latent, train() defaults (held-out: 360 images)")
    print(f"   {'measure':<38}{'value':>10}{'target':>10}")
    rows = [
        ("training time (s)", q["train_seconds"], "<= 60"),
        ("train -ELBO (nats/image)", q["train_neg_elbo"], ""),
        ("held-out -ELBO, analytic KL", q["test_neg_elbo"], "<= 21.0"),
        ("held-out -log p(x), IWAE k=1000", q["test_neg_log_px_iwae_k1000"], "<= 20.0"),
        ("evaluation time (s)", q["eval_seconds"], ""),
    ]
    for name, value, target in rows:
        print(f"   {name:<38}{value:>10.2f}{target:>10}")

    n = 10000 if args.quick else 60000
    t = bench_throughput(n, args.rounds, args.batch_size, args.seed)
    print(
        f"\n2. Training throughput, {n} x 784 random 0/1, 784-256-256-2, batch {args.batch_size}, "
        f"{args.rounds} alternating epochs each"
    )
    print(f"   {'loop':<26}{'best img/s':>12}{'median img/s':>14}{'last loss':>11}")
    for name, key, loss in (
        ("plain PyTorch reference", "reference", t["reference_last_loss"]),
        ("engine.vae.train", "engine", t["engine_last_loss"]),
    ):
        best, med = t[f"{key}_images_per_s_best"], t[f"{key}_images_per_s_median"]
        print(f"   {name:<26}{best:>12.0f}{med:>14.0f}{loss:>11.2f}")
    ratio = t["engine_images_per_s_best"] / t["reference_images_per_s_best"]
    print(f"   engine / reference (best epochs): {ratio:.2f}x")

    g = bench_grid()
    print("\n3. decode_grid(model, 20): 400 latent points -> (20, 20, 64)")
    print(
        f"   median {g['grid_ms_median']:.2f} ms, max {g['grid_ms_max']:.2f} ms (target < 100 ms)"
    )

    print(f"\n{_load()} (other processes slow every figure above; compare runs at low load)")
    if args.json is not None:
        args.json.write_text(json.dumps({"quality": q, "throughput": t, "grid": g}, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
