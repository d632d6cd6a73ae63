"""Invariants on the sample store after `metrics` (the session's metrics_store): shares lie in [0, 1] and add
up to at most 1 per market; a market is never the exporter itself; no opportunity without supplier data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.test_metrics_shares import assert_share_invariants
from tracker.config import Config
from tracker.store import Store
from tracker.tables import METRIC_TABLES

TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def tables(metrics_store: Path) -> dict[str, pl.DataFrame]:
    store = Store(metrics_store)
    return {schema.name: store.scan(schema.name).collect() for schema in METRIC_TABLES} | {
        "trade": store.scan("trade").collect()
    }


def test_sample_metrics_market_shares_in_unit_interval_and_add_up_to_at_most_one(tables) -> None:
    assert_share_invariants(tables["group_market"], key=("group", "market", "year"))
    assert_share_invariants(tables["group_market_monthly"], key=("group", "market", "period"))
    competition = tables["group_competition"]
    for column in ("exporter_share", "competitor_share"):
        shares = competition.get_column(column).drop_nulls()
        assert shares.min() >= 0.0 and shares.max() <= 1.0, column
    assert_share_invariants(tables["group_exporter"], share="world_share", key=("group", "year"))
    by_code = tables["group_hs"].group_by("group", "exporter", "year").agg(pl.col("share_of_group").sum())
    assert by_code.get_column("share_of_group").max() <= 1 + TOLERANCE
    assert tables["group_hs"].get_column("share_of_group").min() >= 0.0


def test_sample_metrics_no_market_is_its_own_exporter(tables, config: Config) -> None:
    home = config.scope.home_exporter
    for schema in METRIC_TABLES:
        frame = tables[schema.name]
        for seller in ("exporter", "competitor"):
            if {seller, "market"} <= set(frame.columns):
                assert frame.filter(pl.col(seller) == pl.col("market")).is_empty(), (schema.name, seller)
    opportunity = tables["group_opportunity"]
    assert opportunity.height > 0
    assert home not in opportunity.get_column("market").to_list()


def test_sample_metrics_opportunities_only_where_suppliers_are_recorded(tables) -> None:
    """BGD reports imports from the world only: it has no supplier breakdown, so it is never scored."""
    trade = tables["trade"]
    world_only = set(trade.filter((pl.col("flow") == "import") & (pl.col("partner") == "WLD"))["reporter"]) - set(
        trade.filter((pl.col("flow") == "import") & (pl.col("partner") != "WLD"))["reporter"]
    )
    assert "BGD" in world_only
    supplied = tables["group_market"].select("group", "market", "year").unique()
    opportunity = tables["group_opportunity"]
    assert opportunity.join(supplied, on=["group", "market", "year"], how="anti").is_empty()
    assert not set(opportunity.get_column("market")) & world_only
    assert opportunity.get_column("headroom").is_between(0.0, 1.0).all()


def test_sample_metrics_basis_column_names_the_numerator(tables) -> None:
    """Sample markets all report their imports, so every sales value is reported, whatever the denominator."""
    for name in ("group_market", "group_market_monthly"):
        assert set(tables[name].get_column("value_provenance")) == {"reported"}, name
