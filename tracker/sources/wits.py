"""WITS TRAINS (World Bank / UNCTAD): the tariffs each market applies, per HS6 code, MFN and preferential.

No key. Data may be used freely but not sold; it is fetched at run time and never shipped. TRAINS holds
no extra duties (US Section 301/232, anti-dumping), so neither does the ``tariff`` table.

Choices recorded here so they are not rediscovered:

* Requests: for each year (the newest first) and market (``reporters``, or ``--reporters``, in the order
  given: the shipped config lists the largest markets first), one request whose partners are ``;``-joined:
  ``000`` (the MFN rate: WITS gives MFN only there) and each tracked exporter (``partners``, by default the
  scope's home exporter and competitors; PRF only). A partner that is the market itself, or an EU member when
  the market is the EU, is skipped: it pays no tariff there. An EU member given as a market is the EU
  (918 → ``EUU``). Each series of the answer names its partner, which is stored with its rows.
* Products: WITS takes HS6 codes (``;``-joined) or ``all``. When every code of the scope is HS6 they are
  asked for in chunks of ``PRODUCTS_PER_REQUEST``; a group defined at HS2/HS4 needs every HS6 under it,
  which the project has no nomenclature for, so the request asks for ``all`` products of that market,
  partner and year and the parser keeps the codes under the scope's prefixes. The prefixes are part of
  the cursor (``year/market/partners/datatype/codes``, partners ``+``-joined), which is how ``parse`` knows them.
* ``datatype=aveestimated`` first (specific duties count through UNCTAD's ad-valorem equivalents); for the
  partners it has no records of, ``follow_up`` asks once with ``reported``. Rows say which one they came from.
* Answers: SDMX-JSON. An HTTP 404 (or 200) whose body is the SDMX-ML ``NoRecordsFound`` message (or SDMX
  error code 100, ``tracker.sources.sdmx``) is an empty answer (a partner without a preference). A
  ``<wits:error>`` body, sent with HTTP 200, or any body that does not parse is a PayloadError: nothing is
  written and the runner logs it. A malformed series among good ones (the real US schedule of 2017 holds
  one, 271000, with empty line counts) is skipped and counted, and the others are stored (``Quarantine``).
  "Large data" (or HTTP 413 "Request Entity Too Large") is answered by splitting the request
  (``follow_up``; the halves replace it): its partners first, then its list of products.
* Series keys: ``structure.dimensions.series`` lists FREQ, REPORTER, PARTNER, PRODUCTCODE, DATATYPE, but
  real answers put the product in slot 2 and the partner in slot 3. The slot of each dimension is read
  from the data: ``keyPosition`` when given, else the order under which every key decodes to the reporter,
  partner and HS6 products that were asked for. Observation attributes are indexes into
  ``structure.attributes.observation[i].values``, whose ids are strings. PREF is read as PRF.
* A code whose lines are all non-ad-valorem has no average (null rates), never a 0 %.
"""

from __future__ import annotations

import functools
import itertools
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from tracker.countries import EU27, from_iso3, is_known_iso3, to_iso3
from tracker.errors import CountryCodeError, PayloadError, TrackerError
from tracker.request import Request
from tracker.schemas import validate
from tracker.sources import sdmx
from tracker.sources.base import FetchScope, Parsed, Quarantine, load_json, preview
from tracker.sources.values import json_number
from tracker.tables import TARIFF

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE: Final = "wits"
DATA_PATH: Final = "/API/V1/SDMX/V21/datasource/TRN"
MFN_PARTNER: Final = "WLD"  # WITS partner 000
PREFERRED_DATATYPE: Final = "aveestimated"
FALLBACK_DATATYPE: Final = "reported"
PRODUCTS_PER_REQUEST: Final = 40  # HS6 codes joined in one request: short URLs, small answers
NOT_FOUND: Final = 404  # WITS's "NoRecordsFound" status: an empty answer
TOO_LARGE: Final = 413  # "Request Entity Too Large": the body goes to follow_up, which splits the request
TARIFF_TYPES: Final = {"MFN": "MFN", "PRF": "PRF", "PREF": "PRF"}
KEY_DIMENSIONS: Final = ("REPORTER", "PARTNER", "PRODUCTCODE")
WITS_MESSAGE: Final = re.compile(r"<(?:\w+:)?message[^>]*>(.*?)</(?:\w+:)?message>", re.IGNORECASE | re.DOTALL)


def market_for(iso3: str) -> str:
    """The market that sets ``iso3``'s tariff: the EU (EUU) for its members, else the country itself."""
    return "EUU" if iso3 in EU27 else iso3


class WitsFetcher:
    """plan → (client) → parse for WITS TRAINS; ``follow_up`` falls back to reported data and splits."""

    source_id = SOURCE

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Nothing to load."""

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        """One request per year (newest first), market and product chunk, partners joined, aveestimated."""
        markets = list(dict.fromkeys(market_for(iso3) for iso3 in scope.reporters_for(settings)))
        if MFN_PARTNER in markets:
            raise TrackerError(f"{SOURCE}: WLD is not a market that applies tariffs; name countries, or EUU for the EU")
        codes = scope.hs_codes
        size = PRODUCTS_PER_REQUEST
        chunks = ([list(codes[start:start + size]) for start in range(0, len(codes), size)]
                  if all(len(code) == 6 for code in codes) else [["all", *codes]])
        requests: list[Request] = []
        for year in sorted(scope.years_for(settings), reverse=True):
            for market in markets:
                partners = [MFN_PARTNER, *(p for p in settings.partners if p != market and p != MFN_PARTNER
                                           and not (market == "EUU" and p in EU27))]
                for chunk in chunks:
                    requests.append(self.request(market, list(dict.fromkeys(partners)), year, PREFERRED_DATATYPE,
                                                 chunk))
        return requests

    def most_follow_ups(self, request: Request) -> int:
        """One ``reported`` request for the partners an ``aveestimated`` answer has no records of (splits aside)."""
        return 1 if request.cursor.split("/")[3] == PREFERRED_DATATYPE else 0

    def request(self, market: str, partners: list[str], year: int, datatype: str, products: list[str],
                replaces: str | None = None) -> Request:
        """``products`` is a list of HS6 codes, or ``["all", prefix, ...]``: all products, kept by prefix."""
        asked = "all" if products[0] == "all" else ";".join(products)
        codes = products[1:] if products[0] == "all" else products
        partner_key = ";".join(from_iso3(SOURCE, partner) for partner in partners)
        return Request(
            source=SOURCE,
            path=(f"{DATA_PATH}/reporter/{from_iso3(SOURCE, market)}/partner/{partner_key}"
                  f"/product/{asked}/year/{year}/datatype/{datatype}"),
            params=(("format", "JSON"),),
            table=TARIFF.name,
            cursor=(f"{year}/{market}/{'+'.join(partners)}/{datatype}/{'all:' if asked == 'all' else ''}"
                    f"{'+'.join(codes)}"),
            periods=(str(year),),
            replaces=replaces,
            answer_statuses=(NOT_FOUND, TOO_LARGE),
        )

    def follow_up(self, request: Request, body: bytes) -> list[Request]:
        """``reported`` for partners ``aveestimated`` has no records of; halves of a request WITS finds too large."""
        year, market, partners, datatype, products = _cursor(request)
        if _is_too_large(body):
            if len(partners) > 1:
                half = len(partners) // 2
                return [self.request(market, part, year, datatype, products, replaces=request.cursor)
                        for part in (partners[:half], partners[half:])]
            if products[0] != "all" and len(products) > 1:
                half = len(products) // 2
                return [self.request(market, partners, year, datatype, part, replaces=request.cursor)
                        for part in (products[:half], products[half:])]
            return []
        if datatype != PREFERRED_DATATYPE:
            return []
        if _is_no_records(body):
            return [self.request(market, partners, year, FALLBACK_DATATYPE, products)]
        if _is_xml(body):
            return []
        try:
            present = _Answer(_json(body), asked={"REPORTER": [market], "PARTNER": partners}).partners()
        except PayloadError:
            return []  # parse reports what is wrong
        missing = [partner for partner in partners if partner not in present]
        return [self.request(market, missing, year, FALLBACK_DATATYPE, products)] if missing else []

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        """Tariff rows; a malformed series is skipped and counted (``Quarantine``), the others are kept."""
        _, market, partners, _, products = _cursor(request)
        if _is_xml(body):
            if _is_no_records(body):
                return Parsed(TARIFF.empty())
            raise PayloadError(SOURCE, _xml_problem(body, partners, products))
        answer = _Answer(_json(body), asked={"REPORTER": [market], "PARTNER": partners})
        prefixes = tuple(products[1:] if products[0] == "all" else products)
        quarantine = Quarantine(SOURCE, "series")
        rows: list[dict[str, Any]] = []
        for where, key, series in answer.series_items():  # every series is read: the skipped share is the answer's
            quarantine.read += 1
            try:
                series_rows = self._series_rows(answer, where, key, series, request, fetched_at)
            except PayloadError as exc:
                quarantine.skip(exc)
                continue
            if key["PRODUCTCODE"].startswith(prefixes):
                rows.extend(series_rows)
        frame = pl.DataFrame(rows, schema=TARIFF.polars_schema) if rows else TARIFF.empty()
        return quarantine.parsed(validate(TARIFF, quarantine.keep_valid(TARIFF.name, frame)))

    @staticmethod
    def _series_rows(answer: _Answer, where: str, key: dict[str, str], series: Any, request: Request,
                     fetched_at: datetime) -> list[dict[str, Any]]:
        """The rows of one series; PayloadError naming the series when any of its observations is malformed."""
        year, market, _, datatype, _ = _cursor(request)
        rows = []
        for observation_where, values in answer.observations(where, series):
            if values["year"] != year:
                raise PayloadError(SOURCE, f"{observation_where}: TIME_PERIOD {values['year']} is not the year "
                                   f"asked ({year})")
            tariff_type = values["tariff_type"]
            partner = _iso3(key["PARTNER"])
            if (tariff_type == "MFN") != (partner == MFN_PARTNER):
                raise PayloadError(SOURCE, f"{observation_where}: TARIFFTYPE {tariff_type} with partner "
                                   f"{key['PARTNER']}: MFN comes only with partner 000, and a bilateral partner "
                                   "only with PRF")
            rows.append({
                "source": SOURCE,
                "market": market,  # every series key names the market and a partner asked for (``_Answer._slots``)
                "partner": partner,
                "hs_code": key["PRODUCTCODE"],
                "year": year,
                "tariff_type": tariff_type,
                "datatype": datatype,
                "avg_rate_pct": values["avg"],
                "min_rate_pct": values["min"],
                "max_rate_pct": values["max"],
                "lines": values["lines"],
                "non_ad_valorem_lines": values["na_lines"],
                "hs_revision": values["nomenclature"],
                "provenance": "estimated" if datatype == PREFERRED_DATATYPE else "reported",
                "fetched_at": fetched_at,
            })
        return rows


def _cursor(request: Request) -> tuple[int, str, list[str], str, list[str]]:
    """year, market, partners, datatype and products (``["all", prefix, ...]`` or HS6 codes) of a request."""
    year, market, partners, datatype, codes = request.cursor.split("/")
    if codes.startswith("all:"):
        return int(year), market, partners.split("+"), datatype, ["all", *codes[4:].split("+")]
    return int(year), market, partners.split("+"), datatype, codes.split("+")


@functools.lru_cache(maxsize=1)
def _json(body: bytes) -> Any:
    """The decoded body; cached for the last body because the runner calls ``follow_up`` then ``parse`` on it.

    Callers only read the result, never change it. A body that is not JSON raises each time (not cached).
    """
    return load_json(body, SOURCE)


def _is_too_large(body: bytes) -> bool:
    """WITS's "return large data" error, or an HTTP 413 page: the request must be split."""
    start = body[:4096].decode("utf-8", errors="replace").lower()
    return (_is_xml(body) and "large data" in start) or "entity too large" in start


def _is_xml(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _is_no_records(body: bytes) -> bool:
    """The SDMX-ML error WITS sends (with HTTP 404) when nothing matches: an empty answer."""
    return _is_xml(body) and sdmx.is_no_data(body)


def _xml_problem(body: bytes, partners: list[str], products: list[str]) -> str:
    """What an XML body says: WITS's own error message (sent with HTTP 200), or that it is not SDMX-JSON."""
    text = body.decode("utf-8", errors="replace")
    messages = [re.sub(r"<[^>]+>|\s+", " ", message).strip() for message in WITS_MESSAGE.findall(text)]
    if "wits:error" in text.lower() or messages:
        detail = "; ".join(message for message in messages if message) or preview(body, 160)
        hint = ""
        if "large data" in detail.lower() and len(partners) > 1:
            hint = " (the partners are split and asked for again)"
        elif "large data" in detail.lower() and products[0] == "all":
            hint = " (the request asked for all products: list the group's HS6 codes in product_groups.toml)"
        elif "large data" in detail.lower() and len(products) > 1:
            hint = " (the product list is split and asked for again)"
        return f"WITS reported an error: {detail[:300]}{hint}"
    return f"expected SDMX-JSON, got XML that is not an answer: {preview(body, 120)!r}"


class _Answer:
    """An SDMX-JSON data message read strictly: every missing or mistyped part is a PayloadError naming it."""

    def __init__(self, payload: Any, asked: dict[str, list[str]]) -> None:
        self.asked = asked
        structure = _field(payload, "structure", dict, "the answer")
        data_sets = _field(payload, "dataSets", list, "the answer")
        if not data_sets:
            raise PayloadError(SOURCE, "dataSets is empty")
        self.series: dict[str, Any] = _field(data_sets[0], "series", dict, "dataSets[0]")
        dimensions = _field(structure, "dimensions", dict, "structure")
        self.dimensions = [_dimension(item, f"structure.dimensions.series[{index}]")
                           for index, item in enumerate(_field(dimensions, "series", list, "structure.dimensions"))]
        ids = [dimension[0] for dimension in self.dimensions]
        missing = [name for name in KEY_DIMENSIONS if name not in ids]
        if missing:
            raise PayloadError(SOURCE, f"structure.dimensions.series lacks {missing} (has {ids})")
        time = _field(dimensions, "observation", list, "structure.dimensions")
        self.periods = _dimension(time[0], "structure.dimensions.observation[0]")[1] if time else []
        attributes = _field(_field(structure, "attributes", dict, "structure"), "observation", list,
                            "structure.attributes")
        self.attributes = [_dimension(item, f"structure.attributes.observation[{index}]")
                           for index, item in enumerate(attributes)]
        self.slots = self._slots()

    def _slots(self) -> dict[str, int]:
        """Each dimension's slot in the series keys: keyPosition if given, else the order that fits the data."""
        keys = [self._split_key(key) for key in self.series]
        count = len(self.dimensions)
        orders: list[tuple[int, ...]] = []
        positions = [position for _, _, position in self.dimensions]
        given = [p for p in positions if isinstance(p, int)]
        if len(given) == count and sorted(given) == list(range(count)):
            orders.append(tuple(given))
        orders.append(tuple(range(count)))
        orders.extend(itertools.permutations(range(count)))
        for order in orders:
            if all(self._fits(order, key) for key in keys):
                return {name: order[index] for index, (name, _, _) in enumerate(self.dimensions)}
        shown = ", ".join(list(self.series)[:3])
        raise PayloadError(SOURCE, f"no order of the series dimensions {[d[0] for d in self.dimensions]} decodes "
                           f"the keys ({shown}) to the reporter and partner asked for "
                           f"({'+'.join(self.asked['REPORTER'])}, {'+'.join(self.asked['PARTNER'])}) and HS6 "
                           "products")

    def partners(self) -> set[str | None]:
        """The partners (ISO3) the answer's series name."""
        slot = self.slots["PARTNER"]
        values = next(values for name, values, _ in self.dimensions if name == "PARTNER")
        return {_iso3(values[self._split_key(key)[slot]]) for key in self.series}

    def _split_key(self, key: str) -> list[int]:
        parts = key.split(":")
        if len(parts) != len(self.dimensions) or not all(part.isdigit() for part in parts):
            raise PayloadError(SOURCE, f"series key {key!r} is not {len(self.dimensions)} indexes joined by ':'")
        return [int(part) for part in parts]

    def _fits(self, order: tuple[int, ...], key: list[int]) -> bool:
        """Whether ``key`` read with dimension i in slot ``order[i]`` names what was asked for."""
        for (name, values, _), slot in zip(self.dimensions, order, strict=True):
            if key[slot] >= len(values):
                return False
            value = values[key[slot]]
            if name in self.asked and _iso3(value) not in self.asked[name]:
                return False
            if name == "PRODUCTCODE" and not re.fullmatch(r"\d{6}", value):
                return False
        return True

    def series_items(self) -> list[tuple[str, dict[str, str], Any]]:
        """(where, series dimension values by id, the series object) for every series."""
        found = []
        for key, series in self.series.items():
            indexes = self._split_key(key)
            values = {name: dim_values[indexes[self.slots[name]]] for name, dim_values, _ in self.dimensions}
            found.append((f"series {key} ({values['PRODUCTCODE']})", values, series))
        return found

    def observations(self, where: str, series: Any) -> list[tuple[str, dict[str, Any]]]:
        """(where, observation values) for every observation of one series."""
        observations = _field(series, "observations", dict, where)
        return [(f"{where} observation {time_index}",
                 self._observation(f"{where} observation {time_index}", time_index, observation))
                for time_index, observation in observations.items()]

    def _observation(self, where: str, time_index: str, observation: Any) -> dict[str, Any]:
        if not isinstance(observation, list) or not observation:
            raise PayloadError(SOURCE, f"{where} is {observation!r}, expected [OBS_VALUE, attribute indexes...]")
        if not (time_index.isdigit() and int(time_index) < len(self.periods)):
            raise PayloadError(SOURCE, f"{where}: time index {time_index} is not in structure.dimensions.observation")
        period = self.periods[int(time_index)]
        if not re.fullmatch(r"\d{4}", period):
            raise PayloadError(SOURCE, f"{where}: TIME_PERIOD {period!r} is not a year")
        attributes: dict[str, str | None] = {}
        for position, (name, values, _) in enumerate(self.attributes):
            index = observation[position + 1] if position + 1 < len(observation) else None
            if index is None:
                attributes[name] = None
            elif isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(values):
                raise PayloadError(SOURCE, f"{where}: attribute {name} index {index!r} is not one of its "
                                   f"{len(values)} value(s)")
            else:
                attributes[name] = values[index]
        raw_type = attributes.get("TARIFFTYPE")
        if raw_type is None or raw_type.upper() not in TARIFF_TYPES:
            raise PayloadError(SOURCE, f"{where}: TARIFFTYPE is {raw_type!r}, expected MFN, PRF or PREF")
        lines = _count(attributes, "TOTALNOOFLINES", where)
        na_lines = _count(attributes, "NBR_NA_LINES", where) or 0
        if lines is None:
            raise PayloadError(SOURCE, f"{where}: TOTALNOOFLINES is missing")
        if na_lines > lines:
            raise PayloadError(SOURCE, f"{where}: NBR_NA_LINES {na_lines} exceeds TOTALNOOFLINES {lines}")
        average = _obs_value(observation[0], where)
        ad_valorem = lines > na_lines  # with no ad-valorem line, WITS's 0 is no average at all
        return {
            "year": int(period),
            "tariff_type": TARIFF_TYPES[raw_type.upper()],
            "avg": average if ad_valorem else None,
            "min": _rate(attributes, "MIN_RATE", where) if ad_valorem else None,
            "max": _rate(attributes, "MAX_RATE", where) if ad_valorem else None,
            "lines": lines,
            "na_lines": na_lines,
            "nomenclature": attributes.get("NOMENCODE"),
        }


def _iso3(code: str) -> str | None:
    """A WITS country code (``840``, ``36``, ``918``, ``000``), or an ISO3 code, as ISO3; None if unknown."""
    if code.isdigit():
        try:
            return to_iso3(SOURCE, code)
        except CountryCodeError:
            return None
    return code if is_known_iso3(code) else None


def _field(container: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(container, dict):
        raise PayloadError(SOURCE, f"{where} is a {type(container).__name__}, expected an object with {name!r}")
    if name not in container:
        raise PayloadError(SOURCE, f"{where} lacks {name!r} (not the SDMX-JSON data message WITS sends)")
    value = container[name]
    if not isinstance(value, kind):
        raise PayloadError(SOURCE, f"{where}.{name} is a {type(value).__name__}, expected a {kind.__name__}")
    return value


def _dimension(item: Any, where: str) -> tuple[str, list[str], object]:
    """(id, value ids as strings, keyPosition or None) of a dimension or attribute."""
    name = _field(item, "id", str, where)
    values = _field(item, "values", list, where)
    ids = []
    for index, value in enumerate(values):
        code = value.get("id") if isinstance(value, dict) else None
        if not isinstance(code, str):
            raise PayloadError(SOURCE, f"{where} ({name}) values[{index}] has no string id: {value!r}")
        ids.append(code)
    return name, ids, item.get("keyPosition")


def _obs_value(value: object, where: str) -> float | None:
    """OBS_VALUE: a JSON number, or a plain decimal in a string (SDMX-JSON allows both); anything else refused."""
    if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value.strip()):
        return float(value)
    return json_number(value, "OBS_VALUE", SOURCE, where)


def _count(attributes: dict[str, str | None], name: str, where: str) -> int | None:
    text = attributes.get(name)
    if text is None:
        return None
    if not text.strip().isdigit():
        raise PayloadError(SOURCE, f"{where}: {name} is {text!r}, expected a whole number")
    return int(text)


def _rate(attributes: dict[str, str | None], name: str, where: str) -> float | None:
    text = attributes.get(name)
    if text is None or not text.strip():
        return None
    if not re.fullmatch(r"\d+(\.\d+)?", text.strip()):
        raise PayloadError(SOURCE, f"{where}: {name} is {text!r}, expected a non-negative rate in %")
    return float(text)
