"""Streamlit entry point: it only sets up the frame and routes to the pages in tracker/ui/pages/."""

import streamlit as st

from tracker.ui import data
from tracker.ui.i18n import t
from tracker.ui.state import language_switch, restore_url

st.set_page_config(page_title="Export market tracker", page_icon="📦", layout="wide")
restore_url()
lang = language_switch()
root = data.root()
if data.shows_sample(root, data.store_token(root)):
    st.warning(t("sample_banner", lang), icon="⚠️")
PAGES = "tracker/ui/pages"
pages = [
    st.Page(f"{PAGES}/overview.py", title=t("page_overview", lang), icon="📊", default=True),
    st.Page(f"{PAGES}/group.py", title=t("page_group", lang), icon="🧸", url_path="group"),
    st.Page(f"{PAGES}/market.py", title=t("page_market", lang), icon="🌍", url_path="market"),
    st.Page(f"{PAGES}/competitors.py", title=t("page_competitors", lang), icon="⚔️", url_path="competitors"),
    st.Page(f"{PAGES}/ecommerce.py", title=t("page_ecommerce", lang), icon="🛒", url_path="ecommerce"),
    st.Page(f"{PAGES}/opportunities.py", title=t("page_opportunities", lang), icon="🎯", url_path="opportunities"),
    st.Page(f"{PAGES}/downloads.py", title=t("page_downloads", lang), icon="⬇️", url_path="downloads"),
    st.Page(f"{PAGES}/status.py", title=t("page_status", lang), icon="🗂️", url_path="status"),
]
st.navigation(pages).run()
