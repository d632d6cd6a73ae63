"""`import baci`: real layout, country mapping, units, atomic release switch, refusals, CLI exit codes."""

from __future__ import annotations

import json
import os
import zipfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.baci_helpers import ROWS_2022, release_files, write_folder, write_zip
from tracker import cli, schemas
from tracker.baci import BaciDataError, import_baci, stored_release
from tracker.errors import UsageError
from tracker.store import Store
from tracker.tables import TRADE


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under the store with its inode, size and modification time: any write changes one of them."""
    return {
        str(path.relative_to(root)): (path.stat().st_ino, path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*") if path.is_file()
    }


def _baci(store: Store) -> pl.DataFrame:
    return store.scan("trade").filter(pl.col("source") == "baci").collect()


def test_baci_import_maps_rows_units_and_countries(store: Store, tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "download", release_files({2022: ROWS_2022}))
    summary = import_baci(store, archive, progress=False)

    rows = _baci(store).filter(pl.col("hs_code") != "TOTAL")
    schemas.validate(TRADE, rows)  # the stored rows are canonical trade rows
    by_key = {(r["reporter"], r["partner"], r["hs_code"]): r for r in rows.iter_rows(named=True)}
    assert set(by_key) == {("CHN", "USA", "010121"), ("CHN", "FRA", "610910"), ("TWN", "USA", "610910"),
                           ("FRA", "USA", "010121")}
    first = by_key[("CHN", "USA", "010121")]
    assert first["value_usd"] == pytest.approx(100_500.0)  # thousands of USD -> USD
    assert first["net_weight_kg"] == pytest.approx(2_000.0)  # tonnes -> kg
    assert (first["flow"], first["period"], first["year"], first["frequency"]) == ("export", "2022", 2022, "A")
    assert (first["provenance"], first["hs_revision"]) == ("reconciled", "HS17")
    assert by_key[("CHN", "FRA", "610910")]["net_weight_kg"] is None  # empty q stays missing
    assert by_key[("FRA", "USA", "010121")]["value_usd"] == pytest.approx(2_000.0)

    assert summary.rows_read == 7 and summary.rows_written == 4
    assert summary.countries == 4  # CHN, FRA, USA, TWN
    assert {code: (u.rows, u.value_usd) for code, u in summary.unmapped_countries.items()} == {899: (2, 12_000.0)}
    assert "R20" in summary.unmapped_countries[899].label
    assert {code: u.rows for code, u in summary.other_codes.items()} == {"9999AA": 1}
    assert stored_release(store) is not None and str(stored_release(store)) == "BACI HS17 V202601 (2022)"


def test_baci_import_stores_all_goods_totals_over_every_code_and_partner(store: Store, tmp_path: Path) -> None:
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022})), progress=False)
    totals = _baci(store).filter(pl.col("hs_code") == "TOTAL")
    assert set(totals.get_column("partner")) == {"WLD"}
    value = {(r["flow"], r["reporter"]): r["value_usd"] for r in totals.iter_rows(named=True)}
    # By hand from ROWS_2022: France's exports include the 9999AA row; the USA's include the flow to R20.
    assert value == pytest.approx({
        ("export", "CHN"): 150_750.0, ("export", "TWN"): 10_000.0, ("export", "USA"): 5_000.0,
        ("export", "FRA"): 5_000.0,
        ("import", "USA"): 112_500.0, ("import", "FRA"): 50_250.0, ("import", "CHN"): 10_000.0,
    })


def test_baci_import_logs_unmapped_codes_in_fetch_log(store: Store, tmp_path: Path) -> None:
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022})), progress=False)
    log = store.read("fetch_log").row(0, named=True)
    assert (log["source"], log["status"]) == ("baci", "ok")
    assert json.loads(log["request"])["version"] == "V202601"
    assert "899 R20" in log["error"] and "9999AA" in log["error"]
    assert log["rows_written"] == 4 + 7


def test_baci_reimport_of_the_same_zip_changes_no_file(store: Store, tmp_path: Path) -> None:
    archive = write_zip(tmp_path, release_files({2021: ROWS_2022[:3], 2022: ROWS_2022}))
    import_baci(store, archive, progress=False)
    before = _snapshot(store.root)
    summary = import_baci(store, archive, progress=False)
    assert summary.unchanged
    assert _snapshot(store.root) == before


def test_baci_newer_version_leaves_no_row_of_the_older(store: Store, tmp_path: Path) -> None:
    old = write_zip(tmp_path, release_files({2021: ROWS_2022[:2], 2022: ROWS_2022}, version="V202501"))
    new = write_zip(tmp_path, release_files({2022: ROWS_2022[:1]}, version="V202601"))
    import_baci(store, old, progress=False)
    old_files = {path.name for path in store.files("trade")}
    assert old_files
    import_baci(store, new, progress=False)
    rows = _baci(store)
    assert set(rows.get_column("year")) == {2022}  # 2021 came from the old version only: gone too
    assert rows.filter(pl.col("hs_code") != "TOTAL").height == 1
    assert str(stored_release(store)) == "BACI HS17 V202601 (2022)"
    metadata = {pl.read_parquet_metadata(path)["baci_version"] for path in store.files("trade")}
    assert metadata == {"V202601"}
    with pytest.raises(BaciDataError, match="newer"):
        import_baci(store, old, progress=False)


def test_baci_other_sources_survive_a_release_switch(store: Store, tmp_path: Path) -> None:
    from tests.conftest import trade_rows

    store.upsert("trade", trade_rows([{"reporter": "USA", "partner": "CHN", "value_usd": 42.0}]))
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, version="V202501")), progress=False)
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, version="V202601")), progress=False)
    others = store.scan("trade").filter(pl.col("source") != "baci").collect()
    assert others.get_column("value_usd").to_list() == [42.0]


def test_baci_hs12_folder_then_hs17_zip(store: Store, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "BACI_HS12_V202601", release_files({2020: ROWS_2022[:2]}, hs="HS12"))
    (folder / "BACI_HS12_Y2020_V202601.csv").write_text(
        (folder / "BACI_HS12_Y2020_V202601.csv").read_text().replace("2022,", "2020,"))
    import_baci(store, folder, progress=False)
    assert set(_baci(store).get_column("hs_revision")) == {"HS12"}
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, hs="HS17", version="V202601")),
                progress=False)
    assert set(_baci(store).get_column("hs_revision")) == {"HS17"}  # one release at a time, never mixed
    assert set(_baci(store).get_column("year")) == {2022}


def test_baci_years_add_to_the_same_release(store: Store, tmp_path: Path) -> None:
    archive = write_zip(tmp_path, release_files({2021: ROWS_2022[:2], 2022: ROWS_2022}))
    summary = import_baci(store, archive, years=(2022,), progress=False)
    assert summary.years_written == (2022,)
    assert set(_baci(store).get_column("year")) == {2022}
    summary = import_baci(store, archive, years=(2021, 2022), progress=False)
    assert summary.years_written == (2021,)
    assert set(_baci(store).get_column("year")) == {2021, 2022}
    with pytest.raises(UsageError, match="2019"):
        import_baci(store, archive, years=(2019,), progress=False)


def _assert_nothing_written(store: Store) -> None:
    assert store.files("trade") == []
    staging = store.root / ".baci-import"
    assert not staging.exists() or not [path for path in staging.iterdir() if path.is_dir()]


@pytest.mark.parametrize("cut", ["mid_row", "mid_number"])
def test_baci_truncated_csv_is_refused_and_writes_nothing(store: Store, tmp_path: Path, cut: str) -> None:
    files = release_files({2022: ROWS_2022})
    text = files["BACI_HS17_Y2022_V202601.csv"]
    files["BACI_HS17_Y2022_V202601.csv"] = text[: text.rindex("\n", 0, len(text) - 1) + 12] if cut == "mid_row" \
        else text[:-3]
    with pytest.raises(BaciDataError, match="truncated"):
        import_baci(store, write_zip(tmp_path, files), progress=False)
    _assert_nothing_written(store)
    assert store.read("fetch_log").get_column("status").to_list() == ["failed"]


def test_baci_incomplete_row_names_its_line(store: Store, tmp_path: Path) -> None:
    files = release_files({2022: ROWS_2022})
    files["BACI_HS17_Y2022_V202601.csv"] = files["BACI_HS17_Y2022_V202601.csv"].replace(
        "2022,490,842,610910,       10.000,        1.000\n", "2022,490,842,610910\n")
    with pytest.raises(BaciDataError, match="line 4: v missing"):
        import_baci(store, write_folder(tmp_path / "extracted", files), progress=False)
    _assert_nothing_written(store)


def test_baci_zip_without_country_codes_is_refused(store: Store, tmp_path: Path) -> None:
    archive = write_zip(tmp_path, release_files({2022: ROWS_2022}, with_countries=False))
    with pytest.raises(BaciDataError, match=r"country_codes_V202601\.csv is missing"):
        import_baci(store, archive, progress=False)
    _assert_nothing_written(store)


def test_baci_other_layouts_are_refused(store: Store, tmp_path: Path) -> None:
    files = release_files({2022: ROWS_2022})
    files["BACI_HS17_Y2022_V202601.csv"] = files["BACI_HS17_Y2022_V202601.csv"].replace("t,i,j,k,v,q",
                                                                                      "year,exp,imp,hs6,val,qty")
    with pytest.raises(BaciDataError, match="columns year,exp,imp"):
        import_baci(store, write_zip(tmp_path / "a", files), progress=False)
    with pytest.raises(BaciDataError, match="no yearly file"):
        import_baci(store, write_zip(tmp_path / "b", {"trade.csv": "a,b\n1,2\n"}, name="x.zip"), progress=False)
    mixed = {**release_files({2022: ROWS_2022}), **release_files({2021: ROWS_2022}, version="V202501")}
    with pytest.raises(BaciDataError, match="several releases"):
        import_baci(store, write_zip(tmp_path / "c", mixed, name="mixed.zip"), progress=False)
    with pytest.raises(BaciDataError, match="HS92 is not supported"):
        import_baci(store, write_zip(tmp_path / "d", release_files({2022: ROWS_2022}, hs="HS92")), progress=False)
    not_zip = tmp_path / "BACI_HS17_V202601.zip"
    not_zip.write_text("<html>download failed</html>")
    with pytest.raises(BaciDataError, match="neither a zip"):
        import_baci(store, not_zip, progress=False)
    _assert_nothing_written(store)


def test_baci_damaged_zip_member_is_refused(store: Store, tmp_path: Path) -> None:
    archive = write_zip(tmp_path, release_files({2022: ROWS_2022 * 1}))
    with zipfile.ZipFile(archive) as source:
        info = source.getinfo("BACI_HS17_Y2022_V202601.csv")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0xFF  # flip bits inside the compressed year file: its CRC no longer matches
    archive.write_bytes(bytes(data))
    with pytest.raises(BaciDataError, match="cannot be read in full"):
        import_baci(store, archive, progress=False)
    _assert_nothing_written(store)


def test_baci_publish_is_one_switch_and_leaves_no_staging(store: Store, tmp_path: Path) -> None:
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, version="V202501")), progress=False)
    first = store.version_name("trade")
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, version="V202601")), progress=False)
    assert int(store.version_name("trade")[1:]) == int(first[1:]) + 1  # one new version per import
    assert list((store.root / ".baci-import").glob("*/")) == []
    assert not [p for p in (store.root / "trade").iterdir() if p.name.startswith(".staging")]


def test_cli_import_baci_exit_codes_and_summary(data_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_zip(tmp_path, release_files({2021: ROWS_2022[:2], 2022: ROWS_2022}))
    assert cli.main(["import", "baci", str(archive), "--years", "2021-2022", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "BACI HS17 V202601" in out and "2021, 2022" in out and "countries  4" in out and "899 R20" in out
    assert cli.main(["import", "baci", str(archive), "--years", "2022", "--no-progress"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert cli.main(["import", "baci", str(archive), "--years", "2023-2021", "--no-progress"]) == 2
    assert cli.main(["import", "baci", str(tmp_path / "missing.zip"), "--no-progress"]) == 2
    broken = write_zip(tmp_path / "broken", release_files({2022: ROWS_2022}, with_countries=False))
    assert cli.main(["import", "baci", str(broken), "--no-progress"]) == 1
    assert "country_codes_V202601.csv is missing" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full to make a real write fail with ENOSPC")
def test_cli_import_baci_on_a_full_disk_gives_one_line_and_writes_nothing(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """Staged Parquet parts go to /dev/full (a real ENOSPC): one `error:` line, the store and staging left clean."""
    archive = write_zip(tmp_path, release_files({2022: ROWS_2022}))
    real_write = pl.DataFrame.write_parquet

    def write(self: pl.DataFrame, path: Path, **options: object) -> None:
        real_write(self, "/dev/full" if ".baci-import" in str(path) else path, **options)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", write)
    assert cli.main(["import", "baci", str(archive), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert "disk is full" in line and "Nothing was changed" in line
    _assert_nothing_written(Store(data_dir))


def test_cli_import_baci_shows_progress(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_zip(tmp_path, release_files({2022: ROWS_2022}))
    assert cli.main(["import", "baci", str(archive)]) == 0
    err = capsys.readouterr().err
    assert "rows/s" in err and "1/1 years done" in err


def test_cli_parse_year_list_accepts_lists_and_ranges() -> None:
    from tracker.commands.imports import parse_year_list

    assert parse_year_list("2017,2023") == (2017, 2023)
    assert parse_year_list("2017-2019,2023") == (2017, 2018, 2019, 2023)
    assert parse_year_list(None) is None
    for bad in ("20x7", "2019-2017", "", "1800"):
        with pytest.raises(UsageError, match="--years"):
            parse_year_list(bad)


def test_baci_store_stays_readable_by_duckdb(store: Store, tmp_path: Path) -> None:
    """The trade table's hive-partitioned Parquet is readable as it is by another engine (DuckDB)."""
    from tests.conftest import trade_rows

    store.upsert("trade", trade_rows([{"reporter": "USA", "partner": "CHN", "value_usd": 42.5, "period": "2021"}]))
    import_baci(store, write_zip(tmp_path, release_files({2021: ROWS_2022[:3], 2022: ROWS_2022})), progress=False)
    pattern = os.path.join(str(store.current_version("trade")), "**", "*.parquet")
    query = ("select source, year, flow, count(*) as rows, sum(value_usd) as value_usd "
             f"from read_parquet('{pattern}', hive_partitioning = true) group by all order by all")
    theirs = duckdb.sql(query).pl()
    ours = (store.scan("trade").group_by("source", "year", "flow")
            .agg(pl.len().alias("rows"), pl.col("value_usd").sum()).sort("source", "year", "flow").collect())
    assert theirs.height == ours.height == 5
    assert theirs.select("source", "flow").rows() == ours.select("source", "flow").rows()
    assert theirs.get_column("year").cast(pl.Int32).to_list() == ours.get_column("year").to_list()
    assert theirs.get_column("rows").to_list() == ours.get_column("rows").to_list()
    assert theirs.get_column("value_usd").to_list() == pytest.approx(ours.get_column("value_usd").to_list())


def test_baci_metrics_read_baci_for_its_years_and_api_sources_after(store: Store, tmp_path: Path, config) -> None:
    """Import, then `metrics`: shares and RCA by hand, BACI over Comtrade in 2022, Comtrade alone in 2023."""
    from tests.conftest import trade_rows
    from tracker.refresh import refresh_metric_tables

    rows_2022 = [
        (156, 842, "610910", "30", "1"),   # CHN -> USA apparel
        (704, 842, "620342", "10", ""),    # VNM -> USA apparel
        (490, 842, "610910", "10", "1"),   # Taiwan -> USA apparel
        (156, 842, "950300", "50", "2"),   # CHN -> USA toys
        (156, 251, "010121", "100", "3"),  # CHN -> FRA horses: outside every product group
        (251, 156, "610910", "20", "1"),   # FRA -> CHN apparel
        (842, 156, "010121", "200", "9"),  # USA -> CHN horses: outside every group
        (842, 156, "620342", "5", ""),     # USA -> CHN apparel
    ]
    files = release_files({2022: rows_2022})
    files["country_codes_V202601.csv"] += "704,Viet Nam,VN,VNM\n"
    import_baci(store, write_zip(tmp_path, files), progress=False)
    store.upsert("trade", trade_rows([
        # Comtrade for the BACI year: must not be counted on top of BACI.
        {"reporter": "USA", "partner": "CHN", "hs_code": "6109", "period": "2022", "value_usd": 999_999.0},
        {"reporter": "USA", "partner": "WLD", "hs_code": "6109", "period": "2022", "value_usd": 5_000_000.0},
        # Comtrade for the year after BACI: read as today.
        {"reporter": "USA", "partner": "CHN", "hs_code": "6109", "period": "2023", "value_usd": 40_000.0},
        {"reporter": "USA", "partner": "WLD", "hs_code": "6109", "period": "2023", "value_usd": 100_000.0},
    ]))
    refresh_metric_tables(store, config)

    market = store.read("group_market").filter(
        (pl.col("group") == "apparel") & (pl.col("market") == "USA") & (pl.col("exporter") == "CHN"))
    by_year = {row["year"]: row for row in market.iter_rows(named=True)}
    # 2022, by hand: USA's apparel imports are 30 + 10 + 10 thousand USD; China's share is 30 / 50.
    assert by_year[2022]["export_value_usd"] == pytest.approx(30_000.0)
    assert by_year[2022]["market_imports_usd"] == pytest.approx(50_000.0)
    assert by_year[2022]["market_share"] == pytest.approx(0.6)
    assert (by_year[2022]["provenance"], by_year[2022]["sources"]) == ("reconciled", "baci")
    assert by_year[2023]["market_share"] == pytest.approx(0.4)
    assert (by_year[2023]["provenance"], by_year[2023]["sources"]) == ("reported", "comtrade")

    exporter = store.read("group_exporter").filter(
        (pl.col("group") == "apparel") & (pl.col("exporter") == "CHN") & (pl.col("year") == 2022)).row(0, named=True)
    # RCA by hand: China exports 30 of apparel out of 180 in total (horses and toys included); the world
    # (CHN, VNM, TWN, FRA, USA) exports 75 of apparel out of 180 + 10 + 10 + 20 + 205 = 425.
    assert exporter["rca"] == pytest.approx((30 / 180) / (75 / 425))
    assert exporter["world_share"] == pytest.approx(30 / 75)
    # China's apparel imports are its BACI suppliers' (FRA 20 + USA 5); TC = (x − M) / (x + M).
    assert exporter["import_value_usd"] == pytest.approx(25_000.0)
    assert exporter["tc_index"] == pytest.approx((30 - 25) / (30 + 25))
    assert exporter["provenance"] == "reconciled"

    # Every export names the release on the rows built from BACI (and only there), and in the provenance sheet.
    from tracker.export import provenance_record
    from tracker.query import filtered_table

    exported = filtered_table(store, "group_market", group="apparel", market="USA", exporter="CHN",
                              config=config).collect()
    releases = dict(zip(exported.get_column("year"), exported.get_column("baci_release"), strict=True))
    assert releases == {2022: "BACI HS17 V202601 (2022)", 2023: None}
    record = dict(provenance_record(exported, "group_market", {}))
    assert record["BACI release"].startswith("BACI HS17 V202601 (2022) (source: CEPII, BACI")


def test_baci_status_names_the_release(store: Store, tmp_path: Path) -> None:
    from tracker.status import source_status

    assert source_status(store).schema["release"] == pl.String
    import_baci(store, write_zip(tmp_path, release_files({2021: ROWS_2022[:2], 2022: ROWS_2022})), progress=False)
    status = {row["source"]: row for row in source_status(store).iter_rows(named=True)}
    assert status["baci"]["release"] == "BACI HS17 V202601 (2021–2022)"


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_baci_repeated_flow_is_refused(store: Store, tmp_path: Path, order: str) -> None:
    rows = sorted(ROWS_2022[:3], key=lambda row: (row[0], row[1], row[2]))
    rows = [*rows, rows[-1]] if order == "sorted" else [rows[-1], *rows]
    with pytest.raises(BaciDataError, match="more than once"):
        import_baci(store, write_zip(tmp_path, release_files({2022: rows})), progress=False)
    _assert_nothing_written(store)


def test_baci_unsorted_file_without_repeats_imports(store: Store, tmp_path: Path) -> None:
    import_baci(store, write_zip(tmp_path, release_files({2022: list(reversed(ROWS_2022))})), progress=False)
    assert _baci(store).filter(pl.col("hs_code") != "TOTAL").height == 4


def test_baci_store_stays_readable_and_writable_during_an_import(store: Store, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything is staged before the switch: until then readers see the old release, and a fetch that writes
    meanwhile is not lost (the switch links the version that is live at that moment)."""
    from tests.conftest import trade_rows

    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022}, version="V202501")), progress=False)
    seen = {}
    publish = Store.publish_staged

    def fetch_meanwhile(self: Store, *args: object, **kwargs: object) -> object:
        reader = Store(self.root)
        seen["release"] = str(stored_release(reader))
        seen["rows"] = _baci(reader).height
        reader.upsert("trade", trade_rows([{"reporter": "USA", "partner": "CHN", "value_usd": 42.0}]))
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(Store, "publish_staged", fetch_meanwhile)
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022[:1]}, version="V202601")),
                progress=False)
    assert seen == {"release": "BACI HS17 V202501 (2022)", "rows": 4 + 7}
    assert str(stored_release(store)) == "BACI HS17 V202601 (2022)"
    assert store.scan("trade").filter(pl.col("source") == "comtrade").collect().height == 1


def test_baci_code_without_its_leading_zero_next_to_the_padded_one_is_a_repeat(store: Store, tmp_path: Path) -> None:
    rows = [(156, 842, "010121", "1", "1"), (156, 842, "10121", "2", "1")]  # sorted as text, one key once padded
    with pytest.raises(BaciDataError, match="more than once"):
        import_baci(store, write_zip(tmp_path, release_files({2022: rows})), progress=False)
    _assert_nothing_written(store)


def test_baci_rca_world_total_counts_exporters_outside_every_group(store: Store, tmp_path: Path, config) -> None:
    """X_w sums every BACI exporter's TOTAL, also an exporter that sells nothing of any product group (DEU here):
    RCA no longer depends on which exporters happen to trade the group."""
    from tracker.refresh import refresh_metric_tables

    rows_2022 = [
        (156, 842, "610910", "30", "1"),   # CHN -> USA apparel
        (156, 842, "950300", "50", "2"),   # CHN -> USA toys
        (156, 251, "010121", "100", "3"),  # CHN -> FRA horses: outside every product group
        (251, 156, "610910", "20", "1"),   # FRA -> CHN apparel
        (251, 842, "010121", "80", "4"),   # FRA -> USA horses
        (276, 842, "010121", "300", "5"),  # DEU -> USA horses: DEU exports nothing of any group
    ]
    files = release_files({2022: rows_2022})
    files["country_codes_V202601.csv"] += "276,Germany,DE,DEU\n"
    import_baci(store, write_zip(tmp_path, files), progress=False)
    refresh_metric_tables(store, config)

    exporter = store.read("group_exporter").filter(pl.col("year") == 2022)
    rca = {(row["group"], row["exporter"]): row["rca"] for row in exporter.iter_rows(named=True)}
    assert ("apparel", "DEU") not in rca and ("toys", "DEU") not in rca
    # By hand, thousands of USD: X_CHN = 180, X_FRA = 100, X_DEU = 300, so X_w = 580 (DEU included).
    # Apparel: x_w = 30 + 20 = 50. Toys: x_w = 50.
    assert rca[("apparel", "CHN")] == pytest.approx((30 / 180) / (50 / 580))
    assert rca[("apparel", "FRA")] == pytest.approx((20 / 100) / (50 / 580))
    assert rca[("toys", "CHN")] == pytest.approx((50 / 180) / (50 / 580))
    # Without DEU in X_w, CHN's apparel RCA would be (30/180)/(50/280): a different number.
    assert rca[("apparel", "CHN")] != pytest.approx((30 / 180) / (50 / 280))
    shares = {(row["group"], row["exporter"]): row["world_share"] for row in exporter.iter_rows(named=True)}
    assert shares[("apparel", "CHN")] == pytest.approx(30 / 50)  # the group's world: every exporter of it


def test_baci_text_columns_are_stored_as_dictionaries_and_read_as_strings(store: Store, tmp_path: Path) -> None:
    """The import writes its text columns as categoricals (cheap at BACI's size); every reader sees String:
    the store's scan (next to another source's plain strings), a partition merge, `store check`, and DuckDB."""
    from tests.conftest import trade_rows
    from tracker.store import as_canonical_text
    from tracker.store_check import check_table

    store.upsert("trade", trade_rows([{"reporter": "USA", "partner": "CHN", "value_usd": 42.0, "period": "2022"}]))
    import_baci(store, write_zip(tmp_path, release_files({2022: ROWS_2022})), progress=False)
    part = next(path for path in store.files("trade") if "source=baci" in str(path) and "part-0" in path.name)
    assert isinstance(pl.read_parquet_schema(part)["reporter"], pl.Categorical)  # stored as a dictionary
    frame = store.scan("trade").collect()
    assert frame.schema == TRADE.polars_schema
    # By hand: 4 code rows (CHN twice, TWN, FRA), 7 TOTAL rows (exports CHN TWN USA FRA, imports USA FRA CHN),
    # and the Comtrade row of USA.
    assert Counter(frame.get_column("reporter").to_list()) == {"CHN": 4, "FRA": 3, "TWN": 2, "USA": 3}
    assert as_canonical_text(pl.read_parquet(part)).schema["hs_code"] == pl.String
    report = check_table(store, "trade")
    assert (report.structural, report.content) == ([], [])
    kind = duckdb.sql(f"select typeof(reporter) from read_parquet('{part}') limit 1").fetchall()[0][0]
    assert kind == "VARCHAR"


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("fetched_at").sort("flow", "reporter", "partner", "hs_code")


def test_baci_batches_give_the_rows_and_totals_of_one_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of two rows (four parts, written by the background writer while the next batch is converted, and
    per-batch country sums added up) store exactly what one batch does."""
    from tracker.baci import importer

    archive = write_zip(tmp_path / "download", release_files({2022: ROWS_2022}))
    one = Store(tmp_path / "one")
    import_baci(one, archive, progress=False)
    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    many = Store(tmp_path / "many")
    summary = import_baci(many, archive, progress=False)

    parts = [path for path in many.files("trade") if path.name.startswith("part-0")]
    assert len(parts) == 3  # 7 rows in batches of 2; the third (R20 exporter, 9999AA) holds no code row
    assert _canonical(_baci(many)).equals(_canonical(_baci(one)))
    assert summary.rows_read == 7 and summary.rows_written == 4
    assert {code: (u.rows, u.value_usd) for code, u in summary.unmapped_countries.items()} == {899: (2, 12_000.0)}


def test_upsert_into_a_baci_partition_of_several_files_keeps_every_stored_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A BACI year is several part files; an upsert of one row into it merges with all of them (it used to read
    ``part-0.parquet`` alone and leave only the upserted row of the year)."""
    from tracker.baci import importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    store = Store(tmp_path / "data")
    import_baci(store, write_zip(tmp_path / "download", release_files({2022: ROWS_2022})), progress=False)
    before = _canonical(_baci(store))
    assert len([path for path in store.files("trade") if "source=baci" in str(path)]) > 1
    changed = _baci(store).filter(pl.col("hs_code") != "TOTAL").head(1).with_columns(
        pl.col("value_usd") * 2, pl.col("fetched_at") + timedelta(days=1))
    store.upsert("trade", changed)
    after = _canonical(_baci(store))
    assert after.height == before.height  # no row of the year lost
    key = [name for name in TRADE.key if name in after.columns]
    assert after.join(changed.select(key), on=key, how="anti").equals(
        before.join(changed.select(key), on=key, how="anti"))  # the other rows as they were
    assert after.join(changed.select(key), on=key).get_column("value_usd").to_list() == \
        changed.get_column("value_usd").to_list()


def test_baci_error_in_a_later_batch_writes_nothing(store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """An incomplete row after parts were handed to the writer: the import stops, names the line, waits for the
    part in flight and leaves neither a row nor a staging folder."""
    from tracker.baci import importer

    monkeypatch.setattr(importer, "BATCH_ROWS", 2)
    files = release_files({2022: ROWS_2022})
    lines = files["BACI_HS17_Y2022_V202601.csv"].splitlines(keepends=True)
    lines[6] = ",".join(lines[6].split(",")[:4]) + "\n"  # the 6th data row loses v and q
    files["BACI_HS17_Y2022_V202601.csv"] = "".join(lines)
    with pytest.raises(BaciDataError, match="line 7: v missing"):
        import_baci(store, write_folder(tmp_path / "extracted", files), progress=False)
    _assert_nothing_written(store)


@pytest.mark.parametrize("large_code", [False, True])
def test_baci_country_sums_match_a_group_by(large_code: bool) -> None:
    """Rows and value per country code, by bincount (or, for an implausible code, the group-by fallback),
    against a plain group-by of the same batch."""
    from tracker.baci.importer import MAX_BINCOUNT_CODE, _sums_by_country

    codes = [4, 4, 842, 0, 842, 4] + ([MAX_BINCOUNT_CODE + 1] if large_code else [])
    batch = pl.DataFrame({"i": codes, "v": [1.5, 2.0, 0.25, 3.0, 0.0, 10.0, 7.0][: len(codes)]},
                         schema={"i": pl.Int32, "v": pl.Float64})
    expected = batch.group_by("i").agg((pl.col("v") * 1000).sum().alias("value_usd"), pl.len().alias("rows"))
    got = _sums_by_country(batch, "i")
    assert got.sort("i").select("i", "value_usd", pl.col("rows").cast(pl.UInt32)).equals(
        expected.sort("i").select("i", "value_usd", pl.col("rows").cast(pl.UInt32)))
    assert got.filter(pl.col("i") == 4).row(0)[1:] == (13_500.0, 3)  # by hand: (1.5 + 2 + 10) × 1000, 3 rows
