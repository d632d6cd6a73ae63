"""Every configuration key and every CLI command is documented in the README (datasette-style), and the Quick
start shows the plan of the shipped config."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.budget import default_sources, format_plan, plan_fetch
from tracker.cli import COMMANDS
from tracker.config import CRON_FIELDS, REPO_ROOT, load_config
from tracker.sources.base import FetchScope
from tracker.store import Store

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _keys(table: dict, skip_children_of: tuple[str, ...] = ()) -> set[str]:
    keys: set[str] = set()
    for key, value in table.items():
        keys.add(key)
        if isinstance(value, dict) and key not in skip_children_of:
            keys |= _keys(value)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                keys |= _keys(item)
    return keys


def _in_code_span(word: str) -> bool:
    return re.search(rf"`[^`\n]*\b{re.escape(word)}\b[^`\n]*`", README) is not None


def test_docs_every_config_key_is_in_readme() -> None:
    source_ids = {"comtrade", "census", "comext", "eurostat_ecommerce", "worldbank", "monthly", "annual"}
    for name in ("product_groups.toml", "sources.toml", "schedule.toml"):
        with open(REPO_ROOT / "config" / name, "rb") as handle:
            keys = _keys(tomllib.load(handle))
        missing = sorted(k for k in keys - source_ids - {"group", "fetch"} if not _in_code_span(k))
        assert not missing, f"{name}: keys not documented in README: {missing}"
    for field in CRON_FIELDS:
        assert f"`{field}`" in README


def test_docs_every_cli_command_is_in_readme() -> None:
    for command in COMMANDS:
        assert f"`{command.name}`" in README, command.name


def test_docs_readme_opens_with_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start and "make test" in quick_start
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "make test"


def test_docs_quick_start_shows_the_plan_of_the_shipped_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The Quick start's plan is `fetch --plan` as it prints now (shipped config, empty store, no key)."""
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("CENSUS_API_KEY", raising=False)
    config = load_config(REPO_ROOT / "config")
    sources, left_out = default_sources(config)
    scope = FetchScope(groups=config.groups)
    shown_on = datetime(2026, 12, 1, tzinfo=UTC)  # BACI's likely years follow the calendar: the README's day
    plan = plan_fetch(config, Store(tmp_path / "data"), sources, scope, left_out, now=lambda: shown_on)
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    shown = quick_start.split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == format_plan(plan, config) + "\n"
    monkeypatch.setenv("COMTRADE_API_KEY", "k")
    [keyed] = plan_fetch(config, Store(tmp_path / "data"), ["comtrade"], scope, now=lambda: shown_on).sources
    assert f"({keyed.requests} requests, about {keyed.minutes:.0f} minutes)" in quick_start


def test_docs_every_numeric_setting_states_its_bounds() -> None:
    """Each key of tracker.config.BOUNDS has a row of the README's bounds table stating the range the loader uses."""
    from tracker.config import BOUNDS

    table = README.split("### Bounds of numeric settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for key, bound in BOUNDS.items():
        row = next((line for line in rows if f"`{key}`" in line.split(" | ")[0]), None)
        assert row is not None, f"{key}: no row in the README's bounds table"
        assert f"| {bound.expected} |" in row, f"{key}: the README does not say {bound.expected!r}"
