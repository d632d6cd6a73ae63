"""IMF WEO (DataMapper): plan, the vintage from the catalogue, parse (groups dropped, unknown codes reported, bad
values quarantined), and a whole fetch run through the runner; World Bank capitals for the distances."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.conftest import FIXTURES
from tests.fetch_helpers import client_for, local_config
from tracker.config import Config, load_config
from tracker.errors import ConfigError, PayloadError
from tracker.fetch import run_fetch
from tracker.sources.base import FetchScope, Request
from tracker.sources.imf_weo import ImfWeoFetcher, parse_vintages
from tracker.sources.worldbank import WorldBankFetcher, capitals_request, parse_capitals
from tracker.store import Store
from tracker.tables import CAPITAL, WEO

FETCHED_AT = datetime(2026, 6, 1, tzinfo=UTC)


def load(name: str) -> bytes:
    return (FIXTURES / "imf_weo" / name).read_bytes()


def fetcher_with_vintage() -> ImfWeoFetcher:
    fetcher = ImfWeoFetcher()
    fetcher.vintages = parse_vintages(load("indicators.json"))
    return fetcher


def request_for(config: Config, indicator: str, years: tuple[int, ...] = (2024, 2025)) -> Request:
    plan = ImfWeoFetcher().plan(config.sources["imf_weo"], FetchScope(groups=config.groups, years=years))
    return next(r for r in plan if r.path.endswith(f"/{indicator}"))


def test_imf_weo_plan_one_request_per_indicator_up_to_five_years_ahead(config: Config) -> None:
    plan = ImfWeoFetcher().plan(config.sources["imf_weo"], FetchScope(groups=config.groups, years=(2020, 2025)))
    assert [r.path for r in plan] == [f"/external/datamapper/api/v1/{i}" for i in ("NGDP_RPCH", "NGDPD", "LP")]
    assert dict(plan[0].params)["periods"] == ",".join(str(year) for year in range(2020, 2031))
    assert plan[0].table == "weo" and plan[0].periods[-1] == "2030"  # t + 5 of the last year


def test_imf_weo_vintage_comes_from_the_catalogue() -> None:
    assert parse_vintages(load("indicators.json")) == {"NGDP_RPCH": "2026-04", "NGDPD": "2026-04", "LP": "2026-04"}
    october = load("indicators.json").replace(b"(April 2026)", b"(October 2025)")
    assert parse_vintages(october)["LP"] == "2025-10"
    with pytest.raises(PayloadError, match="names no WEO edition for NGDP_RPCH"):
        parse_vintages(load("indicators.json").replace(b"World Economic Outlook (April 2026)", b"WEO", 1))


def test_imf_weo_parse_keeps_countries_drops_groups_reports_unknown(config: Config) -> None:
    parsed = fetcher_with_vintage().parse(request_for(config, "NGDP_RPCH", (2024, 2025)), load("ngdp_rpch.json"),
                                          FETCHED_AT)
    frame = parsed.frame
    assert frame.schema == WEO.polars_schema
    assert sorted(frame.get_column("market").unique().to_list()) == ["CHN", "DEU", "USA"]  # WEOWORLD, SSQ, ADVEC
    assert parsed.unknown_codes == ["UVK"]  # the IMF's Kosovo: reported, not guessed
    assert frame.filter(market="CHN").sort("year").get_column("value").to_list() == [5.0, 4.8, 4.2, 4.0, 3.8,
                                                                                       3.6, 3.4]
    assert frame.filter(market="DEU", year=2024).item(0, "value") == -0.2  # negative growth is kept
    assert set(frame.get_column("vintage")) == {"2026-04"} and set(frame.get_column("unit")) == {"%"}
    assert frame.get_column("year").min() == 2024  # 2023 is outside the request's periods


def test_imf_weo_parse_quarantines_bad_values(config: Config) -> None:
    body = json.loads(load("ngdp_rpch.json"))
    series = body["values"]["NGDP_RPCH"]
    series["CHN"]["2025"] = "n/a"
    series["USA"]["2025"] = -140.0  # below -100 %: impossible growth
    series["DEU"]["2026"] = None  # no observation: missing, not malformed
    parsed = fetcher_with_vintage().parse(request_for(config, "NGDP_RPCH"), json.dumps(body).encode(), FETCHED_AT)
    assert parsed.frame.filter(market="CHN", year=2025).is_empty()
    assert parsed.frame.filter(market="USA", year=2025).is_empty()
    assert parsed.frame.filter(market="DEU").height == 6  # 2024, 2025, 2027..2030; the null 2026 left out
    assert parsed.skipped == 2 and parsed.skip_reasons == [
        "CHN 2025: 'n/a' is not a number in range for NGDP_RPCH",
        "USA 2025: -140.0 is not a number in range for NGDP_RPCH"]
    series["DEU"]["20x5"] = 1.0  # a third malformed value passes the 10 % of the answer: refused whole
    with pytest.raises(PayloadError, match="3 of 27 value"):
        fetcher_with_vintage().parse(request_for(config, "NGDP_RPCH"), json.dumps(body).encode(), FETCHED_AT)


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>Access denied</html>", "answer is not JSON"),
    (b'{"values": []}', "'values' is a list"),
    (b'{"values": {"NGDP_RPCH": [1, 2]}}', "values.NGDP_RPCH is a list"),
    (b"[1, 2]", "answer is a list"),
    (b'{"other": 1}', "neither 'values' nor 'api'"),
])
def test_imf_weo_parse_refuses_malformed_answers(config: Config, body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        fetcher_with_vintage().parse(request_for(config, "NGDP_RPCH"), body, FETCHED_AT)


def test_imf_weo_parse_without_vintage_refuses(config: Config) -> None:
    with pytest.raises(PayloadError, match="no WEO vintage known for LP"):
        ImfWeoFetcher().parse(request_for(config, "LP"), load("lp.json"), FETCHED_AT)


def test_imf_weo_runner_stores_every_indicator_with_its_vintage(config: Config, store: Store) -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        asked.append(name)
        body = {"indicators": "indicators.json", "NGDP_RPCH": "ngdp_rpch.json", "LP": "lp.json"}.get(name)
        return httpx.Response(200, content=load(body or "nothing.json"))

    summary = run_fetch(local_config(config, imf_weo={}), store, ["imf_weo"],
                        FetchScope(groups=config.groups, years=(2024, 2025)),
                        client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    assert asked[0] == "indicators" and sorted(asked[1:]) == ["LP", "NGDPD", "NGDP_RPCH"]
    weo = store.read("weo")
    assert summary.sources["imf_weo"].rows_written == weo.height == 21 + 8  # growth 3 × 7 years, population 2 × 4
    assert weo.filter(indicator="LP", market="CHN", year=2029).item(0, "value") == 1400.1
    assert set(weo.get_column("vintage")) == {"2026-04"}
    statuses = store.read("fetch_log").get_column("status").value_counts().sort("status").rows()
    assert statuses == [("empty", 1), ("ok", 2)]


def test_imf_weo_runner_fails_cleanly_when_the_catalogue_is_broken(config: Config, store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/indicators"):
            return httpx.Response(200, content=b'{"indicators": {}}')
        return httpx.Response(200, content=load("ngdp_rpch.json"))

    store.upsert("weo", pl.DataFrame([{"source": "imf_weo", "indicator": "LP", "market": "CHN", "year": 2024,
                                       "value": 1409.0, "unit": "persons mn", "vintage": "2025-10",
                                       "fetched_at": FETCHED_AT}], schema=WEO.polars_schema))
    summary = run_fetch(local_config(config, imf_weo={}), store, ["imf_weo"],
                        FetchScope(groups=config.groups, years=(2024,)),
                        client_factory=client_for(handler, cache=False), now=lambda: FETCHED_AT)
    assert summary.sources["imf_weo"].rows_written == 0 and summary.sources["imf_weo"].failed >= 1
    assert store.read("weo").height == 1  # what was stored stays


def test_worldbank_capitals_parse_skips_aggregates_and_blank_coordinates() -> None:
    parsed = parse_capitals((FIXTURES / "worldbank" / "countries.json").read_bytes(), FETCHED_AT)
    assert parsed.frame.schema == CAPITAL.polars_schema
    rows = parsed.frame.sort("market").select("market", "capital_city", "latitude", "longitude").rows()
    assert rows == [("ABW", "Oranjestad", 12.5167, -70.0167), ("CHN", "Beijing", 40.0495, 116.286),
                    ("DEU", "Berlin", 52.5235, 13.4115), ("USA", "Washington D.C.", 38.8895, -77.032),
                    ("XKX", "Pristina", 42.565, 20.926)]
    assert parsed.unknown_codes == ["CHI"]  # the Channel Islands: not in our reference (and no coordinates)


def test_worldbank_capitals_request_is_planned_with_the_indicators(config: Config) -> None:
    plan = WorldBankFetcher().plan(config.sources["worldbank"], FetchScope(groups=config.groups, years=(2024,)))
    assert plan[-1] == capitals_request() and dict(plan[-1].params) == {"format": "json", "per_page": "400"}
    assert WorldBankFetcher().follow_up(plan[-1], (FIXTURES / "worldbank" / "countries.json").read_bytes()) == []
    bad = json.loads((FIXTURES / "worldbank" / "countries.json").read_bytes())
    bad[1][3]["latitude"] = "95.0"  # out of range: no coordinates rather than a wrong distance
    parsed = WorldBankFetcher().parse(plan[-1], json.dumps(bad).encode(), FETCHED_AT)
    assert "CHN" not in parsed.frame.get_column("market").to_list()


@pytest.mark.parametrize("value", ["-1", "7", "nan", "true", '"1"'])
def test_import_income_elasticity_out_of_range_names_file_and_key(config_dir: Path, value: str) -> None:
    path = config_dir / "sources.toml"
    text = path.read_text(encoding="utf-8")
    assert "import_income_elasticity = 1.0" in text
    path.write_text(text.replace("import_income_elasticity = 1.0", f"import_income_elasticity = {value}"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config()
    message = str(caught.value)
    assert "sources.toml" in message and caught.value.key == "scope.import_income_elasticity"
    assert "from 0 to 5" in message and "\n" not in message


def test_import_income_elasticity_is_read(config_dir: Path) -> None:
    path = config_dir / "sources.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("import_income_elasticity = 1.0",
                                                             "import_income_elasticity = 1.5"), encoding="utf-8")
    assert load_config().scope.import_income_elasticity == 1.5
