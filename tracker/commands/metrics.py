"""`metrics`: recompute every metric table from what the store holds (run after each fetch).

Skipped when the tables are current (same input table versions, config and code as their last computation:
``tracker.refresh`` decides, as for ``startup`` and the scheduler); ``--force`` recomputes anyway. The config is
validated every time; Polars and the metrics are imported only when there is work, so the no-op answer is quick.
"""

from __future__ import annotations

import argparse
import sys
import time

from tracker.config import load_config
from tracker.refresh import refresh
from tracker.store_paths import default_data_dir, holds_data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="print only the total time (no progress)")
    parser.add_argument("--force", action="store_true",
                        help="recompute even when the inputs (data, config, code) are unchanged since the last run, "
                             "reading every year of trade again")


def _say(step: str) -> None:
    """A step of a computation that takes seconds to minutes, on stderr (stdout holds the result)."""
    print(f"metrics: {step}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    root = default_data_dir()
    config = load_config()
    if not holds_data(root, "trade"):
        print(f"store at {root} holds no trade data: run `python -m tracker sample` or `fetch` first")
        return 1
    rows = refresh(root, config, force=args.force, progress=None if args.quiet else _say)
    if rows is None:
        print("metric tables are current (inputs unchanged since they were computed; --force recomputes)")
        return 0
    if not args.quiet:
        for name, count in rows.items():
            print(f"{name}: {count:,} rows")
    print(f"metrics computed and written in {time.perf_counter() - started:.1f} s")
    return 0
