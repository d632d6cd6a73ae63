"""Data status: what the store holds per table and source, the BACI release, what a fetch would send now,
metric tables, and latest-year coverage.

The tables are plain HTML in the page's language: named tables and sources, counts with separators, "–" for
nothing yet (never "None"), times in UTC to the minute. A source's last error is explained in the page's
language by its kind (``tracker.fetch_errors``); the original message stays beside it, as code, verbatim.
"""

from collections.abc import Callable

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.fetch_errors import KINDS, explain
from tracker.ui import data
from tracker.ui.i18n import t, t_or
from tracker.ui.state import current_language
from tracker.ui.tables import Column, Kind, html_table

TIME_FORMAT = "%Y-%m-%d %H:%M"
COLUMN_KINDS: dict[str, Kind] = {"last_error_kind": "prose", "last_error": "code"}  # the rest: text or number


def readable(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Table and source ids as names, error kinds as what they mean, times as text (the HTML table writes nulls
    as "–")."""
    def names(prefix: str) -> Callable[[str], str]:
        return lambda value: ", ".join(t_or(f"{prefix}{v}", lang, v) for v in value.split(", "))

    return frame.with_columns(
        *[pl.col(c).map_elements(names("table_"), return_dtype=pl.String) for c in ("table",) if c in frame.columns],
        *[pl.col(c).map_elements(names("source_"), return_dtype=pl.String)
          for c in ("source", "sources") if c in frame.columns],
        *[pl.col(c).replace_strict({kind: explain(kind, lang) for kind in KINDS}, default=None, return_dtype=pl.String)
          for c in ("last_error_kind",) if c in frame.columns],
        *[pl.col(c).dt.strftime(TIME_FORMAT) for c, kind in frame.schema.items() if isinstance(kind, pl.Datetime)],
    )


def columns(frame: pl.DataFrame, lang: str) -> list[Column]:
    """Every column of ``frame`` with its header in ``lang``; counts as whole numbers, an error's explanation with
    its keys as code, the original message as code, the rest as text."""
    return [Column(c, t(f"col_{c}", lang), "number" if frame.schema[c].is_integer() else COLUMN_KINDS.get(c, "text"),
                   decimals=0)
            for c in frame.columns]


lang = current_language()
root = data.root()
token = data.store_token(root)
st.title(t("page_status", lang))
st.caption(f"{t('store_location', lang)}: `{root}`")
tables = data.store_tables(root, token)
if tables["rows"].sum() == 0:
    st.info(t("no_data", lang))
st.subheader(t("tables", lang))
st.html(html_table(readable(tables, lang), columns(tables, lang)))
st.subheader(t("sources", lang))
sources = data.store_sources(root, token)
st.html(html_table(readable(sources, lang), columns(sources, lang)))
if sources["last_error"].is_not_null().any():
    st.caption(t("last_error_help", lang))
release = data.baci_release(root, token)
if release is None:
    st.caption(t("baci_none", lang))
else:
    revision, version, years = release
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    st.caption(t("baci_release", lang, revision=revision, version=version, years=span))

st.subheader(t("fetch_plan", lang))
st.caption(t("fetch_plan_help", lang))
plan, left_out = data.fetch_plan(root, data.table_version(root, "fetch_log"))
planned = pl.DataFrame(
    [(s.source, s.requests, s.fresh, round(s.minutes, 1), s.at_most) for s in plan.sources],
    schema={"source": pl.String, "requests": pl.Int64, "fresh": pl.Int64, "minutes": pl.Float64, "at_most": pl.Int64},
    orient="row",
)
if plan.total_requests == 0:
    st.info(t("fetch_plan_done", lang), icon=":material/check:")
st.html(html_table(readable(planned, lang), [
    Column("source", t("col_source", lang), "text"), Column("requests", t("col_requests", lang), "number", decimals=0),
    Column("fresh", t("col_fresh", lang), "number", decimals=0),
    Column("minutes", t("col_minutes", lang), "number", decimals=1),
    Column("at_most", t("col_at_most", lang), "number", decimals=0),
]))
for source_id in left_out:
    settings = data.config().sources[source_id]
    st.caption(t("fetch_plan_left_out", lang, source=t_or(f"source_{source_id}", lang, source_id), source_id=source_id,
                 key_env=settings.api_key_env or "-", key_url=settings.api_key_url or "-"))

st.subheader(t("metric_tables", lang))
metrics = data.metric_table_status(root, token)
if not metrics["stored"].any():
    st.info(t("metrics_missing", lang), icon=":material/info:")
shown = readable(metrics, lang).with_columns(
    pl.when(pl.col("stored")).then(pl.lit("✓")).otherwise(pl.lit("–")).alias("stored")
)
st.html(html_table(shown, columns(metrics.with_columns(pl.col("stored").cast(pl.String)), lang)))

st.subheader(t("coverage", lang))
st.caption(t("coverage_help", lang))
coverage = data.reporter_coverage(root, token)
if coverage.height:
    year_columns = [c for c in coverage.columns if c.isdigit()]
    shown = readable(coverage, lang).with_columns(
        pl.col("reporter").replace_strict({c: country_name(c, lang) for c in coverage["reporter"].to_list()},
                                          default=pl.col("reporter")).alias("name"),
        *[pl.when(pl.col(y)).then(pl.lit("✓")).otherwise(pl.lit("–")).alias(y) for y in year_columns],
    )
    st.html(html_table(shown, [
        Column("name", t("reporter", lang), "text"), Column("reporter", "ISO3", "text"),
        *[Column(y, y, "text") for y in year_columns], Column("last_period", t("last_period", lang), "text"),
        Column("sources", t("col_sources", lang), "text"),
    ], row_key="reporter"))
