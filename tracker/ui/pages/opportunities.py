"""Opportunities: markets ranked by the opportunity score, with its reasons and the documented formula."""

from html import escape
from typing import Any, cast

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.metrics.opportunity import ECOMMERCE_WEIGHT, GROWTH_CLIP, PRICE_CLIP, TARIFF_CLIP
from tracker.texts import SOURCE_LANGUAGE, join
from tracker.ui import charts, data
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
from tracker.ui.i18n import fmt_pct, fmt_usd, labelled, t
from tracker.ui.potential_view import potential_ranking
from tracker.ui.state import current_language
from tracker.ui.tables import Column


def reasons_text(row: dict[str, Any], lang: str) -> str:
    """The score's components in one line, in ``lang``, from the stored factor columns."""
    parts = [t("reason_size", lang, value=fmt_usd(row["market_imports_usd"], lang))]
    growth = row["market_growth"]
    parts.append(t("reason_growth", lang, value=fmt_pct(growth)) if growth is not None
                 else t("reason_growth_unknown", lang))
    exporter, share = country_name(row["exporter"], lang), row["exporter_share"]
    parts.append(t("reason_share", lang, exporter=exporter, value=fmt_pct(share)) if share is not None
                 else t("reason_share_none", lang, exporter=exporter))
    uv = row["relative_unit_value"]
    parts.append(t("reason_uv", lang, value=f"{uv:.2f}") if uv is not None else t("reason_uv_unknown", lang))
    online = row["ecommerce_online_pct"]
    parts.append(t("reason_online", lang, value=f"{online:.0f}") if online is not None
                 else t("reason_online_unknown", lang))
    own, lowest = row.get("tariff_faced_pct"), row.get("min_competitor_tariff_pct")
    parts.append(t("reason_tariff", lang, own=f"{own:.1f}", lowest=f"{lowest:.1f}")
                 if own is not None and lowest is not None else t("reason_tariff_unknown", lang))
    return join(parts, lang)


lang = current_language()
view = sidebar_view(lang)
st.title(t("page_opportunities", lang))
if metrics_ready(view, "group_opportunity"):
    rows = data.table_rows(view.root, view.token, "group_opportunity", group=view.group,
                           years=view.years.as_tuple, basis=view.basis)
    home = data.config().scope.home_exporter
    scores = rows.filter((pl.col("year") == rows["year"].max()) & (pl.col("exporter") == view.exporter)) \
        if rows.height else rows
    potential_ranking(view, scores)  # first: markets by untapped potential in USD; the score is the second sort
    st.subheader(t("opportunity_score_heading", lang))
    if rows.height and view.exporter not in rows["exporter"].unique().to_list():
        st.info(t("opportunity_home_only", lang, home=home), icon=":material/info:")
    if rows.is_empty():
        empty_state(lang, view.group_name, view.years)
    else:
        year = cast(int, rows["year"].max())  # a non-empty integer column
        rows = rows.filter(pl.col("year") == year).sort("rank", nulls_last=True)
        exporter_name = country_name(rows["exporter"][0], lang)
        st.caption(t("opportunities_intro", lang, exporter=exporter_name, group=view.group_name, year=year))
        top = rows.head(15)
        shown_top = for_display(top, lang, countries=["market"])
        svg_chart(charts.svg_hbars(shown_top["market_name"].to_list(), shown_top["score"].to_list(),
                                   t("opportunity_top", lang, count=top.height), "", t("col_score", lang)))
        shown = for_display(rows, lang, usd=["market_imports_usd"],
                            pct=["market_growth", "exporter_share"], countries=["market"])
        if lang != SOURCE_LANGUAGE:  # the stored reasons are English; say the same from the stored factors
            shown = shown.with_columns(reasons=pl.Series([reasons_text(r, lang) for r in rows.iter_rows(named=True)]))
        shown = shown.with_columns(labelled("provenance", "provenance_", lang)) if "provenance" in shown.columns \
            else shown
        # An HTML table under a sort choice, not a data grid: the grid's script alone costs a page about 0.5 s on
        # a first visit (bench_ui, "bare grid sub-page"); a group's few dozen markets need sorting, not search.
        sorted_table(lang, shown, [
            Column("rank", t("col_rank", lang), decimals=0),
            Column("market_name", t("col_market", lang), "text"),
            Column("score", t("col_score", lang), decimals=1),
            Column("reasons", t("col_reasons", lang), "text"),
            Column("market_imports_usd", t("col_market_imports", lang)),
            Column("market_growth", t("col_market_growth", lang), "signed", decimals=1),
            Column("exporter_share", t("col_market_share", lang)),
            Column("relative_unit_value", t("col_relative_uv", lang)),
            Column("ecommerce_online_pct", t("col_share_pct_people", lang), decimals=0),
            Column("provenance", t("col_provenance", lang), "text", help=t("provenance_note", lang)),
        ], ("score", True), key="opportunities", row_key="market")
        download_buttons(view, "group_opportunity", group=view.group, years=view.years.as_tuple,
                         key="opportunities")
    st.subheader(t("formula", lang))
    formula = t("formula_text", lang, home=country_name(home, lang), growth_low=GROWTH_CLIP[0],
                growth_high=GROWTH_CLIP[1], price_low=PRICE_CLIP[0], price_high=PRICE_CLIP[1], weight=ECOMMERCE_WEIGHT)
    # Preformatted text in one raw-HTML line (newlines as entities, so Markdown leaves it whole): st.code would
    # load a 1.5 MB syntax highlighter for a block of plain text.
    st.markdown(f'<pre class="formula" style="white-space:pre-wrap;font-size:.8125rem">'
                f'{escape(formula).replace(chr(10), "&#10;")}</pre>', unsafe_allow_html=True)
    st.caption(t("formula_tariff", lang, home=country_name(home, lang), low=TARIFF_CLIP[0], high=TARIFF_CLIP[1]))
caveats(lang)
