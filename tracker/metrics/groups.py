"""Group aggregation: stored HS codes summed into the configured product groups.

Rules, in the order they are applied (all documented here because every metric inherits them):

1. **Membership by prefix.** A stored code belongs to a group when it starts with one of the group's codes
   (``"950300"`` and ``"9503"`` both belong to a group listing ``"9503"``). A code may belong to several
   groups; each group counts it once.
2. **One source per flow.** When several sources stored the same (flow, reporter, partner, HS code, period),
   the preferred one is kept: national statistics first (census, comext), then comtrade, then any other
   source, and sample data last, so real data always overrides sample data.
3. **No double counting across HS levels.** When both a code and one of its stored ancestors belong to a
   group for the same (flow, reporter, partner, period) — say ``9503`` and ``950300`` — the most aggregated
   stored level wins and the finer rows are dropped.
4. **Weights.** Unit values skip rows with zero or missing weight (common in Comtrade): a group's
   ``net_weight_kg`` sums only positive weights and ``value_with_weight_usd`` the values of those rows, so
   ``value_with_weight_usd / net_weight_kg`` is a clean unit value; ``net_weight_kg`` is null when no row
   of the group had a weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from tracker.config import Config, ProductGroup
from tracker.metrics._common import group_and_fold
from tracker.schemas import SAMPLE_SOURCE

SOURCE_PRIORITY: dict[str, int] = {"census": 0, "comext": 1, "comtrade": 2}
OTHER_SOURCE_RANK = 5
SAMPLE_SOURCE_RANK = 9
FLOW_KEY = ("flow", "reporter", "partner", "period")
HS_LEVELS = (2, 4, 6, 8)
TOTAL_CODE = "TOTAL"


def group_prefixes(groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]) -> pl.LazyFrame:
    """(group, prefix) pairs from the config, a list of groups or a plain {group: [codes]} mapping."""
    if isinstance(groups, Config):
        groups = groups.groups
    pairs = (
        [(gid, code) for gid, codes in groups.items() for code in codes]
        if isinstance(groups, Mapping)
        else [(g.id, code) for g in groups for code in g.hs_codes]
    )
    return pl.LazyFrame(pairs, schema={"group": pl.String, "prefix": pl.String}, orient="row")


def _source_rank() -> pl.Expr:
    rank = pl.col("source").replace_strict(SOURCE_PRIORITY, default=OTHER_SOURCE_RANK, return_dtype=pl.Int8)
    return pl.when(pl.col("source") == SAMPLE_SOURCE).then(pl.lit(SAMPLE_SOURCE_RANK, pl.Int8)).otherwise(rank)


def _prepared(trade: pl.LazyFrame) -> pl.LazyFrame:
    """Trade rows with the value/weight split and provenance columns every metric expects."""
    weighted = pl.col("net_weight_kg") > 0
    return trade.select(
        *FLOW_KEY, "hs_code", "year", "frequency", "value_usd",
        pl.when(weighted).then(pl.col("value_usd")).otherwise(0.0).alias("value_with_weight_usd"),
        pl.when(weighted).then(pl.col("net_weight_kg")).otherwise(None).alias("net_weight_kg"),
        "provenance",
        pl.col("source").alias("sources"),
        pl.col("fetched_at").alias("newest_fetch"),
        _source_rank().alias("_rank"),
    )


def _preferred_source(frame: pl.LazyFrame, key: list[str]) -> pl.LazyFrame:
    """Keep, per key, the rows of the best-ranked source (rule 2)."""
    return frame.filter(pl.col("_rank") == pl.col("_rank").min().over(key)).drop("_rank")


def group_code_flows(trade: pl.LazyFrame, groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]
                     ) -> pl.LazyFrame:
    """Code-level trade rows tagged with their group, one source per flow, without cross-level duplicates."""
    prefixes = group_prefixes(groups)
    codes = trade.select("hs_code").unique()
    membership = (
        codes.join(prefixes, how="cross")
        .filter(pl.col("hs_code").str.starts_with(pl.col("prefix")))
        .group_by("group", "hs_code")
        .agg(pl.col("prefix").str.len_chars().min().alias("_prefix_len"))
    )
    # Which member codes have another stored member code of the same group as a proper prefix (anywhere in the
    # data)? Only their rows can be double counts; on the small code list this is cheap.
    nested = (
        membership.join(membership.select("group", pl.col("hs_code").alias("_other")), on="group")
        .filter((pl.col("_other") != pl.col("hs_code")) & pl.col("hs_code").str.starts_with(pl.col("_other")))
        .select("group", "hs_code")
        .unique()
        .with_columns(_nested=pl.lit(True))
    )
    membership = membership.join(nested, on=["group", "hs_code"], how="left").with_columns(
        pl.col("_nested").fill_null(False)
    )
    flows = _preferred_source(
        _prepared(trade).join(membership, on="hs_code", how="inner"), ["group", *FLOW_KEY, "hs_code"]
    ).with_columns(_code_len=pl.col("hs_code").str.len_chars())
    # Rule 3: rows of nested codes are dropped when the same flow holds one of their ancestor codes.
    kept = flows.filter(~pl.col("_nested"))
    deeper = flows.filter(pl.col("_nested"))
    stored = flows.select("group", *FLOW_KEY, pl.col("hs_code").alias("_a"))
    for level in HS_LEVELS:
        ancestor = pl.when(pl.col("_code_len") > level).then(pl.col("hs_code").str.slice(0, level))
        deeper = deeper.with_columns(_a=ancestor).join(stored, on=["group", *FLOW_KEY, "_a"], how="anti",
                                                       nulls_equal=False)
    return pl.concat([kept, deeper.drop("_a")]).drop("_code_len", "_prefix_len", "_nested")


def aggregate_to_groups(code_flows: pl.LazyFrame) -> pl.LazyFrame:
    """Sum code-level flows into one row per (group, flow, reporter, partner, period)."""
    return group_and_fold(code_flows, ["group", *FLOW_KEY, "year", "frequency"], [
        pl.col("value_usd").sum(),
        pl.col("value_with_weight_usd").sum(),
        pl.when(pl.col("net_weight_kg").count() > 0).then(pl.col("net_weight_kg").sum()).alias("net_weight_kg"),
    ])


def group_flows(trade: pl.LazyFrame, groups: Config | Iterable[ProductGroup] | Mapping[str, Sequence[str]]
                ) -> pl.LazyFrame:
    """Trade summed into product groups (rules 1–4 above): the input of every group metric."""
    return aggregate_to_groups(group_code_flows(trade, groups))


def total_flows(trade: pl.LazyFrame) -> pl.LazyFrame:
    """All-goods rows (HS ``TOTAL``), one source per flow: the X_i and X_w of RCA and the Σ_k of Lafay."""
    totals = _prepared(trade.filter(pl.col("hs_code") == TOTAL_CODE))
    return _preferred_source(totals, list(FLOW_KEY)).drop("hs_code")
