"""Cross-border e-commerce: who buys online from sellers abroad, by market and goods category, against trade."""

from typing import cast

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.ui import charts, data
from tracker.ui.components import caveats, download_buttons, empty_state, sidebar_view, svg_chart
from tracker.ui.i18n import t, t_or
from tracker.ui.state import current_language

ORIGINS = ("I_BPG_EU", "I_BPG_WRLD")

SURVEY_FIRST = ("DEU", "FRA", "ITA", "ESP", "NLD", "POL")  # large EU markets, preferred as the default



def category_name(code: str, lang: str) -> str:
    """A survey indicator or goods category by its name in ``lang``; a code without a label shows as itself."""
    return t_or(code, lang, code)


lang = current_language()
surveyed = data.ecommerce_rows(data.root(), data.store_token(data.root()))
covered = sorted(set(surveyed["market"].to_list())) if surveyed.height else []
# The survey covers EU countries only: start at a market it covers so the comparison below has data.
view = sidebar_view(lang, market=True,
                    preferred_markets=[*[m for m in SURVEY_FIRST if m in covered], *covered, "USA"])
group = data.config().group(view.group)
market = view.market or "DEU"
market_name = country_name(market, lang)
year = view.years.last
st.title(t("page_ecommerce", lang))
st.caption(t("ecommerce_intro", lang, exporter=view.exporter_name, group=group.name(lang)))

survey = data.ecommerce_rows(view.root, view.token)
survey = survey.filter(pl.col("year") <= year) if survey.height else survey
if survey.is_empty():
    empty_state(lang, t("page_ecommerce", lang), str(year))
else:
    survey_year = cast(int, survey["year"].max())  # a non-empty integer column
    st.caption(t("survey_year_note", lang, year=year, survey=survey_year))
    # By market: buying from sellers in other EU countries and outside the EU.
    origins = survey.filter(pl.col("indicator").is_in(ORIGINS), pl.col("category") == "ALL",
                            pl.col("year") == survey_year).sort("value", descending=True)
    if origins.height:
        shown = origins.with_columns(pl.col("indicator").replace_strict({c: t(c, lang) for c in ORIGINS}))
        svg_chart(charts.svg_grouped_bars(shown, "market", "indicator", "value", lang,
                                          t("ecommerce_sellers", lang, year=survey_year),
                                          t("col_share_pct_people", lang)))
    # By goods category mapped to this group.
    st.subheader(t("ecommerce_categories", lang, group=group.name(lang)))
    if not group.ecommerce_categories:
        st.info(t("ecommerce_no_categories", lang), icon=":material/info:")
    else:
        categories = survey.filter(pl.col("category").is_in(list(group.ecommerce_categories)),
                                   pl.col("year") == survey_year).sort("value", descending=True)
        if categories.is_empty():
            empty_state(lang, ", ".join(group.ecommerce_categories), str(survey_year))
        else:
            labels = {c: category_name(c, lang) for c in group.ecommerce_categories}
            shown = categories.with_columns(pl.col("category").replace_strict(labels, default=pl.col("category")))
            svg_chart(charts.svg_grouped_bars(shown, "market", "category", "value", lang, "",
                                              t("col_share_pct_people", lang)))
            used = categories["category"].unique().sort().to_list()
            st.caption(t("ecommerce_category_codes", lang,
                         codes="; ".join(f"{labels.get(c, c)} ({c})" for c in used)))

# Against the trade trend in one market.
st.subheader(f"{t('ecommerce_vs_trade', lang)} · {market_name}")
left, right = st.columns(2)
with left:
    trade = data.table_rows(view.root, view.token, "group_market", group=view.group, exporter=view.exporter,
                            market=market, years=view.years.as_tuple, basis=view.basis)
    if trade.is_empty():
        empty_state(lang, market_name, view.years)
    else:
        svg_chart(charts.svg_lines(trade, "year", "export_value_usd", "exporter", lang,
                                   t("ecommerce_trade", lang, exporter=view.exporter_name, market=market_name),
                                   t("usd_unit", lang)))
        download_buttons(view, "group_market", group=view.group, exporter=view.exporter, market=market,
                         years=view.years.as_tuple, key="ecommerce_trade")
with right:
    wanted = ("I_BPG_FOR", *ORIGINS, *group.ecommerce_categories)
    local = survey.filter(pl.col("market") == market, pl.col("indicator").is_in(wanted)) if survey.height else survey
    if local.is_empty():
        st.info(t("no_ecommerce", lang, market=market_name), icon=":material/info:")
    else:
        names = {c: category_name(c, lang) for c in wanted}
        svg_chart(charts.svg_lines(local, "year", "value", "indicator", lang,
                                   t("ecommerce_survey", lang, market=market_name), "%", kind="raw", names=names))
caveats(lang)
