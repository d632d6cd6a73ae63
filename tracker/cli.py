"""`python -m tracker`: one subcommand per module in `tracker/commands/`.

``COMMANDS`` names each command, its help line and its module; the module defines ``add_arguments(parser)`` and
``run(args) -> int`` and is imported only when its command runs (or shows its own --help): the commands
between them import Polars, httpx, APScheduler and the report templates, which took seconds before a command
that needs none of them could start. Adding a command means adding its module and a line to ``COMMANDS``.
Errors the tracker raises on purpose end the program with their message and exit status 2, never a traceback
(``report_errors``, shared with ``python -m tracker.startup``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

from tracker import __version__
from tracker.errors import TrackerError


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, its one-line help, and the module (in tracker.commands) that parses and runs it."""

    name: str
    help: str
    module: str

    def load(self) -> ModuleType:
        return importlib.import_module(f"tracker.commands.{self.module}")


COMMANDS: tuple[Command, ...] = (
    Command("sample", "write deterministic sample data (source = sample) so the dashboard works offline", "sample"),
    Command("status", "show rows, sources, periods and newest fetch per table, and last success/error per source",
            "status"),
    Command("groups", "list the configured product groups and their HS codes", "groups"),
    Command("fetch", "fetch the public sources (Comtrade, Census, Comext, Eurostat, World Bank, WITS, CEPII BACI) into "
            "the store",
            "fetch"),
    Command("import", "import a bulk dataset into the store (CEPII BACI: every exporter × importer × HS6, annual)",
            "imports"),
    Command("metrics", "recompute the metric tables (group_market, group_exporter, ...) from the stored data, "
            "when it changed", "metrics"),
    Command("export", "export a table (trade, ecommerce, macro, fetch_log or a metric table), or the findings in "
            "English or Chinese, to csv, xlsx or parquet", "export"),
    Command("schedule", "run the scheduler: each source's fetch on its cron, then metrics and alerts; "
            "monthly/annual reports", "schedule"),
    Command("report", "write a report for a product group (or all) and a year or month, in English or Chinese, "
            "HTML or Markdown", "report"),
    Command("alerts", "evaluate the alert rules of config/alerts.toml on the metric tables, or --list the stored "
            "alerts", "alerts"),
    Command("store", "verify the store (`store check`) or point damaged tables at their newest complete version "
            "(`store repair`)", "store"),
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command's name and help; only ``command``'s module is imported, for its arguments."""
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
    for entry in COMMANDS:
        sub = subparsers.add_parser(entry.name, help=entry.help, description=entry.help)
        if entry.name == command:
            module = entry.load()
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line: the first word that is not an option (the global options take no
    value, so no option's value can be mistaken for it)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(chosen_command(words)).parse_args(words)
    configure_logging(args.verbose)
    return report_errors(lambda: int(args.run(args)))


def configure_logging(verbose: bool) -> None:
    """Log to stderr: the tracker's own messages from INFO up, other libraries' from WARNING up; with ``-v``
    everything from DEBUG up.

    Without this split httpx's INFO line ("HTTP Request: GET <url>") reached stderr on every request, URL
    and all: a library's chatter is debug output. A no-op when logging is already configured (under pytest).
    """
    handler = logging.StreamHandler()
    if not verbose:
        handler.addFilter(_tracker_info_or_any_warning)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=[handler])


def _tracker_info_or_any_warning(record: logging.LogRecord) -> bool:
    """The records stderr shows without -v."""
    return record.levelno >= logging.WARNING or record.name == "tracker" or record.name.startswith("tracker.")


def report_errors(action: Callable[[], int]) -> int:
    """Run ``action`` and return its exit status; a failure the tracker can name is one line on stderr.

    TrackerError: its message, status 2. Ctrl-C: status 130 (stores write atomically, so nothing half-written
    stays). A Polars error from a damaged file the store could not name: one line pointing at `store check`.
    Anything else is a bug and keeps its traceback.
    """
    try:
        return action()
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
