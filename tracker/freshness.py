"""Whether the metric tables are current: a fingerprint of what they were computed from.

The metric tables are a function of the stored ``trade`` and ``ecommerce`` tables, the product groups and
scope in the config, and the metrics code. ``tracker.metrics.refresh_metric_tables`` saves the fingerprint of
those inputs (table versions, a hash of the TOML files and of the code) beside the store, with the versions it
wrote. While both still match, recomputing would only rewrite the same numbers, so
``refresh_metric_tables_if_stale`` skips it. Nothing here imports Polars: ``make run`` asks the question
before the dashboard starts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.atomic import write_atomically
from tracker.errors import StoreCorruptError
from tracker.store_paths import live_version, parquet_problem, read_version_name

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.store import Store

# the tables tracker.metrics.refresh_metric_tables reads
METRIC_INPUTS = ("trade", "ecommerce", "tariff", "weo", "capital")
CONFIG_FILES = ("product_groups.toml", "sources.toml")  # the groups; the scope (home exporter, competitors)
FINGERPRINT_FILE = ".metrics-fingerprint.json"
_PACKAGE = Path(__file__).resolve().parent
_CODE = ("metrics/*.py", "forecast.py", "schemas.py", "config.py")  # what computes the tables (forecast.py: the
# demand model), their schemas, the groups' parsing


def _digest(paths: Iterable[Path]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(paths):
        hasher.update(path.name.encode("utf-8") + b"\0")
        try:
            hasher.update(path.read_bytes())
        except FileNotFoundError:
            hasher.update(b"(missing)")
    return hasher.hexdigest()


def _polars_release() -> str:
    """The installed Polars release (its dist-info folder's name), without importing Polars or importlib.metadata."""
    spec = importlib.util.find_spec("polars")
    if spec is None or not spec.submodule_search_locations:
        return "polars-missing"
    site = Path(next(iter(spec.submodule_search_locations))).parent
    return ",".join(sorted(path.name for path in site.glob("polars-*.dist-info"))) or "polars-unknown"


def inputs_fingerprint(root: Path, config_dir: Path) -> dict[str, object]:
    """The input tables' live versions, and hashes of the config files and of the metrics code."""
    code = [path for pattern in _CODE for path in _PACKAGE.glob(pattern)]
    return {
        "tables": {table: read_version_name(root, table) for table in METRIC_INPUTS},
        "config": _digest(config_dir / name for name in CONFIG_FILES),
        "code": _digest(code) + f"+{_polars_release()}",
    }


def _saved(root: Path) -> dict[str, object] | None:
    try:
        saved = json.loads((root / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def metric_tables_current(root: Path, config_dir: Path) -> bool:
    """True when the last computation saw these same inputs and every table it wrote is still the live version,
    whole: a damaged metric table (a broken pointer, a missing or truncated file) is stale, and recomputing it
    repairs it."""
    saved = _saved(root)
    if saved is None or saved.get("inputs") != inputs_fingerprint(root, config_dir):
        return False
    outputs = saved.get("outputs")
    return (isinstance(outputs, dict) and bool(outputs)
            and all(_intact(root, table, version) for table, version in outputs.items()))


def _intact(root: Path, table: str, version: object) -> bool:
    """Whether ``version`` is the table's live version and its data files are whole (8 bytes read per file; a
    metric table has at least one file: one without rows when it has none)."""
    try:
        folder = live_version(root, table)
    except StoreCorruptError:
        return False
    if folder is None or folder.name != version:
        return False
    files = list(folder.rglob("*.parquet"))
    return bool(files) and not any(parquet_problem(path) for path in files)


def save_fingerprint(root: Path, inputs: dict[str, object], outputs: dict[str, str | None]) -> None:
    """Record what a computation read (``inputs``, taken before it started) and the versions it wrote."""
    text = json.dumps({"inputs": inputs, "outputs": outputs}, indent=1, sort_keys=True)
    write_atomically(root / FINGERPRINT_FILE, text.encode("utf-8"))


def refresh_metric_tables_if_stale(store: Store, config: Config, force: bool = False) -> dict[str, int] | None:
    """Recompute the metric tables unless they are current; rows per table, or None when nothing was done."""
    if not force and metric_tables_current(store.root, config.directory):
        return None
    from tracker.metrics import refresh_metric_tables  # Polars and the metrics: only when there is work

    return refresh_metric_tables(store, config)
