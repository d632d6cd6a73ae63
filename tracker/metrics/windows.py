"""The metric tables computed one year of trade at a time, so that the memory of ``metrics`` follows the largest
year, not how many years the store holds (``tracker.refresh`` writes them through the store).

Why: the code-level flows (per group, HS code, exporter and market) are nearly all of the work and memory. Held
for every year at once, as ``tables.compute_tables`` does, they made ``metrics`` grow by about 32 MiB per
million stored rows. Every code-level step works within a period: the source and HS level chosen per report,
supplier flows, shares, unit values, similarity, the tariff weights and the CMS cells. So each year's trade is
read alone (a filter on the ``year`` partition of ``trade``), reduced to its per-year parts (``YearParts``:
group-level flows, HS TOTAL flows, similarity rows, sales by code, tariff weights) and dropped before the next
year is read. What spans years (growth, share change, CAGR, the opportunity's market growth, nowcast, forecasts,
potential) runs afterwards on the group-level aggregates of every year, a small fraction of the code-level rows,
through the same functions as the single pass (``tables.group_level_market``, ``tables.finish_tables``). CMS is
the one code-level comparison of two years: each consecutive pair while the second year is read (the previous
year's code-level supplier flows and world imports are kept until then), and the long span with its base year's
kept (or read again when the store's newest year has no annual rows). The result equals the single pass: same
rows, keys and strings, floats to rounding (tests/test_metrics_windows.py).

Writing (``tracker.refresh``): the tables partitioned by year (``partition_by``) are replaced through
``Store.replace``, which links a year's file from the previous version when its rows did not change. A fetch that
changes one year rewrites only the files of the years that read it (that year, the next one's growth, the CAGR and
CMS spans, the newest year's opportunity); every other year's file stays the same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import polars as pl

from tracker.baci.precedence import baci_first
from tracker.config import Config
from tracker.metrics.cms import constant_market_share
from tracker.metrics.groups import aggregate_to_groups, group_code_flows_by_level, total_flows
from tracker.metrics.shares import reported_world_imports, supplier_flows
from tracker.metrics.tables import (
    CMS_LONG_SPAN_YEARS,
    _annual,
    _competition_sides,
    _esi,
    _group_exporter,
    _hs_by_code,
    _hs_growth,
    cms_pairs,
    export_potential,
    finish_tables,
    group_level_market,
)
from tracker.metrics.tariffs import import_weights, weighted_tariff_tables


class Tables(Protocol):
    """What the computation reads the stored tables through (a ``tracker.store.Store``): reading only, so that
    the metrics depend on no store writer."""

    def scan(self, table: str) -> pl.LazyFrame: ...


@dataclass(frozen=True)
class YearParts:
    """What the tables need of one year's trade, collected: every frame but the CMS inputs is group-level."""

    year: int | None
    flows: pl.DataFrame  # group-level flows, annual and monthly
    totals: pl.DataFrame  # HS TOTAL flows (RCA, Lafay)
    esi: pl.DataFrame  # group_competition's similarity rows
    hs: pl.DataFrame  # group_hs without its growth
    weights: pl.DataFrame  # the tariff weights
    code_suppliers: pl.DataFrame  # annual code-level supplier flows (CMS)
    code_imports: pl.DataFrame  # annual code-level world imports as reported (CMS)

    @property
    def annual(self) -> bool:
        """Whether the year has annual code-level rows: CMS compares such years only."""
        return self.code_suppliers.height > 0


def year_parts(trade: pl.LazyFrame, config: Config, year: int | None) -> YearParts:
    """The parts of one year (``year``; None: every row of ``trade``) of the stored trade rows."""
    rows = baci_first(trade if year is None else trade.filter(pl.col("year") == year))
    code_flows = group_code_flows_by_level(rows, config)
    code = code_flows.kept.collect()
    annual = _annual(code.lazy())
    code_suppliers = supplier_flows(annual).collect()
    return YearParts(
        year=year,
        flows=aggregate_to_groups(code.lazy()).collect(),
        totals=total_flows(rows).collect(),
        esi=_esi(code_suppliers.lazy(), config.scope.home_exporter, config.scope.competitors).collect(),
        hs=_hs_by_code(code_suppliers.lazy()).collect(),
        weights=import_weights(code_flows.every_level).collect(),
        code_suppliers=code_suppliers,
        code_imports=reported_world_imports(annual).collect(),
    )


def _cms(base: YearParts, end: YearParts) -> pl.DataFrame:
    """CMS from ``base.year`` to ``end.year`` on the two years' code-level rows alone."""
    return constant_market_share(
        pl.concat([base.code_suppliers, end.code_suppliers]).lazy(),
        pl.concat([base.code_imports, end.code_imports]).lazy(),
        [(base.year, end.year)],
    ).collect()


def _stack(parts: list[YearParts], field: str) -> pl.LazyFrame:
    return pl.concat([getattr(part, field) for part in parts], how="vertical").lazy()


def trade_years(store: Tables) -> list[int]:
    """The years of the stored trade rows (its ``year`` partitions), oldest first."""
    frame = store.scan("trade").select(pl.col("year").unique()).collect()
    return sorted(frame.get_column("year").drop_nulls().to_list())


class YearTables(NamedTuple):
    """The metric tables of ``compute_tables_by_year``: ``potential`` yields group_export_potential a year at a
    time (the largest table: a year of it in memory at once), the other tables are whole."""

    tables: dict[str, pl.DataFrame]
    potential: Iterator[pl.DataFrame]


def compute_tables_by_year(store: Tables, config: Config) -> YearTables:
    """Every metric table from the store, reading one year of trade at a time (see the module docstring)."""
    trade = store.scan("trade")
    years = trade_years(store)
    long_base = years[-1] - CMS_LONG_SPAN_YEARS if years else None  # the long span's base, unless years lack rows
    parts: list[YearParts] = []
    cms: list[pl.DataFrame] = []
    annual_years: list[int] = []
    previous: YearParts | None = None  # the newest year with annual rows so far
    kept: YearParts | None = None  # the year long_base, kept for the long span
    for year in years or [None]:
        part = year_parts(trade, config, year)
        if part.annual:
            if previous is not None and previous.year == part.year - 1:
                cms.append(_cms(previous, part))
            annual_years.append(part.year)
            previous = part
            kept = part if year == long_base else kept
        # only the group-level parts stay: the code-level CMS inputs go with the year (or with `previous`)
        parts.append(YearParts(part.year, part.flows, part.totals, part.esi, part.hs, part.weights,
                               part.code_suppliers.clear(), part.code_imports.clear()))
    for base_year, end_year in cms_pairs(annual_years):
        if end_year - base_year != 1 and previous is not None:  # the long span, to the newest annual year
            base = kept if kept is not None and kept.year == base_year else year_parts(trade, config, base_year)
            cms.append(_cms(base, previous))
    previous = kept = None  # the last code-level rows go before the cross-year work
    if not cms:
        empty = parts[0]
        cms.append(constant_market_share(empty.code_suppliers.lazy(), empty.code_imports.lazy(), []).collect())
    stacked = {name: _stack(parts, name).collect().lazy() for name in ("flows", "totals", "esi", "hs", "weights")}
    parts.clear()  # the years' frames are in the stacks now
    flows = stacked["flows"]
    annual, suppliers, imports, market = group_level_market(flows)
    exporter = _group_exporter(annual, suppliers, market, stacked["totals"]).collect().lazy()
    frames = {
        "group_market": market, "group_exporter": exporter,
        "group_competition": _competition_sides(stacked["esi"], market),
        "group_cms": pl.concat(cms, how="vertical").lazy(), "group_hs": _hs_growth(stacked["hs"]),
        **weighted_tariff_tables(store.scan("tariff"), stacked["weights"], market, config),
    }
    stacked.clear()
    tables = finish_tables(frames, flows, imports, store.scan("ecommerce"), config)
    weo, capital = store.scan("weo"), store.scan("capital")
    read = {name: tables[name] for name in ("group_market", "group_exporter", "group_tariff")}  # kept for it
    potential_years = read["group_market"].get_column("year").unique().sort().to_list()
    return YearTables(tables, (export_potential(read, imports, config, weo, capital, year)
                               for year in potential_years))

