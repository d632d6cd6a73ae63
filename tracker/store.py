"""The Parquet store: the only code that writes data files.

Layout under the data folder (``TRACKER_DATA_DIR``, default ``./data``)::

    <table>/CURRENT                          name of the live version, swapped atomically
    <table>/v000007/source=comtrade/year=2023/part-0.parquet
    .write.lock                              one writer at a time, across processes

Why versions: a write may touch many partitions, and a process can be killed at any moment. Each write
builds a complete new version directory (untouched partition files are hard-linked, touched ones
rewritten and fsynced), then replaces ``CURRENT`` with ``os.replace``. Readers resolve ``CURRENT`` once,
so they see the old table or the new one, never a mix or a half-written file. Unreferenced directories
left by a killed writer are removed by the next writer.

Damage is never guessed around: a ``CURRENT`` that is empty, unreadable or missing beside kept versions, and
a data file that is not a whole Parquet file, raise ``StoreCorruptError`` naming the table or file (readers
would otherwise scan every version and double the rows, and the next writer would delete them). ``replace``
needs nothing of the live version (it keeps only files it reads whole and equal), so it replaces a damaged one:
the metrics rebuild a damaged metric table.
``check`` verifies every table; ``repair`` points ``CURRENT`` at the newest complete version and deletes
nothing. ``replacing`` replaces tables from parts written as they come (the metrics, a year at a time), and a
replacement keeps the live version's file of every partition whose rows are unchanged (hard-linked). A write
the operating system refuses (disk full) raises ``StoreWriteError``; the table is unchanged.

Text columns may be stored dictionary-encoded as Polars categoricals (the BACI import writes its constant and
code columns so: several times cheaper to write at tens of millions of rows). Other engines read them as plain
strings; every read through the store turns them back into the canonical ``String``.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import filelock
import polars as pl

from tracker import schemas
from tracker.atomic import write_atomically
from tracker.errors import CHECK_HINT, StoreCorruptError, StoreLockedError, StoreWriteError, TrackerError
from tracker.key_order import sorted_by_key
from tracker.store_paths import (
    CURRENT_POINTER,
    VERSION_NAME,
    default_data_dir,
    list_versions,
    live_version,
    parquet_problem,
    read_version_name,
)
from tracker.tables import SOURCE_TABLES, schema_for

BROKEN_PREFIX = "broken-"  # a version `repair` stepped over is renamed, never deleted

LOCK_FILE = ".write.lock"
DEFAULT_LOCK_TIMEOUT_SECONDS = 60.0
KEPT_OLD_VERSIONS = 1  # a reader that resolved the previous version may still be scanning it
SAME_FLOAT = 1e-12  # relative: a recomputed float this close to the stored one is the same value


@dataclass(frozen=True)
class WriteResult:
    """What one write did: rows in the frame, rows in the table afterwards, partitions rewritten.

    ``changed`` is False when an upsert found every row already stored (``fetched_at`` aside) and wrote nothing.
    """

    table: str
    rows_in: int
    rows_after: int
    partitions_written: int
    version: str
    changed: bool = True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_parquet_durably(frame: pl.DataFrame, path: Path) -> None:
    """Write, then fsync the file: the data is on disk before any pointer can reference it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True, row_group_size=256_000)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def write_failure(exc: BaseException, what: str) -> StoreWriteError:
    """One clear message for a write the operating system refused (polars wraps OS errors in ComputeError).

    Public for the bulk importer, which writes its own staged files before the store publishes them."""
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left on device" in text:
        return StoreWriteError(f"{what}: the disk is full (no space left on device). Nothing was changed: free "
                               "some space, then run the command again.")
    return StoreWriteError(f"{what}: the write failed ({text.splitlines()[0] if text else type(exc).__name__}). "
                           "Nothing was changed.")


@contextlib.contextmanager
def _staging_folder(table_dir: Path, what: str) -> Iterator[Path]:
    """A fresh folder in which a version is built; removed if anything fails, and an OS refusal (a full disk)
    becomes one StoreWriteError naming ``what``. Once renamed into a version it is no longer there to remove."""
    staging = table_dir / f".staging-{uuid.uuid4().hex}"
    try:
        staging.mkdir()
        yield staging
    except TrackerError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except (OSError, pl.exceptions.PolarsError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise write_failure(exc, what) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def as_canonical_text(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its categorical columns as ``String`` (the dtype of every text column in the schemas)."""
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def _read_kept(path: Path) -> pl.DataFrame:
    """A partition of the live version, read to merge into; an undecodable one is a StoreCorruptError naming it."""
    try:
        return as_canonical_text(pl.read_parquet(path))
    except pl.exceptions.PolarsError as exc:
        raise StoreCorruptError(f"the data file {path} cannot be read ({str(exc).splitlines()[0]}); {CHECK_HINT}") \
            from exc


def _read_partition(folder: Path) -> pl.DataFrame | None:
    """Every file of a live partition (a bulk import writes several: ``part-00000.parquet`` …), or None when the
    partition does not exist. Merging into one file alone would drop the rows of the others."""
    files = sorted(folder.glob("*.parquet"))
    return pl.concat([_read_kept(path) for path in files], how="vertical_relaxed") if files else None


# Store.replacing's writer: (table, part) -> the staged file of each of the part's partitions
PartWriter = Callable[[str, pl.DataFrame], dict[tuple[object, ...], Path]]


def _partition_path(schema: schemas.TableSchema, values: tuple[object, ...]) -> Path:
    return Path(*(f"{name}={value}" for name, value in zip(schema.partition_by, values, strict=True)))


class Store:
    """A Parquet lake with atomic versioned writes, upserts on natural keys and pruned lazy reads."""

    def __init__(self, root: Path | str | None = None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS) -> None:
        self.root = Path(root) if root is not None else default_data_dir()
        self.lock_timeout = lock_timeout

    # ----------------------------------------------------------------- reading
    def version_name(self, table: str) -> str | None:
        """The name of the table's live version (its ``CURRENT`` pointer), or None before its first write.

        Cheap (one tiny file): the app keys its caches on it, and the metrics fingerprint records it. A
        broken pointer is a StoreCorruptError (see ``store_paths.read_version_name``).
        """
        return read_version_name(self.root, table)

    def versions(self, table: str) -> list[str]:
        """Names of the version folders kept for ``table``, oldest first (live, predecessor, leftovers)."""
        return list_versions(self.root, table)

    def current_version(self, table: str) -> Path | None:
        """The live version's folder (``store_paths.live_version``: a pointer to a missing folder raises)."""
        return live_version(self.root, table)

    def files(self, table: str) -> list[Path]:
        """The live version's data files; one that is not a whole Parquet file is a StoreCorruptError naming it."""
        version = self.current_version(table)
        files = sorted(version.rglob("*.parquet")) if version else []
        for path in files:
            problem = parquet_problem(path)
            if problem:
                raise StoreCorruptError(f"table {table!r}: the data file {path} {problem}; {CHECK_HINT}")
        return files

    def has_data(self, table: str) -> bool:
        """Whether the live version holds any data file. Does not read them: asking whether a table exists must
        not fail because one of its files is damaged (the reader of that table reports it)."""
        version = self.current_version(table)
        return version is not None and any(version.rglob("*.parquet"))

    def holds_source_data(self) -> bool:
        """Whether any source table (trade, macro, tariffs …) holds data, real or sample: an empty store gets the
        sample; one that holds real rows of any kind never does, so the two are not mixed again."""
        return any(self.has_data(table) for table in SOURCE_TABLES)

    def scan(self, table: str) -> pl.LazyFrame:
        """The table as a LazyFrame; filters on partition columns (source, year) skip whole files. A table of
        symmetric pairs (``mirrored_sides``) is stored one order per pair and read in both."""
        schema = schema_for(table)
        version = self.current_version(table)
        if version is None or not self.files(table):
            return schema.empty().lazy()
        hive_schema = {name: schema.polars_schema[name] for name in schema.partition_by} or None
        frame = pl.scan_parquet(
            version / "**" / "*.parquet",
            hive_partitioning=bool(schema.partition_by),
            hive_schema=hive_schema,
            schema=schema.polars_schema,
            cast_options=pl.ScanCastOptions(categorical_to_string="allow"),
        )
        return schemas.mirror_rows(frame.select(schema.column_names), schema)

    def read(self, table: str) -> pl.DataFrame:
        """The whole table; a data file Polars cannot decode is a StoreCorruptError naming the table."""
        try:
            return self.scan(table).collect()
        except pl.exceptions.PolarsError as exc:
            raise StoreCorruptError(f"table {table!r} cannot be read ({str(exc).splitlines()[0]}); "
                                    f"{CHECK_HINT}") from exc

    def tables(self) -> list[str]:
        """Stored tables: folders with a pointer or kept versions (a lost pointer must not hide a table)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and ((p / CURRENT_POINTER).exists() or self.versions(p.name)))

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the store-wide writer lock; wait up to ``lock_timeout`` seconds, then fail clearly."""
        lock_path = self.root / LOCK_FILE
        owner_path = self.root / (LOCK_FILE + ".owner")
        lock = filelock.FileLock(lock_path, timeout=self.lock_timeout)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except filelock.Timeout:  # before OSError: filelock.Timeout is a TimeoutError, hence an OSError
            try:
                owner = owner_path.read_text(encoding="utf-8").strip()
            except OSError:
                owner = "unknown"
            raise StoreLockedError(
                f"the store at {self.root} is being written by another process ({owner}); "
                f"waited {self.lock_timeout:g} s. Try again when that write finishes."
            ) from None
        except OSError as exc:
            raise write_failure(exc, f"locking the store at {self.root}") from exc
        try:
            with contextlib.suppress(OSError):  # who holds the lock is a courtesy; a full disk must fail the write
                owner_path.write_text(f"pid {os.getpid()}", encoding="utf-8")
            yield
        finally:
            lock.release()

    def upsert(self, table: str, frame: pl.DataFrame) -> WriteResult:
        """Insert or replace rows by natural key; when a key exists, the newest ``fetched_at`` wins.

        Loading the same frame twice leaves the same table. Only partitions the frame touches are rewritten, and
        nothing at all when the frame changes no stored row (``fetched_at`` aside): no new version, so readers'
        caches keyed on the version stay valid.
        """
        schema = schema_for(table)
        frame = schemas.validate(schema_for(table), frame)
        newest_wins = "fetched_at" in schema.column_names
        with self.writer_lock():
            old_version = self.current_version(table)
            if old_version is not None and _changes_nothing(schema, old_version, frame, newest_wins):
                rows_after = self.scan(table).select(pl.len()).collect().item()
                return WriteResult(table, frame.height, rows_after, 0, old_version.name, changed=False)
            return self._write_version(table, frame, merge=True, newest_wins=newest_wins)

    def replace(self, table: str, frame: pl.DataFrame) -> WriteResult:
        """Replace the whole table (materialised metric tables are recomputed, not merged)."""
        frame = schemas.validate(schema_for(table), frame)
        with self.writer_lock():
            return self._write_version(table, frame, merge=False, newest_wins=False)

    @contextlib.contextmanager
    def replacing(self, tables: Sequence[str]) -> Iterator[PartWriter]:
        """Replace ``tables`` from parts written as they come: ``write(table, part)`` writes the part and lets it
        go, so no table need be in memory whole (the metric tables, computed a year at a time). A part holds
        whole partitions (every row of its years); an unpartitioned table takes one part. ``write`` returns the
        staged file of each partition of the part (by its partition values): a finished file, never changed
        again, that becomes the table's once the block ends. When the block ends, each table switches to its new
        version (``CURRENT``); if anything fails, no table changes and an error of the block itself (a damaged
        input read meanwhile) is raised as it is."""
        with self.writer_lock():
            staged: dict[str, Path] = {}
            rows = dict.fromkeys(tables, 0)

            def writing(table: str, action: Callable[[Path], object]) -> None:
                table_dir = self.root / table
                try:
                    if table not in staged:
                        table_dir.mkdir(parents=True, exist_ok=True)
                        with contextlib.suppress(StoreCorruptError):
                            self._remove_unreferenced(table_dir)
                        staged[table] = table_dir / f".staging-{uuid.uuid4().hex}"
                        staged[table].mkdir()
                    action(staged[table])
                except (OSError, pl.exceptions.PolarsError) as exc:
                    raise write_failure(exc, f"writing table {table!r} under {table_dir}") from exc

            def write(table: str, part: pl.DataFrame) -> dict[tuple[object, ...], Path]:
                schema = schema_for(table)
                part = schemas.validate(schema, part)
                rows[table] += part.height
                if not part.height:
                    return {}
                writing(table, lambda staging: self._build_replacement(table, part, staging))
                if not schema.partition_by:
                    return {(): staged[table] / "part-0.parquet"}
                values = part.select(schema.partition_by).unique().rows()
                return {value: staged[table] / _partition_path(schema, value) / "part-0.parquet" for value in values}

            try:
                yield write
                for table in tables:
                    if not rows[table]:
                        writing(table, functools.partial(self._build_version, schema_for(table),
                                                         schema_for(table).empty(), None, merge=False,
                                                         newest_wins=False))
            except BaseException:
                for staging in staged.values():
                    shutil.rmtree(staging, ignore_errors=True)
                raise
            for table in tables:
                writing(table, functools.partial(self._switch_to, self.root / table))
                self._remove_unreferenced(self.root / table)

    def _write_version(self, table: str, frame: pl.DataFrame, *, merge: bool, newest_wins: bool) -> WriteResult:
        schema = schema_for(table)
        table_dir = self.root / table
        try:
            table_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_failure(exc, f"writing table {table!r} under {table_dir}") from exc
        if merge:
            self._remove_unreferenced(table_dir)
            old_version = self.current_version(table)
            if old_version is not None:
                self.files(table)  # refuse to merge into a damaged version
        else:
            # A replacement reads nothing of the live version, so a damaged one (a truncated file, a pointer to a
            # missing or no version) is simply replaced: a derived table is rebuilt from its inputs. Pruning
            # waits for a readable pointer, as it would delete versions by guesswork.
            with contextlib.suppress(StoreCorruptError):
                self._remove_unreferenced(table_dir)
            old_version = None
        with _staging_folder(table_dir, f"writing table {table!r} under {table_dir}") as staging:
            if merge:
                partitions_written = self._build_version(schema, frame, old_version, staging, merge, newest_wins)
            else:
                partitions_written = self._build_replacement(table, frame, staging)
            version_name = self._switch_to(table_dir, staging)
        self._remove_unreferenced(table_dir)
        rows_after = self.scan(table).select(pl.len()).collect().item()
        return WriteResult(table, frame.height, rows_after, partitions_written, version_name)

    def _build_version(
        self,
        schema: schemas.TableSchema,
        frame: pl.DataFrame,
        old_version: Path | None,
        staging: Path,
        merge: bool,
        newest_wins: bool,
    ) -> int:
        """Fill ``staging`` with the new version; return how many partitions were rewritten."""
        if not schema.partition_by or (not merge and frame.is_empty()):
            # an empty replacement is one file too (its columns, no rows): a table computed empty is still there
            old = _read_kept(old_version / "part-0.parquet") if merge and old_version else None
            merged = _merge(schema, old, frame, newest_wins) if old is not None else frame
            _write_parquet_durably(sorted_by_key(merged, schema.key), staging / "part-0.parquet")
            return 1
        new_parts = frame.partition_by(list(schema.partition_by), as_dict=True, include_key=False)
        touched = {_partition_path(schema, values) for values in new_parts}
        if merge and old_version:
            for old_file in old_version.rglob("*.parquet"):
                relative = old_file.relative_to(old_version)
                if relative.parent not in touched:
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        os.link(old_file, target)
                    except OSError:
                        shutil.copy2(old_file, target)
        data_columns = [name for name in schema.column_names if name not in schema.partition_by]
        for values, part in new_parts.items():
            relative = _partition_path(schema, values)
            old_part = _read_partition(old_version / relative) if merge and old_version else None
            if old_part is not None:
                old = old_part.select(data_columns)
                part = _merge(schema, old, part.select(data_columns), newest_wins, key_exclude=schema.partition_by)
            key = [name for name in schema.key if name not in schema.partition_by]
            _write_parquet_durably(sorted_by_key(part.select(data_columns), key), staging / relative / "part-0.parquet")
        for directory in sorted({p.parent for p in staging.rglob("*.parquet")}, reverse=True):
            _fsync_dir(directory)
        return len(new_parts)

    def _build_replacement(self, table: str, frame: pl.DataFrame, staging: Path) -> int:
        """Stage ``frame``'s partitions as (part of) a replacement; return how many were written. A partition whose
        rows equal the live version's file (floats to ``SAME_FLOAT``) is that file, linked, not written again: a
        recomputed metric table keeps the very files (inode, mtime) of the years a change did not reach. A live
        version that is damaged or unpartitioned offers nothing to keep."""
        schema = schema_for(table)
        live = None
        with contextlib.suppress(StoreCorruptError):
            live = self.current_version(table)
        if not schema.partition_by or frame.is_empty() or live is None or (live / "part-0.parquet").exists():
            return self._build_version(schema, frame, None, staging, False, False)  # nothing partitioned to keep
        data_columns = [name for name in schema.column_names if name not in schema.partition_by]
        key = [name for name in schema.key if name not in schema.partition_by]
        written = 0
        for values, part in frame.partition_by(list(schema.partition_by), as_dict=True, include_key=False).items():
            relative = _partition_path(schema, values) / "part-0.parquet"
            rows = sorted_by_key(part.select(data_columns), key)
            if _holds_rows(live / relative, rows):
                (staging / relative).parent.mkdir(parents=True, exist_ok=True)
                os.link(live / relative, staging / relative)
            else:
                _write_parquet_durably(rows, staging / relative)
                written += 1
            _fsync_dir((staging / relative).parent)
        return written

    def publish_staged(self, table: str, staged: Path, drop: Callable[[Path], bool]) -> WriteResult:
        """Publish partition files written outside the store (a bulk import) as the table's next version.

        ``staged`` holds durable partition folders (``source=baci/year=2023/*.parquet``) on the store's file
        system. The new version hard-links every live partition that ``staged`` does not replace and ``drop``
        (called with the partition's relative folder) does not reject, then moves the staged files in: one
        ``CURRENT`` switch, so readers see the old partitions or the new ones, never a mix.
        """
        schema_for(table)
        staged_files = sorted(staged.rglob("*.parquet"))
        replaced = {path.parent.relative_to(staged) for path in staged_files}
        rows_in = pl.scan_parquet(staged_files).select(pl.len()).collect().item() if staged_files else 0
        with self.writer_lock():
            table_dir = self.root / table
            table_dir.mkdir(parents=True, exist_ok=True)
            self._remove_unreferenced(table_dir)
            old_version = self.current_version(table)
            with _staging_folder(table_dir, f"publishing the imported rows of table {table!r}") as staging:
                old_files = ([(f, f.relative_to(old_version)) for f in old_version.rglob("*.parquet")]
                             if old_version else [])
                for old_file, relative in old_files:
                    partition = relative.parent
                    if partition not in replaced and not drop(partition):
                        target = staging / relative
                        target.parent.mkdir(parents=True, exist_ok=True)
                        os.link(old_file, target)
                for path in staged_files:
                    target = staging / path.relative_to(staged)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
                for directory in sorted({p.parent for p in staging.rglob("*.parquet")}, reverse=True):
                    _fsync_dir(directory)
                version_name = self._switch_to(table_dir, staging)
            self._remove_unreferenced(table_dir)
        rows_after = self.scan(table).select(pl.len()).collect().item()
        return WriteResult(table, rows_in, rows_after, len(replaced), version_name)

    def drop_source(self, table: str, source: str) -> int:
        """Remove every row of ``source`` from a table partitioned by source first; return how many there were.

        One new version that hard-links the other sources' partitions (``publish_staged`` with nothing staged);
        nothing is written when the table holds no row of ``source``.
        """
        schema = schema_for(table)
        if schema.partition_by[:1] != ("source",):
            raise ValueError(f"table {table!r} is not partitioned by source: its rows of one source cannot be dropped")
        folder = f"source={source}"
        version = self.current_version(table)
        files = sorted((version / folder).rglob("*.parquet")) if version is not None else []
        if not files:
            return 0
        rows: int = pl.scan_parquet(files).select(pl.len()).collect().item()
        with tempfile.TemporaryDirectory(dir=self.root, prefix=".drop-") as nothing:
            self.publish_staged(table, Path(nothing), drop=lambda partition: partition.parts[:1] == (folder,))
        return rows

    def delete_rows(self, table: str, where: pl.Expr) -> int:
        """Remove the rows for which ``where`` is true (null counts as false); return how many there were.

        Read and rewritten under the writer lock, so no write in between is lost, as one new version: readers see
        every row or none of the removed ones. Nothing is written when no row matches.
        """
        schema = schema_for(table)
        if schema.mirrored_sides:
            raise ValueError(f"table {table!r} is read in both orders of each pair: rows cannot be deleted by value")
        matches = where.fill_null(False)
        with self.writer_lock():
            if not self.has_data(table):
                return 0
            frame = self.read(table)
            removed = int(frame.select(matches.sum()).item())
            if removed:
                self._write_version(table, frame.filter(~matches), merge=False, newest_wins=False)
        return removed

    def _switch_to(self, table_dir: Path, staging: Path) -> str:
        """Make a complete, fsynced staging folder the live version: name it, then point ``CURRENT`` at it."""
        _fsync_dir(staging)
        version_name = self._next_version_name(table_dir)
        staging.rename(table_dir / version_name)
        _fsync_dir(table_dir)
        self._point_to(table_dir, version_name)
        return version_name

    @staticmethod
    def _next_version_name(table_dir: Path) -> str:
        names = [p.name.removeprefix(BROKEN_PREFIX) for p in table_dir.iterdir()]
        numbers = [int(name[1:]) for name in names if VERSION_NAME.fullmatch(name)]
        return f"v{max(numbers, default=0) + 1:06d}"

    def point_at(self, table: str, version_name: str) -> None:
        """Make ``version_name`` the live version (``store repair``); the caller holds the writer lock."""
        if not VERSION_NAME.fullmatch(version_name) or not (self.root / table / version_name).is_dir():
            raise StoreCorruptError(f"table {table!r} has no version {version_name!r}")
        try:
            self._point_to(self.root / table, version_name)
        except OSError as exc:
            raise write_failure(exc, f"pointing table {table!r} at {version_name}") from exc

    @staticmethod
    def _point_to(table_dir: Path, version_name: str) -> None:
        write_atomically(table_dir / CURRENT_POINTER, version_name.encode("utf-8"))
        _fsync_dir(table_dir)

    def _remove_unreferenced(self, table_dir: Path) -> None:
        """Delete staging leftovers and versions older than the live one and its predecessor."""
        live_version = self.current_version(table_dir.name)  # a damaged pointer raises: deleting would lose data
        live = live_version.name if live_version is not None else None
        versions = self.versions(table_dir.name)
        keep = set()
        if live in versions:
            index = versions.index(live)
            keep = set(versions[max(0, index - KEPT_OLD_VERSIONS): index + 1])
        for entry in table_dir.iterdir():
            stale_version = entry.is_dir() and entry.name in versions and entry.name not in keep
            leftover = entry.name.startswith((".staging-", f".{CURRENT_POINTER}."))
            if stale_version or leftover:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def _holds_rows(path: Path, rows: pl.DataFrame) -> bool:
    """Whether the whole Parquet file at ``path`` holds ``rows`` (as ``_same_rows`` compares them)."""
    if not path.is_file() or parquet_problem(path):
        return False
    try:
        return _same_rows(pl.read_parquet(path), rows)
    except pl.exceptions.PolarsError:
        return False  # an unreadable old file is simply not kept


def _same_rows(old: pl.DataFrame, new: pl.DataFrame) -> bool:
    """Whether two files' rows are the same: other columns exactly, floats to a relative ``SAME_FLOAT``.

    A recomputation from unchanged inputs may differ in the last bits of a float (a parallel sum adds in another
    order); such a file is the same data and is kept."""
    if old.schema != new.schema or old.height != new.height:
        return False
    floats = [name for name, dtype in new.schema.items() if dtype.is_float()]
    if not old.drop(floats).equals(new.drop(floats)):
        return False
    if not floats:
        return True
    side_by_side = old.select(floats).hstack(new.select(pl.col(floats).name.suffix("\0new")))

    def close(name: str) -> pl.Expr:
        a, b = pl.col(name), pl.col(f"{name}\0new")
        return (((a - b).abs() <= SAME_FLOAT * pl.max_horizontal(a.abs(), b.abs())) | (a.is_null() & b.is_null())
                ).fill_null(False).all()

    return bool(side_by_side.select(pl.all_horizontal(close(name) for name in floats)).item())


def _changes_nothing(
    schema: schemas.TableSchema, old_version: Path, frame: pl.DataFrame, newest_wins: bool
) -> bool:
    """True when upserting ``frame`` would leave every stored row as it is, ``fetched_at`` aside.

    Reads only the partitions the frame touches and stops at the first one that would change.
    """
    if not frame.height:
        return True
    data_columns = [name for name in schema.column_names if name not in schema.partition_by]
    compared = [name for name in data_columns if name != "fetched_at"]
    key = [name for name in schema.key if name not in schema.partition_by]
    parts = (frame.partition_by(list(schema.partition_by), as_dict=True, include_key=False)
             if schema.partition_by else {(): frame})
    for values, part in parts.items():
        stored = _read_partition(old_version / _partition_path(schema, values))
        if stored is None:
            return False
        old = stored.select(data_columns)
        merged = _merge(schema, old, part.select(data_columns), newest_wins, key_exclude=schema.partition_by)
        if merged.height != old.height or not merged.select(compared).sort(key).equals(old.select(compared).sort(key)):
            return False
    return True


def _merge(
    schema: schemas.TableSchema,
    old: pl.DataFrame,
    new: pl.DataFrame,
    newest_wins: bool,
    key_exclude: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Upsert ``new`` into ``old`` on the natural key; on equal fetch times the new row wins."""
    key = [name for name in schema.key if name not in key_exclude]
    combined = pl.concat([old.with_columns(_arrival=pl.lit(0)), new.with_columns(_arrival=pl.lit(1))])
    order = ["fetched_at", "_arrival"] if newest_wins else ["_arrival"]
    return combined.sort(order).unique(subset=key, keep="last").drop("_arrival")
