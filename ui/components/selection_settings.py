"""Small pieces shared by the Choose K and Classify pages: a list setting, the link that
opens Classify with a suggested K, and the text on the two ways of writing BIC."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote, urlencode

import streamlit as st

from engine.mixtures.registry import COVARIANCE_TYPES
from ui import state
from ui.components import fit_form

#: The Classify page's path, as served (``ui/pages_registry.py``'s slug).
CLASSIFY_URL = "classify"
#: With more features than this, full and tied covariances (D(D+1)/2 entries each) start
#: unticked: they are slow to fit and rarely supported by the rows available.
WIDE = 20
CV_CHOICES = (0, 3, 5, 10)


def list_setting(name: str, default: Sequence[str], options: Sequence[str]) -> state.Setting:
    """Several of a fixed list of words (a multiselect), ``a,b,c`` in the link."""

    def parse(text: str) -> list[str]:
        words = list(dict.fromkeys(w.strip() for w in text.split(",") if w.strip()))
        bad = [w for w in words if w not in options]
        if bad or not words:
            raise ValueError("must be some of " + ", ".join(options))
        return words

    return state.Setting(name, list(default), parse, lambda v: ",".join(v))


def classify_link(ref: state.DataRef, **settings) -> str:
    """A link that opens Classify on the data ``ref`` with ``settings`` (its page settings,
    e.g. ``k=3, cov="diag"``), in a new session; relative to the app's address."""
    query = state.to_query(ref) | {k: str(v) for k, v in settings.items() if v is not None}
    return f"{CLASSIFY_URL}?{urlencode(query, quote_via=quote)}"


def bic_explained(family: str, n_features: int) -> None:
    """The two sign conventions of BIC, and what p counts."""
    sk, mc = st.columns(2, gap="large")
    sk.markdown("**scikit-learn**, lower is better:")
    sk.latex(r"\mathrm{BIC} = -2\log L + p\log n")
    mc.markdown("**mclust**, higher is better:")
    mc.latex(r"\mathrm{BIC} = 2\log L - p\log n")
    st.markdown(
        "Here **log L** is the log-likelihood of all n rows (in nats) and **p** the number of "
        "free parameters. The two are the same number with the sign flipped, so both pick the "
        "same K. AIC charges 2 per parameter instead of log n; ICL adds twice the entropy of "
        "the soft labels, so it also favours clearly separated groups. The sign switch above "
        "flips all three."
    )
    if family == "gaussian":
        d = n_features
        st.markdown(
            f"A Gaussian mixture on D = {d} feature{'s' if d > 1 else ''} with full covariances "
            f"has p = (K − 1) weights + K·D means + K·D(D+1)/2 covariance entries; for K = 2 "
            f"that is 1 + {2 * d} + {d * (d + 1)} = {1 + 2 * d + d * (d + 1)}."
        )


def settings_form(ps: state.PageState, families: Sequence[str], cov_name: str, wide: bool) -> None:
    """Choose K's settings: family, K range, restarts and folds, covariance types (applied
    together by the form's button), and the seed."""
    form_col, seed_col = st.columns([7, 1], vertical_alignment="top")
    with form_col, st.form("choose_k.settings", border=True):
        row = st.columns(4)
        fit_form.family_select(row[0], ps, families)
        row[1].slider("K from 1 to", 2, 15, key=ps.key("kmax"))
        row[2].slider(
            "Restarts per fit",
            1,
            10,
            key=ps.key("n_init"),
            help="EM can stop at a poor local optimum; the best of several starts is kept.",
        )
        row[3].selectbox(
            "Held-out folds",
            CV_CHOICES,
            key=ps.key("cv"),
            format_func=lambda v: "off" if v == 0 else f"{v} folds",
            help="Cross-validation: fit on all folds but one, score the rows left out.",
        )
        row = st.columns([3, 1], vertical_alignment="bottom")
        row[0].multiselect(
            "Covariance types (Gaussian)",
            COVARIANCE_TYPES,
            key=ps.key(cov_name),
            help="full: any ellipse per component; tied: one ellipse shape shared by all; "
            "diag: axis-aligned ellipses; spherical: circles."
            + (
                f" With more than {WIDE} features, full and tied start unticked: they are slow "
                "and need many rows."
                if wide
                else ""
            ),
        )
        row[1].form_submit_button("Compute", icon=":material/calculate:", type="primary")
    seed_col.number_input("Seed", 0, state.SEED_MAX, step=1, key=ps.key("seed"))
