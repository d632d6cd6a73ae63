"""`export`: write one stored table (filtered) to CSV, XLSX or Parquet, with its provenance."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.atomic import sigterm_as_interrupt
from tracker.commands.arguments import parse_years
from tracker.config import load_config
from tracker.export import FORMATS, check_destination, export_bytes, write_export
from tracker.query import BASES, DEFAULT_FREQUENCY, FLOWS, FREQUENCIES, applied_filters, filtered_table, known_tables
from tracker.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", required=True, help=f"table to export: {', '.join(known_tables())}")
    parser.add_argument("--format", required=True, choices=FORMATS, help="file format")
    parser.add_argument("--out", required=True, type=Path, help="file to write")
    parser.add_argument("--group", help="product group id (see `groups`)")
    parser.add_argument("--exporter", help="ISO3 of the exporter (trade: its exports and others' imports from it)")
    parser.add_argument("--market", help="ISO3 of the market (trade: its imports and others' exports to it)")
    parser.add_argument("--years", help="comma-separated years or ranges, e.g. 2022,2023 or 2020-2025")
    parser.add_argument("--basis", choices=BASES, default="all",
                        help="metric tables: only rows of this provenance (default: all)")
    parser.add_argument("--flow", choices=FLOWS, help="trade table: only this flow")
    parser.add_argument("--frequency", choices=FREQUENCIES, default=DEFAULT_FREQUENCY,
                        help="trade table: annual (A, default) or monthly (M) rows; one export never mixes them")
    parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM so Excel detects UTF-8")


def run(args: argparse.Namespace) -> int:
    check_destination(args.out)
    with sigterm_as_interrupt():  # a terminated export removes its temporary file, as after Ctrl-C
        return _export(args)


def _export(args: argparse.Namespace) -> int:
    config = load_config()
    store = Store()
    options = {"group": args.group, "exporter": args.exporter, "market": args.market,
               "years": parse_years(args.years), "basis": args.basis, "flow": args.flow,
               "frequency": args.frequency}
    filters, _ = applied_filters(args.table, config=config, **options)
    frame = filtered_table(store, args.table, config=config, **options).collect()
    data = export_bytes(frame, args.format, table=args.table, filters=filters, bom=args.bom)
    write_export(args.out, data)
    sample = " (includes SAMPLE data)" if frame.height and frame.get_column("sample").any() else ""
    applied = "; ".join(f"{k}={v}" for k, v in filters.items()) or "no filters"
    print(f"{args.table}: {frame.height:,} rows, {applied}{sample} → {args.out} ({len(data):,} bytes)")
    return 0


