"""End to end: `python -m tracker fetch` against a loopback server replaying Comtrade and World Bank payloads."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import comtrade_answer, fast_config
from tracker.config import REPO_ROOT
from tracker.store import Store


class Recorder:
    """What the fake server saw: (time, path with query, status) per request."""

    def __init__(self) -> None:
        self.hits: list[tuple[float, str, int]] = []
        self.lock = threading.Lock()
        self.comtrade_arrivals = 0


def make_handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            request = httpx.Request("GET", f"http://loopback{self.path}")
            status, headers, body = 200, {"Content-Type": "application/json"}, b""
            with recorder.lock:  # count arrivals, not answers: concurrent requests must not all look "first"
                if request.url.path.startswith("/public/"):
                    recorder.comtrade_arrivals += 1
                throttle = request.url.path.startswith("/public/") and recorder.comtrade_arrivals == 2
            if throttle:  # the second Comtrade call is throttled once, as Comtrade does
                status, headers["Retry-After"] = 429, "1"
                body = b'{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}'
            elif request.url.path.startswith("/public/v1/preview/C/A/HS"):
                body = comtrade_answer(request)
            elif request.url.path.endswith("/indicator/NY.GDP.MKTP.CD"):
                body = (FIXTURES / "worldbank" / f"gdp_page{request.url.params['page']}.json").read_bytes()
            elif request.url.path.startswith("/v2/country/"):
                body = (FIXTURES / "worldbank" / "empty.json").read_bytes()
            elif request.url.path == "/v2/country":  # the country list with capital coordinates
                body = (FIXTURES / "worldbank" / "countries.json").read_bytes()
            else:
                status, body = 404, b"no such path"
            with recorder.lock:
                recorder.hits.append((time.monotonic(), self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(recorder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", recorder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_fetch_e2e_comtrade_and_worldbank_through_loopback(server: tuple[str, Recorder], tmp_path: Path) -> None:
    base_url, recorder = server
    data = tmp_path / "data"
    env = {name: value for name, value in os.environ.items() if name not in ("COMTRADE_API_KEY", "CENSUS_API_KEY")}
    env.update(TRACKER_CONFIG_DIR=str(fast_config(tmp_path)), TRACKER_DATA_DIR=str(data),
               TRACKER_COMTRADE_BASE_URL=base_url, TRACKER_WORLDBANK_BASE_URL=base_url)
    command = [sys.executable, "-m", "tracker", "fetch", "--source", "comtrade,worldbank", "--groups", "toys",
               "--reporters", "CHN", "--years", "2023", "--no-progress"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    comtrade_hits = [hit for hit in recorder.hits if hit[1].startswith("/public/")]
    assert [status for _, _, status in comtrade_hits].count(429) == 1
    assert len(comtrade_hits) == 5  # 2 flows × 2 code chunks, plus the retried 429
    throttled = next(index for index, hit in enumerate(comtrade_hits) if hit[2] == 429)
    retry = next(hit for hit in comtrade_hits[throttled + 1:] if hit[1] == comtrade_hits[throttled][1])
    assert retry[2] == 200 and retry[0] - comtrade_hits[throttled][0] >= 1.0  # waited for Retry-After

    store = Store(data)
    trade = store.read("trade")
    assert trade.height == 2 * 4 * 3  # flows × codes (toys + TOTAL) × partners in the replayed answers
    assert set(trade.get_column("reporter")) == {"CHN"}
    assert set(trade.get_column("partner")) == {"WLD", "USA", "FRA"}
    assert set(trade.get_column("hs_code")) == {"9503", "9504", "9505", "TOTAL"}
    assert set(trade.get_column("period")) == {"2023"}
    macro = store.read("macro")
    assert macro.height == 5 and set(macro.get_column("market")) == {"CHN", "DEU", "USA", "WLD"}
    assert set(store.read("capital").get_column("market")) == {"ABW", "CHN", "DEU", "USA", "XKX"}

    log = store.read("fetch_log")
    per_source = dict(log.group_by("source").len().rows())
    assert per_source == {"comtrade": 4, "worldbank": 6}  # 4 indicators, GDP's page 2, the capitals
    assert log.filter(pl.col("status") == "failed").height == 0
    assert log.filter(pl.col("source") == "comtrade").get_column("rows_written").sum() == 24
    assert re.search(r"comtrade\s+4\s+0\s+24\s+0\s+0", done.stdout), done.stdout
