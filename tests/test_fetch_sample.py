"""Real data replaces the sample: a fetch that stores real rows drops the sample rows from every source table, so
no page or export mixes invented numbers with real ones; a fetch that stores nothing leaves the sample alone. And
the scheduler sends no keyless Comtrade calls."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.fetch_helpers import client_for, comtrade_answer, local_config
from tests.fetch_helpers import no_comtrade_key as no_comtrade_key  # autouse
from tracker import startup
from tracker.alerts import read_alerts, run_alerts
from tracker.commands.fetch import format_summary
from tracker.config import Config
from tracker.errors import StoreWriteError
from tracker.fetch import FetchSummary, run_fetch
from tracker.sample import write_sample
from tracker.scheduling.pipeline import fetch_and_refresh
from tracker.schemas import SAMPLE_SOURCE
from tracker.sources.base import FetchScope
from tracker.status import holds_sample
from tracker.store import Store
from tracker.tables import FETCH_LOG, MACRO, SOURCE_TABLES


def _real_macro_row() -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["worldbank"], "indicator": ["SP.POP.TOTL"], "indicator_label": ["Population"], "market": ["USA"],
        "period": ["2023"], "year": [2023], "value": [3.3e8], "unit": ["persons"],
        "fetched_at": [datetime(2026, 1, 1, tzinfo=UTC)],
    }, schema=MACRO.polars_schema)


def _fetch(config: Config, store: Store, year: int = 2023) -> FetchSummary:
    """The real fetch path: Comtrade answers one group's year through a MockTransport, and rows are stored."""
    return run_fetch(local_config(config), store, ["comtrade"], FetchScope(groups=(config.group("toys"),),
                                                                          years=(year,)),
                     client_for(lambda request: httpx.Response(200, content=comtrade_answer(request))))


def _sample_with_alerts(metrics_store: Path, tmp_path: Path, config: Config) -> Store:
    """The sample with its metric tables and the alerts they raise, plus one alert on real evidence: the census
    fetches logged as failing for five days (a source failure, about no sample row)."""
    root = tmp_path / "data"
    shutil.copytree(metrics_store, root)
    store = Store(root, lock_timeout=5)
    now = datetime.now(UTC)
    store.upsert("fetch_log", pl.DataFrame({
        "attempt_id": ["a1", "a2"], "source": ["census", "census"], "request": ["{}", "{}"],
        "started_at": [now - timedelta(days=5), now - timedelta(days=4)], "finished_at": [None, None],
        "rows_written": [0, 0], "status": ["failed", "failed"], "error": ["HTTP 503", "HTTP 503"],
    }, schema=FETCH_LOG.polars_schema))
    run_alerts(config, store, now=now)
    return store


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


def test_a_fetch_that_stores_real_rows_removes_the_alerts_raised_on_the_sample(
    metrics_store: Path, tmp_path: Path, config: Config,
) -> None:
    """Alerts evaluated on the sample (``sample`` true) leave the store with it, in one new version of the
    alerts table; the alert on real evidence stays."""
    store = _sample_with_alerts(metrics_store, tmp_path, config)
    before = read_alerts(store.root)
    on_sample = before.filter(pl.col("sample"))
    assert on_sample.height > 10 and set(on_sample["rule"]) >= {"share_drop", "unit_value_undercut"}
    assert before.filter(~pl.col("sample")).select("rule", "subject").rows() == [("source_failing", "census")]
    version = int(store.version_name("alerts").removeprefix("v"))

    summary = _fetch(config, store)

    assert summary.rows_written > 0 and summary.sample_removed["alerts"] == on_sample.height
    after = read_alerts(store.root)
    assert after.select("rule", "subject", "sample").rows() == [("source_failing", "census", False)]
    assert after.drop("last_seen").equals(before.filter(~pl.col("sample")).drop("last_seen"))
    assert store.version_name("alerts") == f"v{version + 1:06d}", "one rewrite: no reader sees half of it"
    assert f"alerts {on_sample.height:,}" in format_summary(summary)
    assert not holds_sample(store)


def test_a_full_disk_while_removing_the_sample_alerts_changes_nothing(
    metrics_store: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The alerts table's new version cannot be written (ENOSPC): the fetch stops with a one-line error naming
    the table, every alert is still there as it was, and so is the sample (the alerts go first): nothing is
    half-removed. The next fetch that stores rows (another year) removes both."""
    store = _sample_with_alerts(metrics_store, tmp_path, config)
    before, version = read_alerts(store.root), store.version_name("alerts")
    real_write = pl.DataFrame.write_parquet

    def alerts_to_full_disk(self: pl.DataFrame, path: object, **options: object) -> None:
        in_alerts = Path(str(path)).parent.parent.name == "alerts"  # <root>/alerts/.staging-…/part-0.parquet
        real_write(self, "/dev/full" if in_alerts else path, **options)  # type: ignore[arg-type]

    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full to make a real write fail with ENOSPC")
    monkeypatch.setattr(pl.DataFrame, "write_parquet", alerts_to_full_disk)
    with pytest.raises(StoreWriteError, match=r"writing table 'alerts'.*disk is full"):
        _fetch(config, store)
    assert store.version_name("alerts") == version and read_alerts(store.root).equals(before)
    assert not list((store.root / "alerts").glob(".staging-*"))
    assert holds_sample(store), "the sample stays while its alerts do"

    monkeypatch.undo()
    summary = _fetch(config, store, 2022)
    assert summary.sample_removed["alerts"] == before.filter(pl.col("sample")).height
    assert not holds_sample(store) and read_alerts(store.root)["sample"].to_list() == [False]


def test_delete_rows_writes_nothing_when_no_row_matches(store: Store) -> None:
    store.upsert("macro", _real_macro_row())
    version = store.version_name("macro")
    assert store.delete_rows("macro", pl.col("source") == SAMPLE_SOURCE) == 0
    assert store.version_name("macro") == version  # nothing written
    assert store.delete_rows("alerts", pl.col("sample")) == 0 and not store.has_data("alerts")
