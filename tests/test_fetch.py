"""The fetch runner and the `fetch` command: per-request writes, fetch_log rows, isolation, incremental re-runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
from tracker import sources as sources_module
from tracker.config import Config, SourceSettings
from tracker.errors import ConfigError
from tracker.fetch import run_fetch
from tracker.http import HttpClient
from tracker.sources import FETCHERS, MODULES, get_fetcher
from tracker.sources.base import FetchScope, Parsed, Request
from tracker.store import Store
from tracker.tables import TRADE

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SECRET = "sekrit-key-0123456789"


def toys(config: Config, years: tuple[int, ...] = (2020,)) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), reporters=("CHN",), years=years)


def comtrade_handler(bad_codes: str | None = None, bad_body: bytes = b"") -> tuple[Handler, list[str]]:
    """Good answers, except ``bad_body`` for the request whose cmdCode is ``bad_codes``."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.url.params['period']}/{request.url.params['cmdCode']}")
        if request.url.params["cmdCode"] == bad_codes:
            return httpx.Response(200, content=bad_body)
        return httpx.Response(200, content=comtrade_answer(request))

    return handler, asked


@pytest.mark.parametrize(
    ("bad_body", "error"),
    [
        ((FIXTURES / "comtrade" / "gateway_error.html").read_bytes(), "answer is not JSON"),
        (b'{"elapsedTime": "0.1 secs", "count": 3, "data": [{"typeCode": "C", "fre', "answer is not JSON"),
        (b'{"elapsedTime": "0.1 secs", "count": 0, "error": ""}', "answer has no 'data' list"),
    ],
    ids=["html", "truncated-json", "missing-data"],
)
def test_run_fetch_malformed_body_writes_nothing_for_that_request(
    config: Config, store: Store, bad_body: bytes, error: str
) -> None:
    earlier = trade_rows([{"reporter": "CHN", "partner": "DEU", "flow": "export", "period": "2019"}])
    store.upsert("trade", earlier)
    local = local_config(config, comtrade={"flows": ("export",)})
    handler, _ = comtrade_handler(bad_codes="9505,TOTAL", bad_body=bad_body)
    summary = run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(handler), now=lambda: NOW)
    trade = store.read("trade")
    assert sorted(trade.filter(pl.col("period") == "2020").get_column("hs_code").unique().to_list()) == ["9503", "9504"]
    assert trade.filter(pl.col("period") == "2019").height == 1  # earlier data intact
    assert (summary.sources["comtrade"].failed, summary.sources["comtrade"].rows_written) == (1, 6)
    log = store.read("fetch_log").sort("status")
    assert log.select("status", "rows_written").rows() == [("failed", 0), ("ok", 6)]
    failed = log.row(0, named=True)
    assert error in failed["error"] and "9505,TOTAL" in failed["request"]
    assert failed["finished_at"] >= failed["started_at"]


def test_run_fetch_failing_source_does_not_stop_the_next(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "comtradeapi.un.org":
            return httpx.Response(500, text="down")
        if request.url.path.endswith("NY.GDP.MKTP.CD"):
            page = request.url.params["page"]
            return httpx.Response(200, content=(FIXTURES / "worldbank" / f"gdp_page{page}.json").read_bytes())
        return httpx.Response(200, content=(FIXTURES / "worldbank" / "empty.json").read_bytes())

    local = local_config(config, comtrade={"flows": ("export",)}, worldbank={})
    summary = run_fetch(local, store, ["comtrade", "worldbank"], toys(config), client_factory=client_for(handler),
                        now=lambda: NOW)
    assert summary.sources["comtrade"].failed == 2 and summary.sources["comtrade"].rows_written == 0
    assert summary.sources["worldbank"].failed == 0 and summary.sources["worldbank"].rows_written == 5
    assert summary.failed == 2
    log = store.read("fetch_log")
    errors = log.filter(pl.col("source") == "comtrade").get_column("error").to_list()
    assert all("gave up" in text and "HTTP 500" in text for text in errors)
    assert store.read("macro").height == 5


class BrokenPlan:
    source_id = "census"

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        raise ValueError("planning exploded")

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None: ...

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        raise AssertionError("never called")


def test_run_fetch_source_that_cannot_plan_is_logged_and_others_run(config: Config, store: Store) -> None:
    handler, asked = comtrade_handler()
    local = local_config(config, comtrade={"flows": ("export",)})
    fetchers = {"census": BrokenPlan(), "comtrade": get_fetcher("comtrade")}
    summary = run_fetch(local, store, ["census", "comtrade"], toys(config), client_factory=client_for(handler),
                        fetchers=fetchers, now=lambda: NOW)
    assert summary.sources["census"].failed == 1 and len(asked) == 2
    row = store.read("fetch_log").filter(pl.col("source") == "census").row(0, named=True)
    assert row["status"] == "failed" and "planning exploded" in row["error"]


def without_fetched_at(store: Store) -> pl.DataFrame:
    return store.read("trade").drop("fetched_at").sort(list(TRADE.key))


def test_run_fetch_rerun_is_incremental_and_equals_clean_run(config: Config, tmp_path: Path) -> None:
    local = local_config(config, comtrade={"flows": ("export",)})
    scope = toys(config, years=(2020, 2025))  # 2025 is recent on NOW: always refetched
    handler, asked = comtrade_handler()
    twice = Store(tmp_path / "twice", lock_timeout=5)
    run_fetch(local, twice, ["comtrade"], scope, client_factory=client_for(handler), now=lambda: NOW)
    assert len(asked) == 4
    asked.clear()
    summary = run_fetch(local, twice, ["comtrade"], scope, client_factory=client_for(handler), now=lambda: NOW)
    assert sorted(asked) == ["2025/9503,9504", "2025/9505,TOTAL"]
    assert (summary.sources["comtrade"].skipped, summary.sources["comtrade"].requests) == (2, 2)
    clean = Store(tmp_path / "clean", lock_timeout=5)
    run_fetch(local, clean, ["comtrade"], scope, client_factory=client_for(handler), now=lambda: NOW)
    assert without_fetched_at(twice).equals(without_fetched_at(clean))
    assert without_fetched_at(clean).height == 2 * 4 * 3


def test_run_fetch_refetches_after_a_failure(config: Config, store: Store) -> None:
    local = local_config(config, comtrade={"flows": ("export",)})
    broken, _ = comtrade_handler(bad_codes="9505,TOTAL", bad_body=b"<html>")
    run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(broken), now=lambda: NOW)
    healthy, asked = comtrade_handler()
    summary = run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(healthy), now=lambda: NOW)
    assert asked == ["2020/9505,TOTAL"] and summary.sources["comtrade"].failed == 0
    assert store.read("trade").height == 4 * 3


def test_run_fetch_unknown_codes_warn_in_an_ok_row(config: Config, store: Store) -> None:
    body = (FIXTURES / "comtrade" / "preview_annual_chn_export.json").read_bytes()
    local = local_config(config, comtrade={"flows": ("export",)})
    summary = run_fetch(local, store, ["comtrade"], toys(config, years=(2023,)),
                        client_factory=client_for(lambda _: httpx.Response(200, content=body)), now=lambda: NOW)
    assert summary.sources["comtrade"].unknown_codes == ["490"]
    log = store.read("fetch_log")
    # both requests get the same body: the second finds its rows stored already
    assert sorted(log.get_column("status").to_list()) == ["ok", "unchanged"]
    assert log.get_column("error").to_list() == ["warning: unknown comtrade country codes ['490'] skipped"] * 2


def test_run_fetch_logs_cached_answers(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=comtrade_answer(request), headers={"ETag": '"v1"'})

    local = local_config(config, comtrade={"flows": ("export",)})
    run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(handler), now=lambda: NOW)
    summary = run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(handler),
                        now=lambda: NOW, max_age_days=0)
    assert summary.sources["comtrade"].cached == 2 and summary.sources["comtrade"].rows_written == 0
    assert sorted(store.read("fetch_log").get_column("status").to_list()) == ["ok", "ok", "unchanged", "unchanged"]
    assert store.read("trade").height == 12


class EchoFetcher:
    """A census stand-in whose parse fails with the body, which echoes the URL (and so the key)."""

    source_id = "census"

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        return [Request("census", "/data/timeseries/intltrade/imports/hs", (("get", "CTY_CODE"), ("page", str(i))),
                        "trade", f"census/{i}", ("2020",)) for i in (1, 2)]

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None: ...

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        raise ValueError(body.decode())


def test_run_fetch_never_writes_the_key(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TEST_CENSUS_KEY", SECRET)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["key"] == SECRET
        if request.url.params["page"] == "1":
            return httpx.Response(200, text=f"parsed badly: {request.url}")
        return httpx.Response(400, text=f"error: unknown variable in {request.url}")

    local = local_config(config, census={"api_key_env": "TEST_CENSUS_KEY"})
    summary = run_fetch(local, store, ["census"], toys(config), client_factory=client_for(handler),
                        fetchers={"census": EchoFetcher()}, now=lambda: NOW)
    assert summary.sources["census"].failed == 2
    log = store.read("fetch_log")
    text = json.dumps(log.select("request", "error").rows())
    assert "***" in text and SECRET not in text
    assert SECRET not in caplog.text


class InterruptingFetcher(EchoFetcher):
    """Stands for Ctrl-C arriving while an answer is being parsed."""

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        raise KeyboardInterrupt


def test_run_fetch_interrupt_logs_unfinished_requests(config: Config, store: Store) -> None:
    local = local_config(config, census={})
    with pytest.raises(KeyboardInterrupt):
        run_fetch(local, store, ["census"], toys(config), client_factory=client_for(lambda _: httpx.Response(200)),
                  fetchers={"census": InterruptingFetcher()}, now=lambda: NOW)
    log = store.read("fetch_log")
    assert log.height >= 1 and set(log.get_column("status")) == {"interrupted"}
    assert log.get_column("finished_at").null_count() == log.height


def test_get_fetcher_names_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MODULES, "census", ("tracker.sources.not_written_yet", "CensusFetcher"))
    monkeypatch.delitem(sources_module._INSTANCES, "census", raising=False)
    with pytest.raises(ConfigError, match=r"not_written_yet.*does not exist yet"):
        get_fetcher("census")
    with pytest.raises(ConfigError, match="a source with a fetcher"):
        get_fetcher("nowhere")


def test_fetchers_registry_maps_ids_to_fetchers() -> None:
    assert set(FETCHERS) == {"comtrade", "census", "comext", "eurostat_ecommerce", "worldbank", "wits", "imf_weo"}
    assert FETCHERS["comtrade"].source_id == "comtrade" and FETCHERS["worldbank"].source_id == "worldbank"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--source", "comtrade,bogus"], "--source: unknown source 'bogus'"),
        (["--groups", "toys,toyz"], "--groups: unknown group 'toyz'"),
        (["--reporters", "CHN,XXX"], "--reporters: unknown country code 'XXX'"),
        (["--years", "2023,20x4"], "--years: '20x4' is not a year"),
    ],
    ids=["source", "group", "reporter", "year"],
)
def test_fetch_command_rejects_bad_flags(
    config_dir: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["fetch", *argv]) == 2
    assert message in capsys.readouterr().err
