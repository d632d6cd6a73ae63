"""Nothing new means nothing written: no-op upserts, `unchanged` fetches, current metric tables, the scheduled job."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES, trade_rows
from tests.fetch_helpers import (
    Handler,
    client_for,
    comtrade_answer,
    local_config,
    no_comtrade_key,  # noqa: F401  (autouse fixture)
)
from tracker import cli
from tracker.config import REPO_ROOT, Config, load_config
from tracker.fetch import run_fetch
from tracker.freshness import metric_tables_current
from tracker.refresh import refresh
from tracker.scheduling.pipeline import fetch_and_refresh
from tracker.sources import get_fetcher
from tracker.sources.base import FetchScope, Parsed, Request
from tracker.store import Store
from tracker.tables import MACRO, METRIC_TABLES

T1 = datetime(2025, 6, 1, tzinfo=UTC)
T2 = datetime(2025, 7, 1, tzinfo=UTC)
METRIC_NAMES = [schema.name for schema in METRIC_TABLES]


def versions(store: Store, tables: list[str]) -> dict[str, str | None]:
    return {table: store.version_name(table) for table in tables}


# ----------------------------------------------------------------------------------------------- the store
def test_store_upsert_of_stored_rows_writes_no_version(store: Store) -> None:
    frame = trade_rows([{"partner": "CHN"}, {"partner": "VNM", "value_usd": 50.0}, {"period": "2022"}], fetched_at=T1)
    first = store.upsert("trade", frame)
    again = store.upsert("trade", frame.with_columns(fetched_at=pl.lit(T2, pl.Datetime("us", "UTC"))))
    assert first.changed and not again.changed
    assert again.version == first.version == store.version_name("trade") and again.partitions_written == 0
    assert again.rows_after == 3
    assert set(store.read("trade").get_column("fetched_at")) == {T1}  # the values' first fetch is kept
    late = store.upsert("trade", trade_rows([{"partner": "VNM", "value_usd": 1.0}], fetched_at=datetime(2025, 1, 1,
                                                                                                    tzinfo=UTC)))
    assert not late.changed  # an older fetch arriving late changes nothing either
    assert not store.upsert("trade", trade_rows([])).changed


def test_store_upsert_of_one_changed_value_writes_a_version(store: Store) -> None:
    store.upsert("trade", trade_rows([{"partner": "CHN"}, {"partner": "VNM"}], fetched_at=T1))
    before = store.version_name("trade")
    changed = store.upsert("trade", trade_rows([{"partner": "VNM", "value_usd": 7.0}], fetched_at=T2))
    assert changed.changed and changed.version != before
    values = dict(store.read("trade").select("partner", "value_usd").rows())
    assert values == {"CHN": 100.0, "VNM": 7.0}
    added = store.upsert("trade", trade_rows([{"partner": "CHN"}, {"partner": "DEU"}], fetched_at=T2))
    assert added.changed and store.read("trade").height == 3  # one stored row, one new: written


# ---------------------------------------------------------------------------------------------- the fetch
def toys(config: Config) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), reporters=("CHN",), years=(2020,))


def same_bodies(etag: bool) -> Handler:
    """The same answer every time; with ``etag``, a revalidating request is answered 304."""

    def handler(request: httpx.Request) -> httpx.Response:
        if etag and request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=comtrade_answer(request), headers={"ETag": '"v1"'} if etag else {})

    return handler


@pytest.mark.parametrize("etag", [False, True], ids=["same-body", "304"])
def test_run_fetch_twice_with_nothing_new_leaves_every_data_table_version(
    config: Config, store: Store, etag: bool
) -> None:
    local = local_config(config, comtrade={"flows": ("export",)})
    factory = client_for(same_bodies(etag))
    first = run_fetch(local, store, ["comtrade"], toys(config), client_factory=factory, now=lambda: T1)
    assert first.sources["comtrade"].rows_written == 12
    data_tables = [table for table in store.tables() if table != "fetch_log"]
    before = versions(store, data_tables)
    assert list(before) == ["trade"]
    assert store.version_name("fetch_log") == "v000001"  # the run's two log rows: one write

    # a day later, with nothing fresh enough to skip: every request is made again
    second = run_fetch(local, store, ["comtrade"], toys(config), client_factory=factory, now=lambda: T2,
                       max_age_days=0)
    summary = second.sources["comtrade"]
    assert (summary.requests, summary.rows_written, summary.unchanged, summary.failed) == (2, 0, 2, 0)
    assert summary.cached == (2 if etag else 0)
    assert versions(store, data_tables) == before
    assert store.version_name("fetch_log") == "v000002"  # one more write for the whole run
    log = store.read("fetch_log").sort("started_at")
    assert log.get_column("status").to_list() == ["ok", "ok", "unchanged", "unchanged"]
    assert log.get_column("rows_written").to_list() == [6, 6, 0, 0]
    assert set(store.read("trade").get_column("fetched_at")) == {T1}


def test_run_fetch_304_body_never_stored_is_written(config: Config, store: Store) -> None:
    """A body cached by the HTTP client but not stored (the run stopped before its upsert) is not skipped on 304."""
    local = local_config(config, comtrade={"flows": ("export",)})
    served = {"scale": 1}

    def handler(request: httpx.Request) -> httpx.Response:
        tag = f'"v{served["scale"]}"'
        if request.headers.get("if-none-match") == tag:
            return httpx.Response(304)
        answer = json.loads(comtrade_answer(request))
        for record in answer["data"]:
            record["primaryValue"] *= served["scale"]
        return httpx.Response(200, content=json.dumps(answer).encode(), headers={"ETag": tag})

    factory = client_for(handler)
    run_fetch(local, store, ["comtrade"], toys(config), client_factory=factory, now=lambda: T1)
    before = store.read("trade").get_column("value_usd").sort().to_list()
    served["scale"] = 9  # upstream revises: the next run caches the new bodies, then stops before storing them

    class StoppedComtrade(type(get_fetcher("comtrade"))):  # type: ignore[misc]
        def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fetch(local, store, ["comtrade"], toys(config), client_factory=factory, now=lambda: T2, max_age_days=0,
                  fetchers={"comtrade": StoppedComtrade()})
    assert store.read("trade").get_column("value_usd").sort().to_list() == before

    summary = run_fetch(local, store, ["comtrade"], toys(config), client_factory=factory, now=lambda: T2,
                        max_age_days=0).sources["comtrade"]
    assert summary.cached >= 1 and summary.rows_written == 12  # 304s, and the cached new bodies were stored
    assert store.read("trade").get_column("value_usd").sort().to_list() == [9 * value for value in before]


# -------------------------------------------------------------------------------------------- the metrics
def small_trade(chn_2023: float = 60.0) -> pl.DataFrame:
    rows = []
    for period, chn, vnm, world in (("2022", 60.0, 20.0, 100.0), ("2023", chn_2023, 60.0, 150.0)):
        rows += [
            {"reporter": "USA", "partner": "CHN", "period": period, "value_usd": chn},
            {"reporter": "USA", "partner": "VNM", "period": period, "value_usd": vnm},
            {"reporter": "USA", "partner": "WLD", "period": period, "value_usd": world},
        ]
    return trade_rows(rows, fetched_at=T1)


def run_metrics(*flags: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["metrics", *flags]) == 0
    return capsys.readouterr().out


def test_metrics_twice_in_a_row_computes_once(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store.upsert("trade", small_trade())
    assert "metrics computed and written" in run_metrics(capsys=capsys)
    computed = versions(store, METRIC_NAMES)
    assert all(computed.values())
    assert "metric tables are current" in run_metrics(capsys=capsys)
    assert versions(store, METRIC_NAMES) == computed
    assert "metrics computed and written" in run_metrics("--force", capsys=capsys)
    assert all(store.version_name(name) != computed[name] for name in METRIC_NAMES)


def test_metrics_recompute_after_one_changed_value_shows_it_in_group_market(store: Store, config: Config) -> None:
    store.upsert("trade", small_trade())
    assert refresh(store.root, config) is not None
    assert refresh(store.root, config) is None
    store.upsert("trade", small_trade(chn_2023=90.0).filter(pl.col("period") == "2023"))
    assert not metric_tables_current(store.root, config.directory)
    assert refresh(store.root, config) is not None
    row = store.read("group_market").filter(
        (pl.col("group") == "toys") & (pl.col("exporter") == "CHN") & (pl.col("market") == "USA")
        & (pl.col("year") == 2023)
    ).row(0, named=True)
    assert row["export_value_usd"] == 90.0
    assert abs(row["market_share"] - 90.0 / 150.0) < 1e-12
    assert abs(row["growth_yoy"] - (90.0 / 60.0 - 1)) < 1e-12


def test_metrics_stale_after_a_config_change_or_a_replaced_table(store: Store, config_dir: Path) -> None:
    store.upsert("trade", small_trade())
    config = load_config(config_dir)
    refresh(store.root, config)
    assert metric_tables_current(store.root, config_dir)
    groups = config_dir / "product_groups.toml"
    original = groups.read_bytes()
    groups.write_bytes(original + b"\n# edited\n")
    assert not metric_tables_current(store.root, config_dir)
    groups.write_bytes(original)
    assert metric_tables_current(store.root, config_dir)
    store.replace("group_hs", store.read("group_hs").head(0))  # someone else wrote a metric table
    assert not metric_tables_current(store.root, config_dir)
    refresh(store.root, config)
    assert metric_tables_current(store.root, config_dir)
    store.upsert("macro", MACRO.empty())  # not an input of the metrics
    assert metric_tables_current(store.root, config_dir)


def test_metrics_stale_after_an_edit_of_any_module_the_computation_imports(store: Store, config_dir: Path,
                                                                             tmp_path: Path) -> None:
    """In a copy of the project, editing baci/precedence.py or countries.py (imported by the metrics, and missed
    by the hand-kept list the fingerprint once used) makes the tables stale; editing a UI module does not."""
    store.upsert("trade", small_trade())
    assert refresh(store.root, load_config(config_dir)) is not None
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "tracker", project / "tracker", ignore=shutil.ignore_patterns("__pycache__"))
    question = ("import sys, tracker; from pathlib import Path; from tracker.freshness import metric_tables_current; "
                f"assert tracker.__file__.startswith({str(project)!r}), tracker.__file__; "
                f"print(metric_tables_current(Path({str(store.root)!r}), Path({str(config_dir)!r})))")

    def current() -> bool:
        answer = subprocess.run([sys.executable, "-c", question], cwd=project, capture_output=True, text=True,
                                check=True, timeout=60)
        return {"True\n": True, "False\n": False}[answer.stdout]

    assert current()  # the copy's code is the same code
    for module in ("baci/precedence.py", "countries.py"):
        path = project / "tracker" / module
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        assert not current(), module
        path.write_bytes(original)
        assert current(), module
    (project / "tracker" / "ui" / "charts.py").write_text("# not imported by the metrics\n", encoding="utf-8")
    assert current()


# ---------------------------------------------------------------------------------------- the scheduled job
def worldbank_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = httpx.URL(f"http://loopback{self.path}")
            if url.path.endswith("/indicator/NY.GDP.MKTP.CD"):
                body = (FIXTURES / "worldbank" / f"gdp_page{url.params['page']}.json").read_bytes()
            else:
                body = (FIXTURES / "worldbank" / "empty.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def worldbank_url() -> Iterator[str]:
    yield from worldbank_server()


def test_scheduled_fetch_with_nothing_new_skips_metrics_and_alerts(
    store: Store, config_dir: Path, worldbank_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = config_dir / "sources.toml"
    sources.write_text(re.sub(r"requests_per_minute = \d+", "requests_per_minute = 6000",
                              sources.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("TRACKER_WORLDBANK_BASE_URL", worldbank_url)
    config = load_config(config_dir)
    store.upsert("trade", small_trade())

    first = fetch_and_refresh(config, store, "worldbank")
    assert "0 failed" in first and f"metrics: {len(METRIC_NAMES)} tables" in first and "alerts:" in first
    assert "not evaluated" not in first
    watched = ["macro", "trade", "alerts", *METRIC_NAMES]
    before = versions(store, watched)
    log_version = store.version_name("fetch_log")

    # the job runs again the next day: the same answers (the recent years are always asked again)
    second = fetch_and_refresh(config, store, "worldbank")
    assert "rows written" in second and second.startswith("worldbank: 0 rows written, 0 failed")
    assert "metrics: tables are current" in second and "alerts: nothing changed, not evaluated" in second
    assert versions(store, watched) == before
    assert store.version_name("fetch_log") == f"v{int(log_version[1:]) + 1:06d}"
    statuses = store.read("fetch_log").sort("started_at").get_column("status").to_list()
    assert set(statuses[len(statuses) // 2:]) <= {"unchanged", "empty"}


def test_startup_module_is_quick_no_op_on_a_current_store(store: Store, config: Config,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from tracker import startup

    store.upsert("trade", small_trade())
    assert startup.main() == 0
    assert "metrics computed and written" in capsys.readouterr().out
    computed = versions(store, METRIC_NAMES)
    assert startup.main() == 0
    assert "metric tables are current" in capsys.readouterr().out
    assert versions(store, METRIC_NAMES) == computed

