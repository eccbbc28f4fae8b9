"""Reading the bytes of a user's file: from bytes, a path or an upload, with size caps.

Also the checks every reader shares: naming a file that is not text by its leading bytes,
decoding text, and gzip decompression that stops at the size cap.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

from engine.errors import DataError

#: Default upper bound on the size of an uploaded table, in bytes (pass ``max_bytes=None`` to lift it).
MAX_TABLE_BYTES = 50 * 2**20
#: Default upper bound on an image file, in bytes, before and after gzip decompression.
MAX_IMAGE_BYTES = 256 * 2**20

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


def _decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes, trying UTF-16 (with BOM), UTF-8 (with or without BOM), then Latin-1.

    Returns
    -------
    text : str
    encoding : str
        ``"utf-16"``, ``"utf-8-sig"``, ``"utf-8"`` or ``"latin-1"``.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise DataError(
                "The file starts like UTF-16 text but is damaged. " + _SAVE_AS_CSV
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            return data[3:].decode("latin-1"), "latin-1"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _has_control_characters(text: str) -> bool:
    """True when more than 1% of the first 8,000 characters are control characters."""
    sample = text[:8000]
    n_control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return n_control > 0.01 * max(len(sample), 1)


def _gunzip(data: bytes, max_bytes: int | None) -> tuple[bytes, bool]:
    """Decompress gzip bytes (detected by their magic bytes) without exceeding ``max_bytes``."""
    if not data.startswith(b"\x1f\x8b"):
        return data, False
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, 0 if max_bytes is None else max_bytes + 1)
    except zlib.error:
        raise DataError(
            "The gzip file is damaged and cannot be decompressed. Download it again."
        ) from None
    if max_bytes is not None and len(out) > max_bytes:
        raise DataError(
            f"Decompressed, the file is more than {_megabytes(max_bytes)}, the limit here. "
            "Use fewer images."
        )
    if not inflater.eof:
        raise DataError("The gzip file is cut short (incomplete download?). Download it again.")
    return out, True
