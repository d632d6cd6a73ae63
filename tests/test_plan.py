"""`fetch --plan`: the request budget is shown before anything is sent, and it is what a fetch then sends."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.loopback import Server, loopback
from tests.wits_helpers import NO_RECORDS
from tracker.budget import (
    MINUTES_A_DAY,
    default_sources,
    format_plan,
    minutes_at_limits,
    plan_fetch,
    plan_json,
)
from tracker.cli import main
from tracker.config import REPO_ROOT, Config, SourceSettings, load_config
from tracker.sources.base import FetchScope, PlannedSource
from tracker.store import Store

SOURCES = ("comtrade", "census", "comext", "eurostat_ecommerce", "worldbank", "wits", "baci", "imf_weo")
KEYLESS_REQUESTS = 300  # the bounds for the keyless default plan of the shipped config
KEYLESS_MINUTES = 30


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new user's machine: no key in the environment."""
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)


def _refuse(handler: BaseHTTPRequestHandler, server: Server) -> None:
    handler.send_response(500)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def _point_every_source_at(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for source in SOURCES:
        monkeypatch.setenv(f"TRACKER_{source.upper()}_BASE_URL", server.url)


def test_plan_sends_no_request_and_prints_the_budget(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Every source (comtrade named too) points at a server that counts: --plan and --plan --json leave it idle."""
    with loopback(_refuse) as server:
        _point_every_source_at(server, monkeypatch)
        assert main(["fetch", "--plan"]) == 0
        table = capsys.readouterr().out
        assert main(["fetch", "--plan", "--json", "--source", ",".join(SOURCES)]) == 0
        document = json.loads(capsys.readouterr().out)
        assert server.arrived() == 0
    assert not (data_dir / ".cache").exists()  # no client was built: not even the daily counter file
    assert "Nothing was sent." in table and "https://comtradedeveloper.un.org" in table
    assert [row["source"] for row in document["sources"]] == list(SOURCES)
    assert document["total_requests"] == sum(row["requests"] for row in document["sources"])
    assert document["total_minutes"] == pytest.approx(sum(row["minutes"] for row in document["sources"]), abs=0.3)
    assert document["left_out"] == []  # comtrade was named: nothing is left out


def test_plan_json_without_plan_is_a_usage_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "--json"]) == 2
    assert "--json: only with --plan" in capsys.readouterr().err


def _answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
    """Census: no data (HTTP 204). WITS: NoRecordsFound (HTTP 404), so each request calls for its fallback."""
    if handler.path.startswith("/API/V1/SDMX"):
        handler.send_response(404)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(NO_RECORDS)))
        handler.end_headers()
        handler.wfile.write(NO_RECORDS)
        return
    handler.send_response(204)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def test_plan_counts_what_the_fetch_then_sends_and_what_it_then_skips(
    fast_config_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The plan uses the fetch's own planning and freshness code: its numbers are what the fetch does."""
    flags = ["--source", "census,wits", "--groups", "toys", "--years", "2018-2019"]
    with loopback(_answer) as server:
        _point_every_source_at(server, monkeypatch)
        assert main(["fetch", "--plan", "--json", *flags]) == 0
        before = json.loads(capsys.readouterr().out)
        assert server.arrived() == 0
        assert main(["fetch", "--no-progress", *flags]) == 0
        capsys.readouterr()
        census = sum(1 for path, _ in server.seen if path.startswith("/data/timeseries"))
        wits = [path for path, _ in server.seen if path.startswith("/API/V1/SDMX")]
        assert main(["fetch", "--plan", "--json", *flags]) == 0
        after = json.loads(capsys.readouterr().out)
    rows = {row["source"]: row for row in before["sources"]}
    assert rows["census"]["requests"] == census == 3  # 9503, 9504, 9505 for 2018-2019 in one range each
    assert rows["wits"]["requests"] == sum("/aveestimated" in path for path in wits) == 2 * 9  # years × markets
    assert rows["wits"]["at_most"] == len(wits) == 2 * 2 * 9  # every answer empty: one `reported` each
    assert before["total_at_most"] == server.arrived()
    again = {row["source"]: row for row in after["sources"]}
    assert (again["census"]["requests"], again["census"]["fresh"]) == (0, 3)  # 2018-2019: not revised any more
    assert (again["wits"]["requests"], again["wits"]["fresh"]) == (0, 18)
    assert after["total_minutes"] == 0


def test_keyless_default_plan_of_the_shipped_config_is_within_300_requests_and_30_minutes(store: Store) -> None:
    config = load_config(REPO_ROOT / "config")
    sources, left_out = default_sources(config)
    assert "comtrade" not in sources and left_out == ["comtrade"]
    groups = tuple(config.group(g) for g in config.group_ids)
    plan = plan_fetch(config, store, sources, FetchScope(groups=groups), left_out)
    assert plan.total_at_most <= KEYLESS_REQUESTS and plan.total_at_most_minutes <= KEYLESS_MINUTES
    assert plan.total_requests <= plan.total_at_most and plan.total_minutes <= plan.total_at_most_minutes
    assert {s.source for s in plan.sources} == {
        "census", "comext", "eurostat_ecommerce", "worldbank", "wits", "baci", "imf_weo"}
    [comtrade] = plan.left_out
    assert (comtrade.key_env, comtrade.key_url) == ("COMTRADE_API_KEY", "https://comtradedeveloper.un.org")
    assert comtrade.plan.requests > 10_000  # why it is left out: the keyless preview takes weeks
    text = format_plan(plan, config)
    assert "comtrade: left out without COMTRADE_API_KEY (a free key: https://comtradedeveloper.un.org)" in text
    assert "--source comtrade" in text
    assert json.loads(plan_json(plan))["left_out"][0]["source"] == "comtrade"


def test_a_comtrade_key_puts_comtrade_back_in_the_default_plan(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "k")
    config = load_config(REPO_ROOT / "config")
    sources, left_out = default_sources(config)
    assert sources[0] == "comtrade" and left_out == []
    groups = tuple(config.group(g) for g in config.group_ids)
    [comtrade] = plan_fetch(config, store, ["comtrade"],
                            FetchScope(groups=groups)).sources
    assert comtrade.requests <= config.sources["comtrade"].requests_per_day  # one day's allowance
    assert comtrade.minutes == pytest.approx(comtrade.requests / 30)


def _settings(config: Config, per_minute: float, per_day: int | None) -> SourceSettings:
    from dataclasses import replace

    return replace(config.sources["census"], requests_per_minute=per_minute, requests_per_day=per_day)


@pytest.mark.parametrize(("requests", "per_minute", "per_day", "minutes"), [
    (82, 30, 500, 82 / 30),
    (500, 30, 500, 500 / 30),  # exactly one day's allowance: no waiting
    (501, 30, 500, 501 / 30 + MINUTES_A_DAY),
    (13_860, 30, 500, 13_860 / 30 + 27 * MINUTES_A_DAY),  # 28 days' allowances: 27 days of waiting
    (1_088, 30, None, 1_088 / 30),
])
def test_minutes_at_limits_count_per_minute_spacing_and_days_of_waiting(
    config: Config, requests: int, per_minute: float, per_day: int | None, minutes: float,
) -> None:
    assert minutes_at_limits(requests, _settings(config, per_minute, per_day)) == pytest.approx(minutes)


class _Download:
    """A stand-in for a bulk source (BACI): it sizes itself with the ``budget`` hook and plans no request."""

    source_id = "census"

    def budget(self, settings: SourceSettings, scope: FetchScope, store: Store) -> PlannedSource:
        return PlannedSource(settings.id, 3, 0, 1.5, 3, 1.5, "downloads 3 members, 320 MB")

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list:
        raise AssertionError("a source with a budget hook is not planned request by request")


def test_a_fetcher_budget_hook_replaces_the_request_count(config: Config, store: Store) -> None:
    scope = FetchScope(groups=(config.group("toys"),))
    plan = plan_fetch(config, store, ["census"], scope, fetchers={"census": _Download()},  # type: ignore[dict-item]
                      now=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    assert [(s.source, s.requests, s.minutes, s.note) for s in plan.sources] == [
        ("census", 3, 1.5, "downloads 3 members, 320 MB")]
    assert "census: downloads 3 members, 320 MB" in format_plan(plan, config)


def test_a_keyless_default_fetch_leaves_comtrade_out_and_says_where_the_key_comes_from(
    fast_config_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    sources = fast_config_dir / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    others = "comext|eurostat_ecommerce|worldbank|wits|baci|imf_weo"
    # keep comtrade and census
    text, disabled = re.subn(rf"(\[sources\.({others})\][^\n]*\nenabled = )true", r"\1false", text)
    assert disabled == 6
    sources.write_text(text, encoding="utf-8")
    with loopback(_answer) as server:
        _point_every_source_at(server, monkeypatch)
        assert main(["fetch", "--no-progress", "--groups", "toys", "--years", "2018"]) == 0
        paths = [path for path, _ in server.seen]
    err = capsys.readouterr().err
    assert "comtrade: left out without COMTRADE_API_KEY (a free key: https://comtradedeveloper.un.org)" in err
    assert paths and all(path.startswith("/data/timeseries/intltrade/") for path in paths)  # Census only
