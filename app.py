"""EM & VAE Explorer: the router. Page config, the session's data choice, navigation, the link.

Pages are listed once, in ``ui/pages_registry.py``; each draws the data picker itself, in the
sidebar. Run with ``streamlit run app.py``.
"""

import streamlit as st

from ui import state
from ui.pages_registry import sections

st.set_page_config(
    page_title="EM & VAE Explorer",
    page_icon="📈",  # an emoji: drawn by the browser, where a material icon is fetched from Google
    layout="wide",
    initial_sidebar_state="expanded",
)
state.init_session()
page = st.navigation(
    {
        section: [
            st.Page(
                spec.path,
                title=spec.title,
                icon=spec.icon,
                url_path=spec.slug,
                default=spec.default,
            )
            for spec in specs
        ]
        for section, specs in sections().items()
    },
    # The menu goes in the top bar, so the sidebar holds the data picker alone and shows it on
    # the first screen of every page, in the same place.
    position="top",
)
try:
    page.run()
finally:  # also when a page stops early (st.stop), so the link always matches the screen
    state.sync_query_params()
