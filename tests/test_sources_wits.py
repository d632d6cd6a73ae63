"""WITS TRAINS tariffs: plan, follow-ups and parsing of hand-built SDMX-JSON answers of the real shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from tests.wits_helpers import LISTED_SLOTS, NO_RECORDS, REAL_SLOTS, answer, row
from tracker.config import REPO_ROOT, load_config
from tracker.errors import PayloadError, TrackerError
from tracker.sources.base import FetchScope
from tracker.sources.wits import WitsFetcher

FETCHED = datetime(2026, 1, 5, tzinfo=UTC)


def request(market: str = "USA", partner: str = "WLD", products: list[str] | None = None,
            datatype: str = "aveestimated", year: int = 2023):
    return WitsFetcher().request(market, partner.split("+"), year, datatype, products or ["all", "9503", "9504"])


def parse(body: bytes, **asked: Any) -> pl.DataFrame:
    return WitsFetcher().parse(request(**asked), body, FETCHED).frame


MFN_ROWS = [row("950300", "MFN", 0.0, "0", "0", 12), row("950450", "MFN", 1.6, "0", "4.8", 3),
            row("950490", "MFN", 2.5, "0", "5", 8, na_lines=1)]


@pytest.mark.parametrize("slots", [REAL_SLOTS, LISTED_SLOTS], ids=["product-slot-2", "listed-order"])
def test_sources_wits_mfn_series_parse_in_both_slot_orders(slots: dict[str, int]) -> None:
    frame = parse(answer("840", "000", MFN_ROWS, slots=slots)).sort("hs_code")
    assert frame.get_column("hs_code").to_list() == ["950300", "950450", "950490"]
    assert set(frame.get_column("market")) == {"USA"} and set(frame.get_column("partner")) == {"WLD"}
    assert set(frame.get_column("tariff_type")) == {"MFN"} and set(frame.get_column("datatype")) == {"aveestimated"}
    assert frame.get_column("avg_rate_pct").to_list() == [0.0, 1.6, 2.5]
    assert frame.get_column("max_rate_pct").to_list() == [0.0, 4.8, 5.0]
    assert frame.get_column("lines").to_list() == [12, 3, 8]
    assert frame.get_column("non_ad_valorem_lines").to_list() == [0, 0, 1]
    assert set(frame.get_column("hs_revision")) == {"H6"} and set(frame.get_column("source")) == {"wits"}
    assert set(frame.get_column("year")) == {2023}


def test_sources_wits_key_position_is_used_when_given() -> None:
    frame = parse(answer("840", "000", MFN_ROWS, slots=REAL_SLOTS, key_position=True))
    assert sorted(frame.get_column("hs_code").to_list()) == ["950300", "950450", "950490"]


@pytest.mark.parametrize("spelling", ["PRF", "PREF"])
def test_sources_wits_preferential_series_either_spelling(spelling: str) -> None:
    rows = [row("950300", spelling, 0.0, "0", "0", 12), row("950490", spelling, 0.5, "0", "1", 8)]
    frame = parse(answer("840", "484", rows), partner="MEX").sort("hs_code")
    assert frame.select("market", "partner", "tariff_type").unique().rows() == [("USA", "MEX", "PRF")]
    assert frame.get_column("avg_rate_pct").to_list() == [0.0, 0.5]


def test_sources_wits_eu_reporter_918_is_euu() -> None:
    frame = parse(answer("918", "156", [row("950300", "PRF", 1.7, "0", "4.7", 9)]), market="EUU", partner="CHN")
    assert frame.select("market", "partner", "hs_code").rows() == [("EUU", "CHN", "950300")]


def test_sources_wits_products_outside_the_asked_prefixes_are_not_kept() -> None:
    rows = [*MFN_ROWS, row("950510", "MFN", 3.0, "0", "6", 2), row("640399", "MFN", 10.0, "5", "20", 4)]
    frame = parse(answer("840", "000", rows))  # the cursor asked for all products under 9503 and 9504
    assert sorted(frame.get_column("hs_code").to_list()) == ["950300", "950450", "950490"]


def test_sources_wits_only_non_ad_valorem_lines_give_no_average_rather_than_zero() -> None:
    frame = parse(answer("840", "000", [row("950300", "MFN", 0.0, "0", "0", 4, na_lines=4)]))
    assert frame.get_column("avg_rate_pct").to_list() == [None]
    assert frame.get_column("min_rate_pct").to_list() == [None]
    assert frame.get_column("non_ad_valorem_lines").to_list() == [4]


def test_sources_wits_several_years_in_one_answer_are_refused_if_not_asked() -> None:
    rows = [row("950300", "MFN", 0.0, "0", "0", 12), row("950300", "MFN", 1.0, "0", "2", 12, year="2022")]
    with pytest.raises(PayloadError, match="TIME_PERIOD 2022 is not the year asked"):
        parse(answer("840", "000", rows))


def test_sources_wits_provenance_follows_the_datatype() -> None:
    body = answer("840", "000", MFN_ROWS, datatype="Reported")
    frame = parse(body, datatype="reported")
    assert set(frame.get_column("datatype")) == {"reported"} and set(frame.get_column("provenance")) == {"reported"}
    estimated = parse(answer("840", "000", MFN_ROWS))
    assert set(estimated.get_column("provenance")) == {"estimated"}


def test_sources_wits_no_records_404_body_is_an_empty_answer() -> None:
    assert parse(NO_RECORDS).is_empty()
    assert request().answer_statuses == (404, 413)  # the client hands these bodies to parse and follow_up


def test_sources_wits_error_with_http_200_is_a_payload_error_naming_the_message() -> None:
    body = (b'<?xml version="1.0" encoding="utf-8"?><wits:error xmlns:wits="http://wits.worldbank.org">'
            b'<wits:message id="150">Invalid parameter value: reporter 999</wits:message></wits:error>')
    with pytest.raises(PayloadError, match="WITS reported an error: Invalid parameter value: reporter 999"):
        parse(body)


def test_sources_wits_large_data_error_splits_a_product_list() -> None:
    body = (b'<wits:error xmlns:wits="http://wits.worldbank.org"><wits:message id="200">The provided parameter '
            b'values return large data</wits:message></wits:error>')
    original = request(products=["950300", "950450", "950490", "950510"])
    with pytest.raises(PayloadError, match=r"large data \(the product list is split"):
        WitsFetcher().parse(original, body, FETCHED)
    halves = WitsFetcher().follow_up(original, body)
    assert [h.path.split("/product/")[1].split("/")[0] for h in halves] == ["950300;950450", "950490;950510"]
    assert all(h.replaces == original.cursor and h.cursor != original.cursor for h in halves)


def test_sources_wits_aveestimated_without_records_falls_back_to_reported() -> None:
    fetcher = WitsFetcher()
    original = request(partner="VNM")
    [fallback] = fetcher.follow_up(original, NO_RECORDS)
    assert fallback.path.endswith("/partner/704/product/all/year/2023/datatype/reported")
    assert fallback.replaces is None and fallback.cursor == "2023/USA/VNM/reported/all:9503+9504"
    assert fetcher.follow_up(fallback, NO_RECORDS) == []  # reported is the last resort
    assert fetcher.follow_up(original, answer("840", "704", [row("950300", "PRF", 0.0, "0", "0", 1)])) == []


@pytest.mark.parametrize(("body", "problem"), [
    (b'{"structure": {}, "dataSets": [', "not JSON"),
    (b'<html><body>Service unavailable</body></html>', "expected SDMX-JSON, got XML"),
    (b'{"dataSets": [{"series": {}}]}', "lacks 'structure'"),
    (b'[]', "a list, expected an object with 'structure'"),
])
def test_sources_wits_malformed_answers_name_what_is_wrong(body: bytes, problem: str) -> None:
    with pytest.raises(PayloadError, match=problem):
        parse(body)


def test_sources_wits_bad_attribute_index_and_wrong_reporter_are_refused() -> None:
    payload = json.loads(answer("840", "000", MFN_ROWS))
    first = next(iter(payload["dataSets"][0]["series"].values()))
    first["observations"]["0"][3] = 99  # TARIFFTYPE index past its values
    with pytest.raises(PayloadError, match="attribute TARIFFTYPE index 99"):
        parse(json.dumps(payload).encode())
    with pytest.raises(PayloadError, match="reporter and partner asked for"):
        parse(answer("124", "000", MFN_ROWS))  # Canada's answer to a request for the USA


def test_sources_wits_mfn_type_with_a_bilateral_partner_is_refused() -> None:
    with pytest.raises(PayloadError, match="MFN comes only with partner 000"):
        parse(answer("840", "156", [row("950300", "MFN", 0.0, "0", "0", 1)]), partner="CHN")


def test_sources_wits_plan_markets_partners_and_products() -> None:
    config = load_config(REPO_ROOT / "config")
    settings = config.sources["wits"]
    fetcher = WitsFetcher()
    [toys] = fetcher.plan(settings, FetchScope(groups=(config.group("toys"),), reporters=("USA",), years=(2023,)))
    partners = toys.path.split("/partner/")[1].split("/")[0].split(";")
    assert partners[0] == "000" and "840" not in partners  # MFN first; the USA pays no US tariff
    assert len(partners) == 1 + len(settings.partners) - 1  # every exporter but the market, in one request
    assert toys.cursor == f"2023/USA/WLD+{'+'.join(p for p in settings.partners if p != 'USA')}/aveestimated/" \
        "all:9503+9504+9505"
    assert "/product/all/" in toys.path
    [eu] = fetcher.plan(settings, FetchScope(groups=(config.group("smart_home"),), reporters=("DEU",), years=(2023,)))
    assert eu.path.split("/reporter/")[1].split("/")[0] == "918"  # Germany's tariff is the EU's
    assert not {"DEU", "ITA", "POL"} & set(eu.cursor.split("/")[2].split("+"))  # no tariff inside the EU
    assert eu.path.split("/product/")[1].startswith("852589;853110;851762;903210;940542/")
    with pytest.raises(TrackerError, match="WLD is not a market"):
        fetcher.plan(settings, FetchScope(groups=config.groups, reporters=("WLD",), years=(2023,)))


def test_sources_wits_plan_goes_newest_year_first_then_markets_in_config_order() -> None:
    config = load_config(REPO_ROOT / "config")
    settings = config.sources["wits"]
    planned = WitsFetcher().plan(settings, FetchScope(groups=(config.group("toys"),), years=(2019, 2023, 2021)))
    order = [(int(r.cursor.split("/")[0]), r.cursor.split("/")[1]) for r in planned]
    assert order == [(year, market) for year in (2023, 2021, 2019) for market in settings.reporters]
    assert settings.reporters[:2] == ("USA", "EUU")  # the shipped config lists the largest markets first


def test_sources_wits_one_answer_for_several_partners_stores_each_partner() -> None:
    """A batched answer: the MFN series (partner 000) and PRF series of two exporters, keys in the real order."""
    rows = [row("950300", "MFN", 0.0, "0", "0", 12), row("950450", "MFN", 1.6, "0", "4.8", 3),
            {**row("950300", "PRF", 0.0, "0", "0", 12), "partner": "484"},
            {**row("950450", "PRF", 0.4, "0", "0.8", 3), "partner": "410"}]
    frame = parse(answer("840", "000", rows), partner="WLD+MEX+KOR").sort("partner", "hs_code")
    assert frame.select("partner", "hs_code", "tariff_type", "avg_rate_pct").rows() == [
        ("KOR", "950450", "PRF", 0.4), ("MEX", "950300", "PRF", 0.0),
        ("WLD", "950300", "MFN", 0.0), ("WLD", "950450", "MFN", 1.6)]
    assert set(frame.get_column("market")) == {"USA"}
    with pytest.raises(PayloadError, match="reporter and partner asked for"):  # Korea was not asked for
        parse(answer("840", "000", rows), partner="WLD+MEX")


def test_sources_wits_reported_is_asked_once_for_the_partners_without_estimates() -> None:
    fetcher = WitsFetcher()
    original = request(partner="WLD+MEX+KOR+VNM")
    body = answer("840", "000", [row("950300", "MFN", 0.0, "0", "0", 12),
                                 {**row("950300", "PRF", 0.0, "0", "0", 12), "partner": "484"}])
    [fallback] = fetcher.follow_up(original, body)
    assert fallback.path.endswith("/partner/410;704/product/all/year/2023/datatype/reported")
    assert fallback.cursor == "2023/USA/KOR+VNM/reported/all:9503+9504" and fallback.replaces is None
    assert fetcher.most_follow_ups(original) == 1 and fetcher.most_follow_ups(fallback) == 0
    [whole] = fetcher.follow_up(original, NO_RECORDS)
    assert whole.cursor == "2023/USA/WLD+MEX+KOR+VNM/reported/all:9503+9504"


@pytest.mark.parametrize("body", [
    b'<wits:error xmlns:wits="http://wits.worldbank.org"><wits:message id="200">The provided parameter values return '
    b'large data</wits:message></wits:error>',
    b"<html><head><title>413 Request Entity Too Large</title></head><body>Request Entity Too Large</body></html>",
])
def test_sources_wits_too_large_answer_splits_the_partners_first(body: bytes) -> None:
    fetcher = WitsFetcher()
    original = request(partner="WLD+MEX+KOR+VNM", products=["950300", "950450"])
    halves = fetcher.follow_up(original, body)
    assert [h.cursor.split("/")[2] for h in halves] == ["WLD+MEX", "KOR+VNM"]
    assert all(h.replaces == original.cursor and h.cursor.endswith("/950300+950450") for h in halves)
    products = fetcher.follow_up(request(partner="WLD", products=["950300", "950450"]), body)  # one partner left
    assert [p.cursor.split("/")[4] for p in products] == ["950300", "950450"]
    with pytest.raises(PayloadError):
        fetcher.parse(original, body, FETCHED)


def test_sources_wits_iso3_dimension_values_and_string_obs_values_are_read() -> None:
    payload = json.loads(answer("USA", "000", MFN_ROWS))
    for series in payload["dataSets"][0]["series"].values():
        for observation in series["observations"].values():
            observation[0] = str(observation[0])  # SDMX-JSON allows a value as a string
    frame = parse(json.dumps(payload).encode()).sort("hs_code")
    assert frame.get_column("avg_rate_pct").to_list() == [0.0, 1.6, 2.5]
    assert set(frame.get_column("market")) == {"USA"}
    next(iter(payload["dataSets"][0]["series"].values()))["observations"]["0"][0] = "n/a"
    with pytest.raises(PayloadError, match="OBS_VALUE is 'n/a'"):
        parse(json.dumps(payload).encode())
