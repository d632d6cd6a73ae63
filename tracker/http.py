"""The one HTTP client every fetcher goes through: retries, Retry-After, rate limits, cache, API keys, limits.

Why one client: the public sources throttle (Comtrade answers 429 "Try again in 2 seconds"), cap calls
per day and fail transiently; handling that once keeps fetchers pure. One ``HttpClient`` lives for one
fetch run and may be shared by threads.

* Retries with exponential back-off and jitter on connection errors, timeouts, 429 and 5xx; never
  sooner than the server's Retry-After (seconds or HTTP-date). Gives up after ``max_attempts`` or when
  the next wait would push the total past ``max_total_wait_seconds`` (TransientFetchError). Other 4xx
  fail at once (HTTPStatusError with the start of the body), except the statuses a request names in
  ``answer_statuses``: their body (at most ``ERROR_BODY_BYTES``, never cached) goes to the fetcher's parser.
* A per-host rate limiter spaces calls by ``60 / requests_per_minute`` seconds, across threads; a
  per-source daily counter (persisted in ``cache_dir``) stops at ``requests_per_day``.
* An on-disk cache keeps bodies with their ETag / Last-Modified and revalidates them; 304 serves the
  cached body (``from_cache=True``).
* API keys are added here, never by fetchers, and redacted ("***") from URLs, errors and log records.
  Redaction happens when a log record is created (a record factory), so it covers every logger, child
  loggers such as ``httpcore.http11`` included, and every handler, whatever the verbosity. A key is
  found however a URL spells it: raw, percent-encoded (either hex case, even twice) or with ``+`` for a
  space, as httpx writes ``SECRET+KEY/456=`` into a query as ``SECRET%2BKEY%2F456%3D``.
* Limits against a hostile or broken upstream: ``request_deadline_seconds`` bounds one request from its
  first attempt to the end of its body, back-off waits included (a server that drips one byte a second
  fails at the deadline); ``max_body_megabytes`` bounds the body as it is decoded, so a gzip bomb is
  refused after that many bytes, never inflated whole. Bodies are decoded here (gzip, deflate) in
  bounded steps rather than by httpx, which inflates each network chunk at once.
* ``download`` streams a bulk file, or byte ranges of it, into a sink (BACI's release zips): same retries,
  rate limits, deadline and redirects, no cache and no key; its cap is the length of the range asked, its
  deadline grows with the bytes expected, and a retry after a cut asks only for the bytes still missing.
* ``post_json`` gives a one-off JSON POST (the LLM rewrite, the alert webhook) the same protections: an overall
  deadline with the watchdog, a body cap with bounded decoding, redaction of its URL and keys, and no redirect
  that would carry a secret to another host. ``http_client`` is the one place an ``httpx.Client`` is built.
* A key is sent only to the origin (scheme, host, port) of the source's ``base_url``. Redirects are
  followed by hand: a hop to another origin goes without the key header, and is refused when the key is
  in its URL, in any of those spellings. httpx's own following would forward custom headers such as Comtrade's.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import random as _random
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import httpx

from tracker.atomic import write_atomically
from tracker.errors import HTTPStatusError, TerminalFetchError, TransientFetchError
from tracker.request import Request

if TYPE_CHECKING:
    from tracker.config import HttpSettings, SourceSettings

log = logging.getLogger(__name__)

REDACTED = "***"
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
BODY_EXCERPT_CHARS = 200
DAILY_COUNTS_FILE = "daily_requests.json"
BYTES_PER_MEGABYTE = 1_000_000
ERROR_BODY_BYTES = 4096  # of a non-2xx answer only the start is read: enough for the error message
MAX_REDIRECTS = 5
MIN_SECRET_PART_CHARS = 4  # a URL's path or password shorter than this is hidden only inside the whole URL
ACCEPT_ENCODING = "gzip, deflate"  # the encodings ``_Inflater`` decodes in bounded steps
INFLATE_STEP_BYTES = 1_000_000  # decoded per step: 64 KB of a gzip bomb would otherwise inflate to 64 MB at once
MIN_DOWNLOAD_BYTES_PER_SECOND = 100_000  # a download's deadline grants its bytes this rate on top of the request's
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")

# Where each keyed source expects its key; sources not listed never send one.
KEY_PLACEMENT: dict[str, tuple[str, str]] = {
    "comtrade": ("header", "Ocp-Apim-Subscription-Key"),
    "census": ("query", "key"),
}

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_secrets_pattern: re.Pattern[str] | None = None  # every registered secret in every spelling; rebuilt on register
_COMTRADE_RETRY_TEXT = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def _spellings(char: str) -> str:
    """A pattern for ``char`` as a URL or a log line may write it: itself, its UTF-8 bytes percent-encoded
    (hex in either case, or encoded twice: ``%252B``), ``+`` for a space (``quote_plus``) and a space for ``+``
    (a query decoded by a server that reads ``+`` as a space)."""
    encoded = "".join(
        "%(?:25)?" + "".join(f"[{digit}{digit.lower()}]" if digit.isalpha() else digit for digit in f"{byte:02X}")
        for byte in char.encode("utf-8")
    )
    forms = [re.escape(char), encoded] + [r"\+"] * (char == " ") + [" "] * (char == "+")
    return "(?:" + "|".join(forms) + ")"


def _secret_pattern(secret: str) -> str:
    """A pattern for ``secret`` in every spelling, each character spelled on its own (a URL may mix them)."""
    return "".join(map(_spellings, secret))


def register_secret(secret: str) -> None:
    """Remember a key so that ``redact`` and the log filter hide it wherever it shows up, however it is encoded."""
    global _secrets_pattern
    if not secret:
        return
    with _SECRETS_LOCK:
        if secret in _SECRETS:
            return
        _SECRETS.add(secret)
        longest_first = sorted(_SECRETS, key=len, reverse=True)
        _secrets_pattern = re.compile("|".join(map(_secret_pattern, longest_first)))


def register_url(url: str) -> None:
    """Remember a URL that carries a secret (a webhook's token in its path, query or password).

    httpx logs the URL it sends normalised (``LOCALHOST`` as ``localhost``, a space as ``%20``, ``/a/../b`` as
    ``/b``): the URL is registered as given and as httpx writes it, and so are its path-and-query (decoded, so
    that every encoding of it matches) and its password alone, whatever host or port a message prints first.
    """
    register_secret(url)
    paths: list[str] = []
    passwords: list[str | None] = []
    with contextlib.suppress(ValueError):  # "http://[::1/x": urlsplit refuses it, httpx too (then never sent)
        given = urlsplit(url)
        paths.append(given.path + (f"?{given.query}" if given.query else ""))
        passwords.append(given.password)
    with contextlib.suppress(httpx.InvalidURL):  # httpx refuses to send it: only the given spelling can be shown
        sent = httpx.URL(url)
        register_secret(str(sent))
        paths.append(sent.raw_path.decode("ascii"))
        passwords.append(sent.password)
    for part in [*paths, *(password or "" for password in passwords)]:
        decoded = unquote(part)
        if len(decoded) >= MIN_SECRET_PART_CHARS:  # hiding "/" or "x" everywhere would garble every message
            register_secret(decoded)


def redact(text: str) -> str:
    """``text`` with every registered secret, in every spelling ``_spellings`` knows, replaced by ``***``."""
    pattern = _secrets_pattern
    return pattern.sub(REDACTED, text) if pattern is not None else text


def carries(text: str, secret: str) -> bool:
    """Whether ``text`` (a URL about to leave for another host) holds ``secret`` in any spelling."""
    return re.search(_secret_pattern(secret), text) is not None


def _redact_record(record: logging.LogRecord) -> None:
    """Replace the keys in a record's message and traceback text, in place."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a broken format string: logging reports it itself later
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None


_BASE_RECORD_FACTORY = logging.getLogRecordFactory()


def _redacting_record_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every record of every logger passes here: a filter on one logger misses its child loggers' records."""
    record = _BASE_RECORD_FACTORY(*args, **kwargs)
    if _SECRETS:
        _redact_record(record)
    return record


logging.setLogRecordFactory(_redacting_record_factory)


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

    def store(self, url: str, headers: httpx.Headers, body: bytes) -> None:
        etag, modified = headers.get("etag"), headers.get("last-modified")
        if not etag and not modified:
            return  # nothing to revalidate with: caching would never be used
        meta_path, body_path = self._paths(url)
        meta = {"url": url, "etag": etag or "", "last_modified": modified or ""}
        write_atomically(body_path, body)
        write_atomically(meta_path, json.dumps(meta).encode("utf-8"))


def _host(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or ''}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default one spelled out): what a key is bound to."""
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default_port


class _Inflater:
    """Decodes a body's Content-Encoding a bounded step at a time: never more than ``room`` bytes per call."""

    def __init__(self, encoding: str | None, source: str) -> None:
        self.encoding = (encoding or "identity").strip().lower()
        self.source = source
        if self.encoding in ("identity", ""):
            self._zlib = None
        elif self.encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
        else:
            raise TerminalFetchError(source, f"answer uses Content-Encoding {self.encoding!r}, which was not asked for")

    def decode(self, raw: bytes, room: int) -> Iterator[bytes]:
        """The decoded pieces of ``raw``, each at most ``INFLATE_STEP_BYTES``; stops once more than ``room`` bytes
        came out (the caller refuses them)."""
        if self._zlib is None:
            yield raw
            return
        data = raw
        try:
            while data and room >= 0:
                piece = self._zlib.decompress(data, min(room + 1, INFLATE_STEP_BYTES))
                room -= len(piece)
                yield piece
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise TerminalFetchError(self.source, f"the {self.encoding} body cannot be decoded: {exc}") from exc

    def finish(self) -> None:
        """A compressed body must end with its stream: a cut one is incomplete, however it parses."""
        if self._zlib is not None and not self._zlib.eof:
            raise TransientFetchError(self.source, f"the {self.encoding} body ended before its compressed stream did")


class _Watchdog:
    """Cuts a response's connection when the request deadline passes, so a blocked read ends at once.

    Between two chunks only the read timeout bounds a read; a server sending a byte just before each
    timeout would otherwise keep a request alive well past its deadline. Responses without a socket
    (httpx.MockTransport) are left alone.
    """

    def __init__(self, response: httpx.Response, seconds: float) -> None:
        self.fired = False
        stream = response.extensions.get("network_stream")
        connection: socket.socket | None = stream.get_extra_info("socket") if stream is not None else None
        self._timer = threading.Timer(seconds, self._cut, (connection,)) if connection is not None else None

    def _cut(self, connection: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: the read has ended anyway
            connection.shutdown(socket.SHUT_RDWR)  # wakes the reading thread; closing alone would not

    def __enter__(self) -> _Watchdog:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


@dataclass(frozen=True)
class DownloadResult:
    """A streamed download: how it ended and how many body bytes went to the sink (``url`` without a key).

    ``complete`` is False when a ranged request was answered with the whole file (HTTP 200: the server ignores
    Range); then nothing of that answer was read and the caller decides what to do.
    """

    status_code: int
    bytes_written: int
    total_size: int | None  # the whole file's size: Content-Range's total, or a 200's Content-Length
    etag: str | None
    complete: bool
    url: str


class _Transfer:
    """One download's position across attempts: the next byte wanted, the last one (inclusive), what arrived."""

    def __init__(self, source: str, public_url: str, start: int, end: int | None, suffix: int | None,
                 max_whole_bytes: int | None) -> None:
        self.source, self.public_url = source, public_url
        self.offset: int | None = None if suffix is not None else start
        self.last, self.suffix, self.max_whole_bytes = end, suffix, max_whole_bytes
        self.written = 0
        self.total: int | None = None
        self.etag: str | None = None
        self.ignored = False
        self.length_known = end is not None

    def range_header(self) -> dict[str, str]:
        if self.offset is None:
            return {"Range": f"bytes=-{self.suffix}"}
        if self.offset == 0 and self.last is None:
            return {}
        return {"Range": f"bytes={self.offset}-{'' if self.last is None else self.last}"}

    @property
    def complete(self) -> bool:
        if self.ignored:
            return False
        if self.last is None:  # a whole file without Content-Length: complete when its body ended normally
            return self.offset is not None
        return self.offset is not None and self.offset > self.last

    def _fail(self, problem: str) -> TerminalFetchError:
        return TerminalFetchError(self.source, f"{self.public_url}: {problem}")

    def consume(self, response: httpx.Response, sink: Callable[[bytes], object],
                progress: Callable[[int], object] | None, check: Callable[[], object]) -> bytes:
        """Stream the answer's body to ``sink`` after checking that it is the part asked for; returns b""."""
        encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
        if encoding not in ("identity", ""):
            raise self._fail(f"the download came with Content-Encoding {encoding!r}; byte ranges need the file's own "
                             "bytes (identity was asked)")
        self.etag = response.headers.get("etag") or self.etag
        length = response.headers.get("content-length")
        limit: int | None
        if response.status_code == 206:
            limit = self._check_range(response.headers.get("content-range") or "")
        elif response.status_code == 200:
            size = int(length) if length and length.isdigit() else None
            self.total = size
            if self.range_header():  # a range was asked and the whole file came: read none of it
                self.ignored = True
                return b""
            limit = size if size is not None else self.max_whole_bytes
            if limit is None or (self.max_whole_bytes is not None and limit > self.max_whole_bytes):
                raise self._fail(f"the whole file is {size or 'of unknown size'} bytes, more than the "
                                 f"{self.max_whole_bytes} expected; not read")
            if size is not None:
                self.last = size - 1
        else:
            raise self._fail(f"HTTP {response.status_code} is not an answer to a download")
        # as the network delivers them: a chunk size would hold bytes back, lost if the connection drops
        chunks = iter([response.content]) if response.is_stream_consumed else response.iter_raw()
        got = 0
        for chunk in chunks:
            if got + len(chunk) > limit:
                raise self._fail(f"the server sent more than the {limit:,} bytes asked; not read further")
            sink(chunk)
            got += len(chunk)
            self.written += len(chunk)
            self.offset = (self.offset or 0) + len(chunk)
            if progress is not None:
                progress(len(chunk))
            check()
        return b""

    def _check_range(self, header: str) -> int:
        """The byte count a 206's Content-Range announces, once it is checked against what was asked."""
        match = _CONTENT_RANGE.match(header.strip())
        if match is None:
            raise self._fail(f"a 206 answer without a valid Content-Range ({header[:80]!r})")
        first, last = int(match[1]), int(match[2])
        total = int(match[3]) if match[3] != "*" else None
        if self.offset is None:  # the suffix asked: the file's size is known from now on
            self.offset, self.last = first, last
        if first != self.offset or last < first or (self.last is not None and last > self.last):
            raise self._fail(f"answered bytes {first}-{last} to a request for bytes "
                             f"{self.offset}-{'' if self.last is None else self.last}")
        if self.last is None:
            self.last = last
        self.total = total
        return last - first + 1


@dataclass(frozen=True)
class _Answer:
    """One attempt's outcome after redirects: status, headers, and the body read within the limits."""

    status_code: int
    headers: httpx.Headers
    content: bytes


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
        self._client = http_client(
            transport,
            httpx.Timeout(http_settings.read_timeout_seconds, connect=http_settings.connect_timeout_seconds),
            {"User-Agent": http_settings.user_agent},
        )
        self._limiter = RateLimiter(clock, sleep)
        self._daily = DailyCounter(
            cache_dir / DAILY_COUNTS_FILE if cache_dir is not None else None,
            lambda: wall_clock().date().isoformat(),
        )
        self._cache = _Cache(cache_dir / "http") if cache_dir is not None and http_settings.cache else None
        self._slots = threading.BoundedSemaphore(http_settings.max_concurrency)
        self._closed = threading.Event()
        self._max_body = int(http_settings.max_body_megabytes * BYTES_PER_MEGABYTE)

    def close(self) -> None:
        """Ends the run: a request still reading a body stops at its next chunk."""
        self._closed.set()
        self._client.close()

    def backoff(self, attempt: int) -> float:
        """Wait before attempt ``attempt + 1``: exponential, capped, with up to +50 % jitter."""
        base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
        return base * (1.0 + 0.5 * self._random())

    def get(self, request: Request, settings: SourceSettings) -> HttpResult:
        """GET ``request`` from ``settings.base_url`` with retries, limits, cache and the source's key.

        Raises TransientFetchError when ``request_deadline_seconds`` passes, whichever step it is in.
        """
        deadline = time.monotonic() + self.settings.request_deadline_seconds
        url = settings.base_url + request.path
        public_url = str(httpx.URL(url, params=list(request.params)))
        params = list(request.params)
        headers: dict[str, str] = {}
        key_header: dict[str, str] = {}
        key = settings.api_key()
        if key:
            register_secret(key)
            place, name = KEY_PLACEMENT.get(settings.id, ("", ""))
            if place == "header":
                key_header[name] = key
            elif place == "query":
                params.append((name, key))
        meta = self._cache.load(public_url) if self._cache is not None else None
        if meta is not None:
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        target = httpx.URL(url, params=params)
        host = _host(url)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self._check_deadline(deadline, settings.id, public_url, f"before attempt {attempt}")
            self._daily.take(settings.id, settings.requests_per_day)
            self._limiter.wait(host, settings.requests_per_minute)
            cause: Exception | None = None
            retry_after: float | None = None
            try:
                with self._slots:
                    answer = self._exchange(target, headers, key_header, key, settings.id, public_url, deadline)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                cause = exc
                problem = f"{type(exc).__name__}: {redact(str(exc)) or 'no detail'}"
            else:
                status = answer.status_code
                if status == 304 and meta is not None and self._cache is not None:
                    cached_body = self._cache.body(public_url)
                    if cached_body is not None:
                        log.debug("%s: %s not modified, served from cache", settings.id, public_url)
                        return HttpResult(304, cached_body, True, public_url)
                if 200 <= status < 300:
                    if self._cache is not None:
                        self._cache.store(public_url, answer.headers, answer.content)
                    return HttpResult(status, answer.content, False, public_url)
                if status in request.answer_statuses:  # e.g. WITS's "404 NoRecordsFound": parse judges the body
                    return HttpResult(status, answer.content, False, public_url)
                text = answer.content.decode("utf-8", errors="replace")
                excerpt = redact(text[:BODY_EXCERPT_CHARS])
                if status != 429 and status < 500:
                    raise HTTPStatusError(
                        settings.id, status, f"HTTP {status} from {public_url}: {excerpt or '(empty body)'}"
                    )
                problem = f"HTTP {status}" + (f" ({excerpt.strip()})" if excerpt.strip() else "")
                retry_after = parse_retry_after(answer.headers.get("retry-after"), self._wall_clock())
                if retry_after is None and status == 429:
                    match = _COMTRADE_RETRY_TEXT.search(text[:500])
                    retry_after = float(match.group(1)) if match else None
            delay = self._retry_delay(attempt, waited, problem, retry_after, cause, settings.id, public_url, deadline,
                                      self.settings.request_deadline_seconds)
            self._sleep(delay)
            waited += delay

    def download(
        self, request: Request, settings: SourceSettings, sink: Callable[[bytes], object], *, start: int = 0,
        end: int | None = None, suffix: int | None = None, expected_bytes: int, max_whole_bytes: int | None = None,
        progress: Callable[[int], object] | None = None,
    ) -> DownloadResult:
        """Stream bytes ``start``-``end`` (inclusive; ``end=None``: to the end), or the last ``suffix`` bytes, of
        ``request`` into ``sink``; with ``start=0`` and no end, the whole file.

        For bulk files (BACI's zips): no cache, no key, no content coding (``Accept-Encoding: identity``: a range
        counts the file's own bytes). The body cap is the length of the range asked (a whole file's: its
        Content-Length, at most ``max_whole_bytes``), never ``max_body_megabytes``; the deadline is
        ``request_deadline_seconds`` plus ``expected_bytes`` at ``MIN_DOWNLOAD_BYTES_PER_SECOND``. Retries as
        ``get`` does; an attempt cut after some bytes arrived is resumed from the next byte (and resets the
        attempt count: the deadline still bounds the whole). A ranged request answered 200 (the server ignores
        Range) returns at once with ``complete=False``, its body unread.
        """
        seconds = self.settings.request_deadline_seconds + expected_bytes / MIN_DOWNLOAD_BYTES_PER_SECOND
        deadline = time.monotonic() + seconds
        public_url = str(httpx.URL(settings.base_url + request.path, params=list(request.params)))
        target, host = httpx.URL(public_url), _host(public_url)
        transfer = _Transfer(settings.id, public_url, start, end, suffix, max_whole_bytes)

        def check() -> None:
            self._check_deadline(deadline, settings.id, public_url,
                                 f"while reading the body ({transfer.written:,} bytes so far)", seconds)

        def consume(response: httpx.Response) -> bytes:
            return transfer.consume(response, sink, progress, check)

        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            self._check_deadline(deadline, settings.id, public_url, f"before attempt {attempt}", seconds)
            self._daily.take(settings.id, settings.requests_per_day)
            self._limiter.wait(host, settings.requests_per_minute)
            before = transfer.written
            cause: Exception | None = None
            retry_after: float | None = None
            headers = {"Accept-Encoding": "identity", **transfer.range_header()}
            try:
                with self._slots:
                    answer = self._exchange(target, headers, {}, None, settings.id, public_url, deadline,
                                            consume=consume, deadline_seconds=seconds)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                cause = exc
                problem = f"{type(exc).__name__}: {redact(str(exc)) or 'no detail'}"
            else:
                status = answer.status_code
                if 200 <= status < 300 and (transfer.ignored or transfer.complete):
                    return DownloadResult(status, transfer.written, transfer.total, transfer.etag,
                                          transfer.complete, public_url)
                if 200 <= status < 300:
                    problem = f"the body ended after {transfer.written - before:,} bytes, short of the range asked"
                else:
                    excerpt = redact(answer.content.decode("utf-8", errors="replace")[:BODY_EXCERPT_CHARS])
                    if status != 429 and status < 500:
                        raise HTTPStatusError(
                            settings.id, status, f"HTTP {status} from {public_url}: {excerpt or '(empty body)'}")
                    problem = f"HTTP {status}" + (f" ({excerpt.strip()})" if excerpt.strip() else "")
                    retry_after = parse_retry_after(answer.headers.get("retry-after"), self._wall_clock())
            if transfer.written > before:  # cut after progress: resume from the next byte, with a fresh budget
                attempt, waited = 1, 0.0
                log.info("%s: %s after %s bytes; resuming", settings.id, problem, f"{transfer.written:,}")
            delay = self._retry_delay(attempt, waited, problem, retry_after, cause, settings.id, public_url,
                                      deadline, seconds)
            self._sleep(delay)
            waited += delay

    def _retry_delay(self, attempt: int, waited: float, problem: str, retry_after: float | None,
                     cause: Exception | None, source: str, public_url: str, deadline: float,
                     deadline_seconds: float) -> float:
        """The wait before the next attempt; TransientFetchError when the attempts, the wait budget or the deadline
        would be exceeded."""
        delay = self.backoff(attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        gave_up = f"gave up on {public_url} after {attempt} attempt(s), {waited:.1f} s of waiting: last {problem}"
        if attempt >= self.settings.max_attempts or waited + delay > self.settings.max_total_wait_seconds:
            raise TransientFetchError(source, gave_up) from cause
        if time.monotonic() + delay >= deadline:
            raise TransientFetchError(
                source, f"{gave_up}; the next attempt would start after the request deadline of "
                f"{deadline_seconds:g} s"
            ) from cause
        log.info("%s: %s on attempt %d; retrying in %.1f s", source, problem, attempt, delay)
        return delay

    def _check_deadline(self, deadline: float, source: str, public_url: str, where: str,
                        deadline_seconds: float | None = None) -> float:
        """Seconds left before the request deadline; TransientFetchError once it has passed (or the run ended)."""
        if self._closed.is_set():
            raise TransientFetchError(source, f"{public_url}: the fetch run stopped {where}")
        left = deadline - time.monotonic()
        if left <= 0:
            seconds = self.settings.request_deadline_seconds if deadline_seconds is None else deadline_seconds
            raise TransientFetchError(source, f"{public_url}: request deadline of {seconds:g} s passed {where}")
        return left

    def _exchange(
        self, target: httpx.URL, headers: dict[str, str], key_header: dict[str, str], key: str | None, source: str,
        public_url: str, deadline: float, consume: Callable[[httpx.Response], bytes] | None = None,
        deadline_seconds: float | None = None,
    ) -> _Answer:
        """One attempt: send, follow redirects (the key only to the source's own origin), read the body.

        ``consume`` reads a 2xx body instead of ``_read`` (a download streams it to a file and returns b"").
        """
        home = _origin(target)
        for _ in range(MAX_REDIRECTS + 1):
            same_origin = _origin(target) == home
            if key and not same_origin and carries(str(target), key):
                raise TerminalFetchError(source, f"{public_url} redirected to {redact(str(target))} on another host "
                                         "with the API key in its URL: not followed")
            left = self._check_deadline(deadline, source, public_url, "before the answer began", deadline_seconds)
            timeout = httpx.Timeout(min(self.settings.read_timeout_seconds, left),
                                    connect=min(self.settings.connect_timeout_seconds, left))
            hop_headers = {**headers, **key_header} if same_origin else headers
            with self._client.stream("GET", target, headers=hop_headers, timeout=timeout) as response:
                if response.has_redirect_location:
                    target = response.url.join(response.headers["location"])
                    if _origin(target) != home:
                        log.info("%s: %s redirected to %s; followed without the API key", source, public_url,
                                 redact(str(target.copy_with(query=None))))
                    continue
                success = 200 <= response.status_code < 300
                with _Watchdog(response, deadline - time.monotonic()) as watchdog:
                    try:
                        if consume is not None and success:
                            content = consume(response)
                        else:
                            content = self._read(response, source, public_url, deadline, success)
                    except httpx.TransportError:
                        if watchdog.fired:
                            self._check_deadline(deadline, source, public_url, "while reading the body",
                                                 deadline_seconds)
                        raise
                return _Answer(response.status_code, response.headers, content)
        raise TerminalFetchError(source, f"{public_url}: more than {MAX_REDIRECTS} redirects")

    def _read(self, response: httpx.Response, source: str, public_url: str, deadline: float, success: bool) -> bytes:
        """The decoded body, checked against the deadline and ``max_body_megabytes`` after every network chunk.

        Only a success may be large; of another answer the first ``ERROR_BODY_BYTES`` are kept for its message.
        """
        limit = self._max_body if success else ERROR_BODY_BYTES
        if response.is_stream_consumed:  # built in memory (httpx.MockTransport): httpx has read and decoded it
            inflater, chunks = _Inflater(None, source), iter([response.content])
        else:
            inflater, chunks = _Inflater(response.headers.get("content-encoding"), source), response.iter_raw()
        body = bytearray()
        for raw in chunks:
            for piece in inflater.decode(raw, limit - len(body)):
                body += piece
            if len(body) > limit:
                if not success:
                    return bytes(body[:limit])
                raise TerminalFetchError(
                    source, f"{public_url}: the body is larger than max_body_megabytes = "
                    f"{self.settings.max_body_megabytes:g} ({limit:,} bytes once decoded); not read further"
                )
            self._check_deadline(deadline, source, public_url, f"while reading the body ({len(body):,} bytes so far)")
        inflater.finish()
        return bytes(body)


# ----------------------------------------------------------------------------- the client factory, one-off posts
POST_REDIRECT_STATUSES = (307, 308)  # the redirects that keep a POST a POST, body included; others are answers


def http_client(transport: httpx.BaseTransport | None = None, timeout: httpx.Timeout | float | None = None,
                headers: dict[str, str] | None = None) -> httpx.Client:
    """The one way the tracker builds an ``httpx.Client``.

    Bodies are asked only in the encodings ``_Inflater`` decodes in bounded steps, and httpx never follows a
    redirect: it would forward custom headers (a key, a Bearer token) to any host. ``HttpClient`` and
    ``post_json`` follow them by hand.
    """
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                        headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})})


class PostError(Exception):
    """A JSON POST that got no usable answer; the message is redacted. ``kind`` says what went wrong:
    ``timeout`` (the deadline passed), ``unreachable`` (connection or protocol failure), ``invalid_url``,
    ``too_large`` (the body passed its cap), ``unreadable`` (a body that cannot be decoded) or ``refused`` (a
    redirect that would carry a secret to another host, or too many redirects)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(redact(message))
        self.kind = kind


@dataclass(frozen=True)
class PostAnswer:
    """The answer to a JSON POST after redirects: its status and its body, decoded and within the cap."""

    status_code: int
    content: bytes


def safe_url(url: str) -> str:
    """Scheme and host only, for messages about a URL that is itself a secret (a webhook's token is in it)."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or '?'}/…"
    except ValueError:  # e.g. "http://[::1/x": an unclosed IPv6 bracket
        return "(a URL that cannot be parsed)"


def post_json(url: str, payload: object, *, deadline_seconds: float, max_body_bytes: int,
              headers: dict[str, str] | None = None, secrets: tuple[str, ...] = (), secret_url: bool = False,
              transport: httpx.BaseTransport | None = None) -> PostAnswer:
    """POST ``payload`` as JSON with the protections ``HttpClient.get`` has, for a one-off call (LLM, webhook).

    ``deadline_seconds`` bounds the whole exchange, connecting to the end of the body (a server that drips is cut
    at it); the body is read, decoded, up to ``max_body_bytes``. ``secrets`` (and ``url`` itself when
    ``secret_url``: a webhook's token is in it) are redacted from every log record and error. 307 and 308 are
    followed by hand: to another origin without ``headers`` (they hold the keys), and never when the URL there
    holds a secret. No retry here: the caller decides (a webhook retries, the LLM falls back).
    """
    for secret in secrets:
        register_secret(secret)
    if secret_url:
        register_url(url)
    shown = safe_url(url) if secret_url else url
    deadline = time.monotonic() + deadline_seconds
    try:
        target = httpx.URL(url)
        home = _origin(target)
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise PostError("invalid_url", f"{shown}: not a valid URL") from exc
    with http_client(transport) as client:
        for _ in range(MAX_REDIRECTS + 1):
            same_origin = _origin(target) == home
            if not same_origin and redact(str(target)) != str(target):
                raise PostError("refused", f"{shown} redirected to {safe_url(str(target))} on another host with a "
                                "secret in its URL: not followed")
            left = deadline - time.monotonic()
            if left <= 0:
                raise PostError("timeout", f"{shown}: deadline of {deadline_seconds:g} s passed before the answer")
            answer = _post_once(client, target, payload, headers if same_origin else None, shown, deadline,
                                deadline_seconds, max_body_bytes)
            if isinstance(answer, PostAnswer):
                return answer
            target = answer
    raise PostError("refused", f"{shown}: more than {MAX_REDIRECTS} redirects")


def _post_once(client: httpx.Client, target: httpx.URL, payload: object, headers: dict[str, str] | None, shown: str,
               deadline: float, deadline_seconds: float, max_body_bytes: int) -> PostAnswer | httpx.URL:
    """One hop: the answer, or the URL a 307/308 points to. httpx errors become PostError (naming ``shown``)."""
    expired = f"{shown}: deadline of {deadline_seconds:g} s passed"
    fired = False
    try:
        with client.stream("POST", target, json=payload, headers=headers,
                           timeout=httpx.Timeout(deadline - time.monotonic())) as response:
            if response.status_code in POST_REDIRECT_STATUSES and response.has_redirect_location:
                return response.url.join(response.headers["location"])
            with _Watchdog(response, deadline - time.monotonic()) as watchdog:
                try:
                    return PostAnswer(response.status_code,
                                      _read_capped(response, deadline, max_body_bytes, expired))
                finally:
                    fired = watchdog.fired
    except httpx.TimeoutException as exc:
        raise PostError("timeout", expired) from exc
    except httpx.TransportError as exc:
        if fired or time.monotonic() >= deadline:
            raise PostError("timeout", f"{expired} while reading the body") from exc
        raise PostError("unreachable", f"{shown}: {type(exc).__name__}: {exc}") from exc
    except (httpx.InvalidURL, UnicodeError) as exc:  # e.g. a bad port or a host label too long
        raise PostError("invalid_url", f"{shown}: not a valid URL") from exc
    except (TerminalFetchError, TransientFetchError) as exc:  # the inflater's: a bad or cut compressed body
        raise PostError("unreadable", f"{shown}: {exc}") from exc


def _read_capped(response: httpx.Response, deadline: float, limit: int, expired: str) -> bytes:
    """The decoded body, checked against the deadline and ``limit`` after every network chunk."""
    if response.is_stream_consumed:  # built in memory (httpx.MockTransport): httpx has read and decoded it
        inflater, chunks = _Inflater(None, "http"), iter([response.content])
    else:
        inflater, chunks = _Inflater(response.headers.get("content-encoding"), "http"), response.iter_raw()
    body = bytearray()
    for raw in chunks:
        for piece in inflater.decode(raw, limit - len(body)):
            body += piece
        if len(body) > limit:
            raise PostError("too_large", f"the answer is larger than {limit:,} bytes once decoded; not read further")
        if time.monotonic() >= deadline:
            raise PostError("timeout", f"{expired} while reading the body ({len(body):,} bytes so far)")
    inflater.finish()
    return bytes(body)
