"""US Census international trade API: US imports by HS code and country of origin (the US market).

Every supplier's share of US imports comes from here: one row per (partner, HS code, period) with the
partner in ISO3, the reporter always USA and the flow always import.

Choices recorded here so they are not rediscovered:

* One request per HS code for up to ``YEARS_PER_REQUEST`` consecutive years, the newest years first
  (``newest_first``): the API's time range ``time=from 2015-01 to 2025-12`` (the client encodes the
  spaces as ``+``) asks for every month of them at once. Monthly rows come from ``GEN_VAL_MO``; annual
  rows are December's year-to-date ``GEN_VAL_YR``, so the same answer yields both. A year whose December
  is not published yet has no annual row, so an incomplete year is never stored as a total. The cursor
  names the years (``A+M/2015-2025/9503/import``); a batch holding the current or previous year is
  refetched on every run, an older one is skipped while fresh. An answer is one code's rows: about 240
  partners × 12 months × 12 years ≈ 35,000 rows of 8 short strings at most, a few MB.
* Quantities: the imports endpoint names them ``GEN_QY1_MO``/``GEN_QY1_YR`` with unit ``UNIT_QY1``
  (``QTY_1_MO`` is the exports endpoint's name and would be refused with HTTP 400). At HS2/4/6 the
  unit is usually ``-`` (mixed units summed): the quantity is kept only when a real unit is given.
  Net weight is not an imports/hs variable (the ``*_WGT_*`` ones are shipping weight): left null.
* Partners: ``-`` (total for all countries) is kept as WLD, the US market's imports from the world.
  Census groupings (codes starting with 0 such as 0003 EU, and regional codes such as 1XXX) are dropped;
  a code of any other shape that the country reference does not know is reported in ``unknown_codes``.
  Two codes can share an ISO3 (5082 Gaza and 5083 West Bank are PSE): their values are summed.
* ``hs_revision`` is "HS": the API serves each year in the HS edition then in force without saying which.
* The API key is added by the shared client (query ``key``), never here. Years before 2010 are not
  planned (the API starts in 2010). Only the import flow exists here; ``partners`` are not filtered at
  the source because market shares need every supplier and the world total.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import TYPE_CHECKING, Final

import polars as pl

from tracker.countries import country_table, map_source_codes
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import UTC_TIME, validate
from tracker.sources.base import FetchScope, Parsed, Quarantine, newest_first, year_span
from tracker.sources.values import PLAIN_DECIMAL
from tracker.tables import TRADE

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE_ID: Final = "census"
IMPORTS_PATH: Final = "/data/timeseries/intltrade/imports/hs"
FIRST_YEAR: Final = 2010  # the API's coverage starts here
YEARS_PER_REQUEST: Final = 12  # one time range per request: every month of up to 12 years of one code
REPORTER: Final = "USA"
HS_REVISION: Final = "HS"
COMM_LEVELS: Final = {2: "HS2", 4: "HS4", 6: "HS6"}
GET_VARIABLES: Final = ("CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "GEN_VAL_YR",
                        "GEN_QY1_MO", "GEN_QY1_YR", "UNIT_QY1")

# Upstream names -> our names: the one place Census's vocabulary is translated.
ALIASES: Final = {
    "CTY_CODE": "partner",
    "I_COMMODITY": "hs_code",
    "GEN_VAL_MO": "value_month",
    "GEN_VAL_YR": "value_ytd",
    "GEN_QY1_MO": "quantity_month",
    "GEN_QY1_YR": "quantity_ytd",
    "UNIT_QY1": "quantity_unit",
    "time": "month",
}
REQUIRED: Final = ("CTY_CODE", "I_COMMODITY", "time")
NO_UNIT: Final = frozenset({"", "-", "X"})  # Census's "not applicable" unit markers
WORLD_CODE: Final = "-"
GROUPING_CODE: Final = r"^(0.*|\d?X+)$"  # 0003 EU, 0014 Pacific Rim..., 1XXX North America...
MONTH_PATTERN: Final = r"^\d{4}-(0[1-9]|1[0-2])$"


class CensusFetcher:
    """Plans and parses US import requests; the shared client sends them."""

    source_id = SOURCE_ID

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        """One request per (year batch, HS code), the newest batch first; see the module docstring."""
        if "import" not in settings.flows:
            return []
        if scope.reporters is not None and REPORTER not in scope.reporters:
            return []
        monthly = "M" in settings.frequencies
        annual = "A" in settings.frequencies
        if not (monthly or annual):
            return []
        years = [year for year in scope.years_for(settings) if year >= FIRST_YEAR]
        frequencies = "+".join(f for f in ("A", "M") if f in settings.frequencies)  # the cursor's prefix
        requests: list[Request] = []
        for batch in newest_first(years, YEARS_PER_REQUEST):
            periods: list[str] = []
            for year in batch:
                periods += [f"{year}-{month:02d}" for month in range(1, 13)] if monthly else []
                periods += [str(year)] if annual else []
            if monthly:
                time = f"from {batch[0]}-01 to {batch[-1]}-12"
            elif len(batch) == 1:
                time = f"{batch[0]}-12"
            else:  # annual only: December of each year (its year-to-date), asked as a range of Decembers
                time = f"from {batch[0]}-12 to {batch[-1]}-12"
            for code in scope.hs_codes:
                requests.append(Request(
                    source=SOURCE_ID,
                    path=IMPORTS_PATH,
                    params=(
                        ("get", ",".join(GET_VARIABLES)),
                        ("I_COMMODITY", code),
                        ("COMM_LVL", COMM_LEVELS[len(code)]),
                        ("time", time),
                    ),
                    table=TRADE.name,
                    cursor=f"{frequencies}/{year_span(batch)}/{code}/import",
                    periods=tuple(periods),
                ))
        return requests

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Census needs no reference data: Schedule C codes are in the country reference."""

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        """Rows for the periods in ``request.periods`` (monthly ``YYYY-MM``, annual ``YYYY`` from December).

        A malformed row (wrong length, a null code, a bad month or amount) is skipped and counted
        (``Quarantine``); the others are kept.
        """
        quarantine = Quarantine(SOURCE_ID)
        rows = _rows(body, quarantine)
        if rows is None:
            return quarantine.parsed(TRADE.empty())
        frame = rows.filter(~pl.col("partner").str.contains(GROUPING_CODE))
        frame, unknown = map_source_codes(frame, "partner", SOURCE_ID)
        frame = frame.filter(pl.col("partner").is_in(_kept_partners()))
        frame = quarantine.drop(frame, _row_problems(frame), ["partner", "hs_code", "month"])
        wanted = set(request.periods)
        parts = []
        if any(len(period) == 7 for period in wanted):
            parts.append(_period_rows(frame.filter(pl.col("month").is_in(list(wanted))), "M", quarantine))
        annual_years = [period for period in wanted if len(period) == 4]
        if annual_years:
            december = frame.filter(pl.col("month").is_in([f"{year}-12" for year in annual_years]))
            parts.append(_period_rows(december, "A", quarantine))
        trade = pl.concat(parts) if parts else TRADE.empty()
        if not trade.is_empty():
            trade = quarantine.keep_valid(TRADE.name, trade.with_columns(source=pl.lit(SOURCE_ID)))
        return quarantine.parsed(_finish(trade, fetched_at), unknown)


@functools.cache
def _kept_partners() -> tuple[str, ...]:
    """Every non-aggregate ISO3 of the reference, plus WLD (the total for all countries).

    Cached like the reference table it comes from, so that each parse does not rebuild it.
    """
    table = country_table()
    return (*table.filter(~pl.col("is_aggregate")).get_column("iso3").to_list(), "WLD")


def _rows(body: bytes, quarantine: Quarantine) -> pl.DataFrame | None:
    """The list-of-lists body as a String frame with our column names; None for an empty answer.

    A row that does not match the header, or lacks a required code, is skipped (``quarantine``).
    """
    if not body.strip():
        return None  # Census answers "no data" with an empty body (often HTTP 204)
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        preview = body[:80].decode("utf-8", errors="replace")
        raise PayloadError(SOURCE_ID, f"expected a JSON list of lists, got non-JSON ({preview!r})") from exc
    if not isinstance(doc, list) or not doc or not isinstance(doc[0], list):
        raise PayloadError(SOURCE_ID, "expected a JSON list of lists with a header row first")
    header, data = doc[0], []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise PayloadError(SOURCE_ID, f"header lacks {missing}; got {header}")
    required = {name: header.index(name) for name in REQUIRED}
    for number, row in enumerate(doc[1:], start=1):
        quarantine.read += 1
        if not isinstance(row, list) or len(row) != len(header) \
                or not all(cell is None or isinstance(cell, str) for cell in row):
            quarantine.skip(f"row {number} does not match the header of {len(header)} strings: {str(row)[:120]}")
        elif lacking := [name for name, index in required.items() if row[index] is None]:
            quarantine.skip(f"row {number} lacks {lacking[0]} (null)")
        else:
            data.append(row)
    if not data:
        quarantine.check()
        return None
    # A predicate variable that is also requested may come back twice: the first occurrence wins.
    first = {name: header.index(name) for name in ALIASES if name in header}
    return pl.DataFrame(
        {ALIASES[name]: [row[index] for row in data] for name, index in first.items()},
        schema={ALIASES[name]: pl.String() for name in first},
    )


def _row_problems(frame: pl.DataFrame) -> pl.Series:
    """Per row, what is malformed: a month that is not YYYY-MM, or an amount that is not a plain non-negative
    decimal (Census writes amounts as digit strings: a sign, an exponent, "NaN" or "inf" is not its shape;
    negatives are refused here, before codes sharing an ISO3 are summed and could hide them)."""
    month = pl.col("month")
    problems = [pl.when(~month.str.contains(MONTH_PATTERN).fill_null(False))
                .then(pl.concat_str([pl.lit("time '"), month, pl.lit("' is not YYYY-MM")]))]
    for upstream, alias in ALIASES.items():
        if alias.startswith(("value_", "quantity_")) and alias != "quantity_unit" and alias in frame.columns:
            text = pl.col(alias).str.strip_chars()
            given = text.is_not_null() & ((text != "") | alias.startswith("value_"))  # an empty quantity is none
            problems.append(pl.when(given & ~text.str.contains(f"^{PLAIN_DECIMAL.pattern}$"))
                            .then(pl.concat_str([pl.lit(f"{upstream} '"), text,
                                                 pl.lit("' is not a non-negative number")])))
    return frame.select(pl.coalesce(problems).alias("problem")).get_column("problem")


def _number(frame: pl.DataFrame, column: str) -> pl.Series:
    """A String column (checked by ``_row_problems``) as Float64, "" as null; PayloadError when it is absent."""
    if column not in frame.columns:
        upstream = next(name for name, alias in ALIASES.items() if alias == column)
        raise PayloadError(SOURCE_ID, f"the answer has no {upstream} column")
    text = frame.get_column(column).str.strip_chars()
    return text.set(text == "", None).cast(pl.Float64)


def _period_rows(frame: pl.DataFrame, frequency: str, quarantine: Quarantine) -> pl.DataFrame:
    """Canonical columns for monthly rows (``*_MO``) or annual rows (December's ``*_YR``); a row without
    the value is skipped (``quarantine``)."""
    suffix = "month" if frequency == "M" else "ytd"
    _number(frame, f"value_{suffix}")  # the column must exist
    without = pl.when(pl.col(f"value_{suffix}").is_null()).then(pl.lit(f"no {suffix} value (null)"))
    frame = quarantine.drop(frame, frame.select(without.alias("problem")).get_column("problem"),
                            ["partner", "hs_code", "month"])
    value = _number(frame, f"value_{suffix}")
    nulls = pl.Series([None] * frame.height)
    quantity_column = f"quantity_{suffix}"
    quantity = _number(frame, quantity_column) if quantity_column in frame.columns else nulls
    unit = frame.get_column("quantity_unit") if "quantity_unit" in frame.columns else nulls
    has_unit = pl.col("unit").is_not_null() & ~pl.col("unit").str.strip_chars().is_in(list(NO_UNIT))
    return pl.DataFrame(
        {"partner": frame.get_column("partner"), "hs_code": frame.get_column("hs_code"),
         "month": frame.get_column("month"), "value_usd": value, "raw_quantity": quantity, "unit": unit},
        schema={"partner": pl.String(), "hs_code": pl.String(), "month": pl.String(), "value_usd": pl.Float64(),
                "raw_quantity": pl.Float64(), "unit": pl.String()},
    ).select(
        "partner",
        "hs_code",
        period=pl.col("month") if frequency == "M" else pl.col("month").str.slice(0, 4),
        frequency=pl.lit(frequency),
        value_usd="value_usd",
        quantity=pl.when(has_unit).then(pl.col("raw_quantity")),
        quantity_unit=pl.when(has_unit).then(pl.col("unit").str.strip_chars()),
    )


def _finish(frame: pl.DataFrame, fetched_at: datetime) -> pl.DataFrame:
    """Sum codes that share an ISO3, add the constant columns and validate against TRADE."""
    if frame.is_empty():
        return TRADE.empty()
    key = ["partner", "hs_code", "period", "frequency"]
    summed = frame.group_by(key, maintain_order=True).agg(
        pl.col("value_usd").sum(),
        pl.when(pl.col("quantity").is_not_null().all()).then(pl.col("quantity").sum()).alias("quantity"),
        pl.col("quantity_unit").first(),
    )
    result = summed.with_columns(
        source=pl.lit(SOURCE_ID),
        flow=pl.lit("import"),
        reporter=pl.lit(REPORTER),
        year=pl.col("period").str.slice(0, 4).cast(pl.Int32),
        net_weight_kg=pl.lit(None, dtype=pl.Float64),
        hs_revision=pl.lit(HS_REVISION),
        provenance=pl.lit("reported"),
        fetched_at=pl.lit(fetched_at).cast(UTC_TIME),
    )
    return validate(TRADE, result)

