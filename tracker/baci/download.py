"""`fetch --source baci`: download only what a BACI import needs from CEPII's release zip, then import it.

A release is one zip of 1–2 GB; a year of it is about 100 MB compressed. So, through the shared client:

1. BACI's page names the newest release of ``[sources.baci] hs_revision``. When the store holds that release
   with every year wanted, the run stops there: one request, nothing downloaded.
2. The zip's last bytes (an HTTP ``Range``) hold its end records (ZIP64 too) and usually its central directory;
   otherwise one more range request reads the directory.
3. Free disk space is checked against what is still to download plus the import's room.
4. Each wanted member's span (local header, data, descriptor: from its offset to the next member's) is appended,
   in file order, to ``<store>/.cache/baci/<zip>.part``; a JSON state file beside it names the spans, the zip's
   size and ETag. The part file's length says how far a killed run got: the next run asks only for the rest
   (a release that changed upstream, or another set of members, starts over).
5. As soon as a span is complete its member is inflated with zlib and its CRC-32 and size checked; a bad member
   is cut off the part file and named, and nothing is imported.
6. The local zip's central directory is appended and the file renamed to ``<zip>``: a valid zip of the wanted
   members, which ``import_baci`` reads as it reads CEPII's (staged, published with one switch). The pieces are
   removed after the import; ``releases.json`` keeps each release's years and sizes for the next check and for
   ``plan_baci``.

A server that ignores ``Range`` (HTTP 200 to the first range request) gets a whole download into
``<zip>.whole.part``, resumed with ``Range`` when the server honours it then, started over when it does not.
The fetcher writes no store table: the importer does.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.atomic import write_atomically
from tracker.baci.importer import ImportSummary, Release, import_baci, stored_release
from tracker.baci.layout import BaciDataError
from tracker.config import SourceSettings
from tracker.errors import (
    DiskSpaceError,
    FetchError,
    PayloadError,
    TerminalFetchError,
    TransientFetchError,
    UsageError,
)
from tracker.http import BYTES_PER_MEGABYTE, DownloadResult, HttpClient
from tracker.request import Request
from tracker.sources.baci import (
    PAGE_PATH,
    SOURCE,
    TAIL_BYTES,
    ReleaseLink,
    ReleaseMembers,
    Span,
    ZipEntry,
    central_directory,
    data_offset,
    find_directory,
    member_spans,
    newest_release,
    read_entries,
    release_members,
)
from tracker.store import Store

log = logging.getLogger(__name__)

CACHE_DIR = Path(".cache") / "baci"  # under the store root
LISTING_FILE = "releases.json"
INFLATE_CHUNK_BYTES = 1 << 20
MAX_RELEASE_BYTES = 20_000_000_000  # a whole download's cap when the server names no size
LOCAL_HEADER_READ = 65_536 + 30 + 65_535
REQUESTS_AROUND_MEMBERS = 2  # the page and the zip's end (its directory included, in CEPII's zips)
RELEASE_LAG_YEARS = 2  # the January release of year Y covers years up to Y - 2
REVISION_FIRST_YEAR = {"HS12": 2012, "HS17": 2017, "HS22": 2022}


def _free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


@dataclass
class BaciFetch:
    """What one BACI run did: for the fetch summary, ``fetch_log`` and the CLI's closing lines."""

    release: ReleaseLink | None = None
    years: tuple[int, ...] = ()  # the years imported by this run
    requests: int = 0
    bytes_downloaded: int = 0  # zip bytes (the page is not counted)
    imported: ImportSummary | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.imported is None or self.imported.unchanged

    @property
    def rows_written(self) -> int:
        return 0 if self.imported is None else self.imported.rows_written + self.imported.total_rows

    def describe(self) -> str:
        """One closing line: release, years, MB downloaded, rows imported, time."""
        if self.release is None:
            return "baci: nothing checked"
        name = f"BACI {self.release.hs_revision} {self.release.version}"
        if self.unchanged:
            return f"baci: {name} is already imported; nothing downloaded ({self.requests} request, " \
                   f"{self.seconds:.1f} s)"
        imported = self.imported
        years = ", ".join(map(str, imported.years_written if imported is not None else self.years))
        left_out = (f"; left out {', '.join(map(str, imported.refused))} (too many unreadable rows)"
                    if imported is not None and imported.refused else "")
        return (f"baci: {name}, years {years}: {self.bytes_downloaded / BYTES_PER_MEGABYTE:,.1f} MB downloaded in "
                f"{self.requests} requests, {self.rows_written:,} rows imported, {self.seconds:.1f} s{left_out}")


@dataclass(frozen=True)
class BaciPlan:
    """What a BACI run would send, as far as the store and the download cache tell without a request."""

    requests: int
    download_bytes: int | None  # None: unknown until the zip's directory is read
    note: str


def plan_baci(store: Store, settings: SourceSettings, years: tuple[int, ...] | None = None,
              current_year: int | None = None) -> BaciPlan:
    """The requests and bytes of ``fetch --source baci`` if the page still names the release last seen; sends
    nothing (reads the store's release and ``releases.json``). One more request when a zip's directory lies
    outside its last 64 KB."""
    stored = stored_release(store)
    listing = _read_listing(store.root / CACHE_DIR)
    known = [(name, entry) for name, entry in listing.items()
             if entry.get("hs_revision") == settings.hs_revision]
    if not known:  # before the first run: the release's years as CEPII's lag makes them likely
        last = min(settings.last_year, (current_year or datetime.now(UTC).year) - RELEASE_LAG_YEARS)
        first = max(settings.first_year, REVISION_FIRST_YEAR.get(settings.hs_revision, settings.first_year))
        count = len(years) if years is not None else max(last - first + 1, 0)
        return BaciPlan(REQUESTS_AROUND_MEMBERS + count + 2, None,
                        f"the page, the zip's end, then {count} year(s) (about 100 MB each) and the two code files; "
                        "the sizes are known once the zip's directory is read")
    name, entry = max(known, key=lambda item: str(item[1].get("version")))
    sizes = {int(year): int(size) for year, size in dict(entry.get("years", {})).items()}
    wanted = _years_in_scope(tuple(sorted(sizes)), years, settings)
    same = stored is not None and (stored.hs_revision, stored.version) == (settings.hs_revision, entry.get("version"))
    missing = [year for year in wanted if not (same and stored is not None and year in stored.years)]
    if not missing:
        return BaciPlan(1, 0, f"1 request: {name} is imported already with every year wanted")
    size = sum(sizes[year] for year in missing) + int(entry.get("codes_bytes", 0))
    return BaciPlan(REQUESTS_AROUND_MEMBERS + len(missing) + 2, size, f"{name}: {len(missing)} year(s) to "
                    f"download, {size / BYTES_PER_MEGABYTE:,.0f} MB")


def fetch_baci(
    client: HttpClient, settings: SourceSettings, store: Store, years: tuple[int, ...] | None = None, *,
    progress: bool = False, check_stop: Callable[[], None] = lambda: None,
    free_bytes: Callable[[Path], int] = _free_bytes, result: BaciFetch | None = None,
) -> BaciFetch:
    """Check for a new release, download the members wanted (resuming), verify them, import them.

    ``result`` is filled as the run goes, so a caller still has the release, requests and bytes of a run that
    raised."""
    clock = time.monotonic()
    run = _Run(client, settings, store, check_stop, progress, result or BaciFetch())
    result = run.result
    try:
        page = client.get(Request(SOURCE, PAGE_PATH, (), "trade", "baci/page"), settings)
        result.requests += 1
        link = newest_release(page.content, settings.hs_revision)
        result.release = link
        stored = stored_release(store)
        same = stored is not None and (stored.hs_revision, stored.version) == (link.hs_revision, link.version)
        if stored is not None and not same and link.version < stored.version:
            raise BaciDataError(f"the store holds the newer {stored}; {PAGE_PATH} names {link.file_name} only")
        listed = run.listing.get(link.file_name)
        if same and stored is not None and (years is not None or listed):
            available = tuple(int(year) for year in listed["years"]) if listed else tuple(years or ())
            if set(_years_in_scope(available, years, settings)) <= set(stored.years):
                return result
        run.import_release(link, stored if same else None, years, free_bytes)
        return result
    finally:
        result.seconds = time.monotonic() - clock


def _years_in_scope(available: tuple[int, ...], years: tuple[int, ...] | None,
                    settings: SourceSettings) -> tuple[int, ...]:
    """The years asked for (``--years``: each must be in the release), or those of the release within the
    configured first and last year."""
    if years is not None:
        missing = sorted(set(years) - set(available))
        if missing and available:
            raise UsageError(f"--years: {', '.join(map(str, missing))} not in the BACI release "
                             f"(it holds {available[0]}–{available[-1]})")
        return tuple(sorted(years))
    return tuple(year for year in available if settings.first_year <= year <= settings.last_year)


def _read_listing(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        listing = json.loads((folder / LISTING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return listing if isinstance(listing, dict) else {}


class _Run:
    """One BACI run's downloads into the cache folder, and the import that follows."""

    def __init__(self, client: HttpClient, settings: SourceSettings, store: Store, check_stop: Callable[[], None],
                 progress: bool, result: BaciFetch) -> None:
        self.client, self.settings, self.store = client, settings, store
        self.check_stop, self.progress = check_stop, progress
        self.folder = store.root / CACHE_DIR
        self.listing = _read_listing(self.folder)
        self.result = result

    # ------------------------------------------------------------------ flow
    def import_release(self, link: ReleaseLink, stored: Release | None, years: tuple[int, ...] | None,
                       free_bytes: Callable[[Path], int]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob(f"BACI_{link.hs_revision}_V*.zip*"):  # pieces of an older release
            if not path.name.startswith(link.file_name):
                path.unlink(missing_ok=True)
        request = Request(SOURCE, link.path, (), "trade", f"baci/{link.hs_revision}/{link.version}")
        tail = bytearray()
        answer = self._download(request, tail.extend, suffix=TAIL_BYTES, expected_bytes=TAIL_BYTES)
        if not answer.complete:  # the server ignores Range: the whole zip, then the same steps on the local copy
            local = self._whole(request, link, answer.total_size, stored, years, free_bytes)
            self._import(link, local, self.result.years)
            return
        size = answer.total_size or len(tail)
        tail_start = size - len(tail)
        directory = find_directory(bytes(tail), tail_start, size)
        if directory.offset >= tail_start:
            data = bytes(tail[directory.offset - tail_start:directory.offset - tail_start + directory.size])
        else:
            buffer = bytearray()
            self._download(request, buffer.extend, start=directory.offset,
                           end=directory.offset + directory.size - 1, expected_bytes=directory.size)
            data = bytes(buffer)
        entries = read_entries(data, directory)
        members = release_members(entries, link)
        to_write = self._to_write(link, members, stored, years)
        if not to_write:  # every year wanted is stored already (the listing was lost): nothing to download
            return
        wanted = [members.years[year] for year in to_write] + [members.country] + (
            [members.product] if members.product else [])
        spans = member_spans(entries, directory, wanted)
        local = self._ranges(request, link, spans, size, answer.etag, free_bytes)
        self._import(link, local, to_write)

    def _to_write(self, link: ReleaseLink, members: ReleaseMembers, stored: Release | None,
                  years: tuple[int, ...] | None) -> tuple[int, ...]:
        """The years this run imports (remembering the release's years and sizes in ``releases.json``)."""
        available = tuple(members.years)
        codes = members.country.compressed_size + (members.product.compressed_size if members.product else 0)
        self.listing[link.file_name] = {
            "hs_revision": link.hs_revision, "version": link.version,
            "years": {str(year): entry.compressed_size for year, entry in members.years.items()},
            "codes_bytes": codes,
        }
        write_atomically(self.folder / LISTING_FILE, json.dumps(self.listing, indent=1, sort_keys=True).encode())
        wanted = _years_in_scope(available, years, self.settings)
        if not wanted:
            raise PayloadError(SOURCE, f"{link.file_name} holds {available[0]}–{available[-1]}, none of it within "
                               f"first_year {self.settings.first_year} and last_year {self.settings.last_year}")
        to_write = tuple(year for year in wanted if stored is None or year not in stored.years)
        self.result.years = to_write
        return to_write

    def _import(self, link: ReleaseLink, local: Path, years: tuple[int, ...]) -> None:
        if years:
            self.result.imported = import_baci(self.store, local, years, progress=self.progress)
        for path in (local, self._state_path(link), *self._parts(link)):
            path.unlink(missing_ok=True)

    def _parts(self, link: ReleaseLink) -> tuple[Path, Path]:
        """The part files of the range mode and of the whole mode."""
        return self.folder / f"{link.file_name}.part", self.folder / f"{link.file_name}.whole.part"

    # ------------------------------------------------------------ range mode
    def _state_path(self, link: ReleaseLink) -> Path:
        return self.folder / f"{link.file_name}.json"

    def _ranges(self, request: Request, link: ReleaseLink, spans: list[Span], size: int, etag: str | None,
                free_bytes: Callable[[Path], int]) -> Path:
        """Download the spans into the part file (resuming), verify each member, close the local zip."""
        part, whole = self._parts(link)
        whole.unlink(missing_ok=True)  # a whole download the server once forced is not needed now
        local = self.folder / link.file_name
        state = {"path": link.path, "size": size, "etag": etag, "mode": "ranges",
                 "spans": [[span.entry.name, span.start, span.end] for span in spans]}
        if local.exists() and self._same_state(link, state):  # downloaded and checked; its import failed
            self.result.notes.append("the members downloaded by an earlier run were imported")
            return local
        done = self._resume(link, part, state)
        total = sum(span.length for span in spans)
        self._check_space(total - done, spans, free_bytes)
        with _bar(self.progress, total, done, link) as bar, open(part, "ab") as sink:
            position = 0
            for span in spans:
                span_done = min(max(done - position, 0), span.length)
                if span_done < span.length:
                    sink.seek(0, 2)
                    try:
                        self._download(request, sink.write, start=span.start + span_done, end=span.end - 1,
                                       expected_bytes=span.length - span_done, bar=bar)
                    except FetchError as exc:
                        sink.flush()
                        kind = TransientFetchError if exc.transient else TerminalFetchError
                        raise kind(SOURCE, f"{span.entry.base_name}: {_without_source(exc)}; the "
                                   f"{_mb(sink.tell())} MB downloaded so far are kept for the next run") from exc
                    sink.flush()
                    got = sink.tell() - position
                    if got != span.length:
                        sink.truncate(position)
                        raise PayloadError(SOURCE, f"{span.entry.base_name}: got {got:,} of its {span.length:,} "
                                           "bytes; the piece was discarded")
                try:
                    _verify_member(part, position, span.entry)
                except BaciDataError:
                    sink.truncate(position)
                    raise
                position += span.length
        placed, position = [], 0
        for span in spans:
            placed.append((span.entry, position))
            position += span.length
        with open(part, "ab") as sink:
            sink.truncate(position)
            sink.write(central_directory(placed, position))
        part.replace(local)
        return local

    def _same_state(self, link: ReleaseLink, state: dict[str, object]) -> bool:
        """Whether the state file describes the same zip (size, ETag) and the same members."""
        try:
            previous = json.loads(self._state_path(link).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(previous, dict) and all(previous.get(key) == state[key]
                                                  for key in ("path", "size", "mode", "spans")) and (
            not previous.get("etag") or not state["etag"] or previous["etag"] == state["etag"])

    def _resume(self, link: ReleaseLink, part: Path, state: dict[str, object]) -> int:
        """Bytes already in the part file for exactly these spans of this zip; otherwise a fresh start (0)."""
        path = self._state_path(link)
        if self._same_state(link, state) and part.exists():
            done = part.stat().st_size
            log.info("baci: resuming %s after %s MB", link.file_name, _mb(done))
            self.result.notes.append(f"resumed after {_mb(done)} MB")
            return done
        part.unlink(missing_ok=True)
        (self.folder / link.file_name).unlink(missing_ok=True)
        write_atomically(path, json.dumps(state).encode("utf-8"))
        part.touch()
        return 0

    def _check_space(self, to_download: int, spans: list[Span], free_bytes: Callable[[Path], int]) -> None:
        """Refuse before downloading when the disk cannot hold the rest of the download and the import's room:
        the largest year extracted once, plus about its compressed size again for the Parquet parts."""
        years = [span.entry for span in spans if span.entry.base_name.startswith("BACI_")]
        room = max((entry.size for entry in years), default=0) + sum(entry.compressed_size for entry in years)
        needed = to_download + room
        free = free_bytes(self.folder)
        if free < needed:
            raise DiskSpaceError(
                f"not enough free disk space under {self.folder}: BACI needs {_mb(needed)} MB ({_mb(to_download)} MB "
                f"still to download, {_mb(room)} MB to extract and import a year), {_mb(free)} MB are free. Nothing "
                "was downloaded; free some space, or ask for fewer years (--years)")

    # ------------------------------------------------------------ whole mode
    def _whole(self, request: Request, link: ReleaseLink, size: int | None, stored: Release | None,
               years: tuple[int, ...] | None, free_bytes: Callable[[Path], int]) -> Path:
        """The whole zip, for a server that ignores Range: resumed when the server honours Range after all."""
        ranges_part, part = self._parts(link)
        ranges_part.unlink(missing_ok=True)
        state: dict[str, object] = {"path": link.path, "size": size, "etag": None, "mode": "whole", "spans": []}
        done = self._resume(link, part, state)
        if size is None:
            size = MAX_RELEASE_BYTES
        self.result.notes.append("the server ignores Range: the whole zip was downloaded")
        free = free_bytes(self.folder)
        if free < size - done + size // 4:
            raise DiskSpaceError(
                f"not enough free disk space under {self.folder}: the server sends BACI's zip only whole, "
                f"{_mb(size)} MB ({_mb(size - done)} MB still to download) plus about {_mb(size // 4)} MB to import; "
                f"{_mb(free)} MB are free. Nothing was downloaded")
        with _bar(self.progress, size, done, link) as bar, open(part, "ab") as sink:
            if done > size:
                sink.truncate(0)
                done = 0
            if done < size:  # (a part file as long as the zip was complete when the last run stopped)
                answer = self._download(request, sink.write, start=done, expected_bytes=size - done,
                                        max_whole_bytes=MAX_RELEASE_BYTES, bar=bar)
                if not answer.complete:  # asked to resume, answered with the whole file: start over
                    sink.truncate(0)
                    bar.reset(total=size)
                    answer = self._download(request, sink.write, expected_bytes=size,
                                            max_whole_bytes=MAX_RELEASE_BYTES, bar=bar)
                if answer.total_size is not None and sink.tell() != answer.total_size:
                    raise PayloadError(SOURCE, f"{link.file_name}: got {sink.tell():,} of {answer.total_size:,} "
                                       "bytes")
        local = self.folder / link.file_name
        part.replace(local)
        self._state_path(link).unlink(missing_ok=True)
        entries = _local_entries(local)
        members = release_members(entries, link)
        to_write = self._to_write(link, members, stored, years)
        for entry in [members.years[year] for year in to_write] + [members.country] + (
                [members.product] if members.product else []):
            try:
                _verify_member(local, entry.offset, entry)
            except BaciDataError:
                local.unlink(missing_ok=True)
                raise
        return local

    # ------------------------------------------------------------ requests
    def _download(self, request: Request, sink: Callable[[bytes], object], *, bar: _Bar | None = None,
                  **kwargs: object) -> DownloadResult:
        def advance(count: int) -> None:
            self.result.bytes_downloaded += count
            if bar is not None:
                bar.update(count)
            self.check_stop()

        self.result.requests += 1
        return self.client.download(request, self.settings, sink, progress=advance, **kwargs)  # type: ignore[arg-type]


class _Bar:
    """A tqdm bar in MB and MB/s (or nothing with --no-progress)."""

    def __init__(self, enabled: bool, total: int, done: int, link: ReleaseLink) -> None:
        from tqdm import tqdm

        self.tqdm = tqdm(total=total, initial=done, unit="B", unit_scale=True, unit_divisor=1000, file=sys.stderr,
                         desc=f"BACI {link.hs_revision} {link.version}", disable=not enabled, dynamic_ncols=True)

    def update(self, count: int) -> None:
        self.tqdm.update(count)

    def reset(self, total: int) -> None:
        self.tqdm.reset(total=total)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.tqdm.close()


def _bar(enabled: bool, total: int, done: int, link: ReleaseLink) -> _Bar:
    return _Bar(enabled, total, done, link)


def _local_entries(path: Path) -> list[ZipEntry]:
    """The central directory of a zip on disk."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        start = max(0, size - TAIL_BYTES)
        handle.seek(start)
        tail = handle.read()
        directory = find_directory(tail, start, size)
        handle.seek(directory.offset)
        data = handle.read(directory.size)
    return read_entries(data, directory)


def _verify_member(path: Path, start: int, entry: ZipEntry) -> None:
    """Inflate the member whose local header is at ``start`` in ``path``; its size and CRC-32 must be the
    directory's. BaciDataError names the member otherwise."""
    name = entry.base_name
    with open(path, "rb") as handle:
        handle.seek(start)
        try:
            offset = data_offset(handle.read(LOCAL_HEADER_READ), entry)
        except PayloadError as exc:
            raise BaciDataError(f"{name}: {_without_source(exc)}; nothing was imported") from None
        handle.seek(start + offset)
        if entry.method not in (0, 8):
            raise BaciDataError(f"{name}: compression method {entry.method} is neither stored nor deflate")
        inflater = zlib.decompressobj(-zlib.MAX_WBITS) if entry.method == 8 else None
        left, crc, size = entry.compressed_size, 0, 0
        try:
            while left:
                chunk = handle.read(min(left, INFLATE_CHUNK_BYTES))
                if not chunk:
                    raise BaciDataError(f"{name} is truncated: {left:,} of its {entry.compressed_size:,} compressed "
                                        "bytes are missing; nothing was imported")
                left -= len(chunk)
                data = inflater.decompress(chunk) if inflater is not None else chunk
                crc, size = zlib.crc32(data, crc), size + len(data)
            if inflater is not None:
                tail = inflater.flush()
                crc, size = zlib.crc32(tail, crc), size + len(tail)
                if not inflater.eof:
                    raise BaciDataError(f"{name} is truncated: its deflate stream does not end; nothing was imported")
        except zlib.error as exc:
            raise BaciDataError(f"{name} is corrupt ({exc}); the downloaded piece was discarded, nothing was "
                                "imported") from None
    if size != entry.size or crc != entry.crc:
        raise BaciDataError(f"{name} is corrupt: {size:,} bytes with CRC-32 {crc:08x}, where the zip's directory "
                            f"says {entry.size:,} bytes with {entry.crc:08x}; the downloaded piece was discarded, "
                            "nothing was imported")


def _mb(count: int) -> str:
    return f"{count / BYTES_PER_MEGABYTE:,.1f}"


def _without_source(exc: FetchError | PayloadError) -> str:
    """The message of a FetchError without its ``baci: `` prefix (it is added again once)."""
    return str(exc).removeprefix(f"{exc.source}: ")
