"""Unit values: price positioning per kilogram.

UV = value / net weight, using only rows with a positive weight (see groups.py, rule 4): zero or missing
weight gives null, and so does a zero value (a weight without a sale value is no price, not a price of 0).
Relative UV_ikm = UV_ikm / median(UV_jkm for every other supplier j ≠ i recorded in market m in the same
period). The median, not a value-weighted mean, so one large low-cost supplier does not set the
benchmark alone; null when no other supplier has a unit value.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import safe_div


def unit_value(frame: pl.LazyFrame, alias: str = "unit_value_usd_per_kg") -> pl.LazyFrame:
    """Add ``alias`` = value_with_weight_usd / net_weight_kg (null without a positive weight and value)."""
    weight, value = pl.col("net_weight_kg"), pl.col("value_with_weight_usd")
    return frame.with_columns(
        pl.when((weight > 0) & (value > 0)).then(safe_div(value, weight)).alias(alias)
    )


def relative_unit_value(frame: pl.LazyFrame, key: list[str] | None = None,
                        uv: str = "unit_value_usd_per_kg") -> pl.LazyFrame:
    """Add ``competitors_median_uv_usd_per_kg`` and ``relative_unit_value`` per (group, market, period)."""
    key = key or ["group", "market", "period"]
    others = frame.select(*key, pl.col("exporter").alias("_other"), pl.col(uv).alias("_other_uv")).filter(
        pl.col("_other_uv").is_not_null()
    )
    medians = (
        frame.select(*key, "exporter")
        .join(others, on=key, how="inner")
        .filter(pl.col("_other") != pl.col("exporter"))
        .group_by(*key, "exporter")
        .agg(pl.col("_other_uv").median().alias("competitors_median_uv_usd_per_kg"))
    )
    return frame.join(medians, on=[*key, "exporter"], how="left").with_columns(
        relative_unit_value=safe_div(pl.col(uv), pl.col("competitors_median_uv_usd_per_kg"))
    )
