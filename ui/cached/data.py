"""The data resource: built-in sets, the server's store of uploads, and the chosen data.

Everything here is keyed by a :class:`ui.state.DataRef` (or a built-in name, or an upload's
digest); no caller builds a key or hashes bytes. ``st.cache_data`` hands each caller its own
copy, and errors are never cached: a :class:`engine.errors.DataError` reaches the caller with
its message intact.

An uploaded file is kept in :class:`UploadStore`, one per server, under the SHA-256 digest of
its bytes: bounded in total size, each entry expiring a while after its last use, and never
listed. A link that carries the digest opens the same data for anyone on the same server while
it lives; after that :func:`chosen` raises :class:`UploadExpired`, and the picker asks for the
file again.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from engine import data as engine_data
from engine.data import BUILTIN_NAMES, DataError, Dataset, ImageSet, TableReport
from ui.state import DataRef, resolve_features

#: Bytes the upload store keeps for all sessions together, and how long an unused file lives.
STORE_MAX_BYTES = 512 * 2**20
STORE_TTL_SECONDS = 6 * 3600
TTL = "6h"
MAX_ENTRIES = 32
#: Images an image upload shows as a table (pixels as columns) to the table pages.
MAX_TABLE_IMAGES = 5_000
#: Share held out when a file of images has no test part of its own.
HELDOUT_SHARE = 0.2
#: Grey level at or above which a pixel counts as ink.
INK_THRESHOLD = 0.5
IMAGE_SUFFIXES: tuple[str, ...] = ("idx", "ubyte", "gz", "npz", "npy")
TABLE_SUFFIXES: tuple[str, ...] = ("csv", "txt", "tsv")
_IMAGE_MAGIC: tuple[bytes, ...] = (b"\x00\x00\x08\x03", b"\x1f\x8b", b"\x93NUMPY", b"PK\x03\x04")
#: Built-in sets that are images, and their side.
BUILTIN_IMAGES: dict[str, tuple[int, int]] = {"digits": (8, 8), "digits_binary": (8, 8)}


class UploadExpired(LookupError):
    """The link names an upload the server no longer holds."""


# --------------------------------------------------------------------------- the upload store


@dataclass(frozen=True)
class Upload:
    """One upload: the files' names and bytes (one file, or an IDX images + labels pair)."""

    names: tuple[str, ...]
    files: tuple[bytes, ...]

    @property
    def name(self) -> str:
        return " + ".join(self.names)

    @property
    def n_bytes(self) -> int:
        return sum(len(f) for f in self.files)

    @property
    def is_images(self) -> bool:
        """Several files, or a file named .idx/.ubyte/.gz/.npz/.npy (or, with no such name,
        starting like one) hold images; a .csv/.txt/.tsv is read as a table."""
        if len(self.files) > 1:
            return True
        suffix, data = self.names[0].lower().rsplit(".", 1)[-1], self.files[0]
        if suffix in TABLE_SUFFIXES:
            return False
        return suffix in IMAGE_SUFFIXES or data.startswith(_IMAGE_MAGIC)


def digest_of(files: tuple[bytes, ...]) -> str:
    """SHA-256 of one file's bytes; for several files, of their digests in order."""
    if len(files) == 1:
        return hashlib.sha256(files[0]).hexdigest()
    h = hashlib.sha256()
    for data in files:
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


class ExpiringStore:
    """Values by key for every session of this server: bounded in total size (the least
    recently used go first) and by age since last use; thread-safe. There is no way to list
    what it holds: a key is needed to get a value back.

    ``size(value)`` measures a value (1 by default: the bound is then a count).
    """

    def __init__(self, max_size: int, ttl: float, size: Callable[[Any], int] = lambda _: 1):
        self.max_size, self.ttl, self._size = max_size, ttl, size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = (value, time.monotonic())
            self._items.move_to_end(key)
            now = time.monotonic()
            for old in [k for k, (_, used) in self._items.items() if now - used > self.ttl]:
                del self._items[old]
            total = sum(self._size(v) for v, _ in self._items.values())
            while total > self.max_size and self._items:
                _, (gone, _) = self._items.popitem(last=False)
                total -= self._size(gone)

    def get(self, key: Hashable) -> Any | None:
        """The value kept under ``key``, or None once it expired or was evicted."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, used = item
            if time.monotonic() - used > self.ttl:
                del self._items[key]
                return None
            self._items[key] = (value, time.monotonic())
            self._items.move_to_end(key)
            return value

    def drop(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)

    @property
    def size(self) -> int:
        """The total size of what is kept."""
        with self._lock:
            return sum(self._size(v) for v, _ in self._items.values())


class UploadStore(ExpiringStore):
    """Uploaded files by digest, bounded by their total bytes (see :class:`ExpiringStore`)."""

    def __init__(self, max_bytes: int = STORE_MAX_BYTES, ttl: float = STORE_TTL_SECONDS):
        super().__init__(max_bytes, ttl, size=lambda upload: upload.n_bytes)

    def put(self, upload: Upload) -> str:  # type: ignore[override]
        """Keep ``upload``; returns its digest. A file larger than the whole store is refused."""
        if upload.n_bytes > self.max_size:
            raise DataError(
                f"The file is larger than the {self.max_size // 2**20} MB this server keeps "
                "for uploads. Upload a smaller sample of it."
            )
        digest = digest_of(upload.files)
        super().put(digest, upload)
        return digest

    @property
    def n_bytes(self) -> int:
        return self.size


@st.cache_resource(show_spinner=False)
def store() -> UploadStore:
    """The server's one upload store (shared by every session; it locks itself)."""
    return UploadStore()


def keep_upload(names: tuple[str, ...], files: tuple[bytes, ...]) -> DataRef:
    """Put freshly uploaded files in the store and check that they can be read.

    Returns the reference to choose them. Raises DataError (the file stays out of the store)
    when they cannot be used.
    """
    upload = Upload(tuple(names), tuple(files))
    digest = store().put(upload)
    try:
        _parsed(digest)
    except DataError:
        store().drop(digest)
        raise
    return DataRef("upload", upload.name, digest)


def stored_name(digest: str) -> str | None:
    """The stored upload's file name(s), or None once it has gone."""
    upload = store().get(digest)
    return None if upload is None else upload.name


# --------------------------------------------------------------------------- reading


@st.cache_data(show_spinner=False, max_entries=len(BUILTIN_NAMES))
def builtin(name: str) -> Dataset:
    """:func:`engine.data.load_builtin`, cached. Raises DataError for an unknown name."""
    return engine_data.load_builtin(name)


@dataclass(frozen=True)
class Parsed:
    """What an upload holds: a table (with its check report) or images."""

    frame: pd.DataFrame | None = None
    report: TableReport | None = None
    images: ImageSet | None = None


def _read(upload: Upload) -> Parsed:
    if not upload.is_images:
        frame, report = engine_data.inspect_table(upload.files[0])
        return Parsed(frame=frame, report=report)
    if len(upload.files) == 1:
        return Parsed(images=engine_data.read_images(upload.files[0], upload.names[0]))
    if len(upload.files) == 2:
        return Parsed(images=engine_data.read_idx_pair(upload.files[0], upload.files[1]))
    raise DataError(
        f"Got {len(upload.files)} files. Upload one file, or an IDX images file together with "
        "its IDX labels file."
    )


@st.cache_data(show_spinner="Checking the file…", max_entries=MAX_ENTRIES, ttl=TTL)
def _parsed(digest: str) -> Parsed:
    upload = store().get(digest)
    if upload is None:
        raise UploadExpired(digest)
    return _read(upload)


@dataclass(frozen=True)
class ChosenData:
    """The data a page works on: a numeric table, with labels kept beside it.

    Attributes
    ----------
    ref : DataRef
        What was chosen (its features already resolved against this table).
    name : str
        Built-in dataset name or the uploaded file's name.
    frame : DataFrame of shape (n_samples, n_columns)
        Numeric, finite float64 columns only.
    feature_names : tuple of str
        All columns of ``frame``.
    features : tuple of str
        The columns selected for modelling (all of them unless the user picked some).
    labels : ndarray of shape (n_samples,) or None
        Known class of each row, where the source or the chosen label column gives it.
    label_names : tuple of str or None
        A name for each label value.
    kind : {"continuous", "counts", "binary"}
        Which mixture families suit the selected features.
    image_shape : (int, int) or None
        ``(h, w)`` when the rows are images (pixels as columns).
    units : str or None
        The unit every feature is measured in, where the source says.
    """

    ref: DataRef
    name: str
    frame: pd.DataFrame
    feature_names: tuple[str, ...]
    features: tuple[str, ...]
    labels: np.ndarray | None
    label_names: tuple[str, ...] | None
    source: str
    kind: str
    description: str
    messages: tuple[str, ...] = ()
    changed: bool = False
    digest: str | None = None
    image_shape: tuple[int, int] | None = None
    units: str | None = None
    unknown_features: tuple[str, ...] = ()

    @property
    def X(self) -> np.ndarray:
        """The selected features as a float64 array of shape (n_samples, n_selected)."""
        return self.frame[list(self.features)].to_numpy(dtype=np.float64)

    @property
    def cache_key(self) -> str:
        return self.ref.key


def guess_kind(frame: pd.DataFrame) -> str:
    """``"binary"`` if every value is 0 or 1, ``"counts"`` if all are whole numbers >= 0,
    ``"continuous"`` otherwise."""
    values = frame.to_numpy(dtype=np.float64)
    if values.size and np.isin(values, (0.0, 1.0)).all():
        return "binary"
    if values.size and (values >= 0).all() and (values == np.round(values)).all():
        return "counts"
    return "continuous"


def pixel_names(shape: tuple[int, int]) -> list[str]:
    h, w = shape
    return [f"pixel {r},{c}" for r in range(h) for c in range(w)]


def _table_of_images(images: ImageSet) -> tuple[pd.DataFrame, np.ndarray | None, str]:
    """The training images as a table of pixels (at most :data:`MAX_TABLE_IMAGES`, chosen
    before any pixel is converted from the file's bytes)."""
    n, y, keep, note = images.n_train, images.y_train, None, ""
    if n > MAX_TABLE_IMAGES:
        keep = np.sort(np.random.default_rng(0).choice(n, MAX_TABLE_IMAGES, replace=False))
        y = None if y is None else y[keep]
        note = f" The table pages use a fixed random {MAX_TABLE_IMAGES:,} of them."
    X = images.pixels("train", keep, dtype=np.float64)
    return pd.DataFrame(X, columns=pixel_names(images.shape)), y, note


def _base(ref: DataRef) -> ChosenData:
    """The whole table of ``ref`` before features are chosen."""
    if ref.source == "builtin":
        ds = builtin(ref.name)
        return ChosenData(
            ref=ref,
            name=ds.name,
            frame=pd.DataFrame(ds.X, columns=list(ds.feature_names)),
            feature_names=tuple(ds.feature_names),
            features=tuple(ds.feature_names),
            labels=ds.target,
            label_names=tuple(ds.target_names) if ds.target_names is not None else None,
            source="builtin",
            kind=ds.kind,
            description=ds.description,
            image_shape=BUILTIN_IMAGES.get(ds.name),
            units=ds.extra.get("units"),
        )
    parsed = _parsed(ref.digest)
    name = stored_name(ref.digest) or ref.name
    if parsed.images is not None:
        frame, y, note = _table_of_images(parsed.images)
        h, w = parsed.images.shape
        return ChosenData(
            ref=ref,
            name=name,
            frame=frame,
            feature_names=tuple(frame.columns),
            features=tuple(frame.columns),
            labels=y,
            label_names=None if y is None else tuple(str(v) for v in range(int(y.max()) + 1)),
            source="upload",
            kind=guess_kind(frame),
            description=(
                f"Uploaded images: {parsed.images.n_train:,} images of {h}x{w} pixels"
                f"{'' if parsed.images.n_test == 0 else f', and {parsed.images.n_test:,} test images'}."
                + note
            ),
            digest=ref.digest,
            image_shape=(h, w),
        )
    frame, report = parsed.frame, parsed.report
    r = report
    rows, cols = frame.shape
    return ChosenData(
        ref=ref,
        name=name,
        frame=frame,
        feature_names=tuple(str(c) for c in frame.columns),
        features=tuple(str(c) for c in frame.columns),
        labels=None,
        label_names=None,
        source="upload",
        kind=guess_kind(frame),
        description=f"Uploaded file: {rows:,} rows and {cols} numeric columns.",
        messages=tuple(report.messages()),
        changed=bool(
            r.dropped_columns or r.renamed_columns or r.n_rows_dropped_nan or r.n_rows_dropped_inf
        ),
        digest=ref.digest,
    )


def _with_label(data: ChosenData, label: str | None) -> ChosenData:
    """Take an upload's column of known classes out of the features, as labels."""
    if not label or label not in data.feature_names or data.source != "upload":
        return data
    values = data.frame[label].to_numpy()
    classes, codes = np.unique(values, return_inverse=True)
    frame = data.frame.drop(columns=[label])
    return replace(
        data,
        frame=frame,
        feature_names=tuple(str(c) for c in frame.columns),
        features=tuple(str(c) for c in frame.columns),
        labels=codes.astype(np.int64),
        label_names=tuple(f"{label} = {v:g}" for v in classes),
    )


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def chosen(ref: DataRef) -> ChosenData:
    """The data ``ref`` names, its features resolved against the table's real names.

    Raises
    ------
    UploadExpired
        The upload is no longer on this server.
    DataError
        The data cannot be loaded.
    """
    data = _with_label(_base(ref), ref.label)
    kept, unknown = resolve_features(ref.features, data.feature_names)
    features = kept or data.feature_names
    kind = data.kind if not kept else guess_kind(data.frame[list(features)])
    return replace(
        data,
        ref=replace(ref, features=kept),
        features=features,
        kind=kind,
        unknown_features=unknown,
    )


@st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, ttl=TTL)
def columns(ref: DataRef, names: tuple[str, ...]) -> np.ndarray:
    """Columns ``names`` of the data ``ref``, as a float64 array of shape (n, len(names))."""
    return chosen(ref).frame[list(names)].to_numpy(dtype=np.float64)


# --------------------------------------------------------------------------- images


@dataclass(frozen=True)
class Images:
    """Grey-level images in [0, 1] with a fixed train / held-out split.

    ``X_train`` (n_train, h * w) and ``X_test`` (n_test, h * w) are float32; labels int64 where
    the source has them; ``notes`` say what was held out or capped.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray | None
    shape: tuple[int, int]
    notes: tuple[str, ...] = ()

    @property
    def input_dim(self) -> int:
        return int(self.X_train.shape[1])


def _subset(n: int, most: int, seed: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=most, replace=False))


def split_images(
    images: ImageSet, name: str, max_train: int, max_test: int, min_images: int = 10
) -> Images:
    """Hold out a share (unless the file has a test part) and cap both parts, with notes.

    Rows are chosen on indices first; only the chosen images are converted (to float32) from
    the file's own bytes, so a large file costs what the page keeps, not a float64 copy.
    """
    notes: list[str] = []
    y = images.y_train
    if images.n_test:
        test_part, keep, out, n_test = "test", np.arange(images.n_train), None, images.n_test
        notes.append(f"The file's own {n_test:,} test images are held out.")
    else:
        n = images.n_train
        if n < min_images:
            raise DataError(
                f"The file holds only {n} image(s); at least {min_images} are needed, to "
                "learn from some and test on others."
            )
        order = np.random.default_rng(0).permutation(n)
        n_out = max(2, int(round(HELDOUT_SHARE * n)))
        out, keep = np.sort(order[:n_out]), np.sort(order[n_out:])
        test_part, n_test = "train", n_out
        notes.append(f"A random {HELDOUT_SHARE:.0%} of the images is held out for testing.")
    train = _subset(len(keep), max_train, 1)
    if len(train) < len(keep):
        notes.append(
            f"To stay quick on a CPU, a random {len(train):,} of the {len(keep):,} training "
            "images are used."
        )
    test = _subset(n_test, max_test, 2)
    if len(test) < n_test:
        notes.append(f"The page scores a random {len(test):,} of the {n_test:,} test images.")
    test_rows = test if out is None else out[test]

    def labels(values, rows):
        return None if values is None else np.ascontiguousarray(np.asarray(values)[rows], np.int64)

    return Images(
        name,
        images.pixels("train", keep[train]),
        labels(y, keep[train]),
        images.pixels(test_part, test_rows),
        labels(images.y_test if out is None else y, test_rows),
        tuple(images.shape),
        tuple(notes),
    )


def is_images(ref: DataRef) -> bool:
    """True when ``ref`` names images (built-in digits or an uploaded image file)."""
    if ref.source == "builtin":
        return ref.name in BUILTIN_IMAGES
    try:
        return _parsed(ref.digest).images is not None
    except (UploadExpired, DataError):
        return False


@st.cache_data(show_spinner="Reading the images…", max_entries=8, ttl=TTL)
def images(ref: DataRef, max_train: int, max_test: int) -> Images:
    """The images ``ref`` names on a fixed split, or the built-in 8x8 digits for a table.

    For the built-in digits this is the app's fixed stratified split
    (:func:`engine.data.digits_split`), grey levels in [0, 1].
    """
    if ref.source == "upload" and is_images(ref):
        return split_images(
            _parsed(ref.digest).images, stored_name(ref.digest) or ref.name, max_train, max_test
        )
    X_train, X_test, y_train, y_test = engine_data.digits_split(binary=False)
    return Images(
        "the built-in 8x8 digits",
        np.ascontiguousarray(X_train, dtype=np.float32),
        np.asarray(y_train, dtype=np.int64),
        np.ascontiguousarray(X_test, dtype=np.float32),
        np.asarray(y_test, dtype=np.int64),
        (8, 8),
    )


@st.cache_data(show_spinner=False, max_entries=8, ttl=TTL)
def binary_images(ref: DataRef, max_train: int, max_test: int) -> Images:
    """:func:`images` with every pixel 1 where its grey level is at least
    :data:`INK_THRESHOLD`, else 0 (float32)."""
    im = images(ref, max_train, max_test)
    return replace(
        im,
        X_train=(im.X_train >= INK_THRESHOLD).astype(np.float32),
        X_test=(im.X_test >= INK_THRESHOLD).astype(np.float32),
    )
