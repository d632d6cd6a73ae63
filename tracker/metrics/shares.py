"""Market shares: in each market (importer's view, mirror fallback) and in the world.

MS_ikm = M_m←i,k / M_m←w,k uses the importer's own reported imports for the numerator and the denominator
(both CIF). Fallbacks, flagged in ``provenance``:

* numerator: when the market has no reported import row from exporter i for the group and period, the
  exporter's reported exports to that market (FOB, so 5–10 % below the CIF figure) are used → ``mirror``;
* denominator: when the market did not report its imports from the world (WLD), the sum of its recorded
  suppliers (reported or mirrored) is used — a lower bound of the world, so the share is an upper bound;
  that denominator is flagged ``estimated`` (the row's provenance becomes ``mixed`` or ``estimated``). The
  same sum replaces a WLD report that is smaller than it (mirror values or inconsistent reports): the world
  is never less than its recorded parts, so every share lies in [0, 1] and one market's shares add up to
  at most 1.

Numerator and denominator are summed over the same HS codes: groups.py keeps one HS level set per report
(rule 3). ``value_provenance`` keeps the numerator's own provenance (reported: the market's import record;
mirror: the exporter's report stood in), which ``provenance`` merges with the denominator's; the data basis
filter of exports and the app selects on it.

ΔMS is in percentage points against the same market one year earlier (or the same month a year earlier).
World market share WMS_ik = x_ik / x_wk with x_ik the exporter's reported exports to the world (mirror
fallback: the sum of the markets' recorded imports from it) and x_wk the sum over every exporter in the store.
"""

from __future__ import annotations

import polars as pl

from tracker.metrics._common import (
    PROVENANCE_COLUMNS,
    WORLD,
    group_and_fold,
    join_with_provenance,
    safe_div,
    with_earlier,
)

PERIOD_KEY = ["period", "year", "frequency"]
FLOW_VALUES = ["value_usd", "value_with_weight_usd", "net_weight_kg"]


def _detail(frame: pl.LazyFrame) -> list[str]:
    """Extra key columns carried through (``hs_code`` for code-level frames)."""
    return ["hs_code"] if "hs_code" in frame.collect_schema().names() else []


def _as_mirror() -> pl.Expr:
    return pl.when(pl.col("provenance") == "reported").then(pl.lit("mirror")).otherwise(pl.col("provenance"))


def _estimated_unless_reconciled() -> pl.Expr:
    """A sum of suppliers is a lower bound of the world, except over BACI's complete matrix (``reconciled``)."""
    return pl.when(pl.col("provenance") == "reconciled").then(pl.col("provenance")).otherwise(pl.lit("estimated"))


def _reported_else(reported: pl.LazyFrame, fallback: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """The reported rows, plus the fallback's rows for the keys nothing was reported for."""
    missing = fallback.join(reported.select(key), on=key, how="anti").select(reported.collect_schema().names())
    return pl.concat([reported, missing])


def supplier_flows(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Each market's imports from each exporter: the importer's report, else the exporter's mirror report."""
    detail = _detail(flows)
    reported = flows.filter((pl.col("flow") == "import") & (pl.col("partner") != WORLD)).select(
        "group", pl.col("partner").alias("exporter"), pl.col("reporter").alias("market"), *detail, *PERIOD_KEY,
        *FLOW_VALUES, *PROVENANCE_COLUMNS,
    )
    mirror = flows.filter((pl.col("flow") == "export") & (pl.col("partner") != WORLD)).select(
        "group", pl.col("reporter").alias("exporter"), pl.col("partner").alias("market"), *detail, *PERIOD_KEY,
        *FLOW_VALUES, _as_mirror().alias("provenance"), "sources", "newest_fetch",
    )
    key = ["group", "exporter", "market", *detail, "period"]
    return _reported_else(reported, mirror, key).filter(pl.col("exporter") != pl.col("market"))


def market_imports(flows: pl.LazyFrame, suppliers: pl.LazyFrame) -> pl.LazyFrame:
    """Each market's imports from the world: its WLD report, else (or when the report is smaller) the sum of
    its recorded suppliers, flagged ``estimated``."""
    detail = _detail(flows)
    reported = reported_world_imports(flows)
    key = ["group", "market", *detail, *PERIOD_KEY]
    summed = group_and_fold(suppliers, key, [
        pl.col("value_usd").sum(), pl.col("value_with_weight_usd").sum(),
        pl.when(pl.col("net_weight_kg").count() > 0).then(pl.col("net_weight_kg").sum()).alias("net_weight_kg"),
    ]).with_columns(provenance=_estimated_unless_reconciled())
    below_parts = summed.join(reported.select(*key, pl.col("value_usd").alias("_world")), on=key, how="inner").filter(
        pl.col("value_usd") > pl.col("_world")
    ).select(key)
    return _reported_else(reported.join(below_parts, on=key, how="anti"), summed, key)


def reported_world_imports(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Each market's imports from the world as it reported them (WLD rows), nothing estimated."""
    return flows.filter((pl.col("flow") == "import") & (pl.col("partner") == WORLD)).select(
        "group", pl.col("reporter").alias("market"), *_detail(flows), *PERIOD_KEY, *FLOW_VALUES,
        *PROVENANCE_COLUMNS,
    )


def market_share(suppliers: pl.LazyFrame, imports: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``market_imports_usd`` and ``market_share`` = supplier value / market imports from the world.

    Renames the supplier's ``value_usd`` to ``export_value_usd`` and keeps its provenance as
    ``value_provenance``; the result's ``provenance`` merges both inputs.
    """
    detail = _detail(suppliers)
    key = ["group", "market", *detail, *PERIOD_KEY]
    totals = imports.select(*key, pl.col("value_usd").alias("market_imports_usd"), "provenance", "sources",
                            "newest_fetch")
    numerators = suppliers.rename({"value_usd": "export_value_usd"}).with_columns(
        value_provenance=pl.col("provenance")
    )
    return (
        join_with_provenance(numerators, totals, key, how="left")
        .with_columns(market_share=safe_div(pl.col("export_value_usd"), pl.col("market_imports_usd")))
    )


def share_change_pp(frame: pl.LazyFrame, key: list[str], share: str = "market_share",
                    alias: str = "market_share_change_pp") -> pl.LazyFrame:
    """Add ``alias``: 100 × (share − share one year earlier); null when either year is missing."""
    return (
        with_earlier(frame, key, [share], 1, "_d1")
        .with_columns((100 * (pl.col(share) - pl.col(f"{share}_d1"))).alias(alias))
        .drop(f"{share}_d1")
    )


def exports_to_world(flows: pl.LazyFrame, suppliers: pl.LazyFrame) -> pl.LazyFrame:
    """x_ik: each exporter's reported exports to the world, else the sum of the markets' records of it (mirror)."""
    key = ["group", "exporter", *PERIOD_KEY]
    reported = flows.filter((pl.col("flow") == "export") & (pl.col("partner") == WORLD)).select(
        "group", pl.col("reporter").alias("exporter"), *PERIOD_KEY, pl.col("value_usd").alias("export_value_usd"),
        *PROVENANCE_COLUMNS,
    )
    summed = group_and_fold(suppliers, key, [pl.col("value_usd").sum().alias("export_value_usd")]).with_columns(
        _as_mirror().alias("provenance")
    )
    return _reported_else(reported, summed, key)


def imports_from_world(flows: pl.LazyFrame, suppliers: pl.LazyFrame | None = None) -> pl.LazyFrame:
    """M_ik: each country's reported imports of the group from the world (for TC and Lafay).

    BACI has no group rows with the world; where a country reported none, its imports from every BACI supplier
    (``reconciled`` rows of ``suppliers``: the complete matrix) are summed instead.
    """
    reported = flows.filter((pl.col("flow") == "import") & (pl.col("partner") == WORLD)).select(
        "group", pl.col("reporter").alias("exporter"), *PERIOD_KEY, pl.col("value_usd").alias("import_value_usd"),
        *PROVENANCE_COLUMNS,
    )
    if suppliers is None:
        return reported
    reconciled = suppliers.filter(pl.col("provenance") == "reconciled").rename({"exporter": "_supplier",
                                                                                "market": "exporter"})
    summed = group_and_fold(reconciled, ["group", "exporter", *PERIOD_KEY],
                            [pl.col("value_usd").sum().alias("import_value_usd")])
    return _reported_else(reported, summed, ["group", "exporter", *PERIOD_KEY])


def world_market_share(exports: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``world_exports_usd`` (x_wk, all exporters in the frame) and ``world_share`` = x_ik / x_wk."""
    world = exports.group_by("group", "period").agg(pl.col("export_value_usd").sum().alias("world_exports_usd"))
    return exports.join(world, on=["group", "period"], how="left").with_columns(
        world_share=safe_div(pl.col("export_value_usd"), pl.col("world_exports_usd"))
    )
