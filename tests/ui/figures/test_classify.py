"""Pure figure builders and tables of the "Classify" page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.data import to_safe_csv
from ui.figures import classify as figs
from ui.figures.selection import component_colour

PROBA = np.array([[0.9, 0.1, 0.0], [0.4, 0.35, 0.25], [0.0, 0.0, 1.0]])
LOWER = PROBA - 0.05
UPPER = PROBA + 0.05


def rows() -> pd.DataFrame:
    return pd.DataFrame({"malic acid": [1.7, 2.5, 4.0], "total phenols": [2.9, 2.2, 1.5]})


def test_results_table() -> None:
    out = figs.results_table(rows(), PROBA)
    assert list(out.columns) == [
        "row",
        "malic acid",
        "total phenols",
        "P(component 1)",
        "P(component 2)",
        "P(component 3)",
        "most likely component",
        "uncertainty",
    ]
    assert list(out["row"]) == [1, 2, 3]
    assert list(out["most likely component"]) == [1, 1, 3]
    np.testing.assert_allclose(out["uncertainty"], [0.1, 0.6, 0.0])


def test_results_table_with_intervals_and_safe_csv() -> None:
    out = figs.results_table(rows(), PROBA, LOWER, UPPER)
    assert "P(component 2) low" in out and "P(component 2) high" in out
    text = to_safe_csv(out).decode()
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["row", "malic acid", "total phenols"]
    assert len(text.splitlines()) == 4


def test_results_table_checks_shapes() -> None:
    with pytest.raises(ValueError, match="one row per new row"):
        figs.results_table(rows(), PROBA[:2])


def test_display_table_merges_the_interval() -> None:
    out = figs.display_table(figs.results_table(rows(), PROBA, LOWER, UPPER), 3, True)
    cols = list(out.columns)
    assert cols.index("P(component 1) interval") == cols.index("P(component 1)") + 1
    assert "P(component 1) low" not in out
    assert out["P(component 1) interval"].iloc[0] == "0.85–0.95"


def test_posterior_figure() -> None:
    fig = figs.posterior_figure(PROBA)
    assert len(fig.data) == 3
    assert [t.marker.color for t in fig.data] == [component_colour(j) for j in range(3)]
    assert list(fig.data[0].y) == ["row 1", "row 2", "row 3"]
    assert fig.data[0].error_x.array is None
    assert fig.layout.font.size >= 16
    assert "posterior probability" in fig.layout.xaxis.title.text


def test_posterior_figure_with_intervals() -> None:
    fig = figs.posterior_figure(PROBA, LOWER, UPPER, level=0.9)
    np.testing.assert_allclose(fig.data[0].error_x.array, [0.05, 0.05, 0.05])
    np.testing.assert_allclose(fig.data[0].error_x.arrayminus, [0.05, 0.05, 0.05])
    assert "90% bootstrap interval" in fig.layout.xaxis.title.text


def test_posterior_figure_shows_at_most_max_rows() -> None:
    proba = np.random.default_rng(0).dirichlet(np.ones(2), size=500)
    fig = figs.posterior_figure(proba)
    assert len(fig.data[0].x) == figs.MAX_ROWS_SHOWN
    assert len(fig.to_json()) < 50_000


def test_new_rows_figure() -> None:
    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(200, 2))
    labels = (X_train[:, 0] > 0).astype(int)
    means = np.array([[-1.0, 0.0], [1.0, 0.0]])
    covs = np.stack([np.eye(2) * 0.5] * 2)
    X_new = np.array([[-1.0, 0.2], [1.2, 0.0], [0.9, -0.3]])
    fig = figs.new_rows_figure(X_new, np.array([0, 1, 1]), means, covs, ("a", "b"), X_train, labels)
    stars = [t for t in fig.data if (t.name or "").startswith("new rows")]
    assert [len(t.x) for t in stars] == [1, 2]
    assert list(stars[1].text) == ["2", "3"]
    assert len([t for t in fig.data if t.mode == "lines"]) == 2  # one ellipse per component
    assert fig.layout.xaxis.title.text == "a"
    # Without training rows or covariances (a loaded Poisson model, say) it still draws.
    bare = figs.new_rows_figure(X_new, np.array([0, 1, 1]), means, None, ("a", "b"))
    assert not [t for t in bare.data if t.mode == "lines"]


def test_components_table() -> None:
    out = figs.components_table(np.array([0.25, 0.75]), np.array([[0.0, 4.0], [4.0, 0.0]]), "ab")
    assert list(out.columns) == ["component", "weight", "a", "b"]
    assert list(out["component"]) == ["component 1", "component 2"]


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical", None])
def test_shapes_on_view(covariance_type: str | None) -> None:
    from engine.mixtures import GaussianMixture

    X = np.random.default_rng(0).normal(size=(120, 3))
    model = GaussianMixture(2, covariance_type=covariance_type or "full", random_state=0).fit(X)
    covs = None if covariance_type is None else model.covariances_
    means2, covs2 = figs.shapes_on_view(model.means_, covs, covariance_type, (2, 0))
    np.testing.assert_allclose(means2, model.means_[:, [2, 0]])
    if covariance_type is None:
        assert covs2 is None
    else:
        assert covs2.shape == (2, 2, 2)
        np.testing.assert_allclose(covs2, np.transpose(covs2, (0, 2, 1)))
