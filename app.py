"""Streamlit entry point: it only sets up the frame and routes to the pages in tracker/ui/pages/."""

import streamlit as st

from tracker.ui import data
from tracker.ui.i18n import t
from tracker.ui.state import language_switch

st.set_page_config(page_title="Export market tracker", page_icon="📦", layout="wide")
lang = language_switch()
if data.shows_sample(str(data.store().root)):
    st.warning(t("sample_banner", lang), icon="⚠️")
pages = [
    st.Page("tracker/ui/pages/overview.py", title=t("page_overview", lang), icon="📊", default=True),
    st.Page("tracker/ui/pages/status.py", title=t("page_status", lang), icon="🗂️", url_path="status"),
]
st.navigation(pages).run()
