"""Group aggregation: prefix membership, source preference, no double counting, weights."""

from __future__ import annotations

import polars as pl

from tests.conftest import trade_rows
from tracker.metrics.groups import group_flows

GROUPS = {"toys": ["9503", "9504"], "games": ["9504"]}


def values(rows: list[dict]) -> dict[tuple[str, str], float]:
    frame = group_flows(trade_rows(rows).lazy(), GROUPS).collect()
    return {(r["group"], r["partner"]): r["value_usd"] for r in frame.iter_rows(named=True)}


def test_group_flows_sum_codes_by_prefix() -> None:
    result = values([
        {"hs_code": "950300", "value_usd": 10.0},
        {"hs_code": "9504", "value_usd": 5.0},
        {"hs_code": "9505", "value_usd": 99.0},  # not in any group
    ])
    assert result == {("toys", "CHN"): 15.0, ("games", "CHN"): 5.0}


def test_group_flows_prefer_most_aggregated_stored_level() -> None:
    result = values([
        {"hs_code": "9503", "value_usd": 100.0},
        {"hs_code": "950300", "value_usd": 60.0},  # part of 9503 for the same flow: dropped
        {"hs_code": "950300", "reporter": "DEU", "partner": "VNM", "value_usd": 7.0},  # DEU has no 9503: counted
    ])
    assert result == {("toys", "CHN"): 100.0, ("toys", "VNM"): 7.0}


def test_group_flows_one_hs_level_set_per_report() -> None:
    """USA's 2023 import report holds chapter 48 (for WLD and CHN): VNM's 4820-only row is not a stand-in for
    48 there, while USA's 2022 report and DEU's report, which hold no 48 at all, keep their 4820 rows."""
    frame = group_flows(trade_rows([
        {"hs_code": "48", "partner": "WLD", "value_usd": 990.0},
        {"hs_code": "48", "partner": "CHN", "value_usd": 300.0},
        {"hs_code": "4820", "partner": "CHN", "value_usd": 50.0},
        {"hs_code": "4820", "partner": "VNM", "value_usd": 3240.0},
        {"hs_code": "4820", "partner": "VNM", "period": "2022", "value_usd": 30.0},
        {"hs_code": "4820", "reporter": "DEU", "partner": "VNM", "value_usd": 20.0},
        {"hs_code": "4820", "flow": "export", "reporter": "VNM", "partner": "USA", "value_usd": 25.0},
    ]).lazy(), {"paper": ["48"]}).collect()
    got = {(r["flow"], r["reporter"], r["partner"], r["period"]): r["value_usd"] for r in frame.iter_rows(named=True)}
    assert got == {
        ("import", "USA", "WLD", "2023"): 990.0, ("import", "USA", "CHN", "2023"): 300.0,
        ("import", "USA", "VNM", "2022"): 30.0, ("import", "DEU", "VNM", "2023"): 20.0,
        ("export", "VNM", "USA", "2023"): 25.0,
    }


def test_group_flows_zero_value_rows_carry_no_weight() -> None:
    """A weight without a sale value is no price: the row's weight is left out, as a missing weight is."""
    frame = group_flows(trade_rows([
        {"hs_code": "950300", "value_usd": 10.0, "net_weight_kg": 2.0},
        {"hs_code": "950310", "value_usd": 0.0, "net_weight_kg": 8.0},
    ]).lazy(), {"toys": ["9503"]}).collect().row(0, named=True)
    assert (frame["value_usd"], frame["value_with_weight_usd"], frame["net_weight_kg"]) == (10.0, 10.0, 2.0)


def test_group_flows_prefer_real_source_over_sample() -> None:
    frame = group_flows(trade_rows([
        {"value_usd": 10.0, "source": "sample"},
        {"value_usd": 12.0, "source": "comtrade"},
    ]).lazy(), GROUPS).collect()
    assert frame.select("value_usd", "sources").rows() == [(12.0, "comtrade")]


def test_group_flows_weights_skip_zero_and_missing() -> None:
    frame = group_flows(trade_rows([
        {"hs_code": "950300", "value_usd": 10.0, "net_weight_kg": 2.0},
        {"hs_code": "950310", "value_usd": 20.0, "net_weight_kg": 0.0},
        {"hs_code": "950320", "value_usd": 30.0, "net_weight_kg": None},
    ]).lazy(), {"toys": ["9503"]}).collect().row(0, named=True)
    assert (frame["value_usd"], frame["value_with_weight_usd"], frame["net_weight_kg"]) == (60.0, 10.0, 2.0)


def test_group_flows_without_any_weight_have_null_weight() -> None:
    frame = group_flows(trade_rows([{"value_usd": 10.0, "net_weight_kg": 0.0}]).lazy(), GROUPS)
    assert frame.filter(pl.col("group") == "toys").collect().item(0, "net_weight_kg") is None
