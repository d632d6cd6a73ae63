"""Specialisation: Balassa RCA, the trade competitiveness (net export) index and the Lafay index.

* RCA_ik = (x_ik / X_i) / (x_wk / X_w), per period. X_i is i's total merchandise exports (HS ``TOTAL``). The
  "world" is every exporter that has both a group export value and a TOTAL in that period, so numerator and
  denominator cover the same countries: x_wk = Σ_i x_ik and X_w = Σ_i X_i over those exporters. Where one
  source lists every exporter of the world (BACI: ``world_totals``), X_w is instead the sum of every exporter's
  TOTAL, those that export nothing of the group included (their x_ik is 0, not unknown), so that RCA does not
  depend on which exporters happen to trade the group.
* TC_ik = (x_ik − M_ik) / (x_ik + M_ik), from −1 (only imports) to 1 (only exports).
* LFI_ik = 100 · [(x−M)/(x+M) − (X−M_T)/(X+M_T)] · (x+M)/(X+M_T), with Σ_k over all goods taken from the
  HS ``TOTAL`` exports X and imports M_T of the same country (the reference's Σ_k(x−M), Σ_k(x+M)).

Missing inputs or zero denominators give null.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import PROVENANCE_COLUMNS, WORLD, join_with_provenance, safe_div


def total_trade(totals: pl.LazyFrame) -> pl.LazyFrame:
    """X_i and M_T per exporter and period from HS TOTAL rows (reporter's flows to and from the world)."""
    world = totals.filter(pl.col("partner") == WORLD)
    exports = world.filter(pl.col("flow") == "export").select(
        pl.col("reporter").alias("exporter"), "period", pl.col("value_usd").alias("total_exports_usd"),
        *PROVENANCE_COLUMNS,
    )
    imports = world.filter(pl.col("flow") == "import").select(
        pl.col("reporter").alias("exporter"), "period", pl.col("value_usd").alias("total_imports_usd"),
        *PROVENANCE_COLUMNS,
    )
    return join_with_provenance(exports, imports, ["exporter", "period"], how="full")


def world_total_exports(totals: pl.LazyFrame, complete_source: str) -> pl.LazyFrame:
    """X_w per period where ``complete_source`` holds every exporter's TOTAL (BACI): the sum over all of them."""
    rows = totals.filter((pl.col("partner") == WORLD) & (pl.col("flow") == "export")
                         & (pl.col("sources") == complete_source))
    return rows.group_by("period").agg(pl.col("value_usd").sum().alias("world_total_exports_usd"))


def revealed_comparative_advantage(frame: pl.LazyFrame, world_totals: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """Add ``rca`` per (group, period) from ``export_value_usd`` (x_ik) and ``total_exports_usd`` (X_i).

    ``world_totals`` (period, ``world_total_exports_usd``; see ``world_total_exports``) gives X_w for the periods
    where the whole world is known; other periods sum X_i over the exporters in the frame.
    """
    complete = pl.col("export_value_usd").is_not_null() & (pl.col("total_exports_usd") > 0)
    x_wk = pl.col("export_value_usd").filter(complete).sum().over("group", "period")
    x_w = pl.col("total_exports_usd").filter(complete).sum().over("group", "period")
    if world_totals is not None:
        frame = frame.join(world_totals, on="period", how="left")
        x_w = pl.coalesce(pl.col("world_total_exports_usd"), x_w)
    own = safe_div(pl.col("export_value_usd"), pl.col("total_exports_usd"))
    rca = frame.with_columns(rca=pl.when(complete).then(safe_div(own, safe_div(x_wk, x_w))))
    return rca.drop("world_total_exports_usd") if world_totals is not None else rca


def trade_competitiveness_index(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``tc_index`` = (x − M)/(x + M) from ``export_value_usd`` and ``import_value_usd``."""
    x, m = pl.col("export_value_usd"), pl.col("import_value_usd")
    return frame.with_columns(tc_index=safe_div(x - m, x + m))


def lafay_index(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``lafay`` from group exports/imports and the country's TOTAL exports/imports (columns as above)."""
    x, m = pl.col("export_value_usd"), pl.col("import_value_usd")
    big_x, big_m = pl.col("total_exports_usd"), pl.col("total_imports_usd")
    balance = safe_div(x - m, x + m) - safe_div(big_x - big_m, big_x + big_m)
    return frame.with_columns(lafay=100 * balance * safe_div(x + m, big_x + big_m))
