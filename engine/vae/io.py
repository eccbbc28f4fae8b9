"""VAE files: one safetensors file whose metadata carries the JSON config.

A safetensors file is an 8-byte little-endian header length, a JSON header (tensor names,
dtypes, shapes, byte offsets and a ``__metadata__`` map of strings) and the raw tensor bytes.
This module stores the model's ``config`` in that metadata, so a single file rebuilds the model.

Loading never unpickles and checks everything before building anything:

1. size: at most :data:`MAX_FILE_BYTES`; the header at most :data:`MAX_HEADER_BYTES`;
2. format: a safetensors header written by this app (pickles and ``torch.save`` zips are named
   and refused);
3. config: known keys only, whole numbers in range, a known likelihood;
4. tensors: exactly the names the config implies, each with the implied shape, a floating
   dtype and only finite values.

Any failure raises :class:`engine.errors.ModelFileError` (also named ``engine.io.ModelFileError``).
"""

from __future__ import annotations

import json
import math
import os
from typing import IO

import torch
from safetensors import SafetensorError
from safetensors.torch import load as _st_load
from safetensors.torch import save as _st_save

from engine.errors import ModelFileError
from engine.vae.model import LATENT_DIM_RANGE, LIKELIHOODS, LOG_SIGMA_RANGE, VAE

FORMAT = "em-vae-explorer/vae"
FORMAT_VERSION = "1"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_INPUT_DIM = 16384
MAX_HIDDEN_WIDTH = 4096
MAX_HIDDEN_LAYERS = 8
_FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}
_REQUIRED = ("input_dim", "latent_dim", "hidden_dims", "likelihood")
_OPTIONAL = ("sigma", "learn_sigma")

__all__ = ["ModelFileError", "from_bytes", "load", "save", "to_bytes"]


def to_bytes(model: VAE) -> bytes:
    """Serialise ``model`` (weights and config) to the bytes of a ``.safetensors`` file."""
    if not isinstance(model, VAE):
        raise TypeError(f"expected an engine.vae.VAE; got {type(model).__name__}.")
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": json.dumps(model.config, sort_keys=True),
    }
    return _st_save(tensors, metadata=metadata)


def save(model: VAE, dest: str | os.PathLike | IO[bytes]) -> None:
    """Write ``model`` to a path or a binary file object, as one ``.safetensors`` file.

    Parameters
    ----------
    model : VAE
    dest : path or writable binary file object
    """
    data = to_bytes(model)
    if hasattr(dest, "write"):
        dest.write(data)
        return
    with open(dest, "wb") as fh:
        fh.write(data)


def load(source: str | os.PathLike | bytes | bytearray | memoryview | IO[bytes]) -> VAE:
    """Read a VAE written by :func:`save`, checking it thoroughly first.

    Parameters
    ----------
    source : path, bytes, or readable binary file object (e.g. a Streamlit upload)

    Returns
    -------
    VAE
        In eval mode, float32, on the CPU.

    Raises
    ------
    ModelFileError
        When the file is missing, too large, not a VAE file from this app, or inconsistent.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return from_bytes(bytes(source))
    if hasattr(source, "read"):
        data = source.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, bytes | bytearray):
            raise ModelFileError("The file object must be opened in binary mode ('rb').")
        return from_bytes(bytes(data))
    if not isinstance(source, str | os.PathLike):
        raise ModelFileError(
            f"Cannot read a model from a {type(source).__name__}; give a path, bytes or a file."
        )
    try:
        size = os.path.getsize(source)
        if size > MAX_FILE_BYTES:
            raise ModelFileError(_too_big(size))
        with open(source, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ModelFileError(f"Cannot read the model file {os.fspath(source)!r}: {exc}.") from None
    return from_bytes(data)


def from_bytes(data: bytes) -> VAE:
    """A VAE from the bytes of a ``.safetensors`` file written by :func:`save`.

    Raises
    ------
    ModelFileError
        See :func:`load`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ModelFileError(f"Expected the bytes of a model file; got {type(data).__name__}.")
    data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        raise ModelFileError(_too_big(len(data)))
    try:
        return _from_bytes(data)
    except ModelFileError:
        raise
    except Exception:  # RecursionError, MemoryError, a library's own error: never a traceback
        raise ModelFileError(
            "This file could not be read as a VAE model from this app; it may be damaged or "
            "made by another program. Save the model again with this app (a .safetensors file)."
        ) from None


def _from_bytes(data: bytes) -> VAE:
    header = _read_header(data)
    config = _read_config(header.get("__metadata__"))
    expected = expected_shapes(config)
    _check_tensor_entries(header, expected)
    try:
        tensors = _st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            f"The weights in this file are damaged ({exc}). Save the model again."
        ) from None
    state = {}
    for name, shape in expected.items():
        t = tensors[name]
        if tuple(t.shape) != shape:
            raise ModelFileError(
                f"Weight {name!r} has shape {tuple(t.shape)} but the config needs {shape}."
            )
        if not torch.isfinite(t).all():
            raise ModelFileError(
                f"Weight {name!r} contains NaN or infinite values; this model cannot be used."
            )
        t = t.to(torch.float32)
        if not torch.isfinite(t).all():  # float64 beyond float32's range (~3.4e38) becomes inf
            raise ModelFileError(
                f"Weight {name!r} holds values too large for 32-bit floats (beyond ±3.4e38); "
                "this model cannot be used."
            )
        state[name] = t
    model = VAE(**config)
    model.load_state_dict(state, strict=True)
    return model.eval()


def expected_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The state-dict names and shapes of ``VAE(**config)``, computed without building it.

    Parameters
    ----------
    config : dict
        A validated config, as from ``VAE.config``.

    Returns
    -------
    dict of str to tuple of int
    """
    hidden = list(config["hidden_dims"])
    latent = config["latent_dim"]
    shapes: dict[str, tuple[int, ...]] = {}
    for prefix, sizes in (
        ("encoder", [config["input_dim"], *hidden, 2 * latent]),
        ("decoder", [latent, *hidden[::-1], config["input_dim"]]),
    ):
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            # nn.Sequential numbering: Linear at even positions, ReLU between them.
            shapes[f"{prefix}.{2 * i}.weight"] = (n_out, n_in)
            shapes[f"{prefix}.{2 * i}.bias"] = (n_out,)
    if config["likelihood"] == "gaussian":
        shapes["log_sigma"] = ()
    return shapes


def _too_big(size: int) -> str:
    return (
        f"The model file is {size / 2**20:.1f} MB; files over {MAX_FILE_BYTES / 2**20:.0f} MB "
        "are refused."
    )


def _read_header(data: bytes) -> dict:
    if data[:1] == b"\x80":  # the PROTO opcode that starts every pickle since protocol 2
        raise ModelFileError(
            "This is a Python pickle. Pickles can run code when opened, so they are never "
            "loaded here; save the model with this app (a .safetensors file)."
        )
    if data[:4] == b"PK\x03\x04":
        raise ModelFileError(
            "This is a zip archive, such as a torch.save() checkpoint, which holds pickled "
            "code and is never loaded here; save the model with this app (a .safetensors file)."
        )
    if len(data) < 8:
        raise ModelFileError("The file is too short to be a model file; it may be truncated.")
    n = int.from_bytes(data[:8], "little")
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ModelFileError(
            "This is not a .safetensors model file from this app, or it is truncated "
            "(its header does not fit in the file)."
        )
    header = _json(data[8 : 8 + n], "The file header")
    if not isinstance(header, dict):
        raise ModelFileError("The file header is not a JSON object: not a .safetensors file.")
    return header


def _read_config(metadata: object) -> dict:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(
            "This .safetensors file was not written by this app's VAE (its metadata has no "
            f"format {FORMAT!r}), so there is no config to rebuild the model from."
        )
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"The file has format version {version!r}; this app reads version {FORMAT_VERSION}."
        )
    config = metadata.get("config", "")
    if not isinstance(config, str):
        raise ModelFileError("The model config in the file must be a JSON text (a string).")
    return validate_config(_json(config, "The model config in the file"))


def _json(text: bytes | str, what: str) -> object:
    """Parse JSON from a file, turning every failure into a :class:`ModelFileError`.

    Besides malformed JSON this catches nesting deep enough to exhaust Python's recursion limit
    and integers longer than Python converts (4,300 digits), both of which raise other errors.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{what} is nested too deeply to be a model file.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(
            f"{what} is not valid JSON: this is not a model file from this app."
        ) from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise ModelFileError(f"{what} holds a number too long to be meaningful.") from None


def validate_config(config: object) -> dict:
    """Check a VAE config read from a file and return it with defaults filled in.

    Raises
    ------
    ModelFileError
        Naming the first key that is missing, unknown, of the wrong type or out of range.
    """
    if not isinstance(config, dict):
        raise ModelFileError("The model config must be a JSON object.")
    unknown = sorted(set(config) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        shown = ", ".join(str(k)[:40] for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ModelFileError(f"The model config has unknown keys: {shown}{more}.")
    missing = [k for k in _REQUIRED if k not in config]
    if missing:
        raise ModelFileError(f"The model config lacks: {', '.join(missing)}.")

    def whole(name: str, value: object, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ModelFileError(
                f"Config {name} must be a whole number from {low} to {high}; got {_short(value)}."
            )
        return value

    out = {
        "input_dim": whole("input_dim", config["input_dim"], 1, MAX_INPUT_DIM),
        "latent_dim": whole("latent_dim", config["latent_dim"], *LATENT_DIM_RANGE),
    }
    hidden = config["hidden_dims"]
    if not isinstance(hidden, list) or len(hidden) > MAX_HIDDEN_LAYERS:
        raise ModelFileError(
            f"Config hidden_dims must be a list of at most {MAX_HIDDEN_LAYERS} widths."
        )
    out["hidden_dims"] = [whole("hidden_dims entry", h, 1, MAX_HIDDEN_WIDTH) for h in hidden]
    if config["likelihood"] not in LIKELIHOODS:
        raise ModelFileError(
            f"Config likelihood must be one of {', '.join(LIKELIHOODS)}; "
            f"got {_short(config['likelihood'])}."
        )
    out["likelihood"] = config["likelihood"]
    sigma = config.get("sigma", 0.1)
    lo, hi = (math.exp(b) for b in LOG_SIGMA_RANGE)
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, int | float)
        or not lo <= sigma <= hi  # also rejects NaN
    ):
        raise ModelFileError(
            f"Config sigma must be a number from {lo:g} to {hi:g}; got {_short(sigma)}."
        )
    out["sigma"] = float(sigma)
    learn = config.get("learn_sigma", False)
    if not isinstance(learn, bool):
        raise ModelFileError(f"Config learn_sigma must be true or false; got {_short(learn)}.")
    out["learn_sigma"] = learn
    return out


def _check_tensor_entries(header: dict, expected: dict[str, tuple[int, ...]]) -> None:
    names = {k for k in header if k != "__metadata__"}
    missing = sorted(set(expected) - names)
    extra = sorted(names - set(expected))
    if missing:
        raise ModelFileError(
            f"The file lacks weights the config needs: {', '.join(missing[:5])}"
            + (" ..." if len(missing) > 5 else "")
            + "."
        )
    if extra:
        raise ModelFileError(
            f"The file has weights this model does not use: {', '.join(extra[:5])}"
            + (" ..." if len(extra) > 5 else "")
            + "."
        )
    for name in sorted(names):
        entry = header[name]
        if not isinstance(entry, dict):
            raise ModelFileError(f"The header entry for {name!r} is malformed.")
        dtype = entry.get("dtype")
        if not isinstance(dtype, str) or dtype not in _FLOAT_DTYPES:
            raise ModelFileError(
                f"Weight {name!r} has dtype {_short(dtype)}; weights must be floating point "
                f"({', '.join(sorted(_FLOAT_DTYPES))})."
            )
        shape = entry.get("shape")
        if not isinstance(shape, list) or tuple(shape) != expected[name]:
            raise ModelFileError(
                f"Weight {name!r} has shape {_short(shape)} but the config needs "
                f"{list(expected[name])}."
            )


def _short(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages about values read from a file."""
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # deep nesting, or an int too long to print
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
