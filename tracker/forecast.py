"""Monthly demand forecasts: additive Holt-Winters with a damped trend on log values, and its backtest.

Model. ETS(A,Ad,A) on ``log1p`` of a market's monthly imports of a group: level, damped trend and a 12-month
seasonal pattern, all additive in logs (multiplicative in US dollars, so a seasonal swing scales with the
market). The smoothing parameters (α level, β trend, γ seasonal, φ damping) are estimated by statsmodels'
``ExponentialSmoothing`` (least squares), once per product group on the log of the group's total over the
markets, on the months before the first backtest origin, from the same starting values ``smooth`` computes
(``initial_state``, passed as known), so the parameters fit the recursion they are used in. Each market's
series is then run through the same recursion with those parameters (``smooth``): fitting each of ~1,000
series separately would cost seconds each refresh for little gain, and the pooled parameters keep the
backtest out of sample.

Intervals. The ETS class-1 forecast variance σ²·(1 + Σ_{j<h} c_j²), c_j = α(1 + βφ_j) + γ·[j divisible by 12],
φ_j = φ + … + φʲ (Hyndman et al., *Forecasting with Exponential Smoothing*, 2008, ch. 6), with σ² the series'
own one-step residual variance; the normal quantiles are mapped back with ``expm1``: the point forecast is the
median, the bands are asymmetric in dollars and widen with the horizon.

Backtest. Rolling origins 12, 9, 6 and 3 months before a series' end; from each, forecasts up to 12 months
ahead (as far as the data goes) against a seasonal-naive forecast (the same month a year earlier). The model
beats seasonal-naive when its mean absolute error over all those forecasts is lower.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

SEASON = 12
HORIZON = 12
MIN_HISTORY_MONTHS = 24  # two seasonal cycles: less cannot separate the seasonal pattern from the trend
MIN_BACKTEST_MONTHS = MIN_HISTORY_MONTHS + 3  # the earliest origin needs two cycles before it
BACKTEST_ORIGINS = (12, 9, 6, 3)  # months before the end of the series
Z80, Z95 = 1.2815515655446004, 1.959963984540054
NOT_ENOUGH_HISTORY = "not enough history"
MODEL_NAME = "ETS(A,Ad,A) on log values (statsmodels Holt-Winters parameters per group)"


@dataclass(frozen=True)
class Smoothing:
    """Holt-Winters parameters in statsmodels' form, and whether the optimiser reported convergence."""

    level: float
    trend: float
    seasonal: float
    damping: float
    converged: bool = True


DEFAULT_SMOOTHING = Smoothing(level=0.3, trend=0.05, seasonal=0.1, damping=0.9, converged=False)


@dataclass(frozen=True)
class Forecast:
    """``horizon`` median forecasts in the series' units and their 80 % and 95 % bands."""

    median: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray


def fit_smoothing(values: np.ndarray, max_evaluations: int | None = None) -> Smoothing:
    """Estimate the parameters on a (pooled) monthly series with statsmodels.

    A ConvergenceWarning is caught here, where the fit happens, and recorded as ``converged=False``; any other
    warning is re-raised. A series too short for two seasonal cycles gets ``DEFAULT_SMOOTHING``.
    ``max_evaluations`` caps the optimiser's function evaluations (None: scipy's default).
    """
    logs = np.log1p(np.clip(np.asarray(values, dtype=float), 0, None))
    if logs.size < 2 * SEASON:
        return DEFAULT_SMOOTHING
    # Imported here, where a fit happens: statsmodels takes 2.5 s to import, which every process that only
    # needs the metric tables' schemas (the app, exports, a start on a current store) would otherwise pay.
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    level, trend, seasonal = initial_state(logs[None, :])  # the starting values ``smooth`` will use
    model = ExponentialSmoothing(logs, trend="add", damped_trend=True, seasonal="add", seasonal_periods=SEASON,
                                 initialization_method="known", initial_level=level[0], initial_trend=trend[0],
                                 initial_seasonal=seasonal[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        limit = {"max_nfev": max_evaluations} if max_evaluations else None
        # use_brute=False: the brute-force grid of starting values cost 60 % of the fit for no better forecasts
        result = model.fit(method="least_squares", use_brute=False, minimize_kwargs=limit)
    for warning in caught:
        if not issubclass(warning.category, ConvergenceWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    params = result.params
    parameters = [float(params[name]) for name in
                  ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")]
    if not all(math.isfinite(value) for value in parameters):
        return DEFAULT_SMOOTHING
    alpha, beta, gamma, phi = parameters
    return Smoothing(alpha, beta, gamma, phi, converged)


@dataclass(frozen=True)
class _State:
    """Per series (first axis): the state after the last month and the one-step residual spread."""

    level: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray  # (series, 12), indexed by position in the series modulo 12
    sigma: np.ndarray


def initial_state(logs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Level, trend and seasonal starting values per series (rows), from the months given (never later ones):
    a straight line fitted to the logs by least squares gives the level just before the first month and the
    trend; the seasonal values are the line's residuals averaged per calendar position over the complete years,
    centred. Averaging over every year matters: with a small seasonal smoothing weight the starting pattern is
    the pattern, and a single year's would carry that year's noise forever."""
    months = logs.shape[1]
    t = np.arange(1, months + 1, dtype=float)
    t_mean, y_mean = t.mean(), logs.mean(axis=1)
    trend = ((logs - y_mean[:, None]) * (t - t_mean)).sum(axis=1) / ((t - t_mean) ** 2).sum()
    level = y_mean - trend * t_mean  # at t = 0, just before the first month
    residuals = logs - (level[:, None] + trend[:, None] * t)
    whole = months - months % SEASON
    seasonal = residuals[:, :whole].reshape(logs.shape[0], -1, SEASON).mean(axis=1)
    return level, trend, seasonal - seasonal.mean(axis=1, keepdims=True)


def smooth(logs: np.ndarray, smoothing: Smoothing,
           start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> _State:
    """Run the Holt-Winters recursion (statsmodels' additive damped form) through each row of ``logs``
    (series × months, all of one length), all rows at once."""
    level, trend, seasonal = start if start is not None else initial_state(logs)
    level, trend, seasonal = np.array(level, float), np.array(trend, float), np.array(seasonal, float)
    alpha, beta, gamma, phi = smoothing.level, smoothing.trend, smoothing.seasonal, smoothing.damping
    errors: np.ndarray = np.empty(logs.shape)
    for t in range(logs.shape[1]):
        value, season = logs[:, t], seasonal[:, t % SEASON]
        errors[:, t] = value - (level + phi * trend + season)
        new_level = alpha * (value - season) + (1 - alpha) * (level + phi * trend)
        seasonal[:, t % SEASON] = gamma * (value - level - phi * trend) + (1 - gamma) * season
        trend = beta * (new_level - level) + (1 - beta) * phi * trend
        level = new_level
    burned = errors[:, SEASON:] if errors.shape[1] > SEASON else errors
    return _State(level, trend, seasonal, np.sqrt(np.mean(burned ** 2, axis=1)))


def forecast(state: _State, smoothing: Smoothing, start: int, horizon: int = HORIZON) -> Forecast:
    """Median forecasts and 80/95 % bands (series × horizon) for the months after series of ``start`` months."""
    alpha, beta, gamma, phi = smoothing.level, smoothing.trend, smoothing.seasonal, smoothing.damping
    steps = np.arange(1, horizon + 1)
    damped = np.cumsum(phi ** steps)  # φ_h = φ + … + φʰ
    seasonal = state.seasonal[:, (start + steps - 1) % SEASON]
    centre = state.level[:, None] + damped[None, :] * state.trend[:, None] + seasonal
    c = alpha * (1 + beta * damped) + gamma * (steps % SEASON == 0)  # c_j for j = 1 … horizon
    spread = state.sigma[:, None] * np.sqrt(1 + np.concatenate([[0.0], np.cumsum(c[:-1] ** 2)]))[None, :]

    def dollars(logs: np.ndarray) -> np.ndarray:
        return np.clip(np.expm1(logs), 0, None)  # type: ignore[no-any-return]

    return Forecast(dollars(centre), dollars(centre - Z80 * spread), dollars(centre + Z80 * spread),
                    dollars(centre - Z95 * spread), dollars(centre + Z95 * spread))


def forecast_series(values: np.ndarray, smoothing: Smoothing, horizon: int = HORIZON) -> Forecast:
    """Forecast the months after each row of ``values`` (complete monthly series of one length, oldest first)."""
    logs = np.log1p(np.clip(np.atleast_2d(np.asarray(values, dtype=float)), 0, None))
    return forecast(smooth(logs, smoothing), smoothing, logs.shape[1], horizon)


@dataclass(frozen=True)
class Backtest:
    """Per series: mean absolute errors of the model and of seasonal-naive over the same rolling-origin
    forecasts, and how many forecasts that is."""

    model_mae: np.ndarray
    naive_mae: np.ndarray
    forecasts: int

    @property
    def beats_seasonal_naive(self) -> np.ndarray:
        return self.model_mae < self.naive_mae


def backtest(values: np.ndarray, smoothing: Smoothing) -> Backtest | None:
    """Rolling-origin comparison with seasonal-naive for each row of ``values``; None when the series are too
    short for one origin (``MIN_HISTORY_MONTHS`` before it)."""
    values = np.atleast_2d(np.asarray(values, dtype=float))
    model_errors: list[np.ndarray] = []
    naive_errors: list[np.ndarray] = []
    for back in BACKTEST_ORIGINS:
        origin = values.shape[1] - back
        if origin < MIN_HISTORY_MONTHS:
            continue
        actual = values[:, origin:origin + HORIZON]
        predicted = forecast_series(values[:, :origin], smoothing, actual.shape[1]).median
        model_errors.append(np.abs(actual - predicted))
        naive_errors.append(np.abs(actual - values[:, origin - SEASON:origin - SEASON + actual.shape[1]]))
    if not model_errors:
        return None
    model, naive = np.concatenate(model_errors, axis=1), np.concatenate(naive_errors, axis=1)
    return Backtest(model.mean(axis=1), naive.mean(axis=1), int(model.shape[1]))
