"""Market: one market's imports of a group by supplier over time, suppliers' unit values, e-commerce indicators."""

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.ui import charts, data, tariff_view
from tracker.ui.components import (
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    sidebar_view,
    sorted_table,
    svg_chart,
)
from tracker.ui.demand_view import market_demand
from tracker.ui.i18n import labelled, t
from tracker.ui.potential_view import market_potential
from tracker.ui.state import current_language
from tracker.ui.tables import Column

TOP_SUPPLIERS = 8
SELLER_INDICATORS = ("I_BLT12", "I_BPG_EU", "I_BPG_WRLD", "I_BPG_FOR")

lang = current_language()
view = sidebar_view(lang, market=True)
market = view.market or "USA"
market_name = country_name(market, lang)
year = view.years.last
st.title(f"{market_name} · {view.group_name}")

if metrics_ready(view, "group_market"):
    rows = data.table_rows(view.root, view.token, "group_market", group=view.group, market=market,
                           years=view.years.as_tuple, basis=view.basis)
    latest = rows.filter(pl.col("year") == year) if not rows.is_empty() else rows
    if latest.is_empty():
        empty_state(lang, market_name, str(year))
    else:
        top = latest.sort("export_value_usd", descending=True).head(TOP_SUPPLIERS)["exporter"].to_list()
        if view.exporter not in top and view.exporter in latest["exporter"].to_list():
            top.append(view.exporter)
        shown_rows = rows.filter(pl.col("exporter").is_in(top))
        st.subheader(t("market_suppliers", lang, market=market_name, group=view.group_name))
        left, right = st.columns(2)
        with left:
            svg_chart(charts.svg_lines(shown_rows, "year", "market_share", "exporter", lang,
                                       t("market_shares", lang), "%", kind="pct"))
        with right:
            svg_chart(charts.svg_lines(shown_rows, "year", "unit_value_usd_per_kg", "exporter", lang,
                                       t("market_prices", lang), "USD/kg", kind="raw"))

        st.subheader(t("market_gainers", lang, year=year))
        shown = for_display(latest.sort("market_share_change_pp", descending=True, nulls_last=True), lang,
                            usd=["export_value_usd"], pct=["market_share", "growth_yoy"], countries=["exporter"])
        shown, tariff_year = tariff_view.with_supplier_tariffs(view, market, shown)
        shown = shown.with_columns(labelled("provenance", "provenance_", lang))
        # An HTML table under a sort choice, not a data grid: the grid's script alone costs a page about 0.5 s on
        # a first visit (bench_ui, "bare grid sub-page"); a market's suppliers need sorting, not search.
        sorted_table(lang, shown, [
            Column("exporter_name", t("col_supplier", lang), "text"),
            Column("exporter", "ISO3", "text"),
            Column("export_value_usd", t("col_import_value", lang)),
            Column("market_share", t("col_market_share", lang)),
            Column("market_share_change_pp", t("col_share_change", lang), "signed"),
            Column("growth_yoy", t("col_growth", lang), "signed", decimals=1),
            Column("unit_value_usd_per_kg", t("col_unit_value", lang)),
            Column("relative_unit_value", t("col_relative_uv", lang)),
            *tariff_view.supplier_table_columns(lang, shown),
            Column("provenance", t("col_provenance", lang), "text", help=t("provenance_note", lang)),
        ], ("market_share_change_pp", True), key="market_suppliers", row_key="exporter")
        tariff_view.caveat(lang, tariff_year)
        download_buttons(view, "group_market", group=view.group, market=market, years=view.years.as_tuple,
                         key="market")
        scope = data.config().scope
        market_potential(view, market, [view.exporter, scope.home_exporter, *scope.competitors])

    monthly = data.table_rows(view.root, view.token, "group_market_monthly", group=view.group,
                              exporter=view.exporter, market=market, years=view.years.as_tuple, basis=view.basis,
                              annual=False)
    if monthly.height:
        svg_chart(charts.svg_lines(monthly, "period", "market_share", "exporter", lang,
                                   t("market_monthly", lang, exporter=view.exporter_name), "%", kind="pct"))
    market_demand(view, market)

st.subheader(t("market_ecommerce", lang, market=market_name))
ecommerce = data.ecommerce_rows(view.root, view.token)
sellers = ecommerce.filter(pl.col("market") == market, pl.col("indicator").is_in(SELLER_INDICATORS),
                           pl.col("category") == "ALL") if ecommerce.height else ecommerce
if sellers.is_empty():
    st.info(t("no_ecommerce", lang, market=market_name), icon=":material/info:")
else:
    names = {code: t(code, lang) for code in SELLER_INDICATORS}
    svg_chart(charts.svg_lines(sellers, "year", "value", "indicator", lang,
                               t("market_ecommerce", lang, market=market_name), "%", kind="raw", names=names))
caveats(lang)
