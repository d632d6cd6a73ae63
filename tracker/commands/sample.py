"""`sample`: write the deterministic sample data into the store."""

from __future__ import annotations

import argparse
import sys

from tracker.commands.arguments import whole_number
from tracker.config import load_config
from tracker.sample import DEFAULT_SEED, write_sample
from tracker.store import Store

MAX_SEED = 2**32 - 1  # a 32-bit seed, as most tools take; NumPy refuses negative ones (a traceback before)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=whole_number(0, MAX_SEED), default=DEFAULT_SEED,
                        help=f"random seed from 0 to {MAX_SEED:,} (default {DEFAULT_SEED})")
    parser.add_argument("--if-empty", action="store_true",
                        help="do nothing when the store already holds data (trade, macro, tariffs …)")


def run(args: argparse.Namespace) -> int:
    store = Store()
    if args.if_empty and store.holds_source_data():
        print(f"store at {store.root} already holds data; sample not written")
        return 0
    config = load_config()
    written = write_sample(store, config, args.seed, progress=lambda message: print(f"… {message}", flush=True))
    for table, rows in written.items():
        print(f"{table}: {rows:,} sample rows written to {store.root}")
    sys.stdout.flush()
    return 0
