"""The query layer: the rows of any stored table for a set of filters, as the pages and ``export`` read them.

One selection for every reader, so that what a page shows is what its download and ``python -m tracker export``
hold (``tracker.export`` only writes the files).

``filtered_table(store, table, group=, exporter=, market=, years=, basis=, flow=, config=)`` → LazyFrame with
a ``sample`` column. Filters apply where the table has the column, and are ignored (and left out of the provenance
record) where it has not. Trade has no exporter/market columns, so they map onto the flow's direction:
``--exporter X`` keeps X's own exports (reporter X, flow export/re_export) and every market's imports from
X (partner X, flow import/re_import); ``--market M`` keeps M's imports (reporter M) and every exporter's
exports to M (partner M). ``--group G`` on trade keeps the HS codes starting with one of G's codes, on
e-commerce the group's survey categories. ``--years`` uses ``year`` (``end_year`` in group_cms, the start
time's year in fetch_log). ``--basis reported|mirror`` keeps the metric rows of that provenance (the
dashboard's "data basis"; in the market tables, of the sales value alone: ``value_provenance``);
``--flow import|export`` keeps one direction of the trade table.
``frequency="A"|"M"`` keeps annual or monthly rows of a table with a ``frequency`` column (trade); it
defaults to annual, so an export never mixes ``2020`` with ``2023-01`` (summing it would double-count,
and CSV readers that infer a column's type from its first rows fail on the mix).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tracker.baci.importer import stored_release
from tracker.config import Config
from tracker.countries import is_known_iso3
from tracker.errors import ExportError
from tracker.hs_revisions import approximated
from tracker.schemas import SAMPLE_SOURCE
from tracker.store import Store
from tracker.tables import TABLES, schema_for

BASES = ("all", "reported", "mirror")  # "all" applies no filter
FLOWS = ("import", "export")
FREQUENCIES = ("A", "M")  # annual, monthly
DEFAULT_FREQUENCY = "A"


def known_tables() -> list[str]:
    """Every table that can be read (and exported): every table of the catalogue."""
    return sorted(TABLES)


def _check_iso3(kind: str, code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().upper()
    if not is_known_iso3(code):
        raise ExportError(f"unknown {kind} {code!r}: expected an ISO3 country code such as CHN or USA")
    return code


def _group_filter(table: str, columns: list[str], group_id: str, config: Config) -> pl.Expr | None:
    group = config.group(group_id)
    if "group" in columns:
        return pl.col("group") == group_id
    if table in ("trade", "tariff"):
        return pl.any_horizontal([pl.col("hs_code").str.starts_with(code) for code in group.hs_codes])
    if table == "ecommerce":
        return pl.col("category").is_in(list(group.ecommerce_categories))
    return None


def _exporter_filter(table: str, columns: list[str], code: str) -> pl.Expr | None:
    if "exporter" in columns:
        return pl.col("exporter") == code
    if table == "trade":
        exports = pl.col("flow").is_in(["export", "re_export"]) & (pl.col("reporter") == code)
        imports = pl.col("flow").is_in(["import", "re_import"]) & (pl.col("partner") == code)
        return exports | imports
    if table == "tariff":  # the rates this exporter faces: its preferences and every market's MFN rate
        return pl.col("partner").is_in([code, "WLD"])
    return None


def _market_filter(table: str, columns: list[str], code: str) -> pl.Expr | None:
    if "market" in columns:
        return pl.col("market") == code
    if table == "trade":
        imports = pl.col("flow").is_in(["import", "re_import"]) & (pl.col("reporter") == code)
        exports = pl.col("flow").is_in(["export", "re_export"]) & (pl.col("partner") == code)
        return imports | exports
    return None


def _years_filter(columns: list[str], years: Sequence[int]) -> pl.Expr | None:
    wanted = [int(y) for y in years]
    if "end_year" in columns:
        return pl.col("end_year").is_in(wanted)
    if "year" in columns:
        return pl.col("year").is_in(wanted)
    if "started_at" in columns:
        return pl.col("started_at").dt.year().is_in(wanted)
    return None


def _column_equals(columns: list[str], column: str, value: str) -> pl.Expr | None:
    return pl.col(column) == value if column in columns else None


def applied_filters(table: str, *, group: str | None = None, exporter: str | None = None,
                    market: str | None = None, years: Sequence[int] | None = None, basis: str = "all",
                    flow: str | None = None, frequency: str | None = None,
                    config: Config) -> tuple[dict[str, str], list[pl.Expr]]:
    """The filters that apply to ``table`` (as text, for the provenance record) and their expressions.

    ``frequency`` None means DEFAULT_FREQUENCY on a table that has annual and monthly rows.
    """
    if table not in known_tables():
        raise ExportError(f"unknown table {table!r}; known tables: {', '.join(known_tables())}")
    if basis not in BASES:
        raise ExportError(f"unknown basis {basis!r}; expected one of {', '.join(BASES)}")
    if flow is not None and flow not in FLOWS:
        raise ExportError(f"unknown flow {flow!r}; expected one of {', '.join(FLOWS)}")
    if frequency is not None and frequency not in FREQUENCIES:
        raise ExportError(f"unknown frequency {frequency!r}; expected A (annual) or M (monthly)")
    columns = schema_for(table).column_names
    exporter, market = _check_iso3("exporter", exporter), _check_iso3("market", market)
    described: dict[str, str] = {}
    expressions: list[pl.Expr] = []

    def apply(name: str, text: str, expression: pl.Expr | None) -> None:
        """Record a filter only where the table can take it (``expression`` None: no such column)."""
        if expression is not None:
            expressions.append(expression)
            described[name] = text

    if group is not None:
        apply("group", group, _group_filter(table, columns, group, config))
    if exporter is not None:
        apply("exporter", exporter, _exporter_filter(table, columns, exporter))
    if market is not None:
        apply("market", market, _market_filter(table, columns, market))
    if years:
        apply("years", ",".join(str(y) for y in years), _years_filter(columns, years))
    if basis != "all":  # the provenance of the row's value itself where the table keeps it apart (market tables)
        column = "value_provenance" if "value_provenance" in columns else "provenance"
        apply(column, basis, _column_equals(columns, column, basis))
    if flow is not None:
        apply("flow", flow, _column_equals(columns, "flow", flow))
    chosen = frequency or DEFAULT_FREQUENCY
    apply("frequency", chosen, _column_equals(columns, "frequency", chosen))
    return described, expressions


def filtered_table(store: Store, table: str, *, group: str | None = None, exporter: str | None = None,
                   market: str | None = None, years: Sequence[int] | None = None, basis: str = "all",
                   flow: str | None = None, frequency: str | None = None, config: Config) -> pl.LazyFrame:
    """The stored table with the filters that apply to it, plus a boolean ``sample`` column."""
    _, expressions = applied_filters(table, group=group, exporter=exporter, market=market, years=years,
                                     basis=basis, flow=flow, frequency=frequency, config=config)
    frame = store.scan(table)
    for expression in expressions:
        frame = frame.filter(expression)
    schema = schema_for(table)
    if schema.mirrored_sides:  # read back as stored rows then their mirrors: the file lists them in key order
        frame = frame.sort(schema.key)
    if table == "alerts":  # most material first, as the CLI and the alerts page list them
        from tracker.alerts import rank_alerts

        frame = rank_alerts(frame)
    columns = schema.column_names
    if "sample" not in columns:  # job_runs has no source: nothing in it comes from the sample
        frame = frame.with_columns(sample=pl.col("source") == SAMPLE_SOURCE if "source" in columns else pl.lit(False))
    return _with_baci_release(store, frame, columns, config)


def _with_baci_release(store: Store, frame: pl.LazyFrame, columns: list[str], config: Config) -> pl.LazyFrame:
    """Rows built from CEPII BACI name its release (``baci_release``): its licence asks that the source and its
    date be named wherever the data goes. No column when the store holds no BACI rows.

    Group rows built from a release of an older HS revision whose group reads an HS 2022 code through an older
    one (``tracker/hs_revisions.py``) say so in ``hs_approximate`` (e.g. "852589 as 852580, 940542 as 940540
    (BACI HS17)"); the column is there only when some group of the config is approximate in that release."""
    source_column = next((name for name in ("source", "sources") if name in columns), None)
    release = stored_release(store) if source_column is not None else None
    if source_column is None or release is None:
        return frame
    from_baci = pl.col(source_column).str.split(",").list.contains(pl.lit("baci"))
    frame = frame.with_columns(baci_release=pl.when(from_baci).then(pl.lit(str(release))))
    notes = {group.id: ", ".join(f"{code} as {older}" for code, older in
                                 approximated(release.hs_revision, group.hs_codes).items())
             for group in config.groups}
    notes = {group: f"{text} (BACI {release.hs_revision})" for group, text in notes.items() if text}
    if "group" not in columns or not notes:
        return frame
    return frame.with_columns(hs_approximate=pl.when(from_baci).then(
        pl.col("group").replace_strict(notes, default=None, return_dtype=pl.String)))
