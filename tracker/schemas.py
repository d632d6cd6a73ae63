"""What a table schema is and how a frame is checked against one: columns, natural keys, value rules.

The tables themselves are declared in ``tracker.tables`` (the catalogue); fetchers parse into those schemas,
the store refuses anything else (``validate``), and metrics read them back. Each column carries a one-line
meaning so that the docs (docs/store.md), the app and exports can explain it.
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


def country_check(*columns: str) -> Callable[[pl.DataFrame], str | None]:
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


def year_matches_period(frame: pl.DataFrame) -> str | None:
    """`year` is derived from `period`; a mismatch would put rows into the wrong partition."""
    mismatched = frame.filter(pl.col("period").str.slice(0, 4).cast(pl.Int32, strict=False) != pl.col("year"))
    if mismatched.height:
        return f"{mismatched.height} row(s) whose year does not match period, e.g. {mismatched.row(0, named=True)}"
    return None


def frequency_matches_period(frame: pl.DataFrame) -> str | None:
    """Annual periods are `YYYY`, monthly ones `YYYY-MM`: the frequency column must agree."""
    monthly = pl.col("period").str.len_chars() == 7
    wrong = frame.filter((monthly & (pl.col("frequency") != "M")) | (~monthly & (pl.col("frequency") != "A")))
    if wrong.height:
        return f"{wrong.height} row(s) whose frequency does not match period, e.g. {wrong.row(0, named=True)}"
    return None


def percent_in_range(frame: pl.DataFrame) -> str | None:
    """Macro values in a percentage unit lie in [0, 100]."""
    wrong = frame.filter(pl.col("unit").is_in(PERCENT_UNITS) & (pl.col("value") > 100))
    if wrong.height:
        return f"column 'value' holds {wrong.item(0, 'value')!r}, above 100 for unit {wrong.item(0, 'unit')!r}"
    return None


def validate(schema: TableSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """Check a frame against its table's schema (``tracker.tables``) and return it with columns in canonical order.

    Refuses (SchemaError) missing or extra columns, wrong dtypes, nulls where none are allowed, NaN and
    infinities, numbers outside a column's bounds, values outside its allowed set or pattern, duplicate natural
    keys, and table-specific checks. The message names the first offending column and value.
    """
    table = schema.name
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


def row_problems(schema: TableSchema, frame: pl.DataFrame) -> pl.Series:
    """What is wrong with each row by its table's per-value rules (null where none is allowed, NaN, a bound,
    an allowed set, a pattern); null for a row that keeps them all. For parsers that skip malformed rows
    (``tracker.sources.base.Quarantine``) before ``validate``, which still refuses whatever is left wrong."""
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
