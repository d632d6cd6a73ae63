"""Stream a BACI release into the store's ``trade`` table, one year and one batch at a time.

How a BACI row becomes a trade row (source ``baci``): ``i`` exports to ``j`` → flow ``export``, reporter =
ISO3 of ``i``, partner = ISO3 of ``j``, ``hs_code`` = ``k`` (six digits; a five-digit ``k`` lost its leading
zero and is padded), period = the year, frequency ``A``, ``value_usd`` = ``v`` × 1000 (FOB), ``net_weight_kg``
= ``q`` × 1000 (null when ``q`` is ``NA``, padded or not, or empty), ``hs_revision`` = the file's revision
(``HS17``), provenance ``reconciled`` (CEPII reconciled the exporter's and the importer's reports). Each year
also gets all-goods rows (hs_code ``TOTAL``, partner ``WLD``): every exporter's exports and every importer's
imports summed over all codes and partners, including codes outside every product group, non-HS6 codes and
unmapped partners.

Rows whose exporter or importer maps to no country, and rows whose code is not six digits (``9999AA``), are not
code rows; they are counted, named in the summary and in ``fetch_log``, and still count in the totals.

CEPII's format: ``v`` and ``q`` are right-aligned and space-padded (``        0.357``), a missing ``q`` is ``NA``
(padded the same way). Padded numbers parse as they are; the padded ``NA`` of the file's width (read from its
first rows) is a null to the fast typed reader. A year the typed reader cannot parse (a stray text, another
width of ``NA``, a row with more fields) is read again line by line as text, and only its unreadable rows are
set aside. Rows that cannot be read, or are not a valid BACI row (a missing field, another year, a negative or
absurd number), are quarantined: skipped, counted, the first few named by line in the summary and ``fetch_log``
(they are in no total either). A year whose skipped rows pass ``MAX_SKIPPED_SHARE`` of its rows is refused
whole: left out of the import, named (file, share, first bad lines) in ``ImportSummary.refused`` and in a
``failed`` row of ``fetch_log``, while the other years are published. A refused year deletes nothing: the
store's rows of it stay as they were. So the import writes nothing when every year is refused, or when the
store holds an older release with rows of a refused year (the newer release would replace them, and releases
are never mixed).

Group codes of HS 2022 that the release's product file does not hold are named in the summary and ``fetch_log``:
those read through an older code (``tracker/hs_revisions.py``) as approximate, the others as missing.

Every Parquet file carries the release (``baci_version``, ``baci_hs_revision``) in its key-value metadata, so
the store itself says which release its BACI rows are. Files are written to a staging folder beside the store
and published with one ``CURRENT`` switch (``Store.publish_staged``): a new release replaces every older BACI
row at once, and a failure at any point publishes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import filelock
import numpy as np
import polars as pl

from tracker import schemas
from tracker.baci.layout import (
    YEAR_COLUMNS,
    Archive,
    BaciDataError,
    CountryMap,
    check_complete,
    check_header,
    open_archive,
    read_countries,
    read_product_codes,
)
from tracker.config import ProductGroup, config_dir, load_groups
from tracker.errors import StoreError, UsageError
from tracker.hs_revisions import predecessor
from tracker.sources.baci import SOURCE
from tracker.store import Store, write_failure
from tracker.tables import FETCH_LOG, TRADE

PROVENANCE = "reconciled"
WORLD = "WLD"
TOTAL = "TOTAL"
BATCH_ROWS = 2_000_000
MAX_BINCOUNT_CODE = 65_535  # BACI's country codes have three digits
# Null counts only: min/max of every column cost about a fifth of the write, and the store's readers select
# BACI rows by their hive partitions (source, year), never by a column's range within a year.
PART_STATISTICS = {"min": False, "max": False, "distinct_count": False, "null_count": True}
COUNTRY_TEXT = pl.Categorical(pl.Categories("baci_country", physical=pl.UInt16))
CSV_SCHEMA = {"t": pl.Int32, "i": pl.Int32, "j": pl.Int32, "k": pl.String, "v": pl.Float64, "q": pl.Float64}
MISSING = "NA"  # CEPII's missing quantity (about 2 % of the rows), right-aligned like the numbers
SNIFF_BYTES = 64 << 10  # the first rows, read to learn the width CEPII pads NA to
MAX_SKIPPED_SHARE = 0.01  # a year with more unreadable rows than this share is refused (real files have none)
MAX_REASONS = 5  # unreadable rows named (by line) in the summary and fetch_log
META_VERSION, META_REVISION = "baci_version", "baci_hs_revision"
STAGING_DIR = ".baci-import"
DATA_COLUMNS = [name for name in TRADE.column_names if name not in TRADE.partition_by]


@dataclass(frozen=True)
class Release:
    """The BACI release the store holds: HS revision, version and years."""

    hs_revision: str
    version: str
    years: tuple[int, ...]

    def __str__(self) -> str:
        span = f"{self.years[0]}–{self.years[-1]}" if len(self.years) > 1 else str(self.years[0])
        return f"BACI {self.hs_revision} {self.version} ({span})"


@dataclass
class Unmapped:
    """A code kept out of the code rows: how many rows and how much value it carried."""

    label: str
    rows: int = 0
    value_usd: float = 0.0


@dataclass
class ImportSummary:
    release: Release
    years_written: tuple[int, ...]
    rows_read: int = 0
    rows_written: int = 0
    total_rows: int = 0
    countries: int = 0
    unmapped_countries: dict[int, Unmapped] = field(default_factory=dict)
    other_codes: dict[str, Unmapped] = field(default_factory=dict)
    skipped_rows: int = 0
    skipped_reasons: list[str] = field(default_factory=list)
    approximate_codes: list[str] = field(default_factory=list)
    missing_codes: list[str] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # year -> why it was left out (file, share, lines)
    seconds: float = 0.0

    @property
    def unchanged(self) -> bool:
        return not self.years_written

    def refusals(self) -> dict[int, str]:
        """One line per year left out of an import that published the others (printed, and kept in
        ``fetch_log``)."""
        return {year: f"{reason}; {year} was left out (what the store held for it is unchanged), the other years "
                "were imported" for year, reason in sorted(self.refused.items())}

    def warning(self) -> str | None:
        """The unmapped and non-HS6 codes in one line (printed, and kept in ``fetch_log``)."""
        parts = []
        if self.unmapped_countries:
            parts.append("unmapped BACI country codes (rows not stored as code rows) " + "; ".join(
                f"{code} {item.label}: {item.rows:,} rows, USD {item.value_usd:,.0f}"
                for code, item in sorted(self.unmapped_countries.items())))
        if self.other_codes:
            parts.append("product codes that are not HS6 (in the TOTAL rows only) " + "; ".join(
                f"{code}: {item.rows:,} rows, USD {item.value_usd:,.0f}"
                for code, item in sorted(self.other_codes.items())))
        if self.skipped_rows:
            parts.append(f"{self.skipped_rows:,} unreadable rows skipped (in no total); first: "
                         + "; ".join(self.skipped_reasons))
        if self.approximate_codes:
            parts.append(f"group codes not in {self.release.hs_revision}, read through the older code that holds "
                         "them (approximate values) " + "; ".join(self.approximate_codes))
        if self.missing_codes:
            parts.append(f"group codes the {self.release.hs_revision} product file does not hold (no values, not "
                         "zero) " + "; ".join(self.missing_codes))
        return "warning: " + " | ".join(parts) if parts else None


def stored_release(store: Store) -> Release | None:
    """The release of the BACI rows in the live ``trade`` version (read from the files' metadata), or None."""
    version = store.current_version("trade")
    files = sorted((version / f"source={SOURCE}").glob("year=*/*.parquet")) if version else []
    if not files:
        return None
    releases = set()
    for path in files:
        metadata = pl.read_parquet_metadata(path)
        releases.add((metadata.get(META_REVISION), metadata.get(META_VERSION)))
    hs_revision, baci_version = next(iter(releases)) if len(releases) == 1 else (None, None)
    if hs_revision is None or baci_version is None:
        raise StoreError(f"the trade table's BACI files name {sorted(map(str, releases))}: expected one release")
    years = tuple(sorted({int(path.parent.name.removeprefix("year=")) for path in files}))
    return Release(hs_revision, baci_version, years)


def import_baci(store: Store, path: Path, years: tuple[int, ...] | None = None,
                progress: bool = True, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                groups: Iterable[ProductGroup] | None = None) -> ImportSummary:
    """Import the release at ``path`` (zip or folder), or only ``years`` of it; see the module docstring.

    ``groups`` (default: the configured product groups) are checked against the release's product file."""
    started, clock = now(), time.monotonic()
    archive = open_archive(path)
    available = tuple(sorted(archive.year_files))
    wanted = years or available
    missing = sorted(set(wanted) - set(available))
    if missing:
        raise UsageError(f"--years: {', '.join(map(str, missing))} not in {path.name} "
                         f"(it holds {available[0]}–{available[-1]})")
    stored = stored_release(store)
    same_release = stored is not None and (stored.hs_revision, stored.version) == (archive.hs_revision,
                                                                                    archive.version)
    if stored is not None and not same_release and archive.version < stored.version:
        raise BaciDataError(f"the store holds the newer {stored}; refusing to replace it with "
                            f"{archive.hs_revision} {archive.version}")
    kept_years = stored.years if stored is not None and same_release else ()
    to_write = tuple(year for year in wanted if year not in kept_years)
    release = Release(archive.hs_revision, archive.version, tuple(sorted({*kept_years, *wanted})))
    summary = ImportSummary(release=release, years_written=to_write)
    if not to_write:  # the same release and years are already stored: nothing to write, not even a log row
        summary.seconds = time.monotonic() - clock
        return summary
    countries = read_countries(archive)
    _check_group_codes(archive, load_groups(config_dir()) if groups is None else groups, summary)
    staging_root = store.root / STAGING_DIR
    staging_root.mkdir(parents=True, exist_ok=True)
    try:
        with filelock.FileLock(staging_root / ".lock", timeout=0):
            if stored_release(store) != stored:  # another import finished between our first look and the lock
                raise StoreError("the store's BACI release changed while this import started; run it again")
            _remove_leftovers(staging_root)
            work = staging_root / uuid.uuid4().hex
            try:
                _stage_years(archive, to_write, countries, work, summary, now(), progress)
                written = tuple(year for year in to_write if year not in summary.refused)
                _check_refused(summary, written, None if same_release else stored)
                summary.years_written = written
                summary.release = Release(archive.hs_revision, archive.version,
                                          tuple(year for year in release.years if year not in summary.refused))
                store.publish_staged(
                    "trade", work / "trade",
                    drop=lambda partition: not same_release and partition.parts[0] == f"source={SOURCE}",
                )
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except filelock.Timeout:
        raise StoreError(f"another BACI import is running on the store at {store.root}") from None
    except OSError as exc:  # a full disk while staging: the store is untouched, the work folder removed
        raise write_failure(exc, f"staging the BACI import under {staging_root}") from exc
    except BaciDataError as exc:
        others = tuple(year for year in to_write if year not in summary.refused)
        _log(store, archive, started, now(), [
            *(((year,), "failed", f"{reason}; nothing was imported", 0) for year, reason in summary.refused.items()),
            *([(others, "failed", str(exc), 0)] if others else []),
        ])
        raise
    summary.seconds = time.monotonic() - clock
    _log(store, archive, started, now(), [
        (summary.years_written, "ok", summary.warning(), summary.rows_written + summary.total_rows),
        *(((year,), "failed", line, 0) for year, line in summary.refusals().items()),
    ])
    return summary


def _check_refused(summary: ImportSummary, written: tuple[int, ...], older: Release | None) -> None:
    """Refuse the whole import when no year is left to publish, or when publishing would delete what the store
    holds for a refused year: the rows of the ``older`` release, which a newer one replaces whole."""
    if not summary.refused:
        return
    reasons = " | ".join(reason for _, reason in sorted(summary.refused.items()))
    if not written:
        raise BaciDataError(f"{reasons}; nothing was imported")
    held = sorted(set(summary.refused) & set(older.years)) if older is not None else []
    if older is not None and held:
        shown = ", ".join(map(str, held))
        raise BaciDataError(
            f"{reasons}; the store holds {older}, whose rows of {shown} the other years of "
            f"{summary.release.hs_revision} {summary.release.version} would replace (releases are never mixed), so "
            f"nothing was imported; --years {','.join(map(str, written))} imports them without {shown}, "
            "dropping the older release")


def _check_group_codes(archive: Archive, groups: Iterable[ProductGroup], summary: ImportSummary) -> None:
    """Name the group codes the release's product file does not hold: read through an older code (approximate),
    or missing. A group code counts as held when a product code starts with it."""
    products = read_product_codes(archive)
    if products is None:
        summary.missing_codes.append(f"none checked: the release has no product_codes_{archive.hs_revision}_"
                                     f"{archive.version}.csv")
        return
    prefixes = {code[:length] for code in products for length in (2, 4, 6)}
    for group in groups:
        for code in group.hs_codes:
            if code in prefixes:
                continue
            older = predecessor(archive.hs_revision, code)
            if older is not None and older in products:
                summary.approximate_codes.append(f"{group.id} {code} as {older}")
            else:
                summary.missing_codes.append(f"{group.id} {code}")


def _remove_leftovers(staging_root: Path) -> None:
    """Work folders of a killed import (the caller holds the import lock, so none is in use)."""
    for entry in staging_root.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _stage_years(archive: Archive, years: tuple[int, ...], countries: CountryMap, work: Path,
                 summary: ImportSummary, fetched_at: datetime, progress: bool) -> None:
    from tqdm import tqdm

    raw = work / "raw"
    raw.mkdir(parents=True)
    seen_iso3: set[str] = set()
    with tqdm(desc=f"BACI {archive.hs_revision} {archive.version}", unit=" rows", unit_scale=True,
              disable=not progress, dynamic_ncols=True) as bar:
        for done, year in enumerate(years):
            bar.set_postfix_str(f"year {year}, {done}/{len(years)} years done")
            member = archive.year_files[year]
            folder = work / "trade" / f"source={SOURCE}" / f"year={year}"
            folder.mkdir(parents=True)
            local = archive.local_copy(member, raw)
            try:
                check_header(archive, member, YEAR_COLUMNS)
                check_complete(local, member)
                converter = _YearConverter(archive, year, countries, folder, fetched_at)
                try:
                    converter.run(local, member, bar.update)
                except _TypedReadFailed:  # read the year again as text lines; only unreadable rows are set aside
                    bar.update(-converter.rows_read)
                    shutil.rmtree(folder)
                    folder.mkdir(parents=True)
                    converter = _YearConverter(archive, year, countries, folder, fetched_at)
                    converter.run(local, member, bar.update, as_text=True)
            finally:
                if archive.is_zip:
                    local.unlink(missing_ok=True)
            try:
                converter.finish(summary)
            except _YearRefused as exc:  # the year is left out whole; the others go on
                shutil.rmtree(folder)
                summary.refused[year] = str(exc)
                continue
            seen_iso3 |= converter.iso3_seen
        bar.set_postfix_str(f"{len(years)}/{len(years)} years done")
    summary.countries = len(seen_iso3)


class _YearConverter:
    """One yearly CSV → trade Parquet parts (code rows) + one part of all-goods totals, with checks and counts."""

    def __init__(self, archive: Archive, year: int, countries: CountryMap, folder: Path,
                 fetched_at: datetime) -> None:
        self.archive, self.year, self.countries, self.folder = archive, year, countries, folder
        self.metadata = {META_VERSION: archive.version, META_REVISION: archive.hs_revision}
        text = {"flow": "export", "period": str(year), "frequency": "A", "hs_revision": archive.hs_revision,
                "provenance": PROVENANCE}
        self.constants = {
            **{name: pl.lit(value, _small_categorical(name)) for name, value in text.items()},
            "quantity": pl.lit(None, pl.Float64), "quantity_unit": pl.lit(None, pl.String),
            "fetched_at": pl.lit(fetched_at, schemas.UTC_TIME),
        }
        self.member = archive.year_files[year]
        self.rows_read = self.rows_written = self.skipped = 0
        self.reasons: list[str] = []
        self.by_exporter: list[pl.DataFrame] = []
        self.by_importer: list[pl.DataFrame] = []
        self.other_codes: list[pl.DataFrame] = []
        self.iso3_seen: set[str] = set()
        self.ordered = True  # CEPII sorts by (i, j, k): strictly increasing means no repeats
        self.last_key: tuple[Any, ...] | None = None

    def run(self, csv: Path, member: str, advance: Callable[[int], object], as_text: bool = False) -> None:
        """Convert the CSV batch by batch. Polars parses the next batch while this one is checked and
        converted, and writer threads write the previous ones meanwhile (``_PartWriter``).

        Typed (fast) unless ``as_text``; a typed read that fails raises ``_TypedReadFailed`` for the caller to
        read the year again as text."""
        batches = _text_batches(csv) if as_text else _typed_batches(csv)
        writer = _PartWriter(self.metadata)
        try:
            for index, batch in enumerate(batches):
                self._batch(index, batch, writer)
                advance(batch.height)
            writer.wait()
        except pl.exceptions.PolarsError as exc:
            if "No space left on device" in str(exc):  # Polars wraps the OS error of a staged write
                raise write_failure(exc, f"staging {member}") from exc
            raise BaciDataError(f"{member} cannot be parsed as t,i,j,k,v,q: {exc}") from None
        finally:
            writer.close()

    def _batch(self, index: int, batch: pl.DataFrame, writer: _PartWriter) -> None:
        """Check, convert and write one batch, with as few passes over its rows as possible.

        The checks are one ``select`` of whole-batch aggregates; rows are filtered only when the batch holds an
        invalid row (quarantined), a code that is not HS6 or a country that maps to none (rare: the checks and
        the per-country sums reveal them); the text columns are written dictionary-encoded (see ``_write``).
        """
        height = batch.height
        code = pl.col("k")
        padded = code.str.len_bytes() == 5
        hs_code = pl.when(padded).then(code.str.zfill(6)).otherwise(code)
        valid = _complete(self.year)
        if "unreadable" in batch.columns:  # read as text: the fields that did not parse
            valid = valid & pl.col("unreadable").is_null()
        aggregates = (valid.all().alias("ok"), _increasing().alias("increasing"), padded.any().alias("padded"),
                      _six_digits(code).all().alias("hs6"))
        ok, increasing, any_padded, all_hs6 = batch.select(aggregates).row(0)
        if not ok:  # rare: set the invalid rows aside, then check what is left
            batch = self._quarantine(batch, valid)
            increasing, any_padded, all_hs6 = batch.select(aggregates[1:]).row(0)
        self._track_order(batch, increasing, any_padded)
        if any_padded:  # rare: only then is every code padded before the six-digit test
            all_hs6 = batch.select(_six_digits(hs_code).all()).item()
        by_exporter, by_importer = _sums_by_country(batch, "i"), _sums_by_country(batch, "j")
        self.by_exporter.append(by_exporter)
        self.by_importer.append(by_importer)
        iso3 = self.countries.iso3
        keep = []
        if not all_hs6:
            is_hs6 = _six_digits(hs_code)
            self.other_codes.append(batch.filter(~is_hs6).group_by(hs_code.alias("k")).agg(_value_and_rows()))
            keep.append(is_hs6)
        for column, sums in (("i", by_exporter), ("j", by_importer)):
            if not sums.get_column(column).is_in(list(iso3)).all():
                keep.append(pl.col(column).is_in(list(iso3)))
        converted = {
            "reporter": pl.col("i").replace_strict(iso3, return_dtype=COUNTRY_TEXT),
            "partner": pl.col("j").replace_strict(iso3, return_dtype=COUNTRY_TEXT),
            "hs_code": hs_code if any_padded else code,
            "value_usd": pl.col("v") * 1000, "net_weight_kg": pl.col("q") * 1000,
            **self.constants,
        }
        rows = (batch.lazy().filter(*keep) if keep else batch.lazy()).select(
            converted[name].alias(name) for name in DATA_COLUMNS).collect()
        if rows.height:
            writer.submit(rows, self.folder / f"part-{index:05d}.parquet")
        self.rows_read += height
        self.rows_written += rows.height

    def _quarantine(self, batch: pl.DataFrame, valid: pl.Expr) -> pl.DataFrame:
        """Count the invalid rows, name the first few by line, and return the valid ones."""
        flagged = batch.with_row_index("_line").filter(~valid)
        self.skipped += flagged.height
        for row in flagged.head(MAX_REASONS - len(self.reasons)).iter_rows(named=True):
            line = self.rows_read + row.pop("_line") + 2  # 1-based, after the header
            self.reasons.append(f"{self.member} line {line}: {_reason(row, self.year)}")
        return batch.filter(valid).drop("unreadable", strict=False)

    def _track_order(self, batch: pl.DataFrame, increasing: bool, padded: bool) -> None:
        """Note whether the rows so far are strictly increasing in (i, j, k), which rules out repeated flows."""
        if not self.ordered or not batch.height:
            return
        first = batch.select("i", "j", "k").row(0)
        # "10121" and "010121" would become one key once padded: then the order proves nothing
        self.ordered = (self.last_key is None or first > self.last_key) and not padded and increasing
        self.last_key = batch.select("i", "j", "k").row(-1)

    def finish(self, summary: ImportSummary) -> None:
        """Write the year's all-goods totals; check countries and keys; add the year's counts to ``summary``."""
        if self.skipped > MAX_SKIPPED_SHARE * self.rows_read:
            raise _YearRefused(
                f"{self.member}: {self.skipped:,} of {self.rows_read:,} rows cannot be read as BACI rows for "
                f"{self.year} ({self.skipped / max(self.rows_read, 1):.1%}, more than the "
                f"{MAX_SKIPPED_SHARE:.0%} an import accepts): "
                f"{'; '.join(reason.removeprefix(f'{self.member} ') for reason in self.reasons)}; the file is "
                "truncated or malformed")
        summary.skipped_rows += self.skipped
        summary.skipped_reasons.extend(self.reasons[:MAX_REASONS - len(summary.skipped_reasons)])
        exporters = _summed(self.by_exporter, "i")
        importers = _summed(self.by_importer, "j")
        self._check_collisions(exporters, importers)
        totals = pl.concat([
            self._totals(exporters, "i", "export"), self._totals(importers, "j", "import"),
        ])
        _write(totals, self.folder / "part-totals.parquet", self.metadata)
        self._check_unique_keys()
        for role_frame, column in ((exporters, "i"), (importers, "j")):
            for code, value, rows in role_frame.filter(~pl.col(column).is_in(list(self.countries.iso3))).iter_rows():
                label = self.countries.unmapped.get(code, "not in the country file")
                item = summary.unmapped_countries.setdefault(code, Unmapped(label))
                item.rows += rows
                item.value_usd += value
        for code, value, rows in _summed(self.other_codes, "k").iter_rows():
            item = summary.other_codes.setdefault(code, Unmapped(""))
            item.rows += rows
            item.value_usd += value
        self.iso3_seen = set(totals.get_column("reporter").to_list())
        summary.rows_read += self.rows_read
        summary.rows_written += self.rows_written
        summary.total_rows += totals.height

    def _check_collisions(self, exporters: pl.DataFrame, importers: pl.DataFrame) -> None:
        """Two codes of one ISO3 in the same year would give two rows with one key: refuse, naming them."""
        seen = sorted({*exporters.get_column("i").to_list(), *importers.get_column("j").to_list()})
        by_iso3: dict[str, list[int]] = {}
        for code in seen:
            if code in self.countries.iso3:
                by_iso3.setdefault(self.countries.iso3[code], []).append(code)
        shared = {iso3: codes for iso3, codes in by_iso3.items() if len(codes) > 1}
        if shared:
            raise BaciDataError(f"{self.archive.country_file}: codes {shared} map to one ISO3 and both trade in "
                                f"{self.year}; their rows would collide")

    def _totals(self, summed: pl.DataFrame, column: str, flow: str) -> pl.DataFrame:
        iso3 = self.countries.iso3
        return summed.filter(pl.col(column).is_in(list(iso3))).select(
            pl.lit(flow, _small_categorical("flow")).alias("flow"),
            pl.col(column).replace_strict(iso3, return_dtype=COUNTRY_TEXT).alias("reporter"),
            pl.lit(WORLD, COUNTRY_TEXT).alias("partner"), pl.lit(TOTAL, pl.Categorical).alias("hs_code"),
            *(self.constants[name].alias(name) for name in ("period", "frequency")),
            pl.col("value_usd"), pl.lit(None, pl.Float64).alias("net_weight_kg"),
            *(self.constants[name].alias(name) for name in ("quantity", "quantity_unit", "hs_revision",
                                                            "provenance", "fetched_at")),
        ).select(DATA_COLUMNS)

    def _check_unique_keys(self) -> None:
        """BACI has one row per (i, j, k, t); a file with repeated rows would break the store's key.

        Free when the file was sorted (checked while reading); otherwise the written rows are grouped by key.
        """
        if self.ordered or not self.rows_written:
            return
        codes = pl.scan_parquet(sorted(self.folder.glob("part-0*.parquet")))
        repeated = (codes.group_by("reporter", "partner", "hs_code").len().filter(pl.col("len") > 1)
                    .head(1).collect())
        if repeated.height:
            raise BaciDataError(f"{self.archive.year_files[self.year]}: the flow {repeated.row(0, named=True)} "
                                "appears more than once; BACI lists each flow once")


class _YearRefused(BaciDataError):
    """A year with more unreadable rows than ``MAX_SKIPPED_SHARE``: left out whole, the other years go on."""


class _TypedReadFailed(Exception):
    """The typed CSV reader met a field it cannot parse: the year is read again as text (``_text_batches``)."""


def _missing_tokens(csv: Path) -> list[str]:
    """``NA`` and ``NA`` padded to each width the first rows pad v and q to (``           NA``).

    Polars' ``null_values`` match whole fields; the widths are learnt from the file, not listed up to some
    width: each token costs the reader time on every field (33 of them made the read 2.4× slower)."""
    with open(csv, "rb") as handle:
        data = handle.read(SNIFF_BYTES)
    head = data.decode("utf-8", errors="replace").splitlines()[1:]
    if len(data) == SNIFF_BYTES:
        head = head[:-1]  # the last line read may be cut
    widths = {len(field) for line in head for field in line.split(",")[4:6] if field.startswith(" ")}
    return [MISSING, *(MISSING.rjust(width) for width in sorted(widths)[:4] if width > len(MISSING))]


def _typed_batches(csv: Path) -> Iterator[pl.DataFrame]:
    """The yearly CSV in typed batches (the fast path); ``_TypedReadFailed`` at a field it cannot parse."""
    batches = pl.scan_csv(csv, schema=CSV_SCHEMA, null_values=_missing_tokens(csv)).collect_batches(
        chunk_size=BATCH_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except pl.exceptions.PolarsError as exc:  # reading only: the writes happen elsewhere
            raise _TypedReadFailed(str(exc)) from None
        yield batch


def _text_batches(csv: Path) -> Iterator[pl.DataFrame]:
    """The yearly CSV read line by line as text, then split and cast here: every line becomes a row of
    ``CSV_SCHEMA`` plus ``unreadable`` (why it could not be read, or null), so one bad field costs one row."""
    lines = pl.scan_csv(csv, has_header=False, skip_rows=1, separator="\x1f", quote_char=None,
                        schema={"line": pl.String}, encoding="utf8-lossy")
    for batch in lines.collect_batches(chunk_size=BATCH_ROWS):
        yield batch.select(_parsed_line())


def _parsed_line() -> list[pl.Expr]:
    line = pl.col("line").fill_null("")
    fields = line.str.split(",")
    raw = {name: fields.list.get(index, null_on_oob=True).str.strip_chars()
           for index, name in enumerate(YEAR_COLUMNS)}
    typed = {name: raw[name].cast(dtype, strict=False) for name, dtype in CSV_SCHEMA.items() if name != "k"}
    typed["k"] = pl.when(raw["k"].is_in(["", MISSING])).then(None).otherwise(raw["k"])
    typed["q"] = pl.when(raw["q"].is_in(["", MISSING])).then(None).otherwise(typed["q"])
    reason = pl.when(line.str.strip_chars() == "").then(pl.lit("empty line")).when(
        fields.list.len() != len(YEAR_COLUMNS)).then(pl.format("{} fields, expected 6 (t,i,j,k,v,q)",
                                                                 fields.list.len()))
    for name in YEAR_COLUMNS:
        given = raw[name].is_not_null() & ~raw[name].is_in(["", MISSING])
        reason = reason.when(given & typed[name].is_null()).then(pl.format(f"{name} '{{}}' is not a number",
                                                                                    raw[name]))
    return [*(typed[name].alias(name) for name in YEAR_COLUMNS), reason.otherwise(None).alias("unreadable")]


def _reason(row: dict[str, Any], year: int) -> str:
    """Why a row was set aside, in words (for the first few only)."""
    if row.get("unreadable"):
        return str(row["unreadable"])
    missing = [name for name in ("t", "i", "j", "k", "v") if row[name] is None]
    if len(missing) == 5:
        return "empty line"
    if missing:
        return f"{', '.join(missing)} missing (empty or NA)"
    if row["t"] != year:
        return f"t is {row['t']} in the file of {year}"
    bad = [f"{name} = {row[name]}" for name in ("i", "j", "v", "q") if row[name] is not None
           and not (0 <= row[name] <= schemas.MAX_AMOUNT / 1000)]
    return f"{', '.join(bad)} out of range (negative, not finite or too large)"


def _complete(year: int) -> pl.Expr:
    """A row BACI could have written for ``year``: every field but q present, the year right, numbers neither
    negative nor absurd (NaN and infinities included: Polars orders NaN above every number)."""
    present = pl.all_horizontal(pl.col(name).is_not_null() for name in ("t", "i", "j", "k", "v"))
    largest = schemas.MAX_AMOUNT / 1000  # v and q are thousands of USD and tonnes; the store's bound × 1000
    q = pl.col("q")
    return (present & (pl.col("t") == year) & (pl.col("i") >= 0) & (pl.col("j") >= 0)
            & pl.col("v").is_between(0, largest) & (q.is_null() | q.is_between(0, largest)))


def _increasing() -> pl.Expr:
    """Whether (i, j, k) strictly increases from each row to the next within the batch."""
    i, j, k = pl.col("i"), pl.col("j"), pl.col("k")
    same_i, same_j = i == i.shift(1), j == j.shift(1)
    return ((i > i.shift(1)) | (same_i & ((j > j.shift(1)) | (same_j & (k > k.shift(1)))))).fill_null(True).all()


def _six_digits(code: pl.Expr) -> pl.Expr:
    """Six ASCII digits (an unsigned cast, not a regex: three times cheaper on millions of codes)."""
    return (code.str.len_bytes() == 6) & ~code.str.starts_with("+") & code.cast(pl.UInt32, strict=False).is_not_null()


def _small_categorical(name: str) -> pl.Categorical:
    """A categorical with its own one-byte dictionary (a constant column): cheaper to build and write than
    the global one, and read back as ``String`` like any categorical."""
    return pl.Categorical(pl.Categories(f"baci_{name}", physical=pl.UInt8))


def _value_and_rows() -> list[pl.Expr]:
    """What the import counts per group of BACI rows (a country, a non-HS6 code): value in USD and rows."""
    return [(pl.col("v") * 1000).sum().alias("value_usd"), pl.len().alias("rows")]


def _sums_by_country(batch: pl.DataFrame, column: str) -> pl.DataFrame:
    """Rows and value (USD) per country code of ``column`` (i or j).

    BACI's country codes are small non-negative integers (checked before this runs), so a bincount does what a
    hash group-by would, in about half the time; an implausibly large code falls back to the group-by rather
    than allocate a counter per possible code.
    """
    codes = batch.get_column(column)
    if codes.is_empty() or cast(int, codes.max()) > MAX_BINCOUNT_CODE:  # an integer column
        return batch.group_by(column).agg(_value_and_rows())
    numbers = codes.to_numpy()
    rows = np.bincount(numbers)
    values = np.bincount(numbers, weights=batch.get_column("v").to_numpy() * 1000, minlength=rows.size)
    present = np.flatnonzero(rows)
    return pl.DataFrame({column: present.astype(np.int32), "value_usd": values[present],
                         "rows": rows[present].astype(np.uint32)})


class _PartWriter:
    """Writes Parquet parts on background threads, ``IN_FLIGHT`` parts at most (bounded memory).

    Polars releases the GIL while it encodes, so the writes overlap the next batches' parsing and checks. An
    error of a write is raised in the caller's thread at a later ``submit`` or at ``wait``.
    """

    IN_FLIGHT = 2

    def __init__(self, metadata: dict[str, str]) -> None:
        self.metadata = metadata
        self.pool = ThreadPoolExecutor(max_workers=self.IN_FLIGHT, thread_name_prefix="baci-writer")
        self.pending: deque[Future[None]] = deque()

    def submit(self, frame: pl.DataFrame, path: Path) -> None:
        while len(self.pending) >= self.IN_FLIGHT:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(_write, frame, path, self.metadata))

    def wait(self) -> None:
        while self.pending:
            self.pending.popleft().result()

    def close(self) -> None:
        """Wait for the parts in flight (even after an error: the caller removes the folder they go to)."""
        self.pool.shutdown(wait=True)


def _summed(parts: list[pl.DataFrame], column: str) -> pl.DataFrame:
    frame = pl.concat(parts) if parts else pl.DataFrame(schema={column: pl.Int32, "value_usd": pl.Float64,
                                                                "rows": pl.UInt32})
    return frame.group_by(column).agg(pl.col("value_usd").sum(), pl.col("rows").sum().cast(pl.Int64)).sort(column)


def _write(frame: pl.DataFrame, path: Path, metadata: dict[str, str]) -> None:
    """One durable Parquet part.

    Cheap to write at BACI's size: the constant and country columns are categoricals (written as the
    dictionary they already are, where a plain string column is hashed row by row to build one; the store
    reads them back as ``String``), and Snappy compresses at about half of zstd's CPU for a third more bytes
    (LZ4 gives the same size for a little more CPU; no compression half again as many bytes).
    """
    frame.write_parquet(path, compression="snappy", statistics=PART_STATISTICS, row_group_size=256_000,
                        metadata=metadata)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _log(store: Store, archive: Archive, started: datetime, finished: datetime,
         attempts: Iterable[tuple[tuple[int, ...], str, str | None, int]]) -> None:
    """One ``fetch_log`` row per (years, status, error, rows written): the years published, each year refused."""
    rows = [{"attempt_id": uuid.uuid4().hex, "source": SOURCE, "request": json.dumps({
        "file": archive.path.name, "hs_revision": archive.hs_revision, "version": archive.version,
        "years": list(years)}), "started_at": started, "finished_at": finished, "rows_written": rows_written,
        "status": status, "error": error} for years, status, error, rows_written in attempts]
    store.upsert(FETCH_LOG.name, pl.DataFrame(rows, schema=FETCH_LOG.polars_schema))
