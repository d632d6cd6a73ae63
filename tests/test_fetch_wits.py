"""Fetching WITS through the shared client and runner: retries, the empty 404, errors with HTTP 200, the
incremental skip, and `python -m tracker fetch --source wits` against a loopback stand-in."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections import Counter
from contextlib import closing
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.fetch_helpers import client_for, fast_config, local_config
from tests.loopback import Server, loopback, send
from tests.wits_helpers import NO_RECORDS, answer, row
from tracker.config import REPO_ROOT, Config
from tracker.errors import HTTPStatusError
from tracker.fetch import run_fetch
from tracker.http import HttpClient
from tracker.sources.base import FetchScope
from tracker.sources.wits import WitsFetcher
from tracker.store import Store

NOW = datetime(2025, 6, 1, tzinfo=UTC)
WITS_ERROR = (b'<?xml version="1.0" encoding="utf-8"?><wits:error xmlns:wits="http://wits.worldbank.org">'
              b'<wits:message id="150">Partner code is invalid</wits:message></wits:error>')
MFN = [row("950300", "MFN", 0.0, "0", "0", 12), row("950450", "MFN", 1.6, "0", "4.8", 3),
       row("950590", "MFN", 2.0, "0", "4", 5), row("640399", "MFN", 10.0, "5", "20", 4)]  # 6403: not toys
MEX_PRF = [row("950300", "PRF", 0.0, "0", "0", 12), row("950590", "PREF", 0.0, "0", "0", 5)]


def path_parts(path: str) -> dict[str, str]:
    """reporter, partner, product, year and datatype of a TRN request path."""
    segments = path.split("?")[0].split("/")
    return {name: segments[index + 1] for index, name in enumerate(segments)
            if name in ("reporter", "partner", "product", "year", "datatype")}


def wits_reply(path: str) -> tuple[int, bytes]:
    """USA's toys for the ``;``-joined partners asked: MFN for 000, a preference for Mexico (484), none for the
    others (China 156 …); an answer without any series is 404 NoRecordsFound."""
    parts = path_parts(path)
    rows = [{**r, "year": parts["year"], "partner": partner} for partner in parts["partner"].split(";")
            for r in {"000": MFN, "484": MEX_PRF}.get(partner, [])]
    if not rows:
        return 404, NO_RECORDS
    return 200, answer(parts["reporter"], rows[0]["partner"], rows, datatype=parts["datatype"])


def toys_usa(config: Config, years: tuple[int, ...] = (2020,)) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), reporters=("USA",), years=years)


def wits_config(config: Config) -> Config:
    return local_config(config, wits={"partners": ("CHN", "MEX", "USA")})


def test_fetch_wits_retries_then_writes_mfn_and_preferences_and_logs_empty_answers(
        config: Config, store: Store) -> None:
    seen: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        parts = path_parts(request.url.path)
        key = f"{parts['partner']}/{parts['datatype']}"
        seen[key] += 1
        assert request.url.params["format"] == "JSON" and parts["reporter"] == "840" and parts["product"] == "all"
        if key == "000;156;484/aveestimated" and seen[key] == 1:
            return httpx.Response(503, text="busy")
        if key == "156/reported" and seen[key] == 1:
            return httpx.Response(429, headers={"Retry-After": "1"}, text="slow down")
        status, body = wits_reply(request.url.path)
        return httpx.Response(status, content=body)

    summary = run_fetch(wits_config(config), store, ["wits"], toys_usa(config), client_factory=client_for(handler),
                        now=lambda: NOW)
    # one request for every partner, retried once; China, absent from its answer: the reported fallback (retried
    # once too), 404 NoRecordsFound
    assert seen == {"000;156;484/aveestimated": 2, "156/reported": 2}
    wits = summary.sources["wits"]
    assert (wits.requests, wits.failed, wits.rows_written, wits.skipped) == (2, 0, 5, 0)
    tariff = store.read("tariff").sort("partner", "hs_code")
    assert tariff.select("partner", "hs_code", "tariff_type", "avg_rate_pct").rows() == [
        ("MEX", "950300", "PRF", 0.0), ("MEX", "950590", "PRF", 0.0),
        ("WLD", "950300", "MFN", 0.0), ("WLD", "950450", "MFN", 1.6), ("WLD", "950590", "MFN", 2.0)]
    assert set(tariff.get_column("market")) == {"USA"} and set(tariff.get_column("year")) == {2020}
    log = store.read("fetch_log").sort("status")
    assert log.get_column("status").to_list() == ["empty", "ok"]
    assert log.get_column("error").null_count() == 2


def test_fetch_wits_error_with_http_200_writes_nothing_and_is_logged(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if path_parts(request.url.path)["datatype"] == "reported":  # the fallback for China
            return httpx.Response(200, content=WITS_ERROR)
        status, body = wits_reply(request.url.path)
        return httpx.Response(status, content=body)

    summary = run_fetch(wits_config(config), store, ["wits"], toys_usa(config), client_factory=client_for(handler),
                        now=lambda: NOW)
    assert summary.sources["wits"].failed == 1
    assert set(store.read("tariff").get_column("partner")) == {"WLD", "MEX"}  # nothing from the failed answer
    failed = store.read("fetch_log").filter(pl.col("status") == "failed").row(0, named=True)
    assert "WITS reported an error: Partner code is invalid" in failed["error"]
    assert "/partner/156/" in failed["request"] and failed["rows_written"] == 0


def test_fetch_wits_rerun_skips_fresh_requests_and_refetches_recent_years(config: Config, store: Store) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        parts = path_parts(request.url.path)
        asked.append(f"{parts['year']}/{parts['partner']}/{parts['datatype']}")
        status, body = wits_reply(request.url.path)
        return httpx.Response(status, content=body)

    scope = toys_usa(config, years=(2020, 2025))  # 2025 is recent on NOW: always asked again
    local = wits_config(config)
    run_fetch(local, store, ["wits"], scope, client_factory=client_for(handler), now=lambda: NOW)
    assert sorted(asked) == ["2020/000;156;484/aveestimated", "2020/156/reported", "2025/000;156;484/aveestimated",
                             "2025/156/reported"]
    first = store.read("tariff").drop("fetched_at").sort("year", "partner", "hs_code")
    asked.clear()
    summary = run_fetch(local, store, ["wits"], scope, client_factory=client_for(handler), now=lambda: NOW)
    assert sorted(asked) == ["2025/000;156;484/aveestimated", "2025/156/reported"]
    assert (summary.sources["wits"].skipped, summary.sources["wits"].requests) == (1, 2)
    assert store.read("tariff").drop("fetched_at").sort("year", "partner", "hs_code").equals(first)


def test_fetch_wits_command_against_a_loopback_stand_in(tmp_path: Path) -> None:
    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        status, body = wits_reply(handler.path)
        send(handler, status, body, Content_Type="application/json" if status == 200 else "application/xml")

    data = tmp_path / "data"
    with loopback(respond) as server:
        env = {**os.environ, "TRACKER_CONFIG_DIR": str(fast_config(tmp_path)), "TRACKER_DATA_DIR": str(data),
               "TRACKER_WITS_BASE_URL": server.url}
        command = [sys.executable, "-m", "tracker", "fetch", "--source", "wits", "--groups", "toys",
                   "--reporters", "USA", "--years", "2023", "--no-progress"]
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    paths = [path for path, _ in server.seen]
    # one request for MFN + 14 exporters (the USA itself is not one here); then one `reported` request for the
    # 13 exporters without a preference (all but Mexico)
    assert len(paths) == 2
    first, fallback = (path_parts(path)["partner"].split(";") for path in paths)
    assert first[0] == "000" and "484" in first and "840" not in first and len(first) == 15
    assert sorted(fallback) == sorted(set(first) - {"000", "484"}) and path_parts(paths[1])["datatype"] == "reported"
    assert all(path_parts(path)["reporter"] == "840" and path_parts(path)["year"] == "2023" for path in paths)
    tariff = Store(data).read("tariff")
    assert tariff.height == 3 + 2 and set(tariff.get_column("partner")) == {"WLD", "MEX"}
    log = Store(data).read("fetch_log")
    assert log.height == len(paths) and log.filter(pl.col("status") == "failed").is_empty()
    assert re.search(r"wits\s+2\s+0\s+5\s", done.stdout), done.stdout


def test_fetch_wits_only_a_named_status_reaches_the_parser_and_is_never_cached(config: Config, tmp_path: Path) -> None:
    revalidated: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        revalidated.append("if-none-match" in request.headers)
        return httpx.Response(404, content=NO_RECORDS, headers={"ETag": '"v1"'})

    settings = wits_config(config).sources["wits"]
    wits_request = WitsFetcher().request("USA", ["CHN"], 2020, "aveestimated", ["950300"])
    with closing(HttpClient(config.http, tmp_path / "cache", transport=httpx.MockTransport(handler),
                            sleep=lambda _: None)) as client:
        for _ in range(2):
            result = client.get(wits_request, settings)
            assert (result.status_code, result.from_cache, result.content) == (404, False, NO_RECORDS)
        plain = dataclasses.replace(wits_request, answer_statuses=())
        with pytest.raises(HTTPStatusError, match="HTTP 404"):
            client.get(plain, settings)
    assert revalidated == [False, False, False]  # the 404 body was never kept in the HTTP cache
