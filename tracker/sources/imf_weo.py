"""IMF World Economic Outlook through the DataMapper API: GDP growth, GDP and population, with projections.

Keyless. One request per indicator (``NGDP_RPCH`` real GDP growth %, ``NGDPD`` GDP in USD bn, ``LP``
population in millions), ``/external/datamapper/api/v1/{indicator}?periods=…``, answered as
``{"values": {indicator: {ISO3: {year: value}}}, "api": {...}}``. The export-potential metric compounds them
into five-year ratios (``tracker.metrics.potential``).

The vintage: the values answer does not say which WEO edition it comes from; the catalogue
``/external/datamapper/api/v1/indicators`` does, per indicator (``"source": "World Economic Outlook (April
2026)"``). ``prepare`` reads it once per run and every row carries it as ``vintage`` (``2026-04``), so that
projections of different editions never mix and a new edition adds rows instead of overwriting the old ones.

Which rows are kept:

* a key our country reference knows (ISO3): kept;
* an IMF group (``WEOWORLD``, ``ADVEC``, ``EURO``, regions such as ``SSQ``): not a country, dropped silently;
* any other three-letter key (``UVK``, the IMF's Kosovo): reported in ``Parsed.unknown_codes``;
* a value that is not a finite number, or out of range (growth below −100 %, a negative GDP or population),
  or a year that is not YYYY: quarantined, i.e. skipped and counted in a warning, never stored.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from tracker import countries
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import validate
from tracker.sources.base import FetchScope, Parsed, Quarantine, load_json
from tracker.tables import WEO, WEO_INDICATORS

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE: Final = "imf_weo"
API: Final = "/external/datamapper/api/v1"
UNITS: Final = {"NGDP_RPCH": "%", "NGDPD": "USD bn", "LP": "persons mn"}
HORIZON_YEARS: Final = 6  # projections as far as last_year + 5 (the potential's t + 5), and one more year
# IMF analytical and regional groups in the answers (three letters or not): not countries.
IMF_GROUPS: Final = frozenset({
    "WEOWORLD", "ADVEC", "OEMDC", "EURO", "EU", "G7", "G20", "MECA", "DA", "WE", "ASEAN-5", "AFQ", "APQ", "AZQ",
    "CBQ", "EAQ", "EUQ", "MEQ", "NAQ", "OAE", "SAQ", "SEQ", "SSQ", "WEQ", "WHQ", "CIS", "EDE", "MAE", "LIC",
})
VINTAGE = re.compile(r"World Economic Outlook \((April|October) (\d{4})\)")
MONTHS: Final = {"April": "04", "October": "10"}


def parse_vintages(body: bytes) -> dict[str, str]:
    """``{indicator: "YYYY-MM"}`` from the DataMapper catalogue, for the indicators this source fetches.

    PayloadError when the catalogue does not name a WEO edition for one of them: rows without their vintage
    would mix projections of different editions.
    """
    payload = load_json(body, SOURCE)
    catalogue = payload.get("indicators") if isinstance(payload, dict) else None
    if not isinstance(catalogue, dict):
        raise PayloadError(SOURCE, "the indicators catalogue has no 'indicators' object")
    vintages: dict[str, str] = {}
    for indicator in WEO_INDICATORS:
        entry = catalogue.get(indicator)
        text = entry.get("source") if isinstance(entry, dict) else None
        match = VINTAGE.search(text) if isinstance(text, str) else None
        if match is None:
            raise PayloadError(SOURCE, f"the indicators catalogue names no WEO edition for {indicator} "
                               f"(source is {text!r}, expected 'World Economic Outlook (April|October YYYY)')")
        vintages[indicator] = f"{match.group(2)}-{MONTHS[match.group(1)]}"
    return vintages


class ImfWeoFetcher:
    """plan → (client) → parse for the IMF DataMapper; ``prepare`` reads the WEO vintage of each indicator."""

    source_id = SOURCE

    def __init__(self) -> None:
        self.vintages: dict[str, str] = {}

    def prepare_requests(self, settings: SourceSettings) -> list[Request]:
        """The catalogue ``prepare`` reads (counted by ``fetch --plan``)."""
        return [Request(source=SOURCE, path=f"{API}/indicators", params=(), table=WEO.name, cursor="indicators")]

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """The catalogue's WEO edition per indicator (one small request per run)."""
        [catalogue] = self.prepare_requests(settings)
        self.vintages = parse_vintages(client.get(catalogue, settings).content)

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        years = scope.years_for(settings)
        periods = tuple(str(year) for year in range(min(years), max(years) + HORIZON_YEARS))
        return [
            Request(source=SOURCE, path=f"{API}/{indicator}", params=(("periods", ",".join(periods)),),
                    table=WEO.name, cursor=f"{indicator}/{periods[0]}:{periods[-1]}", periods=periods)
            for indicator in WEO_INDICATORS
        ]

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        indicator = request.path.rsplit("/", 1)[-1]
        vintage = self.vintages.get(indicator)
        if vintage is None:
            raise PayloadError(SOURCE, f"no WEO vintage known for {indicator}: the indicators catalogue was not "
                               "read (prepare)")
        series = _series(load_json(body, SOURCE), indicator)
        known = countries.known_iso3()
        wanted = set(request.periods)
        rows: list[dict[str, Any]] = []
        unknown: set[str] = set()
        quarantine = Quarantine(SOURCE, "value")
        for code, by_year in series.items():
            if code not in known:
                if len(code) == 3 and code.isalpha() and code.isupper() and code not in IMF_GROUPS:
                    unknown.add(code)
                continue
            if not isinstance(by_year, dict):
                quarantine.read += 1
                quarantine.skip(f"{code}: a {type(by_year).__name__}, expected an object of years")
                continue
            for year, value in by_year.items():
                if value is None:
                    continue  # no observation
                quarantine.read += 1
                if not _plausible(indicator, year, value):
                    quarantine.skip(f"{code} {year}: {value!r} is not a number in range for {indicator}")
                    continue
                if wanted and year not in wanted:
                    continue
                rows.append({"source": SOURCE, "indicator": indicator, "market": code, "year": int(year),
                             "value": float(value), "unit": UNITS[indicator], "vintage": vintage,
                             "fetched_at": fetched_at})
        frame = pl.DataFrame(rows, schema=WEO.polars_schema) if rows else WEO.empty()
        return quarantine.parsed(validate(WEO, frame), sorted(unknown))


def _series(payload: Any, indicator: str) -> dict[str, Any]:
    """``values[indicator]``; an answer without it is empty (the API leaves out an indicator with no data)."""
    if not isinstance(payload, dict):
        raise PayloadError(SOURCE, f"answer is a {type(payload).__name__}, expected an object with 'values'")
    values = payload.get("values")
    if values is None:
        if "api" in payload:
            return {}  # {"api": {...}} alone: the API's answer when nothing matches
        raise PayloadError(SOURCE, "answer has neither 'values' nor 'api'")
    if not isinstance(values, dict):
        raise PayloadError(SOURCE, f"'values' is a {type(values).__name__}, expected an object")
    series = values.get(indicator, {})
    if not isinstance(series, dict):
        raise PayloadError(SOURCE, f"values.{indicator} is a {type(series).__name__}, expected an object")
    return series


def _plausible(indicator: str, year: object, value: object) -> bool:
    """A year YYYY and a finite number in the indicator's range (growth above −100 %, levels positive)."""
    if not (isinstance(year, str) and len(year) == 4 and year.isdigit()):
        return False
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value > -100 if indicator == "NGDP_RPCH" else 0 < value < 1e9
