"""Market shares, share change, growth and provenance against hand arithmetic on tiny tables."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import trade_rows
from tracker.metrics import growth_yoy, market_imports, market_share, share_change_pp, supplier_flows
from tracker.metrics.groups import group_flows

GROUPS = {"toys": ["9503"]}


def shares(rows: list[dict], groups: dict[str, list[str]] = GROUPS) -> pl.DataFrame:
    flows = group_flows(trade_rows(rows).lazy(), groups).collect().lazy()
    suppliers = supplier_flows(flows).collect().lazy()
    frame = market_share(suppliers, market_imports(flows, suppliers)).collect().lazy()
    frame = growth_yoy(frame, ["group", "exporter", "market"]).collect().lazy()
    return share_change_pp(frame, ["group", "exporter", "market"]).collect().sort("market", "exporter", "period")


def row(frame: pl.DataFrame, exporter: str, market: str, period: str) -> dict:
    return frame.filter(
        (pl.col("exporter") == exporter) & (pl.col("market") == market) & (pl.col("period") == period)
    ).row(0, named=True)


USA_TWO_YEARS = [
    {"reporter": "USA", "partner": "CHN", "period": "2022", "value_usd": 30.0},
    {"reporter": "USA", "partner": "VNM", "period": "2022", "value_usd": 10.0},
    {"reporter": "USA", "partner": "WLD", "period": "2022", "value_usd": 100.0},
    {"reporter": "USA", "partner": "CHN", "period": "2023", "value_usd": 20.0},
    {"reporter": "USA", "partner": "VNM", "period": "2023", "value_usd": 20.0},
    {"reporter": "USA", "partner": "WLD", "period": "2023", "value_usd": 80.0},
]


def test_market_share_each_year_its_own_value() -> None:
    frame = shares(USA_TWO_YEARS)
    assert row(frame, "CHN", "USA", "2022")["market_share"] == pytest.approx(30 / 100)
    assert row(frame, "VNM", "USA", "2022")["market_share"] == pytest.approx(10 / 100)
    assert row(frame, "CHN", "USA", "2023")["market_share"] == pytest.approx(20 / 80)
    assert row(frame, "VNM", "USA", "2023")["market_share"] == pytest.approx(20 / 80)


def test_market_share_change_in_percentage_points() -> None:
    frame = shares(USA_TWO_YEARS)
    assert row(frame, "CHN", "USA", "2022")["market_share_change_pp"] is None  # no earlier year
    assert row(frame, "CHN", "USA", "2023")["market_share_change_pp"] == pytest.approx(100 * (0.25 - 0.30))  # −5
    assert row(frame, "VNM", "USA", "2023")["market_share_change_pp"] == pytest.approx(100 * (0.25 - 0.10))  # +15


def test_growth_yoy_and_absent_year_gives_null_not_inf() -> None:
    frame = shares([*USA_TWO_YEARS, {"reporter": "USA", "partner": "MEX", "period": "2023", "value_usd": 5.0}])
    assert row(frame, "CHN", "USA", "2023")["growth_yoy"] == pytest.approx(20 / 30 - 1)
    assert row(frame, "VNM", "USA", "2023")["growth_yoy"] == pytest.approx(20 / 10 - 1)
    assert row(frame, "MEX", "USA", "2023")["growth_yoy"] is None  # MEX absent in 2022


def test_market_share_single_supplier_is_one() -> None:
    frame = shares([
        {"reporter": "JPN", "partner": "CHN", "value_usd": 40.0},
        {"reporter": "JPN", "partner": "WLD", "value_usd": 40.0},
    ])
    assert row(frame, "CHN", "JPN", "2023")["market_share"] == 1.0


def test_market_share_zero_denominator_is_null() -> None:
    frame = shares([
        {"reporter": "JPN", "partner": "CHN", "value_usd": 0.0},
        {"reporter": "JPN", "partner": "WLD", "value_usd": 0.0},
    ])
    assert row(frame, "CHN", "JPN", "2023")["market_share"] is None


def test_market_share_falls_back_to_mirror_flagged() -> None:
    frame = shares([
        # DEU reported nothing; CHN and VNM report their exports to DEU.
        {"reporter": "CHN", "partner": "DEU", "flow": "export", "value_usd": 60.0},
        {"reporter": "VNM", "partner": "DEU", "flow": "export", "value_usd": 40.0, "source": "census"},
        # USA reported its imports from CHN, so CHN's own report is not used there.
        {"reporter": "USA", "partner": "CHN", "value_usd": 30.0},
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},
        {"reporter": "CHN", "partner": "USA", "flow": "export", "value_usd": 28.0},
    ])
    chn_deu = row(frame, "CHN", "DEU", "2023")
    assert chn_deu["export_value_usd"] == 60.0
    assert chn_deu["market_imports_usd"] == 100.0  # no WLD report: sum of recorded suppliers 60 + 40
    assert chn_deu["market_share"] == pytest.approx(0.6)
    assert chn_deu["provenance"] == "mixed"  # mirror numerator, estimated denominator
    assert chn_deu["sources"] == "census,comtrade"
    chn_usa = row(frame, "CHN", "USA", "2023")
    assert (chn_usa["export_value_usd"], chn_usa["provenance"]) == (30.0, "reported")


def assert_share_invariants(frame: pl.DataFrame, share: str = "market_share",
                            key: tuple[str, ...] = ("group", "market", "period")) -> None:
    """Every share lies in [0, 1]; the suppliers' shares in one market and period add up to at most 1."""
    shares_ = frame.get_column(share).drop_nulls()
    assert shares_.len() > 0
    assert shares_.min() >= 0.0 and shares_.max() <= 1.0, frame.filter(pl.col(share) > 1)
    totals = frame.group_by(*key).agg(pl.col(share).sum())
    assert totals.get_column(share).max() <= 1 + 1e-9, totals.sort(share).tail(3)


def test_market_share_numerator_and_denominator_at_one_hs_level() -> None:
    """The issue's case: RUS reports paper (48) from the world and from VNM, but CHN only at 4820. CHN's 4820
    row (3.24 bn) must not be divided by the chapter total (0.99 bn): CHN's own report of 48 stands in."""
    frame = shares([
        {"reporter": "RUS", "partner": "WLD", "hs_code": "48", "value_usd": 0.99e9},
        {"reporter": "RUS", "partner": "VNM", "hs_code": "48", "value_usd": 0.10e9},
        {"reporter": "RUS", "partner": "CHN", "hs_code": "4820", "value_usd": 3.24e9},
        {"reporter": "CHN", "partner": "RUS", "flow": "export", "hs_code": "48", "value_usd": 0.40e9},
    ], {"paper": ["48"]})
    chn = row(frame, "CHN", "RUS", "2023")
    assert chn["export_value_usd"] == 0.40e9
    assert chn["market_share"] == pytest.approx(0.40 / 0.99)
    assert (chn["value_provenance"], chn["provenance"]) == ("mirror", "mixed")
    vnm = row(frame, "VNM", "RUS", "2023")
    assert vnm["market_share"] == pytest.approx(0.10 / 0.99)
    assert (vnm["value_provenance"], vnm["provenance"]) == ("reported", "reported")
    assert_share_invariants(frame)


def test_market_share_world_never_below_its_recorded_parts() -> None:
    """JPN's WLD report (100) is below its recorded suppliers (CHN 70 reported + VNM 60 mirror = 130): the
    denominator is the sum, flagged estimated, so the shares stay in [0, 1] and add up to 1."""
    frame = shares([
        {"reporter": "JPN", "partner": "WLD", "value_usd": 100.0},
        {"reporter": "JPN", "partner": "CHN", "value_usd": 70.0},
        {"reporter": "VNM", "partner": "JPN", "flow": "export", "value_usd": 60.0},
        {"reporter": "USA", "partner": "WLD", "value_usd": 100.0},  # a consistent market keeps its report
        {"reporter": "USA", "partner": "CHN", "value_usd": 70.0},
    ])
    chn = row(frame, "CHN", "JPN", "2023")
    assert chn["market_imports_usd"] == 130.0
    assert chn["market_share"] == pytest.approx(70 / 130)
    assert (chn["value_provenance"], chn["provenance"]) == ("reported", "mixed")  # estimated denominator
    assert row(frame, "VNM", "JPN", "2023")["market_share"] == pytest.approx(60 / 130)
    usa = row(frame, "CHN", "USA", "2023")
    assert (usa["market_imports_usd"], usa["provenance"]) == (100.0, "reported")
    assert_share_invariants(frame)
