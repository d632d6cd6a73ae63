"""The metric tables computed a year at a time (tracker.metrics.windows) against the single pass over every year
(tables.compute_tables, the computation the windows replaced), and what a one-year change rewrites."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench.baci_import import FIRST_YEAR, generate
from tests.conftest import trade_rows
from tracker.baci import import_baci
from tracker.config import Config
from tracker.errors import StoreCorruptError
from tracker.freshness import inputs_fingerprint, metric_tables_current
from tracker.metrics.tables import CMS_LONG_SPAN_YEARS, compute_tables
from tracker.metrics.windows import CAGR_YEARS, compute_tables_by_year, trade_years
from tracker.parts_cache import CACHE_FOLDER, COMPLETE_MARKER, PartsCache
from tracker.refresh import refresh_metric_tables
from tracker.schemas import mirror_rows
from tracker.store import Store
from tracker.store_check import check_store
from tracker.tables import METRIC_TABLES, schema_for

BACI_YEARS = 7  # 2017–2023: consecutive CMS pairs, the 5-year span, the 5-year CAGR
COMTRADE_YEAR = FIRST_YEAR + BACI_YEARS  # the year after the release, read from an API source


def _single_pass(store: Store, config: Config) -> dict[str, pl.DataFrame]:
    return compute_tables(store.scan("trade"), store.scan("ecommerce"), config, store.scan("tariff"),
                          store.scan("weo"), store.scan("capital"))


def _as_read(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The computed tables as the store returns them: a table of symmetric pairs in both orders."""
    return {name: mirror_rows(frame.lazy(), schema_for(name)).collect() for name, frame in tables.items()}


def _assert_same_tables(expected: dict[str, pl.DataFrame], actual: dict[str, pl.DataFrame]) -> None:
    """Same tables, same rows: keys and strings exactly, floats to 1e-9 (relative, or absolute near 0)."""
    assert list(actual) == list(expected)
    for name, frame in expected.items():
        key = list(schema_for(name).key)
        assert_frame_equal(actual[name].sort(key), frame.sort(key), check_exact=False, rel_tol=1e-9,
                           abs_tol=1e-9)


@pytest.fixture(scope="module")
def baci_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BACI-shaped release of seven years (the benchmark's generator, small), imported, plus Comtrade rows
    for the year after it; the module's tests copy it."""
    folder = tmp_path_factory.mktemp("baci_windows")
    extracted = generate(40_000, BACI_YEARS, folder / "release")
    store = Store(folder / "data")
    import_baci(store, extracted, progress=False)
    store.upsert("trade", trade_rows([
        {"reporter": "USA", "partner": "CHN", "hs_code": "6109", "period": str(COMTRADE_YEAR), "value_usd": 4e7},
        {"reporter": "USA", "partner": "VNM", "hs_code": "6109", "period": str(COMTRADE_YEAR), "value_usd": 1e7},
        {"reporter": "USA", "partner": "WLD", "hs_code": "6109", "period": str(COMTRADE_YEAR), "value_usd": 9e7},
        # Comtrade for a BACI year: set aside, in the windows as in the single pass
        {"reporter": "USA", "partner": "CHN", "hs_code": "6109", "period": str(FIRST_YEAR + 2), "value_usd": 1e9},
    ]))
    return store.root


def test_windows_equal_the_single_pass_on_the_sample_store(metrics_store: Path, config: Config) -> None:
    """What `metrics` wrote (a year at a time, through the store) is what the single pass computes."""
    store = Store(metrics_store)
    stored = {table.name: store.read(table.name) for table in METRIC_TABLES}
    _assert_same_tables(_as_read(_single_pass(store, config)), stored)


def test_windows_equal_the_single_pass_on_a_baci_store(baci_store: Path, config: Config) -> None:
    store = Store(baci_store)
    expected = _single_pass(store, config)
    _assert_same_tables(expected, compute_tables_by_year(store, config))
    # the comparison reaches across years: the long CMS span, 5-year CAGR, growth in every later year
    cms = expected["group_cms"]
    assert cms.filter(pl.col("end_year") - pl.col("base_year") == 5).height > 0
    assert cms.filter(pl.col("end_year") - pl.col("base_year") == 1).get_column("end_year").n_unique() == BACI_YEARS
    assert expected["group_exporter"].get_column("cagr_5y").drop_nulls().len() > 0
    market = expected["group_market"]
    assert market.filter(pl.col("growth_yoy").is_not_null()).get_column("year").n_unique() >= BACI_YEARS - 1
    assert COMTRADE_YEAR in market.get_column("year").to_list()


def _files(root: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(table, partition folder) -> (inode, mtime in ns) of the year-partitioned tables' live data files."""
    store = Store(root)
    found = {}
    for table in (table for table in METRIC_TABLES if table.partition_by):
        version = store.current_version(table.name)
        for path in version.glob("*=*/*.parquet") if version else ():  # not the one file of an empty table
            stat = path.stat()
            found[(table.name, str(path.parent.relative_to(version)))] = (stat.st_ino, stat.st_mtime_ns)
    return found


def test_a_change_to_one_year_rewrites_only_the_years_that_read_it(baci_store: Path, config: Config,
                                                                    tmp_path: Path) -> None:
    store = Store(tmp_path / "data")

    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    # a table computed empty (no tariffs here) is stored as one file without rows, and counts as current
    assert store.has_data("group_tariff") and store.read("group_tariff").is_empty()
    assert metric_tables_current(store.root, config.directory)
    before = _files(store.root)
    kept = {path.name for path in (store.root / CACHE_FOLDER).iterdir()}
    changed = FIRST_YEAR + 2
    codes = store.read("group_hs").filter(pl.col("year") == changed).get_column("hs_code").unique().sort()
    year_rows = store.scan("trade").filter((pl.col("source") == "baci") & (pl.col("year") == changed)).collect()
    revised = pl.col("hs_code").is_in(codes.head(3).to_list())
    assert year_rows.filter(revised).height > 0
    # a revised year of the release: the whole year's rows, a few of them with new values
    store.upsert("trade", year_rows.with_columns(pl.when(revised).then(pl.col("value_usd") * 3)
                                                 .otherwise(pl.col("value_usd")).alias("value_usd")))
    steps: list[str] = []
    refresh_metric_tables(store, config, progress=steps.append)
    after = _files(store.root)

    # only the revised year was read from trade; every other year came from the parts kept by the first run
    assert _years_read(steps) == [changed]
    assert len([step for step in steps if "unchanged" in step]) == BACI_YEARS  # the Comtrade year too
    # recomputed (kept anew): the year's parts, its CMS spans, and the tables and export potential of the three
    # years whose window reads it (itself, the next year's growth, the 5-year CAGR); every other year's are reused
    renewed = {path.name for path in (store.root / CACHE_FOLDER).iterdir()} - kept
    windows = [f"{changed - 1}-{changed}", f"{changed}-{changed + 1}", f"{changed}-{changed + 4}-{changed + 5}"]
    assert {name.rpartition("-")[0] for name in renewed} == {
        f"year-{changed}", f"code-{changed}", f"cms-{changed - 1}-{changed}", f"cms-{changed}-{changed + 1}",
        f"cms-{changed}-{COMTRADE_YEAR}",  # the long span starts at the revised year
        *(f"{kind}-{window}" for kind in ("tables", "potential") for window in windows)}
    assert COMTRADE_YEAR - changed == CMS_LONG_SPAN_YEARS == CAGR_YEARS
    assert changed - 2 == FIRST_YEAR  # so the revised year's own window starts at the year before

    # what reads the year: its own rows, and the next year's growth (and CAGR's and CMS's spans, not checked)
    reaches = {"group_market": {changed, changed + 1}, "group_hs": {changed, changed + 1},
               "group_competition": {changed}, "group_exporter": {changed, changed + 1, changed + 5},
               "group_cms": {changed, changed + 1, COMTRADE_YEAR}}
    kept = 0
    for (table, partition), file in before.items():
        year = int(partition.split("=")[1])
        if year == changed and table in ("group_market", "group_hs"):
            assert after[(table, partition)] != file, (table, partition)  # rewritten
        elif (table in reaches and year not in reaches[table]) or year < changed:
            assert after[(table, partition)] == file, (table, partition)  # the same file
            kept += 1
    assert kept >= 3 * BACI_YEARS
    # the tables are still what the single pass computes from the revised store
    _assert_same_tables(_as_read(_single_pass(store, config)),
                        {table.name: store.read(table.name) for table in METRIC_TABLES})


def _years_read(steps: list[str]) -> list[int]:
    return [int(step.split(":")[0]) for step in steps if "read from trade" in step]


def _entries(root: Path, prefix: str) -> list[Path]:
    return sorted((root / CACHE_FOLDER).glob(f"{prefix}-*"))


def test_the_kept_year_tables_are_the_stores_files_linked_not_written_again(baci_store: Path, config: Config,
                                                                           tmp_path: Path) -> None:
    """A year's kept group_market, group_exporter, group_competition, group_hs and export potential are the very
    files the store published for that year (one inode, two names): written once. Read back, they are the
    stored rows with their year."""
    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    year = FIRST_YEAR + 3
    [tables] = _entries(store.root, f"tables-{year - 1}-{year}")
    [potential] = _entries(store.root, f"potential-{year - 1}-{year}")
    kept = {name: tables / f"{name}.parquet" for name in
            ("group_market", "group_exporter", "group_competition", "group_hs")}
    kept["group_export_potential"] = potential / "group_export_potential.parquet"
    for table, path in kept.items():
        live = store.root / table / store.version_name(table) / f"year={year}" / "part-0.parquet"
        assert path.stat().st_ino == live.stat().st_ino and path.stat().st_nlink >= 2, table
    assert (tables / "within.parquet").stat().st_nlink == 1  # rows no store table holds are written
    inputs = inputs_fingerprint(store.root, config.directory)
    read = PartsCache(store.root, f"{inputs['config']}+{inputs['code']}").load("tables", [year - 1, year])
    assert read is not None
    for table in ("group_market", "group_exporter", "group_competition", "group_hs"):
        key = list(schema_for(table).key)
        as_read = mirror_rows(read[table].lazy(), schema_for(table)).collect()
        assert as_read.columns == schema_for(table).column_names
        assert_frame_equal(as_read.sort(key), store.read(table).filter(pl.col("year") == year).sort(key))


def test_tables_from_the_kept_parts_equal_the_single_pass_and_damage_costs_only_time(
        baci_store: Path, config: Config, tmp_path: Path) -> None:
    """A run that reads no year of trade (every year's parts kept) writes the same tables; a kept entry that
    is damaged (a truncated file) or half-written (no marker: a killed run) is read again from trade, and what
    a killed run left, or a year no longer stored, is removed."""
    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    first: list[str] = []
    refresh_metric_tables(store, config, progress=first.append)
    assert _years_read(first) == list(range(FIRST_YEAR, COMTRADE_YEAR + 1))
    expected = _as_read(_single_pass(store, config))

    again: list[str] = []
    refresh_metric_tables(store, config, progress=again.append)
    assert _years_read(again) == []
    _assert_same_tables(expected, {table.name: store.read(table.name) for table in METRIC_TABLES})

    [truncated] = _entries(store.root, f"year-{FIRST_YEAR + 1}")
    flows = truncated / "flows.parquet"
    flows.write_bytes(flows.read_bytes()[:100])
    [unfinished] = _entries(store.root, f"code-{FIRST_YEAR + 4}")
    (unfinished / COMPLETE_MARKER).unlink()
    leftover = store.root / CACHE_FOLDER / f".year-{FIRST_YEAR}.999999.{'0' * 32}"
    leftover.mkdir()
    gone = store.root / CACHE_FOLDER / f"year-1999-{'0' * 24}"
    gone.mkdir()
    damaged: list[str] = []
    refresh_metric_tables(store, config, progress=damaged.append)
    # the truncated year is read again; the unfinished code-level rows, needed by no CMS span, are removed
    assert _years_read(damaged) == [FIRST_YEAR + 1]
    _assert_same_tables(expected, {table.name: store.read(table.name) for table in METRIC_TABLES})
    assert not leftover.exists() and not gone.exists() and not unfinished.exists()
    assert len(_entries(store.root, f"year-{FIRST_YEAR + 1}")) == 1


def test_new_projections_recompute_the_export_potential_alone(baci_store: Path, config: Config,
                                                              tmp_path: Path) -> None:
    """A new WEO row reads no year of trade and reuses every year's tables; only the export potential, which
    reads the projections, is computed again, and all tables still equal the single pass."""
    from datetime import UTC, datetime

    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    def entries() -> dict[str, int]:  # entry -> inode: an entry computed again is a new folder
        return {path.name: path.stat().st_ino for path in (store.root / CACHE_FOLDER).iterdir()}

    before = entries()
    store.upsert("weo", pl.DataFrame([{"source": "imf_weo", "indicator": "LP", "market": "USA", "year": FIRST_YEAR,
                                       "value": 330.0, "unit": "persons mn", "vintage": "2025-10",
                                       "fetched_at": datetime(2025, 11, 1, tzinfo=UTC)}],
                                     schema=schema_for("weo").polars_schema))
    steps: list[str] = []
    refresh_metric_tables(store, config, progress=steps.append)
    assert _years_read(steps) == []
    after = entries()
    assert after.keys() == before.keys()  # the same entries (their key reads trade, config and code)
    replaced = {name.split("-")[0] for name in after if after[name] != before[name]}
    assert replaced == {"potential"}
    assert sum(name.startswith("potential-") for name in after) == BACI_YEARS + 1
    _assert_same_tables(_as_read(_single_pass(store, config)),
                        {table.name: store.read(table.name) for table in METRIC_TABLES})


def test_metrics_force_reads_every_year_again(baci_store: Path, config: Config, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`metrics --force` does not trust the kept parts: every year is read from trade (and the progress says
    so, a line a year on stderr); a plain `metrics` after a new config reads every year too."""
    from tracker.cli import main

    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(store.root))
    assert main(["metrics", "--quiet"]) == 0
    assert "metrics:" not in capsys.readouterr().err
    assert main(["metrics", "--force"]) == 0
    err = capsys.readouterr().err
    assert err.count("read from trade") == BACI_YEARS + 1 and "unchanged" not in err
    rows_before = store.read("group_market").height

    config_copy = tmp_path / "config"
    shutil.copytree(config.directory, config_copy)
    with (config_copy / "sources.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes the file's hash, so every kept part is stale\n")
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(config_copy))
    assert main(["metrics"]) == 0
    assert capsys.readouterr().err.count("read from trade") == BACI_YEARS + 1
    assert store.read("group_market").height == rows_before


def test_an_older_store_with_unpartitioned_metric_tables_is_read_and_recomputed(baci_store: Path, config: Config,
                                                                                tmp_path: Path) -> None:
    """Metric tables written before the year partitions (one part-0.parquet per version) still read, and the
    next `metrics` replaces them with the partitioned layout; `store check` passes on both."""

    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    expected = store.read("group_market")
    table_dir = store.root / "group_market"
    old = table_dir / "v000099"  # an older release's layout: one file with the year column inside
    old.mkdir()
    expected.sort(list(schema_for("group_market").key)).write_parquet(old / "part-0.parquet")
    (table_dir / "CURRENT").write_text("v000099", encoding="utf-8")
    assert_frame_equal(store.read("group_market").sort(["group", "exporter", "market", "year"]),
                       expected.sort(["group", "exporter", "market", "year"]))
    assert all(report.ok for report in check_store(store))

    refresh_metric_tables(store, config)
    version = store.current_version("group_market")
    assert not (version / "part-0.parquet").exists() and any(version.glob("year=*/part-0.parquet"))
    assert_frame_equal(store.read("group_market").sort(["group", "exporter", "market", "year"]),
                       expected.sort(["group", "exporter", "market", "year"]))
    assert all(report.ok for report in check_store(store))


def test_a_failure_while_replacing_changes_no_table(baci_store: Path, config: Config, tmp_path: Path) -> None:
    """`Store.replacing` switches the tables only when the whole computation went through: an error raised
    while the parts are written (a damaged input met half-way) leaves every table as it was, with no staging
    folder left behind, and is raised as it is (not as a write failure)."""
    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    before = {name: store.version_name(name) for name in ("group_market", "group_hs")}
    expected = store.read("group_market")
    with pytest.raises(RuntimeError, match="input damaged"), store.replacing(list(before)) as write:
        write("group_market", expected.filter(pl.col("year") == FIRST_YEAR))
        raise RuntimeError("input damaged")
    assert {name: store.version_name(name) for name in before} == before
    assert not list(store.root.glob("*/.staging-*"))
    assert_frame_equal(store.read("group_market"), expected)


def test_a_year_that_cannot_be_read_stops_the_run_and_changes_nothing(baci_store: Path, config: Config,
                                                                      tmp_path: Path) -> None:
    """A later year's trade file damaged inside (read on the read-ahead thread while the year before is
    computed): the run stops with the error, no table or kept entry changes, and no thread is left running."""
    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    refresh_metric_tables(store, config)
    before = _files(store.root)
    entries = sorted(path.name for path in (store.root / CACHE_FOLDER).iterdir())
    damaged = max((path for path in store.files("trade") if f"year={FIRST_YEAR + 4}" in str(path)),
                  key=lambda path: path.stat().st_size)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 3: len(data) // 3 + 2000] = bytes(2000)
    damaged.unlink()  # a new file (inode): the year's kept parts no longer stand for it
    damaged.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=rf"table 'trade' cannot be read for {FIRST_YEAR + 4} .*store check"):
        refresh_metric_tables(store, config, reuse_parts=False)
    assert _files(store.root) == before
    assert sorted(path.name for path in (store.root / CACHE_FOLDER).iterdir() if not path.name.startswith(".")) \
        == entries
    assert not list(store.root.glob("*/.staging-*"))
    assert not [thread.name for thread in threading.enumerate() if thread.name.startswith("tracker-")]


def test_the_years_come_from_the_partition_folders_of_files_that_hold_rows(baci_store: Path,
                                                                          tmp_path: Path) -> None:
    """trade_years reads the folder names (``year=2019``), not 280k rows' years; a file without rows (its
    year's rows all deleted) names no year, as the rows themselves would say."""
    store = Store(tmp_path / "data")
    shutil.copytree(baci_store, store.root)
    from_rows = sorted(store.scan("trade").select(pl.col("year").unique()).collect().get_column("year").to_list())
    assert trade_years(store) == from_rows == list(range(FIRST_YEAR, COMTRADE_YEAR + 1))
    template = store.files("trade")[0]
    empty = store.current_version("trade") / "source=baci" / "year=1990" / "part-0.parquet"
    empty.parent.mkdir(parents=True)
    pl.read_parquet(template).clear().write_parquet(empty)
    assert empty in store.files("trade")
    assert trade_years(store) == from_rows
