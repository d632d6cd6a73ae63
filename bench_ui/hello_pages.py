"""A second reference for the UI benchmark: a bare two-page app (st.navigation), opened at its second page.

The app's pages other than the overview live at sub-paths (``/group``); on those the Streamlit front end first
looks for its server under the sub-path and then retries at the root before the page can start. This app pays
that and the navigation menu and nothing else, so it shows how much of a sub-page's time no page code can save.
Its third page (``/grid``) adds one data grid of three rows: what the grid element alone costs a page.
"""

import streamlit as st


def home() -> None:
    st.write("hello")


def other() -> None:
    st.write("hello")


def grid() -> None:
    st.write("hello")
    st.dataframe({"market": ["DEU", "FRA", "USA"], "share": [0.12, 0.08, 0.31]}, hide_index=True)


st.navigation([st.Page(home, title="Home", default=True), st.Page(other, title="Other", url_path="other"),
               st.Page(grid, title="Grid", url_path="grid")]).run()
