"""Reports and alerts: the periodic reports the scheduler writes, readable here, and the alerts it raised.

A report is shown inside an iframe sandboxed with no permission at all: no script runs in it and it cannot
reach the page around it, whatever the file holds. Only files the tracker wrote are listed
(tracker.reports.files keeps their hashes).
"""

from html import escape

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.reports import ALL_GROUPS
from tracker.texts import rule_name
from tracker.ui import data
from tracker.ui.components import download_menu, paged_dataframe
from tracker.ui.i18n import LANGUAGES, t, t_or, usd_divisor
from tracker.ui.state import current_language

REPORT_HEIGHT_PX = 900
MIME = {"html": "text/html", "md": "text/markdown"}
FORMATS = {"html": "HTML", "md": "Markdown"}
ALERT_COLUMNS = ("first_seen", "severity", "rule", "group", "subject", "market", "period", "message",
                 "usd_at_stake", "value", "threshold", "sample")  # usd_at_stake: when tracker.alerts stores it


def sandboxed(report_html: str, title: str) -> str:
    """A page holding ``report_html`` in an ``<iframe sandbox>`` with no allowances (scripts, same origin,
    forms, popups and navigation of the parent all refused)."""
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><style>html,body{margin:0;height:100%}"
            "iframe{border:0;width:100%;height:100%}</style></head><body>"
            f'<iframe sandbox="" title="{escape(title, quote=True)}" srcdoc="{escape(report_html, quote=True)}">'
            "</iframe></body></html>")


def place(code: str) -> str:
    """A country's name for an ISO3 code, else the value as it is (a source name, or empty)."""
    return country_name(code, lang) if len(code) == 3 and code.isupper() else code


lang = current_language()
root = data.root()
groups = {g.id: g.name(lang) for g in data.config().groups} | {ALL_GROUPS: t("all_groups", lang)}
st.title(t("page_reports", lang))

st.subheader(t("alerts", lang))
alerts_version = data.table_version(root, "alerts")  # the store token does not cover alerts: key on their own
alerts = data.alert_rows(root, alerts_version)
if alerts.is_empty():
    st.info(t("no_alerts", lang), icon=":material/info:")
else:
    shown = alerts.with_columns(message=pl.col(f"message_{lang}")).select(
        [c for c in ALERT_COLUMNS if c in alerts.columns or c == "message"]
    )
    shown = shown.with_columns(
        pl.col("severity").map_elements(lambda v: t_or(f"severity_{v}", lang, v), return_dtype=pl.String),
        pl.col("rule").map_elements(lambda v: rule_name(v, lang), return_dtype=pl.String),
        pl.col("group").map_elements(lambda v: groups.get(v, v), return_dtype=pl.String),
        pl.col("subject", "market").map_elements(place, return_dtype=pl.String),
        *([pl.col("usd_at_stake") / usd_divisor(lang)] if "usd_at_stake" in shown.columns else []),
    )
    # How many alerts each rule raised per group (and the US dollars at stake), before the list itself.
    stake = [pl.col("usd_at_stake").sum().alias("usd_at_stake")] if "usd_at_stake" in shown.columns else []
    summary = shown.group_by("rule", "group").agg(pl.len().alias("alerts"), *stake).sort(
        "usd_at_stake" if stake else "alerts", "rule", "group", descending=[True, False, False], nulls_last=True)
    st.dataframe(summary, hide_index=True, width="stretch", column_config={
        "rule": t("alert_rule", lang), "group": t("alert_group", lang),
        "alerts": st.column_config.NumberColumn(t("alert_count", lang), format="%d"),
        "usd_at_stake": st.column_config.NumberColumn(t("alert_usd_at_stake", lang), format="%.2f"),
    })
    config = {c: t(f"alert_{c}", lang) for c in shown.columns}
    paged_dataframe(shown, lang, "alerts", column_config=config)
    download_menu(root, alerts_version, lang, "alerts")

st.subheader(t("reports", lang))
found = data.reports(root)
if not found:
    st.info(t("no_reports", lang), icon=":material/info:")
else:
    listing = pl.DataFrame({
        t("col_group", lang): [groups.get(r.group, r.group) for r in found],
        t("report_period", lang): [r.period for r in found],
        t("language", lang): [LANGUAGES.get(r.lang, r.lang) for r in found],
        t("report_format", lang): [FORMATS.get(r.format, r.format) for r in found],
        t("report_size_kb", lang): [round(r.size_bytes / 1024, 1) for r in found],
        t("report_written", lang): [r.modified_at for r in found],
    })
    st.dataframe(listing, hide_index=True, width="stretch")
    labels = [f"{groups.get(r.group, r.group)} · {r.period} · {LANGUAGES.get(r.lang, r.lang)} · "
              f"{FORMATS.get(r.format, r.format)}" for r in found]
    choice = st.selectbox(t("report_pick", lang), range(len(found)), format_func=labels.__getitem__,
                          key="report_pick")
    report = found[choice]
    text = data.report_text(report)
    if text is None:
        st.warning(t("report_changed", lang), icon=":material/warning:")
    else:
        st.download_button(t("report_download", lang), text, file_name=report.path.name,
                           mime=MIME[report.format], key="dl_report", icon=":material/download:",
                           on_click="ignore")
        if report.format == "html":
            st.iframe(sandboxed(text, labels[choice]), height=REPORT_HEIGHT_PX, alt=labels[choice])
        else:
            st.markdown(text)
