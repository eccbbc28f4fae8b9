"""One data choice for the whole app: pages show the same data whatever the order of visits,
and a rerun repeats no fit, no predict over the training set and no E-step."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.apptest import assert_clean

HOME = "app_pages/home.py"
EM = "app_pages/em_steps.py"
CHOOSE_K = "app_pages/choose_k.py"
CLASSIFY = "app_pages/classify.py"
POISSON = "app_pages/poisson.py"
BERNOULLI = "app_pages/bernoulli.py"
MIXTURE_PAGES = (EM, CHOOSE_K, CLASSIFY)


def fingerprint(at: AppTest) -> tuple:
    """What a page shows, as text: headings, prose, numbers, notes and tables' shapes."""
    texts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "metric",
        "info",
        "warning",
    ):
        for el in at.get(kind):
            value = getattr(el, "value", None)
            texts.append((kind, getattr(el, "label", ""), str(value)))
    tables = tuple((d.value.shape, tuple(map(str, d.value.columns))) for d in at.dataframe)
    return tuple(texts), tables, len(at.get("plotly_chart"))


def data_choice(at: AppTest) -> dict:
    return {
        k: at.session_state[k]
        for k in at.session_state
        if k.startswith("evx.")
        and k[4:] in ("source", "dataset", "upload_digest", "features", "label")
    }


def visit(order: tuple[str, ...], open_app, **query) -> dict[str, tuple]:
    at = open_app(order[0], **query).run()
    seen = {}
    for i, page in enumerate(order):
        if i:
            at.switch_page(page).run()
        assert_clean(at)
        seen[page] = (fingerprint(at), data_choice(at), dict(at.query_params))
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("query", [{}, {"dataset": "iris", "features": "petal length,petal width"}])
def test_every_page_shows_the_same_data_whatever_the_order_of_visits(open_app, query) -> None:
    orders = [
        (HOME, EM, CHOOSE_K, CLASSIFY),
        (CLASSIFY, CHOOSE_K, EM, HOME),
        (CHOOSE_K, CLASSIFY, HOME, EM),
    ]
    runs = [visit(order, open_app, **query) for order in orders]
    for page in (HOME, *MIXTURE_PAGES):
        first = runs[0][page]
        for other in runs[1:]:
            assert other[page][1] == first[1], f"{page}: the data choice changed"
            assert other[page][2] == first[2], f"{page}: the link differs"
            assert other[page][0] == first[0], f"{page} shows something else after other pages"


@pytest.mark.slow
def test_visiting_a_page_and_coming_back_changes_nothing(open_app) -> None:
    at = open_app(CHOOSE_K).run()
    before = fingerprint(at), data_choice(at), dict(at.query_params)
    for page in (CLASSIFY, EM, POISSON, BERNOULLI, CHOOSE_K):
        at.switch_page(page).run()
        assert_clean(at)
    assert (fingerprint(at), data_choice(at), dict(at.query_params)) == before


# --------------------------------------------------------------------------- work per rerun


@pytest.mark.slow
@pytest.mark.parametrize("page", [HOME, EM, CHOOSE_K, CLASSIFY, POISSON, BERNOULLI])
def test_a_rerun_repeats_no_fit_predict_or_e_step(open_app, engine_calls, page) -> None:
    at = open_app(page).run()
    assert_clean(at)
    at.run()  # the first visit has filled the caches
    engine_calls.clear()
    at.run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0, f"a plain rerun of {page} called {engine_calls}"


@pytest.mark.slow
def test_moving_the_em_step_back_and_forth_runs_each_e_step_once(open_app, engine_calls) -> None:
    at = open_app(EM).run()
    steps = range(4)  # record indices: the first two iterations' E- and M-steps
    for option in steps:
        at.select_slider(key="em.step").set_value(option).run()
    engine_calls.clear()
    for option in reversed(steps):
        at.select_slider(key="em.step").set_value(option).run()
        assert_clean(at)
    assert sum(engine_calls.values()) == 0, engine_calls
