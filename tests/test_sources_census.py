"""Tests for the US Census fetcher: planning, parsing of list-of-lists answers, aggregates and errors."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl
import pytest

from tests.conftest import FIXTURES
from tracker.config import ProductGroup, SourceSettings
from tracker.errors import PayloadError, SchemaError
from tracker.schemas import validate
from tracker.sources.base import FetchScope, Request
from tracker.sources.census import GET_VARIABLES, IMPORTS_PATH, CensusFetcher
from tracker.tables import TRADE, schema_for

CENSUS_FIXTURES = FIXTURES / "census"
FETCHED_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MONTHS_2023 = tuple(f"2023-{month:02d}" for month in range(1, 13))

SETTINGS = SourceSettings(
    id="census", enabled=True, base_url="https://api.census.gov", api_key_env="CENSUS_API_KEY",
    requests_per_minute=30, requests_per_day=500, reporters=(), partners=(), first_year=2023, last_year=2024,
    frequencies=("A", "M"), flows=("import",),
)
TOYS = ProductGroup(id="toys", name_en="Toys", name_zh="玩具", hs_codes=("9503",))
MIXED = ProductGroup(id="mixed", name_en="Mixed", name_zh="混合", hs_codes=("64", "9503", "871160"))


def _request(periods: tuple[str, ...]) -> Request:
    return Request(source="census", path=IMPORTS_PATH, params=(("I_COMMODITY", "9503"),), table="trade",
                   cursor="test", periods=periods)


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    columns = ["partner", "hs_code", "period", "frequency", "value_usd", "quantity", "quantity_unit"]
    return sorted(frame.select(columns).rows(), key=lambda row: (row[3], row[2], row[0]))


def test_census_plan_one_request_per_code_for_a_range_of_years() -> None:
    requests = CensusFetcher().plan(SETTINGS, FetchScope(groups=(MIXED, TOYS)))
    assert [(dict(r.params)["I_COMMODITY"], dict(r.params)["time"]) for r in requests] == [
        ("64", "from 2023-01 to 2024-12"), ("9503", "from 2023-01 to 2024-12"), ("871160", "from 2023-01 to 2024-12"),
    ]
    first = requests[0]
    assert first.path == "/data/timeseries/intltrade/imports/hs"
    assert first.params == (
        ("get", ",".join(GET_VARIABLES)), ("I_COMMODITY", "64"), ("COMM_LVL", "HS2"),
        ("time", "from 2023-01 to 2024-12"),
    )
    assert "key" not in dict(first.params)
    assert first.periods == (*MONTHS_2023, "2023", *(f"2024-{month:02d}" for month in range(1, 13)), "2024")
    assert first.cursor == "A+M/2023-2024/64/import"
    assert first.table == "trade"


def test_census_plan_batches_years_newest_first_without_gaps() -> None:
    settings = replace(SETTINGS, first_year=2010, last_year=2025)
    requests = CensusFetcher().plan(settings, FetchScope(groups=(TOYS,)))
    assert [dict(r.params)["time"] for r in requests] == ["from 2014-01 to 2025-12", "from 2010-01 to 2013-12"]
    assert [r.cursor for r in requests] == ["A+M/2014-2025/9503/import", "A+M/2010-2013/9503/import"]
    gaps = CensusFetcher().plan(settings, FetchScope(groups=(TOYS,), years=(2018, 2020, 2021)))
    assert [dict(r.params)["time"] for r in gaps] == ["from 2020-01 to 2021-12", "from 2018-01 to 2018-12"]
    annual = CensusFetcher().plan(replace(settings, frequencies=("A",)), FetchScope(groups=(TOYS,), years=(2022, 2023)))
    assert [(dict(r.params)["time"], r.periods) for r in annual] == [("from 2022-12 to 2023-12", ("2022", "2023"))]


def test_census_parse_an_answer_for_several_years_keeps_each_year() -> None:
    """A range answer: every month of two years, annual rows from each December's year to date."""
    header = ["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "GEN_VAL_YR", "time"]
    rows = [["5700", "CHINA", "9503", str(100 * month), str(100 * month * (month + 1) // 2), f"2022-{month:02d}"]
            for month in range(1, 13)]
    rows += [["5700", "CHINA", "9503", str(7 * month), str(7 * month * (month + 1) // 2), f"2023-{month:02d}"]
             for month in range(1, 13)]
    body = json.dumps([header, *rows]).encode()
    months = tuple(f"{year}-{month:02d}" for year in (2022, 2023) for month in range(1, 13))
    frame = CensusFetcher().parse(_request((*months, "2022", "2023")), body, FETCHED_AT).frame
    annual = frame.filter(pl.col("frequency") == "A").sort("period")
    assert annual.select("period", "value_usd").rows() == [("2022", 100.0 * 78), ("2023", 7.0 * 78)]  # 1+..+12 = 78
    monthly = frame.filter(pl.col("frequency") == "M")
    assert monthly.height == 24 and monthly.get_column("value_usd").sum() == 100 * 78 + 7 * 78
    assert sorted(frame.get_column("year").unique().to_list()) == [2022, 2023]


def test_census_plan_comm_level_matches_code_length() -> None:
    requests = CensusFetcher().plan(replace(SETTINGS, last_year=2023), FetchScope(groups=(MIXED,)))
    assert [dict(r.params)["COMM_LVL"] for r in requests] == ["HS2", "HS4", "HS6"]


def test_census_plan_annual_only_asks_for_december() -> None:
    settings = replace(SETTINGS, frequencies=("A",))
    requests = CensusFetcher().plan(settings, FetchScope(groups=(TOYS,), years=(2022,)))
    assert len(requests) == 1
    assert dict(requests[0].params)["time"] == "2022-12"
    assert requests[0].periods == ("2022",)
    assert requests[0].cursor == "A/2022/9503/import"


def test_census_plan_skips_years_before_coverage_and_other_reporters() -> None:
    fetcher = CensusFetcher()
    assert [r.periods[-1] for r in fetcher.plan(SETTINGS, FetchScope(groups=(TOYS,), years=(2009, 2010)))] == ["2010"]
    assert fetcher.plan(SETTINGS, FetchScope(groups=(TOYS,), reporters=("CHN",))) == []
    assert fetcher.plan(replace(SETTINGS, flows=("export",)), FetchScope(groups=(TOYS,))) == []


def test_census_parse_monthly_and_annual_rows() -> None:
    body = (CENSUS_FIXTURES / "imports_hs4_9503_2023.json").read_bytes()
    parsed = CensusFetcher().parse(_request((*MONTHS_2023, "2023")), body, FETCHED_AT)
    assert _rows(parsed.frame) == [
        ("CHN", "9503", "2023", "A", 8_500_000.0, 42_000.0, "NO"),
        ("PSE", "9503", "2023", "A", 12_000.0, None, None),  # 5082 Gaza + 5083 West Bank
        ("VNM", "9503", "2023", "A", 1_050_000.0, None, None),
        ("WLD", "9503", "2023", "A", 12_200_000.0, None, None),
        ("CHN", "9503", "2023-11", "M", 700_000.0, 3_500.0, "NO"),
        ("VNM", "9503", "2023-11", "M", 100_000.0, None, None),
        ("WLD", "9503", "2023-11", "M", 1_000_000.0, None, None),
        ("CHN", "9503", "2023-12", "M", 800_000.0, 4_000.0, "NO"),
        ("PSE", "9503", "2023-12", "M", 3_000.0, None, None),
        ("VNM", "9503", "2023-12", "M", 150_000.0, None, None),
        ("WLD", "9503", "2023-12", "M", 1_200_000.0, None, None),
    ]
    assert parsed.unknown_codes == ["8888"]  # groupings 0003, 0014, 1XXX are dropped, not reported
    constant = parsed.frame.select("source", "flow", "reporter", "hs_revision", "provenance", "fetched_at").unique()
    assert constant.rows() == [("census", "import", "USA", "HS", "reported", FETCHED_AT)]
    assert parsed.frame.get_column("net_weight_kg").null_count() == parsed.frame.height
    assert parsed.frame.get_column("year").unique().to_list() == [2023]
    assert validate(schema_for("trade"), parsed.frame).equals(parsed.frame)


def test_census_parse_annual_only_uses_december_year_to_date() -> None:
    body = (CENSUS_FIXTURES / "imports_hs4_9503_2023.json").read_bytes()
    frame = CensusFetcher().parse(_request(("2023",)), body, FETCHED_AT).frame
    assert frame.get_column("frequency").unique().to_list() == ["A"]
    assert dict(zip(frame["partner"], frame["value_usd"], strict=True)) == {
        "WLD": 12_200_000.0, "CHN": 8_500_000.0, "VNM": 1_050_000.0, "PSE": 12_000.0,
    }


def test_census_parse_monthly_only_keeps_requested_months() -> None:
    body = (CENSUS_FIXTURES / "imports_hs4_9503_2023.json").read_bytes()
    frame = CensusFetcher().parse(_request(("2023-12",)), body, FETCHED_AT).frame
    assert sorted(frame.get_column("period").unique().to_list()) == ["2023-12"]
    assert frame.height == 4  # WLD, CHN, VNM, PSE


@pytest.mark.parametrize("body", [b"", b"  \n", (CENSUS_FIXTURES / "imports_header_only.json").read_bytes()])
def test_census_parse_empty_answer_gives_empty_frame(body: bytes) -> None:
    parsed = CensusFetcher().parse(_request(MONTHS_2023), body, FETCHED_AT)
    assert parsed.frame.is_empty()
    assert parsed.frame.schema == TRADE.polars_schema
    assert parsed.unknown_codes == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Service unavailable</body></html>", "non-JSON"),
        (b'{"error": "bad"}', "list of lists"),
        (b'[["CTY_NAME","GEN_VAL_MO","time"],["CHINA","1","2023-01"]]', "CTY_CODE"),
        (b'[["CTY_CODE","I_COMMODITY","GEN_VAL_MO","time"],["5700","9503","1"]]', "row 1"),
        (b'[["CTY_CODE","I_COMMODITY","GEN_VAL_MO","time"],["5700","9503","n/a","2023-01"]]', "'n/a' is not a"),
        (b'[["CTY_CODE","I_COMMODITY","GEN_VAL_MO","time"],["5700","9503","1","2023"]]', "YYYY-MM"),
        (b'[["CTY_CODE","I_COMMODITY","time"],["5700","9503","2023-01"]]', "GEN_VAL_MO"),
    ],
)
def test_census_parse_malformed_body_raises_payload_error(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        CensusFetcher().parse(_request(MONTHS_2023), body, FETCHED_AT)


def _body(*rows: list[str | None]) -> bytes:
    """An imports answer of the real shape (header first, every cell a string) with ``rows``."""
    header = ["CTY_CODE", "CTY_NAME", "I_COMMODITY", "GEN_VAL_MO", "GEN_QY1_MO", "UNIT_QY1", "time"]
    return json.dumps([header, *rows]).encode()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["5700", "CHINA", "9503", "-5000000", "10", "NO", "2023-01"], "GEN_VAL_MO '.*' is not a non-negative number"),
        (["5700", "CHINA", "9503", "1e308", "10", "NO", "2023-01"], "GEN_VAL_MO '.*' is not a non-negative number"),
        (["5700", "CHINA", "9503", "NaN", "10", "NO", "2023-01"], "GEN_VAL_MO '.*' is not a non-negative number"),
        (["5700", "CHINA", "9503", "100", "-3", "NO", "2023-01"], "GEN_QY1_MO '-3' is not a non-negative number"),
        (["5700", "CHINA", "9503", "9" * 400, "10", "NO", "2023-01"], "value_usd is NaN or infinite"),
        (["5700", "CHINA", "9503", "100", "10", "<b>NO</b>", "2023-01"], "quantity_unit .<b>NO</b>. is not an allowed"),
        (["5700", "CHINA", "95<03", "100", "10", "NO", "2023-01"], "hs_code '95<03' does not match"),
        ([None, "CHINA", "9503", "100", "10", "NO", "2023-01"], "row 1 lacks CTY_CODE"),
        (["5700", "CHINA", "9503", "100", "10", "NO", None], "row 1 lacks time"),
    ],
    ids=["negative", "exponent", "nan", "negative-quantity", "overflow", "html-unit", "html-code", "no-partner",
         "no-time"],
)
def test_census_parse_refuses_bad_values_naming_the_field(row: list[str | None], message: str) -> None:
    with pytest.raises((PayloadError, SchemaError), match=message):
        CensusFetcher().parse(_request(("2023-01",)), _body(row), FETCHED_AT)


def test_census_negative_value_cannot_hide_in_a_sum() -> None:
    """Gaza (5082) and the West Bank (5083) share PSE: a negative cell must not vanish into their sum."""
    body = _body(["5082", "GAZA", "9503", "-5", "", "-", "2023-01"], ["5083", "WEST BANK", "9503", "10", "", "-",
                                                                        "2023-01"])
    with pytest.raises(PayloadError, match="GEN_VAL_MO '-5' is not a non-negative number"):
        CensusFetcher().parse(_request(("2023-01",)), body, FETCHED_AT)
