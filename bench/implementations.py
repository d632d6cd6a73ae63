"""The two implementations timed by the benchmark: the tracker's metric functions and a pandas baseline.

Both compute, per product group (the project's configured groups, by HS prefix) and year:
market shares (market's imports from an exporter / its imports from the world) and Balassa RCA (exporter's
group exports / its total exports, over the same ratio for all exporters).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import polars as pl

from tracker.config import load_config
from tracker.metrics import (
    exports_to_world,
    market_imports,
    market_share,
    revealed_comparative_advantage,
    supplier_flows,
)
from tracker.metrics.groups import aggregate_to_groups, group_code_flows, group_prefixes, total_flows
from tracker.metrics.specialisation import total_trade

FETCHED = datetime(2025, 1, 1, tzinfo=UTC)


def group_codes() -> dict[str, list[str]]:
    return {group.id: list(group.hs_codes) for group in load_config().groups}


def baci_as_trade(baci: pl.LazyFrame) -> pl.LazyFrame:
    """BACI rows in the tracker's trade shape: the importers' reports by partner, their WLD totals, the
    exporters' WLD exports by code and their all-goods TOTAL (BACI values are thousands of USD, tonnes)."""
    base = baci.select(
        "exporter", "importer", "hs6", "year",
        (pl.col("value") * 1000).alias("value_usd"), (pl.col("quantity") * 1000).alias("net_weight_kg"),
    )

    def shape(frame: pl.LazyFrame, flow: str, reporter: str, partner: pl.Expr, code: pl.Expr) -> pl.LazyFrame:
        return frame.select(
            pl.lit("baci").alias("source"), pl.lit(flow).alias("flow"), pl.col(reporter).alias("reporter"),
            partner.alias("partner"), code.alias("hs_code"), pl.col("year").cast(pl.String).alias("period"),
            pl.col("year").cast(pl.Int32), pl.lit("A").alias("frequency"), "value_usd",
            pl.col("net_weight_kg") if "net_weight_kg" in frame.collect_schema().names()
            else pl.lit(None, pl.Float64).alias("net_weight_kg"),
            pl.lit(None, pl.Float64).alias("quantity"), pl.lit(None, pl.String).alias("quantity_unit"),
            pl.lit("H5").alias("hs_revision"), pl.lit("reported").alias("provenance"),
            pl.lit(FETCHED).alias("fetched_at"),
        )

    imports = shape(base, "import", "importer", pl.col("exporter"), pl.col("hs6"))
    world = shape(base.group_by("importer", "hs6", "year").agg(pl.col("value_usd").sum()), "import", "importer",
                  pl.lit("WLD"), pl.col("hs6"))
    exports = shape(base.group_by("exporter", "hs6", "year").agg(pl.col("value_usd").sum()), "export", "exporter",
                    pl.lit("WLD"), pl.col("hs6"))
    totals = shape(base.group_by("exporter", "year").agg(pl.col("value_usd").sum()), "export", "exporter",
                   pl.lit("WLD"), pl.lit("TOTAL"))
    return pl.concat([imports, world, exports, totals])


def polars_metrics(folder: Path, engine: str = "in-memory") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(market shares, RCA) through tracker.metrics; ``engine`` runs the heavy first stage."""
    trade = pl.scan_parquet(folder / "trade" / "*.parquet")
    # Stage boundaries as in tracker.metrics.tables.compute_tables: the code-level stage is the heavy one.
    code = group_code_flows(trade, group_codes()).collect(engine=engine).lazy()  # type: ignore[arg-type]
    flows = aggregate_to_groups(code).collect().lazy()
    totals = total_trade(total_flows(trade)).collect(engine=engine).lazy()  # type: ignore[arg-type]
    suppliers = supplier_flows(flows).collect().lazy()
    shares = market_share(suppliers, market_imports(flows, suppliers)).select(
        "group", "exporter", "market", "year", "market_share").collect()
    exports = exports_to_world(flows, suppliers).join(
        totals.select("exporter", "period", "total_exports_usd"), on=["exporter", "period"], how="left")
    rca = revealed_comparative_advantage(exports).select("group", "exporter", "year", "rca").collect()
    return shares, rca


def pandas_metrics(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(market shares, RCA) written the straightforward pandas way."""
    df = pd.read_parquet(sorted(folder.glob("*.parquet")))
    df["value"] = df["value"] * 1000
    prefixes = group_prefixes(group_codes()).collect().to_pandas()
    codes = pd.DataFrame({"hs6": df["hs6"].unique()})
    pairs = codes.merge(prefixes, how="cross")
    membership = pairs[[code.startswith(prefix) for code, prefix in zip(pairs["hs6"], pairs["prefix"], strict=True)]]
    membership = membership[["hs6", "group"]].drop_duplicates()
    grouped = df.merge(membership, on="hs6", how="inner")

    supplied = grouped.groupby(["group", "exporter", "importer", "year"], as_index=False)["value"].sum()
    world = grouped.groupby(["group", "importer", "year"], as_index=False)["value"].sum()
    shares = supplied.merge(world, on=["group", "importer", "year"], suffixes=("", "_world"))
    shares["market_share"] = shares["value"] / shares["value_world"]
    shares = shares.rename(columns={"importer": "market"})[["group", "exporter", "market", "year", "market_share"]]

    x = grouped.groupby(["group", "exporter", "year"], as_index=False)["value"].sum()
    total = df.groupby(["exporter", "year"], as_index=False)["value"].sum().rename(columns={"value": "total"})
    x = x.merge(total, on=["exporter", "year"])
    sums = x.groupby(["group", "year"])[["value", "total"]].transform("sum")
    x["rca"] = (x["value"] / x["total"]) / (sums["value"] / sums["total"])
    return shares, x[["group", "exporter", "year", "rca"]]
