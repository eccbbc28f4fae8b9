"""Choosing K, information criteria, and saving/loading mixtures."""

import json
import math
import pickle

import numpy as np
import pytest

from engine.mixtures import (
    COVARIANCE_TYPES,
    BernoulliMixture,
    GaussianMixture,
    PoissonMixture,
    aic,
    best_k,
    bic,
    bic_mclust,
    compare,
    icl,
    make_mixture,
)
from engine.mixtures.io import ModelFileError, load_mixture, save_mixture

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_criteria_are_the_textbook_formulas():
    assert aic(-100.0, 5) == 210.0
    assert bic(-100.0, 5, 100) == pytest.approx(200 + 5 * math.log(100))
    assert bic_mclust(-100.0, 5, 100) == pytest.approx(-(200 + 5 * math.log(100)))
    assert icl(-100.0, 5, 100, 3.0) == pytest.approx(bic(-100.0, 5, 100) + 6.0)


def test_compare_on_wine_drops_sharply_then_mildly(wine2):
    table = compare(
        wine2, "gaussian", range(1, 6), covariance_types=COVARIANCE_TYPES, n_init=2, random_state=0
    )
    assert list(table.columns[:9]) == [
        "k",
        "covariance_type",
        "log_likelihood",
        "n_parameters",
        "aic",
        "bic",
        "icl",
        "converged",
        "n_iter",
    ]
    assert len(table) == 5 * 4
    full = table[table.covariance_type == "full"].set_index("k")
    drop_12 = full.loc[1, "bic"] - full.loc[2, "bic"]
    later = (full.loc[2:, "bic"].diff().abs()).max()
    assert drop_12 > 50 and drop_12 > 3 * later
    assert full.loc[1, "n_parameters"] == 5 and full.loc[2, "n_parameters"] == 11
    # the best row is the minimum, ignoring collapsed fits
    best = best_k(table, "bic")
    assert best["bic"] == table["bic"].min()


def test_compare_reports_collapsed_fits_instead_of_failing():
    X = np.repeat(np.arange(3.0)[:, None], 10, axis=0) * [1.0, 2.0]
    table = compare(X, "gaussian", [1, 2, 3, 4], random_state=0)
    assert table.loc[table.k == 4, "error"].str.contains("Component .* of 4", regex=True).all()
    assert np.isnan(table.loc[table.k == 4, "bic"]).all()


def test_compare_with_cross_validation(wine2):
    table = compare(wine2, "gaussian", [1, 2], random_state=0, cv=3)
    assert table["heldout_log_likelihood"].notna().all()
    assert table.loc[1, "heldout_log_likelihood"] > table.loc[0, "heldout_log_likelihood"]


def test_a_row_of_compare_is_reproduced_by_its_seed(wine2):
    table = compare(wine2, "gaussian", [3], covariance_types=("diag",), n_init=2, random_state=7)
    again = make_mixture("gaussian", 3, covariance_type="diag", n_init=2, random_state=7)
    again.fit(wine2)
    assert table.loc[0, "log_likelihood"] == pytest.approx(
        again.score_samples(wine2).sum(), rel=1e-12
    )


def test_compare_refuses_more_folds_than_rows():
    with pytest.raises(ValueError, match="cv=10 held-out folds"):
        compare(np.arange(12.0).reshape(6, 2), "gaussian", [1], cv=10)


def test_compare_other_families():
    X = np.random.default_rng(0).poisson([3.0, 9.0], size=(300, 2)).astype(float)
    table = compare(X, "poisson", [1, 2], random_state=0)
    assert list(table.covariance_type) == ["-", "-"]
    with pytest.raises(ValueError, match="Unknown mixture family"):
        make_mixture("cauchy", 2)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_gaussian_round_trip(wine2, covariance_type):
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(wine2)
    loaded, names = load_mixture(save_mixture(gm, ["malic acid", "total phenols"]))
    assert names == ["malic acid", "total phenols"]
    np.testing.assert_array_equal(loaded.predict_proba(wine2), gm.predict_proba(wine2))
    assert loaded.score(wine2) == gm.score(wine2)
    assert loaded.get_params() == {**gm.get_params(), "random_state": None}


def test_other_families_round_trip():
    X = np.random.default_rng(0).poisson([3.0, 9.0], size=(200, 2)).astype(float)
    pm = PoissonMixture(2, random_state=0).fit(X)
    np.testing.assert_array_equal(
        load_mixture(save_mixture(pm))[0].score_samples(X), pm.score_samples(X)
    )
    B = (np.random.default_rng(0).random((200, 5)) < 0.3).astype(float)
    bm = BernoulliMixture(2, alpha=0.2, random_state=0).fit(B)
    again = load_mixture(save_mixture(bm))[0]
    assert again.alpha == 0.2
    np.testing.assert_array_equal(again.predict_proba(B), bm.predict_proba(B))


def _doc(wine2):
    gm = GaussianMixture(2, random_state=0).fit(wine2)
    return json.loads(save_mixture(gm, ["a", "b"]))


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda d: d.update(format="other"), "not a mixture saved by this app"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d.update(family="os.system"), "Unknown mixture family"),
        (lambda d: d.update(n_components=10**6), "n_components"),
        (lambda d: d.update(weights=[0.9, 0.9]), "sum to 1"),
        (lambda d: d["params"].update(means=[[1.0, 2.0]]), "shape"),
        (lambda d: d["params"].update(covariances=[[[1, 0], [0, -1]]] * 2), "positive definite"),
        (lambda d: d["params"].update(covariances=[[[1, 2], [0, 1]]] * 2), "symmetric"),
        (lambda d: d["hyperparameters"].update(evil="__import__('os')"), "hyperparameters"),
        (lambda d: d.update(feature_names=["a", "a"]), "feature_names"),
    ],
)
def test_load_refuses_wrong_files_with_a_message(wine2, spoil, message):
    doc = _doc(wine2)
    spoil(doc)
    with pytest.raises(ModelFileError, match=message):
        load_mixture(json.dumps(doc).encode())


def test_load_never_unpickles(wine2):
    class Boom:
        def __reduce__(self):
            return (pytest.fail, ("unpickled!",))

    with pytest.raises(ModelFileError):
        load_mixture(pickle.dumps(Boom()))
    with pytest.raises(ModelFileError, match="NaN"):
        load_mixture(b'{"format": "em-vae-explorer/mixture", "weights": [NaN]}')
    with pytest.raises(ModelFileError, match="MB"):
        load_mixture(b" " * 6_000_000)


def test_one_error_type_and_one_module_for_every_model_file(wine2):
    import engine.io
    import engine.vae

    assert ModelFileError is engine.io.ModelFileError is engine.vae.ModelFileError
    gm = GaussianMixture(2, random_state=0).fit(wine2)
    loaded, _ = engine.io.load_mixture(engine.io.save_mixture(gm))
    np.testing.assert_array_equal(loaded.predict(wine2), gm.predict(wine2))
    with pytest.raises(engine.io.ModelFileError):
        engine.io.load_vae(engine.io.save_mixture(gm))
