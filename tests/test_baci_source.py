"""`fetch --source baci`: the newest release from BACI's page, only the members wanted by HTTP Range, resumed
after a kill, checked by CRC-32, a whole download where Range is ignored, a disk-space check; against a loopback
server in CEPII's URL layout, serving a zip built here in BACI's layout (our own numbers)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import filelock
import polars as pl
import pytest

from tests.baci_helpers import country_csv, product_csv, release_files, write_zip
from tests.loopback import Server, loopback, send
from tracker import cli
from tracker.baci import stored_release
from tracker.baci.download import CACHE_DIR, LISTING_FILE, fetch_baci, plan_baci
from tracker.baci.importer import STAGING_DIR
from tracker.config import REPO_ROOT, Config, HttpSettings, load_config
from tracker.errors import ConfigError, DiskSpaceError, PayloadError, TerminalFetchError
from tracker.fetch import run_fetch
from tracker.http import HttpClient
from tracker.request import Request
from tracker.scheduling import job_specs
from tracker.sources.baci import (
    PAGE_PATH,
    TAIL_BYTES,
    central_directory,
    find_directory,
    member_spans,
    newest_release,
    read_entries,
)
from tracker.sources.base import FetchScope
from tracker.store import Store

YEARS = (2017, 2018, 2019, 2020, 2021, 2022)
CODES = [str(code) for code in range(100_003, 100_003 + 2_000 * 37, 37)]  # six digits, our own
EXPORTERS = (156, 251, 490, 842)  # CHN, FRA, TWN (490 = Other Asia, nes), USA: in baci_helpers' country file
ZIP_PATH = "/DATA_DOWNLOAD/baci/data/BACI_HS17_V202601.zip"
MEMBER_2019 = "BACI_HS17_Y2019_V202601.csv"


def year_rows(year: int) -> list[tuple[object, ...]]:
    """24,000 flows a year, sorted by (i, j, k) as CEPII sorts them; values in thousands of USD, 3 decimals."""
    rng = random.Random(year)
    return [(i, j, k, f"{rng.uniform(0.001, 99_999):.3f}", f"{rng.uniform(0.001, 999):.3f}")
            for i in EXPORTERS for j in EXPORTERS if i != j for k in CODES]


def page(versions: dict[str, tuple[str, ...]]) -> bytes:
    """BACI's page in its shape: a download section linking each revision's zip of the newest version (the
    link text is the revision), then archive tabs with older versions."""
    newest, *older = versions
    links = "\n".join(f'      <li><a href="../data/BACI_{hs}_{newest}.zip">{hs}</a></li>' for hs in versions[newest])
    tabs = "\n".join(
        f'    <div class="tab-pane" id="{version}">\n' + "\n".join(
            f'      <a href="../data/BACI_{hs}_{version}.zip">{hs}</a>' for hs in versions[version]) + "\n    </div>"
        for version in older)
    return (f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>BACI</title></head><body>
<section id="download-links">
  <h2>Download</h2>
  <p>This is the {newest[1:]} version of BACI. Each file holds one HS revision and every year of it.</p>
  <ul>
{links}
  </ul>
</section>
<section id="archives">
  <h2>Archives</h2>
  <nav>{" ".join(f'<a class="nav-link" href="#{v}">{v}</a>' for v in older)}</nav>
{tabs}
</section>
</body></html>
""").encode()


PAGE = page({
    "V202601": ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22"),
    "V202501": ("HS92", "HS17", "HS22"),
    "V202401b": ("HS92", "HS17"),
})


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Six years of 24,000 flows in BACI's zip layout: about 0.6 MB compressed a year."""
    files = release_files({year: year_rows(year) for year in YEARS})
    return write_zip(tmp_path_factory.mktemp("release"), files).read_bytes()


@dataclass
class Cepii:
    """What the stand-in for cepii.fr serves and what it saw: the page and one zip, Range honoured unless
    ``ignore_range``; ``drop_after``: on the first ``drops`` ranged answers reaching into the 2019 member, close
    the connection after that many bytes of it; ``corrupt_at``: a byte flipped at that offset of the zip."""

    zip_bytes: bytes
    page: bytes = PAGE
    zip_path: str = ZIP_PATH
    ignore_range: bool = False
    ignore_suffix: bool = False  # Range honoured, except the suffix form (bytes=-N): answered 200
    refuse_members: int | None = None  # this status for every range but the suffix (the members)
    drop_after: int | None = None
    drops: int = 1
    stall_after: int | None = None  # the 2019 member's answers stop after this many bytes of it, and hang
    slow: bool = False  # answers come 8 kB at a time, 20 ms apart (a slow link)
    corrupt_at: int | None = None
    sent: int = 0  # zip body bytes written
    ranges: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def body(self) -> bytes:
        if self.corrupt_at is None:
            return self.zip_bytes
        data = bytearray(self.zip_bytes)
        data[self.corrupt_at] ^= 0xFF
        return bytes(data)

    def member_span(self, name: str) -> tuple[int, int]:
        with zipfile.ZipFile(io.BytesIO(self.zip_bytes)) as archive:
            infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
            ends = [info.header_offset for info in infos[1:]] + [archive.start_dir]
        return next((info.header_offset, end) for info, end in zip(infos, ends, strict=True)
                    if info.filename == name)

    def respond(self, handler: BaseHTTPRequestHandler, server: Server) -> None:
        path = handler.path.split("?")[0]
        if path == PAGE_PATH:
            send(handler, 200, self.page, Content_Type="text/html; charset=utf-8")
            return
        if path != self.zip_path:
            send(handler, 404, b"not found")
            return
        body = self.body
        asked = handler.headers.get("Range")
        with self.lock:
            self.ranges.append(asked)
        cutting = self.drop_after is not None or self.stall_after is not None
        start_2019, end_2019 = self.member_span(MEMBER_2019) if cutting else (0, 0)
        if asked is None or self.ignore_range or (self.ignore_suffix and asked.startswith("bytes=-")):
            drop = self.drop_after is not None and self.drops > 0 and asked is None
            if drop:
                self.drops -= 1
            self._write(handler, 200, body, {}, cut_after=start_2019 + (self.drop_after or 0) if drop else None)
            return
        if self.refuse_members is not None and not asked.startswith("bytes=-"):
            send(handler, self.refuse_members, b"<html><body>Forbidden</body></html>")
            return
        first, last = _parse_range(asked, len(body))
        part = body[first:last + 1]
        headers = {"Content-Range": f"bytes {first}-{last}/{len(body)}"}
        if self.stall_after is not None and first < end_2019 and last >= start_2019:
            self._write(handler, 206, part, headers, cut_after=max(start_2019 - first, 0) + self.stall_after,
                        hang=server.stopping)
            return
        if self.drop_after is not None and self.drops > 0 and first < end_2019 and last >= start_2019:
            self.drops -= 1
            cut = max(start_2019 - first, 0) + self.drop_after
            self._write(handler, 206, part, headers, cut_after=cut)
            return
        self._write(handler, 206, part, headers)

    def _write(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str],
               cut_after: int | None = None, hang: threading.Event | None = None) -> None:
        handler.send_response(status)
        for name, value in {"Accept-Ranges": "bytes", "ETag": '"r202601"', **headers}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        shown = body if cut_after is None else body[:cut_after]
        step = 8_192 if self.slow else 65_536
        try:
            for start in range(0, len(shown), step):
                handler.wfile.write(shown[start:start + step])
                with self.lock:
                    self.sent += len(shown[start:start + step])
                if self.slow:
                    handler.wfile.flush()
                    time.sleep(0.02)
            handler.wfile.flush()
        except ConnectionError:  # a client that has read what it wanted (the tail answered 200)
            return
        if hang is not None:  # until the test ends (a minute at most): the client is killed meanwhile
            hang.wait(60)
            return
        if cut_after is not None:  # the connection drops mid-body, as a killed transfer does
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)


def _parse_range(header: str, size: int) -> tuple[int, int]:
    spec = header.removeprefix("bytes=")
    first, _, last = spec.partition("-")
    if not first:
        return max(size - int(last), 0), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


@pytest.fixture
def cepii(release: bytes) -> Iterator[tuple[Cepii, Server]]:
    stand_in = Cepii(release)
    with loopback(stand_in.respond) as server:
        yield stand_in, server


def baci_config(config: Config, url: str, **http: object) -> Config:
    baci = dataclasses.replace(config.sources["baci"], base_url=url, requests_per_minute=1e9)
    settings = dataclasses.replace(config.http, **{"max_attempts": 2, **http})
    return dataclasses.replace(config, sources={**config.sources, "baci": baci}, http=settings)


def quick_client(http: HttpSettings, cache_dir: Path) -> HttpClient:
    return HttpClient(http, cache_dir, sleep=lambda _: None)


def fetch(config: Config, store: Store, years: tuple[int, ...] | None = (2019,)) -> object:
    return run_fetch(config, store, ["baci"], FetchScope(groups=config.groups, years=years),
                     client_factory=quick_client)


def _without_rate_limit(config_dir: Path) -> None:
    """The shipped config, without its 2 s between two requests to one host."""
    sources = config_dir / "sources.toml"
    text = sources.read_text()
    assert 'requests_per_minute = 30\nhs_revision' in text
    sources.write_text(text.replace('requests_per_minute = 30\nhs_revision', 'requests_per_minute = 6000\nhs_revision'))


def baci_rows(store: Store) -> pl.DataFrame:
    return store.scan("trade").filter(pl.col("source") == "baci").collect()


def baci_log(store: Store) -> list[dict[str, object]]:
    """The runner's rows for baci (the importer adds its own, whose request names a file)."""
    rows = store.read("fetch_log").filter(pl.col("source") == "baci").sort("started_at")
    return [row for row in rows.iter_rows(named=True) if "cursor" in json.loads(row["request"])]


def assert_2019_imported(store: Store) -> None:
    """The store's 2019 code rows are the CSV's rows: count and USD total computed from the rows themselves."""
    rows = baci_rows(store).filter(pl.col("hs_code") != "TOTAL")
    expected = year_rows(2019)
    assert set(rows.get_column("year")) == {2019}
    assert rows.height == len(expected)
    assert rows.get_column("value_usd").sum() == pytest.approx(sum(float(row[3]) for row in expected) * 1000)
    assert stored_release(store) is not None and str(stored_release(store)) == "BACI HS17 V202601 (2019)"


# ---------------------------------------------------------------------------------------------- pure parts


def test_baci_page_names_the_newest_release_of_the_revision() -> None:
    link = newest_release(PAGE, "HS17")
    assert (link.version, link.path) == ("V202601", ZIP_PATH)
    lettered = page({"V202401b": ("HS17",), "V202401": ("HS17", "HS22")})
    assert newest_release(lettered, "HS17").version == "V202401b"  # the letter makes it newer
    assert newest_release(lettered, "HS22").version == "V202401"
    with pytest.raises(PayloadError, match=r"no HS12 release .* links HS17, HS22 releases only"):
        newest_release(lettered, "HS12")
    with pytest.raises(PayloadError, match="links no BACI zip at all"):
        newest_release(b"<html><body>Service unavailable</body></html>", "HS17")


def _zip64(members: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """A zip written with ZIP64 records, as zipfile writes them past 4 GiB (its limits lowered for the test)."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 16)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    monkeypatch.undo()
    return buffer.getvalue()


def test_baci_zip_directory_reads_zip64_end_records(monkeypatch: pytest.MonkeyPatch) -> None:
    members = {f"BACI_HS17_Y{year}_V202601.csv": f"t,i,j,k,v,q\n{year},4,20,210610,0.357,0.002\n".encode() * 50
               for year in (2021, 2022)}
    data = _zip64(members, monkeypatch)
    assert b"PK\x06\x06" in data[-200:]  # the ZIP64 end record is there
    tail_start = max(0, len(data) - TAIL_BYTES)
    directory = find_directory(data[tail_start:], tail_start, len(data))
    entries = read_entries(data[directory.offset:directory.offset + directory.size], directory)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        expected = [(i.filename, i.header_offset, i.compress_size, i.file_size, i.CRC) for i in archive.infolist()]
    assert [(e.name, e.offset, e.compressed_size, e.size, e.crc) for e in entries] == expected


def test_baci_spans_and_local_directory_make_a_zip_that_zipfile_reads(release: bytes) -> None:
    tail_start = len(release) - TAIL_BYTES
    directory = find_directory(release[tail_start:], tail_start, len(release))
    entries = read_entries(release[directory.offset:directory.offset + directory.size], directory)
    wanted = [entry for entry in entries if entry.name in (MEMBER_2019, "country_codes_V202601.csv")]
    spans = member_spans(entries, directory, wanted)
    pieces, placed, position = [], [], 0
    for span in spans:
        pieces.append(release[span.start:span.end])
        placed.append((span.entry, position))
        position += span.length
    local = b"".join(pieces) + central_directory(placed, position)
    with zipfile.ZipFile(io.BytesIO(local)) as archive, zipfile.ZipFile(io.BytesIO(release)) as original:
        assert archive.testzip() is None  # every CRC checks
        assert sorted(archive.namelist()) == sorted(span.entry.name for span in spans)
        assert archive.read(MEMBER_2019) == original.read(MEMBER_2019)


def test_baci_directory_of_a_cut_zip_is_refused(release: bytes) -> None:
    cut = release[:-10]
    with pytest.raises(PayloadError, match="no end of central directory record"):
        find_directory(cut[-TAIL_BYTES:], len(cut) - TAIL_BYTES, len(cut))


# ------------------------------------------------------------------------------------------- the fetch


def test_fetch_baci_downloads_the_year_and_the_code_files_only(
    cepii: tuple[Cepii, Server], data_dir: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stand_in, server = cepii
    monkeypatch.setenv("TRACKER_BACI_BASE_URL", server.url)
    _without_rate_limit(config_dir)
    assert cli.main(["fetch", "--source", "baci", "--years", "2019", "--no-progress"]) == 0
    out = capsys.readouterr().out

    store = Store(data_dir)
    assert_2019_imported(store)
    # the page, the zip's tail (its directory included), then the 2019 member and the two code files
    assert [path.split("?")[0] for path, _ in server.seen] == [PAGE_PATH] + [ZIP_PATH] * 4
    with zipfile.ZipFile(io.BytesIO(stand_in.zip_bytes)) as archive:
        fetched = {MEMBER_2019, "country_codes_V202601.csv", "product_codes_HS17_V202601.csv"}
        needed = sum(stand_in.member_span(name)[1] - stand_in.member_span(name)[0] for name in fetched)
        skipped = sum(info.compress_size for info in archive.infolist() if info.filename not in fetched)
    assert stand_in.sent == needed + TAIL_BYTES  # exactly the spans and the tail, nothing else
    assert stand_in.sent < 0.3 * len(stand_in.zip_bytes) and skipped > 4 * needed
    assert "baci: BACI HS17 V202601, years 2019:" in out and "MB downloaded" in out and "rows imported" in out
    [row] = baci_log(store)
    assert (row["status"], json.loads(row["request"])["cursor"]) == ("ok", "baci/HS17/V202601")
    cache = data_dir / CACHE_DIR
    assert sorted(path.name for path in cache.iterdir()) == [LISTING_FILE]  # the pieces are gone after the import
    listing = json.loads((cache / LISTING_FILE).read_text())["BACI_HS17_V202601.zip"]
    assert sorted(listing["years"]) == [str(year) for year in YEARS]


def test_fetch_baci_second_run_sends_one_request_and_writes_nothing(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    local = baci_config(config, server.url)
    fetch(local, store)
    version, asked, sent = store.version_name("trade"), server.arrived(), stand_in.sent

    summary = fetch(local, store)
    assert server.arrived() == asked + 1 and server.seen[-1][0] == PAGE_PATH  # only the page
    assert stand_in.sent == sent  # no byte of the zip
    assert store.version_name("trade") == version
    result = summary.sources["baci"]  # type: ignore[attr-defined]
    assert (result.requests, result.unchanged, result.failed) == (1, 1, 0)
    assert "already imported; nothing downloaded (1 request" in result.details
    assert [row["status"] for row in baci_log(store)] == ["ok", "unchanged"]
    # the configured years (first_year on, every year of the release) are not all stored: the next run fetches them
    plan = plan_baci(store, local.sources["baci"])
    with zipfile.ZipFile(io.BytesIO(stand_in.zip_bytes)) as archive:
        others = sum(info.compress_size for info in archive.infolist()
                     if info.filename.startswith("BACI_") and "Y2019" not in info.filename)
        codes = sum(info.compress_size for info in archive.infolist() if "_codes_" in info.filename)
    assert (plan.requests, plan.download_bytes) == (2 + 5 + 2, others + codes)  # page, tail, 5 years, 2 code files
    assert plan_baci(store, local.sources["baci"], (2019,)).requests == 1


def test_fetch_baci_killed_download_resumes_without_starting_over(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.drop_after = 200_000  # the first answer for the 2019 member stops after 200 kB of it
    start, end = stand_in.member_span(MEMBER_2019)
    first = fetch(baci_config(config, server.url, max_attempts=1), store)  # one attempt: the run fails there

    assert first.sources["baci"].failed == 1  # type: ignore[attr-defined]
    [failed] = baci_log(store)
    assert failed["status"] == "failed" and MEMBER_2019 in failed["error"]
    assert "kept for the next run" in failed["error"]
    assert not store.has_data("trade")  # nothing imported
    part = store.root / CACHE_DIR / "BACI_HS17_V202601.zip.part"
    kept = part.stat().st_size
    assert kept >= 200_000

    before = len(stand_in.ranges)
    fetch(baci_config(config, server.url, max_attempts=1), store)
    assert_2019_imported(store)
    ranges = stand_in.ranges[before:]
    # the spans are kept in file order: 2019's comes first, so its remaining bytes are the first range asked
    resumed = next(r for r in ranges if r is not None and not r.startswith("bytes=-"))
    assert resumed == f"bytes={start + kept}-{end - 1}"
    assert not part.exists()


def test_fetch_baci_process_killed_mid_download_resumes_in_the_next_run(
    cepii: tuple[Cepii, Server], data_dir: Path, config_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stand_in, server = cepii
    stand_in.stall_after = 150_000
    start, end = stand_in.member_span(MEMBER_2019)
    _without_rate_limit(config_dir)
    monkeypatch.setenv("TRACKER_BACI_BASE_URL", server.url)
    command = ["fetch", "--source", "baci", "--years", "2019", "--no-progress"]
    process = subprocess.Popen([sys.executable, "-m", "tracker", *command], cwd=REPO_ROOT, env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = data_dir / CACHE_DIR / "BACI_HS17_V202601.zip.part"
    waited_until = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < waited_until and (
            not part.exists() or part.stat().st_size < 100_000):
        time.sleep(0.05)
    process.kill()  # SIGKILL: no handler runs, nothing is cleaned up
    process.wait(timeout=30)
    kept = part.stat().st_size
    assert 100_000 <= kept <= 150_000

    stand_in.stall_after = None
    before = len(stand_in.ranges)
    assert cli.main(command) == 0
    assert_2019_imported(Store(data_dir))
    member = [r for r in stand_in.ranges[before:] if r is not None and not r.startswith("bytes=-")]
    assert member[0] == f"bytes={start + kept}-{end - 1}"  # only what the killed run had not written


def test_fetch_baci_stop_request_mid_download_logs_interrupted_and_keeps_the_bytes(
    cepii: tuple[Cepii, Server], store: Store, config: Config, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tracker.fetch as fetch_module

    monkeypatch.setattr(fetch_module, "_STOP", threading.Event())  # process-wide: this test's own
    stand_in, server = cepii
    stand_in.slow = True
    start, end = stand_in.member_span(MEMBER_2019)
    part = store.root / CACHE_DIR / "BACI_HS17_V202601.zip.part"

    def stop_when_started() -> None:
        waited_until = time.monotonic() + 60
        while (not part.exists() or part.stat().st_size < 30_000) and time.monotonic() < waited_until:
            time.sleep(0.01)
        fetch_module.stop_running_fetches()  # as the scheduler's shutdown does, from another thread

    stopper = threading.Thread(target=stop_when_started)
    stopper.start()
    with pytest.raises(fetch_module.FetchInterrupted):
        fetch(baci_config(config, server.url), store)
    stopper.join()
    [row] = baci_log(store)
    assert (row["status"], row["finished_at"]) == ("interrupted", None)
    assert "the next run resumes it" in row["error"]
    kept = part.stat().st_size
    assert 30_000 <= kept < end - start and not store.has_data("trade")

    monkeypatch.setattr(fetch_module, "_STOP", threading.Event())
    stand_in.slow = False
    before = len(stand_in.ranges)
    fetch(baci_config(config, server.url), store)
    assert_2019_imported(store)
    member = [r for r in stand_in.ranges[before:] if r is not None and not r.startswith("bytes=-")]
    assert member[0] == f"bytes={start + kept}-{end - 1}"


def test_fetch_baci_connection_cut_is_resumed_within_the_run(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.drop_after = 100_000
    start, end = stand_in.member_span(MEMBER_2019)
    summary = fetch(baci_config(config, server.url, max_attempts=2), store)
    assert summary.failed == 0  # type: ignore[attr-defined]
    assert_2019_imported(store)
    member = [r for r in stand_in.ranges if r is not None and not r.startswith("bytes=-")]
    assert member[0] == f"bytes={start}-{end - 1}"
    second_start = int(member[1].removeprefix("bytes=").split("-")[0])
    assert start + 100_000 <= second_start < end and member[1].endswith(f"-{end - 1}")  # the rest, not all again


def test_fetch_baci_server_that_ignores_range_gets_a_whole_download(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.ignore_range = True
    summary = fetch(baci_config(config, server.url), store)
    assert summary.failed == 0  # type: ignore[attr-defined]
    assert_2019_imported(store)
    assert stand_in.ranges[-1] is None  # after the ignored Range, one plain GET of the whole zip
    [row] = baci_log(store)
    assert "ignores Range" in (row["error"] or "")
    assert json.loads(row["request"])["bytes_downloaded"] == len(stand_in.zip_bytes)


def test_fetch_baci_whole_download_resumes_with_range_next_run(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.ignore_suffix = True  # the zip's end cannot be read alone: the whole zip is downloaded
    stand_in.drop_after = 30_000  # the first whole download stops 30 kB into the 2019 member
    start, _ = stand_in.member_span(MEMBER_2019)
    first = fetch(baci_config(config, server.url, max_attempts=1), store)
    assert first.failed == 1  # type: ignore[attr-defined]
    part = store.root / CACHE_DIR / "BACI_HS17_V202601.zip.whole.part"
    kept = part.stat().st_size
    assert kept >= start + 30_000 - 65_536  # what arrived before the cut (less what a socket buffer may hold back)

    before = len(stand_in.ranges)
    second = fetch(baci_config(config, server.url, max_attempts=1), store)
    assert second.failed == 0  # type: ignore[attr-defined]
    assert_2019_imported(store)
    # the end (answered whole, its body not read), then the rest of the zip from where the killed run stopped
    assert stand_in.ranges[before:] == [f"bytes=-{TAIL_BYTES}", f"bytes={kept}-"]
    row = baci_log(store)[-1]
    assert (row["status"], json.loads(row["request"])["bytes_downloaded"]) == ("ok", len(stand_in.zip_bytes) - kept)
    assert not part.exists()


@pytest.mark.parametrize("ignore_range", [False, True])
def test_fetch_baci_corrupt_member_writes_nothing_and_names_it(
    cepii: tuple[Cepii, Server], store: Store, config: Config, ignore_range: bool,
) -> None:
    stand_in, server = cepii
    start, end = stand_in.member_span(MEMBER_2019)
    stand_in.corrupt_at = (start + end) // 2  # a byte in the middle of 2019's compressed data
    stand_in.ignore_range = ignore_range
    summary = fetch(baci_config(config, server.url), store)

    assert summary.failed == 1  # type: ignore[attr-defined]
    [row] = baci_log(store)
    assert row["status"] == "failed" and MEMBER_2019 in row["error"] and "corrupt" in row["error"]
    assert "nothing was imported" in row["error"]
    assert not store.has_data("trade") and stored_release(store) is None
    cache = store.root / CACHE_DIR
    assert not (cache / "BACI_HS17_V202601.zip").exists()  # no half-checked zip is left for an import
    part = cache / "BACI_HS17_V202601.zip.part"
    assert not part.exists() or part.stat().st_size == 0  # 2019 comes first: the bad piece was cut off


def test_plan_baci_before_any_run_counts_the_likely_years(store: Store, config: Config) -> None:
    settings = config.sources["baci"]  # HS17 from [scope] first_year 2015: the release starts in 2017
    plan = plan_baci(store, settings, current_year=2026)  # V202601 covers 2017-2024
    assert (plan.requests, plan.download_bytes) == (2 + 8 + 2, None)
    assert plan_baci(store, settings, (2022, 2023), current_year=2026).requests == 2 + 2 + 2


def test_fetch_baci_import_that_failed_reuses_the_checked_download(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    staging = store.root / STAGING_DIR
    staging.mkdir(parents=True)
    with filelock.FileLock(staging / ".lock"):  # another import holds the store: this one fails after the download
        assert fetch(baci_config(config, server.url), store).failed == 1  # type: ignore[attr-defined]
    assert "another BACI import is running" in baci_log(store)[0]["error"]
    sent = stand_in.sent
    fetch(baci_config(config, server.url), store)
    assert_2019_imported(store)
    assert stand_in.sent - sent == TAIL_BYTES  # the page and the zip's end only: the members were kept


def test_fetch_baci_member_refused_is_not_retried_and_named(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.refuse_members = 403
    summary = fetch(baci_config(config, server.url, max_attempts=3), store)
    assert summary.failed == 1  # type: ignore[attr-defined]
    [row] = baci_log(store)
    assert row["error"].startswith(f"baci: {MEMBER_2019}: HTTP 403 from ") and "Forbidden" in row["error"]
    assert len([r for r in stand_in.ranges if r and not r.startswith("bytes=-")]) == 1  # a 403 is not retried
    assert not store.has_data("trade")


def test_fetch_baci_member_that_never_arrives_names_the_member(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    stand_in, server = cepii
    stand_in.drop_after, stand_in.drops = 0, 10  # the 2019 member's answers end before their first byte
    summary = fetch(baci_config(config, server.url, max_attempts=2), store)
    assert summary.failed == 1  # type: ignore[attr-defined]
    [row] = baci_log(store)
    assert row["status"] == "failed" and row["error"].startswith(f"baci: {MEMBER_2019}: gave up")
    assert "after 2 attempt(s)" in row["error"]
    assert not store.has_data("trade")


def test_fetch_baci_cut_after_every_50_kb_still_completes(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    """Each attempt that brought bytes resumes with a fresh attempt budget: a flaky link finishes, slowly."""
    stand_in, server = cepii
    stand_in.drop_after, stand_in.drops = 50_000, 100
    start, end = stand_in.member_span(MEMBER_2019)
    summary = fetch(baci_config(config, server.url, max_attempts=2), store)
    assert summary.failed == 0  # type: ignore[attr-defined]
    assert_2019_imported(store)
    member = [r for r in stand_in.ranges if r is not None and not r.startswith("bytes=-") and r.endswith(f"-{end - 1}")]
    assert len(member) >= (end - start) // 50_000  # one range per cut, each starting where the last one stopped


def test_fetch_baci_refuses_when_the_disk_is_too_small(cepii: tuple[Cepii, Server], store: Store,
                                                       config: Config) -> None:
    _, server = cepii
    settings = baci_config(config, server.url).sources["baci"]
    with closing(HttpClient(config.http, None, sleep=lambda _: None)) as client, pytest.raises(
            DiskSpaceError, match=r"not enough free disk space under .*: BACI needs [\d.]+ MB \([\d.]+ MB still to "
                                  r"download, [\d.]+ MB to extract and import a year\), 0\.1 MB are free"):
        fetch_baci(client, settings, store, (2019,), free_bytes=lambda _: 100_000)
    assert len(server.seen) == 2  # the page and the tail: no member was asked for
    assert not store.has_data("trade")


def test_fetch_baci_newer_release_replaces_the_stored_one(
    cepii: tuple[Cepii, Server], store: Store, config: Config, tmp_path: Path,
) -> None:
    stand_in, server = cepii
    local = baci_config(config, server.url)
    fetch(local, store)
    newer = release_files({2019: year_rows(2019)[:100], 2020: year_rows(2020)[:100]}, version="V202701")
    stand_in.zip_bytes = write_zip(tmp_path / "newer", newer).read_bytes()
    stand_in.page = page({"V202701": ("HS17",), "V202601": ("HS17",)})
    stand_in.zip_path = "/DATA_DOWNLOAD/baci/data/BACI_HS17_V202701.zip"
    fetch(local, store, years=(2020,))
    rows = baci_rows(store).filter(pl.col("hs_code") != "TOTAL")
    assert set(rows.get_column("year")) == {2020} and rows.height == 100  # V202601's 2019 rows are gone
    assert str(stored_release(store)) == "BACI HS17 V202701 (2020)"


def test_fetch_baci_refused_year_is_logged_failed_and_the_other_year_imported(
    cepii: tuple[Cepii, Server], store: Store, config: Config, tmp_path: Path,
) -> None:
    """2020 with 2 of its 100 rows without v (over the 1 % threshold): 2019 is imported, the run counts a failure,
    the importer logs 2020 as failed with the file and the share, and the next run asks for 2020 again."""
    stand_in, server = cepii
    bad = year_rows(2020)[:100]
    files = release_files({2019: year_rows(2019), 2020: bad})
    lines = files["BACI_HS17_Y2020_V202601.csv"].splitlines(keepends=True)
    for index in (3, 7):
        lines[index] = f"2020,{bad[index - 1][0]},{bad[index - 1][1]},{bad[index - 1][2]},,        1.000\n"
    files["BACI_HS17_Y2020_V202601.csv"] = "".join(lines)
    stand_in.zip_bytes = write_zip(tmp_path, files).read_bytes()
    summary = fetch(baci_config(config, server.url), store, years=(2019, 2020))

    assert summary.failed == 1  # type: ignore[attr-defined]
    details = summary.sources["baci"].details  # type: ignore[attr-defined]
    assert "years 2019:" in details and "left out 2020 (too many unreadable rows)" in details
    assert_2019_imported(store)
    imports = {json.dumps(json.loads(row["request"])["years"]): row for row in
               store.read("fetch_log").filter(pl.col("source") == "baci").iter_rows(named=True)
               if "file" in json.loads(row["request"])}
    assert imports["[2019]"]["status"] == "ok" and imports["[2020]"]["status"] == "failed"
    assert imports["[2020]"]["error"].startswith("BACI_HS17_Y2020_V202601.csv: 2 of 100 rows cannot be read")
    assert "(2.0%" in imports["[2020]"]["error"] and "line 4: v missing" in imports["[2020]"]["error"]
    [run] = baci_log(store)
    assert run["status"] == "ok" and "2020 refused by the import" in run["error"]
    assert plan_baci(store, config.sources["baci"], years=(2019, 2020)).requests > 1  # 2020 is still wanted


# ------------------------------------------------------------------------------------ client and config


def test_client_download_refuses_a_range_it_did_not_ask_for() -> None:
    settings = dataclasses.replace(load_config(REPO_ROOT / "config").sources["baci"], requests_per_minute=1e9)

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 206, b"x" * 10, Content_Range="bytes 0-9/100")

    with loopback(respond) as server, closing(HttpClient(load_config(REPO_ROOT / "config").http, None)) as client:
        settings = dataclasses.replace(settings, base_url=server.url)
        with pytest.raises(TerminalFetchError, match=r"answered bytes 0-9 to a request for bytes 50-59"):
            client.download(Request("baci", ZIP_PATH, (), "trade", "x"), settings, lambda _: None, start=50, end=59,
                            expected_bytes=10)


def test_client_download_body_longer_than_the_range_is_not_read() -> None:
    settings = dataclasses.replace(load_config(REPO_ROOT / "config").sources["baci"], requests_per_minute=1e9)
    received = bytearray()

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        send(handler, 206, b"y" * 5_000_000, Content_Range="bytes 0-9/100")  # says 10 bytes, sends 5 MB

    with loopback(respond) as server, closing(HttpClient(load_config(REPO_ROOT / "config").http, None)) as client:
        settings = dataclasses.replace(settings, base_url=server.url)
        with pytest.raises(TerminalFetchError, match=r"more than the 10 bytes asked"):
            client.download(Request("baci", ZIP_PATH, (), "trade", "x"), settings, received.extend, start=0, end=9,
                            expected_bytes=10)
    assert len(received) <= 10


def test_config_baci_defaults_override_and_validation(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_config(config_dir).sources["baci"]
    assert (loaded.hs_revision, loaded.base_url, loaded.first_year) == ("HS17", "https://www.cepii.fr", 2015)
    assert loaded.api_key_env is None and loaded.last_year >= 2100  # every year the release holds
    monkeypatch.setenv("TRACKER_BACI_BASE_URL", "http://127.0.0.1:9")
    assert load_config(config_dir).sources["baci"].base_url == "http://127.0.0.1:9"
    sources = config_dir / "sources.toml"
    sources.write_text(sources.read_text().replace('hs_revision = "HS17"', 'hs_revision = "HS99"'))
    with pytest.raises(ConfigError, match=r"sources\.toml: sources\.baci\.hs_revision: expected one of "
                                          r"\['HS12', 'HS17', 'HS22'\].*; got 'HS99'"):
        load_config(config_dir)


def test_config_baci_revisions_are_those_the_importer_reads() -> None:
    from tracker.baci.layout import ACCEPTED_REVISIONS
    from tracker.config import BACI_HS_REVISIONS

    assert BACI_HS_REVISIONS == ACCEPTED_REVISIONS


def test_schedule_has_a_monthly_baci_check(config: Config) -> None:
    spec = next(spec for spec in job_specs(config) if spec.id == "fetch.baci")
    assert spec.params == {"source_id": "baci"}
    assert spec.target == "tracker.scheduling.pipeline:fetch_and_refresh"
    assert spec.cron.fields.get("month", "*") == "*" and spec.cron.fields["day"].isdigit()  # once a month


def test_local_zip_directory_is_zip64_and_offsets_are_exact() -> None:
    """The central directory written for the local zip: one ZIP64 extra per entry with size, compressed size and
    offset, and the end records pointing at it (checked field by field, not only through zipfile)."""
    data = b"t,i,j,k,v,q\n2019,4,20,210610,0.357,0.002\n"
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = compressor.compress(data) + compressor.flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MEMBER_2019, data)
    raw = buffer.getvalue()
    tail_start = 0
    directory = find_directory(raw, tail_start, len(raw))
    [entry] = read_entries(raw[directory.offset:directory.offset + directory.size], directory)
    written = central_directory([(entry, 0)], 1000)
    extra_at = 46 + len(entry.raw_name)
    kind, size, usize, csize, offset = struct.unpack_from("<HHQQQ", written, extra_at)
    assert (kind, size, usize, csize, offset) == (1, 24, len(data), entry.compressed_size, 0)
    assert entry.compressed_size == len(packed)
    assert written[-22:-18] == b"PK\x05\x06" and written[-42:-38] == b"PK\x06\x07"


def test_scheduled_baci_job_imports_the_configured_years_then_refreshes_the_metrics(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    from tracker.scheduling.pipeline import fetch_and_refresh

    _, server = cepii
    local = baci_config(config, server.url)
    narrowed = dataclasses.replace(local.sources["baci"], first_year=2021, last_year=2030)
    local = dataclasses.replace(local, sources={**local.sources, "baci": narrowed})
    line = fetch_and_refresh(local, store, "baci")
    assert line.startswith("baci: ") and "0 failed request(s)" in line
    assert "metrics: " in line and " tables, " in line  # recomputed after the import
    assert str(stored_release(store)) == "BACI HS17 V202601 (2021–2022)"  # the release's years from first_year on


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes each member with a data descriptor (flag bit 3), as zip tools
    that stream do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


def test_fetch_baci_streamed_zip_with_a_directory_beyond_the_tail(
    cepii: tuple[Cepii, Server], store: Store, config: Config,
) -> None:
    """Data descriptors after each member, and 1,500 extra entries: the directory (about 130 kB) no longer lies in
    the zip's last 64 kB, so it is read with one more range request."""
    stand_in, server = cepii
    files = release_files({2019: year_rows(2019), 2020: year_rows(2020)[:10]})
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        for index in range(1_500):
            archive.writestr(f"notes/BACI_HS17_V202601_note_{index:05d}.txt", "n")
    stand_in.zip_bytes = bytes(stream.data)
    with zipfile.ZipFile(io.BytesIO(stand_in.zip_bytes)) as archive:
        assert archive.getinfo(MEMBER_2019).flag_bits & 0x08  # a data descriptor follows the member
        assert len(stand_in.zip_bytes) - archive.start_dir > TAIL_BYTES
    summary = fetch(baci_config(config, server.url), store)
    assert summary.failed == 0  # type: ignore[attr-defined]
    assert_2019_imported(store)
    directory = next(r for r in stand_in.ranges if r is not None and not r.startswith("bytes=-"))
    with zipfile.ZipFile(io.BytesIO(stand_in.zip_bytes)) as archive:
        assert directory.startswith(f"bytes={archive.start_dir}-")  # the directory, asked for on its own
    assert len(stand_in.ranges) == 1 + 1 + 3  # the tail, the directory, the three members


# The first rows of a real yearly file, BACI_HS22_Y2022_V202401b.csv, as a public write-up quoted them (`head`
# of the file; the same example row is in ../shared/reference/sources.md). BACI data: CEPII, Etalab Open
# Licence 2.0 (reuse allowed naming the source and its date): CEPII BACI HS22 V202401b, January 2024.
REAL_HS22_2022_HEAD = """t,i,j,k,v,q
2022,4,20,210610,        0.357,        0.002
2022,4,20,210690,        0.061,        0.001
2022,4,20,271000,        5.807,        8.103
2022,4,20,843131,        0.313,        0.022
2022,4,31,080211,        2.027,        0.500
2022,4,31,081310,        0.912,        0.240
2022,4,31,252620,        5.642,       47.550
2022,4,31,340600,        0.167,        0.002
2022,4,31,680221,        5.034,       21.000
"""


def test_fetch_baci_replays_real_rows_of_cepii_and_stores_their_values(
    tmp_path: Path, store: Store, config: Config,
) -> None:
    """Real CEPII rows (padded, leading zero in k) served in a release zip by the stand-in, fetched through the
    real download and import path: every stored value is the file's × 1000, read here by splitting the lines."""
    countries = [("4", "Afghanistan", "AF", "AFG"), ("20", "Andorra", "AD", "AND"), ("31", "Azerbaijan", "AZ", "AZE")]
    files = {"BACI_HS22_Y2022_V202401b.csv": REAL_HS22_2022_HEAD,
             "country_codes_V202401b.csv": country_csv(countries),
             "product_codes_HS22_V202401b.csv": product_csv(
                 sorted({line.split(",")[3] for line in REAL_HS22_2022_HEAD.splitlines()[1:]}))}
    zip_path = "/DATA_DOWNLOAD/baci/data/BACI_HS22_V202401b.zip"
    stand_in = Cepii(write_zip(tmp_path, files).read_bytes(), page=page({"V202401b": ("HS17", "HS22")}),
                     zip_path=zip_path)
    with loopback(stand_in.respond) as server:
        local = baci_config(config, server.url)
        local = dataclasses.replace(local, sources={
            **local.sources, "baci": dataclasses.replace(local.sources["baci"], hs_revision="HS22")})
        summary = fetch(local, store, (2022,))
    assert summary.failed == 0  # type: ignore[attr-defined]
    iso3 = {"4": "AFG", "20": "AND", "31": "AZE"}
    expected = {}
    for line in REAL_HS22_2022_HEAD.splitlines()[1:]:
        _, i, j, k, v, q = (field.strip() for field in line.split(","))
        expected[(iso3[i], iso3[j], k)] = (float(v) * 1000, float(q) * 1000)
    stored = {(row["reporter"], row["partner"], row["hs_code"]): (row["value_usd"], row["net_weight_kg"])
              for row in baci_rows(store).filter(pl.col("hs_code") != "TOTAL").iter_rows(named=True)}
    assert stored.keys() == expected.keys()
    for key, (value, weight) in expected.items():
        assert stored[key] == pytest.approx((value, weight), rel=1e-12), key
    assert stored_release(store) is not None and stored_release(store).version == "V202401b"  # type: ignore[union-attr]
