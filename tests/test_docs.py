"""Every configuration key and every CLI command is documented in the README (datasette-style)."""

from __future__ import annotations

import re
import tomllib

from tracker.cli import COMMANDS
from tracker.config import CRON_FIELDS, REPO_ROOT

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


def test_docs_every_numeric_setting_states_its_bounds() -> None:
    """Each key of tracker.config.BOUNDS has a row of the README's bounds table stating the range the loader uses."""
    from tracker.config import BOUNDS

    table = README.split("### Bounds of numeric settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for key, bound in BOUNDS.items():
        row = next((line for line in rows if f"`{key}`" in line.split(" | ")[0]), None)
        assert row is not None, f"{key}: no row in the README's bounds table"
        assert f"| {bound.expected} |" in row, f"{key}: the README does not say {bound.expected!r}"
