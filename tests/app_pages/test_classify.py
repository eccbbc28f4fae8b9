"""AppTest tests of the "Classify" page."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import load_builtin
from engine.mixtures import GaussianMixture
from engine.mixtures.io import ModelFileError, load_mixture, save_mixture
from tests.app_pages.apptest import assert_clean, upload
from tests.fixtures.bad_files import bad_csv_cases

PAGE = "app_pages/classify.py"
SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "samples" / "wine_new_bottles.csv"
WINE_VIEW = ["malic acid", "total phenols"]


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(PAGE)


@pytest.fixture
def wine(open_app: Callable[..., AppTest]) -> AppTest:
    """The wine example: a model on malic acid and total phenols, sample bottles. The page
    never chooses the features; the example's link (offered on the page) does."""
    return open_app(PAGE, dataset="wine", features=",".join(WINE_VIEW)).run()


def results(at: AppTest) -> pd.DataFrame:
    """The results table (the last dataframe on the page)."""
    return at.dataframe[-1].value


def probabilities(frame: pd.DataFrame) -> np.ndarray:
    cols = [c for c in frame.columns if c.startswith("P(component") and c.endswith(")")]
    return frame[cols].to_numpy(dtype=float)


def wine_model() -> GaussianMixture:
    wine = load_builtin("wine")
    X = wine.X[:, [wine.feature_names.index(n) for n in WINE_VIEW]]
    return GaussianMixture(2, random_state=0).fit(X)


def test_defaults_run_cleanly(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Classify"
    # A first visit leaves the data choice alone: the model is fitted on all wine features,
    # which the two-feature example bottles cannot fill; a link opens the example instead.
    assert at.session_state["evx.features"] == ()
    assert "features" not in at.query_params
    assert any("example bottles only have" in i.value for i in at.info)
    (link,) = [b for b in at.get("link_button") if "wine example" in b.proto.label]
    assert "features=malic%20acid%2Ctotal%20phenols" in link.proto.url


def test_all_features_cannot_take_the_two_feature_example(
    open_app: Callable[..., AppTest],
) -> None:
    at = open_app(PAGE, features=",".join(load_builtin("wine").feature_names)).run()
    assert_clean(at)
    assert any("example bottles only have" in i.value for i in at.info)


def test_the_example_is_offered_only_for_wine(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, dataset="iris").run()
    assert_clean(at)
    assert "example" not in at.radio(key="classify.rows").options
    assert at.session_state["evx.dataset"] == "iris"


def test_settings_are_in_the_link(wine: AppTest, open_app: Callable[..., AppTest]) -> None:
    at = wine
    at.slider(key="classify.k").set_value(3).run()
    at.selectbox(key="classify.cov").set_value("diag").run()
    assert_clean(at)
    assert at.query_params["k"] == "3" and at.query_params["cov"] == "diag"
    assert at.session_state["evx.features"] == tuple(WINE_VIEW)
    again = open_app(PAGE, features=",".join(WINE_VIEW), k="3", cov="diag").run()
    assert_clean(again)
    assert probabilities(results(again)).shape == (12, 3)
    np.testing.assert_allclose(probabilities(results(again)), probabilities(results(at)))


def test_wine_example_classifies_the_sample_bottles(wine: AppTest) -> None:
    at = wine
    assert_clean(at)
    frame = results(at)
    sample = pd.read_csv(SAMPLE)
    assert len(frame) == len(sample) == 12
    proba = probabilities(frame)
    assert proba.shape == (12, at.session_state["classify.k"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(frame["uncertainty"], 1 - proba.max(axis=1))
    assert list(frame["most likely component"]) == list(proba.argmax(axis=1) + 1)
    assert len(at.get("plotly_chart")) == 2
    assert any(b.label.startswith("Download the results") for b in at.get("download_button"))


def test_bootstrap_intervals_appear_and_hold_the_estimate(wine: AppTest) -> None:
    at = wine
    at.toggle(key="classify.boot").set_value(True).run()
    assert_clean(at)
    frame = results(at)
    interval = frame["P(component 1) interval"]
    lows = interval.str.split("–").str[0].astype(float)
    highs = interval.str.split("–").str[1].astype(float)
    p = frame["P(component 1)"]
    assert (lows <= p.round(2) + 0.01).all() and (p.round(2) <= highs + 0.01).all()


def upload_rows(at: AppTest, name: str, data: bytes) -> AppTest:
    if at.radio(key="classify.rows").value != "upload":
        at.radio(key="classify.rows").set_value("upload").run()
    return at.file_uploader(key="classify.rows_file").set_value((name, data, "text/csv")).run()


def test_upload_a_good_csv_with_an_extra_column(wine: AppTest) -> None:
    data = b"bottle,total phenols,malic acid\n101,2.9,1.6\n102,1.4,4.1\n103,2.3,2.4\n"
    at = upload_rows(wine, "new.csv", data)
    assert_clean(at)
    frame = results(at)
    assert len(frame) == 3
    assert list(frame["bottle"]) == [101, 102, 103]
    notes = " ".join(i.value for i in at.info)
    assert "Not used by the model, kept in the results: bottle" in notes


def test_missing_column_is_named(wine: AppTest) -> None:
    at = upload_rows(wine, "short.csv", b"malic acid,colour\n1.6,3\n4.1,5\n")
    assert not at.exception
    (error,) = at.error
    assert "short.csv" in error.value
    assert "'total phenols'" in error.value
    assert "'colour'" in error.value  # the extra column is mentioned too


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, expected, id=case_id) for case_id, data, expected in bad_csv_cases()],
)
def test_every_awkward_upload_gives_an_error_or_works(
    wine: AppTest, data: bytes, expected: str
) -> None:
    at = upload_rows(wine, "upload.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    if expected == "error":
        assert len(at.error) == 1 and "upload.csv" in at.error[0].value
    # An "ok" table has other columns than malic acid and total phenols: named, not raised.
    elif at.error:
        assert "lack" in at.error[0].value
    # The page keeps working: back to the example.
    at.radio(key="classify.rows").set_value("example").run()
    assert_clean(at)
    assert len(results(at)) == 12


def test_typed_row(wine: AppTest) -> None:
    at = wine
    at.radio(key="classify.rows").set_value("typed").run()
    inputs = {n.label: n for n in at.number_input if n.label in WINE_VIEW}
    inputs["malic acid"].set_value(1.5)
    inputs["total phenols"].set_value(3.0)
    (submit,) = [b for b in at.button if b.label == "Classify this row"]
    submit.click().run()
    assert_clean(at)
    frame = results(at)
    assert len(frame) == 1
    assert frame.loc[0, "malic acid"] == 1.5 and frame.loc[0, "total phenols"] == 3.0
    assert probabilities(frame).sum() == pytest.approx(1.0)


def load_model_file(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key="classify.model").set_value("load").run()
    return (
        at.file_uploader(key="classify.model_file")
        .set_value((name, data, "application/json"))
        .run()
    )


def test_a_saved_model_loads_and_classifies(wine: AppTest) -> None:
    model = wine_model()
    at = load_model_file(wine, "model.json", save_mixture(model, WINE_VIEW))
    assert_clean(at)
    frame = results(at)
    sample = pd.read_csv(SAMPLE)
    expected = model.predict_proba(sample[WINE_VIEW].to_numpy())
    np.testing.assert_allclose(probabilities(frame), expected, rtol=1e-9)
    assert "Bootstrap intervals need the training rows" in " ".join(c.value for c in at.caption)


def _valid_doc() -> dict:
    return json.loads(save_mixture(wine_model(), WINE_VIEW))


def _with_nan() -> bytes:
    text = save_mixture(wine_model(), WINE_VIEW).decode()
    doc = _valid_doc()
    first = json.dumps(doc["weights"][0])
    return text.replace(first, "NaN", 1).encode()


def _wrong_shape() -> bytes:
    doc = _valid_doc()
    doc["params"]["means"] = doc["params"]["means"][:1]
    return json.dumps(doc).encode()


MALICIOUS = {
    "pickle": pickle.dumps({"format": "em-vae-explorer/mixture"}),
    "nan": _with_nan(),
    "wrong_shape": _wrong_shape(),
    "not_json": b"<html>hello</html>",
    "other_json": b'{"a": 1}',
    "empty": b"",
}


@pytest.mark.parametrize("case", MALICIOUS, ids=list(MALICIOUS))
def test_bad_model_files_give_the_reason(wine: AppTest, case: str) -> None:
    data = MALICIOUS[case]
    with pytest.raises(ModelFileError) as info:
        load_mixture(data)
    at = load_model_file(wine, "model.json", data)
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert str(info.value) in error.value
    # And the page keeps working: back to fitting.
    at.radio(key="classify.model").set_value("fit").run()
    assert_clean(at)
    assert len(results(at)) == 12


def test_k_too_large_for_the_data_is_an_error_not_a_crash(app: AppTest) -> None:
    at = upload(app.run(), "three.csv", b"a,b\n1,2\n3,5\n4,4\n")
    at.slider(key="classify.k").set_value(5).run()
    assert not at.exception
    assert any("could not be fitted" in e.value for e in at.error)


def test_a_plain_rerun_repeats_no_fit_and_no_predict(wine: AppTest, engine_calls) -> None:
    at = wine
    at.toggle(key="classify.boot").set_value(True).run()
    at.radio(key="classify.rows").set_value("typed").run()
    at.radio(key="classify.rows").set_value("example").run()
    assert_clean(at)
    # Everything shown has been computed once: a rerun, and going back to a view already
    # seen, repeat no fit, no bootstrap and no predict.
    engine_calls.clear()
    at.run()
    at.radio(key="classify.rows").set_value("typed").run()
    at.radio(key="classify.rows").set_value("example").run()
    assert_clean(at)
    assert len(results(at)) == 12
    assert sum(engine_calls.values()) == 0, engine_calls


@pytest.mark.parametrize(
    ("family", "dataset"), [("poisson", "counts"), ("bernoulli", "digits_binary")]
)
def test_a_typed_row_starts_as_a_value_the_family_takes(open_app, family, dataset) -> None:
    at = open_app(PAGE, dataset=dataset, family=family, rows="typed").run()
    assert_clean(at)
    assert len(results(at)) == 1


def test_a_typed_row_the_family_does_not_take_is_explained(open_app) -> None:
    at = open_app(PAGE, dataset="counts", family="poisson", rows="typed", row="2.5").run()
    assert not at.exception
    assert len(at.error) == 1
    assert "suit the fitted model" in at.error[0].value
    assert "fractional" in at.error[0].value
