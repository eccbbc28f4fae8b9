"""AppTest tests of the "Bernoulli mixture" page: defaults, the form, image uploads."""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import DataError, digits_split, read_images
from tests.app_pages.apptest import assert_clean, charts, metrics, upload

PAGE = "app_pages/bernoulli.py"


@pytest.fixture
def app(open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(PAGE)


def animation(at: AppTest) -> dict:
    return next(c for c in charts(at) if c.get("frames"))


def idx_gz(n: int = 120, side: int = 8, seed: int = 0) -> bytes:
    """A gzip-compressed IDX images file of ``n`` random strokes (two kinds of picture)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, side, side), dtype=np.uint8)
    images[: n // 2, :, side // 2] = 255  # vertical bars
    images[n // 2 :, side // 2, :] = 255  # horizontal bars
    images |= (rng.random(images.shape) < 0.05).astype(np.uint8) * 255
    return gzip.compress(struct.pack(">IIII", 0x803, n, side, side) + images.tobytes())


def test_defaults_fit_the_binary_digits(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Bernoulli mixture"
    assert at.slider(key="bernoulli.k").value == 10
    anim = animation(at)
    assert [t["type"] for t in anim["data"]] == ["heatmap"] * 10
    assert anim["frames"][0]["name"] == "Start"
    assert anim["frames"][-1]["name"].endswith("M-step")
    shown = metrics(at)
    held_out = float(shown["Held-out log-likelihood"].split()[0])
    assert -30 < held_out < -15  # nats per 64-pixel image; a coin flip gives -44.4
    assert shown["Coin-flip baseline"] == "-44.36 nats"
    assert len(at.get("plotly_chart")) == 4  # prototypes, one image, its r_k, samples


def test_changing_k_and_picking_an_image(app: AppTest) -> None:
    at = app.run()
    at.slider(key="bernoulli.k").set_value(4)
    at.button(key="bernoulli.apply").click().run()
    assert_clean(at)
    assert len(animation(at)["data"]) == 4
    at.number_input(key="bernoulli.image").set_value(7).run()
    assert_clean(at)
    bars = next(c for c in charts(at) if c["data"][0]["type"] == "bar")
    assert len(bars["data"][0]["x"]) == 4
    _, _, _, y_test = digits_split(binary=True)
    assert any(
        f"Image 7 (a {y_test[7]})" in json.dumps(c["layout"].get("title", {})) for c in charts(at)
    )


def test_uniform_weights_explain_the_normalised_likelihoods(app: AppTest) -> None:
    at = app.run()
    at.checkbox(key="bernoulli.uniform").check()
    at.button(key="bernoulli.apply").click().run()
    assert_clean(at)
    assert any("normalised" in i.value for i in at.info)
    titles = [a["text"] for a in animation(at)["frames"][-1]["layout"]["annotations"]]
    assert len(titles) == 10 and all(t.endswith("π = 0.10") for t in titles)


def test_good_image_upload_is_binarised_and_fitted(app: AppTest) -> None:
    at = upload(app.run(), "bars-idx3-ubyte.gz", idx_gz(), "application/octet-stream")
    assert any("96 images of 8x8 pixels" in m.value for m in at.markdown)
    assert any("held out" in c.value for c in at.caption)
    # Two kinds of picture cannot feed ten components: the collapse is explained, not raised
    # (as in scikit-learn the fit goes on, with the engine's warning: issue 9).
    assert not at.exception, [e.value for e in at.exception]
    assert any("collapsed" in w.value or "is empty" in w.value for w in at.warning)
    assert any("fewer components" in i.value for i in at.info)
    at.slider(key="bernoulli.k").set_value(2)
    at.button(key="bernoulli.apply").click().run()
    assert_clean(at)
    assert len(animation(at)["data"]) == 2
    assert metrics(at)["Coin-flip baseline"] == "-44.36 nats"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("garbage.idx", b"\x00\x00\x08\x03 this is not an image file"),
        ("model.npy", b"\x80\x04whatever"),
        ("empty.npz", b""),
    ],
)
def test_a_malformed_file_shows_its_message_and_the_page_goes_on(
    app: AppTest, name: str, data: bytes
) -> None:
    at = upload(app.run(), name, data, "application/octet-stream")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1
    with pytest.raises(DataError) as info:
        read_images(data, name)
    assert str(info.value) in at.error[0].value
    assert any("uses the built-in digits" in m.value for m in at.markdown)
    assert len(animation(at)["data"]) == 10


def test_a_table_that_is_not_0_1_falls_back_to_the_digits(app: AppTest) -> None:
    at = upload(app.run(), "pixels.csv", b"label,a,b,c\n1,0,255,3\n2,4,5,6\n")
    assert_clean(at)
    assert any("built-in digits" in i.value for i in at.sidebar.info)
    assert any("uses the built-in digits" in m.value for m in at.markdown)
    assert len(animation(at)["data"]) == 10


def test_a_0_1_table_is_fitted_as_rows_of_pixels(app: AppTest) -> None:
    rng = np.random.default_rng(0)
    rows = (rng.random((60, 6)) < np.where(np.arange(60)[:, None] < 30, 0.9, 0.1)).astype(int)
    data = ("a,b,c,d,e,f\n" + "\n".join(",".join(map(str, r)) for r in rows)).encode()
    at = upload(app.run(), "answers.csv", data)
    at.slider(key="bernoulli.k").set_value(2)
    at.button(key="bernoulli.apply").click().run()
    assert_clean(at)
    assert not any("built-in digits" in i.value for i in at.sidebar.info)
    assert any("48 rows of 6 0/1 values" in m.value for m in at.markdown)
    assert len(animation(at)["data"]) == 2
    assert metrics(at)["Coin-flip baseline"] == "-4.16 nats"


def test_a_link_reproduces_the_settings_and_the_image_shown(
    open_app: Callable[..., AppTest],
) -> None:
    at = open_app(PAGE, k="4", alpha="0.5", image="7").run()
    assert_clean(at)
    assert at.slider(key="bernoulli.k").value == 4
    assert at.number_input(key="bernoulli.image").value == 7
    assert len(animation(at)["data"]) == 4
    assert any("α = 0.5" in m.value for m in at.markdown)
    at.number_input(key="bernoulli.image").set_value(9).run()
    assert at.query_params["image"] == "9"


def test_a_rerun_or_another_image_repeats_no_fit_and_no_e_step(app: AppTest, engine_calls) -> None:
    at = app.run()
    engine_calls.clear()
    at.run()
    at.number_input(key="bernoulli.image").set_value(5).run()
    assert_clean(at)
    assert sum(engine_calls.values()) == 0
