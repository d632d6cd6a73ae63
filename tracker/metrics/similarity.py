"""Export similarity (Finger–Kreinin) and trade complementarity.

* ESI(a, b | m) = 100 · Σ_k min(s_ak, s_bk), s_ak = code k's share of a's exports of the group to market m (as
  m records them, mirror fallback). 0 = no common products, 100 = identical product mix. Computed for the
  home exporter against every competitor, per group, market and period; null when either has no sales there.
  ESI(a, b) = ESI(b, a): each unordered pair is computed once and mirrored.
* TCI_ij = 100 · (1 − Σ_k |m_jk − x_ik| / 2) with k = the configured product groups: x_ik = group k's share of
  exporter i's exports of all tracked groups, m_jk = its share of market j's imports of them. Because both
  share vectors sum to 1, Σ_k |m − x| / 2 = 1 − Σ_k min(m, x), so TCI = 100 · Σ_k min(m_jk, x_ik).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def _shares(frame: pl.LazyFrame, owner: list[str], item: str, value: str) -> pl.LazyFrame:
    return frame.filter(pl.col(value) > 0).with_columns(
        (pl.col(value) / pl.col(value).sum().over(owner)).alias("_share")
    ).select(*owner, item, "_share")


def similarity_once(code_suppliers: pl.LazyFrame, exporters: Sequence[str], competitors: Sequence[str],
                    value: str = "value_usd") -> pl.LazyFrame:
    """The ESI of each wanted pair computed once: (group, market, period, exporter, competitor, esi, both_ways).

    ESI is symmetric, so where both (a, b) and (b, a) are wanted (a and b each among the exporters and the
    competitors) only the row with a < b is computed, and ``both_ways`` marks it for :func:`mirrored`.

    No join of suppliers with suppliers: the shares are laid out one row per (group, market, period, code) with
    one column per country, and each pair's Σ_k min is one expression summed per market. Memory grows with
    the rows times the countries asked for (the configured exporters), never with pairs of rows.
    """
    wanted_a, wanted_b = sorted(set(exporters)), sorted(set(competitors))
    pairs = [(a, b) for a in wanted_a for b in wanted_b
             if a != b and not (a in wanted_b and b in wanted_a and a > b)]
    cell = ["group", "market", "period"]
    countries = sorted({*wanted_a, *wanted_b})
    shares = _shares(code_suppliers.filter(pl.col("exporter").is_in(countries)), [*cell, "exporter"], "hs_code",
                     value)
    column = {country: f"_s{index}" for index, country in enumerate(countries)}
    wide = shares.group_by(*cell, "hs_code").agg(
        pl.col("_share").filter(pl.col("exporter") == country).sum().alias(column[country])
        for country in countries
    )  # 0 where the country has no sales of the code: min(0, ·) adds nothing
    sells = {country: (pl.col(column[country]) > 0).any() for country in countries}
    per_cell = wide.group_by(cell).agg(
        pl.when(sells[a] & sells[b])
        .then((100 * pl.min_horizontal(column[a], column[b])).sum())
        .alias(f"_p{index}")
        for index, (a, b) in enumerate(pairs)
    )
    labels = [f"_p{index}" for index in range(len(pairs))]
    names = pl.LazyFrame({"_pair": labels, "exporter": [a for a, _ in pairs], "competitor": [b for _, b in pairs]},
                         schema={"_pair": pl.String, "exporter": pl.String, "competitor": pl.String})
    both_ways = pl.col("exporter").is_in(wanted_b) & pl.col("competitor").is_in(wanted_a)
    return (
        per_cell.unpivot(on=labels, index=cell, variable_name="_pair", value_name="esi")
        .with_columns(pl.col("esi").cast(pl.Float64))
        .drop_nulls("esi")
        .join(names, on="_pair", how="inner")
        .select(*cell, "exporter", "competitor", "esi", both_ways.alias("both_ways"))
    )


def mirrored(frame: pl.LazyFrame, swaps: Sequence[tuple[str, str]] = (("exporter", "competitor"),)) -> pl.LazyFrame:
    """Every row of :func:`similarity_once`'s result, plus the reverse of each ``both_ways`` row (its column
    pairs in ``swaps`` exchanged); drops ``both_ways``."""
    reverse = {**{a: b for a, b in swaps}, **{b: a for a, b in swaps}}
    names = frame.collect_schema().names()
    rows = frame.drop("both_ways")
    reversed_rows = frame.filter(pl.col("both_ways")).select(
        pl.col(reverse.get(name, name)).alias(name) for name in names if name != "both_ways"
    )
    return pl.concat([rows, reversed_rows])


def export_similarity(code_suppliers: pl.LazyFrame, exporters: str | Sequence[str], competitors: Sequence[str],
                      value: str = "value_usd") -> pl.LazyFrame:
    """(group, market, period, exporter, competitor, esi) from code-level supplier flows, for every exporter in
    ``exporters`` (one ISO3 or several) against every other country in ``competitors``."""
    exporters = [exporters] if isinstance(exporters, str) else list(exporters)
    return mirrored(similarity_once(code_suppliers, exporters, competitors, value))


def trade_complementarity(exports: pl.LazyFrame, imports: pl.LazyFrame) -> pl.LazyFrame:
    """(exporter, market, period, trade_complementarity) from group-level exports (group, exporter, period,
    export_value_usd) and market imports (group, market, period, value_usd)."""
    x = _shares(exports, ["exporter", "period"], "group", "export_value_usd")
    m = _shares(imports, ["market", "period"], "group", "value_usd").rename({"_share": "_share_m"})
    pairs = x.select("exporter", "period").unique().join(m.select("market", "period").unique(), on="period")
    overlap = (
        x.join(m, on=["period", "group"], how="inner")
        .filter(pl.col("exporter") != pl.col("market"))
        .group_by("exporter", "market", "period")
        .agg((100 * pl.min_horizontal("_share", "_share_m")).sum().alias("trade_complementarity"))
    )
    return (
        pairs.filter(pl.col("exporter") != pl.col("market"))
        .join(overlap, on=["exporter", "market", "period"], how="left")
        .with_columns(pl.col("trade_complementarity").fill_null(0.0))
    )
