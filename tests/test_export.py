"""Exports: formula-injection safety, numbers stay numbers, xlsx round trip, filters, provenance, CLI errors."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.conftest import trade_rows
from tracker import cli
from tracker.config import REPO_ROOT, Config, load_config
from tracker.errors import ConfigError
from tracker.export import ExportError, export_bytes
from tracker.query import applied_filters, filtered_table
from tracker.store import Store

RISKY = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "plain", "a=b"]


def risky_frame() -> pl.DataFrame:
    return pl.DataFrame({"label": RISKY, "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -8.25],
                         "count": [-1, 2, 3, 4, 5, 6, 7, 8]})


def test_export_csv_neutralises_formula_cells() -> None:
    data = export_bytes(risky_frame(), "csv", table="t", filters={})
    labels = pl.read_csv(io.BytesIO(data)).get_column("label").to_list()
    assert labels == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tTAB", "'\rCR", "plain", "a=b"]


def test_export_csv_negative_numbers_untouched_and_numeric() -> None:
    data = export_bytes(risky_frame(), "csv", table="t", filters={})
    frame = pl.read_csv(io.BytesIO(data))
    assert frame.schema["value"] == pl.Float64 and frame.schema["count"] == pl.Int64
    assert frame.get_column("value").to_list()[:3] == [-1.5, 2.0, -3.0]
    assert b"\n'-" not in data.replace(b"'-2+3", b"")  # no number got a quote


def test_export_csv_bom_optional_and_deterministic() -> None:
    frame = risky_frame()
    plain = export_bytes(frame, "csv", table="t", filters={})
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert export_bytes(frame, "csv", table="t", filters={}, bom=True) == b"\xef\xbb\xbf" + plain
    assert export_bytes(frame, "csv", table="t", filters={}) == plain


def test_export_xlsx_same_values_and_provenance_sheet() -> None:
    frame = risky_frame().with_columns(sample=pl.lit(True))
    data = export_bytes(frame, "xlsx", table="trade", filters={"group": "toys"})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["data", "provenance"]
    rows = list(book["data"].iter_rows(values_only=True))
    assert list(rows[0]) == frame.columns
    # Text stays text, never a formula; XLSX stores a carriage return as the escape _x000D_.
    cells = [[c.replace("_x000D_", "\r") if isinstance(c, str) else c for c in r] for r in rows[1:]]
    assert cells == [list(r) for r in frame.rows()]
    provenance = dict(book["provenance"].iter_rows(min_row=2, values_only=True))
    assert provenance["table"] == "trade" and provenance["filters"] == "group=toys"
    assert provenance["sample data"] == "yes"
    assert export_bytes(frame, "xlsx", table="trade", filters={"group": "toys"}) == data


def test_export_parquet_keeps_columns() -> None:
    frame = risky_frame()
    assert pl.read_parquet(io.BytesIO(export_bytes(frame, "parquet", table="t", filters={}))).equals(frame)


def test_export_unknown_format_is_clear_error() -> None:
    with pytest.raises(ExportError, match="unknown format"):
        export_bytes(risky_frame(), "docx", table="t", filters={})


def stored_trade(store: Store) -> None:
    store.upsert("trade", pl.concat([
        trade_rows([
            {"reporter": "USA", "partner": "CHN", "hs_code": "950300", "period": "2022"},
            {"reporter": "USA", "partner": "CHN", "hs_code": "950300", "period": "2023"},
            {"reporter": "USA", "partner": "VNM", "hs_code": "9401", "period": "2023"},
            {"reporter": "CHN", "partner": "DEU", "flow": "export", "hs_code": "9503", "period": "2023"},
        ]),
        trade_rows([{"reporter": "DEU", "partner": "CHN", "hs_code": "9504", "period": "2023"}], source="sample"),
    ]))


def test_filtered_table_trade_filters_select_exactly(store: Store, config: Config) -> None:
    stored_trade(store)
    frame = filtered_table(store, "trade", group="toys", exporter="CHN", years=[2023], config=config).collect()
    # CHN's own exports and the markets' imports from CHN, toys codes only, 2023 only.
    got = sorted(frame.select("reporter", "partner", "hs_code", "period").rows())
    assert got == [("CHN", "DEU", "9503", "2023"), ("DEU", "CHN", "9504", "2023"), ("USA", "CHN", "950300", "2023")]
    assert dict(frame.select("source", "sample").unique().rows()) == {"comtrade": False, "sample": True}
    market = filtered_table(store, "trade", market="DEU", config=config).collect()
    assert sorted(market.select("reporter", "partner").rows()) == [("CHN", "DEU"), ("DEU", "CHN")]


def test_filters_only_apply_where_the_table_has_the_column(config: Config) -> None:
    described, _ = applied_filters("macro", group="toys", market="USA", years=[2023], config=config)
    assert described == {"market": "USA", "years": "2023"}


def test_filtered_table_flow_and_basis_select_exactly(store: Store, config: Config) -> None:
    stored_trade(store)
    exports = filtered_table(store, "trade", exporter="CHN", flow="export", config=config).collect()
    assert exports.select("reporter", "partner", "flow").rows() == [("CHN", "DEU", "export")]
    imports = filtered_table(store, "trade", exporter="CHN", flow="import", config=config).collect()
    assert sorted(imports.select("reporter", "period").rows()) == [("DEU", "2023"), ("USA", "2022"), ("USA", "2023")]
    store.upsert("trade", trade_rows([{"reporter": "JPN", "partner": "CHN", "provenance": "mirror"}]))
    mirror = filtered_table(store, "trade", basis="mirror", config=config).collect()
    assert mirror.select("reporter", "provenance").rows() == [("JPN", "mirror")]
    everything = filtered_table(store, "trade", basis="all", config=config).collect()
    assert everything.height == 6  # five stored by stored_trade, plus the mirror row


def test_flow_and_basis_are_recorded_only_where_they_apply(config: Config) -> None:
    described, _ = applied_filters("group_market", basis="mirror", flow="export", config=config)
    assert described == {"value_provenance": "mirror"}  # the sales value's provenance; no flow column
    described, _ = applied_filters("trade", years=[2023], basis="all", flow="export", config=config)
    assert described == {"years": "2023", "flow": "export", "frequency": "A"}  # "all" is no filter; annual default
    with pytest.raises(ExportError, match="unknown basis 'both'; expected one of all, reported, mirror"):
        applied_filters("trade", basis="both", config=config)
    with pytest.raises(ExportError, match="unknown flow 're_import'; expected one of import, export"):
        applied_filters("trade", flow="re_import", config=config)


def test_filtered_table_unknown_inputs_are_clear_errors(store: Store, config: Config) -> None:
    with pytest.raises(ExportError, match="unknown table"):
        filtered_table(store, "nope", config=config)
    with pytest.raises(ExportError, match="unknown market"):
        filtered_table(store, "trade", market="XXX", config=config)
    with pytest.raises(ConfigError, match="nope"):
        filtered_table(store, "trade", group="nope", config=config)


def test_export_cli_writes_file_and_refuses_unknown_table(store: Store, tmp_path) -> None:
    stored_trade(store)
    env = {**os.environ, "TRACKER_DATA_DIR": str(store.root), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    out = tmp_path / "trade.xlsx"
    command = [sys.executable, "-m", "tracker", "export", "--format", "xlsx", "--out", str(out)]
    run = subprocess.run([*command, "--table", "trade", "--market", "USA"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert openpyxl.load_workbook(out)["data"].max_row == 4  # header + USA's three import rows
    bad = subprocess.run([*command, "--table", "nope"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         check=False)
    assert bad.returncode == 2 and "unknown table 'nope'" in bad.stderr


def _mixed_frequency_trade(store: Store) -> None:
    """150 annual rows, then monthly rows: a CSV mixing them defeats type inference on the first 100 rows."""
    annual = [{"reporter": "USA", "partner": "CHN", "hs_code": f"9503{i:04d}", "period": str(2015 + i % 9),
               "value_usd": 1200.0} for i in range(150)]
    monthly = [{"reporter": "USA", "partner": "CHN", "hs_code": "950300", "period": f"2023-{m:02d}",
                "value_usd": 100.0} for m in range(1, 13)]
    store.upsert("trade", trade_rows(annual + monthly))


def test_export_trade_is_one_frequency_and_reads_back(store: Store, config_dir: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _mixed_frequency_trade(store)
    annual, monthly = tmp_path / "annual.csv", tmp_path / "monthly.csv"
    assert cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(annual)]) == 0
    assert "frequency=A" in capsys.readouterr().out
    assert cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(monthly),
                     "--frequency", "M"]) == 0
    read_annual, read_monthly = pl.read_csv(annual), pl.read_csv(monthly)  # no ComputeError on the mix
    assert read_annual.height == 150 and set(read_annual.get_column("frequency")) == {"A"}
    assert read_monthly.height == 12 and read_monthly.get_column("period").to_list()[0] == "2023-01"
    # One frequency per file: summing value_usd no longer double-counts 2023.
    assert read_monthly.get_column("value_usd").sum() == pytest.approx(1200.0)
    with pytest.raises(SystemExit) as exited:
        cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(annual), "--frequency", "Q"])
    assert exited.value.code == 2
    with pytest.raises(ExportError, match="unknown frequency 'Q'"):
        filtered_table(store, "trade", frequency="Q", config=load_config())


def test_export_years_accept_ranges(store: Store, config_dir: Path, tmp_path: Path) -> None:
    _mixed_frequency_trade(store)
    out = tmp_path / "range.csv"
    assert cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(out),
                     "--years", "2020-2022,2015"]) == 0
    assert sorted(set(pl.read_csv(out).get_column("year"))) == [2015, 2020, 2021, 2022]


def test_export_job_runs_table_exports(store: Store, config_dir: Path, tmp_path: Path) -> None:
    """job_runs has no source column; its sample flag is False instead of a ColumnNotFoundError."""
    out = tmp_path / "runs.csv"
    assert cli.main(["export", "--table", "job_runs", "--format", "csv", "--out", str(out)]) == 0
    assert "job_id" in out.read_text(encoding="utf-8").splitlines()[0]
    assert filtered_table(store, "job_runs", config=load_config()).collect().height == 0


FILE_SIZE_LIMIT = '''
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
from tracker.cli import main
sys.exit(main(sys.argv[1:]))
'''


def test_export_failed_write_leaves_no_partial_file(store: Store, tmp_path: Path) -> None:
    """A write that fails half-way (file-size limit: EFBIG) leaves the old file intact and no temporary file."""
    _mixed_frequency_trade(store)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    out = out_dir / "trade.csv"
    out.write_text("previous export\n", encoding="utf-8")
    env = {**os.environ, "TRACKER_DATA_DIR": str(store.root), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    run = subprocess.run([sys.executable, "-c", FILE_SIZE_LIMIT, "export", "--table", "trade", "--format", "csv",
                          "--out", str(out)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 2, run.stderr
    assert f"cannot write {out}" in run.stderr and "Traceback" not in run.stderr
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in out_dir.iterdir()] == ["trade.csv"]


# A disk that takes long to flush: the export is caught between writing its temporary file and renaming it.
SLOW_FLUSH = '''
import os, sys, time
os.fsync = lambda fd: time.sleep(60)
from tracker.cli import main
sys.exit(main(sys.argv[1:]))
'''


def _export_caught_mid_write(store: Store, out: Path) -> tuple[subprocess.Popen[str], Path]:
    """A real `export` subprocess, started and waited for until its temporary file is beside ``out``."""
    env = {**os.environ, "TRACKER_DATA_DIR": str(store.root), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    child = subprocess.Popen([sys.executable, "-c", SLOW_FLUSH, "export", "--table", "trade", "--format", "csv",
                              "--out", str(out)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        temporaries = [path for path in out.parent.iterdir() if path.name.startswith(f".{out.name}.")]
        if temporaries and temporaries[0].stat().st_size:
            return child, temporaries[0]
        time.sleep(0.05)
    child.kill()
    raise AssertionError(f"no temporary file appeared: {child.communicate()}")


def test_export_terminated_mid_write_removes_its_temporary_file(store: Store, tmp_path: Path) -> None:
    """SIGTERM: the export stops like after Ctrl-C (one line, status 130), with no temporary file left behind
    and the previous export untouched."""
    _mixed_frequency_trade(store)
    out = tmp_path / "trade.csv"
    out.write_text("previous export\n", encoding="utf-8")
    child, temporary = _export_caught_mid_write(store, out)
    try:
        assert str(child.pid) in temporary.name
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()  # no-op once it has ended; a failed assertion above must not leave it running
    assert child.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "trade.csv"]
    assert out.read_text(encoding="utf-8") == "previous export\n"


def test_export_killed_mid_write_leaves_a_file_the_next_export_removes(store: Store, tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the temporary file stays, named with the dead process's id. The next export to
    the folder deletes it, but not the temporary file of an export still running (its process is alive)."""
    _mixed_frequency_trade(store)
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    killed, left = _export_caught_mid_write(store, out_dir / "a.csv")
    killed.kill()
    killed.communicate(timeout=60)
    assert left.exists() and left.stat().st_size > 0 and str(killed.pid) in left.name
    running, in_progress = _export_caught_mid_write(store, out_dir / "b.csv")
    try:
        assert cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(out_dir / "c.csv")]) == 0
        assert not left.exists()
        assert in_progress.exists()  # a live export's file is kept
        assert sorted(p.name for p in out_dir.iterdir()) == sorted(["c.csv", in_progress.name])
    finally:
        running.kill()
        running.communicate(timeout=60)


def test_export_to_a_missing_folder_is_refused_and_creates_nothing(store: Store, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    stored_trade(store)
    out = tmp_path / "no" / "such" / "x.csv"
    assert cli.main(["export", "--table", "trade", "--format", "csv", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {out.parent} does not exist" in err and "Nothing was written" in err
    assert not (tmp_path / "no").exists()


def test_export_over_the_excel_row_limit_says_so_and_writes_nothing(store: Store, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """1,048,576 data rows and a header do not fit a sheet (1,048,576 rows in all). The message says the limit
    and what to do instead, not that the store is damaged, and nothing is written."""
    rows = 1_048_576
    index = pl.int_range(rows, eager=True)
    template = trade_rows([{"reporter": "USA", "partner": "CHN"}])
    frame = template.select(pl.all().gather([0] * rows)).with_columns(
        hs_code=pl.format("9{}", (index % 100_000).cast(pl.String).str.zfill(5)),
        period=(2010 + index // 100_000).cast(pl.String), year=(2010 + index // 100_000).cast(pl.Int32))
    store.upsert("trade", frame)
    out = tmp_path / "trade.xlsx"
    assert cli.main(["export", "--table", "trade", "--format", "xlsx", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "trade: 1,048,576 rows do not fit an Excel sheet" in err
    assert "at most 1,048,576 rows including the header (1,048,575 data rows)" in err
    assert "csv or parquet" in err and "store check" not in err
    assert list(tmp_path.iterdir()) == [store.root]
    with pytest.raises(ExportError, match="1,048,575 data rows"):  # the same check for the app's downloads
        export_bytes(frame.head(rows), "xlsx", table="trade", filters={})


def test_remove_stale_temporaries_keeps_live_writers_and_other_files(tmp_path: Path) -> None:
    """Deleted: ours whose process is gone, and old-style names (no pid) over an hour old. Kept: ours whose process
    runs (this one), a fresh old-style name, and files that are not ours."""
    from tracker.atomic import UNMARKED_STALE_SECONDS, remove_stale_temporaries

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    dead_pid = int(ended.stdout)
    hexa = "0123456789abcdef" * 2
    names = {
        "dead": f".a.csv.{dead_pid}.{hexa}.tmp", "alive": f".b.csv.{os.getpid()}.{hexa}.tmp",
        "old_unmarked": f".c.csv.{hexa}", "new_unmarked": f".d.csv.{hexa}", "other": "notes.txt",
        "other_hidden": ".e.csv.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_text("x")
    old = time.time() - UNMARKED_STALE_SECONDS - 60
    os.utime(tmp_path / names["old_unmarked"], (old, old))
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(path.name for path in removed) == sorted([names["dead"], names["old_unmarked"]])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        names[key] for key in ("alive", "new_unmarked", "other", "other_hidden"))
    assert remove_stale_temporaries(tmp_path / "missing") == []
