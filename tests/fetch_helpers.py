"""Setup shared by the fetch and source tests: a MockTransport client, a fast config, Comtrade answers.

Plain functions (and one autouse fixture to import), so that test modules do not import from each other.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES
from tracker.config import REPO_ROOT, Config, HttpSettings
from tracker.http import HttpClient

Handler = Callable[[httpx.Request], httpx.Response]
ClientFactory = Callable[[HttpSettings, Path], HttpClient]


def client_for(handler: Handler, cache: bool = True) -> ClientFactory:
    """A client factory for ``run_fetch`` answering every request with ``handler`` and never sleeping.

    ``cache=False`` gives the client no cache folder: no HTTP cache, daily counts in memory only.
    """

    def factory(http: HttpSettings, cache_dir: Path) -> HttpClient:
        return HttpClient(http, cache_dir if cache else None, transport=httpx.MockTransport(handler),
                          sleep=lambda _: None)

    return factory


def local_config(config: Config, **per_source: dict[str, Any]) -> Config:
    """``config`` with fast, unlimited sources and the given per-source changes (``comtrade={"flows": ...}``)."""
    sources = dict(config.sources)
    for source_id, changes in per_source.items():
        sources[source_id] = dataclasses.replace(
            sources[source_id], requests_per_minute=1e9, requests_per_day=None, **changes
        )
    http = dataclasses.replace(config.http, max_attempts=2, max_concurrency=2)
    return dataclasses.replace(config, sources=sources, http=http)


@pytest.fixture(autouse=True)
def no_comtrade_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comtrade plans for the keyless preview unless a test sets a key: a developer's own key must not leak in.

    Autouse in every module that imports it.
    """
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)


@functools.cache
def _comtrade_template() -> dict[str, Any]:
    """The first record of a real preview answer, read once (a split test builds hundreds of records)."""
    return json.loads((FIXTURES / "comtrade" / "preview_annual_chn_export.json").read_bytes())["data"][0]


def comtrade_record() -> dict[str, Any]:
    """A fresh copy of the template record, to change freely."""
    return copy.deepcopy(_comtrade_template())


def comtrade_answer(request: httpx.Request, partners: tuple[int, ...] = (0, 842, 251)) -> bytes:
    """A preview answer of the real shape for whatever the request asked (a record per reporter × period × code ×
    partner)."""
    params = request.url.params
    frequency = request.url.path.split("/")[-2]
    records = []
    for reporter in params["reporterCode"].split(","):
        for period in params["period"].split(","):
            for code in params["cmdCode"].split(","):
                for index, partner in enumerate(partners):
                    record = comtrade_record()
                    record.update(
                        freqCode=frequency, period=period, refYear=int(period[:4]),
                        refMonth=int(period[4:]) if len(period) == 6 else 52, reporterCode=int(reporter),
                        flowCode=params["flowCode"], partnerCode=partner, cmdCode=code,
                        primaryValue=1000.0 * (index + 1) + len(code), netWgt=0, qty=0,
                    )
                    records.append(record)
    return json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}).encode()


def fast_config(tmp_path: Path) -> Path:
    """A copy of config/ whose sources may be called fast: the test keeps real waits to the one Retry-After."""
    folder = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", folder)
    sources = folder / "sources.toml"
    text = re.sub(r"requests_per_minute = \d+", "requests_per_minute = 6000", sources.read_text(encoding="utf-8"))
    sources.write_text(text, encoding="utf-8")
    return folder
