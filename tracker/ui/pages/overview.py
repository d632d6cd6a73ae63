"""Overview: every product group as a row for the chosen exporter; click a row to open the group."""

import polars as pl
import streamlit as st

from tracker.ui import data
from tracker.ui.components import (
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    number_columns,
    sidebar_view,
)
from tracker.ui.i18n import t
from tracker.ui.state import current_language

lang = current_language()
view = sidebar_view(lang, group=False, basis=False)
st.title(t("page_overview", lang))
if metrics_ready(view, "group_exporter"):
    year = view.years.last
    st.caption(t("overview_intro", lang, exporter=view.exporter_name, year=year))
    rows = data.overview_rows(view.root, view.token, view.exporter, view.years.as_tuple)
    if rows.is_empty():
        empty_state(lang, view.exporter_name, view.years)
    else:
        cfg = data.config()
        order = {g.id: i for i, g in enumerate(cfg.groups)}
        names = {g.id: g.name(lang) for g in cfg.groups}
        query = f"lang={lang}&exporter={view.exporter}&years={view.years.first}-{view.years.last}"
        shown = for_display(rows, lang, usd=["export_value_usd"], pct=["growth_yoy", "world_share", "cagr_5y"])
        shown = shown.with_columns(
            name=pl.col("group").replace_strict(names, default=pl.col("group")),
            link=pl.format("./group?group={}&" + query, pl.col("group")),
            _order=pl.col("group").replace_strict(order, default=999),
        ).sort("_order")
        columns = ["name", "export_value_usd", "growth_yoy", "world_share", "rca", "world_share_change_pp",
                   "cagr_5y", "trend", "link"]
        columns = [c for c in columns if c in shown.columns]
        config = {
            "name": st.column_config.TextColumn(t("col_group", lang), pinned=True),
            **number_columns(lang, {
                "export_value_usd": ("col_export_value", "%.1f"),
                "growth_yoy": ("col_growth", "%+.1f"),
                "world_share": ("col_world_share", "%.2f"),
                "rca": ("col_rca", "%.2f"),
                "world_share_change_pp": ("world_share_change", "%+.2f"),
                "cagr_5y": ("col_cagr", "%+.1f"),
            }),
            "trend": st.column_config.LineChartColumn(t("col_trend", lang), help=view.years.label),
            "link": st.column_config.LinkColumn(t("col_link", lang), display_text=t("open_group", lang)),
        }
        st.subheader(t("overview_groups", lang))
        event = st.dataframe(
            shown.select(columns), hide_index=True, width="stretch", column_config=config, key="overview_table",
            on_select="rerun", selection_mode="single-row", height=min(35 * (shown.height + 1) + 3, 900),
        )
        selected = event.selection.rows if event is not None and hasattr(event, "selection") else []
        if selected:
            group_id = shown["group"][selected[0]]
            st.switch_page("tracker/ui/pages/group.py", query_params={
                "group": group_id, "lang": lang, "exporter": view.exporter,
                "years": f"{view.years.first}-{view.years.last}",
            })
        download_buttons(view, "group_exporter", exporter=view.exporter, years=view.years.as_tuple, key="overview")
    caveats(lang)
