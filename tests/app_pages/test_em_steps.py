"""AppTest tests of the "EM step by step" page: defaults, the form, collapses and links."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import load_builtin
from engine.mixtures import DegenerateFitError, GaussianMixture

TIMEOUT = 60
PAGE = "app_pages/em_steps.py"
IRIS_PETALS = "petal length,petal width"


@pytest.fixture
def app(app_path: Path) -> AppTest:
    """The whole app, set to open on the EM page (query parameters may be added before run)."""
    at = AppTest.from_file(str(app_path), default_timeout=TIMEOUT)
    return at.switch_page(PAGE)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def animation(at: AppTest) -> dict:
    return next(c for c in charts(at) if c.get("frames"))


def parameters(at: AppTest):
    """The parameter table as numbers, one row per component."""
    table = next(d.value for d in at.dataframe if "N_k" in d.value.index)
    return table.T.astype(float)


def submit(at: AppTest) -> AppTest:
    return at.button(key="em.apply").click().run()


def test_defaults_show_the_wine_example(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "EM step by step"
    assert at.selectbox(key="em.data").value == "wine"
    assert at.radio(key="em.view").value == "two features"
    assert (at.selectbox(key="em.fx").value, at.selectbox(key="em.fy").value) == (
        "malic acid",
        "total phenols",
    )
    assert at.slider(key="em.k").value == 2
    assert at.selectbox(key="em.cov").value == "full"
    anim = animation(at)
    layout = anim["layout"]
    assert layout["xaxis"]["title"]["text"] == "malic acid"
    assert layout["yaxis"]["title"]["text"] == "total phenols"
    assert anim["frames"][0]["layout"]["title"]["text"] == "Iteration 1, E-step"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wine = load_builtin("wine")
        X = wine.X[
            :, [wine.feature_names.index("malic acid"), wine.feature_names.index("total phenols")]
        ]
        model = GaussianMixture(2, random_state=0, record_history=True).fit(X)
    assert len(anim["frames"]) == len(model.history_)
    table = parameters(at)
    assert len(table) == 2
    np.testing.assert_allclose(table["weight π"], model.weights_, rtol=1e-3)
    np.testing.assert_allclose(table["N_k"].sum(), len(X), rtol=1e-3)
    step = at.select_slider[-1]
    assert step.label == "Step to inspect"
    assert step.value == len(model.history_) - 1  # the last M-step
    assert step.options[-1] == f"Iteration {model.n_iter_}, M-step"
    assert len(charts(at)) == 5  # animation, bound, histograms, one point, restarts
    assert at.query_params["k"] == "2" and at.query_params["dataset"] == "wine"


def test_warm_rerun_and_inspecting_a_step(app: AppTest) -> None:
    at = app.run()
    step = next(s for s in at.select_slider if s.label == "Step to inspect")
    assert step.options[2] == "Iteration 2, E-step"
    step.set_value(2).run()
    assert_clean(at)
    assert "parameters at iteration 2, e-step" in " ".join(m.value for m in at.markdown).lower()
    at.number_input(
        key=next(n.key for n in at.number_input if n.key.startswith("em.row."))
    ).set_value(5).run()
    assert_clean(at)
    shares = next(d.value for d in at.dataframe if "share r_k" in d.value.index)
    assert shares.loc["share r_k"].astype(float).sum() == pytest.approx(1.0, abs=1e-3)
    assert any("**Row 5**" in m.value for m in at.markdown)


def test_changing_k_and_covariance_rerenders(app: AppTest) -> None:
    at = app.run()
    at.slider(key="em.k").set_value(3)
    at.selectbox(key="em.cov").set_value("diag")
    submit(at)
    assert_clean(at)
    assert len(parameters(at)) == 3
    anim = animation(at)
    # points, then 4 traces per component, then 3 legend keys
    assert len(anim["data"]) == 1 + 4 * 3 + 3
    assert at.session_state["evx.k"] == 3 and at.session_state["evx.cov"] == "diag"
    assert at.query_params["k"] == "3" and at.query_params["cov"] == "diag"
    # A diagonal covariance has no correlation.
    np.testing.assert_allclose(parameters(at)["correlation"], 0.0, atol=1e-12)


def test_collapse_shows_the_engine_message_and_fixes(app: AppTest) -> None:
    app.query_params.update(dataset="iris", features=IRIS_PETALS, k="10", cov="full", seed="0")
    at = app.run()
    assert not at.exception, [e.value for e in at.exception]
    iris = load_builtin("iris")
    X = iris.X[:, [2, 3]]
    with pytest.raises(DegenerateFitError) as info:
        GaussianMixture(10, random_state=0).fit(X)
    assert len(at.error) == 1
    assert str(info.value) in at.error[0].value
    assert "Traceback" not in at.error[0].value
    fixes = [b for b in at.button if b.key.startswith("em.fix.")]
    assert fixes, "the page should offer settings that work"
    assert any("reg_covar" in i.value or "K =" in i.value for i in at.info)
    # The page keeps working: the restart gallery is still drawn, and a fix clears the error.
    fixes[0].click().run()
    assert_clean(at)
    assert parameters(at) is not None


def test_link_reproduces_the_settings(app: AppTest) -> None:
    app.query_params.update(dataset="iris", features=IRIS_PETALS, k="3", cov="diag", seed="1")
    at = app.run()
    assert_clean(at)
    assert not at.info  # nothing in the link was ignored
    assert at.selectbox(key="em.data").value == "iris"
    assert (at.selectbox(key="em.fx").value, at.selectbox(key="em.fy").value) == (
        "petal length",
        "petal width",
    )
    assert (
        at.slider(key="em.k").value,
        at.selectbox(key="em.cov").value,
        at.number_input(key="em.seed").value,
    ) == (3, "diag", 1)
    assert len(parameters(at)) == 3
    assert animation(at)["layout"]["xaxis"]["title"]["text"] == "petal length (cm)"
    assert at.query_params == {
        "dataset": "iris",
        "features": IRIS_PETALS,
        "k": "3",
        "cov": "diag",
        "seed": "1",
    }


def test_changing_dataset_and_pca_view(app: AppTest) -> None:
    at = app.run()
    at.selectbox(key="em.data").set_value("digits")
    submit(at)
    assert_clean(at)
    # Single pixels make a poor picture: digits open in the PCA view.
    assert at.radio(key="em.view").value == "PCA of all features"
    assert animation(at)["layout"]["xaxis"]["title"]["text"].startswith("PC 1")
    assert any("PCA of 64 standardised features" in c.value for c in at.caption)
    # Back to two features of wine, through the form.
    at.selectbox(key="em.data").set_value("wine")
    submit(at)
    assert_clean(at)
    at.radio(key="em.view").set_value("PCA of all features")
    submit(at)
    assert_clean(at)
    assert animation(at)["layout"]["yaxis"]["title"]["text"].startswith("PC 2")


def test_one_feature_data_gets_a_warning_not_an_error(app: AppTest) -> None:
    app.query_params.update(dataset="counts")
    at = app.run()
    assert_clean(at)
    assert any("only one" in w.value for w in at.warning)
    # The form still works: pick another dataset.
    at.selectbox(key="em.data").set_value("blobs")
    submit(at)
    assert_clean(at)
    assert len(parameters(at)) == 2


def test_coming_from_home_keeps_the_shared_choice(app_path: Path) -> None:
    at = AppTest.from_file(str(app_path), default_timeout=TIMEOUT)
    at.query_params.update(dataset="iris", features="sepal length,sepal width", k="4")
    at.run()
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.selectbox(key="em.data").value == "iris"
    assert at.selectbox(key="em.fx").value == "sepal length"
    assert at.slider(key="em.k").value == 4
