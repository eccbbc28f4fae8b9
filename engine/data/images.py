"""Images in MNIST formats for the VAE lab: IDX (raw or gzip), .npz, .npy and CSV.

Nothing here ever unpickles. Pixels come back as float64 in [0, 1], or a :class:`DataError`
says what is wrong with the file and what to do.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.data.sources import (
    MAX_IMAGE_BYTES,
    _binary_kind,
    _check_size,
    _decode,
    _gunzip,
    _read_source,
)
from engine.data.tables import (
    _is_number,
    _looks_like_header,
    _refuse_non_table_text,
    _Rows,
    _sniff_decimal,
    _sniff_lines,
    _sniff_separator,
    _split,
    _split_table,
)
from engine.errors import DataError

#: Most images one file may hold.
MAX_IMAGES = 200_000
#: Smallest and largest side, in pixels, of a (square) image.
MIN_IMAGE_SIDE, MAX_IMAGE_SIDE = 4, 64

_IDX_IMAGES, _IDX_LABELS = 0x00000803, 0x00000801
_IMAGE_FORMATS_HELP = (
    "The image lab reads MNIST-format files: IDX files (raw or .gz, as in the MNIST download), "
    "an .npz with arrays x_train and y_train (optionally x_test and y_test), "
    "or a CSV with a label and then the pixel values on each line."
)


@dataclass(frozen=True, eq=False)
class ImageSet:
    """Square grey-level images, flattened row by row, with optional labels.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, h * w)
        float64 in [0, 1].
    y_train : ndarray of shape (n_train,) or None
        int64 labels.
    X_test : ndarray of shape (n_test, h * w) or None
        float64 in [0, 1].
    y_test : ndarray of shape (n_test,) or None
        int64 labels.
    shape : (int, int)
        ``(h, w)`` of one image; ``h == w``.
    source_format : str
        ``"idx"``, ``"idx.gz"``, ``"npz"``, ``"npy"`` or ``"csv"`` (``.gz`` appended when
        the file was gzip-compressed).
    """

    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    shape: tuple[int, int]
    source_format: str

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return 0 if self.X_test is None else int(self.X_test.shape[0])


def _check_side(h: int, w: int, where: str) -> None:
    if h != w:
        raise DataError(f"{where} holds {h}x{w} images; only square images are supported.")
    if not MIN_IMAGE_SIDE <= h <= MAX_IMAGE_SIDE:
        raise DataError(
            f"{where} holds {h}x{w} images; the side must be between {MIN_IMAGE_SIDE} and "
            f"{MAX_IMAGE_SIDE} pixels. Resize the images."
        )


def _check_count(n: int, where: str) -> None:
    if n < 1:
        raise DataError(f"{where} holds no images.")
    if n > MAX_IMAGES:
        raise DataError(
            f"{where} holds {n:,} images; at most {MAX_IMAGES:,} are supported. Use a subset."
        )


def _parse_idx(data: bytes) -> np.ndarray:
    """Parse an unsigned-byte IDX file (MNIST images or labels).

    Returns
    -------
    ndarray of shape (n, h, w) or (n,)
        uint8, a read-only view of ``data``.
    """
    if len(data) < 4 or data[:2] != b"\x00\x00":
        raise DataError(
            "This is not an IDX file: it does not start with two zero bytes. " + _IMAGE_FORMATS_HELP
        )
    if data[2] != 0x08:
        raise DataError(
            f"This IDX file stores values of type 0x{data[2]:02X}; only unsigned bytes (0x08), "
            "as in MNIST, are supported."
        )
    magic, n_dims = struct.unpack(">I", data[:4])[0], data[3]
    if magic not in (_IDX_IMAGES, _IDX_LABELS):
        raise DataError(
            f"This IDX file has {n_dims} dimensions; expected 3 (images: count, rows, columns) "
            "or 1 (labels)."
        )
    header = 4 + 4 * n_dims
    if len(data) < header:
        raise DataError("The IDX file is cut short inside its header. Download it again.")
    dims = struct.unpack(f">{n_dims}I", data[4:header])
    what = "The IDX file" if magic == _IDX_IMAGES else "The IDX labels file"
    _check_count(dims[0], what)
    if magic == _IDX_IMAGES:
        _check_side(dims[1], dims[2], what)
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        shape = " x ".join(str(d) for d in dims)
        problem = "is cut short" if len(data) < expected else "has extra bytes at the end"
        raise DataError(
            f"The IDX file {problem}: its header announces {shape} values ({expected:,} bytes with "
            f"the header) but the file has {len(data):,} bytes. Download it again."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def _pixels(x: np.ndarray, where: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Validate images and flatten them to float64 in [0, 1].

    Parameters
    ----------
    x : ndarray of shape (n, h, w), (n, h, w, 1) or (n, h * w)
        Pixel values in [0, 1] or in [0, 255].

    Returns
    -------
    X : ndarray of shape (n, h * w)
    shape : (int, int)
    """
    if x.dtype.kind not in "biuf":
        raise DataError(f"{where} holds {x.dtype} values; pixels must be numbers.")
    if x.ndim == 4 and x.shape[3] == 1:
        x = x[..., 0]
    if x.ndim == 3:
        h, w = int(x.shape[1]), int(x.shape[2])
    elif x.ndim == 2:
        side = _square_side(int(x.shape[1]))
        if side is None:
            raise DataError(
                f"{where} holds rows of {x.shape[1]:,} pixels, which is not a square number "
                "(28x28 = 784). Only square images are supported."
            )
        h = w = side
    else:
        raise DataError(
            f"{where} has shape {x.shape}; expected (count, rows, columns) or (count, pixels)."
        )
    _check_count(int(x.shape[0]), where)
    _check_side(h, w, where)
    X = np.asarray(x, dtype=np.float64).reshape(x.shape[0], h * w)
    if not np.isfinite(X).all():
        raise DataError(
            f"{where} holds NaN or infinite pixel values; every pixel must be a number."
        )
    low, high = float(X.min()), float(X.max())
    if low < 0 or high > 255:
        raise DataError(
            f"{where} holds pixel values from {low:g} to {high:g}; expected 0 to 255, or 0 to 1."
        )
    if high > 1:
        X = X / 255.0
    return X, (h, w)


def _labels(y: np.ndarray, n: int, where: str) -> np.ndarray:
    """Validate labels: ``n`` finite whole numbers. Returns an int64 array of shape (n,)."""
    if y.dtype.kind not in "biuf":
        raise DataError(f"{where} holds {y.dtype} values; labels must be whole numbers.")
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{where} holds {y.size:,} labels for {n:,} images; they must agree.")
    y = np.asarray(y, dtype=np.float64)
    if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
        raise DataError(f"{where} holds labels that are not whole numbers.")
    if np.abs(y).max() >= 2**31:
        raise DataError(f"{where} holds labels beyond ±2,147,483,647; use small class numbers.")
    return y.astype(np.int64)


def _square_side(n_pixels: int) -> int | None:
    side = int(round(n_pixels**0.5))
    return side if side * side == n_pixels and side > 0 else None


def _images_from_idx(data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
    arr = _parse_idx(data)
    if arr.ndim == 1:
        raise DataError(
            "This IDX file holds labels, not images. Choose the images file (its name usually "
            "contains 'images-idx3'), or upload both files together to pair images with labels."
        )
    return _pixels(arr, "The IDX file")


def _npz_arrays(data: bytes, max_bytes: int | None) -> dict[str, np.ndarray]:
    """Load the arrays of an .npz without ever unpickling, keyed by lower-case name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if not members or not all(m.filename.endswith(".npy") for m in members):
            raise DataError(
                "This is a ZIP archive (or an Excel workbook) but not an .npz of NumPy arrays. "
                + _IMAGE_FORMATS_HELP
            )
        _check_size(sum(m.file_size for m in members), max_bytes)
    out = {}
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        for key in npz.files:
            try:
                out[key.lower()] = npz[key]
            except ValueError:
                raise DataError(
                    f"The array {key!r} in the .npz holds Python objects, which are never loaded "
                    "because opening them could run code. Save plain numeric arrays, e.g. "
                    "np.savez(path, x_train=images.astype('uint8'), y_train=labels)."
                ) from None
    return out


def _images_from_npz(data: bytes, max_bytes: int | None) -> ImageSet:
    arrays = _npz_arrays(data, max_bytes)
    if "x_train" not in arrays:
        found = ", ".join(sorted(arrays)) or "none"
        raise DataError(
            f"The .npz has no array called x_train (found: {found}). Save the images as x_train "
            "and their labels as y_train; x_test and y_test are optional."
        )
    X_train, shape = _pixels(arrays["x_train"], "x_train")
    y_train = _labels(arrays["y_train"], len(X_train), "y_train") if "y_train" in arrays else None
    X_test = y_test = None
    if "x_test" in arrays:
        X_test, test_shape = _pixels(arrays["x_test"], "x_test")
        if test_shape != shape:
            raise DataError(
                f"x_test holds {test_shape[0]}x{test_shape[1]} images but x_train holds "
                f"{shape[0]}x{shape[1]}; they must be the same size."
            )
        if "y_test" in arrays:
            y_test = _labels(arrays["y_test"], len(X_test), "y_test")
    return ImageSet(X_train, y_train, X_test, y_test, shape, "npz")


def _images_from_npy(data: bytes) -> ImageSet:
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        raise DataError(
            "The .npy file holds Python objects, which are never loaded because opening them "
            "could run code. Save a plain numeric array."
        ) from None
    X, shape = _pixels(arr, "The .npy array")
    return ImageSet(X, None, None, None, shape, "npy")


def _images_from_csv(data: bytes) -> ImageSet:
    kind = _binary_kind(data)
    if kind is not None:
        raise DataError(f"This looks like {kind}, not MNIST-format images. " + _IMAGE_FORMATS_HELP)
    text, _ = _decode(data)
    if not text.strip():
        raise DataError("The file is empty. " + _IMAGE_FORMATS_HELP)
    _refuse_non_table_text(text)
    values = _csv_values(text.lstrip("\r\n"))
    width = values.shape[1]
    if _square_side(width - 1) is not None and width > 1:
        y = _labels(values[:, 0], len(values), "The label column (the first column)")
        X, shape = _pixels(values[:, 1:], "The CSV")
    elif _square_side(width) is not None:
        y = None
        X, shape = _pixels(values, "The CSV")
    else:
        raise DataError(
            f"Each line holds {width:,} values: expected a label and then a square number of "
            "pixels, e.g. 1 + 784 for 28x28 images."
        )
    return ImageSet(X, y, None, None, shape, "csv")


def _csv_values(text: str) -> np.ndarray:
    """Every cell of an all-numeric CSV as float64, shape (n_rows, n_columns), header skipped.

    NumPy's C parser keeps memory low on MNIST-sized files; when it fails, the slower
    cell-by-cell reader finds the line to blame.
    """
    lines = _sniff_lines(text)
    separator = _sniff_separator(lines)
    decimal = _sniff_decimal(lines, separator)
    first, *rest = _split(lines, separator)
    has_header = _looks_like_header(first, rest)
    if has_header and not rest:
        raise DataError("The CSV has a header row but no images below it.")
    body = text.replace(",", ".") if decimal == "," and separator != "," else text
    try:
        return np.loadtxt(
            io.StringIO(body),
            delimiter=separator,
            skiprows=int(has_header),
            dtype=np.float64,
            ndmin=2,
            comments=None,
            quotechar='"',
        )
    except ValueError:
        raise _first_bad_cell(_split_table(text)) from None


def _first_bad_cell(rows: _Rows) -> DataError:
    for row, line in zip(rows.data, rows.line_numbers, strict=True):
        for j, cell in enumerate(row):
            if not _is_number(cell.replace(",", ".") if rows.decimal == "," else cell):
                return DataError(
                    f"Line {line}, column {j + 1} holds {cell.strip()[:30]!r}, not a number. "
                    "Every value in an image CSV must be a number: the label, then the pixels."
                )
    return DataError("The CSV holds values that are not numbers. " + _IMAGE_FORMATS_HELP)


def _refuse_pickle_name(filename: str | None) -> None:
    if filename and filename.lower().endswith((".pkl", ".pickle", ".pt", ".pth", ".joblib")):
        raise DataError(
            f"{filename!r} looks like a pickle, which is never opened here because opening it "
            "could run code. " + _IMAGE_FORMATS_HELP
        )


def _read_images(data: bytes, filename: str | None, max_bytes: int | None) -> ImageSet:
    _refuse_pickle_name(filename)
    if not data:
        raise DataError("The file is empty. " + _IMAGE_FORMATS_HELP)
    data, gzipped = _gunzip(data, max_bytes)
    suffix = ".gz" if gzipped else ""
    if data[:2] == b"\x00\x00":
        X, shape = _images_from_idx(data)
        images = ImageSet(X, None, None, None, shape, "idx")
    elif data.startswith(b"PK\x03\x04"):
        images = _images_from_npz(data, max_bytes)
    elif data.startswith(b"\x93NUMPY"):
        images = _images_from_npy(data)
    else:
        images = _images_from_csv(data)
    if suffix:
        images = ImageSet(
            images.X_train, images.y_train, images.X_test, images.y_test,
            images.shape, images.source_format + suffix,
        )  # fmt: skip
    return images


def read_images(
    source: bytes | str | os.PathLike | Any,
    filename: str | None = None,
    *,
    max_bytes: int | None = MAX_IMAGE_BYTES,
) -> ImageSet:
    """Read MNIST-format images for the VAE lab.

    The format is detected from the bytes: an IDX images file (magic ``0x00000803``), an
    ``.npz`` with ``x_train`` and optionally ``y_train``, ``x_test``, ``y_test``, a plain
    ``.npy`` array, or a CSV with a label then the pixels on each line (a CSV whose lines hold
    a square number of values is read as pixels without labels). Any of them may be
    gzip-compressed. Nothing is ever unpickled.

    Parameters
    ----------
    source : bytes, str, os.PathLike or file-like
        The file's bytes, a path, or an object with ``getvalue()`` or ``read()``.
    filename : str or None
        The name of the uploaded file, used to refuse pickles by name early.
    max_bytes : int or None
        Refuse files (also once decompressed) larger than this; None for no limit.

    Returns
    -------
    ImageSet
        Pixels scaled to [0, 1] (values in 0..255 are divided by 255).

    Raises
    ------
    DataError
        When the file is not readable images; the message says why and what to do.
    """
    try:
        return _read_images(_read_source(source, max_bytes), filename, max_bytes)
    except DataError:
        raise
    except Exception as exc:
        raise DataError("The file could not be read as images. " + _IMAGE_FORMATS_HELP) from exc


def read_idx_pair(
    images_source: bytes | str | os.PathLike | Any,
    labels_source: bytes | str | os.PathLike | Any,
    *,
    max_bytes: int | None = MAX_IMAGE_BYTES,
) -> ImageSet:
    """Read an IDX images file with its IDX labels file (raw or gzip-compressed).

    The two may be passed in either order.

    Parameters
    ----------
    images_source, labels_source : bytes, str, os.PathLike or file-like
        E.g. ``train-images-idx3-ubyte.gz`` and ``train-labels-idx1-ubyte.gz``.
    max_bytes : int or None
        Refuse files (also once decompressed) larger than this; None for no limit.

    Returns
    -------
    ImageSet
        ``X_train`` of shape (n, h * w) in [0, 1] and ``y_train`` of shape (n,); no test set.

    Raises
    ------
    DataError
        When either file is not IDX, or the number of labels differs from the number of images.
    """
    try:
        first, gz_first = _gunzip(_read_source(images_source, max_bytes), max_bytes)
        second, gz_second = _gunzip(_read_source(labels_source, max_bytes), max_bytes)
        a, b = _parse_idx(first), _parse_idx(second)
        if a.ndim == 1 and b.ndim == 3:
            a, b = b, a
        if a.ndim != 3 or b.ndim != 1:
            raise DataError(
                "Expected one IDX images file and one IDX labels file, but got "
                f"{'two labels files' if a.ndim == 1 else 'two images files'}."
            )
        if len(a) != len(b):
            raise DataError(
                f"The images file holds {len(a):,} images but the labels file holds {len(b):,} "
                "labels. Use the labels file that belongs to these images (train with train, "
                "test with test)."
            )
        X, shape = _pixels(a, "The IDX images file")
        y = b.astype(np.int64)
        fmt = "idx.gz" if gz_first or gz_second else "idx"
        return ImageSet(X, y, None, None, shape, fmt)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            "The files could not be read as IDX images and labels. " + _IMAGE_FORMATS_HELP
        ) from exc
