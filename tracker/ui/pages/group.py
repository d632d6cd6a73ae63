"""Product group: where one exporter wins and loses, market by market, with trends, competitors and HS codes."""

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.ui import charts, data
from tracker.ui.components import (
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    number_columns,
    paged_dataframe,
    sidebar_view,
)
from tracker.ui.hs import describe
from tracker.ui.i18n import fmt_number, fmt_pct, fmt_usd, t
from tracker.ui.state import current_language

lang = current_language()
view = sidebar_view(lang, markets=True)
group = data.config().group(view.group)
year = view.years.last
st.title(group.name(lang))
if group.proxy:
    st.warning(t("proxy_note", lang), icon=":material/extension:")
if group.notes:
    st.caption(group.notes)

if metrics_ready(view, "group_market", "group_exporter"):
    markets = data.group_market_rows(view.root, view.token, view.group, view.exporter, view.years.as_tuple,
                                     view.basis)
    own = data.table_rows(view.root, view.token, "group_exporter", group=view.group, exporter=view.exporter,
                          years=view.years.as_tuple, basis=view.basis)
    latest = markets.filter(pl.col("year") == year) if not markets.is_empty() else markets
    if view.markets and not latest.is_empty():
        latest = latest.filter(pl.col("market").is_in(list(view.markets)))

    # --- headline numbers
    own_latest = own.filter(pl.col("year") == year) if not own.is_empty() else own
    kpis = st.columns(4)
    if own_latest.height:
        row = own_latest.row(0, named=True)
        kpis[0].metric(t("kpi_exports", lang, year=year), fmt_usd(row["export_value_usd"], lang),
                       fmt_pct(row["growth_yoy"]) if row["growth_yoy"] is not None else None)
        kpis[1].metric(t("kpi_world_share", lang), fmt_pct(row["world_share"], 2))
        kpis[2].metric(t("col_rca", lang), fmt_number(row["rca"]))
        kpis[3].metric(t("col_hhi", lang), fmt_number(row["hhi_markets"], 3))

    if latest.is_empty():
        empty_state(lang, f"{view.exporter_name} · {group.name(lang)}", str(year))
    else:
        # --- map and winners / losers
        left, right = st.columns([3, 1])
        with left:
            fig = charts.tile_map(latest, "market_share", lang,
                                  t("map_title", lang, exporter=view.exporter_name, year=year),
                                  t("col_market_share", lang))
            st.plotly_chart(fig, key="group_map", config={"displaylogo": False})
            st.caption(t("map_help", lang))
        with right:
            ranked = latest.filter(pl.col("market_share_change_pp").is_not_null()).sort("market_share_change_pp")
            for title, part in ((t("winning", lang), ranked.reverse().head(5)), (t("losing", lang), ranked.head(5))):
                st.markdown(f"**{title}**")
                for r in part.iter_rows(named=True):
                    st.markdown(f"{country_name(r['market'], lang)}: {r['market_share_change_pp']:+.2f} "
                                f"{t('pp_unit', lang)}")

        # --- markets table
        st.subheader(t("markets_table", lang))
        regions = data.regions()
        shown = for_display(latest, lang, usd=["export_value_usd", "market_imports_usd"],
                            pct=["market_share", "market_growth"], countries=["market"])
        shown = shown.with_columns(region=pl.col("market").replace_strict(regions, default=None))
        shown = shown.sort("export_value_usd", descending=True, nulls_last=True)
        columns = ["market_name", "market", "region", "export_value_usd", "market_share", "market_share_change_pp",
                   "market_imports_usd", "market_growth", "unit_value_usd_per_kg",
                   "competitors_median_uv_usd_per_kg", "relative_unit_value", "provenance"]
        config = {
            "market_name": st.column_config.TextColumn(t("col_market", lang), pinned=True),
            "market": st.column_config.TextColumn("ISO3"),
            "region": st.column_config.TextColumn(t("col_region", lang)),
            "provenance": st.column_config.TextColumn(t("col_provenance", lang), help=t("provenance_note", lang)),
            **number_columns(lang, {
                "export_value_usd": ("col_export_value", "%.2f"),
                "market_share": ("col_market_share", "%.2f"),
                "market_share_change_pp": ("col_share_change", "%+.2f"),
                "market_imports_usd": ("col_market_imports", "%.2f"),
                "market_growth": ("col_market_growth", "%+.1f"),
                "unit_value_usd_per_kg": ("col_unit_value", "%.2f"),
                "competitors_median_uv_usd_per_kg": ("col_competitors_uv", "%.2f"),
                "relative_unit_value": ("col_relative_uv", "%.2f"),
            }),
        }
        paged_dataframe(shown.select([c for c in columns if c in shown.columns]), lang, "group_markets",
                        column_config=config)
        download_buttons(view, "group_market", group=view.group, exporter=view.exporter,
                         years=view.years.as_tuple, key="group_market")

    # --- trends
    st.subheader(t("trend_title", lang))
    if own.is_empty():
        empty_state(lang, view.exporter_name, view.years)
    else:
        left, right = st.columns(2)
        left.plotly_chart(
            charts.lines(own, "year", "export_value_usd", "exporter", lang,
                         t("trend_exports", lang, exporter=view.exporter_name), t("usd_unit", lang)),
            key="group_trend_exports", config={"displaylogo": False},
        )
        right.plotly_chart(
            charts.lines(own, "year", "world_share", "exporter", lang, t("trend_share", lang), "%", kind="pct"),
            key="group_trend_share", config={"displaylogo": False},
        )

    # --- top exporters of the group
    st.subheader(t("top_competitors", lang))
    rivals = data.table_rows(view.root, view.token, "group_exporter", group=view.group, years=(year,),
                             basis=view.basis)
    if rivals.is_empty():
        empty_state(lang, group.name(lang), str(year))
    else:
        shown = for_display(rivals.sort("export_value_usd", descending=True).head(15), lang,
                            usd=["export_value_usd"], pct=["world_share", "growth_yoy", "cagr_5y"],
                            countries=["exporter"])
        config = {
            "exporter_name": st.column_config.TextColumn(t("col_exporter", lang), pinned=True),
            **number_columns(lang, {
                "export_value_usd": ("col_export_value", "%.2f"),
                "world_share": ("col_world_share", "%.2f"),
                "growth_yoy": ("col_growth", "%+.1f"),
                "cagr_5y": ("col_cagr", "%+.1f"),
                "rca": ("col_rca", "%.2f"),
                "tc_index": ("col_tc", "%.2f"),
            }),
        }
        columns = ["exporter_name", "export_value_usd", "world_share", "growth_yoy", "cagr_5y", "rca", "tc_index"]
        st.dataframe(shown.select(columns), hide_index=True, width="stretch", column_config=config)
        st.caption(t("top_competitors_uv", lang))
        download_buttons(view, "group_exporter", group=view.group, years=(year,), key="group_exporters")

# --- HS codes of the group (the metrics are per group, not per code)
st.subheader(t("hs_breakdown", lang))
st.dataframe(
    pl.DataFrame({"hs_code": list(group.hs_codes), "description": [describe(c, lang) for c in group.hs_codes]}),
    hide_index=True, width="stretch",
    column_config={"hs_code": t("col_hs_code", lang), "description": t("col_description", lang)},
)
st.caption(t("hs_breakdown_note", lang))
caveats(lang)
