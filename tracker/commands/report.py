"""`report`: write a self-contained report (HTML or Markdown, English or Chinese) for a group and period."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tracker.config import REPORT_FORMATS, REPORT_LANGUAGES, load_config
from tracker.reports import ALL_GROUPS, ReportInputs, write_report
from tracker.reports.files import REPORTS_DIR
from tracker.schemas import PERIOD_PATTERN
from tracker.store import Store

NAME = "report"
HELP = "write a report for a product group (or all) and a year or month, in English or Chinese, HTML or Markdown"


def _period(text: str) -> str:
    if not re.fullmatch(PERIOD_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (2024) or a month (2025-06)")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", required=True, help=f"a product group id, or {ALL_GROUPS!r}")
    parser.add_argument("--period", required=True, type=_period, help="a year (2024) or a month (2025-06)")
    parser.add_argument("--lang", choices=REPORT_LANGUAGES, default="en", help="report language (default en)")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="html", help="output format (default html)")
    parser.add_argument("--out", type=Path, help="output folder (default <data>/reports)")


def run(args: argparse.Namespace) -> int:
    config = load_config()
    if args.group != ALL_GROUPS:
        config.group(args.group)  # ConfigError naming the known groups
    store = Store()
    if not store.has_data("group_exporter"):
        print(f"store at {store.root} holds no metric tables: run `python -m tracker metrics` first",
              file=sys.stderr)
        return 1
    out = args.out if args.out is not None else store.root / REPORTS_DIR
    path = write_report(config, ReportInputs.from_store(store), args.group, args.period, args.lang, args.format, out)
    print(path)
    return 0
