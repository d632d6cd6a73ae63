"""Where reports live: ``<data>/reports/<group>/<period>.<lang>.<ext>``, written atomically, listed for the app."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracker.atomic import write_atomically
from tracker.config import Config
from tracker.reports.content import ALL_GROUPS, ReportContent, ReportInputs, build_report, latest_period
from tracker.reports.render import render_report
from tracker.store import Store

REPORTS_DIR = "reports"
FILE_PATTERN = re.compile(r"^(?P<period>\d{4}(-\d{2})?)\.(?P<lang>en|zh)\.(?P<format>html|md)$")


@dataclass(frozen=True)
class ReportInfo:
    """One written report file, as the app lists it."""

    group: str
    period: str
    lang: str
    format: str
    path: Path
    size_bytes: int
    modified_at: datetime


def report_path(root: Path | str, group: str, period: str, lang: str, fmt: str) -> Path:
    return Path(root) / group / f"{period}.{lang}.{fmt}"


def write_report(config: Config, inputs: ReportInputs, group: str, period: str, lang: str, fmt: str,
                 out_dir: Path | str, generated_at: datetime | None = None) -> Path:
    """Build, render and write one report; return its path."""
    return _write(config, build_report(inputs, config, group, period, generated_at), lang, fmt, out_dir)


def _write(config: Config, content: ReportContent, lang: str, fmt: str, out_dir: Path | str) -> Path:
    """Render built content in one language and format and write it atomically; return its path."""
    path = report_path(out_dir, content.group, content.period, lang, fmt)
    write_atomically(path, render_report(content, config, lang, fmt).encode("utf-8"))
    return path


def write_periodic_reports(config: Config, store: Store, kind: str) -> list[Path]:
    """The scheduled run: every group and ``all``, each configured language and format, newest period."""
    inputs = ReportInputs.from_store(store)
    period = latest_period(inputs, kind)
    if period is None:
        return []
    out_dir = store.root / REPORTS_DIR
    written = []
    for group in (*config.group_ids, ALL_GROUPS):
        content = build_report(inputs, config, group, period)  # once per group, rendered in every language/format
        for lang in config.schedule.report_languages:
            for fmt in config.schedule.report_formats:
                written.append(_write(config, content, lang, fmt, out_dir))
    return written


def list_reports(store_root: Path | str) -> list[ReportInfo]:
    """Every report under ``<store_root>/reports``, by group, newest period first, then language and format."""
    root = Path(store_root) / REPORTS_DIR
    found = []
    for path in root.glob("*/*.*.*") if root.is_dir() else ():
        match = FILE_PATTERN.match(path.name)
        if match is None or not path.is_file():
            continue
        stat = path.stat()
        found.append(ReportInfo(path.parent.name, match["period"], match["lang"], match["format"], path,
                                stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    found.sort(key=lambda r: (r.group, r.lang, r.format))
    found.sort(key=lambda r: r.period, reverse=True)
    found.sort(key=lambda r: r.group)
    return found
