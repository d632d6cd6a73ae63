"""Demand forecasts per product group and market (model in ``tracker.forecast``) and the nowcast tables, as
the frames ``compute_tables`` materialises with the other metric tables.

Input series: each market's monthly imports of the group from the world (``market_imports_usd`` of
``group_market_monthly``), one value per month. A series needs ``MIN_HISTORY_MONTHS`` (24) months from its
first to its last month; a shorter one gets the note "not enough history" and no forecast rows. Months missing
inside a series are filled by linear interpolation of the log values (counted in ``gap_months``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tracker.config import Config
from tracker.forecast import (
    HORIZON,
    MIN_HISTORY_MONTHS,
    MODEL_NAME,
    NOT_ENOUGH_HISTORY,
    SEASON,
    Smoothing,
    backtest,
    fit_smoothing,
    forecast_series,
)
from tracker.metrics.nowcast import group_nowcast, nowcast_backtest
from tracker.schemas import TableSchema
from tracker.tables import GROUP_DEMAND, GROUP_FORECAST

F64, I32, STR, BOOL = pl.Float64(), pl.Int32(), pl.String(), pl.Boolean()


def _month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def _period(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def monthly_series(monthly: pl.LazyFrame) -> pl.DataFrame:
    """One row per group, market and month: the market's imports of the group from the world."""
    return (
        monthly.filter(pl.col("market_imports_usd").is_not_null())
        .group_by("group", "market", "period")
        .agg(pl.col("market_imports_usd").first(),  # the same on every exporter's row of the month
             pl.col("sources").str.split(",").explode().unique().sort().str.join(","),  # deterministic: all
             pl.col("newest_fetch").max())
        .sort("group", "market", "period")
        .collect()
    )


def _complete(periods: list[str], values: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The series on every month from its first to its last (gaps log-linearly interpolated); first index, gaps."""
    index = np.array([_month_index(p) for p in periods])
    first = int(index[0])
    full = np.arange(first, int(index[-1]) + 1)
    logs = np.interp(full, index, np.log1p(np.clip(values, 0, None)))
    return np.expm1(logs), first, int(full.size - index.size)


def _group_smoothing(series: dict[str, tuple[np.ndarray, int]]) -> Smoothing:
    """Parameters fitted on the group's total over the markets whose series span the months they all cover
    (else the longest series alone), without its last 12 months: the backtest origins stay out of sample."""
    long = [(values, first) for values, first in series.values() if values.size >= MIN_HISTORY_MONTHS]
    if not long:
        return fit_smoothing(np.array([]))
    start = max(first for _, first in long)
    end = min(first + values.size for values, first in long)  # exclusive
    if end - start >= MIN_HISTORY_MONTHS + HORIZON:
        total = np.sum([values[start - first:end - first] for values, first in long], axis=0)
    else:
        total = max(long, key=lambda item: item[0].size)[0]
    return fit_smoothing(total[:-HORIZON])


def demand_forecasts(monthly: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(group_forecast rows, group_demand rows) from group_market_monthly's market imports."""
    rows = monthly_series(monthly)
    forecasts: list[dict[str, object]] = []
    demand: list[dict[str, object]] = []
    for (group,), by_group in rows.partition_by("group", as_dict=True, maintain_order=True).items():
        series: dict[str, tuple[np.ndarray, int]] = {}
        gaps: dict[str, int] = {}
        provenance: dict[str, tuple[str, object]] = {}
        for (market,), one in by_group.partition_by("market", as_dict=True, maintain_order=True).items():
            values, first, gaps[market] = _complete(one["period"].to_list(),
                                                   one["market_imports_usd"].to_numpy().astype(float))
            series[market] = (values, first)
            names = sorted({s for text in one["sources"].drop_nulls() for s in text.split(",")})
            provenance[market] = (",".join(names), one["newest_fetch"].max())
        smoothing = _group_smoothing(series)
        by_length: dict[int, list[str]] = {}  # series of one length run through the recursion together
        for market, (values, _) in series.items():
            by_length.setdefault(values.size, []).append(market)
        for size, markets in by_length.items():
            stack = np.vstack([series[market][0] for market in markets])
            result = forecast_series(stack, smoothing) if size >= MIN_HISTORY_MONTHS else None
            tested = backtest(stack, smoothing) if result is not None else None
            for index, market in enumerate(markets):
                values, first = series[market]
                sources, newest = provenance[market]
                common = {"group": group, "market": market, "provenance": "estimated", "sources": sources,
                          "newest_fetch": newest}
                last_12m = float(values[-SEASON:].sum()) if size >= SEASON else None
                row = {**common, "forecast_start": _period(first + size), "history_months": size,
                       "gap_months": gaps[market], "last_12m_usd": last_12m}
                if result is None:
                    demand.append({**row, "model": "none", "note": NOT_ENOUGH_HISTORY})
                    continue
                next_12m = float(result.median[index].sum())
                demand.append({
                    **row, "next_12m_usd": next_12m, "model": MODEL_NAME, "converged": smoothing.converged,
                    "expected_growth": next_12m / last_12m - 1 if last_12m else None,
                    "beats_seasonal_naive": bool(tested.beats_seasonal_naive[index]) if tested else None,
                    "model_mae_usd": float(tested.model_mae[index]) if tested else None,
                    "naive_mae_usd": float(tested.naive_mae[index]) if tested else None,
                    "backtest_forecasts": tested.forecasts if tested else None,
                })
                bands = zip(result.median[index], result.lo80[index], result.hi80[index], result.lo95[index],
                            result.hi95[index], strict=True)
                for step, (median, lo80, hi80, lo95, hi95) in enumerate(bands):
                    forecasts.append({
                        **common, "period": _period(first + size + step), "horizon": step + 1,
                        "forecast_usd": float(median), "lo80_usd": float(lo80), "hi80_usd": float(hi80),
                        "lo95_usd": float(lo95), "hi95_usd": float(hi95),
                    })
    return _frame(forecasts, GROUP_FORECAST), _frame(demand, GROUP_DEMAND)


def _frame(rows: list[dict[str, object]], schema: TableSchema) -> pl.LazyFrame:
    columns = {c.name: c.dtype for c in schema.columns if c.name != "sample"}
    return pl.DataFrame(rows, schema=columns).lazy()


def demand_frames(flows: pl.LazyFrame, monthly: pl.LazyFrame, config: Config) -> dict[str, pl.LazyFrame]:
    """Every table of this module and ``nowcast``: group-level flows and the materialised monthly table in."""
    home, factor = config.scope.home_exporter, config.scope.cif_fob_factor
    forecast, demand = demand_forecasts(monthly)
    return {
        "group_nowcast": group_nowcast(flows, home, factor),
        "group_nowcast_backtest": nowcast_backtest(flows, home, factor),
        "group_forecast": forecast,
        "group_demand": demand,
    }
