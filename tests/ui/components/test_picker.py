"""The picker's pure helpers: previews, summaries, and what a page says about unsuitable data."""

from __future__ import annotations

from ui.cached import data as cdata
from ui.components import picker
from ui.state import DataRef


def test_preview_puts_the_known_class_first() -> None:
    data = cdata.chosen(DataRef("builtin", "iris"))
    head = picker.preview_frame(data, 3)
    assert list(head.columns) == ["label", *data.feature_names]
    assert list(head["label"]) == ["setosa"] * 3


def test_summary_has_one_row_per_feature() -> None:
    data = cdata.chosen(DataRef("builtin", "wine", None, ("alcohol", "hue")))
    table = picker.summary_table(data.frame[list(data.features)])
    assert list(table.index) == ["alcohol", "hue"]
    assert list(table.columns) == ["mean", "std", "min", "max"]


def test_pages_say_what_they_do_with_unsuitable_data() -> None:
    wine = cdata.chosen(DataRef("builtin", "wine"))
    digits = cdata.chosen(DataRef("builtin", "digits"))
    counts = cdata.chosen(DataRef("builtin", "counts"))
    assert "built-in 8x8 digits" in picker.needs_note(wine, "images")
    assert picker.needs_note(digits, "images") is None
    assert "counts" in picker.needs_note(wine, "counts")
    assert picker.needs_note(counts, "counts") is None
    assert picker.needs_note(digits, "binary") is None  # images are binarised
    assert picker.needs_note(wine, "table") is None


def test_an_uploaded_name_is_shown_inert() -> None:
    ref = cdata.keep_upload(("[log in](http:x).csv",), (b"a,b\n1,2\n3,5\n",))
    data = cdata.chosen(ref)
    assert picker.display_name(data).startswith(r"\[log in\](")  # escaped: no link
    assert picker.display_name(cdata.chosen(DataRef())) == "wine"
