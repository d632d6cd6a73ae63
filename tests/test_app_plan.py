"""The new user's path in the app: the sample banner names the command that brings real data and its planned
cost; Data status shows the BACI release and what a fetch would send now, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.baci import import_baci
from tracker.budget import default_sources, plan_fetch
from tracker.config import REPO_ROOT, load_config
from tracker.sources.base import FetchScope
from tracker.store import Store

from .app_helpers import open_page, read_table
from .baci_helpers import ROWS_2022, release_files, write_zip
from .zh_text import app_texts, english_words


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)


def _plan(root: Path):
    config = load_config(REPO_ROOT / "config")
    sources, _ = default_sources(config)
    return plan_fetch(config, Store(root), sources, FetchScope(groups=config.groups))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_sample_banner_names_the_fetch_command_and_its_planned_cost(app_store: Path, lang: str) -> None:
    plan = _plan(app_store)
    app = open_page("overview", lang)
    [banner] = [w.value for w in app.warning if "python -m tracker fetch`" in w.value]
    assert f"{plan.total_requests:,}" in banner and f"{plan.total_minutes:.0f}" in banner
    assert "`python -m tracker fetch --plan`" in banner
    assert 0 < plan.total_requests <= 300  # the keyless default plan of the shipped config


def _plan_table(app) -> list[dict[str, str]]:
    markup = next(h.value for h in app.get("html") if "Requests to send" in h.value or "待发送请求" in h.value)
    return read_table(markup)[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_status_shows_what_a_fetch_would_send_and_where_the_comtrade_key_comes_from(
    app_store: Path, lang: str,
) -> None:
    plan = _plan(app_store)
    app = open_page("status", lang)
    rows = _plan_table(app)
    requests = "Requests to send" if lang == "en" else "待发送请求"
    shown = [int(row[requests].replace(",", "")) for row in rows]
    assert shown == [source.requests for source in plan.sources]
    names = {"en": "US Census Bureau", "zh": "美国人口普查局"}[lang]
    assert names in {row["Source" if lang == "en" else "数据来源"] for row in rows}
    captions = " ".join(c.value for c in app.caption)
    assert "`https://comtradedeveloper.un.org`" in captions and "`COMTRADE_API_KEY`" in captions
    assert "`python -m tracker fetch --source baci`" in captions  # the sample store holds no BACI release
    if lang == "zh":
        assert not english_words(app_texts(app))


def test_app_status_names_the_stored_baci_release_and_its_years(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    archive = write_zip(tmp_path / "baci", release_files({2021: ROWS_2022, 2022: ROWS_2022}))
    import_baci(Store(data), archive, progress=False)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data))
    app = open_page("status", "en")
    captions = " ".join(c.value for c in app.caption)
    assert "BACI in the store: HS revision HS17, version V202601, years 2021–2022." in captions
    zh = " ".join(c.value for c in open_page("status", "zh").caption)
    assert "已存储的 BACI 数据：HS 版本 HS17，数据版本 V202601，年份 2021–2022。" in zh
