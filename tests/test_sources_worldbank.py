"""World Bank: plan, parse (aggregates filtered, unknown countries reported), errors with HTTP 200, paging."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import client_for, local_config
from tracker.config import Config
from tracker.errors import PayloadError, SchemaError
from tracker.fetch import run_fetch
from tracker.sources.base import FetchScope, Request
from tracker.sources.worldbank import INDICATORS, WorldBankFetcher
from tracker.store import Store
from tracker.tables import MACRO

FETCHED_AT = datetime(2025, 6, 1, tzinfo=UTC)
FETCHER = WorldBankFetcher()


def load(name: str) -> bytes:
    return (FIXTURES / "worldbank" / name).read_bytes()


def gdp_request(config: Config) -> Request:
    settings = config.sources["worldbank"]
    requests = FETCHER.plan(settings, FetchScope(groups=config.groups, years=(2022, 2023)))
    return next(r for r in requests if r.path.endswith("NY.GDP.MKTP.CD"))


def test_worldbank_plan_one_request_per_indicator_for_all_countries(config: Config) -> None:
    requests = FETCHER.plan(config.sources["worldbank"], FetchScope(groups=config.groups, years=(2015, 2025)))
    assert [r.path for r in requests] == [*(f"/v2/country/all/indicator/{i}" for i in INDICATORS), "/v2/country"]
    assert dict(requests[0].params) == {"format": "json", "date": "2015:2025", "per_page": "1000", "page": "1"}
    assert requests[0].table == "macro" and requests[0].periods[0] == "2015" and requests[0].periods[-1] == "2025"


def test_worldbank_plan_uses_configured_markets(config: Config) -> None:
    settings = dataclasses.replace(config.sources["worldbank"], partners=("USA", "DEU"))
    requests = FETCHER.plan(settings, FetchScope(groups=config.groups))
    assert requests[0].path == "/v2/country/USA;DEU/indicator/NY.GDP.MKTP.CD"
    assert dict(requests[0].params)["date"] == f"{settings.first_year}:{settings.last_year}"


def test_worldbank_parse_page_filters_aggregates_and_maps_rows(config: Config) -> None:
    parsed = FETCHER.parse(gdp_request(config), load("gdp_page1.json"), FETCHED_AT)
    assert parsed.frame.schema == MACRO.polars_schema
    assert parsed.unknown_codes == []  # EAS is a World Bank region: dropped silently
    assert parsed.frame.sort("market", "period").select("indicator", "market", "period", "year", "value",
                                                        "unit", "indicator_label").rows() == [
        ("NY.GDP.MKTP.CD", "CHN", "2022", 2022, 1.7881782683707e13, "USD", "GDP (current US$)"),
        ("NY.GDP.MKTP.CD", "CHN", "2023", 2023, 1.7794783039552e13, "USD", "GDP (current US$)"),
        ("NY.GDP.MKTP.CD", "DEU", "2023", 2023, 4.525703903627e12, "USD", "GDP (current US$)"),
        ("NY.GDP.MKTP.CD", "WLD", "2023", 2023, 1.05e14, "USD", "GDP (current US$)"),
    ]


def test_worldbank_parse_reports_unknown_countries_and_skips_nulls(config: Config) -> None:
    parsed = FETCHER.parse(gdp_request(config), load("gdp_page2.json"), FETCHED_AT)
    assert parsed.frame.select("market", "period").rows() == [("USA", "2023")]  # 2022 value is null
    assert parsed.unknown_codes == ["CHI"]  # Channel Islands: a country our reference lacks


def test_worldbank_parse_empty_answer(config: Config) -> None:
    parsed = FETCHER.parse(gdp_request(config), load("empty.json"), FETCHED_AT)
    assert parsed.frame.height == 0 and parsed.frame.schema == MACRO.polars_schema


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (load("error_120.json"), "Invalid value"),
        (b"<html>Service unavailable</html>", "not JSON"),
        (b'{"page": 1}', "not the \\[metadata, records\\] list"),
        (b'[{"page": 1}, [{"countryiso3code": "CHN"}]]', "lacks the field"),
    ],
    ids=["api-error", "html", "object", "missing-field"],
)
def test_worldbank_parse_malformed_body_raises(config: Config, body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        FETCHER.parse(gdp_request(config), body, FETCHED_AT)


def test_worldbank_follow_up_asks_for_remaining_pages_once(config: Config) -> None:
    first = gdp_request(config)
    pages = FETCHER.follow_up(first, load("gdp_page1.json"))
    assert [dict(r.params)["page"] for r in pages] == ["2"]
    assert pages[0].cursor != first.cursor and pages[0].path == first.path
    assert FETCHER.follow_up(pages[0], load("gdp_page2.json")) == []


def test_worldbank_runner_follows_page_two(config: Config, store: Store) -> None:
    asked: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/country":
            return httpx.Response(200, content=load("empty.json"))
        indicator, page = request.url.path.rsplit("/", 1)[-1], request.url.params["page"]
        asked.append((indicator, page))
        if indicator != "NY.GDP.MKTP.CD":
            return httpx.Response(200, content=load("empty.json"))
        return httpx.Response(200, content=load(f"gdp_page{page}.json"))

    summary = run_fetch(local_config(config, worldbank={}), store, ["worldbank"],
                        FetchScope(groups=config.groups, years=(2022, 2023)),
                        client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    assert ("NY.GDP.MKTP.CD", "2") in asked and len(asked) == 5
    assert summary.sources["worldbank"].rows_written == 5
    assert summary.sources["worldbank"].unknown_codes == ["CHI"]
    assert store.read("macro").height == 5
    statuses = store.read("fetch_log").get_column("status").value_counts().sort("status").rows()
    assert statuses == [("empty", 4), ("ok", 2)]  # the three other indicators and the capitals
    warning = store.read("fetch_log").filter(pl.col("error").is_not_null()).get_column("error").to_list()
    assert warning == ["warning: unknown worldbank country codes ['CHI'] skipped"]


def test_worldbank_bad_first_page_fails_but_later_pages_are_followed(config: Config, store: Store) -> None:
    page1 = json.loads(load("gdp_page1.json"))
    del page1[1][2]["value"]  # one record without its value: the page is malformed

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("NY.GDP.MKTP.CD"):
            return httpx.Response(200, content=load("empty.json"))
        if request.url.params["page"] == "1":
            return httpx.Response(200, content=json.dumps(page1).encode())
        return httpx.Response(200, content=load("gdp_page2.json"))

    summary = run_fetch(local_config(config, worldbank={}), store, ["worldbank"],
                        FetchScope(groups=config.groups, years=(2022, 2023)),
                        client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    assert (summary.sources["worldbank"].failed, summary.sources["worldbank"].split) == (1, 0)
    assert store.read("macro").select("market", "period").rows() == [("USA", "2023")]
    failed = store.read("fetch_log").filter(pl.col("status") == "failed").get_column("error").to_list()
    assert len(failed) == 1 and "lacks the field 'value'" in failed[0]


def _one_record(request: Request, **changes: object) -> bytes:
    """A page of the real shape with one China record for the request's indicator, changed by ``changes``."""
    indicator = request.path.rsplit("/", 1)[-1]
    record = {"indicator": {"id": indicator, "value": "label"}, "country": {"id": "CN", "value": "China"},
              "countryiso3code": "CHN", "date": "2023", "value": 17.8e12, "unit": "", "obs_status": "", "decimal": 0}
    record.update(changes)
    meta = {"page": 1, "pages": 1, "per_page": 1000, "total": 1, "sourceid": "2", "lastupdated": "2025-07-01"}
    return json.dumps([meta, [record]]).encode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": True}, "record 0: value is True: not a number"),
        ({"value": "123456"}, "record 0: value is '123456': not a number"),
        ({"value": -5.0}, "value '-5.0' is outside \\[0, 1e\\+15\\]"),
        ({"value": 1e308}, "value '1e\\+308' is outside"),
        ({"date": "2023Q1"}, "record 0: date is '2023Q1', expected a year"),
        ({"countryiso3code": 156}, "record 0: countryiso3code is 156, expected a string"),
    ],
    ids=["boolean", "numeric-string", "negative", "1e308", "bad-date", "numeric-country"],
)
def test_worldbank_parse_refuses_bad_values_naming_the_field(
    config: Config, changes: dict[str, object], message: str
) -> None:
    request = gdp_request(config)
    with pytest.raises((PayloadError, SchemaError), match=message):
        FETCHER.parse(request, _one_record(request, **changes), FETCHED_AT)


def test_worldbank_parse_refuses_a_percentage_above_100(config: Config) -> None:
    settings = config.sources["worldbank"]
    request = next(r for r in FETCHER.plan(settings, FetchScope(groups=config.groups, years=(2023,)))
                   if r.path.endswith("IT.NET.USER.ZS"))
    assert FETCHER.parse(request, _one_record(request, value=87.5), FETCHED_AT).frame["value"].to_list() == [87.5]
    with pytest.raises(SchemaError, match=r"column 'value' holds 187\.5, above 100 for unit '% of population'"):
        FETCHER.parse(request, _one_record(request, value=187.5), FETCHED_AT)


def test_worldbank_boolean_value_is_failed_and_stores_nothing(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/country":
            return httpx.Response(200, content=load("empty.json"))
        return httpx.Response(200, content=_one_record(gdp_request(config), value=True))

    local = local_config(config, worldbank={})
    scope = FetchScope(groups=config.groups, years=(2019,))
    summary = run_fetch(local, store, ["worldbank"], scope, client_factory=client_for(handler, cache=False),
                        now=lambda: FETCHED_AT)
    assert summary.sources["worldbank"].failed == len(INDICATORS)
    assert not store.has_data("macro")
    errors = store.read("fetch_log").get_column("error").drop_nulls().to_list()
    assert len(errors) == len(INDICATORS) and all("value is True: not a number" in error for error in errors)
