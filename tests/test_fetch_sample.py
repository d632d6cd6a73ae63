"""Real data replaces the sample: a fetch that stores real rows drops the sample rows from every source table, so
no page or export mixes invented numbers with real ones; a fetch that stores nothing leaves the sample alone. And
the scheduler sends no keyless Comtrade calls."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import polars as pl

from tests.fetch_helpers import client_for, comtrade_answer, local_config
from tests.fetch_helpers import no_comtrade_key as no_comtrade_key  # autouse
from tracker import startup
from tracker.commands.fetch import format_summary
from tracker.config import Config
from tracker.fetch import run_fetch
from tracker.sample import write_sample
from tracker.scheduling.pipeline import fetch_and_refresh
from tracker.schemas import SAMPLE_SOURCE
from tracker.sources.base import FetchScope
from tracker.status import holds_sample
from tracker.store import Store
from tracker.tables import MACRO, SOURCE_TABLES


def _real_macro_row() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["worldbank"], "indicator": ["SP.POP.TOTL"], "indicator_label": ["Population"], "market": ["USA"],
        "period": ["2023"], "year": [2023], "value": [3.3e8], "unit": ["persons"],
        "fetched_at": [datetime(2026, 1, 1, tzinfo=UTC)],
    }, schema=MACRO.polars_schema)


def _sources_of(store: Store, table: str) -> set[str]:
    return set(store.scan(table).select("source").unique().collect().get_column("source"))


def test_a_fetch_that_stores_real_rows_removes_the_sample_from_every_source_table(
    store: Store, config: Config,
) -> None:
    written = write_sample(store, config)
    assert holds_sample(store)
    before = {table: store.scan(table).select(pl.len()).collect().item() for table in SOURCE_TABLES}
    assert before == {table: written[table] for table in SOURCE_TABLES}  # every source table holds sample rows

    summary = run_fetch(local_config(config), store, ["comtrade"],
                        FetchScope(groups=(config.group("toys"),), years=(2023,)),
                        client_for(lambda request: httpx.Response(200, content=comtrade_answer(request))))

    assert summary.rows_written > 0
    assert summary.sample_removed == before  # every sample row, counted per table
    assert not holds_sample(store)
    assert _sources_of(store, "trade") == {"comtrade"}
    for table in SOURCE_TABLES:
        if table != "trade":
            assert store.scan(table).filter(pl.col("source") == SAMPLE_SOURCE).collect().is_empty()
    assert "the sample rows were removed from the store" in format_summary(summary)


def test_a_fetch_that_stores_nothing_keeps_the_sample(store: Store, config: Config) -> None:
    write_sample(store, config)
    version = store.version_name("trade")

    def fails(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down")

    summary = run_fetch(local_config(config), store, ["comtrade"],
                        FetchScope(groups=(config.group("toys"),), years=(2023,)), client_for(fails))

    assert summary.failed and summary.rows_written == 0 and summary.sample_removed == {}
    assert store.version_name("trade") == version and holds_sample(store)


def test_drop_source_writes_nothing_when_the_table_holds_none_of_it(store: Store) -> None:
    store.upsert("macro", _real_macro_row())
    version = store.version_name("macro")
    assert store.drop_source("macro", SAMPLE_SOURCE) == 0
    assert store.version_name("macro") == version  # nothing written


def test_startup_never_brings_the_sample_back_beside_real_rows(store: Store, config: Config) -> None:
    """A store holding only real macro rows (no trade yet) is not empty: the start-up writes no sample into it."""
    store.upsert("macro", _real_macro_row())
    assert store.holds_source_data() and not store.has_data("trade")
    startup.prepare()  # TRACKER_DATA_DIR is the store fixture's folder
    assert not holds_sample(store)
    assert _sources_of(store, "macro") == {"worldbank"}


def test_the_scheduled_comtrade_job_sends_nothing_without_a_key(store: Store, config: Config) -> None:
    """Without a key Comtrade's preview plans about 14,000 calls against 500 a day: the scheduled job says where
    the key comes from instead of logging thousands of failures (the source is still fetched when named)."""
    line = fetch_and_refresh(config, store, "comtrade")
    assert line == ("comtrade: not fetched without COMTRADE_API_KEY (a free key: https://comtradedeveloper.un.org); "
                    "set it to fetch on schedule")
    assert not store.has_data("fetch_log")  # not one request was attempted
