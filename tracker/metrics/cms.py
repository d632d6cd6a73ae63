"""Constant-market-share (CMS) decomposition of an exporter's change in exports of a group.

ΔX = r·X⁰ + Σ_k (r_k − r)·X_k⁰ + Σ_k Σ_m (r_km − r_k)·X_km⁰ + Σ_k Σ_m (ΔX_km − r_km·X_km⁰)
   = world growth + product mix + market mix + competitiveness (residual)

k = the group's HS codes as stored, m = markets; X_km = the exporter's sales of k to m as m records them (mirror
fallback), ⁰ = base year, ¹ = end year. Growth rates come from the markets' reported imports from the world
(WLD), over markets that reported both years: r_km = W¹_km/W⁰_km − 1, r_k = Σ_m W¹_km / Σ_m W⁰_km − 1, r over
all k and m of the group. The estimated world imports of shares.py (the sum of a market's recorded suppliers,
where it reported no WLD total) are never used: that sum contains the exporter's own sales, so its growth
would measure the exporter against itself, and it moves whenever a supplier drops out of the records. Where
r_km is undefined (market without a WLD report in either year, zero base) r_k is used, and where r_k is
undefined r: the unexplained change then lands in the residual, so the four effects always sum to ΔX
exactly. Without any world data for the group in that pair of years, every effect is null.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tracker.metrics._common import group_and_fold, growth_rate, join_with_provenance

EFFECTS = ("world_growth_effect_usd", "product_mix_effect_usd", "market_mix_effect_usd",
           "competitiveness_effect_usd")


def _by_pair(frame: pl.LazyFrame, pairs: pl.LazyFrame, key: list[str], value: str) -> pl.LazyFrame:
    """Base- and end-year values of each key side by side for every period pair (missing side = 0)."""
    base = frame.join(pairs.with_columns(year=pl.col("base_year")), on="year").select(
        *key, "base_year", "end_year", pl.col(value).alias("v0"))
    end = frame.join(pairs.with_columns(year=pl.col("end_year")), on="year").select(
        *key, "base_year", "end_year", pl.col(value).alias("v1"))
    return base.join(end, on=[*key, "base_year", "end_year"], how="full", coalesce=True).with_columns(
        pl.col("v0", "v1").fill_null(0.0)
    )


def constant_market_share(code_suppliers: pl.LazyFrame, code_imports: pl.LazyFrame,
                          pairs: Sequence[tuple[int, int]]) -> pl.LazyFrame:
    """One row per (group, exporter, base_year, end_year) with the four effects and ΔX.

    ``code_suppliers``: annual code-level supplier flows (group, exporter, market, hs_code, year, value_usd,
    provenance columns); ``code_imports``: the markets' reported annual code-level imports from the world
    (``shares.reported_world_imports``: group, market, hs_code, year, value_usd, provenance columns).
    """
    pair_frame = pl.LazyFrame(list(pairs), schema={"base_year": pl.Int32, "end_year": pl.Int32}, orient="row")
    cell = ["group", "exporter", "market", "hs_code"]
    x = _by_pair(code_suppliers, pair_frame, cell, "value_usd").rename({"v0": "x0", "v1": "x1"})
    w = _by_pair(code_imports, pair_frame, ["group", "market", "hs_code"], "value_usd").filter(
        (pl.col("v0") > 0) & (pl.col("v1") > 0)
    )
    span = ["group", "base_year", "end_year"]
    r_km = w.select(*span, "market", "hs_code", growth_rate(pl.col("v1"), pl.col("v0")).alias("r_km"))
    r_k = w.group_by(*span, "hs_code").agg(growth_rate(pl.col("v1").sum(), pl.col("v0").sum()).alias("r_k"))
    r = w.group_by(span).agg(growth_rate(pl.col("v1").sum(), pl.col("v0").sum()).alias("r"))
    cells = (
        x.join(r_km, on=[*span, "market", "hs_code"], how="left")
        .join(r_k, on=[*span, "hs_code"], how="left")
        .join(r, on=span, how="left")
        .with_columns(
            r_k=pl.coalesce("r_k", "r"),
            r_km=pl.coalesce("r_km", "r_k", "r"),
        )
    )
    x0 = pl.col("x0")
    effects = cells.group_by("group", "exporter", "base_year", "end_year").agg(
        x0.sum().alias("export_value_base_usd"),
        pl.col("x1").sum().alias("export_value_end_usd"),
        pl.col("r").first().alias("world_import_growth"),
        (pl.col("r") * x0).sum().alias("world_growth_effect_usd"),
        ((pl.col("r_k") - pl.col("r")) * x0).sum().alias("product_mix_effect_usd"),
        ((pl.col("r_km") - pl.col("r_k")) * x0).sum().alias("market_mix_effect_usd"),
        (pl.col("x1") - x0 - pl.col("r_km") * x0).sum().alias("competitiveness_effect_usd"),
    ).with_columns(
        change_usd=pl.col("export_value_end_usd") - pl.col("export_value_base_usd"),
        **{name: pl.when(pl.col("world_import_growth").is_not_null()).then(pl.col(name)) for name in EFFECTS},
    )
    supplier_prov = _provenance(code_suppliers, pair_frame, ["group", "exporter"])
    import_prov = _provenance(code_imports, pair_frame, ["group"])
    provenance = join_with_provenance(supplier_prov, import_prov, ["group", "base_year", "end_year"], how="left")
    return effects.join(provenance, on=["group", "exporter", "base_year", "end_year"], how="left")


def _provenance(frame: pl.LazyFrame, pairs: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Provenance folded over the rows of both years of each pair."""
    rows = pl.concat([
        frame.join(pairs.with_columns(year=pl.col("base_year")), on="year"),
        frame.join(pairs.with_columns(year=pl.col("end_year")), on="year"),
    ])
    return group_and_fold(rows, [*key, "base_year", "end_year"], [])
