"""The shared HTTP client: retries, Retry-After, rate limits, daily caps, cache, key redaction, and the limits
against hostile upstreams (deadline, body size, gzip bombs, cross-host redirects), the latter on loopback servers."""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from tests.loopback import Server, drip, gzip_bomb, loopback, peak_bytes_while, send
from tracker.config import HttpSettings, SourceSettings, load_config
from tracker.errors import ConfigError, HTTPStatusError, TerminalFetchError, TransientFetchError
from tracker.http import (
    HttpClient,
    PostAnswer,
    PostError,
    parse_retry_after,
    post_json,
    redact,
    register_secret,
    register_url,
)
from tracker.request import Request

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


# ---------------------------------------------------------------- hostile upstreams, on loopback servers
_REAL_CLIENTS: list[HttpClient] = []


@pytest.fixture(autouse=True)
def _close_real_clients() -> Iterator[None]:
    """Every real client a test opened is closed with it: no pooled socket outlives its test."""
    yield
    while _REAL_CLIENTS:
        _REAL_CLIENTS.pop().close()


def real_client(**settings: object) -> HttpClient:
    """A client with real time and real sockets, no cache; closed when the test ends."""
    client = HttpClient(http_settings(**settings), None)
    _REAL_CLIENTS.append(client)
    return client


def test_client_drip_server_fails_at_the_request_deadline() -> None:
    def slow_drip(handler: BaseHTTPRequestHandler, server: Server) -> None:
        drip(handler, server, seconds_per_byte=1.5)  # 0, 1.5, 3.0 s: the deadline falls between two bytes

    client = real_client(request_deadline_seconds=2.0)
    with loopback(slow_drip) as server:
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match=r"request deadline of 2 s passed while reading the body"):
            client.get(REQUEST, source_settings(base_url=server.url))
        elapsed = time.monotonic() - started
    assert 2.0 <= elapsed < 2.8  # the watchdog cuts the connection at the deadline, before the third drip (3 s)


def test_client_silent_server_read_timeout_is_cut_to_the_deadline() -> None:
    def silent(handler: BaseHTTPRequestHandler, server: Server) -> None:
        server.stopping.wait(30)  # headers never come

    client = real_client(request_deadline_seconds=1.5, read_timeout_seconds=30.0)
    with loopback(silent) as server:
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match=r"ReadTimeout.*request deadline of 1\.5 s"):
            client.get(REQUEST, source_settings(base_url=server.url))
        elapsed = time.monotonic() - started
    assert elapsed < 3.0 and server.arrived() == 1  # no retry that could only start after the deadline


def test_client_deadline_covers_back_off_waits() -> None:
    def busy(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 503, b"busy", Retry_After="1")

    client = real_client(request_deadline_seconds=2.5, max_attempts=10)
    with loopback(busy) as server:
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match=r"request deadline of 2\.5 s"):
            client.get(REQUEST, source_settings(base_url=server.url))
        elapsed = time.monotonic() - started
    assert elapsed < 3.5 and 2 <= server.arrived() <= 3  # 1 s, then 2 s of back-off would end past 2.5 s


def test_client_gzip_bomb_is_refused_within_a_memory_bound() -> None:
    bomb = gzip_bomb(200)  # 200 MB of zeros in about 200 KB

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, bomb, Content_Encoding="gzip", Content_Type="application/json")

    def fetch() -> None:
        with pytest.raises(TerminalFetchError, match="larger than max_body_megabytes = 5"):
            real_client(max_body_megabytes=5).get(REQUEST, source_settings(base_url=server.url))

    with loopback(answer) as server:
        peak = peak_bytes_while(fetch)
    assert len(bomb) < 300_000
    assert peak < 20_000_000  # the 5 MB cap plus growth of the buffer; inflating it whole would take 200 MB


def test_client_plain_body_over_the_cap_stops_being_read() -> None:
    def endless(handler: BaseHTTPRequestHandler, server: Server) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(300_000_000))
        handler.end_headers()
        chunk = b"x" * 1_000_000
        for _ in range(300):
            if server.stopping.is_set():
                return
            handler.wfile.write(chunk)

    def fetch() -> None:
        with pytest.raises(TerminalFetchError, match="larger than max_body_megabytes = 3"):
            real_client(max_body_megabytes=3).get(REQUEST, source_settings(base_url=server.url))

    with loopback(endless) as server:
        peak = peak_bytes_while(fetch)
    assert peak < 15_000_000


def test_client_gzip_body_under_the_cap_is_decoded() -> None:
    body = b'{"data": [' + b'{"value": 1},' * 50_000 + b'{"value": 2}]}'
    compressed = gzip.compress(body)

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, compressed, Content_Encoding="gzip")

    with loopback(answer) as server:
        result = real_client(max_body_megabytes=1).get(REQUEST, source_settings(base_url=server.url))
    assert result.content == body and len(compressed) < len(body) // 20
    assert server.seen[0][1]["accept-encoding"] == "gzip, deflate"


def test_client_cut_gzip_body_is_an_error() -> None:
    compressed = gzip.compress(b"x" * 100_000)

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, compressed[: len(compressed) // 2], Content_Encoding="gzip")

    with loopback(answer) as server, pytest.raises(TransientFetchError, match="ended before its compressed stream"):
        real_client(max_attempts=1).get(REQUEST, source_settings(base_url=server.url))


def _redirect_to(target: Callable[[BaseHTTPRequestHandler], str]) -> Callable[[BaseHTTPRequestHandler, Server], None]:
    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        if handler.path.startswith("/moved"):
            send(handler, 200, b"arrived")
        else:
            send(handler, 302, Location=target(handler))

    return respond


def _ok(handler: BaseHTTPRequestHandler, server: Server) -> None:
    send(handler, 200, b"other host")


def test_client_comtrade_key_header_never_reaches_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_COMTRADE_KEY", SECRET)
    with loopback(_ok) as other, loopback(_redirect_to(lambda _: f"{other.url}/elsewhere")) as home:
        result = real_client().get(REQUEST, source_settings(base_url=home.url, api_key_env="TEST_COMTRADE_KEY"))
    assert result.content == b"other host"
    assert home.seen[0][1]["ocp-apim-subscription-key"] == SECRET
    assert len(other.seen) == 1 and SECRET not in repr(other.seen)


def test_client_census_key_in_a_redirect_url_is_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CENSUS_KEY", SECRET)
    census = Request("census", "/data/timeseries/intltrade/imports/hs", (("get", "CTY_CODE"),), "trade", "c")
    settings = source_settings("census", api_key_env="TEST_CENSUS_KEY")
    with (loopback(_ok) as other, loopback(_redirect_to(lambda h: f"{other.url}{h.path}")) as home,  # query echoed
          pytest.raises(TerminalFetchError, match="another host with the API key in its URL") as caught):
        real_client().get(census, dataclasses.replace(settings, base_url=home.url))
    assert f"key={SECRET}" in home.seen[0][0]
    assert other.seen == [] and SECRET not in str(caught.value)


def test_client_census_redirect_without_the_key_goes_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_CENSUS_KEY", SECRET)
    census = Request("census", "/data/timeseries/intltrade/imports/hs", (("get", "CTY_CODE"),), "trade", "c")
    with loopback(_ok) as other, loopback(_redirect_to(lambda _: f"{other.url}/mirror?get=CTY_CODE")) as home:
        result = real_client().get(census, source_settings("census", base_url=home.url, api_key_env="TEST_CENSUS_KEY"))
    assert result.content == b"other host"
    assert [path for path, _ in other.seen] == ["/mirror?get=CTY_CODE"] and SECRET not in repr(other.seen)


def test_client_same_host_redirect_keeps_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_COMTRADE_KEY", SECRET)
    with loopback(_redirect_to(lambda _: "/moved")) as home:
        result = real_client().get(REQUEST, source_settings(base_url=home.url, api_key_env="TEST_COMTRADE_KEY"))
    assert result.content == b"arrived"
    assert [headers["ocp-apim-subscription-key"] for _, headers in home.seen] == [SECRET, SECRET]


def test_client_redirect_loop_is_cut() -> None:
    with loopback(_redirect_to(lambda h: h.path)) as home, pytest.raises(TerminalFetchError, match="more than 5"):
        real_client().get(REQUEST, source_settings(base_url=home.url))
    assert home.arrived() == 6


def test_redaction_covers_child_loggers_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    register_secret(SECRET)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpcore.http11").debug("send_request_headers url=%s", f"/x?key={SECRET}")
    try:
        raise ValueError(f"bad key {SECRET}")
    except ValueError:
        logging.getLogger("some.library.deep.child").exception("failed")
    assert "key=***" in caplog.text and "bad key ***" in caplog.text
    assert SECRET not in caplog.text


# ------------------------------------------------------------- keys that URLs percent-encode (issue 21, point 2)
ENCODED_SECRET = "SECRET+KEY/456="  # httpx writes it into a query as SECRET%2BKEY%2F456%3D
CENSUS = Request("census", "/data/timeseries/intltrade/imports/hs", (("get", "CTY_CODE"),), "trade", "c")


def spellings(secret: str) -> list[str]:
    """The ways a URL or a log line may write ``secret``, built here with urllib, independently of tracker.http."""
    from urllib.parse import quote, quote_plus

    upper = quote(secret, safe="")
    return [secret, upper, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), upper), quote_plus(secret),
            quote(upper, safe=""), str(httpx.URL("http://x/", params={"k": secret})).split("k=", 1)[1]]


def test_client_encoded_census_key_redirected_to_another_host_is_not_followed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The key went out percent-encoded, so the raw key was not "in" the redirect URL: it was sent off-host."""
    monkeypatch.setenv("TEST_CENSUS_KEY", ENCODED_SECRET)
    settings = source_settings("census", api_key_env="TEST_CENSUS_KEY")
    caplog.set_level(logging.DEBUG)
    with (loopback(_ok) as other, loopback(_redirect_to(lambda h: f"{other.url}{h.path}")) as home,  # query echoed
          pytest.raises(TerminalFetchError, match="another host with the API key in its URL") as caught):
        real_client().get(CENSUS, dataclasses.replace(settings, base_url=home.url))
    assert "key=SECRET%2BKEY%2F456%3D" in home.seen[0][0]  # the key did go home, encoded
    assert other.seen == []
    shown = str(caught.value) + caplog.text
    assert "HTTP Request" in caplog.text and "key=***" in caplog.text
    assert not [form for form in spellings(ENCODED_SECRET) if form in shown]


@pytest.mark.parametrize("location", [
    "{other}/next?key=SECRET%2bKEY%2f456%3d",  # lower-case hex
    "{other}/next?key=SECRET+KEY/456=",  # raw
    "{other}/SECRET%2BKEY%2F456%3D/next",  # in the path
    "{other}/next?back=%3Fkey%3DSECRET%252BKEY%252F456%253D",  # encoded twice (a URL inside a query)
    "{other}/next?key=SECRET%2BKEY/456%3D",  # mixed
])
def test_client_key_in_any_spelling_never_goes_to_another_host(monkeypatch: pytest.MonkeyPatch,
                                                              location: str) -> None:
    monkeypatch.setenv("TEST_CENSUS_KEY", ENCODED_SECRET)
    with (loopback(_ok) as other, loopback(_redirect_to(lambda _: location.format(other=other.url))) as home,
          pytest.raises(TerminalFetchError, match="another host with the API key in its URL")):
        real_client().get(CENSUS, source_settings("census", base_url=home.url, api_key_env="TEST_CENSUS_KEY"))
    assert other.seen == []


def test_redaction_covers_every_spelling_of_a_key(caplog: pytest.LogCaptureFixture) -> None:
    secret = "p@ss w+rd/é=;"  # a space, a plus, a slash, a non-ASCII letter
    register_secret(secret)
    forms = spellings(secret)
    caplog.set_level(logging.DEBUG)
    for form in forms:
        logging.getLogger("httpx").info("HTTP Request: GET http://h/x?key=%s", form)
    logging.getLogger("tracker.test").debug("headers %r", {"ocp-apim-subscription-key": secret})
    assert len(set(forms)) >= 5 and not [form for form in forms if form in caplog.text]
    assert caplog.text.count("key=***") == len(forms) and "'ocp-apim-subscription-key': '***'" in caplog.text
    assert [redact(f"<{form}>") for form in forms] == ["<***>"] * len(forms)
    assert redact("p@ss w+rd/e=; and %2F alone") == "p@ss w+rd/e=; and %2F alone"  # near misses stay


def test_register_url_hides_every_form_of_the_url_but_never_a_short_part() -> None:
    register_url("HTTPS://Hooks.Example:443/q/../z?t=A B")
    assert redact("POST https://hooks.example:443/z?t=A%20B done") == "POST *** done"  # as httpx writes it
    assert redact("to http://10.0.0.1/z?t=A+B") == "to http://10.0.0.1***"  # the path-and-query alone
    assert redact("q z t A B /z") == "q z t A B /z"  # a 2-character path is hidden only inside the whole URL


def test_cli_fetch_keeps_an_encoded_key_home_and_out_of_stderr(config_dir: Path, data_dir: Path) -> None:
    """The issue's reproduction end to end, in a real process: its stderr is what a user sees.

    Without -v no library's INFO line reaches stderr (httpx printed every request URL there); the tracker's own
    lines and every warning still do.
    """
    import os
    import subprocess
    import sys

    from tracker.config import REPO_ROOT
    from tracker.store import Store

    sources = config_dir / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("requests_per_minute = 30",
                                                                   "requests_per_minute = 100000"), encoding="utf-8")
    with loopback(_ok) as other, loopback(_redirect_to(lambda h: f"{other.url}{h.path}")) as home:
        env = {**os.environ, "CENSUS_API_KEY": ENCODED_SECRET, "TRACKER_CENSUS_BASE_URL": home.url}
        result = subprocess.run(
            [sys.executable, "-m", "tracker", "fetch", "--source", "census", "--groups", "toys", "--years", "2023",
             "--no-progress", "--no-cache"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
            check=False)
    assert result.returncode == 1, result.stderr
    assert home.seen and all("key=SECRET%2BKEY%2F456%3D" in path for path, _ in home.seen)
    assert other.seen == []
    logged = Store(data_dir).read("fetch_log")
    shown = result.stdout + result.stderr + "\n".join(str(value) for value in logged.rows())
    assert "another host with the API key in its URL" in shown
    assert not [form for form in spellings(ENCODED_SECRET) if form in shown]
    assert "HTTP Request" not in result.stderr and " INFO httpx" not in result.stderr


# ------------------------------------------------------------------------------- the [http] limit keys
@pytest.mark.parametrize("key", ["request_deadline_seconds", "max_body_megabytes", "source_deadline_seconds"])
@pytest.mark.parametrize("bad", ["inf", "nan", "0", "-5", '"300"'])
def test_config_http_limits_must_be_finite_and_positive(config_dir: Path, key: str, bad: str) -> None:
    sources = config_dir / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(re.sub(rf"^{key} = \S+", f"{key} = {bad}", text, flags=re.MULTILINE), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"sources\.toml: http\.{key}: expected a number from [0-9.]+ to [0-9,]+;"):
        load_config(config_dir)


def test_config_http_limits_default_when_absent(config_dir: Path) -> None:
    sources = config_dir / "sources.toml"
    text = sources.read_text(encoding="utf-8")
    for key in ("request_deadline_seconds", "max_body_megabytes", "source_deadline_seconds"):
        text = re.sub(rf"^{key} = .*\n", "", text, flags=re.MULTILINE)
    sources.write_text(text, encoding="utf-8")
    http = load_config(config_dir).http
    assert (http.request_deadline_seconds, http.max_body_megabytes, http.source_deadline_seconds) == (300, 100, 7200)


# ------------------------------------------------------------------------------- one-off JSON posts (LLM, webhook)
def test_post_json_drip_ends_at_the_deadline() -> None:
    def slow_drip(handler: BaseHTTPRequestHandler, server: Server) -> None:
        drip(handler, server, seconds_per_byte=0.5)  # every read succeeds: only the deadline can end it

    with loopback(slow_drip) as server:
        started = time.monotonic()
        with pytest.raises(PostError, match=r"deadline of 1\.2 s passed") as caught:
            post_json(f"{server.url}/v1", {"a": 1}, deadline_seconds=1.2, max_body_bytes=10_000)
        elapsed = time.monotonic() - started
    assert caught.value.kind == "timeout"
    assert 1.2 <= elapsed < 2.0 and server.bodies == [b'{"a":1}']


def test_post_json_gzip_bomb_is_refused_within_a_memory_bound() -> None:
    bomb = gzip_bomb(100)

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, bomb, Content_Encoding="gzip", Content_Type="application/json")

    def post() -> None:
        with pytest.raises(PostError, match=r"larger than 1,000,000 bytes") as caught:
            post_json(server.url, {}, deadline_seconds=10, max_body_bytes=1_000_000)
        assert caught.value.kind == "too_large"

    with loopback(answer) as server:
        peak = peak_bytes_while(post)
    assert peak < 10_000_000  # the 1 MB cap plus a decoding step; inflating it whole would take 100 MB


def test_post_json_bearer_token_stays_home_and_out_of_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = "sk-post-json-0123456789"

    def answer(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, b'{"ok": true}')

    caplog.set_level(logging.DEBUG)
    with loopback(answer) as other, loopback(
            lambda handler, server: send(handler, 307, Location=f"{other.url}/next")) as home:
        result = post_json(f"{home.url}/v1", {"q": 1}, deadline_seconds=5, max_body_bytes=1000,
                           headers={"Authorization": f"Bearer {token}"}, secrets=(token,))
    assert result == PostAnswer(200, b'{"ok": true}')
    assert home.seen[0][1]["authorization"] == f"Bearer {token}"
    assert [(path, "authorization" in headers) for path, headers in other.seen] == [("/next", False)]
    assert other.bodies == [b'{"q":1}'], "a 307 keeps the method and the body"
    assert "HTTP Request: POST" in caplog.text and token not in caplog.text


def test_post_json_secret_url_is_never_sent_to_another_host(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with (loopback(_ok) as other,
          loopback(lambda handler, server: send(handler, 308, Location=f"{other.url}{handler.path}")) as home,
          pytest.raises(PostError, match="another host with a secret in its URL") as caught):
        post_json(f"{home.url}/hook/TOKEN-POST-308", {}, deadline_seconds=5, max_body_bytes=1000, secret_url=True)
    assert caught.value.kind == "refused" and other.seen == [] and len(home.seen) == 1
    assert "TOKEN-POST-308" not in str(caught.value) + caplog.text
