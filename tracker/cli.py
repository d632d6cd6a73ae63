"""`python -m tracker`: one subcommand per module in `tracker/commands/`.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``; adding a
command means adding its module to ``COMMANDS``. Errors the tracker raises on purpose end the program with
their message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from types import ModuleType

from tracker import __version__
from tracker.commands import alerts, export, fetch, groups, imports, metrics, report, sample, schedule, status, store
from tracker.errors import TrackerError

COMMANDS: tuple[ModuleType, ...] = (sample, status, groups, fetch, imports, metrics, export, schedule, report,
                                     alerts, store)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tracker",
        description="Export market tracker: fetch public trade data, compute competitiveness metrics by "
        "light-industry product group, export tables and reports.",
        epilog="Environment: TRACKER_DATA_DIR (store folder, default ./data), TRACKER_CONFIG_DIR (config folder, "
        "default ./config), TRACKER_<SOURCE>_BASE_URL (override a source's base URL).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.run(args))
    except TrackerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _is_polars_error(exc):
            raise
        # The store converts what it can name (a truncated file, a broken pointer); a file damaged inside
        # can still surface from Polars while a command collects a scan. One line, never a traceback.
        print(f"error: a stored table could not be read ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
              "run `python -m tracker store check` to find the damaged file", file=sys.stderr)
        return 2


def _is_polars_error(exc: BaseException) -> bool:
    """Whether ``exc`` comes from Polars, without importing Polars for commands that never load it."""
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(exc, polars.exceptions.PolarsError)
