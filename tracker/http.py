"""The one HTTP client every fetcher goes through: retries, Retry-After, rate limits, cache, API keys.

Why one client: the public sources throttle (Comtrade answers 429 "Try again in 2 seconds"), cap calls
per day and fail transiently; handling that once keeps fetchers pure. One ``HttpClient`` lives for one
fetch run and may be shared by threads.

* Retries with exponential back-off and jitter on connection errors, timeouts, 429 and 5xx; never
  sooner than the server's Retry-After (seconds or HTTP-date). Gives up after ``max_attempts`` or when
  the next wait would push the total past ``max_total_wait_seconds`` (TransientFetchError). Other 4xx
  fail at once (HTTPStatusError with the start of the body).
* A per-host rate limiter spaces calls by ``60 / requests_per_minute`` seconds, across threads; a
  per-source daily counter (persisted in ``cache_dir``) stops at ``requests_per_day``.
* An on-disk cache keeps bodies with their ETag / Last-Modified and revalidates them; 304 serves the
  cached body (``from_cache=True``).
* API keys are added here, never by fetchers, and redacted ("***") from URLs, errors and log records.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import random as _random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tracker.atomic import write_atomically
from tracker.errors import HTTPStatusError, TerminalFetchError, TransientFetchError

if TYPE_CHECKING:
    from tracker.config import HttpSettings, SourceSettings
    from tracker.sources.base import Request

log = logging.getLogger(__name__)

REDACTED = "***"
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
BODY_EXCERPT_CHARS = 200
DAILY_COUNTS_FILE = "daily_requests.json"

# Where each keyed source expects its key; sources not listed never send one.
KEY_PLACEMENT: dict[str, tuple[str, str]] = {
    "comtrade": ("header", "Ocp-Apim-Subscription-Key"),
    "census": ("query", "key"),
}

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_COMTRADE_RETRY_TEXT = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def register_secret(secret: str) -> None:
    """Remember a key so that ``redact`` and the log filter hide it wherever it shows up."""
    if secret:
        with _SECRETS_LOCK:
            _SECRETS.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered key replaced by ``***``."""
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class _RedactingFilter(logging.Filter):
    """httpx logs every request URL at INFO; a key sent as a query parameter must not reach the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


REDACTING_FILTER = _RedactingFilter()
for _name in ("httpx", "httpcore", __name__, "tracker.fetch"):
    logging.getLogger(_name).addFilter(REDACTING_FILTER)


@dataclass(frozen=True)
class HttpResult:
    """A successful answer (2xx, or 304 served from the cache); ``url`` never holds the key."""

    status_code: int
    content: bytes
    from_cache: bool
    url: str


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP-date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class RateLimiter:
    """Spaces calls to one host by a minimum interval; slots are reserved under a lock, waits happen outside."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, per_minute: float) -> float:
        """Block until ``host`` may be called again; return the seconds waited."""
        interval = 60.0 / per_minute
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class DailyCounter:
    """Requests sent per source per UTC day, persisted so that several runs on one day share the budget."""

    def __init__(self, path: Path | None, today: Callable[[], str]) -> None:
        self._path = path
        self._today = today
        self._lock = threading.Lock()
        self._memory: dict[str, object] = {}

    def _load(self) -> dict[str, object]:
        if self._path is None:
            return self._memory
        try:
            return json.loads(self._path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict[str, object]) -> None:
        if self._path is None:
            self._memory = state
            return
        write_atomically(self._path, json.dumps(state).encode("utf-8"))

    def take(self, source: str, limit: int | None) -> int:
        """Count one request for ``source``; refuse (TerminalFetchError) once ``limit`` is reached."""
        with self._lock:
            state = self._load()
            today = self._today()
            counts = state.get("counts") if state.get("date") == today else None
            counts = dict(counts) if isinstance(counts, dict) else {}
            used = int(counts.get(source, 0))
            if limit is not None and used >= limit:
                raise TerminalFetchError(source, f"daily limit of {limit} requests for {source} reached")
            counts[source] = used + 1
            self._save({"date": today, "counts": counts})
            return used + 1


class _Cache:
    """Bodies with their validators, one JSON + one body file per URL (keyed by the URL without the key)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _paths(self, url: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.directory / f"{digest}.json", self.directory / f"{digest}.body"

    def load(self, url: str) -> dict[str, str] | None:
        """The validators of a cached answer, or None when there is none (or its body is gone).

        The body itself is read only by ``body``: it is needed only when the server answers 304.
        """
        meta_path, body_path = self._paths(url)
        try:
            meta: dict[str, str] = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if body_path.is_file() else None

    def body(self, url: str) -> bytes | None:
        """The cached body of ``url``; None if it vanished since ``load``."""
        try:
            return self._paths(url)[1].read_bytes()
        except OSError:
            return None

    def store(self, url: str, response: httpx.Response) -> None:
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if not etag and not modified:
            return  # nothing to revalidate with: caching would never be used
        meta_path, body_path = self._paths(url)
        meta = {"url": url, "etag": etag or "", "last_modified": modified or ""}
        write_atomically(body_path, response.content)
        write_atomically(meta_path, json.dumps(meta).encode("utf-8"))


def _host(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or ''}"


class HttpClient:
    """One per fetch run; thread-safe. Call ``close()`` when done (``contextlib.closing`` does)."""

    def __init__(
        self,
        http_settings: HttpSettings,
        cache_dir: Path | None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = http_settings
        self._sleep = sleep
        self._random = random
        self._wall_clock = wall_clock
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(http_settings.read_timeout_seconds, connect=http_settings.connect_timeout_seconds),
            headers={"User-Agent": http_settings.user_agent},
            follow_redirects=True,
        )
        self._limiter = RateLimiter(clock, sleep)
        self._daily = DailyCounter(
            cache_dir / DAILY_COUNTS_FILE if cache_dir is not None else None,
            lambda: wall_clock().date().isoformat(),
        )
        self._cache = _Cache(cache_dir / "http") if cache_dir is not None and http_settings.cache else None
        self._slots = threading.BoundedSemaphore(http_settings.max_concurrency)

    def close(self) -> None:
        self._client.close()

    def backoff(self, attempt: int) -> float:
        """Wait before attempt ``attempt + 1``: exponential, capped, with up to +50 % jitter."""
        base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return base * (1.0 + 0.5 * self._random())

    def get(self, request: Request, settings: SourceSettings) -> HttpResult:
        """GET ``request`` from ``settings.base_url`` with retries, limits, cache and the source's key."""
        url = settings.base_url + request.path
        public_url = str(httpx.URL(url, params=list(request.params)))
        params = list(request.params)
        headers: dict[str, str] = {}
        key = settings.api_key()
        if key:
            register_secret(key)
            place, name = KEY_PLACEMENT.get(settings.id, ("", ""))
            if place == "header":
                headers[name] = key
            elif place == "query":
                params.append((name, key))
        meta = self._cache.load(public_url) if self._cache is not None else None
        if meta is not None:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        host = _host(url)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self._daily.take(settings.id, settings.requests_per_day)
            self._limiter.wait(host, settings.requests_per_minute)
            cause: Exception | None = None
            retry_after: float | None = None
            try:
                with self._slots:
                    response = self._client.get(url, params=params, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                cause = exc
                problem = f"{type(exc).__name__}: {redact(str(exc)) or 'no detail'}"
            else:
                status = response.status_code
                if status == 304 and meta is not None and self._cache is not None:
                    cached_body = self._cache.body(public_url)
                    if cached_body is not None:
                        log.debug("%s: %s not modified, served from cache", settings.id, public_url)
                        return HttpResult(304, cached_body, True, public_url)
                if 200 <= status < 300:
                    if self._cache is not None:
                        self._cache.store(public_url, response)
                    return HttpResult(status, response.content, False, public_url)
                excerpt = redact(response.text[:BODY_EXCERPT_CHARS])
                if status != 429 and status < 500:
                    raise HTTPStatusError(
                        settings.id, status, f"HTTP {status} from {public_url}: {excerpt or '(empty body)'}"
                    )
                problem = f"HTTP {status}" + (f" ({excerpt.strip()})" if excerpt.strip() else "")
                retry_after = parse_retry_after(response.headers.get("retry-after"), self._wall_clock())
                if retry_after is None and status == 429:
                    match = _COMTRADE_RETRY_TEXT.search(response.text[:500])
                    retry_after = float(match.group(1)) if match else None
            delay = self.backoff(attempt)
            if retry_after is not None:
                delay = max(delay, retry_after)
            if attempt >= self.settings.max_attempts or waited + delay > self.settings.max_total_wait_seconds:
                raise TransientFetchError(
                    settings.id,
                    f"gave up on {public_url} after {attempt} attempt(s), {waited:.1f} s of waiting: last {problem}",
                ) from cause
            log.info("%s: %s on attempt %d; retrying in %.1f s", settings.id, problem, attempt, delay)
            self._sleep(delay)
            waited += delay
