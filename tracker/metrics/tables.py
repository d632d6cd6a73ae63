"""The materialised metric tables: their schemas (a column dictionary shared by the app and CSV exports)
and ``compute_tables``, which recomputes all of them from the stored trade and e-commerce data.

Annual tables use frequency A rows only; ``group_market_monthly`` uses the M rows. Every table carries
``provenance`` (reported / mirror / estimated / mixed), ``sources``, ``newest_fetch`` and ``sample``.
"""

from __future__ import annotations

import itertools
import math

import polars as pl

from tracker.baci.precedence import baci_first
from tracker.config import Config
from tracker.metrics._common import (
    PROVENANCE_COLUMNS,
    RESULT_PROVENANCE,
    finite,
    group_and_fold,
    join_with_provenance,
    safe_div,
    with_sample_flag,
)
from tracker.metrics.cms import constant_market_share
from tracker.metrics.concentration import market_concentration
from tracker.metrics.demand import DEMAND_TABLES, demand_frames
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
from tracker.schemas import UTC_TIME, Column, TableSchema, register, schema_for
from tracker.sources.baci import SOURCE as BACI_SOURCE

F64, I32, STR, BOOL = pl.Float64(), pl.Int32(), pl.String(), pl.Boolean()
CMS_LONG_SPAN_YEARS = 5
# group_competition's column pairs that trade places when a row is read from the competitor's side.
COMPETITION_SIDES = (("exporter", "competitor"), ("exporter_share", "competitor_share"),
                     ("exporter_unit_value_usd_per_kg", "competitor_unit_value_usd_per_kg"))
# group_tariff_margin's: the two rates trade places, and margin_pp (their difference) changes sign.
TARIFF_MARGIN_SIDES = (("exporter", "competitor"), ("exporter_tariff_pct", "competitor_tariff_pct"))


PROVENANCE_MEANING = ("reported (all inputs as the reporter declared them), mirror (a partner's report stood in), "
                      "estimated, or mixed.")


def _provenance_columns(meaning: str = PROVENANCE_MEANING) -> tuple[Column, ...]:
    return (
        Column("provenance", STR, meaning, allowed=RESULT_PROVENANCE),
        Column("sources", STR, "Comma-separated sources that fed the row (comtrade, census, comext, sample...)."),
        Column("newest_fetch", UTC_TIME, "Newest fetch time (UTC) among the inputs: the data's vintage."),
        Column("sample", BOOL, "True when sample (invented) data went into the row."),
    )


GROUP = Column("group", STR, "Product group id from config/product_groups.toml.")
EXPORTER = Column("exporter", STR, "ISO3 of the exporting (supplying) country.")
MARKET = Column("market", STR, "ISO3 of the importing market.")
YEAR = Column("year", I32, "Calendar year (annual data).")
VALUE_PROVENANCE = Column(
    "value_provenance", STR, "Provenance of export_value_usd alone (the share's numerator): reported = the "
    "market's own import record, mirror = the exporter's report stood in. The data basis filter selects on it.",
    allowed=RESULT_PROVENANCE,
)

GROUP_MARKET = register(TableSchema(
    name="group_market",
    meaning="Per product group, exporter, market and year: sales, market share, growth and price position.",
    columns=(
        GROUP, EXPORTER, MARKET, YEAR,
        Column("export_value_usd", F64, "The market's imports from the exporter (CIF, as the market reports them; "
               "FOB exporter report when provenance is mirror)."),
        Column("market_imports_usd", F64, "The market's imports of the group from the world (WLD report; else "
               "the sum of its recorded suppliers).", nullable=True),
        Column("market_share", F64, "export_value_usd / market_imports_usd (0–1).", nullable=True),
        Column("market_share_change_pp", F64, "Change of market_share since the previous year, in percentage "
               "points; null when either year is missing.", nullable=True),
        Column("growth_yoy", F64, "export_value_usd / previous year − 1; null when the base is 0 or missing.",
               nullable=True),
        Column("market_import_growth", F64, "market_imports_usd / previous year − 1: is the market growing? "
               "Null when the base is 0 or missing.", nullable=True),
        Column("unit_value_usd_per_kg", F64, "Value / net weight over rows with a positive weight; null without "
               "weight.", nullable=True),
        Column("competitors_median_uv_usd_per_kg", F64, "Median unit value of the other suppliers of this "
               "market.", nullable=True),
        Column("relative_unit_value", F64, "unit_value_usd_per_kg / competitors' median: > 1 premium, < 1 "
               "cheaper.", nullable=True),
        VALUE_PROVENANCE,
        *_provenance_columns(),
    ),
    key=("group", "exporter", "market", "year"),
    partition_by=("year",),  # a file per year: a change to one year rewrites only what reads it (metrics.windows)
))

GROUP_EXPORTER = register(TableSchema(
    name="group_exporter",
    meaning="Per product group, exporter and year: world position, specialisation, concentration, momentum.",
    columns=(
        GROUP, EXPORTER, YEAR,
        Column("export_value_usd", F64, "Exporter's exports of the group to the world (its FOB report; mirror: "
               "sum of the markets' records)."),
        Column("import_value_usd", F64, "Exporter's imports of the group from the world.", nullable=True),
        Column("world_share", F64, "export_value_usd / sum over all exporters in the store (0–1); provenance "
               "describes the numerator.", nullable=True),
        Column("world_share_change_pp", F64, "Change of world_share since the previous year, in percentage "
               "points.", nullable=True),
        Column("rca", F64, "Balassa revealed comparative advantage (x_ik/X_i)/(x_wk/X_w); > 1 = specialised.",
               nullable=True),
        Column("tc_index", F64, "Trade competitiveness (x − M)/(x + M), −1 … 1.", nullable=True),
        Column("lafay", F64, "Lafay index against the country's total (HS TOTAL) trade balance.", nullable=True),
        Column("hhi_markets", F64, "Herfindahl index of the exporter's markets (Σ s_m², 0–1).", nullable=True),
        Column("hhi_markets_normalised", F64, "(H − 1/N)/(1 − 1/N); null with a single market.", nullable=True),
        Column("markets_served", I32, "Markets with positive recorded sales (N of the HHI).", nullable=True),
        Column("growth_yoy", F64, "export_value_usd / previous year − 1; null when the base is 0 or missing.",
               nullable=True),
        Column("cagr_5y", F64, "Compound annual growth over 5 years; null when the base is 0 or missing.",
               nullable=True),
        *_provenance_columns(
            "Provenance of export_value_usd (the numerator of world_share and RCA): reported = the exporter's own "
            "report to the world, mirror = the sum of the markets' records of it; sources and newest_fetch cover "
            "every input (imports and HS TOTAL too)."
        ),
    ),
    key=("group", "exporter", "year"),
    partition_by=("year",),
))

GROUP_COMPETITION = register(TableSchema(
    name="group_competition",
    meaning="Home exporter against each competitor, per group, market and year: similarity, shares, prices. "
            "Symmetric, so stored once per pair (exporter < competitor); Store.scan returns both orders.",
    columns=(
        GROUP, MARKET, YEAR,
        Column("exporter", STR, "ISO3 of the exporter (the home exporter or one of scope.competitors)."),
        Column("competitor", STR, "ISO3 of another tracked exporter it is compared with."),
        Column("esi", F64, "Finger–Kreinin export similarity 100·Σ_k min(s_ak, s_bk) over the group's HS codes."),
        Column("exporter_share", F64, "Home exporter's market share (0–1).", nullable=True),
        Column("competitor_share", F64, "Competitor's market share (0–1).", nullable=True),
        Column("exporter_unit_value_usd_per_kg", F64, "Home exporter's unit value.", nullable=True),
        Column("competitor_unit_value_usd_per_kg", F64, "Competitor's unit value.", nullable=True),
        *_provenance_columns(),
    ),
    key=("group", "market", "year", "exporter", "competitor"),
    partition_by=("year",),
    mirrored_sides=COMPETITION_SIDES,
))

GROUP_CMS = register(TableSchema(
    name="group_cms",
    meaning="Constant-market-share decomposition of each exporter's change in sales of a group between two years.",
    columns=(
        GROUP, EXPORTER,
        Column("base_year", I32, "First year of the comparison."),
        Column("end_year", I32, "Last year of the comparison."),
        Column("export_value_base_usd", F64, "X⁰: sales to the stored markets in base_year."),
        Column("export_value_end_usd", F64, "X¹: sales to the stored markets in end_year."),
        Column("change_usd", F64, "ΔX = X¹ − X⁰ = the sum of the four effects."),
        Column("world_import_growth", F64, "r: growth of the markets' imports of the group.", nullable=True),
        Column("world_growth_effect_usd", F64, "r·X⁰: growth had the exporter kept pace with world demand.",
               nullable=True),
        Column("product_mix_effect_usd", F64, "Σ_k (r_k − r)·X_k⁰: selling fast- or slow-growing codes.",
               nullable=True),
        Column("market_mix_effect_usd", F64, "Σ_k Σ_m (r_km − r_k)·X_km⁰: selling to fast- or slow-growing "
               "markets.", nullable=True),
        Column("competitiveness_effect_usd", F64, "Σ_k Σ_m (ΔX_km − r_km·X_km⁰): share won or lost within "
               "markets.", nullable=True),
        *_provenance_columns(),
    ),
    key=("group", "exporter", "base_year", "end_year"),
    partition_by=("end_year",),
))

GROUP_OPPORTUNITY = register(TableSchema(
    name="group_opportunity",
    meaning="Market-opportunity score for the home exporter per group and market in the latest year "
            "(formula: tracker.metrics.opportunity); never the home market, nor a market without supplier data.",
    columns=(
        GROUP, MARKET, YEAR,
        Column("exporter", STR, "ISO3 of the home exporter the score is for."),
        Column("score", F64, "0–100; 100 = the group's best market.", nullable=True),
        Column("rank", I32, "1 = best market of the group.", nullable=True),
        Column("market_imports_usd", F64, "Size: the market's imports of the group from the world."),
        Column("market_growth", F64, "3-year CAGR of market imports (else year-on-year).", nullable=True),
        Column("exporter_share", F64, "Home exporter's current market share (0–1).", nullable=True),
        Column("headroom", F64, "1 − exporter_share."),
        Column("relative_unit_value", F64, "Home exporter's unit value / competitors' median.", nullable=True),
        Column("ecommerce_online_pct", F64, "% of individuals buying the group's categories online.",
               nullable=True),
        Column("survey_year", I32, "Year of the e-commerce survey value.", nullable=True),
        Column("trade_complementarity", F64, "TCI of home exports and market imports over all groups (0–100; "
               "context, not scored).", nullable=True),
        Column("growth_factor", F64, "1 + market_growth, clipped to [0.5, 1.5]."),
        Column("price_factor", F64, "1 / relative_unit_value clipped to [0.67, 1.5]; 1 when unknown."),
        Column("ecommerce_factor", F64, "1 + 0.5 × ecommerce_online_pct / 100; 1 when unknown."),
        Column("tariff_year", I32, "Year of the tariff schedule used (newest ≤ year).", nullable=True),
        Column("tariff_faced_pct", F64, "Tariff the home exporter faces, % (group_tariff).", nullable=True),
        Column("min_competitor_tariff_pct", F64, "Lowest tariff among its tracked competitors, %.", nullable=True),
        Column("tariff_factor", F64, "(1 + min_competitor_tariff_pct/100) / (1 + tariff_faced_pct/100) clipped to "
               "[0.67, 1.5]; 1 when unknown."),
        Column("reasons", STR, "The score's components in one line."),
        *_provenance_columns(),
    ),
    key=("group", "market", "year"),
    partition_by=("year",),
))

GROUP_MARKET_MONTHLY = register(TableSchema(
    name="group_market_monthly",
    meaning="Monthly market share per group, exporter and market (monthly rows only).",
    columns=(
        GROUP, EXPORTER, MARKET,
        Column("period", STR, "YYYY-MM.", pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
        YEAR,
        Column("export_value_usd", F64, "The market's imports from the exporter that month."),
        Column("market_imports_usd", F64, "The market's imports of the group from the world that month.",
               nullable=True),
        Column("market_share", F64, "export_value_usd / market_imports_usd (0–1).", nullable=True),
        Column("market_share_change_pp", F64, "Change since the same month a year earlier, percentage points.",
               nullable=True),
        VALUE_PROVENANCE,
        *_provenance_columns(),
    ),
    key=("group", "exporter", "market", "period"),
    partition_by=("year",),
))

GROUP_HS = register(TableSchema(
    name="group_hs",
    meaning="Per product group, exporter, HS code and year: what the group's sales are made of.",
    columns=(
        GROUP, EXPORTER,
        Column("hs_code", STR, "HS code as stored (the group's codes or finer codes below them)."),
        YEAR,
        Column("export_value_usd", F64, "Sum over the markets of their imports of this code from the exporter "
               "(mirror where a market did not report)."),
        Column("share_of_group", F64, "export_value_usd / the exporter's total over the group's codes (0–1).",
               nullable=True),
        Column("growth_yoy", F64, "export_value_usd / previous year − 1; null when the base is 0 or missing.",
               nullable=True),
        *_provenance_columns(),
    ),
    key=("group", "exporter", "hs_code", "year"),
    partition_by=("year",),
))

TARIFF_NOTE = "Applied tariffs (WITS TRAINS); extra duties (US Section 301/232, anti-dumping) are not included."
GROUP_TARIFF = register(TableSchema(
    name="group_tariff",
    meaning="Tariff each tracked exporter faces per product group, market and year, averaged over the group's "
            f"HS6 codes (rules: tracker.metrics.tariffs). {TARIFF_NOTE}",
    columns=(
        GROUP, EXPORTER, MARKET,
        Column("year", I32, "Year of the tariff schedule."),
        Column("tariff_faced_pct", F64, "Rate faced, %: per code the preferential rate where one applies and is "
               "lower, else MFN; averaged as `weighting` says.", nullable=True),
        Column("tariff_type_faced", STR, "MFN, PRF (every code under a preference) or mixed.", nullable=True,
               allowed=("MFN", "PRF", "mixed")),
        Column("preferential_share", F64, "Share of the average's weight under a preference (0–1).",
               nullable=True),
        Column("mfn_rate_pct", F64, "MFN rate on the same codes and weights, %.", nullable=True),
        Column("tariff_change_pp", F64, "Change of the rate faced since the previous year's schedule, on this "
               "year's weights (a shift of the import mix is no change), percentage points.", nullable=True),
        Column("weighting", STR, "trade-weighted (by the market's imports of each code from the world) or simple "
               "(no import record for the codes).", allowed=("trade-weighted", "simple")),
        Column("hs6_codes", I32, "HS6 codes with an ad-valorem rate in the average."),
        Column("lowest_tariff_competitor", STR, "ISO3 of the tracked competitor with the lowest rate.",
               nullable=True),
        Column("min_competitor_tariff_pct", F64, "Lowest rate among the tracked competitors, %.", nullable=True),
        Column("margin_vs_lowest_competitor_pp", F64, "tariff_faced_pct − min_competitor_tariff_pct, percentage "
               "points: above 0 = a disadvantage.", nullable=True),
        Column("non_ad_valorem_share", F64, "Share of the group's tariff lines with non-ad-valorem (specific, "
               "compound) duties, left out of the average (0–1).", nullable=True),
        *_provenance_columns("reported (as notified to TRAINS) or estimated (sample data, ad-valorem "
                             "equivalents), or mixed; sources include the trade data of the weights."),
    ),
    key=("group", "exporter", "market", "year"),
    partition_by=("year",),
))

GROUP_TARIFF_MARGIN = register(TableSchema(
    name="group_tariff_margin",
    meaning="Tariff margin of each tracked exporter against each other one, per group, market and year. Stored "
            "once per pair (exporter < competitor); Store.scan returns both orders, margin_pp negated in the "
            f"reverse one. {TARIFF_NOTE}",
    columns=(
        GROUP,
        Column("exporter", STR, "ISO3 of the exporter."),
        Column("competitor", STR, "ISO3 of the tracked competitor it is compared with."),
        MARKET,
        Column("year", I32, "Year of the tariff schedule."),
        Column("exporter_tariff_pct", F64, "Rate the exporter faces, % (group_tariff.tariff_faced_pct)."),
        Column("competitor_tariff_pct", F64, "Rate the competitor faces, %."),
        Column("margin_pp", F64, "exporter_tariff_pct − competitor_tariff_pct, percentage points: above 0 = the "
               "exporter pays more."),
        *_provenance_columns("Provenance of both rates: reported, estimated or mixed."),
    ),
    key=("group", "exporter", "competitor", "market", "year"),
    partition_by=("year",),
    mirrored_sides=TARIFF_MARGIN_SIDES,
    mirror_negated=("margin_pp",),
))

POTENTIAL_NOTE = ("A benchmark built on IMF WEO projections (ITC's Export Potential Indicator), not a forecast and "
                  "not a ceiling.")
GROUP_EXPORT_POTENTIAL = register(TableSchema(
    name="group_export_potential",
    meaning="Export potential in USD per product group, exporter, market and year, five years ahead, by ITC's "
            f"method (formula and choices: tracker.metrics.potential). {POTENTIAL_NOTE}",
    columns=(
        GROUP, EXPORTER, MARKET, YEAR,
        Column("potential_usd", F64, "EP = projected_share × re_export_factor × supply_tariff_factor × "
               "projected_imports_usd × demand_tariff_factor × distance_factor × bilateral_factor, USD."),
        Column("actual_usd", F64, "x_ijk: the market's imports of the group from the exporter in the year (0 when "
               "none is recorded)."),
        Column("untapped_usd", F64, "max(potential_usd − actual_usd, 0), USD."),
        Column("projected_share", F64, "x_ik·ΔGDP_i / Σ x_i'k·ΔGDP_i': the exporter's projected share of world "
               "exports of the group (0–1).", nullable=True),
        Column("re_export_factor", F64, "min(1, x_ik / M_ik); 1 when the exporter's imports are 0 or unknown."),
        Column("supply_tariff_factor", F64, "(1 + t̄_ik) / (1 + t̄_k): average tariff the exporter's sales face "
               "over the world average; 1 when unknown."),
        Column("projected_imports_usd", F64, "M_jk · (ΔGDP_j / ΔPOP_j)^ε · ΔPOP_j: the market's imports in five "
               "years, USD."),
        Column("demand_tariff_factor", F64, "(1 + t̄_jk) / (1 + t_ijk): the market's average tariff over the rate "
               "the exporter faces; 1 when unknown."),
        Column("distance_factor", F64, "exp(−|avg ln distance of the market's suppliers − ln distance_km|); 1 "
               "without coordinates."),
        Column("bilateral_factor", F64, "x_ij / Σ_k (x_ik / x_wk · M_jk) over the tracked groups: the pair's "
               "trade over what the exporter's world shares predict."),
        Column("distance_km", F64, "Great-circle distance between the capitals (haversine, R = 6,371 km).",
               nullable=True),
        Column("gdp_ratio_exporter", F64, "ΔGDP_i: real GDP in t+5 / t (compounded NGDP_RPCH); 1 when unknown."),
        Column("gdp_ratio_market", F64, "ΔGDP_j: real GDP in t+5 / t; 1 when unknown."),
        Column("pop_ratio_market", F64, "ΔPOP_j: population (LP) in t+5 / t; 1 when unknown."),
        Column("income_elasticity", F64, "ε used ([scope] import_income_elasticity)."),
        Column("market_imports_usd", F64, "M_jk: the market's imports of the group from the world, USD."),
        Column("exporter_exports_usd", F64, "x_ik: the exporter's exports of the group to the world, USD."),
        Column("expected_usd", F64, "x_ik / x_wk · M_jk: the sales the exporter's world share predicts there, USD.",
               nullable=True),
        Column("tariff_faced_pct", F64, "t_ijk: the rate the exporter faces there, % (group_tariff, newest "
               "schedule ≤ year).", nullable=True),
        Column("market_avg_tariff_pct", F64, "t̄_jk: the market's tariff on the group, weighted by its imports "
               "from each supplier with a known rate, %.", nullable=True),
        Column("exporter_avg_tariff_pct", F64, "t̄_ik: the tariff the exporter's sales of the group face, weighted "
               "by market, %.", nullable=True),
        Column("world_avg_tariff_pct", F64, "t̄_k: the average tariff on the group's trade with a known rate, %.",
               nullable=True),
        Column("supply_tariff_known", BOOL, "False when supply_tariff_factor is 1 for want of a known rate."),
        Column("demand_tariff_known", BOOL, "False when demand_tariff_factor is 1 for want of a known rate."),
        Column("distance_known", BOOL, "False when distance_factor is 1 for want of capital coordinates."),
        Column("projection_known", BOOL, "False when a GDP or population ratio is 1 for want of WEO projections."),
        Column("weo_vintage", STR, "WEO edition of the projections (YYYY-MM).", nullable=True),
        *_provenance_columns("Provenance of the trade inputs (x_ik, M_jk): reported, mirror, reconciled, "
                             "estimated or mixed; sources add the projections' and the coordinates'."),
    ),
    key=("group", "exporter", "market", "year"),
    partition_by=("year",),
))

METRIC_TABLES: tuple[TableSchema, ...] = (
    GROUP_MARKET, GROUP_EXPORTER, GROUP_COMPETITION, GROUP_CMS, GROUP_OPPORTUNITY, GROUP_MARKET_MONTHLY, GROUP_HS,
    GROUP_TARIFF, GROUP_TARIFF_MARGIN, GROUP_EXPORT_POTENTIAL,
    *DEMAND_TABLES,
)
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
    """The frame sorted by its natural key (deterministic files), in the strings' order.

    Each key column becomes the rank of its value among the column's sorted distinct values (strings through an
    enum of them, integers as the offset from their minimum); the ranks combine into one integer in the key's
    order, so a single integer column is sorted instead of several string columns (a fraction of the time).
    The key is unique, so the order is the one of the columns themselves.
    """
    key = list(schema.key)
    if frame.select(key).null_count().sum_horizontal().item():
        return frame.sort(key)  # ranks are for values; a null in the key takes the plain sort
    ranks, sizes = [], []
    for name in key:
        column = frame.get_column(name)
        if column.dtype == pl.String:
            values = column.unique().sort()
            ranks.append(pl.col(name).cast(pl.Enum(values)).to_physical().cast(pl.UInt64))
            sizes.append(len(values))
        else:
            low, high = column.min(), column.max()
            ranks.append((pl.col(name) - low).cast(pl.UInt64))
            sizes.append(0 if low is None else int(high) - int(low) + 1)  # type: ignore[arg-type]  # integers
    if math.prod(sizes) >= 2**64:
        return frame.sort(key)  # more combinations than one integer holds
    combined = pl.lit(0, pl.UInt64)
    for rank, size in zip(ranks, sizes, strict=True):
        combined = combined * size + rank
    return frame.sort(combined)


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
    tables[GROUP_EXPORT_POTENTIAL.name] = export_potential(tables, imports, config, weo, capital)
    return {name: tables[name] for name in (table.name for table in METRIC_TABLES)}


def group_level_market(flows: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """From the group-level flows: the annual ones, the supplier flows, the markets' imports and group_market."""
    annual = _annual(flows)
    suppliers = supplier_flows(annual).collect().lazy()
    imports = market_imports(annual, suppliers).collect().lazy()
    market = market_share(suppliers, imports)
    market = unit_value(market)
    market = relative_unit_value(market)
    market = growth_yoy(market, ["group", "exporter", "market"])
    market = growth_yoy(market, ["group", "exporter", "market"], "market_imports_usd", "market_import_growth")
    market = share_change_pp(market, ["group", "exporter", "market"]).collect().lazy()
    return annual, suppliers, imports, market


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
                     weo: pl.LazyFrame | None, capital: pl.LazyFrame | None, year: int | None = None) -> pl.DataFrame:
    """group_export_potential from the collected tables (their plans are not computed twice); ``year``: that
    year's rows only, which read that year's trade alone (the tariffs' newest schedule ≤ year, whole)."""
    def of_year(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame if year is None else frame.filter(pl.col("year") == year)

    potential = group_export_potential(
        of_year(tables["group_market"].lazy()), of_year(imports), of_year(tables["group_exporter"].lazy()),
        tables["group_tariff"].lazy(), schema_for("weo").empty().lazy() if weo is None else weo,
        schema_for("capital").empty().lazy() if capital is None else capital,
        config.scope.import_income_elasticity)
    return _sorted_by_key(_finish(potential, GROUP_EXPORT_POTENTIAL).collect(), GROUP_EXPORT_POTENTIAL)


def _group_exporter(annual: pl.LazyFrame, suppliers: pl.LazyFrame, market: pl.LazyFrame,
                    totals: pl.LazyFrame) -> pl.LazyFrame:
    exports = world_market_share(exports_to_world(annual, suppliers))
    exports = share_change_pp(exports, ["group", "exporter"], "world_share", "world_share_change_pp")
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
    frame = compound_annual_growth(growth_yoy(frame, ["group", "exporter"]), ["group", "exporter"], 5)
    hhi = market_concentration(market, ["group", "exporter", "year"])
    return frame.join(hhi, on=["group", "exporter", "year"], how="left")


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
