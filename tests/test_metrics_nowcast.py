"""Mirror-based monthly nowcast: Denton benchmarking, a hand-worked three-market case, the backtest."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.optimize import minimize

from tests.conftest import trade_rows
from tracker.metrics.groups import group_flows
from tracker.metrics.nowcast import denton_proportional, group_nowcast, nowcast_backtest

GROUPS = {"toys": ["9503"]}
YEARS = np.repeat([2022, 2023, 2024], 12)


def _indicator(seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    season = np.array([0.8, 0.7, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.2, 1.1])
    return 100 * np.tile(season, 3) * rng.lognormal(0, 0.1, 36)


def test_denton_benchmarked_months_add_up_to_annual_totals() -> None:
    indicator = _indicator()
    totals = {2022: 1500.0, 2023: 1100.0}  # far from the indicator's sums (about 1,200 a year)
    values, benchmarked = denton_proportional(indicator, YEARS, totals)
    for year, total in totals.items():
        assert values[year == YEARS].sum() == pytest.approx(total, rel=1e-10)
    assert benchmarked.tolist() == [True] * 24 + [False] * 12
    # 2024 has no total: its months keep the last benchmarked month's ratio
    last_ratio = values[23] / indicator[23]
    np.testing.assert_allclose(values[24:], indicator[24:] * last_ratio, rtol=1e-12)


def test_denton_unchanged_annual_total_keeps_the_partner_movement() -> None:
    indicator = _indicator()
    same = {year: float(indicator[year == YEARS].sum()) for year in (2022, 2023, 2024)}
    values, _ = denton_proportional(indicator, YEARS, same)
    np.testing.assert_allclose(values, indicator, rtol=1e-10)
    scaled, _ = denton_proportional(indicator, YEARS, {year: 1.1 * total for year, total in same.items()})
    np.testing.assert_allclose(scaled[1:] / scaled[:-1], indicator[1:] / indicator[:-1], rtol=1e-10)


def test_denton_equals_a_numerical_minimisation_of_the_same_problem() -> None:
    """A second method: SLSQP on min Σ(r_t − r_{t−1})² subject to the annual sums."""
    indicator = _indicator(9)[:24]
    years = YEARS[:24]
    totals = {2022: 1400.0, 2023: 1000.0}
    values, _ = denton_proportional(indicator, years, totals)
    constraints = [{"type": "eq", "fun": lambda r, y=y: (indicator * r)[years == y].sum() - totals[y]}
                   for y in totals]
    found = minimize(lambda r: np.sum(np.diff(r) ** 2), np.ones(24), constraints=constraints, method="SLSQP",
                     options={"ftol": 1e-14, "maxiter": 500})
    np.testing.assert_allclose(values, indicator * found.x, rtol=1e-5)


def test_denton_partial_year_is_not_a_benchmark() -> None:
    indicator = np.full(15, 10.0)
    years = np.array([2023] * 12 + [2024] * 3)
    values, benchmarked = denton_proportional(indicator, years, {2023: 240.0, 2024: 1000.0})
    assert benchmarked.tolist() == [True] * 12 + [False] * 3
    np.testing.assert_allclose(values, 20.0)  # 2024's total covers 12 months, not these three


def _three_markets() -> pl.DataFrame:
    """USA: CIF 106 a month, CHN reports exports of 1,320 to it in 2023 (ratio 1.1 over the FOB 100).
    DEU: CIF 53 a month, its own annual record 636 (FOB 600: ratio 1). JPN: CIF 21.2 a month, no annual total.
    2024: USA and DEU report January only (USA 212 CIF); JPN nothing."""
    rows: list[dict[str, object]] = []
    for month in range(1, 13):
        period = f"2023-{month:02d}"
        rows += [{"reporter": "USA", "period": period, "value_usd": 106.0},
                 {"reporter": "DEU", "period": period, "value_usd": 53.0, "source": "comext"},
                 {"reporter": "JPN", "period": period, "value_usd": 21.2}]
    rows += [{"reporter": "USA", "period": "2024-01", "value_usd": 212.0},
             {"reporter": "DEU", "period": "2024-01", "value_usd": 53.0}]
    rows += [{"flow": "export", "reporter": "CHN", "partner": "USA", "period": "2023", "value_usd": 1320.0,
              "source": "comtrade"},
             {"reporter": "DEU", "period": "2023", "value_usd": 636.0, "source": "comext"}]
    frames = [trade_rows([row], source=str(row.pop("source", "census"))) for row in rows]
    return pl.concat(frames)


def test_group_nowcast_hand_worked_three_markets() -> None:
    flows = group_flows(_three_markets().lazy(), GROUPS)
    frame = group_nowcast(flows, "CHN", 1.06).collect()
    value = {(m, p): v for m, p, v in frame.select("market", "period", "nowcast_value_usd").iter_rows()}
    assert value[("USA", "2023-05")] == pytest.approx(110.0)  # 106 / 1.06 × 1.1
    assert value[("DEU", "2023-05")] == pytest.approx(50.0)
    assert value[("JPN", "2023-05")] == pytest.approx(20.0)  # no total: the indicator itself
    assert value[("USA", "2024-01")] == pytest.approx(220.0)  # 2024 extrapolated with 2023's ratio
    assert value[("WLD", "2023-05")] == pytest.approx(180.0)
    assert value[("WLD", "2024-01")] == pytest.approx(270.0)
    world = frame.filter(pl.col("market") == "WLD").sort("period")
    assert world.get_column("markets_covered").to_list() == [3] * 12 + [2]
    # WLD growth over the markets present in both Januaries: (220 + 50) / (110 + 50) − 1
    assert world.row(12, named=True)["yoy_growth"] == pytest.approx(270 / 160 - 1)
    assert world.row(0, named=True)["yoy_growth"] is None
    usa = frame.filter(pl.col("market") == "USA").sort("period")
    assert usa.get_column("benchmarked").to_list() == [True] * 12 + [False]
    assert usa.row(12, named=True)["yoy_growth"] == pytest.approx(1.0)
    sources = dict(frame.group_by("market").agg(pl.col("benchmark_source").unique()).iter_rows())
    assert sorted(sources["USA"]) == ["none", "reported"]
    assert sorted(sources["DEU"]) == ["mirror", "none"]
    assert sources["JPN"] == ["none"]
    assert frame.get_column("provenance").unique().to_list() == ["estimated"]
    assert frame.get_column("exporter").unique().to_list() == ["CHN"]
    # months add up to the year wherever a total exists
    usa_2023 = usa.filter(pl.col("year") == 2023).get_column("nowcast_value_usd").sum()
    assert usa_2023 == pytest.approx(1320.0)


def test_nowcast_backtest_mape_against_the_reported_exports() -> None:
    flows = group_flows(_three_markets().lazy(), GROUPS)
    backtest = nowcast_backtest(flows, "CHN", 1.06).collect()
    assert backtest.height == 1
    row = backtest.row(0, named=True)
    # only USA 2023 has both 12 monthly indicators (1,200 FOB) and a reported total (1,320)
    assert (row["market_years"], row["markets"], row["first_year"], row["last_year"]) == (1, 1, 2023, 2023)
    assert row["mape"] == pytest.approx(120 / 1320)
    assert row["bias"] == pytest.approx(-120 / 1320)
    assert row["provenance"] == "estimated"
    assert row["sources"] == "census,comtrade"


def test_nowcast_and_forecast_invariants_on_the_sample_store(metrics_store, config) -> None:
    """On the sample store: WLD is the sum of its markets, the home market is never one, the months after the
    last annual year are estimates, and every forecast's bands nest around it."""
    from tracker.store import Store

    store = Store(metrics_store)
    nowcast = store.scan("group_nowcast").collect()
    home = config.scope.home_exporter
    assert set(nowcast["provenance"]) == {"estimated"} and home not in set(nowcast["market"])
    markets = nowcast.filter(pl.col("market") != "WLD").group_by("group", "period").agg(
        pl.col("nowcast_value_usd").sum().alias("markets"), pl.len().alias("count"))
    world = nowcast.filter(pl.col("market") == "WLD").join(markets, on=["group", "period"])
    assert world.height == nowcast.filter(pl.col("market") == "WLD").height > 0
    np.testing.assert_allclose(world["nowcast_value_usd"], world["markets"], rtol=1e-9)
    assert (world["markets_covered"] == world["count"]).all()
    last_annual = config.scope.last_year
    assert not nowcast.filter(pl.col("year") > last_annual)["benchmarked"].any()
    assert nowcast.filter(pl.col("year") > last_annual).height > 0, "the sample runs past the annual figures"
    backtest = store.scan("group_nowcast_backtest").collect()
    assert backtest.height == len(config.groups) and (backtest["mape"] >= 0).all()
    forecast = store.scan("group_forecast").collect()
    ordered = forecast.select(
        (pl.col("lo95_usd") <= pl.col("lo80_usd")) & (pl.col("lo80_usd") <= pl.col("forecast_usd"))
        & (pl.col("forecast_usd") <= pl.col("hi80_usd")) & (pl.col("hi80_usd") <= pl.col("hi95_usd"))
    ).to_series()
    assert forecast.height > 0 and ordered.all()
    demand = store.scan("group_demand").collect().filter(pl.col("note").is_null())
    sums = forecast.group_by("group", "market").agg(pl.col("forecast_usd").sum().alias("sum"))
    joined = demand.join(sums, on=["group", "market"])
    assert joined.height == demand.height
    np.testing.assert_allclose(joined["next_12m_usd"], joined["sum"], rtol=1e-9)
