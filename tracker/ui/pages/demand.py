"""Demand: the markets of a group ranked by the expected growth of their imports over the next 12 months."""

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.forecast import MIN_HISTORY_MONTHS
from tracker.ui import charts, data
from tracker.ui.components import (
    caveats,
    for_display,
    metrics_ready,
    sidebar_view,
    sorted_table,
    svg_chart,
)
from tracker.ui.demand_view import DEMAND_TABLE_NAMES, backtest_text, download
from tracker.ui.i18n import labelled, t
from tracker.ui.state import current_language
from tracker.ui.tables import Column

TOP_MARKETS = 15

lang = current_language()
view = sidebar_view(lang, basis=False)  # every demand row is estimated: no data basis to choose
st.title(t("demand_title", lang, group=view.group_name))
st.caption(t("demand_intro", lang, months=MIN_HISTORY_MONTHS))

if metrics_ready(view, *DEMAND_TABLE_NAMES):
    rows = data.table_rows(view.root, view.token, "group_demand", group=view.group)
    if rows.is_empty():
        st.info(t("demand_none", lang), icon=":material/info:")
    else:
        forecast = rows.filter(pl.col("note").is_null())
        tested = forecast.filter(pl.col("beats_seasonal_naive").is_not_null())
        st.markdown(t("demand_summary", lang, forecast=forecast.height, tested=tested.height,
                      beats=tested.filter(pl.col("beats_seasonal_naive")).height, short=rows.height - forecast.height))
        ranked = rows.sort("expected_growth", descending=True, nulls_last=True)
        top = ranked.filter(pl.col("expected_growth").is_not_null()).head(TOP_MARKETS)
        if top.height:
            svg_chart(charts.svg_hbars([country_name(m, lang) for m in top["market"].to_list()],
                                       [100 * g for g in top["expected_growth"].to_list()],
                                       t("demand_chart", lang, n=top.height), "%"))
        verdict = (
            pl.when(pl.col("beats_seasonal_naive").is_null()).then(pl.lit(t("demand_untested", lang)))
            .when(pl.col("beats_seasonal_naive")).then(pl.lit(t("demand_yes", lang)))
            .otherwise(pl.lit(t("demand_no", lang)))
        )
        shown = for_display(ranked, lang, usd=["last_12m_usd", "next_12m_usd"], pct=["expected_growth"],
                            countries=["market"]).with_columns(
            verdict.alias("beats_seasonal_naive"), labelled("note", "note_", lang).fill_null(""))
        # An HTML table under a sort choice, not a data grid: the grid's script alone costs a page about 0.5 s
        # on a first visit (bench_ui, "bare grid sub-page"), and 50-odd markets need sorting, not searching.
        sorted_table(lang, shown, [
            Column("market_name", t("col_market", lang), "text"),
            Column("market", "ISO3", "text"),
            Column("last_12m_usd", t("col_last_12m", lang)),
            Column("next_12m_usd", t("col_next_12m", lang)),
            Column("expected_growth", t("col_expected_growth", lang), "signed", decimals=1),
            Column("beats_seasonal_naive", t("col_beats_naive", lang), "text"),
            Column("forecast_start", t("col_forecast_start", lang), "text"),
            Column("history_months", t("col_history_months", lang), decimals=0),
            Column("note", t("col_note", lang), "text"),
        ], ("expected_growth", True), key="demand", row_key="market")
        download(view, "group_demand", group=view.group, key="demand")
        home = data.config().scope.home_exporter
        st.caption(backtest_text(view, country_name(home, lang)))
caveats(lang)
