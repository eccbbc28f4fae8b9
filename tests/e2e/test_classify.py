"""Classify in a real browser: upload new rows through the file input, download the results."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROWS = b"malic acid,total phenols\n1.6,2.9\n4.1,1.4\n2.4,2.3\n3.0,2.0\n"


def click_button(page, label: str, wait_for_run: Callable) -> None:
    page.get_by_role("button", name=label).click()
    wait_for_run(page)


def test_upload_new_rows_and_download_the_results(
    page,
    open_app: Callable,
    alerts: Callable,
    wait_for_run: Callable,
    shoot: Callable,
    tmp_path: Path,
) -> None:
    # The wine example is a link choosing malic acid and total phenols (the page never
    # chooses the data itself).
    open_app(page, "classify", "dataset=wine&features=malic%20acid%2Ctotal%20phenols")
    assert alerts(page) == []
    page.get_by_text("twelve made-up bottles").first.wait_for()
    assert alerts(page) == []
    shoot(page, "classify-example")

    rows_source = page.get_by_role("radiogroup", name="Where the new rows come from")
    rows_source.get_by_text("Upload a CSV", exact=True).click()
    wait_for_run(page)
    path = tmp_path / "bottles.csv"
    path.write_bytes(ROWS)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="CSV of new rows")
    uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("bottles.csv").first.wait_for()
    page.get_by_text("Columns the model needs").wait_for()
    wait_for_run(page)
    page.locator('[data-testid="stDataFrame"]').last.wait_for()
    assert alerts(page) == []

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the results (.csv)").click()
    download = info.value
    assert download.suggested_filename == "classified_rows.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text)))
    header, body = table[0], table[1:]
    assert header[:3] == ["row", "malic acid", "total phenols"]
    assert "P(component 1)" in header and "uncertainty" in header
    assert "most likely component" in header
    assert len(body) == 4
    probs = [
        [float(r[header.index(c)]) for c in header if c.startswith("P(") and c.endswith(")")]
        for r in body
    ]
    assert all(abs(sum(p) - 1) < 1e-9 for p in probs)


def test_a_broken_model_file_is_refused_and_the_page_works_on(
    page, open_app: Callable, alerts: Callable, wait_for_run: Callable, tmp_path: Path
) -> None:
    open_app(page, "classify")
    page.get_by_text("Load a saved model (.json)", exact=True).click()
    wait_for_run(page)
    path = tmp_path / "model.json"
    path.write_text('{"format": "em-vae-explorer/mixture", "version": 1, "family": "gaussian"}')
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("model.json").first.wait_for()
    page.locator('[data-testid="stAlertContentError"]').wait_for()
    wait_for_run(page)
    shown = alerts(page)
    assert len(shown) == 1 and "model.json" in shown[0] and "n_components" in shown[0]
    assert not page.locator('[data-testid="stException"]').count()
    page.get_by_text("Fit on the chosen data", exact=True).click()
    wait_for_run(page)
    assert alerts(page) == []
