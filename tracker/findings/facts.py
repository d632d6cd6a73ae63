"""The facts behind the findings: pure functions that pick the most material rows of the metric tables.

Each fact is a ``Finding``: what kind of fact it is, whom and what it is about, its period, its figures
(``numbers``, as stored: shares as 0–1 fractions, changes in percentage points, values in USD) and its
materiality score, the USD at stake, so that facts of different kinds rank on one scale:

=================  ==========================================================================================
kind               materiality_usd
=================  ==========================================================================================
share_gain/_loss   |Δshare| × market imports: the sales the exporter won or lost at the market's size
undercut           competitor's Δshare × market imports: the sales won by a competitor that priced below
underrepresented   market growth × market imports: the market's yearly increase in demand
cms                |largest of the four effects|: the USD the decomposition puts on its main cause
nowcast            |month − same month a year earlier| × 12: the change at an annual rate
forecast           |next 12 months − last 12 months|, summed over the markets
untapped           the largest untapped export potential (ITC's method, ``group_export_potential``) in USD
=================  ==========================================================================================

A 1 pp move in a USD 5 bn market (USD 50 m at stake) thus outranks a 20 pp move in a USD 1 m market (USD 0.2 m).
The nowcast, forecast and untapped facts come from the tables ``group_nowcast``, ``group_demand`` and
``group_export_potential``; without them (or with no usable row) those facts are simply left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

import polars as pl

from tracker.store import Store
from tracker.tables import TABLES

MAX_FINDINGS = 6
MAX_PER_KIND = 2  # across groups, so the exporter's findings are not six of one kind
FAST_GROWTH = 0.05  # a market growing at least 5% a year is "fast-growing"
FLAT_BAND = 0.01  # a forecast change within ±1% reads as "flat"
WORLD = "WLD"  # group_nowcast's row for the sum over the covered markets
CMS_EFFECTS = ("world_growth_effect_usd", "product_mix_effect_usd", "market_mix_effect_usd",
               "competitiveness_effect_usd")
OPTIONAL_TABLES = ("group_nowcast", "group_demand", "group_export_potential")


@dataclass(frozen=True)
class Finding:
    """One material fact, language-free: ``tracker.findings.text`` turns it into a sentence."""

    kind: str
    group: str
    exporter: str
    period: str
    materiality_usd: float
    page: str  # the dashboard page that shows it (its URL path)
    params: tuple[tuple[str, str], ...]  # that page's filters, as query parameters (lang added per language)
    numbers: dict[str, float] = field(default_factory=dict)
    market: str | None = None
    competitor: str | None = None
    detail: str | None = None  # a word the sentence needs: the main CMS effect, the forecast direction
    sample: bool = False

    @property
    def id(self) -> str:
        """A stable name for the fact (group, exporter, kind, period, and the market it is about, if any), so
        that exports of two runs can be joined: one fact of a kind per group and exporter, so it is unique."""
        return ":".join(part for part in (self.group, self.exporter, self.kind, self.period, self.market) if part)

    def link(self, lang: str) -> str:
        """URL path and query of the page and filters that show this fact, in ``lang``."""
        return f"./{self.page}?{urlencode([*self.params, ('lang', lang)])}"


@dataclass(frozen=True)
class FindingInputs:
    """The metric tables the findings read; ``group_nowcast`` and ``group_demand`` may be absent (None)."""

    group_market: pl.LazyFrame
    group_competition: pl.LazyFrame
    group_cms: pl.LazyFrame
    group_opportunity: pl.LazyFrame
    group_nowcast: pl.LazyFrame | None = None
    group_demand: pl.LazyFrame | None = None
    group_export_potential: pl.LazyFrame | None = None

    @classmethod
    def from_store(cls, store: Store) -> FindingInputs:
        optional = {name: store.scan(name) if name in TABLES and store.has_data(name) else None
                    for name in OPTIONAL_TABLES}
        return cls(store.scan("group_market"), store.scan("group_competition"), store.scan("group_cms"),
                   store.scan("group_opportunity"), **optional)


def _rows(frame: pl.LazyFrame) -> list[dict[str, Any]]:
    return frame.collect().to_dicts()


def _years(year: int) -> tuple[str, str]:
    return ("years", f"{year - 1}-{year}")


def latest_year(inputs: FindingInputs, group: str, exporter: str, until: int | None = None) -> int | None:
    """The newest year of the exporter's ``group_market`` rows in the group (up to ``until``)."""
    rows = inputs.group_market.filter((pl.col("group") == group) & (pl.col("exporter") == exporter))
    if until is not None:
        rows = rows.filter(pl.col("year") <= until)
    year: int | None = rows.select(pl.col("year").max()).collect().item()
    return year


def share_moves(market: pl.LazyFrame, group: str, exporter: str, year: int) -> list[Finding]:
    """The exporter's largest share gain and largest share loss in USD terms (|Δshare| × market size)."""
    rows = market.filter(
        (pl.col("group") == group) & (pl.col("exporter") == exporter) & (pl.col("year") == year)
        & pl.col("market_share_change_pp").is_not_null() & pl.col("market_imports_usd").is_not_null()
        & (pl.col("market_share_change_pp") != 0)
    ).with_columns(stake=(pl.col("market_share_change_pp") / 100 * pl.col("market_imports_usd")).abs())
    found = []
    for kind, sign in (("share_gain", 1), ("share_loss", -1)):
        best = rows.filter(pl.col("market_share_change_pp") * sign > 0).sort(
            ["stake", "market"], descending=[True, False]).head(1)
        for row in _rows(best):
            found.append(Finding(
                kind, group, exporter, str(year), row["stake"], "market",
                (("group", group), ("exporter", exporter), ("market", row["market"]), _years(year)),
                {"change_pp": row["market_share_change_pp"], "market_share": row["market_share"],
                 "market_imports_usd": row["market_imports_usd"], "export_value_usd": row["export_value_usd"],
                 "stake_usd": row["stake"]},
                market=row["market"], sample=bool(row["sample"]),
            ))
    return found


def undercutting(competition: pl.LazyFrame, market: pl.LazyFrame, group: str, exporter: str,
                 year: int) -> list[Finding]:
    """The competitor that won the most sales (Δshare × market size) in a market while its unit value was
    below the exporter's there."""
    cheaper = competition.filter(
        (pl.col("group") == group) & (pl.col("exporter") == exporter) & (pl.col("year") == year)
        & (pl.col("competitor_unit_value_usd_per_kg") < pl.col("exporter_unit_value_usd_per_kg"))
    ).select("market", "competitor", "exporter_unit_value_usd_per_kg", "competitor_unit_value_usd_per_kg",
             pl.col("sample").alias("_sample"))
    gains = market.filter(
        (pl.col("group") == group) & (pl.col("year") == year) & (pl.col("market_share_change_pp") > 0)
        & pl.col("market_imports_usd").is_not_null()
    ).select("market", pl.col("exporter").alias("competitor"), "market_share", "market_share_change_pp",
             "market_imports_usd", "sample")
    rows = cheaper.join(gains, on=["market", "competitor"], how="inner").with_columns(
        stake=pl.col("market_share_change_pp") / 100 * pl.col("market_imports_usd"),
    ).sort(["stake", "market", "competitor"], descending=[True, False, False]).head(1)
    return [Finding(
        "undercut", group, exporter, str(year), row["stake"], "competitors",
        (("group", group), ("exporter", exporter), ("market", row["market"]), ("competitors", row["competitor"]),
         _years(year)),
        {"change_pp": row["market_share_change_pp"], "competitor_share": row["market_share"],
         "competitor_unit_value_usd_per_kg": row["competitor_unit_value_usd_per_kg"],
         "exporter_unit_value_usd_per_kg": row["exporter_unit_value_usd_per_kg"],
         "market_imports_usd": row["market_imports_usd"], "stake_usd": row["stake"]},
        market=row["market"], competitor=row["competitor"], sample=bool(row["sample"] or row["_sample"]),
    ) for row in _rows(rows)]


def underrepresented(opportunity: pl.LazyFrame, market: pl.LazyFrame, group: str, exporter: str,
                     year: int) -> list[Finding]:
    """The fast-growing market (≥ FAST_GROWTH a year) with the largest yearly demand increase where the
    exporter's share is below its share across all its markets in the group."""
    totals = market.filter(
        (pl.col("group") == group) & (pl.col("exporter") == exporter) & (pl.col("year") == year)
        & pl.col("market_imports_usd").is_not_null()
    ).select(pl.col("export_value_usd").sum(), pl.col("market_imports_usd").sum()).collect().row(0)
    if not totals[1]:
        return []
    average = totals[0] / totals[1]
    rows = opportunity.filter(
        (pl.col("group") == group) & (pl.col("exporter") == exporter) & (pl.col("year") == year)
        & (pl.col("market_growth") >= FAST_GROWTH)
        & (pl.col("exporter_share").fill_null(0.0) < average)
    ).with_columns(
        stake=pl.col("market_growth") * pl.col("market_imports_usd"),
    ).sort(["stake", "market"], descending=[True, False]).head(1)
    return [Finding(
        "underrepresented", group, exporter, str(year), row["stake"], "market",
        (("group", group), ("exporter", exporter), ("market", row["market"]), _years(year)),
        {"market_growth": row["market_growth"], "market_imports_usd": row["market_imports_usd"],
         "exporter_share": row["exporter_share"] or 0.0, "average_share": average, "stake_usd": row["stake"]},
        market=row["market"], sample=bool(row["sample"]),
    ) for row in _rows(rows)]


def cms_attribution(cms: pl.LazyFrame, group: str, exporter: str, year: int) -> list[Finding]:
    """The newest constant-market-share decomposition up to ``year`` (the shortest span ending then) and the
    effect it attributes most of the change to."""
    rows = _rows(cms.filter((pl.col("group") == group) & (pl.col("exporter") == exporter)
                            & (pl.col("end_year") <= year))
                 .sort(["end_year", "base_year"], descending=True).head(1))
    if not rows:
        return []
    row = rows[0]
    effects = {name: row[name] for name in CMS_EFFECTS if row[name] is not None}
    if not effects:
        return []
    main = max(effects, key=lambda name: (abs(effects[name]), name))
    return [Finding(
        "cms", group, exporter, f"{row['base_year']}-{row['end_year']}", abs(effects[main]), "competitors",
        (("group", group), ("exporter", exporter), ("years", f"{row['base_year']}-{row['end_year']}")),
        {"export_value_base_usd": row["export_value_base_usd"], "export_value_end_usd": row["export_value_end_usd"],
         "change_usd": row["change_usd"], "base_year": row["base_year"], "end_year": row["end_year"], **effects},
        detail=main, sample=bool(row["sample"]),
    )]


def _month_cap(until: str | None) -> str | None:
    """``until`` as the last month it covers: ``2024`` → ``2024-12``."""
    if until is None:
        return None
    return until if len(until) == 7 else f"{until}-12"


def nowcast_month(nowcast: pl.LazyFrame | None, group: str, exporter: str,
                  until: str | None = None) -> list[Finding]:
    """The latest nowcast month over the covered markets against the same month a year earlier."""
    if nowcast is None:
        return []
    rows = nowcast.filter((pl.col("group") == group) & (pl.col("exporter") == exporter)
                          & (pl.col("market") == WORLD))
    cap = _month_cap(until)
    if cap is not None:
        rows = rows.filter(pl.col("period") <= cap)
    latest = _rows(rows.sort("period", descending=True).head(1))
    if not latest or latest[0]["yoy_growth"] is None or latest[0]["nowcast_value_usd"] is None:
        return []
    row = latest[0]
    value, growth = row["nowcast_value_usd"], row["yoy_growth"]
    previous = value / (1 + growth)
    earlier = f"{int(row['period'][:4]) - 1}{row['period'][4:]}"
    return [Finding(
        "nowcast", group, exporter, row["period"], abs(value - previous) * 12, "demand",
        (("group", group), ("exporter", exporter)),
        {"nowcast_value_usd": value, "yoy_growth": growth, "previous_value_usd": previous,
         "markets_covered": row["markets_covered"] or 0},
        detail=earlier, sample=bool(row.get("sample", False)),
    )]


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def forecast_direction(demand: pl.LazyFrame | None, group: str, exporter: str,
                       until: str | None = None) -> list[Finding]:
    """Where the markets' imports of the group are forecast to go over the next 12 months, and the market
    with the largest expected change. Markets without a forecast ("not enough history") are left out."""
    if demand is None:
        return []
    rows = demand.filter((pl.col("group") == group) & (pl.col("market") != WORLD) & pl.col("last_12m_usd").is_not_null()
                         & pl.col("next_12m_usd").is_not_null() & pl.col("forecast_start").is_not_null())
    cap = _month_cap(until)
    if cap is not None:
        rows = rows.filter(pl.col("forecast_start") <= _next_month(cap))
    frame = rows.with_columns(change=pl.col("next_12m_usd") - pl.col("last_12m_usd")).collect()
    last, following = float(frame.get_column("last_12m_usd").sum()), float(frame.get_column("next_12m_usd").sum())
    if frame.is_empty() or not last:
        return []
    growth = following / last - 1
    direction = "flat" if abs(growth) < FLAT_BAND else ("up" if growth > 0 else "down")
    lead = frame.with_columns(size=pl.col("change").abs()).sort(["size", "market"], descending=[True, False]).row(
        0, named=True)
    start = cast(str, frame.get_column("forecast_start").min())  # a month, not null in these rows
    sample = bool(frame.get_column("sample").any()) if "sample" in frame.columns else False
    return [Finding(
        "forecast", group, exporter, start, abs(following - last), "demand", (("group", group),),
        {"last_12m_usd": last, "next_12m_usd": following, "expected_growth": growth,
         "markets": frame.height, "lead_change_usd": lead["change"]},
        market=lead["market"], detail=direction, sample=sample,
    )]


def untapped_potential(potential: pl.LazyFrame | None, group: str, exporter: str, year: int) -> list[Finding]:
    """The market with the exporter's largest untapped export potential in USD (potential − actual sales)."""
    if potential is None:
        return []
    rows = _rows(potential.filter((pl.col("group") == group) & (pl.col("exporter") == exporter)
                                  & (pl.col("year") == year) & (pl.col("untapped_usd") > 0))
                 .sort(["untapped_usd", "market"], descending=[True, False]).head(1))
    return [Finding(
        "untapped", group, exporter, str(year), row["untapped_usd"], "opportunities",
        (("group", group), ("exporter", exporter), _years(year)),
        {"untapped_usd": row["untapped_usd"], "potential_usd": row["potential_usd"],
         "actual_usd": row["actual_usd"]},
        market=row["market"], detail=row["weo_vintage"], sample=bool(row["sample"]),
    ) for row in rows]


def rank(findings: Sequence[Finding], limit: int = MAX_FINDINGS) -> list[Finding]:
    """Most material first (ties: group, kind, market), at most ``limit``."""
    ordered = sorted(findings, key=lambda f: (-f.materiality_usd, f.group, f.kind, f.market or ""))
    return ordered[:limit]


MARKET_COLUMNS = ("group", "exporter", "market", "year", "export_value_usd", "market_imports_usd", "market_share",
                  "market_share_change_pp", "sample")
COMPETITION_COLUMNS = ("group", "market", "year", "exporter", "competitor", "exporter_unit_value_usd_per_kg",
                       "competitor_unit_value_usd_per_kg", "sample")


def narrowed(inputs: FindingInputs, groups: Sequence[str], exporter: str, until: int | None = None) -> FindingInputs:
    """The inputs cut down to the groups, the exporter and the years the facts read, read once (the competition
    table is large: every tracked pair in every market), so that each group's facts come from small frames."""
    in_groups = pl.col("group").is_in(list(groups))
    own = in_groups & (pl.col("exporter") == exporter)
    latest = inputs.group_market.filter(own & (pl.col("year") <= (until or 9999)))
    years = latest.group_by("group").agg(pl.col("year").max()).collect().get_column("year").unique().to_list()
    recent = in_groups & pl.col("year").is_in(years)

    def cut(frame: pl.LazyFrame | None, keep: pl.Expr, columns: tuple[str, ...] = ()) -> pl.LazyFrame | None:
        if frame is None:
            return None
        return (frame.select(columns) if columns else frame).filter(keep).collect().lazy()

    return FindingInputs(
        group_market=cut(inputs.group_market, recent, MARKET_COLUMNS),  # type: ignore[arg-type]
        group_competition=cut(inputs.group_competition, recent & (pl.col("exporter") == exporter),  # type: ignore[arg-type]
                              COMPETITION_COLUMNS),
        group_cms=cut(inputs.group_cms, own),  # type: ignore[arg-type]
        group_opportunity=cut(inputs.group_opportunity, own),  # type: ignore[arg-type]
        group_nowcast=cut(inputs.group_nowcast, own),
        group_demand=cut(inputs.group_demand, in_groups),
        group_export_potential=cut(inputs.group_export_potential, own & pl.col("year").is_in(years)),
    )


def _group_facts(inputs: FindingInputs, group: str, exporter: str, until: str | None) -> list[Finding]:
    year = latest_year(inputs, group, exporter, int(until[:4]) if until else None)
    found: list[Finding] = []
    if year is not None:
        found += share_moves(inputs.group_market, group, exporter, year)
        found += undercutting(inputs.group_competition, inputs.group_market, group, exporter, year)
        found += underrepresented(inputs.group_opportunity, inputs.group_market, group, exporter, year)
        found += cms_attribution(inputs.group_cms, group, exporter, year)
        found += untapped_potential(inputs.group_export_potential, group, exporter, year)
    found += nowcast_month(inputs.group_nowcast, group, exporter, until)
    found += forecast_direction(inputs.group_demand, group, exporter, until)
    return [f for f in found if f.materiality_usd > 0]


def group_findings(inputs: FindingInputs, group: str, exporter: str, until: str | None = None,
                   limit: int = MAX_FINDINGS) -> list[Finding]:
    """The most material facts about one exporter in one group, up to the year or month ``until``."""
    inputs = narrowed(inputs, [group], exporter, int(until[:4]) if until else None)
    return rank(_group_facts(inputs, group, exporter, until), limit)


def exporter_findings(inputs: FindingInputs, groups: Sequence[str], exporter: str, until: str | None = None,
                      limit: int = MAX_FINDINGS) -> list[Finding]:
    """The most material facts about the exporter across all groups, at most MAX_PER_KIND of each kind."""
    inputs = narrowed(inputs, groups, exporter, int(until[:4]) if until else None)
    every = [f for group in groups for f in _group_facts(inputs, group, exporter, until)]
    kept: list[Finding] = []
    for finding in rank(every, len(every)):
        if sum(f.kind == finding.kind for f in kept) < MAX_PER_KIND:
            kept.append(finding)
    return kept[:limit]


def findings_by_group(inputs: FindingInputs, groups: Sequence[str], exporter: str, until: str | None = None,
                      limit: int = MAX_FINDINGS) -> list[Finding]:
    """Each group's own findings (``group_findings``), group after group in the order given: the tables are
    narrowed once for all of them rather than once a group."""
    inputs = narrowed(inputs, groups, exporter, int(until[:4]) if until else None)
    return [f for group in groups for f in rank(_group_facts(inputs, group, exporter, until), limit)]
