"""The one data choice, each page's settings, and the shareable link (query parameters).

Two kinds of state, both small and both in the URL:

- **The data choice** (:class:`DataRef`): a built-in dataset or an uploaded file (by the
  SHA-256 digest of its bytes), the chosen features, and the column that holds known classes.
  It is made in one place, the data picker in the sidebar (:mod:`ui.components.picker`), and
  every page reads it; visiting a page never changes it. Its query parameters are
  ``dataset`` (a built-in name, or ``upload-<digest>``), ``features`` and ``label``.
- **A page's settings** (:class:`PageState`): K, the covariance type, the seed, the step shown…
  declared by each page as :class:`Setting` values. They live in session state under
  ``<page>.<name>`` (the widget keys), are seeded from the link the session was opened with,
  and are written into the URL under their plain names while that page is shown.

The pure half (:class:`DataRef`, :func:`parse_query`, :func:`to_query`,
:func:`resolve_features`, :class:`Setting`) takes mappings and returns validated values, so it
is tested without Streamlit. Values that make no sense in a link are ignored (the default is
kept) and explained in a note the page shows once. Nothing from a link is ever shown as
Markdown without escaping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st

from engine.data import BUILTIN_NAMES

#: Prefix of the data choice's session keys.
PREFIX = "evx."
SEED_MAX = 2**32 - 1
SOURCES: tuple[str, ...] = ("builtin", "upload")
UPLOAD_PREFIX = "upload-"
_DIGEST = re.compile(r"[0-9a-f]{64}")
#: Longest query value read; longer ones are ignored (a link is not a place for data).
MAX_QUERY_CHARS = 4000
#: Most feature names read from a link.
MAX_LINK_FEATURES = 2000


@dataclass(frozen=True)
class DataRef:
    """A hashable reference to the chosen data: what every cache is keyed by.

    Attributes
    ----------
    source : {"builtin", "upload"}
    name : str
        Built-in dataset name (``"wine"``), or the uploaded file's name (for display only).
    digest : str or None
        SHA-256 hex digest of an uploaded file's bytes; None for built-in data.
    features : tuple of str
        Columns chosen for modelling; empty means all of them.
    label : str or None
        An uploaded table's column of known classes (kept out of the features).
    """

    source: str = "builtin"
    name: str = "wine"
    digest: str | None = None
    features: tuple[str, ...] = ()
    label: str | None = None

    @property
    def key(self) -> str:
        """The table's identity: the built-in name or the upload's digest."""
        return self.digest or self.name

    @property
    def dataset_param(self) -> str:
        """The ``dataset`` query value: a built-in name or ``upload-<digest>``."""
        return UPLOAD_PREFIX + self.digest if self.digest else self.name


DEFAULT = DataRef()


# --------------------------------------------------------------------------- pure helpers


def last(value: str | Sequence[str] | None) -> str | None:
    """The last value of a query parameter given as a string or a list of strings."""
    if value is not None and not isinstance(value, str):
        value = value[-1] if len(value) else None
    text = value
    if text is not None and len(text) > MAX_QUERY_CHARS:
        return None
    return text


def split_features(text: str) -> tuple[str, ...]:
    """Split a comma-separated ``features`` parameter into raw pieces (empty pieces dropped).

    Feature names may themselves hold commas (``"pixel 0,3"``); :func:`resolve_features` joins
    the pieces back against the dataset's real names.
    """
    return tuple(piece for piece in text.split(",") if piece.strip())[:MAX_LINK_FEATURES]


#: Characters that could make Markdown out of plain text: links and images need brackets,
#: colour directives brackets too, LaTeX dollars, HTML angle brackets; emphasis and code are
#: escaped so a name reads as itself. ``://`` and ``www.`` get an invisible word joiner
#: (U+2060) so that no bare address becomes a link either (GitHub-flavoured Markdown links
#: them after escapes are resolved, so a backslash would not do).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>$~])")
#: The ones that make active content (links, images, HTML, LaTeX, colour directives).
_MARKDOWN_ACTIVE = re.compile(r"([\\\[\]<>$])")
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def plain(text: str, limit: int | None = 80) -> str:
    """Text from a link or a file, shortened (unless ``limit`` is None) and escaped so that
    Markdown shows it as it is: no link, image, emphasis, LaTeX, colour directive or HTML can
    come out of it."""
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _AUTOLINK.sub(_WORD_JOINER, text)


def safe_prose(text: str) -> str:
    """A message that quotes a file or a link (an engine error, a check report), escaped so
    that no link, image, HTML, LaTeX or colour directive can come out of it; ordinary
    punctuation is left alone so the message reads as written."""
    text = _MARKDOWN_ACTIVE.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK.sub(_WORD_JOINER, text)


def quoted(text: str, limit: int = 60) -> str:
    """:func:`plain` text in single quotes, for a note about a value."""
    return "'" + plain(text, limit) + "'"


def parse_query(params: Mapping[str, str | Sequence[str]]) -> tuple[DataRef, list[str]]:
    """Validate the data part of a link into a :class:`DataRef`.

    An upload's digest is checked for form only; whether the server still holds the file is
    for :mod:`ui.cached.data` to say. Returns the reference and one short note per ignored
    value.
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    dataset = last(params.get("dataset"))
    if dataset is not None:
        name = dataset.strip().lower()
        digest = name.removeprefix(UPLOAD_PREFIX)
        if name in BUILTIN_NAMES:
            values["name"] = name
        elif name.startswith(UPLOAD_PREFIX) and _DIGEST.fullmatch(digest):
            values.update(source="upload", name="uploaded file", digest=digest)
        else:
            notes.append(
                f"The link asks for a dataset called {quoted(dataset)}, which is not built in; "
                f"showing {DEFAULT.name!r} instead."
            )
    features = last(params.get("features"))
    if features is not None:
        values["features"] = split_features(features)
    label = last(params.get("label"))
    if label:
        values["label"] = label.strip()
    return replace(DEFAULT, **values), notes


def to_query(ref: DataRef) -> dict[str, str]:
    """Query parameters that reproduce ``ref``; the inverse of :func:`parse_query`."""
    query = {"dataset": ref.dataset_param}
    if ref.features:
        query["features"] = ",".join(ref.features)
    if ref.label:
        query["label"] = ref.label
    return query


def resolve_features(
    requested: Iterable[str], available: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Match requested feature names to a dataset's names.

    Each requested item may hold several comma-separated names, and a name may itself contain
    commas: consecutive pieces are joined greedily (longest match first, but never longer than
    the longest real name, so the work stays linear in the number of pieces). Matching ignores
    surrounding spaces, then case.

    Returns
    -------
    kept : tuple of str
        Real names from ``available``, in the requested order, without repeats.
    unknown : tuple of str
        Pieces that match no name.
    """
    pieces = [piece for item in requested for piece in item.split(",")][:MAX_LINK_FEATURES]
    exact = {name.strip(): name for name in available}
    folded = {name.strip().casefold(): name for name in available}
    widest = 1 + max((name.count(",") for name in available), default=0)
    kept: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + widest), i, -1):
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


# --------------------------------------------------------------------------- page settings


@dataclass(frozen=True)
class Setting:
    """One setting of a page, as it travels in a link.

    Attributes
    ----------
    name : str
        The query parameter and the widget key's suffix (``"k"`` -> widget key ``"em.k"``).
    default : any
        The value when neither the session nor the link gives one.
    parse : callable str -> value
        Turns the link's text into a value, or raises ValueError with a message for people.
    text : callable value -> str
        The inverse of ``parse``, for the link.
    """

    name: str
    default: Any
    parse: Callable[[str], Any]
    text: Callable[[Any], str] = str


def int_setting(name: str, default: int, low: int, high: int) -> Setting:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            number = int(text.strip())
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return number

    return Setting(name, default, parse)


def float_setting(name: str, default: float, options: Sequence[float]) -> Setting:
    """One of a few numbers (tol, reg_covar…)."""

    def parse(text: str) -> float:
        try:
            number = float(text.strip())
        except ValueError:
            number = None
        for option in options:
            if number is not None and abs(number - option) <= 1e-12 * max(1.0, abs(option)):
                return option
        raise ValueError("must be one of " + ", ".join(f"{o:g}" for o in options))

    return Setting(name, default, parse, lambda v: f"{v:g}")


def choice_setting(name: str, default: str, options: Sequence[str]) -> Setting:
    """One of a fixed list of words."""

    def parse(text: str) -> str:
        word = text.strip()
        if word not in options:
            raise ValueError("must be one of " + ", ".join(options))
        return word

    return Setting(name, default, parse)


def bool_setting(name: str, default: bool) -> Setting:
    """On or off (``1``/``0``, ``true``/``false``)."""

    def parse(text: str) -> bool:
        word = text.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off"):
            return False
        raise ValueError("must be 1 or 0")

    return Setting(name, default, parse, lambda v: "1" if v else "0")


def text_setting(name: str, default: str | None = None) -> Setting:
    """Free text checked by the page against its options (a feature name, say)."""
    return Setting(name, default, lambda text: text.strip())


def parse_settings(
    settings: Sequence[Setting], params: Mapping[str, str | Sequence[str]]
) -> tuple[dict[str, Any], list[str]]:
    """The settings a link gives (only those present and valid) and a note per bad value."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    for setting in settings:
        raw = last(params.get(setting.name))
        if raw is None:
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as err:
            notes.append(
                f"The link's {setting.name} ({quoted(raw)}) {err}; using {setting.text(setting.default)}."
            )
    return values, notes


@dataclass
class PageState:
    """A page's settings in session state, bound to its widgets and to the link.

    Make one with :func:`page`; give each widget ``key=ps.key(name)`` and no value: the widget
    starts from the session's value. Read the current values with ``ps[name]``.
    """

    page: str
    settings: tuple[Setting, ...]
    _by_name: dict[str, Setting] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {s.name: s for s in self.settings}

    def key(self, name: str) -> str:
        """The widget key of a setting, e.g. ``"em.k"``."""
        if name not in self._by_name:
            raise KeyError(f"{name!r} is not a setting of {self.page}")
        return f"{self.page}.{name}"

    def __getitem__(self, name: str) -> Any:
        key = self.key(name)
        return st.session_state.get(key, _store().get(key, self._by_name[name].default))

    def values(self) -> dict[str, Any]:
        return {s.name: self[s.name] for s in self.settings}

    def set(self, **values: Any) -> None:
        """Set settings from code (a button that applies a suggestion, say); before widgets
        are drawn or in a callback."""
        for name, value in values.items():
            key = self.key(name)
            st.session_state[key] = value
            _store()[key] = value

    def ensure(self, name: str, options: Sequence[Any], default: Any = None) -> Any:
        """Keep a setting inside ``options`` (which depend on the data): reset it to
        ``default`` (or the first option) when it is not one of them. Call before the widget."""
        key = self.key(name)
        value = self[name]
        if value not in options:
            value = default if default in options else (options[0] if options else None)
            st.session_state[key] = value
            _store()[key] = value
        return value

    def query(self) -> dict[str, str]:
        """The link's parameters for the settings that differ from their defaults."""
        out = {}
        for s in self.settings:
            value = self[s.name]
            if value is not None and value != s.default:
                out[s.name] = s.text(value)
        return out


def _store() -> dict[str, Any]:
    """Settings kept while their page is not shown (Streamlit forgets unrendered widgets)."""
    return st.session_state.setdefault(PREFIX + "settings", {})


def page(name: str, *settings: Setting) -> PageState:
    """Declare the current page's settings; returns its :class:`PageState`.

    On the session's first run the link seeds them (bad values are noted); after that a
    setting keeps the value the user gave it, across page switches. The URL then carries the
    settings of the page shown, written by :func:`sync_query_params` at the end of the run.
    """
    ps = PageState(name, tuple(settings))
    ss = st.session_state
    seeded = ss.setdefault(PREFIX + "seeded", set())
    store = _store()
    if name not in seeded:
        seeded.add(name)
        if not ss.get(PREFIX + "first_run_done"):  # the page the link opened
            values, notes = parse_settings(ps.settings, ss.get(PREFIX + "initial_query", {}))
            for note in notes:
                add_note(note)
            for setting_name, value in values.items():
                store.setdefault(ps.key(setting_name), value)
    for s in ps.settings:
        key = ps.key(s.name)
        if key not in ss:
            ss[key] = store.get(key, s.default)
    ss[PREFIX + "current_page"] = ps
    return ps


def remember_settings() -> None:
    """Copy the shown page's widget values to the store (called at the end of every run)."""
    ps = st.session_state.get(PREFIX + "current_page")
    if ps is None:
        return
    store = _store()
    for s in ps.settings:
        key = ps.key(s.name)
        if key in st.session_state:
            store[key] = st.session_state[key]


# --------------------------------------------------------------------------- the data choice

_DATA_FIELDS: Mapping[str, Any] = {
    "source": DEFAULT.source,
    "dataset": DEFAULT.name,
    "upload_digest": None,
    "upload_name": None,
    "features": (),
    "label": None,
}


def key(name: str) -> str:
    """The session key of a field of the data choice, e.g. ``key("dataset") == "evx.dataset"``."""
    if name not in _DATA_FIELDS:
        raise KeyError(f"{name!r} is not part of the data choice; known: {', '.join(_DATA_FIELDS)}")
    return PREFIX + name


def init_session() -> None:
    """Fill the data choice once per session, from the link's query parameters.

    Called by ``app.py`` at the start of every run; it reads the link on the first only. The
    link's page settings are read by :func:`page`, for the page the link opened only.
    """
    ss = st.session_state
    ss[PREFIX + "current_page"] = None  # until the page that runs declares its settings
    if PREFIX + "ready" in ss:
        return
    params = st.query_params.to_dict()
    ref, notes = parse_query(params)
    ss[PREFIX + "initial_query"] = dict(params)
    ss[key("source")] = ref.source
    ss[key("dataset")] = ref.name if ref.source == "builtin" else DEFAULT.name
    ss[key("upload_digest")] = ref.digest
    ss[key("upload_name")] = None
    ss[key("features")] = ref.features
    ss[key("label")] = ref.label
    ss[PREFIX + "notes"] = tuple(notes)
    ss[PREFIX + "ready"] = True


def get(name: str) -> Any:
    """The current value of a field of the data choice."""
    return st.session_state.get(key(name), _DATA_FIELDS[name])


def update(**changes: Any) -> None:
    """Set fields of the data choice; only the data picker calls this."""
    for name, value in changes.items():
        st.session_state[key(name)] = tuple(value) if name == "features" else value


def data_ref() -> DataRef:
    """The data choice as a hashable reference (the upload's name is for display only)."""
    if get("source") == "upload" and get("upload_digest"):
        return DataRef(
            "upload",
            get("upload_name") or "uploaded file",
            get("upload_digest"),
            tuple(get("features")),
            get("label"),
        )
    return DataRef("builtin", get("dataset"), None, tuple(get("features")))


def add_note(note: str) -> None:
    """Queue a short note for the page to show once (see :func:`take_notes`)."""
    st.session_state[PREFIX + "notes"] = (*st.session_state.get(PREFIX + "notes", ()), note)


def take_notes() -> tuple[str, ...]:
    """Return and clear the queued notes (e.g. ignored link values)."""
    return st.session_state.pop(PREFIX + "notes", ())


def sync_query_params() -> None:
    """Write the data choice and the shown page's settings into the URL, and nothing else:
    parameters of another page (or unknown ones) leave it, so a copied link always opens
    what is on the screen. Only changes are written."""
    remember_settings()
    ps = st.session_state.get(PREFIX + "current_page")
    wanted = to_query(data_ref())
    if ps is not None:
        wanted.update(ps.query())
    for name in [n for n in st.query_params if n not in wanted]:
        del st.query_params[name]
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    st.session_state[PREFIX + "current_page"] = None
    st.session_state[PREFIX + "first_run_done"] = True
