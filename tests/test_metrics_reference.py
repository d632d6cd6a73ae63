"""Metrics on random multi-year tables against an independent NumPy reference (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import trade_rows
from tracker.metrics import (
    constant_market_share,
    export_similarity,
    exports_to_world,
    market_concentration,
    market_imports,
    market_share,
    revealed_comparative_advantage,
    supplier_flows,
)
from tracker.metrics.groups import group_code_flows, group_flows, total_flows
from tracker.metrics.shares import reported_world_imports
from tracker.metrics.specialisation import total_trade

EXPORTERS, MARKETS, CODES, YEARS = ["CHN", "VNM", "MEX"], ["USA", "DEU", "JPN"], ["9503", "9504", "9505"], [2022, 2023]
SHAPE = (len(EXPORTERS), len(MARKETS), len(CODES), len(YEARS))
GROUPS = {"toys": ["95"]}

values = st.lists(st.integers(0, 50), min_size=int(np.prod(SHAPE)), max_size=int(np.prod(SHAPE))).map(
    lambda xs: np.array(xs, dtype=float).reshape(SHAPE)
)
extras = st.lists(st.integers(0, 30), min_size=len(MARKETS) * len(CODES) * len(YEARS),
                  max_size=len(MARKETS) * len(CODES) * len(YEARS)).map(
    lambda xs: np.array(xs, dtype=float).reshape(len(MARKETS), len(CODES), len(YEARS))
)
totals = st.lists(st.integers(1, 500), min_size=len(EXPORTERS) * len(YEARS), max_size=len(EXPORTERS) * len(YEARS)).map(
    lambda xs: np.array(xs, dtype=float).reshape(len(EXPORTERS), len(YEARS))
)


def build_trade(v: np.ndarray, extra: np.ndarray, total: np.ndarray) -> pl.DataFrame:
    """Markets' imports by supplier and code, their WLD imports (suppliers + rest of world), exporters' WLD
    exports per code and TOTAL exports; zero values are not stored, as in Comtrade."""
    rows = []
    world = v.sum(axis=0) + extra
    for (e, m, k, y), value in np.ndenumerate(v):
        if value > 0:
            rows.append({"reporter": MARKETS[m], "partner": EXPORTERS[e], "hs_code": CODES[k],
                         "period": str(YEARS[y]), "value_usd": value})
    for (m, k, y), value in np.ndenumerate(world):
        if value > 0:
            rows.append({"reporter": MARKETS[m], "partner": "WLD", "hs_code": CODES[k], "period": str(YEARS[y]),
                         "value_usd": value})
    for (e, k, y), value in np.ndenumerate(v.sum(axis=1)):
        if value > 0:
            rows.append({"reporter": EXPORTERS[e], "partner": "WLD", "flow": "export", "hs_code": CODES[k],
                         "period": str(YEARS[y]), "value_usd": value})
    for (e, y), value in np.ndenumerate(total):
        rows.append({"reporter": EXPORTERS[e], "partner": "WLD", "flow": "export", "hs_code": "TOTAL",
                     "period": str(YEARS[y]), "value_usd": value})
    return trade_rows(rows)


def stage(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.collect().lazy()


@settings(max_examples=25, deadline=None)
@given(values, extras, totals)
def test_market_share_rca_hhi_match_numpy(v: np.ndarray, extra: np.ndarray, total: np.ndarray) -> None:
    trade = build_trade(v, extra, total).lazy()
    flows = stage(group_flows(trade, GROUPS))
    suppliers = stage(supplier_flows(flows))
    shares = market_share(suppliers, market_imports(flows, suppliers)).collect()
    supplied = v.sum(axis=2)  # exporter × market × year
    world = (v.sum(axis=0) + extra).sum(axis=1)  # market × year
    expected = {
        (EXPORTERS[e], MARKETS[m], str(YEARS[y])): supplied[e, m, y] / world[m, y]
        for (e, m, y), value in np.ndenumerate(supplied) if value > 0
    }
    got = {(r["exporter"], r["market"], r["period"]): r["market_share"] for r in shares.iter_rows(named=True)}
    assert got.keys() == expected.keys()
    for key, share in expected.items():
        assert np.isclose(got[key], share)
    assert (shares.get_column("market_share") <= 1.0).all()
    totals = shares.group_by("market", "period").agg(pl.col("market_share").sum()).get_column("market_share")
    assert (totals <= 1 + 1e-9).all()

    exports = exports_to_world(flows, suppliers)
    frame = exports.join(total_trade(total_flows(trade)).select("exporter", "period", "total_exports_usd"),
                         on=["exporter", "period"], how="left")
    rca = revealed_comparative_advantage(frame).collect()
    x = v.sum(axis=(1, 2))  # exporter × year
    for r in rca.iter_rows(named=True):
        e, y = EXPORTERS.index(r["exporter"]), YEARS.index(int(r["period"]))
        present = x[:, y] > 0
        reference = (x[e, y] / total[e, y]) / (x[present, y].sum() / total[present, y].sum())
        assert np.isclose(r["rca"], reference)

    hhi = market_concentration(shares.lazy()).collect()
    for r in hhi.iter_rows(named=True):
        e, y = EXPORTERS.index(r["exporter"]), YEARS.index(int(r["period"]))
        s = supplied[e, :, y] / supplied[e, :, y].sum()
        assert np.isclose(r["hhi_markets"], (s**2).sum())


@settings(max_examples=25, deadline=None)
@given(values, extras, totals)
def test_esi_and_cms_identity_match_numpy(v: np.ndarray, extra: np.ndarray, total: np.ndarray) -> None:
    code = stage(group_code_flows(build_trade(v, extra, total).lazy(), GROUPS))
    code_suppliers = stage(supplier_flows(code))
    esi = export_similarity(code_suppliers, "CHN", ["VNM", "MEX"]).collect()
    for r in esi.iter_rows(named=True):
        a, b = EXPORTERS.index("CHN"), EXPORTERS.index(r["competitor"])
        m, y = MARKETS.index(r["market"]), YEARS.index(int(r["period"]))
        sa, sb = v[a, m, :, y] / v[a, m, :, y].sum(), v[b, m, :, y] / v[b, m, :, y].sum()
        assert np.isclose(r["esi"], 100 * np.minimum(sa, sb).sum())
    expected_pairs = sum(
        1 for b in (1, 2) for m in range(len(MARKETS)) for y in range(len(YEARS))
        if v[0, m, :, y].sum() > 0 and v[b, m, :, y].sum() > 0
    )
    assert esi.height == expected_pairs

    cms = constant_market_share(code_suppliers, reported_world_imports(code), [(2022, 2023)]).collect()
    for r in cms.iter_rows(named=True):
        e = EXPORTERS.index(r["exporter"])
        assert np.isclose(r["change_usd"], v[e, :, :, 1].sum() - v[e, :, :, 0].sum())
        if r["world_import_growth"] is not None:
            effects = (r["world_growth_effect_usd"] + r["product_mix_effect_usd"] + r["market_mix_effect_usd"]
                       + r["competitiveness_effect_usd"])
            assert np.isclose(effects, r["change_usd"])
