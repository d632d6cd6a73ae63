"""The fetch runner: plan each source's requests, skip fresh ones, fetch, parse, upsert, log every attempt.

Why it is built this way:

* Data is upserted per request, so a failure later in the run loses nothing fetched earlier; a body that
  does not parse writes nothing for its request.
* Every attempt leaves one ``fetch_log`` row (ok, empty, cached, unchanged, failed, interrupted) with the
  error text, keys redacted. Unknown country codes are a warning in the error column of an otherwise ok row.
  The rows are written once, at the end of the run (also when it is interrupted): one new ``fetch_log``
  version per run, not one per request.
* Nothing new upstream means nothing written: an answer whose rows are all stored already (``fetched_at``
  aside) is logged ``unchanged`` and leaves the data table's version as it was (the store skips the write),
  and a 304 whose body is known to be stored is not even parsed again (``_StoredBodies``).
* Incremental loading by cursor (dlt's idea): a request whose cursor had a successful attempt within
  ``max_age_days`` is skipped, unless it covers the current or previous year, which sources still revise.
  Upserts are idempotent, so a re-run leaves the same table as a clean run.
* Nothing stops the run: a failing request or source is logged and counted, and the others go on.
* Fetching runs on ``max_concurrency`` threads through the one client; parsing and writing stay on the
  calling thread, so the store sees one writer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from tqdm import tqdm

from tracker.atomic import write_atomically
from tracker.config import Config, HttpSettings, SourceSettings
from tracker.errors import TrackerError
from tracker.http import HttpClient, HttpResult, redact
from tracker.schemas import FETCH_LOG, SUCCESS_STATUSES
from tracker.sources import get_fetcher
from tracker.sources.base import Fetcher, FetchScope, Request
from tracker.store import Store

log = logging.getLogger(__name__)

CACHE_DIR = Path(".cache")  # under the store root: HTTP cache and daily request counts
DEFAULT_MAX_AGE_DAYS = 30
RECENT_YEARS = 2  # the current and the previous year are always refetched
STORED_BODIES_FILE = "stored_bodies.json"  # in CACHE_DIR

ClientFactory = Callable[[HttpSettings, Path], HttpClient]


@dataclass
class SourceSummary:
    """What one source's run did; ``requests`` counts HTTP attempts, not skipped (fresh) requests."""

    source: str
    requests: int = 0
    rows_written: int = 0
    cached: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    split: int = 0
    unknown_codes: list[str] = field(default_factory=list)


@dataclass
class FetchSummary:
    sources: dict[str, SourceSummary] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(summary.failed for summary in self.sources.values())

    @property
    def rows_written(self) -> int:
        return sum(summary.rows_written for summary in self.sources.values())


def _utc_now() -> datetime:
    return datetime.now(UTC)


def default_client(http: HttpSettings, cache_dir: Path) -> HttpClient:
    return HttpClient(http, cache_dir)


def run_fetch(
    config: Config,
    store: Store,
    sources: Iterable[str],
    scope: FetchScope,
    client_factory: ClientFactory = default_client,
    progress: bool = False,
    fetchers: Mapping[str, Fetcher] | None = None,
    now: Callable[[], datetime] = _utc_now,
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
) -> FetchSummary:
    """Fetch ``sources`` in order through one client; never raises for a source's failure.

    The run's ``fetch_log`` rows are written in one upsert at the end, also when the run is interrupted.
    """
    summary = FetchSummary()
    log_rows: list[dict[str, object]] = []
    stored = _StoredBodies(store.root / CACHE_DIR / STORED_BODIES_FILE)
    try:
        with closing(client_factory(config.http, store.root / CACHE_DIR)) as client:
            for source_id in sources:
                run = _SourceRun(config, store, source_id, client, now, progress, max_age_days, log_rows, stored)
                summary.sources[source_id] = run.run(scope, fetchers)
    finally:
        _write_log(store, log_rows)
        stored.save()
    return summary


def _write_log(store: Store, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    try:
        store.upsert(FETCH_LOG.name, pl.DataFrame(rows, schema=FETCH_LOG.polars_schema))
    except TrackerError as exc:
        log.error("could not write the fetch log (%d attempt(s)): %s", len(rows), exc)


class _StoredBodies:
    """Digests of the bodies whose rows the store holds, by request cursor, kept across runs.

    Why: a 304 serves the cached body, but the HTTP cache keeps a body as soon as it arrives, before its rows
    are written; a run killed in between must not leave those rows unwritten forever. So a 304 skips the parse
    and the upsert only when this record says that very body was stored. Saved once, at the end of a run; a
    lost or stale record costs only a parse and an upsert that finds nothing to change.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        self.digests: dict[str, str] = loaded if isinstance(loaded, dict) else {}
        self.dirty = False

    @staticmethod
    def digest(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def holds(self, cursor: str, body: bytes) -> bool:
        return self.digests.get(cursor) == self.digest(body)

    def add(self, cursor: str, body: bytes) -> None:
        self.digests[cursor] = self.digest(body)
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            try:
                write_atomically(self.path, json.dumps(self.digests, sort_keys=True).encode("utf-8"))
            except OSError as exc:  # only costs a re-parse of 304 bodies next time
                log.warning("could not save %s: %s", self.path, exc)


def _fetcher(source_id: str, fetchers: Mapping[str, Fetcher] | None) -> Fetcher:
    """The given stand-in (tests), else the registered fetcher, whose module is imported on first use."""
    return fetchers[source_id] if fetchers is not None else get_fetcher(source_id)


class _SourceRun:
    """One source within a run: its queue, its counters, its log rows."""

    def __init__(
        self, config: Config, store: Store, source_id: str, client: HttpClient, now: Callable[[], datetime],
        progress: bool, max_age_days: float, log_rows: list[dict[str, object]], stored: _StoredBodies,
    ) -> None:
        self.config = config
        self.store = store
        self.source_id = source_id
        self.client = client
        self.now = now
        self.progress = progress
        self.max_age = timedelta(days=max_age_days)
        self.summary = SourceSummary(source_id)
        self.settings: SourceSettings | None = config.sources.get(source_id)
        self.log_rows = log_rows
        self.stored = stored

    # ------------------------------------------------------------------ flow
    def run(self, scope: FetchScope, fetchers: Mapping[str, Fetcher] | None) -> SourceSummary:
        started = self.now()
        try:
            if self.settings is None:
                raise TrackerError(f"no [sources.{self.source_id}] in sources.toml")
            fetcher = _fetcher(self.source_id, fetchers)
            fetcher.prepare(self.client, self.settings)
            planned = fetcher.plan(self.settings, scope)
        except Exception as exc:  # one source's setup failure must not stop the others
            log.error("%s: could not prepare or plan: %s", self.source_id, self._text(exc))
            self.summary.failed += 1
            self._log(json.dumps({"stage": "prepare/plan"}), started, 0, "failed", self._text(exc))
            return self.summary
        self._fetch_all(fetcher, planned)
        self.summary.unknown_codes = sorted(set(self.summary.unknown_codes))
        return self.summary

    def _fetch_all(self, fetcher: Fetcher, planned: list[Request]) -> None:
        assert self.settings is not None
        fresh = self._fresh_cursors()
        today = self.now().date()
        pending: dict[Future[HttpResult], tuple[Request, datetime]] = {}
        pool = ThreadPoolExecutor(max_workers=self.config.http.max_concurrency, thread_name_prefix=self.source_id)
        bar = tqdm(total=len(planned), desc=self.source_id, unit="req", file=sys.stderr, disable=not self.progress)

        def submit(request: Request) -> None:
            if request.cursor in fresh and not _is_recent(request, today):
                self.summary.skipped += 1
                bar.update(1)
                return
            self.summary.requests += 1
            pending[pool.submit(self.client.get, request, self.settings)] = (request, self.now())

        try:
            for request in planned:
                submit(request)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    request, started = pending[future]
                    follow_ups = self._handle(fetcher, request, started, future)
                    del pending[future]  # only now: an interrupt while handling still logs this request
                    bar.update(1)
                    if follow_ups:
                        bar.total += len(follow_ups)
                        bar.refresh()
                        for follow_up in follow_ups:
                            submit(follow_up)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            for request, started in pending.values():
                self._log(request.describe(), started, 0, "interrupted", "the run stopped before this request ended",
                          finished=False)
            raise
        finally:
            bar.close()
        pool.shutdown(wait=True)

    def _handle(
        self, fetcher: Fetcher, request: Request, started: datetime, future: Future[HttpResult]
    ) -> list[Request]:
        """Parse and write one answer; log the attempt; return the follow-up requests it calls for."""
        try:
            result = future.result()
        except Exception as exc:
            self._fail(request, started, exc)
            return []
        follow_up = getattr(fetcher, "follow_up", None)
        try:
            follow_ups: list[Request] = follow_up(request, result.content) if follow_up is not None else []
        except Exception as exc:
            self._fail(request, started, exc)
            return []
        if result.from_cache and self._known_stored(request, result.content):
            self.summary.cached += 1
            self.summary.unchanged += 1
            self._log(request.describe(), started, 0, "unchanged", None)
            return follow_ups
        try:
            parsed = fetcher.parse(request, result.content, self.now())
            changed = bool(parsed.frame.height) and self.store.upsert(request.table, parsed.frame).changed
        except Exception as exc:
            if follow_ups and all(f.replaces == request.cursor for f in follow_ups):
                self.summary.split += 1
                note = f"{self._text(exc)}; replaced by {len(follow_ups)} smaller request(s)"
                self._log(request.describe(), started, 0, "failed", note)
            else:
                self._fail(request, started, exc)
            return follow_ups
        self.stored.add(request.cursor, result.content)
        rows = parsed.frame.height if changed else 0
        if parsed.frame.height and not changed:
            status = "unchanged"
        else:
            status = "cached" if result.from_cache else ("ok" if rows else "empty")
        warning = None
        if parsed.unknown_codes:
            self.summary.unknown_codes.extend(parsed.unknown_codes)
            warning = f"warning: unknown {self.source_id} country codes {sorted(parsed.unknown_codes)[:20]} skipped"
            log.warning("%s: %s (%s)", self.source_id, warning, request.cursor)
        self.summary.rows_written += rows
        self.summary.cached += result.from_cache
        self.summary.unchanged += status == "unchanged"
        self._log(request.describe(), started, rows, status, warning)
        return follow_ups

    def _known_stored(self, request: Request, body: bytes) -> bool:
        """A 304's body whose rows were stored by an earlier run (and the table is still there)."""
        return self.stored.holds(request.cursor, body) and self.store.version_name(request.table) is not None

    # ------------------------------------------------------------ bookkeeping
    def _text(self, exc: BaseException) -> str:
        text = str(exc) if isinstance(exc, TrackerError) else f"{type(exc).__name__}: {exc}"
        key = self.settings.api_key() if self.settings is not None else None
        text = redact(text)
        return text.replace(key, "***") if key else text

    def _fail(self, request: Request, started: datetime, exc: BaseException) -> None:
        self.summary.failed += 1
        text = self._text(exc)
        if isinstance(exc, TrackerError):
            log.warning("%s: request failed: %s", self.source_id, text)
        else:  # a bug rather than a bad answer: keep the traceback in the log (redacted)
            trace = redact("".join(traceback.format_exception(exc)))
            log.error("%s: request failed unexpectedly: %s\n%s", self.source_id, text, trace)
        self._log(request.describe(), started, 0, "failed", text)

    def _log(
        self, request: str, started: datetime, rows: int, status: str, error: str | None, finished: bool = True,
    ) -> None:
        self.log_rows.append({
            "attempt_id": uuid.uuid4().hex,
            "source": self.source_id,
            "request": redact(request),
            "started_at": started,
            "finished_at": self.now() if finished else None,
            "rows_written": rows,
            "status": status,
            "error": error,
        })

    def _fresh_cursors(self) -> set[str]:
        """Cursors with a successful attempt within ``max_age``: they need no new request."""
        cutoff = self.now() - self.max_age
        frame = (
            self.store.scan(FETCH_LOG.name)
            .filter(
                (pl.col("source") == self.source_id)
                & pl.col("status").is_in(SUCCESS_STATUSES)
                & (pl.col("finished_at") > cutoff)
            )
            .select(cursor=pl.col("request").str.json_path_match("$.cursor"))
            .collect()
        )
        return set(frame.get_column("cursor").drop_nulls().to_list())


def _is_recent(request: Request, today: date) -> bool:
    """Requests covering the latest years (or unknown periods) are always refetched: sources revise them."""
    if not request.periods:
        return True
    first_recent = today.year - RECENT_YEARS + 1
    return any(int(period[:4]) >= first_recent for period in request.periods if period[:4].isdigit())
