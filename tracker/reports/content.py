"""What a report says, as plain data: built from the metric tables, rendered by ``render``.

Every figure is read from a metric table as stored (``group_exporter``, ``group_market``,
``group_market_monthly``, ``group_competition``) or from the e-commerce survey, never recomputed here, so
the report and the app always agree. Only ordering and selection happen in this module; ties are broken by
country code so the same data always gives the same report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import polars as pl

from tracker.config import Config
from tracker.findings import Finding, FindingInputs, group_findings
from tracker.metrics.potential import potential_reasons
from tracker.schemas import PERIOD_PATTERN
from tracker.store import Store

ALL_GROUPS = "all"
TOP_MOVERS = 5
TOP_PRICE_MARKETS = 8
TOP_ECOMMERCE_MARKETS = 8
TREND_YEARS = 10
TREND_MONTHS = 24
TOP_ACCESS_MARKETS = 8
TOP_POTENTIAL_MARKETS = 5


@dataclass(frozen=True)
class ReportInputs:
    """The tables a report reads (LazyFrames, so tests can pass small crafted frames)."""

    group_exporter: pl.LazyFrame
    group_market: pl.LazyFrame
    group_market_monthly: pl.LazyFrame
    group_competition: pl.LazyFrame
    ecommerce: pl.LazyFrame
    group_tariff: pl.LazyFrame | None = None  # None: no market-access paragraph
    findings: FindingInputs | None = None  # the tables the findings read; None: a report without findings
    group_export_potential: pl.LazyFrame | None = None  # None: no untapped-potential paragraph

    @classmethod
    def from_store(cls, store: Store) -> ReportInputs:
        potential = store.scan("group_export_potential") if store.has_data("group_export_potential") else None
        return cls(store.scan("group_exporter"), store.scan("group_market"), store.scan("group_market_monthly"),
                   store.scan("group_competition"), store.scan("ecommerce"), store.scan("group_tariff"),
                   findings=FindingInputs.from_store(store), group_export_potential=potential)


@dataclass(frozen=True)
class Headline:
    """The home exporter's position in a group and year, straight from ``group_exporter``."""

    year: int
    export_value_usd: float
    growth_yoy: float | None
    world_share: float | None
    rca: float | None


@dataclass(frozen=True)
class MonthlyHeadline:
    """The home exporter's sales to the reporting markets in one month (``group_market_monthly``)."""

    period: str
    export_value_usd: float
    previous_year_usd: float | None
    markets: int

    @property
    def growth_yoy(self) -> float | None:
        if not self.previous_year_usd:
            return None
        return self.export_value_usd / self.previous_year_usd - 1


@dataclass(frozen=True)
class Mover:
    market: str
    market_share: float | None
    change_pp: float
    export_value_usd: float


@dataclass(frozen=True)
class PricePoint:
    market: str
    export_value_usd: float
    unit_value_usd_per_kg: float | None
    competitors_median_uv_usd_per_kg: float | None
    relative_unit_value: float | None


@dataclass(frozen=True)
class CompetitorRow:
    exporter: str
    export_value_usd: float
    world_share: float | None
    growth_yoy: float | None
    rca: float | None
    median_esi: float | None


@dataclass(frozen=True)
class EcommerceRow:
    market: str
    online_pct: float
    survey_year: int


@dataclass(frozen=True)
class AccessRow:
    """The tariff the home exporter faces in one of its largest markets, against its lowest-tariff competitor."""

    market: str
    export_value_usd: float | None
    tariff_faced_pct: float | None
    tariff_type_faced: str | None
    lowest_tariff_competitor: str | None
    min_competitor_tariff_pct: float | None
    margin_vs_lowest_competitor_pp: float | None


@dataclass(frozen=True)
class MarketAccess:
    """Market access (``group_tariff``) in the newest tariff year up to the report's year."""

    year: int
    rows: tuple[AccessRow, ...]

    @property
    def average_pct(self) -> float | None:
        """The tariff faced, averaged over the markets weighted by the home exporter's sales there."""
        weighted = [(r.export_value_usd, r.tariff_faced_pct) for r in self.rows
                    if r.export_value_usd and r.tariff_faced_pct is not None]
        total = sum(w for w, _ in weighted)
        return sum(w * rate for w, rate in weighted) / total if total else None

    @property
    def behind(self) -> tuple[AccessRow, ...]:
        """Markets where a competitor pays less, largest gap first."""
        gaps = [r for r in self.rows if (r.margin_vs_lowest_competitor_pp or 0) > 0]
        return tuple(sorted(gaps, key=lambda r: (-(r.margin_vs_lowest_competitor_pp or 0), r.market)))


@dataclass(frozen=True)
class PotentialRow:
    """One market's untapped export potential for the home exporter (``group_export_potential``), and why."""

    market: str
    potential_usd: float
    actual_usd: float
    untapped_usd: float
    demand_growth: float | None
    tariff_edge_pp: float | None
    share_gap: float | None


@dataclass(frozen=True)
class UntappedPotential:
    """The home exporter's largest untapped potentials in the report's year, with the WEO vintage used."""

    year: int
    vintage: str | None
    rows: tuple[PotentialRow, ...]


@dataclass(frozen=True)
class GroupSection:
    """One product group's part of a report."""

    group: str
    headline: Headline | None
    monthly: MonthlyHeadline | None
    risers: tuple[Mover, ...]
    fallers: tuple[Mover, ...]
    prices: tuple[PricePoint, ...]
    competitors: tuple[CompetitorRow, ...]
    ecommerce: tuple[EcommerceRow, ...]
    trend: tuple[tuple[str, float], ...]  # (year or month, home export value)
    market_access: MarketAccess | None = None
    findings: tuple[Finding, ...] = ()  # the most material facts (tracker.findings), up to the period
    potential: UntappedPotential | None = None


@dataclass(frozen=True)
class Vintage:
    """Where the numbers came from: sources, the newest fetch among the rows used, whether sample data went in."""

    sources: tuple[str, ...]
    newest_fetch: datetime | None
    sample: bool


@dataclass(frozen=True)
class ReportContent:
    group: str  # a group id or "all"
    period: str
    home: str
    sections: tuple[GroupSection, ...]
    vintage: Vintage
    generated_at: datetime | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def monthly(self) -> bool:
        return len(self.period) == 7


def _rows(frame: pl.LazyFrame) -> list[dict[str, Any]]:
    return frame.collect().to_dicts()


def _home_exporter(inputs: ReportInputs, group: str, home: str) -> pl.LazyFrame:
    """The home exporter's ``group_exporter`` rows for one group, collected once for the section's readers."""
    return inputs.group_exporter.filter((pl.col("group") == group) & (pl.col("exporter") == home)).collect().lazy()


def _headline(own: pl.LazyFrame, year: int) -> Headline | None:
    rows = _rows(own.filter(pl.col("year") == year))
    if not rows:
        return None
    row = rows[0]
    return Headline(year, row["export_value_usd"], row["growth_yoy"], row["world_share"], row["rca"])


def _monthly(inputs: ReportInputs, group: str, home: str, period: str) -> MonthlyHeadline | None:
    own = inputs.group_market_monthly.filter((pl.col("group") == group) & (pl.col("exporter") == home))
    current = own.filter(pl.col("period") == period).select(
        pl.col("export_value_usd").sum(), pl.len().alias("markets")).collect().row(0, named=True)
    if not current["markets"]:
        return None
    earlier = f"{int(period[:4]) - 1}{period[4:]}"
    previous = own.filter(pl.col("period") == earlier).select(pl.col("export_value_usd").sum(), pl.len()).collect()
    previous_usd = previous.item(0, 0) if previous.item(0, 1) else None
    return MonthlyHeadline(period, current["export_value_usd"], previous_usd, current["markets"])


def _movers(rows: pl.LazyFrame) -> tuple[tuple[Mover, ...], tuple[Mover, ...]]:
    changed = rows.filter(pl.col("market_share_change_pp").is_not_null()).select(
        "market", "market_share", pl.col("market_share_change_pp").alias("change_pp"), "export_value_usd")
    risers = changed.filter(pl.col("change_pp") > 0).sort(["change_pp", "market"], descending=[True, False])
    fallers = changed.filter(pl.col("change_pp") < 0).sort(["change_pp", "market"])
    return (tuple(Mover(**r) for r in _rows(risers.head(TOP_MOVERS))),
            tuple(Mover(**r) for r in _rows(fallers.head(TOP_MOVERS))))


def _prices(inputs: ReportInputs, group: str, home: str, year: int) -> tuple[PricePoint, ...]:
    rows = (
        inputs.group_market.filter((pl.col("group") == group) & (pl.col("exporter") == home) & (pl.col("year") == year))
        .sort(["export_value_usd", "market"], descending=[True, False])
        .head(TOP_PRICE_MARKETS)
        .select("market", "export_value_usd", "unit_value_usd_per_kg", "competitors_median_uv_usd_per_kg",
                "relative_unit_value")
    )
    return tuple(PricePoint(**r) for r in _rows(rows))


def _competitors(inputs: ReportInputs, group: str, home: str, competitors: tuple[str, ...],
                 year: int) -> tuple[CompetitorRow, ...]:
    esi = (
        inputs.group_competition.filter((pl.col("group") == group) & (pl.col("exporter") == home)
                                        & (pl.col("year") == year))
        .group_by(pl.col("competitor").alias("exporter")).agg(median_esi=pl.col("esi").median())
    )
    rows = (
        inputs.group_exporter.filter((pl.col("group") == group) & (pl.col("year") == year)
                                     & pl.col("exporter").is_in(list(competitors)))
        .select("exporter", "export_value_usd", "world_share", "growth_yoy", "rca")
        .join(esi, on="exporter", how="left")
        .sort(["export_value_usd", "exporter"], descending=[True, False])
    )
    return tuple(CompetitorRow(**r) for r in _rows(rows))


def _ecommerce(inputs: ReportInputs, config: Config, group: str, year: int) -> tuple[EcommerceRow, ...]:
    from tracker.metrics.opportunity import online_buying

    categories = config.group(group).ecommerce_categories if group in config.group_ids else ()
    if not categories:
        return ()
    online = online_buying(inputs.ecommerce, {group: categories}).filter(pl.col("year") <= year)
    latest = online.filter(pl.col("year") == pl.col("year").max().over("market"))
    rows = latest.sort(["ecommerce_online_pct", "market"], descending=[True, False]).head(TOP_ECOMMERCE_MARKETS)
    return tuple(EcommerceRow(r["market"], r["ecommerce_online_pct"], r["year"]) for r in _rows(rows))


def _market_access(inputs: ReportInputs, group: str, home: str, year: int) -> MarketAccess | None:
    """The home exporter's tariffs in its largest markets (by its sales in ``year``) that have tariff data."""
    if inputs.group_tariff is None:
        return None
    own = inputs.group_tariff.filter((pl.col("group") == group) & (pl.col("exporter") == home)
                                     & (pl.col("year") <= year) & pl.col("tariff_faced_pct").is_not_null())
    tariff_year = own.select(pl.col("year").max()).collect().item()
    if tariff_year is None:
        return None
    sales = inputs.group_market.filter((pl.col("group") == group) & (pl.col("exporter") == home)
                                       & (pl.col("year") == year)).select("market", "export_value_usd")
    rows = (
        own.filter(pl.col("year") == tariff_year).join(sales, on="market", how="left")
        .sort(["export_value_usd", "market"], descending=[True, False], nulls_last=True)
        .head(TOP_ACCESS_MARKETS)
        .select("market", "export_value_usd", "tariff_faced_pct", "tariff_type_faced", "lowest_tariff_competitor",
                "min_competitor_tariff_pct", "margin_vs_lowest_competitor_pp")
    )
    return MarketAccess(int(tariff_year), tuple(AccessRow(**r) for r in _rows(rows)))


def _potential(inputs: ReportInputs, group: str, home: str, year: int) -> UntappedPotential | None:
    """The home exporter's markets with the largest untapped potential in ``year`` (ties: market code)."""
    if inputs.group_export_potential is None:
        return None
    rows = _rows(inputs.group_export_potential.filter(
        (pl.col("group") == group) & (pl.col("exporter") == home) & (pl.col("year") == year)
        & (pl.col("untapped_usd") > 0)).sort(["untapped_usd", "market"], descending=[True, False])
        .head(TOP_POTENTIAL_MARKETS))
    if not rows:
        return None
    return UntappedPotential(year, rows[0]["weo_vintage"], tuple(PotentialRow(
        row["market"], row["potential_usd"], row["actual_usd"], row["untapped_usd"], **potential_reasons(row))
        for row in rows))


def _trend(inputs: ReportInputs, own: pl.LazyFrame, group: str, home: str,
           period: str) -> tuple[tuple[str, float], ...]:
    if len(period) == 7:
        frame = (
            inputs.group_market_monthly.filter((pl.col("group") == group) & (pl.col("exporter") == home)
                                               & (pl.col("period") <= period))
            .group_by("period").agg(pl.col("export_value_usd").sum())
            .sort("period").tail(TREND_MONTHS)
        )
        return tuple((r["period"], r["export_value_usd"]) for r in _rows(frame))
    frame = own.filter(pl.col("year") <= int(period)).select("year", "export_value_usd").sort("year").tail(TREND_YEARS)
    return tuple((str(r["year"]), r["export_value_usd"]) for r in _rows(frame))


def annual_year(own: pl.LazyFrame, period: str) -> int | None:
    """The year of the annual figures (``own``: the home exporter's ``group_exporter`` rows for the group):
    the period's year, or for a month the newest year up to it."""
    years: int | None = own.filter(pl.col("year") <= int(period[:4])).select(pl.col("year").max()).collect().item()
    if len(period) == 4:
        return int(period) if years == int(period) else None
    return years


def _section(inputs: ReportInputs, config: Config, group: str, period: str) -> GroupSection:
    home = config.scope.home_exporter
    own = _home_exporter(inputs, group, home)
    year = annual_year(own, period)
    monthly = _monthly(inputs, group, home, period) if len(period) == 7 else None
    if len(period) == 7:
        movers_rows = inputs.group_market_monthly.filter(
            (pl.col("group") == group) & (pl.col("exporter") == home) & (pl.col("period") == period))
    else:
        movers_rows = inputs.group_market.filter(
            (pl.col("group") == group) & (pl.col("exporter") == home) & (pl.col("year") == int(period)))
    risers, fallers = _movers(movers_rows)
    return GroupSection(
        group=group,
        headline=_headline(own, year) if year is not None else None,
        monthly=monthly,
        risers=risers,
        fallers=fallers,
        prices=_prices(inputs, group, home, year) if year is not None else (),
        competitors=_competitors(inputs, group, home, config.scope.competitors, year) if year is not None else (),
        ecommerce=_ecommerce(inputs, config, group, year if year is not None else int(period[:4])),
        trend=_trend(inputs, own, group, home, period),
        market_access=_market_access(inputs, group, home, year) if year is not None else None,
        findings=tuple(group_findings(inputs.findings, group, home, period)) if inputs.findings else (),
        potential=_potential(inputs, group, home, year) if year is not None else None,
    )


def _vintage(inputs: ReportInputs, groups: list[str], period: str) -> Vintage:
    year = int(period[:4])
    used = [
        inputs.group_exporter.filter(pl.col("group").is_in(groups) & (pl.col("year") <= year)),
        inputs.group_market.filter(pl.col("group").is_in(groups) & (pl.col("year") <= year)),
    ]
    if len(period) == 7:
        used.append(inputs.group_market_monthly.filter(pl.col("group").is_in(groups) & (pl.col("period") <= period)))
    rows = pl.concat([frame.select("sources", "newest_fetch", "sample") for frame in used]).collect()
    sources = sorted({name for cell in rows.get_column("sources").drop_nulls() for name in cell.split(",") if name})
    newest = cast("datetime | None", rows.get_column("newest_fetch").max())
    return Vintage(tuple(sources), newest, bool(rows.get_column("sample").any()))


def build_report(inputs: ReportInputs, config: Config, group: str, period: str,
                 generated_at: datetime | None = None) -> ReportContent:
    """The content of one report: one group (or ``all``) for one year (``YYYY``) or month (``YYYY-MM``)."""
    if not re.match(PERIOD_PATTERN, period):
        raise ValueError(f"period {period!r}: expected YYYY or YYYY-MM")
    groups = list(config.group_ids) if group == ALL_GROUPS else [config.group(group).id]
    sections = tuple(_section(inputs, config, g, period) for g in groups)
    if group == ALL_GROUPS:
        sections = tuple(s for s in sections if s.headline or s.monthly)
    return ReportContent(group, period, config.scope.home_exporter, sections, _vintage(inputs, groups, period),
                         generated_at)


def latest_period(inputs: ReportInputs, kind: str) -> str | None:
    """The newest year (``annual``) or month (``monthly``) the metric tables hold."""
    if kind == "monthly":
        month: str | None = inputs.group_market_monthly.select(pl.col("period").max()).collect().item()
        return month
    year = inputs.group_exporter.select(pl.col("year").max()).collect().item()
    return None if year is None else str(year)
