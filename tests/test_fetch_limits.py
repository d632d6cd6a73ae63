"""The fetch runner against hostile upstreams: request and source deadlines, stop requests, Ctrl-C and
SIGTERM (real processes), lying page counts and follow-up caps, and no key in `-v` debug output."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import client_for, local_config
from tests.loopback import Server, drip, loopback, peak_bytes_while, send
from tracker import fetch as fetch_module
from tracker.config import REPO_ROOT, Config, HttpSettings
from tracker.fetch import FetchInterrupted, run_fetch, stop_running_fetches
from tracker.http import HttpClient
from tracker.scheduling import read_job_runs
from tracker.sources.base import FetchScope, Request
from tracker.sources.worldbank import INDICATORS, WorldBankFetcher
from tracker.store import Store

REQUESTS = len(INDICATORS) + 1  # a World Bank run: each indicator's first page and the country list (capitals)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SECRET = "census-sekrit-0123456789"


def years_2023(config: Config) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), years=(2023,))


def with_http(config: Config, **changes: object) -> Config:
    return dataclasses.replace(config, http=dataclasses.replace(config.http, **changes))


def real_client(http: HttpSettings, cache_dir: Path) -> HttpClient:
    return HttpClient(http, None)


def log_rows(store: Store) -> list[dict[str, object]]:
    return store.read("fetch_log").sort("request").to_dicts()


@pytest.fixture(autouse=True)
def fresh_stop_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """``stop_running_fetches`` is process-wide: each test starts with it unset."""
    monkeypatch.setattr(fetch_module, "_STOP", threading.Event())


# ------------------------------------------------------------------------------------------ deadlines
def test_run_fetch_drip_server_fails_each_request_at_its_deadline(config: Config, store: Store) -> None:
    local = with_http(local_config(config, worldbank={}), request_deadline_seconds=1.5, max_concurrency=REQUESTS)
    with loopback(drip) as server:
        local = dataclasses.replace(local, sources={
            **local.sources, "worldbank": dataclasses.replace(local.sources["worldbank"], base_url=server.url)})
        started = time.monotonic()
        summary = run_fetch(local, store, ["worldbank"], years_2023(config), client_factory=real_client)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 2.5  # five requests at once, each cut at its deadline (a drip lasts 600 s)
    assert summary.failed == REQUESTS and server.arrived() == REQUESTS
    rows = log_rows(store)
    assert [row["status"] for row in rows] == ["failed"] * REQUESTS
    assert all("request deadline of 1.5 s passed while reading the body" in str(row["error"]) for row in rows)


def test_run_fetch_source_deadline_fails_what_is_left(config: Config, store: Store) -> None:
    answered: list[str] = []

    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.1 if not answered else 2.0)  # the first answer comes in time, the others would not
        answered.append(str(request.url))
        return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())

    local = with_http(local_config(config, worldbank={}), source_deadline_seconds=1.0, max_concurrency=1)
    started = time.monotonic()
    summary = run_fetch(local, store, ["worldbank"], years_2023(config), client_factory=client_for(slow),
                        now=lambda: NOW)
    elapsed = time.monotonic() - started
    assert elapsed < 2.5  # the 1 s deadline, not 0.1 + 4 × 2 s
    statuses = sorted(row["status"] for row in log_rows(store))
    assert statuses == ["empty"] + ["failed"] * (REQUESTS - 1)  # one answer came in time
    assert summary.failed == REQUESTS - 1
    failed = [row for row in log_rows(store) if row["status"] == "failed"]
    assert all("source deadline of 1 s (source_deadline_seconds)" in str(row["error"]) for row in failed)


def test_run_fetch_stop_request_logs_unfinished_requests_as_interrupted(config: Config, store: Store) -> None:
    answered = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if not answered.is_set():
            answered.set()
            stop_running_fetches()  # as the scheduler's shutdown does, from another thread
            return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())
        time.sleep(0.5)
        return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())

    local = with_http(local_config(config, worldbank={}), max_concurrency=1)
    with pytest.raises(FetchInterrupted):
        run_fetch(local, store, ["worldbank"], years_2023(config), client_factory=client_for(handler), now=lambda: NOW)
    rows = log_rows(store)
    interrupted = [row for row in rows if row["status"] == "interrupted"]
    assert len(interrupted) >= REQUESTS - 1 and len(rows) == REQUESTS
    assert all(row["finished_at"] is None for row in interrupted)


# --------------------------------------------------------------------------- follow-ups and page counts
def _lying_first_page(pages: int, per_page: int, total: int) -> bytes:
    page = json.loads((FIXTURES / "worldbank" / "gdp_page1.json").read_bytes())
    page[0].update(pages=pages, per_page=per_page, total=total)
    return json.dumps(page).encode()


@pytest.mark.parametrize(
    ("pages", "per_page", "total", "error"),
    [
        (100_000, 5, 9, "page 1 does not add up: pages=100000, per_page=5, total=9"),
        (100_000, 1, 100_000, "page 1 does not add up"),  # 5 records on a page of 1
        (100_000, 5, 500_000, "page 1 says there are 100,000 pages; at most 101 are followed"),
    ],
    ids=["pages-against-total", "records-against-per-page", "consistent-but-huge"],
)
def test_run_fetch_lying_page_count_queues_nothing(
    config: Config, store: Store, pages: int, per_page: int, total: int, error: str
) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        if request.url.path.endswith("NY.GDP.MKTP.CD"):
            return httpx.Response(200, content=_lying_first_page(pages, per_page, total))
        return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())

    local = local_config(config, worldbank={})

    def fetch() -> None:
        summary = run_fetch(local, store, ["worldbank"], years_2023(config), client_factory=client_for(handler),
                            now=lambda: NOW)
        assert summary.failed == 1 and summary.rows_written == 0

    peak = peak_bytes_while(fetch)
    assert len(asked) == REQUESTS  # page 1 of each indicator and the country list, no follow-up
    failed = store.read("fetch_log").filter(pl.col("status") == "failed")
    assert failed.height == 1 and error in failed.item(0, "error")
    assert store.read("macro").height == 0
    assert peak < 30_000_000  # 100,000 queued requests took over 100 MB of Python objects


class ManyFollowUps(WorldBankFetcher):
    """A fetcher whose first answer calls for one follow-up more than the cap."""

    def follow_up(self, request: Request, body: bytes) -> list[Request]:
        if request.cursor.endswith("page1"):
            return [dataclasses.replace(request, cursor=f"{request.cursor}/more{index}") for index in range(101)]
        return []


def test_run_fetch_caps_follow_ups_per_answer(config: Config, store: Store) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())

    summary = run_fetch(local_config(config, worldbank={}), store, ["worldbank"], years_2023(config),
                        client_factory=client_for(handler), fetchers={"worldbank": ManyFollowUps()}, now=lambda: NOW)
    assert len(asked) == REQUESTS and summary.failed == len(INDICATORS)  # the country list has no page 1
    errors = store.read("fetch_log").filter(pl.col("status") == "failed").get_column("error").to_list()
    assert len(errors) == len(INDICATORS)
    assert all("calls for 101 follow-up requests, more than the 100 one answer may" in str(e) for e in errors)


# ------------------------------------------------------------------------- real processes and signals
def _env(tmp_path: Path, config_dir: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in ("COMTRADE_API_KEY", "CENSUS_API_KEY")}
    env.update(TRACKER_CONFIG_DIR=str(config_dir), TRACKER_DATA_DIR=str(tmp_path / "data"),
               PYTHONPATH=str(REPO_ROOT), **extra)
    return env


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def test_fetch_command_ctrl_c_stops_within_seconds_and_logs_interrupted(tmp_path: Path,
                                                                        fast_config_dir: Path) -> None:
    with loopback(drip) as server:
        command = [sys.executable, "-m", "tracker", "fetch", "--source", "worldbank", "--years", "2023",
                   "--no-progress"]
        env = _env(tmp_path, fast_config_dir, TRACKER_WORLDBANK_BASE_URL=server.url)
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        try:
            assert _wait_for(lambda: server.arrived() >= 1)
            time.sleep(0.5)  # the requests are now reading their drip
        finally:
            process.send_signal(signal.SIGINT)
            signalled = time.monotonic()
            _, stderr = process.communicate(timeout=60)
        stopped_after = time.monotonic() - signalled
    print(f"SIGINT: process ended {stopped_after:.2f} s after the signal")
    assert process.returncode == 130, stderr
    assert stopped_after < 5.0
    rows = Store(tmp_path / "data").read("fetch_log")
    assert rows.height >= 1 and set(rows.get_column("status")) == {"interrupted"}


SERVE_FETCH = """
import logging, sys
from tracker.config import CronSchedule, load_config
from tracker.scheduling import JobSpec, finish_process, serve

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
spec = JobSpec("fetch.worldbank", "tracker.scheduling.pipeline:fetch_and_refresh", {"source_id": "worldbank"},
               CronSchedule({"second": "*"}))
sys.exit(finish_process(serve(load_config(), sys.argv[1], [spec])))
"""


def test_schedule_sigterm_during_a_fetch_logs_interrupted_requests(tmp_path: Path, fast_config_dir: Path) -> None:
    schedule = fast_config_dir / "schedule.toml"
    schedule.write_text(schedule.read_text(encoding="utf-8").replace(
        "shutdown_grace_seconds = 60", "shutdown_grace_seconds = 0.5"), encoding="utf-8")
    data = tmp_path / "data"
    with loopback(drip) as server:
        env = _env(tmp_path, fast_config_dir, TRACKER_WORLDBANK_BASE_URL=server.url)
        process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SERVE_FETCH), str(data)], cwd=REPO_ROOT,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert _wait_for(lambda: server.arrived() >= 1)
            time.sleep(0.5)
        finally:
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            _, stderr = process.communicate(timeout=60)
        stopped_after = time.monotonic() - signalled
    print(f"SIGTERM: process ended {stopped_after:.2f} s after the signal")
    assert process.returncode == 143, stderr
    assert stopped_after < 8.0  # the 0.5 s grace, then the fetch stops at its next poll
    assert "raised an exception" not in stderr  # the interrupt ended the job; APScheduler saw no error
    fetch_log = Store(data).read("fetch_log")
    assert fetch_log.height >= 1 and set(fetch_log.get_column("status")) == {"interrupted"}
    runs = read_job_runs(data)
    assert runs.select("job_id", "status").rows() == [("fetch.worldbank", "interrupted")]
    assert "FetchInterrupted" in runs.item(0, "error")


def test_fetch_command_verbose_never_prints_the_census_key(tmp_path: Path, fast_config_dir: Path) -> None:
    def echo(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 400, f"error: unknown variable in {handler.path}".encode(), Location=handler.path)

    with loopback(echo) as server:
        command = [sys.executable, "-m", "tracker", "-v", "fetch", "--source", "census", "--groups", "toys",
                   "--years", "2023", "--no-progress"]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                              env=_env(tmp_path, fast_config_dir, TRACKER_CENSUS_BASE_URL=server.url,
                                       CENSUS_API_KEY=SECRET))
    output = done.stdout + done.stderr
    assert server.arrived() >= 1 and all(f"key={SECRET}" in path for path, _ in server.seen)  # it was sent
    assert "DEBUG httpcore." in output and "key=***" in output  # debug lines of httpcore's child loggers
    assert SECRET not in output
    assert SECRET not in str(Store(tmp_path / "data").read("fetch_log").rows())
