"""Home: what the app is for, links to every page, and a look at the chosen data."""

import streamlit as st

from ui.components import picker
from ui.pages_registry import sections


def main() -> None:
    data = picker.data_picker()
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
    groups = {n: specs for n, specs in sections().items() if not any(p.default for p in specs)}
    for column, (name, specs) in zip(st.columns(len(groups)), groups.items(), strict=True):
        column.markdown(f"**{name}**")
        for spec in specs:
            column.page_link(spec.path, label=spec.title, icon=spec.icon)
    st.header(
        "The data every page uses",
        divider="gray",
        help="Choose it in the sidebar, on any page; the link in the address bar reproduces it.",
    )
    if data is not None:
        picker.show_report(data)
        picker.show_preview(data)


main()
