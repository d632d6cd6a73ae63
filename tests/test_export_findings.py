"""`export --table findings`: the dashboard's findings from the real CLI, on the sample store with its metric tables.

Every exported row is checked against what ``tracker.findings`` returns for the same group, exporter, year and
language (read back from CSV, Excel and Parquet); bad input is one line, exit status 2, and no file.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from tests.conftest import trade_rows
from tests.test_export import FILE_SIZE_LIMIT
from tests.zh_text import english_words
from tracker import cli
from tracker.config import REPO_ROOT, Config
from tracker.findings import Finding, FindingInputs, group_findings, sentence
from tracker.store import Store

HOME = "CHN"  # config/scope.toml's home exporter: the default of --exporter
CJK = re.compile(r"[\u4e00-\u9fff]")


def _export(out: Path, *flags: str) -> int:
    return cli.main(["export", "--table", "findings", "--out", str(out), *flags])


def _read_back(path: Path, fmt: str) -> list[dict[str, Any]]:
    """The exported rows as dicts, read by each format's own reader (not by the code that wrote them)."""
    if fmt == "parquet":
        return pl.read_parquet(path).to_dicts()
    if fmt == "csv":
        return pl.read_csv(path, infer_schema=False).to_dicts()  # every cell as written, as text
    sheet = openpyxl.load_workbook(path, read_only=True)["data"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _expected(root: Path, group: str, exporter: str = HOME, until: str | None = None) -> list[Finding]:
    return group_findings(FindingInputs.from_store(Store(root)), group, exporter, until)


def _assert_rows_are(rows: list[dict[str, Any]], found: list[Finding], lang: str, config: Config) -> None:
    """Each row is the finding at its place: group, language, kind, period, text in ``lang`` and its figures."""
    assert found and len(rows) == len(found)
    for position, (row, finding) in enumerate(zip(rows, found, strict=True), start=1):
        assert (row["group"], row["lang"], row["kind"], row["period"]) == (finding.group, lang, finding.kind,
                                                                        finding.period)
        assert int(row["rank"]) == position and row["exporter"] == finding.exporter
        assert (row["market"] or None) == finding.market and (row["competitor"] or None) == finding.competitor
        assert row["text"] == sentence(finding, lang, config)
        assert json.loads(row["numbers"]) == pytest.approx(finding.numbers, rel=1e-12)
        assert float(row["materiality_usd"]) == pytest.approx(finding.materiality_usd, rel=1e-12)
        assert row["group_name"] == config.group(finding.group).name(lang)
        assert str(row["link"]).endswith(f"lang={lang}") and row["link"] == finding.link(lang)
    assert len({row["id"] for row in rows}) == len(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_export_rows_equal_the_findings_of_the_group(app_store: Path, config: Config, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str], fmt: str,
                                                              lang: str) -> None:
    out = tmp_path / f"findings.{fmt}"
    assert _export(out, "--group", "toys", "--lang", lang, "--format", fmt) == 0
    rows = _read_back(out, fmt)
    _assert_rows_are(rows, _expected(app_store, "toys"), lang, config)
    texts = [row["text"] for row in rows]
    if lang == "zh":
        assert all(CJK.search(text) for text in texts) and CJK.search(rows[0]["group_name"])
        assert english_words(texts) == {}, "English words in the Chinese findings"
    else:
        assert not any(CJK.search(text) for text in texts)
    summary = capsys.readouterr().out
    assert f"findings: {len(rows)} rows, group=toys; exporter={HOME}; lang={lang} (includes SAMPLE data)" in summary
    assert [path.name for path in tmp_path.iterdir()] == [out.name]  # no temporary file left beside it


def test_findings_export_without_group_holds_each_groups_findings(app_store: Path, config: Config,
                                                                  tmp_path: Path) -> None:
    """No --group: every configured group's own findings (as its Product group page lists them), in config order,
    ranked within the group; the default language is English."""
    out = tmp_path / "all.parquet"
    assert _export(out, "--format", "parquet") == 0
    frame = pl.read_parquet(out)
    assert frame.get_column("lang").unique().to_list() == ["en"]
    assert frame.get_column("group").unique(maintain_order=True).to_list() == list(config.group_ids)
    for group in ("home_appliances", "toys", "pets"):
        rows = frame.filter(pl.col("group") == group).to_dicts()
        _assert_rows_are(rows, _expected(app_store, group), "en", config)


def test_findings_export_years_and_exporter_choose_the_view(app_store: Path, config: Config, tmp_path: Path) -> None:
    """--years: the findings as of its last year (the dashboard's view ending then); --exporter in any case."""
    newest = _expected(app_store, "furniture", "VNM")
    earlier = _expected(app_store, "furniture", "VNM", until="2023")
    assert {f.period for f in earlier if f.kind == "share_gain"} <= {"2023"}
    assert [f.id for f in earlier] != [f.id for f in newest]
    out = tmp_path / "vnm.csv"
    assert _export(out, "--group", "furniture", "--exporter", "vnm", "--years", "2019-2021,2023", "--format",
                   "csv") == 0
    _assert_rows_are(_read_back(out, "csv"), earlier, "en", config)


def test_findings_export_through_python_m_tracker(app_store: Path, config: Config, tmp_path: Path) -> None:
    """The real entry point in its own process: the Chinese CSV, with a BOM for Excel, equals the findings."""
    out = tmp_path / "toys.zh.csv"
    env = {**os.environ, "TRACKER_DATA_DIR": str(app_store), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    run = subprocess.run([sys.executable, "-m", "tracker", "export", "--table", "findings", "--group", "toys",
                          "--lang", "zh", "--format", "csv", "--bom", "--out", str(out)], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = pl.read_csv(io.BytesIO(data[3:]), infer_schema=False).to_dicts()
    _assert_rows_are(rows, _expected(app_store, "toys"), "zh", config)


BAD_INPUTS = [
    (["--group", "nope"], "--group: unknown product group 'nope'; expected one of home_appliances"),
    (["--exporter", "XXX"], "unknown exporter 'XXX': expected an ISO3 country code"),
    (["--market", "USA"], "--market does not apply to --table findings"),
    (["--flow", "import"], "--flow does not apply to --table findings"),
    (["--basis", "mirror"], "--basis does not apply to --table findings"),
    (["--years", "2023-2020"], "--years: '2023-2020' is not a year or a range of years"),
    (["--exporter", "fra"], "--exporter FRA: the metric tables hold no rows of it as an exporter"),
    (["--years", "2010-2014"], "--years 2010-2014: the metric tables hold CHN's rows for 2015–2025, none up to 2014"),
]


@pytest.mark.parametrize(("flags", "message"), BAD_INPUTS, ids=[flags[0] for flags, _ in BAD_INPUTS])
def test_findings_export_bad_input_is_one_line_and_writes_nothing(app_store: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  flags: list[str], message: str) -> None:
    assert _export(tmp_path / "f.csv", "--format", "csv", *flags) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {message}") and error.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_findings_export_unknown_language_is_a_usage_error(app_store: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        _export(tmp_path / "f.csv", "--format", "csv", "--lang", "fr")
    assert stopped.value.code == 2
    assert "argument --lang: invalid choice: 'fr'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_lang_on_a_stored_table_is_refused(app_store: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A stored table reads the same in every language: --lang there is a mistake, not a no-op."""
    out = tmp_path / "t.csv"
    assert cli.main(["export", "--table", "group_market", "--lang", "zh", "--format", "csv", "--out", str(out)]) == 2
    assert "error: --lang: only --table findings has text in a language" in capsys.readouterr().err
    assert not out.exists()


def test_findings_export_from_a_store_without_metric_tables(store: Store, config_dir: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    store.upsert("trade", trade_rows([{"period": "2024"}]))
    before = sorted(path.relative_to(store.root) for path in store.root.rglob("*"))
    out = tmp_path / "f.xlsx"
    assert _export(out, "--format", "xlsx") == 2
    error = capsys.readouterr().err
    assert error == (f"error: the store at {store.root} holds no metric tables (group_market): the findings are "
                     "read from them; run `python -m tracker metrics` first. Nothing was written\n")
    assert not out.exists()
    assert sorted(path.relative_to(store.root) for path in store.root.rglob("*")) == before


@pytest.mark.parametrize("where", ["missing folder", "a folder", "under a file"])
def test_findings_export_to_an_unusable_out_is_refused(app_store: Path, tmp_path: Path, where: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    out = {"missing folder": tmp_path / "nope" / "f.csv", "a folder": tmp_path,
           "under a file": tmp_path / "plain.txt" / "f.csv"}[where]
    assert _export(out, "--format", "csv") == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: cannot write {out}: ") and error.count("\n") == 1
    assert [path.name for path in tmp_path.iterdir()] == ["plain.txt"]


def test_findings_export_failed_write_keeps_the_previous_file(app_store: Path, tmp_path: Path) -> None:
    """A write that fails half-way (file-size limit: EFBIG, as a full disk) leaves the previous export as it was
    and no temporary file: the Chinese findings of one group are larger than the 2 KB allowed."""
    out = tmp_path / "findings.csv"
    out.write_text("previous export\n", encoding="utf-8")
    env = {**os.environ, "TRACKER_DATA_DIR": str(app_store), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    run = subprocess.run([sys.executable, "-c", FILE_SIZE_LIMIT, "export", "--table", "findings", "--group", "toys",
                          "--lang", "zh", "--format", "csv", "--out", str(out)], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 2, run.stderr
    assert f"cannot write {out}" in run.stderr and "Traceback" not in run.stderr
    assert out.read_text(encoding="utf-8") == "previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["findings.csv"]
