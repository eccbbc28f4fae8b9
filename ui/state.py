"""Session keys shared by every page, and the shareable link (query parameters).

Session state holds small choices only: which dataset, the digest and name of an uploaded
table, the selected features, K, the covariance type and the seed. All keys live under one
prefix so they never clash with widget keys. Arrays, tables and models never go here: an
uploaded table is kept in a cache by its content digest (see :mod:`ui.cache`).

The pure half of this module (:class:`Choice`, :func:`parse_query`, :func:`to_query`,
:func:`resolve_features`) takes mappings and returns validated values, so it is tested without
Streamlit. The other half reads and writes ``st.session_state`` and ``st.query_params``.

A link such as ``?dataset=iris&features=petal length,petal width&k=3&cov=diag&seed=1`` reproduces
a choice; values that do not make sense are ignored (the default is kept) and explained in a
short note the page may show with ``st.info``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import Any

import streamlit as st

from engine.data import BUILTIN_NAMES

#: Prefix of every shared session key.
PREFIX = "evx."
COVARIANCE_TYPES: tuple[str, ...] = ("full", "tied", "diag", "spherical")
K_MIN, K_MAX = 1, 30
SEED_MAX = 2**32 - 1
SOURCES: tuple[str, ...] = ("builtin", "upload")
#: Query parameters this module owns; others in the URL are left alone.
QUERY_KEYS: tuple[str, ...] = ("dataset", "features", "k", "cov", "seed")


@dataclass(frozen=True)
class Choice:
    """The shareable part of the user's choice.

    ``features`` empty means "all features of the dataset".
    """

    dataset: str = "wine"
    features: tuple[str, ...] = ()
    k: int = 3
    cov: str = "full"
    seed: int = 0


DEFAULT = Choice()


# --------------------------------------------------------------------------- pure helpers


def _last(value: str | Sequence[str] | None) -> str | None:
    """The last value of a query parameter given as a string or a list of strings."""
    if value is None or isinstance(value, str):
        return value
    return value[-1] if len(value) else None


def _int_in(text: str, low: int, high: int) -> int | None:
    try:
        number = int(text.strip())
    except ValueError:
        return None
    return number if low <= number <= high else None


def split_features(text: str) -> tuple[str, ...]:
    """Split a comma-separated ``features`` parameter into raw pieces (empty pieces dropped).

    Feature names may themselves hold commas (``"pixel 0,3"``); :func:`resolve_features` joins
    the pieces back against the dataset's real names.
    """
    return tuple(piece for piece in text.split(",") if piece.strip())


def parse_query(params: Mapping[str, str | Sequence[str]]) -> tuple[Choice, list[str]]:
    """Validate query parameters into a :class:`Choice`.

    Parameters
    ----------
    params : mapping of str to str or list of str
        E.g. ``st.query_params.to_dict()``; for repeated keys the last value wins.

    Returns
    -------
    choice : Choice
        Defaults for every missing or invalid value.
    notes : list of str
        One short sentence per ignored value, for ``st.info``.
    """
    values: dict[str, Any] = {}
    notes: list[str] = []

    dataset = _last(params.get("dataset"))
    if dataset is not None:
        name = dataset.strip().lower()
        if name in BUILTIN_NAMES:
            values["dataset"] = name
        else:
            notes.append(
                f"The link asks for a dataset called {dataset!r}, which is not built in; "
                f"showing {DEFAULT.dataset!r} instead."
            )

    features = _last(params.get("features"))
    if features is not None:
        values["features"] = split_features(features)

    k = _last(params.get("k"))
    if k is not None:
        number = _int_in(k, K_MIN, K_MAX)
        if number is None:
            notes.append(
                f"K in the link ({k!r}) must be a whole number from {K_MIN} to {K_MAX}; "
                f"using K = {DEFAULT.k}."
            )
        else:
            values["k"] = number

    cov = _last(params.get("cov"))
    if cov is not None:
        if cov.strip().lower() in COVARIANCE_TYPES:
            values["cov"] = cov.strip().lower()
        else:
            notes.append(
                f"The covariance type in the link ({cov!r}) must be one of "
                f"{', '.join(COVARIANCE_TYPES)}; using {DEFAULT.cov!r}."
            )

    seed = _last(params.get("seed"))
    if seed is not None:
        number = _int_in(seed, 0, SEED_MAX)
        if number is None:
            notes.append(
                f"The seed in the link ({seed!r}) must be a whole number from 0 to {SEED_MAX}; "
                f"using {DEFAULT.seed}."
            )
        else:
            values["seed"] = number

    return replace(DEFAULT, **values), notes


def to_query(choice: Choice, *, with_data: bool = True) -> dict[str, str]:
    """Query parameters that reproduce ``choice``; the inverse of :func:`parse_query`.

    ``with_data=False`` leaves out ``dataset`` and ``features`` (an uploaded table cannot be
    shared by a link).
    """
    query: dict[str, str] = {}
    if with_data:
        query["dataset"] = choice.dataset
        if choice.features:
            query["features"] = ",".join(choice.features)
    query.update(k=str(choice.k), cov=choice.cov, seed=str(choice.seed))
    return query


def resolve_features(
    requested: Iterable[str], available: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Match requested feature names to a dataset's names.

    Each requested item may hold several comma-separated names, and a name may itself contain
    commas: consecutive pieces are joined greedily (longest match first). Matching ignores
    surrounding spaces, then case.

    Returns
    -------
    kept : tuple of str
        Real names from ``available``, in the requested order, without repeats.
    unknown : tuple of str
        Pieces that match no name.
    """
    pieces = [piece for item in requested for piece in item.split(",")]
    exact = {name.strip(): name for name in available}
    folded = {name.strip().casefold(): name for name in available}
    kept: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            candidate = ",".join(pieces[i:j]).strip()
            name = exact.get(candidate) or folded.get(candidate.casefold())
            if name is not None:
                if name not in kept:
                    kept.append(name)
                i = j
                break
        else:
            if pieces[i].strip():
                unknown.append(pieces[i].strip())
            i += 1
    return tuple(kept), tuple(unknown)


# --------------------------------------------------------------------------- session state

_CHOICE_FIELDS = tuple(f.name for f in fields(Choice))
#: Every shared field and its default.
_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        **{name: getattr(DEFAULT, name) for name in _CHOICE_FIELDS},
        "source": "builtin",
        "upload_digest": None,
        "upload_name": None,
    }
)


def key(field: str) -> str:
    """The session-state key of a shared field, e.g. ``key("k") == "evx.k"``."""
    if field not in _DEFAULTS:
        raise KeyError(f"{field!r} is not a shared field; known: {', '.join(_DEFAULTS)}")
    return PREFIX + field


def init_session() -> None:
    """Fill the shared keys once per session, from the URL's query parameters if any.

    Called by ``app.py`` on every run; it only acts on the first.
    """
    if PREFIX + "ready" in st.session_state:
        return
    choice, notes = parse_query(st.query_params.to_dict())
    for field, default in _DEFAULTS.items():
        st.session_state[PREFIX + field] = getattr(choice, field, default)
    st.session_state[PREFIX + "notes"] = tuple(notes)
    st.session_state[PREFIX + "ready"] = True


def get(field: str) -> Any:
    """The current value of a shared field (its default before :func:`init_session`)."""
    return st.session_state.get(key(field), _DEFAULTS[field])


def update(**changes: Any) -> None:
    """Set shared fields, e.g. ``update(k=4, cov="diag")``. Features are stored as a tuple."""
    for field, value in changes.items():
        if field == "features":
            value = tuple(value)
        st.session_state[key(field)] = value


def choice() -> Choice:
    """The current shareable choice."""
    return Choice(**{name: get(name) for name in _CHOICE_FIELDS})


def add_note(note: str) -> None:
    """Queue a short note for the page to show once (see :func:`take_notes`)."""
    st.session_state[PREFIX + "notes"] = (*st.session_state.get(PREFIX + "notes", ()), note)


def take_notes() -> tuple[str, ...]:
    """Return and clear the queued notes (e.g. ignored link values)."""
    return st.session_state.pop(PREFIX + "notes", ())


def bind(
    field: str, widget_key: str, on_change: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Keyword arguments that tie a widget to a shared field.

    The widget gets its own key (widget keys are dropped when a page stops showing the widget)
    and starts from the shared value; changing it writes the shared value back. Pass the result
    to the widget and do not pass ``value``/``index`` as well::

        k = st.slider("K", 1, 10, **state.bind("k", "em.k"))

    ``on_change`` runs after the shared value has been written.
    """
    value = get(field)
    if widget_key not in st.session_state:
        st.session_state[widget_key] = list(value) if isinstance(value, tuple) else value

    def _copy_back() -> None:
        update(**{field: st.session_state[widget_key]})
        if on_change is not None:
            on_change()

    return {"key": widget_key, "on_change": _copy_back}


def sync_query_params() -> None:
    """Write the current choice into the URL so it can be shared; only changed keys are written.

    An uploaded table cannot travel in a link, so ``dataset`` and ``features`` are left out
    while the choice is an upload.
    """
    wanted = to_query(choice(), with_data=get("source") != "upload")
    for name in QUERY_KEYS:
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]
