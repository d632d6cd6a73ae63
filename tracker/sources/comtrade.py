"""UN Comtrade API v1: goods trade of every reporter by HS code, annual or monthly.

Without a key the keyless preview (``/public/v1/preview/C/{A|M}/HS``, at most 500 records per call) is
used; with ``COMTRADE_API_KEY`` set, ``/data/v1/get/C/{A|M}/HS`` (up to 100 000). Comtrade has no
pagination, so ``plan`` sizes each call below the cap, and an answer that still reaches the cap is treated
as truncated: ``follow_up`` replaces it with halves (``split``).

Sizing: a call's rows are estimated as reporters × periods × codes × partners (``ALL_PARTNERS_ESTIMATE``
when every partner is asked for, itself an over-estimate: few products reach 250 partners). ``reporterCode``,
``period`` and ``cmdCode`` take comma lists. The keyed endpoint plans at most half its cap
(``KEYED_TARGET`` = 50,000 rows): every code of several reporters for one year in one call (two reporters
with the shipped groups). The preview's 500 records allow 2 codes of one reporter-year per call. Calls go
newest year first, reporters in the configured order (the shipped config lists the largest traders first).

Only aggregate rows are asked for and kept (``partner2Code=0``, ``customsCode=C00``, ``motCode=0``),
which is what market shares need. ``includeDesc`` is not sent (the preview spec does not list it), so
``*ISO``/``*Desc`` fields may be null: countries are mapped from the numeric codes via our reference.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from tracker import countries
from tracker.errors import PayloadError
from tracker.request import Request
from tracker.schemas import validate
from tracker.sources.base import FetchScope, Parsed, Quarantine, load_json
from tracker.sources.values import json_number, json_text
from tracker.tables import TRADE

if TYPE_CHECKING:
    from tracker.config import SourceSettings
    from tracker.http import HttpClient

SOURCE: Final = "comtrade"
PREVIEW_CAP: Final = 500
KEYED_CAP: Final = 100_000
KEYED_TARGET: Final = KEYED_CAP // 2  # estimated rows one keyed call may ask for: well below the cap
ALL_PARTNERS_ESTIMATE: Final = 250  # Comtrade's partner list has ~240 current areas plus a margin
FLOW_CODES: Final = {"import": "M", "export": "X"}
FLOWS: Final = {"X": "export", "M": "import", "RX": "re_export", "RM": "re_import"}
RCA_DENOMINATOR: Final = "TOTAL"
NO_QUANTITY: Final = (0.0, -1.0)  # qty markers for "not reported"
NO_WEIGHT: Final = (0.0,)
NO_UNIT: Final = ("", "N/A", "-1")
# Fields every kept record must have: a record without one is a broken answer, never an empty one.
REQUIRED_FIELDS: Final = ("flowCode", "period", "reporterCode", "partnerCode", "cmdCode", "primaryValue")


def _path(keyed: bool, frequency: str) -> str:
    return f"/data/v1/get/C/{frequency}/HS" if keyed else f"/public/v1/preview/C/{frequency}/HS"


def cap_for(request: Request) -> int:
    """The record cap of the endpoint a request goes to."""
    return PREVIEW_CAP if request.path.startswith("/public/") else KEYED_CAP


def _api_period(period: str) -> str:
    """Our ``2023-01`` is Comtrade's ``202301``."""
    return period.replace("-", "")


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[start:start + size] for start in range(0, len(values), size)]


class ComtradeFetcher:
    """plan → (client) → parse for Comtrade; ``split``/``follow_up`` handle answers at the record cap."""

    source_id = SOURCE

    def prepare(self, client: HttpClient, settings: SourceSettings) -> None:
        """Nothing to load: country codes come from our reference."""

    def plan(self, settings: SourceSettings, scope: FetchScope) -> list[Request]:
        """Calls sized below the record cap (see the module docstring), newest year first."""
        keyed = settings.api_key() is not None
        target = KEYED_TARGET if keyed else PREVIEW_CAP
        codes = [*scope.hs_codes, RCA_DENOMINATOR]
        partners = [countries.from_iso3(SOURCE, iso3) for iso3 in settings.partners]
        partner_count = len(partners) or ALL_PARTNERS_ESTIMATE
        reporters = list(scope.reporters_for(settings))
        requests: list[Request] = []
        for year in sorted(scope.years_for(settings), reverse=True):
            for frequency in settings.frequencies:
                periods = [str(year)] if frequency == "A" else [f"{year}-{m:02d}" for m in range(1, 13)]
                per_reporter = len(periods) * len(codes) * partner_count  # rows of one reporter's call
                for flow in settings.flows:
                    if per_reporter <= target:
                        for reporter_chunk in _chunks(reporters, target // per_reporter):
                            requests.append(self.request(keyed, frequency, reporter_chunk, flow, periods, codes,
                                                         partners))
                        continue
                    for reporter in reporters:
                        per_call = max(1, min(len(periods), target // partner_count))
                        for period_chunk in _chunks(periods, per_call):
                            codes_per_call = max(1, target // (partner_count * len(period_chunk)))
                            for code_chunk in _chunks(codes, codes_per_call):
                                requests.append(self.request(keyed, frequency, [reporter], flow, period_chunk,
                                                             code_chunk, partners))
        return requests

    def request(
        self, keyed: bool, frequency: str, reporters: list[str], flow: str, periods: list[str], codes: list[str],
        partners: list[str],
    ) -> Request:
        """One call; ``reporters`` are ISO3, ``periods`` ours (YYYY or YYYY-MM), ``partners`` Comtrade codes."""
        params: list[tuple[str, str]] = [
            ("reporterCode", ",".join(countries.from_iso3(SOURCE, reporter) for reporter in reporters)),
            ("period", ",".join(_api_period(p) for p in periods)),
        ]
        if partners:
            params.append(("partnerCode", ",".join(partners)))
        params += [
            ("partner2Code", "0"),
            ("cmdCode", ",".join(codes)),
            ("flowCode", FLOW_CODES[flow]),
            ("customsCode", "C00"),
            ("motCode", "0"),
        ]
        if keyed:
            params.append(("maxRecords", str(KEYED_CAP)))
        partner_note = "+".join(partners) if partners else "all"
        return Request(
            source=SOURCE,
            path=_path(keyed, frequency),
            params=tuple(params),
            table=TRADE.name,
            cursor=(f"{frequency}/{'+'.join(reporters)}/{flow}/{'+'.join(periods)}/{'+'.join(codes)}/"
                    f"{partner_note}"),
            periods=tuple(periods),
        )

    def split(self, request: Request) -> list[Request]:
        """Two smaller requests covering ``request``: halve the reporters, then the codes, then the periods."""
        params = dict(request.params)
        codes = params["cmdCode"].split(",")
        periods = list(request.periods)
        keyed = not request.path.startswith("/public/")
        frequency = request.path.split("/")[-2]
        flow = next(name for name, code in FLOW_CODES.items() if code == params["flowCode"])
        reporters = request.cursor.split("/")[1].split("+")
        partners = params["partnerCode"].split(",") if "partnerCode" in params else []
        if len(reporters) > 1:
            middle = len(reporters) // 2
            halves = [(reporters[:middle], periods, codes), (reporters[middle:], periods, codes)]
        elif len(codes) > 1:
            middle = len(codes) // 2
            halves = [(reporters, periods, codes[:middle]), (reporters, periods, codes[middle:])]
        elif len(periods) > 1:
            middle = len(periods) // 2
            halves = [(reporters, periods[:middle], codes), (reporters, periods[middle:], codes)]
        else:
            return []
        return [
            dataclasses.replace(self.request(keyed, frequency, r, flow, p, c, partners), replaces=request.cursor)
            for r, p, c in halves
        ]

    def follow_up(self, request: Request, body: bytes) -> list[Request]:
        """Smaller requests when the answer reached the record cap (Comtrade has no pages)."""
        try:
            payload = _json(body)
        except PayloadError:
            return []
        if isinstance(payload, dict) and _is_truncated(payload, cap_for(request)):
            return self.split(request)
        return []

    def parse(self, request: Request, body: bytes, fetched_at: datetime) -> Parsed:
        payload = _decode(body)
        cap = cap_for(request)
        if _is_truncated(payload, cap):
            raise PayloadError(SOURCE, f"answer truncated at the {cap}-record cap: split the request")
        quarantine = Quarantine(SOURCE, "record")
        rows = []
        for index, record in enumerate(payload["data"]):
            quarantine.read += 1
            try:
                row = _row(index, record)
            except PayloadError as exc:
                quarantine.skip(exc)
                continue
            if row is not None:
                rows.append(row)
        if not rows:
            return quarantine.parsed(TRADE.empty())
        frame = pl.DataFrame(rows, schema=_RAW_SCHEMA, orient="row")
        frame, unknown_reporters = countries.map_source_codes(frame, "reporter", SOURCE)
        frame = frame.with_columns(partner_code=pl.col("partner"))
        frame, unknown_partners = countries.map_source_codes(frame, "partner", SOURCE)
        frame = (
            frame.with_columns(_primary=pl.col("partner_code").is_in(_primary_codes()))
            .sort("_primary", descending=True, maintain_order=True)
            .unique(subset=list(TRADE.key), keep="first", maintain_order=True)
            .with_columns(
                year=pl.col("period").str.slice(0, 4).cast(pl.Int32),
                fetched_at=pl.lit(fetched_at, dtype=TRADE.polars_schema["fetched_at"]),
            )
            .select(TRADE.column_names)
        )
        unknown = sorted(set(unknown_reporters) | set(unknown_partners))
        return quarantine.parsed(validate(TRADE, quarantine.keep_valid(TRADE.name, frame)), unknown)


_RAW_SCHEMA: Final = {
    "source": pl.String, "flow": pl.String, "reporter": pl.String, "partner": pl.String, "hs_code": pl.String,
    "period": pl.String, "frequency": pl.String, "value_usd": pl.Float64, "net_weight_kg": pl.Float64,
    "quantity": pl.Float64, "quantity_unit": pl.String, "hs_revision": pl.String, "provenance": pl.String,
}


@functools.lru_cache(maxsize=1)
def _json(body: bytes) -> Any:
    """The decoded body; cached for the last body because the runner calls ``follow_up`` then ``parse`` on it.

    Callers only read the result, never change it. A body that is not JSON raises each time (not cached).
    """
    return load_json(body, SOURCE)


@functools.cache
def _primary_codes() -> tuple[str, ...]:
    """Comtrade codes that are some country's primary code in our reference: they win over alias codes.

    Cached like the reference table it comes from, so that each parse does not rebuild it.
    """
    return tuple(sorted(set(countries.country_table().get_column("comtrade_code").drop_nulls().to_list())))


def _decode(body: bytes) -> dict[str, Any]:
    """The JSON envelope, or PayloadError saying what was wrong with it."""
    payload = _json(body)
    if not isinstance(payload, dict):
        raise PayloadError(SOURCE, f"answer is a JSON {type(payload).__name__}, expected an object with 'data'")
    error = payload.get("error")
    if error:
        raise PayloadError(SOURCE, f"the API reported an error: {str(error)[:200]}")
    if not isinstance(payload.get("data"), list):
        raise PayloadError(SOURCE, "answer has no 'data' list")
    return payload


def _is_truncated(payload: dict[str, Any], cap: int) -> bool:
    data, count = payload.get("data"), payload.get("count")
    return (isinstance(data, list) and len(data) >= cap) or (isinstance(count, int) and count >= cap)


def _number(record: dict[str, Any], field: str, where: str, markers: tuple[float, ...] = ()) -> float | None:
    """A JSON number, or None for null and the source's "not reported" markers; any other type is refused."""
    number = json_number(record.get(field), field, SOURCE, where)
    return None if number in markers else number


def _period(record: dict[str, Any], where: str) -> str:
    """Comtrade's ``2023`` / ``202301`` as our ``2023`` / ``2023-01``; anything else is a PayloadError."""
    raw = record["period"]
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if len(text) == 4 and text.isdigit():
        return text
    if len(text) == 6 and text.isdigit():
        return f"{text[:4]}-{text[4:]}"
    raise PayloadError(SOURCE, f"{where}: period is {raw!r}, expected YYYY or YYYYMM")


def _code(record: dict[str, Any], field: str, where: str) -> str:
    """A country code (Comtrade sends numbers); booleans and objects are refused."""
    value = record[field]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(SOURCE, f"{where}: {field} is {value!r}, expected a country code")
    return str(value)


def _row(index: int, record: dict[str, Any]) -> tuple[object, ...] | None:
    """One canonical (pre-country-mapping) row, or None for rows we do not keep.

    Kept: the four main flows, aggregate rows only (no second partner, all customs procedures, all modes
    of transport). Quantities 0/-1 and weights 0 mean "not reported" and become null. A record lacking a
    required field, or holding a value of the wrong type, is a PayloadError naming the record and field:
    ``parse`` skips and counts it (``Quarantine``), so the attempt's fetch_log row says the answer is partial.
    """
    where = f"record {index}"
    if not isinstance(record, dict):
        raise PayloadError(SOURCE, f"{where} is a {type(record).__name__}, expected an object")
    missing = [name for name in REQUIRED_FIELDS if record.get(name) is None]
    if missing:
        raise PayloadError(SOURCE, f"{where} lacks {missing[0]}")
    flow = FLOWS.get(json_text(record["flowCode"], "flowCode", SOURCE, where) or "")
    for field in ("partner2Code", "motCode"):  # the breakdown codes we filter on: numbers (or digit strings)
        value = record.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | str)):
            raise PayloadError(SOURCE, f"{where}: {field} is {value!r}, expected a code")
    json_text(record.get("customsCode"), "customsCode", SOURCE, where)
    if flow is None:
        return None
    if record.get("partner2Code") not in (None, 0, "0"):
        return None
    if record.get("customsCode") not in (None, "C00"):
        return None
    if record.get("motCode") not in (None, 0, "0"):
        return None
    value = _number(record, "primaryValue", where)
    period = _period(record, where)
    hs_code = json_text(record["cmdCode"], "cmdCode", SOURCE, where)
    quantity = _number(record, "qty", where, NO_QUANTITY)
    unit = json_text(record.get("qtyUnitAbbr"), "qtyUnitAbbr", SOURCE, where)
    return (
        SOURCE,
        flow,
        _code(record, "reporterCode", where),
        _code(record, "partnerCode", where),
        hs_code,
        period,
        "M" if len(period) == 7 else "A",
        value,
        _number(record, "netWgt", where, NO_WEIGHT),
        quantity,
        unit if quantity is not None and unit not in NO_UNIT else None,
        json_text(record.get("classificationCode"), "classificationCode", SOURCE, where),
        "reported" if record.get("isReported") else "estimated",
    )
