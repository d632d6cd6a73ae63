"""Where the store lives and which version of a table is live, without importing Polars.

Why a module of its own: ``make run`` asks "is there data, and are the metric tables current?" before the
dashboard starts, and answering that must not cost the second it takes to import the data stack. ``Store``
reads its pointers through these functions, so there is one reader of ``CURRENT``.
"""

from __future__ import annotations

import os
from pathlib import Path

CURRENT_POINTER = "CURRENT"


def default_data_dir() -> Path:
    return Path(os.environ.get("TRACKER_DATA_DIR", "data"))


def read_version_name(root: Path, table: str) -> str | None:
    """The name of the table's live version (its ``CURRENT`` pointer), or None before its first write."""
    try:
        return (root / table / CURRENT_POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def holds_data(root: Path, table: str) -> bool:
    """Whether the table's live version has at least one data file (``Store.has_data`` without Polars)."""
    name = read_version_name(root, table)
    return name is not None and any((root / table / name).rglob("*.parquet"))
