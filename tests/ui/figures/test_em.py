"""The EM page's figure builders, on a real small fit (wine, malic acid vs total phenols, K=2)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from engine.data import load_builtin
from engine.mixtures import GaussianMixture
from ui.figures import em as figs

FEATURES = ("malic acid", "total phenols")
#: Budget for the animation's JSON on the default view (the brief allows 10 MB; aim < 2 MB).
JSON_BUDGET = 2_000_000


@pytest.fixture(scope="module")
def wine_xy() -> np.ndarray:
    ds = load_builtin("wine")
    return ds.X[:, [ds.feature_names.index(f) for f in FEATURES]]


def record_fit(X: np.ndarray, **kwargs):
    """A recorded fit as the page gets it: the trace (from the engine's stacked history), and
    the E-step responsibilities (T, n, K) the engine recorded."""
    kwargs = {"n_components": 2, "random_state": 0, **kwargs}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianMixture(record_history=True, **kwargs).fit(X)
    history = model.history_arrays_
    trace = figs.EMTrace.from_history(history, X.shape[1])
    resp = np.array([history.resp[s] for s in history.e_steps])
    return trace, resp, model


def mixture_shares(X, weights, means, covariances):
    """log N(x | k) and the shares, by scipy: an independent check of the engine's numbers."""
    log_dens = np.stack(
        [multivariate_normal(m, c).logpdf(X) for m, c in zip(means, covariances, strict=True)],
        axis=-1,
    )
    joint = np.log(weights) + np.atleast_2d(log_dens)
    return np.atleast_2d(log_dens), np.exp(joint - logsumexp(joint, axis=1, keepdims=True))


@pytest.fixture(scope="module")
def fitted(wine_xy):
    return record_fit(wine_xy)


@pytest.fixture(scope="module")
def animation(wine_xy, fitted) -> go.Figure:
    trace, resp, _ = fitted
    return figs.animation_figure(wine_xy, resp, trace, FEATURES)


# --------------------------------------------------------------------------- helpers


def test_blend_of_a_certain_point_is_the_component_colour_exactly() -> None:
    resp = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert figs.blend_colors(resp) == [c.lower() for c in figs.PALETTE[:3]]


def test_blend_mixes_rgb_by_the_shares() -> None:
    # blue #0072B2 and vermillion #D55E00, half and half
    (mixed,) = figs.blend_colors(np.array([[0.5, 0.5]]))
    expected = np.rint((np.array([0, 114, 178]) + np.array([213, 94, 0])) / 2).astype(int)
    assert mixed == "#{:02x}{:02x}{:02x}".format(*expected)


def test_ellipse_sits_at_the_mahalanobis_radius() -> None:
    mean, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 0.5]])
    x, y = figs.ellipse(mean, cov, 2.0)
    d = np.stack([x, y], axis=1) - mean
    mahalanobis = np.sqrt(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d))
    np.testing.assert_allclose(mahalanobis, 2.0, rtol=1e-10)


@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_full_covariances_match_the_engine(wine_xy, cov_type: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianMixture(3, covariance_type=cov_type, random_state=0).fit(wine_xy)
    full = figs.full_covariances(model.covariances_, cov_type, 3, 2)
    assert full.shape == (3, 2, 2)
    # The same densities as the engine's own parameterisation.
    _, resp = mixture_shares(wine_xy, model.weights_, model.means_, full)
    np.testing.assert_allclose(resp, model.predict_proba(wine_xy), atol=1e-8)
    # A stacked history (steps first) expands step by step.
    stacked = figs.full_covariances(np.stack([model.covariances_] * 4), cov_type, 3, 2)
    assert stacked.shape == (4, 3, 2, 2)
    np.testing.assert_array_equal(stacked[2], full)


def test_trace_from_history_matches_the_records(fitted) -> None:
    trace, _, model = fitted
    hist = model.history_
    assert trace.n_steps == len(hist) and trace.n_rows == model.n_samples_fit_
    assert trace.phase == tuple(r.phase for r in hist)
    np.testing.assert_array_equal(trace.iteration, [r.iteration for r in hist])
    np.testing.assert_allclose(trace.means, [r.params["means"] for r in hist])
    np.testing.assert_allclose(trace.covariances, [r.params["covariances"] for r in hist])
    np.testing.assert_allclose(trace.elbo, [r.elbo for r in hist])


def test_figures_run_no_engine_maths() -> None:
    source = Path(figs.__file__).read_text(encoding="utf-8")
    assert "import streamlit" not in source and "from engine" not in source


def test_frame_steps_keep_short_runs_and_thin_long_ones(wine_xy) -> None:
    trace, _, _ = record_fit(wine_xy, n_components=3, init_params="random", tol=0, max_iter=150)
    assert trace.n_steps == 300
    steps = figs.frame_steps(trace, max_iterations=60)
    kept = trace.iteration[steps]
    assert len(np.unique(kept)) == 60
    assert kept[0] == 1 and kept[-1] == 150
    assert [trace.phase[s] for s in steps] == ["E", "M"] * 60
    short, _, _ = record_fit(wine_xy)
    assert list(figs.frame_steps(short)) == list(range(short.n_steps))


# --------------------------------------------------------------------------- the animation


def test_one_frame_per_record_alternating_e_and_m(animation, fitted) -> None:
    trace, _, model = fitted
    assert len(animation.frames) == len(model.history_) == trace.n_steps
    names = [f.name for f in animation.frames]
    assert names == [f"{r.iteration}{r.phase}" for r in model.history_]
    assert [n[-1] for n in names] == ["E", "M"] * model.n_iter_
    titles = [f.layout.title.text for f in animation.frames]
    assert titles[0] == "Iteration 1, E-step" and titles[1] == "Iteration 1, M-step"
    assert titles[-1] == f"Iteration {model.n_iter_}, M-step"
    assert animation.layout.title.text == titles[0]


def test_play_button_and_slider_drive_the_frames(animation) -> None:
    (menu,) = animation.layout.updatemenus
    assert [b.label for b in menu.buttons] == ["▶ Play", "❚❚ Pause"]
    assert menu.buttons[0].method == "animate"
    (slider,) = animation.layout.sliders
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in animation.frames]


def test_trace_kinds_and_fixed_axes(animation, wine_xy) -> None:
    K = 2
    points, *rest = animation.data
    assert points.mode == "markers" and len(points.x) == len(wine_xy)
    comp = rest[: 4 * K]
    assert [t.mode for t in comp] == ["lines", "lines", "lines", "markers"] * K
    assert [t.line.dash for t in comp if t.mode == "lines"] == ["dot", "dash", "solid"] * K
    xr, yr = figs.axis_ranges(wine_xy)
    assert list(animation.layout.xaxis.range) == pytest.approx(xr)
    assert list(animation.layout.yaxis.range) == pytest.approx(yr)
    assert animation.layout.xaxis.autorange is False and animation.layout.yaxis.autorange is False
    assert animation.layout.xaxis.title.text == "malic acid"
    assert animation.layout.yaxis.title.text == "total phenols"
    assert animation.layout.font.size >= 16
    # Every frame updates the points and all the ellipses, and nothing else.
    for frame in animation.frames:
        assert list(frame.traces) == list(range(1 + 4 * K))
        assert frame.data[0].marker.color is not None
        assert all(len(t.x) > 0 for t in frame.data[1:])


def test_ellipses_follow_the_m_step_parameters(animation, fitted) -> None:
    trace, _, _ = fitted
    for s, frame in enumerate(animation.frames):
        for k in range(2):
            solid = frame.data[1 + 4 * k + 2]
            x, y = figs.ellipse(trace.means[s, k], trace.covariances[s, k], 1.0)
            np.testing.assert_allclose(solid.x, x, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(solid.y, y, rtol=1e-5, atol=1e-5)
            mean = frame.data[1 + 4 * k + 3]
            assert (mean.x[0], mean.y[0]) == pytest.approx(tuple(trace.means[s, k]))
    # An M-step moves the means; the E-step after it keeps them.
    assert not np.allclose(trace.means[1], trace.means[0])
    np.testing.assert_array_equal(trace.means[2], trace.means[1])


def test_component_colours_never_change_across_frames(animation) -> None:
    K = 2
    static = [animation.data[1 + 4 * k + j].line.color for k in range(K) for j in range(3)]
    assert static == [figs.PALETTE[k] for k in range(K) for _ in range(3)]
    # Frames carry no colours for the ellipses, so the static ones hold throughout.
    for frame in animation.frames:
        for t in frame.data[1:]:
            assert t.line.color is None and t.marker.color is None


def test_point_colours_blend_the_responsibilities(animation, fitted, wine_xy) -> None:
    trace, resp, _ = fitted
    for s, frame in enumerate(animation.frames):
        t = trace.iteration[s]
        assert list(frame.data[0].marker.color) == figs.blend_colors(resp[t - 1])
    # A row certain of one component gets that component's colour exactly.
    forced = resp.copy()
    forced[:, 0] = (1.0, 0.0)
    forced[:, 1] = (0.0, 1.0)
    fig = figs.animation_figure(wine_xy, forced, trace, FEATURES)
    for frame in fig.frames:
        colours = frame.data[0].marker.color
        assert (colours[0], colours[1]) == (figs.PALETTE[0].lower(), figs.PALETTE[1].lower())


def test_json_payload_within_budget(animation) -> None:
    assert len(animation.to_json()) < JSON_BUDGET


def test_thinned_animation_has_the_thinned_frames(wine_xy) -> None:
    trace, resp, _ = record_fit(wine_xy, n_components=3, init_params="random", tol=0, max_iter=150)
    steps = figs.frame_steps(trace)
    fig = figs.animation_figure(wine_xy, resp, trace, FEATURES, steps=steps)
    assert len(fig.frames) == len(steps) == 120
    assert len(fig.to_json()) < 10_000_000


# --------------------------------------------------------------------------- the bound


def test_bound_figure_values(fitted) -> None:
    trace, _, _ = fitted
    fig = figs.bound_figure(trace, current=3)
    loglik, elbo, gap_m, gap_e = fig.data[:4]
    n = trace.n_rows
    np.testing.assert_allclose(loglik.y, trace.log_likelihood / n)
    np.testing.assert_allclose(elbo.y, trace.elbo / n)
    assert np.all(np.asarray(elbo.y) <= np.asarray(loglik.y) + 1e-12)
    np.testing.assert_allclose(gap_e.y, 0.0, atol=1e-12)
    assert np.all(np.asarray(gap_m.y) >= -1e-12)
    assert len(gap_m.y) + len(gap_e.y) == trace.n_steps
    # E-steps are circles, M-steps diamonds, at whole and half iterations.
    assert list(loglik.marker.symbol) == ["circle", "diamond"] * (trace.n_steps // 2)
    assert list(loglik.x[:4]) == [1.0, 1.5, 2.0, 2.5]
    assert fig.layout.yaxis.title.text == "nats per row"


def test_bound_never_falls(fitted) -> None:
    trace, _, _ = fitted
    assert np.all(np.diff(trace.elbo) >= -1e-9)
    assert np.all(np.diff(trace.log_likelihood) >= -1e-9)


# --------------------------------------------------------------------------- other figures


def test_weighted_histograms_sum_to_nk_and_mark_the_m_step_means(wine_xy, fitted) -> None:
    trace, resp, _ = fitted
    r = resp[-1].astype(np.float64)
    fig = figs.weighted_histograms(wine_xy, r, FEATURES)
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == 2 * 2  # two features x two components
    nk = r.sum(axis=0)
    for i, bar in enumerate(bars):
        assert sum(bar.y) == pytest.approx(nk[i % 2], rel=1e-6)
        assert bar.marker.color == figs.PALETTE[i % 2]
    lines = [s.x0 for s in fig.layout.shapes]
    # The dashed weighted means are the parameters of the M-step that used these shares.
    np.testing.assert_allclose(sorted(lines), sorted(trace.means[-1].T.ravel()), rtol=1e-5)


def test_point_shares_match_the_recorded_e_step(wine_xy, fitted) -> None:
    trace, resp, _ = fitted
    s = 2 * 2  # iteration 3, E-step
    for row in (0, 50, 120):
        log_dens, shares = mixture_shares(
            wine_xy[row : row + 1], trace.weights[s], trace.means[s], trace.covariances[s]
        )
        table = figs.shares_table(trace.weights[s], log_dens[0], shares[0])
        np.testing.assert_allclose(table["share r_k"], resp[2][row], atol=1e-6)
        joint = table["π·N(x|k)"].to_numpy()
        np.testing.assert_allclose(joint / joint.sum(), table["share r_k"], rtol=1e-9)
        np.testing.assert_allclose(joint, table["weight π"] * table["density N(x|k)"])
    fig = figs.shares_figure(table)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert list(fig.data[1].marker.color) == list(figs.PALETTE[:2])


def test_parameter_table(fitted) -> None:
    trace, resp, _ = fitted
    nk = resp[0].sum(axis=0)
    table = figs.parameter_table(trace, 1, nk, FEATURES)
    assert list(table["component"]) == ["1", "2"]
    np.testing.assert_allclose(table["weight π"], trace.weights[1])
    np.testing.assert_allclose(table["N_k"], nk)
    np.testing.assert_allclose(table["mean malic acid"], trace.means[1, :, 0])
    assert table["correlation"].abs().max() <= 1


def test_restart_gallery_marks_the_kept_start(wine_xy) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GaussianMixture(3, n_init=4, init_params="random", random_state=0).fit(wine_xy)
    restarts = []
    for r in model.init_results_:
        covs = figs.full_covariances(r.params["covariances"], "full", 3, 2)
        _, resp = mixture_shares(wine_xy, r.weights, r.params["means"], covs)
        restarts.append(
            figs.Restart(
                r.init,
                r.lower_bound,
                r.n_iter,
                r.converged,
                r.weights,
                r.params["means"],
                covs,
                resp.argmax(1),
            )
        )
    restarts.append(figs.Restart(4, float("-inf"), 3, False, None, None, None, None, "boom"))
    fig = figs.restart_gallery(wine_xy, restarts, model.best_init_, FEATURES)
    titles = [a.text for a in fig.layout.annotations[:5]]
    assert sum("★ kept" in t for t in titles) == 1
    assert "★ kept" in titles[model.best_init_]
    assert f"{model.init_results_[0].lower_bound:.4f}" in titles[0]
    assert titles[4] == "start 5: collapsed"
    assert len(fig.layout.shapes) == 1  # the frame around the kept start


# --------------------------------------------------------------------------- the cached layer


@pytest.fixture(scope="module")
def wine_run():
    """The page's cached run of the default view (Streamlit caches work without a server)."""
    from ui.cached import mixtures as cm
    from ui.state import DataRef

    key = (DataRef(), FEATURES, False, cm.FitSettings())
    return cm, key, cm.em_run(*key)


def test_cached_run_is_the_engine_fit(wine_run, fitted) -> None:
    cm, key, run = wine_run
    trace, resp, model = fitted
    assert run.ok and run.n_iter == model.n_iter_
    np.testing.assert_allclose(run.trace.means, trace.means)
    np.testing.assert_allclose(run.resp, resp)
    np.testing.assert_allclose(run.nk, resp.sum(axis=1), rtol=1e-5)
    ref, columns, pca, settings = key
    assert cm.plane(ref, columns, pca).labels == FEATURES


def test_cached_step_and_point_shares_agree(wine_run, wine_xy, fitted) -> None:
    cm, (ref, columns, pca, settings), run = wine_run
    trace = run.trace
    for s in (1, 4):  # an M record (the next E-step's shares) and an E record
        resp = cm.responsibilities(ref, columns, settings, s, pca=pca)
        _, expected = mixture_shares(
            wine_xy, trace.weights[s], trace.means[s], trace.covariances[s]
        )
        np.testing.assert_allclose(resp, expected, atol=1e-6)
        table = cm.point_shares(ref, columns, pca, settings, s, 7)
        np.testing.assert_allclose(table["share r_k"], expected[7], atol=1e-8)
        joint = table["π·N(x|k)"].to_numpy()
        np.testing.assert_allclose(joint / joint.sum(), table["share r_k"], rtol=1e-9)


def test_cached_restarts_label_every_drawn_row(wine_run, wine_xy) -> None:
    cm, key, _ = wine_run
    found, best, error = cm.restarts(*key)
    assert error is None and len(found) == cm.N_RESTARTS and 0 <= best < cm.N_RESTARTS
    for r in found:
        assert r.labels.shape == (len(wine_xy),) and set(r.labels) <= {0, 1}
        _, shares = mixture_shares(wine_xy, r.weights, r.means, r.covariances)
        assert (shares.argmax(axis=1) == r.labels).mean() > 0.99
