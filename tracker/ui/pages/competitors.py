"""Competitors: the chosen exporter against selected competitors — similarity, shares, unit values, CMS."""

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.metrics.cms import EFFECTS
from tracker.ui import charts, data, tariff_view
from tracker.ui.components import (
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    sidebar_view,
    svg_chart,
)
from tracker.ui.i18n import t, usd_divisor
from tracker.ui.state import current_language
from tracker.ui.tables import Column, html_table

TOP_MARKETS = 12

lang = current_language()
view = sidebar_view(lang, market=True, competitors=True)
year = view.years.last
players = [view.exporter, *view.competitors]
st.title(t("page_competitors", lang))
st.caption(t("competitors_intro", lang, exporter=view.exporter_name, group=view.group_name))

if metrics_ready(view, "group_market"):
    rows = data.table_rows(view.root, view.token, "group_market", group=view.group, years=(year,),
                           basis=view.basis)
    rows = rows.filter(pl.col("exporter").is_in(players)) if rows.height else rows
    if rows.is_empty():
        empty_state(lang, view.group_name, str(year))
    else:
        # Shares side by side in the exporter's largest markets.
        own = rows.filter(pl.col("exporter") == view.exporter).sort("export_value_usd", descending=True)
        markets = own.head(TOP_MARKETS)["market"].to_list() or rows["market"].unique().sort().head(TOP_MARKETS)
        side = rows.filter(pl.col("market").is_in(markets)).with_columns(
            pl.col("market").cast(pl.Enum(markets)), pl.col("exporter").cast(pl.Enum(players))
        ).sort("exporter", "market").with_columns(pl.col("market", "exporter").cast(pl.String))
        svg_chart(charts.svg_grouped_bars(side, "market", "exporter", "market_share", lang,
                                          t("competition_shares", lang, year=year), "%", scale=100))
        # Unit-value positioning in one market.
        market = view.market or markets[0]
        positioned = rows.filter(pl.col("market") == market).drop_nulls("unit_value_usd_per_kg")
        st.subheader(f"{t('competition_uv', lang)} · {country_name(market, lang)}")
        if positioned.is_empty():
            empty_state(lang, country_name(market, lang), str(year))
        else:
            svg_chart(charts.svg_scatter(
                positioned.with_columns((pl.col("market_share") * 100).alias("share_pct")), "share_pct",
                "unit_value_usd_per_kg", "exporter", lang, "", t("col_market_share", lang),
                t("col_unit_value", lang), highlight=view.exporter,
            ))
        download_buttons(view, "group_market", group=view.group, years=(year,), key="competition_market")

# Export similarity, per market: the chosen exporter against each chosen competitor.
st.subheader(t("competition_esi", lang))
st.caption(t("esi_help", lang))
if metrics_ready(view, "group_competition"):
    esi = data.table_rows(view.root, view.token, "group_competition", group=view.group, exporter=view.exporter,
                          years=(year,), basis=view.basis)
    esi = esi.filter(pl.col("competitor").is_in(list(view.competitors))) if esi.height else esi
    if esi.is_empty():
        empty_state(lang, f"{view.exporter_name} · {view.group_name}", str(year))
    else:
        wide = esi.pivot(on="competitor", index="market", values="esi")
        rivals = [c for c in view.competitors if c in wide.columns]  # in the order chosen in the sidebar
        wide = wide.select(
            pl.col("market").replace_strict({c: country_name(c, lang) for c in wide["market"].to_list()},
                                            default=pl.col("market")).alias(t("col_market", lang)),
            *[pl.col(c).alias(country_name(c, lang)) for c in rivals],
        ).sort(t("col_market", lang))  # the names shown, not the ISO codes behind them
        st.dataframe(wide, hide_index=True, width="stretch",
                     column_config={c: st.column_config.NumberColumn(c, format="%.0f") for c in wide.columns[1:]})
        download_buttons(view, "group_competition", group=view.group, exporter=view.exporter, years=(year,),
                         key="competition_esi")

tariff_view.margins_section(view)

# Constant-market-share decomposition.
st.subheader(t("cms_title", lang))
st.caption(t("cms_help", lang))
if metrics_ready(view, "group_cms"):
    cms = data.table_rows(view.root, view.token, "group_cms", group=view.group, basis=view.basis)
    cms = cms.filter(pl.col("exporter").is_in(players), pl.col("end_year") == year) if cms.height else cms
    if cms.is_empty():
        empty_state(lang, view.group_name, str(year))
    else:
        spans = sorted(cms.select("base_year").unique().to_series().to_list())
        # A select box, not radio buttons: the sidebar's filters already loaded its script.
        base = st.selectbox(t("years", lang), spans, index=0, key="cms_base", format_func=lambda b: f"{b}–{year}")
        chosen = cms.filter(pl.col("base_year") == base)
        own = chosen.filter(pl.col("exporter") == view.exporter)
        unit = t("usd_unit", lang)
        if own.height:
            row = own.row(0, named=True)
            labels = [t(f"cms_{name}", lang) for name in EFFECTS] + [t("cms_change", lang)]
            values = [(row[name] or 0.0) / usd_divisor(lang) for name in EFFECTS] + [
                row["change_usd"] / usd_divisor(lang)]
            svg_chart(charts.svg_hbars(labels, values, t("cms_effects", lang, exporter=view.exporter_name,
                                                          span=f"{base}–{year}", unit=unit), unit))
        shown = for_display(chosen, lang, usd=[*EFFECTS, "change_usd"], countries=["exporter"])
        st.html(html_table(shown, [
            Column("exporter_name", t("col_exporter", lang), "text"),
            Column("change_usd", t("col_change", lang), "signed"),
            *[Column(name, f"{t(f'cms_{name}', lang)} ({unit})", "signed") for name in EFFECTS],
        ], row_key="exporter"))
        download_buttons(view, "group_cms", group=view.group, exporter=view.exporter, key="competition_cms")
caveats(lang)
