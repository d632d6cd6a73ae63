"""`import baci PATH`: load a CEPII BACI release (zip or extracted folder) into the store, streaming."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tracker.baci import BaciDataError, ImportSummary, import_baci
from tracker.config import FIRST_YEAR, LAST_YEAR
from tracker.errors import UsageError
from tracker.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    baci = kinds.add_parser(
        "baci", help="a CEPII BACI zip (BACI_HS17_V202601.zip) or the folder it was extracted to",
        description="Import a CEPII BACI release. Exit status: 0 imported or already stored, 1 the files are not "
        "a complete BACI release (nothing written) or a year was refused (more than 1 % of its rows unreadable: "
        "that year left out and named, the other years imported), 2 usage.",
    )
    baci.add_argument("path", type=Path, metavar="PATH", help="the downloaded zip, or the folder of its files")
    baci.add_argument("--years", help="years to import: 2017,2023 or 2017-2023 (default: every year in PATH)")
    baci.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def parse_year_list(text: str | None) -> tuple[int, ...] | None:
    """``"2017,2019"`` or ``"2017-2023"`` (or a mix) → sorted years; None when the flag was not given."""
    if text is None:
        return None
    years: set[int] = set()
    for part in (part.strip() for part in text.split(",")):
        first, _, last = part.partition("-")
        bounds = [first.strip(), last.strip()] if last else [first.strip()]
        if not all(b.isdigit() and FIRST_YEAR <= int(b) <= LAST_YEAR for b in bounds) or int(bounds[0]) > int(
                bounds[-1]):
            raise UsageError(f"--years: {part!r} is not a year or a range of years such as 2017-2023 "
                             f"(between {FIRST_YEAR} and {LAST_YEAR})")
        years.update(range(int(bounds[0]), int(bounds[-1]) + 1))
    return tuple(sorted(years))


def format_summary(summary: ImportSummary) -> str:
    release = summary.release
    if summary.unchanged:
        return f"{release} is already in the store: nothing changed ({summary.seconds:.1f} s)"
    lines = [
        f"imported BACI {release.hs_revision} {release.version}",
        f"  years      {', '.join(map(str, summary.years_written))} (store now holds {release})",
        f"  rows       {summary.rows_read:,} read, {summary.rows_written:,} code rows and {summary.total_rows:,} "
        "all-goods (TOTAL) rows written",
        f"  countries  {summary.countries:,}",
        f"  duration   {summary.seconds:.1f} s ({summary.rows_read / max(summary.seconds, 1e-9):,.0f} rows/s)",
    ]
    if summary.refused:
        lines.append(f"  left out   {', '.join(map(str, summary.refused))} (too many unreadable rows: see the "
                     "error lines)")
    warning = summary.warning()
    if warning:
        lines.append(warning)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    years = parse_year_list(args.years)
    store = Store()
    try:
        summary = import_baci(store, args.path, years, progress=not args.no_progress)
    except BaciDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for line in summary.refusals().values():
        print(f"error: {line}", file=sys.stderr)
    print(format_summary(summary))
    return 1 if summary.refused else 0
