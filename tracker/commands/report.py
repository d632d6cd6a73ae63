"""`report`: write a self-contained report (HTML or Markdown, English or Chinese) for a group and period."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polars as pl

from tracker.config import FIRST_YEAR, LAST_YEAR, REPORT_FORMATS, REPORT_LANGUAGES, load_config
from tracker.errors import UsageError
from tracker.reports import ALL_GROUPS, ReportInputs, write_report
from tracker.reports.files import REPORTS_DIR
from tracker.schemas import PERIOD_PATTERN
from tracker.store import Store


def _period(text: str) -> str:
    if not re.fullmatch(PERIOD_PATTERN, text, flags=re.ASCII):
        raise argparse.ArgumentTypeError(f"{text!r} is not a year (2024) or a month (2025-06)")
    if not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{text!r} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return text


def check_period_has_data(inputs: ReportInputs, period: str) -> None:
    """Refuse a period the metric tables hold nothing for (it would give an empty report), naming what they hold."""
    years = sorted(inputs.group_exporter.select(pl.col("year").unique()).collect().get_column("year").to_list())
    months = sorted(inputs.group_market_monthly.select(pl.col("period").unique()).collect()
                    .get_column("period").to_list())
    if int(period[:4]) in years or period in months:  # a month falls back to its year's annual figures
        return
    held = f"years {years[0]}–{years[-1]}" if years else "no years"
    if months:
        held += f", months {months[0]} to {months[-1]}"
    raise UsageError(f"--period {period}: the metric tables hold no data for it ({held})")


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; give a folder (reports are named by group, period and language)")


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
    _check_out(out)
    inputs = ReportInputs.from_store(store)
    check_period_has_data(inputs, args.period)
    try:
        path = write_report(config, inputs, args.group, args.period, args.lang, args.format, out)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write there ({exc.strerror or exc}); nothing was written") from None
    print(path)
    return 0
