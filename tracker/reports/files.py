"""Where reports live: ``<data>/reports/<group>/<period>.<lang>.<ext>``, written atomically, listed for the app.

Each report written is recorded with its SHA-256 in ``<reports>/manifest.json``. The app lists and shows only
recorded files whose bytes still match: an HTML file dropped into the folder by anything else, or a report
changed after it was written, is never shown.
"""

from __future__ import annotations

import hashlib
import json
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
MANIFEST = "manifest.json"
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
    sha256: str


def report_path(root: Path | str, group: str, period: str, lang: str, fmt: str) -> Path:
    return Path(root) / group / f"{period}.{lang}.{fmt}"


def write_report(config: Config, inputs: ReportInputs, group: str, period: str, lang: str, fmt: str,
                 out_dir: Path | str, generated_at: datetime | None = None) -> Path:
    """Build, render and write one report; return its path."""
    return _write(config, build_report(inputs, config, group, period, generated_at), lang, fmt, out_dir)


def _write(config: Config, content: ReportContent, lang: str, fmt: str, out_dir: Path | str) -> Path:
    """Render built content in one language and format, write it atomically and record it; return its path."""
    path = report_path(out_dir, content.group, content.period, lang, fmt)
    body = render_report(content, config, lang, fmt).encode("utf-8")
    write_atomically(path, body)
    record_report(out_dir, path, body)
    return path


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _manifest(out_dir: Path | str) -> dict[str, str]:
    """{path relative to ``out_dir``: sha256} of the reports written there; empty when none or unreadable."""
    try:
        recorded = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {str(k): str(v) for k, v in recorded.items()}


def record_report(out_dir: Path | str, path: Path, body: bytes) -> None:
    """Record ``path`` (under ``out_dir``) with the hash of ``body`` in the folder's manifest, atomically."""
    recorded = _manifest(out_dir)
    recorded[path.relative_to(out_dir).as_posix()] = _digest(body)
    write_atomically(Path(out_dir) / MANIFEST, json.dumps(recorded, indent=1, sort_keys=True).encode("utf-8"))


def read_report(info: ReportInfo) -> str | None:
    """The text of a listed report, or None when its bytes no longer match what the tracker wrote."""
    try:
        body = info.path.read_bytes()
    except OSError:
        return None
    return body.decode("utf-8") if _digest(body) == info.sha256 else None


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
    """The reports the tracker wrote under ``<store_root>/reports`` and that are unchanged since (see the module
    docstring), by group, newest period first, then language and format."""
    root = Path(store_root) / REPORTS_DIR
    found = []
    for relative, digest in _manifest(root).items():
        path = root / relative
        parts = Path(relative).parts
        match = FILE_PATTERN.match(path.name)
        if match is None or len(parts) != 2 or ".." in parts or not path.is_file() or path.is_symlink():
            continue
        body = path.read_bytes()
        if _digest(body) != digest:
            continue
        stat = path.stat()
        found.append(ReportInfo(parts[0], match["period"], match["lang"], match["format"], path, len(body),
                                datetime.fromtimestamp(stat.st_mtime, UTC), digest))
    found.sort(key=lambda r: (r.group, r.lang, r.format))
    found.sort(key=lambda r: r.period, reverse=True)
    found.sort(key=lambda r: r.group)
    return found
