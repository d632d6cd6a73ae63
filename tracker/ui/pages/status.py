"""Data status: what the store holds, per table and per source."""

import streamlit as st

from tracker.ui import data
from tracker.ui.i18n import t
from tracker.ui.state import current_language

lang = current_language()
root = str(data.store().root)
st.title(t("page_status", lang))
st.caption(f"{t('store_location', lang)}: `{root}`")
tables = data.store_tables(root)
if tables["rows"].sum() == 0:
    st.info(t("no_data", lang))
st.subheader(t("tables", lang))
st.dataframe(tables, hide_index=True, width="stretch")
st.subheader(t("sources", lang))
st.dataframe(data.store_sources(root), hide_index=True, width="stretch")
