"""The protocol every source follows: plan the requests, fetch them through the shared client, parse.

A fetcher is three small steps, as in OpenBB's provider fetchers:

1. ``plan(settings, scope)`` turns configuration (groups → HS codes, reporters, partners, years) into a
   list of ``Request`` values. Pure: no I/O.
2. The runner (``tracker.fetch``) sends each request through the one shared HTTP client
   (``tracker.http``), which owns retries, Retry-After, rate limits, timeouts, the cache and API keys.
   ``prepare(client, settings)`` is an optional hook for reference data a parser needs (exchange rates).
3. ``parse(request, body, fetched_at)`` turns the raw body into a frame of the canonical schema of
   ``request.table``. Pure: testable on a saved payload. A body that cannot be read at all raises
   ``PayloadError``; source country codes the reference does not know are returned in
   ``Parsed.unknown_codes``, never dropped silently.

Quarantine rows, not answers: one malformed row, record or series among good ones (a real WITS schedule of
5,388 series held one with empty line counts) is skipped, counted and named through ``Quarantine``, and the
rest is stored; ``Parsed.skipped`` and ``Parsed.skip_reasons`` carry them to the runner, which writes them
into the attempt's ``fetch_log`` row as a warning. When more than ``MAX_SKIPPED_SHARE`` of what an answer
holds is malformed, the answer is not the API we parse and fails whole (nothing written). What is kept is
still validated strictly against its table's schema.

SDMX "no data": a source whose API answers "nothing matches" with an HTTP error status and an SDMX error
body (Comext, the Eurostat statistics API, WITS) names those statuses in its ``answer_statuses``; the runner
lets their bodies reach ``parse``, which reads them with ``tracker.sources.sdmx.is_no_data`` as an empty
answer, and refuses any other body.

Optional hook, looked up with ``getattr`` by the runner (fetchers without it need nothing):

4. ``follow_up(request, body) -> list[Request]`` names further requests an answer calls for: the next
   pages of a paged answer (World Bank), or smaller requests replacing one whose answer was truncated
   at a record cap (Comtrade's ``split``). The runner queues them whatever ``parse`` did. Replacements
   carry ``replaces=<cursor of the original>``: when ``parse`` failed and every follow-up replaces the
   request, the attempt is logged as failed with a note that it was replaced, and it does not count as a
   failed request. Follow-ups pass the same incremental filter as planned requests, so give them their
   own ``cursor``. One answer may call for at most ``MAX_FOLLOW_UPS``: the runner fails a request whose
   answer calls for more, and a fetcher that reads a count from the answer checks it before building them.

5. ``budget(settings, scope, store) -> PlannedSource`` replaces the request count of ``fetch --plan`` for a
   source that does not send planned requests (a bulk download). ``most_follow_ups(request) -> int`` bounds
   the follow-ups one planned request may call for (pages, fallbacks), so the plan can say "at most".

Fetchers return frames; only the store writes files. ``Request`` itself lives in ``tracker.request``, below
the HTTP client, and is re-exported here for the fetchers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import row_problems
from tracker.tables import schema_for

MAX_FOLLOW_UPS = 100  # follow-up requests one answer may call for (World Bank pages: 3 for every country)
RECENT_YEARS = 2  # the current and the previous year: sources revise them, so they are always refetched
MAX_SKIPPED_SHARE = 0.10  # more malformed rows than this share of an answer fails the answer whole
MAX_SKIP_REASONS = 3  # how many skipped rows are named in fetch_log

if TYPE_CHECKING:
    from tracker.config import ProductGroup, SourceSettings
    from tracker.http import HttpClient


@dataclass(frozen=True)
class FetchScope:
    """What a fetch covers; ``None`` means "as configured for the source"."""

    groups: tuple[ProductGroup, ...]
    reporters: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None

    @property
    def hs_codes(self) -> tuple[str, ...]:
        """The groups' HS codes, each once, in configuration order: groups may share a code."""
        return tuple(dict.fromkeys(code for group in self.groups for code in group.hs_codes))

    def years_for(self, settings: SourceSettings) -> tuple[int, ...]:
        """The scope's years, or the source's configured ones when the scope leaves them open (None)."""
        return self.years if self.years is not None else settings.years

    def reporters_for(self, settings: SourceSettings) -> tuple[str, ...]:
        """The scope's reporters, or the source's configured ones when the scope leaves them open (None)."""
        return self.reporters if self.reporters is not None else settings.reporters


@dataclass(frozen=True)
class PlannedSource:
    """What ``fetch --plan`` says about one source: requests it would send, those skipped as fresh, the time.

    ``minutes`` is the wall time at the configured limits (``requests_per_minute``, and whole days of waiting
    when ``requests_per_day`` is passed); ``at_most`` adds the follow-ups the answers may call for.
    """

    source: str
    requests: int
    fresh: int
    minutes: float
    at_most: int
    at_most_minutes: float
    note: str | None = None


def chunks(values: list[Any], size: int) -> list[list[Any]]:
    """``values`` in consecutive pieces of at most ``size`` (at least 1)."""
    size = max(1, size)
    return [values[start:start + size] for start in range(0, len(values), size)]


def newest_first(years: tuple[int, ...] | list[int], per_batch: int) -> list[list[int]]:
    """Years in batches of at most ``per_batch`` consecutive years (no gap inside a batch), the newest first.

    Batches are cut from the newest year back, so the newest batch holds the years sources still revise and
    the older ones, once fetched, stay fresh (their cursors do not change as long as the years asked for do).
    Each batch lists its years in ascending order.
    """
    runs: list[list[int]] = []
    for year in sorted(set(years), reverse=True):
        if runs and runs[-1][-1] == year + 1 and len(runs[-1]) < per_batch:
            runs[-1].append(year)
        else:
            runs.append([year])
    return [sorted(run) for run in runs]


def year_span(years: list[int]) -> str:
    """``2015-2025`` for a batch of consecutive years, ``2024`` for one: the year part of a batch's cursor."""
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])


@dataclass
class Parsed:
    """A parsed answer: canonical rows, the source codes that could not be mapped to ISO3, and the malformed
    rows left out (``skipped`` of the ``read`` rows, series or records the answer held; the first few named)."""

    frame: pl.DataFrame
    unknown_codes: list[str] = field(default_factory=list)
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    read: int = 0


class Quarantine:
    """The malformed rows of one answer: each is skipped, counted and named; too many fail the answer.

    A parser counts what it reads (``read``) and calls ``skip`` for each malformed unit (a CSV row, a JSON
    record, an SDMX series), then ``parsed`` builds the result, raising PayloadError when more than
    ``MAX_SKIPPED_SHARE`` of what was read is malformed.
    """

    def __init__(self, source: str, unit: str = "row") -> None:
        self.source = source
        self.unit = unit
        self.read = 0
        self.skipped = 0
        self.reasons: list[str] = []

    def skip(self, reason: str | PayloadError, count: int = 1) -> None:
        """Leave ``count`` malformed units out; the first ``MAX_SKIP_REASONS`` reasons are kept."""
        if count <= 0:
            return
        self.skipped += count
        if len(self.reasons) < MAX_SKIP_REASONS:
            self.reasons.append(reason.detail if isinstance(reason, PayloadError) else reason)

    def keep_valid(self, table: str, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` without the rows that break their table's per-value rules (``schemas.row_problems``),
        each named by its key. ``validate`` then checks what is left, whole."""
        key = [name for name in schema_for(table).key if name in frame.columns and name != "source"]
        return self.drop(frame, row_problems(schema_for(table), frame), key)

    def drop(self, frame: pl.DataFrame, problems: pl.Series, named_by: list[str]) -> pl.DataFrame:
        """``frame`` without the rows whose ``problems`` entry is not null; each is skipped, and the first
        few are named by their ``named_by`` columns and problem."""
        bad = problems.is_not_null()
        count = int(bad.sum())
        if not count:
            return frame
        named = list(frame.filter(bad).select(named_by).head(MAX_SKIP_REASONS).iter_rows(named=True))
        for row, problem in zip(named, problems.filter(bad).head(MAX_SKIP_REASONS), strict=True):
            self.skip(", ".join(f"{name}={value}" for name, value in row.items()) + f": {problem}")
        self.skipped += count - len(named)  # the others are counted, not named
        return frame.filter(~bad)

    def check(self) -> None:
        """PayloadError when the skipped share passes ``MAX_SKIPPED_SHARE``: the answer is not what the API sends."""
        if self.skipped and self.skipped > MAX_SKIPPED_SHARE * self.read:
            raise PayloadError(self.source, f"{self.skipped:,} of {self.read:,} {self.unit}(s) malformed, more than "
                               f"{MAX_SKIPPED_SHARE:.0%}: the answer is refused whole ({'; '.join(self.reasons)})")

    def parsed(self, frame: pl.DataFrame, unknown_codes: list[str] | None = None) -> Parsed:
        """The result of a parse, after ``check``."""
        self.check()
        return Parsed(frame, list(unknown_codes or []), self.skipped, list(self.reasons), self.read)


class Fetcher(Protocol):
    """What every module in tracker/sources/ provides."""

    source_id: str

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]: ...

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None: ...

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed: ...


def preview(body: bytes, limit: int = 80) -> str:
    """The start of a body as stripped text, for error messages: enough to tell an HTML error page."""
    return body[:limit].decode("utf-8", errors="replace").strip()


def load_json(body: bytes, source: str) -> Any:
    """The decoded JSON body; a body that is not JSON (a gateway's HTML page) is a PayloadError showing its start."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(source, f"answer is not JSON ({exc.__class__.__name__}; starts {preview(body, 60)!r})") \
            from exc
