"""Quarantine rows, not answers; SDMX "no data"; Eurostat's missing values.

A malformed row, record or series among good ones is skipped, counted and named in fetch_log, and the rest is
stored; past ``MAX_SKIPPED_SHARE`` the answer fails whole. HTTP 404 with SDMX error code 100 (and the Eurostat
statistics API's id 100) is an empty answer, not a failure. A value Eurostat does not publish (``:``) is missing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import client_for, comtrade_record, local_config
from tests.loopback import Server, loopback, send
from tests.wits_helpers import answer, row
from tracker.commands.fetch import format_summary
from tracker.config import Config
from tracker.errors import PayloadError
from tracker.fetch import FetchSummary, SourceSummary, run_fetch
from tracker.sources import jsonstat, sdmx
from tracker.sources.base import MAX_SKIPPED_SHARE, FetchScope, Quarantine, Request
from tracker.sources.census import CensusFetcher
from tracker.sources.comext import ComextFetcher
from tracker.sources.comtrade import ComtradeFetcher
from tracker.sources.eurostat_ecommerce import EurostatEcommerceFetcher
from tracker.sources.wits import WitsFetcher
from tracker.sources.worldbank import WorldBankFetcher
from tracker.store import Store

NOW = datetime(2025, 6, 1, tzinfo=UTC)
CODES = [f"9503{index:02d}" for index in range(21)]  # 21 HS6 series: one malformed is under 10 %, three are over
SDMX_NO_RESULTS = (b'<?xml version="1.0" encoding="UTF-8"?><mes:Error xmlns:mes="http://www.sdmx.org/resources/'
                   b'sdmxml/schemas/v2_1/message"><mes:ErrorMessage code="100"><com:Text xmlns:com="http://www.sdmx'
                   b'.org/resources/sdmxml/schemas/v2_1/common">No Results Found</com:Text></mes:ErrorMessage>'
                   b'</mes:Error>')
CSV_HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
CSV_PREFIX = "ESTAT:DS-045409(1.0),13/02/26 11:00:00,"


# ------------------------------------------------------------------ the protocol
def test_quarantine_threshold_keeps_up_to_the_share_and_refuses_beyond() -> None:
    kept = Quarantine("test")
    kept.read = 10
    kept.skip("row 3: bad")
    parsed = kept.parsed(pl.DataFrame({"a": [1]}))
    assert (parsed.skipped, parsed.read, parsed.skip_reasons) == (1, 10, ["row 3: bad"])
    assert MAX_SKIPPED_SHARE == 0.10  # docs/sources.md documents this number
    refused = Quarantine("test")
    refused.read = 10
    for index in range(2):
        refused.skip(f"row {index}: bad")
    with pytest.raises(PayloadError, match=r"2 of 10 row\(s\) malformed, more than 10%.*row 0: bad; row 1: bad"):
        refused.check()


# ------------------------------------------------------------------ WITS
def wits_answer(malformed: int) -> bytes:
    """An MFN answer for the 21 CODES whose first ``malformed`` series have empty line counts, as the real
    2017 US schedule has for 271000."""
    payload = json.loads(answer("840", "000", [row(code, "MFN", 1.5 + index, "0", "3", 2)
                                                for index, code in enumerate(CODES)]))
    attributes = [item["id"] for item in payload["structure"]["attributes"]["observation"]]
    lines = attributes.index("TOTALNOOFLINES")
    payload["structure"]["attributes"]["observation"][lines]["values"].append({"id": "", "name": ""})
    empty = len(payload["structure"]["attributes"]["observation"][lines]["values"]) - 1
    for series in list(payload["dataSets"][0]["series"].values())[:malformed]:
        series["observations"]["0"][1 + lines] = empty
    return json.dumps(payload).encode()


def wits_request(datatype: str = "aveestimated") -> Request:
    return WitsFetcher().request("USA", ["WLD"], 2023, datatype, CODES)


def test_quarantine_wits_one_malformed_series_among_good_ones_is_skipped_and_counted() -> None:
    parsed = WitsFetcher().parse(wits_request(), wits_answer(1), NOW)
    assert (parsed.frame.height, parsed.skipped, parsed.read) == (20, 1, 21)
    assert sorted(parsed.frame.get_column("hs_code")) == CODES[1:]
    assert parsed.frame.get_column("avg_rate_pct").sort().to_list() == [1.5 + index for index in range(1, 21)]
    assert parsed.skip_reasons == [f"series 0:0:0:0:0 ({CODES[0]}) observation 0: TOTALNOOFLINES is '', "
                                   "expected a whole number"]


def test_quarantine_wits_answer_with_one_malformed_series_stores_the_good_ones_and_logs_the_count(
        config: Config, store: Store) -> None:
    """The acceptance test of issue 20: the good series are stored, the skipped one is counted and named."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=wits_answer(1))

    scope = FetchScope(groups=(config.group("toys"),), reporters=("USA",), years=(2023,))
    local = local_config(config, wits={"partners": ()})
    fetcher = WitsFetcher()
    fetcher.plan = lambda settings, scope: [wits_request()]  # type: ignore[method-assign]  # the 21 codes
    summary = run_fetch(local, store, ["wits"], scope, client_factory=client_for(handler, cache=False),
                        fetchers={"wits": fetcher}, now=lambda: NOW)
    assert (summary.sources["wits"].failed, summary.sources["wits"].rows_skipped) == (0, 1)
    assert sorted(store.read("tariff").get_column("hs_code")) == CODES[1:]
    log = store.read("fetch_log").row(0, named=True)
    assert (log["status"], log["rows_written"]) == ("ok", 20)
    assert log["error"] == (f"warning: 1 of 21 malformed row(s) skipped: series 0:0:0:0:0 ({CODES[0]}) "
                            "observation 0: TOTALNOOFLINES is '', expected a whole number")


def test_quarantine_wits_too_many_malformed_series_fail_the_answer_and_store_nothing(
        config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=wits_answer(3))

    fetcher = WitsFetcher()
    fetcher.plan = lambda settings, scope: [wits_request()]  # type: ignore[method-assign]
    scope = FetchScope(groups=(config.group("toys"),), reporters=("USA",), years=(2023,))
    summary = run_fetch(local_config(config, wits={}), store, ["wits"], scope,
                        client_factory=client_for(handler, cache=False), fetchers={"wits": fetcher}, now=lambda: NOW)
    assert summary.sources["wits"].failed == 1 and not store.has_data("tariff")
    error = store.read("fetch_log").get_column("error").item()
    assert error.startswith("wits: 3 of 21 series(s) malformed, more than 10%: the answer is refused whole")
    assert error.count("TOTALNOOFLINES is ''") == 3


# ------------------------------------------------------------------ the other parsers, one malformed among good
def _comtrade_body(bad_index: int | None) -> bytes:
    records = []
    for index in range(12):
        record = comtrade_record()
        record.update(cmdCode=f"9503{index:02d}", partnerCode=0, primaryValue=1000.0 + index)
        if index == bad_index:
            record["primaryValue"] = "n/a"
        records.append(record)
    return json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}).encode()


def test_quarantine_comtrade_record_of_the_wrong_type_is_skipped_and_the_others_kept(config: Config) -> None:
    request = ComtradeFetcher().request(False, "A", ["CHN"], "export", ["2023"], ["9503"], ["0"])
    parsed = ComtradeFetcher().parse(request, _comtrade_body(4), NOW)
    assert (parsed.frame.height, parsed.skipped, parsed.read) == (11, 1, 12)
    assert parsed.skip_reasons == ["record 4: primaryValue is 'n/a': not a number (a JSON number is expected)"]
    assert sorted(parsed.frame.get_column("value_usd")) == [1000.0 + i for i in range(12) if i != 4]


def test_quarantine_census_malformed_row_is_skipped_and_the_others_kept() -> None:
    header = ["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "time"]
    codes = ["5700", "5520", "5330", "4120", "4280", "4759", "5800", "5880", "1220", "2010", "4210", "4190"]
    rows = [[code, "X", "9503", str(100 * (index + 1)), "2023-01"] for index, code in enumerate(codes)]
    rows[2][3] = "-7"  # a negative amount: malformed
    request = Request(source="census", path="/data/timeseries/intltrade/imports/hs", params=(), table="trade",
                      cursor="M/2023/9503/import", periods=("2023-01",))
    parsed = CensusFetcher().parse(request, json.dumps([header, *rows]).encode(), NOW)
    assert (parsed.skipped, parsed.read) == (1, 12)
    assert parsed.skip_reasons == ["partner=IND, hs_code=9503, month=2023-01: GEN_VAL_MO '-7' is not a non-negative "
                                   "number"]
    assert parsed.frame.height == 11 and parsed.frame.get_column("value_usd").sum() == sum(
        100 * (index + 1) for index in range(12) if index != 2)


def test_quarantine_worldbank_record_without_a_year_is_skipped_and_the_others_kept() -> None:
    doc = json.loads((FIXTURES / "worldbank" / "gdp_page1.json").read_bytes())
    countries = [record for record in doc[1] if record["countryiso3code"] in ("CHN", "USA", "DEU", "JPN")]
    records = [dict(countries[index % len(countries)], date=str(2000 + index), value=1.0e9 + index)
               for index in range(12)]
    records[5]["date"] = "20x5"
    body = json.dumps([{**doc[0], "page": 1, "pages": 1, "total": 12}, records]).encode()
    request = WorldBankFetcher().request("NY.GDP.MKTP.CD", "all", 2000, 2011, 1)
    parsed = WorldBankFetcher().parse(request, body, NOW)
    assert (parsed.frame.height, parsed.skipped, parsed.read) == (11, 1, 12)
    assert parsed.skip_reasons == ["record 5: date is '20x5', expected a year YYYY"]


# ------------------------------------------------------------------ Eurostat: ":" and JSON-stat
def test_quarantine_comext_colon_and_empty_values_are_missing_not_malformed() -> None:
    lines = [
        "A,DE,CN,9503,1,VALUE_IN_EUROS,2023,1000", "A,DE,CN,9503,1,QUANTITY_IN_100KG,2023,:",
        "A,DE,CN,9503,2,VALUE_IN_EUROS,2023,:", "A,DE,CN,9503,2,QUANTITY_IN_100KG,2023,7",
        "A,FR,CN,9503,1,VALUE_IN_EUROS,2023,", "A,IT,CN,9503,1,VALUE_IN_EUROS,2023,250",
    ]
    body = (CSV_HEADER + "".join(CSV_PREFIX + line + "\n" for line in lines)).encode()
    request = Request(source="comext", path="/x", params=(), table="trade", cursor="A/2023/9503/import+export",
                      periods=("2023",))
    parsed = ComextFetcher({"2023": 1.25}).parse(request, body, NOW)
    assert (parsed.skipped, parsed.skip_reasons) == (0, [])
    frame = parsed.frame.sort("reporter")
    # DE import: value kept, weight missing; DE export: no value, so no row; FR: missing; IT kept
    assert frame.select("reporter", "flow", "value_usd", "net_weight_kg").rows() == [
        ("DEU", "import", 1250.0, None), ("ITA", "import", 312.5, None)]


def test_quarantine_jsonstat_missing_flag_is_no_row_and_a_bad_value_is_skipped() -> None:
    doc = json.loads((FIXTURES / "eurostat_ecommerce" / "isoc_ec_ib20.json").read_bytes())
    values = dict(doc["value"])
    doc["status"] = {"0": ":"}  # flagged "not available": no observation, whatever its value
    doc["value"]["1"] = "79.5"  # a string where JSON-stat promises a number: malformed
    quarantine = Quarantine("eurostat_ecommerce", "observation")
    table = jsonstat.decode(doc, "eurostat_ecommerce", quarantine)
    assert (quarantine.read, quarantine.skipped) == (len(values), 1)
    assert quarantine.reasons == ["JSON-stat: value '1' is '79.5': not a number (a JSON number is expected)"]
    assert table.frame.height == len(values) - 2
    with pytest.raises(PayloadError, match=r"value '1' is '79\.5'"):
        jsonstat.decode(doc, "eurostat_ecommerce")  # reference data (exchange rates) stays strict


@pytest.mark.parametrize(("body", "no_data"), [
    (SDMX_NO_RESULTS, True),
    (b'<?xml version="1.0"?><message:Error><message:ErrorMessage code="100"><common:Text>NoRecordsFound'
     b'</common:Text></message:ErrorMessage></message:Error>', True),
    (b'{"error": [{"status": 404, "id": 100, "label": "No results found"}]}', True),
    (b'{"error": {"status": 400, "id": "100", "label": "EMPTY_RESULT"}}', True),
    (SDMX_NO_RESULTS.replace(b'code="100"', b'code="150"'), False),
    (b'{"error": [{"status": 400, "id": 150, "label": "INVALID_QUERY_DIMENSION: Dimension \\"X\\" is not defined"}]}',
     False),
    (b'{"error": [{"status": 404, "id": 100, "label": "ERR_NOT_FOUND_4: ISOC_EC_X (DATA_SET:ESTAT,1.0) is not '
     b'available for dissemination."}]}', False),
    (b"<html><body>Not Found</body></html>", False),
    (b"", False),
])
def test_quarantine_sdmx_no_data_is_told_from_other_errors(body: bytes, no_data: bool) -> None:
    assert sdmx.is_no_data(body) is no_data


# ------------------------------------------------------------------ SDMX "no data" through the runner
def _comext_csv(key: str, years: list[str], no_data: set[tuple[str, str]]) -> bytes:
    """A batched answer: every product of the key and every year asked, but the (product, year) pairs in ``no_data``."""
    frequency, reporter, partner, products, flows, _ = key.split(".")
    lines = [f"{frequency},{reporter},{partner},{product},{flow},{indicator},{year},{value}"
             for product in products.split("+") for year in years if (product, year) not in no_data
             for flow in flows.split("+")
             for indicator, value in (("VALUE_IN_EUROS", 1000 * int(flow)), ("QUANTITY_IN_100KG", 3))]
    return (CSV_HEADER + "".join(CSV_PREFIX + line + "\n" for line in lines)).encode()


def test_quarantine_comext_no_results_404_is_logged_empty_and_never_failed(config: Config, store: Store) -> None:
    """Two batched requests (annual and monthly); the monthly one is answered "no results" (HTTP 404, SDMX code
    100), which is an empty answer: before, it was failed. The annual answer lacks some product-years."""
    no_data = {("9505", "2022"), ("9505", "2023"), ("9504", "2022")}

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        url = urlsplit(handler.path)
        if "/statistics/1.0/data/ert_bil_eur_" in url.path:
            send(handler, 200, (FIXTURES / "comext" / "ert_bil_eur_a.json").read_bytes(),
                 Content_Type="application/json")
            return
        key = url.path.rsplit("/", 1)[-1]
        query = parse_qs(url.query)
        if key.startswith("M."):
            send(handler, 404, SDMX_NO_RESULTS, Content_Type="application/xml")
        else:
            years = [str(year) for year in range(int(query["startPeriod"][0]), int(query["endPeriod"][0]) + 1)]
            send(handler, 200, _comext_csv(key, years, no_data), Content_Type="text/csv")

    scope = FetchScope(groups=(config.group("toys"),), years=(2022, 2023))
    with loopback(respond) as server:
        local = local_config(config, comext={"base_url": server.url, "frequencies": ("A", "M"), "reporters": ("DEU",),
                                             "partners": ("CHN",), "flows": ("import", "export")})
        summary = run_fetch(local, store, ["comext"], scope, now=lambda: NOW)
    assert (summary.sources["comext"].requests, summary.sources["comext"].failed) == (2, 0)
    log = store.read("fetch_log")
    assert sorted(log.get_column("status")) == ["empty", "ok"]
    assert log.get_column("error").null_count() == 2
    trade = store.read("trade")
    stored = sorted(set(zip(trade.get_column("hs_code"), trade.get_column("period"), strict=True)))
    assert stored == [("9503", "2022"), ("9503", "2023"), ("9504", "2023")]
    exports = trade.filter(pl.col("flow") == "export").sort("period", "hs_code").get_column("value_usd")
    assert exports.to_list() == pytest.approx([2000 * 1.053, 2000 * 1.0813, 2000 * 1.0813])


def test_quarantine_comext_other_404_bodies_still_fail_naming_the_error(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "ert_bil_eur_a" in request.url.path:
            return httpx.Response(200, content=(FIXTURES / "comext" / "ert_bil_eur_a.json").read_bytes())
        return httpx.Response(404, content=SDMX_NO_RESULTS.replace(b'code="100"', b'code="150"'))

    local = local_config(config, comext={"frequencies": ("A",), "reporters": ("DEU",), "partners": ("CHN",)})
    scope = FetchScope(groups=(config.group("toys"),), years=(2023,))
    summary = run_fetch(local, store, ["comext"], scope, client_factory=client_for(handler, cache=False),
                        now=lambda: NOW)
    assert summary.sources["comext"].failed == 1  # one request: every product of the year, batched
    assert set(store.read("fetch_log").get_column("error")) == {
        "comext: expected SDMX-CSV, got an SDMX error message (code 150: No Results Found)"}


@pytest.mark.parametrize(("status", "body", "outcome"), [
    (404, b'{"error": [{"status": 404, "id": 100, "label": "No results found"}]}', "empty"),
    (400, b'{"error": [{"status": 400, "id": 100, "label": "No results found"}]}', "empty"),
    (400, b'{"error": [{"status": 400, "id": 150, "label": "INVALID_QUERY_DIMENSION: Dimension \\"X\\" is not '
          b'defined"}]}', "id 150 (HTTP 400): INVALID_QUERY_DIMENSION"),
    (404, b'{"error": [{"status": 404, "id": 100, "label": "ERR_NOT_FOUND_4: ISOC_EC_IB20 (DATA_SET:ESTAT,1.0) is '
          b'not available for dissemination."}]}', "is not available for dissemination"),
])
def test_quarantine_statistics_api_no_results_is_empty_and_other_errors_fail(
        config: Config, store: Store, status: int, body: bytes, outcome: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    local = local_config(config, eurostat_ecommerce={})
    scope = FetchScope(groups=(config.group("toys"),), years=(2023,))
    summary = run_fetch(local, store, ["eurostat_ecommerce"], scope, client_factory=client_for(handler, cache=False),
                        fetchers={"eurostat_ecommerce": EurostatEcommerceFetcher()}, now=lambda: NOW)
    log = store.read("fetch_log")
    if outcome == "empty":
        assert summary.sources["eurostat_ecommerce"].failed == 0
        assert set(log.get_column("status")) == {"empty"}
    else:
        assert summary.sources["eurostat_ecommerce"].failed == log.height == 3
        assert all(outcome in error for error in log.get_column("error"))


def test_quarantine_fetch_summary_names_the_skipped_rows_per_source() -> None:
    summary = FetchSummary(sources={"wits": SourceSummary("wits", requests=2, rows_skipped=1),
                                    "census": SourceSummary("census", requests=3)})
    text = format_summary(summary)
    assert text.splitlines()[-1] == ("malformed rows skipped (the rest of their answers was stored; see fetch_log): "
                                     "wits 1")
    assert "malformed" not in format_summary(FetchSummary(sources={"census": SourceSummary("census")}))
