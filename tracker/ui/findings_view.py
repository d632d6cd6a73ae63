"""The findings at the top of the Overview and Product group pages, and their download.

A plain HTML list (one sentence and one link per finding): no chart, no grid, so the pages stay fast. The
optional AI paragraph (``tracker.llm``) is asked for only when TRACKER_LLM_BASE_URL and TRACKER_LLM_MODEL are
set, once per findings text (cached), and is shown only when its numbers check out; otherwise a note says why.
"""

from __future__ import annotations

import functools
import logging
from html import escape

import polars as pl
import streamlit as st

from tracker import llm
from tracker.export import export_bytes
from tracker.findings import FindingInputs, exporter_findings, findings_frame, group_findings
from tracker.store import Store
from tracker.ui import data
from tracker.ui.components import FORMAT_LABELS, MIME, STORE_FAILURES, View, damaged_table, paged_dataframe
from tracker.ui.i18n import t

REWRITE_CACHE_SECONDS = 3600
log = logging.getLogger(__name__)


@st.cache_data(ttl=data.CACHE_TTL_SECONDS, max_entries=64, show_spinner=False)
def findings_rows(root: str, token: str, group: str | None, exporter: str, until: str | None) -> pl.DataFrame:
    """The findings for one group (or, with ``group`` None, across all groups) as ``findings_frame`` rows."""
    cfg = data.config()
    inputs = FindingInputs.from_store(Store(root))
    found = (group_findings(inputs, group, exporter, until) if group
             else exporter_findings(inputs, cfg.group_ids, exporter, until))
    return findings_frame(found, cfg)


@st.cache_data(ttl=REWRITE_CACHE_SECONDS, max_entries=64, show_spinner=False)
def _rewrite(text: str, lang: str, base_url: str, model: str) -> llm.Rewrite:
    """The checked AI paragraph for one findings text (endpoint and model only key the cache; the key, if
    any, is read from the environment here and never becomes a cache argument)."""
    settings = llm.settings_from_env()
    if settings is None or (settings.base_url, settings.model) != (base_url, model):
        return llm.Rewrite(None, "error")
    return llm.rewrite_findings(text, lang, settings)


def _until(view: View) -> str | None:
    """The year the findings stop at: the view's last year when it is not the newest one the data holds."""
    years = data.years_available(view.root, view.token)
    return str(view.years.last) if years and view.years.last < max(years) else None


def _readable_findings(view: View, group: str | None) -> pl.DataFrame | None:
    """The findings, or None after a quiet note when a table they read is damaged: the rest of the page (which
    may not read that table at all) still works."""
    try:
        return findings_rows(view.root, view.token, group, view.exporter, _until(view))
    except STORE_FAILURES as error:
        log.error("the findings could not read the store", exc_info=error)
        st.caption(t("findings_unreadable", view.lang, table=damaged_table(view.root, error) or "?"))
        return None


def _list_html(rows: pl.DataFrame, lang: str) -> str:
    items = "".join(
        f'<li>{escape(text)} <a href="{escape(link, quote=True)}" target="_self">{escape(t("findings_open", lang))}'
        "</a></li>"
        for text, link in zip(rows.get_column(f"text_{lang}"), rows.get_column(f"link_{lang}"), strict=True)
    )
    return f'<ol class="tracker-findings" style="margin:0 0 .5rem 1.2rem;padding:0">{items}</ol>'


def _ai_paragraph(rows: pl.DataFrame, lang: str) -> None:
    settings = llm.settings_from_env()
    if settings is None:
        return
    text = "\n".join(rows.get_column(f"text_{lang}"))
    answer = _rewrite(text, lang, settings.base_url, settings.model)
    if answer.text is not None:
        st.html(f'<p class="tracker-findings-ai">{escape(answer.text)}</p>')
        st.caption(t("findings_ai_checked", lang))
    else:
        st.caption(t(f"findings_ai_{answer.reason or 'error'}", lang, detail=answer.detail))


def findings_download(view: View, rows: pl.DataFrame, group: str | None, key: str) -> None:
    """CSV, Excel and Parquet of the findings (both languages in every file)."""
    filters = {"group": group or "all", "exporter": view.exporter}
    menu = st.popover(t("findings_download", view.lang), icon=":material/download:")
    stem = f"findings_{group or 'all'}_{view.exporter}"
    for fmt in data.DOWNLOAD_FORMATS:
        payload = functools.partial(export_bytes, rows, fmt, table="findings", filters=filters)
        menu.download_button(FORMAT_LABELS[fmt], payload, file_name=f"{stem}.{fmt}", mime=MIME[fmt],
                             key=f"dl_findings_{key}_{fmt}", icon=":material/download:", on_click="ignore")


def findings_section(view: View, group: str | None = None) -> None:
    """The three to six most material facts for the exporter (in ``group``, or across all groups)."""
    lang = view.lang
    st.subheader(t("findings_title", lang))
    rows = _readable_findings(view, group)
    if rows is None:
        return
    if rows.is_empty():
        st.caption(t("findings_none", lang))
        return
    _ai_paragraph(rows, lang)
    st.html(_list_html(rows, lang))
    st.caption(t("findings_note", lang))
    findings_download(view, rows, group, "page")


def findings_table_section(view: View) -> None:
    """The Data & downloads entry: the chosen group's findings for the chosen exporter, previewed and offered
    as CSV, Excel and Parquet."""
    lang = view.lang
    st.subheader(t("table_findings", lang))
    st.caption(t("table_findings_help", lang))
    rows = _readable_findings(view, view.group)
    if rows is None:
        return
    if rows.is_empty():
        st.caption(t("findings_none", lang))
        return
    with st.expander(t("rows_shown", lang, shown=rows.height, total=rows.height)):
        paged_dataframe(rows, lang, "dl_findings")
    findings_download(view, rows, view.group, "downloads")
