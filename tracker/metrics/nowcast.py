"""Mirror-based monthly nowcast of the home exporter's exports, by product group and market (IMF WP/18/16).

The exporter's own figures by product and partner arrive a year or more late; its markets publish their
imports from it monthly (Census, Comext, Comtrade monthly). Three steps:

1. **Indicator.** Each market's monthly imports of the group from the home exporter (trade rows with
   frequency ``M``, CIF as the market records them) divided by the CIF/FOB factor (``scope.cif_fob_factor``,
   default 1.06) give a monthly FOB indicator.
2. **Benchmarks.** A year's annual total for the group and market: the exporter's own annual report of its
   exports to the market (FOB) where stored, else the market's annual imports from it divided by the factor.
   A year is a benchmark only when all 12 of its months have an indicator (and their sum is positive).
3. **Proportional first-difference Denton.** The benchmarked months ``x_t = r_t · i_t`` minimise
   ``Σ (r_t − r_{t−1})²`` subject to each benchmark year's months summing to its annual total: the ratio to
   the indicator moves as smoothly as possible, so the month-to-month movement of the partner series is kept
   (an unchanged annual total leaves it untouched). Months after the last benchmark year (the nowcast proper)
   and before the first keep the nearest benchmarked month's ratio; months of an unbenchmarked year between two
   benchmark years get the interpolated ratios the same minimisation gives them.

Every row is ``estimated``. A ``WLD`` row per group and month sums the markets covered that month
(``markets_covered``); its ``yoy_growth`` compares only markets present in both months, so a market entering
the coverage is not counted as growth. ``nowcast_backtest`` compares the unbenchmarked annual nowcast with the
exporter's reported annual exports to the same markets (MAPE per group).

Caveats (documented in docs/demand.md): shipping lags, re-exports through Hong Kong, Singapore and the
Netherlands, and partners that report late.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import polars as pl

from tracker.metrics._common import WORLD, with_earlier

F64, I32, STR, BOOL = pl.Float64(), pl.Int32(), pl.String(), pl.Boolean()
ESTIMATED = "estimated"
MONTHS = 12
SERIES_KEY = ["group", "market"]




def monthly_indicator(flows: pl.LazyFrame, home: str, cif_fob_factor: float) -> pl.LazyFrame:
    """The markets' monthly imports of each group from ``home``, as an FOB indicator (CIF / factor)."""
    return flows.filter(
        (pl.col("frequency") == "M") & (pl.col("flow") == "import") & (pl.col("partner") == home)
        & (pl.col("reporter") != home) & (pl.col("reporter") != WORLD)
    ).select(
        "group", pl.col("reporter").alias("market"), "period", "year",
        (pl.col("value_usd") / cif_fob_factor).alias("indicator_usd"), "sources", "newest_fetch",
    )


def _reported_annual(flows: pl.LazyFrame, home: str) -> pl.LazyFrame:
    """The exporter's own annual reports of its exports of each group to each market (FOB)."""
    return flows.filter(
        (pl.col("frequency") == "A") & (pl.col("flow") == "export") & (pl.col("reporter") == home)
        & (pl.col("partner") != WORLD) & (pl.col("partner") != home) & (pl.col("value_usd") > 0)
    ).select("group", pl.col("partner").alias("market"), "year", pl.col("value_usd").alias("annual_usd"),
             "sources", "newest_fetch")


def annual_benchmarks(flows: pl.LazyFrame, home: str, cif_fob_factor: float) -> pl.LazyFrame:
    """Annual totals per group, market and year: the exporter's report, else the market's imports / factor."""
    reported = _reported_annual(flows, home).with_columns(benchmark_source=pl.lit("reported"))
    mirror = flows.filter(
        (pl.col("frequency") == "A") & (pl.col("flow") == "import") & (pl.col("partner") == home)
        & (pl.col("reporter") != home) & (pl.col("reporter") != WORLD) & (pl.col("value_usd") > 0)
    ).select(
        "group", pl.col("reporter").alias("market"), "year",
        (pl.col("value_usd") / cif_fob_factor).alias("annual_usd"), "sources", "newest_fetch",
        benchmark_source=pl.lit("mirror"),
    )
    return pl.concat([reported, mirror.join(reported, on=[*SERIES_KEY, "year"], how="anti")])


def denton_proportional(indicator: np.ndarray, years: np.ndarray, totals: Mapping[int, float]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Proportional first-difference Denton: benchmarked values and the mask of constrained months.

    ``indicator`` and ``years`` are one series' months in order. A year constrains the solution when it has
    12 months with a positive indicator sum and a total in ``totals``. The ratios ``r = x / indicator``
    minimise Σ (r_t − r_{t−1})² subject to Σ_year indicator·r = total (a small KKT system, solved exactly);
    months outside the constrained span keep the nearest constrained month's ratio.
    """
    indicator = np.asarray(indicator, dtype=float)
    years = np.asarray(years)
    constrained = [year for year in sorted(totals)
                   if (years == year).sum() == MONTHS and indicator[years == year].sum() > 0]
    benchmarked = np.isin(years, constrained)
    if not constrained:
        return indicator.copy(), benchmarked
    where = np.flatnonzero(benchmarked)
    first, last = where[0], where[-1]
    span, span_years = indicator[first:last + 1], years[first:last + 1]
    size, count = span.size, len(constrained)
    difference = np.diff(np.eye(size), axis=0)
    sums = np.zeros((count, size))
    for row, year in enumerate(constrained):
        sums[row, span_years == year] = span[span_years == year]
    system = np.block([[2 * difference.T @ difference, sums.T], [sums, np.zeros((count, count))]])
    rhs = np.concatenate([np.zeros(size), [totals[year] for year in constrained]])
    try:
        ratio_span = np.linalg.solve(system, rhs)[:size]
    except np.linalg.LinAlgError:  # only with degenerate inputs; the least-squares solution is then the answer
        ratio_span = np.linalg.lstsq(system, rhs, rcond=None)[0][:size]
    ratio = np.concatenate([np.full(first, ratio_span[0]), ratio_span,
                            np.full(indicator.size - last - 1, ratio_span[-1])])
    return indicator * ratio, benchmarked


def _sources_joined() -> pl.Expr:
    """In an aggregation: the distinct sources of the rows' comma-separated lists, sorted, comma-separated."""
    return pl.col("sources").str.split(",").explode().unique().sort().str.join(",").alias("sources")


def _merged_sources(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One sorted, comma-separated sources string and the newest fetch per ``key``."""
    return frame.group_by(key).agg(_sources_joined(), pl.col("newest_fetch").max())


def group_nowcast(flows: pl.LazyFrame, home: str, cif_fob_factor: float) -> pl.LazyFrame:
    """The ``group_nowcast`` rows (before the table's finishing): one per group, market and month, plus WLD."""
    indicator = monthly_indicator(flows, home, cif_fob_factor).collect().sort([*SERIES_KEY, "period"])
    benchmarks = annual_benchmarks(flows, home, cif_fob_factor).collect()
    totals: dict[tuple[str, str], dict[int, tuple[float, str]]] = {}
    for group, market, year, total, source in benchmarks.select(
            *SERIES_KEY, "year", "annual_usd", "benchmark_source").iter_rows():
        totals.setdefault((group, market), {})[year] = (total, source)
    values, flags = [], []
    kinds: list[str] = []
    all_years, all_values = indicator["year"].to_numpy(), indicator["indicator_usd"].to_numpy()
    starts = indicator.select(pl.struct(SERIES_KEY).rle_id().alias("_series")).to_series().to_numpy()
    bounds = np.flatnonzero(np.diff(starts, prepend=-1, append=-1))  # where each series begins (and the end)
    for begin, end in itertools.pairwise(bounds.tolist()):
        group, market = indicator.row(begin)[:2]
        years = all_years[begin:end]
        known = totals.get((group, market), {})
        benchmarked_values, benchmarked = denton_proportional(
            all_values[begin:end], years, {year: total for year, (total, _) in known.items()})
        values.append(benchmarked_values)
        flags.append(benchmarked)
        kinds.extend(known[year][1] if flag else "none" for year, flag in zip(years, benchmarked, strict=True))
    estimated = indicator.with_columns(
        nowcast_value_usd=pl.Series(np.concatenate(values) if values else [], dtype=pl.Float64),
        benchmarked=pl.Series(np.concatenate(flags) if flags else [], dtype=pl.Boolean),
        benchmark_source=pl.Series(kinds, dtype=pl.String),
    )
    # Each row's sources: its month's and, when benchmarked, its year's total's.
    year_sources = benchmarks.select(*SERIES_KEY, "year", pl.col("sources").alias("_bs"),
                                     pl.col("newest_fetch").alias("_bf"))
    estimated = estimated.join(year_sources, on=[*SERIES_KEY, "year"], how="left").with_columns(
        sources=pl.when(pl.col("benchmarked")).then(
            pl.concat_str(["sources", "_bs"], separator=",").str.split(",").list.unique().list.sort().list.join(",")
        ).otherwise(pl.col("sources")),
        newest_fetch=pl.when(pl.col("benchmarked")).then(pl.max_horizontal("newest_fetch", "_bf"))
        .otherwise(pl.col("newest_fetch")),
    ).drop("_bs", "_bf")
    markets = with_earlier(estimated.lazy(), SERIES_KEY, ["nowcast_value_usd"]).collect()
    markets = markets.with_columns(markets_covered=pl.lit(1, pl.Int32))
    month_key = ["group", "period", "year"]
    world = markets.group_by(month_key).agg(
        pl.col("nowcast_value_usd").sum(), pl.col("indicator_usd").sum(),
        pl.col("benchmarked").all(),
        pl.when(pl.col("benchmark_source").n_unique() == 1).then(pl.col("benchmark_source").first())
        .otherwise(pl.lit("mixed")).alias("benchmark_source"),
        pl.len().cast(pl.Int32).alias("markets_covered"),
        pl.col("nowcast_value_usd").filter(pl.col("nowcast_value_usd_prev").is_not_null()).sum().alias("_now"),
        pl.col("nowcast_value_usd_prev").sum().alias("_prev"),
    ).join(_merged_sources(markets, month_key), on=month_key).with_columns(
        market=pl.lit(WORLD),
        yoy_growth=pl.when(pl.col("_prev") > 0).then(pl.col("_now") / pl.col("_prev") - 1),
    ).drop("_now", "_prev")
    markets = markets.with_columns(
        yoy_growth=pl.when(pl.col("nowcast_value_usd_prev") > 0)
        .then(pl.col("nowcast_value_usd") / pl.col("nowcast_value_usd_prev") - 1)
    ).drop("nowcast_value_usd_prev")
    frame = pl.concat([markets, world], how="diagonal_relaxed")
    return frame.lazy().with_columns(
        exporter=pl.lit(home),
        provenance=pl.lit(ESTIMATED),
        benchmark_ratio=pl.when(pl.col("indicator_usd") > 0)
        .then(pl.col("nowcast_value_usd") / pl.col("indicator_usd")),
    )


def nowcast_backtest(flows: pl.LazyFrame, home: str, cif_fob_factor: float) -> pl.LazyFrame:
    """MAPE per group of the unbenchmarked annual nowcast against the exporter's reported annual exports."""
    annual_nowcast = monthly_indicator(flows, home, cif_fob_factor).group_by([*SERIES_KEY, "year"]).agg(
        pl.col("indicator_usd").sum().alias("nowcast_usd"), pl.len().alias("months"),
        _sources_joined(), pl.col("newest_fetch").max(),
    ).filter(pl.col("months") == MONTHS)
    reported = _reported_annual(flows, home).select(
        *SERIES_KEY, "year", "annual_usd", pl.col("sources").alias("_rs"), pl.col("newest_fetch").alias("_rf"))
    pairs = annual_nowcast.join(reported, on=[*SERIES_KEY, "year"], how="inner").with_columns(
        error=(pl.col("nowcast_usd") - pl.col("annual_usd")) / pl.col("annual_usd"),
        sources=pl.concat_str(["sources", "_rs"], separator=","),
        newest_fetch=pl.max_horizontal("newest_fetch", "_rf"),
    )
    return pairs.group_by("group").agg(
        pl.col("year").min().cast(pl.Int32).alias("first_year"),
        pl.col("year").max().cast(pl.Int32).alias("last_year"),
        pl.len().cast(pl.Int32).alias("market_years"),
        pl.col("market").n_unique().cast(pl.Int32).alias("markets"),
        pl.col("error").abs().mean().alias("mape"),
        pl.col("error").mean().alias("bias"),
        _sources_joined(),
        pl.col("newest_fetch").max(),
    ).with_columns(exporter=pl.lit(home), provenance=pl.lit(ESTIMATED))

