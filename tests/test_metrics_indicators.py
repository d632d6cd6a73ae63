"""RCA, TC, Lafay, unit values, HHI, ESI, complementarity and CMS against hand arithmetic on tiny tables."""

from __future__ import annotations

import polars as pl
import pytest

from tracker.metrics import (
    constant_market_share,
    export_similarity,
    lafay_index,
    market_concentration,
    relative_unit_value,
    revealed_comparative_advantage,
    trade_competitiveness_index,
    trade_complementarity,
    unit_value,
)

PROV = {"provenance": "reported", "sources": "comtrade", "newest_fetch": None}


def lazy(rows: list[dict]) -> pl.LazyFrame:
    return pl.DataFrame([{**PROV, **r} for r in rows]).lazy().with_columns(
        pl.col("newest_fetch").cast(pl.Datetime("us", "UTC"))
    )


def test_rca_each_year_its_own_value() -> None:
    frame = revealed_comparative_advantage(lazy([
        {"group": "toys", "exporter": "CHN", "period": "2022", "export_value_usd": 30.0, "total_exports_usd": 100.0},
        {"group": "toys", "exporter": "VNM", "period": "2022", "export_value_usd": 10.0, "total_exports_usd": 300.0},
        {"group": "toys", "exporter": "CHN", "period": "2023", "export_value_usd": 20.0, "total_exports_usd": 100.0},
        {"group": "toys", "exporter": "VNM", "period": "2023", "export_value_usd": 20.0, "total_exports_usd": 100.0},
    ])).collect()
    rca = {(r["exporter"], r["period"]): r["rca"] for r in frame.iter_rows(named=True)}
    # 2022: world share of toys = 40/400 = 0.1; CHN 30/100 / 0.1 = 3.0; VNM 10/300 / 0.1 = 1/3.
    assert rca[("CHN", "2022")] == pytest.approx(3.0)
    assert rca[("VNM", "2022")] == pytest.approx(1 / 3)
    # 2023: 40/200 = 0.2; both 20/100 / 0.2 = 1.0.
    assert rca[("CHN", "2023")] == pytest.approx(1.0)
    assert rca[("VNM", "2023")] == pytest.approx(1.0)


def test_rca_missing_total_is_null() -> None:
    frame = revealed_comparative_advantage(lazy([
        {"group": "toys", "exporter": "CHN", "period": "2022", "export_value_usd": 30.0, "total_exports_usd": 0.0},
    ])).collect()
    assert frame.item(0, "rca") is None


def test_tc_and_lafay_by_hand() -> None:
    frame = lafay_index(trade_competitiveness_index(lazy([
        {"export_value_usd": 80.0, "import_value_usd": 20.0, "total_exports_usd": 1000.0,
         "total_imports_usd": 600.0},
        {"export_value_usd": 0.0, "import_value_usd": 0.0, "total_exports_usd": 1.0, "total_imports_usd": 1.0},
    ]))).collect()
    # TC = (80 − 20)/(80 + 20) = 0.6; overall balance (1000 − 600)/1600 = 0.25; weight 100/1600.
    assert frame.item(0, "tc_index") == pytest.approx(0.6)
    assert frame.item(0, "lafay") == pytest.approx(100 * (0.6 - 0.25) * 100 / 1600)
    assert frame.item(1, "tc_index") is None  # 0/0
    assert frame.item(1, "lafay") is None


def test_unit_value_zero_or_missing_weight_is_null_and_relative_uses_median() -> None:
    frame = relative_unit_value(unit_value(lazy([
        {"group": "toys", "market": "USA", "period": "2023", "exporter": e, "value_with_weight_usd": v,
         "net_weight_kg": w}
        for e, v, w in [("CHN", 100.0, 50.0), ("VNM", 90.0, 30.0), ("MEX", 80.0, 20.0), ("DEU", 60.0, 10.0),
                        ("ITA", 0.0, 0.0), ("IND", 0.0, None)]
    ]))).collect()
    uv = {r["exporter"]: (r["unit_value_usd_per_kg"], r["relative_unit_value"]) for r in frame.iter_rows(named=True)}
    assert uv["ITA"] == (None, None) and uv["IND"] == (None, None)
    assert uv["CHN"][0] == pytest.approx(2.0)  # 100/50
    # CHN's competitors: VNM 3, MEX 4, DEU 6 → median 4 → 2/4.
    assert uv["CHN"][1] == pytest.approx(0.5)
    # DEU's competitors: CHN 2, VNM 3, MEX 4 → median 3 → 6/3.
    assert uv["DEU"][1] == pytest.approx(2.0)


def test_unit_value_zero_value_with_weight_is_missing_not_zero() -> None:
    """JPN sold 40 kg for USD 0: no price. CHN's competitors are VNM 3 and MEX 4 → median 3.5, not 3."""
    frame = relative_unit_value(unit_value(lazy([
        {"group": "toys", "market": "USA", "period": "2023", "exporter": e, "value_with_weight_usd": v,
         "net_weight_kg": w}
        for e, v, w in [("CHN", 100.0, 50.0), ("VNM", 90.0, 30.0), ("MEX", 80.0, 20.0), ("JPN", 0.0, 40.0)]
    ]))).collect()
    uv = {r["exporter"]: (r["unit_value_usd_per_kg"], r["competitors_median_uv_usd_per_kg"])
          for r in frame.iter_rows(named=True)}
    assert uv["JPN"] == (None, 3.0)  # median of CHN 2, VNM 3, MEX 4
    assert uv["CHN"] == (2.0, 3.5)


def test_hhi_by_hand_and_single_market() -> None:
    frame = market_concentration(lazy([
        {"group": "toys", "exporter": "CHN", "period": "2023", "market": "USA", "export_value_usd": 60.0},
        {"group": "toys", "exporter": "CHN", "period": "2023", "market": "DEU", "export_value_usd": 40.0},
        {"group": "toys", "exporter": "VNM", "period": "2023", "market": "USA", "export_value_usd": 5.0},
    ])).collect().sort("exporter")
    chn, vnm = frame.row(0, named=True), frame.row(1, named=True)
    assert chn["hhi_markets"] == pytest.approx(0.6**2 + 0.4**2)  # 0.52
    assert chn["hhi_markets_normalised"] == pytest.approx((0.52 - 0.5) / (1 - 0.5))
    assert (vnm["hhi_markets"], vnm["hhi_markets_normalised"], vnm["markets_served"]) == (1.0, None, 1)


def test_esi_by_hand() -> None:
    rows = [("CHN", "950300", 60.0), ("CHN", "950410", 40.0), ("VNM", "950300", 20.0), ("VNM", "950590", 80.0),
            ("DEU", "950590", 10.0)]
    frame = export_similarity(lazy([
        {"group": "toys", "market": "USA", "period": "2023", "exporter": e, "hs_code": k, "value_usd": v}
        for e, k, v in rows
    ]), "CHN", ["VNM", "DEU"]).collect()
    esi = dict(frame.select("competitor", "esi").iter_rows())
    assert esi["VNM"] == pytest.approx(100 * min(0.6, 0.2))  # only 950300 in common: 20
    assert esi["DEU"] == 0.0  # nothing in common


def test_trade_complementarity_by_hand() -> None:
    exports = lazy([{"group": g, "exporter": "CHN", "period": "2023", "export_value_usd": v}
                    for g, v in [("toys", 50.0), ("furniture", 50.0)]])
    imports = lazy([{"group": g, "market": "USA", "period": "2023", "value_usd": v}
                    for g, v in [("toys", 20.0), ("furniture", 60.0), ("lighting", 20.0)]])
    frame = trade_complementarity(exports, imports).collect()
    # x = (0.5, 0.5, 0), m = (0.2, 0.6, 0.2): Σ|m − x| = 0.3 + 0.1 + 0.2 = 0.6 → 100 (1 − 0.3) = 70.
    assert frame.item(0, "trade_complementarity") == pytest.approx(70.0)


def test_cms_four_effects_by_hand_sum_to_change() -> None:
    suppliers = lazy([
        {"group": "toys", "exporter": "CHN", "market": m, "hs_code": k, "year": y, "value_usd": v}
        for m, k, y, v in [("USA", "9503", 2022, 100.0), ("USA", "9503", 2023, 130.0),
                           ("DEU", "9504", 2022, 50.0), ("DEU", "9504", 2023, 40.0)]
    ])
    imports = lazy([
        {"group": "toys", "market": m, "hs_code": k, "year": y, "value_usd": v}
        for m, k, y, v in [("USA", "9503", 2022, 1000.0), ("USA", "9503", 2023, 1200.0),
                           ("DEU", "9504", 2022, 500.0), ("DEU", "9504", 2023, 450.0)]
    ])
    row = constant_market_share(suppliers, imports, [(2022, 2023)]).collect().row(0, named=True)
    r = (1200 + 450) / 1500 - 1  # 0.1
    assert row["world_growth_effect_usd"] == pytest.approx(r * 150)  # 15
    # r_9503 = 0.2, r_9504 = −0.1: (0.2 − 0.1)·100 + (−0.1 − 0.1)·50 = 0
    assert row["product_mix_effect_usd"] == pytest.approx(0.0)
    assert row["market_mix_effect_usd"] == pytest.approx(0.0)  # one market per code: r_km = r_k
    assert row["competitiveness_effect_usd"] == pytest.approx((30 - 0.2 * 100) + (-10 + 0.1 * 50))  # 5
    effects = ("world_growth_effect_usd", "product_mix_effect_usd", "market_mix_effect_usd",
               "competitiveness_effect_usd")
    assert sum(row[e] for e in effects) == pytest.approx(row["change_usd"]) == pytest.approx(20.0)
