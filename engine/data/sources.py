"""Reading the bytes of a user's file: from bytes, a path or an upload, with size caps.

Also the checks every reader shares: naming a file that is not text by its leading bytes,
decoding text, and gzip decompression that stops at the size cap.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import DataError

#: Default upper bound on the size of an uploaded table, in bytes (pass ``max_bytes=None`` to lift it).
MAX_TABLE_BYTES = 50 * 2**20
#: Default upper bound on an image file, in bytes, before and after gzip decompression.
MAX_IMAGE_BYTES = 256 * 2**20

_HEAD_BYTES = 64  # decompressed bytes handed to a format's header check before the rest
_GZIP_CHUNK = 2**20  # most bytes inflated at once
_GZIP_SLACK = 2**16  # bytes allowed past the size a header announces

_SAVE_AS_CSV = (
    "Save it as a CSV file (comma-separated, with a header row of column names) and try again."
)

# Leading bytes of common files that are not text, with a name a person recognises.
_BINARY_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x93NUMPY", "a NumPy array file (.npy)"),
    (b"\x80\x02", "a Python pickle"),
    (b"\x80\x03", "a Python pickle"),
    (b"\x80\x04", "a Python pickle"),
    (b"\x80\x05", "a Python pickle"),
)


def _read_source(source: Any, max_bytes: int | None) -> bytes:
    """Return the bytes behind ``source``: bytes, a path, or a file-like object."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        data = _read_path(Path(source), max_bytes)
    elif hasattr(source, "getvalue"):
        data = source.getvalue()
    elif hasattr(source, "read"):
        data = source.read() if max_bytes is None else source.read(max_bytes + 1)
    else:
        raise DataError(
            f"Cannot read data from a {type(source).__name__}: pass the bytes of a file, "
            "a path, or an uploaded file."
        )
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DataError("The upload did not give the bytes of a file. Upload the file again.")
    data = bytes(data)
    _check_size(len(data), max_bytes)
    return data


def _read_path(path: Path, max_bytes: int | None) -> bytes:
    try:
        _check_size(path.stat().st_size, max_bytes)
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(
            f"There is no file at {str(path)[:200]!r}. Check the name and folder."
        ) from None
    except IsADirectoryError:
        raise DataError(f"{str(path)[:200]!r} is a folder, not a file. Choose a file.") from None
    except OSError as exc:
        raise DataError(
            f"The file {str(path)[:200]!r} could not be opened ({exc.strerror or exc}). "
            "Check that it exists and that you may read it."
        ) from None


def _check_size(n_bytes: int, max_bytes: int | None) -> None:
    if max_bytes is not None and n_bytes > max_bytes:
        raise DataError(
            f"The file is {_megabytes(n_bytes)}, more than the limit of {_megabytes(max_bytes)}. "
            "Keep fewer rows or columns, or take a random sample of the rows, and upload it again."
        )


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB"


def _binary_kind(data: bytes) -> str | None:
    """Name what ``data`` looks like when it is not text, or None when it may be text."""
    for magic, kind in _BINARY_SIGNATURES:
        if data.startswith(magic):
            return kind
    if b"\x00" in data[:65536]:
        return "a binary file (it contains NUL bytes)"
    return None


def _wide_encoding(data: bytes) -> str | None:
    """Name UTF-32 (with or without BOM) or UTF-16 without a BOM, or None.

    Text in these encodings is full of NUL bytes, which would otherwise make it look binary.
    ASCII characters, the bulk of any CSV, show the pattern: in UTF-16 one byte of each pair is
    NUL, in UTF-32 three bytes of each group of four.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or any(
        data.startswith(magic) for magic, _ in _BINARY_SIGNATURES
    ):
        return None
    sample = data[:4096]
    n = len(sample) - len(sample) % 4
    if n < 8 or b"\x00" not in sample:
        return None
    arr = np.frombuffer(sample[:n], dtype=np.uint8)
    zero = arr == 0
    by_four = zero.reshape(-1, 4).mean(axis=0)
    if (by_four > 0.9).sum() == 3 and by_four.min() < 0.1:
        return "UTF-32"
    by_two = zero.reshape(-1, 2).mean(axis=0)
    if by_two.max() > 0.9 and by_two.min() < 0.1:
        return "UTF-16 without a byte-order mark"
    return None


def _refuse_wide_encoding(data: bytes) -> None:
    """Raise a :class:`DataError` naming the encoding of UTF-32 or BOM-less UTF-16 text."""
    name = _wide_encoding(data)
    if name is not None:
        raise DataError(
            f"This file is text encoded as {name}, which this reader does not decode. "
            "Open it in a text editor or spreadsheet, save it as CSV in UTF-8, and upload it again."
        )


_SURROGATE = re.compile("[\udc80-\udcff]")
_REAL_NON_ASCII = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")


def _decode_counted(data: bytes) -> tuple[str, str, int]:
    """Decode text bytes; see :func:`_decode`.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-16"``, ``"utf-8-sig"``, ``"utf-8"``, ``"latin-1"`` or ``"utf-8+latin-1"`` (UTF-8
        text in which some bytes are not UTF-8; each was read as one Latin-1 character).
    n_latin1 : int
        How many characters were read as Latin-1 in a ``"utf-8+latin-1"`` file, else 0.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", 0
        except UnicodeDecodeError:
            raise DataError(
                "The file starts like UTF-16 text but is damaged. " + _SAVE_AS_CSV
            ) from None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8", 0
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="surrogateescape")
    if bom or _REAL_NON_ASCII.search(text) is None:
        # No valid multi-byte UTF-8 at all: a Latin-1 file (or a damaged file with a BOM).
        return body.decode("latin-1"), "latin-1", 0
    n_bad = 0

    def latin1(match: re.Match) -> str:
        nonlocal n_bad
        n_bad += 1
        return chr(ord(match.group()) - 0xDC00)

    return _SURROGATE.sub(latin1, text), "utf-8+latin-1", n_bad


def _decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes, trying UTF-16 (with BOM), UTF-8 (with or without BOM), then Latin-1.

    Bytes that are not UTF-8 in a file that is otherwise UTF-8 are read one by one as Latin-1.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-16"``, ``"utf-8-sig"``, ``"utf-8"``, ``"latin-1"`` or ``"utf-8+latin-1"``.
    """
    text, encoding, _ = _decode_counted(data)
    return text, encoding


def _has_control_characters(text: str) -> bool:
    """True when more than 1% of the first 8,000 characters are control characters."""
    sample = text[:8000]
    n_control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return n_control > 0.01 * max(len(sample), 1)


def _gunzip(
    data: bytes, max_bytes: int | None, announced: Callable[[bytes], int | None] | None = None
) -> tuple[bytes | bytearray, bool]:
    """Decompress gzip bytes (detected by their magic bytes) without exceeding ``max_bytes``.

    The output is inflated in chunks of at most 1 MB and the inflation stops as soon as the
    output passes the limit, so a gzip bomb costs at most the limit plus one chunk.

    Parameters
    ----------
    data : bytes
    max_bytes : int or None
        Most bytes the decompressed file may hold; None for no limit.
    announced : callable or None
        Given the first (up to) 64 decompressed bytes, returns the size in bytes the file's
        header announces (or None when it does not say), or raises :class:`DataError` to refuse
        the file before the rest is inflated. A file announcing its size is inflated into one
        buffer of that size and refused once it passes the size plus a small margin.

    Returns
    -------
    data : bytes or bytearray
        The decompressed bytes, or ``data`` itself when it is not gzip.
    gzipped : bool
    """
    if not data.startswith(b"\x1f\x8b"):
        return data, False
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        head = inflater.decompress(data, _HEAD_BYTES)
        expected = None if announced is None else announced(head)
        limit = max_bytes
        if expected is not None:
            _check_size(expected, max_bytes)
            # A margin so that extra bytes at the end are reported by the format's own check.
            limit = expected + _GZIP_SLACK if limit is None else min(limit, expected + _GZIP_SLACK)
        # With a size announced, inflate into one buffer of that size (plus the margin):
        # no growing, no copying. Else grow a bytearray chunk by chunk.
        out = bytearray(limit + 1 if expected is not None else 0)
        n = 0
        chunk, tail = head, inflater.unconsumed_tail
        while True:
            if limit is not None and n + len(chunk) > limit:
                if expected is not None and limit == expected + _GZIP_SLACK:
                    raise DataError(
                        "Decompressed, the file holds more bytes than its header announces "
                        f"({expected:,}); it is damaged or not what it claims. Download it again."
                    )
                raise DataError(
                    f"Decompressed, the file is more than {_megabytes(limit)}, the limit here. "
                    "Use fewer images."
                )
            if expected is not None:
                out[n : n + len(chunk)] = chunk
            else:
                out += chunk
            n += len(chunk)
            if inflater.eof:
                break
            room = _GZIP_CHUNK if limit is None else min(_GZIP_CHUNK, limit + 1 - n)
            chunk = inflater.decompress(tail, max(room, 1))
            tail = inflater.unconsumed_tail
            if not chunk and not tail and not inflater.eof:
                break
        if expected is not None:
            del out[n:]
    except zlib.error:
        raise DataError(
            "The gzip file is damaged and cannot be decompressed. Download it again."
        ) from None
    if not inflater.eof:
        raise DataError("The gzip file is cut short (incomplete download?). Download it again.")
    return out, True
