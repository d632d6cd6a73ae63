"""Relative unit values from one sorted list per market, checked against the pairwise definition.

The reference below is the former implementation: every supplier joined with every other supplier of the
same key, then the median of the others' unit values. It is quadratic in the suppliers but obviously right, so
it stays here as the second method the linear one must agree with.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.metrics import relative_unit_value, unit_value

KEY = ["group", "market", "period"]
EXPORTERS = [f"E{i:02d}" for i in range(12)]


def pairwise_relative_unit_value(frame: pl.LazyFrame, uv: str = "unit_value_usd_per_kg") -> pl.LazyFrame:
    """The reference: median over an explicit join of each supplier with every other supplier of its key."""
    others = frame.select(*KEY, pl.col("exporter").alias("_other"), pl.col(uv).alias("_other_uv")).filter(
        pl.col("_other_uv").is_not_null()
    )
    medians = (
        frame.select(*KEY, "exporter")
        .join(others, on=KEY, how="inner")
        .filter(pl.col("_other") != pl.col("exporter"))
        .group_by(*KEY, "exporter")
        .agg(pl.col("_other_uv").median().alias("competitors_median_uv_usd_per_kg"))
    )
    return frame.join(medians, on=[*KEY, "exporter"], how="left").with_columns(
        relative_unit_value=pl.when(pl.col("competitors_median_uv_usd_per_kg") != 0)
        .then(pl.col(uv) / pl.col("competitors_median_uv_usd_per_kg"))
    )


def _compare(frame: pl.DataFrame) -> None:
    columns = [*KEY, "exporter", "competitors_median_uv_usd_per_kg", "relative_unit_value"]
    ours = relative_unit_value(frame.lazy()).select(columns).collect().sort(*KEY, "exporter")
    reference = pairwise_relative_unit_value(frame.lazy()).select(columns).collect().sort(*KEY, "exporter")
    assert ours.select(*KEY, "exporter").equals(reference.select(*KEY, "exporter"))
    for column in ("competitors_median_uv_usd_per_kg", "relative_unit_value"):
        for got, expected in zip(ours[column].to_list(), reference[column].to_list(), strict=True):
            assert (got is None) == (expected is None), (column, got, expected)
            if expected is not None:
                assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), column


# Unit values drawn from a few repeated prices (ties) and a wide range, or missing.
PRICES = st.one_of(st.none(), st.sampled_from([0.5, 1.0, 1.0, 2.0, 3.5]),
                   st.floats(min_value=1e-3, max_value=1e6, allow_nan=False))


@st.composite
def markets(draw: st.DrawFn) -> pl.DataFrame:
    """Several (group, market, period) keys, each with 0–12 distinct suppliers and their unit values."""
    rows = []
    for key_index in range(draw(st.integers(1, 4))):
        group, market, period = draw(st.sampled_from(["toys", "tools"])), f"M{key_index}", "2023"
        suppliers = draw(st.lists(st.sampled_from(EXPORTERS), max_size=12, unique=True))
        rows += [{"group": group, "market": market, "period": period, "exporter": e,
                  "unit_value_usd_per_kg": draw(PRICES)} for e in suppliers]
    return pl.DataFrame(rows, schema={"group": pl.String, "market": pl.String, "period": pl.String,
                                      "exporter": pl.String, "unit_value_usd_per_kg": pl.Float64})


@settings(max_examples=150, deadline=None)
@given(markets())
def test_relative_unit_value_equals_pairwise_median(frame: pl.DataFrame) -> None:
    _compare(frame)


@pytest.mark.parametrize("values", [
    [],                                   # no supplier
    [4.0],                                # alone: nobody to compare with
    [4.0, None],                          # the other has no unit value
    [4.0, 6.0],                           # two: each one's median is the other
    [None, None, 5.0],                    # those without a value see the median of all known values
    [2.0, 2.0, 2.0, 7.0],                 # ties on the own value
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, None],  # odd count of others for the priced, even for the unpriced
])
def test_relative_unit_value_edge_cases_equal_pairwise(values: list[float | None]) -> None:
    frame = pl.DataFrame({"group": ["toys"] * len(values), "market": ["USA"] * len(values),
                          "period": ["2023"] * len(values), "exporter": EXPORTERS[:len(values)],
                          "unit_value_usd_per_kg": values},
                         schema_overrides={"unit_value_usd_per_kg": pl.Float64, "exporter": pl.String,
                                           "group": pl.String, "market": pl.String, "period": pl.String})
    _compare(frame)


def test_relative_unit_value_by_hand_with_ties_and_missing() -> None:
    frame = pl.DataFrame({"group": "toys", "market": "USA", "period": "2023",
                          "exporter": ["A", "B", "C", "D", "E"],
                          "unit_value_usd_per_kg": [2.0, 2.0, 8.0, 4.0, None]}).lazy()
    result = {r["exporter"]: (r["competitors_median_uv_usd_per_kg"], r["relative_unit_value"])
              for r in relative_unit_value(frame).collect().iter_rows(named=True)}
    assert result["A"] == (pytest.approx(4.0), pytest.approx(0.5))   # others 2, 4, 8 → 4
    assert result["B"] == (pytest.approx(4.0), pytest.approx(0.5))   # same multiset as A
    assert result["C"] == (pytest.approx(2.0), pytest.approx(4.0))   # others 2, 2, 4 → 2
    assert result["D"] == (pytest.approx(2.0), pytest.approx(2.0))   # others 2, 2, 8 → 2
    assert result["E"][0] == pytest.approx(3.0) and result["E"][1] is None  # all four: (2 + 4) / 2


def test_unit_value_zero_value_with_positive_weight_is_missing() -> None:
    frame = pl.DataFrame({"value_with_weight_usd": [0.0, 50.0, 30.0], "net_weight_kg": [10.0, 10.0, 0.0]}).lazy()
    assert unit_value(frame).collect()["unit_value_usd_per_kg"].to_list() == [None, 5.0, None]
