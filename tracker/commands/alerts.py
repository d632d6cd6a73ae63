"""`alerts`: evaluate the alert rules now (as the scheduler does after each refresh), or list stored alerts.

Output, most material first: a summary per rule and product group (count, USD at stake; each rule by the name the
app gives it, then its id as config/alerts.toml spells it), then the top alerts.
"""

from __future__ import annotations

import argparse

import polars as pl

from tracker.alerts import alert_summary, read_alerts, run_alerts
from tracker.commands.arguments import whole_number
from tracker.config import Config, load_config
from tracker.formatting import fmt_usd
from tracker.store import Store
from tracker.texts import rule_name, text

DEFAULT_TOP = 20
MAX_TOP = 1_000_000  # more than any store holds; 0 lists all anyway


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="print the stored alerts instead of evaluating")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the messages")
    parser.add_argument("--top", type=whole_number(0, MAX_TOP), default=DEFAULT_TOP,
                        help=f"print this many alerts, largest USD at stake first (default {DEFAULT_TOP}; 0: all; "
                        f"at most {MAX_TOP:,})")


def _usd(value: float | None, lang: str) -> str:
    return fmt_usd(value, lang) if value is not None else "-"


def print_ranked(alerts: pl.DataFrame, config: Config, lang: str, top: int, heading: str) -> None:
    """The per-rule-and-group summary, then the ``top`` alerts (all when 0), most material first."""
    if alerts.is_empty():
        return
    names = {group.id: group.name(lang) for group in config.groups}
    print(f"{text('cli', f'alerts_{heading}', lang)} {text('cli', 'alerts_by', lang)}:")
    for row in alert_summary(alerts, lang).iter_rows(named=True):
        # The app's name for the rule, then its id as config/alerts.toml spells it (the table to edit).
        rule, group = rule_name(row["rule"], lang), names.get(row["group"], row["group"]) or "-"
        print(f"  {row['alerts']:>5}  {_usd(row['usd_at_stake'], lang):>14}  {rule} [{row['rule']}] · {group}")
    shown = alerts if top == 0 else alerts.head(top)
    more = text("cli", "alerts_of", lang, total=alerts.height) if shown.height < alerts.height else ""
    print(f"\n{text('cli', 'alerts_top', lang, shown=shown.height)}{more}:")
    for row in shown.iter_rows(named=True):
        print(f"  {_usd(row['usd_at_stake'], lang):>14}  {row[f'message_{lang}']}")


def run(args: argparse.Namespace) -> int:
    store = Store()
    config = load_config()
    if args.list:
        alerts = read_alerts(store.root)  # most material first
        print_ranked(alerts, config, args.lang, args.top, "stored")
        print(text("cli", "alerts_count", args.lang, count=alerts.height))
        return 0
    outcome = run_alerts(config, store)
    print_ranked(outcome.new_alerts, config, args.lang, args.top, "new")
    print(text("cli", "alerts_firing", args.lang, firing=outcome.evaluated, new=outcome.new))
    return 0
