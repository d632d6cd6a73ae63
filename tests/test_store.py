"""The Parquet store: validation, upsert, pruning, the writer lock and crash safety, on real files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.conftest import trade_rows
from tracker.config import REPO_ROOT
from tracker.errors import SchemaError, StoreCorruptError, StoreLockedError, StoreWriteError
from tracker.store import Store
from tracker.store_check import check_table, repair_table
from tracker.tables import schema_for

T1 = datetime(2025, 1, 1, tzinfo=UTC)
T2 = datetime(2025, 2, 1, tzinfo=UTC)
T3 = datetime(2025, 7, 1, tzinfo=UTC)  # later than trade_rows' default fetch time


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(["source", "flow", "reporter", "partner", "hs_code", "period"])


def test_store_upsert_twice_leaves_same_table(store: Store) -> None:
    frame = trade_rows([{"partner": "CHN"}, {"partner": "VNM", "value_usd": 50.0}, {"period": "2022"}])
    store.upsert("trade", frame)
    first = _sorted(store.read("trade"))
    store.upsert("trade", frame)
    second = _sorted(store.read("trade"))
    assert second.height == 3
    assert_frame_equal(first, second)
    assert_frame_equal(first, _sorted(frame))


def test_store_upsert_newest_fetch_wins(store: Store) -> None:
    store.upsert("trade", trade_rows([{"value_usd": 1.0}, {"partner": "VNM", "value_usd": 5.0}], fetched_at=T1))
    store.upsert("trade", trade_rows([{"value_usd": 2.0}], fetched_at=T2))
    store.upsert("trade", trade_rows([{"value_usd": 0.5}], fetched_at=T1))  # an older fetch arriving late
    table = store.read("trade")
    values = dict(zip(table["partner"], table["value_usd"], strict=True))
    assert values == {"CHN": 2.0, "VNM": 5.0}


def test_store_upsert_keeps_untouched_partitions(store: Store) -> None:
    store.upsert("trade", trade_rows([{"period": "2021"}, {"period": "2022"}]))
    store.upsert("trade", trade_rows([{"period": "2023", "value_usd": 7.0}]))
    assert sorted(store.read("trade")["period"].to_list()) == ["2021", "2022", "2023"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda f: f.drop("value_usd"), "missing columns \\['value_usd'\\]"),
        (lambda f: f.with_columns(extra=pl.lit(1)), "unexpected columns \\['extra'\\]"),
        (lambda f: f.with_columns(pl.col("value_usd").cast(pl.Int64)), "wrong column types"),
        (lambda f: f.with_columns(hs_code=pl.lit("95x3")), "malformed values \\['95x3'\\]"),
        (lambda f: f.with_columns(partner=pl.lit("XXX")), "unknown ISO3 codes \\['XXX'\\]"),
        (lambda f: f.with_columns(flow=pl.lit("sideways")), "expected one of"),
        (lambda f: f.with_columns(value_usd=pl.lit(None, pl.Float64)), "'value_usd' has 1 null"),
        (lambda f: f.with_columns(value_usd=pl.lit(float("inf"))), "NaN or infinite"),
        (lambda f: pl.concat([f, f]), "duplicate natural key"),
        (lambda f: f.with_columns(year=pl.lit(1999, pl.Int32)), "year does not match period"),
        (lambda f: f.with_columns(period=pl.lit("2023-13")), "malformed values"),
    ],
)
def test_store_refuses_wrong_shape_and_writes_nothing(store: Store, mutate, expected: str) -> None:
    good = trade_rows([{"value_usd": 1.0}])
    store.upsert("trade", good)
    files_before = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and "lock" not in p.name}
    with pytest.raises(SchemaError, match=expected):
        store.upsert("trade", mutate(trade_rows([{"value_usd": 3.0}])))
    files_after = {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and "lock" not in p.name}
    assert files_after == files_before
    assert_frame_equal(store.read("trade"), good)


def test_store_unknown_table_is_refused(store: Store) -> None:
    with pytest.raises(SchemaError, match="no such table"):
        store.upsert("trades", trade_rows([{}]))


def test_store_empty_table_scans_with_schema(store: Store) -> None:
    frame = store.read("trade")
    assert frame.height == 0
    assert frame.columns[:3] == ["source", "flow", "reporter"]


def test_store_filter_on_year_and_source_prunes_files(store: Store) -> None:
    rows = [{"period": str(year), "partner": partner} for year in range(2015, 2025) for partner in ("CHN", "VNM")]
    store.upsert("trade", trade_rows(rows))
    store.upsert("trade", trade_rows([{"period": "2023"}], source="census"))
    assert len(store.files("trade")) == 11
    plan = store.scan("trade").filter((pl.col("year") == 2023) & (pl.col("source") == "comtrade")).explain()
    scanned = next(line for line in plan.splitlines() if "SCAN" in line)
    assert "source=comtrade/year=2023/" in scanned
    assert "year=2022" not in scanned and "source=census" not in scanned
    result = store.scan("trade").filter(pl.col("year") == 2023).collect()
    assert sorted(result["source"].to_list()) == ["census", "comtrade", "comtrade"]


def test_store_old_versions_are_cleaned(store: Store) -> None:
    for value in range(5):
        store.upsert("trade", trade_rows([{"value_usd": float(value + 1)}], fetched_at=T1))
    versions = sorted(p.name for p in (store.root / "trade").glob("v*"))
    assert len(versions) == 2  # live and its predecessor, for readers still scanning it
    assert store.read("trade")["value_usd"].to_list() == [5.0]


def test_store_replace_swaps_whole_table(store: Store) -> None:
    store.upsert("trade", trade_rows([{"period": "2021"}, {"period": "2022"}]))
    store.replace("trade", trade_rows([{"period": "2020"}]))
    assert store.read("trade")["period"].to_list() == ["2020"]


def _child(code: str, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO_ROOT,
        env={**os.environ, "TRACKER_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )


def test_store_writer_lock_excludes_second_process(store: Store) -> None:
    holder = _child(
        """
        import time
        from tracker.store import Store
        with Store().writer_lock():
            print("locked", flush=True)
            time.sleep(30)
        """,
        store.root,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        impatient = Store(store.root, lock_timeout=0.3)
        with pytest.raises(StoreLockedError, match=f"pid {holder.pid}"):
            impatient.upsert("trade", trade_rows([{}]))
        assert not store.has_data("trade")
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    store.upsert("trade", trade_rows([{}]))  # the lock dies with its holder
    assert store.read("trade").height == 1


def test_store_two_writers_never_interleave(store: Store) -> None:
    code = """
        import sys
        from datetime import UTC, datetime
        from tests.conftest import trade_rows
        from tracker.store import Store
        partner = sys.argv[1]
        store = Store(lock_timeout=60)
        for year in range(2010, 2020):
            store.upsert("trade", trade_rows([{"partner": partner, "period": str(year)}]))
        """
    writers = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), partner], cwd=REPO_ROOT,
                         env={**os.environ, "TRACKER_DATA_DIR": str(store.root), "PYTHONPATH": str(REPO_ROOT)})
        for partner in ("CHN", "VNM")
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    table = store.read("trade")
    assert table.height == 20
    assert table.group_by("partner").len().sort("partner")["len"].to_list() == [10, 10]


def test_store_sigkill_during_write_leaves_old_or_new_table(store: Store) -> None:
    """Kill a writer at many moments; every time the table reads back whole, as before or after."""
    big = 40_000
    old = trade_rows([{"period": "2020", "value_usd": 1.0}])
    store.upsert("trade", old)
    writer_code = f"""
        from tracker.store import Store
        from tests.test_store import big_frame
        frame = big_frame({big})
        print("start", flush=True)
        Store().upsert("trade", frame)
        print("done", flush=True)
        """
    new = pl.concat([old, big_frame(big)])
    outcomes = set()
    for delay in (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.7, 1.0):
        writer = _child(writer_code, store.root)
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "start"
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        table = _sorted(Store(store.root).read("trade"))
        if table.height == old.height:
            assert_frame_equal(table, _sorted(old))
            outcomes.add("old")
        else:
            assert_frame_equal(table, _sorted(new))
            outcomes.add("new")
            store.replace("trade", old)  # reset for the next kill
    assert outcomes <= {"old", "new"}
    assert "old" in outcomes  # at least one kill landed mid-write
    store.upsert("trade", trade_rows([{"period": "2021"}]))  # leftovers never block the next writer
    assert not list((store.root / "trade").glob(".staging-*"))


def big_frame(rows: int) -> pl.DataFrame:
    """Many rows over many partitions, so a write takes long enough to be interrupted."""
    from tests.conftest import trade_rows as build

    years = [str(2000 + i % 20) for i in range(rows)]
    base = build([{"period": "2001"}])
    frame = pl.concat([base] * rows).with_columns(
        period=pl.Series(years),
        year=pl.Series(years).cast(pl.Int32),
        hs_code=pl.Series([f"{950300 + i % 1000:06d}" for i in range(rows)]),
        partner=pl.Series([("CHN", "VNM", "IND", "MEX")[i // 1000 % 4] for i in range(rows)]),
        reporter=pl.Series([("USA", "DEU", "FRA", "JPN", "GBR")[i // 4000 % 5] for i in range(rows)]),
        value_usd=pl.Series([float(i) for i in range(rows)]),
    )
    return frame.unique(subset=["flow", "reporter", "partner", "hs_code", "period"], keep="first")


# ----------------------------------------------------------------- damaged pointer, damaged files, full disk
def _two_versions(store: Store) -> pl.DataFrame:
    """A table with a live version and its kept predecessor (2022 rewritten, 2023 hard-linked), as read back."""
    store.upsert("trade", trade_rows([{"period": "2022", "value_usd": 1.0}, {"period": "2023", "value_usd": 2.0}]))
    store.upsert("trade", trade_rows([{"period": "2022", "value_usd": 3.0}], fetched_at=T3))
    assert store.versions("trade") == ["v000001", "v000002"]
    return _sorted(store.read("trade"))


def _snapshot(store: Store) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in store.root.rglob("*") if p.is_file() and "lock" not in p.name}


@pytest.mark.parametrize("pointer", [b"", b"\n", b"\xff\xfe", b"../../etc", b"v000009"],
                         ids=["empty", "blank", "not-utf8", "not-a-version", "missing-version"])
def test_store_damaged_pointer_is_an_error_and_never_doubles_or_deletes(store: Store, pointer: bytes) -> None:
    _two_versions(store)
    (store.root / "trade" / "CURRENT").write_bytes(pointer)
    before = _snapshot(store)
    with pytest.raises(StoreCorruptError, match=r"table 'trade'.*store repair"):
        store.read("trade")  # was: every kept version scanned, rows doubled
    with pytest.raises(StoreCorruptError, match="table 'trade'"):
        store.upsert("trade", trade_rows([{"period": "2024"}]))  # was: both versions deleted
    assert _snapshot(store) == before


def test_store_missing_pointer_beside_versions_is_an_error(store: Store) -> None:
    _two_versions(store)
    (store.root / "trade" / "CURRENT").unlink()
    with pytest.raises(StoreCorruptError, match=r"pointer .* is missing but versions are kept"):
        store.scan("trade")
    with pytest.raises(StoreCorruptError):
        store.upsert("trade", trade_rows([{"period": "2024"}]))
    assert store.versions("trade") == ["v000001", "v000002"]
    assert store.tables() == ["trade"]  # a lost pointer does not hide the table from `store check`


def test_store_repair_points_an_empty_pointer_at_the_newest_complete_version(store: Store) -> None:
    table = _two_versions(store)
    (store.root / "trade" / "CURRENT").write_bytes(b"")
    assert not check_table(store, "trade").ok
    result = repair_table(store, "trade")
    assert (result.ok, result.changed) == (True, True) and "CURRENT now names v000002" in result.message
    assert_frame_equal(_sorted(store.read("trade")), table)
    assert store.versions("trade") == ["v000001", "v000002"]  # nothing deleted
    assert check_table(store, "trade").ok
    assert repair_table(store, "trade").changed is False  # a sound table is left alone


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def test_store_truncated_partition_is_named_on_read_and_write(store: Store) -> None:
    _two_versions(store)
    damaged = store.root / "trade" / "v000002" / "source=comtrade" / "year=2022" / "part-0.parquet"
    _truncate(damaged)
    with pytest.raises(StoreCorruptError, match=f"{re.escape(str(damaged))} is not a whole Parquet file.*store check"):
        store.scan("trade")
    with pytest.raises(StoreCorruptError, match=re.escape(str(damaged))):
        store.upsert("trade", trade_rows([{"period": "2024"}]))
    report = check_table(store, "trade")
    assert not report.ok and str(damaged) in report.structural[0]


def test_store_repair_steps_over_a_version_with_a_truncated_file_and_keeps_it(store: Store) -> None:
    store.upsert("trade", trade_rows([{"period": "2022", "value_usd": 1.0}, {"period": "2023", "value_usd": 2.0}]))
    first = _sorted(store.read("trade"))
    store.upsert("trade", trade_rows([{"period": "2022", "value_usd": 3.0}], fetched_at=T3))
    _truncate(store.root / "trade" / "v000002" / "source=comtrade" / "year=2022" / "part-0.parquet")
    result = repair_table(store, "trade")
    assert (result.ok, result.changed) == (True, True)
    assert "CURRENT now names v000001" in result.message and "broken-v000002" in result.message
    assert_frame_equal(_sorted(store.read("trade")), first)
    assert (store.root / "trade" / "broken-v000002").is_dir()  # renamed for inspection, not deleted
    store.upsert("trade", trade_rows([{"period": "2024"}]))
    assert store.version_name("trade") == "v000003" and (store.root / "trade" / "broken-v000002").is_dir()


def test_store_repair_without_a_complete_version_changes_nothing(store: Store) -> None:
    _two_versions(store)
    shared = store.root / "trade" / "v000002" / "source=comtrade" / "year=2023" / "part-0.parquet"
    _truncate(shared)  # hard-linked into both versions: neither is complete
    before = _snapshot(store)
    result = repair_table(store, "trade")
    assert (result.ok, result.changed) == (False, False) and "no complete version" in result.message
    assert _snapshot(store) == before


def test_store_check_reports_values_stored_before_a_rule_existed(store: Store) -> None:
    store.upsert("trade", trade_rows([{"period": "2023"}]))
    path = store.files("trade")[0]
    pl.read_parquet(path).with_columns(value_usd=pl.lit(-5.0)).write_parquet(path)  # as an older tracker allowed
    report = check_table(store, "trade")
    assert report.structural == [] and "column 'value_usd' holds -5.0" in report.content[0]
    result = repair_table(store, "trade")
    assert (result.ok, result.changed) == (False, False) and "nothing was changed" in result.message


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to make a real write fail with ENOSPC")
def test_store_full_disk_is_a_store_write_error_and_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's real write path, with Polars' Parquet output sent to /dev/full (every write: ENOSPC)."""
    store.upsert("trade", trade_rows([{"period": "2022"}]))
    before = _snapshot(store)
    real_write = pl.DataFrame.write_parquet
    monkeypatch.setattr(pl.DataFrame, "write_parquet", lambda self, path, **kw: real_write(self, "/dev/full", **kw))
    with pytest.raises(StoreWriteError, match=r"writing table 'trade'.*disk is full.*Nothing was changed") as caught:
        store.upsert("trade", trade_rows([{"period": "2023"}]))
    assert "No space left on device" in str(caught.value.__cause__)
    assert _snapshot(store) == before
    assert not list((store.root / "trade").glob(".staging-*"))


def test_store_file_corrupt_inside_is_named_by_read_and_check(store: Store) -> None:
    """Whole-looking file, damaged pages: `read` says which table, `store check` decodes it and names the file."""
    store.upsert("trade", big_frame(20_000))
    damaged = store.files("trade")[0]
    data = bytearray(damaged.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 2000] = bytes(2000)
    damaged.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError, match=r"table 'trade' cannot be read .*store check"):
        store.read("trade")
    report = check_table(store, "trade")
    assert len(report.structural) == 1 and report.structural[0].startswith(f"{damaged} cannot be decoded")


def _group_hs(years: list[int], value: float, growth: float | None) -> pl.DataFrame:
    """group_hs rows: two codes a year, the first with ``value`` and ``growth``."""
    count = 2 * len(years)
    return pl.DataFrame({
        "group": ["toys"] * count, "exporter": ["CHN"] * count, "hs_code": ["9503", "9504"] * len(years),
        "year": [year for year in years for _ in range(2)], "export_value_usd": [value, 2.0] * len(years),
        "share_of_group": [0.25, 0.75] * len(years), "growth_yoy": [growth, None] * len(years),
        "provenance": ["reported"] * count, "sources": ["baci"] * count,
        "newest_fetch": [datetime(2026, 1, 1, tzinfo=UTC)] * count, "sample": [False] * count,
    }, schema=schema_for("group_hs").polars_schema)


def _partition_files(store: Store, table: str) -> dict[str, int]:
    live = store.root / table / (store.root / table / "CURRENT").read_text().strip()
    return {path.parent.name: path.stat().st_ino for path in live.rglob("*.parquet")}


@pytest.mark.parametrize(("value", "growth", "kept"), [
    (1e9 * (1 + 3e-16), 0.1 * (1 - 2e-16), True),  # a parallel sum's last bits: the same rows, the same file
    (1e9 * (1 + 1e-9), 0.1, False),  # a real change, however small, is written
    (1e9, None, False),  # a value become null is a change
    (1e9, 0.1, True),
])
def test_store_replacing_keeps_a_partition_equal_to_its_live_file(store: Store, value: float, growth: float | None,
                                                                  kept: bool) -> None:
    """Store.replacing links a partition whose rows equal the live file (floats to SAME_FLOAT, all float columns
    compared in one query) and writes one that differs; the other year's file is kept either way."""
    store.replace("group_hs", _group_hs([2023, 2024], 1e9, 0.1))
    before = _partition_files(store, "group_hs")
    with store.replacing(["group_hs"]) as write:
        staged = write("group_hs", _group_hs([2024], value, growth))
        write("group_hs", _group_hs([2023], 1e9, 0.1))
        assert set(staged) == {(2024,)} and staged[(2024,)].is_file()  # the staged file, named by its values
    after = _partition_files(store, "group_hs")
    assert after["year=2023"] == before["year=2023"]
    assert (after["year=2024"] == before["year=2024"]) is kept
    stored = store.scan("group_hs").filter(pl.col("year") == 2024).collect().sort("hs_code")
    assert stored["export_value_usd"][0] == (1e9 if kept else value) and stored["growth_yoy"][0] == (
        0.1 if kept else growth)
