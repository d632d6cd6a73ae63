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
        {"hs_code": "950300", "partner": "VNM", "value_usd": 7.0},  # no 9503 for VNM: counted
    ])
    assert result == {("toys", "CHN"): 100.0, ("toys", "VNM"): 7.0}


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
