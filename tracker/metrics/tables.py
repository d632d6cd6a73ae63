"""The materialised metric tables: their schemas (a column dictionary shared by the app and CSV exports)
and ``compute_tables``, which recomputes all of them from the stored trade and e-commerce data.

Annual tables use frequency A rows only; ``group_market_monthly`` uses the M rows. Every table carries
``provenance`` (reported / mirror / estimated / mixed), ``sources``, ``newest_fetch`` and ``sample``.
"""

from __future__ import annotations

import itertools

import polars as pl

from tracker.baci.precedence import baci_first
from tracker.config import Config
from tracker.key_order import sorted_by_key
from tracker.metrics._common import (
    PROVENANCE_COLUMNS,
    finite,
    group_and_fold,
    growth_rate,
    join_with_provenance,
    safe_div,
    with_earlier,
    with_sample_flag,
)
from tracker.metrics.cms import constant_market_share
from tracker.metrics.concentration import market_concentration
from tracker.metrics.demand import demand_frames
from tracker.metrics.groups import aggregate_to_groups, group_code_flows_by_level, total_flows
from tracker.metrics.growth import compound_annual_growth, growth_yoy
from tracker.metrics.opportunity import market_opportunity, online_buying
from tracker.metrics.potential import group_export_potential
from tracker.metrics.shares import (
    exports_to_world,
    imports_from_world,
    market_imports,
    market_share,
    reported_world_imports,
    share_change_pp,
    supplier_flows,
    world_market_share,
)
from tracker.metrics.similarity import similarity_once, trade_complementarity
from tracker.metrics.specialisation import (
    lafay_index,
    revealed_comparative_advantage,
    total_trade,
    trade_competitiveness_index,
    world_total_exports,
)
from tracker.metrics.tariffs import tariff_tables
from tracker.metrics.unit_values import relative_unit_value, unit_value
from tracker.schemas import TableSchema
from tracker.sources.baci import SOURCE as BACI_SOURCE
from tracker.tables import GROUP_EXPORT_POTENTIAL, METRIC_TABLES, schema_for

F64, I32, STR, BOOL = pl.Float64(), pl.Int32(), pl.String(), pl.Boolean()
CMS_LONG_SPAN_YEARS = 5



# The order the tables are computed (and their rows reported) in.
ORDER = ("group_market", "group_exporter", "group_competition", "group_cms", "group_opportunity",
         "group_market_monthly", "group_hs", "group_tariff", "group_tariff_margin")


def _finish(frame: pl.LazyFrame, schema: TableSchema) -> pl.LazyFrame:
    """Sample flag, no NaN/inf, canonical columns and dtypes (sorted by :func:`_sorted_by_key` once collected)."""
    frame = with_sample_flag(frame)
    floats = [c.name for c in schema.columns if c.dtype == F64]
    return (
        frame.with_columns([finite(pl.col(name).cast(pl.Float64)).alias(name) for name in floats])
        .select([pl.col(c.name).cast(c.dtype) for c in schema.columns])
    )


def _sorted_by_key(frame: pl.DataFrame, schema: TableSchema) -> pl.DataFrame:
    """The frame sorted by its natural key (deterministic files)."""
    return sorted_by_key(frame, schema.key)


def _annual(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.filter(pl.col("frequency") == "A")


def compute_tables(trade: pl.LazyFrame, ecommerce: pl.LazyFrame, config: Config,
                   tariff: pl.LazyFrame | None = None, weo: pl.LazyFrame | None = None,
                   capital: pl.LazyFrame | None = None) -> dict[str, pl.DataFrame]:
    """Recompute every metric table from stored trade (and e-commerce survey, tariff) rows, every year at once.

    ``tracker.metrics.windows`` computes the same tables a year of trade at a time (what the store's refresh
    runs); this single pass over LazyFrames is the reference it is tested against."""
    home, competitors = config.scope.home_exporter, config.scope.competitors
    trade = baci_first(trade)  # for the years BACI covers, its world matrix only (no double counting)
    code_flows = group_code_flows_by_level(trade, config)
    code = code_flows.kept.collect()
    flows = aggregate_to_groups(code.lazy()).collect().lazy()
    annual, suppliers, imports, market = group_level_market(flows)

    # Materialised: group_opportunity reads it too, and collect_all would compute the plan once per reader.
    exporter = _group_exporter(annual, suppliers, market, total_flows(trade)).collect().lazy()
    code_suppliers = supplier_flows(_annual(code.lazy())).collect().lazy()
    competition = _group_competition(code_suppliers, market, home, competitors)
    cms = _group_cms(code.lazy(), code_suppliers)
    tariffs = tariff_tables(schema_for("tariff").empty().lazy() if tariff is None else tariff,
                            code_flows.every_level, market, config)
    frames = {
        "group_market": market, "group_exporter": exporter, "group_competition": competition, "group_cms": cms,
        "group_hs": _group_hs(code_suppliers), **tariffs,
    }
    tables = finish_tables(frames, flows, imports, ecommerce, config)
    tables[GROUP_EXPORT_POTENTIAL.name] = _sorted_by_key(export_potential(tables, imports, config, weo, capital),
                                                         GROUP_EXPORT_POTENTIAL)
    return {name: tables[name] for name in (table.name for table in METRIC_TABLES)}


def group_level_market(flows: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """From the group-level flows: the annual ones, the supplier flows, the markets' imports and group_market."""
    annual, suppliers, imports, market = market_within_year(flows)
    return annual, suppliers, imports, market_across_years(market)


def market_within_year(flows: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """group_market's columns that read one period (shares, unit values): years computed apart and stacked
    give the same rows, so the windows compute each year once."""
    annual = _annual(flows)
    suppliers = supplier_flows(annual).collect().lazy()
    imports = market_imports(annual, suppliers).collect().lazy()
    return annual, suppliers, imports, relative_unit_value(unit_value(market_share(suppliers, imports)))


def market_across_years(market: pl.LazyFrame) -> pl.LazyFrame:
    """group_market's columns that compare a year with the year before (growth, share change), from one join of
    each row with its key's row a year earlier (``growth.growth_yoy`` and ``shares.share_change_pp``, each a
    join of its own, give the same values at three times the cost)."""
    compared = ["export_value_usd", "market_imports_usd", "market_share"]
    market = with_earlier(market, ["group", "exporter", "market"], compared, 1, "_prev")
    return market.with_columns(
        growth_yoy=growth_rate(pl.col("export_value_usd"), pl.col("export_value_usd_prev")),
        market_import_growth=growth_rate(pl.col("market_imports_usd"), pl.col("market_imports_usd_prev")),
        market_share_change_pp=100 * (pl.col("market_share") - pl.col("market_share_prev")),
    ).drop(f"{name}_prev" for name in compared).collect().lazy()


def finish_tables(frames: dict[str, pl.LazyFrame], flows: pl.LazyFrame, imports: pl.LazyFrame,
                  ecommerce: pl.LazyFrame, config: Config) -> dict[str, pl.DataFrame]:
    """The tables from ``frames`` (group_market, group_exporter, group_competition, group_cms, group_hs and the
    tariff tables) and the group-level flows: the opportunity, monthly and demand tables are added (not the
    export potential: :func:`export_potential`), and every table is collected with its schema's columns, in key
    order."""
    opportunity = _group_opportunity(imports, frames["group_market"], frames["group_exporter"], ecommerce, config,
                                     frames["group_tariff"])
    monthly = _group_market_monthly(flows.filter(pl.col("frequency") == "M"))
    frames = {**frames, "group_opportunity": opportunity, "group_market_monthly": monthly}
    # One table at a time: computing them side by side (collect_all) holds every plan's intermediates at once,
    # the peak of the whole command, and their inputs above are materialised already.
    tables = {name: _sorted_by_key(_finish(frames[name], schema_for(name)).collect(), schema_for(name))
              for name in ORDER if name in frames}
    demand = demand_frames(flows, tables["group_market_monthly"].lazy(), config)  # nowcast and forecasts
    return tables | {name: _sorted_by_key(_finish(frame, schema_for(name)).collect(), schema_for(name))
                     for name, frame in demand.items()}


def export_potential(tables: dict[str, pl.DataFrame], imports: pl.LazyFrame, config: Config,
                     weo: pl.LazyFrame | None, capital: pl.LazyFrame | None) -> pl.DataFrame:
    """group_export_potential from the collected tables (their plans are not computed twice), in no particular
    order: the largest table, written a year at a time through the store, which sorts each file by the key."""
    potential = group_export_potential(
        tables["group_market"].lazy(), imports, tables["group_exporter"].lazy(), tables["group_tariff"].lazy(),
        schema_for("weo").empty().lazy() if weo is None else weo,
        schema_for("capital").empty().lazy() if capital is None else capital,
        config.scope.import_income_elasticity)
    return _finish(potential, GROUP_EXPORT_POTENTIAL).collect()


def _group_exporter(annual: pl.LazyFrame, suppliers: pl.LazyFrame, market: pl.LazyFrame,
                    totals: pl.LazyFrame) -> pl.LazyFrame:
    return exporter_across_years(exporter_within_year(annual, suppliers, market, totals))


def exporter_within_year(annual: pl.LazyFrame, suppliers: pl.LazyFrame, market: pl.LazyFrame,
                         totals: pl.LazyFrame) -> pl.LazyFrame:
    """group_exporter's columns that read one period (world share, RCA, Lafay, TCI, HHI): years computed apart
    and stacked give the same rows, so the windows compute each year once."""
    exports = world_market_share(exports_to_world(annual, suppliers))
    own_imports = imports_from_world(annual, suppliers).select(
        "group", "exporter", "period", "import_value_usd", *PROVENANCE_COLUMNS
    )
    # provenance describes the numerator (x_ik) alone; sources and newest_fetch take in every input
    exports = exports.with_columns(_value_provenance=pl.col("provenance"))
    frame = join_with_provenance(exports, own_imports, ["group", "exporter", "period"], how="left")
    frame = join_with_provenance(frame, total_trade(totals), ["exporter", "period"], how="left").with_columns(
        provenance=pl.col("_value_provenance")
    ).drop("_value_provenance")
    frame = revealed_comparative_advantage(frame, world_total_exports(totals, BACI_SOURCE))
    frame = lafay_index(trade_competitiveness_index(frame))
    hhi = market_concentration(market, ["group", "exporter", "year"])
    return frame.join(hhi, on=["group", "exporter", "year"], how="left")


def exporter_across_years(exporter: pl.LazyFrame) -> pl.LazyFrame:
    """group_exporter's columns that compare a year with earlier ones (world share change, growth, 5-year CAGR)."""
    key = ["group", "exporter"]
    exporter = share_change_pp(exporter, key, "world_share", "world_share_change_pp")
    return compound_annual_growth(growth_yoy(exporter, key), key, 5)


def _group_hs(code_suppliers: pl.LazyFrame) -> pl.LazyFrame:
    """The group's sales by HS code: summed over markets, with each code's share of the group and its growth."""
    return _hs_growth(_hs_by_code(code_suppliers))


def _hs_by_code(code_suppliers: pl.LazyFrame) -> pl.LazyFrame:
    """group_hs within each year: the sales by code and each code's share of the group."""
    by_code = group_and_fold(code_suppliers, ["group", "exporter", "hs_code", "period", "year"],
                             [pl.col("value_usd").sum().alias("export_value_usd")])
    return by_code.with_columns(share_of_group=safe_div(
        pl.col("export_value_usd"), pl.col("export_value_usd").sum().over("group", "exporter", "year")))


def _hs_growth(by_code: pl.LazyFrame) -> pl.LazyFrame:
    """group_hs across years: each code's growth on the year before."""
    return growth_yoy(by_code, ["group", "exporter", "hs_code"])


def _group_competition(code_suppliers: pl.LazyFrame, market: pl.LazyFrame, home: str,
                       competitors: tuple[str, ...]) -> pl.LazyFrame:
    """Every tracked exporter against every other one, as stored: one row per unordered pair (exporter <
    competitor). ESI, the sides' shares and prices, and the merged provenance are all symmetric, so the reverse
    row is the same row with its sides swapped: ``schemas.mirror_rows`` adds it when the table is read."""
    return _competition_sides(_esi(code_suppliers, home, competitors), market)


def _esi(code_suppliers: pl.LazyFrame, home: str, competitors: tuple[str, ...]) -> pl.LazyFrame:
    """group_competition's similarity, within each year: one row per unordered pair of tracked exporters."""
    tracked = (home, *(c for c in competitors if c != home))
    return similarity_once(code_suppliers, tracked, tracked).with_columns(
        year=pl.col("period").cast(pl.Int32)
    ).drop("period")


def _competition_sides(esi: pl.LazyFrame, market: pl.LazyFrame) -> pl.LazyFrame:
    """The similarity rows with both sides' market shares and unit values (from group_market)."""
    side = market.select("group", "market", "year", "exporter", "market_share", "unit_value_usd_per_kg",
                         *PROVENANCE_COLUMNS)
    own = side.rename({"market_share": "exporter_share", "unit_value_usd_per_kg": "exporter_unit_value_usd_per_kg"})
    other = side.rename({"exporter": "competitor", "market_share": "competitor_share",
                         "unit_value_usd_per_kg": "competitor_unit_value_usd_per_kg"})
    frame = esi.join(own, on=["group", "market", "year", "exporter"], how="left")
    return join_with_provenance(frame.drop("both_ways"), other, ["group", "market", "year", "competitor"],
                                how="left")


def _group_cms(code: pl.LazyFrame, code_suppliers: pl.LazyFrame) -> pl.LazyFrame:
    """CMS over consecutive years and the long span, on the markets' reported world imports (cms.py)."""
    code_imports = reported_world_imports(_annual(code)).collect().lazy()
    years = sorted(code_suppliers.select(pl.col("year").unique()).collect().to_series().to_list())
    return constant_market_share(code_suppliers, code_imports, cms_pairs(years))


def cms_pairs(years: list[int]) -> list[tuple[int, int]]:
    """The (base, end) years CMS decomposes among the sorted ``years``: consecutive ones and the long span."""
    pairs = [(a, b) for a, b in itertools.pairwise(years) if b == a + 1]
    if years and years[-1] - CMS_LONG_SPAN_YEARS in years:
        pairs.append((years[-1] - CMS_LONG_SPAN_YEARS, years[-1]))
    return pairs


def _group_opportunity(imports: pl.LazyFrame, market: pl.LazyFrame, exporter: pl.LazyFrame,
                       ecommerce: pl.LazyFrame, config: Config, tariffs: pl.LazyFrame) -> pl.LazyFrame:
    home = config.scope.home_exporter
    sized = imports.select("group", "market", "period", "year", pl.col("value_usd").alias("market_imports_usd"),
                           *PROVENANCE_COLUMNS)
    sized = compound_annual_growth(sized, ["group", "market"], 3, "market_imports_usd", "_cagr")
    sized = growth_yoy(sized, ["group", "market"], "market_imports_usd", "_yoy")
    sized = sized.with_columns(market_growth=pl.coalesce("_cagr", "_yoy")).drop("_cagr", "_yoy", "period")
    categories = {group.id: group.ecommerce_categories for group in config.groups}
    complementarity = trade_complementarity(
        exporter.select("group", "exporter", "period", "export_value_usd"),
        imports.select("group", "market", "period", "value_usd"),
    ).with_columns(year=pl.col("period").cast(pl.Int32))
    return market_opportunity(sized, market, online_buying(ecommerce, categories), complementarity, home, tariffs)


def _group_market_monthly(monthly: pl.LazyFrame) -> pl.LazyFrame:
    suppliers = supplier_flows(monthly).collect().lazy()  # read by the imports and by the shares
    frame = market_share(suppliers, market_imports(monthly, suppliers))
    return share_change_pp(frame, ["group", "exporter", "market"])
