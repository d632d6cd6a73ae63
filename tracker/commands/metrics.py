"""`metrics`: recompute every metric table from what the store holds (run after each fetch).

Skipped when the tables are current (same input table versions, config and code as their last computation:
``tracker.freshness``); ``--force`` recomputes anyway. Polars and the metrics are imported only when there is
work, so the no-op answer is quick; so is validating the config (its country codes take Polars to check):
files unchanged since the last computation were valid then, as in ``tracker.startup``.
"""

from __future__ import annotations

import argparse
import time

from tracker.config import config_dir, load_config
from tracker.freshness import metric_tables_current
from tracker.store_paths import default_data_dir, holds_data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="print only the total time")
    parser.add_argument("--force", action="store_true",
                        help="recompute even when the inputs (data, config, code) are unchanged since the last run")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    root = default_data_dir()
    if holds_data(root, "trade") and not args.force and metric_tables_current(root, config_dir()):
        print("metric tables are current (inputs unchanged since they were computed; --force recomputes)")
        return 0
    config = load_config()
    if not holds_data(root, "trade"):
        print(f"store at {root} holds no trade data: run `python -m tracker sample` or `fetch` first")
        return 1
    from tracker.metrics import refresh_metric_tables
    from tracker.store import Store

    rows = refresh_metric_tables(Store(root), config)
    if not args.quiet:
        for name, count in rows.items():
            print(f"{name}: {count:,} rows")
    print(f"metrics computed and written in {time.perf_counter() - started:.1f} s")
    return 0
