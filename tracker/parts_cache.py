"""The per-year parts of the metric computation, kept beside the store between runs, so that a change to one
year of trade recomputes only what reads that year.

Why: ``tracker.metrics.windows`` reduces each year of trade (10M rows a year of BACI) to small parts (group-level
flows, similarity rows, tariff weights; the code-level rows CMS compares; each CMS span's result), then computes
each year's tables and export potential from the parts of the years they compare with. A fetch that revises one
year leaves the other years' trade files as they were (the store links them into the new version), so whatever
read only those years can be reused: the revised year and the years whose window reads it are recomputed, no
other.

Each entry is a folder ``.metric-parts/<kind>-<years>-<key>/`` of Parquet files and a ``complete`` marker written
last. The key hashes what the entry was computed from: the files of the trade years it read (path, inode, size
and modification time: a rewritten partition is a new file), the config files and the metric code (``salt``, from
``tracker.freshness``). An entry that also read other inputs (the export potential: tariffs, projections,
capitals) records their digest (``extra``) and reads as absent for another. Anything else reads as absent too: a
key that no longer matches, a folder without its marker (a process killed while writing it), a file that cannot
be read. The entry is then computed again, so a damaged cache never gives a wrong table, only a slower run.

A frame that is, row for row, a partition the store was handed in the same run (a year of group_market, of the
export potential) is not written again: the store's staged file is hard-linked into the entry (``stored.json``
names the table and partition, whose columns the store keeps in folder names and :meth:`PartsCache.load` adds
back). A store file is never changed once written, so the link keeps the rows whatever the store does next.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from tracker.behind import Behind
from tracker.errors import StoreCorruptError
from tracker.store import write_failure
from tracker.store_paths import live_version
from tracker.tables import schema_for

CACHE_FOLDER = ".metric-parts"
COMPLETE_MARKER = "complete"
EXTRA_FILE = "extra"  # what else than trade an entry was computed from (see PartsCache.load)
STORED_FILE = "stored.json"  # the entry's frames that are a store table's partition file, linked (PartsCache.save)

# A stored table's partition: (table, its partition values), and where the store staged its file
Partition = tuple[str, tuple[object, ...]]
StagedFile = Callable[[str, tuple[object, ...]], Path | None]


ENTRY_NAME = re.compile(r"(?P<kind>[a-z]+)(?P<years>(?:-\d{4})+)-(?P<key>[0-9a-f]{24})")


class PartsCache:
    """The kept parts of one store. An entry is a kind (``year``, ``code``, ``cms``, ``tables``, ``potential``)
    and the trade years it was computed from."""

    def __init__(self, root: Path, salt: str, reuse: bool = True, behind: Behind | None = None,
                 staged_file: StagedFile | None = None) -> None:
        """``reuse=False`` (``metrics --force``) reads nothing kept and keeps what it computes. ``behind``: where
        entries are written, while the computation goes on (else at once). ``staged_file(table, values)``: the
        file the store staged for that partition of the table this run, if any (see :meth:`save`)."""
        self.folder = root / CACHE_FOLDER
        self.salt = salt
        self.reuse = reuse
        self.behind = behind
        self.staged_file = staged_file
        self._writing: dict[str, Future[object]] = {}  # entries being written behind, by name
        try:
            self._trade = live_version(root, "trade")
        except StoreCorruptError:
            self._trade = None  # reading trade itself reports it; nothing kept is trusted meanwhile
            self.reuse = False

    def _key(self, years: Sequence[int]) -> str:
        hasher = hashlib.sha256(self.salt.encode("utf-8"))
        trade = self._trade or self.folder  # no trade yet: no files to hash
        for year in years:
            hasher.update(f"\nyear {year}".encode())
            for path in sorted(trade.glob(f"*/year={year}/*.parquet")):
                stat = path.stat()
                hasher.update(f"\n{path.relative_to(trade)}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return hasher.hexdigest()[:24]

    def _entry(self, kind: str, years: Sequence[int]) -> Path:
        return self.folder / f"{kind}-{'-'.join(str(year) for year in years)}-{self._key(years)}"

    def has(self, kind: str, years: Sequence[int]) -> bool:
        """Whether an entry of ``kind`` is kept, whole, for the current trade files of ``years`` (not read: a
        damaged file still reads as absent when loaded)."""
        return self.reuse and (self._entry(kind, years) / COMPLETE_MARKER).is_file()

    def load(self, kind: str, years: Sequence[int], extra: str = "") -> dict[str, pl.DataFrame] | None:
        """The frames kept of ``kind`` for the current trade files of ``years``, or None. ``extra`` names what
        else the entry was computed from (a digest of other inputs): an entry kept for another is absent."""
        entry = self._entry(kind, years)
        if entry.name in self._writing:
            self._writing.pop(entry.name).exception()  # written (or failed: then absent) before it is read
        if not self.reuse or not (entry / COMPLETE_MARKER).is_file():
            return None
        try:
            if (entry / EXTRA_FILE).read_text(encoding="utf-8") != extra:
                return None
            stored = json.loads((entry / STORED_FILE).read_text(encoding="utf-8"))
            return {path.stem: _with_partition(pl.read_parquet(path), stored.get(path.stem))
                    for path in sorted(entry.glob("*.parquet"))}
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None  # damaged: computed again, and replaced

    def save(self, kind: str, years: Sequence[int], frames: dict[str, pl.DataFrame], extra: str = "",
             stored: Mapping[str, Partition] | None = None) -> None:
        """Keep ``frames`` of ``kind`` for the current trade files of ``years`` and ``extra`` (replacing an older
        entry). ``stored`` names the frames that are, row for row, a partition the store was handed this run
        (``{"group_market": ("group_market", (2024,))}``): the store's staged file (immutable) is linked into the
        entry instead of written again. Called after the store was handed them, through the same ``behind``."""
        entry = self._entry(kind, years)
        if self.behind is None:
            self._write(entry, frames, extra, stored or {})
        else:
            size = sum(frame.estimated_size() for frame in frames.values())
            self._writing[entry.name] = self.behind.submit(partial(self._write, entry, frames, extra, stored or {}),
                                                           size=size)

    def _write(self, entry: Path, frames: dict[str, pl.DataFrame], extra: str,
               stored: Mapping[str, Partition]) -> None:
        building = self.folder / f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex}"
        linked: dict[str, Partition] = {}
        try:
            building.mkdir(parents=True)
            for name, frame in frames.items():
                staged = self.staged_file(*stored[name]) if name in stored and self.staged_file else None
                if staged is not None and _linked(staged, building / f"{name}.parquet"):
                    linked[name] = stored[name]
                else:  # read whole, never filtered: no statistics (they cost more to write and read than they save)
                    frame.write_parquet(building / f"{name}.parquet", compression="lz4", statistics=False)
            (building / STORED_FILE).write_text(json.dumps(linked), encoding="utf-8")
            (building / EXTRA_FILE).write_text(extra, encoding="utf-8")
            (building / COMPLETE_MARKER).touch()
            self._remove([entry])
            building.rename(entry)
        except (OSError, pl.exceptions.PolarsError) as exc:
            self._remove([building])
            raise write_failure(exc, f"keeping the metric parts {entry.name!r} under {self.folder}") from exc

    def prune(self) -> None:
        """Remove every entry that no longer stands for the stored trade (a year revised or no longer stored,
        another config or code), and what a killed run left: called after a whole computation, under the
        store's writer lock (no other run is writing)."""
        if self.folder.is_dir():
            self._remove(path for path in list(self.folder.iterdir()) if not self._current(path))

    def _current(self, entry: Path) -> bool:
        match = ENTRY_NAME.fullmatch(entry.name)
        if match is None or not (entry / COMPLETE_MARKER).is_file():
            return False
        years = [int(year) for year in match["years"].split("-")[1:]]
        return match["key"] == self._key(years)

    @staticmethod
    def _remove(paths: Iterable[Path]) -> None:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()


def _linked(source: Path, target: Path) -> bool:
    """Hard-link ``source`` at ``target``; False where the file system refuses (the caller writes instead)."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _with_partition(frame: pl.DataFrame, partition: list[Any] | None) -> pl.DataFrame:
    """A kept frame as it was handed to ``save``: a linked partition file lacks its partition columns (the store
    keeps them in the folder names), so they are added back, in the table's column order."""
    if partition is None:
        return frame
    table, values = partition
    schema = schema_for(table)
    dtypes = schema.polars_schema
    return frame.with_columns(pl.lit(value, dtypes[name]).alias(name)
                              for name, value in zip(schema.partition_by, values, strict=True)
                              ).select(schema.column_names)
