"""Demand forecasts: the model against seasonal-naive, intervals, short series, the statsmodels recursion."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from tracker.forecast import (
    NOT_ENOUGH_HISTORY,
    Smoothing,
    backtest,
    fit_smoothing,
    forecast,
    forecast_series,
    initial_state,
    smooth,
)
from tracker.metrics.demand import demand_forecasts

SEASON = np.array([0.8, 0.7, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.2, 1.1])


def seasonal_series(months: int, seed: int = 11, growth: float = 0.12, noise: float = 0.04) -> np.ndarray:
    """Seasonal monthly imports growing ``growth`` a year with lognormal noise (seeded)."""
    rng = np.random.default_rng(seed)
    return 5e6 * np.resize(SEASON, months) * (1 + growth) ** (np.arange(months) / 12) * rng.lognormal(0, noise,
                                                                                                      months)


def test_forecast_beats_seasonal_naive_on_held_out_months() -> None:
    values = seasonal_series(60)
    train, held_out = values[:48], values[48:]
    smoothing = fit_smoothing(train)
    predicted = forecast_series(train, smoothing).median[0]
    naive = train[-12:]
    model_error = np.abs(held_out - predicted).mean()
    naive_error = np.abs(held_out - naive).mean()
    assert model_error < 0.7 * naive_error  # the naive forecast misses a year of 12 % growth
    # the rolling-origin backtest reaches the same verdict
    tested = backtest(values, fit_smoothing(values[:48]))
    assert tested is not None and tested.forecasts == 12 + 9 + 6 + 3  # origins 12, 9, 6 and 3 months back
    assert bool(tested.beats_seasonal_naive[0])


def test_forecast_intervals_nest_and_widen_with_the_horizon() -> None:
    values = seasonal_series(48, seed=3, noise=0.08)
    result = forecast_series(values, Smoothing(level=0.4, trend=0.1, seasonal=0.2, damping=0.9))
    lo95, lo80, median, hi80, hi95 = (band[0] for band in (result.lo95, result.lo80, result.median, result.hi80,
                                                           result.hi95))
    assert np.all(lo95 < lo80) and np.all(lo80 < median) and np.all(median < hi80) and np.all(hi80 < hi95)
    log_width = np.log(hi95) - np.log(lo95)  # in logs the band is symmetric and grows with the variance
    assert np.all(np.diff(log_width) > 0)
    assert np.all(np.diff(np.log(hi80) - np.log(lo80)) > 0)


def test_forecast_recursion_equals_statsmodels_with_the_same_parameters() -> None:
    logs = np.log1p(seasonal_series(40, seed=8))
    smoothing = Smoothing(level=0.35, trend=0.1, seasonal=0.2, damping=0.92)
    level, trend, seasonal = initial_state(logs[None, :])
    ours = forecast(smooth(logs[None, :], smoothing), smoothing, logs.size).median[0]
    model = ExponentialSmoothing(logs, trend="add", damped_trend=True, seasonal="add", seasonal_periods=12,
                                 initialization_method="known", initial_level=level[0], initial_trend=trend[0],
                                 initial_seasonal=seasonal[0])
    theirs = np.expm1(model.fit(smoothing_level=0.35, smoothing_trend=0.1, smoothing_seasonal=0.2,
                                damping_trend=0.92, optimized=False).forecast(11))
    np.testing.assert_allclose(ours[:11], theirs, rtol=1e-9)


def _monthly(series: dict[str, np.ndarray], first: str = "2022-01") -> pl.LazyFrame:
    start = int(first[:4]) * 12 + int(first[5:]) - 1
    rows = [
        {"group": "toys", "market": market, "period": f"{(start + i) // 12}-{(start + i) % 12 + 1:02d}",
         "market_imports_usd": float(value), "sources": "census",
         "newest_fetch": datetime(2025, 6, 1, tzinfo=UTC)}
        for market, values in series.items() for i, value in enumerate(values)
    ]
    return pl.DataFrame(rows).lazy()


def test_demand_forecasts_short_series_gets_the_note_and_no_forecast_rows() -> None:
    forecasts, demand = demand_forecasts(_monthly({"USA": seasonal_series(36), "DEU": seasonal_series(20)}))
    forecasts, demand = forecasts.collect(), demand.collect()
    short = demand.filter(pl.col("market") == "DEU").row(0, named=True)
    assert short["note"] == NOT_ENOUGH_HISTORY
    assert short["next_12m_usd"] is None and short["expected_growth"] is None
    assert short["beats_seasonal_naive"] is None and short["model"] == "none"
    assert forecasts.filter(pl.col("market") == "DEU").is_empty()
    usa = forecasts.filter(pl.col("market") == "USA").sort("horizon")
    assert usa.get_column("horizon").to_list() == list(range(1, 13))
    assert usa.get_column("period").to_list()[:2] == ["2025-01", "2025-02"]
    row = demand.filter(pl.col("market") == "USA").row(0, named=True)
    assert row["note"] is None and row["forecast_start"] == "2025-01" and row["history_months"] == 36
    assert row["next_12m_usd"] == pytest.approx(usa.get_column("forecast_usd").sum())
    assert row["expected_growth"] == pytest.approx(row["next_12m_usd"] / row["last_12m_usd"] - 1)
    assert row["last_12m_usd"] == pytest.approx(seasonal_series(36)[-12:].sum())
    assert isinstance(row["beats_seasonal_naive"], bool)


def test_demand_forecasts_fill_a_missing_month_and_count_it() -> None:
    values = seasonal_series(36)
    frame = _monthly({"USA": values}).collect().filter(pl.col("period") != "2023-06")
    _, demand = demand_forecasts(frame.lazy())
    row = demand.collect().row(0, named=True)
    assert (row["history_months"], row["gap_months"]) == (36, 1)


def test_fit_smoothing_records_non_convergence_without_a_warning() -> None:
    """An optimiser stopped after two evaluations: statsmodels warns (ConvergenceWarning); the fit records it
    as converged=False and lets no warning out (pytest turns any warning into an error)."""
    values = seasonal_series(48)
    assert not fit_smoothing(values, max_evaluations=2).converged
    assert fit_smoothing(values).converged
