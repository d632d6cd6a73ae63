"""Verify the store and repair a damaged pointer: what `python -m tracker store check|repair` runs.

Two kinds of problem, kept apart because only one can be repaired without losing data:

* structural: the ``CURRENT`` pointer is empty, unreadable, missing or names no version; a data file is not a
  whole Parquet file, cannot be decoded, or lacks its table's columns and types. The version is incomplete.
* content: every file reads, but some values break the table's rules (a negative value, a malformed code),
  e.g. rows stored before a rule existed. Pointing at an older version would not help; the report says so.

``repair`` only moves ``CURRENT`` to the newest structurally complete version. A newer version it steps over
is renamed ``broken-vNNNNNN`` (writers prune old versions, never renamed ones), so nothing is deleted. A metric
table with no complete version is computed again from its inputs (``metrics --force``), which ``repair`` says.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker import schemas
from tracker.errors import SchemaError, StoreCorruptError
from tracker.store import BROKEN_PREFIX, Store, as_canonical_text
from tracker.store_paths import parquet_problem
from tracker.tables import TABLES

REBUILD_HINT = "`python -m tracker metrics --force`"


@dataclass
class TableCheck:
    """What ``check_table`` found for one table's live version."""

    table: str
    version: str | None = None
    files: int = 0
    rows: int = 0
    structural: list[str] = field(default_factory=list)
    content: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.structural and not self.content


@dataclass(frozen=True)
class RepairResult:
    """What ``repair_table`` did to one table: ``changed`` when it moved the pointer, ``ok`` when it is sound now."""

    table: str
    ok: bool
    changed: bool
    message: str


def check_store(store: Store) -> list[TableCheck]:
    """Every stored table, checked: pointer, every file of the live version, columns, types and values."""
    return [check_table(store, table) for table in store.tables()]


def check_table(store: Store, table: str) -> TableCheck:
    report = TableCheck(table)
    try:
        report.version = store.version_name(table)
        version = store.current_version(table)
    except StoreCorruptError as exc:
        report.structural.append(str(exc))
        return report
    if version is not None:
        _check_version(table, version, report)
    return report


def _check_version(table: str, version: Path, report: TableCheck) -> None:
    """Fill ``report`` with the problems of every data file in ``version``."""
    schema = TABLES.get(table)
    files = sorted(version.rglob("*.parquet"))
    report.files = len(files)
    for path in files:
        problem = parquet_problem(path)
        if problem:
            report.structural.append(f"{path} {problem}")
            continue
        try:
            frame = as_canonical_text(pl.read_parquet(path))
        except pl.exceptions.PolarsError as exc:
            report.structural.append(f"{path} cannot be decoded ({str(exc).splitlines()[0]})")
            continue
        report.rows += frame.height
        if schema is None:
            continue  # a table this version of the tracker does not know: readable is all we can say
        frame = _with_partition_columns(frame, schema, path.relative_to(version))
        missing = [name for name in schema.column_names if name not in frame.columns]
        wrong = [name for name in schema.column_names
                 if name in frame.columns and frame.schema[name] != schema.polars_schema[name]]
        if missing or wrong:
            report.structural.append(f"{path} lacks columns {missing} or has wrong types in {wrong}")
            continue
        try:
            schemas.validate(schema, frame.select(schema.column_names))
        except SchemaError as exc:
            report.content.append(f"{path}: {exc.problem}")


def _with_partition_columns(frame: pl.DataFrame, schema: schemas.TableSchema, relative: Path) -> pl.DataFrame:
    """Add the hive partition values (``source=comtrade/year=2023``) that the file itself does not hold."""
    values = dict(part.split("=", 1) for part in relative.parent.parts if "=" in part)
    columns = [pl.lit(values[name]).cast(schema.polars_schema[name], strict=False).alias(name)
               for name in schema.partition_by if name in values]
    return frame.with_columns(columns) if columns else frame


def repair_store(store: Store, derived: Collection[str] = ()) -> list[RepairResult]:
    """Repair every table; ``derived`` names the tables computed from the others (the metric tables)."""
    return [repair_table(store, table, derived=table in derived) for table in store.tables()]


def repair_table(store: Store, table: str, derived: bool = False) -> RepairResult:
    """Point ``CURRENT`` at the newest complete version when the live one is damaged; delete nothing.

    A ``derived`` table without a complete version is not lost: its message says how to recompute it."""
    report = check_table(store, table)
    if not report.structural:
        note = "" if report.ok else f"; its values break the table's rules ({report.content[0]}): not a pointer " \
            "problem, so nothing was changed"
        return RepairResult(table, report.ok, False, f"{report.version or 'no version'} is complete{note}")
    table_dir = store.root / table
    with store.writer_lock():
        stepped_over: list[str] = []
        for name in reversed(store.versions(table)):
            candidate = TableCheck(table, name)
            _check_version(table, table_dir / name, candidate)
            if not candidate.structural:
                store.point_at(table, name)
                for broken in stepped_over:
                    (table_dir / broken).rename(table_dir / f"{BROKEN_PREFIX}{broken}")
                kept = f"; kept {', '.join(BROKEN_PREFIX + b for b in stepped_over)} for inspection" \
                    if stepped_over else ""
                return RepairResult(table, not candidate.content, True,
                                    f"CURRENT now names {name} (was: {report.structural[0]}){kept}")
            stepped_over.append(name)
    if derived:
        return RepairResult(table, False, False, f"no complete version to point at ({report.structural[0]}). Nothing "
                            f"was changed: it is computed from the stored data; {REBUILD_HINT} rebuilds it")
    return RepairResult(table, False, False, f"no complete version to point at ({report.structural[0]}). Nothing "
                        "was changed: move the named file's partition folder out of the version folder (or restore "
                        "it from a backup), then fetch that source and year again")
