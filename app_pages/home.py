"""Home: what the app is for, and the data every page works on."""

import streamlit as st

from ui import data_source
from ui.pages_registry import sections

st.title("EM & VAE Explorer")
st.markdown("#### Watch two latent-variable models learn, one step at a time, on real data.")

em, vae = st.columns(2, border=True)
em.markdown(
    "**Mixture models, fitted with EM**  \n"
    "Every point gets a soft share in each cluster (E-step); "
    "every cluster is then refitted from those shares (M-step). "
    "Gaussian, Poisson and Bernoulli mixtures."
)
vae.markdown(
    "**Variational autoencoder (VAE)**  \n"
    "A network squeezes each example into a small code and rebuilds it from that code. "
    "Training pushes up the ELBO, a lower bound on how likely the data are."
)
groups = {name: specs for name, specs in sections().items() if not any(p.default for p in specs)}
if groups:
    for column, (name, specs) in zip(st.columns(len(groups)), groups.items(), strict=True):
        column.markdown(f"**{name}**")
        for spec in specs:
            column.page_link(spec.path, label=spec.title, icon=spec.icon)

choose, look = st.columns([2, 3], gap="large")
with choose:
    st.header(
        "1 · Choose the data",
        divider="gray",
        help="Every page uses this choice, and the link in the address bar reproduces it.",
    )
    data = data_source.choose_data("home")
    if data is not None:
        data_source.show_report(data)
with look:
    st.header("2 · Look at it", divider="gray")
    if data is not None:
        data_source.show_preview(data)
