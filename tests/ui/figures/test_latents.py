"""Unit tests of the "Discrete vs continuous" page's figure builders."""

from __future__ import annotations

import numpy as np
import pytest

from ui.figures import latents as figs

MIX = [
    {"k": 1, "n_parameters": 64, "log_likelihood": -25.2},
    {"k": 5, "n_parameters": 324, "log_likelihood": -21.7},
    {"k": 20, "n_parameters": 1299, "log_likelihood": -18.6},
    {"k": 50, "n_parameters": 3249, "log_likelihood": -18.0},
]
VAE = [
    {"d": 16, "n_parameters": 177_248, "elbo": -17.9, "iwae": -16.8},
    {"d": 2, "n_parameters": 166_468, "elbo": -19.2, "iwae": -18.0},
]


def trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


@pytest.mark.parametrize(
    ("n", "text"), [(64, "64"), (649, "649"), (1299, "1.3k"), (3249, "3.2k"), (166_468, "166k")]
)
def test_short_count(n: int, text: str) -> None:
    assert figs.short_count(n) == text


def test_likelihood_figure_has_the_three_series_in_order() -> None:
    fig = figs.likelihood_figure(MIX, VAE)
    mix, elbo, iwae = (trace(fig, n) for n in (figs.MIXTURE_NAME, figs.ELBO_NAME, figs.IWAE_NAME))
    assert list(mix.x) == [1, 5, 20, 50] and list(mix.y) == [-25.2, -21.7, -18.6, -18.0]
    assert list(elbo.x) == [2, 16] and list(elbo.y) == [-19.2, -17.9]  # rows sorted by size
    assert list(iwae.y) == [-18.0, -16.8]
    assert all(i >= e for i, e in zip(iwae.y, elbo.y, strict=True))
    assert mix.xaxis == "x" and elbo.xaxis == "x2" and iwae.xaxis == "x2"
    assert elbo.line.dash == "dash" and mix.line.dash is None
    assert "exact" in figs.MIXTURE_NAME and "lower bound" in figs.ELBO_NAME
    assert "estimate" in figs.IWAE_NAME
    assert len([t for t in fig.data if t.showlegend is not False]) == 3


def test_likelihood_figure_axes_are_log_with_sizes_and_parameter_counts() -> None:
    fig = figs.likelihood_figure(MIX, VAE)
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    assert list(fig.layout.xaxis.tickvals) == [1, 5, 20, 50]
    assert list(fig.layout.xaxis.ticktext) == ["1", "5", "20", "50"]
    assert fig.layout.xaxis.title.text == "components K · parameters = 65K − 1"
    assert list(fig.layout.xaxis2.ticktext) == ["2<br>166k", "16<br>177k"]
    assert "latent size d" in fig.layout.xaxis2.title.text
    assert "nats per image" in fig.layout.yaxis.title.text
    assert "higher is better" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis2.matches == "y"  # one shared scale for both families


def test_mixture_axis_title_states_the_count_only_when_it_is_linear_in_k() -> None:
    assert figs.mixture_axis_title([1, 2, 10], [64, 129, 649]) == (
        "components K · parameters = 65K − 1"
    )
    assert figs.mixture_axis_title([1, 2], [64, 130]) == "components K"


def test_likelihood_figure_rings_the_chosen_models_and_draws_the_mixture_line() -> None:
    fig = figs.likelihood_figure(MIX, VAE, k=20, d=2)
    rings = [t for t in fig.data if t.showlegend is False]
    assert {(t.x[0], t.y[0]) for t in rings} == {(20, -18.6), (2, -18.0), (2, -19.2)}
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == -18.6 and line.xref == "paper"
    assert any("K = 20: -18.60" in a.text for a in fig.layout.annotations)
    assert not figs.likelihood_figure(MIX, VAE, k=7).layout.shapes  # not swept: nothing ringed


def test_likelihood_figure_is_projector_sized_and_small() -> None:
    fig = figs.likelihood_figure(MIX, VAE, k=20, d=2)
    assert fig.layout.font.size >= 16
    assert fig.layout.xaxis.tickfont.size >= 16 and fig.layout.yaxis.tickfont.size >= 16
    assert all(a.font.size >= 16 for a in fig.layout.annotations)
    assert len(fig.to_json()) < 20_000


def test_samples_figure_tiles_images_with_labels() -> None:
    rng = np.random.default_rng(0)
    images = (rng.random((24, 64)) < 0.3).astype(np.float32)
    titles = [f"#{i}" for i in range(24)]
    fig = figs.samples_figure(images, titles, title="draws", probabilities=False)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (3 * (3 + 8 + 1), 8 * 8 + 7 * 1)  # 3 rows of 8 images, one-pixel gaps
    assert set(np.unique(z[~np.isnan(z)])) <= {0.0, 1.0}
    assert [a.text for a in fig.layout.annotations] == titles
    assert "pixel" in fig.data[0].hovertemplate
    assert fig.layout.title.text == "draws"
    assert len(fig.to_json()) < 50_000


def test_samples_figure_shows_probabilities_in_grey() -> None:
    images = np.linspace(0, 1, 16 * 64, dtype=np.float32).reshape(16, 64)
    fig = figs.samples_figure(images, None, title="VAE", probabilities=True)
    assert "P(ink)" in fig.data[0].hovertemplate
    assert not fig.layout.annotations
    assert np.asarray(fig.data[0].z).shape == (2 * (8 + 1), 8 * 9 - 1)  # no room for labels
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == 1
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.nanmax(z) == pytest.approx(1.0) and 0 < np.nanmedian(z) < 1
