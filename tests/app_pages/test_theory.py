"""AppTest tests of the Theory lab: defaults, stepping EM by hand, and the controls."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from engine.data import digits_split
from tests.app_pages.apptest import assert_clean, charts

PAGE = "app_pages/theory.py"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    at = open_app(PAGE)
    at.default_timeout = 180  # the first run computes every experiment; later runs hit the cache
    return at


def metric(at: AppTest, label: str) -> float:
    value = next(m.value for m in at.metric if m.label.startswith(label))
    return float(value.replace(",", ""))


def step_heading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Iteration "))


def test_defaults_show_four_sections_without_errors(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Theory lab"
    headers = [h.value for h in at.subheader]
    assert len(headers) == 4
    assert any("ELBO" in h for h in headers) and any("coordinate ascent" in h for h in headers)
    found = charts(at)
    assert len(found) == 8  # five experiment charts, EM slice, two digit images
    assert len(at.latex) >= 5  # each section names its equations
    reading = next(m.value for m in at.markdown if "means agree" in m.value)
    assert "nats" in reading
    assert step_heading(at) == "**Iteration 1, after the E-step**"
    assert metric(at, "KL gap") == 0.0
    assert metric(at, "log-likelihood") == pytest.approx(metric(at, "ELBO"), abs=1e-3)
    assert at.button(key="theory.e").disabled and not at.button(key="theory.m").disabled


def test_e_and_m_buttons_step_through_the_recorded_run(app: AppTest) -> None:
    at = app.run()
    start_ll = metric(at, "log-likelihood")
    at = at.button(key="theory.m").click().run()
    assert_clean(at)
    assert step_heading(at) == "**Iteration 1, after the M-step**"
    assert metric(at, "KL gap") > 0
    assert metric(at, "log-likelihood") >= start_ll
    assert at.button(key="theory.m").disabled and not at.button(key="theory.e").disabled

    at = at.button(key="theory.e").click().run()
    assert_clean(at)
    assert step_heading(at) == "**Iteration 2, after the E-step**"
    assert metric(at, "KL gap") == 0.0

    for _ in range(2):  # M, E, M: the gap after every M-step is >= 0, after every E-step 0
        at = at.button(key="theory.m").click().run()
        assert metric(at, "KL gap") >= 0
        at = at.button(key="theory.e").click().run()
        assert metric(at, "KL gap") == 0.0
    assert step_heading(at) == "**Iteration 4, after the E-step**"

    at = at.radio(key="theory.which").set_value(1).run()
    assert_clean(at)
    assert step_heading(at) == "**Iteration 4, after the E-step**"  # the step is kept
    assert metric(at, "KL gap") == 0.0

    at = at.button(key="theory.reset").click().run()
    assert step_heading(at) == "**Iteration 1, after the E-step**"


def test_changing_the_digit_and_the_toy_reruns(app: AppTest) -> None:
    _, _, _, y_test = digits_split(binary=True)
    at = app.run()
    before = charts(at)
    at = at.number_input(key="theory.grad_digit").set_value(5).run()
    assert_clean(at)
    assert any(f"Held-out digit 5 is a **{y_test[5]}**" in c.value for c in at.caption)
    after = charts(at)
    assert after[3] != before[3]  # the encoder chart (a new digit, new variances)

    at = at.number_input(key="theory.ml_digit").set_value(7).run()
    assert_clean(at)
    assert any(f"Held-out digit 7 is a **{y_test[7]}**" in c.value for c in at.caption)

    at = at.slider(key="theory.mu").set_value(2.0).run()
    assert_clean(at)
    toy = next(c for c in charts(at) if any("exact gradient" in t["name"] for t in c["data"]))
    exact = next(t for t in toy["data"] if t["name"].startswith("exact gradient"))
    assert exact["y"][0] == pytest.approx(2 * (2.0 - 3.0))


def test_a_link_reproduces_the_step_and_the_controls(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, step="3", which="1", mu="2", grad_digit="5")
    at.default_timeout = 180
    at.run()
    assert_clean(at)
    assert step_heading(at) == "**Iteration 2, after the M-step**"
    assert at.radio(key="theory.which").value == 1
    assert at.slider(key="theory.mu").value == 2.0
    assert at.number_input(key="theory.grad_digit").value == 5
    at.button(key="theory.e").click().run()
    assert step_heading(at) == "**Iteration 3, after the E-step**"
    assert at.query_params["step"] == "4" and at.query_params["which"] == "1"
