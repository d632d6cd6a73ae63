"""Tariffs faced: what it costs each tracked exporter to enter a market with a product group, and how that
compares with its competitors.

From the stored ``tariff`` table (WITS TRAINS, one row per market, partner, HS6 code, year and tariff type):

1. **One row per key.** Where several sources hold the same (market, partner, HS6, year, type), a real source
   wins over sample data, then the newest fetch.
2. **EU.** The EU reports once for its members (market ``EUU``). Its rows stand for every EU member
   (``tracker.countries.eu_members`` of the year) that appears as a market of the group in ``group_market``; a
   member's own rows, if any, win. An EU member exporting to another member pays no duty: such pairs are left out.
3. **Rate faced per code.** For exporter *e* in market *m*, code *k*, year *y*: the preferential rate (type PRF,
   partner *e*) where one applies and is lower than MFN, else the MFN rate (partner WLD). Codes without an MFN
   row are left out (MFN defines the group's code list in a market); a code whose rates are all null (only
   non-ad-valorem lines) counts in ``non_ad_valorem_share`` but not in the average.
4. **Weights.** The group rate is Σ_k w_k·t_k / Σ_k w_k, with w_k the market's imports of code *k* from the
   world in year *y* (its ``WLD`` import report; else the sum of its recorded suppliers). The market may hold
   its imports at several levels at once (a chapter, a heading in it, an HS6 code in that): w_k is *k*'s own
   imports where stored; otherwise the remainder of the nearest stored code containing *k* (its imports less
   those of the stored codes directly below it, at least 0) split evenly among the scheduled HS6 codes that
   only it covers. So every record counts once and none is ignored: chapter 48 = 1000, heading 4802 = 300,
   480210 = 100 give 480210 its 100, 4802's other codes 200 between them, and the chapter's other codes 700.
   Codes the market did not import weigh 0. Where the market has no import record for any of the codes, the
   rate is the simple average (``weighting`` says which).
5. **Margins.** ``margin_pp`` = own rate − competitor's rate, in percentage points, for every pair of tracked
   exporters (home exporter and ``scope.competitors``) in the same group, market and year: positive = the
   exporter pays more. ``margin_vs_lowest_competitor_pp`` compares with the lowest rate among its competitors.
   The reverse of a pair is the same margin negated, so ``group_tariff_margin`` stores each pair once and
   ``Store.scan`` returns both orders.
6. **Change.** ``tariff_change_pp`` = Σ_k w_k·(t_k,y − t_k,y−1) / Σ_k w_k over the codes rated in both years,
   with this year's weights: a change of the schedule, not of the import mix (the alert rule reads it).

Extra duties outside the applied schedule (US Section 301/232, anti-dumping and countervailing duties,
safeguards) are not in TRAINS and so not in these numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from tracker.config import Config
from tracker.countries import eu_members
from tracker.metrics._common import safe_div
from tracker.metrics.groups import group_prefixes
from tracker.schemas import PROVENANCE

EU = "EUU"
WORLD = "WLD"
MFN, PRF, MIXED = "MFN", "PRF", "mixed"
TRADE_WEIGHTED, SIMPLE = "trade-weighted", "simple"
EU_YEARS = range(1988, 2101)  # TRAINS starts in 1988; membership is a function of the year
PAIR = ["group", "market", "year"]
TIE_DECIMALS = 9  # rates equal to this many decimals (percentage points) are a tie
CELL = ["group", "exporter", "market", "year"]
HS6 = 6
WEIGHT_LEVELS = (2, 4, 6)  # HS chapter, heading, subheading: the lengths of the weights' codes


def _eu_membership() -> pl.LazyFrame:
    rows = [(year, member) for year in EU_YEARS for member in eu_members(year)]
    return pl.LazyFrame(rows, schema={"year": pl.Int32, "market": pl.String}, orient="row")


def latest_tariff_rows(tariff: pl.LazyFrame) -> pl.LazyFrame:
    """One row per (market, partner, hs_code, year, tariff_type): a real source before sample data, then the
    newest fetch (rule 1)."""
    key = ["market", "partner", "hs_code", "year", "tariff_type"]
    return (
        tariff.sort([pl.col("source") == "sample", pl.col("fetched_at")], descending=[False, True])
        .unique(subset=key, keep="first", maintain_order=True)
    )


def expand_eu(tariff: pl.LazyFrame, group_markets: pl.LazyFrame) -> pl.LazyFrame:
    """Tariff rows with the EU's (market EUU) copied to each member that is a market of some group (rule 2).

    ``group_markets``: (group, market) pairs, the markets of each group in ``group_market``. Adds ``_via_eu``.
    """
    direct = tariff.filter(pl.col("market") != EU).with_columns(_via_eu=pl.lit(False))
    members = _eu_membership().join(group_markets.select("market").unique(), on="market", how="semi")
    expanded = (
        tariff.filter(pl.col("market") == EU).drop("market")
        .join(members, on="year", how="inner")
        .with_columns(_via_eu=pl.lit(True))
        .select(direct.collect_schema().names())
    )
    own = ["market", "partner", "hs_code", "year", "tariff_type"]
    expanded = expanded.join(direct, on=own, how="anti")  # a member's own schedule wins
    return pl.concat([direct, expanded])


def tariff_by_code(tariff: pl.LazyFrame, prefixes: pl.LazyFrame, group_markets: pl.LazyFrame,
                   exporters: Sequence[str]) -> pl.LazyFrame:
    """The rate each exporter faces per group, market, HS6 code and year (rules 1–3).

    Columns: group, exporter, market, hs_code, year, rate_pct, mfn_rate_pct, tariff_type (MFN/PRF), lines,
    non_ad_valorem_lines, provenance, sources, newest_fetch.
    """
    rows = expand_eu(latest_tariff_rows(tariff), group_markets)
    codes = rows.select("hs_code").unique().join(prefixes, how="cross").filter(
        pl.col("hs_code").str.starts_with(pl.col("prefix"))).select("group", "hs_code").unique()
    mfn = rows.filter((pl.col("tariff_type") == MFN) & (pl.col("partner") == WORLD)).join(codes, on="hs_code")
    mfn = mfn.join(group_markets, on=["group", "market"], how="semi").select(
        "group", "market", "hs_code", "year", "_via_eu", pl.col("avg_rate_pct").alias("mfn_rate_pct"),
        pl.col("lines").alias("_mfn_lines"), pl.col("non_ad_valorem_lines").alias("_mfn_nav"),
        pl.col("provenance").alias("_mfn_provenance"), pl.col("source").alias("_mfn_source"),
        pl.col("fetched_at").alias("_mfn_fetch"),
    )
    prf = rows.filter(pl.col("tariff_type") == PRF).select(
        "market", pl.col("partner").alias("exporter"), "hs_code", "year", pl.col("avg_rate_pct").alias("_prf"),
        pl.col("lines").alias("_prf_lines"), pl.col("non_ad_valorem_lines").alias("_prf_nav"),
        pl.col("provenance").alias("_prf_provenance"), pl.col("source").alias("_prf_source"),
        pl.col("fetched_at").alias("_prf_fetch"),
    )
    tracked = pl.LazyFrame({"exporter": list(dict.fromkeys(exporters))}, schema={"exporter": pl.String})
    members = _eu_membership().rename({"market": "exporter"}).with_columns(_member=pl.lit(True))
    grid = (
        mfn.join(tracked, how="cross")
        .filter(pl.col("exporter") != pl.col("market"))
        .join(members, on=["year", "exporter"], how="left")
        .filter(~(pl.col("_via_eu") & pl.col("_member").fill_null(False)))  # inside the EU: no duty
        .join(prf, on=["market", "exporter", "hs_code", "year"], how="left")
    )
    preferential = pl.col("_prf").is_not_null() & (pl.col("mfn_rate_pct").is_null()
                                                    | (pl.col("_prf") < pl.col("mfn_rate_pct")))
    return grid.select(
        *CELL[:3], "hs_code", "year",
        pl.when(preferential).then(pl.col("_prf")).otherwise(pl.col("mfn_rate_pct")).alias("rate_pct"),
        "mfn_rate_pct",
        pl.when(preferential).then(pl.lit(PRF)).otherwise(pl.lit(MFN)).alias("tariff_type"),
        pl.when(preferential).then(pl.col("_prf_lines")).otherwise(pl.col("_mfn_lines")).alias("lines"),
        pl.when(preferential).then(pl.col("_prf_nav")).otherwise(pl.col("_mfn_nav")).alias("non_ad_valorem_lines"),
        pl.when(preferential).then(pl.col("_prf_provenance")).otherwise(pl.col("_mfn_provenance")).alias("provenance"),
        pl.when(preferential).then(pl.concat_str([pl.col("_mfn_source"), pl.col("_prf_source")], separator=","))
        .otherwise(pl.col("_mfn_source")).alias("sources"),
        pl.max_horizontal("_mfn_fetch", "_prf_fetch").alias("newest_fetch"),
    )


def import_weights(code_levels: pl.LazyFrame) -> pl.LazyFrame:
    """(group, market, weight_code, year, weight_usd, _wsources, _wfetch): each market's annual imports from the
    world per stored code of the group, at every level it holds (``groups.CodeFlows.every_level``: a chapter, a
    heading in it and an HS6 code in that each keep their row); the WLD report, else the sum of the recorded
    suppliers. Codes finer than HS6 are summed to HS6, unless the HS6 code itself is stored (it holds them)."""
    imports = code_levels.filter((pl.col("flow") == "import") & (pl.col("frequency") == "A")).with_columns(
        _world=pl.col("partner") == WORLD)
    per_code = imports.group_by("group", pl.col("reporter").alias("market"), "hs_code", "year").agg(
        pl.when(pl.col("_world").any()).then(pl.col("value_usd").filter(pl.col("_world")).sum())
        .otherwise(pl.col("value_usd").sum()).alias("weight_usd"),
        pl.col("sources").str.split(",").list.explode(keep_nulls=False, empty_as_null=False).unique()
        .alias("_wsources"),
        pl.col("newest_fetch").max().alias("_wfetch"),
    )
    own = pl.col("hs_code").str.len_chars() <= HS6
    used = own | ~own.any()  # per HS6 code: its own row, else the sum of the finer ones
    return per_code.group_by(*PAIR[:2], pl.col("hs_code").str.slice(0, HS6).alias("weight_code"), "year").agg(
        pl.col("weight_usd").filter(used).sum(),
        pl.col("_wsources").filter(used).explode().unique().sort().str.join(","),
        pl.col("_wfetch").filter(used).max(),
    )


def _nearest_stored(frame: pl.LazyFrame, stored: pl.LazyFrame, column: str, alias: str,
                    proper: bool) -> pl.LazyFrame:
    """``frame`` with ``alias``: the longest stored ``weight_code`` of the same group, market and year that is a
    prefix of ``column`` (``proper``: shorter than it, an ancestor; else the code itself may be it), or null."""
    codes = stored.select(*PAIR, pl.col("weight_code").alias("_prefix"), _hit=pl.lit(True))
    length = pl.col(column).str.len_chars()
    frame = frame.with_columns(pl.lit(None, pl.String).alias(alias))
    for level in WEIGHT_LEVELS:  # shortest first: a longer stored prefix overrides
        fits = length > level if proper else length >= level
        frame = (
            frame.with_columns(_prefix=pl.when(fits).then(pl.col(column).str.slice(0, level)))
            .join(codes, on=[*PAIR, "_prefix"], how="left")
            .with_columns(pl.when(pl.col("_hit")).then(pl.col("_prefix")).otherwise(pl.col(alias)).alias(alias))
            .drop("_prefix", "_hit")
        )
    return frame


def weighted_codes(by_code: pl.LazyFrame, weights: pl.LazyFrame) -> pl.LazyFrame:
    """``by_code`` with ``weight_usd`` (rule 4): an HS6 code's own imports where the market's record holds the
    code; else the remainder of its nearest stored ancestor (the ancestor's imports less those of the stored
    codes directly below it, never below 0), split evenly among the scheduled HS6 codes only that ancestor
    covers; 0 where no stored code contains it. A record's imports are thus counted once, and a finer record
    is never overridden by a broader one. Weights depend on the market alone: worked out once per code, not per
    exporter."""
    stored = weights.select(*PAIR, "weight_code", "weight_usd")
    parents = _nearest_stored(stored, stored, "weight_code", "_parent", proper=True)
    below = parents.group_by(*PAIR, "_parent").agg(pl.col("weight_usd").sum().alias("_below"))
    remainders = weights.join(below, left_on=[*PAIR, "weight_code"], right_on=[*PAIR, "_parent"], how="left")
    remainders = remainders.with_columns(
        _remainder=(pl.col("weight_usd") - pl.col("_below").fill_null(0.0)).clip(lower_bound=0.0)
    ).drop("weight_usd", "_below")
    candidates = (
        _nearest_stored(by_code.select(*PAIR, "hs_code").unique(), stored, "hs_code", "weight_code", proper=False)
        .filter(pl.col("weight_code").is_not_null())
        .with_columns(pl.len().over([*PAIR, "weight_code"]).alias("_under"))
        .join(remainders, on=[*PAIR, "weight_code"], how="inner")
        .with_columns((pl.col("_remainder") / pl.col("_under")).alias("weight_usd"))
        .drop("weight_code", "_under", "_remainder")
    )
    return by_code.join(candidates, on=[*PAIR, "hs_code"], how="left").with_columns(
        pl.col("weight_usd").fill_null(0.0))


def group_tariff(by_code: pl.LazyFrame, weights: pl.LazyFrame) -> pl.LazyFrame:
    """One row per group, exporter, market and year: the rate faced (trade-weighted or simple), the MFN rate on
    the same weights, how much of it is under a preference, the share of non-ad-valorem lines, and the change of
    the schedule since the year before on this year's weights (so a shift in the import mix is no change)."""
    frame = weighted_codes(by_code, weights)
    earlier = by_code.select(*CELL[:3], "hs_code", (pl.col("year") + 1).alias("year"),
                             pl.col("rate_pct").alias("_previous_rate"))
    frame = frame.join(earlier, on=[*CELL, "hs_code"], how="left")
    rated = pl.col("rate_pct").is_not_null()
    both = rated & pl.col("_previous_rate").is_not_null()
    step = pl.when(both).then(pl.col("rate_pct") - pl.col("_previous_rate"))
    both_w = pl.when(both).then(pl.col("weight_usd")).otherwise(0.0)
    w = pl.when(rated).then(pl.col("weight_usd")).otherwise(0.0)
    mfn_w = pl.when(pl.col("mfn_rate_pct").is_not_null()).then(pl.col("weight_usd")).otherwise(0.0)
    total = w.sum()

    def average(rate: pl.Expr, weight: pl.Expr, basis: pl.Expr = total) -> pl.Expr:
        simple = rate.mean()
        weighted = (weight * rate.fill_null(0.0)).sum() / weight.sum()
        return pl.when(basis > 0).then(weighted).otherwise(simple)

    is_prf = (pl.col("tariff_type") == PRF).cast(pl.Float64)
    prf_codes, rated_codes = (rated & (pl.col("tariff_type") == PRF)).sum(), rated.sum()
    provenances = list(PROVENANCE)
    provenance_code = pl.col("provenance").replace_strict(provenances, range(len(provenances)),
                                                          return_dtype=pl.UInt8)
    tokens, source_bits = _source_bits(by_code, weights)
    grouped = frame.group_by(CELL).agg(
        average(pl.col("rate_pct"), w).alias("tariff_faced_pct"),
        average(pl.col("mfn_rate_pct"), mfn_w).alias("mfn_rate_pct"),
        average(step, both_w, both_w.sum()).alias("tariff_change_pp"),
        average(pl.when(rated).then(is_prf), w).alias("preferential_share"),
        pl.when(rated_codes == 0).then(None).when(prf_codes == 0).then(pl.lit(MFN))
        .when(prf_codes == rated_codes).then(pl.lit(PRF)).otherwise(pl.lit(MIXED)).alias("tariff_type_faced"),
        pl.when(total > 0).then(pl.lit(TRADE_WEIGHTED)).otherwise(pl.lit(SIMPLE)).alias("weighting"),
        rated_codes.cast(pl.Int32).alias("hs6_codes"),
        safe_div(pl.col("non_ad_valorem_lines").sum(), pl.col("lines").sum()).alias("non_ad_valorem_share"),
        provenance_code.min().alias("_pmin"), provenance_code.max().alias("_pmax"),
        (source_bits("sources").bitwise_or()
         | pl.when(pl.col("weight_usd") > 0).then(source_bits("_wsources")).otherwise(0).bitwise_or()).alias("_bits"),
        pl.max_horizontal(pl.col("newest_fetch").max(),
                          pl.col("_wfetch").filter(pl.col("weight_usd") > 0).max()).alias("newest_fetch"),
    )
    kept = grouped.filter(pl.col("tariff_faced_pct").is_not_null() | (pl.col("non_ad_valorem_share") > 0))
    named = [pl.when((pl.col("_bits") & (1 << i)) != 0).then(pl.lit(token)) for i, token in enumerate(tokens)]
    return kept.with_columns(
        provenance=pl.when(pl.col("_pmin") != pl.col("_pmax")).then(pl.lit(MIXED))
        .otherwise(pl.col("_pmin").replace_strict(range(len(provenances)), provenances, return_dtype=pl.String)),
        sources=pl.concat_str(named, separator=",", ignore_nulls=True) if named else pl.lit("", pl.String),
    ).drop("_pmin", "_pmax", "_bits")


def _source_bits(by_code: pl.LazyFrame, weights: pl.LazyFrame) -> tuple[list[str], Callable[[str], pl.Expr]]:
    """The source ids in ``sources`` and ``_wsources`` (comma lists), sorted, and an expression giving a column's
    set of them as bits (bit i = ``tokens[i]``). A group's sources are the OR of its rows' bits: a few integer
    operations where a string list per group, sorted and joined, cost seconds."""
    distinct = pl.concat([by_code.select(pl.col("sources").unique()),
                          weights.select(pl.col("_wsources").unique().alias("sources"))]).unique().collect()
    values: list[str] = distinct.get_column("sources").drop_nulls().to_list()
    tokens = sorted({token for value in values for token in value.split(",") if token})
    if len(tokens) > 64:
        raise ValueError(f"more than 64 distinct source ids in the tariff inputs ({len(tokens)})")
    bits = [sum(1 << tokens.index(token) for token in set(value.split(",")) if token) for value in values]

    def source_bits(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(values, bits, default=None, return_dtype=pl.UInt64)

    return tokens, source_bits


def tidy_sources(frame: pl.LazyFrame) -> pl.LazyFrame:
    """``sources`` as sorted, distinct, comma-separated ids; worked out once per distinct value (there are few)."""
    names = pl.col("sources").str.split(",").list.eval(pl.element().filter(pl.element() != ""))
    values = frame.select("sources").unique().with_columns(_tidy=names.list.unique().list.sort().list.join(","))
    return frame.join(values, on="sources", how="left").drop("sources").rename({"_tidy": "sources"})


def tariff_margins(faced: pl.LazyFrame) -> pl.LazyFrame:
    """Every unordered pair of tracked exporters with a rate in the same group, market and year, once (exporter <
    competitor): margin_pp = exporter's rate − competitor's rate (rule 5). The reverse row is the same row with
    the sides swapped and margin_pp negated: ``schemas.mirror_rows`` adds it when the table is read."""
    own = faced.filter(pl.col("tariff_faced_pct").is_not_null()).select(
        *CELL, pl.col("tariff_faced_pct").alias("exporter_tariff_pct"), "provenance", "sources", "newest_fetch")
    other = own.select(*PAIR, pl.col("exporter").alias("competitor"),
                       pl.col("exporter_tariff_pct").alias("competitor_tariff_pct"),
                       pl.col("provenance").alias("_cp"), pl.col("sources").alias("_cs"),
                       pl.col("newest_fetch").alias("_cf"))
    pairs = own.join(other, on=PAIR, how="inner").filter(pl.col("exporter") < pl.col("competitor"))
    return pairs.with_columns(
        margin_pp=pl.col("exporter_tariff_pct") - pl.col("competitor_tariff_pct"),
        provenance=pl.when(pl.col("provenance") == pl.col("_cp")).then(pl.col("provenance")).otherwise(pl.lit(MIXED)),
        sources=pl.concat_str(["sources", "_cs"], separator=","),
        newest_fetch=pl.max_horizontal("newest_fetch", "_cf"),
    ).drop("_cp", "_cs", "_cf").pipe(tidy_sources)


def with_lowest_competitor(faced: pl.LazyFrame) -> pl.LazyFrame:
    """group_tariff rows with the lowest rate among the exporter's competitors, who that is (ties: the first
    ISO3), and the margin against it; null without a rate of its own or a rated competitor.

    Rates are compared to 1e-9 pp: two exporters under the same schedule get averages that may differ in the
    last bit, depending on the order a parallel sum took, and that must not change who is named.

    The two lowest (rate, ISO3) of each group, market and year suffice: an exporter's lowest competitor is the
    first of them unless that is the exporter itself, then the second."""
    rated = faced.filter(pl.col("tariff_faced_pct").is_not_null()).select(*CELL, "tariff_faced_pct")
    order = [pl.col("tariff_faced_pct").round(TIE_DECIMALS), pl.col("exporter")]
    lowest_two = rated.group_by(PAIR).agg(pl.col("exporter").sort_by(order).head(2).alias("_who"),
                                          pl.col("tariff_faced_pct").sort_by(order).head(2).alias("_rate"))
    first = pl.col("_who").list.get(0) != pl.col("exporter")
    lowest = rated.join(lowest_two, on=PAIR, how="inner").select(
        *CELL,
        pl.when(first).then(pl.col("_who").list.get(0)).otherwise(pl.col("_who").list.get(1, null_on_oob=True))
        .alias("lowest_tariff_competitor"),
        pl.when(first).then(pl.col("_rate").list.get(0)).otherwise(pl.col("_rate").list.get(1, null_on_oob=True))
        .alias("min_competitor_tariff_pct"),
    )
    return faced.join(lowest, on=CELL, how="left").with_columns(
        margin_vs_lowest_competitor_pp=pl.col("tariff_faced_pct") - pl.col("min_competitor_tariff_pct"))


def tariff_tables(tariff: pl.LazyFrame, code_levels: pl.LazyFrame, market: pl.LazyFrame,
                  config: Config) -> dict[str, pl.LazyFrame]:
    """``group_tariff`` and ``group_tariff_margin`` from the stored tariffs, the code-level trade flows at every
    stored level (``groups.CodeFlows.every_level``, for the weights) and ``group_market`` (the markets of each
    group), for the tracked exporters of the config's scope."""
    return weighted_tariff_tables(tariff, import_weights(code_levels), market, config)


def weighted_tariff_tables(tariff: pl.LazyFrame, weights: pl.LazyFrame, market: pl.LazyFrame,
                           config: Config) -> dict[str, pl.LazyFrame]:
    """:func:`tariff_tables` from the import weights (:func:`import_weights`, within each year): the metrics
    computed a year at a time gather each year's weights, never the code-level flows of every year."""
    exporters = (config.scope.home_exporter, *config.scope.competitors)
    group_markets = market.select("group", "market").unique()
    by_code = tariff_by_code(tariff, group_prefixes(config), group_markets, exporters).collect().lazy()
    faced = group_tariff(by_code, weights).collect().lazy()
    return {"group_tariff": with_lowest_competitor(faced), "group_tariff_margin": tariff_margins(faced)}
