"""The metric tables computed one year of trade at a time, so that the memory of ``metrics`` follows the largest
year, not how many years the store holds (``tracker.refresh`` writes them through the store).

Why: held for every year at once (``tables.compute_tables``, the single pass this replaced and is tested
against), the code-level flows and then the group-level tables made ``metrics`` grow by about 510 MiB per year
of BACI (10M rows). The design, in one pass over the years, oldest first:

1. **A year's trade** is read alone (a filter on the ``year`` partition of ``trade``) and reduced to its
   ``YearParts``: group-level flows, HS TOTAL flows, similarity rows, sales by code, tariff weights. Every
   code-level step works within a period (source and HS level per report, supplier flows, similarity, weights).
   The next year is read on a second thread meanwhile (``_YearReader.read_ahead``): the year's tables are small
   steps that leave a core idle.
2. **CMS** is the one code-level comparison of two years: each consecutive pair while the second year is read
   (the previous year's code-level rows are kept until then), the long span at the end with its base year's
   rows kept.
3. **The year's tables** (group_market, group_exporter, group_competition, group_hs) are computed from the
   columns within a year of the years they compare with, ``year − 5`` (CAGR, exporters' level), ``year − 1``
   (growth, share change) and ``year``, with the single pass's functions: ``tables.market_within_year`` and
   ``exporter_within_year``, computed once a year, then ``market_across_years`` and ``exporter_across_years``
   (``with_earlier`` joins on the exact earlier year, so the missing years change nothing). The year's rows
   are handed to the store at once; the parts of the year before are dropped.
4. **What needs every year** keeps a slim per-year part: the markets' imports, the home exporter's rows (the
   opportunity score's latest year and 3-year growth), the exporters' values, the (group, market) pairs (the
   EU tariff rule), the flows the nowcast and monthly tables read (monthly or the home exporter's), the tariff
   weights, and group_market's and group_exporter's columns the export potential reads; then the tariffs, the
   opportunity, the monthly and demand tables, and the export potential a year at a time.

The tables equal the single pass's: keys and strings exactly, floats to 1e-9 (tests/test_metrics_windows.py).

Kept parts: a year's ``YearParts`` and ``CodeParts``, each CMS span's result, each year's rows of the year tables
(step 3, keyed on the years its window reads) and each year's export potential (the same years, and the tariffs up
to the year, the projections and the capitals) are handed to ``kept`` (``tracker.parts_cache``), which keeps them
for the current trade files of their years. The year tables' rows are kept after the store has them, so that the
kept entry links the store's file rather than writing the rows again. The next run reads from trade only the
years whose files changed, and recomputes only the years whose window reads one of them.

Writing (``tracker.refresh``): ``Store.replacing`` takes each part as it comes (a year of a year-partitioned table,
or a whole small table), on a writer thread behind the computation (``tracker.behind``), and switches every table
to its new version at the end. A year's file whose rows did not
change stays the previous version's file (a hard link): a fetch that changes one year rewrites the files of the
years that read it (that year, the next year's growth, the 5-year CAGR, the CMS spans, the newest year's
opportunity), and every other year's file stays the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import polars as pl

from tracker.baci.precedence import baci_first
from tracker.config import Config
from tracker.errors import CHECK_HINT, StoreCorruptError
from tracker.metrics.cms import constant_market_share
from tracker.metrics.demand import demand_frames
from tracker.metrics.groups import aggregate_to_groups, group_code_flows_by_level, total_flows
from tracker.metrics.shares import reported_world_imports, supplier_flows
from tracker.metrics.tables import (
    CMS_LONG_SPAN_YEARS,
    _annual,
    _competition_sides,
    _esi,
    _finish,
    _group_market_monthly,
    _group_opportunity,
    _hs_by_code,
    _hs_growth,
    cms_pairs,
    compute_tables,
    export_potential,
    exporter_across_years,
    exporter_within_year,
    market_across_years,
    market_within_year,
)
from tracker.metrics.tariffs import import_weights, weighted_tariff_tables
from tracker.schemas import TableSchema
from tracker.tables import (
    GROUP_CMS,
    GROUP_COMPETITION,
    GROUP_EXPORT_POTENTIAL,
    GROUP_EXPORTER,
    GROUP_HS,
    GROUP_MARKET,
    GROUP_MARKET_MONTHLY,
    GROUP_OPPORTUNITY,
    GROUP_TARIFF,
    GROUP_TARIFF_MARGIN,
    METRIC_TABLES,
    schema_for,
)

CAGR_YEARS = 5  # group_exporter's cagr_5y: the furthest back a year's rows read
# the tables written a year at a time, each year's partition as soon as it is computed
YEAR_TABLE_NAMES = frozenset(table.name for table in (GROUP_MARKET, GROUP_EXPORTER, GROUP_COMPETITION, GROUP_HS,
                                                       GROUP_EXPORT_POTENTIAL))


class Tables(Protocol):
    """What the computation reads the stored tables through (a ``tracker.store.Store``): reading only, so that
    the metrics depend on no store writer."""

    def scan(self, table: str) -> pl.LazyFrame: ...

    def files(self, table: str) -> list[Path]: ...


class KeptParts(Protocol):
    """Where a year's parts are kept between runs (``tracker.parts_cache.PartsCache``): an entry is a kind of
    part and the years of trade it was computed from, and stands for those years' current trade rows."""

    def load(self, kind: str, years: Sequence[int], extra: str = "") -> dict[str, pl.DataFrame] | None: ...

    def has(self, kind: str, years: Sequence[int]) -> bool: ...

    def save(self, kind: str, years: Sequence[int], frames: dict[str, pl.DataFrame], extra: str = "",
             stored: Mapping[str, tuple[str, tuple[object, ...]]] | None = None) -> None: ...


@dataclass(frozen=True)
class YearParts:
    """What the tables need of one year's trade, collected and group-level (the CMS inputs are ``CodeParts``)."""

    year: int
    annual: bool  # whether the year has annual code-level rows: CMS compares such years only
    flows: pl.DataFrame  # group-level flows, annual and monthly
    totals: pl.DataFrame  # HS TOTAL flows (RCA, Lafay)
    esi: pl.DataFrame  # group_competition's similarity rows
    hs: pl.DataFrame  # group_hs without its growth
    weights: pl.DataFrame  # the tariff weights

    def frames(self) -> dict[str, pl.DataFrame]:
        return {"flows": self.flows, "totals": self.totals, "esi": self.esi, "hs": self.hs, "weights": self.weights,
                "annual": pl.DataFrame({"annual": [self.annual]})}

    @classmethod
    def from_frames(cls, year: int, frames: dict[str, pl.DataFrame]) -> YearParts:
        return cls(year, bool(frames["annual"].item()), frames["flows"], frames["totals"], frames["esi"],
                   frames["hs"], frames["weights"])


@dataclass(frozen=True)
class CodeParts:
    """One year's annual code-level rows, which CMS compares between two years."""

    suppliers: pl.DataFrame  # supplier flows
    imports: pl.DataFrame  # world imports as reported


def year_parts(trade: pl.LazyFrame, config: Config, year: int) -> tuple[YearParts, CodeParts]:
    """The parts of one year of the stored trade rows (``baci_first`` decides within the year, as over all)."""
    rows = baci_first(trade.filter(pl.col("year") == year))
    code_flows = group_code_flows_by_level(rows, config)
    code = code_flows.kept.collect()
    annual = _annual(code.lazy())
    code_suppliers = supplier_flows(annual).collect()
    parts = YearParts(
        year=year,
        annual=code_suppliers.height > 0,
        flows=aggregate_to_groups(code.lazy()).collect(),
        totals=total_flows(rows).collect(),
        esi=_esi(code_suppliers.lazy(), config.scope.home_exporter, config.scope.competitors).collect(),
        hs=_hs_by_code(code_suppliers.lazy()).collect(),
        weights=import_weights(code_flows.every_level).collect(),
    )
    return parts, CodeParts(code_suppliers, reported_world_imports(annual).collect())


def _cms(base_year: int, base: CodeParts, end_year: int, end: CodeParts) -> pl.DataFrame:
    """CMS from ``base_year`` to ``end_year`` on the two years' code-level rows alone."""
    return constant_market_share(
        pl.concat([base.suppliers, end.suppliers]).lazy(),
        pl.concat([base.imports, end.imports]).lazy(),
        [(base_year, end_year)],
    ).collect()


class _YearReader:
    """Each year's parts: kept from an earlier run where the year's trade did not change, else read and reduced
    from trade (and kept). ``read`` lists the years read from trade, in order."""

    def __init__(self, trade: pl.LazyFrame, config: Config, kept: KeptParts | None) -> None:
        self.trade, self.config, self.kept = trade, config, kept
        self.read: list[int] = []
        self._code: dict[int, CodeParts] = {}  # code-level rows read this run, while a CMS span may need them
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-read-ahead")
        self._ahead: dict[int, Future[tuple[YearParts, CodeParts]]] = {}

    def read_ahead(self, year: int) -> None:
        """Start reading ``year`` from trade on a second thread, unless its parts are kept: while this year's
        tables are computed (small steps that leave a core idle), the next year's trade is read and reduced."""
        if self.kept is None or not self.kept.has("year", [year]):
            self._ahead[year] = self._pool.submit(year_parts, self.trade, self.config, year)

    def __enter__(self) -> _YearReader:
        return self

    def __exit__(self, *failure: object) -> None:
        """Stop reading ahead (at the end, or on a failure): what was started finishes, nothing else starts."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._ahead.clear()

    def _compute(self, year: int) -> YearParts:
        ahead = self._ahead.pop(year, None)
        try:
            parts, code = ahead.result() if ahead is not None else year_parts(self.trade, self.config, year)
        except pl.exceptions.PolarsError as exc:  # a data file damaged inside (whole files are checked on scan)
            raise StoreCorruptError(f"table 'trade' cannot be read for {year} ({str(exc).splitlines()[0]}); "
                                    f"{CHECK_HINT}") from exc
        self.read.append(year)
        self._code[year] = code
        if self.kept is not None:
            self.kept.save("year", [year], parts.frames())
            self.kept.save("code", [year], {"suppliers": code.suppliers, "imports": code.imports})
        return parts

    def parts(self, year: int) -> YearParts:
        frames = self.kept.load("year", [year]) if self.kept is not None else None
        if frames is not None:
            self._ahead.pop(year, None)
        return YearParts.from_frames(year, frames) if frames is not None else self._compute(year)

    def code(self, year: int) -> CodeParts:
        if year not in self._code:
            frames = self.kept.load("code", [year]) if self.kept is not None else None
            if frames is None:
                self._compute(year)
            else:
                self._code[year] = CodeParts(frames["suppliers"], frames["imports"])
        return self._code[year]

    def cms(self, base_year: int, end_year: int) -> pl.DataFrame:
        return self.remembered("cms", [base_year, end_year], lambda: {"cms": _cms(
            base_year, self.code(base_year), end_year, self.code(end_year))})["cms"]

    def remembered(self, kind: str, years: Sequence[int], compute: Callable[[], dict[str, pl.DataFrame]],
                   extra: str = "") -> dict[str, pl.DataFrame]:
        """The frames of ``kind`` kept for ``years`` (and ``extra``), else ``compute()``d and kept."""
        found = self.recall(kind, years, extra)
        if found is not None:
            return found
        frames = compute()
        self.keep(kind, years, frames, extra)
        return frames

    def recall(self, kind: str, years: Sequence[int], extra: str = "") -> dict[str, pl.DataFrame] | None:
        """The frames of ``kind`` kept for ``years`` (and ``extra``), or None."""
        return self.kept.load(kind, years, extra) if self.kept is not None else None

    def keep(self, kind: str, years: Sequence[int], frames: dict[str, pl.DataFrame], extra: str = "",
             year: int | None = None) -> None:
        """Keep ``frames`` of ``kind`` for ``years`` (and ``extra``). ``year``: the frames named like a year table
        are that year's partition, handed to the store already (the kept parts link the store's file)."""
        if self.kept is not None:
            stored = {name: (name, (year,)) for name in frames if name in YEAR_TABLE_NAMES} if year else None
            self.kept.save(kind, years, frames, extra, stored)

    def keep_code_only(self, years: Iterable[int]) -> None:
        """Let go of the code-level rows of every year but ``years`` (they are large)."""
        for year in [year for year in self._code if year not in set(years)]:
            del self._code[year]


def trade_years(store: Tables) -> list[int]:
    """The years of the stored trade rows, oldest first: from the partition folders (``year=2024``) of the
    files that hold rows, not from the rows (reading the year of 160M rows took a second of CPU at 16 years)."""
    years: set[int] = set()
    for path in store.files("trade"):
        folders = dict(part.split("=", 1) for part in _partition_folders(path))
        if "year" not in folders:  # not partitioned by year: ask the rows
            frame = store.scan("trade").select(pl.col("year").unique()).collect()
            return sorted(frame.get_column("year").drop_nulls().to_list())
        if int(folders["year"]) not in years and pl.scan_parquet(path).select(pl.len()).collect().item():
            years.add(int(folders["year"]))
    return sorted(years)


def _partition_folders(path: Path) -> list[str]:
    """The ``name=value`` folders a data file lies in, nearest first (the folders above them are the store's)."""
    folders: list[str] = []
    for part in reversed(path.parent.parts):
        if "=" not in part:
            break
        folders.append(part)
    return folders


def _cross_year(parts: dict[int, YearParts], within: dict[int, pl.DataFrame],
                exporters: dict[int, pl.DataFrame], year: int, annual: pl.LazyFrame,
                suppliers: pl.LazyFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """group_market's and group_exporter's (not finished) rows of ``year``, from the years they read, and
    group_exporter's columns within the year (the later years' growth and CAGR read them). group_market reads
    the year before (growth, share change), group_exporter CAGR_YEARS before too (CAGR): each from the columns
    within a year (``within``, ``exporters``), computed once a year. ``annual`` and ``suppliers``: the year's
    group-level flows."""
    of_year = pl.col("year") == year
    both = pl.concat([within[y] for y in (year - 1, year) if y in within], how="vertical").lazy()
    market = market_across_years(both).filter(of_year).collect()
    exporter_within = exporter_within_year(annual, suppliers, market.lazy(), parts[year].totals.lazy()).collect()
    earlier = [exporters[y] for y in (year - CAGR_YEARS, year - 1) if y in exporters]
    exporter = exporter_across_years(pl.concat([*earlier, exporter_within], how="vertical").lazy())
    return market, exporter.filter(of_year).collect(), exporter_within


def _year_tables(parts: dict[int, YearParts], within: dict[int, pl.DataFrame], exporters: dict[int, pl.DataFrame],
                 year: int, home: str) -> dict[str, pl.DataFrame]:
    """``year``'s rows of the year tables (group_market, group_exporter, group_competition, group_hs), what the
    tables that need every year read of it, and group_market's and group_exporter's columns within the year
    (``within``, ``exporter_within``: the later years' growth reads them). ``within`` must hold the year before's,
    ``exporters`` the year before's and CAGR_YEARS before's, where stored."""
    annual, suppliers, year_imports, year_within = market_within_year(parts[year].flows.lazy())
    within = {**within, year: year_within.collect()}
    market, exporter, exporter_within = _cross_year(parts, within, exporters, year, annual, suppliers)
    market_table = _finished(market.lazy(), GROUP_MARKET)
    hs = pl.concat([parts[y].hs for y in (year - 1, year) if y in parts], how="vertical").lazy()
    return {
        GROUP_MARKET.name: market_table,
        GROUP_EXPORTER.name: _finished(exporter.lazy(), GROUP_EXPORTER),
        GROUP_COMPETITION.name: _finished(_competition_sides(parts[year].esi.lazy(), market.lazy()),
                                          GROUP_COMPETITION),
        GROUP_HS.name: _finished(_hs_growth(hs).filter(pl.col("year") == year), GROUP_HS),
        "within": within[year],
        "exporter_within": exporter_within,
        "imports": year_imports.collect(),
        "opportunity_rows": pl.concat([  # the home exporter's rows, one row per other market
            market.filter(pl.col("exporter") == home),
            market.filter(pl.col("exporter") != home).unique(["group", "market", "year"], keep="first")]),
        "exporter_values": exporter.select("group", "exporter", "period", "export_value_usd"),
        "pairs": market.select("group", "market").unique(),
    }


def _digest(frame: pl.DataFrame) -> str:
    """A digest of a small frame's rows (the inputs besides trade that an export potential row reads)."""
    return f"{frame.height}:{frame.hash_rows().sum() if frame.height else 0}"


def _finished(frame: pl.LazyFrame, schema: TableSchema) -> pl.DataFrame:
    return _finish(frame, schema).collect()  # the store sorts each file by the key


def _stacked(frames: list[pl.DataFrame]) -> pl.LazyFrame:
    return pl.concat(frames, how="vertical").lazy()


def metric_parts(store: Tables, config: Config, kept: KeptParts | None = None,
                 on_year: Callable[[int, int, bool], None] | None = None) -> Iterator[tuple[str, pl.DataFrame]]:
    """Every metric table from the store as (table, part) pairs: a part holds whole years of a year-partitioned
    table (an unpartitioned table comes whole). Trade is read a year at a time (see the module docstring); a
    year whose parts are ``kept`` from an earlier run is not read at all. ``on_year(year, count, read)`` hears
    each year as it is done (``read``: from trade, not kept), for progress."""
    years = trade_years(store)
    if not years:  # nothing to read a year at a time: every table empty
        yield from compute_tables(store.scan("trade"), store.scan("ecommerce"), config, store.scan("tariff"),
                                  store.scan("weo"), store.scan("capital")).items()
        return
    home = config.scope.home_exporter
    with _YearReader(store.scan("trade"), config, kept) as reader:  # closed on a failure too (read-ahead)
        long_base = years[-1] - CMS_LONG_SPAN_YEARS  # the long span's base, unless the years lack annual rows
        parts: dict[int, YearParts] = {}
        within: dict[int, pl.DataFrame] = {}  # group_market's columns within a year, of this year and the one before
        exporters: dict[int, pl.DataFrame] = {}  # group_exporter's columns within a year, of the years CAGR reads
        cms: list[pl.DataFrame] = []
        annual_years: list[int] = []
        # what the tables that need every year read of each year: a small fraction of it
        every_year: dict[str, list[pl.DataFrame]] = {name: [] for name in (
            "weights", "flows", "imports", "opportunity_rows", "exporter_values", "pairs", "market", "exporter")}
        stored = set(years)
        windows = {year: [y for y in (year - CAGR_YEARS, year - 1, year) if y in stored] for year in years}
        for year in years:
            parts[year] = reader.parts(year)
            if year + 1 in stored:
                reader.read_ahead(year + 1)
            if parts[year].annual:
                if annual_years and annual_years[-1] == year - 1:
                    cms.append(reader.cms(year - 1, year))
                annual_years.append(year)
            reader.keep_code_only([year, long_base])  # this year's is the next CMS pair's base
            if on_year is not None:
                on_year(year, len(years), bool(reader.read) and reader.read[-1] == year)
            # the year's tables: kept while none of the years they read changed (kept after the store has them)
            tables = reader.recall("tables", windows[year])
            computed = tables is None
            if tables is None:
                tables = _year_tables(parts, within, exporters, year, home)
            within[year], exporters[year] = tables["within"], tables["exporter_within"]
            for table in (GROUP_MARKET, GROUP_EXPORTER, GROUP_COMPETITION, GROUP_HS):
                yield table.name, tables[table.name]
            if computed:
                reader.keep("tables", windows[year], tables, year=year)
            flows = parts[year].flows
            every_year["weights"].append(parts[year].weights)
            every_year["flows"].append(flows.filter(  # what the monthly table and the nowcast read (nowcast.py)
                (pl.col("frequency") == "M") | (pl.col("reporter") == home) | (pl.col("partner") == home)))
            for name in ("imports", "opportunity_rows", "exporter_values", "pairs"):
                every_year[name].append(tables[name])
            every_year["market"].append(tables[GROUP_MARKET.name].select(
                "group", "exporter", "market", "year", "export_value_usd"))
            every_year["exporter"].append(tables[GROUP_EXPORTER.name])
            del tables
            for old in [y for y in parts if y < year]:  # no later year reads it
                del parts[old]
            for old in [y for y in within if y < year]:
                del within[old]
            for old in [y for y in exporters if y <= year - CAGR_YEARS]:
                del exporters[old]
        cms.extend(reader.cms(base_year, end_year) for base_year, end_year in cms_pairs(annual_years)
                   if end_year - base_year != 1)  # the long span, to the newest annual year
        reader.keep_code_only([])
    parts.clear()
    yield GROUP_CMS.name, _finished(pl.concat(cms, how="vertical").lazy(), GROUP_CMS) if cms else GROUP_CMS.empty()

    tariffs = weighted_tariff_tables(store.scan("tariff"), _stacked(every_year["weights"]),
                                     _stacked(every_year["pairs"]), config)
    yield GROUP_TARIFF.name, (tariff_table := _finished(tariffs["group_tariff"], GROUP_TARIFF))
    yield GROUP_TARIFF_MARGIN.name, _finished(tariffs["group_tariff_margin"], GROUP_TARIFF_MARGIN)
    yield GROUP_OPPORTUNITY.name, _finished(_group_opportunity(
        _stacked(every_year["imports"]), _stacked(every_year["opportunity_rows"]),
        _stacked(every_year["exporter_values"]), store.scan("ecommerce"), config, tariffs["group_tariff"]),
        GROUP_OPPORTUNITY)
    all_flows = _stacked(every_year["flows"])
    monthly = _finished(_group_market_monthly(all_flows.filter(pl.col("frequency") == "M")), GROUP_MARKET_MONTHLY)
    yield GROUP_MARKET_MONTHLY.name, monthly
    weo, capital = store.scan("weo").collect(), store.scan("capital").collect()
    others = f"weo {_digest(weo)}, capital {_digest(capital)}"
    for year, market_table, exporter_table, imports_table in zip(
            years, every_year["market"], every_year["exporter"], every_year["imports"], strict=True):
        read = {"group_market": market_table, "group_exporter": exporter_table, "group_tariff": tariff_table}
        # a year's potential reads its window's trade, the tariffs up to the year, the projections, the capitals
        extra = f"{others}, tariffs {_digest(tariff_table.filter(pl.col('year') <= year))}"
        potential = reader.recall("potential", windows[year], extra)
        computed = potential is None
        if potential is None:
            potential = {GROUP_EXPORT_POTENTIAL.name: export_potential(read, imports_table.lazy(), config, weo.lazy(),
                                                                       capital.lazy())}
        yield GROUP_EXPORT_POTENTIAL.name, potential[GROUP_EXPORT_POTENTIAL.name]
        if computed:
            reader.keep("potential", windows[year], potential, extra, year=year)
    for name, frame in demand_frames(all_flows, monthly.lazy(), config).items():
        yield name, _finished(frame, schema_for(name))


def compute_tables_by_year(store: Tables, config: Config) -> dict[str, pl.DataFrame]:
    """Every metric table whole, from :func:`metric_parts` (for comparisons; the refresh writes the parts)."""
    found: dict[str, list[pl.DataFrame]] = {table.name: [] for table in METRIC_TABLES}
    for name, part in metric_parts(store, config):
        found[name].append(part)
    return {name: pl.concat(frames, how="vertical") for name, frames in found.items()}

