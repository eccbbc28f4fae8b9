"""Tests for engine.data.images: MNIST-format images (IDX, npz, npy, CSV), never unpickled."""

from __future__ import annotations

import gzip
import io
import pathlib
import pickle
import struct

import numpy as np
import pandas as pd
import pytest

from engine.data import DataError, ImageSet, read_idx_pair, read_images


def idx_images(images: np.ndarray) -> bytes:
    n, h, w = images.shape
    return struct.pack(">IIII", 0x00000803, n, h, w) + images.astype(np.uint8).tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(7, 6, 6), dtype=np.uint8)


@pytest.fixture
def labels() -> np.ndarray:
    return np.array([3, 1, 4, 1, 5, 9, 2], dtype=np.uint8)


def assert_images(result: ImageSet, images: np.ndarray, fmt: str) -> None:
    assert result.shape == images.shape[1:]
    assert result.source_format == fmt
    assert result.X_train.dtype == np.float64
    np.testing.assert_array_equal(result.X_train * 255, images.reshape(len(images), -1))


@pytest.mark.parametrize("compress", [False, True])
def test_idx_images_alone(images, compress):
    raw = idx_images(images)
    result = read_images(gzip.compress(raw) if compress else raw)
    assert_images(result, images, "idx.gz" if compress else "idx")
    assert result.y_train is None and result.X_test is None and result.n_test == 0


@pytest.mark.parametrize("compress", [False, True])
def test_idx_pair(images, labels, compress):
    pack = gzip.compress if compress else bytes
    result = read_idx_pair(pack(idx_images(images)), pack(idx_labels(labels)))
    assert_images(result, images, "idx.gz" if compress else "idx")
    np.testing.assert_array_equal(result.y_train, labels)
    swapped = read_idx_pair(idx_labels(labels), idx_images(images))
    np.testing.assert_array_equal(swapped.y_train, labels)


def test_idx_pair_counts_must_agree(images, labels):
    with pytest.raises(DataError, match="7 images but the labels file holds 6"):
        read_idx_pair(idx_images(images), idx_labels(labels[:6]))
    with pytest.raises(DataError, match="two images files"):
        read_idx_pair(idx_images(images), idx_images(images))


def test_npz_with_train_and_test(images, labels):
    raw = npz_bytes(x_train=images, y_train=labels, x_test=images[:2], y_test=labels[:2])
    result = read_images(raw, filename="digits.npz")
    assert_images(result, images, "npz")
    np.testing.assert_array_equal(result.y_train, labels)
    np.testing.assert_array_equal(result.X_test * 255, images[:2].reshape(2, -1))
    np.testing.assert_array_equal(result.y_test, labels[:2])
    assert (result.n_train, result.n_test) == (7, 2)


def test_npz_of_flat_unit_floats_is_kept_as_is(images):
    flat = images.reshape(7, 36) / 255.0
    result = read_images(npz_bytes(x_train=flat))
    np.testing.assert_array_equal(result.X_train, flat)
    assert result.y_train is None


def test_npy_array(images):
    buffer = io.BytesIO()
    np.save(buffer, images)
    assert_images(read_images(buffer.getvalue()), images, "npy")


def test_csv_with_labels_with_and_without_header(images, labels):
    flat = images.reshape(7, 36)
    df = pd.DataFrame(np.column_stack([labels, flat]))
    for raw in (
        df.to_csv(index=False, header=False).encode(),
        df.set_axis(["label"] + [f"p{j}" for j in range(36)], axis=1).to_csv(index=False).encode(),
    ):
        result = read_images(raw)
        assert_images(result, images, "csv")
        np.testing.assert_array_equal(result.y_train, labels)


def test_csv_of_unit_pixels_without_labels(images):
    flat = images.reshape(7, 36) / 255.0
    raw = pd.DataFrame(flat).to_csv(index=False, header=False).encode()
    result = read_images(raw)
    assert result.y_train is None
    np.testing.assert_allclose(result.X_train, flat, rtol=1e-12)


def _with_dims(n: int, h: int, w: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 0x00000803, n, h, w) + body


MALFORMED_IMAGES = [
    ("empty", lambda im: b"", ["empty"]),
    ("truncated", lambda im: idx_images(im)[:-1], ["cut short", "268 bytes", "267 bytes"]),
    ("extra_bytes", lambda im: idx_images(im) + b"\x00", ["extra bytes"]),
    ("truncated_header", lambda im: idx_images(im)[:10], ["cut short inside its header"]),
    ("not_square", lambda im: _with_dims(7, 6, 5, im.tobytes()[:210]), ["6x5", "square"]),
    ("too_small", lambda im: _with_dims(2, 3, 3, bytes(18)), ["3x3", "between 4 and 64"]),
    ("too_large", lambda im: _with_dims(1, 65, 65, bytes(65 * 65)), ["65x65", "between 4 and 64"]),
    ("too_many", lambda im: _with_dims(4_000_000_000, 28, 28), ["4,000,000,000 images", "200,000"]),
    ("no_images", lambda im: _with_dims(0, 28, 28), ["no images"]),
    ("float_idx", lambda im: b"\x00\x00\x0d\x03" + bytes(12), ["0x0d", "unsigned bytes"]),
    ("two_dims", lambda im: b"\x00\x00\x08\x02" + bytes(8), ["2 dimensions"]),
    ("labels_only", lambda im: idx_labels(np.arange(3)), ["labels, not images"]),
    ("truncated_gzip", lambda im: gzip.compress(idx_images(im))[:-12], ["gzip", "cut short"]),
    ("damaged_gzip", lambda im: b"\x1f\x8b" + bytes(30), ["gzip", "damaged"]),
    ("png", lambda im: b"\x89PNG\r\n\x1a\n" + bytes(40), ["png image", "idx"]),
    ("npz_no_x_train", lambda im: npz_bytes(images=im), ["no array called x_train", "images"]),
    (
        "npz_out_of_range",
        lambda im: npz_bytes(x_train=im.astype(float) * 2),
        ["0 to 510", "0 to 255"],
    ),
    ("npz_nan", lambda im: npz_bytes(x_train=np.full((2, 4, 4), np.nan)), ["nan"]),
    (
        "npz_label_count",
        lambda im: npz_bytes(x_train=im, y_train=np.arange(3)),
        ["3 labels for 7 images"],
    ),
    ("npz_test_size", lambda im: npz_bytes(x_train=im, x_test=np.zeros((2, 5, 5))), ["5x5", "6x6"]),
    ("csv_not_square", lambda im: b"1,2,3\n4,5,6\n", ["3 values", "square number"]),
    (
        "csv_fractional_label",
        lambda im: b"0.5," + b"1," * 15 + b"0\n1," + b"0," * 15 + b"1\n",
        ["whole numbers"],
    ),
    (
        "csv_text_cell",
        lambda im: b"1," + b"0," * 15 + b"1\n2," + b"0,x," * 7 + b"0,0\n",
        ["line 2", "'x'"],
    ),
    ("json", lambda im: b'{"x_train": []}', ["json"]),
    ("pickle", lambda im: pickle.dumps({"x_train": [1, 2, 3]}), ["pickle"]),
]


@pytest.mark.parametrize(
    ("make", "keywords"),
    [(make, keywords) for _, make, keywords in MALFORMED_IMAGES],
    ids=[case_id for case_id, _, _ in MALFORMED_IMAGES],
)
def test_malformed_images_are_refused(images, make, keywords):
    with pytest.raises(DataError) as info:
        read_images(make(images))
    message = str(info.value).lower()
    for keyword in keywords:
        assert keyword in message, (keyword, message)


def test_gzip_bomb_is_stopped_at_the_limit():
    with pytest.raises(DataError, match="limit"):
        read_images(gzip.compress(bytes(100_000)), max_bytes=10_000)


def test_pickle_file_names_are_refused_before_reading(images):
    with pytest.raises(DataError, match="pickle"):
        read_images(idx_images(images), filename="weights.pkl")


class _Trap:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


@pytest.mark.parametrize("key", ["x_train", "y_train"])
def test_object_arrays_in_npz_are_never_unpickled(tmp_path, images, key):
    flag = tmp_path / "code_ran"
    trap = np.empty(7, dtype=object)
    trap[:] = [_Trap(flag) for _ in range(7)]
    arrays = {"x_train": images, "y_train": np.arange(7)}
    arrays[key] = trap
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(DataError, match="Python objects"):
        read_images(buffer.getvalue())
    assert not flag.exists()
    pickle.loads(pickle.dumps(_Trap(flag)))  # the trap itself works
    assert flag.exists()


def test_object_npy_is_never_unpickled(tmp_path):
    flag = tmp_path / "code_ran"
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap(flag)
    buffer = io.BytesIO()
    np.save(buffer, trap)
    with pytest.raises(DataError, match="Python objects"):
        read_images(buffer.getvalue())
    assert not flag.exists()


def test_idx_pixels_stay_uint8_until_chosen(images):
    result = read_images(gzip.compress(idx_images(images)))
    assert result.raw_train.dtype == np.uint8 and not result.raw_train.flags.writeable
    assert result.nbytes == images.nbytes
    rows = np.array([4, 0, 2])
    chosen = result.pixels("train", rows)
    assert chosen.dtype == np.float32 and chosen.flags.writeable
    np.testing.assert_allclose(chosen, result.X_train[rows], rtol=1e-6)
    with pytest.raises(ValueError, match="no test part"):
        result.pixels("test")


def test_image_set_survives_pickling_as_streamlit_caches_it(images):
    result = read_images(npz_bytes(x_train=images, y_train=np.arange(7), x_test=images[:2]))
    copy = pickle.loads(pickle.dumps(result))
    np.testing.assert_array_equal(copy.X_test, result.X_test)
    assert (copy.shape, copy.source_format, copy.divisors) == (
        result.shape,
        result.source_format,
        result.divisors,
    )
    assert not copy.raw_train.flags.writeable


def test_csv_of_whole_pixel_values_is_stored_as_uint8(images):
    lines = [",".join(map(str, [label, *img.ravel()])) for label, img in enumerate(images)]
    result = read_images("\n".join(lines).encode())
    assert result.raw_train.dtype == np.uint8
    np.testing.assert_array_equal(result.X_train * 255, images.reshape(len(images), -1))
