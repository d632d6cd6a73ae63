"""Tests for the country reference: both mapping directions, source exceptions, and table integrity."""

from __future__ import annotations

import re

import polars as pl
import pytest

from tests.conftest import SHARED_FIXTURES
from tracker import countries
from tracker.errors import CountryCodeError

# Comtrade list entries whose ISO3 column does not name the area the code stands for (see countries.py).
COMTRADE_DELIBERATE_EXCEPTIONS = {"492": "MCO"}  # "Europe EU, nes"; Monaco is inside France (251)
MIN_COMTRADE_COUNTRY_ROWS = 200  # guards against a fixture that parsed to almost nothing


def test_countries_china_maps_both_ways() -> None:
    assert countries.to_iso3("comtrade", 156) == "CHN"
    assert countries.to_iso3("comtrade", "156") == "CHN"
    assert countries.to_iso3("census", "5700") == "CHN"
    assert countries.to_iso3("census", 5700) == "CHN"
    assert countries.to_iso3("eurostat", "CN") == "CHN"
    assert countries.from_iso3("comtrade", "CHN") == "156"
    assert countries.from_iso3("census", "CHN") == "5700"
    assert countries.from_iso3("eurostat", "CHN") == "CN"


@pytest.mark.parametrize(
    ("iso3", "code"),
    [("FRA", "251"), ("ITA", "380"), ("USA", "842"), ("CHE", "757"), ("IND", "699"), ("NOR", "579")],
)
def test_countries_comtrade_codes_that_differ_from_m49(iso3: str, code: str) -> None:
    assert countries.to_iso3("comtrade", code) == iso3
    assert countries.to_iso3("comtrade", int(code)) == iso3
    assert countries.from_iso3("comtrade", iso3) == code


@pytest.mark.parametrize(
    ("alias", "iso3"),
    [
        ("381", "ITA"),
        ("250", "FRA"),
        ("840", "USA"),
        ("841", "USA"),
        ("756", "CHE"),
        ("578", "NOR"),
        ("356", "IND"),
        ("280", "DEU"),
    ],
)
def test_countries_comtrade_aliases_map_to_the_same_iso3(alias: str, iso3: str) -> None:
    assert countries.to_iso3("comtrade", alias) == iso3
    assert countries.from_iso3("comtrade", iso3) != alias


def test_countries_eurostat_exceptions() -> None:
    assert countries.to_iso3("eurostat", "EL") == "GRC"
    assert countries.from_iso3("eurostat", "GRC") == "EL"
    assert countries.to_iso3("eurostat", "UK") == "GBR"
    assert countries.from_iso3("eurostat", "GBR") == "UK"
    assert countries.to_iso3("eurostat", "XK") == "XKX"
    assert countries.to_iso3("eurostat", "GR") == "GRC"  # ISO form, as in Comext bulk files


def test_countries_world_and_eu_aggregates() -> None:
    assert countries.to_iso3("comtrade", 0) == "WLD"
    assert countries.to_iso3("eurostat", "WORLD") == "WLD"
    assert countries.to_iso3("census", "-") == "WLD"
    assert countries.from_iso3("comtrade", "WLD") == "0"
    assert countries.from_iso3("eurostat", "WLD") == "WORLD"
    assert countries.to_iso3("eurostat", "EU27_2020") == "EUU"
    assert countries.to_iso3("comtrade", 97) == "EUU"
    aggregates = countries.country_table().filter(pl.col("is_aggregate")).get_column("iso3").to_list()
    assert sorted(aggregates) == ["EUU", "WLD"]


def test_countries_unknown_code_raises_naming_source_and_code() -> None:
    with pytest.raises(CountryCodeError, match="comtrade") as caught:
        countries.to_iso3("comtrade", 9999)
    assert "9999" in str(caught.value)
    assert caught.value.source == "comtrade"
    with pytest.raises(CountryCodeError, match=r"census.*1234"):
        countries.to_iso3("census", "1234")
    with pytest.raises(CountryCodeError, match=r"eurostat.*ZZ"):
        countries.to_iso3("eurostat", "ZZ")


def test_countries_from_iso3_raises_for_unknown_iso3_or_missing_code() -> None:
    with pytest.raises(CountryCodeError, match="XYZ"):
        countries.from_iso3("comtrade", "XYZ")
    with pytest.raises(CountryCodeError, match=r"census.*ATA"):
        countries.from_iso3("census", "ATA")  # Antarctica: known, but Census has no code for it


def test_countries_unknown_source_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="comext"):
        countries.to_iso3("comext", "CN")


def test_countries_map_source_codes_reports_unmapped_and_removes_only_those_rows() -> None:
    frame = pl.DataFrame({"partner": [156, 842, 490, 251, 490, None], "value": [1, 2, 3, 4, 5, 6]})
    mapped, unmapped = countries.map_source_codes(frame, "partner", "comtrade")
    assert unmapped == ["490", "<null>"]
    assert mapped.to_dict(as_series=False) == {"partner": ["CHN", "USA", "FRA"], "value": [1, 2, 4]}


def test_countries_map_source_codes_normalises_census_and_eurostat_codes() -> None:
    census = pl.DataFrame({"cty": ["5700", "-", "0003", "4280"]})
    mapped, unmapped = countries.map_source_codes(census, "cty", "census")
    assert unmapped == []
    assert mapped.get_column("cty").to_list() == ["CHN", "WLD", "EUU", "DEU"]
    eurostat = pl.DataFrame({"geo": ["EL", "UK", "de", "QU"]})
    mapped, unmapped = countries.map_source_codes(eurostat, "geo", "eurostat")
    assert unmapped == ["QU"]
    assert mapped.get_column("geo").to_list() == ["GRC", "GBR", "DEU"]


def test_countries_source_to_iso3_map_includes_aliases_and_works_with_replace_strict() -> None:
    mapping = countries.source_to_iso3_map("comtrade")
    assert mapping["842"] == "USA"
    assert mapping["840"] == "USA"
    mapping["842"] = "changed"  # a copy: the module's own lookup is untouched
    assert countries.to_iso3("comtrade", 842) == "USA"
    codes = pl.Series(["156", "704"]).replace_strict(countries.source_to_iso3_map("comtrade"))
    assert codes.to_list() == ["CHN", "VNM"]


def test_countries_names_in_english_and_chinese() -> None:
    assert countries.name("CHN") == "China"
    assert countries.name("USA", "zh") == "美国"
    assert countries.name("VNM", "zh") == "越南"
    assert countries.name("DEU", "zh") == "德国"
    assert countries.name("QQQ") == "QQQ"
    with pytest.raises(ValueError, match="fr"):
        countries.name("CHN", "fr")


def test_countries_validate_iso3_list_returns_the_unknown_ones() -> None:
    assert countries.validate_iso3_list(["CHN", "XXX", "usa", "WLD", "XXX"]) == ["XXX", "usa"]
    assert countries.is_known_iso3("EUU")
    assert not countries.is_known_iso3("chn")


def test_countries_iso3_unique_and_three_uppercase_letters() -> None:
    iso3 = countries.country_table().get_column("iso3")
    assert iso3.n_unique() == iso3.len()
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in iso3.to_list())
    assert countries.known_iso3() == frozenset(iso3.to_list())


@pytest.mark.parametrize("column", ["comtrade_code", "census_code", "eurostat_code"])
def test_countries_source_codes_unique_within_their_column(column: str) -> None:
    codes = countries.country_table().get_column(column).drop_nulls()
    duplicated = codes.filter(codes.is_duplicated()).unique().to_list()
    assert duplicated == []


@pytest.mark.parametrize("source", countries.SOURCES)
def test_countries_aliases_do_not_shadow_primary_codes(source: str) -> None:
    primary = countries.code_table(source).get_column("code").drop_nulls().to_list()
    aliases = countries._ALIASES[source]
    assert set(aliases).isdisjoint(primary)
    assert set(aliases.values()) <= countries.known_iso3()


def test_countries_columns_and_regions() -> None:
    table = countries.country_table()
    assert table.columns == list(countries._TABLE_COLUMNS)
    assert table.schema["is_aggregate"] == pl.Boolean
    regions = {
        "East Asia & Pacific",
        "Europe & Central Asia",
        "Latin America & Caribbean",
        "Middle East & North Africa",
        "North America",
        "South Asia",
        "Sub-Saharan Africa",
        "Aggregate",
    }
    assert set(table.get_column("region").to_list()) <= regions
    assert table.filter(pl.col("name_en").is_null() | pl.col("name_zh").is_null()).height == 0
    census = table.get_column("census_code").drop_nulls().to_list()
    assert all(re.fullmatch(r"\d{4}|-", code) for code in census)


def _comtrade_reference(name: str) -> pl.DataFrame:
    """Code, ISO3 and group flag of a Comtrade reference list; its column names differ in case."""
    path = SHARED_FIXTURES / "comtrade" / f"comtrade_ref_{name}.csv"
    if not path.exists():
        pytest.skip(f"shared fixture {path} is absent")
    raw = pl.read_csv(path, infer_schema=False)
    by_lower = {column.lower(): column for column in raw.columns}
    return raw.select(
        code=pl.col(by_lower[f"{name}code"]).str.strip_chars(),
        iso3=pl.col(by_lower[f"{name}codeisoalpha3"]).str.strip_chars(),
        is_group=pl.col(by_lower["isgroup"]) == "True",
    )


@pytest.mark.parametrize("name", ["partner", "reporter"])
def test_countries_contract_every_comtrade_country_entry_maps_to_its_iso3(name: str) -> None:
    reference = _comtrade_reference(name).filter(
        ~pl.col("is_group") & pl.col("iso3").str.contains(r"^[A-Z]{3}$")
    )
    assert reference.height > MIN_COMTRADE_COUNTRY_ROWS
    mismatches = []
    for code, iso3 in reference.select("code", "iso3").iter_rows():
        if code in COMTRADE_DELIBERATE_EXCEPTIONS:
            assert COMTRADE_DELIBERATE_EXCEPTIONS[code] == iso3
            with pytest.raises(CountryCodeError):
                countries.to_iso3("comtrade", code)
            continue
        try:
            got = countries.to_iso3("comtrade", code)
        except CountryCodeError:
            got = None
        if got != iso3:
            mismatches.append((code, iso3, got))
    assert mismatches == []


@pytest.mark.parametrize(("iso3", "code"), [("USA", "840"), ("FRA", "250"), ("IND", "356"), ("CHN", "156"),
                                            ("AUS", "036"), ("EUU", "918"), ("WLD", "000")])
def test_countries_wits_codes_are_m49_with_three_digits(iso3: str, code: str) -> None:
    assert countries.from_iso3("wits", iso3) == code
    assert countries.to_iso3("wits", code) == iso3
    assert countries.to_iso3("wits", int(code)) == iso3  # 36 and 036 are Australia


def test_countries_wits_codes_unique_and_comtrade_specific_codes_refused() -> None:
    codes = countries.code_table("wits").get_column("code").drop_nulls()
    assert codes.filter(codes.is_duplicated()).to_list() == []
    with pytest.raises(CountryCodeError, match="842"):
        countries.to_iso3("wits", "842")  # Comtrade's USA is not a WITS code
    frame, unknown = countries.map_source_codes(pl.DataFrame({"c": ["918", "0", "36", "842"]}), "c", "wits")
    assert frame.get_column("c").to_list() == ["EUU", "WLD", "AUS"] and unknown == ["842"]
