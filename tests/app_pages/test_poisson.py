"""AppTest tests of the "Poisson mixture" page: defaults, the form, uploads and bad counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from engine.data import DataError, inspect_table, load_builtin
from engine.mixtures import PoissonMixture
from tests.app_pages.apptest import assert_clean, charts, upload
from tests.fixtures.bad_files import bad_csv_cases
from ui.state import safe_prose

PAGE = "app_pages/poisson.py"
BAD = [pytest.param(data, id=case_id) for case_id, data, kind in bad_csv_cases() if kind == "error"]


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(PAGE)


def animation(at: AppTest) -> dict:
    return next(c for c in charts(at) if c.get("frames"))


def uses_builtin_counts(at: AppTest) -> bool:
    """The sidebar says the page shows the built-in counts, and the page fits them."""
    return any("built-in counts" in i.value for i in at.sidebar.info) and any(
        "600 seeded counts" in m.value for m in at.markdown
    )


def test_defaults_fit_the_builtin_counts(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Poisson mixture"
    assert at.slider(key="poisson.k").value == 3
    anim = animation(at)
    reference = PoissonMixture(3, random_state=0, record_history=True)
    reference.fit(load_builtin("counts").X)
    assert len(anim["frames"]) == len(reference.history_)
    assert anim["frames"][0]["layout"]["title"]["text"].startswith("Iteration 1, E-step")
    assert anim["frames"][1]["layout"]["title"]["text"].startswith("Iteration 1, M-step")
    assert len(anim["data"]) == 2 * 3 + 1
    assert len(at.get("plotly_chart")) == 3  # animation, parameter paths, AIC/BIC
    assert any("Lowest BIC: **K = 3**" in m.value for m in at.markdown)
    assert len(at.latex) >= 3
    assert uses_builtin_counts(at)  # the default data (wine) holds no counts


def test_changing_k_refits_with_that_many_components(app: AppTest) -> None:
    at = app.run()
    at.slider(key="poisson.k").set_value(2)
    at.button(key="poisson.apply").click().run()
    assert_clean(at)
    assert len(animation(at)["data"]) == 2 * 2 + 1
    assert at.query_params["k"] == "2"  # the link carries the page's setting
    # The choice survives a rerun, and the form only applies on submit.
    at.slider(key="poisson.k").set_value(5).run()
    assert len(animation(at)["data"]) == 2 * 2 + 1


def test_a_link_reproduces_the_settings(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, k="4", uniform="1", seed="7").run()
    assert_clean(at)
    assert at.slider(key="poisson.k").value == 4
    assert at.number_input(key="poisson.seed").value == 7
    assert len(animation(at)["data"]) == 2 * 4 + 1
    assert any("kept fixed" in latex.value for latex in at.latex)


def test_uniform_weights_show_the_fixed_weight_m_step(app: AppTest) -> None:
    at = app.run()
    at.checkbox(key="poisson.uniform").check()
    at.button(key="poisson.apply").click().run()
    assert_clean(at)
    assert any("kept fixed" in latex.value for latex in at.latex)


def test_choosing_the_builtin_counts_shows_no_note(app: AppTest) -> None:
    at = app.run()
    at.sidebar.selectbox(key="data.dataset").set_value("counts").run()
    assert_clean(at)
    assert not any("built-in counts" in i.value for i in at.sidebar.info)
    assert any("600 seeded counts" in m.value for m in at.markdown)
    assert animation(at)["frames"]


def test_good_upload_picks_a_column_of_counts(app: AppTest) -> None:
    data = b"height,visits\n1.5,3\n1.7,4\n1.6,12\n1.8,2\n1.9,14\n1.4,3\n1.6,11\n1.7,13\n"
    at = upload(app.run(), "visits.csv", data)
    assert_clean(at)
    # All the columns are chosen and height is not counts: the built-in counts, said so.
    assert uses_builtin_counts(at)
    digest = at.query_params["dataset"].removeprefix("upload-")
    at.sidebar.multiselect(key=f"data.features.{digest}").set_value(["visits"]).run()
    assert_clean(at)
    assert not uses_builtin_counts(at)
    assert any(
        m.value.startswith("Fitting the counts in") and "visits.csv" in m.value for m in at.markdown
    )
    assert animation(at)["frames"]


def test_a_table_of_counts_offers_its_columns(app: AppTest) -> None:
    data = b"calls,visits\n1,3\n0,4\n2,12\n1,2\n3,14\n0,3\n1,11\n2,13\n"
    at = upload(app.run(), "counts.csv", data)
    assert_clean(at)
    column = at.selectbox(key="poisson.column")
    assert column.value == "calls"  # the first column of whole numbers
    column.set_value("visits").run()
    assert_clean(at)
    assert at.query_params["column"] == "visits"
    assert animation(at)["frames"]


@pytest.mark.parametrize(
    ("name", "data"),
    [("rates.csv", b"rate\n1.5\n2.25\n3\n4\n7.5\n"), ("change.csv", b"change\n-2\n3\n4\n1\n0\n")],
)
def test_fractional_or_negative_values_are_not_fitted_as_counts(
    app: AppTest, name: str, data: bytes
) -> None:
    at = upload(app.run(), name, data)
    assert_clean(at)
    assert uses_builtin_counts(at)
    assert animation(at)["frames"]


@pytest.mark.parametrize("data", BAD)
def test_a_bad_upload_shows_its_message_and_no_traceback(app: AppTest, data: bytes) -> None:
    at = upload(app.run(), "bad.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    with pytest.raises(DataError) as info:
        inspect_table(data)
    # As the page writes it: escaped, since the message quotes the file.
    assert safe_prose(str(info.value)) in at.error[0].value
    # Back to the built-in data: the page works again.
    at.sidebar.radio(key="data.source").set_value("builtin").run()
    assert_clean(at)
    assert animation(at)["frames"]


def test_a_rerun_repeats_no_fit_and_no_e_step(app: AppTest, engine_calls) -> None:
    at = app.run()
    engine_calls.clear()
    at.run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0
