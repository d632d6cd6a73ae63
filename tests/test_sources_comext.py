"""Tests for the Comext fetcher: SDMX keys, SDMX-CSV pivoting, EUR→USD conversion, rates and errors."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES, SHARED_FIXTURES
from tests.fetch_helpers import client_for, local_config
from tracker.config import REPO_ROOT, Config, ProductGroup, SourceSettings, load_config
from tracker.countries import from_iso3
from tracker.errors import PayloadError, SchemaError
from tracker.fetch import run_fetch
from tracker.schemas import validate
from tracker.sources.base import FetchScope, Request
from tracker.sources.comext import ALL_COUNTRIES, MAX_CELLS, MAX_PRODUCTS, ComextFetcher, comext_code, parse_rates
from tracker.store import Store
from tracker.tables import TRADE, schema_for

COMEXT_FIXTURES = FIXTURES / "comext"
REAL_FILES = SHARED_FIXTURES / "eurostat_comext"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DATA_PATH = "/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/"
HEADER = "DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE\n"
ROW = "ESTAT:DS-045409(1.0),13/02/26 11:00:00,"

# Test rates (USD per EUR): a monthly rate for January only, so February uses the annual fallback.
RATES = {"2023": 1.0813, "2023-01": 1.0785}

SETTINGS = SourceSettings(
    id="comext", enabled=True, base_url="https://ec.europa.eu", api_key_env=None, requests_per_minute=20,
    requests_per_day=None, reporters=("GRC", "DEU"), partners=("WLD", "CHN"), first_year=2023, last_year=2024,
    frequencies=("A", "M"), flows=("import", "export"),
)
TOYS = ProductGroup(id="toys", name_en="Toys", name_zh="玩具", hs_codes=("9503", "9504"))


def _request() -> Request:
    return Request(source="comext", path=DATA_PATH + "M.GR.CN.9503.1.VALUE_IN_EUROS", params=(), table="trade",
                   cursor="test", periods=("2023-01", "2023-02"))


def test_comext_plan_joins_products_and_years_per_frequency() -> None:
    requests = ComextFetcher().plan(SETTINGS, FetchScope(groups=(TOYS,)))
    assert [(r.cursor, r.params[0][1], r.params[1][1]) for r in requests] == [
        ("A/2023-2024/9503+9504/import+export", "2023", "2024"),
        ("M/2023-2024/9503+9504/import+export", "2023-01", "2024-12"),
    ]
    first = requests[0]
    assert first.path == DATA_PATH + "A.GR+DE.WORLD+CN.9503+9504.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG"
    assert first.params == (("startPeriod", "2023"), ("endPeriod", "2024"), ("format", "SDMX-CSV"))
    assert first.periods == ("2023", "2024")
    assert requests[1].periods == tuple(f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13))
    assert all(r.table == "trade" and r.source == "comext" for r in requests)


def test_comext_plan_scope_reporters_and_single_flow() -> None:
    settings = replace(SETTINGS, frequencies=("A",), flows=("import",), partners=())
    requests = ComextFetcher().plan(settings, FetchScope(groups=(TOYS,), reporters=("ITA",), years=(2022,)))
    assert [r.path for r in requests] == [DATA_PATH + "A.IT..9503+9504.1.VALUE_IN_EUROS+QUANTITY_IN_100KG"]


def _cells(request: Request) -> int:
    """Cells a request asks for, counted from its key (an empty position counts as ALL_COUNTRIES)."""
    _, reporters, partners, products, flows, indicators = request.path.rsplit("/", 1)[1].split(".")
    count = [len(part.split("+")) if part else ALL_COUNTRIES for part in (reporters, partners, products, flows,
                                                                          indicators)]
    return count[0] * count[1] * count[2] * count[3] * count[4] * len(request.periods)


def test_comext_plan_of_the_shipped_config_stays_under_the_size_limits() -> None:
    config = load_config(REPO_ROOT / "config")
    settings = config.sources["comext"]
    requests = ComextFetcher().plan(settings, FetchScope(groups=config.groups))
    asked = [code for r in requests for code in r.cursor.split("/")[2].split("+")]
    assert sorted(asked) == sorted(FetchScope(groups=config.groups).hs_codes)  # every code once
    assert all(r.periods == tuple(str(y) for y in settings.years) for r in requests)  # all years in each
    assert len(requests) == 7  # 82 codes, 12 a request: 27 x 13 x 2 x 11 = 7,722 cells a code
    assert all(_cells(r) <= MAX_CELLS and len(r.cursor.split("/")[2].split("+")) <= MAX_PRODUCTS for r in requests)
    assert max(len(settings.base_url + r.path) + 60 for r in requests) < 2000  # with the query string
    everything = replace(settings, reporters=(), partners=(), frequencies=("M",))  # "all" x "all", monthly
    huge = ComextFetcher().plan(everything, FetchScope(groups=(TOYS,), years=(2023, 2024)))
    assert [r.cursor for r in huge] == ["M/2024/9503/import", "M/2024/9504/import", "M/2023/9503/import",
                                        "M/2023/9504/import"]  # the smallest pieces, newest year first


def test_comext_parse_an_answer_for_several_products_and_years() -> None:
    lines = ["DATAFLOW,LAST UPDATE,freq,reporter,partner,product,flow,indicators,TIME_PERIOD,OBS_VALUE"]
    values = {("9503", "2022"): 100.0, ("9503", "2023"): 200.0, ("9504", "2022"): 300.0, ("9504", "2023"): 400.0}
    start = "ESTAT:DS-045409(1.0),13/02/26 11:00:00,A,DE,CN"
    for (product, year), value in values.items():
        lines.append(f"{start},{product},1,VALUE_IN_EUROS,{year},{value}")
        lines.append(f"{start},{product},1,QUANTITY_IN_100KG,{year},{value / 10}")
    request = Request(source="comext", path=DATA_PATH + "A.DE.CN.9503+9504.1.VALUE_IN_EUROS+QUANTITY_IN_100KG",
                      params=(), table="trade", cursor="A/2022-2023/9503+9504/import", periods=("2022", "2023"))
    rates = {"2022": 1.05, "2023": 1.08}
    frame = ComextFetcher(rates).parse(request, "\n".join(lines).encode(), FETCHED_AT).frame
    got = {(row["hs_code"], row["period"]): (row["value_usd"], row["net_weight_kg"])
           for row in frame.iter_rows(named=True)}
    assert got == {key: (pytest.approx(value * rates[key[1]]), pytest.approx(value / 10 * 100))
                   for key, value in values.items()}


def test_comext_parse_pivots_indicators_and_converts_to_usd() -> None:
    body = (COMEXT_FIXTURES / "DS-045409_M_9503_2023.csv").read_bytes()
    parsed = ComextFetcher(RATES).parse(_request(), body, FETCHED_AT)
    rows = sorted(parsed.frame.select("reporter", "partner", "flow", "period", "value_usd", "net_weight_kg").rows())
    assert rows == [
        ("DEU", "WLD", "export", "2023-01", pytest.approx(500_000 * 1.0785), pytest.approx(4_000.0)),
        ("FRA", "VNM", "import", "2023-01", pytest.approx(13_314.62175), None),  # value without quantity
        ("GRC", "CHN", "import", "2023-01", pytest.approx(1_078_500.0), pytest.approx(25_050.0)),
        ("GRC", "CHN", "import", "2023-02", pytest.approx(2_162_600.0), pytest.approx(30_000.0)),  # annual rate
    ]
    assert parsed.unknown_codes == ["QQ"]  # EXT_EU27_2020 is skipped on purpose, not reported
    constant = parsed.frame.select("source", "hs_code", "frequency", "hs_revision", "provenance", "fetched_at")
    assert constant.unique().rows() == [("comext", "9503", "M", "CN", "reported", FETCHED_AT)]
    assert parsed.frame.get_column("quantity").null_count() == parsed.frame.height
    assert validate(schema_for("trade"), parsed.frame).equals(parsed.frame)


def test_comext_parse_missing_rate_raises_naming_the_period() -> None:
    body = (COMEXT_FIXTURES / "DS-045409_M_9503_2023.csv").read_bytes()
    with pytest.raises(PayloadError, match="2023-02"):
        ComextFetcher({"2023-01": 1.0785}).parse(_request(), body, FETCHED_AT)


@pytest.mark.parametrize("body", [b"", (COMEXT_FIXTURES / "header_only.csv").read_bytes(),
                                  (COMEXT_FIXTURES / "sdmx_error.xml").read_bytes()])
def test_comext_parse_empty_answer_gives_empty_frame(body: bytes) -> None:
    parsed = ComextFetcher(RATES).parse(_request(), body, FETCHED_AT)
    assert parsed.frame.is_empty()
    assert parsed.frame.schema == TRADE.polars_schema


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((COMEXT_FIXTURES / "sdmx_error.xml").read_bytes().replace(b'code="100"', b'code="150"'),
         "SDMX error message \\(code 150: No Results Found\\)"),
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "HTML"),
        (b"geo,time,value\nDE,2023,1\n", "header lacks"),
        ((HEADER + ROW + "M,DE,CN,9503,1,VALUE_IN_EUROS,2023-01,abc\n").encode(), "OBS_VALUE 'abc' is not a"),
        ((HEADER + ROW + "M,DE,CN,9503,3,VALUE_IN_EUROS,2023-01,1\n").encode(), "flow"),
        ((HEADER + ROW + "M,DE,CN,9503,1,VALUE_IN_EUROS,2023,1\n").encode(), "does not match freq M"),
        ((HEADER + ROW + "M,DE,CN,9503,1,VALUE_IN_EUROS,2023-01,1\n" + ROW
          + "M,DE,CN,9503,1,VALUE_IN_EUROS,2023-01,2\n").encode(), "twice"),
    ],
)
def test_comext_parse_malformed_body_raises_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        ComextFetcher(RATES).parse(_request(), body, FETCHED_AT)


def test_comext_parse_rates_keeps_usd_averages_by_period() -> None:
    assert parse_rates((COMEXT_FIXTURES / "ert_bil_eur_a.json").read_bytes()) == {"2022": 1.053, "2023": 1.0813}
    assert parse_rates((COMEXT_FIXTURES / "ert_bil_eur_m.json").read_bytes()) == {"2023-01": 1.0785}


def test_comext_parse_rates_refuses_a_body_that_is_not_json_stat() -> None:
    with pytest.raises(PayloadError, match="lacks"):
        parse_rates(b'{"error": {"status": 400}}')


@dataclass
class _Result:
    content: bytes
    status_code: int = 200


class _FakeClient:
    """Answers rate requests from the fixtures and records what was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def get(self, request: Request, settings: SourceSettings) -> _Result:
        self.asked.append((request.path, request.params))
        return _Result((COMEXT_FIXTURES / f"{request.path.rsplit('/', 1)[-1]}.json").read_bytes())


def test_comext_prepare_loads_annual_and_monthly_rates() -> None:
    client = _FakeClient()
    fetcher = ComextFetcher()
    fetcher.prepare(client, SETTINGS)  # type: ignore[arg-type]
    params = (("format", "JSON"), ("lang", "EN"), ("currency", "USD"), ("statinfo", "AVG"))
    assert client.asked == [
        ("/eurostat/api/dissemination/statistics/1.0/data/ert_bil_eur_a", params),
        ("/eurostat/api/dissemination/statistics/1.0/data/ert_bil_eur_m", params),
    ]
    assert fetcher.usd_per_eur == {"2022": 1.053, "2023": 1.0813, "2023-01": 1.0785}


def test_comext_prepare_annual_only_skips_monthly_rates() -> None:
    client = _FakeClient()
    ComextFetcher().prepare(client, replace(SETTINGS, frequencies=("A",)))  # type: ignore[arg-type]
    assert [path.rsplit("/", 1)[-1] for path, _ in client.asked] == ["ert_bil_eur_a"]


# Contract test on the real Comext answers (kept outside the project, see ../shared/fixtures/README.md).
CONTRACT_RATES = {str(year): 1.0 + (year - 2015) / 100 for year in range(2015, 2026)} | {"2024-03": 1.087}


def _real_observations(path: Path) -> dict[tuple[str, ...], dict[str, float]]:
    """(reporter, partner, product, flow, period) -> {indicator: OBS_VALUE}, read with the csv module."""
    observations: dict[tuple[str, ...], dict[str, float]] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["reporter"], row["partner"], row["product"], row["flow"], row["TIME_PERIOD"])
            observations.setdefault(key, {})[row["indicators"]] = float(row["OBS_VALUE"])
    return observations


@pytest.mark.parametrize(
    ("name", "checks"),
    [
        ("DS-045409_A_CN39199080_sdmxcsv.csv", [("AT", "1", "2017"), ("GR", "2", "2020"), ("SE", "1", "2024")]),
        ("DS-045409_M_CN39199080_sdmxcsv.csv",
         [("AT", "1", "2023-01"), ("DE", "2", "2024-03"), ("GR", "1", "2024-06")]),
    ],
)
def test_comext_parse_real_answers_contract(name: str, checks: list[tuple[str, str, str]]) -> None:
    path = REAL_FILES / name
    if not path.exists():
        pytest.skip(f"real fixture {path} is not available")
    observations = _real_observations(path)
    parsed = ComextFetcher(CONTRACT_RATES).parse(_request(), path.read_bytes(), FETCHED_AT)
    assert parsed.unknown_codes == []
    assert parsed.frame.height == len(observations)
    iso3 = {"AT": "AUT", "GR": "GRC", "SE": "SWE", "DE": "DEU"}
    flows = {"1": "import", "2": "export"}
    for reporter, flow, period in checks:
        observed = observations[(reporter, "WORLD", "39199080", flow, period)]
        rate = CONTRACT_RATES.get(period, CONTRACT_RATES[period[:4]])
        row = parsed.frame.filter(
            (pl.col("reporter") == iso3[reporter]) & (pl.col("partner") == "WLD")
            & (pl.col("flow") == flows[flow]) & (pl.col("period") == period)
        )
        assert row.height == 1
        assert row.item(0, "value_usd") == pytest.approx(observed["VALUE_IN_EUROS"] * rate)
        assert row.item(0, "net_weight_kg") == pytest.approx(observed["QUANTITY_IN_100KG"] * 100)
        assert row.item(0, "hs_code") == "39199080"
    assert validate(schema_for("trade"), parsed.frame).height == len(observations)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("M,GR,CN,9503,1,VALUE_IN_EUROS,2023-01,-5000000", "OBS_VALUE '-5000000' is not a non-negative number"),
        ("M,GR,CN,9503,1,VALUE_IN_EUROS,2023-01,1e308", "OBS_VALUE '1e308' is not a non-negative number"),
        ("M,GR,CN,9503,1,VALUE_IN_EUROS,2023-01,NaN", "OBS_VALUE 'NaN' is not a non-negative number"),
        ("M,GR,CN,9503,1,QUANTITY_IN_100KG,2023-01,-2", "OBS_VALUE '-2' is not a non-negative number"),
        ("M,GR,CN,9503,1,VALUE_IN_EUROS,2023-01," + "9" * 400, "value_usd is NaN or infinite"),
        ("M,,CN,9503,1,VALUE_IN_EUROS,2023-01,5", "line=2: reporter is empty"),
        ("M,GR,CN,95<b>03,1,VALUE_IN_EUROS,2023-01,5", "hs_code '95<b>03' does not match"),
    ],
    ids=["negative", "exponent", "nan", "negative-weight", "overflow", "no-reporter", "html-code"],
)
def test_comext_parse_refuses_bad_values_naming_the_field(line: str, message: str) -> None:
    with pytest.raises((PayloadError, SchemaError), match=message):
        ComextFetcher(RATES).parse(_request(), (HEADER + ROW + line + "\n").encode(), FETCHED_AT)


def _rates_body(usd_2023: object) -> bytes:
    doc = json.loads((COMEXT_FIXTURES / "ert_bil_eur_a.json").read_bytes())
    doc["value"]["3"] = usd_2023
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (-1.08, "USD per EUR for 2023 is -1.08, expected a number between 0 and 10"),
        (0, "USD per EUR for 2023 is 0.0"),
        (1e308, "USD per EUR for 2023 is 1e\\+308"),
        ("1.08", "value '3' is '1.08': not a number"),
        (True, "value '3' is True: not a number"),
    ],
    ids=["negative", "zero", "huge", "string", "boolean"],
)
def test_comext_parse_rates_refuses_a_rate_that_is_not_a_positive_number(rate: object, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        parse_rates(_rates_body(rate))


def test_comext_negative_rate_fails_the_source_and_stores_nothing(config: Config, store: Store) -> None:
    """A negative EUR->USD rate used to turn every value negative; now prepare fails and nothing is written."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if "ert_bil_eur" in request.url.path:
            return httpx.Response(200, content=_rates_body(-1.08))
        return httpx.Response(200, content=(COMEXT_FIXTURES / "DS-045409_M_9503_2023.csv").read_bytes())

    local = local_config(config, comext={})
    scope = FetchScope(groups=(config.group("toys"),), years=(2023,))
    summary = run_fetch(local, store, ["comext"], scope, client_factory=client_for(handler, cache=False),
                        now=lambda: FETCHED_AT)
    assert summary.sources["comext"].failed == 1
    assert not store.has_data("trade")
    assert all("ert_bil_eur" in path for path in asked)  # no data request was sent with a broken rate
    error = store.read("fetch_log").get_column("error").item()
    assert "USD per EUR for 2023 is -1.08" in error
def _real_reporter_codes() -> set[str]:
    codes: set[str] = set()
    for path in sorted(REAL_FILES.glob("DS-045409_*.csv")):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            codes.update(row["reporter"] for row in csv.DictReader(handle))
    return codes


def test_comext_configured_reporters_use_codes_of_the_real_answers() -> None:
    """Every EU reporter of config/sources.toml is requested under a code Comext itself writes (GR, not EL)."""
    real_codes = _real_reporter_codes()
    if not real_codes:
        pytest.skip(f"real Comext files are not available in {REAL_FILES}")
    reporters = load_config(REPO_ROOT / "config").sources["comext"].reporters
    requested = {iso3: comext_code(iso3) for iso3 in reporters}
    assert requested["GRC"] == "GR"
    assert {iso3: code for iso3, code in requested.items() if code not in real_codes} == {}
    assert set(requested.values()) == real_codes  # the 27 members, each once


def test_comext_code_keeps_statistics_api_codes_apart() -> None:
    assert comext_code("GRC") == "GR" and comext_code("GBR") == "GB" and comext_code("DEU") == "DE"
    assert from_iso3("eurostat", "GRC") == "EL"  # the statistics API (e-commerce) does write EL
