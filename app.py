"""Streamlit entry point: it only sets up the frame and routes to the pages in tracker/ui/pages/."""

import streamlit as st

from tracker.ui import data
from tracker.ui.components import STORE_FAILURES, store_failure
from tracker.ui.i18n import t
from tracker.ui.state import language_switch, restore_url

st.set_page_config(page_title="Export market tracker", page_icon="📦", layout="wide")
restore_url()
lang = language_switch()
root = data.root()
try:
    sample = data.shows_sample(root, data.store_token(root))
except STORE_FAILURES:  # a damaged table: the page that reads it says so below
    sample = False
if sample:  # the one command that brings real data, and its cost from the plan of the config in use
    plan, _ = data.fetch_plan(root, data.table_version(root, "fetch_log"))
    st.warning(t("sample_banner", lang, requests=f"{plan.total_requests:,}", minutes=f"{plan.total_minutes:.0f}"),
               icon=":material/warning:")
PAGES = (  # (script in tracker/ui/pages, label key, icon, url path)
    ("overview", "page_overview", "dashboard", None),
    ("group", "page_group", "category", "group"),
    ("market", "page_market", "public", "market"),
    ("competitors", "page_competitors", "compare_arrows", "competitors"),
    ("ecommerce", "page_ecommerce", "shopping_cart", "ecommerce"),
    ("opportunities", "page_opportunities", "target", "opportunities"),
    ("demand", "page_demand", "trending_up", "demand"),
    ("downloads", "page_downloads", "download", "downloads"),
    ("reports", "page_reports", "description", "reports"),
    ("status", "page_status", "database", "status"),
)
pages = [
    st.Page(f"tracker/ui/pages/{script}.py", title=t(label, lang), icon=f":material/{icon}:", url_path=path,
            default=path is None)
    for script, label, icon, path in PAGES
]
try:
    st.navigation(pages).run()
except STORE_FAILURES as error:  # a damaged store: a clear box on this page (what to run), no traceback
    store_failure(lang, error)
