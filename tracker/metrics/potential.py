"""Export potential in USD: ITC's Export Potential Indicator (Decreux & Spies 2016), per product group.

For exporter i, market j (never i), product group k and year t::

    EP_ijk = projected_share × re_export_factor × supply_tariff_factor          (supply)
           × projected_imports_usd × demand_tariff_factor                       (demand)
           × distance_factor × bilateral_factor                                 (ease of trade)

    projected_share       x_ik·ΔGDP_i / Σ_i' x_i'k·ΔGDP_i'   (i's projected share of world exports of k)
    re_export_factor      min(1, x_ik / M_ik); 1 when M_ik is 0 or unknown (re-exporters are damped)
    supply_tariff_factor  (1 + t̄_ik) / (1 + t̄_k)
    projected_imports_usd M_jk · (ΔGDP_j / ΔPOP_j)^ε · ΔPOP_j
    demand_tariff_factor  (1 + t̄_jk) / (1 + t_ijk)
    distance_factor       exp(−|avg ln d of j's suppliers of k − ln d_ij|)
    bilateral_factor      x_ij / Σ_k (x_ik / x_wk · M_jk), both sums over the tracked groups
    untapped_usd          max(EP − x_ijk, 0)

The choices, so that anyone can recompute a row:

* x and M come from the same world matrix as ``group_market`` (BACI where it covers the year): x_ijk is j's
  imports of k from i (``group_market.export_value_usd``), M_jk j's imports of k from the world, x_ik and M_ik i's
  exports and imports of k (``group_exporter``), x_wk = Σ_i x_ik.
* ΔGDP_c = real GDP in t+5 / in t, compounding the WEO's ``NGDP_RPCH`` over t+1…t+5; ΔPOP_c = ``LP`` in t+5 / in
  t. The newest WEO vintage in the store is used. A country without the five growth rates or both populations
  gets ratios of 1 (no change assumed) and ``projection_known`` false. ε is ``[scope] import_income_elasticity``.
* Tariffs: t_ijk is ``group_tariff.tariff_faced_pct`` (the newest schedule up to t). t̄_jk, t̄_ik and t̄_k are
  averages weighted by x_ijk over the pairs with a known rate (tracked exporters, tariff markets). A ratio
  without a known rate is 1, and ``supply_tariff_known`` / ``demand_tariff_known`` say so. No elasticity
  exponent on the tariff ratios (σ = 1).
* Distance: great-circle between capitals (haversine, R = 6,371 km, at least 1 km); j's average log distance
  is weighted by x_ijk over its suppliers with coordinates. Without coordinates for i or j, or no supplier with
  them, the factor is 1 and ``distance_known`` false.
* Rows: every group where i exports (a ``group_exporter`` row) and j imports (a world import total), for
  every pair (i, j) with trade in some tracked group that year (x_ij > 0): without it the bilateral factor is 0,
  and so is the potential. x_ik = 0 gives a potential of 0.
* One year's trade, no smoothing over several years.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from tracker.metrics._common import PROVENANCE_COLUMNS, join_with_provenance, safe_div

HORIZON_YEARS = 5
EARTH_RADIUS_KM = 6371.0
MIN_DISTANCE_KM = 1.0
PAIR = ["exporter", "market", "year"]


def projection_ratios(weo: pl.LazyFrame, horizon: int = HORIZON_YEARS) -> pl.LazyFrame:
    """(market, year, gdp_ratio, pop_ratio, vintage): real GDP and population in t + horizon over t.

    Only the newest vintage in ``weo``; where two sources give it (imf_weo and sample), the non-sample value.
    GDP compounds ``NGDP_RPCH`` over the ``horizon`` years after t and is null unless all of them are known.
    """
    newest = weo.filter(pl.col("vintage") == pl.col("vintage").max())
    values = (
        newest.sort(pl.col("source") == "sample")
        .group_by("indicator", "market", "year").agg(pl.col("value").first(), pl.col("vintage").first())
    )
    growth = values.filter(pl.col("indicator") == "NGDP_RPCH").select(
        "market", "year", "vintage", log_growth=(1 + pl.col("value") / 100).log())
    gdp = (
        pl.concat([growth.with_columns(base=pl.col("year") - offset) for offset in range(1, horizon + 1)])
        .group_by("market", "base")
        .agg(pl.col("log_growth").sum(), pl.len().alias("_years"), pl.col("vintage").first())
        .filter(pl.col("_years") == horizon)
        .select("market", pl.col("base").alias("year"), pl.col("log_growth").exp().alias("gdp_ratio"), "vintage")
    )
    population = values.filter(pl.col("indicator") == "LP").select("market", "year", "value")
    later = population.select("market", (pl.col("year") - horizon).alias("year"), pl.col("value").alias("_later"))
    pop = population.join(later, on=["market", "year"], how="inner").select(
        "market", "year", pop_ratio=safe_div(pl.col("_later"), pl.col("value")))
    return gdp.join(pop, on=["market", "year"], how="inner").filter(
        pl.col("gdp_ratio").is_not_null() & pl.col("pop_ratio").is_not_null())


def capital_distances(capitals: pl.LazyFrame) -> pl.LazyFrame:
    """(exporter, market, distance_km): great-circle distance between two capitals (haversine, R = 6,371 km).

    One coordinate pair per country: the World Bank's where it is stored, else another source's (sample).
    """
    points = (
        capitals.sort(pl.col("source") == "sample").group_by("market")
        .agg(pl.col("latitude").first().radians().alias("lat"), pl.col("longitude").first().radians().alias("lon"))
    )
    left = points.rename({"market": "exporter", "lat": "lat_i", "lon": "lon_i"})
    pairs = left.join(points, how="cross").filter(pl.col("exporter") != pl.col("market"))
    half = (
        ((pl.col("lat") - pl.col("lat_i")) / 2).sin() ** 2
        + pl.col("lat_i").cos() * pl.col("lat").cos() * ((pl.col("lon") - pl.col("lon_i")) / 2).sin() ** 2
    )
    distance = 2 * EARTH_RADIUS_KM * half.clip(0.0, 1.0).sqrt().arcsin()
    return pairs.select("exporter", "market", distance_km=pl.max_horizontal(distance, pl.lit(MIN_DISTANCE_KM)))


def _weighted(value: pl.Expr, weight: pl.Expr) -> pl.Expr:
    """Σ weight·value / Σ weight over the rows where value is known; null when none is (or weights sum to 0)."""
    known = value.is_not_null() & weight.is_not_null()
    return safe_div((value * weight).filter(known).sum(), weight.filter(known).sum())


def group_export_potential(
    market: pl.LazyFrame, imports: pl.LazyFrame, exporter: pl.LazyFrame, tariffs: pl.LazyFrame,
    weo: pl.LazyFrame, capitals: pl.LazyFrame, elasticity: float = 1.0, horizon: int = HORIZON_YEARS,
) -> pl.LazyFrame:
    """One row per (group, exporter, market, year) with the potential, the actual sales and every factor.

    ``market``: group_market (group, exporter, market, year, export_value_usd); ``imports``: the markets' world
    imports (group, market, year, value_usd, provenance columns); ``exporter``: group_exporter (group, exporter,
    year, export_value_usd, import_value_usd, provenance columns); ``tariffs``: group_tariff; ``weo`` and
    ``capitals``: the stored tables. The rules for missing data are in the module docstring.
    """
    flows = market.filter(pl.col("exporter") != pl.col("market")).select(
        "group", "exporter", "market", "year", pl.col("export_value_usd").alias("actual_usd"))
    m_jk = imports.select("group", "market", "year", pl.col("value_usd").alias("market_imports_usd"),
                          *PROVENANCE_COLUMNS).filter(pl.col("market_imports_usd").is_not_null())
    x_ik = exporter.select("group", "exporter", "year", pl.col("export_value_usd").fill_null(0.0).alias("x_ik"),
                           pl.col("import_value_usd").alias("m_ik"), *PROVENANCE_COLUMNS)
    ratios = projection_ratios(weo, horizon)
    vintage = ratios.select(pl.col("vintage").max().alias("weo_vintage"))
    exporter_ratio = ratios.select(pl.col("market").alias("exporter"), "year",
                                   pl.col("gdp_ratio").alias("gdp_ratio_exporter"))

    # Supply: projected world share, re-export damping.
    supply = x_ik.join(exporter_ratio, on=["exporter", "year"], how="left").with_columns(
        _exporter_known=pl.col("gdp_ratio_exporter").is_not_null(),
        gdp_ratio_exporter=pl.col("gdp_ratio_exporter").fill_null(1.0),
    ).with_columns(
        x_wk=pl.col("x_ik").sum().over("group", "year"),
        projected_share=safe_div(pl.col("x_ik") * pl.col("gdp_ratio_exporter"),
                                 (pl.col("x_ik") * pl.col("gdp_ratio_exporter")).sum().over("group", "year")),
        re_export_factor=pl.when(pl.col("m_ik") > 0).then(pl.min_horizontal(pl.lit(1.0), pl.col("x_ik") /
                                                                             pl.col("m_ik"))).otherwise(1.0),
    )

    # The rows: pairs with trade in some tracked group, every group i exports and j imports.
    pairs = flows.group_by(PAIR).agg(pl.col("actual_usd").sum().alias("x_ij")).filter(pl.col("x_ij") > 0)
    rows = (
        pairs.join(supply.drop(PROVENANCE_COLUMNS), on=["exporter", "year"], how="inner")
        .join(m_jk.drop(PROVENANCE_COLUMNS), on=["group", "market", "year"], how="inner")
        .join(flows, on=["group", "exporter", "market", "year"], how="left")
        .with_columns(pl.col("actual_usd").fill_null(0.0))
        .with_columns(expected_usd=safe_div(pl.col("x_ik"), pl.col("x_wk")) * pl.col("market_imports_usd"))
        .with_columns(bilateral_factor=safe_div(pl.col("x_ij"), pl.col("expected_usd").sum().over(PAIR))
                      .fill_null(1.0))
    )

    # Demand: projected imports.
    market_ratio = ratios.select("market", "year", pl.col("gdp_ratio").alias("gdp_ratio_market"),
                                 pl.col("pop_ratio").alias("pop_ratio_market"))
    rows = rows.join(market_ratio, on=["market", "year"], how="left").with_columns(
        projection_known=pl.col("_exporter_known") & pl.col("gdp_ratio_market").is_not_null(),
        gdp_ratio_market=pl.col("gdp_ratio_market").fill_null(1.0),
        pop_ratio_market=pl.col("pop_ratio_market").fill_null(1.0),
        income_elasticity=pl.lit(float(elasticity)),
    ).with_columns(
        projected_imports_usd=pl.col("market_imports_usd")
        * (pl.col("gdp_ratio_market") / pl.col("pop_ratio_market")) ** elasticity * pl.col("pop_ratio_market"),
    )

    # Tariffs: the rate i faces in j (newest schedule ≤ t) and the x_ijk-weighted averages over known pairs.
    rates = tariffs.filter(pl.col("tariff_faced_pct").is_not_null()).select(
        "group", "exporter", "market", pl.col("year").alias("tariff_year"), "tariff_faced_pct")
    newest = (
        flows.select("group", "exporter", "market", "year")
        .join(rates, on=["group", "exporter", "market"], how="inner")
        .filter(pl.col("tariff_year") <= pl.col("year"))
        .group_by("group", "exporter", "market", "year")
        .agg(pl.col("tariff_faced_pct").sort_by("tariff_year").last())
    )
    faced = flows.join(newest, on=["group", "exporter", "market", "year"], how="left").with_columns(
        _rate=pl.col("tariff_faced_pct") / 100)
    weight = pl.col("actual_usd")
    by_market = faced.group_by("group", "market", "year").agg(_weighted(pl.col("_rate"), weight).alias("_t_jk"))
    by_exporter = faced.group_by("group", "exporter", "year").agg(_weighted(pl.col("_rate"), weight).alias("_t_ik"))
    by_group = faced.group_by("group", "year").agg(_weighted(pl.col("_rate"), weight).alias("_t_k"))
    rows = (
        rows.join(faced.select("group", "exporter", "market", "year", "tariff_faced_pct"),
                  on=["group", "exporter", "market", "year"], how="left")
        .join(by_market, on=["group", "market", "year"], how="left")
        .join(by_exporter, on=["group", "exporter", "year"], how="left")
        .join(by_group, on=["group", "year"], how="left")
        .with_columns(
            supply_tariff_known=pl.col("_t_ik").is_not_null() & pl.col("_t_k").is_not_null(),
            demand_tariff_known=pl.col("_t_jk").is_not_null() & pl.col("tariff_faced_pct").is_not_null(),
        ).with_columns(
            supply_tariff_factor=pl.when(pl.col("supply_tariff_known"))
            .then((1 + pl.col("_t_ik")) / (1 + pl.col("_t_k"))).otherwise(1.0),
            demand_tariff_factor=pl.when(pl.col("demand_tariff_known"))
            .then((1 + pl.col("_t_jk")) / (1 + pl.col("tariff_faced_pct") / 100)).otherwise(1.0),
            market_avg_tariff_pct=pl.col("_t_jk") * 100,
            exporter_avg_tariff_pct=pl.col("_t_ik") * 100,
            world_avg_tariff_pct=pl.col("_t_k") * 100,
        )
    )

    # Distance: how unlike j's usual suppliers of k the pair's distance is.
    distances = capital_distances(capitals)
    usual = (
        flows.join(distances, on=["exporter", "market"], how="inner")
        .group_by("group", "market", "year")
        .agg(_weighted(pl.col("distance_km").log(), weight).alias("_usual_log_km"))
    )
    rows = (
        rows.join(distances, on=["exporter", "market"], how="left")
        .join(usual, on=["group", "market", "year"], how="left")
        .with_columns(distance_known=pl.col("distance_km").is_not_null() & pl.col("_usual_log_km").is_not_null())
        .with_columns(distance_factor=pl.when(pl.col("distance_known"))
                      .then((-(pl.col("_usual_log_km") - pl.col("distance_km").log()).abs()).exp()).otherwise(1.0))
    )

    potential = pl.col("projected_share") * pl.col("re_export_factor") * pl.col("supply_tariff_factor") \
        * pl.col("projected_imports_usd") * pl.col("demand_tariff_factor") * pl.col("distance_factor") \
        * pl.col("bilateral_factor")
    rows = rows.with_columns(potential_usd=potential.fill_null(0.0)).with_columns(
        untapped_usd=pl.max_horizontal(pl.col("potential_usd") - pl.col("actual_usd"), pl.lit(0.0)),
        exporter_exports_usd=pl.col("x_ik"),
    ).join(vintage, how="cross")

    # Provenance: the exporter's world trade and the market's imports; the projections' and coordinates'
    # sources join the list.
    rows = rows.join(x_ik.select("group", "exporter", "year", *PROVENANCE_COLUMNS), on=["group", "exporter", "year"],
                     how="left")
    rows = join_with_provenance(rows, m_jk.select("group", "market", "year", *PROVENANCE_COLUMNS),
                                ["group", "market", "year"])
    extra = pl.concat([weo.select("source"), capitals.select("source")]).unique().select(
        pl.col("source").sort().str.join(",").alias("_extra"))
    return rows.join(extra, how="cross").with_columns(
        sources=pl.when(pl.col("_extra").str.len_chars() > 0)
        .then(pl.concat_str([pl.col("sources"), pl.col("_extra")], separator=",").str.split(",").list.unique()
              .list.sort().list.join(","))
        .otherwise(pl.col("sources"))
    ).drop("_extra")


def potential_reasons(row: Mapping[str, Any]) -> dict[str, float | None]:
    """Why a market ranks high, in three numbers from a stored row: ``demand_growth`` (projected over current
    imports − 1, five years), ``tariff_edge_pp`` (the market's average tariff − the rate the exporter faces; above 0
    = the exporter pays less than its usual suppliers) and ``share_gap`` (actual sales over those the exporter's
    world share predicts − 1; below 0 = it sells less there than its world share predicts). None when unknown."""
    imports, projected = row.get("market_imports_usd"), row.get("projected_imports_usd")
    average, faced = row.get("market_avg_tariff_pct"), row.get("tariff_faced_pct")
    expected, actual = row.get("expected_usd"), row.get("actual_usd")
    return {
        "demand_growth": projected / imports - 1 if imports and projected is not None else None,
        "tariff_edge_pp": average - faced if row.get("demand_tariff_known") and average is not None
        and faced is not None else None,
        "share_gap": actual / expected - 1 if expected and actual is not None else None,
    }


def potential_backtest(potential: pl.LazyFrame, horizon: int = HORIZON_YEARS) -> pl.LazyFrame:
    """The potential computed from year t − horizon's inputs against the actual sales of year t.

    One row per group and one for all groups (``group`` "all"): ``pairs`` (rows with a potential in t − horizon
    and a year t in the table; a pair without a row in t sold 0 then), Pearson ``correlation`` of the levels,
    ``log_correlation`` over the pairs with both positive, and ``median_ratio`` of actual / potential where the
    potential is positive. The projections are those of the stored vintage: for past years they are mostly
    outturns, so the back-test flatters the method's demand side.
    """
    key = ["group", "exporter", "market"]
    years = potential.select(pl.col("year").unique())
    before = potential.select(*key, (pl.col("year") + horizon).alias("year"), pl.col("potential_usd").alias("_p"))
    before = before.join(years, on="year", how="semi")
    actual = potential.select(*key, "year", pl.col("actual_usd").alias("_a"))
    pairs = before.join(actual, on=[*key, "year"], how="left").with_columns(pl.col("_a").fill_null(0.0))
    both = (pl.col("_p") > 0) & (pl.col("_a") > 0)
    stats = [
        pl.len().alias("pairs"),
        pl.corr("_p", "_a").alias("correlation"),
        pl.corr(pl.col("_p").filter(both).log(), pl.col("_a").filter(both).log()).alias("log_correlation"),
        (pl.col("_a") / pl.col("_p")).filter(pl.col("_p") > 0).median().alias("median_ratio"),
    ]
    return pl.concat([pairs.group_by("group").agg(stats).sort("group"),
                      pairs.select(pl.lit("all").alias("group"), *stats)])
