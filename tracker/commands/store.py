"""`store check` and `store repair`: verify every stored table, and point a damaged table at its newest
complete version. Neither deletes anything."""

from __future__ import annotations

import argparse

from tracker.store import Store
from tracker.store_check import REBUILD_HINT, check_store, repair_store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check", "repair"),
                        help="check: verify every table's pointer, files, columns and values (exit 1 on a problem); "
                        "repair: move a damaged table's CURRENT pointer to its newest complete version")


def _derived_tables() -> frozenset[str]:
    """The metric tables' names: computed from the others, so `metrics --force` rebuilds them."""
    from tracker.tables import METRIC_TABLES

    return frozenset(schema.name for schema in METRIC_TABLES)


def run(args: argparse.Namespace) -> int:
    derived = _derived_tables()
    store = Store()
    print(f"Store: {store.root.resolve()}")
    if not store.tables():
        print("no tables yet (run `python -m tracker sample` or `fetch`)")
        return 0
    if args.action == "check":
        return _print_check(store, derived)
    results = repair_store(store, derived)
    for result in results:
        state = "repaired" if result.changed else ("ok" if result.ok else "NOT REPAIRED")
        print(f"{result.table:<24} {state:<13} {result.message}")
    return 0 if all(result.ok for result in results) else 1


def _print_check(store: Store, derived: frozenset[str]) -> int:
    reports = check_store(store)
    for report in reports:
        state = "ok" if report.ok else "DAMAGED" if report.structural else "BAD VALUES"
        print(f"{report.table:<24} {state:<11} {report.version or '-':<8} {report.files:>5} file(s) "
              f"{report.rows:>12,} row(s)")
        for problem in [*report.structural, *report.content][:10]:
            print(f"    {problem}")
    damaged = [report.table for report in reports if report.structural]
    if damaged:
        print("\nDamaged tables: run `python -m tracker store repair` (it points CURRENT at the newest complete "
              "version and deletes nothing).")
        rebuilt = sorted(derived.intersection(damaged))
        if rebuilt:
            print(f"Damaged metric tables ({', '.join(rebuilt)}) are computed from the stored data: {REBUILD_HINT} "
                  "rebuilds them.")
    elif any(report.content for report in reports):
        print("\nSome stored values break the table's rules: refetch those sources (see the files named above).")
    return 0 if all(report.ok for report in reports) else 1
