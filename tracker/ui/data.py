"""Cached read paths for the app, keyed on small arguments (never on frames).

Every loader takes the store root and a ``token`` (the live versions of the tables, see ``store_token``) so
the caches refresh as soon as `python -m tracker metrics` or a fetch writes a new version. Rows are selected
with ``tracker.query.filtered_table``, the same function the CLI export and the download buttons use, so
what a page shows is exactly what its download holds.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker.alerts import read_alerts
from tracker.baci import stored_release
from tracker.budget import FetchPlan, default_sources, plan_fetch
from tracker.config import Config, load_config
from tracker.countries import country_table
from tracker.errors import StoreError
from tracker.export import export_bytes
from tracker.query import applied_filters, filtered_table
from tracker.reports import ReportInfo, list_reports
from tracker.reports.files import read_report
from tracker.sources.base import FetchScope
from tracker.status import DATA_TABLES, holds_sample, source_status, table_status
from tracker.store import Store
from tracker.tables import METRIC_TABLES as metric_schemas

CACHE_TTL_SECONDS = 600
METRIC_TABLES = tuple(schema.name for schema in metric_schemas)
DOWNLOAD_FORMATS = ("csv", "xlsx", "parquet")


@st.cache_resource
def config() -> Config:
    return load_config()


def root() -> str:
    return str(Store().root)


def store_token(root: str) -> str:
    """The live version of every table, read from the CURRENT pointers (a few tiny files, not cached)."""
    store = Store(root)
    return ";".join(f"{table}={_version_or_mark(store, table)}" for table in (*DATA_TABLES, *METRIC_TABLES))


def _version_or_mark(store: Store, table: str) -> str:
    """A table's live version; ``!`` when its pointer is damaged (only the pages reading that table fail)."""
    try:
        return store.version_name(table) or "-"
    except StoreError:
        return "!"


# ----------------------------------------------------------------------------- status
@st.cache_data(ttl=CACHE_TTL_SECONDS)
def store_tables(root: str, token: str = "") -> pl.DataFrame:
    return table_status(Store(root))


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def store_sources(root: str, token: str = "") -> pl.DataFrame:
    return source_status(Store(root))


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def shows_sample(root: str, token: str = "") -> bool:
    return holds_sample(Store(root))


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def fetch_plan(root: str, log_version: str) -> tuple[FetchPlan, tuple[str, ...]]:
    """What ``python -m tracker fetch`` would send now, and the sources it leaves out for want of a key.

    ``log_version`` (the fetch log's) only keys the cache. The sources left out are named, not planned: their
    keyless plan is slow to compute, and the page only says where their key comes from.
    """
    settings = config()
    sources, left_out = default_sources(settings)
    return plan_fetch(settings, Store(root), sources, FetchScope(groups=settings.groups)), tuple(left_out)


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def baci_release(root: str, token: str) -> tuple[str, str, tuple[int, ...]] | None:
    """HS revision, version and years of the BACI release the store holds, or None."""
    release = stored_release(Store(root))
    return (release.hs_revision, release.version, release.years) if release else None


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def metric_table_status(root: str, token: str) -> pl.DataFrame:
    """One row per metric table: whether it is stored, and its rows."""
    stored_now = stored_tables(root, token)
    rows = []
    for table in METRIC_TABLES:
        stored = table in stored_now
        count = Store(root).scan(table).select(pl.len()).collect().item() if stored else 0
        rows.append({"table": table, "stored": stored, "rows": count})
    return pl.DataFrame(rows, schema={"table": pl.String, "stored": pl.Boolean, "rows": pl.Int64})


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def reporter_coverage(root: str, token: str) -> pl.DataFrame:
    """Per reporter: the newest annual period it reported, and whether it reported each of the last 3 years."""
    trade = Store(root).scan("trade").filter(pl.col("frequency") == "A")
    latest = trade.select(pl.col("year").max()).collect().item()
    if latest is None:
        return pl.DataFrame(schema={"reporter": pl.String, "last_period": pl.String})
    years = [latest - 2, latest - 1, latest]
    return (
        trade.filter(pl.col("year") >= years[0])
        .group_by("reporter")
        .agg(
            pl.col("period").max().alias("last_period"),
            *[(pl.col("year") == y).any().alias(str(y)) for y in years],
            pl.col("source").unique().sort().str.join(", ").alias("sources"),
        )
        .sort(str(latest), "reporter", descending=[False, False])
        .collect()
    )


# ----------------------------------------------------------------------------- metric tables
def has_table(root: str, token: str, table: str) -> bool:
    """Whether the metric table ``table`` is stored."""
    return table in stored_tables(root, token)


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def stored_tables(root: str, token: str) -> tuple[str, ...]:
    store = Store(root)
    return tuple(table for table in METRIC_TABLES if store.has_data(table))


def _filtered(root: str, table: str, group: str | None, exporter: str | None, market: str | None,
              years: tuple[int, ...] | None, basis: str, flow: str | None,
              frequency: str | None = None) -> pl.LazyFrame:
    """The rows of ``table`` for these filters, through tracker.query (the export's own selection)."""
    return filtered_table(Store(root), table, group=group, exporter=exporter, market=market, years=years,
                          basis=basis, flow=flow, frequency=frequency, config=config())


def _annual(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.filter(pl.col("frequency") == "A") if "frequency" in frame.collect_schema().names() else frame


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=256)
def table_rows(root: str, token: str, table: str, group: str | None = None, exporter: str | None = None,
               market: str | None = None, years: tuple[int, ...] | None = None, basis: str = "all",
               annual: bool = True, flow: str | None = None, frequency: str | None = None) -> pl.DataFrame:
    """Filtered rows of one table (annual rows only unless ``annual`` is False; trade: one ``frequency``)."""
    if table not in DATA_TABLES and not has_table(root, token, table):
        return pl.DataFrame()
    frame = _filtered(root, table, group, exporter, market, years, basis, flow, frequency)
    return (_annual(frame) if annual else frame).collect()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128)
def group_market_rows(root: str, token: str, group: str, exporter: str, years: tuple[int, ...],
                      basis: str = "all") -> pl.DataFrame:
    """group_market rows of one group and exporter (market import growth is the table's yearly column)."""
    return table_rows(root, token, "group_market", group=group, exporter=exporter, years=years, basis=basis)


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128)
def tariff_rows(root: str, token: str, table: str, group: str, year: int, exporter: str | None = None,
                market: str | None = None) -> pl.DataFrame:
    """Rows of a tariff metric table (group_tariff, group_tariff_margin) in the newest tariff year up to ``year``:
    tariff schedules and trade statistics do not end in the same year. Empty when there is none."""
    if not has_table(root, token, table):
        return pl.DataFrame()
    frame = _filtered(root, table, group, exporter, market, None, "all", None).filter(pl.col("year") <= year)
    newest = frame.select(pl.col("year").max()).collect().item()
    return pl.DataFrame() if newest is None else frame.filter(pl.col("year") == newest).collect()


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def years_available(root: str, token: str) -> tuple[int, ...]:
    """Years present in group_exporter (or the trade table before metrics exist)."""
    table = "group_exporter" if has_table(root, token, "group_exporter") else "trade"
    frame = Store(root).scan(table)
    years = frame.select(pl.col("year").unique().sort()).collect().to_series().to_list()
    return tuple(int(y) for y in years if y is not None)


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def markets_available(root: str, token: str, group: str) -> tuple[str, ...]:
    if not has_table(root, token, "group_market"):
        return ()
    frame = Store(root).scan("group_market").filter(pl.col("group") == group)
    return tuple(frame.select(pl.col("market").unique().sort()).collect().to_series().to_list())


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def exporters_available(root: str, token: str) -> tuple[str, ...]:
    if not has_table(root, token, "group_exporter"):
        return ()
    frame = Store(root).scan("group_exporter")
    return tuple(frame.select(pl.col("exporter").unique().sort()).collect().to_series().to_list())


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def overview_rows(root: str, token: str, exporter: str, years: tuple[int, ...]) -> pl.DataFrame:
    """group_exporter rows of one exporter in the last year, with the export values of every year as a list
    (``trend``). The change of world share is the stored ``world_share_change_pp``: it stays right when the
    range holds one year."""
    frame = table_rows(root, token, "group_exporter", exporter=exporter, years=years)
    if frame.is_empty():
        return frame
    series = (
        frame.sort("year")
        .group_by("group", maintain_order=True)
        .agg(pl.col("export_value_usd").alias("trend"))
    )
    return frame.filter(pl.col("year") == max(years)).join(series, on="group", how="left")


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def ecommerce_rows(root: str, token: str) -> pl.DataFrame:
    """The whole e-commerce survey table (small: EU markets × indicators × years)."""
    return Store(root).scan("ecommerce").collect()


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def regions() -> dict[str, str]:
    table = country_table().select("iso3", "region").drop_nulls()
    return dict(zip(table["iso3"].to_list(), table["region"].to_list(), strict=True))


# ----------------------------------------------------------------------------- downloads
@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=128, show_spinner=False)
def download_bytes(root: str, token: str, table: str, fmt: str, group: str | None = None,
                   exporter: str | None = None, market: str | None = None,
                   years: tuple[int, ...] | None = None, basis: str = "all", flow: str | None = None,
                   frequency: str | None = None, bom: bool = False) -> bytes:
    """The bytes a download button serves: tracker.export.export_bytes on exactly the rows the page shows.

    Byte for byte what `python -m tracker export` writes with the same filters (``--basis`` and ``--flow``
    included).
    """
    described, _ = applied_filters(table, group=group, exporter=exporter, market=market, years=years,
                                   basis=basis, flow=flow, frequency=frequency, config=config())
    frame = _filtered(root, table, group, exporter, market, years, basis, flow, frequency).collect()
    return export_bytes(frame, fmt, table=table, filters=described, bom=bom)


def unreadable_table(root: str, failures: tuple[type[BaseException], ...]) -> str | None:
    """The first table whose rows cannot even be counted, or None (asked only after a page failed to read)."""
    store = Store(root)
    for table in (*DATA_TABLES, *METRIC_TABLES, "alerts"):
        try:
            store.scan(table).select(pl.len()).collect()
        except failures:
            return table
    return None


def table_version(root: str, table: str) -> str:
    """The live version of one table (its CURRENT pointer): a cache key that changes when the table does."""
    return Store(root).version_name(table) or ""


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def alert_rows(root: str, version: str) -> pl.DataFrame:
    """Stored alerts, newest first (``version`` only keys the cache)."""
    if not version:
        return pl.DataFrame()
    return read_alerts(root)


def reports(root: str) -> list[ReportInfo]:
    """Reports the tracker wrote under the data folder, unchanged since (a small read: never stale, not cached)."""
    return list_reports(root)


def report_text(report: ReportInfo) -> str | None:
    """A listed report's text, or None when it changed since it was listed."""
    return read_report(report)

