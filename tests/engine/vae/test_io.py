"""Saving and loading: exact round trips, and refusal of every kind of bad file."""

from __future__ import annotations

import io
import json
import pickle
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import save as st_save

import engine.io
import engine.vae.io as vae_io
from engine.vae import VAE, ModelFileError, from_bytes, load, save, to_bytes

from .conftest import seeded_model


def _assert_same(a: VAE, b: VAE) -> None:
    assert a.config == b.config
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and torch.equal(sa[k], sb[k]), k
    x = (torch.rand(8, a.input_dim, generator=torch.Generator().manual_seed(0)) < 0.4).float()
    with torch.no_grad():
        assert torch.equal(a.encode(x)[0], b.encode(x)[0])
        assert torch.equal(
            a(x, torch.Generator().manual_seed(1)).params,
            b(x, torch.Generator().manual_seed(1)).params,
        )


def _file(tensors: dict, config: dict | None = None, **metadata) -> bytes:
    meta = {"format": vae_io.FORMAT, "format_version": vae_io.FORMAT_VERSION}
    if config is not None:
        meta["config"] = json.dumps(config)
    meta.update(metadata)
    return st_save(tensors, metadata=meta)


@pytest.fixture
def model() -> VAE:
    return seeded_model(0, hidden_dims=(16, 8))


@pytest.fixture
def parts(model):
    return {k: v.clone() for k, v in model.state_dict().items()}, model.config


def test_round_trip_through_a_path(model, tmp_path):
    path = tmp_path / "m.safetensors"
    save(model, path)
    _assert_same(model, load(path))
    _assert_same(model, load(str(path)))


def test_round_trip_through_bytes_and_buffers(model):
    data = to_bytes(model)
    _assert_same(model, from_bytes(data))
    _assert_same(model, load(data))
    buf = io.BytesIO()
    save(model, buf)
    buf.seek(0)
    _assert_same(model, load(buf))


def test_round_trip_gaussian_with_learned_sigma():
    model = seeded_model(1, likelihood="gaussian", latent_dim=4, learn_sigma=True, sigma=0.2)
    with torch.no_grad():
        model.log_sigma.fill_(-1.234)
    back = from_bytes(to_bytes(model))
    _assert_same(model, back)
    assert back.sigma == model.sigma and back.log_sigma.requires_grad


def test_loaded_model_is_in_eval_mode_and_engine_io_forwards(model, tmp_path):
    path = tmp_path / "m.safetensors"
    engine.io.save_vae(model, path)
    back = engine.io.load_vae(path)
    assert not back.training
    _assert_same(model, engine.io.vae_from_bytes(engine.io.vae_to_bytes(model)))
    assert ModelFileError is engine.io.ModelFileError
    assert issubclass(ModelFileError, ValueError)


def test_refuses_a_pickle(model, tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(model.state_dict()))
    with pytest.raises(ModelFileError, match="pickle"):
        load(path)


def test_refuses_a_torch_save_file(model, tmp_path):
    path = tmp_path / "m.pt"
    torch.save(model.state_dict(), path)
    with pytest.raises(ModelFileError, match="torch.save"):
        load(path)


def test_refuses_a_missing_key(parts):
    tensors, config = parts
    del tensors["decoder.2.bias"]
    with pytest.raises(ModelFileError, match="lacks weights.*decoder.2.bias"):
        from_bytes(_file(tensors, config))


def test_refuses_an_extra_key(parts):
    tensors, config = parts
    tensors["decoder.9.weight"] = torch.zeros(2, 2)
    with pytest.raises(ModelFileError, match="does not use.*decoder.9.weight"):
        from_bytes(_file(tensors, config))


def test_refuses_a_mis_shaped_key(parts):
    tensors, config = parts
    tensors["encoder.0.weight"] = torch.zeros(16, 63)
    with pytest.raises(ModelFileError, match="shape"):
        from_bytes(_file(tensors, config))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_refuses_non_finite_weights(parts, bad):
    tensors, config = parts
    tensors["decoder.0.weight"][0, 0] = bad
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        from_bytes(_file(tensors, config))


def test_refuses_integer_weights(parts):
    tensors, config = parts
    tensors["decoder.0.bias"] = torch.zeros(8, dtype=torch.int32)
    with pytest.raises(ModelFileError, match="floating point"):
        from_bytes(_file(tensors, config))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"latent_dim": 1}, "latent_dim"),
        ({"latent_dim": 33}, "latent_dim"),
        ({"latent_dim": 2.0}, "latent_dim"),
        ({"input_dim": "64"}, "input_dim"),
        ({"input_dim": True}, "input_dim"),
        ({"input_dim": 10**9}, "input_dim"),
        ({"hidden_dims": [16, -8]}, "hidden_dims"),
        ({"hidden_dims": "16,8"}, "hidden_dims"),
        ({"hidden_dims": [1] * 9}, "hidden_dims"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"sigma": -1.0}, "sigma"),
        ({"learn_sigma": "yes"}, "learn_sigma"),
        ({"dropout": 0.5}, "unknown keys: dropout"),
    ],
)
def test_refuses_a_bad_config(parts, change, match):
    tensors, config = parts
    with pytest.raises(ModelFileError, match=match):
        from_bytes(_file(tensors, {**config, **change}))


def test_refuses_a_config_missing_a_key_or_not_json(parts):
    tensors, config = parts
    del config["input_dim"]
    with pytest.raises(ModelFileError, match="lacks: input_dim"):
        from_bytes(_file(tensors, config))
    with pytest.raises(ModelFileError, match="not valid JSON"):
        from_bytes(
            st_save(
                tensors,
                metadata={
                    "format": vae_io.FORMAT,
                    "format_version": "1",
                    "config": "{input_dim: 64",
                },
            )
        )


def test_refuses_safetensors_from_elsewhere(parts):
    tensors, config = parts
    with pytest.raises(ModelFileError, match="not written by this app"):
        from_bytes(st_save(tensors))
    with pytest.raises(ModelFileError, match="version"):
        from_bytes(_file(tensors, config, format_version="99"))


@pytest.mark.parametrize("keep", [0, 5, 8, 100, -1])
def test_refuses_truncated_bytes(model, keep):
    data = to_bytes(model)
    cut = data[:keep] if keep >= 0 else data[:-1]
    with pytest.raises(ModelFileError):
        from_bytes(cut)


def test_refuses_an_oversized_header_or_file(model, monkeypatch, tmp_path):
    bogus = struct.pack("<Q", 2**40) + b"{}"
    with pytest.raises(ModelFileError, match="not a .safetensors"):
        from_bytes(bogus)
    monkeypatch.setattr(vae_io, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ModelFileError, match="refused"):
        from_bytes(to_bytes(model))
    path = tmp_path / "big.safetensors"
    save(model, path)
    with pytest.raises(ModelFileError, match="refused"):
        load(path)


def test_refuses_a_missing_file_and_odd_sources(tmp_path):
    with pytest.raises(ModelFileError, match="Cannot read"):
        load(tmp_path / "nope.safetensors")
    with pytest.raises(ModelFileError):
        load(12345)
    with pytest.raises(ModelFileError, match="binary mode"):
        load(io.StringIO("text"))


def test_loader_never_unpickles():
    source = Path(vae_io.__file__).read_text(encoding="utf-8")
    assert "torch.load" not in source
    assert "import pickle" not in source
