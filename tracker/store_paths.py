"""Where the store lives, which version of a table is live, and whether a data file is whole, without
importing Polars.

Why a module of its own: ``make run`` asks "is there data, and are the metric tables current?" before the
dashboard starts, and answering that must not cost the second it takes to import the data stack. ``Store``
reads its pointers and checks its files through these functions, so there is one reader of ``CURRENT`` (a
damaged metric table is not "current": ``tracker.freshness`` checks its files too).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker.errors import StoreCorruptError

CURRENT_POINTER = "CURRENT"
VERSION_NAME = re.compile(r"v\d{6}")
PARQUET_MAGIC = b"PAR1"
REPAIR_HINT = "run `python -m tracker store repair`"


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


def live_version(root: Path, table: str) -> Path | None:
    """The folder of the table's live version, or None before its first write; a pointer naming a folder that
    does not exist is a StoreCorruptError (the table is not empty: its data went missing)."""
    name = read_version_name(root, table)
    if name is None:
        return None
    version = root / table / name
    if not version.is_dir():
        raise StoreCorruptError(f"table {table!r}: {root / table / CURRENT_POINTER} names {name!r}, which "
                                f"does not exist; {REPAIR_HINT}")
    return version


def holds_data(root: Path, table: str) -> bool:
    """Whether the table's live version has at least one data file (``Store.has_data`` without Polars)."""
    version = live_version(root, table)
    return version is not None and any(version.rglob("*.parquet"))


def parquet_problem(path: Path) -> str | None:
    """Why ``path`` is not a whole Parquet file (magic bytes at both ends, a footer that fits), or None.

    Eight bytes read: cheap enough for every scan, and it catches a truncated or overwritten file.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(max(size - 8, 0))
            tail = handle.read(8)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size < 12 or head != PARQUET_MAGIC or tail[4:] != PARQUET_MAGIC:
        return f"is not a whole Parquet file ({size} bytes; truncated or overwritten)"
    if int.from_bytes(tail[:4], "little") + 12 > size:
        return f"is not a whole Parquet file ({size} bytes, shorter than its footer says)"
    return None
