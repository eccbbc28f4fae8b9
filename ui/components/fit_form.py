"""The settings of a mixture fit, as page settings and as widgets: one form for every family.

A page declares the fields it shows with :func:`settings` (inside its ``state.page(...)``),
draws them with :func:`draw` inside its own ``st.form`` (so nothing refits until the form is
submitted), and turns them into a :class:`ui.cached.mixtures.FitSettings` with
:func:`fit_settings`. Menus and their labels come from ``engine.mixtures.registry``.

Fields: ``k``, ``cov``, ``init``, ``seed``, ``tol``, ``max_iter``, ``reg_covar``, ``uniform``.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from engine.mixtures.registry import (
    COVARIANCE_DESCRIPTIONS,
    COVARIANCE_TYPES,
    FAMILY_LABELS,
    INIT_LABELS,
    REG_COVAR_OPTIONS,
    TOL_OPTIONS,
)
from ui import state
from ui.cached.mixtures import FitSettings

FIELDS: tuple[str, ...] = ("k", "cov", "init", "seed", "tol", "max_iter", "reg_covar", "uniform")
K_RANGE: tuple[int, int] = (1, 10)
MAX_ITER_RANGE: tuple[int, int] = (1, 1000)
_DEFAULTS = FitSettings()


def settings(
    fields: Sequence[str] = FIELDS, *, k_range: tuple[int, int] = K_RANGE, **defaults
) -> tuple[state.Setting, ...]:
    """The page settings of ``fields``, for ``state.page(name, *settings(...), ...)``.

    ``defaults`` override :class:`FitSettings`'s defaults (e.g. ``k=3``).
    """
    d = {**_DEFAULTS._asdict(), **defaults}
    make = {
        "k": lambda: state.int_setting("k", int(d["k"]), *k_range),
        "cov": lambda: state.choice_setting("cov", d["cov"], COVARIANCE_TYPES),
        "init": lambda: state.choice_setting("init", d["init"], tuple(INIT_LABELS)),
        "seed": lambda: state.int_setting("seed", int(d["seed"]), 0, state.SEED_MAX),
        "tol": lambda: state.float_setting("tol", float(d["tol"]), TOL_OPTIONS),
        "max_iter": lambda: state.int_setting("max_iter", int(d["max_iter"]), *MAX_ITER_RANGE),
        "reg_covar": lambda: state.float_setting(
            "reg_covar", float(d["reg_covar"]), REG_COVAR_OPTIONS
        ),
        "uniform": lambda: state.bool_setting("uniform", bool(d["uniform"])),
    }
    unknown = set(fields) - set(make)
    if unknown:
        raise KeyError(f"Not fit settings: {', '.join(sorted(unknown))}; known: {FIELDS}")
    return tuple(make[name]() for name in fields)


def draw(
    ps: state.PageState,
    fields: Sequence[str] = FIELDS,
    *,
    k_range: tuple[int, int] = K_RANGE,
    per_row: int = 4,
) -> None:
    """The widgets of ``fields`` (bound to ``ps``), in rows of ``per_row`` columns.

    Call inside the page's ``st.form``; the values change when the form is submitted.
    """
    widgets = {
        "k": lambda c: c.slider("K (components)", *k_range, key=ps.key("k")),
        "cov": lambda c: c.selectbox(
            "Covariance type",
            COVARIANCE_TYPES,
            key=ps.key("cov"),
            help="; ".join(f"{n}: {t}" for n, t in COVARIANCE_DESCRIPTIONS.items()) + ".",
        ),
        "init": lambda c: c.selectbox(
            "Start from", list(INIT_LABELS), format_func=INIT_LABELS.__getitem__, key=ps.key("init")
        ),
        "seed": lambda c: c.number_input("Seed", 0, state.SEED_MAX, step=1, key=ps.key("seed")),
        "tol": lambda c: c.select_slider(
            "tol (per row)",
            TOL_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key=ps.key("tol"),
            help="Stop when the mean log-likelihood per row rises by less than this.",
        ),
        "max_iter": lambda c: c.number_input(
            "max_iter", *MAX_ITER_RANGE, step=10, key=ps.key("max_iter")
        ),
        "reg_covar": lambda c: c.select_slider(
            "reg_covar",
            REG_COVAR_OPTIONS,
            format_func=lambda v: f"{v:g}",
            key=ps.key("reg_covar"),
            help="Added to every variance so that no component can shrink to a point.",
        ),
        "uniform": lambda c: c.checkbox(
            "Equal weights π = 1/K",
            key=ps.key("uniform"),
            help="The M-step then updates the components only, never the weights.",
        ),
    }
    fields = list(fields)
    for start in range(0, len(fields), per_row):
        columns = st.columns(per_row)
        for column, name in zip(columns, fields[start : start + per_row], strict=False):
            widgets[name](column)


def fit_settings(
    ps: state.PageState, family: str = "gaussian", fields: Sequence[str] = FIELDS, **fixed
) -> FitSettings:
    """The :class:`FitSettings` of the page's current values of ``fields`` (others keep their
    defaults, or the values in ``fixed``)."""
    caster = {"k": int, "seed": int, "max_iter": int, "tol": float, "reg_covar": float}
    values = {name: caster.get(name, lambda v: v)(ps[name]) for name in fields}
    if "uniform" in values:
        values["uniform"] = bool(values["uniform"])
    return FitSettings(family=family, **{**values, **fixed})


def summary(s: FitSettings, fields: Sequence[str] = ("k", "cov", "seed")) -> str:
    """A one-line summary such as ``"K = 2 · full covariance · seed 0"``."""
    parts = {
        "k": f"K = {s.k}",
        "cov": f"{s.cov} covariance",
        "init": INIT_LABELS.get(s.init, s.init),
        "seed": f"seed {s.seed}",
        "tol": f"tol {s.tol:g}",
        "max_iter": f"max_iter {s.max_iter}",
        "reg_covar": f"reg_covar {s.reg_covar:g}",
        "uniform": "equal weights" if s.uniform else "",
    }
    return " · ".join(parts[f] for f in fields if parts.get(f))


def family_select(where, ps: state.PageState, families: Sequence[str]) -> None:
    """The mixture-family menu (in ``where``, a column or ``st``), limited to ``families``:
    the ones that suit the chosen data; fixed when only one does."""
    where.selectbox(
        "Mixture family",
        families,
        format_func=FAMILY_LABELS.__getitem__,
        key=ps.key("family"),
        disabled=len(families) == 1,
    )


def show_warnings(fit) -> None:
    """A fit's warnings (a collapsed component among them), then the fixes to try."""
    for message in fit.warnings:
        st.warning(message, icon=":material/warning:")
    if fit.degenerate and fit.advice:
        st.info("To try: " + "; ".join(fit.advice) + ".", icon=":material/build:")
