"""Reports and alerts: the periodic reports the scheduler writes, readable here, and the alerts it raised."""

import polars as pl
import streamlit as st
import streamlit.components.v1 as components

from tracker.ui import data
from tracker.ui.components import download_menu, paged_dataframe
from tracker.ui.i18n import t
from tracker.ui.state import current_language

REPORT_HEIGHT_PX = 900
MIME = {"html": "text/html", "md": "text/markdown"}

lang = current_language()
root = data.root()
st.title(t("page_reports", lang))

st.subheader(t("alerts", lang))
alerts_version = data.table_version(root, "alerts")  # the store token does not cover alerts: key on their own
alerts = data.alert_rows(root, alerts_version)
if alerts.is_empty():
    st.info(t("no_alerts", lang), icon=":material/info:")
else:
    shown = alerts.select(
        "first_seen", "severity", "rule", "group", "subject", "market", "period",
        pl.col(f"message_{lang}").alias("message"), "value", "threshold", "sample",
    )
    paged_dataframe(shown, lang, "alerts")
    download_menu(root, alerts_version, lang, "alerts")

st.subheader(t("reports", lang))
found = data.reports(root)
if not found:
    st.info(t("no_reports", lang), icon=":material/info:")
else:
    listing = pl.DataFrame({
        "group": [r.group for r in found], "period": [r.period for r in found], "lang": [r.lang for r in found],
        "format": [r.format for r in found], "size_kb": [round(r.size_bytes / 1024, 1) for r in found],
        "written": [r.modified_at for r in found],
    })
    st.dataframe(listing, hide_index=True, width="stretch")
    labels = [f"{r.group} · {r.period} · {r.lang} · {r.format}" for r in found]
    choice = st.selectbox(t("report_pick", lang), range(len(found)), format_func=labels.__getitem__,
                          key="report_pick")
    report = found[choice]
    text = report.path.read_text(encoding="utf-8")
    st.download_button(t("report_download", lang), text, file_name=report.path.name, mime=MIME[report.format],
                       key="dl_report", icon=":material/download:", on_click="ignore")
    if report.format == "html":
        components.html(text, height=REPORT_HEIGHT_PX, scrolling=True)
    else:
        st.markdown(text)
