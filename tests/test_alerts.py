"""Alert rules on crafted metric tables; deduplication, the feed, and a webhook that fails."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.loopback import drip, loopback, send
from tracker import cli
from tracker.alerts import AlertInputs, alert_summary, evaluate_rules, read_alerts, run_alerts
from tracker.config import AlertSettings, Config, load_config
from tracker.errors import ConfigError
from tracker.export import export_bytes
from tracker.query import filtered_table
from tracker.schemas import TableSchema
from tracker.store import Store
from tracker.tables import FETCH_LOG, GROUP_COMPETITION, GROUP_EXPORTER, GROUP_MARKET, GROUP_TARIFF, RULES
from tracker.texts import rule_name

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
                "relative_unit_value": None, "value_provenance": "reported", **PROVENANCE}
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
    share_drop = dataclasses.replace(config.alerts.share_drop, min_usd_at_stake=0.0)  # the crafted drops are small
    return dataclasses.replace(config, alerts=dataclasses.replace(config.alerts, webhook_url_env="TEST_ALERT_HOOK",
                                                                  share_drop=share_drop))


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


@pytest.mark.parametrize(("url", "token"), [
    ("http://LOCALHOST:8080/hook/TOKEN-123?x=1", "TOKEN-123"),  # httpx logs the host in lower case
    ("https://Hooks.Example.COM/services/T000/SECRET TOKEN", "SECRET TOKEN"),  # a space in the path: %20
    ("https://hooks.example.com/hook?token=SECRET TOKEN+2", "SECRET TOKEN+2"),  # a space in the query
    ("https://hooks.example.com:443/a/../hook/SECRET-TOKEN", "SECRET-TOKEN"),  # dot segments removed
    ("https://hooks.example.com/hook/SECR%C3%89T-T%6fKEN", "SECRÉT-ToKEN"),  # encoded as given
    ("https://bot:PA%53SWORD@hooks.example.com/", "PASSWORD"),  # the token as a password
])
def test_alerts_webhook_token_never_logged_in_any_form(alert_config: Config, store: Store,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture, url: str, token: str) -> None:
    from urllib.parse import quote, quote_plus, urlsplit

    monkeypatch.setenv("TEST_ALERT_HOOK", url)
    sent: list[str] = []

    def accept(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200)

    with caplog.at_level(logging.DEBUG):
        outcome = run_alerts(alert_config, store, now=NOW, transport=httpx.MockTransport(accept), inputs=_dropping())
    assert outcome.webhook_delivered and len(sent) == 1
    parts = urlsplit(url)
    assert "HTTP Request: POST" in caplog.text
    assert f"webhook {parts.scheme}://{parts.hostname}/… accepted" in caplog.text
    forms = {token, quote(token, safe=""), quote(token, safe="").lower(), quote_plus(token), sent[0]}
    assert not [form for form in forms if form in caplog.text], caplog.text


def test_alerts_webhook_with_an_invalid_url_is_logged_not_raised(alert_config: Config, store: Store,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", "https://hooks.example.com:port/hook/SECRET-TOKEN")
    with caplog.at_level(logging.DEBUG):
        outcome = run_alerts(alert_config, store, now=NOW, transport=httpx.MockTransport(lambda _: httpx.Response(200)),
                             sleep=lambda _: None, inputs=_dropping())
    assert outcome.new == 1 and outcome.webhook_delivered is False
    assert "failed after 1 attempt(s): the URL is not valid" in caplog.text and "SECRET-TOKEN" not in caplog.text


def test_alerts_webhook_exception_is_logged_not_raised(alert_config: Config, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_ALERT_HOOK", WEBHOOK_URL)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    outcome = run_alerts(alert_config, store, now=NOW, transport=httpx.MockTransport(refuse), sleep=lambda _: None,
                         inputs=_dropping())
    assert outcome.new == 1 and outcome.webhook_delivered is False


def _with_timeout(config: Config, seconds: float, attempts: int) -> Config:
    alerts = dataclasses.replace(config.alerts, webhook_timeout_seconds=seconds, webhook_max_attempts=attempts)
    return dataclasses.replace(config, alerts=alerts)


def test_alerts_webhook_that_drips_ends_at_its_deadline(alert_config: Config, store: Store,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """webhook_timeout_seconds bounds an attempt whole: a byte every 0.4 s never trips a read timeout."""
    with loopback(lambda handler, server: drip(handler, server, seconds_per_byte=0.4)) as server:
        monkeypatch.setenv("TEST_ALERT_HOOK", f"{server.url}/hook/DRIP-TOKEN-42")
        started = time.monotonic()
        with caplog.at_level(logging.DEBUG):
            outcome = run_alerts(_with_timeout(alert_config, 1.0, 2), store, now=NOW, sleep=lambda _: None,
                                 inputs=_dropping())
        elapsed = time.monotonic() - started
    assert outcome.new == 1 and outcome.webhook_delivered is False
    assert server.arrived() == 2 and 2.0 <= elapsed < 3.5  # two attempts of 1 s each, both cut
    assert "failed after 2 attempt(s)" in caplog.text and "deadline of 1 s passed" in caplog.text
    assert "DRIP-TOKEN-42" not in caplog.text
    assert read_alerts(store.root).height == 1


def test_alerts_webhook_oversized_answer_is_refused_unread(alert_config: Config, store: Store,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from tracker.alerts import WEBHOOK_ANSWER_BYTES

    big = b"x" * (WEBHOOK_ANSWER_BYTES * 4)
    with loopback(lambda handler, server: send(handler, 200, big)) as server:
        monkeypatch.setenv("TEST_ALERT_HOOK", f"{server.url}/hook/BIG-TOKEN-42")
        with caplog.at_level(logging.DEBUG):
            outcome = run_alerts(alert_config, store, now=NOW, sleep=lambda _: None, inputs=_dropping())
    assert outcome.webhook_delivered is False
    assert server.arrived() == 1, "no retry: the alerts may have arrived"
    assert f"larger than {WEBHOOK_ANSWER_BYTES:,} bytes" in caplog.text and "BIG-TOKEN-42" not in caplog.text
    assert json.loads(server.bodies[0])["alerts"][0]["market"] == "USA"


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
    ("[tariff_change]\nthreshold_pp = 0\n", "tariff_change.threshold_pp"),
    ("[tariff_change]\nmin_usd_at_stake = -5\n", "tariff_change.min_usd_at_stake"),
    ("[import_drop]\nthreshold_pct = 150\n", "import_drop.threshold_pct"),
    ("[share_drop]\nthreshold = 2\n", "share_drop.threshold"),
    ('webhook_url_env = "https://hooks.example.com/x"\n', "webhook_url_env"),
])
def test_alerts_config_is_validated_on_load(config_dir: Path, text: str, key: str) -> None:
    (config_dir / "alerts.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config_dir)
    assert "alerts.toml" in str(error.value) and error.value.key == key


def test_alerts_carry_usd_at_stake_and_are_ranked_by_it() -> None:
    """Each rule's dollar figure, computed by hand, and the order: largest first."""
    data = inputs(
        group_market=market([
            # share drop: 2.5 pp of 1,000 → 25; 4 pp of 10,000 → 400
            {"market": "USA", "market_share_change_pp": -2.5},
            {"market": "DEU", "market_share_change_pp": -4.0, "market_imports_usd": 10_000.0},
            # import drop in JPN: 1,000 → 800 (−20 %); our sales there a year earlier 300 → 60 at stake
            {"market": "JPN", "year": 2023, "export_value_usd": 300.0},
            {"market": "JPN", "year": 2024, "market_imports_usd": 800.0},
        ]),
        group_exporter=exporter([{"year": 2023, "rca": 0.9}, {"year": 2024, "rca": 1.25, "export_value_usd": 600.0}]),
        group_competition=competition([  # 30 % cheaper; our share 0.3, theirs 0.1 of USA's 1,000 → 100
            {"competitor": "VNM", "competitor_unit_value_usd_per_kg": 7.0},
        ]),
    )
    alerts = fired(data)
    got = alerts.select("rule", "market", "usd_at_stake").rows()
    assert got == [
        ("share_drop", "DEU", pytest.approx(400.0)),
        ("rca_cross", "", pytest.approx(120.0)),  # |600 × (1 − 1/1.25)|
        ("unit_value_undercut", "USA", pytest.approx(100.0)),
        ("import_drop", "JPN", pytest.approx(60.0)),
        ("share_drop", "USA", pytest.approx(25.0)),
    ]


def test_alerts_min_usd_at_stake_drops_small_alerts() -> None:
    floor = dataclasses.replace(AlertSettings().share_drop, min_usd_at_stake=100.0)
    data = inputs(group_market=market([
        {"market": "USA", "market_share_change_pp": -2.5},                                  # 25 at stake
        {"market": "DEU", "market_share_change_pp": -4.0, "market_imports_usd": 10_000.0},  # 400 at stake
    ]))
    assert fired(data, AlertSettings(share_drop=floor)).get_column("market").to_list() == ["DEU"]


def test_alerts_never_about_the_home_market_or_a_market_without_suppliers() -> None:
    data = inputs(group_market=market([
        # The home exporter's own market: its imports fell 50 %, other exporters sell there.
        {"market": "CHN", "exporter": "VNM", "year": 2023, "market_imports_usd": 1000.0},
        {"market": "CHN", "exporter": "VNM", "year": 2024, "market_imports_usd": 500.0},
        {"market": "CHN", "exporter": "CHN", "year": 2024, "market_share_change_pp": -9.0},
        # BGD: world totals only, nobody recorded as selling to it.
        {"market": "BGD", "year": 2023, "export_value_usd": 0.0, "market_imports_usd": 1000.0},
        {"market": "BGD", "year": 2024, "export_value_usd": None, "market_imports_usd": 100.0,
         "market_share_change_pp": -9.0},
        # A real market with the same drop still fires both rules.
        {"market": "USA", "year": 2023, "market_imports_usd": 1000.0},
        {"market": "USA", "year": 2024, "market_imports_usd": 500.0, "market_share_change_pp": -9.0},
    ]), group_competition=competition([{"market": "CHN", "competitor_unit_value_usd_per_kg": 1.0},
                                       {"market": "BGD", "competitor_unit_value_usd_per_kg": 1.0}]))
    alerts = fired(data)
    assert sorted(alerts.select("rule", "market").rows()) == [("import_drop", "USA"), ("share_drop", "USA")]


def test_alerts_summary_groups_per_rule_and_group_with_counts() -> None:
    data = inputs(group_market=market([
        {"market": "USA", "market_share_change_pp": -2.5},                                    # 25
        {"market": "DEU", "market_share_change_pp": -4.0, "market_imports_usd": 10_000.0},    # 400
        {"market": "FRA", "group": "lighting", "market_share_change_pp": -3.0,
         "market_imports_usd": 20_000.0},                                                      # 600
    ]))
    summary = alert_summary(fired(data))
    assert summary.select("rule", "group", "alerts", "usd_at_stake").rows() == [
        ("share_drop", "lighting", 1, pytest.approx(600.0)),
        ("share_drop", "toys", 2, pytest.approx(425.0)),
    ]
    assert summary.item(1, "largest").startswith("China's share of Germany's")


def test_alerts_stored_and_listed_most_material_first(alert_config: Config, store: Store,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    group_market = market([  # above the shipped 1 M market-size floor: 50 k, 400 k and 600 k at stake
        {"market": "USA", "market_share_change_pp": -2.5, "market_imports_usd": 2e6},
        {"market": "DEU", "market_share_change_pp": -4.0, "market_imports_usd": 1e7},
        {"market": "FRA", "market_share_change_pp": -3.0, "market_imports_usd": 2e7},
    ]).collect()
    store.replace("group_market", group_market)
    outcome = run_alerts(alert_config, store, now=NOW)
    assert outcome.new_alerts.get_column("market").to_list() == ["FRA", "DEU", "USA"]
    assert read_alerts(store.root).get_column("market").to_list() == ["FRA", "DEU", "USA"]
    feed = (store.root / "alerts" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["market"] for line in feed] == ["FRA", "DEU", "USA"]
    monkeypatch.setenv("TRACKER_DATA_DIR", str(store.root))
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(alert_config.directory))
    assert cli.main(["alerts", "--list", "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:8] == ["3", "$1.1", "m", "Market", "share", "fell", "[share_drop]", "·"]
               for line in out.splitlines()), out
    assert "Top 2 of 3 (--top 0 lists all):" in out
    listed = [line for line in out.splitlines() if "China's share of" in line]
    assert [line.split("share of ")[1].split("'")[0] for line in listed] == ["France", "Germany"]


def test_alerts_list_top_at_its_bound_lists_all(alert_config: Config, store: Store, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The largest --top the CLI takes reaches Polars' head() without overflowing it (a larger one is refused)."""
    run_alerts(alert_config, store, now=NOW, inputs=_dropping())
    monkeypatch.setenv("TRACKER_DATA_DIR", str(store.root))
    monkeypatch.setenv("TRACKER_CONFIG_DIR", str(alert_config.directory))
    assert cli.main(["alerts", "--list", "--top", "1000000"]) == 0
    out = capsys.readouterr().out
    assert "Top 1:" in out and "1 alert(s) stored" in out


def test_alerts_stored_before_usd_at_stake_are_kept(alert_config: Config, store: Store) -> None:
    """An alerts table written by the previous version (no usd_at_stake column) is read and merged, not lost."""
    old = run_alerts(alert_config, store, now=NOW, inputs=_dropping()).new_alerts.drop("usd_at_stake")
    version = store.current_version("alerts")
    assert version is not None
    old.write_parquet(version / "part-0.parquet")
    assert read_alerts(store.root).get_column("usd_at_stake").to_list() == [None]
    later = inputs(group_market=market([{"market": "DEU", "market_share_change_pp": -4.0,
                                         "market_imports_usd": 5e6}]))
    run_alerts(alert_config, store, now=NOW + timedelta(days=1), inputs=later)
    assert sorted(read_alerts(store.root).get_column("market").to_list()) == ["DEU", "USA"]


def test_alerts_first_evaluation_on_the_sample_is_readable(metrics_store: Path, config: Config) -> None:
    """With the shipped thresholds the sample's first evaluation gives a readable list (1,360 before the
    materiality floors), none about the home market, largest first."""
    firing = evaluate_rules(config.alerts, AlertInputs.from_store(Store(metrics_store)),
                            config.scope.home_exporter, NOW, config)
    assert 0 < firing.height <= 60
    assert firing.filter(pl.col("market") == config.scope.home_exporter).is_empty()
    at_stake = firing.get_column("usd_at_stake").drop_nulls().to_list()
    assert at_stake == sorted(at_stake, reverse=True)


def test_alerts_export_lists_most_material_first_and_reads_back(alert_config: Config, store: Store) -> None:
    """The alerts CSV mixes years (2024) with days (source failures): ranked, it reads back with pl.read_csv."""
    markets = [f"{code}" for code in ("USA", "DEU", "FRA", "JPN", "GBR", "ITA", "ESP", "CAN", "KOR", "AUS")]
    rows = [{"group": group, "market": code, "market_share_change_pp": -3.0 - i, "market_imports_usd": 5e6}
            for group in ("toys", "lighting", "pets", "paper", "sports", "apparel", "plastics", "luggage", "crafts",
                          "footwear", "stationery", "musical")
            for i, code in enumerate(markets)]
    failing = fetch_log([{"source": "census", "started_at": NOW - timedelta(days=5), "status": "failed"}])
    run_alerts(alert_config, store, now=NOW, inputs=inputs(group_market=market(rows), fetch_log=failing))
    frame = filtered_table(store, "alerts", config=alert_config).collect()
    assert frame.height == 121 and frame.item(0, "rule") == "source_failing"
    at_stake = frame.get_column("usd_at_stake").drop_nulls().to_list()
    assert at_stake == sorted(at_stake, reverse=True)
    read_back = pl.read_csv(io.BytesIO(export_bytes(frame, "csv", table="alerts", filters={})))
    assert read_back.height == 121 and read_back.item(0, "period") == f"{NOW - timedelta(days=5):%Y-%m-%d}"


def tariffs(rows: list[dict[str, object]]) -> pl.LazyFrame:
    defaults = {name: None for name in GROUP_TARIFF.column_names} | {
        "group": "toys", "exporter": "CHN", "market": "IND", "year": 2024, "weighting": "trade-weighted",
        "hs6_codes": 3, **PROVENANCE}
    return _frame(GROUP_TARIFF, defaults, rows)


def test_alerts_tariff_change_fires_beyond_threshold_only() -> None:
    """Newest tariff year only; value = tariff_change_pp; at stake = the exporter's sales × the change."""
    data = inputs(
        group_tariff=tariffs([
            {"exporter": "CHN", "tariff_faced_pct": 60.0, "tariff_change_pp": 40.0},
            {"exporter": "VNM", "tariff_faced_pct": 0.0, "tariff_change_pp": -2.5},
            {"exporter": "MEX", "tariff_faced_pct": 5.0, "tariff_change_pp": 1.9},  # within the threshold
            {"exporter": "CHN", "year": 2023, "tariff_faced_pct": 20.0, "tariff_change_pp": 15.0},  # not newest
        ]),
        group_market=market([{"exporter": "CHN", "market": "IND", "year": 2023, "export_value_usd": 500.0},
                             {"exporter": "VNM", "market": "IND", "year": 2024, "export_value_usd": 200.0}]),
    )
    alerts = fired(data).filter(pl.col("rule") == "tariff_change").sort("subject")
    assert alerts["subject"].to_list() == ["CHN", "VNM"]
    chn, vnm = alerts.row(0, named=True), alerts.row(1, named=True)
    assert (chn["value"], chn["severity"], chn["period"]) == (40.0, "warning", "2024")  # our tariff rose
    assert chn["usd_at_stake"] == pytest.approx(500.0 * 0.40)  # the newest sales up to the tariff year
    assert vnm["severity"] == "warning" and vnm["usd_at_stake"] == pytest.approx(200.0 * 0.025)  # a rival's fell
    assert "rose 40.0 pp to 60.0%" in chn["message_en"] and "Section 301/232" in chn["message_en"]
    assert "上升 40.0 个百分点" in chn["message_zh"] and "301/232" in chn["message_zh"]
    quiet = dataclasses.replace(AlertSettings(), tariff_change=dataclasses.replace(
        AlertSettings().tariff_change, threshold_pp=50.0))
    assert fired(data, quiet).filter(pl.col("rule") == "tariff_change").is_empty()
    assert fired(inputs()).filter(pl.col("rule") == "tariff_change").is_empty()  # no tariff table: nothing


SUMMARY_LINE = re.compile(r"^ +\d+ +\S.*?  (?P<name>\S.*) \[(?P<rule>[a-z_]+)\] · ")


def test_alerts_cli_names_each_rule_as_the_app_does_with_its_id(
    metrics_store: Path, tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`alerts --list` prints each rule by the name the English Reports & alerts page shows ("Market share fell",
    not "share drop"), then the id config/alerts.toml spells ("[share_drop]"), in both languages."""
    from tests.app_helpers import open_page

    root = tmp_path / "data"
    shutil.copytree(metrics_store, root)
    run_alerts(config, Store(root), now=NOW)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    app = open_page("reports", "en")
    shown = next(d.value for d in app.dataframe if "message" in d.value.columns)
    stored = read_alerts(root)
    app_names = dict(zip(stored["rule"], shown["rule"], strict=False))
    assert app_names["share_drop"] == "Market share fell" and len(app_names) >= 4, app_names
    printed = {}
    for lang in ("en", "zh"):
        assert cli.main(["alerts", "--list", "--top", "0", "--lang", lang]) == 0
        found = [SUMMARY_LINE.match(line) for line in capsys.readouterr().out.splitlines()]
        printed[lang] = {m["rule"]: m["name"] for m in found if m}
    assert printed["en"] == app_names
    assert printed["zh"]["share_drop"] == "市场份额下降" and set(printed["zh"]) == set(app_names)


def test_alerts_every_rule_has_one_name_per_language() -> None:
    """The catalogue names every rule the alerts table allows (the app and the CLI read the same entry)."""
    for rule in RULES:
        assert {rule_name(rule, lang) for lang in ("en", "zh")}.isdisjoint({rule}), rule
    assert rule_name("not_a_rule", "en") == "not_a_rule"
