"""The pure half of ui.state: link parsing, link writing and feature matching."""

from __future__ import annotations

import pytest

from ui.state import DEFAULT, Choice, parse_query, resolve_features, to_query


def test_full_link_is_parsed() -> None:
    choice, notes = parse_query(
        {
            "dataset": "iris",
            "features": "petal length,petal width",
            "k": "3",
            "cov": "diag",
            "seed": "1",
        }
    )
    assert choice == Choice("iris", ("petal length", "petal width"), 3, "diag", 1)
    assert notes == []


def test_empty_link_gives_defaults() -> None:
    assert parse_query({}) == (DEFAULT, [])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"dataset": "../etc/passwd"}, "dataset"),
        ({"k": "three"}, "k"),
        ({"k": "0"}, "k"),
        ({"k": "31"}, "k"),
        ({"cov": "wishart"}, "cov"),
        ({"seed": "-1"}, "seed"),
        ({"seed": str(2**32)}, "seed"),
    ],
)
def test_invalid_values_keep_the_default_and_explain(params: dict, field: str) -> None:
    choice, notes = parse_query(params)
    assert getattr(choice, field) == getattr(DEFAULT, field)
    assert len(notes) == 1


def test_values_are_tidied_and_last_repeat_wins() -> None:
    choice, notes = parse_query({"dataset": " Wine ", "cov": "DIAG", "k": ["2", " 5 "]})
    assert (choice.dataset, choice.cov, choice.k, notes) == ("wine", "diag", 5, [])


@pytest.mark.parametrize(
    "choice",
    [DEFAULT, Choice("digits", ("pixel 0,3", "pixel 1,2"), 10, "spherical", 123)],
)
def test_to_query_round_trips(choice: Choice) -> None:
    parsed, notes = parse_query(to_query(choice))
    names = [f"pixel {r},{c}" for r in range(8) for c in range(8)]
    assert notes == []
    assert resolve_features(parsed.features, names)[0] == choice.features
    assert parsed.k == choice.k and parsed.cov == choice.cov and parsed.seed == choice.seed


def test_to_query_without_data_leaves_out_dataset_and_features() -> None:
    assert set(to_query(DEFAULT, with_data=False)) == {"k", "cov", "seed"}


def test_resolve_features_joins_commas_ignores_case_and_repeats() -> None:
    names = ["pixel 0,0", "pixel 0,1", "Alcohol", "a", "a,b"]
    kept, unknown = resolve_features(["pixel 0,1, alcohol", "PIXEL 0,0", "zzz", "alcohol"], names)
    assert kept == ("pixel 0,1", "Alcohol", "pixel 0,0")
    assert unknown == ("zzz",)
    # Longest match first: "a,b" is one name, not "a" then an unknown "b".
    assert resolve_features(["a,b"], names) == (("a,b",), ())
