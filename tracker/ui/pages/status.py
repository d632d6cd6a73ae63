"""Data status: what the store holds per table and source, metric tables, and latest-year coverage."""

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.ui import data
from tracker.ui.i18n import t
from tracker.ui.state import current_language

lang = current_language()
root = data.root()
token = data.store_token(root)
st.title(t("page_status", lang))
st.caption(f"{t('store_location', lang)}: `{root}`")
tables = data.store_tables(root, token)
if tables["rows"].sum() == 0:
    st.info(t("no_data", lang))
st.subheader(t("tables", lang))
st.dataframe(tables, hide_index=True, width="stretch")
st.subheader(t("sources", lang))
st.dataframe(data.store_sources(root, token), hide_index=True, width="stretch")

st.subheader(t("metric_tables", lang))
metrics = data.metric_table_status(root, token)
if not metrics["stored"].any():
    st.info(t("metrics_missing", lang), icon=":material/info:")
st.dataframe(metrics, hide_index=True, width="stretch")

st.subheader(t("coverage", lang))
st.caption(t("coverage_help", lang))
coverage = data.reporter_coverage(root, token)
if coverage.height:
    years = [c for c in coverage.columns if c.isdigit()]
    shown = coverage.with_columns(
        pl.col("reporter").replace_strict({c: country_name(c, lang) for c in coverage["reporter"].to_list()},
                                          default=pl.col("reporter")).alias("name"),
        *[pl.when(pl.col(y)).then(pl.lit("✓")).otherwise(pl.lit("–")).alias(y) for y in years],
    )
    st.dataframe(
        shown.select("name", "reporter", *years, "last_period", "sources"), hide_index=True, width="stretch",
        column_config={"name": t("reporter", lang), "last_period": t("last_period", lang)},
    )
