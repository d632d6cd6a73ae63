"""Canonical table schemas: every frame that reaches the store has one of these shapes.

Fetchers parse into these schemas, the store refuses anything else, and metrics read them back. Each
column carries a one-line meaning so that the docs (docs/store.md), the app and exports can explain it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from tracker.errors import SchemaError

UTC_TIME = pl.Datetime("us", "UTC")
HS_CODE_PATTERN = r"^(TOTAL|\d{2}|\d{4}|\d{6}|\d{8}|\d{10})$"
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2]))?$"
FLOWS = ("import", "export", "re_import", "re_export")
FREQUENCIES = ("A", "M")
PROVENANCE = ("reported", "mirror", "estimated", "reconciled")  # reconciled: CEPII BACI
FETCH_STATUSES = ("ok", "empty", "cached", "unchanged", "failed", "interrupted")
SUCCESS_STATUSES = ("ok", "empty", "cached", "unchanged")  # a fetch that worked, even if it found nothing new
FAILURE_STATUSES = tuple(status for status in FETCH_STATUSES if status not in SUCCESS_STATUSES)
SAMPLE_SOURCE = "sample"
# No trade flow, GDP, population or quantity comes near 10^15: a larger number is a corrupt payload, not data.
MAX_AMOUNT = 1e15
HS_REVISION_PATTERN = r"^(H\d|HS(\d{2})?|CN)$"  # Comtrade H0..H6, Census HS, BACI HS17, Comext CN
# Units of trade.quantity as the sources name them: Comtrade's WCO abbreviations and Census's units of quantity.
QUANTITY_UNITS = (
    "u", "2u", "12u", "1000u", "kg", "g", "l", "1000l", "m", "m2", "m²", "m3", "m³", "1000m3", "carat", "kWh",
    "1000 kWh", "U (jeu/pack)", "ct/l", "GT", "TJ", "t",
    "NO", "PCS", "DOZ", "PRS", "DPR", "DPC", "GR", "GM", "KG", "T", "L", "M", "M2", "M3", "CM", "CM2", "CAR",
    "BBL", "MWH", "KWH", "THS", "PK", "SQ", "LNM", "KM3", "CGM", "CKG", "CTN", "CYK", "PFL", "DS", "GBQ", "MBQ",
)
MACRO_UNITS = ("USD", "persons", "% of population")
PERCENT_UNITS = ("% of population",)  # macro units whose values lie in [0, 100]
CODE_PATTERN = r"^[A-Z][A-Z0-9_]*$"  # Eurostat indicator, category and unit codes


@dataclass(frozen=True)
class Column:
    """One column: its name, Polars dtype, whether nulls are allowed, and what it means."""

    name: str
    dtype: pl.DataType
    meaning: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None  # numeric bounds, inclusive; NaN and infinities are always refused
    maximum: float | None = None


@dataclass(frozen=True)
class TableSchema:
    """A stored table: its columns, natural key, and the columns its Parquet files are partitioned by."""

    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_by: tuple[str, ...] = ()
    checks: tuple[Callable[[pl.DataFrame], str | None], ...] = field(default=())
    # A symmetric table of pairs (row (a, b) says all that row (b, a) says, with these column pairs swapped)
    # stores each unordered pair once, first side < second side; ``mirror_rows`` gives readers both orders.
    mirrored_sides: tuple[tuple[str, str], ...] = ()
    # Columns that are a difference first side − second side: read from the other side, their value is negated.
    mirror_negated: tuple[str, ...] = ()

    @property
    def polars_schema(self) -> pl.Schema:
        return pl.Schema({column.name: column.dtype for column in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema)


def mirror_rows(frame: pl.LazyFrame, schema: TableSchema) -> pl.LazyFrame:
    """A stored table with every row in both orders (``TableSchema.mirrored_sides``); others unchanged.

    Half the rows to compute, validate and write; the reverse rows cost a projection at read time. Rows stored
    in the other order (files written before the table was stored once per pair) are left out: their mirror
    gives them back, so such a table is not read twice over before the metrics are recomputed.
    A ``mirror_negated`` column d = a − b reads as −d, exactly b − a, but a zero as +0.0: b − a is +0.0 where
    a = b, and −0.0 would print as "-0.0" (Polars folds 0 − d into −d, hence the explicit case).
    """
    if not schema.mirrored_sides:
        return frame
    swap = {**dict(schema.mirrored_sides), **{b: a for a, b in schema.mirrored_sides}}
    first, second = schema.mirrored_sides[0]
    names = frame.collect_schema().names()
    once = frame.filter(pl.col(first) < pl.col(second))

    def reverse(name: str) -> pl.Expr:
        if name in schema.mirror_negated:
            return pl.when(pl.col(name) == 0).then(0.0).otherwise(-pl.col(name))
        return pl.col(swap.get(name, name))

    return pl.concat([once, once.select(reverse(name).alias(name) for name in names)])


def _country_check(*columns: str) -> Callable[[pl.DataFrame], str | None]:
    """Refuse frames whose country columns hold codes the country reference does not know."""

    def check(frame: pl.DataFrame) -> str | None:
        from tracker.countries import known_iso3

        known = known_iso3()
        for name in columns:
            codes = frame.get_column(name).drop_nulls().unique().to_list()
            unknown = sorted(code for code in codes if code not in known)
            if unknown:
                return f"column {name!r} holds unknown ISO3 codes {unknown[:10]}"
        return None

    return check


def _year_matches_period(frame: pl.DataFrame) -> str | None:
    """`year` is derived from `period`; a mismatch would put rows into the wrong partition."""
    mismatched = frame.filter(pl.col("period").str.slice(0, 4).cast(pl.Int32, strict=False) != pl.col("year"))
    if mismatched.height:
        return f"{mismatched.height} row(s) whose year does not match period, e.g. {mismatched.row(0, named=True)}"
    return None


def _frequency_matches_period(frame: pl.DataFrame) -> str | None:
    """Annual periods are `YYYY`, monthly ones `YYYY-MM`: the frequency column must agree."""
    monthly = pl.col("period").str.len_chars() == 7
    wrong = frame.filter((monthly & (pl.col("frequency") != "M")) | (~monthly & (pl.col("frequency") != "A")))
    if wrong.height:
        return f"{wrong.height} row(s) whose frequency does not match period, e.g. {wrong.row(0, named=True)}"
    return None


def _percent_in_range(frame: pl.DataFrame) -> str | None:
    """Macro values in a percentage unit lie in [0, 100]."""
    wrong = frame.filter(pl.col("unit").is_in(PERCENT_UNITS) & (pl.col("value") > 100))
    if wrong.height:
        return f"column 'value' holds {wrong.item(0, 'value')!r}, above 100 for unit {wrong.item(0, 'unit')!r}"
    return None


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
    checks=(_country_check("reporter", "partner"), _year_matches_period, _frequency_matches_period),
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
    checks=(_country_check("market"), _year_matches_period),
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
    checks=(_country_check("market"), _year_matches_period, _percent_in_range),
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
    checks=(_country_check("market", "partner"),),
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
    checks=(_country_check("market"),),
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
    checks=(_country_check("market"),),
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

TABLES: dict[str, TableSchema] = {schema.name: schema for schema in (TRADE, ECOMMERCE, MACRO, TARIFF, WEO, CAPITAL,
                                                                     FETCH_LOG)}


def register(schema: TableSchema) -> TableSchema:
    """Add a table (metrics modules register their materialised tables here)."""
    TABLES[schema.name] = schema
    return schema


def schema_for(table: str) -> TableSchema:
    try:
        return TABLES[table]
    except KeyError:
        raise SchemaError(table, f"no such table; known tables: {sorted(TABLES)}") from None


def validate(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Check a frame against its table's schema and return it with columns in canonical order.

    Refuses (SchemaError) missing or extra columns, wrong dtypes, nulls where none are allowed, NaN and
    infinities, numbers outside a column's bounds, values outside its allowed set or pattern, duplicate natural
    keys, and table-specific checks. The message names the first offending column and value.
    """
    schema = schema_for(table)
    expected = schema.polars_schema
    missing = [name for name in expected if name not in frame.columns]
    extra = [name for name in frame.columns if name not in expected]
    if missing or extra:
        raise SchemaError(table, f"missing columns {missing}, unexpected columns {extra}")
    wrong_types = {
        name: f"{frame.schema[name]} (expected {dtype})"
        for name, dtype in expected.items()
        if frame.schema[name] != dtype
    }
    if wrong_types:
        raise SchemaError(table, f"wrong column types {wrong_types}")
    frame = frame.select(schema.column_names)
    for column in schema.columns:
        series = frame.get_column(column.name)
        if not column.nullable and series.null_count():
            raise SchemaError(table, f"column {column.name!r} has {series.null_count()} null value(s)")
        if series.dtype == pl.Float64 and (series.is_nan().any() or series.is_infinite().any()):
            raise SchemaError(table, f"column {column.name!r} holds NaN or infinite values")
        if column.minimum is not None or column.maximum is not None:
            low = column.minimum if column.minimum is not None else float("-inf")
            high = column.maximum if column.maximum is not None else float("inf")
            outside = series.filter((series < low) | (series > high))
            if outside.len():
                raise SchemaError(table, f"column {column.name!r} holds {outside[0]!r}, outside [{low:g}, {high:g}] "
                                  f"({outside.len()} value(s))")
        if column.allowed is not None:
            bad = sorted(set(series.drop_nulls().unique().to_list()) - set(column.allowed))
            if bad:
                shown = column.allowed if len(column.allowed) <= 12 else (*column.allowed[:12], "...")
                raise SchemaError(table, f"column {column.name!r} holds {bad[:10]}, expected one of {shown}")
        if column.pattern is not None:
            values = series.drop_nulls().unique()
            bad = values.filter(~values.str.contains(column.pattern)).to_list()
            if bad:
                raise SchemaError(
                    table, f"column {column.name!r} holds malformed values {sorted(bad)[:10]} "
                    f"(expected pattern {column.pattern})"
                )
    if frame.height and frame.select(schema.key).is_duplicated().any():
        duplicated = frame.filter(frame.select(schema.key).is_duplicated()).select(schema.key).row(0, named=True)
        raise SchemaError(table, f"duplicate natural key {duplicated}")
    for check in schema.checks:
        problem = check(frame)
        if problem:
            raise SchemaError(table, problem)
    return frame


def row_problems(table: str, frame: pl.DataFrame) -> pl.Series:
    """What is wrong with each row by its table's per-value rules (null where none is allowed, NaN, a bound,
    an allowed set, a pattern); null for a row that keeps them all. For parsers that skip malformed rows
    (``tracker.sources.base.Quarantine``) before ``validate``, which still refuses whatever is left wrong."""
    schema = schema_for(table)
    problems: list[pl.Expr] = []
    for column in schema.columns:
        if column.name not in frame.columns:
            continue
        value = pl.col(column.name)
        shown = value.cast(pl.String)
        if not column.nullable:
            problems.append(pl.when(value.is_null()).then(pl.lit(f"{column.name} is null")))
        if frame.schema[column.name] == pl.Float64:
            problems.append(pl.when(value.is_nan() | value.is_infinite())
                            .then(pl.lit(f"{column.name} is NaN or infinite")))
        if column.minimum is not None or column.maximum is not None:
            low = column.minimum if column.minimum is not None else float("-inf")
            high = column.maximum if column.maximum is not None else float("inf")
            problems.append(pl.when((value < low) | (value > high))
                            .then(_says(column.name, shown, f"is outside [{low:g}, {high:g}]")))
        if column.allowed is not None:
            problems.append(pl.when(value.is_not_null() & ~value.is_in(list(column.allowed)))
                            .then(_says(column.name, shown, "is not an allowed value")))
        if column.pattern is not None:
            problems.append(pl.when(value.is_not_null() & ~value.str.contains(column.pattern))
                            .then(_says(column.name, shown, f"does not match {column.pattern}")))
    if not problems or frame.is_empty():
        return pl.Series("problem", [None] * frame.height, dtype=pl.String)
    return frame.select(pl.coalesce(problems).alias("problem")).get_column("problem")


def _says(name: str, shown: pl.Expr, problem: str) -> pl.Expr:
    """``name 'value' problem`` as an expression (patterns hold braces, so no ``pl.format``)."""
    return pl.concat_str([pl.lit(f"{name} '"), shown, pl.lit(f"' {problem}")])
