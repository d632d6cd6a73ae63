"""`alerts`: evaluate the alert rules now (as the scheduler does after each refresh), or list stored alerts."""

from __future__ import annotations

import argparse

from tracker.alerts import read_alerts, run_alerts
from tracker.config import load_config
from tracker.store import Store

NAME = "alerts"
HELP = "evaluate the alert rules of config/alerts.toml on the metric tables, or --list the stored alerts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="print the stored alerts instead of evaluating")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the messages")


def run(args: argparse.Namespace) -> int:
    store = Store()
    if args.list:
        alerts = read_alerts(store.root)
        for row in alerts.iter_rows(named=True):
            print(f"{row['first_seen']:%Y-%m-%d} {row['severity']:<7} {row['rule']:<20} {row[f'message_{args.lang}']}")
        print(f"{alerts.height} alert(s) stored")
        return 0
    outcome = run_alerts(load_config(), store)
    for row in outcome.new_alerts.iter_rows(named=True):  # already sorted by rule, group, subject, market, period
        print(f"{row['severity']:<7} {row['rule']:<20} {row[f'message_{args.lang}']}")
    counts = outcome.new_alerts.group_by("rule").len().sort("rule")  # no rows when nothing is new
    summary = ", ".join(f"{r['rule']}: {r['len']}" for r in counts.iter_rows(named=True))
    print(f"{outcome.evaluated} alert(s) firing, {outcome.new} new{f' ({summary})' if summary else ''}")
    return 0
