"""Unit tests of the VAE lab's figure builders: pure functions of arrays, no model needed."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from ui.figures import vae as figs
from ui.figures.style import FONT_SIZE, PALETTE


def numbered(n_rows: int, n_cols: int, h: int, w: int) -> np.ndarray:
    """Images whose every pixel holds the image's own number (row-major), shape (r, c, h*w)."""
    k = np.arange(n_rows * n_cols, dtype=float).reshape(n_rows, n_cols, 1)
    return np.broadcast_to(k, (n_rows, n_cols, h * w)).copy()


def test_tile_puts_image_r_c_in_its_block() -> None:
    images = numbered(2, 3, 4, 5)
    big = figs.tile(images, (4, 5), 2, 3)
    assert big.shape == (2 * 4, 3 * 5)
    for r in range(2):
        for c in range(3):
            assert np.all(big[r * 4 : (r + 1) * 4, c * 5 : (c + 1) * 5] == r * 3 + c)
    # One image keeps its own pixel layout.
    one = np.arange(12.0)
    np.testing.assert_array_equal(figs.tile(one[None], (3, 4), 1, 1), one.reshape(3, 4))
    with pytest.raises(ValueError, match="expected 2 x 2 images"):
        figs.tile(images, (4, 5), 2, 2)


def test_grid_mosaic_puts_the_highest_second_coordinate_on_top() -> None:
    n, h, w = 4, 3, 3
    decoded = numbered(n, n, h, w)  # decoded[i, j] holds i * n + j
    big = figs.grid_mosaic(decoded, (h, w))
    assert big.shape == (n * h, n * w)
    assert big[0, 0] == (n - 1) * n  # top-left: i = n - 1 (highest z2), j = 0 (lowest z1)
    assert big[-1, -1] == n - 1  # bottom-right: i = 0, j = n - 1


@pytest.mark.parametrize("n", [5, 20])
def test_decoded_grid_is_one_image_of_n_h_by_n_w(n: int) -> None:
    h = w = 8
    values = np.linspace(-1.6, 1.6, n)
    fig = figs.decoded_grid(np.random.default_rng(0).random((n, n, h * w)), (h, w), values)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (n * h, n * w)
    assert np.asarray(heat.z).dtype == np.uint8 and heat.zmax == 255
    assert len(fig.data) == 2  # the image and the invisible hover markers
    assert len(fig.data[1].x) == n * n
    assert fig.layout.xaxis.title.text == "z1" and fig.layout.yaxis.title.text == "z2"
    assert len(fig.layout.xaxis.tickvals) <= figs.MAX_TICKS
    assert fig.layout.font.size >= 16
    assert figs.payload_bytes(fig) < 120_000


def test_decoded_grid_ticks_name_latent_values_without_minus_zero() -> None:
    values = np.array([-1.0, 0.0, 1.0]) * np.array([1, -1e-12, 1])
    fig = figs.decoded_grid(np.zeros((3, 3, 4)), (2, 2), values, axis_titles=("z2", "z4"))
    assert list(fig.layout.xaxis.ticktext) == ["-1.00", "0.00", "1.00"]
    # Rows go downwards on screen, so the top tick is the highest value.
    assert list(fig.layout.yaxis.ticktext) == ["-1.00", "0.00", "1.00"]
    assert fig.layout.yaxis.tickvals[0] > fig.layout.yaxis.tickvals[-1]
    assert fig.layout.xaxis.title.text == "z2" and fig.layout.yaxis.title.text == "z4"


def test_image_table_labels_rows_and_columns_and_hides_pixel_ticks() -> None:
    images = np.random.default_rng(1).random((2, 12, 64))
    fig = figs.image_table(images, (8, 8), row_labels=["held-out", "decoded"])
    assert np.asarray(fig.data[0].z).shape == (16, 96)
    assert list(fig.layout.yaxis.ticktext) == ["held-out", "decoded"]
    assert fig.layout.xaxis.showticklabels is False
    assert len(fig.layout.shapes) == 11 + 1  # lines between the columns and between the rows
    assert fig.layout.yaxis.scaleanchor == "x"  # square pixels


def test_to_uint8_clips_and_rounds() -> None:
    out = figs.to_uint8(np.array([-0.5, 0.0, 0.5, 1.0, 2.0]))
    np.testing.assert_array_equal(out, [0, 0, 128, 255, 255])


def test_latent_scatter_has_one_trace_per_label_in_palette_order() -> None:
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(10), 30)
    mu = rng.normal(size=(300, 2))
    sigma = rng.uniform(0.1, 0.5, size=(300, 2))
    mesh = rng.normal(size=(25, 2))
    fig = figs.latent_scatter(mu, labels, sigma, np.arange(300), mesh=mesh, chosen=7)
    names = [t.name for t in fig.data]
    assert names == [str(k) for k in range(10)] + ["grid points", "chosen"]
    assert [t.marker.color for t in fig.data[:10]] == list(PALETTE[:10])
    assert fig.layout.legend.title.text == "digit"
    assert fig.layout.xaxis.title.text == "z1" and fig.layout.yaxis.title.text == "z2"
    assert fig.layout.yaxis.scaleanchor == "x"
    three = fig.data[3]
    np.testing.assert_array_equal(np.asarray(three.customdata)[:, 0], np.arange(90, 120))
    assert "σ" in three.hovertemplate
    assert fig.data[-1].x[0] == pytest.approx(mu[7, 0])
    assert figs.payload_bytes(fig) < 60_000


def test_latent_scatter_without_labels_and_with_many_dimensions() -> None:
    rng = np.random.default_rng(3)
    fig = figs.latent_scatter(
        rng.normal(size=(50, 2)),
        None,
        rng.uniform(0.1, 0.5, size=(50, 6)),
        np.arange(50),
        axis_titles=("PC 1", "PC 2"),
    )
    assert len(fig.data) == 1 and fig.data[0].name == "images"
    assert "mean" in fig.data[0].hovertemplate
    assert fig.layout.xaxis.title.text == "PC 1"


def test_pca_basis_is_orthonormal_and_finds_the_spread() -> None:
    rng = np.random.default_rng(4)
    mu = np.zeros((400, 5))
    mu[:, 3] = 3.0 * rng.normal(size=400)
    mu[:, 1] = 1.0 * rng.normal(size=400)
    mu += 0.01 * rng.normal(size=mu.shape)
    center, comps = figs.pca_basis(mu)
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-12)
    assert abs(comps[0, 3]) > 0.99 and abs(comps[1, 1]) > 0.99
    assert comps[0, 3] > 0  # sign fixed
    scores = figs.project(mu, center, comps)
    assert scores.shape == (400, 2)
    np.testing.assert_allclose(scores.mean(axis=0), 0.0, atol=1e-12)


def test_mixture_density_matches_scipy_and_integrates_to_one() -> None:
    mu = np.array([[0.5, -1.0], [-1.0, 0.3], [0.0, 0.0]])
    sigma = np.array([[0.3, 0.6], [0.5, 0.2], [1.0, 1.0]])
    c = np.linspace(-6, 6, 241)
    dens = figs.mixture_density(mu, sigma, c, chunk=2)
    xx, yy = np.meshgrid(c, c)
    grid = np.dstack([xx, yy])
    expected = np.mean(
        [multivariate_normal(m, np.diag(s**2)).pdf(grid) for m, s in zip(mu, sigma, strict=True)],
        axis=0,
    )
    np.testing.assert_allclose(dens, expected, rtol=1e-10, atol=1e-14)
    step = c[1] - c[0]
    assert dens.sum() * step**2 == pytest.approx(1.0, abs=1e-3)


def test_aggregate_posterior_shares_one_colour_scale_with_the_prior() -> None:
    rng = np.random.default_rng(5)
    mu = rng.normal(size=(200, 2))
    sigma = np.full((200, 2), 0.2)
    fig = figs.aggregate_posterior(mu, sigma, cells=41)
    heat = [t for t in fig.data if t.type == "heatmap"]
    assert len(heat) == 2
    assert heat[0].zmax == heat[1].zmax and heat[0].zmin == heat[1].zmin == 0
    assert np.asarray(heat[1].z).max() == pytest.approx(1 / (2 * np.pi), rel=1e-3)
    circles = [t for t in fig.data if t.type == "scatter"]
    assert len(circles) == 2 * len(figs.PRIOR_RADII)
    assert fig.layout.xaxis.title.text == "z1" and fig.layout.yaxis2.title.text == "z2"
    assert figs.prior_mass(2.0) == pytest.approx(0.8647, abs=1e-4)
    assert figs.payload_bytes(fig) < 80_000


def test_kl_bars_split_active_and_inactive_dimensions() -> None:
    fig = figs.kl_bars(np.array([2.0, 0.001, 1.5, 0.0]), np.array([True, False, True, False]))
    assert [t.name for t in fig.data] == ["active", "inactive (collapsed)"]
    assert list(fig.data[0].x) == ["z1", "z3"] and list(fig.data[1].x) == ["z2", "z4"]
    assert fig.layout.yaxis.title.text == "KL (nats per image)"


def test_training_curves_show_train_and_held_out_terms() -> None:
    history = [
        {"epoch": e, "recon": 40 - e, "kl": 1 + 0.1 * e, "val_recon": 41 - e, "val_kl": 1.1}
        for e in range(1, 6)
    ]
    fig = figs.training_curves(history, total_epochs=50)
    assert len(fig.data) == 4
    assert [t.name for t in fig.data] == ["training images", "held-out images"] * 2
    assert list(fig.data[0].y) == [39, 38, 37, 36, 35]
    assert tuple(fig.layout.xaxis.range) == (0.5, 50.5)
    assert fig.layout.font.size == FONT_SIZE >= 16
    # Without held-out data there is one line per panel.
    short = [{k: v for k, v in r.items() if not k.startswith("val_")} for r in history]
    assert len(figs.training_curves(short).data) == 2
