"""AppTest tests of the "EM step by step" page: defaults, the form, collapses and links."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import load_builtin
from engine.mixtures import DegeneracyWarning, GaussianMixture
from tests.app_pages.apptest import assert_clean, charts

PAGE = "app_pages/em_steps.py"
IRIS_PETALS = "petal length,petal width"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> Callable[..., AppTest]:
    """``app(**query)``: the whole app opened on the EM page with a link's parameters."""
    return lambda **query: open_app(PAGE, **query)


def animation(at: AppTest) -> dict:
    return next(c for c in charts(at) if c.get("frames"))


def parameters(at: AppTest):
    """The parameter table as numbers, one row per component."""
    table = next(d.value for d in at.dataframe if "N_k" in d.value.index)
    return table.T.astype(float)


def submit(at: AppTest) -> AppTest:
    return at.button(key="em.apply").click().run()


def pair(at: AppTest) -> tuple[str, str]:
    return at.selectbox(key="em.fx").value, at.selectbox(key="em.fy").value


def test_defaults_show_the_wine_example(app) -> None:
    at = app().run()
    assert_clean(at)
    assert at.title[0].value == "EM step by step"
    assert at.sidebar.selectbox(key="data.dataset").value == "wine"
    assert at.radio(key="em.view").value == "two"
    assert pair(at) == ("malic acid", "total phenols")
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
    step = at.select_slider(key="em.step")
    assert step.label == "Step to inspect"
    assert step.value == len(model.history_) - 1  # the last M-step
    assert step.options[-1] == f"Iteration {model.n_iter_}, M-step"
    assert len(charts(at)) == 5  # animation, bound, histograms, one point, restarts
    # Page settings at their defaults stay out of the link; the data choice is always in it.
    assert at.query_params["dataset"] == "wine" and "k" not in at.query_params


def test_warm_rerun_and_inspecting_a_step(app) -> None:
    at = app().run()
    step = at.select_slider(key="em.step")
    assert step.options[2] == "Iteration 2, E-step"
    step.set_value(2).run()
    assert_clean(at)
    assert "parameters at iteration 2, e-step" in " ".join(m.value for m in at.markdown).lower()
    assert at.query_params["step"] == "2"
    at.number_input(key="em.row").set_value(5).run()
    assert_clean(at)
    shares = next(d.value for d in at.dataframe if "share r_k" in d.value.index)
    assert shares.loc["share r_k"].astype(float).sum() == pytest.approx(1.0, abs=1e-3)
    assert any("**Row 5**" in m.value for m in at.markdown)
    assert at.query_params["row"] == "5"


def test_changing_k_and_covariance_rerenders(app) -> None:
    at = app().run()
    at.slider(key="em.k").set_value(3)
    at.selectbox(key="em.cov").set_value("diag")
    submit(at)
    assert_clean(at)
    assert len(parameters(at)) == 3
    anim = animation(at)
    # points, then 4 traces per component, then 3 legend keys
    assert len(anim["data"]) == 1 + 4 * 3 + 3
    assert at.session_state["em.k"] == 3 and at.session_state["em.cov"] == "diag"
    # The URL carries the page's settings.
    assert at.query_params["k"] == "3" and at.query_params["cov"] == "diag"
    # A diagonal covariance has no correlation.
    np.testing.assert_allclose(parameters(at)["correlation"], 0.0, atol=1e-12)


def test_collapse_shows_the_engine_message_and_fixes(app) -> None:
    at = app(dataset="iris", features=IRIS_PETALS, k="10", cov="full", seed="0").run()
    assert not at.exception, [e.value for e in at.exception]
    iris = load_builtin("iris")
    X = iris.X[:, [2, 3]]
    # As in scikit-learn, the fit goes on (held up by reg_covar) and the engine warns
    # (issue 9); the page shows the fit with the warning and the checked fixes.
    with pytest.warns(DegeneracyWarning) as caught:
        GaussianMixture(10, random_state=0).fit(X)
    message = str(next(w.message for w in caught if w.category is DegeneracyWarning))
    assert not at.error
    collapsed = [w.value for w in at.warning if "A component collapsed" in w.value]
    assert len(collapsed) == 1 and message in collapsed[0]
    assert "Traceback" not in collapsed[0]
    assert animation(at)["frames"]
    fixes = [b for b in at.button if b.key.startswith("em.fix.")]
    assert fixes, "the page should offer settings that work"
    assert any("reg_covar" in i.value or "K =" in i.value for i in at.info)
    # The page keeps working: the restart gallery is still drawn, and a fix clears the error.
    fixes[0].click().run()
    assert_clean(at)
    assert parameters(at) is not None


def test_link_reproduces_the_settings(app) -> None:
    at = app(dataset="iris", features=IRIS_PETALS, k="3", cov="diag", seed="1").run()
    assert_clean(at)
    assert not at.info  # nothing in the link was ignored
    assert at.sidebar.selectbox(key="data.dataset").value == "iris"
    assert pair(at) == ("petal length", "petal width")
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


def test_link_with_page_settings_opens_that_view(app) -> None:
    at = app(k="3", cov="diag", fx="flavanoids", fy="proline", step="4", tol="0.0001").run()
    assert_clean(at)
    assert not at.info
    assert at.sidebar.selectbox(key="data.dataset").value == "wine"
    assert pair(at) == ("flavanoids", "proline")
    assert (at.slider(key="em.k").value, at.selectbox(key="em.cov").value) == (3, "diag")
    assert at.select_slider(key="em.tol").value == pytest.approx(1e-4)
    assert at.select_slider(key="em.step").value == 4
    assert animation(at)["layout"]["xaxis"]["title"]["text"] == "flavanoids"
    assert len(parameters(at)) == 3
    # The plotted pair is the page's own: the data choice keeps all features.
    assert "features" not in at.query_params
    assert at.query_params["fx"] == "flavanoids" and at.query_params["step"] == "4"


def test_plotted_features_never_write_the_data_choice(app) -> None:
    at = app().run()
    at.selectbox(key="em.fx").set_value("alcohol")
    at.selectbox(key="em.fy").set_value("alcohol")
    submit(at)
    assert_clean(at)
    # The same feature twice: the page picks another for y, and says so.
    assert pair(at)[0] == "alcohol" and pair(at)[1] != "alcohol"
    assert any("Two different features" in i.value for i in at.info)
    assert at.session_state["evx.features"] == ()
    assert "features" not in at.query_params and at.query_params["fx"] == "alcohol"


def test_a_link_with_a_bad_feature_falls_back(app) -> None:
    at = app(fx="no such thing", k="99").run()
    assert_clean(at)
    assert pair(at) == ("malic acid", "total phenols")
    assert at.slider(key="em.k").value == 2
    assert any("k" in i.value and "whole number" in i.value for i in at.info)


def test_changing_dataset_and_pca_view(app) -> None:
    at = app().run()
    at.sidebar.selectbox(key="data.dataset").set_value("digits").run()
    assert_clean(at)
    # Single pixels make a poor picture: digits open in the PCA view.
    assert at.radio(key="em.view").value == "pca"
    assert animation(at)["layout"]["xaxis"]["title"]["text"].startswith("PC 1")
    assert any("PCA of 64 standardised features" in c.value for c in at.caption)
    # Back to two features of wine, then its PCA view through the form.
    at.sidebar.selectbox(key="data.dataset").set_value("wine").run()
    assert_clean(at)
    assert at.radio(key="em.view").value == "two"
    assert pair(at) == ("malic acid", "total phenols")
    at.radio(key="em.view").set_value("pca")
    submit(at)
    assert_clean(at)
    assert animation(at)["layout"]["yaxis"]["title"]["text"].startswith("PC 2")
    assert at.query_params["view"] == "pca"


def test_more_than_two_chosen_features_open_in_pca(app) -> None:
    at = app(dataset="iris").run()
    at.sidebar.multiselect(key="data.features.iris").set_value(
        ["sepal length", "sepal width", "petal length"]
    ).run()
    assert_clean(at)
    assert at.radio(key="em.view").value == "pca"
    assert any("PCA of 3 standardised features" in c.value for c in at.caption)


def test_one_feature_data_gets_a_warning_not_an_error(app) -> None:
    at = app(dataset="counts").run()
    assert_clean(at)
    assert any("only one" in w.value for w in at.warning)
    # The sidebar picker still works: pick another dataset.
    at.sidebar.selectbox(key="data.dataset").set_value("blobs").run()
    assert_clean(at)
    assert len(parameters(at)) == 2


def test_coming_from_home_keeps_the_shared_choice(open_app) -> None:
    at = open_app(dataset="iris", features="sepal length,sepal width", k="4")
    at.run()
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.session_state["evx.dataset"] == "iris"
    assert at.selectbox(key="em.fx").value == "sepal length"
    # K is this page's own setting: a link's k applies to the page the link opened (Home).
    assert at.slider(key="em.k").value == 2


def test_reruns_repeat_no_fit_and_no_e_step(app, engine_calls: Counter) -> None:
    at = app(dataset="blobs", seed="7").run()
    assert_clean(at)
    steps = at.select_slider(key="em.step").options
    at.select_slider(key="em.step").set_value(3).run()  # an M record: one E-step, once
    at.number_input(key="em.row").set_value(2).run()
    at.select_slider(key="em.step").set_value(len(steps) - 1).run()
    assert engine_calls["fit"] >= 1 and engine_calls["_pass"] >= 1  # the counting works
    engine_calls.clear()
    at.run()  # a plain rerun
    at.select_slider(key="em.step").set_value(3).run()  # back to a step already computed
    at.number_input(key="em.row").set_value(2).run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0, engine_calls
