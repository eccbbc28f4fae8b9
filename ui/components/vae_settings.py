"""The VAE lab's settings (all of them in the link) and its training form.

Every setting is a page setting of ``"vae"`` (:func:`ui.state.page`): the form's training
settings, the model shown, and every view (grid, chosen image, seeds, path ends), so a copied
link reproduces the view. The form's values change when it is submitted, and a submit trains.
"""

from __future__ import annotations

import math

import streamlit as st

from ui import state
from ui.cached import vae as cvae

LIKELIHOOD_LABELS = {
    "bernoulli": "Bernoulli (black-and-white pixels)",
    "gaussian": "Gaussian (grey levels, σ = 0.1)",
}
MESH_LABELS = {"inverse_cdf": "inverse CDF (equal prior mass)", "linear": "linear (−3 to 3)"}
EPS_OPTIONS: tuple[float, ...] = tuple(round(0.01 * i, 2) for i in range(1, 21))
SEED_MAX = 2**31 - 1
#: Values of the ``model`` setting: the shipped model, the run the form's settings describe,
#: or an opened model file (``file-<sha256>``).
SHIPPED, RUN, FILE_PREFIX = "shipped", "run", "file-"
MAX_LATENT = 32


def number_setting(name: str, default: float, low: float, high: float) -> state.Setting:
    """A number from ``low`` to ``high`` (a learning rate, a KL weight)."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return value

    return state.Setting(name, float(default), parse, lambda v: f"{v:g}")


def dims_setting(name: str = "dims") -> state.Setting:
    """Two latent dimensions (from 0), as ``"1,3"`` in the link."""

    def parse(text: str) -> list[int]:
        try:
            dims = sorted({int(p) for p in text.split(",") if p.strip()})
        except ValueError:
            dims = []
        if len(dims) != 2 or not all(0 <= d < MAX_LATENT for d in dims):
            raise ValueError(f"must be two different dimensions from 0 to {MAX_LATENT - 1}")
        return dims

    return state.Setting(name, [0, 1], parse, lambda v: ",".join(str(int(d)) for d in v))


def declare() -> state.PageState:
    """The VAE lab's settings, seeded from the link on the session's first run."""
    d = cvae.TrainSettings()
    return state.page(
        "vae",
        state.choice_setting("likelihood", d.likelihood, tuple(LIKELIHOOD_LABELS)),
        state.int_setting("latent_dim", d.latent_dim, 2, MAX_LATENT),
        state.text_setting("hidden", ", ".join(str(h) for h in d.hidden_dims)),
        state.int_setting("seed", d.seed, 0, SEED_MAX),
        state.int_setting("epochs", d.epochs, 1, 2000),
        state.int_setting("batch_size", d.batch_size, 1, 4096),
        number_setting("lr", d.lr, 1e-5, 1.0),
        number_setting("beta", d.beta, 0.0, 20.0),
        state.int_setting("warmup", d.kl_warmup_epochs, 0, 2000),
        state.text_setting("model", SHIPPED),
        state.choice_setting("mesh", "inverse_cdf", tuple(MESH_LABELS)),
        state.int_setting("grid", 15, 3, 25),
        state.float_setting("eps", 0.05, EPS_OPTIONS),
        dims_setting(),
        state.int_setting("row", 0, 0, cvae.MAX_TEST_IMAGES - 1),
        state.int_setting("sample_seed", 0, 0, SEED_MAX),
        state.int_setting("path_a", None, 0, cvae.MAX_TEST_IMAGES - 1),
        state.int_setting("path_b", None, 0, cvae.MAX_TEST_IMAGES - 1),
    )


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"256, 256"`` -> (256, 256). Raises ValueError with a message for people."""
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(
            "Hidden layer widths must be whole numbers separated by commas, like 256, 256; "
            f"got {state.quoted(str(text))}."
        ) from None
    if not 1 <= len(widths) <= 4 or not all(2 <= w <= 1024 for w in widths):
        raise ValueError("Give 1 to 4 hidden layers, each 2 to 1024 units wide, like 256, 256.")
    return widths


def train_settings(ps: state.PageState) -> cvae.TrainSettings:
    """The form's settings. Raises ValueError (bad hidden layer widths)."""
    return cvae.TrainSettings(
        latent_dim=int(ps["latent_dim"]),
        hidden_dims=parse_hidden(ps["hidden"]),
        likelihood=ps["likelihood"],
        epochs=int(ps["epochs"]),
        batch_size=int(ps["batch_size"]),
        lr=float(ps["lr"]),
        beta=float(ps["beta"]),
        kl_warmup_epochs=int(ps["warmup"]),
        seed=int(ps["seed"]),
    )


def train_form(ps: state.PageState, ref) -> tuple[bool, cvae.TrainSettings | None]:
    """The training form. Returns (submitted, settings or None when they are invalid or would
    take longer than a run may here)."""
    st.subheader("2 · Train a VAE", divider="gray")
    with st.form("vae.form", border=False):
        st.radio(
            "Decoder p(x|z)",
            list(LIKELIHOOD_LABELS),
            format_func=LIKELIHOOD_LABELS.__getitem__,
            horizontal=True,
            key=ps.key("likelihood"),
        )
        row = st.columns(3)
        row[0].number_input("Latent dimensions", 2, MAX_LATENT, step=1, key=ps.key("latent_dim"))
        row[1].text_input(
            "Hidden layers",
            key=ps.key("hidden"),
            help="Widths of the encoder's hidden layers, from the pixels in, separated by "
            "commas (1 to 4 layers); the decoder mirrors them.",
        )
        row[2].number_input("Seed", 0, SEED_MAX, step=1, key=ps.key("seed"))
        row = st.columns(3)
        row[0].number_input("Epochs", 1, 2000, step=10, key=ps.key("epochs"))
        row[1].number_input("Batch size", 1, 4096, step=32, key=ps.key("batch_size"))
        row[2].number_input("Learning rate", 1e-5, 1.0, step=5e-4, format="%.4f", key=ps.key("lr"))
        row = st.columns(3)
        row[0].number_input(
            "β (KL weight)",
            0.0,
            20.0,
            step=0.5,
            key=ps.key("beta"),
            help="1 trains on the ELBO; other values give a β-VAE.",
        )
        row[1].number_input(
            "KL warm-up",
            0,
            2000,
            step=5,
            key=ps.key("warmup"),
            help="Epochs over which the KL weight rises from small to β; 0 is off.",
        )
        st.caption(
            f"A run may take about {cvae.MAX_TRAIN_SECONDS // 60} minutes of this machine "
            "(epochs × images × network size); larger ones are refused with what to change."
        )
        submitted = st.form_submit_button("Train", type="primary", key="vae.train")
    try:
        settings = train_settings(ps)
        cvae.check_budget(settings, ref)
        return submitted, settings
    except ValueError as exc:
        if submitted:
            st.error(str(exc), icon=":material/error:")
        return submitted, None
