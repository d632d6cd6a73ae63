"""Periodic bilingual reports per product group: content from the metric tables, inline-SVG charts.

* ``content``  what a report says (``build_report``), read from the metric tables, deterministic
* ``svg``      tiny bar and line charts (no script, no external request)
* ``render``   HTML and Markdown writers, English and Chinese labels
* ``files``    where reports are written (``<data>/reports/<group>/<period>.<lang>.<ext>``) and ``list_reports``
"""

from tracker.reports.content import ALL_GROUPS, ReportContent, ReportInputs, build_report, latest_period
from tracker.reports.files import ReportInfo, list_reports, report_path, write_periodic_reports, write_report
from tracker.reports.render import render_report

__all__ = [
    "ALL_GROUPS", "ReportContent", "ReportInfo", "ReportInputs", "build_report", "latest_period", "list_reports",
    "render_report", "report_path", "write_periodic_reports", "write_report",
]
