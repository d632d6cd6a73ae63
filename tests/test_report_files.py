"""Only reports the tracker wrote, unchanged since, are listed and read (issue #11 point 8)."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.reports import list_reports
from tracker.reports.files import MANIFEST, read_report, record_report


def _report(root: Path, relative: str, text: str = "<p>report</p>", record: bool = True) -> Path:
    path = root / "reports" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if record:
        record_report(root / "reports", path, path.read_bytes())
    return path


def test_report_files_list_only_what_was_recorded(tmp_path: Path) -> None:
    ours = _report(tmp_path, "toys/2025.zh.html")
    _report(tmp_path, "toys/2026.zh.html", "<script>alert(1)</script>", record=False)
    assert [(r.group, r.period, r.lang, r.format, r.path) for r in list_reports(tmp_path)] == [
        ("toys", "2025", "zh", "html", ours)
    ]
    recorded = json.loads((tmp_path / "reports" / MANIFEST).read_text(encoding="utf-8"))
    assert list(recorded) == ["toys/2025.zh.html"] and len(recorded["toys/2025.zh.html"]) == 64


def test_report_files_a_changed_report_is_neither_listed_nor_read(tmp_path: Path) -> None:
    path = _report(tmp_path, "toys/2025.en.html")
    [info] = list_reports(tmp_path)
    assert read_report(info) == "<p>report</p>"
    path.write_text("<p>report</p><script>alert(1)</script>", encoding="utf-8")
    assert read_report(info) is None, "changed between listing and reading"
    assert list_reports(tmp_path) == []


def test_report_files_manifest_entries_outside_the_folder_or_damaged_are_ignored(tmp_path: Path) -> None:
    _report(tmp_path, "toys/2025.en.html")
    outside = tmp_path / "2024.en.html"
    outside.write_text("<p>elsewhere</p>", encoding="utf-8")
    manifest = tmp_path / "reports" / MANIFEST
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    recorded["../2024.en.html"] = recorded["toys/2025.en.html"]
    recorded["toys/notes.txt"] = recorded["toys/2025.en.html"]
    manifest.write_text(json.dumps(recorded), encoding="utf-8")
    assert [r.period for r in list_reports(tmp_path)] == ["2025"]
    manifest.write_text("{not json", encoding="utf-8")
    assert list_reports(tmp_path) == []


def test_report_files_write_report_records_every_file(metrics_store: Path, tmp_path: Path, config) -> None:
    from tracker.reports import ReportInputs, write_report
    from tracker.store import Store

    inputs = ReportInputs.from_store(Store(metrics_store))
    written = [write_report(config, inputs, "toys", "2024", lang, fmt, tmp_path / "data" / "reports")
               for lang in ("en", "zh") for fmt in ("html", "md")]
    listed = list_reports(tmp_path / "data")
    assert sorted(r.path for r in listed) == sorted(written)
    assert all(read_report(r) == r.path.read_text(encoding="utf-8") for r in listed)
    chinese = next(r for r in listed if r.lang == "zh" and r.format == "html").path.read_text(encoding="utf-8")
    english = next(r for r in listed if r.lang == "en" and r.format == "html").path.read_text(encoding="utf-8")
    assert "<h2>玩具</h2>" in chinese and "(toys)" not in chinese, "a Chinese heading stays Chinese"
    assert "(toys)</h2>" in english
