"""The docs against the code: every setting (from its declaration in tracker/config.py), every CLI command and
flag (from the argparse parsers of tracker/cli.py), every table (from the schemas) is documented in docs/; the
README stays a short introduction whose Quick start shows the plan of the shipped config."""

from __future__ import annotations

import argparse
import importlib.util
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from tracker.budget import default_sources, format_plan, plan_fetch
from tracker.cli import COMMANDS, build_parser
from tracker.config import BOUNDS, CRON_FIELDS, REPO_ROOT, SETTINGS_TABLES, declared, load_config, settings_reference
from tracker.sources.base import FetchScope
from tracker.store import Store
from tracker.tables import TABLES as CATALOGUE

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
DOCS = REPO_ROOT / "docs"
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
CLI = (DOCS / "cli.md").read_text(encoding="utf-8")
MAX_README_LINES = 250


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


def _in_code_span(text: str, word: str) -> bool:
    return re.search(rf"`[^`\n]*(?<![\w-]){re.escape(word)}(?![\w-])[^`\n]*`", text) is not None


def test_docs_readme_is_short() -> None:
    lines = len(README.splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines; the reference belongs in docs/"


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


def test_docs_links_resolve() -> None:
    """Every relative link of the README and docs/ names a file that exists; the README links every docs file."""
    pages = {REPO_ROOT / "README.md": README} | {path: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")}
    for page, text in pages.items():
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (page.parent / target).exists(), f"{page.name}: link to missing {target}"
    assert len(pages) > 10  # the walk found the docs
    for path in DOCS.glob("*.md"):
        assert f"](docs/{path.name})" in README, f"README does not point at docs/{path.name}"


def _generator() -> ModuleType:
    """scripts/docs.py, the generator of docs/configuration.md's and docs/tables.md's reference parts."""
    spec = importlib.util.spec_from_file_location("docs_generator", REPO_ROOT / "scripts" / "docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(file: str, start: str, end: str) -> str:
    text = (DOCS / file).read_text(encoding="utf-8")
    assert text.count(start) == 1 and text.count(end) == 1, f"docs/{file}: the generated block's markers"
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def test_docs_configuration_tables_are_generated_from_the_declarations() -> None:
    """docs/configuration.md holds exactly what settings_reference() renders (run scripts/docs.py)."""
    generator = _generator()
    assert _generated(*generator.SETTINGS) == settings_reference().strip(), \
        "docs/configuration.md is stale: run python scripts/docs.py"


def test_docs_tables_reference_is_generated_from_the_schemas() -> None:
    """docs/tables.md holds every catalogued table's columns as the schemas declare them (run scripts/docs.py)."""
    generator = _generator()
    text = _generated(*generator.TABLES)
    assert text == generator.tables_reference().strip(), "docs/tables.md is stale: run python scripts/docs.py"
    for name, schema in CATALOGUE.items():
        assert f"## `{name}`" in text
        for column in schema.columns:
            assert f"| `{column.name}` |" in text.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0], (name, column)


def test_docs_every_declared_setting_has_a_row_with_its_bounds() -> None:
    """Each declared key has a row in its file's table; a number's row states the range the loader enforces."""
    tables = {f"### `{file}` `{table}`": cls for file, table, cls in SETTINGS_TABLES}
    sections = CONFIGURATION.split("\n### ")
    count = 0
    for title, cls in tables.items():
        section = next(part for part in sections if f"### {part}".startswith(title))
        for field in declared(cls):
            row = next((line for line in section.splitlines() if line.startswith(f"| `{field.name}` |")), None)
            assert row is not None, f"{title}: no row for {field.name}"
            assert field.metadata["help"].split(" (")[0] in row, f"{title} {field.name}: its help is not shown"
            if field.name in BOUNDS:
                assert f"| {BOUNDS[field.name].expected} |" in row, f"{field.name}: range not stated"
            count += 1
    assert count >= 50  # every file's settings were walked


def test_docs_every_key_of_the_shipped_config_is_documented() -> None:
    """A key in config/*.toml that no declaration names (and the docs do not show) fails here."""
    source_ids = {"comtrade", "census", "comext", "eurostat_ecommerce", "worldbank", "wits", "baci", "imf_weo",
                  "monthly", "annual"}
    for path in sorted((REPO_ROOT / "config").glob("*.toml")):
        with open(path, "rb") as handle:
            keys = _keys(tomllib.load(handle))
        missing = sorted(k for k in keys - source_ids - {"group", "fetch", "reports", "sources"}
                         if not _in_code_span(CONFIGURATION, k))
        assert not missing, f"{path.name}: keys not documented in docs/configuration.md: {missing}"
    for field in CRON_FIELDS:
        assert f"`{field}`" in CONFIGURATION


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    """Every long option of a parser and of its subcommands (``import baci``), and the choices of its positional
    arguments (``store check``, ``store repair``)."""
    flags: set[str] = set()
    for action in parser._actions:
        flags |= {option for option in action.option_strings if option.startswith("--")}
        if not action.option_strings and action.choices and not isinstance(action, argparse._SubParsersAction):
            flags |= {str(choice) for choice in action.choices}
    for sub in _subparsers(parser).values():
        flags |= _flags(sub)
    return flags - {"--help"}


@pytest.mark.parametrize("command", [command.name for command in COMMANDS])
def test_docs_every_cli_flag_is_in_docs_cli(command: str) -> None:
    row = next((line for line in CLI.splitlines() if line.startswith(f"| `{command}")), None)
    assert row is not None, f"docs/cli.md has no row for {command}"
    assert f"`{command}`" in README, f"README's command table does not name {command}"
    parser = _subparsers(build_parser(command))[command]
    flags = _flags(parser)
    assert flags or _subparsers(parser), command
    missing = sorted(flag for flag in flags if not _in_code_span(row, flag))
    assert not missing, f"docs/cli.md, {command}: flags not documented: {missing}"
    for name in _subparsers(parser):
        assert _in_code_span(row, name), f"docs/cli.md, {command}: subcommand {name} not documented"


def test_docs_every_table_is_explained_in_the_prose() -> None:
    """Beyond the generated reference, every table the store knows is named where the docs explain it."""
    tables = CATALOGUE
    assert {"trade", "group_market", "alerts", "job_runs"} <= set(tables)
    prose = "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md"))
                      if path.name != "tables.md")
    missing = sorted(name for name in tables if f"`{name}`" not in prose)
    assert not missing, f"tables not explained in docs/: {missing}"


def test_docs_bench_ui_writes_docs_not_the_readme() -> None:
    from bench_ui.__main__ import END, PERFORMANCE_DOC, START

    assert PERFORMANCE_DOC == DOCS / "performance.md"
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    assert text.index(START) < text.index(END)
    assert START not in README
