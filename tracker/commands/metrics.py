"""`metrics`: recompute every metric table from what the store holds (run after each fetch)."""

from __future__ import annotations

import argparse
import time

from tracker.config import load_config
from tracker.metrics import refresh_metric_tables
from tracker.store import Store

NAME = "metrics"
HELP = "recompute the metric tables (group_market, group_exporter, ...) from the stored data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="print only the total time")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    store = Store()
    config = load_config()
    if not store.has_data("trade"):
        print(f"store at {store.root} holds no trade data: run `python -m tracker sample` or `fetch` first")
        return 1
    rows = refresh_metric_tables(store, config)
    if not args.quiet:
        for name, count in rows.items():
            print(f"{name}: {count:,} rows")
    print(f"metrics computed and written in {time.perf_counter() - started:.1f} s")
    return 0
