"""Alerts: rules from config/alerts.toml evaluated on the metric tables after every refresh.

Rules (each compares the newest year of a group with the year before, for the home exporter):

* ``share_drop``           our share of a market fell by more than ``threshold_pp`` percentage points
* ``rca_cross``            our RCA crossed 1 (down: warning, up: info)
* ``unit_value_undercut``  a competitor's unit value in a market lies more than ``threshold_pct`` % below ours
* ``import_drop``          a market's imports of the group fell by more than ``threshold_pct`` %
* ``source_failing``       a source's fetches have failed for ``days`` days with no success since
* ``tariff_change``        the tariff a tracked exporter faces in a market (group_tariff) moved by more than
                           ``threshold_pp`` points between the newest tariff year and the year before: a rise for
                           the home exporter or a fall for a competitor is a warning, the reverse is info

Materiality: every alert carries ``usd_at_stake``, the US dollars it is about, and alerts are listed largest
first (``rank_alerts``; source failures, which have no dollar figure but make every other alert doubtful, come
before them). ``alert_summary`` groups them per rule and product group with counts, for the CLI and the app:

* ``share_drop``           the share points lost × the market's imports (sales lost at the new market size)
* ``rca_cross``            |exports × (1 − 1/RCA)|: how far our exports are from RCA-neutral exports
* ``unit_value_undercut``  the smaller of our and the competitor's sales in the market (what the rival can take)
* ``import_drop``          our previous-year sales in the market × the market's fall (our sales if we follow it)
* ``tariff_change``        the exporter's sales in the market (newest trade year up to the tariff year) × the
                           change: the duty it pays more or less

A rule's ``min_usd_at_stake`` drops alerts below it. No alert is about the home exporter's own market, nor
about a market without supplier data (no exporter sells it anything in the year: world totals only).

An alert's natural key is (rule, group, subject, market, period): re-evaluating the same data raises
nothing new, ``first_seen`` is kept and ``last_seen`` moves. Only new alerts are appended to the JSON-lines
feed (``<data>/alerts/alerts.jsonl``) and posted to the webhook whose URL is in the environment variable
named by ``webhook_url_env``. Webhook failures are logged (host only: the URL may hold a token), never fatal.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import polars as pl

from tracker import countries
from tracker.config import AlertSettings, Config
from tracker.schemas import FAILURE_STATUSES, SUCCESS_STATUSES, UTC_TIME
from tracker.store import Store
from tracker.tables import ALERTS
from tracker.texts import LANGUAGES, text

log = logging.getLogger(__name__)

FEED_PATH = Path("alerts") / "alerts.jsonl"
NOT_APPLICABLE = ""  # key columns that a rule does not use (an RCA alert has no market)
MAX_BACKOFF_SECONDS = 30.0
WEBHOOK_ANSWER_BYTES = 64_000  # a webhook answers "ok" or a short JSON; more is refused unread


KEY = ALERTS.key
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
_RULE_COLUMNS = [name for name in ALERTS.column_names if name not in ("first_seen", "last_seen")]


@dataclass(frozen=True)
class AlertInputs:
    """The tables the rules read (LazyFrames, so tests can pass small crafted frames)."""

    group_market: pl.LazyFrame
    group_exporter: pl.LazyFrame
    group_competition: pl.LazyFrame
    fetch_log: pl.LazyFrame
    group_tariff: pl.LazyFrame | None = None  # None: the tariff_change rule has nothing to look at

    @classmethod
    def from_store(cls, store: Store) -> AlertInputs:
        return cls(store.scan("group_market"), store.scan("group_exporter"), store.scan("group_competition"),
                   store.scan("fetch_log"), store.scan("group_tariff"))


@dataclass(frozen=True)
class AlertOutcome:
    """What one evaluation did: alerts firing now, new ones among them, whether the webhook took them."""

    evaluated: int
    new_alerts: pl.DataFrame  # most material first (rank_alerts)
    webhook_delivered: bool | None  # None: no webhook configured or nothing new

    @property
    def new(self) -> int:
        return self.new_alerts.height


def _empty_rules() -> pl.DataFrame:
    return ALERTS.empty().select(_RULE_COLUMNS)


def _latest_year(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Rows of each group's newest year."""
    return frame.filter(pl.col("year") == pl.col("year").max().over("group"))


def _names(config: Config | None, lang: str) -> Callable[[str], str]:
    groups = {g.id: g.name(lang) for g in config.groups} if config else {}
    return lambda group_id: groups.get(group_id, group_id)


def _alert_frame(rows: list[dict[str, object]], render: Callable[[dict[str, object], str], str]) -> pl.DataFrame:
    """Alert rows (without times) with both messages rendered."""
    if not rows:
        return _empty_rules()
    out = [{**row, **{f"message_{lang}": render(row, lang) for lang in LANGUAGES}} for row in rows]
    return pl.DataFrame(out, schema=pl.Schema({n: ALERTS.polars_schema[n] for n in _RULE_COLUMNS}), orient="row")


def _foreign_markets(market: pl.LazyFrame, home: str) -> pl.LazyFrame:
    """Rows of markets other than the home exporter itself that some exporter sold to in that year."""
    supplied = (market.filter(pl.col("export_value_usd").fill_null(0) > 0)
                .select("group", "market", "year").unique())
    return market.filter(pl.col("market") != home).join(supplied, on=["group", "market", "year"], how="semi")


def share_drops(market: pl.LazyFrame, home: str, threshold_pp: float, min_market_imports_usd: float,
                group_name: Callable[[str, str], str], min_usd_at_stake: float = 0.0) -> pl.DataFrame:
    """Markets where the home exporter's share fell by more than ``threshold_pp`` points in the newest year."""
    rows = (
        _latest_year(_foreign_markets(market, home).filter(pl.col("exporter") == home))
        .filter((pl.col("market_share_change_pp") < -threshold_pp)
                & (pl.col("market_imports_usd").fill_null(0) >= min_market_imports_usd))
        .with_columns(usd_at_stake=-pl.col("market_share_change_pp") / 100 * pl.col("market_imports_usd"))
        .filter(pl.col("usd_at_stake").fill_null(0) >= min_usd_at_stake)
        .sort("group", "market")
        .collect()
    )

    def render(row: dict[str, Any], lang: str) -> str:
        group, market_name = group_name(str(row["group"]), lang), countries.name(str(row["market"]), lang)
        return text("alerts", "share_drop", lang, who=countries.name(home, lang), market=market_name, group=group,
                    points=f"{-row['value']:.2f}", period=row["period"])

    return _alert_frame([
        {"rule": "share_drop", "group": r["group"], "subject": home, "market": r["market"], "period": str(r["year"]),
         "severity": "warning", "value": r["market_share_change_pp"], "threshold": -threshold_pp,
         "usd_at_stake": r["usd_at_stake"], "sample": r["sample"]}
        for r in rows.iter_rows(named=True)
    ], render)


def rca_crossings(exporter: pl.LazyFrame, home: str, group_name: Callable[[str, str], str],
                  min_usd_at_stake: float = 0.0) -> pl.DataFrame:
    """Groups whose home-exporter RCA crossed 1 between the previous and the newest year."""
    own = exporter.filter(pl.col("exporter") == home).select("group", "year", "rca", "export_value_usd", "sample")
    previous = own.select("group", (pl.col("year") + 1).alias("year"), pl.col("rca").alias("rca_prev"))
    rows = (
        _latest_year(own).join(previous, on=["group", "year"], how="inner")
        .filter(pl.col("rca").is_not_null() & pl.col("rca_prev").is_not_null()
                & ((pl.col("rca") >= 1) != (pl.col("rca_prev") >= 1)) & (pl.col("rca") > 0))
        .with_columns(usd_at_stake=(pl.col("export_value_usd") * (1 - 1 / pl.col("rca"))).abs())
        .filter(pl.col("usd_at_stake").fill_null(0) >= min_usd_at_stake)
        .sort("group")
        .collect()
    )

    def render(row: dict[str, object], lang: str) -> str:
        group, who = group_name(str(row["group"]), lang), countries.name(home, lang)
        change = text("alerts", "rca_up" if row["severity"] == "info" else "rca_down", lang)
        return text("alerts", "rca_cross", lang, who=who, group=group, change=change, period=row["period"],
                    value=f"{row['value']:.2f}")

    return _alert_frame([
        {"rule": "rca_cross", "group": r["group"], "subject": home, "market": NOT_APPLICABLE,
         "period": str(r["year"]), "severity": "info" if r["rca"] >= 1 else "warning", "value": r["rca"],
         "threshold": 1.0, "usd_at_stake": r["usd_at_stake"], "sample": r["sample"]}
        for r in rows.iter_rows(named=True)
    ], render)


def _market_sizes(market: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (group, market, year): the market's imports of the group (same on every exporter row)."""
    return market.group_by("group", "market", "year").agg(
        pl.col("market_imports_usd").max(), pl.col("sample").any()
    )


def unit_value_undercuts(competition: pl.LazyFrame, market: pl.LazyFrame, home: str, threshold_pct: float,
                         min_market_imports_usd: float, group_name: Callable[[str, str], str],
                         min_usd_at_stake: float = 0.0) -> pl.DataFrame:
    """Competitors selling more than ``threshold_pct`` % cheaper than the home exporter in a market (newest year)."""
    own_uv, their_uv = pl.col("exporter_unit_value_usd_per_kg"), pl.col("competitor_unit_value_usd_per_kg")
    sizes = _market_sizes(_foreign_markets(market, home)).select("group", "market", "year", "market_imports_usd")
    contested = pl.min_horizontal(pl.col("exporter_share"), pl.col("competitor_share")) * pl.col("market_imports_usd")
    rows = (
        _latest_year(competition.filter(pl.col("exporter") == home))
        .filter((own_uv > 0) & (their_uv > 0) & (their_uv < own_uv * (1 - threshold_pct / 100)))
        .join(sizes, on=["group", "market", "year"], how="inner")
        .filter(pl.col("market_imports_usd").fill_null(0) >= min_market_imports_usd)
        .with_columns(value=(their_uv / own_uv - 1) * 100, usd_at_stake=contested)
        .filter(pl.col("usd_at_stake").fill_null(0) >= min_usd_at_stake)
        .sort("group", "market", "competitor")
        .collect()
    )

    def render(row: dict[str, Any], lang: str) -> str:
        group, market_name = group_name(str(row["group"]), lang), countries.name(str(row["market"]), lang)
        rival, who, pct = countries.name(str(row["subject"]), lang), countries.name(home, lang), f"{-row['value']:.0f}"
        return text("alerts", "unit_value_undercut", lang, rival=rival, who=who, group=group, market=market_name,
                    pct=pct, period=row["period"])

    return _alert_frame([
        {"rule": "unit_value_undercut", "group": r["group"], "subject": r["competitor"], "market": r["market"],
         "period": str(r["year"]), "severity": "warning", "value": r["value"], "threshold": -threshold_pct,
         "usd_at_stake": r["usd_at_stake"], "sample": r["sample"]}
        for r in rows.iter_rows(named=True)
    ], render)


def import_drops(market: pl.LazyFrame, home: str, threshold_pct: float, min_market_imports_usd: float,
                 group_name: Callable[[str, str], str], min_usd_at_stake: float = 0.0) -> pl.DataFrame:
    """Markets whose imports of a group fell by more than ``threshold_pct`` % in the newest year."""
    foreign = _foreign_markets(market, home)
    sizes = _market_sizes(foreign)
    previous = sizes.select("group", "market", (pl.col("year") + 1).alias("year"),
                            pl.col("market_imports_usd").alias("previous_usd"))
    our_sales = foreign.filter(pl.col("exporter") == home).select(
        "group", "market", (pl.col("year") + 1).alias("year"), pl.col("export_value_usd").alias("our_previous_usd"))
    rows = (
        _latest_year(sizes).join(previous, on=["group", "market", "year"], how="inner")
        .filter(pl.col("previous_usd") >= max(min_market_imports_usd, 1e-9))
        .with_columns(value=(pl.col("market_imports_usd") / pl.col("previous_usd") - 1) * 100)
        .filter(pl.col("value") < -threshold_pct)
        .join(our_sales, on=["group", "market", "year"], how="left")
        .with_columns(usd_at_stake=pl.col("our_previous_usd").fill_null(0) * -pl.col("value") / 100)
        .filter(pl.col("usd_at_stake") >= min_usd_at_stake)
        .sort("group", "market")
        .collect()
    )

    def render(row: dict[str, Any], lang: str) -> str:
        group, market_name = group_name(str(row["group"]), lang), countries.name(str(row["market"]), lang)
        return text("alerts", "import_drop", lang, market=market_name, group=group, pct=f"{-row['value']:.1f}",
                    period=row["period"])

    return _alert_frame([
        {"rule": "import_drop", "group": r["group"], "subject": r["market"], "market": r["market"],
         "period": str(r["year"]), "severity": "warning", "value": r["value"], "threshold": -threshold_pct,
         "usd_at_stake": r["usd_at_stake"], "sample": r["sample"]}
        for r in rows.iter_rows(named=True)
    ], render)


def failing_sources(fetch_log: pl.LazyFrame, days: float, now: datetime) -> pl.DataFrame:
    """Sources whose failures began at least ``days`` days ago with no success since."""
    log_rows = fetch_log.filter(pl.col("source") != "sample")
    successes = log_rows.filter(pl.col("status").is_in(SUCCESS_STATUSES)).group_by("source").agg(
        last_success=pl.col("started_at").max()
    )
    streaks = (
        log_rows.filter(pl.col("status").is_in(FAILURE_STATUSES))
        .join(successes, on="source", how="left")
        .filter(pl.col("last_success").is_null() | (pl.col("started_at") > pl.col("last_success")))
        .group_by("source")
        .agg(since=pl.col("started_at").min(), failures=pl.len())
        .filter(pl.col("since") <= now - timedelta(days=days))
        .sort("source")
        .collect()
    )

    def render(row: dict[str, object], lang: str) -> str:
        return text("alerts", "source_failing", lang, source=row["subject"], days=f"{row['value']:.1f}",
                    period=row["period"])

    return _alert_frame([
        {"rule": "source_failing", "group": NOT_APPLICABLE, "subject": r["source"], "market": NOT_APPLICABLE,
         "period": f"{r['since']:%Y-%m-%d}", "severity": "warning",
         "value": round((now - r["since"]).total_seconds() / 86400, 1), "threshold": float(days),
         "usd_at_stake": None, "sample": False}
        for r in streaks.iter_rows(named=True)
    ], render)


def tariff_changes(tariff: pl.LazyFrame, market: pl.LazyFrame, home: str, threshold_pp: float,
                   group_name: Callable[[str, str], str], min_usd_at_stake: float = 0.0) -> pl.DataFrame:
    """Tracked exporters whose tariff faced in a market moved by more than ``threshold_pp`` points between the
    newest tariff year of the group and the year before (``tariff_change_pp``: the schedule's change on the
    newest year's import weights); extra duties such as Section 301 are not in it."""
    rates = tariff.filter(pl.col("tariff_faced_pct").is_not_null()).select(
        "group", "exporter", "market", "year", "tariff_faced_pct", pl.col("tariff_change_pp").alias("value"),
        "sample")
    sales = market.select("group", "exporter", "market", pl.col("year").alias("_sales_year"), "export_value_usd")
    changed = _latest_year(rates).filter(pl.col("value").abs() > threshold_pp)
    latest_sales = (
        changed.select("group", "exporter", "market", "year").join(sales, on=["group", "exporter", "market"])
        .filter(pl.col("_sales_year") <= pl.col("year")).sort("_sales_year")
        .group_by("group", "exporter", "market", "year").agg(pl.col("export_value_usd").last())
    )
    rows = (
        changed.join(latest_sales, on=["group", "exporter", "market", "year"], how="left")
        .with_columns(usd_at_stake=pl.col("export_value_usd").fill_null(0) * pl.col("value").abs() / 100)
        .filter(pl.col("usd_at_stake") >= min_usd_at_stake)
        .sort("group", "market", "exporter")
        .collect()
    )

    rates_now = {(r["group"], r["exporter"], r["market"]): r["tariff_faced_pct"] for r in rows.iter_rows(named=True)}

    def render(row: dict[str, object], lang: str) -> str:
        group, market_name = group_name(str(row["group"]), lang), countries.name(str(row["market"]), lang)
        who, change = countries.name(str(row["subject"]), lang), float(row["value"])  # type: ignore[arg-type]
        now = rates_now[(str(row["group"]), str(row["subject"]), str(row["market"]))]
        return text("alerts", "tariff_change", lang, market=market_name, group=group, who=who,
                    way=text("alerts", "tariff_rose" if change > 0 else "tariff_fell", lang),
                    change=f"{abs(change):.1f}", now=f"{now:.1f}", period=row["period"])

    def severity(exporter: str, change: float) -> str:
        return "warning" if (change > 0) == (exporter == home) else "info"

    return _alert_frame([
        {"rule": "tariff_change", "group": r["group"], "subject": r["exporter"], "market": r["market"],
         "period": str(r["year"]), "severity": severity(r["exporter"], r["value"]), "value": r["value"],
         "threshold": threshold_pp, "usd_at_stake": r["usd_at_stake"], "sample": r["sample"]}
        for r in rows.iter_rows(named=True)
    ], render)


def evaluate_rules(settings: AlertSettings, inputs: AlertInputs, home: str, now: datetime,
                   config: Config | None = None) -> pl.DataFrame:
    """Every enabled rule on ``inputs``: the alerts firing now (without first/last seen), most material first."""
    names = {lang: _names(config, lang) for lang in LANGUAGES}

    def group_name(group_id: str, lang: str) -> str:
        return names[lang](group_id)

    frames = []
    if settings.share_drop.enabled:
        rule = settings.share_drop
        frames.append(share_drops(inputs.group_market, home, rule.threshold_pp, rule.min_market_imports_usd,
                                  group_name, rule.min_usd_at_stake))
    if settings.rca_cross.enabled:
        frames.append(rca_crossings(inputs.group_exporter, home, group_name, settings.rca_cross.min_usd_at_stake))
    if settings.unit_value_undercut.enabled:
        rule_uv = settings.unit_value_undercut
        frames.append(unit_value_undercuts(inputs.group_competition, inputs.group_market, home,
                                           rule_uv.threshold_pct, rule_uv.min_market_imports_usd, group_name,
                                           rule_uv.min_usd_at_stake))
    if settings.import_drop.enabled:
        rule_imports = settings.import_drop
        frames.append(import_drops(inputs.group_market, home, rule_imports.threshold_pct,
                                   rule_imports.min_market_imports_usd, group_name, rule_imports.min_usd_at_stake))
    if settings.source_failing.enabled:
        frames.append(failing_sources(inputs.fetch_log, settings.source_failing.days, now))
    if settings.tariff_change.enabled and inputs.group_tariff is not None:
        rule_tariff = settings.tariff_change
        frames.append(tariff_changes(inputs.group_tariff, inputs.group_market, home, rule_tariff.threshold_pp,
                                     group_name, rule_tariff.min_usd_at_stake))
    return rank_alerts(pl.concat([_empty_rules(), *frames]))


def rank_alerts(alerts: FrameT) -> FrameT:
    """Most material first: source failures (no dollar figure; they put every other alert in doubt), then
    ``usd_at_stake`` largest first (alerts stored before it existed last); ties by key, so the order is
    deterministic."""
    return alerts.sort([pl.col("rule") != "source_failing", pl.col("usd_at_stake"), *KEY],
                       descending=[False, True, False, False, False, False, False], nulls_last=True)


def alert_summary(alerts: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """One row per rule and product group: how many alerts, the USD at stake in total, and the largest one's
    message; most material first (what the CLI prints and the Reports & alerts page can show above the list)."""
    ranked = rank_alerts(alerts)
    return (
        ranked.group_by("rule", "group", maintain_order=True)
        .agg(alerts=pl.len(), usd_at_stake=pl.col("usd_at_stake").sum(),
             largest=pl.col(f"message_{lang}").first(), has_usd=pl.col("usd_at_stake").is_not_null().any())
        .with_columns(usd_at_stake=pl.when(pl.col("has_usd")).then(pl.col("usd_at_stake")))
        .drop("has_usd")
        .sort([pl.col("rule") != "source_failing", pl.col("usd_at_stake"), "rule", "group"],
              descending=[False, True, False, False], nulls_last=True)
    )


def _stored_alerts(store: Store) -> pl.LazyFrame:
    """The stored alerts; files written before ``usd_at_stake`` existed read with it empty."""
    files = store.files("alerts")
    if files and "usd_at_stake" not in pl.read_parquet_schema(files[0]):
        return pl.scan_parquet(files).with_columns(usd_at_stake=pl.lit(None, pl.Float64)).select(ALERTS.column_names)
    return store.scan("alerts")


def _upgrade_stored_alerts(store: Store) -> None:
    """Rewrite alerts stored before ``usd_at_stake`` existed once, with it empty, so upserts can merge (no row
    is lost)."""
    files = store.files("alerts")
    if files and "usd_at_stake" not in pl.read_parquet_schema(files[0]):
        store.replace("alerts", _stored_alerts(store).collect())


def record_alerts(store: Store, firing: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Upsert the alerts firing now, keeping ``first_seen`` of known ones; return the new ones, most material
    first."""
    if firing.is_empty():
        return ALERTS.empty()
    _upgrade_stored_alerts(store)
    known = store.scan("alerts").select(*KEY, "first_seen").collect()
    stamped = firing.join(known, on=list(KEY), how="left").with_columns(
        first_seen=pl.col("first_seen").fill_null(pl.lit(now, UTC_TIME)), last_seen=pl.lit(now, UTC_TIME)
    ).select(ALERTS.column_names)
    store.upsert("alerts", rank_alerts(stamped))
    return rank_alerts(stamped.join(known.select(KEY), on=list(KEY), how="anti"))


def remove_sample_alerts(store: Store) -> int:
    """Delete the alerts raised on sample data (``sample`` true: invented rows went into them) once the sample left
    the store: they would otherwise be listed as if real. Alerts on real data, and source failures, stay.
    Returns how many were deleted (one new version of the table, or nothing written)."""
    _upgrade_stored_alerts(store)
    return store.delete_rows("alerts", pl.col("sample"))


def _json_rows(alerts: pl.DataFrame) -> list[dict[str, object]]:
    return [
        {key: value.isoformat() if isinstance(value, datetime) else value for key, value in row.items()}
        for row in alerts.iter_rows(named=True)
    ]


def append_feed(store_root: Path | str, new_alerts: pl.DataFrame) -> Path:
    """Append the new alerts to the JSON-lines feed, one object per line."""
    path = Path(store_root) / FEED_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for row in _json_rows(new_alerts):
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return path


def post_webhook(url: str, new_alerts: pl.DataFrame, *, max_attempts: int = 3, timeout_seconds: float = 10.0,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> bool:
    """POST the new alerts as JSON, retrying errors, 429 and 5xx; log and return False on failure, never raise.

    Through ``tracker.http.post_json``: ``timeout_seconds`` bounds each attempt whole (a server that drips its
    answer is cut), the answer is capped, and the URL (its token) is redacted from every log record.
    """
    from tracker.http import PostError, post_json, safe_url

    payload = {
        "text": f"{new_alerts.height} new export-tracker alert(s)",
        "alerts": _json_rows(new_alerts),
    }
    problem = "no attempt made"
    for attempt in range(1, max_attempts + 1):
        try:
            response = post_json(url, payload, deadline_seconds=timeout_seconds, max_body_bytes=WEBHOOK_ANSWER_BYTES,
                                 secret_url=True, transport=transport)
        except PostError as exc:
            problem = "the URL is not valid" if exc.kind == "invalid_url" else str(exc)
            if exc.kind not in ("timeout", "unreachable"):  # no retry can help, or the alerts may have arrived
                break
        else:
            if 200 <= response.status_code < 300:
                log.info("webhook %s accepted %d alert(s)", safe_url(url), new_alerts.height)
                return True
            problem = f"HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                break
        if attempt < max_attempts:
            sleep(min(2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS))
    log.warning("webhook %s failed after %d attempt(s): %s; the alerts are stored and in the feed",
                safe_url(url), attempt, problem)
    return False


def run_alerts(config: Config, store: Store, now: datetime | None = None,
               transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
               inputs: AlertInputs | None = None) -> AlertOutcome:
    """Evaluate, store, feed and post: the step that follows every metrics refresh."""
    now = now or datetime.now(UTC)
    settings = config.alerts
    firing = evaluate_rules(settings, inputs or AlertInputs.from_store(store), config.scope.home_exporter, now,
                            config)
    new = record_alerts(store, firing, now)
    delivered: bool | None = None
    if new.height:
        append_feed(store.root, new)
        log.info("%d new alert(s) of %d firing; appended to %s", new.height, firing.height, store.root / FEED_PATH)
        for row in new.iter_rows(named=True):
            log.debug("new alert [%s] %s", row["rule"], row["message_en"])
        url = os.environ.get(settings.webhook_url_env or "") if settings.webhook_url_env else None
        if url:
            delivered = post_webhook(url, new, max_attempts=settings.webhook_max_attempts,
                                     timeout_seconds=settings.webhook_timeout_seconds, transport=transport,
                                     sleep=sleep)
    return AlertOutcome(firing.height, new, delivered)


def read_alerts(store_root: Path | str) -> pl.DataFrame:
    """Every stored alert, most material first (``rank_alerts``), for the app's alerts page and `alerts --list`."""
    return rank_alerts(_stored_alerts(Store(store_root)).collect())
