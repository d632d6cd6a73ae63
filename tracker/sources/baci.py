"""CEPII BACI as a source: the newest release on BACI's page, and the parts of a release zip worth downloading.

BACI is one zip per HS revision and version (about 1–2 GB), not an API, so it does not go through the runner's
plan → fetch → parse queue: ``tracker.baci.download`` sends the requests and keeps the pieces in the download
cache. What can be pure is here, tested on bytes: reading the page's links, a zip's end records (ZIP64
included) and central directory, the byte span of each member wanted, and the central directory of the local
zip those spans are assembled into (always ZIP64, so one layout serves every size).
"""

from __future__ import annotations

import re
import struct
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from tracker.errors import PayloadError

SOURCE = "baci"
# The names of a release's files inside its zip: the format both the download (here) and the import
# (tracker.baci.layout) read, declared where a fetcher may import it.
_VERSION = r"V\d{6}[a-z]?"
YEAR_FILE = re.compile(rf"^BACI_(HS\d\d)_Y(\d{{4}})_({_VERSION})\.csv$")
COUNTRY_FILE = re.compile(rf"^country_codes_({_VERSION})\.csv$")
PRODUCT_FILE = re.compile(rf"^product_codes_(HS\d\d)_({_VERSION})\.csv$")
PAGE_PATH = "/DATA_DOWNLOAD/baci/doc/baci_webpage.html"
# ``../data/BACI_HS17_V202601.zip``; a version may carry a letter (V202401b replaced V202401)
_LINK = re.compile(r"""href\s*=\s*["']([^"'<>]*?BACI_(HS\d\d)_(V\d{6}[a-z]?)\.zip)["']""", re.IGNORECASE)

EOCD, EOCD64, LOCATOR = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07"
CENTRAL, LOCAL = b"PK\x01\x02", b"PK\x03\x04"
EOCD_BYTES, LOCATOR_BYTES, EOCD64_BYTES, CENTRAL_BYTES, LOCAL_BYTES = 22, 20, 56, 46, 30
TAIL_BYTES = 65_535 + EOCD_BYTES + LOCATOR_BYTES + EOCD64_BYTES  # the longest comment and both ZIP64 records
MAX_DIRECTORY_BYTES = 16_000_000  # a BACI zip lists a few dozen files; a bigger directory is not BACI's
ZIP64_EXTRA = 0x0001
_U32, _U16 = 0xFFFF_FFFF, 0xFFFF


@dataclass(frozen=True)
class ReleaseLink:
    """A release zip linked from BACI's page."""

    hs_revision: str
    version: str
    path: str  # on the source's base URL, e.g. /DATA_DOWNLOAD/baci/data/BACI_HS17_V202601.zip

    @property
    def file_name(self) -> str:
        return f"BACI_{self.hs_revision}_{self.version}.zip"


def newest_release(page: bytes, hs_revision: str) -> ReleaseLink:
    """The newest release of ``hs_revision`` the page links (versions compare as text: V202401b > V202401)."""
    text = page.decode("utf-8", errors="replace")
    links = []
    for href, revision, version in _LINK.findall(text):
        if revision.upper() == hs_revision:
            path = urlsplit(urljoin(PAGE_PATH, href)).path
            links.append(ReleaseLink(hs_revision, version[0].upper() + version[1:], path))
    if not links:
        found = sorted({revision.upper() for _, revision, _ in _LINK.findall(text)})
        shown = f"it links {', '.join(found)} releases only" if found else "it links no BACI zip at all"
        raise PayloadError(SOURCE, f"{PAGE_PATH}: no {hs_revision} release (a link such as "
                           f"../data/BACI_{hs_revision}_V202601.zip); {shown}")
    return max(links, key=lambda link: link.version)


@dataclass(frozen=True)
class ZipEntry:
    """One member as the central directory describes it (the fields the local zip's directory repeats)."""

    name: str
    raw_name: bytes
    version_made: int
    version_needed: int
    flags: int
    method: int
    mod_time: int
    mod_date: int
    crc: int
    compressed_size: int
    size: int
    internal_attr: int
    external_attr: int
    offset: int

    @property
    def base_name(self) -> str:
        return PurePosixPath(self.name).name


@dataclass(frozen=True)
class Directory:
    """Where a zip's central directory lies and how many entries it holds."""

    offset: int
    size: int
    entries: int


def find_directory(tail: bytes, tail_start: int, file_size: int) -> Directory:
    """The central directory's place, from the last ``len(tail)`` bytes of a zip of ``file_size`` bytes.

    Reads the end of central directory record and, when present, the ZIP64 locator and record before it.
    """
    position = _end_record(tail)
    (_, disk, directory_disk, _, count, size, offset, _) = struct.unpack_from("<4sHHHHIIH", tail, position)
    end_at = tail_start + position
    locator = position - LOCATOR_BYTES
    if locator >= 0 and tail[locator:locator + 4] == LOCATOR:
        _, _, record_offset, disks = struct.unpack_from("<4sIQI", tail, locator)
        record = record_offset - tail_start
        if disks > 1 or not 0 <= record <= locator - EOCD64_BYTES or tail[record:record + 4] != EOCD64:
            raise PayloadError(SOURCE, "the zip's ZIP64 end record is missing or not where its locator says")
        (_, _, _, _, disk, directory_disk, _, count, size, offset) = struct.unpack_from(
            "<4sQHHIIQQQQ", tail, record)
        end_at = record_offset
    if disk != 0 or directory_disk != 0:
        raise PayloadError(SOURCE, "the zip spans several disks; BACI's zips are one file")
    if offset + size > end_at or size > MAX_DIRECTORY_BYTES or end_at > file_size:
        raise PayloadError(SOURCE, f"the zip's central directory ({size:,} bytes at {offset:,}) does not fit in "
                           f"the file ({file_size:,} bytes); the zip is truncated or not a zip")
    return Directory(offset, size, count)


def _end_record(tail: bytes) -> int:
    """Where the end of central directory record starts: the last signature whose comment ends the file."""
    position = len(tail)
    while (position := tail.rfind(EOCD, 0, position)) >= 0:
        if position + EOCD_BYTES <= len(tail):
            comment = struct.unpack_from("<H", tail, position + 20)[0]
            if position + EOCD_BYTES + comment == len(tail):
                return position
    raise PayloadError(SOURCE, "no end of central directory record in the zip's last bytes: not a zip, or cut short")


def read_entries(data: bytes, directory: Directory) -> list[ZipEntry]:
    """The central directory's entries (ZIP64 sizes and offsets resolved)."""
    entries, position = [], 0
    for index in range(directory.entries):
        if data[position:position + 4] != CENTRAL or position + CENTRAL_BYTES > len(data):
            raise PayloadError(SOURCE, f"central directory entry {index + 1} of {directory.entries} is malformed")
        (_, made, needed, flags, method, mod_time, mod_date, crc, compressed, size, name_length, extra_length,
         comment_length, _, internal, external, offset) = struct.unpack_from("<4sHHHHHHIIIHHHHHII", data, position)
        start = position + CENTRAL_BYTES
        raw_name = data[start:start + name_length]
        extra = data[start + name_length:start + name_length + extra_length]
        size, compressed, offset = _zip64_values(extra, size, compressed, offset)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        entries.append(ZipEntry(name, raw_name, made, needed, flags, method, mod_time, mod_date, crc, compressed,
                                size, internal, external, offset))
        position = start + name_length + extra_length + comment_length
    return entries


def _zip64_values(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset from the ZIP64 extra field, for those the 32-bit fields mark as 0xFFFFFFFF."""
    position = 0
    while position + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4:position + 4 + length]
        if kind == ZIP64_EXTRA:
            values = [v for (v,) in struct.iter_unpack("<Q", body[:len(body) // 8 * 8])]
            wanted = [field == _U32 for field in (size, compressed, offset)]
            if len(values) < sum(wanted):
                raise PayloadError(SOURCE, "a ZIP64 extra field is shorter than the sizes it stands for")
            taken = iter(values)
            size, compressed, offset = (next(taken) if flag else value
                                        for flag, value in zip(wanted, (size, compressed, offset), strict=True))
        position += 4 + length
    return size, compressed, offset


@dataclass(frozen=True)
class ReleaseMembers:
    """The members of a release zip the import reads: each year's CSV, the country file, the product file."""

    years: dict[int, ZipEntry]
    country: ZipEntry
    product: ZipEntry | None


def release_members(entries: list[ZipEntry], link: ReleaseLink) -> ReleaseMembers:
    """Sort the zip's entries by role; the names must be of the release the page linked."""
    years: dict[int, ZipEntry] = {}
    country = product = None
    for entry in entries:
        name = entry.base_name
        if (match := YEAR_FILE.match(name)) and (match[1], match[3]) == (link.hs_revision, link.version):
            years[int(match[2])] = entry
        elif (match := COUNTRY_FILE.match(name)) and match[1] == link.version:
            country = entry
        elif (match := PRODUCT_FILE.match(name)) and (match[1], match[2]) == (link.hs_revision, link.version):
            product = entry
    if not years or country is None:
        shown = ", ".join(entry.base_name for entry in entries[:8]) or "nothing"
        missing = "yearly files" if not years else f"country_codes_{link.version}.csv"
        raise PayloadError(SOURCE, f"{link.file_name} has no {missing} of {link.hs_revision} {link.version} "
                           f"(it holds {shown})")
    return ReleaseMembers(dict(sorted(years.items())), country, product)


@dataclass(frozen=True)
class Span:
    """A member's bytes in the remote zip: its local header, its data and any data descriptor."""

    entry: ZipEntry
    start: int
    end: int  # exclusive: the next member's header or the central directory

    @property
    def length(self) -> int:
        return self.end - self.start


def member_spans(entries: list[ZipEntry], directory: Directory, wanted: list[ZipEntry]) -> list[Span]:
    """The byte span of each wanted member, in file order; a span too short for its data is refused."""
    starts = sorted({entry.offset for entry in entries} | {directory.offset})
    spans = []
    for entry in sorted(wanted, key=lambda item: item.offset):
        end = starts[bisect_right(starts, entry.offset)] if entry.offset < directory.offset else entry.offset
        span = Span(entry, entry.offset, end)
        if span.length < LOCAL_BYTES + len(entry.raw_name) + entry.compressed_size:
            raise PayloadError(SOURCE, f"{entry.base_name}: the zip's directory gives it {entry.compressed_size:,} "
                               f"bytes, but only {span.length:,} lie before the next member: the zip is damaged")
        spans.append(span)
    return spans


def data_offset(local_header: bytes, entry: ZipEntry) -> int:
    """Where a member's compressed data starts within its span, from its local header."""
    if len(local_header) < LOCAL_BYTES or local_header[:4] != LOCAL:
        raise PayloadError(SOURCE, f"{entry.base_name}: no local file header where the directory points")
    name_length, extra_length = struct.unpack_from("<HH", local_header, 26)
    return LOCAL_BYTES + int(name_length) + int(extra_length)


def central_directory(placed: list[tuple[ZipEntry, int]], directory_offset: int) -> bytes:
    """The central directory and end records (ZIP64) of a zip whose members lie at the given offsets."""
    records = []
    for entry, offset in placed:
        extra = struct.pack("<HHQQQ", ZIP64_EXTRA, 24, entry.size, entry.compressed_size, offset)
        records.append(struct.pack(
            "<4sHHHHHHIIIHHHHHII", CENTRAL, entry.version_made, max(entry.version_needed, 45), entry.flags,
            entry.method, entry.mod_time, entry.mod_date, entry.crc, _U32, _U32, len(entry.raw_name), len(extra),
            0, 0, entry.internal_attr, entry.external_attr, _U32) + entry.raw_name + extra)
    body = b"".join(records)
    record_offset = directory_offset + len(body)
    count = len(placed)
    end64 = struct.pack("<4sQHHIIQQQQ", EOCD64, EOCD64_BYTES - 12, 45, 45, 0, 0, count, count, len(body),
                        directory_offset)
    locator = struct.pack("<4sIQI", LOCATOR, 0, record_offset, 1)
    end = struct.pack("<4sHHHHIIH", EOCD, 0, 0, _U16, _U16, _U32, _U32, 0)
    return body + end64 + locator + end
