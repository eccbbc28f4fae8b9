"""Saving and loading fitted models: mixtures as JSON, VAEs as safetensors with a JSON config.

Nothing here ever unpickles: a model file is data (numbers and a small JSON document), checked
field by field before anything is built from it. Every problem with a file raises
:class:`ModelFileError`, whose message is written for the person who chose the file; the loaders
here also turn any other exception from a hostile file (deep nesting, wrong JSON types) into one.

The VAE format lives in :mod:`engine.vae.io` (it needs torch); the functions below forward to it
and import torch only when called, so that mixture code importing this module stays light.
"""

from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING

from engine.errors import ModelFileError

if TYPE_CHECKING:
    from engine.mixtures.base import BaseMixture
    from engine.vae.model import VAE

__all__ = [
    "ModelFileError",
    "load_mixture",
    "load_vae",
    "save_mixture",
    "save_vae",
    "vae_from_bytes",
    "vae_to_bytes",
]


def save_vae(model: VAE, dest: str | os.PathLike | IO[bytes]) -> None:
    """Write a VAE to a path or binary file object; see :func:`engine.vae.io.save`."""
    from engine.vae.io import save

    save(model, dest)


def load_vae(source: str | os.PathLike | bytes | IO[bytes]) -> VAE:
    """Read a VAE from a path, bytes or a binary file object; see :func:`engine.vae.io.load`."""
    from engine.vae.io import load

    return load(source)


def vae_to_bytes(model: VAE) -> bytes:
    """The file contents :func:`save_vae` would write, as bytes (for a download button)."""
    from engine.vae.io import to_bytes

    return to_bytes(model)


def vae_from_bytes(data: bytes) -> VAE:
    """A VAE from the bytes of a file (an upload); see :func:`engine.vae.io.from_bytes`."""
    from engine.vae.io import from_bytes

    return from_bytes(data)


def save_mixture(model: BaseMixture, feature_names: list[str] | None = None) -> bytes:
    """A fitted mixture as JSON bytes; see :func:`engine.mixtures.io.save_mixture`."""
    from engine.mixtures.io import save_mixture as save

    return save(model, feature_names)


def load_mixture(data: bytes | str) -> tuple[BaseMixture, list[str]]:
    """A fitted mixture and its feature names from JSON bytes; see
    :func:`engine.mixtures.io.load_mixture`."""
    from engine.mixtures.io import load_mixture as load

    try:
        return load(data)
    except ModelFileError:
        raise
    except Exception:  # RecursionError, a wrong JSON type, an absurd number: never a traceback
        raise ModelFileError(
            "This file could not be read as a mixture model from this app; it may be damaged or "
            "made by another program. Save the model again with this app (a .json file)."
        ) from None
