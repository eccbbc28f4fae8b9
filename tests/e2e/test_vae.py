"""The VAE lab in Chromium: it opens on the shipped model, trains a tiny VAE from the form, and a
click on the latent scatter decodes the image under the mouse."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

pytestmark = pytest.mark.e2e

URL_PATH = "vae"
#: Scatter, grid, chosen image, reconstructions, samples, path, aggregate posterior, KL bars.
N_CHARTS = 8
#: The first visit computes the shipped model's IWAE estimate on a shared, busy machine.
COLD_TIMEOUT_MS = 180_000
CHOSEN = re.compile(r"Image (\d+), a (\d)\.")


def chosen_text(page) -> tuple[int, int]:
    """(row, digit) named by the text beside the chosen image."""
    text = page.get_by_text(CHOSEN).inner_text()
    row, digit = CHOSEN.search(text).groups()
    return int(row), int(digit)


def isolated_point(chart, name: str) -> dict:
    """Screen position of the point of the trace called ``name`` farthest from every other
    clickable point, from plotly's own data and axis mappings."""
    points = chart.evaluate(
        """(el) => {
            const box = el.querySelector('.nsewdrag').getBoundingClientRect();
            const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
            return el._fullData.filter((t) => t.hoverinfo !== 'skip').map((t) => ({
                name: t.name,
                xy: Array.from(t.x, (x, i) => [
                    box.x + xa.l2p(x), box.y + ya.l2p(t.y[i])]),
            }));
        }"""
    )
    mine = next(t["xy"] for t in points if t["name"] == name)
    others = [p for t in points for p in t["xy"]]

    def room(p):
        return min(((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 for q in others if q != p), default=1e9)

    x, y = max(mine, key=room)
    return {"x": x, "y": y}


def test_vae_lab_trains_and_decodes_a_clicked_point(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, shoot: Callable
) -> None:
    page.set_default_timeout(COLD_TIMEOUT_MS)
    open_app(page, URL_PATH)
    page.get_by_text("IWAE log p(x)").wait_for()
    page.locator('[data-testid="stMetricValue"]').filter(has_text=re.compile(r"^-\d")).nth(
        1
    ).wait_for()  # the IWAE value replaces its placeholder at the end of the run
    assert alerts(page) == []
    page.locator(".js-plotly-plot").nth(N_CHARTS - 1).wait_for()
    assert page.locator(".js-plotly-plot").count() == N_CHARTS
    assert page.get_by_text("Showing the shipped model", exact=False).is_visible()
    shoot(page, "vae")

    # Train a tiny model from the form: one hidden layer of 64 and a high learning rate spread
    # the codes out within 10 epochs (well under a second); 2 epochs leave them in one blob.
    page.get_by_text("Images and training", exact=False).first.click()  # open the panel
    page.get_by_label("Hidden layers", exact=True).fill("64")
    page.get_by_label("Epochs", exact=True).fill("10")
    page.get_by_label("Learning rate", exact=True).fill("0.01")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Showing your trained model", exact=False).wait_for()
    wait_for_run(page)
    assert alerts(page) == []
    assert page.locator(".js-plotly-plot").count() == N_CHARTS + 1  # plus the training curves

    # Click a point of digit 1 on the latent scatter: the chosen image follows it.
    before, _ = chosen_text(page)
    scatter = page.locator(".js-plotly-plot").nth(1)  # after the training curves
    scatter.scroll_into_view_if_needed()
    point = isolated_point(scatter, "1")
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function(
        """(before) => {
            const m = document.body.innerText.match(/Image (\\d+), a (\\d)\\./);
            return m && Number(m[1]) !== before;
        }""",
        arg=before,
    )
    wait_for_run(page)
    row, digit = chosen_text(page)
    assert digit == 1 and row != before
    assert page.get_by_label(re.compile("Held-out image")).input_value() == str(row)
    assert page.get_by_text("decoded from μ(x)").count() >= 1
    assert alerts(page) == []
    shoot(page, "vae-trained")

    page.set_viewport_size({"width": 1920, "height": 1080})
    wait_for_run(page)
    shoot(page, "vae")


def _idx_images(n: int, side: int, seed: int = 0) -> bytes:
    """A gzip-compressed MNIST-format (IDX) images file: ``n`` seeded blobs of ``side`` pixels."""
    import gzip
    import struct

    import numpy as np

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side]
    centres = rng.uniform(side * 0.3, side * 0.7, size=(n, 2))
    blobs = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 8.0)
    pixels = (255 * blobs).astype(np.uint8)
    return gzip.compress(struct.pack(">IIII", 0x803, n, side, side) + pixels.tobytes())


def test_vae_lab_trains_on_an_uploaded_mnist_format_file(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, tmp_path
) -> None:
    path = tmp_path / "my-images-idx3-ubyte.gz"
    path.write_bytes(_idx_images(300, 28))
    page.set_default_timeout(120_000)
    open_app(page, URL_PATH)
    # Images come through the sidebar's data picker, as on every page.
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Upload a file", exact=True).click()
    wait_for_run(page)
    sidebar.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    sidebar.get_by_text(path.name).first.wait_for()
    wait_for_run(page)
    page.get_by_text("Images and training", exact=False).first.click()  # open the panel
    page.get_by_text("images of 28x28 pixels", exact=False).wait_for()  # the file was read
    wait_for_run(page)
    assert alerts(page) == []
    page.get_by_label("Hidden layers", exact=True).fill("64")
    page.get_by_label("Epochs", exact=True).fill("3")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Showing your trained model", exact=False).wait_for()
    wait_for_run(page)
    assert alerts(page) == []
    assert not page.locator('[data-testid="stException"]').count()
