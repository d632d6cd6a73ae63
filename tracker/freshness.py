"""Whether the metric tables are current: a fingerprint of what they were computed from.

The metric tables are a function of the stored input tables, the product groups and scope in the config, and
the code the computation runs. ``tracker.refresh`` saves the fingerprint of those inputs (table versions, a hash
of the TOML files and of the code) beside the store, with the versions it wrote. While both still match,
recomputing would only rewrite the same numbers, so it skips it. The code is every tracker module that
``METRICS_ENTRY`` imports, directly or through others, found by reading their imports (``ast``): no hand-kept
list to forget a module in. Nothing here imports Polars: ``make run`` asks the question before the dashboard
starts.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path

from tracker.atomic import write_atomically
from tracker.errors import StoreCorruptError
from tracker.store_paths import live_version, parquet_problem, read_version_name

# the tables tracker.refresh.refresh_metric_tables reads
METRIC_INPUTS = ("trade", "ecommerce", "tariff", "weo", "capital")
CONFIG_FILES = ("product_groups.toml", "sources.toml")  # the groups; the scope (home exporter, competitors)
FINGERPRINT_FILE = ".metrics-fingerprint.json"
_PACKAGE = Path(__file__).resolve().parent
METRICS_ENTRY = "tracker.metrics.windows"  # what tracker.refresh runs to compute the tables


def _digest(paths: Iterable[Path]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(paths):
        hasher.update(path.name.encode("utf-8") + b"\0")
        try:
            hasher.update(path.read_bytes())
        except FileNotFoundError:
            hasher.update(b"(missing)")
    return hasher.hexdigest()


def _module_path(package: Path, name: str) -> Path | None:
    """The file of tracker module ``name`` under ``package`` (the tracker folder), or None if there is none."""
    base = package.parent.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(name: str, path: Path, is_package: bool) -> set[str]:
    """The tracker modules a module imports, at the top or in a function (``from tracker.a import b`` names
    ``tracker.a`` and, where it is a module, ``tracker.a.b``; relative imports resolved)."""
    here = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module == "tracker" or module.startswith("tracker.")}


def code_files(package: Path = _PACKAGE, entry: str = METRICS_ENTRY) -> list[Path]:
    """Every file of the modules ``entry`` imports, directly or through others, itself and the packages on their
    way (their ``__init__`` runs too) included."""
    seen: dict[str, Path] = {}
    todo = [entry]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ first
            module = ".".join(parts[:depth])
            path = _module_path(package, module) if module not in seen else None
            if path is not None:
                seen[module] = path
                todo.extend(_imported(module, path, path.name == "__init__.py") - seen.keys())
    return sorted(seen.values())


def code_stamps(package: Path = _PACKAGE) -> str:
    """A hash of every tracker module's path, size and modification time: while it matches the one saved with
    the fingerprint, so does the code's hash, which is not computed again (reading and parsing the modules takes
    longer than the rest of a current store's start-up)."""
    stamps = [f"{path.relative_to(package)}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
              for path in sorted(package.rglob("*.py"))]
    return hashlib.sha256("\n".join(stamps).encode("utf-8")).hexdigest()


def code_digest(package: Path = _PACKAGE) -> str:
    """A hash of every file the metric computation imports, and of the Polars release it runs on."""
    return f"{_digest(code_files(package))}+{_polars_release()}"


def _polars_release() -> str:
    """The installed Polars release (its dist-info folder's name), without importing Polars or importlib.metadata."""
    spec = importlib.util.find_spec("polars")
    if spec is None or not spec.submodule_search_locations:
        return "polars-missing"
    site = Path(next(iter(spec.submodule_search_locations))).parent
    return ",".join(sorted(path.name for path in site.glob("polars-*.dist-info"))) or "polars-unknown"


def inputs_fingerprint(root: Path, config_dir: Path) -> dict[str, object]:
    """The input tables' live versions, and hashes of the config files and of the metrics code (with the
    ``code_stamps`` it was taken at, which are not compared)."""
    stamps = code_stamps()
    saved = (_saved(root) or {}).get("inputs")
    if isinstance(saved, dict) and saved.get("code_stamps") == stamps and isinstance(saved.get("code"), str):
        code = saved["code"]
    else:
        code = code_digest()
    return {
        "tables": {table: read_version_name(root, table) for table in METRIC_INPUTS},
        "config": _digest(config_dir / name for name in CONFIG_FILES),
        "code": code,
        "code_stamps": stamps,
    }


def _compared(inputs: object) -> object:
    """The inputs that decide staleness: all but the code stamps (a touched file whose bytes did not change
    leaves the tables current)."""
    return {key: value for key, value in inputs.items() if key != "code_stamps"} if isinstance(inputs, dict) else inputs


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
    if saved is None or _compared(saved.get("inputs")) != _compared(inputs_fingerprint(root, config_dir)):
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
