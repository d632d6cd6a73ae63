"""Tests for the Eurostat e-commerce fetcher and the JSON-stat decoder it shares with Comext's rates."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tracker.config import ProductGroup, SourceSettings
from tracker.errors import PayloadError, SchemaError
from tracker.schemas import validate
from tracker.sources import jsonstat
from tracker.sources.base import FetchScope, Parsed, Request
from tracker.sources.eurostat_ecommerce import EurostatEcommerceFetcher
from tracker.tables import ECOMMERCE, schema_for

ECOMMERCE_FIXTURES = FIXTURES / "eurostat_ecommerce"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DATA_PATH = "/eurostat/api/dissemination/statistics/1.0/data/"

SETTINGS = SourceSettings(
    id="eurostat_ecommerce", enabled=True, base_url="https://ec.europa.eu", api_key_env=None,
    requests_per_minute=20, requests_per_day=None, reporters=(), partners=(), first_year=2020, last_year=2024,
    frequencies=("A",), flows=(),
)
APPAREL = ProductGroup(id="apparel", name_en="Apparel", name_zh="服装", hs_codes=("61",),
                       ecommerce_categories=("I_BCLOT1",))
SPORTS = ProductGroup(id="sports", name_en="Sports", name_zh="体育", hs_codes=("9506",),
                      ecommerce_categories=("I_BSPG",))


def _request(dataset: str) -> Request:
    return Request(source="eurostat_ecommerce", path=DATA_PATH + dataset, params=(), table="ecommerce",
                   cursor="test", periods=("2023", "2024"))


def _parse(dataset: str, body: bytes | None = None) -> Parsed:
    data = body if body is not None else (ECOMMERCE_FIXTURES / f"{dataset}.json").read_bytes()
    return EurostatEcommerceFetcher().parse(_request(dataset), data, FETCHED_AT)


def test_ecommerce_plan_one_request_per_dataset_with_filters() -> None:
    requests = EurostatEcommerceFetcher().plan(SETTINGS, FetchScope(groups=(APPAREL, SPORTS)))
    assert [r.path for r in requests] == [
        DATA_PATH + "isoc_ec_ib20", DATA_PATH + "isoc_ec_ibos", DATA_PATH + "isoc_ec_ibgs",
    ]
    base = (("format", "JSON"), ("lang", "EN"), ("ind_type", "IND_TOTAL"))
    assert requests[0].params == (*base, ("indic_is", "I_BLT12"), ("unit", "PC_IND"), ("sinceTimePeriod", "2020"))
    assert requests[1].params == (
        *base, ("indic_is", "I_BPG_DOM"), ("indic_is", "I_BPG_EU"), ("indic_is", "I_BPG_WRLD"),
        ("indic_is", "I_BPG_FOR"), ("unit", "PC_IND"), ("unit", "PC_IND_BUY3"), ("sinceTimePeriod", "2020"),
    )
    assert requests[2].params == (*base, ("sinceTimePeriod", "2020"))  # every goods category is stored
    assert requests[2].cursor == "A/2020/isoc_ec_ibgs/I_BCLOT1+I_BSPG"
    assert requests[0].periods == ("2020", "2021", "2022", "2023", "2024")
    assert all(r.table == "ecommerce" and r.source == "eurostat_ecommerce" for r in requests)


def test_ecommerce_plan_adds_geo_filters_only_for_listed_reporters() -> None:
    settings = replace(SETTINGS, reporters=("GRC", "DEU"))
    requests = EurostatEcommerceFetcher().plan(settings, FetchScope(groups=(APPAREL,), years=(2023, 2024)))
    geo = [value for name, value in requests[0].params if name == "geo"]
    assert geo == ["EL", "DE"]
    assert ("sinceTimePeriod", "2023") in requests[0].params
    unfiltered = EurostatEcommerceFetcher().plan(SETTINGS, FetchScope(groups=(APPAREL,)))
    assert all(name != "geo" for r in unfiltered for name, _ in r.params)


def test_ecommerce_parse_bought_online_rows() -> None:
    parsed = _parse("isoc_ec_ib20")
    rows = sorted(parsed.frame.select("indicator", "market", "category", "period", "year", "value", "unit").rows())
    assert rows == [
        ("I_BLT12", "DEU", "ALL", "2023", 2023, 77.0, "PC_IND"),
        ("I_BLT12", "DEU", "ALL", "2024", 2024, 79.5, "PC_IND"),
        ("I_BLT12", "EUU", "ALL", "2023", 2023, 69.0, "PC_IND"),
        ("I_BLT12", "EUU", "ALL", "2024", 2024, 70.5, "PC_IND"),
        ("I_BLT12", "GRC", "ALL", "2023", 2023, 52.3, "PC_IND"),  # GRC 2024 is absent in the sparse value
    ]
    assert parsed.unknown_codes == ["QQ"]  # EA20 is an aggregate: skipped without being reported
    assert parsed.frame.get_column("indicator_label").unique().to_list() == ["Last online purchase: in the 12 months"]
    assert parsed.frame.select("source", "fetched_at").unique().rows() == [("eurostat_ecommerce", FETCHED_AT)]
    assert validate(schema_for("ecommerce"), parsed.frame).equals(parsed.frame)


def test_ecommerce_parse_goods_categories_use_the_indicator_as_category() -> None:
    parsed = _parse("isoc_ec_ibgs")
    rows = sorted(parsed.frame.select("indicator", "market", "category", "value", "indicator_label").rows())
    clothes = "Online purchases: clothes (including sport clothing), shoes or accessories"
    assert rows == [
        ("I_BCLOT1", "EUU", "I_BCLOT1", 45.0, clothes),
        ("I_BCLOT1", "GRC", "I_BCLOT1", 40.1, clothes),
        ("I_BSPG", "EUU", "I_BSPG", 12.5, "Online purchases: sports goods (excluding sport clothing)"),
    ]
    assert parsed.unknown_codes == []


def test_ecommerce_parse_seller_origin_dense_values_skip_nulls() -> None:
    parsed = _parse("isoc_ec_ibos")
    assert sorted(parsed.frame.select("indicator", "unit", "market", "value").rows()) == [
        ("I_BPG_DOM", "PC_IND", "DEU", 60.0),
        ("I_BPG_DOM", "PC_IND_BUY3", "DEU", 80.0),
        ("I_BPG_FOR", "PC_IND", "DEU", 30.0),
    ]


def test_ecommerce_parse_empty_value_gives_empty_frame() -> None:
    doc = json.loads((ECOMMERCE_FIXTURES / "isoc_ec_ib20.json").read_bytes())
    doc["value"] = {}
    parsed = _parse("isoc_ec_ib20", json.dumps(doc).encode())
    assert parsed.frame.is_empty()
    assert parsed.frame.schema == ECOMMERCE.polars_schema
    assert parsed.unknown_codes == []


@pytest.mark.parametrize("key", ["id", "size", "value", "dimension"])
def test_ecommerce_parse_missing_json_stat_key_raises_payload_error(key: str) -> None:
    doc = json.loads((ECOMMERCE_FIXTURES / "isoc_ec_ib20.json").read_bytes())
    del doc[key]
    with pytest.raises(PayloadError, match=key):
        _parse("isoc_ec_ib20", json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda doc: doc.update(size=[1, 1, 1, 1, 4, 2]), "size 4"),
        (lambda doc: doc.update(value={"99": 1.0}), "outside the cube"),
        (lambda doc: doc.update(value={"0": "n/a"}), "not a number"),
        (lambda doc: doc["dimension"].pop("geo"), "no category"),
    ],
)
def test_ecommerce_parse_inconsistent_json_stat_raises_payload_error(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    doc = json.loads((ECOMMERCE_FIXTURES / "isoc_ec_ib20.json").read_bytes())
    mutate(doc)
    with pytest.raises(PayloadError, match=message):
        _parse("isoc_ec_ib20", json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"<html>Service unavailable</html>", "non-JSON"), (b"[1, 2]", "JSON-stat object"), (b"", "empty body")],
)
def test_ecommerce_parse_non_json_stat_body_raises_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        _parse("isoc_ec_ib20", body)


def test_ecommerce_parse_missing_geo_dimension_raises_payload_error() -> None:
    doc = {"id": ["indic_is", "time"], "size": [1, 1], "value": {"0": 1.0},
           "dimension": {"indic_is": {"category": {"index": {"I_BLT12": 0}}},
                         "time": {"category": {"index": {"2024": 0}}}}}
    with pytest.raises(PayloadError, match="geo"):
        _parse("isoc_ec_ib20", json.dumps(doc).encode())


def test_jsonstat_decode_is_row_major_with_list_or_object_index() -> None:
    doc = {"id": ["a", "b"], "size": [2, 3], "value": {"1": 1.0, "3": 3.0, "5": 5.0},
           "dimension": {"a": {"category": {"index": ["x", "y"], "label": {"x": "Ex", "y": "Why"}}},
                         "b": {"category": {"index": {"p": 0, "q": 1, "r": 2}}}}}
    table = jsonstat.decode(doc, "test")
    assert table.frame.rows() == [("x", "q", 1.0), ("y", "p", 3.0), ("y", "r", 5.0)]
    assert table.labels == {"a": {"x": "Ex", "y": "Why"}, "b": {}}


def _rename_category(doc: dict[str, Any], dimension: str, old: str, new: str) -> None:
    category = doc["dimension"][dimension]["category"]
    category["index"] = {new if code == old else code: position for code, position in category["index"].items()}
    category["label"] = {new if code == old else code: label for code, label in category["label"].items()}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda doc: doc["value"].update({"0": 177.0}), "value '177.0' is outside \\[0, 100\\]"),
        (lambda doc: doc["value"].update({"0": -4.0}), "value '-4.0' is outside"),
        (lambda doc: doc["value"].update({"0": True}), "value '0' is True: not a number"),
        (lambda doc: doc["value"].update({"0": "77"}), "value '0' is '77': not a number"),
        (lambda doc: _rename_category(doc, "unit", "PC_IND", "THS_EUR"), "unit 'THS_EUR' does not match"),
        (lambda doc: _rename_category(doc, "indic_is", "I_BLT12", "<b>I</b>"), "indicator '<b>I</b>' does not match"),
    ],
    ids=["above-100", "negative", "boolean", "numeric-string", "unknown-unit", "html-indicator"],
)
def test_ecommerce_parse_refuses_bad_values_naming_the_field(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    doc = json.loads((ECOMMERCE_FIXTURES / "isoc_ec_ib20.json").read_bytes())
    mutate(doc)
    with pytest.raises((PayloadError, SchemaError), match=message):
        _parse("isoc_ec_ib20", json.dumps(doc).encode())


def test_jsonstat_refuses_non_finite_values() -> None:
    body = (ECOMMERCE_FIXTURES / "isoc_ec_ib20.json").read_bytes().replace(b'"0": 77.0', b'"0": Infinity')
    assert b"Infinity" in body
    with pytest.raises(PayloadError, match="value '0' is inf, not a finite number"):
        jsonstat.decode(jsonstat.loads(body, "eurostat_ecommerce"), "eurostat_ecommerce")
