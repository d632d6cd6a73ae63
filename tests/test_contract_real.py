"""Contract tests on real answers, replayed through the real fetch path.

Each real answer (captured from the live API by others; provenance in tests/fixtures/README.md) is served by a
loopback server at the API's real URL layout; the real ``run_fetch`` runner, with the source's base URL pointed
at it, plans, fetches, parses and stores; the test then reads the answer itself with ``json``/``csv`` and checks
that the stored values equal the answer's. The answers live in ../shared/fixtures (their terms do not let the
project ship them): each test is skipped when its file is absent.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest

from tests.conftest import FIXTURES, SHARED_FIXTURES
from tests.fetch_helpers import local_config, no_comtrade_key  # noqa: F401  (autouse fixture)
from tests.loopback import Server, loopback, send
from tests.wits_helpers import NO_RECORDS
from tracker import countries
from tracker.config import Config, ProductGroup
from tracker.errors import PayloadError
from tracker.fetch import run_fetch
from tracker.sources import sdmx
from tracker.sources.base import FetchScope
from tracker.sources.wits import WitsFetcher
from tracker.store import Store

NOW = datetime(2025, 6, 1, tzinfo=UTC)
WITS_JSON = SHARED_FIXTURES / "wits" / "TRN_840_000_all_2017_reported.json"
WITS_XML = SHARED_FIXTURES / "wits" / "DF_WITS_Tariff_TRAINS_840_000_020110_genericdata.xml"
COMEXT_ANNUAL = SHARED_FIXTURES / "eurostat_comext" / "DS-045409_A_CN39199080_sdmxcsv.csv"
COMEXT_MONTHLY = SHARED_FIXTURES / "eurostat_comext" / "DS-045409_M_CN39199080_sdmxcsv.csv"
COMTRADE_KEYED = SHARED_FIXTURES / "comtrade" / "data_v1_get_C_A_HS_156_2010_TOTAL.json"
COMTRADE_EMPTY = SHARED_FIXTURES / "comtrade" / "empty_answer.json"
WITS_PATH = "/API/V1/SDMX/V21/datasource/TRN/reporter/840/partner/000/product/all/year/2017/datatype/"


def needs(*paths: Path) -> pytest.MarkDecorator:
    missing = [path.name for path in paths if not path.is_file()]
    return pytest.mark.skipif(bool(missing), reason=f"real answer(s) {missing} absent from ../shared/fixtures")


# ------------------------------------------------------------------ WITS TRAINS (SDMX-JSON)
def wits_expected(doc: dict, prefixes: tuple[str, ...]) -> tuple[dict[str, float | None], int, list[str]]:
    """The answer read directly: {HS6: simple average or None (no ad-valorem line)} for the series under
    ``prefixes`` whose line counts are whole numbers, the number of series, and the malformed ones' codes."""
    structure = doc["structure"]
    products = next(d for d in structure["dimensions"]["series"] if d["id"] == "PRODUCTCODE")["values"]
    keys = [key.split(":") for key in doc["dataSets"][0]["series"]]
    slot = next(i for i in range(len(keys[0])) if len({key[i] for key in keys}) > 1)  # products vary, nothing else
    attributes = [item for item in structure["attributes"]["observation"]]
    names = [item["id"] for item in attributes]
    expected: dict[str, float | None] = {}
    malformed = []
    for key, series in doc["dataSets"][0]["series"].items():
        code = products[int(key.split(":")[slot])]["id"]
        observation = series["observations"]["0"]
        value = {name: (attributes[i]["values"][observation[i + 1]]["id"] if observation[i + 1] is not None else None)
                 for i, name in enumerate(names)}
        if not (value["TOTALNOOFLINES"] or "").isdigit():
            malformed.append(code)
            continue
        if code.startswith(prefixes):
            ad_valorem = int(value["TOTALNOOFLINES"]) > int(value["NBR_NA_LINES"] or 0)
            expected[code] = float(observation[0]) if ad_valorem else None
    return expected, len(keys), malformed


@needs(WITS_JSON)
def test_contract_real_wits_us_schedule_stores_every_good_series_and_counts_the_malformed_one(
        config: Config, store: Store) -> None:
    """The whole US MFN schedule of 2017 (5,388 series, one with empty line counts): before issue 20 the answer
    was refused whole; now every tracked code is stored with the answer's rate and the odd series is counted."""
    body = WITS_JSON.read_bytes()

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        url = urlsplit(handler.path)
        if url.path == WITS_PATH + "reported" and parse_qs(url.query) == {"format": ["JSON"]}:
            send(handler, 200, body, Content_Type="application/json")
        elif url.path == WITS_PATH + "aveestimated":
            send(handler, 404, NO_RECORDS, Content_Type="application/xml")  # so the runner asks for `reported`
        else:
            send(handler, 400, b"unexpected request " + handler.path.encode())

    scope = FetchScope(groups=config.groups, reporters=("USA",), years=(2017,))
    with loopback(respond) as server:
        local = local_config(config, wits={"base_url": server.url, "partners": ()})
        summary = run_fetch(local, store, ["wits"], scope, now=lambda: NOW)
    expected, series, malformed = wits_expected(json.loads(body), scope.hs_codes)
    assert (series, malformed) == (5388, ["271000"])
    assert (summary.sources["wits"].failed, summary.sources["wits"].rows_skipped) == (0, 1)
    stored = store.read("tariff")
    assert stored.height == len(expected) > 500  # 681 codes under the shipped groups
    rates = dict(zip(stored.get_column("hs_code"), stored.get_column("avg_rate_pct"), strict=True))
    equal = [code for code, rate in expected.items()
             if (rate is None and rates[code] is None) or (rate is not None and rates[code] == pytest.approx(rate))]
    assert len(equal) == len(expected)  # every tracked code holds the answer's rate (or no average, as WITS says)
    assert set(stored.get_column("tariff_type")) == {"MFN"} and set(stored.get_column("provenance")) == {"reported"}
    log = store.read("fetch_log")
    assert sorted(log.get_column("status")) == ["empty", "ok"]  # aveestimated: no records; reported: the answer
    warning = log.filter(pl.col("status") == "ok").get_column("error").item()
    assert warning.startswith("warning: 1 of 5,388 malformed row(s) skipped: series ")
    assert "(271000) observation 0: TOTALNOOFLINES is ''" in warning


@needs(WITS_XML)
def test_contract_real_wits_sdmx_ml_answer_is_refused_clearly_never_read_as_no_data() -> None:
    """We ask WITS for SDMX-JSON; a real SDMX-ML data message (its default format) must fail naming what it
    is, and must not pass for the SDMX "no data" error."""
    body = WITS_XML.read_bytes()
    assert not sdmx.is_no_data(body)
    request = WitsFetcher().request("USA", ["WLD"], 2024, "reported", ["020110"])
    with pytest.raises(PayloadError, match="expected SDMX-JSON, got XML that is not an answer"):
        WitsFetcher().parse(request, body, NOW)


# ------------------------------------------------------------------ Comext (SDMX-CSV)
def comext_rows(path: Path, period_prefix: str) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if row["TIME_PERIOD"].startswith(period_prefix)]


def comext_answer(path: Path, period_prefix: str) -> bytes:
    """The real file's rows for the period asked, as the API would answer that narrower query."""
    rows = comext_rows(path, period_prefix)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


@needs(COMEXT_ANNUAL, COMEXT_MONTHLY)
@pytest.mark.parametrize(("path", "frequency", "year"), [(COMEXT_ANNUAL, "A", 2023), (COMEXT_MONTHLY, "M", 2023)])
def test_contract_real_comext_answer_stored_values_equal_the_answer(
        config: Config, store: Store, path: Path, frequency: str, year: int) -> None:
    rates_a = json.loads((FIXTURES / "comext" / "ert_bil_eur_a.json").read_bytes())
    rates_m = (FIXTURES / "comext" / "ert_bil_eur_m.json").read_bytes()
    served: Counter[str] = Counter()

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        url = urlsplit(handler.path)
        query = parse_qs(url.query)
        if url.path.endswith("/statistics/1.0/data/ert_bil_eur_a"):
            send(handler, 200, json.dumps(rates_a).encode(), Content_Type="application/json")
        elif url.path.endswith("/statistics/1.0/data/ert_bil_eur_m"):
            send(handler, 200, rates_m, Content_Type="application/json")
        elif url.path.startswith("/eurostat/api/comext/dissemination/sdmx/2.1/data/DS-045409/") \
                and query.get("format") == ["SDMX-CSV"]:
            served[url.path.rsplit("/", 1)[-1].split(".")[3]] += 1
            send(handler, 200, comext_answer(path, str(year)), Content_Type="text/csv")
        else:
            send(handler, 400, b"unexpected request")

    group = ProductGroup(id="labels", name_en="Labels", name_zh="标签", hs_codes=("39199080",))
    scope = FetchScope(groups=(group,), years=(year,))
    with loopback(respond) as server:
        local = local_config(config, comext={"base_url": server.url, "frequencies": (frequency,)})
        summary = run_fetch(local, store, ["comext"], scope, now=lambda: NOW)
    assert (summary.sources["comext"].failed, summary.sources["comext"].rows_skipped, served) == (
        0, 0, Counter({"39199080": 1}))
    annual = {period: value for period, value in zip(["2022", "2023"], [1.053, 1.0813], strict=True)}
    monthly = _monthly_rates(rates_m)
    expected: dict[tuple[str, str, str], tuple[float, float | None]] = {}
    weights: dict[tuple[str, str, str], float] = {}
    for row in comext_rows(path, str(year)):
        key = (countries.to_iso3("eurostat", {"GR": "EL"}.get(row["reporter"], row["reporter"])),
               {"1": "import", "2": "export"}[row["flow"]], row["TIME_PERIOD"])
        if row["indicators"] == "VALUE_IN_EUROS" and row["OBS_VALUE"] not in ("", ":"):
            rate = monthly.get(row["TIME_PERIOD"], annual[row["TIME_PERIOD"][:4]])
            expected[key] = (float(row["OBS_VALUE"]) * rate, None)
        elif row["indicators"] == "QUANTITY_IN_100KG" and row["OBS_VALUE"] not in ("", ":"):
            weights[key] = float(row["OBS_VALUE"]) * 100
    stored = store.read("trade")
    assert stored.height == len(expected) > 50
    for reporter, flow, period, value, weight in stored.select(
            "reporter", "flow", "period", "value_usd", "net_weight_kg").iter_rows():
        assert value == pytest.approx(expected[(reporter, flow, period)][0])
        assert weight == (pytest.approx(weights[(reporter, flow, period)]) if (reporter, flow, period) in weights
                          else None)
    assert set(stored.get_column("partner")) == {"WLD"} and set(stored.get_column("hs_code")) == {"39199080"}


def _monthly_rates(body: bytes) -> dict[str, float]:
    """USD per EUR by month from the JSON-stat rate fixture, read without our decoder."""
    doc = json.loads(body)
    times = sorted(doc["dimension"]["time"]["category"]["index"].items(), key=lambda item: item[1])
    currencies = doc["dimension"]["currency"]["category"]["index"]
    sizes = dict(zip(doc["id"], doc["size"], strict=True))
    usd = currencies["USD"]
    rates = {}
    for period, position in times:
        flat = usd * sizes["time"] + position  # currency and time are the last two dimensions
        if str(flat) in doc["value"]:
            rates[period.replace("M", "-")] = doc["value"][str(flat)]
    return rates


# ------------------------------------------------------------------ Comtrade (keyed data API)
@needs(COMTRADE_KEYED, COMTRADE_EMPTY)
def test_contract_real_comtrade_keyed_answer_stored_values_equal_the_answer(
        config: Config, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "test-key-not-secret")
    real = json.loads(COMTRADE_KEYED.read_bytes())
    seen: list[dict[str, list[str]]] = []

    def respond(handler: BaseHTTPRequestHandler, server: Server) -> None:
        url = urlsplit(handler.path)
        query = parse_qs(url.query)
        seen.append(query)
        if url.path != "/data/v1/get/C/A/HS" or handler.headers.get("Ocp-Apim-Subscription-Key") is None:
            send(handler, 400, b"unexpected request")
        elif "TOTAL" in query["cmdCode"][0].split(",") and query["period"] == ["2010"]:
            send(handler, 200, COMTRADE_KEYED.read_bytes(), Content_Type="application/json")
        else:
            send(handler, 200, COMTRADE_EMPTY.read_bytes(), Content_Type="application/json")

    scope = FetchScope(groups=(config.group("toys"),), reporters=("CHN",), years=(2010,))
    with loopback(respond) as server:
        local = local_config(config, comtrade={"base_url": server.url, "frequencies": ("A",),
                                               "flows": ("import", "export"), "partners": ("ARG", "DEU")})
        summary = run_fetch(local, store, ["comtrade"], scope, now=lambda: NOW)
    assert summary.sources["comtrade"].failed == 0 and seen
    stored = store.read("trade").filter(pl.col("hs_code") == "TOTAL")
    expected = {(countries.to_iso3("comtrade", str(record["partnerCode"])),
                 {"M": "import", "X": "export"}[record["flowCode"]]): record["primaryValue"] for record in real["data"]}
    got = {(partner, flow): value for partner, flow, value in stored.select("partner", "flow", "value_usd").iter_rows()}
    assert got == expected and len(got) == 4
    assert set(stored.get_column("reporter")) == {"CHN"} and set(stored.get_column("hs_revision")) == {"H3"}
