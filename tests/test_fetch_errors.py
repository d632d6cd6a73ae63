"""The kinds of failed fetches (tracker.fetch_errors): each kind read from a message our own code wrote — through
the real fetch runner and HTTP client where a MockTransport can provoke it, else from the real function that
formats it — and the Data status page, which explains the last error in the page's language."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES, trade_rows
from tests.fetch_helpers import (
    client_for,
    comtrade_answer,
    comtrade_record,
    local_config,
    no_comtrade_key,  # noqa: F401  (autouse fixture)
)
from tracker import fetch as fetch_module
from tracker.config import Config
from tracker.errors import ConfigError, StoreCorruptError, StoreLockedError, TrackerError
from tracker.fetch import run_fetch
from tracker.fetch_errors import KINDS, OTHER, RULES, classify, explain
from tracker.sources.baci import newest_release
from tracker.sources.base import FetchScope
from tracker.sources.comext import ComextFetcher
from tracker.store import Store, write_failure
from tracker.texts import AREAS

from .app_helpers import app_table_with, open_page
from .zh_text import CODE_SPAN, app_texts, english_words

NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_stop_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """``stop_running_fetches`` is process-wide: each test starts with it unset."""
    monkeypatch.setattr(fetch_module, "_STOP", threading.Event())


def toys(config: Config) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), reporters=("CHN",), years=(2020,))


def failed_messages(store: Store) -> list[str]:
    log = store.read("fetch_log")
    return log.filter(pl.col("status").is_in(["failed", "interrupted"])).get_column("error").to_list()


def fetch_comtrade(config: Config, store: Store, handler: Callable[[httpx.Request], httpx.Response], *,
                   http: dict[str, object] | None = None, source: dict[str, object] | None = None) -> list[str]:
    """Comtrade for toys, 2020, exports, through the real runner and client answering with ``handler``; the error
    texts of the failed attempts, as stored in fetch_log."""
    local = local_config(config, comtrade={"flows": ("export",)})
    comtrade = dataclasses.replace(local.sources["comtrade"], **(source or {}))
    local = dataclasses.replace(local, http=dataclasses.replace(local.http, **(http or {})),
                                sources={**local.sources, "comtrade": comtrade})
    with contextlib.suppress(fetch_module.FetchInterrupted):  # a run told to stop logs its requests, then raises
        run_fetch(local, store, ["comtrade"], toys(config), client_factory=client_for(handler, cache=False),
                  now=lambda: NOW)
    return failed_messages(store)


def answer(status: int, body: bytes = b"", **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=body, headers=headers)


def raising(error: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("the test's network says no", request=request)

    return handler


def redirect_loop(request: httpx.Request) -> httpx.Response:
    return httpx.Response(302, headers={"location": str(request.url)})


def quarantined(request: httpx.Request) -> httpx.Response:
    """A preview answer of the real shape whose records all lack their reporter."""
    records = []
    for _ in range(5):
        record = comtrade_record()
        del record["reporterCode"]
        records.append(record)
    return httpx.Response(200, json={"elapsedTime": "0.1 secs", "count": 5, "data": records, "error": ""})


def truncated_then_small(request: httpx.Request) -> httpx.Response:
    """At the record cap for a request of several codes (split and asked again), a good answer for one code."""
    if "," in request.url.params["cmdCode"]:
        return httpx.Response(200, content=comtrade_answer(request, partners=tuple(range(250))))
    return httpx.Response(200, content=comtrade_answer(request))


RUN_CASES = [  # (id, handler, http settings, source settings, expected kind, a piece of the stored message)
    ("429", answer(429, (FIXTURES / "comtrade" / "rate_limited.json").read_bytes()), None, None, "rate_limit",
     "last HTTP 429"),
    ("500", answer(500, b"Internal Server Error"), None, None, "server_error", "last HTTP 500"),
    ("502-html", answer(502, (FIXTURES / "comtrade" / "gateway_error.html").read_bytes()), None, None,
     "server_error", "last HTTP 502"),
    ("read-timeout", raising(httpx.ReadTimeout), None, None, "timeout", "last ReadTimeout"),
    ("connect-timeout", raising(httpx.ConnectTimeout), None, None, "timeout", "last ConnectTimeout"),
    ("connect-error", raising(httpx.ConnectError), None, None, "connection", "last ConnectError"),
    ("protocol-error", raising(httpx.RemoteProtocolError), None, None, "connection", "last RemoteProtocolError"),
    ("401", answer(401, b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}'), None,
     None, "api_key", "HTTP 401 from"),
    ("403", answer(403, b"Forbidden"), None, None, "api_key", "HTTP 403 from"),
    ("400", answer(400, b"Bad Request"), None, None, "bad_request", "HTTP 400 from"),
    ("404", answer(404, b""), None, None, "bad_request", "HTTP 404 from"),
    ("redirect-loop", redirect_loop, None, None, "redirect", "redirects"),
    ("html-page", answer(200, (FIXTURES / "comtrade" / "gateway_error.html").read_bytes()), None, None,
     "malformed", "answer is not JSON"),
    ("cut-json", answer(200, b'{"elapsedTime": "0.1 secs", "count": 3, "data": [{"typeCode": "C", "fre'), None,
     None, "malformed", "answer is not JSON"),
    ("api-error", answer(200, (FIXTURES / "comtrade" / "api_error.json").read_bytes()), None, None, "api_error",
     "the API reported an error"),
    ("quarantine", quarantined, None, None, "quarantine", "refused whole"),
    ("too-large", lambda request: httpx.Response(200, content=comtrade_answer(request)),
     {"max_body_megabytes": 0.001}, None, "too_large", "max_body_megabytes"),
    ("daily-limit", lambda request: httpx.Response(200, content=comtrade_answer(request)), {"max_concurrency": 1},
     {"requests_per_day": 1}, "daily_limit", "daily limit of 1 requests"),
    ("split", truncated_then_small, None, None, "split", "smaller request(s)"),
]


@pytest.mark.parametrize(("handler", "http", "source", "kind", "piece"), [case[1:] for case in RUN_CASES],
                         ids=[case[0] for case in RUN_CASES])
def test_fetch_errors_each_kind_from_a_real_fetch(config: Config, store: Store, handler, http, source, kind: str,
                                                  piece: str) -> None:
    messages = fetch_comtrade(config, store, handler, http=http, source=source)
    assert messages and all(piece in message for message in messages), messages
    assert {classify(message) for message in messages} == {kind}, messages


RUNNER_KINDS = ("source_deadline", "interrupted", "config", "internal", "store_damaged")  # the next two tests
FORMATTED_KINDS = ("disk_full", "store_write", "store_locked", "no_data", "config", "store_damaged")


def test_fetch_errors_source_deadline_and_stop_from_a_real_fetch(config: Config, store: Store) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(1.0)
        return httpx.Response(200, content=comtrade_answer(request))

    messages = fetch_comtrade(config, store, slow, http={"source_deadline_seconds": 0.2})
    assert messages and {classify(m) for m in messages} == {RUNNER_KINDS[0]}, messages

    def stopping(request: httpx.Request) -> httpx.Response:
        fetch_module.stop_running_fetches()  # as the scheduler's shutdown does
        time.sleep(0.5)
        return httpx.Response(200, content=comtrade_answer(request))

    stopped = Store(store.root.parent / "stopped")
    messages = fetch_comtrade(config, stopped, stopping)
    assert messages and {classify(m) for m in messages} == {RUNNER_KINDS[1]}, messages


def test_fetch_errors_config_internal_and_damaged_store_from_a_real_fetch(config: Config, store: Store) -> None:
    without = dataclasses.replace(config, sources={k: v for k, v in config.sources.items() if k != "comtrade"})
    run_fetch(without, store, ["comtrade"], toys(config), client_factory=client_for(answer(200)), now=lambda: NOW)
    [message] = failed_messages(store)
    assert message == "no [sources.comtrade] in sources.toml" and classify(message) == RUNNER_KINDS[2]

    class Broken:  # a fetcher with a bug: its parse trips over the answer
        source_id = "comtrade"

        def __init__(self) -> None:
            from tracker.sources.comtrade import ComtradeFetcher
            self.real = ComtradeFetcher()
            self.prepare, self.plan = self.real.prepare, self.real.plan

        def parse(self, request, body, fetched_at):
            return {}["data"]

    buggy = Store(store.root.parent / "buggy")
    good = lambda request: httpx.Response(200, content=comtrade_answer(request))  # noqa: E731
    run_fetch(local_config(config, comtrade={"flows": ("export",)}), buggy, ["comtrade"], toys(config),
              client_factory=client_for(good, cache=False), fetchers={"comtrade": Broken()}, now=lambda: NOW)
    messages = failed_messages(buggy)
    assert messages and all(m == "KeyError: 'data'" for m in messages) and classify(messages[0]) == RUNNER_KINDS[3]

    damaged = Store(store.root.parent / "damaged")
    damaged.upsert("trade", trade_rows([{"reporter": "CHN", "partner": "DEU", "flow": "export", "period": "2019"}]))
    (damaged.root / "trade" / "CURRENT").write_text("not a version\n", encoding="utf-8")
    messages = fetch_comtrade(config, damaged, good)
    assert messages and {classify(m) for m in messages} == {RUNNER_KINDS[4]}, messages


def test_fetch_errors_kinds_from_the_functions_that_format_them(store: Store, tmp_path: Path) -> None:
    """Kinds a MockTransport cannot provoke: the message of the real error, as the runner stores it (str)."""
    full = write_failure(OSError(errno.ENOSPC, "No space left on device"), "table 'trade'")
    refused = write_failure(PermissionError(errno.EACCES, "Permission denied"), "table 'trade'")
    with store.writer_lock(), pytest.raises(StoreLockedError) as locked:
        Store(store.root, lock_timeout=0.05).upsert("trade", trade_rows([{}]))
    with pytest.raises(TrackerError) as no_release:
        newest_release(b"<html><a href='../data/BACI_HS12_V202601.zip'>HS12</a></html>", "HS17")
    with pytest.raises(TrackerError) as no_rate:
        ComextFetcher()._rates_for(["2031-01"])
    config_error = ConfigError(str(tmp_path / "sources.toml"), "http.max_attempts", "a whole number from 1 to 20", 0)
    (store.root / "trade").mkdir(parents=True)
    (store.root / "trade" / "CURRENT").write_text("v-missing\n", encoding="utf-8")
    with pytest.raises(StoreCorruptError) as corrupt:
        store.read("trade")
    found = [classify(str(error)) for error in (full, refused, locked.value, no_release.value, no_rate.value,
                                                config_error, corrupt.value)]
    assert found == [*FORMATTED_KINDS[:4], *FORMATTED_KINDS[3:]], found


@pytest.mark.parametrize(("message", "kind"), [
    # the exact texts the client formats when a retry runs into the request deadline: by their cause
    ("comtrade: https://x/y: request deadline of 300 s passed while reading the body (1,024 bytes so far)",
     "timeout"),
    ("comtrade: gave up on https://x/y after 3 attempt(s), 4.0 s of waiting: last HTTP 429 (Rate limit is exceeded."
     " Try again in 2 seconds.); the next attempt would start after the request deadline of 300 s", "rate_limit"),
    ("baci: gave up on https://x/BACI_HS17_V202601.zip after 5 attempt(s), 30.0 s of waiting: last the body ended "
     "after 1,000 bytes, short of the range asked", "connection"),
    ("comext: expected SDMX-CSV, got an SDMX error message (code 150: Semantic error)", "api_error"),
    ("worldbank: page 1 says there are 500 pages; at most 201 are followed (ask for fewer years or markets)",
     "too_large"),
    ("something nobody wrote", OTHER),
    ("", None),
    (None, None),
])
def test_fetch_errors_exact_texts(message: str | None, kind: str | None) -> None:
    assert classify(message) == kind


def test_fetch_errors_every_kind_explained_in_both_languages() -> None:
    """One text per kind, no more; the Chinese one holds no English word outside `code` (keys, commands)."""
    assert set(AREAS["fetch_errors"]) == set(KINDS) and len(KINDS) == len(RULES) + 1
    for kind in KINDS:
        english, chinese = explain(kind, "en"), explain(kind, "zh")
        assert english and chinese and not re.search(r"[\u4e00-\u9fff]", english), kind
        assert not english_words([chinese]), (kind, english_words([chinese]))
        assert CODE_SPAN.sub("", english).count("`") == 0 and CODE_SPAN.sub("", chinese).count("`") == 0, kind


def test_fetch_errors_every_kind_is_read_from_a_real_message() -> None:
    """The kinds the tests above read from messages our code wrote: a new kind cannot come without one."""
    covered = {case[4] for case in RUN_CASES} | set(RUNNER_KINDS) | set(FORMATTED_KINDS) | {OTHER}
    assert covered == set(KINDS), set(KINDS) - covered


# ------------------------------------------------------------------------------------------ the Data status page
@pytest.fixture
def failed_store(config: Config, store: Store) -> Store:
    """A store whose only rows are the fetch_log of two failed runs: Comtrade rate-limited, World Bank down."""
    fetch_comtrade(config, store, answer(429, (FIXTURES / "comtrade" / "rate_limited.json").read_bytes()))
    local = local_config(config, worldbank={})
    run_fetch(local, store, ["worldbank"], FetchScope(groups=(config.group("toys"),), reporters=("CHN",),
                                                      years=(2023,)),
              client_factory=client_for(answer(503, b"Service Unavailable"), cache=False), now=lambda: NOW)
    return store


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fetch_errors_status_page_explains_the_last_error_in_the_page_language(failed_store: Store,
                                                                                lang: str) -> None:
    import streamlit as st

    st.cache_data.clear()
    app = open_page("status", lang)
    explained, original = (f"col_{c}" for c in ("last_error_kind", "last_error"))
    from tracker.ui.i18n import t

    headers, rows, _ = app_table_with(app, t(explained, lang))
    assert headers.index(t(explained, lang)) < headers.index(t(original, lang)), "the explanation comes first"
    by_source = {row[t("col_source", lang)]: row for row in rows}
    names = {source: t(f"source_{source}", lang) for source in ("comtrade", "worldbank")}
    for source, kind, raw in (("comtrade", "rate_limit", "last HTTP 429"), ("worldbank", "server_error",
                                                                              "last HTTP 503")):
        row = by_source[names[source]]
        assert row[t(explained, lang)] == explain(kind, lang).replace("`", ""), row  # code spans shown as code
        assert raw in row[t(original, lang)], "the original message, as stored"
    if lang == "zh":
        assert "请求过于频繁" in by_source[names["comtrade"]][t(explained, lang)]
        assert "原始错误信息" in t(original, lang) and "英文原文" in t(original, lang)
        table = next(h.value for h in app.get("html") if t(explained, lang) in h.value)
        assert "<code>comtrade: gave up on" in table, "the original message is shown as code, verbatim"
        assert not english_words(app_texts(app)), english_words(app_texts(app))
    assert any(t("last_error_help", lang) == c.value for c in app.caption)
