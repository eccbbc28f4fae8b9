"""Small readers of an AppTest run, shared by the page tests."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def assert_clean(at: AppTest) -> None:
    """No exception and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def charts(at: AppTest) -> list[dict]:
    """Every Plotly chart on the page, as its JSON spec."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def metrics(at: AppTest) -> dict[str, str]:
    """Every metric on the page, label -> value."""
    return {m.label: m.value for m in at.metric}


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    """Switch the sidebar picker to "Upload a file" and upload ``data`` as ``name``; runs."""
    if at.sidebar.radio(key="data.source").value != "upload":
        at.sidebar.radio(key="data.source").set_value("upload").run()
    return at.sidebar.file_uploader(key="data.upload").set_value([(name, data, mime)]).run()
