"""Where the store lives and which version of a table is live, without importing Polars.

Why a module of its own: ``make run`` asks "is there data, and are the metric tables current?" before the
dashboard starts, and answering that must not cost the second it takes to import the data stack. ``Store``
reads its pointers through these functions, so there is one reader of ``CURRENT``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker.errors import StoreCorruptError

CURRENT_POINTER = "CURRENT"
VERSION_NAME = re.compile(r"v\d{6}")


def default_data_dir() -> Path:
    return Path(os.environ.get("TRACKER_DATA_DIR", "data"))


def list_versions(root: Path, table: str) -> list[str]:
    """Names of the version folders kept for ``table``, oldest first (live, predecessor, leftovers)."""
    table_dir = root / table
    if not table_dir.is_dir():
        return []
    return sorted(p.name for p in table_dir.iterdir() if VERSION_NAME.fullmatch(p.name) and p.is_dir())


def read_version_name(root: Path, table: str) -> str | None:
    """The name of the table's live version (its ``CURRENT`` pointer), or None before its first write.

    A pointer that is empty, unreadable or not a version name, or missing beside kept versions, is a
    StoreCorruptError: guessing would lose rows.
    """
    pointer = root / table / CURRENT_POINTER
    try:
        name = pointer.read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        if list_versions(root, table):
            raise StoreCorruptError(f"table {table!r}: its pointer {pointer} is missing but versions are kept; "
                                    "run `python -m tracker store repair`") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreCorruptError(f"table {table!r}: its pointer {pointer} cannot be read ({exc}); "
                                "run `python -m tracker store repair`") from exc
    if not VERSION_NAME.fullmatch(name):
        got = "is empty" if not name else f"holds {name[:40]!r}, not a version name"
        raise StoreCorruptError(f"table {table!r}: its pointer {pointer} {got}; "
                                "run `python -m tracker store repair`")
    return name


def holds_data(root: Path, table: str) -> bool:
    """Whether the table's live version has at least one data file (``Store.has_data`` without Polars)."""
    name = read_version_name(root, table)
    return name is not None and any((root / table / name).rglob("*.parquet"))
