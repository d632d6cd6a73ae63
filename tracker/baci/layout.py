"""The file layout of a CEPII BACI download, checked before a single row is read.

A release is one zip (or the folder it was extracted to) holding one HS revision and every year of it::

    BACI_HS17_V202601.zip
        BACI_HS17_Y2017_V202601.csv ... one per year, columns t,i,j,k,v,q
        country_codes_V202601.csv       country_code,country_name,country_iso2,country_iso3
        product_codes_HS17_V202601.csv  code,description
        Readme.txt

The HS revision and the version come from the file names. Anything else (another layout, mixed versions, a
missing country file, a header that is not ``t,i,j,k,v,q``) is refused with a message that names the file.
"""

from __future__ import annotations

import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

from tracker.countries import country_table
from tracker.errors import StoreWriteError, TrackerError, UsageError
from tracker.sources.baci import COUNTRY_FILE, YEAR_FILE

ACCEPTED_REVISIONS = ("HS12", "HS17", "HS22")
YEAR_COLUMNS = ("t", "i", "j", "k", "v", "q")
COUNTRY_COLUMNS = ("country_code", "country_name", "country_iso2", "country_iso3")
PRODUCT_COLUMNS = ("code", "description")
# "Other Asia, nes": Taiwan in BACI as in Comtrade (CEPII's FAQ); its placeholder ISO3 is S19.
TAIWAN_CODE, TAIWAN_PLACEHOLDER = 490, "S19"
# The country and product files are a few KB (about 250 countries, about 5,400 HS6 codes): they are read whole,
# so at most this much is read of either. A member above it is not CEPII's file (a 1 GB member of newlines
# behind a valid header once took 23.5 GB of memory). The yearly files are never read whole: they stream.
MAX_CODE_FILE_BYTES = 8 << 20


class BaciDataError(TrackerError):
    """The BACI files are not what CEPII publishes (layout, header, truncated or malformed rows); nothing written."""


@dataclass(frozen=True)
class Archive:
    """One BACI release on disk: a zip or a folder, with its members sorted out by role."""

    path: Path
    hs_revision: str
    version: str
    year_files: dict[int, str]
    country_file: str
    product_file: str | None

    @property
    def is_zip(self) -> bool:
        return self.path.is_file()

    @contextmanager
    def open(self, member: str) -> Iterator[IO[bytes]]:
        if not self.is_zip:
            with open(self.path / member, "rb") as handle:
                yield handle
            return
        try:
            with zipfile.ZipFile(self.path) as archive, archive.open(_zip_names(archive)[member]) as handle:
                yield handle
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise BaciDataError(f"{self.path.name}: {member} cannot be read in full ({exc}); the zip is truncated "
                                "or damaged, download it again") from None

    def size(self, member: str) -> int:
        """The member's size as the zip's directory (or the file system) states it."""
        if not self.is_zip:
            return (self.path / member).stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(_zip_names(archive)[member]).file_size

    def read_small(self, member: str, limit: int = MAX_CODE_FILE_BYTES) -> bytes:
        """The whole member, refused above ``limit`` bytes: by its stated size first, then by what is actually
        read (a zip's stated size can lie), so memory stays within ``limit`` whatever the archive holds."""
        stated = self.size(member)
        if stated <= limit:
            with self.open(member) as handle:
                data = handle.read(limit + 1)
            if len(data) <= limit:
                return data
        raise BaciDataError(f"{self.path.name}: {member} holds more than {limit >> 20} MiB (stated "
                            f"{stated:,} bytes); CEPII's country and product files are a few KB, so this is "
                            "not a BACI release; nothing was imported")

    def local_copy(self, member: str, folder: Path) -> Path:
        """A plain file with the member's bytes: the folder's own file, or the zip member extracted to ``folder``.

        Polars reads CSV from files, not from zip streams; extracting one year at a time keeps disk use at one
        year. zipfile reads no more than the member's stated size and checks its CRC and length at its end, so a
        damaged zip fails here, and a member larger than the free disk is refused before a byte is written.
        """
        if not self.is_zip:
            return self.path / member
        target = folder / member
        needed, free = self.size(member), free_bytes(folder)
        if needed > free:  # zipfile stops at the stated size, so this bounds the disk an extraction can take
            raise StoreWriteError(f"extracting {member} from {self.path.name} needs {needed / 2**20:,.0f} MiB and "
                                  f"{folder} has {free / 2**20:,.0f} MiB free: free some space; nothing was imported")
        try:
            with self.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, length=4 << 20)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target


def free_bytes(folder: Path) -> int:
    """Free disk space where ``folder`` lives."""
    return shutil.disk_usage(folder).free


def _zip_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Base name -> name in the zip (members may sit in a folder inside the zip)."""
    return {Path(name).name: name for name in archive.namelist() if not name.endswith("/")}


def open_archive(path: Path) -> Archive:
    """Sort a BACI zip or folder into its files; refuse anything that is not one complete release."""
    if not path.exists():
        raise UsageError(f"PATH: {path} does not exist")
    if path.is_dir():
        names = sorted(entry.name for entry in path.iterdir() if entry.is_file())
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = sorted(_zip_names(archive))
    else:
        raise BaciDataError(f"{path} is neither a zip archive nor a folder; expected BACI_HS17_V202601.zip "
                            "or the folder it was extracted to")
    year_matches = [match for match in map(YEAR_FILE.match, names) if match]
    if not year_matches:
        shown = ", ".join(names[:8]) or "nothing"
        raise BaciDataError(f"{path.name}: no yearly file named like BACI_HS17_Y2022_V202601.csv (found {shown}); "
                            "is this a BACI download?")
    releases = sorted({(match[1], match[3]) for match in year_matches})
    if len(releases) > 1:
        shown = ", ".join(f"{hs} {version}" for hs, version in releases)
        raise BaciDataError(f"{path.name}: yearly files of several releases ({shown}); CEPII says never to mix "
                            "versions: import one release at a time")
    hs_revision, version = releases[0]
    if hs_revision not in ACCEPTED_REVISIONS:
        raise BaciDataError(f"{path.name}: HS revision {hs_revision} is not supported; use the "
                            f"{', '.join(ACCEPTED_REVISIONS)} download")
    country_files = [name for name in names if COUNTRY_FILE.match(name)]
    expected_country = f"country_codes_{version}.csv"
    if expected_country not in country_files:
        found = f" (found {', '.join(country_files)})" if country_files else ""
        raise BaciDataError(f"{path.name}: {expected_country} is missing{found}; countries are mapped from the "
                            "release's own country file, so nothing was imported")
    product = f"product_codes_{hs_revision}_{version}.csv"
    return Archive(
        path=path, hs_revision=hs_revision, version=version,
        year_files={int(match[2]): match[0] for match in year_matches},
        country_file=expected_country, product_file=product if product in names else None,
    )


def check_header(archive: Archive, member: str, expected: tuple[str, ...]) -> None:
    with archive.open(member) as handle:
        first = handle.readline(4096).decode("utf-8-sig", errors="replace").strip()
    columns = tuple(part.strip().strip('"') for part in first.split(","))
    if columns != expected:
        raise BaciDataError(f"{archive.path.name}: {member} has columns {','.join(columns) or '(none)'}; "
                            f"BACI's layout is {','.join(expected)}")


def check_complete(path: Path, member: str) -> None:
    """A CSV cut short (interrupted download or copy) does not end with a line break."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        if handle.tell() == 0:
            raise BaciDataError(f"{member} is empty")
        handle.seek(-1, 2)
        if handle.read(1) not in (b"\n", b"\r"):
            raise BaciDataError(f"{member} does not end with a line break: the file is truncated; extract or "
                                "download it again")


@dataclass(frozen=True)
class CountryMap:
    """BACI's numeric country codes -> ISO3, and the codes that map to no country (with the reason)."""

    iso3: dict[int, str]
    unmapped: dict[int, str]


def _read_code_file(archive: Archive, member: str, columns: tuple[str, ...]) -> pl.DataFrame:
    """A country or product file as text columns, read within ``MAX_CODE_FILE_BYTES``.

    Lossy UTF-8: CEPII's names come double-encoded (``TÃ¼rkiye``) and are never used as names, so a stray byte
    in one must not stop the import."""
    check_header(archive, member, columns)
    data = archive.read_small(member)
    try:
        return pl.read_csv(data, schema=dict.fromkeys(columns, pl.String), encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise BaciDataError(f"{member} cannot be parsed: {exc}") from None


def read_product_codes(archive: Archive) -> set[str] | None:
    """The HS6 codes of the release's product file (leading zeros restored), or None without one."""
    if archive.product_file is None:
        return None
    frame = _read_code_file(archive, archive.product_file, PRODUCT_COLUMNS)
    code = pl.col("code").str.strip_chars()
    return set(frame.select(pl.when(code.str.len_bytes() == 5).then(code.str.zfill(6)).otherwise(code))
               .to_series().drop_nulls().to_list())


def read_countries(archive: Archive) -> CountryMap:
    """Map every code of the release's country file by its ISO3; 490 (S19) is Taiwan.

    A code maps when its ISO3 is a country the tracker knows (not an aggregate such as WLD); historical codes
    that share an ISO3 (56 and 58 BEL, 276 and 280 DEU, 729 and 736 SDN) both map to it (the import refuses a
    year in which both trade). Names never come from this file (CEPII double-encodes them): the tracker names
    countries from its own reference by ISO3. Placeholders for groups and historical areas (R20, ZA1, ...)
    and blank ISO3 are kept as unmapped, labelled with the placeholder and the file's name (its double
    encoding repaired), so the import can report them instead of dropping them silently. ISO2 is not read
    (empty for Namibia, whose ISO2 is NA).
    """
    frame = _read_code_file(archive, archive.country_file, COUNTRY_COLUMNS)
    reference = country_table()
    countries = set(reference.filter(~pl.col("is_aggregate")).get_column("iso3").to_list())
    iso3: dict[int, str] = {}
    unmapped: dict[int, str] = {}
    for row in frame.iter_rows(named=True):
        raw = (row["country_code"] or "").strip()
        if not raw.isdigit():
            raise BaciDataError(f"{archive.country_file}: country_code {raw!r} is not a number")
        code, name = int(raw), _repaired(row["country_name"] or "").strip()
        code_iso3 = (row["country_iso3"] or "").strip().upper()
        if code == TAIWAN_CODE or code_iso3 == TAIWAN_PLACEHOLDER:
            iso3[code] = "TWN"
        elif code_iso3 in countries:
            iso3[code] = code_iso3
        else:
            shown = code_iso3 or "blank ISO3"
            unmapped[code] = f"{shown} {name!r}".strip()
    return CountryMap(iso3=iso3, unmapped=unmapped)


def _repaired(text: str) -> str:
    """``TÃ¼rkiye`` → ``Türkiye``: UTF-8 bytes that were decoded as Latin-1 and encoded again (CEPII's names).
    Text that is not double-encoded is returned as it is."""
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text
