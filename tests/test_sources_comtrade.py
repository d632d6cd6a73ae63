"""Comtrade: plan (endpoint, codes, cap-sized calls), parse of the real record shape, split of truncated answers."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import (
    client_for,
    comtrade_answer,
    comtrade_record,
    local_config,
    no_comtrade_key,  # noqa: F401  (autouse fixture)
)
from tracker.config import REPO_ROOT, Config, SourceSettings, load_config
from tracker.errors import PayloadError, SchemaError
from tracker.fetch import run_fetch
from tracker.sources.base import FetchScope, Request
from tracker.sources.comtrade import ALL_PARTNERS_ESTIMATE, KEYED_CAP, KEYED_TARGET, PREVIEW_CAP, ComtradeFetcher
from tracker.store import Store
from tracker.tables import TRADE

FETCHED_AT = datetime(2025, 6, 1, tzinfo=UTC)
FETCHER = ComtradeFetcher()


def load(name: str) -> bytes:
    return (FIXTURES / "comtrade" / name).read_bytes()


def comtrade_settings(config: Config, **changes: Any) -> SourceSettings:
    """The fast local Comtrade settings with ``changes``."""
    return local_config(config, comtrade=changes).sources["comtrade"]


def toys_scope(config: Config, years: tuple[int, ...] = (2023,), reporters: tuple[str, ...] = ("CHN",)) -> FetchScope:
    return FetchScope(groups=(config.group("toys"),), reporters=reporters, years=years)


def test_comtrade_plan_uses_preview_and_keeps_calls_under_the_cap(config: Config) -> None:
    requests = FETCHER.plan(comtrade_settings(config, flows=("export",)), toys_scope(config))
    assert [r.path for r in requests] == ["/public/v1/preview/C/A/HS"] * 2
    params = [dict(r.params) for r in requests]
    assert [p["cmdCode"] for p in params] == ["9503,9504", "9505,TOTAL"]
    assert {(p["reporterCode"], p["period"], p["flowCode"], p["partner2Code"], p["customsCode"], p["motCode"])
            for p in params} == {("156", "2023", "X", "0", "C00", "0")}
    assert all("partnerCode" not in p for p in params)  # every partner
    assert all(len(p["cmdCode"].split(",")) * ALL_PARTNERS_ESTIMATE <= PREVIEW_CAP for p in params)
    assert requests[0].cursor == "A/CHN/export/2023/9503+9504/all" and requests[0].periods == ("2023",)


def test_comtrade_plan_maps_iso3_to_comtrade_exceptions(config: Config) -> None:
    settings = comtrade_settings(config, flows=("import",), partners=("WLD", "CHN"))
    requests = FETCHER.plan(settings, toys_scope(config, reporters=("USA", "FRA")))
    assert {dict(r.params)["reporterCode"] for r in requests} == {"842,251"}
    assert {dict(r.params)["partnerCode"] for r in requests} == {"0,156"}
    assert {dict(r.params)["flowCode"] for r in requests} == {"M"}
    assert len(requests) == 1  # 2 reporters × 2 partners × 4 codes fit one call
    assert requests[0].cursor == "A/USA+FRA/import/2023/9503+9504+9505+TOTAL/0+156"


def test_comtrade_plan_monthly_splits_periods_and_codes(config: Config) -> None:
    settings = comtrade_settings(config, flows=("export",), frequencies=("M",))
    requests = FETCHER.plan(settings, toys_scope(config))
    assert {r.path for r in requests} == {"/public/v1/preview/C/M/HS"}
    periods = sorted({dict(r.params)["period"] for r in requests})
    assert periods[0] == "202301,202302" and len(periods) == 6
    assert all(len(r.periods) * len(dict(r.params)["cmdCode"].split(",")) * ALL_PARTNERS_ESTIMATE <= PREVIEW_CAP
               for r in requests)
    assert {p for r in requests for p in r.periods} == {f"2023-{m:02d}" for m in range(1, 13)}


def test_comtrade_plan_uses_keyed_endpoint_when_key_is_set(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "k")
    requests = FETCHER.plan(comtrade_settings(config, flows=("export",)), toys_scope(config))
    assert len(requests) == 1
    assert requests[0].path == "/data/v1/get/C/A/HS"
    assert dict(requests[0].params)["cmdCode"] == "9503,9504,9505,TOTAL"
    assert dict(requests[0].params)["maxRecords"] == "100000"
    assert all(value != "k" for _, value in requests[0].params)


def plan_one(config: Config) -> Request:
    return FETCHER.plan(comtrade_settings(config, flows=("export",)), toys_scope(config))[0]


def test_comtrade_parse_maps_records_to_exact_rows(config: Config) -> None:
    parsed = FETCHER.parse(plan_one(config), load("preview_annual_chn_export.json"), FETCHED_AT)
    frame = parsed.frame.sort("hs_code", "partner")
    assert frame.schema == TRADE.polars_schema
    assert parsed.unknown_codes == ["490"]  # "Other Asia, nes" is reported, not renamed
    columns = ["flow", "reporter", "partner", "hs_code", "period", "year", "frequency", "value_usd",
               "net_weight_kg", "quantity", "quantity_unit", "hs_revision", "provenance"]
    assert frame.select(columns).rows() == [
        ("export", "CHN", "FRA", "9503", "2023", 2023, "A", 1500000000.25, None, None, None, "H6", "estimated"),
        ("export", "CHN", "USA", "9503", "2023", 2023, "A", 12000000000.0, None, None, None, "H6", "reported"),
        ("export", "CHN", "WLD", "9503", "2023", 2023, "A", 45123456789.0, 5123456789.5, 5123456789.5, "kg", "H6",
         "reported"),
        ("export", "CHN", "WLD", "TOTAL", "2023", 2023, "A", 3380024000000.0, None, None, None, "H6", "reported"),
    ]
    assert frame.get_column("fetched_at").unique().to_list() == [FETCHED_AT]
    assert frame.get_column("source").unique().to_list() == ["comtrade"]


def test_comtrade_parse_monthly_import_records(config: Config) -> None:
    parsed = FETCHER.parse(plan_one(config), load("preview_monthly_usa_import.json"), FETCHED_AT)
    rows = parsed.frame.sort("period").select("flow", "reporter", "partner", "period", "frequency", "quantity",
                                              "quantity_unit").rows()
    assert rows == [("import", "USA", "CHN", "2023-01", "M", 120000.0, "u"),
                    ("import", "USA", "CHN", "2023-02", "M", None, None)]


def test_comtrade_parse_prefers_primary_code_when_aliases_collide(config: Config) -> None:
    payload = json.loads(load("preview_annual_chn_export.json"))
    usa = payload["data"][1]
    alias = {**usa, "partnerCode": 840, "primaryValue": 1.0}  # 840 and 842 both mean USA
    payload["data"] = [alias, usa]
    frame = FETCHER.parse(plan_one(config), json.dumps(payload).encode(), FETCHED_AT).frame
    assert frame.select("partner", "value_usd").rows() == [("USA", 12000000000.0)]


def test_comtrade_parse_empty_answer_gives_empty_frame(config: Config) -> None:
    parsed = FETCHER.parse(plan_one(config), load("empty.json"), FETCHED_AT)
    assert parsed.frame.height == 0 and parsed.frame.schema == TRADE.polars_schema and parsed.unknown_codes == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (lambda: load("gateway_error.html"), "not JSON"),
        (lambda: load("preview_annual_chn_export.json")[:300], "not JSON"),
        (lambda: load("api_error.json"), "Period 2023 is not valid"),
        (lambda: b'{"elapsedTime": "0.1 secs", "count": 0, "error": ""}', "no 'data' list"),
        (lambda: b"[1, 2]", "expected an object"),
    ],
    ids=["html", "truncated-json", "api-error", "missing-data", "wrong-shape"],
)
def test_comtrade_parse_malformed_body_raises_payload_error(config: Config, body: Any, message: str) -> None:
    with pytest.raises(PayloadError, match=message) as caught:
        FETCHER.parse(plan_one(config), body(), FETCHED_AT)
    assert str(caught.value).startswith("comtrade: ")


def test_comtrade_parse_refuses_answer_at_the_cap(config: Config) -> None:
    body = json.dumps({"elapsedTime": "1 secs", "count": 500, "data": [comtrade_record()] * 500, "error": ""})
    with pytest.raises(PayloadError, match="truncated at the 500-record cap"):
        FETCHER.parse(plan_one(config), body.encode(), FETCHED_AT)


def test_comtrade_split_halves_codes_then_periods(config: Config) -> None:
    first = plan_one(config)
    halves = FETCHER.split(first)
    assert [dict(r.params)["cmdCode"] for r in halves] == ["9503", "9504"]
    assert len({r.cursor for r in [first, *halves]}) == 3
    assert all(half.replaces == first.cursor for half in halves)
    monthly = FETCHER.request(False, "M", ["CHN"], "export", ["2023-01", "2023-02"], ["9503"], [])
    assert [r.periods for r in FETCHER.split(monthly)] == [("2023-01",), ("2023-02",)]
    assert FETCHER.split(FETCHER.split(monthly)[0]) == []


def test_comtrade_split_halves_reporters_first() -> None:
    batch = FETCHER.request(True, "A", ["CHN", "USA", "DEU"], "import", ["2023"], ["9503", "TOTAL"], [])
    halves = FETCHER.split(batch)
    assert [dict(r.params)["reporterCode"] for r in halves] == ["156", "842,276"]
    assert all(dict(r.params)["cmdCode"] == "9503,TOTAL" and r.replaces == batch.cursor for r in halves)
    assert [r.cursor.split("/")[1] for r in halves] == ["CHN", "USA+DEU"]


def test_comtrade_keyed_plan_joins_reporters_newest_year_first_under_half_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "k")
    config = load_config(REPO_ROOT / "config")
    settings = config.sources["comtrade"]
    scope = FetchScope(groups=config.groups)
    requests = FETCHER.plan(settings, scope)
    codes = [*scope.hs_codes, "TOTAL"]
    asked = [(reporter, r.cursor.split("/")[2], period, code) for r in requests
             for reporter in r.cursor.split("/")[1].split("+") for period in r.periods
             for code in dict(r.params)["cmdCode"].split(",")]
    expected = [(reporter, flow, str(year), code) for reporter in settings.reporters for flow in settings.flows
                for year in settings.years for code in codes]
    assert sorted(asked) == sorted(expected)  # every reporter, flow, year and code exactly once
    rows = [len(r.cursor.split("/")[1].split("+")) * len(r.periods) * len(dict(r.params)["cmdCode"].split(","))
            * ALL_PARTNERS_ESTIMATE for r in requests]
    assert max(rows) <= KEYED_TARGET == KEYED_CAP // 2
    years = [int(r.periods[0]) for r in requests]
    assert years == sorted(years, reverse=True)  # newest year first
    newest = [reporter for r in requests if r.periods == (str(max(settings.years)),) and r.cursor.split("/")[2] ==
              settings.flows[0] for reporter in r.cursor.split("/")[1].split("+")]
    assert newest == list(settings.reporters)  # in the configured order: the largest traders first
    assert len(requests) == 176  # 15 reporters two to a call (8 calls) × 11 years × 2 flows


def test_comtrade_parse_an_answer_for_several_reporters_and_periods() -> None:
    batch = FETCHER.request(False, "M", ["CHN", "USA"], "export", ["2023-01", "2023-02"], ["9503"], [])
    body = comtrade_answer(httpx.Request("GET", "https://x/public/v1/preview/C/M/HS", params=dict(batch.params)),
                           partners=(0, 251))
    frame = FETCHER.parse(batch, body, FETCHED_AT).frame
    assert sorted(frame.select("reporter", "period", "partner", "value_usd").rows()) == sorted(
        (reporter, period, partner, 1000.0 * (index + 1) + 4) for reporter in ("CHN", "USA")
        for period in ("2023-01", "2023-02") for index, partner in enumerate(("WLD", "FRA")))


def test_comtrade_truncated_answer_is_split_and_refetched(config: Config, store: Store) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        codes = request.url.params["cmdCode"]
        asked.append(codes)
        if "," in codes:  # the cap reached: 500 records, answer truncated
            return httpx.Response(200, content=comtrade_answer(request, partners=tuple(range(250))))
        return httpx.Response(200, content=comtrade_answer(request))

    summary = run_fetch(local_config(config, comtrade={"flows": ("export",)}), store, ["comtrade"], toys_scope(config),
                        client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    assert sorted(asked) == ["9503", "9503,9504", "9504", "9505", "9505,TOTAL", "TOTAL"]
    stats = summary.sources["comtrade"]
    assert (stats.requests, stats.split, stats.failed) == (6, 2, 0)
    trade = store.read("trade")
    assert sorted(trade.get_column("hs_code").unique().to_list()) == ["9503", "9504", "9505", "TOTAL"]
    assert trade.height == 4 * 3  # 4 codes × 3 partners, none from the truncated answers
    log = store.read("fetch_log")
    notes = log.filter(pl.col("status") == "failed").get_column("error").to_list()
    assert len(notes) == 2 and all("replaced by 2 smaller request(s)" in note for note in notes)


def _answer_with(**changes: object) -> bytes:
    """A one-record preview answer of the real shape whose record has ``changes`` (``None`` deletes a field)."""
    record = comtrade_record()
    for field, value in changes.items():
        if value is None:
            del record[field]
        else:
            record[field] = value
    return json.dumps({"elapsedTime": "0.1 secs", "count": 1, "data": [record], "error": ""}).encode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"primaryValue": "abc"}, "record 0: primaryValue is 'abc': not a number"),
        ({"primaryValue": "123456"}, "record 0: primaryValue is '123456': not a number"),
        ({"primaryValue": True}, "primaryValue is True: not a number"),
        ({"netWgt": "12"}, "record 0: netWgt is '12': not a number"),
        ({"qty": [5]}, "record 0: qty is \\[5\\]: not a number"),
        ({"primaryValue": None}, "record 0 lacks primaryValue"),
        ({"cmdCode": None}, "record 0 lacks cmdCode"),
        ({"period": "23"}, "record 0: period is '23', expected YYYY or YYYYMM"),
        ({"cmdCode": 9503}, "record 0: cmdCode is 9503, expected a string"),
        ({"primaryValue": -5e6}, "value_usd '-5000000.0' is outside \\[0, 1e\\+15\\]"),
        ({"primaryValue": 1e308}, "value_usd '1e\\+308' is outside"),
        ({"netWgt": -3.0}, "net_weight_kg '-3.0' is outside"),
        ({"qtyUnitAbbr": "<b>kg</b>"}, "quantity_unit '<b>kg</b>' is not an allowed value"),
        ({"classificationCode": "<script>x</script>"}, "hs_revision '<script>x</script>' does not match"),
        ({"cmdCode": "95<i>"}, "hs_code '95<i>' does not match"),
        ({"partner2Code": [0]}, "record 0: partner2Code is \\[0\\], expected a code"),
        ({"customsCode": 0}, "record 0: customsCode is 0, expected a string"),
    ],
    ids=["abc", "numeric-string", "boolean", "weight-string", "qty-list", "no-value", "no-code", "bad-period",
         "numeric-code", "negative", "1e308", "negative-weight", "html-unit", "html-revision", "html-code",
         "list-partner2", "numeric-customs"],
)
def test_comtrade_parse_refuses_bad_values_naming_the_field(
    config: Config, changes: dict[str, object], message: str
) -> None:
    with pytest.raises((PayloadError, SchemaError), match=message):
        FETCHER.parse(plan_one(config), _answer_with(**changes), FETCHED_AT)


def test_comtrade_parse_refuses_non_finite_json_numbers(config: Config) -> None:
    body = _answer_with().replace(b'"primaryValue": 45123456789.0', b'"primaryValue": NaN')
    assert b"NaN" in body  # Python's json (and some servers) speak NaN and Infinity
    with pytest.raises(PayloadError, match="primaryValue is nan, not a finite number"):
        FETCHER.parse(plan_one(config), body, FETCHED_AT)


def test_comtrade_parse_keeps_not_reported_markers_as_null(config: Config) -> None:
    """The legitimate markers still parse: qty -1 and netWgt 0 mean "not reported", the unit N/A is none."""
    parsed = FETCHER.parse(plan_one(config), _answer_with(qty=-1, netWgt=0, qtyUnitAbbr="N/A"), FETCHED_AT)
    assert parsed.frame.select("value_usd", "net_weight_kg", "quantity", "quantity_unit").rows() == [
        (45123456789.0, None, None, None)
    ]


def test_comtrade_bad_body_is_logged_failed_writes_nothing_and_is_retried(config: Config, store: Store) -> None:
    """A body with a bad value: no row, a `failed` row naming the field, and the next run asks again."""
    asked: list[str] = []
    poisoned = {"value": True}

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["cmdCode"])
        body = comtrade_answer(request)
        if poisoned["value"] and request.url.params["cmdCode"] == "9505,TOTAL":
            body = re.sub(rb'"primaryValue": [0-9.]+', b'"primaryValue": "abc"', body, count=1)
        return httpx.Response(200, content=body)

    local = local_config(config, comtrade={"flows": ("export",)})
    scope = toys_scope(config, years=(2020,))  # not a recent year: only failures are fetched again
    summary = run_fetch(local, store, ["comtrade"], scope, client_factory=client_for(handler, cache=False),
                        now=lambda: FETCHED_AT)
    assert (summary.sources["comtrade"].failed, summary.sources["comtrade"].rows_written) == (1, 6)
    assert sorted(store.read("trade").get_column("hs_code").unique().to_list()) == ["9503", "9504"]
    failed = store.read("fetch_log").filter(pl.col("status") == "failed").row(0, named=True)
    assert "record 0: primaryValue is 'abc'" in failed["error"] and "9505,TOTAL" in failed["request"]

    poisoned["value"] = False
    asked.clear()
    again = run_fetch(local, store, ["comtrade"], scope, client_factory=client_for(handler, cache=False),
                      now=lambda: FETCHED_AT)
    assert asked == ["9505,TOTAL"]  # the good request is fresh, the failed one is asked again
    assert (again.sources["comtrade"].failed, again.sources["comtrade"].skipped) == (0, 1)
    assert sorted(store.read("trade").get_column("hs_code").unique().to_list()) == ["9503", "9504", "9505", "TOTAL"]


def test_comtrade_records_lacking_fields_are_failed_not_empty(config: Config, store: Store) -> None:
    """Records without their fields used to be dropped and the request logged `empty` (a success for 30 days)."""
    body = json.dumps({"elapsedTime": "0.1 secs", "count": 2, "data": [{}, {"flowCode": "X"}], "error": ""})

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body.encode())

    local = local_config(config, comtrade={"flows": ("export",)})
    run_fetch(local, store, ["comtrade"], toys_scope(config, years=(2020,)),
              client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    log = store.read("fetch_log")
    assert log.get_column("status").to_list() == ["failed", "failed"]
    assert all("record 0 lacks flowCode" in error for error in log.get_column("error").to_list())
    assert not store.has_data("trade")
