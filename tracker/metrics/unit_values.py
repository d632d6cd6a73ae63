"""Unit values: price positioning per kilogram.

UV = value / net weight, using only rows with a positive weight (see groups.py, rule 4): zero or missing
weight gives null, and so does a zero (or negative) value, which is a missing price, not a free good.
Relative UV_ikm = UV_ikm / median(UV_jkm for every other supplier j ≠ i recorded in market m in the same
period). The median, not a value-weighted mean, so one large low-cost supplier does not set the benchmark
alone; null when no other supplier has a unit value.

The median of the others comes from one sorted list of unit values per market and period, not from pairing
every supplier with every other one (that pairing grows with the square of the suppliers: 200 exporters per
market in BACI). Removing supplier i's own value from the sorted list v_0 ≤ … ≤ v_{n−1} shifts the order
statistics above its rank p down by one, so the others' median is read from at most two entries of the list:
the middle of the remaining n − 1 values, indices past p moved up by one. Ties do not matter: removing any
copy of a repeated value leaves the same multiset.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import safe_div

MEDIAN_OF_OTHERS = "competitors_median_uv_usd_per_kg"


def unit_value(frame: pl.LazyFrame, alias: str = "unit_value_usd_per_kg") -> pl.LazyFrame:
    """Add ``alias`` = value_with_weight_usd / net_weight_kg (null without a positive weight and value)."""
    weight, value = pl.col("net_weight_kg"), pl.col("value_with_weight_usd")
    return frame.with_columns(pl.when((weight > 0) & (value > 0)).then(safe_div(value, weight)).alias(alias))


def relative_unit_value(frame: pl.LazyFrame, key: list[str] | None = None,
                        uv: str = "unit_value_usd_per_kg") -> pl.LazyFrame:
    """Add ``competitors_median_uv_usd_per_kg`` and ``relative_unit_value`` per (group, market, period).

    One row per supplier and key is expected (as in group_market). Memory grows linearly with the rows.
    """
    key = key or ["group", "market", "period"]
    frame = frame.cache()
    known = pl.col(uv).is_not_null()
    # Each key's unit values in order, numbered 0 … n−1 (v_i in the module docstring).
    ranked = (
        frame.filter(known).select(*key, pl.col(uv).alias("_v"))
        .sort([*key, "_v"])
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(key).alias("_i"))
        .cache()
    )
    counts = ranked.group_by(key).agg(pl.len().cast(pl.Int64).alias("_n"))
    # Own rank p among the key's values (any order among ties); a supplier without a unit value removes nothing.
    own_rank = pl.when(known).then(pl.col(uv).rank("ordinal").over(key).cast(pl.Int64) - 1)
    others = pl.col("_n") - pl.when(known).then(1).otherwise(0)

    def shifted(index: pl.Expr) -> pl.Expr:
        """Index into the full list of the others' ``index``-th value: past the own rank, one further."""
        return index + pl.when(pl.col("_p").is_not_null() & (index >= pl.col("_p"))).then(1).otherwise(0)

    positions = (
        frame.with_columns(own_rank.alias("_p"))
        .join(counts, on=key, how="left")
        .with_columns(_m=others.fill_null(0))
        .with_columns(
            _lo=pl.when(pl.col("_m") > 0).then(shifted((pl.col("_m") - 1) // 2)),
            _hi=pl.when(pl.col("_m") > 0).then(shifted(pl.col("_m") // 2)),
        )
    )
    lower = ranked.rename({"_i": "_lo", "_v": "_v_lo"})
    upper = ranked.rename({"_i": "_hi", "_v": "_v_hi"})
    return (
        positions.join(lower, on=[*key, "_lo"], how="left")
        .join(upper, on=[*key, "_hi"], how="left")
        .with_columns(((pl.col("_v_lo") + pl.col("_v_hi")) / 2).alias(MEDIAN_OF_OTHERS))
        .with_columns(relative_unit_value=safe_div(pl.col(uv), pl.col(MEDIAN_OF_OTHERS)))
        .drop("_p", "_n", "_m", "_lo", "_hi", "_v_lo", "_v_hi")
    )
