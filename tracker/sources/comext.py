"""Eurostat Comext (dataset DS-045409): what each EU member imports and exports, by product and partner.

Values arrive in euros and are converted to US dollars with Eurostat's own average euro rates, so the
trade table speaks one currency.

Choices recorded here so they are not rediscovered:

* Batched SDMX 2.1 requests: every reporter, partner, flow and indicator ``+``-joined in the key, several
  products ``+``-joined too, and a run of years as ``startPeriod``/``endPeriod``. Comext answers up to
  about 500,000 cells at once, defers bigger queries and refuses more than 5,000,000 with HTTP 413
  (Eurostat's API guidelines), so each request is sized to at most ``MAX_CELLS`` = 100,000 cells, estimated
  as reporters × partners × flows × 2 indicators × periods × products (an empty reporter or partner list,
  which SDMX reads as "all", counts as ``ALL_COUNTRIES``), and at most ``MAX_PRODUCTS`` codes, which keeps
  the URL short. Years go in batches (``newest_first``) of as many as fit with one product, the newest first;
  then products fill the rest. With the shipped config (27 × 13 × 1 flow × 2 × 11 years = 7,722 cells a
  product) that is 12 products a request, 7 requests in all. The cursor names the frequency, the years,
  the products and the flows.
* Indicators ``VALUE_IN_EUROS`` and ``QUANTITY_IN_100KG`` are pivoted into one row per observation:
  ``value_usd`` = euros × the period's USD-per-EUR rate, ``net_weight_kg`` = 100 kg units × 100. An
  observation with a quantity but no value is dropped (``value_usd`` cannot be null). Other indicators
  are ignored.
* Rates: ``prepare`` loads ``ert_bil_eur_a`` (and ``ert_bil_eur_m`` when monthly data is configured),
  average of the period, USD per euro, into ``usd_per_eur`` keyed ``YYYY`` / ``YYYY-MM``. A month without
  a monthly rate uses its year's annual rate; a period with neither is a PayloadError naming it, never a
  silently wrong value. A rate that is not a finite number in (0, 10) is refused: it would turn every
  value into nonsense. Tests pass a rate table to the constructor instead.
* Codes: reporters and partners through the country reference's Eurostat codes, except where Comext
  writes the ISO form: Greece is ``GR`` and the United Kingdom ``GB`` in Comext (the statistics API's ``EL``
  and ``UK`` are undeclared codes there, refused with HTTP 400), see ``comext_code``. Parsing accepts both
  forms; EU27_2020 → EUU; WORLD → WLD. ``EXT_EU27_2020`` ("outside the EU") is not a country and is
  skipped; any other code the reference does not know goes to ``unknown_codes``.
* Quarantine rows, not answers: a malformed CSV row (an empty key cell, an unknown flow, a period that does
  not match the frequency, a value that is not a plain number) is skipped and counted, the rest is stored.
  An observation Eurostat does not publish (OBS_VALUE ``:`` or empty) is simply absent. SDMX's "no data"
  (HTTP 404 with error code 100, ``tracker.sources.sdmx``) is an empty answer, not a failure.
* The reporter is the EU member and flow 1 is its import, 2 its export. ``hs_revision`` is "CN" (the
  EU Combined Nomenclature; its first six digits are HS).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final

import polars as pl

from tracker.countries import from_iso3, map_source_codes
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import UTC_TIME, validate
from tracker.sources import jsonstat, sdmx
from tracker.sources.base import FetchScope, Parsed, Quarantine, chunks, newest_first, year_span
from tracker.sources.values import PLAIN_DECIMAL
from tracker.tables import TRADE

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE_ID: Final = "comext"
DATASET: Final = "DS-045409"
DATA_PATH: Final = f"/eurostat/api/comext/dissemination/sdmx/2.1/data/{DATASET}/"
RATES_PATH: Final = "/eurostat/api/dissemination/statistics/1.0/data/"
RATE_DATASETS: Final = {"A": "ert_bil_eur_a", "M": "ert_bil_eur_m"}
FLOW_CODES: Final = {"import": "1", "export": "2"}
VALUE_INDICATOR: Final = "VALUE_IN_EUROS"
WEIGHT_INDICATOR: Final = "QUANTITY_IN_100KG"
KG_PER_UNIT: Final = 100.0  # QUANTITY_IN_100KG counts units of 100 kg
HS_REVISION: Final = "CN"
NOT_COUNTRIES: Final = frozenset({"EXT_EU27_2020"})  # extra-EU total: not a country
MAX_USD_PER_EUR: Final = 10.0  # the rate has stayed within 0.8..1.6 since 1999; beyond 10 is a broken answer
FREQUENCY_ORDER: Final = ("A", "M")
MAX_CELLS: Final = 100_000  # estimated cells one request may ask for: a fifth of what Comext answers at once
MAX_PRODUCTS: Final = 40  # products one request may join: keeps the URL well under 2,000 characters
ALL_COUNTRIES: Final = 250  # what an empty reporter or partner list ("all") counts as in the estimate
INDICATORS: Final = 2  # VALUE_IN_EUROS and QUANTITY_IN_100KG
PERIOD_PATTERNS: Final = {"A": r"^\d{4}$", "M": r"^\d{4}-(0[1-9]|1[0-2])$"}
MISSING_VALUES: Final = (":", "")  # how SDMX-CSV marks an observation Eurostat does not publish
NOT_FOUND: Final = 404  # SDMX's "no results" status: its body goes to ``parse`` (``tracker.sources.sdmx``)

# SDMX-CSV column -> our name: the one place Comext's vocabulary is translated.
ALIASES: Final = {
    "freq": "frequency",
    "reporter": "reporter",
    "partner": "partner",
    "product": "hs_code",
    "flow": "flow",
    "indicators": "indicator",
    "TIME_PERIOD": "period",
    "OBS_VALUE": "obs_value",
}
HEADER: Final = ("DATAFLOW", "LAST UPDATE", *ALIASES)
# Where Comext's geonomenclature (ISO alpha-2) differs from the statistics API's Eurostat codes.
COMEXT_CODES: Final = {"EL": "GR", "UK": "GB"}


def comext_code(iso3: str) -> str:
    """The reporter/partner code Comext declares for ``iso3`` (GR for Greece, where the statistics API says EL)."""
    code = from_iso3("eurostat", iso3)
    return COMEXT_CODES.get(code, code)


class ComextFetcher:
    """Plans SDMX queries, loads euro rates in ``prepare`` and parses SDMX-CSV into USD trade rows."""

    source_id = SOURCE_ID
    answer_statuses = (NOT_FOUND,)  # the runner adds them to every request: "no data" is an empty answer

    def __init__(self, usd_per_eur: Mapping[str, float] | None = None) -> None:
        self.usd_per_eur: dict[str, float] = dict(usd_per_eur or {})

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        """Batches of years (newest first) × products under ``MAX_CELLS``; reporters, partners, flows share them."""
        reporters = scope.reporters_for(settings)
        reporter_key = "+".join(comext_code(iso3) for iso3 in reporters)
        partner_key = "+".join(comext_code(iso3) for iso3 in settings.partners)
        flows = [flow for flow in settings.flows if flow in FLOW_CODES]
        if not flows:
            return []
        flow_key = "+".join(FLOW_CODES[flow] for flow in flows)
        indicator_key = f"{VALUE_INDICATOR}+{WEIGHT_INDICATOR}"
        codes = list(scope.hs_codes)
        per_period = ((len(reporters) or ALL_COUNTRIES) * (len(settings.partners) or ALL_COUNTRIES)
                      * len(flows) * INDICATORS)  # cells of one product in one period
        requests: list[Request] = []
        for frequency in (f for f in FREQUENCY_ORDER if f in settings.frequencies):
            months = 12 if frequency == "M" else 1
            years_per_request = max(1, MAX_CELLS // (per_period * months))
            for batch in newest_first(scope.years_for(settings), years_per_request):
                cells = per_period * months * len(batch)  # of one product
                for products in chunks(codes, min(MAX_PRODUCTS, MAX_CELLS // cells)):
                    key = ".".join((frequency, reporter_key, partner_key, "+".join(products), flow_key,
                                    indicator_key))
                    if frequency == "M":
                        start, end = f"{batch[0]}-01", f"{batch[-1]}-12"
                        periods = tuple(f"{year}-{month:02d}" for year in batch for month in range(1, 13))
                    else:
                        start, end = str(batch[0]), str(batch[-1])
                        periods = tuple(str(year) for year in batch)
                    requests.append(Request(
                        source=SOURCE_ID,
                        path=DATA_PATH + key,
                        params=(("startPeriod", start), ("endPeriod", end), ("format", "SDMX-CSV")),
                        table=TRADE.name,
                        cursor=f"{frequency}/{year_span(batch)}/{'+'.join(products)}/{'+'.join(flows)}",
                        periods=periods,
                    ))
        return requests

    def prepare_requests(self, settings: SourceSettings) -> list[Request]:
        """The rate requests ``prepare`` sends: annual always (the fallback), monthly when monthly data is asked."""
        return [rate_request(frequency) for frequency in ("A", *(["M"] if "M" in settings.frequencies else []))]

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Load USD-per-EUR average rates: annual always (the fallback), monthly when monthly data is asked."""
        for request in self.prepare_requests(settings):
            result = client.get(request, settings)
            self.usd_per_eur.update(parse_rates(result.content))

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        """SDMX-CSV → canonical trade rows in USD; uses the rates held in ``usd_per_eur``."""
        if sdmx.is_no_data(body):
            return Parsed(TRADE.empty())  # the SDMX "no data" 404 (``answer_statuses``)
        raw = _read_csv(body)
        if raw is None or raw.is_empty():
            return Parsed(TRADE.empty())
        quarantine = Quarantine(SOURCE_ID)
        quarantine.read = raw.height
        not_countries = list(NOT_COUNTRIES)
        frame = _checked(raw, quarantine).filter(
            ~pl.col("partner").is_in(not_countries) & ~pl.col("reporter").is_in(not_countries))
        frame = _pivot(frame)
        frame, unknown_reporters = map_source_codes(frame, "reporter", "eurostat")
        frame, unknown_partners = map_source_codes(frame, "partner", "eurostat")
        unknown = sorted(set(unknown_reporters) | set(unknown_partners))
        if frame.is_empty():
            return quarantine.parsed(TRADE.empty(), unknown)
        rates = self._rates_for(frame.get_column("period").unique().sort().to_list())
        result = frame.with_columns(
            value_usd=pl.col("value_eur") * pl.col("period").replace_strict(rates, return_dtype=pl.Float64),
            net_weight_kg=pl.col("weight_100kg") * KG_PER_UNIT,
            source=pl.lit(SOURCE_ID),
            flow=pl.col("flow").replace_strict({code: flow for flow, code in FLOW_CODES.items()}),
            year=pl.col("period").str.slice(0, 4).cast(pl.Int32),
            quantity=pl.lit(None, dtype=pl.Float64),
            quantity_unit=pl.lit(None, dtype=pl.String),
            hs_revision=pl.lit(HS_REVISION),
            provenance=pl.lit("reported"),
            fetched_at=pl.lit(fetched_at).cast(UTC_TIME),
        ).drop("value_eur", "weight_100kg")
        return quarantine.parsed(validate(TRADE, quarantine.keep_valid(TRADE.name, result)), unknown)

    def _rates_for(self, periods: list[str]) -> dict[str, float]:
        """USD per EUR for each period (a month falls back to its year); a missing rate is a PayloadError."""
        rates: dict[str, float] = {}
        for period in periods:
            rate = self.usd_per_eur.get(period, self.usd_per_eur.get(period[:4]))
            if rate is None:
                raise PayloadError(SOURCE_ID, f"no EUR->USD rate for period {period} (rates loaded: "
                                              f"{len(self.usd_per_eur)}); run prepare() or extend the rate table")
            rates[period] = rate
        return rates


def rate_request(frequency: str) -> Request:
    """The statistics-API request for USD-per-EUR period averages (``ert_bil_eur_a`` or ``_m``)."""
    dataset = RATE_DATASETS[frequency]
    return Request(
        source=SOURCE_ID,
        path=RATES_PATH + dataset,
        params=(("format", "JSON"), ("lang", "EN"), ("currency", "USD"), ("statinfo", "AVG")),
        table=TRADE.name,  # the rates serve trade rows; they are never stored themselves
        cursor=f"rates/{dataset}",
    )


def parse_rates(body: bytes) -> dict[str, float]:
    """USD per EUR by period (``YYYY`` or ``YYYY-MM``) from a JSON-stat ``ert_bil_eur_*`` answer."""
    table = jsonstat.decode(jsonstat.loads(body, SOURCE_ID), SOURCE_ID)
    frame = table.frame
    for dimension, code in (("currency", "USD"), ("statinfo", "AVG")):
        if dimension in frame.columns:
            frame = frame.filter(pl.col(dimension) == code)
    if "time" not in frame.columns:
        raise PayloadError(SOURCE_ID, f"exchange-rate document has no time dimension (dimensions {frame.columns})")
    periods = [_normalise_period(period) for period in frame.get_column("time").to_list()]
    if len(set(periods)) != len(periods):
        raise PayloadError(SOURCE_ID, "exchange-rate document holds several USD rates for one period")
    rates = dict(zip(periods, frame.get_column("value").to_list(), strict=True))
    bad = {period: rate for period, rate in rates.items() if not 0 < rate < MAX_USD_PER_EUR}
    if bad:
        period, rate = next(iter(bad.items()))
        raise PayloadError(SOURCE_ID, f"exchange-rate document: USD per EUR for {period} is {rate!r}, expected a "
                                      f"number between 0 and {MAX_USD_PER_EUR:g} ({len(bad)} bad rate(s))")
    return rates


def _normalise_period(period: str) -> str:
    """Eurostat writes months as 2023-01 (API 1.0) or 2023M01 (older exports): keep one form."""
    match = re.fullmatch(r"(\d{4})M(\d{2})", period)
    return f"{match.group(1)}-{match.group(2)}" if match else period


def _read_csv(body: bytes) -> pl.DataFrame | None:
    """The SDMX-CSV body as String columns under our names; anything else is a PayloadError saying what."""
    text = body.lstrip(b"\xef\xbb\xbf").strip()
    if not text:
        return None
    first_line = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if first_line.startswith("<"):
        detail = sdmx.error_text(body)
        if detail:
            raise PayloadError(SOURCE_ID, f"expected SDMX-CSV, got an SDMX error message ({detail})")
        kind = "an SDMX XML message" if "xml" in first_line.lower() or "mes:" in first_line else "an HTML/XML page"
        raise PayloadError(SOURCE_ID, f"expected SDMX-CSV, got {kind}: {first_line[:80]!r}")
    columns = [name.strip() for name in first_line.split(",")]
    missing = [name for name in HEADER if name not in columns]
    if missing:
        raise PayloadError(SOURCE_ID, f"SDMX-CSV header lacks {missing}; got {first_line[:120]!r}")
    try:
        frame = pl.read_csv(io.BytesIO(text), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise PayloadError(SOURCE_ID, f"unreadable SDMX-CSV: {exc}") from exc
    return frame.select(pl.col(name).str.strip_chars().alias(alias) for name, alias in ALIASES.items())


def _checked(frame: pl.DataFrame, quarantine: Quarantine) -> pl.DataFrame:
    """Skip (``quarantine``) rows with an empty key cell, an unknown flow or frequency, a period that does not
    match the frequency, or an observation that is not a plain non-negative number (a sign, exponent, NaN or
    inf is not how SDMX-CSV writes them). A missing observation (``:`` or empty: how Eurostat marks a value
    it does not publish) is no observation: dropped, not counted as malformed."""
    problems: list[pl.Expr] = []
    for alias in ("frequency", "reporter", "partner", "hs_code", "flow", "indicator", "period"):
        upstream = next(name for name, our in ALIASES.items() if our == alias)
        column = pl.col(alias)
        problems.append(pl.when(column.is_null() | (column == "")).then(pl.lit(f"{upstream} is empty")))
    flow, frequency, period = pl.col("flow"), pl.col("frequency"), pl.col("period")
    problems.append(pl.when(~flow.is_in(list(FLOW_CODES.values())))
                    .then(pl.concat_str([pl.lit("unknown flow '"), flow,
                                         pl.lit("'; expected 1 (import) or 2 (export)")])))
    problems.append(pl.when(~frequency.is_in(list(PERIOD_PATTERNS)))
                    .then(pl.concat_str([pl.lit("unknown freq '"), frequency, pl.lit("'; expected A or M")])))
    for code, pattern in PERIOD_PATTERNS.items():
        problems.append(pl.when((frequency == code) & ~period.str.contains(pattern).fill_null(False))
                        .then(pl.concat_str([pl.lit("TIME_PERIOD '"), period,
                                             pl.lit(f"' does not match freq {code}")])))
    value = pl.col("obs_value")
    problems.append(pl.when(value.is_not_null() & ~value.is_in(list(MISSING_VALUES))
                            & ~value.str.contains(f"^{PLAIN_DECIMAL.pattern}$"))
                    .then(pl.concat_str([pl.lit("OBS_VALUE '"), value, pl.lit("' is not a non-negative number")])))
    frame = frame.with_row_index("line", offset=2)  # line 1 is the header
    found = frame.select(pl.coalesce(problems).alias("problem")).get_column("problem")
    frame = quarantine.drop(frame, found, ["line"]).drop("line")
    present = frame.filter(pl.col("obs_value").is_not_null() & ~pl.col("obs_value").is_in(list(MISSING_VALUES)))
    return present.with_columns(obs_value=pl.col("obs_value").cast(pl.Float64))


def _pivot(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (reporter, partner, product, flow, period) with value_eur and weight_100kg."""
    key = ["reporter", "partner", "hs_code", "flow", "period"]
    wanted = frame.filter(pl.col("indicator").is_in([VALUE_INDICATOR, WEIGHT_INDICATOR]))
    duplicated = wanted.filter(wanted.select(*key, "indicator").is_duplicated())
    if duplicated.height:
        raise PayloadError(SOURCE_ID, f"the same observation appears twice: {duplicated.row(0, named=True)}")
    pivoted = wanted.group_by([*key, "frequency"], maintain_order=True).agg(
        value_eur=pl.col("obs_value").filter(pl.col("indicator") == VALUE_INDICATOR).first(),
        weight_100kg=pl.col("obs_value").filter(pl.col("indicator") == WEIGHT_INDICATOR).first(),
    )
    return pivoted.filter(pl.col("value_eur").is_not_null())
