"""What the scheduled jobs do. The only module that calls the fetch runner, the metrics and the alerts,
so that wiring a renamed function is one edit here.

Each job target takes ``(config, store, **params)`` and returns a one-line summary of what it wrote; the
job-run log (``runs.run_tracked``) records it.
"""

from __future__ import annotations

import logging

from tracker.config import Config
from tracker.store import Store

log = logging.getLogger(__name__)


def refresh_metrics(config: Config, store: Store) -> str:
    """Recompute the metric tables when their inputs changed (as `python -m tracker metrics` does)."""
    return _refresh_metrics(config, store)[1]


def _refresh_metrics(config: Config, store: Store) -> tuple[bool, str]:
    """Whether the tables were recomputed, and the summary line."""
    from tracker.refresh import refresh

    if not store.has_data("trade"):
        return False, "metrics: no trade data yet"
    rows = refresh(store.root, config)
    if rows is None:
        return False, "metrics: tables are current, not recomputed"
    return True, f"metrics: {len(rows)} tables, {sum(rows.values()):,} rows"


def evaluate_alerts(config: Config, store: Store) -> str:
    """Evaluate the alert rules on the fresh metric tables; store, feed and post the new alerts."""
    from tracker.alerts import run_alerts

    outcome = run_alerts(config, store)
    return f"alerts: {outcome.new} new, {outcome.evaluated} firing"


def fetch_and_refresh(config: Config, store: Store, source_id: str) -> str:
    """One source's scheduled fetch, then the metrics refresh, then the alerts (even when the fetch failed).

    When the fetch changed nothing (metric tables current) and nothing failed, the alerts are skipped too: their
    inputs are the metric tables and the fetch log's failures, and neither changed.
    """
    from tracker.fetch import run_fetch
    from tracker.sources.base import FetchScope

    settings = config.sources.get(source_id)
    if settings is None or not settings.enabled:
        return f"{source_id}: not enabled in sources.toml, nothing fetched"
    if not settings.in_default_fetch():  # Comtrade's keyless preview: 500 calls a day against ~14,000 planned
        where = f" (a free key: {settings.api_key_url})" if settings.api_key_url else ""
        key = settings.api_key_env or "its key"
        return f"{source_id}: not fetched without {key}{where}; set it to fetch on schedule"
    summary = run_fetch(config, store, [source_id], FetchScope(groups=config.groups))
    fetched = f"{source_id}: {summary.rows_written:,} rows written, {summary.failed} failed request(s)"
    recomputed, metrics = _refresh_metrics(config, store)
    if not recomputed and not summary.failed:
        return "; ".join((fetched, metrics, "alerts: nothing changed, not evaluated"))
    return "; ".join((fetched, metrics, evaluate_alerts(config, store)))


def periodic_reports(config: Config, store: Store, kind: str) -> str:
    """The monthly or annual reports for every group and for all groups, for the newest period in the data."""
    from tracker.reports import write_periodic_reports

    written = write_periodic_reports(config, store, kind)
    if not written:
        return f"{kind} reports: no {kind} metric data yet"
    return f"{kind} reports: {len(written)} file(s) under {store.root / 'reports'}"
