"""The shared HTTP client: retries, Retry-After, rate limits, daily caps, cache and key redaction."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tracker.config import HttpSettings, SourceSettings
from tracker.errors import HTTPStatusError, TerminalFetchError, TransientFetchError
from tracker.http import HttpClient, parse_retry_after
from tracker.sources.base import Request

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SECRET = "sekrit-key-0123456789"
REQUEST = Request("comtrade", "/public/v1/preview/C/A/HS", (("reporterCode", "156"), ("period", "2023")),
                  "trade", "A/CHN/export/2023")


class FakeTime:
    """Records every sleep; the clock jumps ahead on each reading unless ``step`` is 0."""

    def __init__(self, step: float = 100.0) -> None:
        self.now = 0.0
        self.step = step
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        self.now += self.step
        return self.now


def http_settings(**changes: object) -> HttpSettings:
    values: dict[str, object] = {
        "user_agent": "tracker-test/1.0", "connect_timeout_seconds": 3.0, "read_timeout_seconds": 7.0,
        "max_attempts": 4, "max_total_wait_seconds": 100.0, "max_concurrency": 2, "cache": True,
    }
    values.update(changes)
    return HttpSettings(**values)  # type: ignore[arg-type]


def source_settings(source: str = "comtrade", **changes: object) -> SourceSettings:
    values: dict[str, object] = {
        "id": source, "enabled": True, "base_url": "https://api.example.org", "api_key_env": None,
        "requests_per_minute": 60.0, "requests_per_day": None, "reporters": ("CHN",), "partners": (),
        "first_year": 2020, "last_year": 2023, "frequencies": ("A",), "flows": ("export",),
    }
    values.update(changes)
    return SourceSettings(**values)  # type: ignore[arg-type]


def make_client(
    handler: Callable[[httpx.Request], httpx.Response], fake: FakeTime, cache_dir: Path | None = None,
    wall_clock: Callable[[], datetime] = lambda: NOW, **settings: object,
) -> HttpClient:
    return HttpClient(http_settings(**settings), cache_dir, transport=httpx.MockTransport(handler), sleep=fake.sleep,
                      clock=fake.clock, random=lambda: 0.0, wall_clock=wall_clock)


def scripted(*responses: httpx.Response | Exception) -> tuple[Callable[[httpx.Request], httpx.Response], list]:
    """A handler answering with ``responses`` in turn (the last one repeats); it records the requests."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def test_client_429_waits_at_least_retry_after() -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, content=b"ok"))
    fake = FakeTime()
    result = make_client(handler, fake).get(REQUEST, source_settings())
    assert result.content == b"ok" and len(seen) == 2
    assert fake.sleeps and fake.sleeps[0] >= 2.0


def test_client_429_reads_comtrade_retry_text_without_header() -> None:
    body = b'{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 3 seconds."}'
    handler, _ = scripted(httpx.Response(429, content=body), httpx.Response(200, content=b"ok"))
    fake = FakeTime()
    make_client(handler, fake).get(REQUEST, source_settings())
    assert fake.sleeps == [3.0]


def test_client_retry_after_http_date_is_honoured() -> None:
    when = email.utils.format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    handler, _ = scripted(httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, content=b"ok"))
    fake = FakeTime()
    make_client(handler, fake).get(REQUEST, source_settings())
    assert fake.sleeps[0] >= 30.0


def test_parse_retry_after_rejects_garbage() -> None:
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("1.5", NOW) == 1.5


def test_client_503_then_200_succeeds() -> None:
    handler, seen = scripted(httpx.Response(503), httpx.Response(200, content=b"fine"))
    fake = FakeTime()
    result = make_client(handler, fake).get(REQUEST, source_settings())
    assert (result.status_code, result.content, result.from_cache) == (200, b"fine", False)
    assert len(seen) == 2
    assert fake.sleeps == [1.0]  # first back-off step, no jitter with random() == 0


def test_client_repeated_500_gives_up_after_max_attempts() -> None:
    handler, seen = scripted(httpx.Response(500, text="upstream broke"))
    fake = FakeTime()
    with pytest.raises(TransientFetchError) as caught:
        make_client(handler, fake, max_attempts=3).get(REQUEST, source_settings())
    assert len(seen) == 3
    message = str(caught.value)
    assert "comtrade" in message and "3 attempt" in message and "HTTP 500" in message
    assert "https://api.example.org/public/v1/preview/C/A/HS?reporterCode=156&period=2023" in message
    assert fake.sleeps == [1.0, 2.0]  # exponential back-off


def test_client_gives_up_when_total_wait_cap_would_be_exceeded() -> None:
    handler, seen = scripted(httpx.Response(500))
    fake = FakeTime()
    with pytest.raises(TransientFetchError):
        make_client(handler, fake, max_attempts=10, max_total_wait_seconds=2.5).get(REQUEST, source_settings())
    assert len(seen) == 2 and sum(fake.sleeps) <= 2.5


def test_client_timeout_is_retried() -> None:
    handler, seen = scripted(httpx.ReadTimeout("timed out"), httpx.Response(200, content=b"late"))
    result = make_client(handler, FakeTime()).get(REQUEST, source_settings())
    assert result.content == b"late" and len(seen) == 2


def test_client_connect_error_gives_transient_error_chained() -> None:
    handler, seen = scripted(httpx.ConnectError("refused"))
    with pytest.raises(TransientFetchError) as caught:
        make_client(handler, FakeTime(), max_attempts=2).get(REQUEST, source_settings())
    assert len(seen) == 2
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert "ConnectError" in str(caught.value)


def test_client_404_is_not_retried() -> None:
    handler, seen = scripted(httpx.Response(404, text="x" * 500))
    fake = FakeTime()
    with pytest.raises(HTTPStatusError) as caught:
        make_client(handler, fake).get(REQUEST, source_settings())
    assert len(seen) == 1 and fake.sleeps == []
    assert caught.value.status_code == 404
    assert "x" * 200 in str(caught.value) and "x" * 201 not in str(caught.value)


def test_client_sends_user_agent_and_timeouts() -> None:
    handler, seen = scripted(httpx.Response(200))
    make_client(handler, FakeTime()).get(REQUEST, source_settings())
    assert seen[0].headers["user-agent"] == "tracker-test/1.0"
    timeout = seen[0].extensions["timeout"]
    assert (timeout["connect"], timeout["read"]) == (3.0, 7.0)


def test_rate_limiter_spaces_calls() -> None:
    handler, seen = scripted(httpx.Response(200))
    fake = FakeTime(step=0.0)  # time passes only while sleeping
    client = make_client(handler, fake)
    for _ in range(3):
        client.get(REQUEST, source_settings(requests_per_minute=30))
    assert len(seen) == 3
    assert fake.sleeps == [2.0, 2.0]


def test_rate_limiter_is_per_host() -> None:
    handler, _ = scripted(httpx.Response(200))
    fake = FakeTime(step=0.0)
    client = make_client(handler, fake)
    client.get(REQUEST, source_settings(requests_per_minute=30))
    client.get(REQUEST, source_settings(requests_per_minute=30, base_url="https://other.example.org"))
    assert fake.sleeps == []


def test_client_daily_limit_is_persisted_per_day(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(200))
    settings = source_settings(requests_per_day=2)
    client = make_client(handler, FakeTime(), cache_dir=tmp_path)
    client.get(REQUEST, settings)
    client.get(REQUEST, settings)
    with pytest.raises(TerminalFetchError, match="daily limit of 2 requests for comtrade reached"):
        client.get(REQUEST, settings)
    with pytest.raises(TerminalFetchError, match="daily limit"):
        make_client(handler, FakeTime(), cache_dir=tmp_path).get(REQUEST, settings)  # a second run, same day
    make_client(handler, FakeTime(), cache_dir=tmp_path, wall_clock=lambda: NOW + timedelta(days=1)).get(
        REQUEST, settings
    )
    assert len(seen) == 3


def test_client_cache_revalidates_and_serves_304_from_cache(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=b'{"data": []}',
                              headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Jun 2025 10:00:00 GMT"})

    first = make_client(handler, FakeTime(), cache_dir=tmp_path).get(REQUEST, source_settings())
    second = make_client(handler, FakeTime(), cache_dir=tmp_path).get(REQUEST, source_settings())
    assert first.from_cache is False and second.from_cache is True
    assert second.content == b'{"data": []}'
    assert "if-none-match" not in seen[0].headers
    assert seen[1].headers["if-none-match"] == '"v1"'
    assert seen[1].headers["if-modified-since"] == "Sun, 01 Jun 2025 10:00:00 GMT"


def test_client_without_cache_sends_no_validators(tmp_path: Path) -> None:
    handler, seen = scripted(httpx.Response(200, content=b"x", headers={"ETag": '"v1"'}))
    for _ in range(2):
        make_client(handler, FakeTime(), cache_dir=tmp_path, cache=False).get(REQUEST, source_settings())
    assert all("if-none-match" not in request.headers for request in seen)


def test_client_census_key_goes_in_query_and_never_leaks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TEST_CENSUS_KEY", SECRET)
    settings = source_settings("census", api_key_env="TEST_CENSUS_KEY")
    census_request = Request("census", "/data/timeseries/intltrade/imports/hs", (("get", "CTY_CODE"),), "trade", "c")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = 200 if len(seen) == 1 else 400
        return httpx.Response(status, text=f"error: unknown variable in {request.url}")  # servers echo URLs

    caplog.set_level(logging.DEBUG)
    client = make_client(handler, FakeTime())
    result = client.get(census_request, settings)
    with pytest.raises(HTTPStatusError) as caught:
        client.get(census_request, settings)
    assert seen[0].url.params["key"] == SECRET
    assert SECRET not in result.url and "key=" not in result.url
    assert SECRET not in str(caught.value) and "***" in str(caught.value)
    assert "HTTP Request" in caplog.text  # httpx did log the request line...
    assert SECRET not in caplog.text  # ...with the key redacted


def test_client_comtrade_key_goes_in_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_COMTRADE_KEY", SECRET)
    handler, seen = scripted(httpx.Response(200))
    result = make_client(handler, FakeTime()).get(REQUEST, source_settings(api_key_env="TEST_COMTRADE_KEY"))
    assert seen[0].headers["ocp-apim-subscription-key"] == SECRET
    assert "key" not in seen[0].url.params and SECRET not in result.url


def test_client_sends_no_key_for_keyless_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_WB_KEY", SECRET)
    handler, seen = scripted(httpx.Response(200))
    make_client(handler, FakeTime()).get(REQUEST, source_settings("worldbank", api_key_env="TEST_WB_KEY"))
    assert SECRET not in str(seen[0].url) and SECRET not in str(seen[0].headers)
