"""Overview: every product group as a row for the chosen exporter; a group's name opens its page."""

import polars as pl
import streamlit as st

from tracker.ui import data
from tracker.ui.components import (
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    sidebar_view,
    sorted_table,
)
from tracker.ui.findings_view import findings_section
from tracker.ui.i18n import t, usd_divisor
from tracker.ui.state import current_language
from tracker.ui.tables import Column

lang = current_language()
view = sidebar_view(lang, group=False, basis=False)
st.title(t("page_overview", lang))
if metrics_ready(view, "group_exporter"):
    year = view.years.last
    st.caption(t("overview_intro", lang, exporter=view.exporter_name, year=year))
    findings_section(view)
    rows = data.overview_rows(view.root, view.token, view.exporter, view.years.as_tuple)
    if rows.is_empty():
        empty_state(lang, view.exporter_name, view.years)
    else:
        cfg = data.config()
        names = {g.id: g.name(lang) for g in cfg.groups}
        query = f"lang={lang}&exporter={view.exporter}&years={view.years.first}-{view.years.last}"
        shown = for_display(rows, lang, usd=["export_value_usd"], pct=["growth_yoy", "world_share", "cagr_5y"])
        shown = shown.with_columns(
            name=pl.col("group").replace_strict(names, default=pl.col("group")),
            trend=pl.col("trend").list.eval(pl.element() / usd_divisor(lang)),
            link=pl.format("./group?group={}&" + query, pl.col("group")),
        )
        columns = [
            Column("name", t("col_group", lang), "link", href="link", help=t("open_group", lang)),
            Column("export_value_usd", t("col_export_value", lang), decimals=1),
            Column("growth_yoy", t("col_growth", lang), "signed", decimals=1),
            Column("world_share", t("col_world_share", lang)),
            Column("rca", t("col_rca", lang)),
            Column("world_share_change_pp", t("world_share_change", lang), "signed"),
            Column("cagr_5y", t("col_cagr", lang), "signed", decimals=1),
            Column("trend", t("col_trend", lang), "sparkline", help=view.years.label),
        ]
        st.subheader(t("overview_groups", lang))
        sorted_table(lang, shown, columns, ("export_value_usd", True), key="overview", row_key="group",
                     spark_labels=view.years.as_tuple)
        download_buttons(view, "group_exporter", exporter=view.exporter, years=view.years.as_tuple, key="overview")
    caveats(lang)
