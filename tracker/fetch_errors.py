"""What a failed fetch's message means: the stored error text of a ``fetch_log`` row, sorted into a kind.

Why: the ``error`` column keeps the message as our code wrote it (English, with the server's own words and the
URL), which an analyst pastes into a bug report but a reader of the Chinese dashboard cannot act on. Each kind
has a short explanation and what to do, in both languages (``tracker.texts.fetch_errors``); the Data status
page shows it beside the original message.

The rules match the texts our own code formats, nothing guessed: the HTTP client's retries and limits
(``tracker.http``), the runner's notes (``tracker.fetch``), the fetchers' ``PayloadError`` texts
(``tracker/sources``), the store's errors (``tracker.store``, ``tracker.store_paths``) and the BACI download.
They are tried in order and the first match wins, so a message naming two things is read by its cause: a
retry that gave up on HTTP 429 just before the request deadline is a rate limit, not a timeout. A message no
rule knows is ``other``. Pure: text in, kind out.
"""

from __future__ import annotations

import re
from typing import Final

from tracker.texts import text

# (kind, pattern) in the order they are tried; each pattern names the code that writes the text it matches.
RULES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple((kind, re.compile(pattern)) for kind, pattern in (
    # fetch._SourceRun._handle: an answer at the record cap, replaced by smaller requests (not a failure)
    ("split", r"; replaced by \d+ smaller request\(s\)$"),
    # fetch: Ctrl-C or stop_running_fetches; http._check_deadline once the run closed its client
    ("interrupted", r"the run stopped before this request ended|the fetch run stopped|the run stopped during "
                    r"the BACI download|the fetch was asked to stop"),
    # http.HttpClient._retry_delay: "gave up on URL after N attempt(s), ... s of waiting: last HTTP 429 (...)"
    ("rate_limit", r"\bHTTP 429\b"),
    ("server_error", r"\bHTTP 5\d\d\b"),
    # fetch: [http] source_deadline_seconds
    ("source_deadline", r"the source deadline of \S+ s \(source_deadline_seconds\) passed"),
    # http: an httpx timeout as the last problem, or [http] request_deadline_seconds
    ("timeout", r"\b(?:Connect|Read|Write|Pool)Timeout\b|request deadline of \S+ s passed"),
    # http: any other transport error (ConnectError, RemoteProtocolError...) or a download cut short
    ("connection", r"attempt\(s\), \S+ s of waiting: last "),
    # http._DailyCounter.take: requests_per_day
    ("daily_limit", r"daily limit of \d+ requests for \S+ reached"),
    # http: HTTPStatusError "HTTP 401 from URL: body"
    ("api_key", r"\bHTTP 40[13] from "),
    ("bad_request", r"\bHTTP 4\d\d from |\bHTTP 4\d\d is not an answer to a download"),
    # http._exchange: a redirect carrying the key to another host, or a loop
    ("redirect", r"on another host with the API key in its URL: not followed|more than \d+ redirects"),
    # http: max_body_megabytes, a download's range; fetch: MAX_FOLLOW_UPS; worldbank: pages to follow
    ("too_large", r"larger than max_body_megabytes|the server sent more than the [\d,]+ bytes asked|"
                  r"bytes, more than the \S+ expected|follow-up requests, more than the|pages; at most \d+ are "
                  r"followed|holds more than \d+ MiB"),
    # sources.base.Quarantine.check: the skipped share over MAX_SKIPPED_SHARE
    ("quarantine", r"malformed, more than \d+%: the answer is refused whole"),
    # store.write_failure (ENOSPC), baci.download's DiskSpaceError, baci.layout's extraction check
    ("disk_full", r"the disk is full|not enough free disk space|MiB free: free some space"),
    ("store_write", r": the write failed \(.*\)\. Nothing was changed\."),
    ("store_locked", r"is being written by another process|another BACI import is running"),
    # store and store_paths: StoreCorruptError, which names `store check` or `store repair`
    ("store_damaged", r"python -m tracker store (?:check|repair)`|has no version '"),
    # the fetchers: the API's own error message inside an answer
    ("api_error", r"the API reported an error|the API answered with an error instead of data|"
                  r"got an SDMX error message|WITS reported an error"),
    # comext: a month without its exchange rate; baci: the release page links no release of the revision
    ("no_data", r"no EUR->USD rate for period|: no HS\d\d release \("),
    # ConfigError "file: key: expected ..."; fetch: a source without its [sources.x]; UsageError "--years: ...";
    # CountryCodeError; wits: WLD asked as a market
    ("config", r"\.toml: [^:]+: expected |^\S+: \(module\): expected |no \[sources\.\w+\] in sources\.toml|^--[\w-]+: |"
               r"unknown \w+ country code\(s\)|is not a market that applies tariffs"),
    # fetch._SourceRun._text: an exception that is not ours ("KeyError: 'x'"); SchemaError: a parse our code got
    # wrong; imf_weo: parse before prepare
    ("internal", r"^[A-Z]\w*(?:Error|Exception)\b: |table '\w+' refused the frame|the indicators catalogue was "
                 r"not read"),
    # the fetchers' PayloadError texts and the client's decoding errors: not the shape the source promises
    ("malformed", r"not JSON|non-JSON|expected |\black(?:s)? |JSON-stat|SDMX|cannot be decoded|ended before|"
                  r"Content-Encoding|Content-Range|\bzip\b|malformed|truncated|does not add up|cannot be "
                  r"(?:parsed|read)|is not a|unreadable|appears twice|is empty|not an answer|no \w+ element|"
                  r"answered bytes|dataSets"),
))
OTHER: Final = "other"
KINDS: Final[tuple[str, ...]] = (*(kind for kind, _ in RULES), OTHER)


def classify(message: str | None) -> str | None:
    """The kind of a stored error message (one of ``KINDS``); None when there is no message."""
    if message is None or not message.strip():
        return None
    return next((kind for kind, pattern in RULES if pattern.search(message)), OTHER)


def explain(kind: str, lang: str) -> str:
    """What ``kind`` means and what to do, in ``lang``."""
    return text("fetch_errors", kind, lang)
