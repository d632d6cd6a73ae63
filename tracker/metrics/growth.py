"""Export value and momentum: year-on-year growth and compound annual growth over n years.

g_t = x_t / x_{t−1} − 1 ;  CAGR_n = (x_t / x_{t−n})^(1/n) − 1. Monthly rows compare with the same month a year
earlier. Undefined when the base is 0, negative or missing (the exporter was absent that year): null, never inf.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import finite, growth_rate, with_earlier


def growth_yoy(frame: pl.LazyFrame, key: list[str], value: str = "export_value_usd",
               alias: str = "growth_yoy") -> pl.LazyFrame:
    """Add ``alias``: growth of ``value`` over the same key one year earlier."""
    return (
        with_earlier(frame, key, [value], 1, "_g1")
        .with_columns(growth_rate(pl.col(value), pl.col(f"{value}_g1")).alias(alias))
        .drop(f"{value}_g1")
    )


def compound_annual_growth(frame: pl.LazyFrame, key: list[str], years: int, value: str = "export_value_usd",
                           alias: str | None = None) -> pl.LazyFrame:
    """Add ``alias`` (default ``cagr_<n>y``): compound annual growth of ``value`` over ``years`` years."""
    alias = alias or f"cagr_{years}y"
    base = pl.col(f"{value}_gn")
    ratio = pl.col(value) / base
    cagr = pl.when((base > 0) & (pl.col(value) >= 0)).then(finite(ratio.pow(1.0 / years) - 1)).otherwise(None)
    return with_earlier(frame, key, [value], years, "_gn").with_columns(cagr.alias(alias)).drop(f"{value}_gn")
