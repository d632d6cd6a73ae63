"""The store seen from the command line: `store check|repair`, one message for a damaged file or a full disk,
and exit 1 for a fetch whose answers break the validation rules (against a loopback server)."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import polars as pl
import pytest

from tests.conftest import trade_rows
from tests.fetch_helpers import comtrade_answer, no_comtrade_key  # noqa: F401  (autouse fixture)
from tracker import cli
from tracker.store import Store
from tracker.tables import MACRO

FETCH_ARGS = ["fetch", "--source", "comtrade", "--groups", "toys", "--reporters", "CHN", "--years", "2020",
              "--no-progress", "--no-cache"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _one_error_line(err: str) -> str:
    """The single `error:` line of a run that failed on purpose; never a traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


# ------------------------------------------------------------------------------------------ store check|repair
def test_store_check_and_repair_commands_fix_an_empty_pointer(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store.upsert("trade", trade_rows([{"period": "2022"}, {"period": "2023"}]))
    store.upsert("macro", pl.DataFrame(
        [{"source": "worldbank", "indicator": "SP.POP.TOTL", "indicator_label": None, "market": "CHN",
          "period": "2023", "year": 2023, "value": 1.41e9, "unit": "persons",
          "fetched_at": datetime(2025, 6, 1, tzinfo=UTC)}],
        schema=MACRO.polars_schema))
    assert _run(["store", "check"], capsys)[0] == 0
    (store.root / "trade" / "CURRENT").write_text("")

    code, out, _ = _run(["store", "check"], capsys)
    assert code == 1
    assert re.search(r"^trade\s+DAMAGED", out, re.MULTILINE) and re.search(r"^macro\s+ok", out, re.MULTILINE)
    assert "is empty" in out and "store repair" in out

    code, out, _ = _run(["store", "repair"], capsys)
    assert code == 0 and re.search(r"^trade\s+repaired\s+CURRENT now names v000001", out, re.MULTILINE)
    assert _run(["store", "check"], capsys)[0] == 0
    assert store.read("trade").height == 2


def test_store_command_refuses_an_unknown_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["store", "fix"])
    assert exited.value.code == 2 and "invalid choice: 'fix'" in capsys.readouterr().err


# ------------------------------------------------------------------------------- a truncated file, every command
@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few trade rows and the metric tables computed from them (built once; tests work on copies)."""
    root = tmp_path_factory.mktemp("small") / "data"
    store = Store(root)
    rows = [{"flow": "import", "reporter": market, "partner": partner, "hs_code": "9503", "period": str(year),
             "value_usd": 100.0 * (index + 1) + year}
            for year in (2022, 2023) for market in ("USA", "DEU")
            for index, partner in enumerate(("CHN", "VNM", "WLD"))]
    store.upsert("trade", trade_rows(rows))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKER_DATA_DIR", str(root))
        assert cli.main(["metrics", "--quiet"]) == 0
    return root


def _damaged_copy(small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str) -> Path:
    """A copy of the small store with one data file of ``table`` cut in half; returns that file."""
    root = tmp_path / "data"
    shutil.copytree(small_store, root)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    damaged = sorted(Store(root).files(table))[0]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    return damaged


@pytest.mark.parametrize(
    ("table", "argv"),
    [
        ("trade", ["status"]),
        ("trade", ["metrics", "--quiet", "--force"]),
        ("trade", ["export", "--table", "trade", "--format", "csv", "--out", "{tmp}/trade.csv"]),
        ("group_market", ["report", "--group", "toys", "--period", "2023", "--lang", "en", "--format", "md",
                          "--out", "{tmp}/reports"]),
        ("group_market", ["alerts"]),
    ],
    ids=["status", "metrics", "export", "report", "alerts"],
)
def test_cli_truncated_partition_gives_one_message_naming_the_file(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    table: str, argv: list[str],
) -> None:
    damaged = _damaged_copy(small_store, tmp_path, monkeypatch, table)
    code, _, err = _run([arg.format(tmp=tmp_path) for arg in argv], capsys)
    line = _one_error_line(err)
    assert code == 2
    assert str(damaged) in line and "is not a whole Parquet file" in line and "store check" in line
    assert not (tmp_path / "trade.csv").exists()


@pytest.mark.parametrize("argv", [["report", "--group", "toys", "--period", "2023", "--lang", "en", "--format", "md",
                                   "--out", "{tmp}/reports"], ["alerts"]], ids=["report", "alerts"])
def test_cli_report_and_alerts_do_not_read_a_truncated_trade_partition(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    """They read the metric tables only: a damaged trade file leaves them working, with no traceback."""
    _damaged_copy(small_store, tmp_path, monkeypatch, "trade")
    code, _, err = _run([arg.format(tmp=tmp_path) for arg in argv], capsys)
    assert code == 0 and "Traceback" not in err


# ------------------------------------------------------------------------------------- fetch through loopback
class _Comtrade(BaseHTTPRequestHandler):
    """Comtrade's preview on 127.0.0.1: good answers of the real shape, or `"abc"` values while ``poisoned``."""

    poisoned: ClassVar[bool] = True
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        request = httpx.Request("GET", f"http://loopback{self.path}")
        type(self).asked.append(f"{request.url.params['flowCode']}/{request.url.params['cmdCode']}")
        body = comtrade_answer(request)
        if type(self).poisoned and request.url.params["flowCode"] == "X":
            body = re.sub(rb'"primaryValue": [0-9.]+', b'"primaryValue": "abc"', body, count=1)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads what was asked from ``asked``."""


@pytest.fixture
def comtrade_server(config_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Comtrade]]:
    """A loopback Comtrade, the config pointed at it and its rate limit lifted."""
    sources = config_dir / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("requests_per_minute = 30",
                                                                   "requests_per_minute = 100000"), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Comtrade)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TRACKER_COMTRADE_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    _Comtrade.poisoned, _Comtrade.asked = True, []
    yield _Comtrade
    server.shutdown()
    server.server_close()
    thread.join()


def test_fetch_bad_values_exit_1_write_nothing_and_are_fetched_again(
    comtrade_server: type[_Comtrade], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(FETCH_ARGS, capsys)
    assert code == 1 and "2 request(s) failed" in err
    store = Store(data_dir)
    assert set(store.read("trade").get_column("flow")) == {"import"}  # no row of the bad export answers
    failed = store.read("fetch_log").filter(pl.col("status") == "failed")
    assert failed.height == 2
    assert all("primaryValue is 'abc': not a number" in error for error in failed.get_column("error"))

    comtrade_server.poisoned, comtrade_server.asked = False, []
    code, _, _ = _run(FETCH_ARGS, capsys)
    assert code == 0
    assert sorted(comtrade_server.asked) == ["X/9503,9504", "X/9505,TOTAL"]  # only the failed ones again
    assert set(store.read("trade").get_column("flow")) == {"import", "export"}


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to make a real write fail with ENOSPC")
def test_fetch_on_a_full_disk_logs_the_failure_and_stops_with_one_message(
    comtrade_server: type[_Comtrade], data_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Trade partitions go to /dev/full (ENOSPC from the OS); the small fetch_log rows still fit."""
    comtrade_server.poisoned = False
    real_write = pl.DataFrame.write_parquet

    def write(self: pl.DataFrame, path: Path, **options: object) -> None:
        real_write(self, "/dev/full" if "/trade/" in str(path) else path, **options)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", write)
    code, _, err = _run(FETCH_ARGS, capsys)
    line = _one_error_line(err)
    assert code == 2 and "disk is full" in line and "writing table 'trade'" in line
    store = Store(data_dir)
    assert not store.has_data("trade")
    log = store.read("fetch_log")
    failed = log.filter(pl.col("status") == "failed")
    assert failed.height == 1 and "disk is full" in failed.item(0, "error")
    assert set(log.get_column("status")) <= {"failed", "interrupted"}


@pytest.mark.parametrize("command", [["metrics", "--quiet", "--force"],
                                     ["export", "--table", "trade", "--format", "csv", "--out", "OUT"]])
def test_cli_file_damaged_inside_gives_one_line(command: list[str], data_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Intact head and footer, zeroed pages inside: whichever layer meets it, one `error:` line and exit 2."""
    from tests.test_store import big_frame

    store = Store(data_dir)
    store.upsert("trade", big_frame(20_000))
    damaged = max(store.files("trade"), key=lambda path: path.stat().st_size)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 3:len(data) // 3 + 2000] = bytes(2000)
    damaged.write_bytes(bytes(data))
    argv = [str(tmp_path / "out.csv") if part == "OUT" else part for part in command]
    code, _, err = _run(argv, capsys)
    assert code == 2
    assert "store check" in _one_error_line(err)
    assert not (tmp_path / "out.csv").exists()


# ------------------------------------------------------------------ a damaged metric table is rebuilt, not stuck
def _stored_copy(small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    shutil.copytree(small_store, root)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    return root


def test_metrics_force_rebuilds_a_truncated_metric_table_that_repair_cannot(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """group_market's only version cut in half: `store repair` has nothing to point at and says what rebuilds
    it; `metrics --force` (which used to refuse, checking the old files) writes it again; `store check` is clean."""
    expected = Store(small_store).read("group_market")
    damaged = _damaged_copy(small_store, tmp_path, monkeypatch, "group_market")
    assert Store(tmp_path / "data").versions("group_market") == ["v000001"]

    code, out, _ = _run(["store", "check"], capsys)
    assert code == 1 and "`python -m tracker metrics --force` rebuilds them" in out
    code, out, _ = _run(["store", "repair"], capsys)
    assert code == 1
    assert re.search(r"^group_market\s+NOT REPAIRED .*computed from the stored data; `python -m tracker metrics "
                     r"--force` rebuilds it$", out, re.MULTILINE)
    assert "fetch that source and year again" not in out

    code, out, err = _run(["metrics", "--force", "--quiet"], capsys)
    assert code == 0 and not err, err
    assert _run(["store", "check"], capsys)[0] == 0
    rebuilt = Store(tmp_path / "data").read("group_market")
    assert rebuilt.drop("newest_fetch").equals(expected.drop("newest_fetch")) and rebuilt.height > 0
    assert damaged.exists()  # the damaged version is kept as the predecessor, not deleted by guesswork


@pytest.mark.parametrize("damage", ["truncated", "missing version", "empty pointer"])
def test_metrics_and_startup_see_a_damaged_metric_table_as_stale(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    """Without --force too: the tables are not "current" while one of them is damaged; the start-up and
    `metrics` recompute it and the store checks clean."""
    from tracker import startup

    root = _stored_copy(small_store, tmp_path, monkeypatch)
    pointer = root / "group_market" / "CURRENT"
    if damage == "truncated":
        part = sorted((root / "group_market" / "v000001").rglob("*.parquet"))[0]  # one year's file
        part.write_bytes(part.read_bytes()[:100])
    else:
        pointer.write_text("v000077" if damage == "missing version" else "")
    assert _run(["store", "check"], capsys)[0] == 1

    assert startup.prepare().startswith("metrics computed and written")
    assert _run(["store", "check"], capsys)[0] == 0
    assert pointer.read_text() == "v000002"
    code, out, _ = _run(["metrics"], capsys)
    assert code == 0 and "metric tables are current" in out

    (root / "group_exporter" / "CURRENT").write_text("v000077")  # and `metrics` alone
    code, out, err = _run(["metrics", "--quiet"], capsys)
    assert code == 0 and "metrics computed" in out and not err
    assert _run(["store", "check"], capsys)[0] == 0


def test_metrics_names_a_trade_pointer_to_a_missing_version(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Not "holds no trade data: run sample or fetch first": the data is there, its pointer is wrong."""
    root = _stored_copy(small_store, tmp_path, monkeypatch)
    (root / "trade" / "CURRENT").write_text("v000077")
    for argv in (["metrics"], ["metrics", "--force"]):
        code, out, err = _run(argv, capsys)
        line = _one_error_line(err)
        assert code == 2 and "holds no trade data" not in out
        assert "'v000077', which does not exist" in line and "store repair" in line
    code, out, _ = _run(["store", "repair"], capsys)
    assert code == 0 and re.search(r"^trade\s+repaired", out, re.MULTILINE)
    assert _run(["metrics", "--quiet"], capsys)[0] == 0
