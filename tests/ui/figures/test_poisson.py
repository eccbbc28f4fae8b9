"""Unit tests of the Poisson page's figure builders (pure functions over a recorded run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import poisson

from engine.data import load_builtin
from engine.mixtures import PoissonMixture, compare
from ui.cached import counts as count_bars
from ui.cached.mixtures import count_trace_of
from ui.figures import poisson as figs
from ui.figures.style import PALETTE


@pytest.fixture(scope="module")
def counts() -> np.ndarray:
    return load_builtin("counts").X[:, 0]


@pytest.fixture(scope="module")
def model(counts) -> PoissonMixture:
    return PoissonMixture(3, random_state=0, record_history=True).fit(counts[:, None])


@pytest.fixture(scope="module")
def trace(counts, model) -> figs.CountTrace:
    return count_trace_of(model, counts)


def fonts(fig) -> list[float]:
    """Every explicit font size in a figure's layout (titles, axes, legend, annotations)."""
    sizes: list[float] = []

    def walk(node, parent: str = ""):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "size" and parent.endswith("font"):
                    sizes.append(value)
                walk(value, key)
        elif isinstance(node, list):
            for item in node:
                walk(item, parent)

    walk({k: v for k, v in fig.to_plotly_json()["layout"].items() if k != "template"})
    return sizes


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("rates", [[0.5, 3.0, 12.0], [40.0], [150.0, 900.0]])
@pytest.mark.parametrize("width", [1, 3, 25])
def test_binned_pmf_sums_to_one_over_the_support(rates, width) -> None:
    last = count_bars.support_end(0, np.array(rates))
    n_bins = -(-(last + 1) // width)
    pmf = count_bars.binned_pmf(np.array(rates), width, n_bins)
    assert pmf.shape == (len(rates), n_bins)
    assert np.all(pmf >= 0)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-4)


def test_binned_pmf_of_width_one_is_scipys_pmf() -> None:
    pmf = count_bars.binned_pmf(np.array([2.0, 7.5]), 1, 30)
    x = np.arange(30)
    np.testing.assert_allclose(pmf, [poisson.pmf(x, 2.0), poisson.pmf(x, 7.5)], atol=1e-12)


def test_count_bins_never_exceed_the_cap() -> None:
    assert count_bars.count_bins(30) == (1, 31)
    for last in (79, 80, 500, 12_345):
        width, n_bins = count_bars.count_bins(last)
        assert n_bins <= figs.MAX_BARS
        assert width * n_bins >= last + 1


def test_bin_shares_average_responsibilities_and_sum_to_one() -> None:
    x = np.array([0, 0, 1, 4, 4, 4])
    resp = np.array([[1, 0], [0.5, 0.5], [0.2, 0.8], [0, 1], [0, 1], [0.3, 0.7]])
    shares = count_bars.bin_shares(x, resp, 1, 6)
    np.testing.assert_allclose(shares[0], [0.75, 0.25])
    np.testing.assert_allclose(shares[4], [0.1, 0.9])
    assert np.all(shares[[2, 3, 5]] == 0)  # no rows there
    np.testing.assert_allclose(count_bars.proportions(x, 1, 6), [2 / 6, 1 / 6, 0, 0, 3 / 6, 0])


# --------------------------------------------------------------------------- the trace


def test_trace_mirrors_the_history(trace, model) -> None:
    hist = model.history_
    assert trace.n_steps == len(hist)
    assert trace.phase == tuple(r.phase for r in hist)
    order = np.argsort(model.means_[:, 0])  # components numbered by rate, lowest first
    np.testing.assert_allclose(trace.rates[-1], model.means_[order, 0])
    np.testing.assert_allclose(trace.weights[-1], model.weights_[order])
    assert np.all(np.diff(trace.rates[-1]) > 0)
    assert trace.proportion.sum() == pytest.approx(1.0)
    filled = trace.proportion > 0
    np.testing.assert_allclose(trace.shares[:, filled].sum(axis=-1), 1.0, atol=1e-5)


def test_trace_without_stored_responsibilities_gets_the_same_shares(counts, trace) -> None:
    bare = PoissonMixture(3, random_state=0, record_history=True, history_resp_cells=0)
    bare.fit(counts[:, None])
    assert all(r.resp is None for r in bare.history_)
    np.testing.assert_allclose(count_trace_of(bare, counts).shares, trace.shares, atol=1e-5)


def test_wide_counts_are_grouped_into_few_bars() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.poisson(50, 300), rng.poisson(2_000, 300)]).astype(float)
    model = PoissonMixture(2, random_state=0, record_history=True).fit(x[:, None])
    trace = count_trace_of(model, x)
    assert trace.width > 1 and trace.n_bins <= figs.MAX_BARS
    fig = figs.pmf_animation(trace)
    for frame in fig.frames:
        assert np.asarray(frame.data[-1].y, dtype=float).sum() == pytest.approx(1.0, abs=1e-3)
    assert "groups" in fig.layout.xaxis.title.text


# --------------------------------------------------------------------------- the animation


def test_one_frame_per_history_record_with_alternating_phases(trace) -> None:
    fig = figs.pmf_animation(trace)
    assert len(fig.frames) == trace.n_steps
    assert [f.name for f in fig.frames][:4] == ["1E", "1M", "2E", "2M"]
    for s, frame in enumerate(fig.frames):
        phase = "E" if s % 2 == 0 else "M"
        assert frame.layout.title.text.startswith(f"Iteration {s // 2 + 1}, {phase}-step")
    assert fig.layout.title.text.startswith("Iteration 1, E-step")
    steps = fig.layout.sliders[0].steps
    assert [st.args[0][0] for st in steps] == [f.name for f in fig.frames]
    assert fig.layout.updatemenus[0].buttons[0].label.endswith("Play")


def test_frames_show_weighted_pmfs_that_sum_to_the_mixture(trace) -> None:
    fig = figs.pmf_animation(trace)
    K = trace.n_components
    assert len(fig.data) == 2 * K + 1
    for s, frame in enumerate(fig.frames):
        parts = [np.asarray(frame.data[K + k].y, dtype=float) for k in range(K)]
        mixture = np.asarray(frame.data[-1].y, dtype=float)
        np.testing.assert_allclose(sum(parts), mixture, atol=1e-6)
        assert mixture.sum() == pytest.approx(1.0, abs=1e-3)
        for k in range(K):
            assert parts[k].sum() == pytest.approx(trace.weights[s, k], abs=1e-3)
        # The stacked bar parts add up to the histogram.
        bars = sum(np.asarray(frame.data[k].y, dtype=float) for k in range(K))
        np.testing.assert_allclose(bars, trace.proportion, atol=1e-6)


def test_an_e_step_moves_the_bars_and_an_m_step_moves_the_curves(trace) -> None:
    fig = figs.pmf_animation(trace)
    m1, e2, m2 = fig.frames[1], fig.frames[2], fig.frames[3]

    def bars(frame):
        return np.asarray(frame.data[0].y, dtype=float)

    def mixture(frame):
        return np.asarray(frame.data[-1].y, dtype=float)

    # E-step: new shares (bar colours), same parameters (curves).
    assert not np.allclose(bars(e2), bars(m1))
    np.testing.assert_array_equal(mixture(e2), mixture(m1))
    # M-step: same shares, new parameters.
    np.testing.assert_array_equal(bars(m2), bars(e2))
    assert not np.allclose(mixture(m2), mixture(e2))


def test_animation_is_readable_and_colour_stable(trace) -> None:
    fig = figs.pmf_animation(trace)
    assert fig.layout.xaxis.title.text.startswith("count")
    assert fig.layout.yaxis.title.text == "proportion of rows"
    assert min(fonts(fig)) >= 14  # slider ticks; everything else is larger
    assert sorted(fonts(fig))[1] >= 16
    assert fig.layout.font.size >= 16
    for k in range(trace.n_components):
        assert fig.data[k].marker.color == PALETTE[k]
        assert fig.data[trace.n_components + k].line.color == PALETTE[k]
    assert len(fig.to_json()) < 300_000


# --------------------------------------------------------------------------- other figures


def test_parameter_paths_start_at_zero_and_follow_the_m_steps(trace, model) -> None:
    fig = figs.parameter_paths(trace, true_rates=[2, 7, 15], true_weights=[0.45, 0.35, 0.2])
    K = trace.n_components
    assert len(fig.data) == 2 * K
    x = list(fig.data[0].x)
    assert x == list(range(model.n_iter_ + 1))
    lowest = int(np.argmin(model.means_[:, 0]))
    np.testing.assert_allclose(fig.data[0].y[-1], model.means_[lowest, 0])
    np.testing.assert_allclose(fig.data[1].y[-1], model.weights_[lowest])
    assert fig.layout.yaxis.title.text.startswith("rate")
    assert fig.layout.xaxis2.title.text.startswith("EM iteration")
    assert len([s for s in fig.layout.shapes]) == 6  # dotted truth lines


def test_criteria_figure_marks_the_lowest_bic(counts) -> None:
    table = compare(counts[:, None], family="poisson", ks=range(1, 7), random_state=0, n_init=3)
    fig = figs.criteria_figure(table)
    stars = [t for t in fig.data if t.marker.symbol == "star"]
    assert len(stars) == 2
    bic = next(t for t in stars if "BIC" in t.name)
    assert bic.x[0] == table.loc[table["bic"].idxmin(), "k"] == 3
    assert "lower is better" in fig.layout.yaxis.title.text


def test_criteria_figure_skips_failed_fits() -> None:
    table = pd.DataFrame({"k": [1, 2, 3], "aic": [10.0, np.nan, 8.0], "bic": [11.0, np.nan, 12.0]})
    fig = figs.criteria_figure(table)
    assert list(fig.data[0].x) == [1, 3]
