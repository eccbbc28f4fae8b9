"""Hostile files through the engine's loaders (issue 15).

Every file is generated here, none is stored. Each case asserts the project's error type (never
a RecursionError, TypeError or a library's own error), a message written for a person that names
the real cause, a time under 2 s and a peak memory growth under 300 MB (tracemalloc).
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
from safetensors.torch import save as st_save

from engine.data import DataError, inspect_table, read_idx_pair, read_images
from engine.errors import ModelFileError
from engine.io import load_mixture, vae_from_bytes, vae_to_bytes
from engine.vae import VAE

MAX_SECONDS = 2.0
MAX_PEAK_MB = 300


def run_bounded(load, data):
    """Call ``load(data)``; return (result or exception, seconds, peak MB)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = load(data)
    except Exception as exc:  # noqa: BLE001 - the test inspects what came out
        outcome = exc
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert seconds < MAX_SECONDS, f"took {seconds:.2f} s"
    assert peak < MAX_PEAK_MB, f"peak {peak:.0f} MB"
    return outcome


def assert_refused(outcome, error: type, *keywords: str) -> None:
    assert type(outcome) is error, repr(outcome)
    message = str(outcome)
    assert message.endswith("."), message
    assert "Traceback" not in message and len(message) < 600, message
    for keyword in keywords:
        assert keyword.lower() in message.lower(), (keyword, message)


# --------------------------------------------------------------------------- generators


def gzip_stream(head: bytes, n_zeros: int) -> bytes:
    """gzip of ``head`` then ``n_zeros`` zero bytes, built without holding them inflated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [packer.compress(head)]
    block = bytes(2**20)
    for _ in range(n_zeros // len(block)):
        parts.append(packer.compress(block))
    parts.append(packer.compress(bytes(n_zeros % len(block))))
    parts.append(packer.flush())
    return b"".join(parts)


def idx_head(n: int, h: int, w: int) -> bytes:
    return struct.pack(">IIII", 0x00000803, n, h, w)


def npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


@pytest.fixture(scope="module")
def vae_parts():
    model = VAE(input_dim=4, latent_dim=2, hidden_dims=[3], likelihood="bernoulli")
    data = vae_to_bytes(model)
    n = int.from_bytes(data[:8], "little")
    return model, json.loads(data[8 : 8 + n]), data[8 + n :]


def with_header(header: dict, body: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw + body


def with_config(parts, **changes) -> bytes:
    _, header, body = parts
    header = json.loads(json.dumps(header))
    config = json.loads(header["__metadata__"]["config"])
    config.update(changes)
    header["__metadata__"]["config"] = json.dumps(config)
    return with_header(header, body)


# --------------------------------------------------------------------------- VAE model files


def test_vae_dtype_given_as_a_json_list(vae_parts):
    _, header, body = vae_parts
    header = json.loads(json.dumps(header))
    name = next(k for k in header if k != "__metadata__")
    header[name]["dtype"] = ["F32"]
    outcome = run_bounded(vae_from_bytes, with_header(header, body))
    assert_refused(outcome, ModelFileError, "dtype", "floating point")


def test_vae_header_nested_30000_levels():
    deep = b"[" * 30_000 + b"]" * 30_000
    outcome = run_bounded(vae_from_bytes, len(deep).to_bytes(8, "little") + deep)
    assert_refused(outcome, ModelFileError, "nested too deeply")


def test_vae_config_nested_30000_levels(vae_parts):
    _, header, body = vae_parts
    header = json.loads(json.dumps(header))
    header["__metadata__"]["config"] = "[" * 30_000 + "]" * 30_000
    outcome = run_bounded(vae_from_bytes, with_header(header, body))
    assert_refused(outcome, ModelFileError, "nested too deeply")


def test_vae_config_with_a_5000_digit_integer(vae_parts):
    _, header, body = vae_parts
    header = json.loads(json.dumps(header))
    header["__metadata__"]["config"] = '{"input_dim": ' + "9" * 5000 + "}"
    outcome = run_bounded(vae_from_bytes, with_header(header, body))
    assert_refused(outcome, ModelFileError, "number too long")


@pytest.mark.parametrize(
    ("change", "keywords"),
    [
        ({"hidden_dims": "3"}, ["hidden_dims", "list"]),
        ({"hidden_dims": [{"a": 1}]}, ["hidden_dims", "whole number"]),
        ({"latent_dim": 2.0}, ["latent_dim", "whole number"]),
        ({"input_dim": 10**300}, ["input_dim", "..."]),
        ({"likelihood": ["bernoulli"]}, ["likelihood"]),
        ({"likelihood": {"x": 1}}, ["likelihood"]),
        ({"sigma": "0.1"}, ["sigma"]),
        ({"learn_sigma": "yes"}, ["learn_sigma"]),
    ],
    ids=lambda v: json.dumps(v)[:30] if isinstance(v, dict) else None,
)
def test_vae_config_field_of_the_wrong_type(vae_parts, change, keywords):
    outcome = run_bounded(vae_from_bytes, with_config(vae_parts, **change))
    assert_refused(outcome, ModelFileError, *keywords)


def test_vae_config_that_is_not_a_string(vae_parts):
    _, header, body = vae_parts
    header = json.loads(json.dumps(header))
    header["__metadata__"]["config"] = {"input_dim": 4}
    outcome = run_bounded(vae_from_bytes, with_header(header, body))
    assert_refused(outcome, ModelFileError)


def test_vae_float64_weights_beyond_float32_are_refused(vae_parts):
    model, header, _ = vae_parts
    state = {k: v.double().clone() for k, v in model.state_dict().items()}
    state["encoder.0.weight"][0, 0] = 1e300
    data = st_save(state, metadata=header["__metadata__"])
    outcome = run_bounded(vae_from_bytes, data)
    assert_refused(outcome, ModelFileError, "encoder.0.weight", "32-bit")


class _Trap:
    ran = False

    def __reduce__(self):
        return (_Trap._spring, ())

    @staticmethod
    def _spring():
        _Trap.ran = True


@pytest.mark.parametrize("protocol", range(2, 6))
def test_vae_pickle_is_never_unpickled(protocol):
    import pickle

    outcome = run_bounded(vae_from_bytes, pickle.dumps(_Trap(), protocol=protocol))
    assert_refused(outcome, ModelFileError, "pickle")
    assert not _Trap.ran


# --------------------------------------------------------------------------- mixture model files


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 30_000 + b"]" * 30_000,
        b'{"format": ' + b"[" * 2_000 + b"]" * 2_000 + b"}",
        b'{"family": ["gaussian"]}',
        b'{"n_components": ' + b"9" * 5000 + b"}",
    ],
    ids=["nested-30000", "nested-field", "family-list", "5000-digits"],
)
def test_mixture_files_raise_only_model_file_error(data):
    outcome = run_bounded(load_mixture, data)
    assert_refused(outcome, ModelFileError)


# --------------------------------------------------------------------------- tables


def test_csv_field_too_long_is_named_as_such():
    data = b"a,b\n1,2\n3," + b"7" * 200_000 + b"x\n5,6\n"
    outcome = run_bounded(inspect_table, data)
    assert_refused(outcome, DataError, "line 3", "131,072 characters")


def test_unclosed_quote_is_still_named_as_such():
    data = b'a,b\n1,2\n"3,4\n' + b"5,6\n" * 40_000
    outcome = run_bounded(inspect_table, data)
    assert_refused(outcome, DataError, "line 3", "never closed")


@pytest.mark.parametrize(
    ("codec", "name"),
    [("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32", "utf-32"),
     ("utf-32-le", "utf-32"), ("utf-32-be", "utf-32")],
)  # fmt: skip
def test_wide_encodings_are_named_not_called_binary(codec, name):
    data = ("a,b\n" + "1.5,2\n" * 500).encode(codec)
    outcome = run_bounded(inspect_table, data)
    assert_refused(outcome, DataError, name, "utf-8")
    assert "binary" not in str(outcome)
    outcome = run_bounded(read_images, data)
    assert_refused(outcome, DataError, name)


def test_mixed_utf8_and_latin1_is_read_with_a_note():
    data = "naïve,".encode() + "größe\n1,2\n3,4\n5,7\n".encode("latin-1")  # names mixed
    table, report = run_bounded(inspect_table, data)
    assert list(table.columns) == ["naïve", "größe"]
    assert report.encoding == "utf-8+latin-1" and report.n_latin1_chars == 2
    assert any("Latin-1" in m and "2 characters" in m for m in report.messages())


def test_a_large_table_of_numbers_is_read_quickly():
    # 200,000 rows here; 2,000,000 in bench/bench_upload.py (about 3 s on 2 cores).
    values = np.random.default_rng(0).normal(size=(200_000, 2))
    lines = "\n".join(f"{a:.6f},{b:.6f}" for a, b in values)
    data = ("x,y\n" + lines + "\n").encode()
    table, report = run_bounded(inspect_table, data)
    assert table.shape == (200_000, 2) and report.n_rows_read == 200_000


# --------------------------------------------------------------------------- images


def test_truncated_npy_is_named_truncated():
    data = npy_bytes(np.zeros((20, 28, 28), dtype=np.uint8))[:-100]
    outcome = run_bounded(read_images, data)
    assert_refused(outcome, DataError, "cut short")
    assert "python objects" not in str(outcome).lower()


def test_truncated_npz_member_is_named_truncated():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("x_train.npy", npy_bytes(np.zeros((20, 28, 28), np.uint8))[:-100])
    outcome = run_bounded(read_images, buf.getvalue())
    assert_refused(outcome, DataError, "x_train", "cut short")


def test_gzip_idx_announcing_too_many_images_is_refused_before_inflating():
    data = gzip_stream(idx_head(250_000, 28, 28), 64 * 2**20)
    outcome = run_bounded(read_images, data)
    assert_refused(outcome, DataError, "250,000 images")


def test_gzip_idx_announcing_huge_images_is_refused_before_inflating():
    outcome = run_bounded(read_images, gzip_stream(idx_head(10, 5000, 5000), 64 * 2**20))
    assert_refused(outcome, DataError, "5000x5000")


def test_gzip_idx_longer_than_its_header_stops_early():
    data = gzip_stream(idx_head(100, 28, 28), 256 * 2**20)  # announces 78 KB, inflates 256 MB
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(DataError, match="more bytes than its header announces"):
        read_images(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 * 2**20 and time.perf_counter() - start < 0.5


def test_gzip_bomb_is_refused_after_the_cap_and_a_chunk():
    data = gzip_stream(b"1,2\n", 512 * 2**20)
    cap = 16 * 2**20
    tracemalloc.start()
    with pytest.raises(DataError, match="limit"):
        read_images(data, max_bytes=cap)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1.5 * cap  # the cap, a chunk, and a bytearray's growth margin


def test_largest_allowed_idx_gz_stays_uint8():
    # 62,500 images of 64x64 (256 MB inflated, ~250 KB compressed): kept as uint8, not float64.
    data = gzip_stream(idx_head(62_500, 64, 64), 62_500 * 64 * 64)
    images = run_bounded(read_images, data)
    assert images.raw_train.dtype == np.uint8 and images.n_train == 62_500
    chosen = images.pixels("train", np.arange(0, 62_500, 125))
    assert chosen.dtype == np.float32 and chosen.shape == (500, 4096)


def test_idx_pair_reads_labels_and_refuses_a_lying_labels_header():
    images = struct.pack(">IIII", 0x803, 3, 4, 4) + bytes(range(48))
    labels = struct.pack(">II", 0x801, 3) + bytes([1, 2, 3])
    pair = read_idx_pair(gzip.compress(images), gzip.compress(labels))
    np.testing.assert_array_equal(pair.y_train, [1, 2, 3])
    assert pair.pixels().dtype == np.float32 and float(pair.pixels().max()) <= 1.0
    liar = gzip_stream(struct.pack(">II", 0x801, 10**6), 2**20)
    outcome = run_bounded(lambda d: read_idx_pair(gzip.compress(images), d), liar)
    assert_refused(outcome, DataError, "1,000,000")
