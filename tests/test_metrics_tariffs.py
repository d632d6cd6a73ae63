"""group_tariff and group_tariff_margin against hand-worked averages and margins (tracker.metrics.tariffs)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import trade_rows
from tracker.config import Config
from tracker.countries import eu_members
from tracker.metrics import compute_tables
from tracker.metrics.groups import group_code_flows_by_level, group_prefixes
from tracker.metrics.opportunity import market_opportunity
from tracker.metrics.tariffs import group_tariff, import_weights, tariff_by_code, tariff_margins, with_lowest_competitor
from tracker.query import filtered_table
from tracker.schemas import mirror_rows
from tracker.store import Store
from tracker.tables import ECOMMERCE, GROUP_TARIFF_MARGIN, TARIFF

FETCHED = datetime(2025, 3, 1, tzinfo=UTC)
GROUPS = {"toys": ["9503", "9504"]}
EXPORTERS = ["CHN", "VNM", "MEX"]


def tariff_frame(rows: list[tuple], source: str = "wits") -> pl.DataFrame:
    """(market, partner, hs_code, year, type, avg_rate_pct[, lines, non_ad_valorem_lines]) → canonical rows."""
    full = []
    for row in rows:
        market, partner, code, year, kind, rate, *counts = row
        lines, nav = counts or (1, 0)
        full.append({
            "source": source, "market": market, "partner": partner, "hs_code": code, "year": year,
            "tariff_type": kind, "datatype": "aveestimated", "avg_rate_pct": rate, "min_rate_pct": rate,
            "max_rate_pct": rate, "lines": lines, "non_ad_valorem_lines": nav, "hs_revision": "H6",
            "provenance": "reported", "fetched_at": FETCHED,
        })
    return pl.DataFrame(full, schema=TARIFF.polars_schema, orient="row")


# USA 2023. MFN: 950300 10 %, 950420 2 %, 950450 6 %, 950490 4 % (3 lines, one specific duty).
# MEX has USMCA preferences at 0 on three codes; VNM's "preference" (12 %) is above MFN, so MFN applies.
USA_TARIFFS = [
    ("USA", "WLD", "950300", 2023, "MFN", 10.0), ("USA", "WLD", "950420", 2023, "MFN", 2.0),
    ("USA", "WLD", "950450", 2023, "MFN", 6.0), ("USA", "WLD", "950490", 2023, "MFN", 4.0, 3, 1),
    ("USA", "MEX", "950300", 2023, "PRF", 0.0), ("USA", "MEX", "950450", 2023, "PRF", 0.0),
    ("USA", "MEX", "950490", 2023, "PRF", 0.0, 3, 0),
    ("USA", "VNM", "950300", 2023, "PRF", 12.0),
]
# JPN 2023: MFN only (no preference anywhere) and no import record: the simple average.
JPN_TARIFFS = [("JPN", "WLD", "950300", 2023, "MFN", 3.0), ("JPN", "WLD", "950450", 2023, "MFN", 0.0),
               ("JPN", "WLD", "950490", 2023, "MFN", 6.0)]
# USA's imports from the world: heading 9503 (its only HS6 950300 takes it all) and two HS6 codes of 9504;
# 950420 has no record, so it weighs 0. Weights 600 / 0 / 300 / 100.
USA_IMPORTS = [{"reporter": "USA", "partner": "WLD", "hs_code": code, "value_usd": value}
               for code, value in (("9503", 600.0), ("950450", 300.0), ("950490", 100.0))]


def faced(tariffs: list[tuple], imports: list[dict], markets: list[str], exporters: list[str] = EXPORTERS,
          groups: dict[str, list[str]] = GROUPS) -> tuple[pl.DataFrame, pl.DataFrame]:
    group_markets = pl.LazyFrame({"group": ["toys"] * len(markets), "market": markets})
    by_code = tariff_by_code(tariff_frame(tariffs).lazy(), group_prefixes(groups), group_markets, exporters)
    weights = import_weights(group_code_flows_by_level(trade_rows(imports).lazy(), groups).every_level)
    rows = group_tariff(by_code, weights)
    table = with_lowest_competitor(rows).collect().sort("market", "exporter")
    margins = mirror_rows(tariff_margins(rows), GROUP_TARIFF_MARGIN)  # both orders, as Store.scan reads them
    return table, margins.collect().sort("market", "exporter", "competitor")


def row(frame: pl.DataFrame, **key: object) -> dict:
    found = frame.filter(*[pl.col(name) == value for name, value in key.items()])
    assert found.height == 1, (key, found)
    return found.row(0, named=True)


def test_group_tariff_trade_weighted_average_by_hand() -> None:
    table, _ = faced(USA_TARIFFS, USA_IMPORTS, ["USA"])
    chn = row(table, exporter="CHN", market="USA")
    # (600·10 + 0·2 + 300·6 + 100·4) / 1000 = 8.2; simple would be 5.5
    assert chn["tariff_faced_pct"] == pytest.approx(8.2)
    assert chn["mfn_rate_pct"] == pytest.approx(8.2)
    assert (chn["weighting"], chn["tariff_type_faced"], chn["hs6_codes"]) == ("trade-weighted", "MFN", 4)
    assert chn["preferential_share"] == pytest.approx(0.0)
    assert chn["non_ad_valorem_share"] == pytest.approx(1 / 6)  # 1 of 1 + 1 + 1 + 3 lines
    mex = row(table, exporter="MEX", market="USA")
    # PRF 0 on 950300, 950450, 950490; MFN 2 on 950420, which weighs 0
    assert mex["tariff_faced_pct"] == pytest.approx(0.0)
    assert mex["tariff_type_faced"] == "mixed"
    assert mex["preferential_share"] == pytest.approx(1.0)
    assert mex["non_ad_valorem_share"] == pytest.approx(0.0)  # the preferential 950490 lines are all ad valorem
    vnm = row(table, exporter="VNM", market="USA")
    assert vnm["tariff_faced_pct"] == pytest.approx(8.2)  # a preference above MFN does not apply
    assert vnm["tariff_type_faced"] == "MFN"


def test_group_tariff_margins_by_hand() -> None:
    table, margins = faced(USA_TARIFFS, USA_IMPORTS, ["USA"])
    assert row(margins, exporter="CHN", competitor="MEX")["margin_pp"] == pytest.approx(8.2)
    assert row(margins, exporter="MEX", competitor="CHN")["margin_pp"] == pytest.approx(-8.2)
    assert row(margins, exporter="CHN", competitor="VNM")["margin_pp"] == pytest.approx(0.0)
    chn = row(table, exporter="CHN")
    assert (chn["lowest_tariff_competitor"], chn["min_competitor_tariff_pct"]) == ("MEX", pytest.approx(0.0))
    assert chn["margin_vs_lowest_competitor_pp"] == pytest.approx(8.2)
    mex = row(table, exporter="MEX")  # CHN and VNM tie at 8.2: the first ISO3
    assert (mex["lowest_tariff_competitor"], mex["margin_vs_lowest_competitor_pp"]) == ("CHN", pytest.approx(-8.2))


def test_group_tariff_without_preferences_or_weights_is_the_simple_mfn_average() -> None:
    table, margins = faced(JPN_TARIFFS, USA_IMPORTS, ["JPN"])
    assert table.height == 3
    assert table["tariff_faced_pct"].to_list() == pytest.approx([3.0, 3.0, 3.0])  # (3 + 0 + 6) / 3
    assert set(table["weighting"]) == {"simple"}
    assert set(table["tariff_type_faced"]) == {"MFN"}
    assert margins["margin_pp"].to_list() == pytest.approx([0.0] * 6)


def test_group_tariff_heading_weight_split_evenly_among_its_codes() -> None:
    """Imports stored at heading 9504 only: its 400 split over 950420, 950450, 950490 (133.3 each) next to 9503's
    600 on 950300: (600·10 + 133.3·(2 + 6 + 4)) / 1000 = 7.6."""
    imports = [{"reporter": "USA", "partner": "WLD", "hs_code": code, "value_usd": value}
               for code, value in (("9503", 600.0), ("9504", 400.0))]
    table, _ = faced(USA_TARIFFS, imports, ["USA"])
    assert row(table, exporter="CHN")["tariff_faced_pct"] == pytest.approx((6000 + 400 / 3 * 12) / 1000)


def test_group_tariff_eu_rows_expand_to_member_markets_of_the_group() -> None:
    tariffs = [("EUU", "WLD", "950300", year, "MFN", 4.7) for year in (2019, 2023)]
    tariffs += [("EUU", "VNM", "950300", 2023, "PRF", 0.0)]
    markets = ["DEU", "FRA", "GBR", "CHE"]
    table, _ = faced(tariffs, [], markets, exporters=["CHN", "VNM", "DEU"])
    by_year = {year: table.filter(pl.col("year") == year) for year in (2019, 2023)}
    assert sorted(by_year[2023]["market"].unique()) == ["DEU", "FRA"]  # GBR left in 2020; CHE is no member
    assert sorted(by_year[2019]["market"].unique()) == ["DEU", "FRA", "GBR"]
    assert by_year[2023].filter(pl.col("exporter") == "DEU").is_empty()  # no duty inside the EU
    assert row(by_year[2023], exporter="CHN", market="FRA")["tariff_faced_pct"] == pytest.approx(4.7)
    assert row(by_year[2023], exporter="VNM", market="DEU")["tariff_faced_pct"] == pytest.approx(0.0)
    assert row(by_year[2019], exporter="VNM", market="GBR")["tariff_faced_pct"] == pytest.approx(4.7)


def test_eu_members_by_year() -> None:
    assert len(eu_members(2019)) == 28 and "GBR" in eu_members(2020)
    assert len(eu_members(2021)) == 27 and "GBR" not in eu_members(2021)
    assert "HRV" not in eu_members(2012) and "HRV" in eu_members(2013)


def test_group_tariff_real_source_wins_over_sample() -> None:
    real = tariff_frame([("JPN", "WLD", "950300", 2023, "MFN", 3.0)])
    sample = tariff_frame([("JPN", "WLD", "950300", 2023, "MFN", 9.0)], source="sample")
    group_markets = pl.LazyFrame({"group": ["toys"], "market": ["JPN"]})
    by_code = tariff_by_code(pl.concat([sample, real]).lazy(), group_prefixes(GROUPS), group_markets, ["CHN"])
    assert by_code.collect()["rate_pct"].to_list() == [3.0]


def compute_with_tariffs(config: Config, tariffs: pl.DataFrame) -> dict[str, pl.DataFrame]:
    trade = trade_rows([
        {"reporter": market, "partner": partner, "hs_code": "9503", "value_usd": value}
        for market in ("USA", "FRA") for partner, value in (("CHN", 50.0), ("VNM", 20.0), ("WLD", 100.0))
    ])
    return compute_tables(trade.lazy(), pl.LazyFrame(schema=ECOMMERCE.polars_schema), config, tariffs.lazy())


def test_compute_tables_tariff_tables_valid_and_invariant(store: Store, config: Config) -> None:
    tariffs = tariff_frame([
        ("USA", "WLD", "950300", 2023, "MFN", 10.0), ("USA", "VNM", "950300", 2023, "PRF", 2.0),
        ("EUU", "WLD", "950300", 2023, "MFN", 4.7), ("EUU", "VNM", "950300", 2023, "PRF", 0.0),
    ])
    tables = compute_with_tariffs(config, tariffs)
    for name in ("group_tariff", "group_tariff_margin", "group_opportunity"):
        store.replace(name, tables[name])  # validates against the catalogue's schemas
    tariff = tables["group_tariff"].filter(pl.col("group") == "toys")
    assert set(tariff["market"]) == {"USA", "FRA"}  # EUU stands for France, a market of the group
    assert tariff.filter(pl.col("exporter") == pl.col("market")).is_empty()
    assert (tariff["tariff_faced_pct"] >= 0).all() and (tariff["min_competitor_tariff_pct"] >= 0).all()
    margins = mirror_rows(tables["group_tariff_margin"].lazy(), GROUP_TARIFF_MARGIN).collect()
    own_minus_other = margins["exporter_tariff_pct"] - margins["competitor_tariff_pct"]
    assert (margins["margin_pp"] - own_minus_other).abs().max() < 1e-12
    mirrored = margins.join(margins, left_on=["group", "market", "year", "exporter", "competitor"],
                            right_on=["group", "market", "year", "competitor", "exporter"])
    assert (mirrored["margin_pp"] + mirrored["margin_pp_right"]).abs().max() < 1e-12
    chn_usa = row(tariff, exporter="CHN", market="USA")
    assert (chn_usa["lowest_tariff_competitor"], chn_usa["margin_vs_lowest_competitor_pp"]) == ("VNM", 8.0)
    assert chn_usa["weighting"] == "trade-weighted" and chn_usa["sources"] == "comtrade,wits"


def test_group_tariff_margin_stored_once_per_pair_and_read_both_ways(store: Store, config: Config) -> None:
    """USA 2023, one code: MFN 10 %, VNM 2 % and MEX 0 % under preferences. The file holds each pair of the 14
    tracked exporters other than USA once (exporter < competitor); Store.scan gives both orders, margin_pp
    negated in the reverse one, and a zero margin stays +0.0 both ways."""
    tariffs = tariff_frame([("USA", "WLD", "950300", 2023, "MFN", 10.0), ("USA", "VNM", "950300", 2023, "PRF", 2.0),
                            ("USA", "MEX", "950300", 2023, "PRF", 0.0)])
    store.replace("group_tariff_margin", compute_with_tariffs(config, tariffs)["group_tariff_margin"])
    in_usa = (pl.col("group") == "toys") & (pl.col("market") == "USA")
    stored = pl.read_parquet(store.files("group_tariff_margin")).filter(in_usa)
    rated = {config.scope.home_exporter, *config.scope.competitors} - {"USA"}
    assert len(rated) == 14 and stored.height == 14 * 13 // 2
    assert (stored["exporter"] < stored["competitor"]).all()
    read = store.scan("group_tariff_margin").filter(in_usa).collect()
    assert read.height == 14 * 13 and not read.select("exporter", "competitor").is_duplicated().any()
    by_pair = {(r["exporter"], r["competitor"]): r for r in read.iter_rows(named=True)}
    assert set(by_pair) == {(a, b) for a in rated for b in rated if a != b}
    expected = {("CHN", "VNM"): (10.0, 2.0, 8.0), ("VNM", "CHN"): (2.0, 10.0, -8.0),
                ("MEX", "VNM"): (0.0, 2.0, -2.0), ("VNM", "MEX"): (2.0, 0.0, 2.0),
                ("CHN", "MEX"): (10.0, 0.0, 10.0), ("MEX", "CHN"): (0.0, 10.0, -10.0),
                ("CHN", "DEU"): (10.0, 10.0, 0.0), ("DEU", "CHN"): (10.0, 10.0, 0.0)}
    for pair, (own, other, margin) in expected.items():
        found = by_pair[pair]
        assert (found["exporter_tariff_pct"], found["competitor_tariff_pct"], found["margin_pp"]) == \
            (pytest.approx(own), pytest.approx(other), pytest.approx(margin)), pair
    assert math.copysign(1.0, by_pair[("DEU", "CHN")]["margin_pp"]) == 1.0  # +0.0, not -0.0 ("-0.0" on screen)
    exported = filtered_table(store, "group_tariff_margin", market="USA", config=config).collect()
    assert exported.height == read.height and exported.equals(exported.sort(GROUP_TARIFF_MARGIN.key))  # key order
    for found in by_pair.values():  # every other column reads the same from both sides
        back = by_pair[(found["competitor"], found["exporter"])]
        assert {name: back[name] for name in ("provenance", "sources", "newest_fetch", "sample", "year")} == \
            {name: found[name] for name in ("provenance", "sources", "newest_fetch", "sample", "year")}


def opportunity_inputs(home_tariff: float | None) -> dict[str, pl.LazyFrame]:
    imports = pl.LazyFrame({"group": ["toys"] * 2, "market": ["USA", "JPN"], "year": [2023, 2023],
                            "market_imports_usd": [1000.0, 800.0], "market_growth": [0.0, 0.0],
                            "provenance": ["reported"] * 2, "sources": ["comtrade"] * 2,
                            "newest_fetch": [FETCHED] * 2})
    market_rows = imports.select("group", "market", "year", exporter=pl.lit("CHN"),
                                 market_share=pl.lit(0.0), relative_unit_value=pl.lit(None, pl.Float64),
                                 provenance=pl.lit("reported"), sources=pl.lit("comtrade"),
                                 newest_fetch=pl.lit(FETCHED))
    tariffs = pl.LazyFrame({
        "group": ["toys", "toys", "toys"], "exporter": ["CHN", "CHN", "CHN"], "market": ["USA", "USA", "JPN"],
        "year": [2022, 2023, 2024], "tariff_faced_pct": [0.0, home_tariff, 1.0],
        "min_competitor_tariff_pct": [0.0, 0.0, 1.0],
    }, schema_overrides={"year": pl.Int32, "tariff_faced_pct": pl.Float64})
    online = pl.LazyFrame(schema={"group": pl.String, "market": pl.String, "year": pl.Int32,
                                  "ecommerce_online_pct": pl.Float64})
    complementarity = pl.LazyFrame(schema={"exporter": pl.String, "market": pl.String, "year": pl.Int32,
                                           "trade_complementarity": pl.Float64})
    return {"imports": imports, "market_rows": market_rows, "online": online, "complementarity": complementarity,
            "tariffs": tariffs}


def test_opportunity_tariff_factor_by_hand() -> None:
    """USA: CHN pays 25 %, the lowest competitor 0 %: factor 1/1.25 = 0.8, raw 1000·0.8 = 800; JPN: only a 2024
    schedule, newer than the score's year: factor 1, raw 800. Equal raw: both score 100."""
    inputs = opportunity_inputs(25.0)
    scored = market_opportunity(inputs["imports"], inputs["market_rows"], inputs["online"],
                                inputs["complementarity"], "CHN", inputs["tariffs"]).collect()
    usa, jpn = row(scored, market="USA"), row(scored, market="JPN")
    assert (usa["tariff_year"], usa["tariff_factor"]) == (2023, pytest.approx(0.8))
    assert (jpn["tariff_year"], jpn["tariff_factor"]) == (None, 1.0)
    assert usa["score"] == pytest.approx(100.0) and jpn["score"] == pytest.approx(100.0)
    assert "tariff 25.0% vs 0.0% lowest competitor" in usa["reasons"]
    assert jpn["reasons"].endswith("tariff unknown")
    clipped = market_opportunity(*(opportunity_inputs(100.0)[k] for k in ("imports", "market_rows", "online",
                                                                            "complementarity")),
                                 "CHN", opportunity_inputs(100.0)["tariffs"]).collect()
    usa = row(clipped, market="USA")  # 1/2 clipped to 0.67: raw 670 against JPN's 800
    assert usa["tariff_factor"] == pytest.approx(0.67)
    assert usa["score"] == pytest.approx(100 * 670 / 800)


def test_group_tariff_change_is_the_schedules_on_this_years_weights() -> None:
    """2022 held 950300 only, at MFN 8: CHN's change is (10 − 8) on 950300's weight alone = +2.0 pp; MEX went from
    MFN 8 to its USMCA 0 = −8.0 pp. The 2022 rows themselves have no earlier year: no change."""
    tariffs = [*USA_TARIFFS, ("USA", "WLD", "950300", 2022, "MFN", 8.0)]
    imports = USA_IMPORTS + [{**flow, "period": "2022"} for flow in USA_IMPORTS]
    table, _ = faced(tariffs, imports, ["USA"])
    assert row(table, exporter="CHN", year=2023)["tariff_change_pp"] == pytest.approx(2.0)
    assert row(table, exporter="MEX", year=2023)["tariff_change_pp"] == pytest.approx(-8.0)
    assert row(table, exporter="CHN", year=2022)["tariff_change_pp"] is None


def test_lowest_competitor_ties_within_float_noise_go_to_the_first_iso3() -> None:
    """Two competitors under one schedule whose averages differ in the last bit (the order of a parallel sum)
    tie: the first ISO3 is named, whichever of the two is a hair lower, so a recompute names the same one."""
    base = {"group": "toys", "market": "USA", "year": 2024}
    for vnm, mex in ((8.2, 8.2 + 1e-14), (8.2 + 1e-14, 8.2)):
        rows = pl.LazyFrame([{**base, "exporter": "CHN", "tariff_faced_pct": 10.0},
                             {**base, "exporter": "VNM", "tariff_faced_pct": vnm},
                             {**base, "exporter": "MEX", "tariff_faced_pct": mex},
                             {**base, "exporter": "IND", "tariff_faced_pct": 8.3}])
        chn = row(with_lowest_competitor(rows).collect(), exporter="CHN")
        assert chn["lowest_tariff_competitor"] == "MEX"
        assert chn["margin_vs_lowest_competitor_pp"] == pytest.approx(1.8)


def test_opportunity_reasons_say_no_recorded_sales_where_the_share_is_null() -> None:
    """CHN has no group_market row in JPN (only VNM sells there): exporter_share is null, headroom 1, and the
    reasons say there are no CHN sales recorded, not "CHN share 0.0%"; in USA its 25 % share is said as such."""
    inputs = opportunity_inputs(None)
    market_rows = pl.concat([
        inputs["market_rows"].filter(pl.col("market") == "USA").with_columns(market_share=pl.lit(0.25)),
        inputs["market_rows"].filter(pl.col("market") == "JPN").with_columns(exporter=pl.lit("VNM")),
    ])
    scored = market_opportunity(inputs["imports"], market_rows, inputs["online"], inputs["complementarity"],
                                "CHN").collect()
    usa, jpn = row(scored, market="USA"), row(scored, market="JPN")
    assert (jpn["exporter_share"], jpn["headroom"]) == (None, 1.0)
    assert "no CHN sales recorded" in jpn["reasons"] and "CHN share" not in jpn["reasons"]
    assert (usa["exporter_share"], usa["headroom"]) == (0.25, 0.75) and "CHN share 25.0%" in usa["reasons"]


def test_group_tariff_weights_a_chapter_a_heading_and_an_hs6_code_each_once(store: Store, config: Config) -> None:
    """USA 2023 holds its paper imports at three levels at once: chapter 48 = 1,000, heading 4802 = 300 (inside
    it) and 480210 = 100 (inside that). Scheduled codes: 480210 (10 %), 480220 (20 %), 481910 (4 %), 481920 (6 %).
    By hand: 480210 weighs its own 100; 480220, the only other code of 4802, its remainder 300 − 100 = 200;
    481910 and 481920 split the chapter's remainder 1,000 − 300 = 700: 350 each. The weights sum to the
    chapter's 1,000 and the rate is (100·10 + 200·20 + 350·4 + 350·6) / 1,000 = 8.5 %.
    (The chapter alone split evenly gave 10.0; the finest stored level per code, 4802 and 48 split over all
    their codes, 8.67 on weights that no longer sum to the imports.)
    The store is built by hand and the tables are computed by `refresh_metric_tables`, as the CLI does."""
    from tracker.refresh import refresh_metric_tables

    levels = [("48", 1000.0), ("4802", 300.0), ("480210", 100.0)]
    rows = [{"reporter": "USA", "partner": "WLD", "hs_code": code, "value_usd": value} for code, value in levels]
    rows += [{"reporter": "USA", "partner": "CHN", "hs_code": code, "value_usd": value / 2}  # a supplier breakdown
             for code, value in levels]
    store.upsert("trade", trade_rows(rows))
    rates = {"480210": 10.0, "480220": 20.0, "481910": 4.0, "481920": 6.0}
    store.upsert("tariff", tariff_frame([("USA", "WLD", code, 2023, "MFN", rate) for code, rate in rates.items()]))
    refresh_metric_tables(store, config)

    paper = row(store.read("group_tariff").filter(pl.col("group") == "paper"), exporter="CHN", market="USA")
    weights = {"480210": 100.0, "480220": 300.0 - 100.0, "481910": (1000.0 - 300.0) / 2,
               "481920": (1000.0 - 300.0) / 2}
    assert sum(weights.values()) == 1000.0
    by_hand = sum(weights[code] * rates[code] for code in rates) / sum(weights.values())
    assert by_hand == pytest.approx(8.5)
    assert paper["tariff_faced_pct"] == pytest.approx(by_hand)
    assert (paper["weighting"], paper["hs6_codes"], paper["year"]) == ("trade-weighted", 4, 2023)
    # The market's imports of the group are still the chapter's alone (no double counting in the shares).
    market = store.read("group_market").filter(pl.col("group") == "paper", pl.col("exporter") == "CHN")
    assert market["market_imports_usd"].to_list() == [1000.0] and market["export_value_usd"].to_list() == [500.0]


def test_group_tariff_finer_than_hs6_rows_sum_to_their_code_unless_it_is_stored() -> None:
    """8-digit rows count as their HS6 code where the market holds no row at HS6 (950300: 200 + 100); where it
    does, the HS6 row already holds them (950450: 300, not 300 + 250). 950490: the rest of heading 9504,
    1,000 − 300 = 700. Rates 10 / 6 / 4 → (300·10 + 300·6 + 700·4) / 1,300."""
    imports = [{"reporter": "USA", "partner": "WLD", "hs_code": code, "value_usd": value}
               for code, value in (("95030010", 200.0), ("95030090", 100.0), ("950450", 300.0),
                                   ("95045010", 250.0), ("9504", 1000.0))]
    tariffs = [("USA", "WLD", "950300", 2023, "MFN", 10.0), ("USA", "WLD", "950450", 2023, "MFN", 6.0),
               ("USA", "WLD", "950490", 2023, "MFN", 4.0)]
    table, _ = faced(tariffs, imports, ["USA"])
    expected = (300 * 10 + 300 * 6 + 700 * 4) / 1300
    assert row(table, exporter="CHN")["tariff_faced_pct"] == pytest.approx(expected)


def _weights_by_a_second_method(imports: dict[str, float], scheduled: list[str]) -> dict[str, float]:
    """Rule 4 in plain Python: own imports where stored, else the nearest stored ancestor's remainder (its imports
    less those of the stored codes directly below it) split evenly over the scheduled codes only it covers."""
    def nearest(code: str, proper: bool) -> str | None:
        return next((code[:n] for n in (6, 4, 2) if (n < len(code) if proper else n <= len(code))
                     and code[:n] in imports), None)

    remainder = dict(imports)
    for code, value in imports.items():
        if (parent := nearest(code, proper=True)) is not None:
            remainder[parent] -= value
    anchors = {code: nearest(code, proper=False) for code in scheduled}
    covered = [anchor for anchor in anchors.values() if anchor is not None]
    return {code: max(remainder[anchor], 0.0) / covered.count(anchor) if anchor else 0.0
            for code, anchor in anchors.items()}


def test_group_tariff_on_the_sample_equals_a_second_computation(metrics_store: Path) -> None:
    """The sample stores paper at chapter 48 and at its headings in the same reports: every tracked exporter's
    paper rate in South Africa 2019 (where the old weighting was 2.68 pp off the documented rule) equals the
    rule computed again in plain Python from the stored trade and tariff rows."""
    store = Store(metrics_store)
    trade = store.read("trade").filter(pl.col("reporter") == "ZAF", pl.col("flow") == "import",
                                       pl.col("frequency") == "A", pl.col("year") == 2019,
                                       pl.col("hs_code").str.starts_with("48"))
    assert trade["source"].n_unique() == 1 and set(trade["hs_code"].str.len_chars()) == {2, 4}
    imports: dict[str, float] = {}
    for code in trade["hs_code"].unique():
        rows = trade.filter(pl.col("hs_code") == code)
        world = rows.filter(pl.col("partner") == "WLD")
        imports[code] = (world if world.height else rows)["value_usd"].sum()
    tariff = store.read("tariff").filter(pl.col("market") == "ZAF", pl.col("year") == 2019,
                                         pl.col("hs_code").str.starts_with("48"))
    mfn = dict(tariff.filter(pl.col("tariff_type") == "MFN", pl.col("partner") == "WLD")
               .select("hs_code", "avg_rate_pct").iter_rows())
    weights = _weights_by_a_second_method(imports, list(mfn))
    assert sum(weights.values()) == pytest.approx(imports["48"])  # every import counted once
    stored = store.read("group_tariff").filter(pl.col("group") == "paper", pl.col("market") == "ZAF",
                                               pl.col("year") == 2019)
    assert stored.height >= 10
    for exporter, faced_pct in stored.select("exporter", "tariff_faced_pct").iter_rows():
        prf = dict(tariff.filter(pl.col("tariff_type") == "PRF", pl.col("partner") == exporter)
                   .select("hs_code", "avg_rate_pct").iter_rows())
        rate = {code: prf[code] if prf.get(code) is not None and (mfn[code] is None or prf[code] < mfn[code])
                else mfn[code] for code in mfn}
        rated = [code for code in mfn if rate[code] is not None]
        expected = sum(weights[c] * rate[c] for c in rated) / sum(weights[c] for c in rated)
        assert faced_pct == pytest.approx(expected, rel=1e-12), exporter
