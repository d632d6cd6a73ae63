"""What the store holds: per table and per source. Shared by `python -m tracker status` and the app."""

from __future__ import annotations

import polars as pl

from tracker.baci import SOURCE as BACI_SOURCE
from tracker.baci import stored_release
from tracker.fetch_errors import classify
from tracker.schemas import FAILURE_STATUSES, SAMPLE_SOURCE, SUCCESS_STATUSES
from tracker.store import Store
from tracker.tables import SOURCE_TABLES, TABLES

DATA_TABLES = SOURCE_TABLES  # what the sources write: trade, e-commerce, macro, tariffs, WEO, capitals


def _period(table: str) -> pl.Expr:
    """The table's period as text: tariff schedules and WEO values are yearly and carry only ``year``; capital
    coordinates have no period."""
    columns = TABLES[table].column_names
    if "period" in columns:
        return pl.col("period")
    return pl.col("year").cast(pl.String) if "year" in columns else pl.lit(None, pl.String)


def table_status(store: Store) -> pl.DataFrame:
    """One row per data table: rows, sources, first and last period, newest fetch."""
    rows = []
    for table in DATA_TABLES:
        summary = (
            store.scan(table)
            .select(
                rows=pl.len(),
                sources=pl.col("source").unique().sort().str.join(", "),
                first_period=_period(table).min(),
                last_period=_period(table).max(),
                newest_fetch=pl.col("fetched_at").max(),
            )
            .collect()
            .row(0, named=True)
        )
        rows.append({"table": table, **summary})
    log_rows = store.scan("fetch_log").select(pl.len()).collect().item()
    rows.append({"table": "fetch_log", "rows": log_rows, "sources": None, "first_period": None,
                 "last_period": None, "newest_fetch": None})
    return pl.DataFrame(rows, schema={
        "table": pl.String, "rows": pl.Int64, "sources": pl.String, "first_period": pl.String,
        "last_period": pl.String, "newest_fetch": pl.Datetime("us", "UTC"),
    })


def source_status(store: Store) -> pl.DataFrame:
    """One row per source seen in the data or the fetch log: rows, newest period, last success, last error with
    its kind (``tracker.fetch_errors``: what it means, for readers of another language than the message's), and
    for BACI the release (e.g. ``BACI HS17 V202601 (2017–2024)``)."""
    data = pl.concat(
        [
            store.scan(table).group_by("source").agg(
                rows=pl.len(), newest_period=_period(table).max(), newest_fetch=pl.col("fetched_at").max()
            )
            for table in DATA_TABLES
        ]
    ).group_by("source").agg(pl.col("rows").sum(), pl.col("newest_period").max(), pl.col("newest_fetch").max())
    log = store.scan("fetch_log")
    successes = (
        log.filter(pl.col("status").is_in(SUCCESS_STATUSES))
        .group_by("source")
        .agg(last_success=pl.col("finished_at").max())
    )
    failures = (
        log.filter(pl.col("status").is_in(FAILURE_STATUSES))
        .sort("started_at")
        .group_by("source")
        .agg(last_error_at=pl.col("started_at").last(), last_error=pl.col("error").last())
    )
    release = stored_release(store)  # the BACI release (version, HS revision, years) the rows come from
    frame = (
        data.join(successes, on="source", how="full", coalesce=True)
        .join(failures, on="source", how="full", coalesce=True)
        .with_columns(
            pl.col("rows").fill_null(0),
            release=pl.when(pl.col("source") == BACI_SOURCE).then(pl.lit(str(release) if release else None, pl.String)),
        )
        .sort("source")
        .collect()
    )
    kinds = {message: classify(message) for message in frame["last_error"].drop_nulls().unique()}
    kind = frame["last_error"].replace_strict(kinds, default=None, return_dtype=pl.String).alias("last_error_kind")
    return frame.insert_column(frame.get_column_index("last_error"), kind)


def holds_sample(store: Store) -> bool:
    """True when any data table holds sample rows."""
    return any(
        store.scan(table).filter(pl.col("source") == SAMPLE_SOURCE).head(1).collect().height
        for table in DATA_TABLES
        if table in TABLES
    )
