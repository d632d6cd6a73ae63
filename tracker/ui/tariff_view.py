"""Tariffs on the pages: the tariff each exporter faces beside its share and unit value, and its margin against
competitors (``group_tariff`` and ``group_tariff_margin``, see tracker.metrics.tariffs).

Tariff schedules and trade statistics do not end in the same year, so every view here shows the newest tariff
year up to the page's year and names it, with the caveat that extra duties (US Section 301/232, anti-dumping)
are not in the applied rates. Nothing is shown, and no column added, where no tariff data is stored.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.ui import data
from tracker.ui.components import View
from tracker.ui.i18n import labelled, t
from tracker.ui.tables import Column

FACED = "tariff_faced_pct"
MARGIN = "margin_vs_lowest_competitor_pp"


def caveat(lang: str, year: int | None) -> None:
    """The tariff year, how the rate is built, and what it leaves out (in small print under a table)."""
    if year is not None:
        st.caption(t("tariff_caveat", lang, year=year))


def _tariffs(view: View, **filters: str) -> pl.DataFrame:
    return data.tariff_rows(view.root, view.token, "group_tariff", view.group, view.years.last, **filters)


def with_market_tariffs(view: View, rows: pl.DataFrame) -> tuple[pl.DataFrame, int | None]:
    """Product-group page: ``rows`` (one per market) with the exporter's tariff faced and its margin against the
    lowest-tariff competitor; the tariff year, or None (rows unchanged) without tariff data."""
    tariffs = _tariffs(view, exporter=view.exporter)
    if tariffs.is_empty() or rows.is_empty():
        return rows, None
    joined = rows.join(tariffs.select("market", FACED, MARGIN), on="market", how="left")
    return joined, int(tariffs["year"][0])


def market_table_columns(lang: str, frame: pl.DataFrame) -> list[Column]:
    """The HTML table columns for the tariff and margin (none when ``frame`` has no tariff columns)."""
    if FACED not in frame.columns:
        return []
    return [Column(FACED, t("col_tariff_faced", lang), decimals=1),
            Column(MARGIN, t("col_tariff_margin_lowest", lang), decimals=1)]


def with_supplier_tariffs(view: View, market: str, rows: pl.DataFrame) -> tuple[pl.DataFrame, int | None]:
    """Market page: each supplier row (``exporter``) with the tariff it faces in ``market`` and its regime."""
    tariffs = _tariffs(view, market=market)
    if tariffs.is_empty() or rows.is_empty():
        return rows, None
    shown = tariffs.select("exporter", FACED, "tariff_type_faced").with_columns(
        labelled("tariff_type_faced", "tariff_type_", view.lang))
    return rows.join(shown, on="exporter", how="left"), int(tariffs["year"][0])


def supplier_table_columns(lang: str, frame: pl.DataFrame) -> list[Column]:
    """Market page: the supplier table's tariff columns (none when ``frame`` has no tariff columns)."""
    if FACED not in frame.columns:
        return []
    return [Column(FACED, t("col_tariff_faced", lang), decimals=1),
            Column("tariff_type_faced", t("col_tariff_type", lang), "text")]


def margins_section(view: View) -> None:
    """Competitors page: the exporter's tariff margin against each chosen competitor, market by market."""
    lang = view.lang
    st.subheader(t("tariff_margins_title", lang))
    margins = data.tariff_rows(view.root, view.token, "group_tariff_margin", view.group, view.years.last,
                               exporter=view.exporter)
    margins = margins.filter(pl.col("competitor").is_in(list(view.competitors))) if margins.height else margins
    if margins.is_empty():
        st.info(t("no_tariffs", lang), icon=":material/info:")
        return
    st.caption(t("tariff_margins_help", lang, exporter=view.exporter_name))
    own = margins.group_by("market").agg(pl.col("exporter_tariff_pct").first())
    wide = margins.pivot(on="competitor", index="market", values="margin_pp").join(own, on="market", how="left")
    rivals = [c for c in view.competitors if c in wide.columns]
    market_label = t("col_market", lang)
    wide = wide.select(
        pl.col("market").replace_strict({c: country_name(c, lang) for c in wide["market"].to_list()},
                                        default=pl.col("market")).alias(market_label),
        pl.col("exporter_tariff_pct").alias(t("col_tariff_faced", lang)),
        *[pl.col(c).alias(country_name(c, lang)) for c in rivals],
    ).sort(market_label)
    st.dataframe(wide, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(c, format="%+.1f") for c in wide.columns[2:]})
    caveat(lang, int(margins["year"][0]))
