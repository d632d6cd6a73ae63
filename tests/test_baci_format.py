"""`import baci` on CEPII's real format: padded numbers, NA quantities, the country file's quirks, quarantined
rows, bounded reads of the code files, and HS 2022 group codes in an HS17 or HS12 release."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.baci_helpers import (
    COUNTRIES,
    REAL_COUNTRIES,
    cepii_number,
    country_csv,
    release_files,
    write_folder,
    write_zip,
)
from tracker.baci import BaciDataError, import_baci, stored_release
from tracker.baci.importer import MAX_SKIPPED_SHARE
from tracker.baci.layout import MAX_CODE_FILE_BYTES
from tracker.config import ProductGroup
from tracker.store import Store

YEAR_FILE = "BACI_HS17_Y2022_V202601.csv"


def _code_rows(store: Store) -> pl.DataFrame:
    return store.scan("trade").filter((pl.col("source") == "baci") & (pl.col("hs_code") != "TOTAL")).collect()


def _by_key(store: Store) -> dict[tuple[str, str, str], dict[str, object]]:
    return {(row["reporter"], row["partner"], row["hs_code"]): row for row in _code_rows(store).iter_rows(named=True)}


def _file_values(text: str) -> dict[tuple[int, int, str], tuple[float, float | None]]:
    """The yearly file's v and q, read independently of the importer: split, strip, NA is missing."""
    values = {}
    for line in text.splitlines()[1:]:
        _, i, j, k, v, q = (field.strip() for field in line.split(","))
        values[(int(i), int(j), k)] = (float(v), None if q in ("NA", "") else float(q))
    return values


def _assert_nothing_written(store: Store) -> None:
    assert store.files("trade") == []
    staging = store.root / ".baci-import"
    assert not staging.exists() or not [path for path in staging.iterdir() if path.is_dir()]


ISO3 = {156: "CHN", 251: "FRA", 842: "USA", 490: "TWN"}


def test_baci_real_format_padded_numbers_and_na_quantities_store_the_files_values(store: Store,
                                                                                   tmp_path: Path) -> None:
    rows = [
        (156, 251, "080211", "0.357", "0.002"),          # leading zero kept; the smallest values CEPII writes
        (156, 842, "210610", "123456789.125", ""),       # a wide value; q NA
        (251, 156, "610910", "42.5", "7.25"),
        (251, 842, "950300", "1", ""),                   # q NA
        (490, 842, "610910", "10.001", "0.999"),
    ]
    files = release_files({2022: rows})
    text = files[YEAR_FILE]
    # The file is in CEPII's format: the example row of sources.md, padded NA, i and j not zero-padded.
    assert "2022,156,251,080211,        0.357,        0.002\n" in text
    assert text.count(",           NA\n") == 2 and cepii_number("") == "           NA"
    summary = import_baci(store, write_zip(tmp_path, files), progress=False)

    stored = _by_key(store)
    expected = _file_values(text)
    assert len(stored) == len(expected) == 5 and summary.rows_written == 5 and summary.skipped_rows == 0
    for (i, j, k), (v, q) in expected.items():
        row = stored[(ISO3[i], ISO3[j], k)]
        assert row["value_usd"] == pytest.approx(v * 1000, rel=1e-12)
        assert (row["net_weight_kg"] is None) if q is None else row["net_weight_kg"] == pytest.approx(q * 1000)
    assert stored[("CHN", "USA", "210610")]["value_usd"] == pytest.approx(123_456_789_125.0)


@pytest.mark.parametrize("missing", ["NA", "    NA", "                         NA", ""])
def test_baci_na_quantity_in_any_padding_is_missing(store: Store, tmp_path: Path, missing: str) -> None:
    """Bare NA, NA padded to another width than the file's numbers (read again as text), and an empty q."""
    files = release_files({2022: [(156, 842, "950300", "5", "1"), (251, 842, "950300", "2", "1")]})
    files[YEAR_FILE] = files[YEAR_FILE].replace(f"{cepii_number('1')}\n", f"{missing}\n", 1)
    assert f",{missing}\n" in files[YEAR_FILE]
    import_baci(store, write_zip(tmp_path, files), progress=False)
    stored = _by_key(store)
    assert stored[("CHN", "USA", "950300")]["net_weight_kg"] is None
    assert stored[("FRA", "USA", "950300")]["net_weight_kg"] == pytest.approx(1_000.0)
    assert stored[("CHN", "USA", "950300")]["value_usd"] == pytest.approx(5_000.0)


def _many_rows(count: int) -> list[tuple[object, ...]]:
    """``count`` distinct flows CHN -> USA, sorted by code, with a missing quantity in every 50th."""
    return [(156, 842, f"{610000 + n:06d}", f"{n + 1}.5", "" if n % 50 == 0 else f"{n}.25") for n in range(count)]


@pytest.mark.parametrize("bad, reason, text_mode", [
    ("2022,156,842,610003,          abc,        1.000", "v 'abc' is not a number", True),
    ("2022,156,842,610003,        1.000,        1.000,7", "7 fields, expected 6 (t,i,j,k,v,q)", True),
    ("2022,156,842,610003,        1.000,        1.0q0", "q '1.0q0' is not a number", True),
    ("2021,156,842,610003,        1.000,        1.000", "t is 2021 in the file of 2022", False),
    ("2022,156,842,610003,       -1.000,        1.000", "v = -1.0 out of range (negative, not finite or too large)",
     False),
    ("2022,156,842,610003,          inf,        1.000", "v = inf out of range (negative, not finite or too large)",
     False),
    ("2022,156,842,610003,           NA,        1.000", "v missing (empty or NA)", False),
    ("", "empty line", False),
])
def test_baci_unreadable_row_is_quarantined_and_the_rest_stored(store: Store, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, bad: str,
                                                                reason: str, text_mode: bool) -> None:
    """One bad row among 300 (below the 1 % threshold): skipped, counted and named by line in the summary and in
    fetch_log; every other row is stored with the file's values, by the typed reader or (``text_mode``) by the
    text reader after the typed one failed."""
    from tracker.baci import importer

    text_reads = []
    real = importer._text_batches
    monkeypatch.setattr(importer, "_text_batches", lambda path: text_reads.append(path) or real(path))
    rows = _many_rows(300)
    files = release_files({2022: rows})
    lines = files[YEAR_FILE].splitlines(keepends=True)
    assert lines[4].startswith("2022,156,842,610003,")
    lines[4] = bad + "\n"  # data row 4 = line 5 of the file
    files[YEAR_FILE] = "".join(lines)
    summary = import_baci(store, write_zip(tmp_path, files), progress=False)

    assert summary.skipped_rows == 1 and summary.rows_read == 300 and summary.rows_written == 299
    assert summary.skipped_reasons == [f"{YEAR_FILE} line 5: {reason}"]
    assert len(text_reads) == int(text_mode)
    stored = _by_key(store)
    assert ("CHN", "USA", "610003") not in stored
    expected = {k: (v, q) for (_, _, k), (v, q) in _file_values("".join(lines[:4] + lines[5:])).items()}
    assert {code: (row["value_usd"], row["net_weight_kg"]) for (_, _, code), row in stored.items()} == {
        k: (pytest.approx(v * 1000), None if q is None else pytest.approx(q * 1000)) for k, (v, q) in expected.items()}
    total = store.scan("trade").filter((pl.col("hs_code") == "TOTAL") & (pl.col("reporter") == "CHN")).collect()
    assert total.get_column("value_usd").item() == pytest.approx(sum(v for v, _ in expected.values()) * 1000)
    log = store.read("fetch_log").row(0, named=True)
    assert log["status"] == "ok" and f"{YEAR_FILE} line 5: {reason}" in log["error"]
    assert "1 unreadable rows skipped" in log["error"]


def test_baci_too_many_unreadable_rows_fail_the_import_and_write_nothing(store: Store, tmp_path: Path) -> None:
    rows = _many_rows(100)
    files = release_files({2022: rows})
    lines = files[YEAR_FILE].splitlines(keepends=True)
    for index in (3, 7):  # 2 of 100 rows without v: above the 1 % threshold
        lines[index] = f"2022,156,842,61000{index - 1},,        1.000\n"
    files[YEAR_FILE] = "".join(lines)
    assert MAX_SKIPPED_SHARE == 0.01
    with pytest.raises(BaciDataError, match=r"2 of 100 rows .*2\.0%, more than the 1%.*line 4: .*line 8: "):
        import_baci(store, write_zip(tmp_path, files), progress=False)
    _assert_nothing_written(store)
    assert store.read("fetch_log").get_column("status").to_list() == ["failed"]


def _bad_year(year: int, rows: list[tuple[object, ...]]) -> str:
    """The year's file with data rows 3 and 7 lacking v: 2 of 100 rows, above the 1 % threshold."""
    lines = release_files({year: rows})[f"BACI_HS17_Y{year}_V202601.csv"].splitlines(keepends=True)
    for index in (3, 7):
        lines[index] = f"{year},156,842,{rows[index - 1][2]},,        1.000\n"
    return "".join(lines)


def _release_with_a_bad_year(version: str = "V202601") -> tuple[dict[str, str], list[tuple[object, ...]]]:
    """2020 and 2022 clean, 2021 over the threshold (other values each year, so a mix-up shows)."""
    rows = _many_rows(100)
    good = {year: [(i, j, k, f"{float(v) + year % 10}", q) for i, j, k, v, q in rows] for year in (2020, 2022)}
    files = release_files({**good, 2021: rows}, version=version)
    files[f"BACI_HS17_Y2021_{version}.csv"] = _bad_year(2021, rows).replace("_V202601", f"_{version}")
    return files, rows


def _stored_by_year(store: Store) -> dict[int, dict[str, tuple[float, float | None]]]:
    stored: dict[int, dict[str, tuple[float, float | None]]] = {}
    for row in _code_rows(store).iter_rows(named=True):
        stored.setdefault(row["year"], {})[row["hs_code"]] = (row["value_usd"], row["net_weight_kg"])
    return stored


def _files(root: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(root)): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in root.rglob("*.parquet")}


def test_baci_year_over_the_threshold_is_left_out_and_the_other_years_imported(store: Store,
                                                                              tmp_path: Path) -> None:
    """One bad year among three: the two clean years are published with the files' values, the bad one is left
    out whole (the store's earlier rows of 2021 keep their very files), named in the summary and in fetch_log."""
    from tests.conftest import trade_rows

    store.upsert("trade", trade_rows([{"period": "2021", "value_usd": 42.0}]))  # what the store held for 2021
    [held] = [path.stat().st_ino for path in store.files("trade") if "year=2021" in str(path)]
    files, _ = _release_with_a_bad_year()
    summary = import_baci(store, write_zip(tmp_path, files), progress=False)

    assert summary.years_written == (2020, 2022) and list(summary.refused) == [2021]
    assert str(summary.release) == "BACI HS17 V202601 (2020–2022)" and summary.release.years == (2020, 2022)
    assert stored_release(store) == summary.release
    [refusal] = summary.refusals().values()
    assert refusal.startswith("BACI_HS17_Y2021_V202601.csv: 2 of 100 rows cannot be read as BACI rows for 2021 "
                              "(2.0%, more than the 1% an import accepts): line 4: v missing")
    assert "line 8: v missing" in refusal and "2021 was left out" in refusal
    stored = _stored_by_year(store)
    assert set(stored) == {2020, 2022}
    for year in (2020, 2022):
        expected = _file_values(files[f"BACI_HS17_Y{year}_V202601.csv"])
        assert stored[year] == {k: (pytest.approx(v * 1000), None if q is None else pytest.approx(q * 1000))
                                for (_, _, k), (v, q) in expected.items()}
    assert summary.rows_written == 200 and summary.skipped_rows == 0  # the refused year's counts are not added
    # 2021: the Comtrade row is the same file (hard-linked into the new version), no BACI row came
    assert [path.stat().st_ino for path in store.files("trade") if "year=2021" in str(path)] == [held]
    assert store.scan("trade").filter(pl.col("year") == 2021).collect().get_column("value_usd").to_list() == [42.0]
    log = {json.dumps(json.loads(row["request"])["years"]): (row["status"], row["rows_written"], row["error"])
           for row in store.read("fetch_log").iter_rows(named=True)}
    assert set(log) == {"[2020, 2022]", "[2021]"}
    assert log["[2020, 2022]"][:2] == ("ok", 200 + summary.total_rows)
    assert log["[2021]"] == ("failed", 0, refusal)


def test_cli_import_baci_names_the_refused_year_and_exits_1(data_dir: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tracker import cli

    files, _ = _release_with_a_bad_year()
    assert cli.main(["import", "baci", str(write_zip(tmp_path, files)), "--no-progress"]) == 1
    captured = capsys.readouterr()
    [error] = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert error.startswith("error: BACI_HS17_Y2021_V202601.csv: 2 of 100 rows") and "(2.0%" in error
    assert "line 4: v missing" in error and "2021 was left out" in error
    assert "imported BACI HS17 V202601" in captured.out and "years      2020, 2022" in captured.out
    assert "left out   2021" in captured.out and "Traceback" not in captured.err
    assert sorted(Store(data_dir).read("fetch_log").get_column("status").to_list()) == ["failed", "ok"]
    assert set(_stored_by_year(Store(data_dir))) == {2020, 2022}


def test_baci_refused_year_that_an_older_release_holds_writes_nothing(store: Store, tmp_path: Path) -> None:
    """A newer release replaces the older one whole and releases never mix: publishing its clean years would
    delete the older release's rows of the refused year, so nothing is written and --years is offered."""
    old = release_files({year: [(156, 842, "950300", str(year - 2000), "1")] for year in (2020, 2021, 2022)},
                        version="V202501")
    import_baci(store, write_zip(tmp_path / "old", old), progress=False)
    before = _files(store.root / "trade")
    files, _ = _release_with_a_bad_year()
    archive = write_zip(tmp_path / "new", files)
    with pytest.raises(BaciDataError, match=r"^BACI_HS17_Y2021_V202601\.csv: 2 of 100 rows .*the store holds "
                       r"BACI HS17 V202501 \(2020–2022\), whose rows of 2021 .*nothing was imported; --years "
                       r"2020,2022 imports them without 2021"):
        import_baci(store, archive, progress=False)
    assert _files(store.root / "trade") == before and store.version_name("trade") == "v000001"
    assert str(stored_release(store)) == "BACI HS17 V202501 (2020–2022)"
    failed = store.read("fetch_log").filter(pl.col("status") == "failed")
    assert sorted(json.loads(request)["years"] for request in failed.get_column("request")) == [[2020, 2022], [2021]]
    summary = import_baci(store, archive, years=(2020, 2022), progress=False)  # the way out the message names
    assert summary.years_written == (2020, 2022) and not summary.refused
    assert str(stored_release(store)) == "BACI HS17 V202601 (2020–2022)" and set(_stored_by_year(store)) == {2020, 2022}


def test_baci_every_year_refused_writes_nothing(store: Store, tmp_path: Path) -> None:
    rows = _many_rows(100)
    files = release_files({2021: rows, 2022: rows})
    for year in (2021, 2022):
        files[f"BACI_HS17_Y{year}_V202601.csv"] = _bad_year(year, rows)
    with pytest.raises(BaciDataError, match=r"Y2021_V202601\.csv: 2 of 100 .* \| BACI_HS17_Y2022_V202601\.csv: 2 "
                       r"of 100 .*; nothing was imported$"):
        import_baci(store, write_zip(tmp_path, files), progress=False)
    _assert_nothing_written(store)
    log = store.read("fetch_log")
    assert log.get_column("status").to_list() == ["failed", "failed"]
    for row in log.iter_rows(named=True):
        [year] = json.loads(row["request"])["years"]
        assert row["error"].startswith(f"BACI_HS17_Y{year}_V202601.csv: 2 of 100 rows")


# The country file's quirks, one test each.

def _real_release(tmp_path: Path, rows: list[tuple[object, ...]], year: int = 2022) -> Path:
    return write_zip(tmp_path, release_files({year: rows}, countries=REAL_COUNTRIES))


@pytest.mark.parametrize("old, new, iso3", [(58, 56, "BEL"), (280, 276, "DEU"), (736, 729, "SDN")])
def test_baci_historical_codes_sharing_an_iso3_both_map_to_it(store: Store, tmp_path: Path, old: int, new: int,
                                                              iso3: str) -> None:
    files = release_files({1996: [(old, 842, "950300", "3", "1")], 2022: [(new, 842, "950300", "5", "1")]},
                          countries=REAL_COUNTRIES)
    summary = import_baci(store, write_zip(tmp_path, files), progress=False)
    rows = _code_rows(store)
    assert sorted(rows.select("year", "reporter", "value_usd").rows()) == [(1996, iso3, 3_000.0),
                                                                           (2022, iso3, 5_000.0)]
    assert old not in summary.unmapped_countries and new not in summary.unmapped_countries


def test_baci_historical_codes_trading_in_one_year_are_refused(store: Store, tmp_path: Path) -> None:
    archive = _real_release(tmp_path, [(56, 842, "950300", "3", "1"), (58, 842, "950300", "5", "1")])
    with pytest.raises(BaciDataError, match=r"codes \{'BEL': \[56, 58\]\} map to one ISO3"):
        import_baci(store, archive, progress=False)
    _assert_nothing_written(store)


def test_baci_country_with_an_empty_iso2_maps(store: Store, tmp_path: Path) -> None:
    assert ("516", "Namibia", "", "NAM") in REAL_COUNTRIES
    import_baci(store, _real_release(tmp_path, [(516, 842, "950300", "4", "")]), progress=False)
    assert _code_rows(store).select("reporter", "partner").rows() == [("NAM", "USA")]


def test_baci_double_encoded_names_are_never_used(store: Store, tmp_path: Path) -> None:
    """CEPII's `TÃ¼rkiye` and `CÃ´te d'Ivoire` map by ISO3; no stored or reported text carries the mojibake; the
    tracker names the countries from its own reference."""
    from tracker.countries import country_table

    assert "792,TÃ¼rkiye,TR,TUR\n" in country_csv(REAL_COUNTRIES)
    summary = import_baci(store, _real_release(tmp_path, [(384, 792, "950300", "6", "1"),
                                                          (792, 899, "950300", "2", "1")]), progress=False)
    assert _code_rows(store).select("reporter", "partner").rows() == [("CIV", "TUR")]
    stored = store.scan("trade").collect()
    assert not any("Ã" in str(value) for row in stored.iter_rows() for value in row)
    assert "Ã" not in (summary.warning() or "") and "R20 'Areas, nes'" in (summary.warning() or "")
    names = dict(country_table().select("iso3", "name_en").iter_rows())
    assert (names["TUR"], names["CIV"]) == ("Türkiye", "Côte d'Ivoire")


def test_baci_country_file_with_a_bom_and_a_latin1_byte_imports(store: Store, tmp_path: Path) -> None:
    """A byte-order mark and a name in another encoding (a stray byte that is not UTF-8) do not stop the import:
    the header is still recognised and the names are not used."""
    files = release_files({2022: [(384, 842, "950300", "6", "1")]}, countries=REAL_COUNTRIES)
    archive = write_zip(tmp_path, {name: text for name, text in files.items() if not name.startswith("country")})
    country = "\ufeff" + country_csv(REAL_COUNTRIES).replace("CÃ´te d'Ivoire", "C\udcf4te d'Ivoire")
    with zipfile.ZipFile(archive, "a") as zipped:
        zipped.writestr("country_codes_V202601.csv", country.encode("utf-8", errors="surrogateescape"))
    assert b"C\xf4te" in zipfile.ZipFile(archive).read("country_codes_V202601.csv")
    import_baci(store, archive, progress=False)
    assert _code_rows(store).select("reporter", "partner").rows() == [("CIV", "USA")]


def test_baci_other_asia_nes_is_taiwan(store: Store, tmp_path: Path) -> None:
    import_baci(store, _real_release(tmp_path, [(490, 842, "950300", "7", "1")]), progress=False)
    assert _code_rows(store).select("reporter").rows() == [("TWN",)]


def test_baci_group_placeholders_are_unmapped_and_counted(store: Store, tmp_path: Path) -> None:
    summary = import_baci(store, _real_release(tmp_path, [
        (156, 711, "950300", "1.5", "1"), (156, 899, "950300", "2", "1"), (711, 842, "950300", "4", ""),
        (156, 842, "950300", "8", "1"),
    ]), progress=False)
    assert _code_rows(store).select("reporter", "partner").rows() == [("CHN", "USA")]
    assert {code: (item.rows, item.value_usd) for code, item in summary.unmapped_countries.items()} == {
        711: (2, 5_500.0), 899: (1, 2_000.0)}
    assert "ZA1 'South African Customs Union (...1999)'" in summary.unmapped_countries[711].label
    # The placeholders' flows still count in the totals of the countries on the other side.
    totals = store.scan("trade").filter(pl.col("hs_code") == "TOTAL").collect()
    value = {(row["flow"], row["reporter"]): row["value_usd"] for row in totals.iter_rows(named=True)}
    assert value[("export", "CHN")] == pytest.approx(11_500.0) and value[("import", "USA")] == pytest.approx(12_000.0)


# Every member read within a bound.

def _bomb_zip(tmp_path: Path, member_bytes: int) -> Path:
    """A valid release whose country file is its header and then ``member_bytes`` of newlines (about 200 KB
    zipped for 200 MB), written in chunks so the test itself stays small."""
    files = release_files({2022: [(156, 842, "950300", "1", "1")]})
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "BACI_HS17_V202601.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, text in files.items():
            if not member.startswith("country_codes"):
                archive.writestr(member, text)
        with archive.open("country_codes_V202601.csv", "w", force_zip64=True) as sink:
            sink.write(country_csv(COUNTRIES).encode())
            chunk = b"\n" * (1 << 20)
            for _ in range(member_bytes >> 20):
                sink.write(chunk)
    return path


BOMB_RUNNER = textwrap.dedent("""
    import resource, sys
    import polars as pl
    from tracker import cli
    import tracker.commands.imports  # its modules (NumPy's BLAS buffers among them) are code, not the reading
    pl.DataFrame({"a": [1, 2]}).group_by("a").len()  # start Polars' threads before the baseline
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + int(sys.argv[2]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.exit(cli.main(["import", "baci", sys.argv[1], "--no-progress"]))
""")


def test_baci_country_file_bomb_is_refused_within_a_memory_limit(tmp_path: Path) -> None:
    """200 MB of newlines behind a valid header (today's reader took 5.9 GB for 100 MB): refused by its size, one
    error line naming the member, nothing written, in a process allowed 256 MiB above its start-up size."""
    archive = _bomb_zip(tmp_path / "download", 200 << 20)
    assert archive.stat().st_size < 2 << 20
    data_dir = tmp_path / "data"
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir), "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
           "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", BOMB_RUNNER, str(archive), "256"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert "country_codes_V202601.csv holds more than 8 MiB" in line
    store = Store(data_dir)
    _assert_nothing_written(store)
    assert store.read("fetch_log").height == 0


def test_baci_code_file_whose_stated_size_lies_is_still_bounded(store: Store, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The size check does not trust the zip's directory: what is read is capped too."""
    from tracker.baci import layout

    monkeypatch.setattr(layout.Archive, "size", lambda self, member: 10)
    archive = _bomb_zip(tmp_path, 16 << 20)
    with pytest.raises(BaciDataError, match=r"country_codes_V202601\.csv holds more than 8 MiB \(stated 10 bytes"):
        import_baci(store, archive, progress=False)
    assert MAX_CODE_FILE_BYTES == 8 << 20
    _assert_nothing_written(store)


def test_baci_product_file_is_bounded_too(store: Store, tmp_path: Path) -> None:
    files = release_files({2022: [(156, 842, "950300", "1", "1")]})
    files["product_codes_HS17_V202601.csv"] = "code,description\n" + "950300,x\n" * ((9 << 20) // 9)
    with pytest.raises(BaciDataError, match=r"product_codes_HS17_V202601\.csv holds more than 8 MiB"):
        import_baci(store, write_folder(tmp_path / "extracted", files), progress=False)
    _assert_nothing_written(store)


# HS 2022 group codes in an older release.

SMART_HOME = ProductGroup(id="smart_home", name_en="Smart home", name_zh="智能家居",
                          hs_codes=("852589", "853110", "851762", "903210", "940542"))
BICYCLES = ProductGroup(id="bicycles", name_en="Bicycles", name_zh="自行车", hs_codes=("8712", "871160", "8714"))


def test_baci_hs17_release_reads_new_codes_through_their_predecessors(store: Store, tmp_path: Path,
                                                                      config) -> None:
    """852589 and 940542 do not exist in HS17: smart_home gets 852580 and 940540 (approximate, said in the summary,
    fetch_log and exports); 853110, left out of the product file here, is reported missing."""
    from tracker.export import provenance_record
    from tracker.query import filtered_table
    from tracker.refresh import refresh_metric_tables

    rows = [
        (156, 842, "851762", "100", "1"),
        (156, 842, "852580", "30", "1"),     # HS17's 852580 holds HS22's 852589
        (156, 842, "903210", "5", "1"),
        (156, 842, "940540", "20", ""),      # HS17's 940540 holds HS22's 940542
        (251, 842, "852580", "12", "1"),
    ]
    products = ["851762", "852580", "903210", "940510", "940540"]  # no 853110, no HS22 code
    files = release_files({2022: rows}, products=products)
    summary = import_baci(store, write_zip(tmp_path, files), progress=False, groups=config.groups)
    assert "smart_home 852589 as 852580" in summary.approximate_codes
    assert "smart_home 940542 as 940540" in summary.approximate_codes
    assert "smart_home 853110" in summary.missing_codes
    assert not any(code.startswith("smart_home 8517") for code in summary.missing_codes)
    log = store.read("fetch_log").row(0, named=True)
    assert "smart_home 852589 as 852580" in log["error"] and "smart_home 853110" in log["error"]

    refresh_metric_tables(store, config)
    market = store.read("group_market").filter((pl.col("group") == "smart_home") & (pl.col("market") == "USA"))
    value = dict(market.select("exporter", "export_value_usd").iter_rows())
    # By hand: CHN 100 + 30 + 5 + 20 thousand USD; FRA 12; the market's imports the sum of both.
    assert value == pytest.approx({"CHN": 155_000.0, "FRA": 12_000.0})
    assert market.get_column("market_imports_usd").unique().to_list() == [pytest.approx(167_000.0)]
    lighting = store.read("group_market").filter((pl.col("group") == "lighting") & (pl.col("exporter") == "CHN"))
    assert lighting.get_column("export_value_usd").to_list() == [pytest.approx(20_000.0)]  # 9405 holds 940540

    exported = filtered_table(store, "group_market", group="smart_home", config=config).collect()
    assert set(exported.get_column("hs_approximate")) == {"852589 as 852580, 940542 as 940540 (BACI HS17)"}
    record = dict(provenance_record(exported, "group_market", {}))
    assert record["approximate HS codes"].startswith("852589 as 852580, 940542 as 940540 (BACI HS17)")
    other = filtered_table(store, "group_market", group="lighting", config=config).collect()
    assert other.get_column("hs_approximate").null_count() == other.height


def test_baci_hs22_release_reads_the_codes_themselves(store: Store, tmp_path: Path) -> None:
    """In HS22, 852580 is not 852589: nothing is read through a predecessor."""
    from tracker.metrics.groups import group_flows

    rows = [(156, 842, "852589", "30", "1"), (156, 842, "852580", "7", "1")]
    files = release_files({2022: rows}, hs="HS22", products=["852589", "852580"])
    summary = import_baci(store, write_zip(tmp_path, files), progress=False, groups=[SMART_HOME])
    assert summary.approximate_codes == []
    flows = group_flows(store.scan("trade"), [SMART_HOME]).collect()
    assert flows.get_column("value_usd").to_list() == [pytest.approx(30_000.0)]


def test_baci_hs12_release_reads_electric_bicycles_inside_871190(store: Store, tmp_path: Path) -> None:
    from tracker.metrics.groups import group_flows

    rows = [(156, 842, "871190", "40", "1"), (156, 842, "871200", "9", "1")]
    files = release_files({2016: rows}, hs="HS12", products=["871190", "871200"])
    summary = import_baci(store, write_zip(tmp_path, files), progress=False, groups=[BICYCLES])
    assert summary.approximate_codes == ["bicycles 871160 as 871190"]
    assert summary.missing_codes == ["bicycles 8714"]
    flows = group_flows(store.scan("trade"), [BICYCLES]).collect()
    assert flows.get_column("value_usd").to_list() == [pytest.approx(49_000.0)]


def test_baci_release_without_a_product_file_says_the_codes_were_not_checked(store: Store, tmp_path: Path) -> None:
    files = release_files({2022: [(156, 842, "950300", "1", "1")]})
    del files["product_codes_HS17_V202601.csv"]
    summary = import_baci(store, write_zip(tmp_path, files), progress=False, groups=[SMART_HOME])
    assert summary.missing_codes == ["none checked: the release has no product_codes_HS17_V202601.csv"]
    assert json.loads(store.read("fetch_log").row(0, named=True)["request"])["version"] == "V202601"


def test_baci_year_member_larger_than_the_free_disk_is_refused(store: Store, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A yearly member streams to disk, bounded by its stated size (zipfile reads no more): one that would not fit
    on the disk is refused by name before a byte is extracted."""
    from tracker.baci import layout
    from tracker.errors import StoreWriteError

    archive = write_zip(tmp_path, release_files({2022: _many_rows(50)}))
    assert layout.free_bytes(tmp_path) > 100
    monkeypatch.setattr(layout, "free_bytes", lambda folder: 100)
    with pytest.raises(StoreWriteError, match=rf"extracting {YEAR_FILE} from BACI_HS17_V202601\.zip needs"):
        import_baci(store, archive, progress=False)
    _assert_nothing_written(store)
    assert not list((store.root / ".baci-import").rglob("*.csv"))
