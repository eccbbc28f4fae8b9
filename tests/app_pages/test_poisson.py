"""AppTest tests of the "Poisson mixture" page: defaults, the form, uploads and bad counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.data import DataError, inspect_table, load_builtin
from engine.mixtures import PoissonMixture
from tests.fixtures.bad_files import bad_csv_cases

TIMEOUT = 60
PAGE = "app_pages/poisson.py"
BAD = [pytest.param(data, id=case_id) for case_id, data, kind in bad_csv_cases() if kind == "error"]


@pytest.fixture
def app(app_path: Path) -> AppTest:
    return AppTest.from_file(str(app_path), default_timeout=TIMEOUT).switch_page(PAGE)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def animation(at: AppTest) -> dict:
    charts = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return next(c for c in charts if c.get("frames"))


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key="poisson.source").set_value("upload").run()
    return at.file_uploader(key="poisson.upload").set_value((name, data, "text/csv")).run()


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


def test_changing_k_refits_with_that_many_components(app: AppTest) -> None:
    at = app.run()
    at.slider(key="poisson.k").set_value(2)
    at.button(key="poisson.apply").click().run()
    assert_clean(at)
    assert len(animation(at)["data"]) == 2 * 2 + 1
    # The choice survives a rerun, and the form only applies on submit.
    at.slider(key="poisson.k").set_value(5).run()
    assert len(animation(at)["data"]) == 2 * 2 + 1


def test_uniform_weights_show_the_fixed_weight_m_step(app: AppTest) -> None:
    at = app.run()
    at.checkbox(key="poisson.uniform").check()
    at.button(key="poisson.apply").click().run()
    assert_clean(at)
    assert any("kept fixed" in latex.value for latex in at.latex)


def test_good_upload_picks_a_column_of_counts(app: AppTest) -> None:
    data = b"height,visits\n1.5,3\n1.7,4\n1.6,12\n1.8,2\n1.9,14\n1.4,3\n1.6,11\n1.7,13\n"
    at = upload(app.run(), "visits.csv", data)
    assert_clean(at)
    column = at.selectbox[0]
    assert column.value == "visits"  # the first column of whole numbers
    assert animation(at)["frames"]


def test_fractional_counts_get_the_engines_message(app: AppTest) -> None:
    data = b"rate\n1.5\n2.25\n3\n4\n7.5\n"
    at = upload(app.run(), "rates.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    assert "fractional" in at.error[0].value
    assert not at.get("plotly_chart")


def test_negative_counts_get_the_engines_message(app: AppTest) -> None:
    data = b"change\n-2\n3\n4\n1\n0\n"
    at = upload(app.run(), "change.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    assert "negative" in at.error[0].value


@pytest.mark.parametrize("data", BAD)
def test_a_bad_upload_shows_its_message_and_no_traceback(app: AppTest, data: bytes) -> None:
    at = upload(app.run(), "bad.csv", data)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    with pytest.raises(DataError) as info:
        inspect_table(data)
    assert str(info.value) in at.error[0].value
    # Back to the built-in counts: the page works again.
    at.radio(key="poisson.source").set_value("builtin").run()
    assert_clean(at)
    assert animation(at)["frames"]
