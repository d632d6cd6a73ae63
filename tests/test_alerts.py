"""Alert rules on crafted metric tables; deduplication, the feed, and a webhook that fails."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
import pytest

from tracker.alerts import AlertInputs, evaluate_rules, read_alerts, run_alerts
from tracker.config import AlertSettings, Config, load_config
from tracker.errors import ConfigError
from tracker.metrics.tables import GROUP_COMPETITION, GROUP_EXPORTER, GROUP_MARKET
from tracker.schemas import FETCH_LOG, TableSchema
from tracker.store import Store

NOW = datetime(2026, 3, 1, tzinfo=UTC)
FETCHED = datetime(2026, 1, 1, tzinfo=UTC)
WEBHOOK_URL = "https://hooks.example.com/services/T000/SECRET-TOKEN"
PROVENANCE = {"provenance": "reported", "sources": "comtrade", "newest_fetch": FETCHED, "sample": False}


def _frame(schema: TableSchema, defaults: dict[str, object], rows: list[dict[str, object]]) -> pl.LazyFrame:
    full = [{**defaults, **row} for row in rows]
    return pl.DataFrame(full, schema=schema.polars_schema, orient="row").lazy() if full else schema.empty().lazy()


def market(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {"group": "toys", "exporter": "CHN", "market": "USA", "year": 2024, "export_value_usd": 100.0,
                "market_imports_usd": 1000.0, "market_share": 0.1, "market_share_change_pp": 0.0,
                "growth_yoy": None, "unit_value_usd_per_kg": None, "competitors_median_uv_usd_per_kg": None,
                "relative_unit_value": None, **PROVENANCE}
    return _frame(GROUP_MARKET, defaults, rows)


def exporter(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {name: None for name in GROUP_EXPORTER.column_names} | {
        "group": "toys", "exporter": "CHN", "export_value_usd": 100.0, **PROVENANCE}
    return _frame(GROUP_EXPORTER, defaults, rows)


def competition(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {"group": "toys", "market": "USA", "year": 2024, "exporter": "CHN", "competitor": "VNM", "esi": 50.0,
                "exporter_share": 0.3, "competitor_share": 0.1, "exporter_unit_value_usd_per_kg": 10.0,
                "competitor_unit_value_usd_per_kg": 10.0, **PROVENANCE}
    return _frame(GROUP_COMPETITION, defaults, rows)


def fetch_log(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {"attempt_id": None, "source": "comtrade", "request": "{}", "finished_at": None, "rows_written": 0,
                "error": None}
    return _frame(FETCH_LOG, defaults, [{"attempt_id": f"a{i}", **row} for i, row in enumerate(rows)])


def inputs(**tables: pl.LazyFrame) -> AlertInputs:
    empty = {"group_market": market([]), "group_exporter": exporter([]), "group_competition": competition([]),
             "fetch_log": fetch_log([])}
    return AlertInputs(**(empty | tables))


def fired(data: AlertInputs, settings: AlertSettings | None = None) -> pl.DataFrame:
    return evaluate_rules(settings or AlertSettings(), data, "CHN", NOW)


def test_alerts_share_drop_fires_beyond_threshold_only() -> None:
    data = inputs(group_market=market([
        {"market": "USA", "market_share_change_pp": -2.5},
        {"market": "DEU", "market_share_change_pp": -1.5},
        {"market": "JPN", "market_share_change_pp": -9.0, "year": 2023},  # not the newest year
        {"market": "FRA", "exporter": "VNM", "market_share_change_pp": -9.0},  # not the home exporter
    ]))
    alerts = fired(data).filter(pl.col("rule") == "share_drop")
    assert alerts.select("market", "period", "value").rows() == [("USA", "2024", -2.5)]
    assert "2.50 pp" in alerts.item(0, "message_en") and "2.50 个百分点" in alerts.item(0, "message_zh")


def test_alerts_share_drop_ignores_small_markets() -> None:
    settings = AlertSettings(share_drop=dataclasses.replace(AlertSettings().share_drop, min_market_imports_usd=5e3))
    data = inputs(group_market=market([{"market_share_change_pp": -5.0, "market_imports_usd": 1e3}]))
    assert fired(data, settings).filter(pl.col("rule") == "share_drop").is_empty()


def test_alerts_rca_crossing_one_fires_and_staying_above_does_not() -> None:
    crossing = inputs(group_exporter=exporter([{"year": 2023, "rca": 0.9}, {"year": 2024, "rca": 1.1}]))
    alerts = fired(crossing).filter(pl.col("rule") == "rca_cross")
    assert alerts.select("period", "severity", "value").rows() == [("2024", "info", 1.1)]
    falling = inputs(group_exporter=exporter([{"year": 2023, "rca": 1.2}, {"year": 2024, "rca": 0.8}]))
    assert fired(falling).filter(pl.col("rule") == "rca_cross").item(0, "severity") == "warning"
    steady = inputs(group_exporter=exporter([{"year": 2023, "rca": 1.1}, {"year": 2024, "rca": 1.3}]))
    assert fired(steady).filter(pl.col("rule") == "rca_cross").is_empty()


def test_alerts_unit_value_undercut_fires_beyond_threshold_only() -> None:
    data = inputs(group_competition=competition([
        {"competitor": "VNM", "competitor_unit_value_usd_per_kg": 7.0},   # 30 % cheaper
        {"competitor": "IND", "competitor_unit_value_usd_per_kg": 9.0},   # 10 % cheaper
        {"competitor": "MEX", "competitor_unit_value_usd_per_kg": None},
    ]), group_market=market([{}]))
    alerts = fired(data).filter(pl.col("rule") == "unit_value_undercut")
    assert alerts.get_column("subject").to_list() == ["VNM"]
    assert alerts.item(0, "value") == pytest.approx(-30.0)


def test_alerts_import_drop_fires_beyond_threshold_only() -> None:
    data = inputs(group_market=market([
        {"market": "USA", "year": 2023, "market_imports_usd": 1000.0},
        {"market": "USA", "year": 2024, "market_imports_usd": 800.0},   # −20 %
        {"market": "DEU", "year": 2023, "market_imports_usd": 1000.0},
        {"market": "DEU", "year": 2024, "market_imports_usd": 950.0},   # −5 %
    ]))
    alerts = fired(data).filter(pl.col("rule") == "import_drop")
    assert alerts.select("market", "value").rows() == [("USA", pytest.approx(-20.0))]


def test_alerts_source_failing_fires_after_days_without_success() -> None:
    def attempt(source: str, days_ago: float, status: str) -> dict[str, object]:
        return {"source": source, "started_at": NOW - timedelta(days=days_ago), "status": status}

    data = inputs(fetch_log=fetch_log([
        attempt("comtrade", 10, "ok"), attempt("comtrade", 4, "failed"), attempt("comtrade", 1, "failed"),
        attempt("census", 5, "failed"), attempt("census", 1, "ok"),       # recovered
        attempt("comext", 1, "failed"),                                   # failing, but not for 3 days yet
    ]))
    alerts = fired(data).filter(pl.col("rule") == "source_failing")
    expected_start = f"{NOW - timedelta(days=4):%Y-%m-%d}"
    assert alerts.select("subject", "period", "value").rows() == [("comtrade", expected_start, 4.0)]


def test_alerts_disabled_rule_does_not_fire() -> None:
    settings = AlertSettings(share_drop=dataclasses.replace(AlertSettings().share_drop, enabled=False))
    data = inputs(group_market=market([{"market_share_change_pp": -5.0}]))
    assert fired(data).height == 1 and fired(data, settings).is_empty()


@pytest.fixture
def alert_config(config: Config) -> Config:
    return dataclasses.replace(config, alerts=dataclasses.replace(config.alerts, webhook_url_env="TEST_ALERT_HOOK"))


def _dropping() -> AlertInputs:
    return inputs(group_market=market([{"market": "USA", "market_share_change_pp": -3.0,
                                        "market_imports_usd": 5e6}]))


def test_alerts_same_alert_is_not_raised_twice(alert_config: Config, store: Store) -> None:
    first = run_alerts(alert_config, store, now=NOW, inputs=_dropping())
    later = NOW + timedelta(days=1)
    second = run_alerts(alert_config, store, now=later, inputs=_dropping())
    assert (first.new, second.new, second.evaluated) == (1, 0, 1)
    stored = read_alerts(store.root)
    assert stored.height == 1
    assert (stored.item(0, "first_seen"), stored.item(0, "last_seen")) == (NOW, later)
    feed = (store.root / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(feed) == 1 and json.loads(feed[0])["market"] == "USA"


def test_alerts_failing_webhook_does_not_stop_the_run(alert_config: Config, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", WEBHOOK_URL)
    calls: list[httpx.Request] = []

    def server_error(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    with caplog.at_level(logging.DEBUG):
        outcome = run_alerts(alert_config, store, now=NOW, transport=httpx.MockTransport(server_error),
                             sleep=lambda _: None, inputs=_dropping())
    assert outcome.new == 1 and outcome.webhook_delivered is False
    assert len(calls) == alert_config.alerts.webhook_max_attempts
    assert read_alerts(store.root).height == 1
    assert "hooks.example.com" in caplog.text and "SECRET-TOKEN" not in caplog.text


def test_alerts_webhook_exception_is_logged_not_raised(alert_config: Config, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", WEBHOOK_URL)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    outcome = run_alerts(alert_config, store, now=NOW, transport=httpx.MockTransport(refuse), sleep=lambda _: None,
                         inputs=_dropping())
    assert outcome.new == 1 and outcome.webhook_delivered is False


def test_alerts_webhook_receives_only_new_alerts(alert_config: Config, store: Store,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", WEBHOOK_URL)
    bodies: list[dict[str, object]] = []

    def accept(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200)

    transport = httpx.MockTransport(accept)
    assert run_alerts(alert_config, store, now=NOW, transport=transport, inputs=_dropping()).webhook_delivered
    run_alerts(alert_config, store, now=NOW, transport=transport, inputs=_dropping())
    assert len(bodies) == 1 and [a["rule"] for a in bodies[0]["alerts"]] == ["share_drop"]  # type: ignore[index]


@pytest.mark.parametrize(("text", "key"), [
    ("[share_drop]\nthreshold_pp = -1\n", "share_drop.threshold_pp"),
    ("[import_drop]\nthreshold_pct = 150\n", "import_drop.threshold_pct"),
    ("[share_drop]\nthreshold = 2\n", "share_drop.threshold"),
    ('webhook_url_env = "https://hooks.example.com/x"\n', "webhook_url_env"),
])
def test_alerts_config_is_validated_on_load(config_dir: Path, text: str, key: str) -> None:
    (config_dir / "alerts.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config_dir)
    assert "alerts.toml" in str(error.value) and error.value.key == key
