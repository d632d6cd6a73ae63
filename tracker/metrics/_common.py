"""Shared expressions: null-safe arithmetic and provenance bookkeeping for every metric.

Every intermediate frame carries three provenance columns next to its numbers:

* ``provenance``   reported / mirror / estimated, or ``mixed`` when inputs of several kinds went in;
* ``sources``      sorted, comma-separated source ids that fed the row (``sample`` among them marks sample data);
* ``newest_fetch`` the newest ``fetched_at`` of the inputs (UTC).

Metric functions combine them whenever two inputs meet (a join) or many rows fold into one (a group-by), so
that a result row can always say where its numbers came from.
"""

from __future__ import annotations

import polars as pl

from tracker.schemas import SAMPLE_SOURCE

PROVENANCE_COLUMNS = ("provenance", "sources", "newest_fetch")
WORLD = "WLD"  # the partner code of a reporter's total with the world
RESULT_PROVENANCE = ("reported", "mirror", "estimated", "reconciled", "mixed")


def safe_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator, null when either side is missing or the denominator is 0 (never inf or NaN)."""
    ok = denominator.is_not_null() & numerator.is_not_null() & (denominator != 0)
    return pl.when(ok).then(numerator / denominator).otherwise(None)


def growth_rate(current: pl.Expr, base: pl.Expr) -> pl.Expr:
    """current / base − 1; null when the base is 0, negative or missing."""
    return pl.when(base > 0).then(safe_div(current, base) - 1).otherwise(None)


def finite(expr: pl.Expr) -> pl.Expr:
    """Replace NaN and ±inf with null (a last guard before a frame is stored)."""
    return pl.when(expr.is_finite()).then(expr).otherwise(None)


def _distinct(frame: pl.LazyFrame, *columns: str) -> list[list[str]]:
    """The distinct non-null values of each string column, sorted (numbered by their position in the list)."""
    values = frame.select(pl.col(column).drop_nulls().unique().sort().implode() for column in columns).collect()
    return [values.item(0, index).to_list() for index in range(len(columns))]


def _numbered(column: str, values: list[str]) -> pl.Expr:
    """Each value's position in the sorted ``values``: min/max of the numbers are the min/max strings."""
    return pl.col(column).replace_strict(values, range(len(values)), default=None, return_dtype=pl.UInt32)


def _named(column: str, values: list[str]) -> pl.Expr:
    """The inverse of :func:`_numbered` (null stays null)."""
    return pl.col(column).replace_strict(range(len(values)), values, default=None, return_dtype=pl.String)


def group_and_fold(frame: pl.LazyFrame, key: list[str], aggs: list[pl.Expr]) -> pl.LazyFrame:
    """``frame.group_by(key).agg(aggs)`` plus folded provenance columns, fast on millions of groups.

    Building a string list per group is the costly part, and nearly every group has one or two single
    sources: those are folded with min/max; only groups with more (or with comma lists) take the exact path.
    The min/max run on small integer codes of the distinct strings (string aggregations in a group-by cost far
    more than the sums) and are translated back on the folded rows. The distinct strings are read first (one
    pass over two columns): with at most two distinct single sources in the whole frame no group can need the
    exact path, and its join of every row back onto its group is skipped.
    """
    frame = frame.collect().lazy()  # read three times below: its upstream plan is computed once
    sources, provenances = _distinct(frame, "sources", "provenance")
    sid, pid = pl.col("_sid"), pl.col("_pid")
    folded = frame.with_columns(_numbered("sources", sources).alias("_sid"),
                                _numbered("provenance", provenances).alias("_pid")).group_by(key).agg(
        *aggs,
        pid.min().alias("_pmin"), pid.max().alias("_pmax"),
        sid.min().alias("_smin"), sid.max().alias("_smax"), sid.n_unique().alias("_sn"),
        pl.col("newest_fetch").max().alias("newest_fetch"),
    ).with_columns(
        _prov=pl.when(pl.col("_pmin") == pl.col("_pmax")).then(_named("_pmin", provenances))
        .otherwise(pl.lit("mixed")),
        _smin=_named("_smin", sources), _smax=_named("_smax", sources),
    )
    simple = pl.when(pl.col("_sn") == 1).then(pl.col("_smin")).otherwise(
        pl.concat_str([pl.col("_smin"), pl.col("_smax")], separator=",")
    )
    if len(sources) > 2 or any("," in value for value in sources):
        hard = (pl.col("_sn") > 2) | pl.col("_smin").str.contains(",") | pl.col("_smax").str.contains(",")
        exact = (
            frame.join(folded.filter(hard).select(key), on=key, how="semi")
            .group_by(key)
            .agg(pl.col("sources").str.split(",").list.explode(keep_nulls=False, empty_as_null=False).unique()
                 .sort().str.join(",").alias("_exact"))
        )
        folded, sources_column = folded.join(exact, on=key, how="left"), pl.coalesce("_exact", simple)
    else:  # no group can hold more than two sources, nor a comma list
        sources_column = simple
    return (
        folded.with_columns(provenance=pl.col("_prov"), sources=sources_column)
        .drop("_prov", "_pmin", "_pmax", "_smin", "_smax", "_sn", "_exact", strict=False)
    )


def merge_provenance(left: str, right: str) -> list[pl.Expr]:
    """Row-wise merge of two joined inputs' provenance columns, suffixed ``left``/``right``.

    A missing side (an outer or left join without a match) contributes nothing.
    """
    lp, rp = pl.col(f"provenance{left}"), pl.col(f"provenance{right}")
    ls, rs = pl.col(f"sources{left}"), pl.col(f"sources{right}")
    return [
        pl.when(lp.is_null()).then(rp).when(rp.is_null() | (lp == rp)).then(lp).otherwise(pl.lit("mixed"))
        .alias("provenance"),
        pl.when(ls.is_null()).then(rs).when(rs.is_null() | (ls == rs)).then(ls)
        .otherwise(pl.concat_str([ls, rs], separator=",").str.split(",").list.unique().list.sort().list.join(","))
        .alias("sources"),
        pl.max_horizontal(f"newest_fetch{left}", f"newest_fetch{right}").alias("newest_fetch"),
    ]


def join_with_provenance(
    left: pl.LazyFrame, right: pl.LazyFrame, on: list[str], how: str = "left", suffix: str = "_r"
) -> pl.LazyFrame:
    """Join two metric inputs and merge their provenance columns into one set."""
    right = right.rename({name: f"{name}{suffix}" for name in PROVENANCE_COLUMNS})
    joined = left.join(right, on=on, how=how, coalesce=True)  # type: ignore[arg-type]
    renamed = {name: f"{name}_l" for name in PROVENANCE_COLUMNS}
    return (
        joined.rename(renamed)
        .with_columns(merge_provenance("_l", suffix))
        .drop([f"{name}_l" for name in PROVENANCE_COLUMNS] + [f"{name}{suffix}" for name in PROVENANCE_COLUMNS])
    )


def with_sample_flag(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add the boolean ``sample`` column: true when sample data went into the row."""
    return frame.with_columns(
        sample=pl.col("sources").fill_null("").str.split(",").list.contains(SAMPLE_SOURCE)
    )


def shift_period(years: int) -> pl.Expr:
    """The ``period`` ``years`` years later, keeping the month of monthly periods (YYYY or YYYY-MM)."""
    shifted = (pl.col("period").str.slice(0, 4).cast(pl.Int32) + years).cast(pl.String)
    return (
        pl.when(pl.col("period").str.len_chars() == 7)
        .then(pl.concat_str([shifted, pl.col("period").str.slice(4, 3)]))
        .otherwise(shifted)
    )


def with_earlier(frame: pl.LazyFrame, key: list[str], columns: list[str], years: int = 1,
                 suffix: str = "_prev") -> pl.LazyFrame:
    """Add ``<column><suffix>``: the value of the same key ``years`` years earlier (same month for monthly rows).

    A join on the exact earlier period, not a shift: a gap in the data gives null, never a wrong base. The
    frame is cached because it feeds both sides of the join; otherwise a chain of these calls recomputes the
    upstream plan once per side per call.
    """
    frame = frame.cache()
    earlier = frame.select(
        *key, shift_period(years).alias("period"), *[pl.col(c).alias(f"{c}{suffix}") for c in columns]
    )
    return frame.join(earlier, on=[*key, "period"], how="left")
