"""Images in MNIST formats for the VAE lab: IDX (raw or gzip), .npz, .npy and CSV.

Nothing here ever unpickles. Pixels are kept compact (uint8 where the file holds whole numbers
0..255) in an :class:`ImageSet`, which converts to [0, 1] only the images a caller chooses; or a
:class:`DataError` says what is wrong with the file and what to do. Gzip files are inflated with a
streaming limit, and an IDX header is checked before the rest of its file is inflated.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from typing import Any

import numpy as np

from engine.data.sources import (
    MAX_IMAGE_BYTES,
    _binary_kind,
    _check_size,
    _decode,
    _gunzip,
    _read_source,
    _refuse_wide_encoding,
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


class ImageSet:
    """Square grey-level images, flattened row by row, with optional labels.

    The pixels are kept as the file stored them (``uint8`` for IDX files and for whole numbers
    from 0 to 255, else the file's floating type) with the divisor that scales them to [0, 1]:
    a 256 MB IDX file stays 256 MB, not 2 GB of float64. Choose the images you use with
    :meth:`pixels`, which converts only those rows (to float32 by default).

    Parameters
    ----------
    X_train : ndarray of shape (n_train, h * w)
        Stored pixels: values in [0, ``divisor``].
    y_train : ndarray of shape (n_train,) or None
        int64 labels.
    X_test : ndarray of shape (n_test, h * w) or None
    y_test : ndarray of shape (n_test,) or None
    shape : (int, int)
        ``(h, w)`` of one image; ``h == w``.
    source_format : str
        ``"idx"``, ``"idx.gz"``, ``"npz"``, ``"npy"`` or ``"csv"`` (``.gz`` appended when
        the file was gzip-compressed).
    divisors : (float, float)
        What the stored train and test pixels are divided by to lie in [0, 1]: 255.0 for
        values in 0..255, 1.0 for values already in [0, 1].

    Attributes
    ----------
    X_train : ndarray of shape (n_train, h * w)
        float64 in [0, 1], converted anew on every access (prefer :meth:`pixels`).
    X_test : ndarray of shape (n_test, h * w) or None
        float64 in [0, 1], converted anew on every access (prefer :meth:`pixels`).
    raw_train, raw_test : ndarray
        The stored pixels, read-only.
    """

    __slots__ = (
        "raw_train", "y_train", "raw_test", "y_test", "shape", "source_format", "divisors",
    )  # fmt: skip

    def __init__(
        self,
        X_train: np.ndarray,
        y_train: np.ndarray | None,
        X_test: np.ndarray | None,
        y_test: np.ndarray | None,
        shape: tuple[int, int],
        source_format: str,
        divisors: tuple[float, float] = (1.0, 1.0),
    ) -> None:
        self.raw_train = _read_only(X_train)
        self.y_train = y_train
        self.raw_test = None if X_test is None else _read_only(X_test)
        self.y_test = y_test
        self.shape = (int(shape[0]), int(shape[1]))
        self.source_format = source_format
        self.divisors = (float(divisors[0]), float(divisors[1]))

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            is_pixels = name.startswith("raw_") and value is not None
            setattr(self, name, _read_only(value) if is_pixels else value)

    def pixels(
        self, part: str = "train", rows: np.ndarray | slice | None = None, dtype=np.float32
    ) -> np.ndarray:
        """The chosen images of ``part`` in [0, 1], converted only for those rows.

        Parameters
        ----------
        part : {"train", "test"}
        rows : array of int, slice or None
            Which images, in the order wanted; None for all.
        dtype : numpy floating dtype
            float32 by default.

        Returns
        -------
        ndarray of shape (n_chosen, h * w)
        """
        if part not in ("train", "test"):
            raise ValueError(f"part must be 'train' or 'test'; got {part!r}.")
        raw = self.raw_train if part == "train" else self.raw_test
        if raw is None:
            raise ValueError("This image set has no test part.")
        chosen = raw if rows is None else raw[rows]
        out = np.array(chosen, dtype=dtype)  # always a fresh, writable array
        divisor = self.divisors[0 if part == "train" else 1]
        if divisor != 1.0:
            out /= out.dtype.type(divisor)
        return out

    @property
    def X_train(self) -> np.ndarray:
        return self.pixels("train", dtype=np.float64)

    @property
    def X_test(self) -> np.ndarray | None:
        return None if self.raw_test is None else self.pixels("test", dtype=np.float64)

    @property
    def n_train(self) -> int:
        return int(self.raw_train.shape[0])

    @property
    def n_test(self) -> int:
        return 0 if self.raw_test is None else int(self.raw_test.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored pixels and labels (for caches bounded by size)."""
        arrays = (self.raw_train, self.y_train, self.raw_test, self.y_test)
        return sum(int(a.nbytes) for a in arrays if a is not None)

    def with_format(self, source_format: str) -> ImageSet:
        """The same images with another ``source_format``."""
        return ImageSet(
            self.raw_train, self.y_train, self.raw_test, self.y_test, self.shape,
            source_format, self.divisors,
        )  # fmt: skip


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


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


def _idx_header(data: bytes) -> tuple[int, tuple[int, ...]]:
    """Check the header of an unsigned-byte IDX file and return its magic and dimensions.

    Only the first ``4 + 4 * n_dims`` bytes are read, so the header of a gzip-compressed file
    can be checked before the rest is inflated.
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
    return magic, dims


def _idx_announced_size(head: bytes) -> int | None:
    """The size an IDX header announces (header included), checked; None when not IDX.

    Only a header of an images or labels file is checked here (count, side, size); anything
    else is inflated under the plain size limit and named by the full parser afterwards.
    """
    if len(head) < 4 or struct.unpack(">I", head[:4])[0] not in (_IDX_IMAGES, _IDX_LABELS):
        return None
    _, dims = _idx_header(head)
    return 4 + 4 * len(dims) + int(np.prod(dims, dtype=np.int64))


def _parse_idx(data: bytes) -> np.ndarray:
    """Parse an unsigned-byte IDX file (MNIST images or labels).

    Returns
    -------
    ndarray of shape (n, h, w) or (n,)
        uint8, a read-only view of ``data``.
    """
    magic, dims = _idx_header(data)
    header = 4 + 4 * len(dims)
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(data) != expected:
        shape = " x ".join(str(d) for d in dims)
        problem = "is cut short" if len(data) < expected else "has extra bytes at the end"
        raise DataError(
            f"The IDX file {problem}: its header announces {shape} values ({expected:,} bytes with "
            f"the header) but the file has {len(data):,} bytes. Download it again."
        )
    return _read_only(np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims))


def _pixels(x: np.ndarray, where: str) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Validate images and flatten them, keeping compact storage.

    Parameters
    ----------
    x : ndarray of shape (n, h, w), (n, h, w, 1) or (n, h * w)
        Pixel values in [0, 1] or in [0, 255].

    Returns
    -------
    X : ndarray of shape (n, h * w)
        uint8 when ``x`` holds integers (or booleans), else float32 or float64 as stored; a view
        of ``x`` when no conversion is needed.
    divisor : float
        255.0 when the values go above 1, else 1.0: ``X / divisor`` lies in [0, 1].
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
    X = x.reshape(x.shape[0], h * w)
    if X.dtype.kind == "f":
        if X.dtype.itemsize < 4:
            X = X.astype(np.float32)
        if not np.isfinite(X).all():
            raise DataError(
                f"{where} holds NaN or infinite pixel values; every pixel must be a number."
            )
    low, high = float(X.min()), float(X.max())
    if low < 0 or high > 255:
        raise DataError(
            f"{where} holds pixel values from {low:g} to {high:g}; expected 0 to 255, or 0 to 1."
        )
    if X.dtype.kind in "biu" and X.dtype != np.uint8:
        X = X.astype(np.uint8)
    return X, (255.0 if high > 1 else 1.0), (h, w)


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


def _images_from_idx(data: bytes) -> tuple[np.ndarray, float, tuple[int, int]]:
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
        for member in members:
            key = member.filename[: -len(".npy")]
            try:
                out[key.lower()] = _load_npy(
                    archive.read(member), f"The array {key[:60]!r} in the .npz"
                )
            except DataError as exc:
                if "Python objects" in str(exc):
                    raise DataError(
                        f"{exc} For example np.savez(path, x_train=images.astype('uint8'), "
                        "y_train=labels)."
                    ) from None
                raise
    return out


def _images_from_npz(data: bytes, max_bytes: int | None) -> ImageSet:
    arrays = _npz_arrays(data, max_bytes)
    if "x_train" not in arrays:
        found = ", ".join(sorted(arrays)) or "none"
        raise DataError(
            f"The .npz has no array called x_train (found: {found}). Save the images as x_train "
            "and their labels as y_train; x_test and y_test are optional."
        )
    X_train, divisor, shape = _pixels(arrays["x_train"], "x_train")
    y_train = _labels(arrays["y_train"], len(X_train), "y_train") if "y_train" in arrays else None
    X_test = y_test = None
    test_divisor = 1.0
    if "x_test" in arrays:
        X_test, test_divisor, test_shape = _pixels(arrays["x_test"], "x_test")
        if test_shape != shape:
            raise DataError(
                f"x_test holds {test_shape[0]}x{test_shape[1]} images but x_train holds "
                f"{shape[0]}x{shape[1]}; they must be the same size."
            )
        if "y_test" in arrays:
            y_test = _labels(arrays["y_test"], len(X_test), "y_test")
    return ImageSet(X_train, y_train, X_test, y_test, shape, "npz", (divisor, test_divisor))


def _images_from_npy(data: bytes) -> ImageSet:
    arr = _load_npy(data, "The .npy file")
    X, divisor, shape = _pixels(arr, "The .npy array")
    return ImageSet(X, None, None, None, shape, "npy", (divisor, 1.0))


def _load_npy(data: bytes, what: str) -> np.ndarray:
    """One array from the bytes of an .npy file, never unpickling.

    The header is read first, so that a file cut short is named as such, and one holding
    Python objects as such, whichever error NumPy would raise.
    """
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(stream, max_header_size=10_000)
    except Exception:
        raise DataError(
            f"{what} has a damaged header (or is cut short inside it). Save the array again."
        ) from None
    if dtype.hasobject:
        raise DataError(
            f"{what} holds Python objects, which are never loaded because opening them could "
            "run code. Save a plain numeric array."
        )
    n_values = 1
    for side in shape:
        n_values *= int(side)
    expected = stream.tell() + n_values * dtype.itemsize
    if len(data) < expected:
        raise DataError(
            f"{what} is cut short: its header announces {' x '.join(map(str, shape)) or 'one'} "
            f"values ({expected:,} bytes) but it has {len(data):,} bytes. Download or save it again."
        )
    try:
        stream.seek(0)
        return np.load(stream, allow_pickle=False)
    except ValueError:
        raise DataError(f"{what} could not be read as a NumPy array. Save it again.") from None


def _images_from_csv(data: bytes) -> ImageSet:
    _refuse_wide_encoding(data)
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
        X, divisor, shape = _pixels(values[:, 1:], "The CSV")
    elif _square_side(width) is not None:
        y = None
        X, divisor, shape = _pixels(values, "The CSV")
    else:
        raise DataError(
            f"Each line holds {width:,} values: expected a label and then a square number of "
            "pixels, e.g. 1 + 784 for 28x28 images."
        )
    return ImageSet(X, y, None, None, shape, "csv", (divisor, 1.0))


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
    # Whole numbers from 0 to 255 (MNIST as CSV) are read as uint8, an eighth of float64.
    for dtype in (np.uint8, np.float64):
        try:
            return np.loadtxt(
                io.StringIO(body),
                delimiter=separator,
                skiprows=int(has_header),
                dtype=dtype,
                ndmin=2,
                comments=None,
                quotechar='"',
            )
        except (ValueError, OverflowError):
            continue
    raise _first_bad_cell(_split_table(text))


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
    data, gzipped = _gunzip(data, max_bytes, _idx_announced_size)
    suffix = ".gz" if gzipped else ""
    if data[:2] == b"\x00\x00":
        if data[2:3] != b"\x08":  # not IDX bytes; maybe UTF-32 text, which starts with zeros too
            _refuse_wide_encoding(data)
        X, divisor, shape = _images_from_idx(data)
        images = ImageSet(X, None, None, None, shape, "idx", (divisor, 1.0))
    elif data.startswith(b"PK\x03\x04"):
        images = _images_from_npz(data, max_bytes)
    elif data.startswith(b"\x93NUMPY"):
        images = _images_from_npy(data)
    else:
        images = _images_from_csv(data)
    if suffix:
        images = images.with_format(images.source_format + suffix)
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
        first, gz_first = _gunzip(
            _read_source(images_source, max_bytes), max_bytes, _idx_announced_size
        )
        second, gz_second = _gunzip(
            _read_source(labels_source, max_bytes), max_bytes, _idx_announced_size
        )
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
        X, divisor, shape = _pixels(a, "The IDX images file")
        y = b.astype(np.int64)
        fmt = "idx.gz" if gz_first or gz_second else "idx"
        return ImageSet(X, y, None, None, shape, fmt, (divisor, 1.0))
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            "The files could not be read as IDX images and labels. " + _IMAGE_FORMATS_HELP
        ) from exc
