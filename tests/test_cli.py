"""`python -m tracker`: help for every command, and sample + status on an empty store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import cli
from tracker.cli import COMMANDS
from tracker.commands.arguments import parse_years
from tracker.config import REPO_ROOT
from tracker.errors import UsageError


def _tracker(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "TRACKER_DATA_DIR": str(data_dir)}, timeout=300,
    )


def test_cli_help_lists_every_command(tmp_path: Path) -> None:
    result = _tracker("--help", data_dir=tmp_path)
    assert result.returncode == 0
    for command in COMMANDS:
        assert command.name in result.stdout and command.help[:40] in " ".join(result.stdout.split())


def _modules_loaded_by(*args: str, data_dir: Path | None = None) -> set[str]:
    """The tracker command modules and heavy libraries a fresh interpreter has imported after ``args``."""
    code = ("import sys\nfrom tracker import cli\ntry:\n    cli.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('loaded:', *(m for m in sys.modules if m.startswith('tracker.commands.') or m in "
            "('polars', 'httpx', 'apscheduler')))")
    env = {**os.environ, **({"TRACKER_DATA_DIR": str(data_dir)} if data_dir else {})}
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=True, timeout=300, env=env)
    assert "loaded:" in result.stdout, result.stderr
    return set(result.stdout.rsplit("loaded:", 1)[1].split())


def test_cli_help_imports_no_command_module() -> None:
    """--help lists every command from cli.COMMANDS alone; a command's module loads only when it is named."""
    assert _modules_loaded_by("--help") == set()
    loaded = _modules_loaded_by("groups", "--help")
    assert "tracker.commands.groups" in loaded
    assert not loaded & {"tracker.commands.fetch", "tracker.commands.schedule", "polars", "apscheduler"}, loaded


def test_cli_metrics_on_a_current_store_imports_no_polars(metrics_store: Path) -> None:
    """The no-op answer checks the fingerprint before validating the config (which takes Polars)."""
    assert "polars" not in _modules_loaded_by("metrics", data_dir=metrics_store)


def test_cli_chosen_command_skips_global_options() -> None:
    assert cli.chosen_command(["-v", "fetch", "--years", "2023"]) == "fetch"
    assert cli.chosen_command(["--verbose"]) is None
    assert cli.chosen_command([]) is None


@pytest.mark.parametrize("command", [command.name for command in COMMANDS])
def test_cli_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """In process (argparse exits after printing); the module entry point is covered by the test above."""
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
    assert f"python -m tracker {command}" in capsys.readouterr().out


def test_cli_sample_then_status_prints_counts(tmp_path: Path) -> None:
    data_dir = tmp_path / "empty"
    sample = _tracker("sample", data_dir=data_dir)
    assert sample.returncode == 0, sample.stderr
    written = {line.split(":")[0]: line for line in sample.stdout.splitlines() if "sample rows written" in line}
    assert set(written) == {"trade", "ecommerce", "macro", "tariff", "weo", "capital"}
    status = _tracker("status", data_dir=data_dir)
    assert status.returncode == 0, status.stderr
    trade_line = next(line for line in status.stdout.splitlines() if line.startswith("│ trade"))
    trade_rows = written["trade"].split(":")[1].split()[0]
    assert trade_rows in trade_line  # the count printed by status equals what sample wrote
    assert "sample" in trade_line and "2015" in trade_line
    again = _tracker("sample", "--if-empty", data_dir=data_dir)
    assert "already holds data; sample not written" in again.stdout


def test_cli_groups_lists_codes_in_both_languages(tmp_path: Path) -> None:
    english = _tracker("groups", data_dir=tmp_path)
    chinese = _tracker("groups", "--lang", "zh", data_dir=tmp_path)
    assert "toys" in english.stdout and "9503, 9504, 9505" in english.stdout
    assert "玩具" in chinese.stdout


def test_cli_status_on_empty_store_says_so(tmp_path: Path) -> None:
    result = _tracker("status", data_dir=tmp_path / "nothing")
    assert result.returncode == 0
    assert "no data yet" in result.stdout


@pytest.mark.parametrize("command", [["fetch"], ["export", "--table", "trade", "--format", "csv", "--out", "x.csv"]])
def test_cli_years_are_read_the_same_way_by_fetch_and_export(
    config_dir: Path, data_dir: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([*command, "--years", "2023,1800,20x4"]) == 2
    assert "--years: '1800', '20x4' is not a year or a range of years (first-last) between 1990 and 2100" in (
        capsys.readouterr().err)


def test_cli_parse_years_sorts_and_deduplicates() -> None:
    assert parse_years("2023, 2021,2023") == (2021, 2023)
    assert parse_years(None) is None
    with pytest.raises(UsageError, match="--years: ' , ' is not a year"):
        parse_years(" , ")
