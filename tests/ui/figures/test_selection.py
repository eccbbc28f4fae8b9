"""Pure figure builders and helpers of the "Choose K" page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from engine.data import load_builtin
from engine.mixtures import GaussianMixture, compare
from ui.figures import selection as figs


@pytest.fixture(scope="module")
def wine_table() -> pd.DataFrame:
    wine = load_builtin("wine")
    idx = [wine.feature_names.index(name) for name in ("malic acid", "total phenols")]
    return compare(
        wine.X[:, idx],
        ks=range(1, 6),
        covariance_types=("full", "diag"),
        n_init=2,
        random_state=0,
        cv=3,
    )


def hand_table() -> pd.DataFrame:
    """A made-up table: BIC lowest at K=2 full, K=3 full within 2 points, K=4 full collapsed."""
    rows = []
    for ct, shift in (("full", 0.0), ("diag", 30.0)):
        for k, bic in zip((1, 2, 3, 4), (500.0, 400.0, 401.5, np.nan), strict=True):
            rows.append(
                {
                    "k": k,
                    "covariance_type": ct,
                    "log_likelihood": -bic / 2 if np.isfinite(bic) else np.nan,
                    "n_parameters": 5 * k if np.isfinite(bic) else np.nan,
                    "aic": bic - 10 + shift,
                    "bic": bic + shift,
                    "icl": bic + 5 + shift,
                    "converged": bool(np.isfinite(bic)),
                    "n_iter": 5,
                    "error": None if np.isfinite(bic) else "Component 3 of 4 collapsed.",
                }
            )
    table = pd.DataFrame(rows)
    table.loc[(table.k == 4) & (table.covariance_type == "diag"), ["aic", "bic", "icl"]] = (
        480.0,
        480.0,
        480.0,
    )
    table.loc[(table.k == 4) & (table.covariance_type == "diag"), "error"] = None
    return table


def traces_named(fig: go.Figure, prefix: str) -> list:
    return [t for t in fig.data if (t.name or "").startswith(prefix)]


def test_criteria_figure_has_one_curve_and_one_star_per_type_per_panel(
    wine_table: pd.DataFrame,
) -> None:
    fig = figs.criteria_figure(wine_table)
    panels = figs.available_criteria(wine_table)
    assert panels == ("aic", "bic", "icl", "heldout_log_likelihood")
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    stars = traces_named(fig, "best ") + []
    rings = traces_named(fig, "best overall")
    stars = [t for t in stars if t not in rings]
    assert len(lines) == len(stars) == 2 * len(panels)
    assert len(rings) == len(panels)
    assert {t.name for t in lines} == {"full", "diag"}
    assert sum(t.showlegend for t in lines) == 2  # one legend entry per type


def test_best_is_marked_on_every_curve(wine_table: pd.DataFrame) -> None:
    fig = figs.criteria_figure(wine_table, criteria=("bic",))
    for ct in ("full", "diag"):
        part = wine_table[wine_table.covariance_type == ct]
        (star,) = [t for t in fig.data if t.name == f"best {ct}"]
        assert star.x[0] == part.loc[part.bic.idxmin(), "k"]
        assert star.marker.symbol == "star"
        assert star.y[0] == pytest.approx(part.bic.min())
    (ring,) = traces_named(fig, "best overall")
    assert ring.x[0] == wine_table.loc[wine_table.bic.idxmin(), "k"]


def test_heldout_best_is_the_highest(wine_table: pd.DataFrame) -> None:
    best = figs.best_row(wine_table, figs.HELDOUT)
    assert best[figs.HELDOUT] == wine_table[figs.HELDOUT].max()


@pytest.mark.parametrize("criterion", ["aic", "bic", "icl"])
def test_both_conventions_rank_alike_with_the_sign_flipped(
    wine_table: pd.DataFrame, criterion: str
) -> None:
    sk = figs.criterion_values(wine_table, criterion, "sklearn")
    mc = figs.criterion_values(wine_table, criterion, "mclust")
    np.testing.assert_allclose(mc, -sk)
    assert list(sk.rank()) == list((-mc).rank())
    assert figs.best_row(wine_table, criterion, "sklearn").name == (
        figs.best_row(wine_table, criterion, "mclust").name
    )
    a = figs.criteria_figure(wine_table, "sklearn", criteria=(criterion,))
    b = figs.criteria_figure(wine_table, "mclust", criteria=(criterion,))
    for ta, tb in zip(a.data, b.data, strict=True):
        np.testing.assert_array_equal(np.asarray(ta.x), np.asarray(tb.x))
        np.testing.assert_allclose(np.asarray(tb.y, float), -np.asarray(ta.y, float))
    assert "lower is better" in a.layout.annotations[0].text
    assert "higher is better" in b.layout.annotations[0].text


def test_mclust_bic_is_the_engine_formula(wine_table: pd.DataFrame) -> None:
    from engine.mixtures import bic_mclust

    n = 178
    row = wine_table.iloc[3]
    value = figs.criterion_values(wine_table, "bic", "mclust").iloc[3]
    assert value == pytest.approx(bic_mclust(row.log_likelihood, row.n_parameters, n))


def test_collapsed_fits_are_gaps_and_named() -> None:
    table = hand_table()
    fig = figs.criteria_figure(table, criteria=("bic",))
    (full,) = [t for t in fig.data if t.name == "full"]
    assert full.connectgaps is False
    assert np.isnan(np.asarray(full.y, float)[3])
    notes = figs.collapsed_notes(table)
    assert notes == ["K=4 with full covariances: Component 3 of 4 collapsed."]


def test_recommendation_names_close_contenders() -> None:
    rec = figs.recommend(hand_table(), "bic")
    assert (rec.k, rec.covariance_type) == (2, "full")
    assert rec.text.startswith("BIC is lowest at K=2 with full covariances (400.0).")
    assert "K=3 with full covariances is only 1.5 higher, within 2 points" in rec.text
    assert rec.close == ((3, "full"),)
    flipped = figs.recommend(hand_table(), "bic", "mclust")
    assert (flipped.k, flipped.covariance_type) == (2, "full")
    assert "highest" in flipped.text and "1.5 lower" in flipped.text


def test_recommendation_with_a_clear_winner_and_with_nothing() -> None:
    table = hand_table()
    table.loc[(table.k == 3) & (table.covariance_type == "full"), "bic"] = 420.0
    rec = figs.recommend(table, "bic")
    assert "is 20.0 points higher: very strong evidence for K=2" in rec.text
    empty = table.assign(bic=np.nan)
    assert figs.recommend(empty, "bic") is None


def test_parameter_table(wine_table: pd.DataFrame) -> None:
    out = figs.parameter_table(wine_table, "mclust")
    assert list(out.columns[:4]) == ["K", "covariance type", "parameters p", "log L (nats)"]
    assert {"AIC", "BIC", "ICL", "held-out log L per row"} <= set(out.columns)
    # Hand-counted: K=2 full on D=2 is 1 weight + 4 means + 6 covariance entries.
    row = out[(out.K == 2) & (out["covariance type"] == "full")].iloc[0]
    assert row["parameters p"] == 11
    assert row["BIC"] == pytest.approx(-wine_table.bic.iloc[1], abs=0.01)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_full_covariances(covariance_type: str) -> None:
    X = np.random.default_rng(0).normal(size=(200, 3))
    model = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    full = figs.full_covariances(model.covariances_, covariance_type, 2, 3)
    assert full.shape == (2, 3, 3)
    # The same densities as the model, from the full matrices.
    from scipy.stats import multivariate_normal

    dens = sum(
        w * multivariate_normal(m, c).pdf(X[:5])
        for w, m, c in zip(model.weights_, model.means_, full, strict=True)
    )
    np.testing.assert_allclose(np.log(dens), model.score_samples(X[:5]), rtol=1e-6)


def test_ellipse_is_at_mahalanobis_distance_two() -> None:
    mean = np.array([1.0, -2.0])
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    xy = figs.ellipse(mean, cov)
    d = xy - mean
    m2 = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(m2, 4.0, rtol=1e-9)


def panels_for(X: np.ndarray, ks=(1, 2, 3)) -> list[figs.PanelFit]:
    fits = []
    for k in ks:
        m = GaussianMixture(k, random_state=0).fit(X[:2000])
        fits.append(
            {
                "k": k,
                "labels": m.predict(X),
                "means": m.means_,
                "covariances": m.covariances_,
                "error": None,
            }
        )
    fits.append({"k": 9, "labels": None, "means": None, "covariances": None, "error": "boom"})
    return figs.panels_on_view(fits, (0, 1))


def test_mixtures_figure_small_multiples() -> None:
    X = np.random.default_rng(0).normal(size=(150, 2))
    panels = panels_for(X)
    assert [p.k for p in panels] == [1, 2, 3]  # the collapsed K=9 is left out
    fig = figs.mixtures_figure(X, panels, ("malic acid", "total phenols"))
    points = [t for t in fig.data if t.type == "scattergl"]
    ellipses = [t for t in fig.data if t.mode == "lines"]
    means = [t for t in fig.data if (t.name or "").endswith(" mean")]
    assert len(points) == len(ellipses) == len(means) == 1 + 2 + 3
    assert sum(len(t.x) for t in points) == 3 * 150
    # Component colours are the same in every panel.
    assert {t.marker.color for t in points if t.name == "component 1"} == {figs.component_colour(0)}
    assert fig.layout.xaxis.title.text == "malic acid"
    assert fig.layout.yaxis.title.text == "total phenols"
    assert fig.layout.font.size >= 16


def test_mixtures_figure_thins_large_tables() -> None:
    X = np.random.default_rng(0).normal(size=(100_000, 2))
    fig = figs.mixtures_figure(X, panels_for(X, ks=(1, 2)), ("a", "b"))
    assert sum(len(t.x) for t in fig.data if t.type == "scattergl") == 2 * figs.MAX_POINTS
    assert len(fig.to_json()) < 1_000_000


def test_payload_of_the_criteria_figure_is_small(wine_table: pd.DataFrame) -> None:
    assert len(figs.criteria_figure(wine_table).to_json()) < 100_000


def test_fonts_are_projector_sized(wine_table: pd.DataFrame) -> None:
    fig = figs.criteria_figure(wine_table)
    assert fig.layout.font.size >= 16
    assert all(a.font.size >= 16 for a in fig.layout.annotations)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_default_view() -> None:
    assert figs.default_view(
        ["a", "malic acid", "b", "total phenols"], ("malic acid", "total phenols")
    ) == (1, 3)
    assert figs.default_view(["a", "b", "c"], ("x", "y")) == (0, 1)
    assert figs.default_view(["a"]) == (0, 0)
