"""The findings on the Overview and Product group pages (AppTest, both languages), their download, and the
optional AI paragraph against a loopback OpenAI-compatible stand-in."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.app_helpers import open_page
from tests.loopback import Server, loopback, send
from tests.zh_text import english_words
from tracker.config import Config
from tracker.findings import FindingInputs, exporter_findings, findings_frame, group_findings
from tracker.store import Store

ITEM = re.compile(r'<li>(.*?) <a href="([^"]*)"[^>]*>(.*?)</a></li>')


def findings_items(app) -> list[tuple[str, str, str]]:
    """(sentence, link, link text) of each finding the page listed."""
    markup = next(h.value for h in app.get("html") if "tracker-findings" in h.value)
    return [(unescape(text), unescape(link), unescape(label)) for text, link, label in ITEM.findall(markup)]


@pytest.fixture(autouse=True)
def no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACKER_LLM_BASE_URL", "TRACKER_LLM_MODEL", "TRACKER_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", ["overview", "group"])
def test_app_findings_listed_on_top_with_links(app_store: Path, config: Config, page: str, lang: str) -> None:
    app = open_page(page, lang, group="toys")
    inputs = FindingInputs.from_store(Store(app_store))
    home = config.scope.home_exporter
    expected = findings_frame(group_findings(inputs, "toys", home) if page == "group"
                              else exporter_findings(inputs, config.group_ids, home), config)
    items = findings_items(app)
    assert 3 <= len(items) <= 6
    assert [text for text, _, _ in items] == expected.get_column(f"text_{lang}").to_list()
    assert [link for _, link, _ in items] == expected.get_column(f"link_{lang}").to_list()
    assert all(link.startswith("./") and link.endswith(f"lang={lang}") for _, link, _ in items)
    assert app.subheader[0].value == {"en": "Findings", "zh": "要点"}[lang]
    if lang == "zh":
        assert not english_words(text + label for text, _, label in items)
        assert all("亿美元" in text or "万美元" in text for text, _, _ in items)


def _chat(content: str):
    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 200, json.dumps({"choices": [{"message": {"content": content}}]}).encode(),
             Content_Type="application/json")
    return respond


def test_app_findings_ai_rewrite_with_an_invented_number_falls_back(app_store: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with loopback(_chat("China gained 987.6 pp everywhere.")) as server:
        monkeypatch.setenv("TRACKER_LLM_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("TRACKER_LLM_MODEL", "invented-numbers")
        app = open_page("group", "zh", group="toys")
    assert server.arrived() >= 1 and {path for path, _ in server.seen} == {"/v1/chat/completions"}
    assert not [h for h in app.get("html") if "tracker-findings-ai" in h.value]
    assert any("未显示 AI 摘要" in c.value and "987.6" in c.value for c in app.caption)
    assert len(findings_items(app)) >= 3  # the deterministic findings stay


def test_app_findings_ai_rewrite_with_known_numbers_is_shown(app_store: Path, config: Config,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    found = group_findings(FindingInputs.from_store(Store(app_store)), "toys", config.scope.home_exporter)
    number = re.search(r"\d+\.\d+ pp", findings_frame(found, config).get_column("text_en").str.join("\n")[0])
    assert number is not None
    with loopback(_chat(f"In short: a move of {number.group(0)} stands out.")) as server:
        monkeypatch.setenv("TRACKER_LLM_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("TRACKER_LLM_MODEL", "faithful")
        app = open_page("group", "en", group="toys")
    paragraph = next(h.value for h in app.get("html") if "tracker-findings-ai" in h.value)
    assert f"a move of {number.group(0)} stands out" in paragraph
    assert any("every number in it was checked" in c.value for c in app.caption)


def test_app_findings_without_the_model_variable_ask_nothing(app_store: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with loopback(_chat("never asked")) as server:
        monkeypatch.setenv("TRACKER_LLM_BASE_URL", f"{server.url}/v1")  # TRACKER_LLM_MODEL not set: off
        app = open_page("overview", "en")
    assert server.arrived() == 0
    assert not any("AI summary" in c.value for c in app.caption)
    assert findings_items(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_findings_offered_on_the_downloads_page(app_store: Path, lang: str) -> None:
    app = open_page("downloads", lang, group="toys")
    assert {"en": "Findings", "zh": "要点"}[lang] in [s.value for s in app.subheader]
    labels = [b.label for b in app.get("download_button")]
    assert {"CSV", "Excel", "Parquet"} <= set(labels)


def test_app_findings_with_a_damaged_table_leave_a_note_and_the_page_works(
        metrics_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "data"
    shutil.copytree(metrics_store, root)
    table = root / "group_competition"
    victim = sorted((table / (table / "CURRENT").read_text().strip()).rglob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    app = open_page("overview", "zh")
    assert not app.error  # the overview's own table does not read group_competition
    assert any("`group_competition`" in c.value and "store check" in c.value for c in app.caption)
    assert not [h for h in app.get("html") if "tracker-findings" in h.value]
    assert [h for h in app.get("html") if "tracker-table" in h.value]  # the groups table is still there
