"""The request budget of a fetch, shown before anything is sent (``fetch --plan``).

Why a budget: the public APIs are rate-limited (per minute, and some per day), so a fetch can take minutes or
weeks depending on the config. The plan uses the very code a fetch runs: each fetcher's ``plan`` (and the
requests its ``prepare`` sends), and the runner's freshness rule (``fresh_cursors``, ``is_fresh``). It never
calls ``prepare`` itself and builds no HTTP client, so it cannot send anything.

Time at the limits: sources run one after another, each at its ``requests_per_minute`` (requests / rate);
a source whose requests pass its ``requests_per_day`` needs one more day for each further day's worth,
counted as whole days of waiting (the runner stops at the daily limit; the next day's run goes on).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from tracker.config import Config, SourceSettings
from tracker.errors import TrackerError
from tracker.fetch import BACI, DEFAULT_MAX_AGE_DAYS, fresh_cursors, is_fresh
from tracker.sources import get_fetcher
from tracker.sources.base import Fetcher, FetchScope, PlannedSource
from tracker.store import Store

MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class LeftOut:
    """A source ``fetch`` leaves out by default (no key), with what it would cost when named with --source."""

    source: str
    key_env: str | None
    key_url: str | None
    plan: PlannedSource


@dataclass(frozen=True)
class FetchPlan:
    """The plan of one fetch: its sources in run order, and the enabled sources it leaves out."""

    sources: tuple[PlannedSource, ...]
    left_out: tuple[LeftOut, ...] = ()

    @property
    def total_requests(self) -> int:
        return sum(source.requests for source in self.sources)

    @property
    def total_fresh(self) -> int:
        return sum(source.fresh for source in self.sources)

    @property
    def total_minutes(self) -> float:
        return sum(source.minutes for source in self.sources)

    @property
    def total_at_most(self) -> int:
        return sum(source.at_most for source in self.sources)

    @property
    def total_at_most_minutes(self) -> float:
        return sum(source.at_most_minutes for source in self.sources)


def minutes_at_limits(requests: int, settings: SourceSettings) -> float:
    """Wall time of ``requests`` at the source's limits: the per-minute spacing plus whole days of waiting."""
    minutes = requests / settings.requests_per_minute
    per_day = settings.requests_per_day
    if per_day is not None and requests > per_day:
        minutes += (math.ceil(requests / per_day) - 1) * MINUTES_A_DAY
    return minutes


def default_sources(config: Config) -> tuple[list[str], list[str]]:
    """The sources ``fetch`` runs without ``--source``, and the enabled ones it leaves out for want of a key."""
    enabled = [settings for settings in config.sources.values() if settings.enabled]
    return ([s.id for s in enabled if s.in_default_fetch()], [s.id for s in enabled if not s.in_default_fetch()])


def plan_source(
    config: Config, store: Store, source_id: str, scope: FetchScope, now: datetime,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS, fetchers: Mapping[str, Fetcher] | None = None,
) -> PlannedSource:
    """What a fetch of ``source_id`` would send now; a source that cannot be planned says why in ``note``."""
    settings = config.sources.get(source_id)
    if settings is None:
        return PlannedSource(source_id, 0, 0, 0.0, 0, 0.0, f"no [sources.{source_id}] in sources.toml")
    if source_id == BACI and (fetchers is None or BACI not in fetchers):
        return _plan_baci(store, settings, scope, now)
    try:
        fetcher = fetchers[source_id] if fetchers is not None else get_fetcher(source_id)
        budget = getattr(fetcher, "budget", None)
        if budget is not None:  # a source without planned requests (a bulk download) sizes itself
            planned_source: PlannedSource = budget(settings, scope, store)
            return planned_source
        planned = fetcher.plan(settings, scope)
        prepare_requests = getattr(fetcher, "prepare_requests", None)
        prepared = len(prepare_requests(settings)) if prepare_requests is not None else 0
    except TrackerError as exc:
        return PlannedSource(source_id, 0, 0, 0.0, 0, 0.0, f"could not plan: {exc}")
    fresh = fresh_cursors(store, source_id, now - timedelta(days=max_age_days))
    today = now.date()
    to_send = [request for request in planned if not is_fresh(request, fresh, today)]
    bound = getattr(fetcher, "most_follow_ups", None)
    follow_ups = sum(bound(request) for request in to_send) if bound is not None else 0
    requests = len(to_send) + prepared
    return PlannedSource(
        source=source_id,
        requests=requests,
        fresh=len(planned) - len(to_send),
        minutes=minutes_at_limits(requests, settings),
        at_most=requests + follow_ups,
        at_most_minutes=minutes_at_limits(requests + follow_ups, settings),
    )


def _plan_baci(store: Store, settings: SourceSettings, scope: FetchScope, now: datetime) -> PlannedSource:
    """BACI is one release zip, not a queue of API requests: ``plan_baci`` sizes it from the store and the
    download cache; one request more when the zip's directory lies outside its last 64 KB."""
    from tracker.baci.download import plan_baci

    baci = plan_baci(store, settings, scope.years, current_year=now.year)
    minutes = minutes_at_limits(baci.requests, settings)
    return PlannedSource(BACI, baci.requests, 0, minutes, baci.requests + 1,
                         minutes_at_limits(baci.requests + 1, settings), baci.note)


def plan_fetch(
    config: Config, store: Store, sources: Iterable[str], scope: FetchScope, left_out: Iterable[str] = (),
    now: Callable[[], datetime] = lambda: datetime.now(UTC), max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    fetchers: Mapping[str, Fetcher] | None = None,
) -> FetchPlan:
    """The plan of a fetch of ``sources`` (in run order); ``left_out`` sources are planned for their note only."""
    moment = now()
    planned = tuple(plan_source(config, store, s, scope, moment, max_age_days, fetchers) for s in sources)
    skipped = tuple(
        LeftOut(s, config.sources[s].api_key_env, config.sources[s].api_key_url,
                plan_source(config, store, s, scope, moment, max_age_days, fetchers))
        for s in left_out
    )
    return FetchPlan(planned, skipped)


def format_duration(minutes: float) -> str:
    """``2.7 min``, ``1.5 h``, ``28 days``: the wall time a person reads."""
    if minutes >= MINUTES_A_DAY:
        return f"{minutes / MINUTES_A_DAY:,.1f} days"
    if minutes >= 90:
        return f"{minutes / 60:.1f} h"
    return f"{minutes:.1f} min"


def _limits(settings: SourceSettings | None) -> str:
    if settings is None:
        return "-"
    per_minute = f"{settings.requests_per_minute:g}/min"
    return per_minute + (f", {settings.requests_per_day:,}/day" if settings.requests_per_day else "")


def format_plan(plan: FetchPlan, config: Config) -> str:
    """The table ``fetch --plan`` prints, then a line per note and per source left out."""
    header = ("source", "requests", "fresh", "minutes", "time", "at most", "limits")
    rows = [(s.source, f"{s.requests:,}", f"{s.fresh:,}", f"{s.minutes:.1f}", format_duration(s.minutes),
             f"{s.at_most:,}", _limits(config.sources.get(s.source))) for s in plan.sources]
    rows.append(("total", f"{plan.total_requests:,}", f"{plan.total_fresh:,}", f"{plan.total_minutes:.1f}",
                 format_duration(plan.total_minutes), f"{plan.total_at_most:,}", ""))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(width) if 0 < index < 6 else cell.ljust(width)
                       for index, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in [header, *rows]]
    lines.append("")
    lines.append("requests: what would be sent (fresh ones are skipped); minutes: the wall time at the limits, "
                 "sources one after another; at most: with the follow-ups answers may call for (pages, fallbacks).")
    for source in plan.sources:
        if source.note:
            lines.append(f"{source.source}: {source.note}")
    for left in plan.left_out:
        lines.append(left_out_text(left))
    lines.append("Nothing was sent.")
    return "\n".join(lines)


def left_out_text(left: LeftOut) -> str:
    """Why a source is not in the default fetch, where its key comes from, and what naming it would cost."""
    where = f" (a free key: {left.key_url})" if left.key_url else ""
    return (f"{left.source}: left out without {left.key_env or 'its key'}{where}; with the key it runs by default, "
            f"or name it with --source {left.source}: {left.plan.requests:,} requests without a key, about "
            f"{format_duration(left.plan.minutes)} at its limits.")


def plan_json(plan: FetchPlan) -> str:
    """``fetch --plan --json``: the sources, the totals, and the sources left out."""
    return json.dumps({
        "sources": [{**asdict(s), "minutes": round(s.minutes, 1), "at_most_minutes": round(s.at_most_minutes, 1)}
                    for s in plan.sources],
        "total_requests": plan.total_requests,
        "total_fresh": plan.total_fresh,
        "total_minutes": round(plan.total_minutes, 1),
        "total_at_most": plan.total_at_most,
        "total_at_most_minutes": round(plan.total_at_most_minutes, 1),
        "left_out": [{"source": left.source, "key_env": left.key_env, "key_url": left.key_url,
                      "requests": left.plan.requests, "minutes": round(left.plan.minutes, 1)}
                     for left in plan.left_out],
    }, indent=2)
