"""`fetch`: pull the public sources into the store, incrementally, and print what each source did."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from tracker.budget import default_sources, format_plan, left_out_text, plan_fetch, plan_json
from tracker.commands.arguments import code_list, parse_years, upper_code_list
from tracker.config import SOURCE_IDS, Config, load_config
from tracker.countries import is_known_iso3
from tracker.errors import UsageError
from tracker.fetch import FetchSummary, run_fetch
from tracker.sources.base import FetchScope
from tracker.store import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=code_list, help=f"comma-separated source ids (default: enabled ones, "
                        f"less those left out without their key); one of {', '.join(SOURCE_IDS)}")
    parser.add_argument("--groups", type=code_list, help="comma-separated product group ids (default: all)")
    parser.add_argument("--reporters", type=upper_code_list, help="comma-separated ISO3 reporters, e.g. CHN,USA "
                        "(default: as configured per source)")
    parser.add_argument("--years", help="comma-separated years or ranges, e.g. 2022,2023 or 2020-2025 "
                        "(default: as configured)")
    parser.add_argument("--no-cache", action="store_true", help="do not use or fill the on-disk HTTP cache")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    parser.add_argument("--plan", action="store_true", help="print the requests each source would send, those "
                        "skipped as fresh and the time at the configured limits; send nothing")
    parser.add_argument("--json", action="store_true", help="with --plan: print the plan as JSON")


def _unknown(flag: str, values: list[str], known: object, what: str) -> None:
    raise UsageError(f"{flag}: unknown {what} {', '.join(repr(v) for v in values)}; known: {known}")


def build_scope(args: argparse.Namespace, config: Config) -> tuple[list[str], FetchScope]:
    """Sources and scope from the flags, validated against the config and the country reference."""
    sources = args.source if args.source is not None else default_sources(config)[0]
    bad = [s for s in sources if s not in config.sources]
    if bad:
        _unknown("--source", bad, ", ".join(config.sources), "source")
    group_ids = args.groups if args.groups is not None else list(config.group_ids)
    bad = [g for g in group_ids if g not in config.group_ids]
    if bad:
        _unknown("--groups", bad, ", ".join(config.group_ids), "group")
    reporters = None
    if args.reporters is not None:
        reporters = args.reporters  # upper case, each once (upper_code_list)
        bad = [code for code in reporters if not is_known_iso3(code)]
        if bad:
            _unknown("--reporters", bad, "ISO3 codes such as CHN, USA, DEU", "country code")
    years = parse_years(args.years)
    scope = FetchScope(
        groups=tuple(config.group(g) for g in group_ids),
        reporters=tuple(reporters) if reporters else None,
        years=years,
    )
    return list(dict.fromkeys(sources)), scope


def format_summary(summary: FetchSummary) -> str:
    """The per-source table printed at the end of a run."""
    header = ("source", "requests", "skipped", "rows written", "cached", "unchanged", "failed", "unknown codes")
    rows = [
        (s.source, str(s.requests), str(s.skipped), f"{s.rows_written:,}", str(s.cached), str(s.unchanged),
         str(s.failed),
         ", ".join(s.unknown_codes[:10]) + (" …" if len(s.unknown_codes) > 10 else "") or "-")
        for s in summary.sources.values()
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    quarantined = {s.source: s.rows_skipped for s in summary.sources.values() if s.rows_skipped}
    if quarantined:
        counts = ", ".join(f"{source} {count:,}" for source, count in quarantined.items())
        lines.append(f"\nmalformed rows skipped (the rest of their answers was stored; see fetch_log): {counts}")
    lines += [s.details for s in summary.sources.values() if s.details]
    if summary.sample_removed:
        dropped = ", ".join(f"{table} {rows:,}" for table, rows in summary.sample_removed.items())
        lines.append(f"\nreal data arrived: the sample rows were removed from the store ({dropped}); the metric "
                     "tables are recomputed from the real rows (`python -m tracker metrics`, or at the next start); "
                     "`python -m tracker sample` writes the sample again")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.json and not args.plan:
        raise UsageError("--json: only with --plan (a fetch prints its summary as a table)")
    config = load_config()
    sources, scope = build_scope(args, config)  # a bad flag raises UsageError: tracker.cli prints it, exit 2
    left_out = default_sources(config)[1] if args.source is None else []
    if args.plan:
        plan = plan_fetch(config, Store(), sources, scope, left_out)
        print(plan_json(plan) if args.json else format_plan(plan, config))
        return 0
    if left_out:
        notes = plan_fetch(config, Store(), [], scope, left_out).left_out
        for left in notes:
            print(left_out_text(left), file=sys.stderr)
    if args.no_cache:
        config = dataclasses.replace(config, http=dataclasses.replace(config.http, cache=False))
    store = Store()
    summary = run_fetch(config, store, sources, scope, progress=not args.no_progress)
    print(format_summary(summary))
    if summary.failed:
        print(f"\n{summary.failed} request(s) failed: see `python -m tracker status` and the fetch_log table",
              file=sys.stderr)
        return 1
    return 0
