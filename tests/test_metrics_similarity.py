"""Export similarity computed once per unordered pair, checked against the every-ordered-pair definition.

The references below are the former implementations: ``export_similarity`` joined every wanted exporter with
every wanted competitor, and ``group_competition`` joined both sides' market rows onto every ordered pair.
They stay here as the second method that the mirrored computation must agree with.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.metrics import export_similarity
from tracker.metrics._common import PROVENANCE_COLUMNS, join_with_provenance
from tracker.metrics.tables import _group_competition
from tracker.schemas import mirror_rows
from tracker.tables import GROUP_COMPETITION

CELL = ["group", "market", "period"]
COUNTRIES = ["CHN", "VNM", "IND", "MEX", "DEU", "USA"]
CODES = ["950300", "950410", "950590", "940150"]


def pairwise_similarity(code_suppliers: pl.LazyFrame, exporters: list[str], competitors: list[str]) -> pl.LazyFrame:
    """The reference: every exporter against every competitor, each ordered pair computed on its own."""
    owner = [*CELL, "exporter"]
    shares = code_suppliers.filter(pl.col("value_usd") > 0).with_columns(
        (pl.col("value_usd") / pl.col("value_usd").sum().over(owner)).alias("_share")
    ).select(*owner, "hs_code", "_share")
    a = shares.filter(pl.col("exporter").is_in(exporters))
    b = shares.filter(pl.col("exporter").is_in(competitors)).rename({"exporter": "competitor", "_share": "_b"})
    pairs = (a.select(*CELL, "exporter").unique().join(b.select(*CELL, "competitor").unique(), on=CELL)
             .filter(pl.col("exporter") != pl.col("competitor")))
    overlap = (a.join(b, on=[*CELL, "hs_code"]).filter(pl.col("exporter") != pl.col("competitor"))
               .group_by(*CELL, "exporter", "competitor").agg((100 * pl.min_horizontal("_share", "_b")).sum()
                                                               .alias("esi")))
    return pairs.join(overlap, on=[*CELL, "exporter", "competitor"], how="left").with_columns(
        pl.col("esi").fill_null(0.0))


def pairwise_competition(code_suppliers: pl.LazyFrame, market: pl.LazyFrame, tracked: list[str]) -> pl.LazyFrame:
    """The reference group_competition: sides joined onto every ordered pair."""
    esi = pairwise_similarity(code_suppliers, tracked, tracked).with_columns(
        year=pl.col("period").cast(pl.Int32)).drop("period")
    side = market.select("group", "market", "year", "exporter", "market_share", "unit_value_usd_per_kg",
                         *PROVENANCE_COLUMNS)
    own = side.rename({"market_share": "exporter_share", "unit_value_usd_per_kg": "exporter_unit_value_usd_per_kg"})
    other = side.rename({"exporter": "competitor", "market_share": "competitor_share",
                         "unit_value_usd_per_kg": "competitor_unit_value_usd_per_kg"})
    frame = esi.join(own, on=["group", "market", "year", "exporter"], how="left")
    return join_with_provenance(frame, other, ["group", "market", "year", "competitor"], how="left")


@st.composite
def code_flows(draw: st.DrawFn) -> pl.DataFrame:
    """Code-level sales of a few countries in one or two markets and years; zero values included."""
    rows = []
    for market in draw(st.lists(st.sampled_from(["USA", "JPN"]), min_size=1, max_size=2, unique=True)):
        for period in draw(st.lists(st.sampled_from(["2022", "2023"]), min_size=1, max_size=2, unique=True)):
            for exporter in draw(st.lists(st.sampled_from(COUNTRIES), max_size=6, unique=True)):
                for code in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True)):
                    value = draw(st.one_of(st.just(0.0), st.floats(1.0, 1e9, allow_nan=False)))
                    rows.append({"group": "toys", "market": market, "period": period, "exporter": exporter,
                                 "hs_code": code, "value_usd": value})
    return pl.DataFrame(rows, schema={"group": pl.String, "market": pl.String, "period": pl.String,
                                      "exporter": pl.String, "hs_code": pl.String, "value_usd": pl.Float64})


def _sorted(frame: pl.LazyFrame, key: list[str]) -> pl.DataFrame:
    return frame.collect().sort(key).select(sorted(frame.collect_schema().names()))


def _assert_same(ours: pl.DataFrame, reference: pl.DataFrame) -> None:
    assert ours.columns == reference.columns
    assert ours.height == reference.height
    for column in ours.columns:
        if ours[column].dtype == pl.Float64:
            for got, expected in zip(ours[column].to_list(), reference[column].to_list(), strict=True):
                assert (got is None) == (expected is None), column
                if expected is not None:
                    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), column
        else:
            assert ours[column].to_list() == reference[column].to_list(), column


@settings(max_examples=100, deadline=None)
@given(code_flows(), st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=4, unique=True),
       st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=6, unique=True))
def test_export_similarity_equals_every_ordered_pair(flows: pl.DataFrame, exporters: list[str],
                                                     competitors: list[str]) -> None:
    key = [*CELL, "exporter", "competitor"]
    ours = _sorted(export_similarity(flows.lazy(), exporters, competitors), key)
    _assert_same(ours, _sorted(pairwise_similarity(flows.lazy(), exporters, competitors), key))


def _market_rows(flows: pl.DataFrame, draw: st.DataObject) -> pl.DataFrame:
    """One group_market-like row per supplier: a share, a unit value (or none) and its own provenance."""
    suppliers = flows.select("group", "market", "period", "exporter").unique().sort("market", "period", "exporter")
    n = suppliers.height
    return suppliers.with_columns(
        year=pl.col("period").cast(pl.Int32),
        market_share=pl.Series(draw.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)), dtype=pl.Float64),
        unit_value_usd_per_kg=pl.Series(draw.draw(st.lists(st.one_of(st.none(), st.floats(0.1, 100)),
                                                           min_size=n, max_size=n)), dtype=pl.Float64),
        provenance=pl.Series(draw.draw(st.lists(st.sampled_from(["reported", "mirror"]), min_size=n, max_size=n)),
                             dtype=pl.String),
        sources=pl.Series(draw.draw(st.lists(st.sampled_from(["comtrade", "census", "comtrade,sample"]),
                                             min_size=n, max_size=n)), dtype=pl.String),
        newest_fetch=pl.Series([datetime(2025, 1, 1 + i % 28, tzinfo=UTC) for i in range(n)]),
    ).drop("period")


@settings(max_examples=60, deadline=None)
@given(code_flows(), st.data())
def test_group_competition_mirrored_equals_every_ordered_pair(flows: pl.DataFrame, draw: st.DataObject) -> None:
    market = _market_rows(flows, draw)
    home, competitors = "CHN", ("VNM", "IND", "MEX", "DEU", "CHN")
    key = ["group", "market", "year", "exporter", "competitor"]
    stored = _group_competition(flows.lazy(), market.lazy(), home, competitors)
    assert stored.filter(pl.col("exporter") >= pl.col("competitor")).collect().is_empty(), "one row per pair"
    ours = _sorted(mirror_rows(stored, GROUP_COMPETITION), key)  # as Store.scan reads it
    reference = _sorted(pairwise_competition(flows.lazy(), market.lazy(), ["CHN", "VNM", "IND", "MEX", "DEU"]), key)
    _assert_same(ours, reference)


def test_export_similarity_reverse_pair_is_the_same_number_by_hand() -> None:
    flows = pl.DataFrame({"group": "toys", "market": "USA", "period": "2023",
                          "exporter": ["CHN", "CHN", "VNM", "VNM", "DEU"],
                          "hs_code": ["950300", "950410", "950300", "950590", "950590"],
                          "value_usd": [60.0, 40.0, 20.0, 80.0, 10.0]}).lazy()
    esi = {(e, c): v for e, c, v in export_similarity(flows, ["CHN", "VNM"], ["CHN", "VNM", "DEU"])
           .select("exporter", "competitor", "esi").collect().iter_rows()}
    # CHN 0.6/0.4/0, VNM 0.2/0/0.8, DEU 0/0/1: CHN–VNM share only 950300 → 20; VNM–DEU only 950590 → 80.
    assert esi == {("CHN", "VNM"): pytest.approx(20.0), ("VNM", "CHN"): pytest.approx(20.0),
                   ("CHN", "DEU"): 0.0, ("VNM", "DEU"): pytest.approx(80.0)}


def test_group_competition_stored_once_read_in_both_orders_by_hand(tmp_path) -> None:
    """The store keeps one row per pair; a reader filtering on either side finds it, sides swapped."""
    from tracker.store import Store

    store = Store(tmp_path)
    row = {"group": "toys", "market": "USA", "year": 2023, "exporter": "CHN", "competitor": "VNM", "esi": 65.0,
           "exporter_share": 0.25, "competitor_share": 0.1, "exporter_unit_value_usd_per_kg": 4.0,
           "competitor_unit_value_usd_per_kg": None, "provenance": "reported", "sources": "comtrade",
           "newest_fetch": datetime(2025, 1, 1, tzinfo=UTC), "sample": False}
    store.replace("group_competition", pl.DataFrame([row], schema=GROUP_COMPETITION.polars_schema))
    assert pl.read_parquet(store.files("group_competition")).height == 1
    read = store.scan("group_competition").filter(pl.col("exporter") == "VNM").collect()
    assert read.select("exporter", "competitor", "esi", "exporter_share", "competitor_share",
                       "exporter_unit_value_usd_per_kg", "competitor_unit_value_usd_per_kg").row(0) == (
        "VNM", "CHN", 65.0, 0.1, 0.25, None, 4.0)
    assert store.read("group_competition").height == 2
    both_orders = pl.concat([store.read("group_competition"), store.read("group_competition")]).unique()
    store.replace("group_competition", both_orders)
    assert store.read("group_competition").height == 2, "a table stored in both orders (older files) read once"
