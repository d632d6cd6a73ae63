"""Export potential on the pages: markets ranked by untapped potential in USD (Opportunities), potential against
actual sales for a market's suppliers (Market), and the note that it is a benchmark built on a named WEO vintage.

Render only: the numbers are ``group_export_potential`` rows; the reasons come from
``tracker.metrics.potential.potential_reasons``.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.metrics.potential import potential_reasons
from tracker.texts import join
from tracker.ui import charts, data
from tracker.ui.components import View, download_buttons, for_display, sorted_table, svg_chart
from tracker.ui.i18n import fmt_pct, labelled, t
from tracker.ui.tables import Column

TABLE = "group_export_potential"
TOP = 15
THRESHOLD_PP = 0.5  # tariff edges and share gaps smaller than this are not worth a reason
THRESHOLD_GAP = 0.05


def vintage_label(vintage: str | None, lang: str) -> str:
    """``2025-10`` → "October 2025" / "2025 年 10 月"; "–" when unknown."""
    if not vintage:
        return t("potential_vintage_unknown", lang)
    year, month = vintage.split("-")
    return t("potential_vintage", lang, year=year, month=t(f"weo_month_{month}", lang))


def note(lang: str, vintage: str | None) -> None:
    """The caveat every view of the potential carries."""
    st.caption(t("potential_note", lang, vintage=vintage_label(vintage, lang)))


def why_text(row: dict[str, Any], lang: str) -> str:
    """Why a market ranks high, in words: demand growth, tariff edge, sales against the world share."""
    reasons = potential_reasons(row)
    parts = []
    growth = reasons["demand_growth"]
    if growth is not None:
        parts.append(t("why_demand", lang, value=fmt_pct(abs(growth), 0),
                       direction=t("why_grows" if growth >= 0 else "why_shrinks", lang)))
    edge = reasons["tariff_edge_pp"]
    if edge is not None and abs(edge) >= THRESHOLD_PP:
        parts.append(t("why_tariff_less" if edge > 0 else "why_tariff_more", lang, value=f"{abs(edge):.1f}"))
    gap = reasons["share_gap"]
    if gap is not None and abs(gap) >= THRESHOLD_GAP:
        parts.append(t("why_share_less" if gap < 0 else "why_share_more", lang, value=fmt_pct(abs(gap), 0)))
    if not row.get("projection_known"):
        parts.append(t("why_no_projection", lang))
    return join(parts, lang)


def _latest(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("year") == rows["year"].max()) if rows.height else rows


def untapped_chart(rows: pl.DataFrame, lang: str) -> str:
    """The ``TOP`` markets by untapped potential as bars, in the table's unit: the axis is the table's column
    header and each bar's value carries the language's unit (USD m / 亿美元)."""
    top = for_display(rows.sort("untapped_usd", descending=True).head(TOP), lang, usd=["untapped_usd"],
                      countries=["market"])
    return charts.svg_hbars(top["market_name"].to_list(), top["untapped_usd"].to_list(),
                            t("potential_top", lang, count=top.height), t("usd_unit", lang), t("col_untapped", lang))


def potential_ranking(view: View, scores: pl.DataFrame) -> None:
    """Opportunities: the exporter's markets by untapped potential, with potential, actual, every factor, the
    reasons in words, and the opportunity score (the home exporter's) as a second sort."""
    lang = view.lang
    st.subheader(t("potential_heading", lang))
    if not data.has_table(view.root, view.token, TABLE):
        st.info(t("table_missing", lang, table=TABLE), icon=":material/info:")
        return
    rows = _latest(data.table_rows(view.root, view.token, TABLE, group=view.group, exporter=view.exporter,
                                   years=view.years.as_tuple, basis=view.basis))
    if rows.is_empty():
        st.info(t("potential_none", lang, exporter=view.exporter_name, group=view.group_name), icon=":material/info:")
        return
    year = int(rows["year"][0])
    vintage = rows["weo_vintage"].drop_nulls().max()
    st.caption(t("potential_intro", lang, exporter=view.exporter_name, group=view.group_name, year=year,
                 target=year + 5))
    note(lang, str(vintage) if vintage else None)
    if scores.height:
        rows = rows.join(scores.select("market", "score"), on="market", how="left")
    else:
        rows = rows.with_columns(score=pl.lit(None, pl.Float64))
    rows = rows.with_columns(why=pl.Series([why_text(r, lang) for r in rows.iter_rows(named=True)],
                                           dtype=pl.String))
    svg_chart(untapped_chart(rows, lang))
    shown = for_display(rows, lang, usd=["untapped_usd", "potential_usd", "actual_usd", "projected_imports_usd"],
                        pct=["projected_share"], countries=["market"])
    shown = shown.with_columns(labelled("provenance", "provenance_", lang))
    sorted_table(lang, shown, [
        Column("market_name", t("col_market", lang), "text"),
        Column("untapped_usd", t("col_untapped", lang)),
        Column("potential_usd", t("col_potential", lang)),
        Column("actual_usd", t("col_actual", lang)),
        Column("why", t("col_why", lang), "text"),
        Column("score", t("col_score", lang), decimals=1),
        Column("projected_share", t("col_projected_share", lang)),
        Column("re_export_factor", t("col_re_export_factor", lang), decimals=3),
        Column("supply_tariff_factor", t("col_supply_tariff_factor", lang), decimals=3),
        Column("projected_imports_usd", t("col_projected_imports", lang)),
        Column("demand_tariff_factor", t("col_demand_tariff_factor", lang), decimals=3),
        Column("distance_factor", t("col_distance_factor", lang), decimals=3),
        Column("bilateral_factor", t("col_bilateral_factor", lang), decimals=3),
        Column("provenance", t("col_provenance", lang), "text", help=t("provenance_note", lang)),
    ], ("untapped_usd", True), key="potential", row_key="market")
    st.caption(t("potential_formula", lang, elasticity=f"{rows['income_elasticity'][0]:g}"))
    download_buttons(view, TABLE, group=view.group, exporter=view.exporter, years=(year,), key="potential")


def market_potential(view: View, market: str, suppliers: list[str]) -> None:
    """Market: potential against actual sales in ``market`` for the exporter and its competitors."""
    lang = view.lang
    if not data.has_table(view.root, view.token, TABLE):
        return
    rows = _latest(data.table_rows(view.root, view.token, TABLE, group=view.group, market=market,
                                   years=view.years.as_tuple, basis=view.basis))
    rows = rows.filter(pl.col("exporter").is_in(suppliers)) if rows.height else rows
    if rows.is_empty():
        return
    year = int(rows["year"][0])
    st.subheader(t("market_potential", lang, market=country_name(market, lang), year=year))
    vintage = rows["weo_vintage"].drop_nulls().max()
    note(lang, str(vintage) if vintage else None)
    rows = rows.with_columns(why=pl.Series([why_text(r, lang) for r in rows.iter_rows(named=True)],
                                           dtype=pl.String))
    shown = for_display(rows, lang, usd=["untapped_usd", "potential_usd", "actual_usd"], countries=["exporter"])
    sorted_table(lang, shown, [
        Column("exporter_name", t("col_supplier", lang), "text"),
        Column("potential_usd", t("col_potential", lang)),
        Column("actual_usd", t("col_actual", lang)),
        Column("untapped_usd", t("col_untapped", lang)),
        Column("why", t("col_why", lang), "text"),
    ], ("potential_usd", True), key="market_potential", row_key="exporter")
