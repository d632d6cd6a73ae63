"""World Bank Indicators API v2: market size and readiness (GDP, population, internet use, imports).

One request per indicator for every country (``all``, or the configured markets), all years at once,
``per_page=1000``; ``follow_up`` asks for pages 2..N when the first page says there are more, and only
when its ``pages``, ``per_page`` and ``total`` agree (the runner caps follow-ups per answer too).

Errors come with HTTP 200 as ``[{"message": [...]}]`` (PayloadError); an empty answer is
``[{"page": 0, ...}, null]`` (empty frame). Which rows are kept:

* ``countryiso3code`` known to our country reference (WLD and EUU included): kept.
* A World Bank aggregate (regions, income groups, lending groups: ``WB_AGGREGATES``) or an empty code:
  dropped silently; they are not markets.
* Anything else looks like a country the reference lacks: reported in ``Parsed.unknown_codes``.
* ``value`` null: no observation, dropped. Any other non-number (``"123"``, ``true``) or a ``date`` that is
  not a year makes the record malformed: it is skipped, counted and named in fetch_log (``Quarantine``),
  and an answer with more than ``MAX_SKIPPED_SHARE`` of them is refused whole: never stored as complete.

Capital coordinates (table ``capital``, for the export potential's distances) come from the country list
``/v2/country?format=json&per_page=400`` (``capitalCity``, ``latitude``, ``longitude`` as strings): one page
for every economy, asked for with every run of the source; an answer like the stored one writes nothing.
Aggregates (``region.value`` "Aggregates") and economies without coordinates are skipped.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from tracker import countries
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import validate
from tracker.sources.base import MAX_FOLLOW_UPS, FetchScope, Parsed, Quarantine, load_json
from tracker.sources.values import json_number
from tracker.tables import CAPITAL, MACRO

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE: Final = "worldbank"
PER_PAGE: Final = 1000
ALL_COUNTRIES: Final = 266  # about what "all" answers: the economies and the aggregates
COUNTRIES_PER_PAGE: Final = 400  # the World Bank lists about 300 economies and aggregates: one page
# Indicator id -> unit stored in `macro.unit` (the API's own `unit` field is usually empty).
INDICATORS: Final = {
    "NY.GDP.MKTP.CD": "USD",
    "SP.POP.TOTL": "persons",
    "IT.NET.USER.ZS": "% of population",
    "TM.VAL.MRCH.CD.WT": "USD",
}
# The World Bank's aggregate "countries" (regions, income and lending groups); WLD and EUU are in our reference.
WB_AGGREGATES: Final = frozenset({
    "AFE", "AFW", "ARB", "CEB", "CSS", "EAP", "EAR", "EAS", "ECA", "ECS", "EMU", "EUU", "FCS", "HIC", "HPC",
    "IBD", "IBT", "IDA", "IDB", "IDX", "INX", "LAC", "LCN", "LDC", "LIC", "LMC", "LMY", "LTE", "MEA", "MIC",
    "MNA", "NAC", "OED", "OSS", "PRE", "PSS", "PST", "SAS", "SSA", "SSF", "SST", "TEA", "TEC", "TLA", "TMN",
    "TSA", "TSS", "UMC", "WLD",
})


class WorldBankFetcher:
    """plan → (client) → parse for the World Bank; ``follow_up`` follows the pages."""

    source_id = SOURCE

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Nothing to load."""

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        years = scope.years_for(settings)
        markets = ";".join(dict.fromkeys(settings.partners + settings.reporters)) or "all"
        return [*(self.request(indicator, markets, min(years), max(years), 1) for indicator in INDICATORS),
                capitals_request()]

    def most_follow_ups(self, request: Request) -> int:
        """Pages 2..N a first page may call for: every country (``ALL_COUNTRIES`` for "all") × year / page size."""
        if dict(request.params).get("page") != "1":
            return 0
        markets = request.path.split("/country/")[1].split("/")[0]
        countries = ALL_COUNTRIES if markets == "all" else len(markets.split(";"))
        return math.ceil(countries * len(request.periods) / PER_PAGE) - 1

    def request(self, indicator: str, markets: str, first: int, last: int, page: int) -> Request:
        return Request(
            source=SOURCE,
            path=f"/v2/country/{markets}/indicator/{indicator}",
            params=(("format", "json"), ("date", f"{first}:{last}"), ("per_page", str(PER_PAGE)),
                    ("page", str(page))),
            table=MACRO.name,
            cursor=f"{indicator}/{markets}/{first}:{last}/page{page}",
            periods=tuple(str(year) for year in range(first, last + 1)),
        )

    def follow_up(self, request: Request, body: bytes) -> list[Request]:
        """Pages 2..N, asked for once, from page 1's metadata, which must add up (PayloadError otherwise).

        ``pages`` must be ``ceil(total / per_page)`` and the page may hold at most ``per_page`` records: a
        page count that disagrees with the totals would queue requests for pages that do not exist.
        """
        params = dict(request.params)
        if params.get("page") != "1":
            return []
        try:
            payload = json.loads(body)
            meta = payload[0]
            pages, per_page, total = (int(meta[name]) for name in ("pages", "per_page", "total"))
        except (ValueError, LookupError, TypeError):
            return []  # not a page (an error message, a malformed body): parse reports it
        if pages <= 1:
            return []  # nothing to follow (an empty answer says pages 0, per_page 0)
        records = payload[1] if len(payload) > 1 and isinstance(payload[1], list) else []
        if per_page <= 0 or total < 0 or pages != -(-total // per_page) or len(records) > per_page:
            raise PayloadError(SOURCE, f"page 1 does not add up: pages={pages}, per_page={per_page}, "
                               f"total={total}, {len(records)} records on the page")
        if pages - 1 > MAX_FOLLOW_UPS:
            raise PayloadError(SOURCE, f"page 1 says there are {pages:,} pages; at most {MAX_FOLLOW_UPS + 1} are "
                               "followed (ask for fewer years or markets)")
        indicator = request.path.rsplit("/", 1)[-1]
        markets = request.path.split("/")[3]
        first, last = (int(year) for year in params["date"].split(":"))
        return [self.request(indicator, markets, first, last, page) for page in range(2, pages + 1)]

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        """Macro rows; a malformed record is skipped and counted (``Quarantine``), the others are kept."""
        if request.table == CAPITAL.name:
            return parse_capitals(body, fetched_at)
        records = _decode(body)
        known = countries.known_iso3()
        quarantine = Quarantine(SOURCE, "record")
        rows: list[dict[str, Any]] = []
        unknown: set[str] = set()
        for index, record in enumerate(records):
            quarantine.read += 1
            try:
                row = _row(index, record, known, unknown, fetched_at)
            except PayloadError as exc:
                quarantine.skip(exc)
                continue
            if row is not None:
                rows.append(row)
        frame = pl.DataFrame(rows, schema=MACRO.polars_schema) if rows else MACRO.empty()
        return quarantine.parsed(validate(MACRO, quarantine.keep_valid(MACRO.name, frame)), sorted(unknown))


def _row(index: int, record: Any, known: frozenset[str], unknown: set[str],
         fetched_at: datetime) -> dict[str, Any] | None:
    """One macro row; None for rows not kept (aggregates, unknown codes, null values); PayloadError if malformed."""
    where = f"record {index}"
    if not isinstance(record, dict):
        raise PayloadError(SOURCE, f"{where} is a {type(record).__name__}, expected an object")
    try:
        iso3, year, raw_value = record["countryiso3code"], record["date"], record["value"]
        indicator = record["indicator"]["id"]
    except (KeyError, TypeError) as exc:
        raise PayloadError(SOURCE, f"{where} lacks the field {exc}") from exc
    if not isinstance(iso3, str):
        raise PayloadError(SOURCE, f"{where}: countryiso3code is {iso3!r}, expected a string")
    if iso3 not in known:
        if iso3 and iso3 not in WB_AGGREGATES:
            unknown.add(iso3)
        return None
    value = json_number(raw_value, "value", SOURCE, where)
    if value is None:
        return None
    if not (isinstance(year, str) and len(year) == 4 and year.isdigit()):
        raise PayloadError(SOURCE, f"{where}: date is {year!r}, expected a year YYYY")
    return {
        "source": SOURCE,
        "indicator": indicator,
        "indicator_label": record["indicator"].get("value"),
        "market": iso3,
        "period": year,
        "year": int(year),
        "value": value,
        "unit": INDICATORS.get(indicator) or record.get("unit") or "",
        "fetched_at": fetched_at,
    }


def capitals_request() -> Request:
    """The country list with capitals and their coordinates (no page parameter: one page holds it all)."""
    return Request(source=SOURCE, path="/v2/country", params=(("format", "json"),
                   ("per_page", str(COUNTRIES_PER_PAGE))), table=CAPITAL.name, cursor="country/capitals")


def parse_capitals(body: bytes, fetched_at: datetime) -> Parsed:
    """Capital coordinates of the economies our reference knows; aggregates and blank coordinates skipped."""
    known = countries.known_iso3()
    rows: list[dict[str, Any]] = []
    unknown: set[str] = set()
    for index, record in enumerate(_decode(body)):
        where = f"country record {index}"
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise PayloadError(SOURCE, f"{where} is not an object with an id")
        iso3, region = record["id"], record.get("region")
        if isinstance(region, dict) and str(region.get("value", "")).strip() == "Aggregates":
            continue
        if iso3 not in known:
            if iso3 not in WB_AGGREGATES:
                unknown.add(iso3)
            continue
        latitude = _coordinate(record.get("latitude"), 90.0)
        longitude = _coordinate(record.get("longitude"), 180.0)
        if latitude is None or longitude is None:
            continue  # no capital coordinates for this economy: its distances are flagged, not guessed
        city = record.get("capitalCity")
        rows.append({"source": SOURCE, "market": iso3, "capital_city": (city.strip() or None)
                     if isinstance(city, str) else None, "latitude": latitude, "longitude": longitude,
                     "fetched_at": fetched_at})
    frame = pl.DataFrame(rows, schema=CAPITAL.polars_schema) if rows else CAPITAL.empty()
    return Parsed(validate(CAPITAL, frame), sorted(unknown))


def _coordinate(value: object, bound: float) -> float | None:
    """A coordinate the API writes as a string ("12.5167"); None when blank, not a number or out of range."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if -bound <= number <= bound else None


def _decode(body: bytes) -> list[Any]:
    """The records of a page: [] for an empty answer, PayloadError for an error message or a wrong shape."""
    payload = load_json(body, SOURCE)
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], dict):
        raise PayloadError(SOURCE, "answer is not the [metadata, records] list the API promises")
    if "message" in payload[0]:
        messages = payload[0]["message"]
        text = "; ".join(
            f"{item.get('key', '?')}: {item.get('value', '')}".strip() for item in messages if isinstance(item, dict)
        ) if isinstance(messages, list) else str(messages)
        raise PayloadError(SOURCE, f"the API reported an error: {text[:200]}")
    if len(payload) < 2:
        raise PayloadError(SOURCE, "answer has metadata but no records element")
    records = payload[1]
    if records is None:
        return []
    if not isinstance(records, list):
        raise PayloadError(SOURCE, f"records are a {type(records).__name__}, expected a list")
    return records
