"""Time and peak memory of reading an uploaded CSV table (issue 15).

Runs :func:`engine.data.inspect_table` on generated CSVs of 200,000 and 2,000,000 rows x 2
float columns (about 4 MB and 40 MB), and ``pandas.read_csv`` on the same bytes as a reference.
Time is the best of ``--repeat`` runs (:func:`time.perf_counter`); peak memory is measured in
one more run under :mod:`tracemalloc` (Python and NumPy allocations; pandas' C parser buffers
are partly outside it).

Measured on the 2-core development machine (issue 15), best of runs, seconds / tracemalloc peak:

==========  =====  ==========================  ========================  ===============
rows        MB     careful reader (before:     inspect_table (after:     pandas.read_csv
                   the only path)              C-parser fast path)       (reference)
==========  =====  ==========================  ========================  ===============
200,000     3.6    0.52 s / 70 MB              0.13 s / 17 MB            0.03 s / 3 MB
2,000,000   36.2   5.17 s / 698 MB             1.13 s / 173 MB           0.12 s / 31 MB
==========  =====  ==========================  ========================  ===============

Under tracemalloc the careful reader took 72.9 s for 2,000,000 rows (it allocates a Python
string per cell); the fast path's remaining time is mostly pandas' duplicate-row count.
The careful reader is still used (and timed with ``--careful``) for any file that is not a
plain table of finite numbers, so that its messages can name the line and cell at fault.

Usage::

    python bench/bench_upload.py            # both sizes
    python bench/bench_upload.py --rows 200000 --repeat 3
    python bench/bench_upload.py --careful   # also the careful reader (slow)
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.data import inspect_table  # noqa: E402


def make_csv(n_rows: int, seed: int = 0) -> bytes:
    """A header and ``n_rows`` rows of two floats with 6 decimals, as UTF-8 bytes."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n_rows), "y": rng.normal(size=n_rows)})
    return frame.to_csv(index=False, float_format="%.6f").encode()


def measure(fn, data: bytes, repeat: int) -> tuple[float, float]:
    """Best wall time in seconds of ``fn(data)``, and its tracemalloc peak in MB.

    The time is taken without tracemalloc (which slows allocation-heavy code several times);
    the peak comes from one further run under tracemalloc.
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn(data)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[200_000, 2_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--careful",
        action="store_true",
        help="also time the careful cell-by-cell reader (the only path before issue 15), "
        "forced by quoting the header; slow",
    )
    args = parser.parse_args()
    readers = {
        "engine.data.inspect_table": lambda data: inspect_table(data),
        "pandas.read_csv (reference)": lambda data: pd.read_csv(io.BytesIO(data)),
    }
    if args.careful:
        # A quote sends the file to the careful reader; only the header changes.
        readers["inspect_table, careful path"] = lambda data: inspect_table(
            b'"x","y"' + data[data.index(b"\n") :]
        )
    print(f"{'rows':>10} {'MB':>6}  {'reader':<28} {'seconds':>8} {'peak MB':>8}")
    for n_rows in args.rows:
        data = make_csv(n_rows)
        for name, fn in readers.items():
            seconds, peak = measure(fn, data, args.repeat)
            print(
                f"{n_rows:>10,} {len(data) / 2**20:>6.1f}  {name:<28} {seconds:>8.2f} {peak:>8.0f}"
            )


if __name__ == "__main__":
    main()
