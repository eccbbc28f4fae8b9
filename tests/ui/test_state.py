"""The pure half of ui.state: the data reference in a link, page settings, feature matching."""

from __future__ import annotations

import re
import time

import pytest

from ui.state import (
    DEFAULT,
    DataRef,
    bool_setting,
    choice_setting,
    float_setting,
    int_setting,
    parse_query,
    parse_settings,
    plain,
    quoted,
    resolve_features,
    safe_prose,
    to_query,
)

DIGEST = "ab" * 32


def test_full_link_is_parsed() -> None:
    ref, notes = parse_query(
        {"dataset": "iris", "features": "petal length,petal width", "label": "species"}
    )
    assert ref == DataRef("builtin", "iris", None, ("petal length", "petal width"), "species")
    assert notes == []


def test_empty_link_gives_defaults() -> None:
    assert parse_query({}) == (DEFAULT, [])


def test_upload_link_carries_the_digest() -> None:
    ref, notes = parse_query({"dataset": f"upload-{DIGEST}"})
    assert (ref.source, ref.digest, notes) == ("upload", DIGEST, [])
    assert to_query(ref) == {"dataset": f"upload-{DIGEST}"}


@pytest.mark.parametrize(
    "dataset", ["../etc/passwd", "upload-xyz", "upload-" + "g" * 40, "[log in](http://x)"]
)
def test_invalid_dataset_keeps_the_default_and_explains(dataset: str) -> None:
    ref, notes = parse_query({"dataset": dataset})
    assert ref.name == DEFAULT.name and ref.digest is None
    assert len(notes) == 1
    assert not re.search(r"(?<!\\)\]\(", notes[0])  # escaped: a Markdown link stays inert


def test_values_are_tidied_and_last_repeat_wins() -> None:
    ref, notes = parse_query({"dataset": [" IRIS ", " Wine "]})
    assert (ref.name, notes) == ("wine", [])


@pytest.mark.parametrize(
    "ref",
    [DEFAULT, DataRef("builtin", "digits", None, ("pixel 0,3", "pixel 1,2"))],
)
def test_to_query_round_trips(ref: DataRef) -> None:
    parsed, notes = parse_query(to_query(ref))
    names = [f"pixel {r},{c}" for r in range(8) for c in range(8)]
    assert notes == []
    assert resolve_features(parsed.features, names)[0] == ref.features
    assert parsed.key == ref.key


def test_data_ref_is_hashable_and_keys_by_digest() -> None:
    a = DataRef("upload", "a.csv", DIGEST)
    b = DataRef("upload", "a.csv", DIGEST)
    assert hash(a) == hash(b) and a.key == DIGEST
    assert DataRef().key == "wine"


SETTINGS = (
    int_setting("k", 2, 1, 10),
    choice_setting("cov", "full", ("full", "tied", "diag", "spherical")),
    float_setting("tol", 1e-3, (1e-2, 1e-3, 1e-8)),
    bool_setting("uniform", False),
)


def test_settings_from_a_link() -> None:
    values, notes = parse_settings(
        SETTINGS, {"k": "4", "cov": "diag", "tol": "1e-08", "uniform": "1"}
    )
    assert values == {"k": 4, "cov": "diag", "tol": 1e-8, "uniform": True}
    assert notes == []


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"k": "three"}, "k"),
        ({"k": "0"}, "k"),
        ({"k": "11"}, "k"),
        ({"cov": "wishart"}, "cov"),
        ({"tol": "0.5"}, "tol"),
        ({"uniform": "maybe"}, "uniform"),
    ],
)
def test_bad_settings_are_left_out_with_a_note(params: dict, word: str) -> None:
    values, notes = parse_settings(SETTINGS, params)
    assert values == {}
    assert len(notes) == 1 and word in notes[0]


def test_resolve_features_joins_commas_ignores_case_and_repeats() -> None:
    names = ["pixel 0,0", "pixel 0,1", "Alcohol", "a", "a,b"]
    kept, unknown = resolve_features(["pixel 0,1, alcohol", "PIXEL 0,0", "zzz", "alcohol"], names)
    assert kept == ("pixel 0,1", "Alcohol", "pixel 0,0")
    assert unknown == ("zzz",)
    # Longest match first: "a,b" is one name, not "a" then an unknown "b".
    assert resolve_features(["a,b"], names) == (("a,b",), ())


def test_resolve_features_stays_fast_on_a_hostile_link() -> None:
    # "a," 3,200 times once took the old greedy matcher 80 s (cubic in the pieces).
    names = [f"feature {i}" for i in range(13)]
    start = time.perf_counter()
    kept, unknown = resolve_features(["a," * 3200], names)
    assert time.perf_counter() - start < 1.0
    assert kept == () and len(unknown) == 2000


def test_quoted_makes_markdown_inert() -> None:
    assert quoted("![x](http://host/b.png)") == "'!\\[x\\](http:\u2060//host/b.png)'"
    assert quoted("nope") == "'nope'"
    assert plain("$x$ :red[y] <b> www.x.org") == "\\$x\\$ :red\\[y\\] \\<b\\> www\u2060.x.org"
    assert plain("a (b): c-d, e|f") == "a (b): c-d, e|f"  # ordinary prose is left as it is
    assert len(quoted("x" * 500)) < 70


def test_safe_prose_defuses_links_but_keeps_the_message_as_written() -> None:
    message = "Column '[log in](http://evil.example)' holds text; see x_train (a-b): $5 <b>"
    shown = safe_prose(message)
    assert not re.search(r"(?<!\\)\]\(", shown) and "http:\u2060//" in shown
    assert "x_train (a-b):" in shown and r"\$5 \<b\>" in shown
