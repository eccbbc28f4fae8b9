"""The variational autoencoder: model, ELBO estimators, training, latent-space tools, files.

Public names::

    VAE, VAEOutput                          model.py
    vae_loss, elbo, iwae_log_likelihood,    loss.py
    gaussian_kl, gaussian_kl_per_dim,
    kl_per_dimension, active_units
    train, reset_parameters                 train.py
    inverse_cdf_grid, linear_grid,          latent.py
    decode_grid, interpolate,
    sample_prior, encode_means
    save, load, to_bytes, from_bytes,       io.py (safetensors + JSON config; never unpickles)
    ModelFileError
"""

from engine.vae.io import ModelFileError, from_bytes, load, save, to_bytes
from engine.vae.latent import (
    decode_grid,
    encode_means,
    interpolate,
    inverse_cdf_grid,
    linear_grid,
    sample_prior,
)
from engine.vae.loss import (
    active_units,
    elbo,
    gaussian_kl,
    gaussian_kl_per_dim,
    iwae_log_likelihood,
    kl_per_dimension,
    vae_loss,
)
from engine.vae.model import VAE, VAEOutput
from engine.vae.train import reset_parameters, train

__all__ = [
    "VAE",
    "ModelFileError",
    "VAEOutput",
    "active_units",
    "decode_grid",
    "elbo",
    "encode_means",
    "from_bytes",
    "gaussian_kl",
    "gaussian_kl_per_dim",
    "interpolate",
    "inverse_cdf_grid",
    "iwae_log_likelihood",
    "kl_per_dimension",
    "linear_grid",
    "load",
    "reset_parameters",
    "sample_prior",
    "save",
    "to_bytes",
    "train",
    "vae_loss",
]
