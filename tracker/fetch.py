"""The fetch runner: plan each source's requests, skip fresh ones, fetch, parse, upsert, log every attempt.

Why it is built this way:

* Data is upserted per request, so a failure later in the run loses nothing fetched earlier; a body that
  does not parse writes nothing for its request.
* Every attempt leaves one ``fetch_log`` row (ok, empty, cached, unchanged, failed, interrupted) with the
  error text, keys redacted. Unknown country codes, and the malformed rows a parser skipped (counted, the
  first few named: ``tracker.sources.base.Quarantine``), are a warning in the error column of an otherwise
  ok row. A fetcher's ``answer_statuses`` (the SDMX "no data" 404) are added to each of its requests.
  The rows are written once, at the end of the run (also when it is interrupted): one new ``fetch_log``
  version per run, not one per request.
* Nothing new upstream means nothing written: an answer whose rows are all stored already (``fetched_at``
  aside) is logged ``unchanged`` and leaves the data table's version as it was (the store skips the write),
  and a 304 whose body is known to be stored is not even parsed again (``_StoredBodies``).
* Incremental loading by cursor (dlt's idea): a request whose cursor had a successful attempt within
  ``max_age_days`` is skipped, unless it covers the current or previous year, which sources still revise.
  Upserts are idempotent, so a re-run leaves the same table as a clean run.
* Nothing stops the run: a failing request or source is logged and counted, and the others go on.
* Fetching runs on ``max_concurrency`` daemon threads through the one client; parsing and writing stay on
  the calling thread, so the store sees one writer. The calling thread never blocks without a timeout: it
  polls for answers, so Ctrl-C, a stop request (``stop_running_fetches``, the scheduler's shutdown) and
  the per-source deadline (``[http] source_deadline_seconds``) take effect within a fraction of a second.
  Requests still unfinished then are logged ``interrupted`` (stopped) or ``failed`` (deadline).
* An answer may call for follow-up requests (pages, splits), at most ``MAX_FOLLOW_UPS`` of them: more
  fails that request, so a lying page count cannot queue thousands of requests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
from tqdm import tqdm

from tracker.alerts import remove_sample_alerts
from tracker.atomic import write_atomically
from tracker.config import Config, HttpSettings, SourceSettings
from tracker.errors import PayloadError, StoreWriteError, TrackerError, TransientFetchError
from tracker.http import HttpClient, HttpResult, redact
from tracker.request import Request
from tracker.schemas import SAMPLE_SOURCE, SUCCESS_STATUSES
from tracker.sources import get_fetcher
from tracker.sources.base import MAX_FOLLOW_UPS, RECENT_YEARS, Fetcher, FetchScope
from tracker.store import Store
from tracker.tables import ALERTS, FETCH_LOG, SOURCE_TABLES

log = logging.getLogger(__name__)

BACI = "baci"  # tracker.sources.baci.SOURCE: downloaded and imported by _run_baci, not the request queue
CACHE_DIR = Path(".cache")  # under the store root: HTTP cache and daily request counts
DEFAULT_MAX_AGE_DAYS = 30
POLL_SECONDS = 0.2  # how often the runner looks at stop requests and its deadline while requests are out

_STOP = threading.Event()
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
    rows_skipped: int = 0  # malformed rows, records or series left out of answers that were stored
    unknown_codes: list[str] = field(default_factory=list)
    details: str = ""  # a closing line of its own (BACI: release, years, MB downloaded, rows, time)


@dataclass
class FetchSummary:
    sources: dict[str, SourceSummary] = field(default_factory=dict)
    sample_removed: dict[str, int] = field(default_factory=dict)  # table -> sample rows dropped as real rows came

    @property
    def failed(self) -> int:
        return sum(summary.failed for summary in self.sources.values())

    @property
    def rows_written(self) -> int:
        return sum(summary.rows_written for summary in self.sources.values())


class FetchInterrupted(KeyboardInterrupt):
    """A fetch stopped because ``stop_running_fetches`` was called; its unfinished requests were logged."""


def stop_running_fetches() -> None:
    """Make every fetch running in this process stop now, logging its unfinished requests as interrupted.

    For the scheduler's shutdown: its fetch runs on a worker thread, where no KeyboardInterrupt arrives.
    """
    _STOP.set()


class _Workers:
    """``count`` daemon threads sending requests through the client; ``next_done`` hands back the answers.

    Daemon threads rather than a ThreadPoolExecutor: the interpreter joins an executor's threads at exit,
    so one request stuck on a slow server would hold up Ctrl-C until its deadline.
    """

    def __init__(self, count: int, send: Callable[[Request], HttpResult], name: str) -> None:
        self._send = send
        self._todo: queue.SimpleQueue[tuple[int, Request] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[int, HttpResult | Exception]] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True)
                         for index in range(count)]
        for thread in self._threads:
            thread.start()

    def submit(self, token: int, request: Request) -> None:
        self._todo.put((token, request))

    def next_done(self, timeout: float) -> tuple[int, HttpResult | Exception] | None:
        """The next finished request (its token and result or error); None if none finished within ``timeout``."""
        try:
            return self._done.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        """No further request starts; requests in flight end on their own (their answers are dropped)."""
        self._stopped.set()
        for _ in self._threads:
            self._todo.put(None)

    def _work(self) -> None:
        while (item := self._todo.get()) is not None and not self._stopped.is_set():
            token, request = item
            try:
                outcome: HttpResult | Exception = self._send(request)
            except Exception as exc:  # reported by the runner, which logs it for this request
                outcome = exc
            self._done.put((token, outcome))


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
                if source_id == BACI and (fetchers is None or BACI not in fetchers):
                    summary.sources[source_id] = _run_baci(config, store, client, scope, progress, now, log_rows)
                    continue
                run = _SourceRun(config, store, source_id, client, now, progress, max_age_days, log_rows, stored)
                summary.sources[source_id] = run.run(scope, fetchers)
        if summary.rows_written:
            summary.sample_removed = remove_sample(store)
    finally:
        _write_log(store, log_rows)
        stored.save()
    return summary


def remove_sample(store: Store) -> dict[str, int]:
    """Drop the invented sample rows from every source table once real rows arrived, so that no page or export
    mixes the two (the sample is the least preferred source, and would fill every gap of the real data with
    made-up numbers), and the alerts raised on the sample with them (``alerts``: they are not recomputed, and
    would be listed as if real). The alerts go first: each table changes in one atomic step, and a failure
    between the two leaves the sample with no alert (the next evaluation may raise them again) rather than alerts
    without the sample that raised them; a later fetch that stores rows finishes the job. The metric tables go
    stale and are recomputed from the real rows alone; ``python -m tracker sample`` writes the sample again.
    Returns the rows dropped per table."""
    alerts = remove_sample_alerts(store)
    removed = {table: store.drop_source(table, SAMPLE_SOURCE) for table in SOURCE_TABLES if table in store.tables()}
    removed[ALERTS.name] = alerts
    if any(removed.values()):
        log.info("real data arrived: the sample rows were removed (%s)",
                 ", ".join(f"{table} {rows:,}" for table, rows in removed.items() if rows))
    return {table: rows for table, rows in removed.items() if rows}


def _run_baci(config: Config, store: Store, client: HttpClient, scope: FetchScope, progress: bool,
              now: Callable[[], datetime], log_rows: list[dict[str, object]]) -> SourceSummary:
    """BACI is one release zip, not a queue of API requests: ``tracker.baci.download`` checks the page, downloads
    the members wanted (resuming) and imports them. One ``fetch_log`` row per run (the import adds its own)."""
    from tracker.baci.download import BaciFetch, fetch_baci

    summary = SourceSummary(BACI)
    started = now()
    outcome = BaciFetch()

    def log_row(status: str, error: str | None) -> None:
        release = outcome.release
        request = {"path": release.path if release else "", "cursor": f"baci/{release.hs_revision}/{release.version}"
                   if release else "baci", "years": list(outcome.years), "bytes_downloaded": outcome.bytes_downloaded}
        log_rows.append({"attempt_id": uuid.uuid4().hex, "source": BACI, "request": json.dumps(request),
                         "started_at": started, "finished_at": None if status == "interrupted" else now(),
                         "rows_written": 0, "status": status,
                         "error": redact(error) if error else None})

    settings = config.sources.get(BACI)
    deadline = time.monotonic() + config.http.source_deadline_seconds

    def check_stop() -> None:  # between two chunks of a download
        if _STOP.is_set():
            raise FetchInterrupted("baci: the fetch was asked to stop")
        if time.monotonic() > deadline:
            raise TransientFetchError(BACI, f"the source deadline of {config.http.source_deadline_seconds:g} s "
                                      "(source_deadline_seconds) passed during the download")

    try:
        if settings is None:
            raise TrackerError("no [sources.baci] in sources.toml")
        outcome = fetch_baci(client, settings, store, scope.years, progress=progress, check_stop=check_stop,
                             result=outcome)
    except (KeyboardInterrupt, StoreWriteError) as exc:
        log_row("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                "the run stopped during the BACI download; the next run resumes it"
                if isinstance(exc, KeyboardInterrupt) else str(exc))
        raise
    except Exception as exc:  # a failing source must not stop the others
        text = str(exc) if isinstance(exc, TrackerError) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, TrackerError):
            log.error("baci: failed unexpectedly: %s\n%s", text, redact("".join(traceback.format_exception(exc))))
        else:
            log.error("%s", text)
        summary.failed = 1
        summary.requests = outcome.requests
        summary.details = f"baci: failed: {text.removeprefix(f'{BACI}: ')}"
        log_row("failed", text)
        return summary
    summary.requests = outcome.requests
    summary.rows_written = outcome.rows_written
    summary.unchanged = int(outcome.unchanged)
    summary.details = outcome.describe()
    refused = outcome.imported.refusals() if outcome.imported is not None else {}
    for line in refused.values():  # the importer logged each as a failed row; the run's status says so too
        log.error("baci: %s", line)
    summary.failed = len(refused)
    notes = "; ".join([*outcome.notes, *(f"{year} refused by the import" for year in refused)]) or None
    log_row("unchanged" if outcome.unchanged else "ok", notes)
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
        settings = self.settings
        fresh = fresh_cursors(self.store, self.source_id, self.now() - self.max_age)
        today = self.now().date()
        http = self.config.http
        deadline = time.monotonic() + http.source_deadline_seconds
        pending: dict[int, tuple[Request, datetime]] = {}
        tokens = itertools.count()
        workers = _Workers(http.max_concurrency,
                           lambda request: self.client.get(_answerable(request, fetcher), settings), self.source_id)
        bar = tqdm(total=len(planned), desc=self.source_id, unit="req", file=sys.stderr, disable=not self.progress)

        def submit(request: Request) -> None:
            if is_fresh(request, fresh, today):
                self.summary.skipped += 1
                bar.update(1)
                return
            self.summary.requests += 1
            token = next(tokens)
            pending[token] = (request, self.now())
            workers.submit(token, request)

        try:
            for request in planned:
                submit(request)
            while pending:
                if _STOP.is_set():
                    raise FetchInterrupted(f"{self.source_id}: the fetch was asked to stop")
                left = deadline - time.monotonic()
                if left <= 0:
                    log.error("%s: source deadline of %g s passed; %d request(s) unfinished", self.source_id,
                              http.source_deadline_seconds, len(pending))
                    self.summary.failed += len(pending)
                    self._log_unfinished(pending, "failed", f"the source deadline of {http.source_deadline_seconds:g}"
                                         " s (source_deadline_seconds) passed before this request ended")
                    break
                finished = workers.next_done(min(POLL_SECONDS, left))
                if finished is None:
                    continue
                token, outcome = finished
                request, started = pending[token]
                try:
                    follow_ups = self._handle(fetcher, request, started, outcome)
                except StoreWriteError:
                    del pending[token]  # already logged as failed
                    raise
                del pending[token]  # only now: an interrupt while handling still logs this request
                bar.update(1)
                if follow_ups:
                    bar.total = (bar.total or 0) + len(follow_ups)
                    bar.refresh()
                    for follow_up in follow_ups:
                        submit(follow_up)
        except BaseException:
            self._log_unfinished(pending, "interrupted", "the run stopped before this request ended")
            raise
        finally:
            workers.stop()
            bar.close()

    def _log_unfinished(self, pending: dict[int, tuple[Request, datetime]], status: str, error: str) -> None:
        """One row per request still out; ``pending`` is emptied so that none is logged twice."""
        for request, started in pending.values():
            self._log(request.describe(), started, 0, status, error, finished=status != "interrupted")
        pending.clear()

    def _handle(
        self, fetcher: Fetcher, request: Request, started: datetime, outcome: HttpResult | Exception
    ) -> list[Request]:
        """Parse and write one answer; log the attempt; return the follow-up requests it calls for."""
        if isinstance(outcome, Exception):
            self._fail(request, started, outcome)
            return []
        result = outcome
        follow_up = getattr(fetcher, "follow_up", None)
        try:
            follow_ups: list[Request] = follow_up(request, result.content) if follow_up is not None else []
            if len(follow_ups) > MAX_FOLLOW_UPS:
                raise PayloadError(self.source_id, f"the answer calls for {len(follow_ups):,} follow-up requests, "
                                   f"more than the {MAX_FOLLOW_UPS} one answer may; none was sent")
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
            if isinstance(exc, StoreWriteError):
                raise  # a full disk fails every later write too: stop the run (cli prints one message)
            return follow_ups
        self.stored.add(request.cursor, result.content)
        rows = parsed.frame.height if changed else 0
        if parsed.frame.height and not changed:
            status = "unchanged"
        else:
            status = "cached" if result.from_cache else ("ok" if rows else "empty")
        warnings = []
        if parsed.unknown_codes:
            self.summary.unknown_codes.extend(parsed.unknown_codes)
            warnings.append(f"warning: unknown {self.source_id} country codes {sorted(parsed.unknown_codes)[:20]} "
                            "skipped")
        if parsed.skipped:
            self.summary.rows_skipped += parsed.skipped
            warnings.append(f"warning: {parsed.skipped:,} of {parsed.read:,} malformed row(s) skipped: "
                            + "; ".join(parsed.skip_reasons))
        warning = "; ".join(warnings) or None
        if warning:
            log.warning("%s: %s (%s)", self.source_id, self._text(TrackerError(warning)), request.cursor)
        self.summary.rows_written += rows
        self.summary.cached += result.from_cache
        self.summary.unchanged += status == "unchanged"
        self._log(request.describe(), started, rows, status, self._text(TrackerError(warning)) if warning else None)
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


def fresh_cursors(store: Store, source_id: str, cutoff: datetime) -> set[str]:
    """Cursors of ``source_id`` with a successful attempt after ``cutoff``: they need no new request."""
    frame = (
        store.scan(FETCH_LOG.name)
        .filter(
            (pl.col("source") == source_id)
            & pl.col("status").is_in(SUCCESS_STATUSES)
            & (pl.col("finished_at") > cutoff)
        )
        .select(cursor=pl.col("request").str.json_path_match("$.cursor"))
        .collect()
    )
    return set(frame.get_column("cursor").drop_nulls().to_list())


def is_fresh(request: Request, fresh: set[str], today: date) -> bool:
    """Whether the runner skips ``request``: fetched lately (``fresh``) and covering no year sources still revise."""
    return request.cursor in fresh and not _is_recent(request, today)


def _answerable(request: Request, fetcher: Fetcher) -> Request:
    """``request`` with its fetcher's ``answer_statuses`` added: their bodies reach ``parse``, which reads an
    SDMX "no data" answer as empty (``tracker.sources.sdmx``) and refuses any other."""
    extra = tuple(status for status in getattr(fetcher, "answer_statuses", ()) if status not in request.answer_statuses)
    return dataclasses.replace(request, answer_statuses=request.answer_statuses + extra) if extra else request


def _is_recent(request: Request, today: date) -> bool:
    """Requests covering the latest years (or unknown periods) are always refetched: sources revise them."""
    if not request.periods:
        return True
    first_recent = today.year - RECENT_YEARS + 1
    return any(int(period[:4]) >= first_recent for period in request.periods if period[:4].isdigit())
