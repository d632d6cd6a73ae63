"""`groups`: the configured product groups and their HS codes."""

from __future__ import annotations

import argparse

from tracker.config import load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of group names")


def run(args: argparse.Namespace) -> int:
    config = load_config()
    width = max(len(group.id) for group in config.groups)
    for group in config.groups:
        proxy = " (proxy)" if group.proxy else ""
        print(f"{group.id:<{width}}  {group.name(args.lang)}{proxy}: {', '.join(group.hs_codes)}")
    print(f"\n{len(config.groups)} groups from {config.directory / 'product_groups.toml'}")
    return 0
