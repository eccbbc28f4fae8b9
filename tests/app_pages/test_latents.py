"""AppTest tests of the "Discrete vs continuous" page: defaults, the engine's numbers, controls."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from streamlit.testing.v1 import AppTest

from engine.data import digits_split
from engine.mixtures import BernoulliMixture
from engine.vae import elbo, iwae_log_likelihood, load
from tests.app_pages.apptest import assert_clean, charts
from ui.cached import theory
from ui.cached import vae as cvae
from ui.figures import latents as figs

PAGE = "app_pages/latents.py"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    at = open_app(PAGE)
    at.default_timeout = 240  # the first run fits seven mixtures and scores four VAEs
    return at


def likelihood_chart(at: AppTest) -> dict:
    return next(c for c in charts(at) if c["layout"].get("xaxis2"))


def series(chart: dict, name: str) -> dict:
    return next(t for t in chart["data"] if t.get("name") == name)


def reading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Reading it:**"))


def sample_charts(at: AppTest) -> list[dict]:
    return [c for c in charts(at) if c["data"][0]["type"] == "heatmap"]


def test_defaults_run_cleanly_and_show_the_engines_numbers(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Discrete vs continuous latents"
    assert len(at.subheader) == 3 and len(at.latex) == 1
    assert len(at.get("plotly_chart")) == 3  # the likelihood chart and two sample grids
    assert at.select_slider(key="latents.k").value == 20
    assert at.select_slider(key="latents.d").value == 2

    chart = likelihood_chart(at)
    mix = series(chart, figs.MIXTURE_NAME)
    assert mix["x"] == list(theory.KS)
    X_train, X_test, _, _ = digits_split(binary=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bm = BernoulliMixture(20, n_init=3, random_state=0).fit(X_train)
    assert mix["y"][mix["x"].index(20)] == pytest.approx(bm.score(X_test), abs=1e-9)
    assert mix["customdata"][mix["x"].index(20)] == bm.n_parameters() == 1299

    model = load(cvae.weights_path(2))
    g = torch.Generator().manual_seed(0)
    e = float(elbo(model, X_test, n_samples=100, generator=g).mean())
    i = float(iwae_log_likelihood(model, X_test, k=1000, generator=g).mean())
    elbo_s, iwae_s = series(chart, figs.ELBO_NAME), series(chart, figs.IWAE_NAME)
    assert elbo_s["x"] == list(theory.LATENTS)
    assert elbo_s["y"][0] == pytest.approx(e, abs=1e-6)
    assert iwae_s["y"][0] == pytest.approx(i, abs=1e-6)
    assert all(a >= b for a, b in zip(iwae_s["y"], elbo_s["y"], strict=True))

    text = reading(at)
    assert f"**1,299 parameters** to reach **{bm.score(X_test):.1f} nats**" in text
    assert f"**{i:.1f}** (IWAE) with **166k**" in text
    assert "exact" in text and "floor" in text


def test_changing_the_selectors_reruns(app: AppTest) -> None:
    at = app.run()
    before = charts(at)
    mix_before, vae_before = sample_charts(at)

    at = at.select_slider(key="latents.k").set_value(5).run()
    assert_clean(at)
    rings = [t for t in likelihood_chart(at)["data"] if t.get("showlegend") is False]
    assert [5] in [r["x"] for r in rings]
    assert reading(at).startswith(
        "**Reading it:** The 5-component mixture needs **324 parameters**"
    )
    mix_after, vae_after = sample_charts(at)
    assert mix_after["data"][0]["z"] != mix_before["data"][0]["z"]
    assert vae_after["data"][0]["z"] == vae_before["data"][0]["z"]
    assert all(int(a["text"][1:]) <= 5 for a in mix_after["layout"]["annotations"])

    at = at.select_slider(key="latents.d").set_value(8).run()
    assert_clean(at)
    assert "the 8-D VAE reaches" in reading(at)
    assert sample_charts(at)[1]["data"][0]["z"] != vae_before["data"][0]["z"]
    assert len(charts(at)) == len(before)


def test_seed_and_prototype_toggle(app: AppTest) -> None:
    at = app.run()
    mix0, vae0 = sample_charts(at)
    at = at.number_input(key="latents.seed").set_value(7).run()
    assert_clean(at)
    mix1, vae1 = sample_charts(at)
    assert mix1["data"][0]["z"] != mix0["data"][0]["z"]
    assert vae1["data"][0]["z"] != vae0["data"][0]["z"]
    assert "pixel" in mix1["data"][0]["hovertemplate"]

    at = at.toggle(key="latents.prototypes").set_value(True).run()
    assert_clean(at)
    proto = sample_charts(at)[0]
    assert "P(ink)" in proto["data"][0]["hovertemplate"]
    assert "prototype picked" in proto["layout"]["title"]["text"]
    # the shared fitted model was sampled through a copy: its own random_state is untouched
    assert theory.mixture(20).random_state == 0


def test_a_link_reproduces_the_choices(open_app: Callable[..., AppTest]) -> None:
    at = open_app(PAGE, k="5", d="8", seed="7", prototypes="1")
    at.default_timeout = 240
    at.run()
    assert_clean(at)
    assert at.select_slider(key="latents.k").value == 5
    assert at.select_slider(key="latents.d").value == 8
    assert at.number_input(key="latents.seed").value == 7
    assert at.toggle(key="latents.prototypes").value is True
    assert "the 8-D VAE reaches" in reading(at)
    at.select_slider(key="latents.k").set_value(10).run()
    assert at.query_params["k"] == "10" and at.query_params["d"] == "8"
