"""Market concentration of an exporter's sales: Herfindahl–Hirschman index over its markets.

H = Σ_m s_m², s_m = market m's share of i's exports of the group (the markets' recorded imports from i).
Normalised H* = (H − 1/N)/(1 − 1/N) with N = markets with positive sales; 0 = spread evenly, 1 = one market.
With a single market H = 1 and H* is undefined (0/0): null.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import safe_div


def market_concentration(suppliers: pl.LazyFrame, key: list[str] | None = None,
                         value: str = "export_value_usd") -> pl.LazyFrame:
    """One row per ``key`` (default group, exporter, period) with ``hhi_markets``, ``hhi_markets_normalised``,
    ``markets_served``."""
    key = key or ["group", "exporter", "period"]
    positive = suppliers.filter(pl.col(value) > 0)
    share = pl.col(value) / pl.col(value).sum()
    summary = positive.group_by(key).agg(
        (share * share).sum().alias("hhi_markets"), pl.len().cast(pl.Int32).alias("markets_served")
    )
    n = pl.col("markets_served").cast(pl.Float64)
    normalised = pl.when(n > 1).then(safe_div(pl.col("hhi_markets") - 1 / n, 1 - 1 / n))
    return summary.with_columns(hhi_markets_normalised=normalised)
