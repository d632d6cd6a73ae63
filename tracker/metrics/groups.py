"""Group aggregation: stored HS codes summed into the configured product groups.

Rules, in the order they are applied (all documented here because every metric inherits them):

1. **Membership by prefix.** A stored code belongs to a group when it starts with one of the group's codes
   (``"950300"`` and ``"9503"`` both belong to a group listing ``"9503"``). A code may belong to several
   groups; each group counts it once.
2. **One source per flow.** When several sources stored the same (flow, reporter, partner, HS code, period),
   the preferred one is kept: national statistics first (census, comext), then comtrade, then any other
   source, and sample data last, so real data always overrides sample data.
3. **One HS level set per report, no double counting.** When both a code and one of its ancestors belong to
   a group — say ``48`` and ``4820`` — and the ancestor is stored anywhere in the same report (flow,
   reporter, period: every partner, the world ``WLD`` included), the finer code's rows of that report are
   dropped, for every partner. So a market's imports from each supplier (a share's numerator) and its
   imports from the world (the denominator) are summed over the same codes: a supplier without a row at
   ``48`` is absent at that level (the mirror fallback may then stand in), never replaced by its ``4820``
   row, which would compare a heading with a chapter total. (The tariff weights alone read every level:
   ``group_code_flows_by_level`` returns the rows before this rule too.)
4. **Weights.** Unit values skip rows with zero or missing weight (common in Comtrade) and rows with a zero
   value (a weight without a sale value is no price): a group's ``net_weight_kg`` sums only those rows'
   weights and ``value_with_weight_usd`` their values, so ``value_with_weight_usd / net_weight_kg`` is a
   clean unit value; ``net_weight_kg`` is null when no row of the group had one.
5. **Older HS revisions.** Groups are written in HS 2022. In rows of an older revision (BACI ``HS17``,
   ``HS12``), a group code that the revision does not have is matched by the code that held it
   (``tracker/hs_revisions.py``: 852589 by 852580, 940542 by 940540, 871160 by 871190 in HS12). Such
   members are approximate (the older code holds more); exports say so (``tracker.query``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import polars as pl

from tracker.config import Config, ProductGroup
from tracker.hs_revisions import predecessor_codes, successor_code
from tracker.metrics._common import group_and_fold
from tracker.schemas import SAMPLE_SOURCE

SOURCE_PRIORITY: dict[str, int] = {"census": 0, "comext": 1, "comtrade": 2}
OTHER_SOURCE_RANK = 5
SAMPLE_SOURCE_RANK = 9
FLOW_KEY = ("flow", "reporter", "partner", "period")
REPORT_KEY = ("flow", "reporter", "period")  # one report: its HS level set is shared by all its partners
HS_LEVELS = (2, 4, 6, 8)
TOTAL_CODE = "TOTAL"


def _prefix_pairs(groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    if isinstance(groups, Config):
        groups = groups.groups
    return (
        [(gid, code) for gid, codes in groups.items() for code in codes]
        if isinstance(groups, Mapping)
        else [(g.id, code) for g in groups for code in g.hs_codes]
    )


def group_prefixes(groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]) -> pl.LazyFrame:
    """(group, prefix) pairs from the config, a list of groups or a plain {group: [codes]} mapping."""
    return pl.LazyFrame(_prefix_pairs(groups), schema={"group": pl.String, "prefix": pl.String}, orient="row")


def _any_prefix(prefixes: Iterable[str]) -> pl.Expr:
    """True for codes starting with one of ``prefixes``: one hash lookup per prefix length, not per prefix.

    A literal predicate, so Polars pushes it into the Parquet scan and decodes the other columns only for
    member rows (a small share of a full HS table)."""
    by_length: dict[int, set[str]] = {}
    for prefix in prefixes:
        by_length.setdefault(len(prefix), set()).add(prefix)
    code = pl.col("hs_code")
    tests = [code.str.slice(0, n).is_in(sorted(codes)) for n, codes in sorted(by_length.items())]
    return pl.any_horizontal(tests) if tests else pl.lit(False)


def _source_rank() -> pl.Expr:
    rank = pl.col("source").replace_strict(SOURCE_PRIORITY, default=OTHER_SOURCE_RANK, return_dtype=pl.Int8)
    return pl.when(pl.col("source") == SAMPLE_SOURCE).then(pl.lit(SAMPLE_SOURCE_RANK, pl.Int8)).otherwise(rank)


def _prepared(trade: pl.LazyFrame, successor: bool = False) -> pl.LazyFrame:
    """Trade rows with the value/weight split and provenance columns every metric expects (and, with
    ``successor``, the HS 2022 code a group matches each row by: rule 5)."""
    weighted = (pl.col("net_weight_kg") > 0) & (pl.col("value_usd") > 0)
    matched = successor_code() if "hs_revision" in trade.collect_schema().names() else pl.col("hs_code")
    return trade.select(
        *FLOW_KEY, "hs_code", *([matched.alias("_successor")] if successor else []), "year", "frequency", "value_usd",
        pl.when(weighted).then(pl.col("value_usd")).otherwise(0.0).alias("value_with_weight_usd"),
        pl.when(weighted).then(pl.col("net_weight_kg")).otherwise(None).alias("net_weight_kg"),
        "provenance",
        pl.col("source").alias("sources"),
        pl.col("fetched_at").alias("newest_fetch"),
        _source_rank().alias("_rank"),
    )


def _preferred_source(frame: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Keep, per key, the rows of the best-ranked source (rule 2). ``frame`` is read twice: pass a
    materialised one.

    The per-key minimum (a window over every row) is only needed where sources overlap at all: a cheap
    group-by on a coarse part of the key (flow, reporter, period: few groups) finds the slices that hold more
    than one source rank; rows elsewhere pass untouched and only the overlapping slices pay for the window.
    """
    ranks = frame.select(pl.col("_rank").n_unique().alias("n"), pl.col("_rank").null_count().alias("nulls")).collect()
    if ranks.item(0, "n") <= 1 and not ranks.item(0, "nulls"):
        return frame.drop("_rank")  # one source rank in the whole frame (a single source): nothing to choose
    coarse = [name for name in ("flow", "reporter", "period") if name in key]
    overlapping = (
        frame.group_by(coarse)
        .agg(pl.col("_rank").min().alias("_lo"), pl.col("_rank").max().alias("_hi"),
             pl.col("_rank").null_count().alias("_null"))
        .filter((pl.col("_lo") != pl.col("_hi")) | (pl.col("_null") > 0)).select(coarse)
    )
    single = frame.join(overlapping, on=coarse, how="anti")
    several = frame.join(overlapping, on=coarse, how="semi").filter(
        pl.col("_rank") == pl.col("_rank").min().over(key)
    )
    return pl.concat([single, several]).drop("_rank")


class CodeFlows(NamedTuple):
    """Code-level trade rows of the groups, two ways (both lazy, over the same materialised member rows)."""

    kept: pl.LazyFrame  # rules 1–3: one HS level set per report, what every sum over codes reads
    every_level: pl.LazyFrame  # rules 1–2 only: a code's rows beside its ancestors' (the tariff weights)


def group_code_flows(trade: pl.LazyFrame, groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]
                     ) -> pl.LazyFrame:
    """Code-level trade rows tagged with their group, one source per flow, without cross-level duplicates."""
    return group_code_flows_by_level(trade, groups).kept


def group_code_flows_by_level(trade: pl.LazyFrame,
                              groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]) -> CodeFlows:
    """``group_code_flows``, and the same rows before rule 3 drops the codes whose ancestor the report holds:
    the tariff weights give each HS6 code its own imports where stored (``tracker.metrics.tariffs``)."""
    pairs = _prefix_pairs(groups)
    prefixes = pl.LazyFrame(pairs, schema={"group": pl.String, "prefix": pl.String}, orient="row")
    # Rule 1 as a literal filter first: rows outside every group never reach the joins below. The member rows
    # feed several branches, so they are materialised once; the code lists derived from them are small.
    members = _prepared(trade.filter(_any_prefix([*(code for _, code in pairs), *predecessor_codes()])),
                        successor=True).collect().lazy()
    # A code belongs to a group by itself, or (rule 5) by the HS 2022 code it held in an older revision.
    membership = (
        members.select("hs_code", "_successor").unique().join(prefixes, how="cross")
        .filter(pl.col("hs_code").str.starts_with(pl.col("prefix"))
                | pl.col("_successor").str.starts_with(pl.col("prefix")))
        .select("group", "hs_code", "_successor").unique()
    ).collect()
    # Which member codes have another stored member code of the same group as a proper prefix (anywhere in the
    # data)? Only their rows can be double counts, and only rows of those ancestor codes can hide them; on the
    # small code list this is cheap.
    nested_pairs = (
        membership.join(membership.select("group", pl.col("hs_code").alias("_other")), on="group")
        .filter((pl.col("_other") != pl.col("hs_code")) & pl.col("hs_code").str.starts_with(pl.col("_other")))
    )
    # Rule 2 per (flow, reporter, partner, period, code): every group a code belongs to sees the same rows, so
    # the preferred source is chosen once, before the rows are repeated per group.
    flows = _preferred_source(members, [*FLOW_KEY, "hs_code"])
    on = ["hs_code", "_successor"]
    if nested_pairs.is_empty():  # no code of a group lies below another stored code of it: rule 3 drops nothing
        every_level = flows.join(membership.lazy(), on=on, how="inner").drop("_successor")
        return CodeFlows(every_level, every_level)
    nested = nested_pairs.select("group", "hs_code").unique().with_columns(_nested=pl.lit(True))
    ancestors = nested_pairs.select("group", pl.col("_other").alias("hs_code")).unique().lazy()
    membership = membership.join(nested, on=["group", "hs_code"], how="left").with_columns(
        pl.col("_nested").fill_null(False)
    )
    flows = flows.join(membership.lazy(), on=on, how="inner").drop("_successor").cache()
    # Rule 3: rows of nested codes are dropped when the same report holds one of their ancestor codes.
    kept = flows.filter(~pl.col("_nested"))
    deeper = flows.filter(pl.col("_nested")).with_columns(_code_len=pl.col("hs_code").str.len_chars())
    stored = flows.join(ancestors, on=["group", "hs_code"], how="semi").select(
        "group", *REPORT_KEY, pl.col("hs_code").alias("_a")
    ).unique()
    for level in HS_LEVELS:
        ancestor = pl.when(pl.col("_code_len") > level).then(pl.col("hs_code").str.slice(0, level))
        deeper = deeper.with_columns(_a=ancestor).join(stored, on=["group", *REPORT_KEY, "_a"], how="anti",
                                                       nulls_equal=False)
    return CodeFlows(pl.concat([kept, deeper.drop("_a", "_code_len")]).drop("_nested"), flows.drop("_nested"))


def aggregate_to_groups(code_flows: pl.LazyFrame) -> pl.LazyFrame:
    """Sum code-level flows into one row per (group, flow, reporter, partner, period)."""
    return group_and_fold(code_flows, ["group", *FLOW_KEY, "year", "frequency"], [
        pl.col("value_usd").sum(),
        pl.col("value_with_weight_usd").sum(),
        pl.when(pl.col("net_weight_kg").count() > 0).then(pl.col("net_weight_kg").sum()).alias("net_weight_kg"),
    ])


def group_flows(trade: pl.LazyFrame, groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]
                ) -> pl.LazyFrame:
    """Trade summed into product groups (rules 1–5 above): the input of every group metric."""
    return aggregate_to_groups(group_code_flows(trade, groups))


def total_flows(trade: pl.LazyFrame) -> pl.LazyFrame:
    """All-goods rows (HS ``TOTAL``), one source per flow: the X_i and X_w of RCA and the Σ_k of Lafay."""
    totals = _prepared(trade.filter(pl.col("hs_code") == TOTAL_CODE)).collect().lazy()
    return _preferred_source(totals, list(FLOW_KEY)).drop("hs_code")
