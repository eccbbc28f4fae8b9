"""Unit tests of the Bernoulli page's figure builders and of the frames taken from a history."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import digits_split
from engine.mixtures import BernoulliMixture
from ui.figures import bernoulli as figs
from ui.figures.style import PALETTE


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return digits_split(binary=True)[0]


@pytest.fixture(scope="module")
def model(digits) -> BernoulliMixture:
    return BernoulliMixture(
        10, init_params="random", random_state=0, record_history=True, history_resp_cells=0
    ).fit(digits)


def test_frame_steps_keep_everything_within_the_budget() -> None:
    np.testing.assert_array_equal(figs.frame_steps(41, 10, 64), np.arange(41))
    steps = figs.frame_steps(101, 10, 784)
    assert steps[0] == 0 and steps[-1] == 100
    assert np.all(np.diff(steps) > 0)
    assert len(steps) * 10 * 784 <= figs.MAX_FRAME_VALUES
    assert len(figs.frame_steps(500, 30, 64 * 64)) == 2  # never fewer than start and end


def test_prototype_frames_are_the_start_and_every_m_step(model) -> None:
    means, weights, labels = figs.prototype_frames(model.history_arrays_, 64)
    assert means.shape == (model.n_iter_ + 1, 10, 64) and means.dtype == np.float32
    assert labels[0] == "Start" and labels[1] == "Iteration 1, M-step"
    assert labels[-1] == f"Iteration {model.n_iter_}, M-step"
    np.testing.assert_allclose(means[-1], model.means_, atol=1e-6)
    np.testing.assert_allclose(weights[-1], model.weights_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_prototype_frames_thin_out_large_images() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((300, 784)) < 0.2).astype(float)
    m = BernoulliMixture(10, init_params="random", max_iter=60, tol=0, random_state=0)
    m.set_params(record_history=True, history_resp_cells=0).fit(X)
    means, _, labels = figs.prototype_frames(m.history_arrays_, 784)
    assert len(labels) < m.n_iter_ + 1
    assert means.size <= figs.MAX_FRAME_VALUES
    assert labels[0] == "Start" and labels[-1] == f"Iteration {m.n_iter_}, M-step"
    fig = figs.prototype_animation(means, np.full((len(labels), 10), 0.1), labels, (28, 28))
    assert fig.data[0].z.shape == (28, 28)
    assert len(fig.to_json()) < 2_000_000


def test_prototype_animation_shows_k_images_per_frame(model) -> None:
    means, weights, labels = figs.prototype_frames(model.history_arrays_, 64)
    fig = figs.prototype_animation(means, weights, labels, (8, 8))
    assert len(fig.data) == 10
    assert all(t.type == "heatmap" and np.asarray(t.z).shape == (8, 8) for t in fig.data)
    assert [t.showscale for t in fig.data].count(True) == 1
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0.0, 1.0)
    assert len(fig.frames) == len(labels)
    last = fig.frames[-1]
    assert last.name == labels[-1] and last.layout.title.text == labels[-1]
    np.testing.assert_allclose(np.asarray(last.data[3].z), model.means_[3].reshape(8, 8), atol=1e-6)
    titles = [a.text for a in last.layout.annotations]
    assert len(titles) == 10
    assert f"π = {model.weights_[3]:.2f}" in titles[3]
    assert PALETTE[3] in titles[3]  # the component's colour square
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 at the top
    assert fig.layout.yaxis.scaleanchor == "x"  # square pixels
    assert fig.layout.xaxis.showticklabels is False
    # Payload: K x 64 values per frame is tiny.
    assert len(fig.to_json()) < 400_000


def test_mosaic_tiles_images_with_blank_gaps() -> None:
    images = np.arange(5 * 4, dtype=float).reshape(5, 4) / 20  # five 2x2 images
    tiled = figs.mosaic(images, (2, 2), ncols=3, gap=1, top=1)
    assert tiled.shape == (2 * (1 + 2 + 1), 3 * 3 - 1)
    np.testing.assert_allclose(tiled[1:3, 0:2], images[0].reshape(2, 2), rtol=1e-6)
    np.testing.assert_allclose(tiled[5:7, 3:5], images[4].reshape(2, 2), rtol=1e-6)
    assert np.isnan(tiled[0]).all() and np.isnan(tiled[:, 2]).all()
    assert np.isnan(tiled[5:7, 6:8]).all()  # the empty sixth place


def test_image_grid_is_one_heatmap_with_a_label_per_image(model) -> None:
    samples, components = model.sample(24)
    titles = [figs.swatch(int(k)) for k in components]
    fig = figs.image_grid(samples, (8, 8), titles, ncols=12)
    assert len(fig.data) == 1
    assert len(fig.layout.annotations) == 24
    assert fig.layout.annotations[0].text == titles[0]
    assert fig.layout.font.size >= 16
    assert len(fig.to_json()) < 50_000


def test_responsibility_bars_use_component_colours() -> None:
    r = np.array([0.05, 0.9, 0.05])
    fig = figs.responsibility_bars(r, title="r")
    bar = fig.data[0]
    assert list(bar.x) == ["1", "2", "3"]
    np.testing.assert_allclose(bar.y, r)
    assert list(bar.marker.color) == list(PALETTE[:3])
    assert fig.layout.yaxis.title.text.startswith("responsibility")
    assert fig.layout.xaxis.title.text == "component k"
    assert fig.layout.font.size >= 16


def test_image_figure_shows_one_framed_image() -> None:
    fig = figs.image_figure(np.eye(8).ravel(), (8, 8), "Image 0")
    assert len(fig.data) == 1 and np.asarray(fig.data[0].z).shape == (8, 8)
    assert fig.layout.title.text == "Image 0"
    assert fig.layout.xaxis.showline is True
