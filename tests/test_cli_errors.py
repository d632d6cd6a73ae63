"""Bad command-line and config values: one clear message and the usage exit status (2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker import cli
from tracker.commands.arguments import parse_years
from tracker.commands.fetch import build_scope
from tracker.config import load_config
from tracker.errors import UsageError


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("schedule.toml", "misfire_grace_hours = 12", "misfire_grace_hours = inf",
         "misfire_grace_hours: expected a number from 0.01 to 8784; got inf"),
        ("schedule.toml", "misfire_grace_hours = 12", "misfire_grace_hours = 1e300",
         "misfire_grace_hours: expected a number from 0.01 to 8784; got 1e+300"),
        ("sources.toml", "read_timeout_seconds = 90", "read_timeout_seconds = inf",
         "http.read_timeout_seconds: expected a number from 0.1 to 3600; got inf"),
        ("sources.toml", "read_timeout_seconds = 90", "read_timeout_seconds = nan",
         "http.read_timeout_seconds: expected a number from 0.1 to 3600; got nan"),
        ("sources.toml", "requests_per_minute = 30", "requests_per_minute = nan",
         "sources.comtrade.requests_per_minute: expected a number from 0.01 to 100,000; got nan"),
        ("alerts.toml", "threshold_pp = 2.0", "threshold_pp = nan",
         "share_drop.threshold_pp: expected a number from 0.01 to 100; got nan"),
        ("alerts.toml", "min_market_imports_usd = 1_000_000", "min_market_imports_usd = inf",
         "share_drop.min_market_imports_usd: expected a number from 0 to 1,000,000,000,000,000; got inf"),
        # issue 21: values with no upper bound were accepted and failed far from their cause
        ("sources.toml", "max_concurrency = 4", "max_concurrency = 1000000000",
         "http.max_concurrency: expected a whole number from 1 to 64; got 1000000000"),
        ("sources.toml", "requests_per_minute = 30", "requests_per_minute = 1e-300",
         "sources.comtrade.requests_per_minute: expected a number from 0.01 to 100,000; got 1e-300"),
        ("alerts.toml", "webhook_max_attempts = 3", "webhook_max_attempts = 99999999999999999999",
         "webhook_max_attempts: expected a whole number from 1 to 10; got 99999999999999999999"),
        ("schedule.toml", 'month = "3"\nday = "1"', 'month = "2"\nday = "30"',
         "reports.annual: expected cron fields that match a future date (these never fire"),
    ],
)
def test_cli_config_value_gives_one_message_and_status_2(
    config_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], file: str, old: str, new: str,
    expected: str,
) -> None:
    _edit(config_dir / file, old, new)
    assert cli.main(["groups"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and file in err and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_startup_config_error_is_the_cli_message(config_dir: Path, data_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m tracker.startup` (make run) reports a bad config as the CLI does: one line, status 2."""
    from tracker import startup

    _edit(config_dir / "sources.toml", "read_timeout_seconds = 90", "read_timeout_seconds = inf")
    assert startup.main() == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "http.read_timeout_seconds: expected a number from 0.1 to 3600" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_config_utf16_file_gives_one_message(config_dir: Path, data_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = config_dir / "alerts.toml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert cli.main(["groups"]) == 2
    err = capsys.readouterr().err
    assert "alerts.toml: (encoding): expected a UTF-8 text file" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_fetch_years_with_non_ascii_digits_is_refused(config_dir: Path, data_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "--years", "²⁰²³"]) == 2
    assert "--years: '²⁰²³' is not a year" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value"), [("--source", ""), ("--groups", ""), ("--reporters", " , "),
                                             ("--source", ",")])
def test_cli_fetch_empty_list_is_not_all(config_dir: Path, data_dir: Path, capsys: pytest.CaptureFixture[str],
                                         flag: str, value: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["fetch", flag, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: {value!r} names nothing" in err and "Traceback" not in err


def test_cli_fetch_reporters_are_deduplicated(config_dir: Path) -> None:
    args = cli.build_parser("fetch").parse_args(["fetch", "--reporters", "CHN,chn, Chn,usa", "--groups", "toys,toys"])
    _, scope = build_scope(args, load_config())
    assert scope.reporters == ("CHN", "USA")
    assert [group.id for group in scope.groups] == ["toys"]


def test_cli_parse_years_accepts_ranges() -> None:
    assert parse_years("2020-2022") == (2020, 2021, 2022)
    assert parse_years("2024, 2019 - 2020,2020") == (2019, 2020, 2024)
    assert parse_years("2021–2022") == (2021, 2022), "the en dash the dashboard's labels write"
    for bad in ("2025-2020", "2020-", "2020-2025-2030", "1980-1995", "２０２３"):
        with pytest.raises(UsageError, match="is not a year or a range of years"):
            parse_years(bad)


def test_cli_config_utf8_with_bom_is_read(config_dir: Path, data_dir: Path) -> None:
    """Windows editors save UTF-8 with a byte-order mark; that file is still valid config."""
    path = config_dir / "alerts.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_config().alerts.share_drop.threshold_pp == 2.0


# ------------------------------------------------------------------ bounded whole numbers (issue 21, point 5)
@pytest.mark.parametrize(("args", "flag", "bounds"), [
    (["alerts", "--list", "--top", "99999999999999999999999"], "--top", "0 to 1,000,000"),  # OverflowError before
    (["alerts", "--top", "1000001"], "--top", "0 to 1,000,000"),
    (["alerts", "--top", "-1"], "--top", "0 to 1,000,000"),
    (["alerts", "--top", "2.5"], "--top", "0 to 1,000,000"),
    (["sample", "--seed", "-1"], "--seed", "0 to 4,294,967,295"),  # NumPy's ValueError traceback before
    (["sample", "--seed", "4294967296"], "--seed", "0 to 4,294,967,295"),
    (["sample", "--seed", "9" * 5000], "--seed", "0 to 4,294,967,295"),  # past int()'s 4,300-digit limit
    (["sample", "--seed", "²"], "--seed", "0 to 4,294,967,295"),
])
def test_cli_whole_number_out_of_bounds_is_a_usage_error(config_dir: Path, data_dir: Path,
                                                         capsys: pytest.CaptureFixture[str], args: list[str],
                                                         flag: str, bounds: str) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[-1] == f"python -m tracker {args[0]}: error: argument {flag}: {args[-1]!r} is not a whole number " \
        f"from {bounds}"
    assert lines[0].startswith("usage: ") and "Traceback" not in err
    assert not data_dir.exists()  # nothing was written


def test_cli_whole_numbers_at_their_bounds_are_taken() -> None:
    import numpy as np

    from tracker.commands.sample import MAX_SEED

    top = cli.build_parser("alerts").parse_args
    seed = cli.build_parser("sample").parse_args
    assert [top(["alerts", "--top", value]).top for value in ("0", "1000000", " 7 ")] == [0, 1_000_000, 7]
    assert [seed(["sample", "--seed", value]).seed for value in ("0", "4294967295")] == [0, MAX_SEED]
    np.random.default_rng(MAX_SEED + 4)  # the sample seeds its tables with seed + 0 … 4: NumPy takes them all


def test_cli_deeply_nested_config_is_one_line(config_dir: Path, data_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (config_dir / "alerts.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert cli.main(["groups"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {config_dir / 'alerts.toml'}: (syntax): expected TOML nested at most a few dozen levels " \
        "deep\n"
