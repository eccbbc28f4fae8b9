"""Figure builders of the Theory lab: traces per method, log axes, the touching point, payloads."""

from __future__ import annotations

import numpy as np
import pytest

from engine.mixtures.coordinate import likelihood_slice, m_step_mean
from ui.cached.theory import coordinate_data, record_run, slice_at
from ui.figures import theory as figs

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = ("analytic", "entropy", "mc")
GRADIENTS = ("reparameterisation", "score function")
SAMPLERS = ("prior", "posterior (importance)")
MAX_JSON = 60_000  # characters: every figure here is a handful of short series


def spread_rows():
    return [
        {"estimator": e, "n_samples": s, "mean": -20.0 + 0.01 * i, "std": (2.0 - 0.3 * i) / s**0.5}
        for i, e in enumerate(ESTIMATORS)
        for s in (1, 4, 16, 64)
    ]


def toy_rows(exact=-5.0):
    return [
        {"method": m, "n_samples": s, "mean": exact, "variance": v / s, "exact": exact}
        for s in (1, 4, 16, 64, 256)
        for m, v in zip(GRADIENTS, (4.0, 230.0), strict=True)
    ]


def encoder_rows():
    return [
        {"method": m, "n_samples": s, "total_variance": v / s, "mean_norm": 30.0}
        for s in (1, 4, 16, 64)
        for m, v in zip(GRADIENTS, (4e3, 7e5), strict=True)
    ]


def ml_rows():
    return [
        {"method": m, "n_samples": s, "mean": -15.7 - d / s**0.5, "std": d / s**0.5}
        for s in (1, 10, 100, 1000, 10000)
        for m, d in zip(SAMPLERS, (15.0, 1.0), strict=True)
    ]


def named(fig, name):
    return [t for t in fig.data if t.name == name]


def assert_readable(fig):
    assert fig.layout.font.size >= 16
    for axis in [a for a in dir(fig.layout) if a.startswith(("xaxis", "yaxis"))]:
        ax = fig.layout[axis]
        if ax is None or not ax.title.text:
            continue
        assert ax.tickfont.size >= 16, axis
    assert len(fig.to_json()) < MAX_JSON


def test_estimator_figures_have_one_series_per_estimator_on_log_axes():
    rows = spread_rows()
    means = figs.estimator_means_figure(rows)
    for e in ESTIMATORS:
        (trace,) = named(means, figs.style(e)["label"])
        assert trace.line.color == figs.METHOD_STYLE[e]["color"]
        assert len(trace.error_y.array) == 4
    assert means.layout.xaxis.type == "log"
    assert list(means.layout.xaxis.tickvals) == [1, 4, 16, 64]
    assert "log scale" in means.layout.xaxis.title.text
    assert "nats" in means.layout.yaxis.title.text

    spread = figs.estimator_spread_figure(rows)
    assert (spread.layout.xaxis.type, spread.layout.yaxis.type) == ("log", "log")
    assert "nats" in spread.layout.yaxis.title.text
    assert len(named(spread, "∝ 1/√samples")) == 1
    assert len(spread.data) == len(ESTIMATORS) + 1
    for fig in (means, spread):
        assert_readable(fig)


def test_toy_figure_marks_the_exact_gradient_and_uses_log_log_for_variance():
    fig = figs.toy_gradient_figure(toy_rows(exact=-5.0))
    exact = [t for t in fig.data if t.name.startswith("exact gradient")]
    assert len(exact) == 1
    assert set(exact[0].y) == {-5.0}
    assert fig.layout.xaxis.type == fig.layout.xaxis2.type == "log"
    assert fig.layout.yaxis2.type == "log"
    for m in GRADIENTS:
        assert len(named(fig, figs.style(m)["label"])) == 2  # estimate panel + variance panel
    assert_readable(fig)


def test_encoder_figure_is_log_log_with_the_toy_colours():
    enc = figs.encoder_variance_figure(encoder_rows())
    toy = figs.toy_gradient_figure(toy_rows())
    assert (enc.layout.xaxis.type, enc.layout.yaxis.type) == ("log", "log")
    for m in GRADIENTS:
        label = figs.style(m)["label"]
        assert {t.line.color for t in named(enc, label) + named(toy, label)} == {
            figs.METHOD_STYLE[m]["color"]
        }
    assert_readable(enc)


def test_marginal_likelihood_figure_has_bands_and_the_best_estimate():
    rows = ml_rows()
    fig = figs.marginal_likelihood_figure(rows)
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == len(SAMPLERS)
    best = [t for t in fig.data if t.name.startswith("best estimate")]
    assert best and best[0].y[0] == pytest.approx(rows[-1]["mean"])
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    assert fig.layout.yaxis.type != "log" and fig.layout.yaxis2.type == "log"
    assert "nats" in fig.layout.yaxis.title.text
    assert_readable(fig)


def test_log_ticks_and_labels():
    assert figs.log_ticks([0.2, 1.9]) == [0.1, 0.2, 0.5, 1.0, 2.0]
    assert figs.log_ticks([90.0, 8e5]) == [100.0, 1e3, 1e4, 1e5, 1e6]
    assert [figs.tick_label(t) for t in (0.02, 5.0, 1000.0, 1e4, 2e5)] == [
        "0.02",
        "5",
        "1,000",
        "1e4",
        "2e5",
    ]


@pytest.fixture(scope="module")
def run():
    return record_run(coordinate_data(), iterations=4)


@pytest.mark.parametrize("which", [0, 1])
def test_bound_touches_the_log_likelihood_at_the_current_mean_after_an_e_step(run, which):
    sl = slice_at(run, 2, which)  # iteration 2, E-step
    assert sl.phase == "E" and sl.kl == 0.0
    fig = figs.coordinate_figure(sl)
    (current,) = [t for t in fig.data if t.name.startswith("current")]
    (touch,) = [t for t in fig.data if t.name.startswith("bound at the current mean")]
    exact = likelihood_slice(sl.x, sl.weights, sl.means, sl.variances, which, np.array([sl.mean]))
    assert current.x[0] == touch.x[0] == pytest.approx(sl.mean)
    assert current.y[0] == pytest.approx(exact[0], rel=1e-9)
    assert touch.y[0] == pytest.approx(exact[0], abs=1e-6)
    assert "touches" in touch.name
    (star,) = [t for t in fig.data if t.name.startswith("top of the bound")]
    assert star.x[0] == pytest.approx(m_step_mean(sl.x, run.resp[2], which))
    assert star.x[0] == pytest.approx(run.means[3][which])  # where the M-step put it
    assert len(fig.layout.annotations) >= 1  # the arrow to the star
    lo, hi = fig.layout.xaxis.range
    assert lo < min(sl.mean, sl.target) and max(sl.mean, sl.target) < hi
    assert fig.layout.yaxis.range[1] > sl.log_likelihood
    assert_readable(fig)


def test_after_an_m_step_the_mean_sits_on_top_of_the_bound_below_the_log_likelihood(run):
    sl = slice_at(run, 1, 0)
    assert sl.phase == "M" and sl.kl > 0
    assert sl.target == pytest.approx(sl.mean)
    assert sl.previous == pytest.approx(run.means[0][0])
    assert sl.grid[np.argmax(sl.bound)] == pytest.approx(sl.mean, abs=0.05)
    assert np.all(sl.bound <= sl.loglik + 1e-6)
    fig = figs.coordinate_figure(sl)
    (touch,) = [t for t in fig.data if t.name.startswith("bound at the current mean")]
    (current,) = [t for t in fig.data if t.name.startswith("current")]
    assert current.y[0] - touch.y[0] == pytest.approx(sl.kl)
    assert named(fig, "where this M-step started")
    assert "touches" not in touch.name
