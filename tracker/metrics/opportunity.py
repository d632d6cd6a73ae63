"""Market-opportunity score: where the home exporter could sell more of a group next.

For every group and market, in the group's latest year Y with market data::

    raw   = size × growth_factor × headroom × price_factor × ecommerce_factor × tariff_factor
    score = 100 × raw / max(raw over the group's markets)            (0–100, 100 = best market of the group)

    size              market's imports of the group from the world in Y (USD)
    growth_factor     1 + market import growth, clipped to [0.5, 1.5]; growth = CAGR over 3 years
                      (Y−3 → Y), else year-on-year, else 0 when unknown
    headroom          1 − home exporter's market share in Y (1 when it has no recorded sales there: its
                      exporter_share is null and ``reasons`` says "no … sales recorded")
    price_factor      1 / home relative unit value, clipped to [0.67, 1.5] (cheaper than the competitors'
                      median → above 1); 1 when unknown
    ecommerce_factor  1 + 0.5 × (share of individuals buying the group's e-commerce categories online, % / 100),
                      survey year ≤ Y, mean over the group's categories; 1 without survey data
    tariff_factor     (1 + lowest tracked competitor's tariff / 100) / (1 + home exporter's tariff / 100),
                      clipped to [0.67, 1.5]: the duty-paid price gap the tariffs alone open (group_tariff, the
                      newest tariff year ≤ Y); 1 when either rate is unknown

Markets left out: the home exporter itself (never its own export market), and markets with no supplier
breakdown in Y (a world total only, and no supplier's sales recorded there, reported or mirror): the home
exporter's share there is unknown, not 0, so headroom cannot be scored.

The factors are stored next to the score, and ``reasons`` spells them out in one line for the app. The trade
complementarity of the home exporter with the market (all tracked groups) is shown for context; it is not
part of the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from tracker.metrics._common import PROVENANCE_COLUMNS, join_with_provenance, safe_div

GROWTH_YEARS = 3
GROWTH_CLIP = (0.5, 1.5)
PRICE_CLIP = (0.67, 1.5)
ECOMMERCE_WEIGHT = 0.5
TARIFF_CLIP = (0.67, 1.5)


def online_buying(ecommerce: pl.LazyFrame, categories: Mapping[str, Sequence[str]]) -> pl.LazyFrame:
    """(group, market, year, ecommerce_online_pct): mean % of individuals buying the group's categories online."""
    pairs = pl.LazyFrame(
        [(g, c) for g, cats in categories.items() for c in cats], schema={"group": pl.String, "category": pl.String},
        orient="row",
    )
    return (
        ecommerce.filter((pl.col("unit") == "PC_IND") & (pl.col("category") != "ALL"))
        .join(pairs, on="category", how="inner")
        .group_by("group", "market", "year")
        .agg(pl.col("value").mean().alias("ecommerce_online_pct"))
    )


def latest_tariffs(tariffs: pl.LazyFrame, scored: pl.LazyFrame, home: str) -> pl.LazyFrame:
    """(group, market, tariff_year, tariff_faced_pct, min_competitor_tariff_pct): the home exporter's
    group_tariff row of the newest tariff year up to each scored row's year."""
    own = tariffs.filter(pl.col("exporter") == home).select(
        "group", "market", pl.col("year").alias("tariff_year"), "tariff_faced_pct", "min_competitor_tariff_pct")
    return (
        scored.select("group", "market", "year").join(own, on=["group", "market"], how="inner")
        .filter(pl.col("tariff_year") <= pl.col("year"))
        .sort("tariff_year")
        .group_by("group", "market")
        .agg(pl.col("tariff_year", "tariff_faced_pct", "min_competitor_tariff_pct").last())
    )


def market_opportunity(imports: pl.LazyFrame, market_rows: pl.LazyFrame, online: pl.LazyFrame,
                       complementarity: pl.LazyFrame, home: str,
                       tariffs: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """One row per scorable (group, market) in the group's latest year, scored as in the module docstring.

    ``imports``: annual market imports (group, market, year, market_imports_usd, market_growth, provenance
    columns); ``market_rows``: group_market rows of every exporter (group, exporter, market, year,
    market_share, relative_unit_value, provenance columns); ``online``: from ``online_buying``;
    ``complementarity``: (exporter, market, year, trade_complementarity); ``tariffs``: group_tariff rows
    (without them every tariff factor is 1).
    """
    supplied = market_rows.select("group", "market", "year").unique()
    scorable = imports.filter(pl.col("market") != home).join(supplied, on=["group", "market", "year"], how="semi")
    latest = scorable.group_by("group").agg(pl.col("year").max().alias("year"))
    base = scorable.join(latest, on=["group", "year"], how="inner")
    home_rows = market_rows.filter(pl.col("exporter") == home)
    home_cols = home_rows.select("group", "market", "year", pl.col("market_share").alias("exporter_share"),
                                 "relative_unit_value", *PROVENANCE_COLUMNS)
    scored = join_with_provenance(base, home_cols, ["group", "market", "year"], how="left")
    latest_online = (
        scored.select("group", "market", "year")
        .join(online.rename({"year": "survey_year"}), on=["group", "market"], how="inner")
        .filter(pl.col("survey_year") <= pl.col("year"))
        .sort("survey_year")
        .group_by("group", "market")
        .agg(pl.col("ecommerce_online_pct").last(), pl.col("survey_year").last())
    )
    comp = complementarity.filter(pl.col("exporter") == home).select("market", "year", "trade_complementarity")
    if tariffs is not None:
        scored = scored.join(latest_tariffs(tariffs, scored, home), on=["group", "market"], how="left")
    else:
        scored = scored.with_columns(tariff_year=pl.lit(None, pl.Int32), tariff_faced_pct=pl.lit(None, pl.Float64),
                                     min_competitor_tariff_pct=pl.lit(None, pl.Float64))
    tariff_gap = (1 + pl.col("min_competitor_tariff_pct") / 100) / (1 + pl.col("tariff_faced_pct") / 100)
    scored = (
        scored.join(latest_online, on=["group", "market"], how="left")
        .join(comp, on=["market", "year"], how="left")
        .with_columns(
            exporter=pl.lit(home),
            headroom=1 - pl.col("exporter_share").fill_null(0.0).clip(0.0, 1.0),
            growth_factor=(1 + pl.col("market_growth").fill_null(0.0)).clip(*GROWTH_CLIP),
            price_factor=safe_div(pl.lit(1.0), pl.col("relative_unit_value")).clip(*PRICE_CLIP).fill_null(1.0),
            ecommerce_factor=1 + ECOMMERCE_WEIGHT * pl.col("ecommerce_online_pct").fill_null(0.0) / 100,
            tariff_factor=tariff_gap.clip(*TARIFF_CLIP).fill_null(1.0),
        )
        .with_columns(
            _raw=pl.col("market_imports_usd") * pl.col("growth_factor") * pl.col("headroom")
            * pl.col("price_factor") * pl.col("ecommerce_factor") * pl.col("tariff_factor")
        )
        .with_columns(score=100 * safe_div(pl.col("_raw"), pl.col("_raw").max().over("group")))
        .with_columns(rank=pl.col("score").rank("ordinal", descending=True).over("group").cast(pl.Int32))
    )
    return scored.with_columns(reasons=_reasons(home)).drop("_raw")


def _reasons(home: str) -> pl.Expr:
    """One readable line: size and growth, current share, price position, online buying, tariff gap."""
    size = pl.format("imports {} M USD", (pl.col("market_imports_usd") / 1e6).round(1))
    growth = pl.when(pl.col("market_growth").is_not_null()).then(
        pl.format("growth {}%/yr", (100 * pl.col("market_growth")).round(1))
    ).otherwise(pl.lit("growth unknown"))
    share = pl.when(pl.col("exporter_share").is_not_null()).then(
        pl.format("{} share {}%", pl.lit(home), (100 * pl.col("exporter_share")).round(1))
    ).otherwise(pl.lit(f"no {home} sales recorded"))  # as exporter_share says (null), not "share 0%"
    price = pl.when(pl.col("relative_unit_value").is_not_null()).then(
        pl.format("unit value {}× competitors' median", pl.col("relative_unit_value").round(2))
    ).otherwise(pl.lit("no unit value"))
    online = pl.when(pl.col("ecommerce_online_pct").is_not_null()).then(
        pl.format("{}% buy online", pl.col("ecommerce_online_pct").round(0))
    ).otherwise(pl.lit("no e-commerce survey"))
    tariff = pl.when(pl.col("tariff_faced_pct").is_not_null() & pl.col("min_competitor_tariff_pct").is_not_null()).then(
        pl.format("tariff {}% vs {}% lowest competitor", pl.col("tariff_faced_pct").round(1),
                  pl.col("min_competitor_tariff_pct").round(1))
    ).otherwise(pl.lit("tariff unknown"))
    return pl.concat_str([size, growth, share, price, online, tariff], separator="; ")
