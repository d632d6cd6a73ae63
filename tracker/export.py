"""Exports of any stored table as CSV, XLSX or Parquet — the same bytes from the CLI and the app.

Two pure entry points, shared by ``python -m tracker export`` and the Streamlit download buttons:

* ``filtered_table(store, table, group=, exporter=, market=, years=, basis=, flow=, config=)`` → LazyFrame with
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
* ``export_bytes(frame, fmt, table=, filters=, bom=)`` → bytes. Deterministic: nothing about "now" goes in.

CSV is UTF-8 (optional BOM so Excel detects it) with a header row. Every TEXT cell starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` so a spreadsheet shows it as text instead of
running it as a formula (OWASP "CSV injection"); numeric columns are written as numbers, negatives untouched.
XLSX has a "data" sheet (strings stay strings: formulas are never created from text; at most 1,048,575 rows
under the header, Excel's limit: more is refused with a message, not cut) and a "provenance" sheet (table,
filters, sources, newest fetch, generator, sample yes/no) and a fixed creation date.
Parquet keeps the columns and dtypes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import polars as pl

from tracker import __version__, schemas
from tracker.atomic import remove_stale_temporaries, write_atomically
from tracker.baci.importer import stored_release
from tracker.config import Config
from tracker.countries import is_known_iso3
from tracker.errors import ExportError
from tracker.hs_revisions import approximated
from tracker.schemas import SAMPLE_SOURCE
from tracker.store import Store

FORMATS = ("csv", "xlsx", "parquet")
BASES = ("all", "reported", "mirror")  # "all" applies no filter
FLOWS = ("import", "export")
FREQUENCIES = ("A", "M")  # annual, monthly
DEFAULT_FREQUENCY = "A"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GENERATED_BY = f"export-market-tracker {__version__}"
FIXED_CREATED = datetime(2000, 1, 1)  # workbook metadata: a constant, so equal data gives equal files
EXCEL_MAX_ROWS = 1_048_576  # rows of an Excel worksheet, the header row included


def export_tables() -> list[str]:
    """Every table that can be exported: the data tables and the registered metric tables."""
    import tracker.metrics  # noqa: F401  (registers the metric tables' schemas)

    return sorted(schemas.TABLES)


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
    if table not in export_tables():
        raise ExportError(f"unknown table {table!r}; known tables: {', '.join(export_tables())}")
    if basis not in BASES:
        raise ExportError(f"unknown basis {basis!r}; expected one of {', '.join(BASES)}")
    if flow is not None and flow not in FLOWS:
        raise ExportError(f"unknown flow {flow!r}; expected one of {', '.join(FLOWS)}")
    if frequency is not None and frequency not in FREQUENCIES:
        raise ExportError(f"unknown frequency {frequency!r}; expected A (annual) or M (monthly)")
    columns = schemas.schema_for(table).column_names
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
    schema = schemas.schema_for(table)
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


def check_destination(path: Path) -> None:
    """Refuse a destination that is a folder, or whose folder does not exist (creating folders from a typo, at
    the file system's root even, is not an export's business). Checked before the table is read."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist; create it first or give "
                          "another --out. Nothing was written")


def write_export(path: Path, data: bytes) -> None:
    """Write an export atomically: a failed write (full disk, no permission) leaves no partial file, and an
    existing file at ``path`` stays as it was. Temporary files that killed exports left in the folder go first."""
    check_destination(path)
    remove_stale_temporaries(path.parent)
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}; nothing was written") from None


def _neutralise(value: pl.Expr) -> pl.Expr:
    """Prefix text that a spreadsheet would run as a formula with a single quote."""
    risky = pl.any_horizontal([value.str.starts_with(trigger) for trigger in FORMULA_TRIGGERS])
    return pl.when(risky).then(pl.lit("'") + value).otherwise(value)


def provenance_record(frame: pl.DataFrame, table: str, filters: dict[str, str]) -> list[tuple[str, str]]:
    """(field, value) rows describing where an export's data came from."""
    sources: set[str] = set()
    for column in ("source", "sources"):
        if column in frame.columns:
            for value in frame.get_column(column).drop_nulls().unique().to_list():
                sources.update(part for part in str(value).split(",") if part)
    newest = None
    for column in ("fetched_at", "newest_fetch", "finished_at"):
        if column in frame.columns and frame.height:
            newest = frame.get_column(column).max()
            break
    sample = bool(frame.height and "sample" in frame.columns and frame.get_column("sample").any())
    releases = (sorted(frame.get_column("baci_release").drop_nulls().unique().to_list())
                if "baci_release" in frame.columns else [])
    approximate = (sorted(frame.get_column("hs_approximate").drop_nulls().unique().to_list())
                   if "hs_approximate" in frame.columns else [])
    return [
        ("table", table),
        ("filters", "; ".join(f"{k}={v}" for k, v in filters.items()) or "none"),
        ("rows", str(frame.height)),
        ("sources", ", ".join(sorted(sources)) or "none"),
        ("newest fetch", newest.isoformat() if isinstance(newest, datetime) else "none"),
        ("generated by", GENERATED_BY),
        ("sample data", "yes" if sample else "no"),
        ("BACI release", ", ".join(releases) + " (source: CEPII, BACI; Etalab Open Licence 2.0)" if releases
         else "none"),
        *([("approximate HS codes", "; ".join(approximate) + ": HS 2022 codes read through the older code that "
            "held them; those values include more than the code")] if approximate else []),
    ]


def _csv_bytes(frame: pl.DataFrame, bom: bool) -> bytes:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns([_neutralise(pl.col(name)).alias(name) for name in text_columns])
    body = safe.write_csv(datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z", include_header=True)
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8")


def _excel_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Excel has no time zones: write UTC datetimes as naive UTC (the column names say UTC in the schema)."""
    return frame.with_columns([
        pl.col(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    ])


def _xlsx_bytes(frame: pl.DataFrame, table: str, filters: dict[str, str]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"title": f"{table} export", "created": FIXED_CREATED, "comments": GENERATED_BY})
    _excel_ready(frame).write_excel(workbook, worksheet="data", autofit=False)
    record = pl.DataFrame(provenance_record(frame, table, filters), schema=["field", "value"], orient="row")
    record.write_excel(workbook, worksheet="provenance", autofit=False)
    workbook.close()
    return buffer.getvalue()


def export_bytes(frame: pl.DataFrame, fmt: str, *, table: str, filters: Mapping[str, object],
                 bom: bool = False) -> bytes:
    """The export file's bytes; equal inputs give equal bytes (CSV and Parquet; XLSX with a fixed date)."""
    if fmt == "csv":
        return _csv_bytes(frame, bom)
    if fmt == "xlsx":
        if frame.height + 1 > EXCEL_MAX_ROWS:
            raise ExportError(
                f"{table}: {frame.height:,} rows do not fit an Excel sheet, which holds at most {EXCEL_MAX_ROWS:,} "
                f"rows including the header ({EXCEL_MAX_ROWS - 1:,} data rows). Export as csv or parquet, or fewer "
                "rows (--group, --exporter, --market, --years). Nothing was written")
        return _xlsx_bytes(frame, table, {k: str(v) for k, v in filters.items()})
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="zstd", statistics=False)
        return buffer.getvalue()
    raise ExportError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


