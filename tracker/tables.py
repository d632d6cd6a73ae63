"""The table catalogue: every table the store holds, its columns, natural key, partitioning and meaning, in one
place.

Declared here and nowhere else, so that ``schema_for`` knows every table whatever was imported, and the docs
(docs/store.md) list them all. What a schema is and how a frame is checked against it is in ``tracker.schemas``;
what computes the metric tables is in ``tracker.metrics``, the alerts in ``tracker.alerts``, the job runs in
``tracker.scheduling.runs``. Nothing here computes or writes.
"""

from __future__ import annotations

import polars as pl

from tracker.errors import SchemaError
from tracker.forecast import HORIZON
from tracker.schemas import (
    CODE_PATTERN,
    FETCH_STATUSES,
    FLOWS,
    FREQUENCIES,
    HS_CODE_PATTERN,
    HS_REVISION_PATTERN,
    MACRO_UNITS,
    MAX_AMOUNT,
    PERIOD_PATTERN,
    PROVENANCE,
    QUANTITY_UNITS,
    UTC_TIME,
    Column,
    TableSchema,
    country_check,
    frequency_matches_period,
    percent_in_range,
    year_matches_period,
)

F64, I32, STR, BOOL = pl.Float64(), pl.Int32(), pl.String(), pl.Boolean()

# ------------------------------------------------------------------------ what the sources (and the sample) write
TRADE = TableSchema(
    name="trade",
    meaning="Goods trade flows: one row per source, flow, reporter, partner, HS code and period.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (comtrade, census, comext, sample).",
               pattern=r"^[a-z_]+$"),
        Column("flow", pl.String(), "Direction as declared by the reporter.", allowed=FLOWS),
        Column("reporter", pl.String(), "ISO3 of the country that declared the flow."),
        Column("partner", pl.String(), "ISO3 of the partner country, or WLD for the world."),
        Column("hs_code", pl.String(), "HS code (2, 4, 6 digits; 8/10 for national detail) or TOTAL.",
               pattern=HS_CODE_PATTERN),
        Column("period", pl.String(), "YYYY for annual rows, YYYY-MM for monthly rows.", pattern=PERIOD_PATTERN),
        Column("year", pl.Int32(), "Calendar year of the period (partition column)."),
        Column("frequency", pl.String(), "A = annual, M = monthly.", allowed=FREQUENCIES),
        Column("value_usd", pl.Float64(), "Trade value in US dollars (CIF for imports, FOB for exports).",
               minimum=0.0, maximum=MAX_AMOUNT),
        Column("net_weight_kg", pl.Float64(), "Net weight in kilograms; null when not reported.", nullable=True,
               minimum=0.0, maximum=MAX_AMOUNT),
        Column("quantity", pl.Float64(), "Quantity in the supplementary unit; null when not reported.",
               nullable=True, minimum=0.0, maximum=MAX_AMOUNT),
        Column("quantity_unit", pl.String(), "Unit of `quantity` as the source names it.", nullable=True,
               allowed=QUANTITY_UNITS),
        Column("hs_revision", pl.String(), "HS revision of the code (H4, H5, H6, CN, HS17 for BACI...).",
               nullable=True, pattern=HS_REVISION_PATTERN),
        Column("provenance", pl.String(), "reported by the reporter, mirror of a partner's "
               "report, estimated, or reconciled (BACI: both reports reconciled by CEPII).",
               allowed=PROVENANCE),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC); the newest fetch wins on upsert."),
    ),
    key=("source", "flow", "reporter", "partner", "hs_code", "period"),
    partition_by=("source", "year"),
    checks=(country_check("reporter", "partner"), year_matches_period, frequency_matches_period),
)

ECOMMERCE = TableSchema(
    name="ecommerce",
    meaning="E-commerce survey indicators: one row per source, indicator, market, category, unit and period.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (eurostat_ecommerce, sample).",
               pattern=r"^[a-z_]+$"),
        Column("indicator", pl.String(), "Indicator code, e.g. I_BLT12 (bought online in the last 12 months).",
               pattern=CODE_PATTERN),
        Column("indicator_label", pl.String(), "Human-readable indicator name from the source.", nullable=True),
        Column("market", pl.String(), "ISO3 of the surveyed country, or EUU for the EU aggregate."),
        Column("category", pl.String(), "Goods category code, or ALL when the indicator has none.",
               pattern=CODE_PATTERN),
        Column("period", pl.String(), "YYYY.", pattern=r"^\d{4}$"),
        Column("year", pl.Int32(), "Calendar year of the period."),
        Column("value", pl.Float64(), "Indicator value in `unit` (a percentage).", minimum=0.0, maximum=100.0),
        Column("unit", pl.String(), "Unit code, e.g. PC_IND (% of individuals).", pattern=r"^PC_[A-Z0-9_]+$"),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC)."),
    ),
    key=("source", "indicator", "market", "category", "unit", "period"),
    partition_by=("source",),
    checks=(country_check("market"), year_matches_period),
)

MACRO = TableSchema(
    name="macro",
    meaning="Market size and readiness indicators (World Bank): one row per source, indicator, market, year.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (worldbank, sample).", pattern=r"^[a-z_]+$"),
        Column("indicator", pl.String(), "Indicator id, e.g. NY.GDP.MKTP.CD.",
               pattern=r"^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)*$"),
        Column("indicator_label", pl.String(), "Human-readable indicator name.", nullable=True),
        Column("market", pl.String(), "ISO3 of the country."),
        Column("period", pl.String(), "YYYY.", pattern=r"^\d{4}$"),
        Column("year", pl.Int32(), "Calendar year."),
        Column("value", pl.Float64(), "Value in `unit`.", minimum=0.0, maximum=MAX_AMOUNT),
        Column("unit", pl.String(), "Unit, e.g. USD, persons, % of population.", allowed=MACRO_UNITS),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC)."),
    ),
    key=("source", "indicator", "market", "period"),
    partition_by=("source",),
    checks=(country_check("market"), year_matches_period, percent_in_range),
)

TARIFF_TYPES = ("MFN", "PRF")  # most-favoured-nation (partner 000 / WLD) or preferential (a bilateral partner)
TARIFF_DATATYPES = ("aveestimated", "reported")  # with UNCTAD's ad-valorem equivalents of specific duties, or not

TARIFF = TableSchema(
    name="tariff",
    meaning="Applied tariffs (WITS TRAINS): one row per source, market, partner, HS6 code, year and tariff type.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (wits, sample).", pattern=r"^[a-z_]+$"),
        Column("market", pl.String(), "ISO3 of the market that applies the tariff; EUU for the EU (WITS 918)."),
        Column("partner", pl.String(), "ISO3 of the exporter the rate applies to, or WLD for the MFN rate."),
        Column("hs_code", pl.String(), "HS6 code (nomenclature of `hs_revision`).", pattern=r"^\d{6}$"),
        Column("year", pl.Int32(), "Year the tariff schedule applies to."),
        Column("tariff_type", pl.String(), "MFN (partner WLD) or PRF (preferential, a bilateral partner).",
               allowed=TARIFF_TYPES),
        Column("datatype", pl.String(), "aveestimated (specific duties as UNCTAD ad-valorem equivalents) or "
               "reported (ad-valorem lines only).", allowed=TARIFF_DATATYPES),
        Column("avg_rate_pct", pl.Float64(), "Simple average of the ad-valorem rates of the code's tariff lines, %; "
               "null when no line is ad valorem.", nullable=True, minimum=0.0, maximum=10_000.0),
        Column("min_rate_pct", pl.Float64(), "Lowest ad-valorem line rate, %.", nullable=True, minimum=0.0,
               maximum=10_000.0),
        Column("max_rate_pct", pl.Float64(), "Highest ad-valorem line rate, %.", nullable=True, minimum=0.0,
               maximum=10_000.0),
        Column("lines", pl.Int32(), "National tariff lines under the HS6 code.", minimum=0),
        Column("non_ad_valorem_lines", pl.Int32(), "Lines with non-ad-valorem duties, left out of the average.",
               minimum=0),
        Column("hs_revision", pl.String(), "HS nomenclature of `hs_code` as WITS reports it (e.g. H5).",
               nullable=True),
        Column("provenance", pl.String(), "reported (as the market notified it to TRAINS) or estimated "
               "(sample data, or a rate computed from ad-valorem equivalents).", allowed=PROVENANCE),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC)."),
    ),
    key=("source", "market", "partner", "hs_code", "year", "tariff_type"),
    partition_by=("source",),
    checks=(country_check("market", "partner"),),
)

WEO_INDICATORS = ("NGDP_RPCH", "NGDPD", "LP")  # real GDP growth %, GDP in USD bn, population in millions
WEO_UNITS = ("%", "USD bn", "persons mn")
WEO_VINTAGE_PATTERN = r"^\d{4}-(04|10)$"  # the WEO is published each April and October

WEO = TableSchema(
    name="weo",
    meaning="IMF World Economic Outlook (DataMapper API): one row per source, indicator, market, year and WEO "
            "vintage; the years past the vintage's are projections, and each vintage revises them.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (imf_weo, sample).", pattern=r"^[a-z_]+$"),
        Column("indicator", pl.String(), "NGDP_RPCH (real GDP growth), NGDPD (GDP, current USD) or LP "
               "(population).", allowed=WEO_INDICATORS),
        Column("market", pl.String(), "ISO3 of the country (IMF groups such as WEOWORLD are not stored)."),
        Column("year", pl.Int32(), "Calendar year (past or projected)."),
        Column("value", pl.Float64(), "Value in `unit`; growth can be negative.", minimum=-100.0,
               maximum=MAX_AMOUNT),
        Column("unit", pl.String(), "% (annual change), USD bn or persons mn.", allowed=WEO_UNITS),
        Column("vintage", pl.String(), "WEO edition the value comes from, YYYY-MM (April 04 or October 10).",
               pattern=WEO_VINTAGE_PATTERN),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC)."),
    ),
    key=("source", "indicator", "market", "year", "vintage"),
    partition_by=("source",),
    checks=(country_check("market"),),
)

CAPITAL = TableSchema(
    name="capital",
    meaning="Capital city coordinates per country (World Bank country API), for great-circle distances.",
    columns=(
        Column("source", pl.String(), "Which fetcher produced the row (worldbank, sample).", pattern=r"^[a-z_]+$"),
        Column("market", pl.String(), "ISO3 of the country."),
        Column("capital_city", pl.String(), "Capital as the World Bank names it.", nullable=True),
        Column("latitude", pl.Float64(), "Latitude of the capital, degrees north.", minimum=-90.0, maximum=90.0),
        Column("longitude", pl.Float64(), "Longitude of the capital, degrees east.", minimum=-180.0,
               maximum=180.0),
        Column("fetched_at", UTC_TIME, "When the row was fetched (UTC)."),
    ),
    key=("source", "market"),
    partition_by=("source",),
    checks=(country_check("market"),),
)

# The tables the sources (and the sample) write, each partitioned by source first: what real data replaces.
SOURCE_TABLES = (TRADE.name, ECOMMERCE.name, MACRO.name, TARIFF.name, WEO.name, CAPITAL.name)

FETCH_LOG = TableSchema(
    name="fetch_log",
    meaning="One row per fetch attempt, successful or not.",
    columns=(
        Column("attempt_id", pl.String(), "Unique id of the attempt."),
        Column("source", pl.String(), "Source id (comtrade, census, comext, eurostat_ecommerce, worldbank, sample).",
               pattern=r"^[a-z_]+$"),
        Column("request", pl.String(), "The request's parameters as JSON; API keys are never included."),
        Column("started_at", UTC_TIME, "When the attempt started (UTC)."),
        Column("finished_at", UTC_TIME, "When it finished (UTC); null if interrupted.", nullable=True),
        Column("rows_written", pl.Int64(), "Rows written to the store by this attempt."),
        Column("status", pl.String(), "ok, empty, cached (a 304 whose stored body was written again), unchanged "
               "(the answer held only rows already stored: nothing written), failed or interrupted.",
               allowed=FETCH_STATUSES),
        Column("error", pl.String(), "Error text when the attempt failed; on a successful one, a warning (unknown "
               "country codes, malformed rows skipped and counted).", nullable=True),
    ),
    key=("attempt_id",),
    partition_by=("source",),
)


# ------------------------------------------------------------------------- the metric tables (tracker.metrics)
# Provenance of a metric row: the inputs' (tracker.schemas.PROVENANCE), or mixed when they differ.
RESULT_PROVENANCE = ("reported", "mirror", "estimated", "reconciled", "mixed")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

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

GROUP_MARKET = TableSchema(
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
)

GROUP_EXPORTER = TableSchema(
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
)

GROUP_COMPETITION = TableSchema(
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
)

GROUP_CMS = TableSchema(
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
)

GROUP_OPPORTUNITY = TableSchema(
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
)

GROUP_MARKET_MONTHLY = TableSchema(
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
)

GROUP_HS = TableSchema(
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
)

TARIFF_NOTE = "Applied tariffs (WITS TRAINS); extra duties (US Section 301/232, anti-dumping) are not included."
GROUP_TARIFF = TableSchema(
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
)

GROUP_TARIFF_MARGIN = TableSchema(
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
)

POTENTIAL_NOTE = ("A benchmark built on IMF WEO projections (ITC's Export Potential Indicator), not a forecast and "
                  "not a ceiling.")
GROUP_EXPORT_POTENTIAL = TableSchema(
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
)


def _estimated_columns(meaning: str) -> tuple[Column, ...]:
    return (
        Column("provenance", STR, meaning, allowed=("estimated",)),
        Column("sources", STR, "Comma-separated sources that fed the row (comtrade, census, comext, sample...)."),
        Column("newest_fetch", UTC_TIME, "Newest fetch time (UTC) among the inputs: the data's vintage."),
        Column("sample", BOOL, "True when sample (invented) data went into the row."),
    )


GROUP_NOWCAST = TableSchema(
    name="group_nowcast",
    meaning="Mirror-based monthly nowcast of the home exporter's exports (FOB) per group and market, from the "
            "markets' monthly imports from it, benchmarked to annual totals (proportional Denton); WLD = the sum "
            "over the markets covered that month.",
    columns=(
        Column("group", STR, "Product group id from config/product_groups.toml."),
        Column("exporter", STR, "ISO3 of the home exporter (scope.home_exporter)."),
        Column("market", STR, "ISO3 of the importing market whose records feed the row; WLD = sum over the "
               "markets covered."),
        Column("period", STR, "YYYY-MM.", pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
        Column("year", I32, "Calendar year of the month."),
        Column("nowcast_value_usd", F64, "Estimated FOB exports that month: the market's CIF imports from the "
               "exporter / cif_fob_factor, scaled by the Denton ratio to the annual benchmarks."),
        Column("indicator_usd", F64, "The unbenchmarked FOB indicator: CIF imports / cif_fob_factor."),
        Column("benchmark_ratio", F64, "nowcast_value_usd / indicator_usd (1 = no benchmark adjustment).",
               nullable=True),
        Column("yoy_growth", F64, "nowcast_value_usd / the same month a year earlier − 1 (WLD: over the markets "
               "covered in both months); null without a base.", nullable=True),
        Column("benchmarked", BOOL, "True when the month's year has an annual total it was benchmarked to (WLD: "
               "every market's); false for months extrapolated beyond the annual figures."),
        Column("benchmark_source", STR, "What the year's total came from: reported (the exporter's own annual "
               "report), mirror (the market's annual imports / cif_fob_factor), none; WLD: mixed when several.",
               allowed=("reported", "mirror", "none", "mixed")),
        Column("markets_covered", I32, "Markets summed in the row (1 for a market row)."),
        *_estimated_columns("Always estimated: a nowcast, never a reported figure."),
    ),
    key=("group", "exporter", "market", "period"),
)

GROUP_NOWCAST_BACKTEST = TableSchema(
    name="group_nowcast_backtest",
    meaning="Backtest of the mirror nowcast: unbenchmarked annual sums of the monthly indicator against the home "
            "exporter's reported annual exports to the same markets, per group.",
    columns=(
        Column("group", STR, "Product group id from config/product_groups.toml."),
        Column("exporter", STR, "ISO3 of the home exporter."),
        Column("first_year", I32, "First year compared."),
        Column("last_year", I32, "Last year compared."),
        Column("market_years", I32, "Market-years compared (12 monthly indicators and a reported annual total)."),
        Column("markets", I32, "Distinct markets compared."),
        Column("mape", F64, "Mean absolute percentage error |nowcast − reported| / reported over the market-years "
               "(0.05 = 5 %).", minimum=0.0),
        Column("bias", F64, "Mean of (nowcast − reported) / reported: > 0 when the mirror overstates exports."),
        *_estimated_columns("Always estimated: the nowcast side is an estimate."),
    ),
    key=("group", "exporter"),
)

NOWCAST_TABLES: tuple[TableSchema, ...] = (GROUP_NOWCAST, GROUP_NOWCAST_BACKTEST)


FORECAST_PROVENANCE = (
    Column("provenance", STR, "Always estimated: a model's forecast.", allowed=("estimated",)),
    Column("sources", STR, "Comma-separated sources that fed the series (comtrade, census, comext, sample...)."),
    Column("newest_fetch", UTC_TIME, "Newest fetch time (UTC) among the inputs: the data's vintage."),
    Column("sample", BOOL, "True when sample (invented) data went into the row."),
)

GROUP_FORECAST = TableSchema(
    name="group_forecast",
    meaning="Next 12 months of each market's imports of each group from the world, with 80 % and 95 % "
            "prediction intervals (model: tracker.forecast).",
    columns=(
        GROUP, MARKET,
        Column("period", STR, "Forecast month, YYYY-MM.", pattern=MONTH_PATTERN),
        Column("horizon", I32, "Months after the last observed month (1–12).", minimum=1, maximum=HORIZON),
        Column("forecast_usd", F64, "Median forecast of the month's imports, USD.", minimum=0.0),
        Column("lo80_usd", F64, "Lower bound of the 80 % prediction interval.", minimum=0.0),
        Column("hi80_usd", F64, "Upper bound of the 80 % prediction interval.", minimum=0.0),
        Column("lo95_usd", F64, "Lower bound of the 95 % prediction interval.", minimum=0.0),
        Column("hi95_usd", F64, "Upper bound of the 95 % prediction interval.", minimum=0.0),
        *FORECAST_PROVENANCE,
    ),
    key=("group", "market", "period"),
)

GROUP_DEMAND = TableSchema(
    name="group_demand",
    meaning="Per group and market: imports in the last 12 months against the forecast for the next 12, the "
            "expected growth, and whether the model beat a seasonal-naive forecast in the backtest.",
    columns=(
        GROUP, MARKET,
        Column("last_12m_usd", F64, "Imports of the group from the world over the last 12 observed months; null "
               "with fewer than 12.", nullable=True),
        Column("next_12m_usd", F64, "Sum of the next 12 months' median forecasts; null without a forecast.",
               nullable=True),
        Column("expected_growth", F64, "next_12m_usd / last_12m_usd − 1; null without a forecast.", nullable=True),
        Column("forecast_start", STR, "First forecast month (the month after the last observed one), YYYY-MM.",
               pattern=MONTH_PATTERN),
        Column("model", STR, "The forecasting model, or none when the series is too short."),
        Column("beats_seasonal_naive", BOOL, "True when the model's mean absolute error in the rolling-origin "
               "backtest is below seasonal-naive's (same month a year earlier); null without a backtest.",
               nullable=True),
        Column("model_mae_usd", F64, "Backtest mean absolute error of the model.", nullable=True),
        Column("naive_mae_usd", F64, "Backtest mean absolute error of seasonal-naive.", nullable=True),
        Column("backtest_forecasts", I32, "Forecasts compared in the backtest (origins × horizons).",
               nullable=True),
        Column("history_months", I32, "Months from the series' first to its last observed month."),
        Column("gap_months", I32, "Months missing inside the series, filled by log-linear interpolation."),
        Column("converged", BOOL, "False when the group's parameter fit did not converge (defaults or the last "
               "iterate were used).", nullable=True),
        Column("note", STR, "Why there is no forecast (\"not enough history\"), else null.", nullable=True),
        *FORECAST_PROVENANCE,
    ),
    key=("group", "market"),
)

DEMAND_TABLES: tuple[TableSchema, ...] = (*NOWCAST_TABLES, GROUP_FORECAST, GROUP_DEMAND)


METRIC_TABLES: tuple[TableSchema, ...] = (
    GROUP_MARKET, GROUP_EXPORTER, GROUP_COMPETITION, GROUP_CMS, GROUP_OPPORTUNITY, GROUP_MARKET_MONTHLY, GROUP_HS,
    GROUP_TARIFF, GROUP_TARIFF_MARGIN, GROUP_EXPORT_POTENTIAL,
    *DEMAND_TABLES,
)

# ------------------------------------------------------------------------------ the alerts and the job-run log
RULES = ("share_drop", "rca_cross", "unit_value_undercut", "import_drop", "source_failing", "tariff_change")
SEVERITIES = ("warning", "info")

ALERTS = TableSchema(
    name="alerts",
    meaning="Alerts raised by the rules of config/alerts.toml; one row per rule, group, subject, market, period.",
    columns=(
        Column("rule", pl.String(), "Rule that fired.", allowed=RULES),
        Column("group", pl.String(), "Product group id; empty for source alerts."),
        Column("subject", pl.String(), "Who the alert is about: the home exporter, a competitor, or a source id."),
        Column("market", pl.String(), "ISO3 of the market; empty when the rule has none."),
        Column("period", pl.String(), "Year compared (YYYY), or the day a source's failures began (YYYY-MM-DD)."),
        Column("severity", pl.String(), "warning or info.", allowed=SEVERITIES),
        Column("value", pl.Float64(), "The measured value (pp, %, RCA or days, as the rule says).", nullable=True),
        Column("threshold", pl.Float64(), "The rule's threshold in the same unit.", nullable=True),
        Column("usd_at_stake", pl.Float64(), "US dollars the alert is about (see tracker.alerts); empty for "
               "source alerts.", nullable=True),
        Column("message_en", pl.String(), "One-line explanation in English."),
        Column("message_zh", pl.String(), "One-line explanation in Chinese."),
        Column("first_seen", UTC_TIME, "When the alert was first raised (UTC); kept on re-evaluation."),
        Column("last_seen", UTC_TIME, "When the rule last found the condition (UTC)."),
        Column("sample", pl.Boolean(), "True when sample (invented) data went into it."),
    ),
    key=("rule", "group", "subject", "market", "period"),
)

RUN_STATUSES = ("running", "ok", "failed", "interrupted")

JOB_RUNS = TableSchema(
    name="job_runs",
    meaning="One row per scheduled job run: when it ran, how long, what it wrote, how it ended.",
    columns=(
        Column("run_id", pl.String(), "Unique id of the run."),
        Column("job_id", pl.String(), "Scheduler job id, e.g. fetch.comtrade or report.monthly."),
        Column("started_at", UTC_TIME, "When the run started (UTC)."),
        Column("finished_at", UTC_TIME, "When it ended (UTC); null while running or when interrupted.",
               nullable=True),
        Column("duration_seconds", pl.Float64(), "Wall time of the run; null while running.", nullable=True),
        Column("status", pl.String(), "running, ok, failed or interrupted.", allowed=RUN_STATUSES),
        Column("summary", pl.String(), "What the run wrote, in one line.", nullable=True),
        Column("error", pl.String(), "Why it failed or was interrupted.", nullable=True),
        Column("pid", pl.Int64(), "Process id of the scheduler that ran it."),
    ),
    key=("run_id",),
)


TABLES: dict[str, TableSchema] = {schema.name: schema for schema in (
    TRADE, ECOMMERCE, MACRO, TARIFF, WEO, CAPITAL, FETCH_LOG, *METRIC_TABLES, ALERTS, JOB_RUNS)}


def schema_for(table: str) -> TableSchema:
    """The schema of ``table``; a SchemaError naming the known tables for any other name."""
    try:
        return TABLES[table]
    except KeyError:
        raise SchemaError(table, f"no such table; known tables: {sorted(TABLES)}") from None
