"""Export potential (ITC's EPI): the hand-worked cases of the method, and rows of the sample's table recomputed
in plain Python from the stored inputs."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from tracker.config import Config
from tracker.metrics.potential import (
    capital_distances,
    group_export_potential,
    potential_backtest,
    projection_ratios,
)
from tracker.store import Store
from tracker.tables import CAPITAL, GROUP_EXPORT_POTENTIAL, WEO

AT = datetime(2026, 1, 1, tzinfo=UTC)
PROV = {"provenance": "reported", "sources": "baci", "newest_fetch": AT}
YEAR = 2020
FIVE_YEAR_GROWTH_110 = 100 * (1.1 ** (1 / 5) - 1)  # % a year that compounds to 1.10 in five years


def weo(ratios: dict[str, tuple[float, float]]) -> pl.LazyFrame:
    """WEO rows giving each country (ΔGDP, ΔPOP) over YEAR → YEAR + 5: equal yearly growth, LP 100 → 100·ΔPOP."""
    rows = []
    for market, (gdp, pop) in ratios.items():
        growth = 100 * (gdp ** (1 / 5) - 1)
        rows += [{"indicator": "NGDP_RPCH", "market": market, "year": YEAR + s, "value": growth, "unit": "%"}
                 for s in range(1, 6)]
        rows += [{"indicator": "LP", "market": market, "year": YEAR, "value": 100.0, "unit": "persons mn"},
                 {"indicator": "LP", "market": market, "year": YEAR + 5, "value": 100.0 * pop, "unit": "persons mn"}]
    frame = pl.DataFrame([{"source": "imf_weo", **row, "vintage": "2026-04", "fetched_at": AT} for row in rows],
                         schema=WEO.polars_schema, orient="row")
    return frame.lazy()


def capitals(points: dict[str, tuple[float, float]]) -> pl.LazyFrame:
    return pl.DataFrame([{"source": "worldbank", "market": m, "capital_city": None, "latitude": lat, "longitude": lon,
                          "fetched_at": AT} for m, (lat, lon) in points.items()], schema=CAPITAL.polars_schema,
                        orient="row").lazy()


def world(flows: dict[tuple[str, str], float], own_imports: dict[str, float] | None = None,
          rate: float | None = 5.0, group: str = "toys") -> dict[str, pl.LazyFrame]:
    """The metric's trade inputs for one group and YEAR from bilateral flows {(exporter, market): x_ijk}."""
    market = pl.DataFrame([{"group": group, "exporter": i, "market": j, "year": YEAR, "export_value_usd": v}
                           for (i, j), v in flows.items()]).lazy()
    imports_by = {}
    for (_, j), v in flows.items():
        imports_by[j] = imports_by.get(j, 0.0) + v
    imports = pl.DataFrame([{"group": group, "market": j, "year": YEAR, "value_usd": v, **PROV}
                            for j, v in imports_by.items()]).lazy()
    exports_by: dict[str, float] = {}
    for (i, _), v in flows.items():
        exports_by[i] = exports_by.get(i, 0.0) + v
    exporter = pl.DataFrame([{"group": group, "exporter": i, "year": YEAR, "export_value_usd": v,
                              "import_value_usd": (own_imports or {}).get(i), **PROV}
                             for i, v in exports_by.items()],
                            schema_overrides={"import_value_usd": pl.Float64}).lazy()
    tariffs = pl.DataFrame([{"group": group, "exporter": i, "market": j, "year": YEAR, "tariff_faced_pct": rate}
                            for (i, j) in flows], schema_overrides={"tariff_faced_pct": pl.Float64}).lazy()
    return {"market": market, "imports": imports, "exporter": exporter, "tariffs": tariffs}


# Exporters A (Germany) and B (France) on the equator, markets C (USA) at the north pole and D (Japan) at the
# south pole: every supplier is a quarter circumference from every market, so every distance is the usual one.
EQUIDISTANT = {"DEU": (0.0, 0.0), "FRA": (0.0, 90.0), "USA": (90.0, 0.0), "JPN": (-90.0, 0.0)}
# Trade proportional to the world shares (DEU 1/4, FRA 3/4): every bilateral factor is 1.
PROPORTIONAL = {("DEU", "USA"): 25.0, ("FRA", "USA"): 75.0, ("DEU", "JPN"): 50.0, ("FRA", "JPN"): 150.0}


def potential(inputs: dict[str, pl.LazyFrame], ratios: dict[str, tuple[float, float]],
              points: dict[str, tuple[float, float]] = EQUIDISTANT, elasticity: float = 1.0) -> pl.DataFrame:
    return group_export_potential(inputs["market"], inputs["imports"], inputs["exporter"], inputs["tariffs"],
                                  weo(ratios), capitals(points), elasticity).collect()


def row(frame: pl.DataFrame, exporter: str, market: str) -> dict[str, object]:
    return frame.filter(exporter=exporter, market=market).row(0, named=True)


def test_potential_equal_tariffs_usual_distance_bilateral_one_is_share_times_projected_imports() -> None:
    ratios = {"DEU": (1.10, 1.0), "FRA": (1.05, 0.99), "USA": (1.20, 1.04), "JPN": (1.02, 0.97)}
    frame = potential(world(PROPORTIONAL), ratios)
    assert frame.height == 4
    for (i, j), _ in PROPORTIONAL.items():
        got = row(frame, i, j)
        assert got["supply_tariff_factor"] == pytest.approx(1.0) and got["demand_tariff_factor"] == pytest.approx(1)
        assert got["distance_factor"] == pytest.approx(1.0) and got["bilateral_factor"] == pytest.approx(1.0)
        assert got["distance_km"] == pytest.approx(math.pi * 6371.0 / 2)
        share = {"DEU": 75 * 1.10, "FRA": 225 * 1.05}[i] / (75 * 1.10 + 225 * 1.05)
        imports = {"USA": 100.0, "JPN": 200.0}[j] * ratios[j][0]  # (ΔGDP/ΔPOP)^1 · ΔPOP = ΔGDP
        assert got["projected_share"] == pytest.approx(share, rel=1e-12)
        assert got["projected_imports_usd"] == pytest.approx(imports, rel=1e-12)
        assert got["potential_usd"] == pytest.approx(share * imports, rel=1e-9)
        assert got["untapped_usd"] == pytest.approx(max(share * imports - PROPORTIONAL[(i, j)], 0.0))


def test_potential_gdp_110_pop_095_gives_income_per_head_1158() -> None:
    ratios = projection_ratios(weo({"USA": (1.10, 0.95)})).collect()
    gdp, pop = ratios.item(0, "gdp_ratio"), ratios.item(0, "pop_ratio")
    assert (gdp, pop) == (pytest.approx(1.10, rel=1e-12), pytest.approx(0.95, rel=1e-12))
    assert round(gdp / pop, 3) == 1.158
    base = {"DEU": (1.0, 1.0), "FRA": (1.0, 1.0), "JPN": (1.0, 1.0)}
    for elasticity in (1.0, 2.0):
        frame = potential(world(PROPORTIONAL), {**base, "USA": (1.10, 0.95)}, elasticity=elasticity)
        got = row(frame, "DEU", "USA")
        assert got["projected_imports_usd"] == pytest.approx(100.0 * (1.10 / 0.95) ** elasticity * 0.95, rel=1e-12)
        assert got["income_elasticity"] == elasticity


def test_potential_compounds_five_growth_rates_and_needs_all_five() -> None:
    frame = weo({"USA": (1.10, 1.0)}).collect()
    rates = [1.0, 2.0, -3.0, 4.0, 5.0]
    frame = frame.with_columns(value=pl.when(pl.col("indicator") == "NGDP_RPCH")
                               .then(pl.col("year").replace_strict({YEAR + s: r for s, r in enumerate(rates, 1)},
                                                                   return_dtype=pl.Float64))
                               .otherwise(pl.col("value")))
    got = projection_ratios(frame.lazy()).collect()
    assert got.item(0, "gdp_ratio") == pytest.approx(math.prod(1 + r / 100 for r in rates), rel=1e-12)
    missing = frame.filter(~((pl.col("indicator") == "NGDP_RPCH") & (pl.col("year") == YEAR + 3)))
    assert projection_ratios(missing.lazy()).collect().is_empty()
    older = frame.with_columns(vintage=pl.lit("2025-10"), value=pl.col("value") * 2)
    both = projection_ratios(pl.concat([frame, older]).lazy()).collect()  # only the newest vintage counts
    assert both.item(0, "gdp_ratio") == pytest.approx(got.item(0, "gdp_ratio")) and both.item(0, "vintage") == \
        "2026-04"


def test_potential_no_exports_gives_zero() -> None:
    flows = {**PROPORTIONAL, ("ITA", "USA"): 0.0, ("ITA", "JPN"): 10.0}  # Italy sells toys to Japan only
    inputs = world(flows)
    inputs["exporter"] = inputs["exporter"].with_columns(
        export_value_usd=pl.when(pl.col("exporter") == "ITA").then(0.0).otherwise(pl.col("export_value_usd")))
    ratios = {c: (1.1, 1.0) for c in ("DEU", "FRA", "ITA", "USA", "JPN")}
    frame = potential(inputs, ratios, {**EQUIDISTANT, "ITA": (0.0, 45.0)})
    assert row(frame, "ITA", "JPN")["projected_share"] == 0.0
    assert row(frame, "ITA", "JPN")["potential_usd"] == 0.0 and row(frame, "ITA", "JPN")["untapped_usd"] == 0.0


def test_potential_imports_twice_exports_halve_supply() -> None:
    ratios = {c: (1.1, 1.0) for c in ("DEU", "FRA", "USA", "JPN")}
    plain = potential(world(PROPORTIONAL), ratios)
    damped = potential(world(PROPORTIONAL, own_imports={"DEU": 150.0}), ratios)  # DEU exports 75, imports 150
    assert row(damped, "DEU", "USA")["re_export_factor"] == 0.5
    assert row(damped, "DEU", "USA")["potential_usd"] == pytest.approx(row(plain, "DEU", "USA")["potential_usd"] / 2)
    assert row(damped, "FRA", "USA")["re_export_factor"] == 1.0  # M_ik unknown: 1


def test_potential_without_rate_or_coordinates_uses_one_and_says_so() -> None:
    ratios = {c: (1.1, 1.0) for c in ("DEU", "FRA", "USA", "JPN")}
    frame = potential(world(PROPORTIONAL, rate=None), ratios, {"DEU": (0.0, 0.0), "USA": (90.0, 0.0)})
    got = row(frame, "FRA", "JPN")
    assert (got["supply_tariff_factor"], got["demand_tariff_factor"], got["distance_factor"]) == (1.0, 1.0, 1.0)
    assert not got["supply_tariff_known"] and not got["demand_tariff_known"] and not got["distance_known"]
    assert got["distance_km"] is None
    known = row(frame, "DEU", "USA")
    assert known["distance_known"] and known["distance_km"] == pytest.approx(math.pi * 6371.0 / 2)
    unknown = potential(world(PROPORTIONAL), {"DEU": (1.1, 1.0)})  # no projection for the markets
    assert not row(unknown, "DEU", "USA")["projection_known"]
    assert row(unknown, "DEU", "USA")["gdp_ratio_market"] == 1.0


def test_potential_tariff_and_distance_factors_by_hand() -> None:
    """Unequal tariffs and distances: each factor recomputed from its definition."""
    inputs = world(PROPORTIONAL)
    rates = {("DEU", "USA"): 2.0, ("FRA", "USA"): 10.0, ("DEU", "JPN"): 0.0, ("FRA", "JPN"): 4.0}
    inputs["tariffs"] = pl.DataFrame([{"group": "toys", "exporter": i, "market": j, "year": YEAR - 1,
                                       "tariff_faced_pct": r} for (i, j), r in rates.items()]).lazy()
    points = {"DEU": (52.52, 13.41), "FRA": (48.86, 2.35), "USA": (38.89, -77.03), "JPN": (35.67, 139.77)}
    ratios = {c: (1.0, 1.0) for c in points}
    frame = potential(inputs, ratios, points)
    x = PROPORTIONAL
    t_usa = (25 * 0.02 + 75 * 0.10) / 100
    t_deu = (25 * 0.02 + 50 * 0.0) / 75
    t_all = (25 * 0.02 + 75 * 0.10 + 50 * 0.0 + 150 * 0.04) / 300
    got = row(frame, "DEU", "USA")
    assert got["tariff_faced_pct"] == 2.0  # the 2019 schedule, the newest up to 2020
    assert got["demand_tariff_factor"] == pytest.approx((1 + t_usa) / 1.02, rel=1e-12)
    assert got["supply_tariff_factor"] == pytest.approx((1 + t_deu) / (1 + t_all), rel=1e-12)

    def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
        (p1, l1), (p2, l2) = (tuple(math.radians(v) for v in a), tuple(math.radians(v) for v in b))
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(h))

    d = {(i, j): haversine(points[i], points[j]) for (i, j) in x}
    usual = (25 * math.log(d["DEU", "USA"]) + 75 * math.log(d["FRA", "USA"])) / 100
    assert got["distance_km"] == pytest.approx(d["DEU", "USA"], rel=1e-9)
    assert got["distance_factor"] == pytest.approx(math.exp(-abs(usual - math.log(d["DEU", "USA"]))), rel=1e-9)
    product = math.prod(got[name] for name in ("projected_share", "re_export_factor", "supply_tariff_factor",
                                               "projected_imports_usd", "demand_tariff_factor", "distance_factor",
                                               "bilateral_factor"))
    assert got["potential_usd"] == pytest.approx(product, rel=1e-12)
    distances = capital_distances(capitals(points)).collect()
    assert distances.height == 12 and distances.filter(exporter="USA", market="DEU").item(0, "distance_km") == \
        pytest.approx(d["DEU", "USA"], rel=1e-9)


def test_potential_bilateral_factor_sums_over_groups() -> None:
    toys = world({("DEU", "USA"): 30.0, ("FRA", "USA"): 70.0, ("DEU", "JPN"): 10.0, ("FRA", "JPN"): 90.0})
    shoes = world({("DEU", "USA"): 5.0, ("FRA", "USA"): 45.0, ("DEU", "JPN"): 20.0, ("FRA", "JPN"): 30.0},
                  group="shoes")
    inputs = {name: pl.concat([toys[name], shoes[name]]) for name in toys}
    frame = potential(inputs, {c: (1.0, 1.0) for c in EQUIDISTANT})
    # DEU→USA: x_ij = 30 + 5; expected = 40/200·100 + 25/100·50
    expected = 40 / 200 * 100 + 25 / 100 * 50
    for group in ("toys", "shoes"):
        got = frame.filter(group=group, exporter="DEU", market="USA").row(0, named=True)
        assert got["bilateral_factor"] == pytest.approx(35 / expected, rel=1e-12)
    assert frame.filter(group="toys", exporter="DEU", market="USA").item(0, "expected_usd") == pytest.approx(20.0)


def test_group_export_potential_on_the_sample_matches_a_plain_python_recomputation(
    metrics_store: Path, config: Config
) -> None:
    store = Store(metrics_store)
    table = store.read("group_export_potential")
    assert table.columns == GROUP_EXPORT_POTENTIAL.column_names and table.height > 1000
    assert table.filter(pl.col("exporter") == pl.col("market")).is_empty()
    factors = ("projected_share", "re_export_factor", "supply_tariff_factor", "projected_imports_usd",
               "demand_tariff_factor", "distance_factor", "bilateral_factor")
    product = table.select(pl.fold(pl.lit(1.0), lambda a, b: a * b, [pl.col(f) for f in factors])).to_series()
    relative = ((product - table["potential_usd"]).abs() / table["potential_usd"].abs().clip(1e-300)).max()
    assert relative is not None and relative < 1e-9
    assert (table["untapped_usd"] >= 0).all() and set(table["weo_vintage"].unique()) == {"2025-10"}

    # A few rows recomputed from the stored inputs with plain Python (no Polars expressions of the metric).
    market = store.read("group_market").filter(pl.col("exporter") != pl.col("market"))
    exporter = store.read("group_exporter")
    tariffs = store.read("group_tariff")
    weo_rows = store.read("weo").filter(vintage="2025-10")
    coords = {r["market"]: (r["latitude"], r["longitude"]) for r in store.read("capital").iter_rows(named=True)}
    value = {(r["indicator"], r["market"], r["year"]): r["value"] for r in weo_rows.iter_rows(named=True)}

    def gdp_ratio(c: str, t: int) -> float:
        return math.prod(1 + value[("NGDP_RPCH", c, t + s)] / 100 for s in range(1, 6))

    def dist(a: str, b: str) -> float:
        (p1, l1), (p2, l2) = (tuple(map(math.radians, coords[a])), tuple(map(math.radians, coords[b])))
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
        return max(2 * 6371.0 * math.asin(math.sqrt(h)), 1.0)

    year = config.scope.last_year
    picks = table.filter(year=year, exporter=config.scope.home_exporter).sort("untapped_usd", descending=True)
    picks = pl.concat([picks.head(2), table.filter(year=year - 3, exporter="VNM").head(1)])
    for pick in picks.iter_rows(named=True):
        k, i, j, t = pick["group"], pick["exporter"], pick["market"], pick["year"]
        x = {(r["exporter"], r["market"]): r["export_value_usd"]
             for r in market.filter(group=k, year=t).iter_rows(named=True)}
        xi = {r["exporter"]: (r["export_value_usd"], r["import_value_usd"])
              for r in exporter.filter(group=k, year=t).iter_rows(named=True)}
        share = xi[i][0] * gdp_ratio(i, t) / sum(v[0] * gdp_ratio(e, t) for e, v in xi.items())
        m_i = xi[i][1]
        re_export = min(1.0, xi[i][0] / m_i) if m_i else 1.0
        m_j = market.filter(group=k, market=j, year=t)["market_imports_usd"].drop_nulls()[0]
        pop = value[("LP", j, t + 5)] / value[("LP", j, t)]
        projected = m_j * (gdp_ratio(j, t) / pop) * pop
        rates = {}
        for r in tariffs.filter(group=k).filter(pl.col("year") <= t).sort("year").iter_rows(named=True):
            if r["tariff_faced_pct"] is not None:
                rates[(r["exporter"], r["market"])] = r["tariff_faced_pct"] / 100

        def avg(pairs: list[tuple[str, str]], x: dict = x, rates: dict = rates) -> float | None:
            known = [(x[p], rates[p]) for p in pairs if p in rates and x.get(p)]
            return sum(w * r for w, r in known) / sum(w for w, _ in known) if known else None

        t_jk, t_ik = avg([p for p in x if p[1] == j]), avg([p for p in x if p[0] == i])
        t_k = avg(list(x))
        demand_tariff = (1 + t_jk) / (1 + rates[(i, j)]) if t_jk is not None and (i, j) in rates else 1.0
        supply_tariff = (1 + t_ik) / (1 + t_k) if t_ik is not None and t_k is not None else 1.0
        suppliers = [(x[p], math.log(dist(*p))) for p in x if p[1] == j and p[0] in coords and x[p]]
        usual = sum(w * d for w, d in suppliers) / sum(w for w, _ in suppliers)
        distance = math.exp(-abs(usual - math.log(dist(i, j))))
        x_ij = market.filter(exporter=i, market=j, year=t)["export_value_usd"].sum()
        expected = 0.0
        groups = exporter.filter(exporter=i, year=t)["group"].to_list()
        for g in groups:
            world_g = exporter.filter(group=g, year=t)["export_value_usd"].sum()
            m_jg = market.filter(group=g, market=j, year=t)["market_imports_usd"].drop_nulls()
            if len(m_jg):
                expected += exporter.filter(group=g, exporter=i, year=t)["export_value_usd"][0] / world_g * m_jg[0]
        bilateral = x_ij / expected
        want = share * re_export * supply_tariff * projected * demand_tariff * distance * bilateral
        assert pick["potential_usd"] == pytest.approx(want, rel=1e-9), (k, i, j, t)
        assert pick["bilateral_factor"] == pytest.approx(bilateral, rel=1e-9)
        assert pick["distance_factor"] == pytest.approx(distance, rel=1e-9)
        assert pick["untapped_usd"] == pytest.approx(max(want - x.get((i, j), 0.0), 0.0), rel=1e-9, abs=1e-6)


def test_potential_backtest_compares_t_minus_5_potential_with_actual_t() -> None:
    columns = {"group": "toys", "exporter": "CHN"}
    rows = []
    for index, (market, potential) in enumerate((("USA", 100.0), ("DEU", 40.0), ("JPN", 10.0))):
        rows.append({**columns, "market": market, "year": 2018, "potential_usd": potential, "actual_usd": 1.0})
        if market != "JPN":  # Japan: no row in 2023, so nothing sold there then
            rows.append({**columns, "market": market, "year": 2023, "potential_usd": 0.0,
                         "actual_usd": 2.0 * potential + index})
    rows.append({**columns, "market": "FRA", "year": 2019, "potential_usd": 5.0, "actual_usd": 1.0})  # no 2024
    result = potential_backtest(pl.DataFrame(rows).lazy()).collect()
    assert result["group"].to_list() == ["toys", "all"]
    got = result.row(0, named=True)
    predicted, actual = [100.0, 40.0, 10.0], [200.0, 81.0, 0.0]
    mean_p, mean_a = sum(predicted) / 3, sum(actual) / 3
    cov = sum((p - mean_p) * (a - mean_a) for p, a in zip(predicted, actual, strict=True))
    var = math.sqrt(sum((p - mean_p) ** 2 for p in predicted) * sum((a - mean_a) ** 2 for a in actual))
    assert got["pairs"] == 3 and got["correlation"] == pytest.approx(cov / var)
    assert got["median_ratio"] == pytest.approx(200.0 / 100.0)  # ratios 0.0, 2.0 and 2.025
    assert got["log_correlation"] == pytest.approx(1.0)  # two positive pairs: a straight line in logs
