"""`status`: what the store holds, per table and per source."""

from __future__ import annotations

import argparse
import json

import polars as pl

from tracker.status import source_status, table_status
from tracker.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def run(args: argparse.Namespace) -> int:
    store = Store()
    tables = table_status(store)
    sources = source_status(store)
    if args.json:
        print(json.dumps({"tables": tables.to_dicts(), "sources": sources.to_dicts()}, default=str, indent=2))
        return 0
    print(f"Store: {store.root.resolve()}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True, thousands_separator=True):
        print("\nTables")
        print(tables)
        print("\nSources")
        print(sources if sources.height else "(no data yet: run `python -m tracker sample` or `fetch`)")
    return 0
