"""AppTest tests of the "VAE lab" page: the shipped model, training, uploads of images and models."""

from __future__ import annotations

import gzip
import inspect
import io
import json
import pickle
import struct
from collections.abc import Callable

import numpy as np
import pytest
import torch
from safetensors.torch import save as st_save
from streamlit.testing.v1 import AppTest

from engine import vae as ev
from tests.app_pages.apptest import assert_clean, charts, metrics, upload

PAGE = "app_pages/vae.py"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    at = open_app(PAGE)
    # The first run computes the IWAE estimate of the shipped model (k = 500): allow a busy
    # machine.
    at.default_timeout = 180
    return at


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def grid_shape(at: AppTest) -> tuple[int, int]:
    """Shape of the decoded grid's image (the chart whose x axis is titled with a latent name
    and whose first trace is a heatmap)."""
    for spec in charts(at):
        first = spec["data"][0]
        title = spec["layout"].get("xaxis", {}).get("title", {}).get("text", "")
        if first["type"] == "heatmap" and title.startswith("z") and "dtype" in first["z"]:
            return tuple(int(k) for k in first["z"]["shape"].split(","))
    raise AssertionError("no decoded grid on the page")


def quick_settings(at: AppTest, *, hidden: str = "16, 16", epochs: int = 2, latent: int = 2):
    at.text_input(key="vae.hidden").set_value(hidden)
    at.number_input(key="vae.epochs").set_value(epochs)
    at.number_input(key="vae.latent_dim").set_value(latent)
    return at


def idx_gz(n: int = 200, side: int = 28, seed: int = 0) -> bytes:
    """A gzip-compressed IDX images file of ``n`` random ``side`` x ``side`` images."""
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((n, side, side)) < 0.2, 255, 0).astype(np.uint8)
    return gzip.compress(struct.pack(">IIII", 0x803, n, side, side) + images.tobytes())


def test_defaults_show_the_shipped_model(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "VAE lab"
    assert "Showing the shipped model (2-D latent, Bernoulli decoder, 64-256-256-2)" in texts(at)
    shown = metrics(at)
    elbo = float(shown["Held-out ELBO (nats)"])
    iwae = float(shown["IWAE log p(x) (nats)"])
    assert -25 < elbo < -15  # nats per 64-pixel binary image; a coin flip gives -44.4
    assert elbo < iwae < 0  # the IWAE bound is tighter than the ELBO
    assert shown["Active units"] == "2 of 2"
    assert shown["Training time"] == "offline"
    # The form starts at train()'s and VAE()'s own defaults.
    train_defaults = inspect.signature(ev.train).parameters
    assert at.number_input(key="vae.epochs").value == train_defaults["epochs"].default
    assert at.number_input(key="vae.batch_size").value == train_defaults["batch_size"].default
    assert at.number_input(key="vae.lr").value == pytest.approx(train_defaults["lr"].default)
    assert at.number_input(key="vae.latent_dim").value == 2
    assert at.text_input(key="vae.hidden").value == "256, 256"
    assert at.radio(key="vae.likelihood").value == "bernoulli"
    # Scatter, grid, chosen image, reconstructions, samples, path, aggregate posterior, KL.
    assert len(at.get("plotly_chart")) == 8
    assert grid_shape(at) == (15 * 8, 15 * 8)
    assert not at.main.info  # no PCA note for a 2-D latent space


def test_grid_controls_and_the_fallback_picker(app: AppTest) -> None:
    at = app.run()
    at.slider(key="vae.grid").set_value(20).run()
    assert_clean(at)
    assert grid_shape(at) == (160, 160)
    at.radio(key="vae.mesh").set_value("linear").run()
    assert_clean(at)
    assert "Linear mesh" in texts(at)
    at.number_input(key="vae.row").set_value(5).run()
    assert_clean(at)
    assert "Image 5, a" in texts(at)


def test_a_short_training_replaces_the_model_and_its_numbers(app: AppTest) -> None:
    at = app.run()
    before = metrics(at)["Held-out ELBO (nats)"]
    quick_settings(at).button(key="vae.train").click().run()
    assert_clean(at)
    assert "Showing your trained model (2-D latent, Bernoulli decoder, 64-16-16-2)" in texts(at)
    shown = metrics(at)
    assert shown["Training time"].endswith(" s")
    assert shown["Held-out ELBO (nats)"] != before
    assert float(shown["IWAE log p(x) (nats)"]) < 0
    # The training curves join the page, and a rerun finds the trained model in the cache.
    assert len(at.get("plotly_chart")) == 9
    at.run()
    assert_clean(at)
    assert "your trained model" in texts(at)
    assert at.get("download_button")


def test_latent_dim_four_uses_pca_and_a_slice(app: AppTest) -> None:
    at = app.run()
    quick_settings(at, latent=4).button(key="vae.train").click().run()
    assert_clean(at)
    note = " ".join(i.value for i in at.info)
    assert "4-D latent space" in note and "principal components" in note
    assert "every other dimension at 0" in note
    assert at.multiselect(key="vae.dims").value == [0, 1]
    at.multiselect(key="vae.dims").set_value([1, 3]).run()
    assert_clean(at)
    assert "along z2 and z4" in " ".join(i.value for i in at.info)


def test_uploaded_idx_images_train_briefly(app: AppTest) -> None:
    at = app.run()
    upload(at, "train-images-idx3-ubyte.gz", idx_gz(), "application/octet-stream")
    assert_clean(at)
    assert "160 images of 28x28 pixels to learn from, 40 held out" in texts(at)
    quick_settings(at, hidden="32", epochs=1).button(key="vae.train").click().run()
    assert_clean(at)
    assert "64-" not in texts(at).split("Showing")[1].split("\n")[0]
    assert "784-32-2" in texts(at)
    assert grid_shape(at) == (15 * 28, 15 * 28)
    assert metrics(at)["Training time"].endswith(" s")


def test_a_malformed_image_file_is_explained(app: AppTest) -> None:
    at = app.run()
    upload(at, "broken.gz", b"\x1f\x8b not really gzip", "application/octet-stream")
    assert not at.exception
    assert len(at.error) == 1 and "can't be used" in at.error[0].value
    assert "Still using" in texts(at)  # the sidebar picker keeps the last data that worked
    assert "Showing the shipped model" in texts(at)  # the page keeps working


def _torch_save_bytes() -> bytes:
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(3)}, buffer)
    return buffer.getvalue()


def _wrong_shapes() -> bytes:
    """A file that claims hidden_dims [16] but carries the weights of a [8] model."""
    small = ev.VAE(64, latent_dim=2, hidden_dims=(8,))
    config = dict(small.config, hidden_dims=[16])
    metadata = {
        "format": "em-vae-explorer/vae",
        "format_version": "1",
        "config": json.dumps(config),
    }
    return st_save({k: v.contiguous() for k, v in small.state_dict().items()}, metadata=metadata)


@pytest.mark.parametrize(
    "name, make",
    [
        ("model.pkl", lambda: pickle.dumps({"weights": [1, 2, 3]})),
        ("model.pt", _torch_save_bytes),
        ("noise.safetensors", lambda: np.random.default_rng(0).bytes(4096)),
        ("wrong.safetensors", _wrong_shapes),
    ],
    ids=["pickle", "torch-save", "random-bytes", "wrong-shapes"],
)
def test_a_bad_model_file_is_refused(app: AppTest, name: str, make) -> None:
    at = app.run()
    at.file_uploader(key="vae.model_file").set_value((name, make(), "application/octet-stream"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and "was not loaded" in at.error[0].value
    assert "Showing the shipped model" in texts(at)
    assert len(at.get("plotly_chart")) == 8


def test_a_saved_model_opens_and_back_to_the_shipped_one(app: AppTest) -> None:
    model = ev.VAE(64, latent_dim=3, hidden_dims=(12,), likelihood="gaussian")
    at = app.run()
    at.file_uploader(key="vae.model_file").set_value(
        ("mine.safetensors", ev.to_bytes(model), "application/octet-stream")
    ).run()
    assert_clean(at)
    assert "**mine.safetensors** (3-D latent, Gaussian decoder, 64-12-3)" in texts(at)
    assert metrics(at)["Training time"] == "offline"
    at.button(key="vae.reset").click().run()
    assert_clean(at)
    assert "Showing the shipped model" in texts(at)


def test_bad_hidden_sizes_are_explained(app: AppTest) -> None:
    at = app.run()
    at.text_input(key="vae.hidden").set_value("256, lots")
    at.button(key="vae.train").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "whole numbers" in at.error[0].value
    assert "Showing the shipped model" in texts(at)


def test_a_gaussian_decoder_trains_on_grey_levels(app: AppTest) -> None:
    at = app.run()
    at.radio(key="vae.likelihood").set_value("gaussian")
    quick_settings(at, hidden="32", epochs=2).button(key="vae.train").click().run()
    assert_clean(at)
    assert "your trained model (2-D latent, Gaussian decoder, 64-32-2)" in texts(at)
    # A density of continuous pixels: finite, and its sign carries no meaning.
    assert np.isfinite(float(metrics(at)["Held-out ELBO (nats)"]))


def test_a_link_reproduces_the_view(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, grid="20", mesh="linear", row="5", sample_seed="3")
    at.default_timeout = 180
    at.run()
    assert_clean(at)
    assert grid_shape(at) == (160, 160)
    assert "Linear mesh" in texts(at)
    assert "Image 5, a" in texts(at)
    assert at.number_input(key="vae.sample_seed").value == 3
    # Changing a view writes it into the link; the data choice is left as it was.
    at.slider(key="vae.grid").set_value(9).run()
    assert at.query_params["grid"] == "9" and at.query_params["mesh"] == "linear"
    assert at.query_params["dataset"] == "wine"


def test_a_trained_model_is_in_the_link(app: AppTest, open_app: Callable[..., AppTest]) -> None:
    at = app.run()
    quick_settings(at).button(key="vae.train").click().run()
    assert_clean(at)
    query = {k: at.query_params[k] for k in ("model", "hidden", "epochs")}
    assert query == {"model": "run", "hidden": "16, 16", "epochs": "2"}
    # Another session on the same server opens the same trained model from the link.
    other = open_app(PAGE, **query)
    other.default_timeout = 180
    other.run()
    assert_clean(other)
    assert "Showing your trained model (2-D latent, Bernoulli decoder, 64-16-16-2)" in texts(other)
    assert metrics(other)["Held-out ELBO (nats)"] == metrics(at)["Held-out ELBO (nats)"]


def test_a_link_to_a_run_the_server_does_not_hold_says_so(
    open_app: Callable[..., AppTest],
) -> None:
    at = open_app(PAGE, model="run", hidden="7", epochs="1")
    at.default_timeout = 180
    at.run()
    assert_clean(at)
    assert "press **Train** to train it" in " ".join(i.value for i in at.main.info)
    assert "Showing the shipped model" in texts(at)


@pytest.mark.parametrize("page", [PAGE, "app_pages/latents.py", "app_pages/theory.py"])
def test_a_rerun_repeats_no_model_work(
    open_app: Callable[..., AppTest], engine_calls, page: str
) -> None:
    """A plain rerun of the VAE lab, Discrete vs continuous or the Theory lab encodes, decodes
    and fits nothing: every result comes from the cache."""
    at = open_app(page)
    at.default_timeout = 240
    at.run()
    assert_clean(at)
    at.run()
    engine_calls.clear()
    at.run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0, engine_calls


def test_a_run_far_beyond_the_machine_is_refused_with_what_to_change(
    app: AppTest, engine_calls
) -> None:
    at = app.run()
    engine_calls.clear()
    at.text_input(key="vae.hidden").set_value("1024, 1024, 1024")
    at.number_input(key="vae.epochs").set_value(2000)
    at.number_input(key="vae.batch_size").set_value(1)
    at.button(key="vae.train").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "minutes" in at.error[0].value
    assert "fewer epochs" in at.error[0].value
    assert engine_calls["encode"] == 0  # nothing was trained
