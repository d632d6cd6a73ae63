"""`export`: write one stored table (filtered) to CSV, XLSX or Parquet, with its provenance; or, with
``--table findings``, the dashboard's findings in one language (computed from the metric tables, not stored)."""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from tracker.atomic import sigterm_as_interrupt
from tracker.commands.arguments import parse_years
from tracker.config import Config, load_config
from tracker.countries import is_known_iso3
from tracker.errors import ExportError, UsageError
from tracker.export import FORMATS, check_destination, export_bytes, write_export
from tracker.findings import FindingInputs, findings_by_group, findings_table
from tracker.query import BASES, DEFAULT_FREQUENCY, FLOWS, FREQUENCIES, applied_filters, filtered_table, known_tables
from tracker.store import Store

FINDINGS = "findings"  # not a stored table: the findings are computed from the metric tables when exported
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", required=True,
                        help=f"table to export: {', '.join(known_tables())}, or {FINDINGS} (the dashboard's "
                        "findings, one row per finding, in --lang)")
    parser.add_argument("--format", required=True, choices=FORMATS, help="file format")
    parser.add_argument("--out", required=True, type=Path, help="file to write")
    parser.add_argument("--group", help="product group id (see `groups`); findings: every group's when left out")
    parser.add_argument("--exporter", help="ISO3 of the exporter (trade: its exports and others' imports "
                        "from it; findings: whose findings, default the home exporter)")
    parser.add_argument("--market", help="ISO3 of the market (trade: its imports and others' exports to it)")
    parser.add_argument("--years", help="comma-separated years or ranges, e.g. 2022,2023 or 2020-2025 "
                        "(findings: as of the last year given)")
    parser.add_argument("--basis", choices=BASES, default="all",
                        help="metric tables: only rows of this provenance (default: all)")
    parser.add_argument("--flow", choices=FLOWS, help="trade table: only this flow")
    parser.add_argument("--frequency", choices=FREQUENCIES, default=DEFAULT_FREQUENCY,
                        help="trade table: annual (A, default) or monthly (M) rows; one export never mixes them")
    parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM so Excel detects UTF-8")
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=f"findings: language of the text and links (default {DEFAULT_LANGUAGE})")


def run(args: argparse.Namespace) -> int:
    check_destination(args.out)
    with sigterm_as_interrupt():  # a terminated export removes its temporary file, as after Ctrl-C
        return _export(args)


def _export(args: argparse.Namespace) -> int:
    config = load_config()
    store = Store()
    if args.table == FINDINGS:
        return _export_findings(args, config, store)
    if args.lang is not None:
        raise UsageError(f"--lang: only --table {FINDINGS} has text in a language; {args.table} is the same in "
                         "every language. Nothing was written")
    if args.table not in known_tables():
        raise ExportError(f"unknown table {args.table!r}; known tables: {', '.join(known_tables())}, or {FINDINGS}")
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


def _findings_options(args: argparse.Namespace, config: Config) -> tuple[list[str], str, str | None]:
    """The groups, exporter and last year (None: the newest) of a findings export; flags that select rows of
    stored tables only are refused rather than silently ignored."""
    for flag, given in (("--market", args.market is not None), ("--flow", args.flow is not None),
                        ("--basis", args.basis != "all"), ("--frequency", args.frequency != DEFAULT_FREQUENCY)):
        if given:
            raise UsageError(f"{flag} does not apply to --table {FINDINGS} (it takes --group, --exporter, --years and "
                             "--lang). Nothing was written")
    groups = list(config.group_ids)
    if args.group is not None:
        if args.group not in groups:
            raise UsageError(f"--group: unknown product group {args.group!r}; expected one of {', '.join(groups)} "
                             "(see `python -m tracker groups`). Nothing was written")
        groups = [args.group]
    exporter = (args.exporter or config.scope.home_exporter).strip().upper()
    if not is_known_iso3(exporter):
        raise ExportError(f"unknown exporter {exporter!r}: expected an ISO3 country code such as CHN or USA")
    years = parse_years(args.years)
    return groups, exporter, str(max(years)) if years else None


def _export_findings(args: argparse.Namespace, config: Config, store: Store) -> int:
    """Each chosen group's findings for the exporter, as the Product group page lists them, in ``--lang``."""
    groups, exporter, until = _findings_options(args, config)
    lang = args.lang or DEFAULT_LANGUAGE
    if not store.has_data("group_market"):  # every finding starts from it (the other tables may be empty)
        raise ExportError(f"the store at {store.root} holds no metric tables (group_market): the findings are read "
                          "from them; run `python -m tracker metrics` first. Nothing was written")
    inputs = FindingInputs.from_store(store)
    _check_findings_view(inputs, exporter, until, args.years)
    found = findings_by_group(inputs, groups, exporter, until)
    frame = findings_table(found, lang, config)
    filters = {"group": args.group or "all", "exporter": exporter, "lang": lang,
               **({"until": until} if until else {})}
    data = export_bytes(frame, args.format, table=FINDINGS, filters=filters, bom=args.bom)
    write_export(args.out, data)
    sample = " (includes SAMPLE data)" if frame.height and frame.get_column("sample").any() else ""
    applied = "; ".join(f"{k}={v}" for k, v in filters.items())
    print(f"{FINDINGS}: {frame.height:,} rows, {applied}{sample} → {args.out} ({len(data):,} bytes)")
    return 0


def _check_findings_view(inputs: FindingInputs, exporter: str, until: str | None, years: str | None) -> None:
    """Refuse an exporter the metric tables hold nothing for, or years before any of its rows: an empty file
    would read as "no material facts" when there is no data to find them in."""
    first, last = inputs.group_market.filter(pl.col("exporter") == exporter).select(
        first=pl.col("year").min(), last=pl.col("year").max()).collect().row(0)
    if first is None:
        raise UsageError(f"--exporter {exporter}: the metric tables hold no rows of it as an exporter. Nothing was "
                         "written")
    if until is not None and int(until) < first:
        raise UsageError(f"--years {years}: the metric tables hold {exporter}'s rows for {first}–{last}, none up "
                         f"to {until}. Nothing was written")
