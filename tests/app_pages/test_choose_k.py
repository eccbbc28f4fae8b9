"""AppTest tests of the "Choose K" page."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.apptest import assert_clean, upload
from tests.fixtures.bad_files import bad_csv_cases, good_csv_bytes

PAGE = "app_pages/choose_k.py"
WINE_VIEW = "malic acid,total phenols"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(PAGE)


def click(at: AppTest, label_start: str) -> AppTest:
    (button,) = [b for b in at.button if b.label.startswith(label_start)]
    return button.click().run()


def fits_table(at: AppTest):
    """The table of every fit (the last dataframe on the page)."""
    return at.dataframe[-1].value


@pytest.fixture
def wine2d(open_app: Callable[..., AppTest]) -> AppTest:
    """The classic wine example: the link chooses malic acid and total phenols."""
    return open_app(PAGE, dataset="wine", features=WINE_VIEW).run()


def test_defaults_run_cleanly(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Choose K"
    assert len(at.get("plotly_chart")) == 2
    assert at.success and at.success[0].value.startswith("**Suggested: K = ")
    table = fits_table(at)
    assert set(table["covariance type"]) == {"full", "tied", "diag", "spherical"}
    assert sorted(set(table["K"])) == list(range(1, 11))


def test_wine_example_drops_sharply_from_one_to_two_then_changes_mildly(wine2d: AppTest) -> None:
    at = wine2d
    assert_clean(at)
    # The page leaves the data choice alone: it works on the link's features.
    assert at.session_state["evx.features"] == ("malic acid", "total phenols")
    table = fits_table(at)
    full = table[table["covariance type"] == "full"].set_index("K")
    for criterion in ("AIC", "BIC"):
        values = full[criterion]
        drop = values[1] - values[2]
        later = np.abs(np.diff(values.loc[2:5].to_numpy()))
        assert drop > 50, (criterion, drop)
        assert drop > 3 * later.max(), (criterion, drop, later)
    # The recommendation is made among K >= 2: a single Gaussian is clearly worse.
    assert "Suggested: K = 1." not in at.success[0].value


def test_parameter_counts_are_shown(wine2d: AppTest) -> None:
    table = fits_table(wine2d)
    p = table.set_index(["K", "covariance type"])["parameters p"]
    # Hand-counted on D = 2: weights K-1, means 2K, and the covariance entries.
    assert p[(2, "full")] == 1 + 4 + 6
    assert p[(2, "tied")] == 1 + 4 + 3
    assert p[(2, "diag")] == 1 + 4 + 4
    assert p[(2, "spherical")] == 1 + 4 + 2
    assert {"log L (nats)", "AIC", "BIC", "ICL", "held-out log L per row"} <= set(table.columns)


def test_switching_the_bic_convention_flips_signs_not_the_choice(wine2d: AppTest) -> None:
    at = wine2d
    before = fits_table(at)
    suggestion = at.success[0].value.split(".**")[0]
    at.radio(key="choose_k.sign").set_value("mclust").run()
    assert_clean(at)
    after = fits_table(at)
    np.testing.assert_allclose(after["BIC"], -before["BIC"])
    np.testing.assert_allclose(after["log L (nats)"], before["log L (nats)"])
    assert at.success[0].value.split(".**")[0] == suggestion
    assert "BIC is highest" in at.success[0].value


def test_the_suggestion_is_a_link_to_classify_not_a_shared_write(wine2d: AppTest) -> None:
    at = wine2d
    suggested = int(at.success[0].value.split("K = ")[1].split(".")[0])
    (link,) = [b for b in at.get("link_button") if b.proto.label.startswith("Open Classify")]
    url = link.proto.url
    assert url.startswith("classify?") and f"k={suggested}" in url
    assert "dataset=wine" in url and "features=malic%20acid%2Ctotal%20phenols" in url
    # Pages stay independent: Choose K writes neither the data choice nor Classify's settings.
    assert "classify.k" not in at.session_state
    assert at.session_state["evx.features"] == ("malic acid", "total phenols")


def test_the_page_leaves_the_data_choice_alone_and_puts_its_settings_in_the_link(
    app: AppTest,
) -> None:
    at = app.run()
    assert_clean(at)
    assert at.session_state["evx.features"] == ()
    assert at.session_state["evx.dataset"] == "wine"
    assert "features" not in at.query_params
    at.radio(key="choose_k.sign").set_value("mclust").run()
    at.slider(key="choose_k.kmax").set_value(4)
    at.button(key="FormSubmitter:choose_k.settings-Compute").click().run()
    assert_clean(at)
    assert at.query_params["sign"] == "mclust"
    assert at.query_params["kmax"] == "4"
    assert at.session_state["evx.features"] == ()


def test_a_link_reproduces_the_settings(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, features=WINE_VIEW, kmax="4", cov="full,diag", cv="0", sign="mclust")
    at.run()
    assert_clean(at)
    table = fits_table(at)
    assert sorted(set(table["K"])) == [1, 2, 3, 4]
    assert set(table["covariance type"]) == {"full", "diag"}
    assert "held-out log L per row" not in table
    assert "BIC is highest" in at.success[0].value


def test_settings_are_applied_by_the_form(wine2d: AppTest) -> None:
    at = wine2d
    at.multiselect(key="choose_k.cov").set_value(["full"])
    at.slider(key="choose_k.kmax").set_value(4)
    at.selectbox(key="choose_k.cv").set_value(0)
    at.button(key="FormSubmitter:choose_k.settings-Compute").click().run()
    assert_clean(at)
    table = fits_table(at)
    assert list(table["K"]) == [1, 2, 3, 4]
    assert set(table["covariance type"]) == {"full"}
    assert "held-out log L per row" not in table


def test_collapsed_fits_are_noted_not_raised(app: AppTest) -> None:
    at = upload(app.run(), "six.csv", good_csv_bytes())
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(w.value for w in at.warning)
    assert "collapsed" in notes
    table = fits_table(at)
    assert table["note"].str.len().gt(0).any()
    assert table["K"].max() <= 6  # K never exceeds the number of rows


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, expected, id=case_id) for case_id, data, expected in bad_csv_cases()],
)
def test_every_awkward_upload_gives_an_error_or_works(
    app: AppTest, data: bytes, expected: str
) -> None:
    at = upload(app.run(), "upload.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    if expected == "error":
        assert any("upload.csv" in e.value for e in at.error)
    # Either way the page still shows curves.
    assert at.get("plotly_chart")


def test_a_plain_rerun_repeats_no_fit(wine2d: AppTest, engine_calls) -> None:
    at = wine2d.run()
    engine_calls.clear()
    at.run()
    at.radio(key="choose_k.sign").set_value("mclust").run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0, engine_calls
