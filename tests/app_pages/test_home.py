"""AppTest tests of the app and its home page: defaults, built-in data, links, uploads."""

from __future__ import annotations

import hashlib

import pytest
from streamlit.testing.v1 import AppTest

from engine.data import BUILTIN_NAMES, DataError, inspect_table, load_builtin
from tests.app_pages.apptest import assert_clean, metrics, upload
from tests.fixtures.bad_files import bad_csv_cases, good_csv_bytes
from ui.components.picker import UNEXPECTED_ERROR
from ui.state import safe_prose


@pytest.fixture
def app(open_app) -> AppTest:
    """The whole app (router + home page), not yet run."""
    return open_app()


def test_app_runs_on_defaults(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "EM & VAE Explorer"
    wine = load_builtin("wine")
    assert at.sidebar.selectbox(key="data.dataset").value == "wine"
    assert metrics(at)["Rows"] == f"{wine.n_samples:,}"
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["label", *wine.feature_names]
    assert len(preview) == 8
    summary = at.dataframe[1].value
    assert list(summary["feature"]) == wine.feature_names
    assert list(summary.columns) == ["feature", "mean", "std", "min", "max"]
    assert at.query_params["dataset"] == "wine"


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_switching_builtin_updates_preview(app: AppTest, name: str) -> None:
    at = app.run()
    at.sidebar.selectbox(key="data.dataset").set_value(name).run()
    assert_clean(at)
    ds = load_builtin(name)
    shown = metrics(at)
    assert shown["Rows"] == f"{ds.n_samples:,}"
    assert shown["Features used"] == f"{ds.n_features} of {ds.n_features}"
    assert list(at.dataframe[0].value.columns)[1:] == ds.feature_names
    assert any(ds.description in m.value for m in at.markdown)
    assert at.query_params["dataset"] == name
    assert at.session_state["evx.dataset"] == name


def test_picking_features_is_kept_and_shared_by_link(app: AppTest) -> None:
    at = app.run()
    at.sidebar.selectbox(key="data.dataset").set_value("iris").run()
    at.sidebar.multiselect(key="data.features.iris").set_value(
        ["petal width", "sepal length"]
    ).run()
    assert_clean(at)
    assert metrics(at)["Features used"] == "2 of 4"
    assert list(at.dataframe[1].value["feature"]) == ["petal width", "sepal length"]
    assert at.query_params["features"] == "petal width,sepal length"


def test_link_reproduces_a_choice(app: AppTest) -> None:
    app.query_params.update(
        dataset="iris", features="petal length,petal width", k="3", cov="diag", seed="1"
    )
    at = app.run()
    assert_clean(at)
    assert not at.info  # nothing was ignored
    assert at.sidebar.selectbox(key="data.dataset").value == "iris"
    assert at.sidebar.multiselect(key="data.features.iris").value == ["petal length", "petal width"]
    assert metrics(at)["Features used"] == "2 of 4"
    # k, cov and seed are page settings of the EM pages; Home has none, so they leave the URL.
    assert at.query_params == {"dataset": "iris", "features": "petal length,petal width"}


def test_link_with_commas_inside_feature_names(app: AppTest) -> None:
    app.query_params.update(dataset="digits", features="pixel 0,3,pixel 7,7")
    at = app.run()
    assert_clean(at)
    assert at.sidebar.multiselect(key="data.features.digits").value == ["pixel 0,3", "pixel 7,7"]


def test_bad_link_values_fall_back_to_defaults_with_a_note(app: AppTest) -> None:
    app.query_params.update(dataset="nope", features="alcohol,nonsense", k="0", cov="x", seed="-3")
    at = app.run()
    assert_clean(at)
    notes = " ".join(i.value for i in at.info)
    for word in ("'nope'", "nonsense"):
        assert word in notes
    state = at.session_state
    assert state["evx.dataset"] == "wine"
    assert state["evx.features"] == ("alcohol",)
    # K, the covariance type and the seed are settings of the pages that have them, not of
    # Home: the link's values are not Home's, so they leave the URL (see test_em_steps.py).
    assert set(at.query_params) == {"dataset", "features"}
    # The notes are shown once, not on every rerun.
    at.run()
    assert not at.info


def test_upload_tab_without_a_file_keeps_builtin_data(app: AppTest) -> None:
    at = app.run()
    at.sidebar.radio(key="data.source").set_value("upload").run()
    assert_clean(at)
    assert metrics(at)["Rows"] == "178"
    assert any("Until a file is uploaded" in m.value for m in at.markdown)


def test_good_upload_shows_its_preview(app: AppTest) -> None:
    at = upload(app.run(), "good.csv", good_csv_bytes())
    assert_clean(at)
    frame, _ = inspect_table(good_csv_bytes())
    assert metrics(at)["Rows"] == str(len(frame))
    assert list(at.dataframe[0].value.columns) == list(frame.columns)
    assert any("good.csv passed the check" in i.value for i in at.info)
    # The link carries the upload by the digest of its bytes.
    digest = hashlib.sha256(good_csv_bytes()).hexdigest()
    assert at.query_params["dataset"] == f"upload-{digest}"


def test_uploaded_table_is_kept_by_digest_not_in_session_state(app: AppTest) -> None:
    at = upload(app.run(), "good.csv", good_csv_bytes())
    shared = {k: at.session_state[k] for k in at.session_state if k.startswith("evx.")}
    assert isinstance(shared["evx.upload_digest"], str) and len(shared["evx.upload_digest"]) == 64
    for key, value in shared.items():
        small = (str, int, float, bool, tuple)
        if isinstance(value, (dict, set)):  # page settings and bookkeeping: small values only
            items = value.values() if isinstance(value, dict) else value
            assert all(v is None or isinstance(v, small) for v in items), key
        else:
            assert value is None or isinstance(value, small), key
    # The uploader is cleared (as after a page switch): the table comes back from the cache.
    at.sidebar.file_uploader(key="data.upload").set_value(None).run()
    assert_clean(at)
    assert metrics(at)["Rows"] == "6"
    assert any("Using **good.csv**" in m.value for m in at.markdown)


def _expected_message(data: bytes) -> str:
    """The engine's message, as the page writes it: escaped, since it quotes the file."""
    with pytest.raises(DataError) as info:
        inspect_table(data)
    return safe_prose(str(info.value))


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, expected, id=case_id) for case_id, data, expected in bad_csv_cases()],
)
def test_every_awkward_upload_gives_an_error_or_a_preview(
    app: AppTest, data: bytes, expected: str
) -> None:
    at = upload(app.run(), "upload.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    if expected == "error":
        assert len(at.error) == 1
        shown = at.error[0].value
        assert UNEXPECTED_ERROR not in shown
        assert _expected_message(data) in shown
        # The app goes on working with the built-in data.
        assert metrics(at)["Rows"] == "178"
        assert any("Still using **wine**" in m.value for m in at.markdown)
    else:
        assert not at.error, [e.value for e in at.error]
        frame, _ = inspect_table(data)
        assert metrics(at)["Rows"] == f"{len(frame):,}"
        assert any("Using **upload.csv**" in m.value for m in at.markdown)


def test_broken_upload_keeps_the_last_good_one(app: AppTest) -> None:
    at = upload(app.run(), "good.csv", good_csv_bytes())
    at = upload(at, "broken.csv", b"name,city\nann,paris\nbob,rome\n")
    assert not at.exception
    assert "broken.csv" in at.error[0].value
    assert metrics(at)["Rows"] == "6"
    assert any("Still using **good.csv**" in m.value for m in at.markdown)
    # Going back to the built-in data still works.
    at.sidebar.radio(key="data.source").set_value("builtin").run()
    assert_clean(at)
    assert metrics(at)["Rows"] == "178"
