"""The materialised tables: computed from a small store, valid against their schemas, written by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from tests.conftest import trade_rows
from tests.test_metrics_reference import build_trade
from tracker.config import REPO_ROOT, Config
from tracker.metrics import compute_tables
from tracker.metrics.tables import _sorted_by_key
from tracker.schemas import Column, TableSchema, mirror_rows
from tracker.store import Store
from tracker.tables import ECOMMERCE, GROUP_COMPETITION, METRIC_TABLES


def small_trade(source: str = "comtrade") -> pl.DataFrame:
    rng = np.random.default_rng(7)
    v = rng.integers(0, 40, (3, 3, 3, 2)).astype(float)
    annual = build_trade(v, rng.integers(1, 20, (3, 3, 2)).astype(float), rng.integers(100, 400, (3, 2)).astype(float))
    monthly = trade_rows([
        {"reporter": "USA", "partner": p, "period": f"2023-0{m}", "value_usd": val}
        for m in (1, 2) for p, val in (("CHN", 10.0 * m), ("WLD", 40.0))
    ])
    return pl.concat([annual, monthly]).with_columns(source=pl.lit(source))


def test_compute_tables_valid_schemas_and_no_nan(store: Store, config: Config) -> None:
    store.upsert("trade", small_trade())
    tables = compute_tables(store.scan("trade"), store.scan("ecommerce"), config)
    assert set(tables) == {schema.name for schema in METRIC_TABLES}
    for name, frame in tables.items():
        store.replace(name, frame)  # validates: columns, dtypes, no NaN/inf, unique keys
        assert not frame.get_column("sample").any()
    market = tables["group_market"].filter(pl.col("exporter") == "CHN")
    assert market.get_column("year").unique().sort().to_list() == [2022, 2023]
    assert tables["group_market_monthly"].filter(pl.col("exporter") == "CHN").get_column("market_share").to_list() == [
        0.25, 0.5
    ]


def test_metrics_and_export_cli_end_to_end(store: Store, tmp_path) -> None:
    store.upsert("trade", small_trade(source="sample"))
    env = {**os.environ, "TRACKER_DATA_DIR": str(store.root), "TRACKER_CONFIG_DIR": str(REPO_ROOT / "config")}
    run = subprocess.run([sys.executable, "-m", "tracker", "metrics"], cwd=REPO_ROOT, env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "metrics computed and written in" in run.stdout
    out = tmp_path / "gm.csv"
    run = subprocess.run(
        [sys.executable, "-m", "tracker", "export", "--table", "group_market", "--format", "csv", "--out", str(out),
         "--group", "toys", "--exporter", "CHN", "--years", "2023"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stderr
    frame = pl.read_csv(out)
    assert frame.height > 0
    assert set(frame.get_column("exporter")) == {"CHN"} and set(frame.get_column("year")) == {2023}
    assert frame.get_column("sample").all()


def test_compute_tables_market_import_growth_and_world_share_change_by_hand(config: Config) -> None:
    """Two years, one market, two suppliers: the new columns against arithmetic done here."""
    rows = []
    for period, chn, vnm, world in (("2022", 60.0, 20.0, 100.0), ("2023", 60.0, 60.0, 150.0)):
        rows += [
            {"reporter": "USA", "partner": "CHN", "period": period, "value_usd": chn},
            {"reporter": "USA", "partner": "VNM", "period": period, "value_usd": vnm},
            {"reporter": "USA", "partner": "WLD", "period": period, "value_usd": world},
        ]
    tables = compute_tables(trade_rows(rows).lazy(), pl.LazyFrame(schema=ECOMMERCE.polars_schema), config)
    market = tables["group_market"].filter((pl.col("exporter") == "CHN") & (pl.col("group") == "toys")).sort("year")
    assert market.get_column("market_import_growth").to_list()[0] is None  # no base year
    assert abs(market.get_column("market_import_growth").to_list()[1] - (150 / 100 - 1)) < 1e-12
    exporter = tables["group_exporter"].filter(pl.col("group") == "toys").sort("exporter", "year")
    # world shares from the markets' records (mirror): CHN 60/80 then 60/120; VNM 20/80 then 60/120
    chn = exporter.filter(pl.col("exporter") == "CHN").get_column("world_share_change_pp").to_list()
    vnm = exporter.filter(pl.col("exporter") == "VNM").get_column("world_share_change_pp").to_list()
    assert chn[0] is None and abs(chn[1] - 100 * (60 / 120 - 60 / 80)) < 1e-9
    assert abs(vnm[1] - 100 * (60 / 120 - 20 / 80)) < 1e-9


def test_compute_tables_group_hs_breakdown_by_hand(config: Config) -> None:
    """Two toys codes sold by CHN to two markets: per-code sums, shares of the group and growth by hand."""
    rows = []
    for period, scale in (("2022", 1.0), ("2023", 2.0)):
        for market in ("USA", "DEU"):
            rows += [
                {"reporter": market, "partner": "CHN", "hs_code": "9503", "period": period, "value_usd": 30.0 * scale},
                {"reporter": market, "partner": "CHN", "hs_code": "9505", "period": period, "value_usd": 10.0},
                {"reporter": market, "partner": "WLD", "hs_code": "9503", "period": period, "value_usd": 100.0},
            ]
    tables = compute_tables(trade_rows(rows).lazy(), pl.LazyFrame(schema=ECOMMERCE.polars_schema), config)
    hs = tables["group_hs"].filter((pl.col("group") == "toys") & (pl.col("exporter") == "CHN")).sort("hs_code", "year")
    assert hs.select("hs_code", "year", "export_value_usd").rows() == [
        ("9503", 2022, 60.0), ("9503", 2023, 120.0), ("9505", 2022, 20.0), ("9505", 2023, 20.0)
    ]
    assert hs.get_column("share_of_group").to_list() == [60 / 80, 120 / 140, 20 / 80, 20 / 140]
    assert hs.get_column("growth_yoy").to_list() == [None, 1.0, None, 0.0]


def test_compute_tables_competition_covers_every_tracked_exporter_by_hand(config: Config) -> None:
    """ESI for CHN↔VNM in one market, both directions: 100·Σ min(share) over the two toys codes."""
    rows = [
        {"reporter": "USA", "partner": "CHN", "hs_code": "9503", "value_usd": 75.0},
        {"reporter": "USA", "partner": "CHN", "hs_code": "9505", "value_usd": 25.0},
        {"reporter": "USA", "partner": "VNM", "hs_code": "9503", "value_usd": 40.0},
        {"reporter": "USA", "partner": "VNM", "hs_code": "9505", "value_usd": 60.0},
        {"reporter": "USA", "partner": "WLD", "hs_code": "9503", "value_usd": 300.0},
    ]
    tables = compute_tables(trade_rows(rows).lazy(), pl.LazyFrame(schema=ECOMMERCE.polars_schema), config)
    stored = tables["group_competition"].filter((pl.col("group") == "toys") & (pl.col("market") == "USA"))
    assert stored.select("exporter", "competitor").rows() == [("CHN", "VNM")], "each pair stored once"
    competition = mirror_rows(stored.lazy(), GROUP_COMPETITION).collect()  # as Store.scan reads it
    esi = {(e, c): v for e, c, v in competition.select("exporter", "competitor", "esi").iter_rows()}
    expected = 100 * (min(0.75, 0.40) + min(0.25, 0.60))  # = 65
    assert esi[("CHN", "VNM")] == pytest.approx(expected)
    assert esi[("VNM", "CHN")] == pytest.approx(expected)
    assert set(esi) == {("CHN", "VNM"), ("VNM", "CHN")}


def tables_from(rows: list[dict], config: Config) -> dict[str, pl.DataFrame]:
    return compute_tables(trade_rows(rows).lazy(), pl.LazyFrame(schema=ECOMMERCE.polars_schema), config)


def test_compute_tables_never_a_market_of_itself_nor_unsupplied_opportunity(config: Config) -> None:
    """CHN (home) reports its own imports and BGD only a world total: neither is a place for CHN to go next;
    USA's re-imports from itself are not a supplier row anywhere."""
    tables = tables_from([
        {"reporter": "USA", "partner": "CHN", "value_usd": 30.0},
        {"reporter": "USA", "partner": "VNM", "value_usd": 10.0},
        {"reporter": "USA", "partner": "USA", "value_usd": 3.0},  # re-imports
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},
        {"reporter": "CHN", "partner": "VNM", "value_usd": 5.0},
        {"reporter": "CHN", "partner": "WLD", "value_usd": 50.0},
        {"reporter": "BGD", "partner": "WLD", "value_usd": 400.0},  # larger than USA: would rank first
    ], config)
    for name, frame in tables.items():
        if {"exporter", "market"} <= set(frame.columns):
            assert frame.filter(pl.col("exporter") == pl.col("market")).is_empty(), name
    opportunity = tables["group_opportunity"].filter(pl.col("group") == "toys")
    assert opportunity.select("market", "rank", "score", "headroom").rows() == [("USA", 1, 100.0, 0.7)]
    market = tables["group_market"].filter(pl.col("group") == "toys")
    assert sorted(market.select("exporter", "market").rows()) == [("CHN", "USA"), ("VNM", "CHN"), ("VNM", "USA")]


def test_compute_tables_zero_value_sale_has_no_unit_value(config: Config) -> None:
    """CHN's row has 10 kg and USD 0: no price, so VNM's competitors' median is MEX's 15 alone, not (0 + 15)/2."""
    tables = tables_from([
        {"reporter": "USA", "partner": "CHN", "value_usd": 0.0, "net_weight_kg": 10.0},
        {"reporter": "USA", "partner": "VNM", "value_usd": 20.0, "net_weight_kg": 2.0},
        {"reporter": "USA", "partner": "MEX", "value_usd": 30.0, "net_weight_kg": 2.0},
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},
    ], config)
    market = tables["group_market"].filter(pl.col("group") == "toys")
    got = {r["exporter"]: (r["unit_value_usd_per_kg"], r["competitors_median_uv_usd_per_kg"], r["relative_unit_value"])
           for r in market.iter_rows(named=True)}
    assert got["CHN"] == (None, 12.5, None)  # median of VNM 10 and MEX 15
    assert got["VNM"] == (10.0, 15.0, 10 / 15)
    assert got["MEX"] == (15.0, 10.0, 1.5)


def test_compute_tables_cms_growth_from_reported_world_imports_only(config: Config) -> None:
    """DEU reports no world total: its suppliers' sum (CHN 50→40, VNM 50→100) must not set a growth rate.
    r = r_9503 = USA's reported 1000→1200 = 0.2 for both markets, so the mix effects are 0 and the
    residual is ΔX − r·X⁰ = 20 − 0.2·150 = −10."""
    rows = []
    for period, usa_chn, usa_world, deu_chn, deu_vnm in (("2022", 100.0, 1000.0, 50.0, 50.0),
                                                        ("2023", 130.0, 1200.0, 40.0, 100.0)):
        rows += [
            {"reporter": "USA", "partner": "CHN", "period": period, "value_usd": usa_chn},
            {"reporter": "USA", "partner": "WLD", "period": period, "value_usd": usa_world},
            {"reporter": "DEU", "partner": "CHN", "period": period, "value_usd": deu_chn},
            {"reporter": "DEU", "partner": "VNM", "period": period, "value_usd": deu_vnm},
        ]
    cms = tables_from(rows, config)["group_cms"].filter((pl.col("group") == "toys") & (pl.col("exporter") == "CHN"))
    row = cms.row(0, named=True)
    assert (row["base_year"], row["end_year"], row["change_usd"]) == (2022, 2023, 20.0)
    assert row["world_import_growth"] == pytest.approx(0.2)
    assert row["world_growth_effect_usd"] == pytest.approx(30.0)
    assert row["product_mix_effect_usd"] == pytest.approx(0.0)
    assert row["market_mix_effect_usd"] == pytest.approx(0.0)
    assert row["competitiveness_effect_usd"] == pytest.approx(-10.0)


def test_compute_tables_exporter_provenance_describes_the_numerator(config: Config) -> None:
    """CHN reports no toys exports to the world: x_ik is the markets' record of it (mirror), whatever the
    provenance of its reported imports and TOTAL; sources still name every input."""
    tables = tables_from([
        {"reporter": "USA", "partner": "CHN", "value_usd": 30.0},
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},
        {"reporter": "CHN", "partner": "WLD", "value_usd": 20.0},
        {"reporter": "CHN", "partner": "WLD", "flow": "export", "hs_code": "TOTAL", "value_usd": 900.0,
         "source": "comext"},
        {"reporter": "VNM", "partner": "WLD", "flow": "export", "value_usd": 10.0},
    ], config)
    exporter = tables["group_exporter"].filter(pl.col("group") == "toys")
    got = {r["exporter"]: (r["export_value_usd"], r["import_value_usd"], r["provenance"], r["sources"])
           for r in exporter.iter_rows(named=True)}
    assert got["CHN"] == (30.0, 20.0, "mirror", "comext,comtrade")
    assert got["VNM"] == (10.0, None, "reported", "comtrade")


def test_export_basis_mirror_keeps_sales_from_the_exporters_report(store: Store, config: Config) -> None:
    """DEU did not report: CHN's own export report stands in (mirror) against DEU's reported world total; USA
    reported. Basis mirror → the DEU row, reported → the USA row, though both rows' provenance is mixed/reported."""
    from tracker.query import filtered_table
    from tracker.refresh import refresh_metric_tables

    store.upsert("trade", trade_rows([
        {"reporter": "CHN", "partner": "DEU", "flow": "export", "value_usd": 60.0},
        {"reporter": "DEU", "partner": "VNM", "value_usd": 40.0},
        {"reporter": "DEU", "partner": "WLD", "value_usd": 200.0},
        {"reporter": "USA", "partner": "CHN", "value_usd": 30.0},
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},
    ]))
    refresh_metric_tables(store, config)

    def rows(basis: str) -> list[tuple]:
        frame = filtered_table(store, "group_market", group="toys", exporter="CHN", basis=basis, config=config)
        return frame.select("market", "value_provenance", "provenance").collect().sort("market").rows()

    assert rows("mirror") == [("DEU", "mirror", "mixed")]
    assert rows("reported") == [("USA", "reported", "reported")]
    assert len(rows("all")) == 2


SORT_TEST = TableSchema(name="sort_test", meaning="A key of two strings around a year.", key=("a", "year", "b"),
                        columns=(Column("a", pl.String(), "."), Column("year", pl.Int32(), "."),
                                 Column("b", pl.String(), "."), Column("v", pl.Float64(), ".")))


def test_sorted_by_key_orders_as_the_key_columns_themselves() -> None:
    """One integer of combined ranks gives the key columns' own order (strings by bytes: "Z" < "a" < "ab");
    checked against Polars' sort on the columns, shuffled, and with a null in the key (the plain sort)."""
    rng = np.random.default_rng(7)
    strings = ["a", "ab", "Z", "b", "ba", "中"]
    frame = pl.DataFrame({"a": strings * 40, "year": np.repeat(np.arange(1990, 2030, dtype=np.int32), 6),
                          "b": [strings[i % 5] for i in range(240)]}).with_columns(v=pl.int_range(240) * 0.5)
    frame = frame.unique(["a", "year", "b"]).sample(fraction=1.0, shuffle=True, seed=3)
    expected = frame.sort(["a", "year", "b"])
    assert _sorted_by_key(frame, SORT_TEST).equals(expected)
    assert _sorted_by_key(frame, SORT_TEST).row(0) == expected.row(0) and expected["a"][0] == "Z"
    with_null = pl.concat([frame, pl.DataFrame({"a": [None], "year": [2000], "b": ["x"], "v": [rng.random()]},
                                               schema=frame.schema)])
    assert _sorted_by_key(with_null, SORT_TEST).equals(with_null.sort(["a", "year", "b"]))
