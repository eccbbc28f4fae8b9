"""The data resource: the bounded upload store, reading uploads, and the chosen data."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from engine.data import DataError, load_builtin, read_images
from ui.cached import data as cdata
from ui.state import DataRef

CSV = b"id,species,height,weight\n1,1,1.62,55.1\n2,2,1.75,72.4\n3,1,1.81,80.0\n4,2,1.58,49.9\n"


def idx_images(n: int, side: int = 4, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, size=(n, side, side), dtype=np.uint8)
    return struct.pack(">IIII", 0x00000803, n, side, side) + pixels.tobytes()


def idx_labels(n: int) -> bytes:
    return struct.pack(">II", 0x00000801, n) + (np.arange(n) % 10).astype(np.uint8).tobytes()


def test_store_keeps_by_digest_and_gives_back_nothing_without_it() -> None:
    store = cdata.UploadStore(max_bytes=1000, ttl=60)
    digest = store.put(cdata.Upload(("a.csv",), (b"x,y\n1,2\n",)))
    assert digest == hashlib.sha256(b"x,y\n1,2\n").hexdigest()
    assert store.get(digest).names == ("a.csv",)
    assert store.get("0" * 64) is None
    assert not hasattr(store, "keys") and not hasattr(store, "__iter__")  # never listed


def test_store_is_bounded_by_bytes_least_recently_used_first() -> None:
    store = cdata.UploadStore(max_bytes=250, ttl=60)
    first = store.put(cdata.Upload(("1",), (b"a" * 100,)))
    second = store.put(cdata.Upload(("2",), (b"b" * 100,)))
    store.get(first)  # used again: the second is now the oldest
    third = store.put(cdata.Upload(("3",), (b"c" * 100,)))
    assert store.get(second) is None
    assert store.get(first) is not None and store.get(third) is not None
    assert store.n_bytes <= 250
    with pytest.raises(DataError, match="larger than"):
        store.put(cdata.Upload(("big",), (b"d" * 300,)))


def test_store_entries_expire_after_their_last_use(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(cdata.time, "monotonic", lambda: clock[0])
    store = cdata.UploadStore(max_bytes=1000, ttl=10)
    digest = store.put(cdata.Upload(("a",), (b"abc",)))
    clock[0] += 9
    assert store.get(digest) is not None  # the use restarts the clock
    clock[0] += 9
    assert store.get(digest) is not None
    clock[0] += 11
    assert store.get(digest) is None


@pytest.mark.parametrize(
    ("names", "files", "images"),
    [
        (("a.csv",), (b"x\n1\n",), False),
        (("a.csv",), (b"PK\x03\x04rest",), False),  # a zip named .csv: the table reader says why
        (("train.idx",), (b"\x00\x00\x08\x03",), True),
        (("digits.npz",), (b"PK\x03\x04",), True),
        (("blob",), (b"\x1f\x8b\x08",), True),
        (("a.idx", "b.idx"), (b"1", b"2"), True),
    ],
)
def test_upload_kind_by_name_then_bytes(names, files, images) -> None:
    assert cdata.Upload(names, files).is_images is images


def test_digest_of_several_files_depends_on_their_order() -> None:
    a, b = b"first", b"second"
    assert cdata.digest_of((a,)) == hashlib.sha256(a).hexdigest()
    assert cdata.digest_of((a, b)) != cdata.digest_of((b, a))


def test_kept_upload_is_chosen_by_its_reference_with_a_label_column() -> None:
    ref = cdata.keep_upload(("people.csv",), (CSV,))
    data = cdata.chosen(DataRef("upload", "people.csv", ref.digest, (), "species"))
    assert data.name == "people.csv"
    assert data.feature_names == ("id", "height", "weight")  # ID columns: issue 10
    assert list(data.labels) == [0, 1, 0, 1]
    assert data.label_names == ("species = 1", "species = 2")
    np.testing.assert_allclose(cdata.columns(data.ref, ("weight",))[:, 0], [55.1, 72.4, 80.0, 49.9])


def test_a_broken_upload_is_refused_and_not_kept() -> None:
    with pytest.raises(DataError):
        cdata.keep_upload(("names.csv",), (b"name,city\nann,paris\nbob,rome\n",))
    digest = hashlib.sha256(b"name,city\nann,paris\nbob,rome\n").hexdigest()
    assert cdata.store().get(digest) is None


def test_an_unknown_digest_is_an_expired_upload() -> None:
    with pytest.raises(cdata.UploadExpired):
        cdata.chosen(DataRef("upload", "gone.csv", "f" * 64))


def test_builtin_choice_resolves_features_and_keeps_labels() -> None:
    data = cdata.chosen(DataRef("builtin", "iris", None, ("PETAL WIDTH", "nonsense")))
    assert data.features == ("petal width",)
    assert data.unknown_features == ("nonsense",)
    assert data.ref.features == ("petal width",)
    assert len(data.labels) == 150 and data.units == "cm"


def test_image_upload_as_a_table_and_as_images_with_its_labels() -> None:
    files = (gzip.compress(idx_images(50)), idx_labels(50))
    ref = cdata.keep_upload(("train-images.gz", "train-labels.idx"), files)
    table = cdata.chosen(ref)
    assert table.image_shape == (4, 4) and table.frame.shape == (50, 16)
    assert table.feature_names[:2] == ("pixel 0,0", "pixel 0,1")
    images = cdata.images(ref, 30, 5)
    assert images.X_train.shape == (30, 16) and images.X_test.shape == (5, 16)
    assert images.X_train.dtype == np.float32 and images.y_train is not None
    assert any("held out" in note for note in images.notes)
    binary = cdata.binary_images(ref, 30, 5)
    assert set(np.unique(binary.X_train)) <= {0.0, 1.0}


def test_a_table_falls_back_to_the_builtin_digits_for_image_pages() -> None:
    images = cdata.images(DataRef(), 10_000, 1_000)
    assert images.shape == (8, 8)
    assert len(images.X_train) + len(images.X_test) == load_builtin("digits").n_samples


def test_split_refuses_too_few_images() -> None:
    image_set = read_images(idx_images(5))
    with pytest.raises(DataError, match="at least 10"):
        cdata.split_images(image_set, "tiny", 100, 100)
