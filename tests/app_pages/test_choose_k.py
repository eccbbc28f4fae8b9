"""AppTest tests of the "Choose K" page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.fixtures.bad_files import bad_csv_cases, good_csv_bytes

PAGE = "app_pages/choose_k.py"
TIMEOUT = 60


@pytest.fixture
def app(app_path: Path) -> AppTest:
    at = AppTest.from_file(str(app_path), default_timeout=TIMEOUT)
    at.switch_page(PAGE)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def click(at: AppTest, label_start: str) -> AppTest:
    (button,) = [b for b in at.button if b.label.startswith(label_start)]
    return button.click().run()


def fits_table(at: AppTest):
    """The table of every fit (the last dataframe on the page)."""
    return at.dataframe[-1].value


@pytest.fixture
def wine2d(app: AppTest) -> AppTest:
    at = app.run()
    return click(at, "Use the classic wine example")


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
    at.radio(key="choose_k.convention").set_value("mclust").run()
    assert_clean(at)
    after = fits_table(at)
    np.testing.assert_allclose(after["BIC"], -before["BIC"])
    np.testing.assert_allclose(after["log L (nats)"], before["log L (nats)"])
    assert at.success[0].value.split(".**")[0] == suggestion
    assert "BIC is highest" in at.success[0].value


def test_the_suggestion_can_be_shared_with_other_pages(wine2d: AppTest) -> None:
    at = click(wine2d, "Use K = ")
    suggested = int(at.success[0].value.split("K = ")[1].split(".")[0])
    assert at.session_state["evx.k"] == suggested


def test_settings_are_applied_by_the_form(wine2d: AppTest) -> None:
    at = wine2d
    at.multiselect(key="choose_k.cov_types.narrow").set_value(["full"])
    at.slider(key="choose_k.k_max").set_value(4)
    at.selectbox(key="choose_k.cv").set_value(0)
    at.button(key="FormSubmitter:choose_k.settings-Compute").click().run()
    assert_clean(at)
    table = fits_table(at)
    assert list(table["K"]) == [1, 2, 3, 4]
    assert set(table["covariance type"]) == {"full"}
    assert "held-out log L per row" not in table


def test_collapsed_fits_are_noted_not_raised(app: AppTest) -> None:
    at = app.run()
    at.radio(key="choose_k.source").set_value("upload").run()
    at.file_uploader(key="choose_k.upload").set_value(("six.csv", good_csv_bytes(), "text/csv"))
    at.run()
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
    at = app.run()
    at.radio(key="choose_k.source").set_value("upload").run()
    at.file_uploader(key="choose_k.upload").set_value(("upload.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    if expected == "error":
        assert any("upload.csv" in e.value for e in at.error)
    # Either way the page still shows curves.
    assert at.get("plotly_chart")
