"""Deterministic sample data, so the dashboard works offline on first run.

Everything is generated from one seed with NumPy's PCG64 generator and written through the same store API
as real data, with ``source = "sample"``: the app and every export label it as sample data. The numbers are
plausible, not real: market sizes, supplier strengths, price levels and trends are invented to exercise
every view (a leader losing US share after 2018 to Vietnam and Mexico, premium European suppliers,
missing and zero quantities as in Comtrade). A configured code that lies inside another (``4820`` in ``48``)
is drawn as a part of it, in every flow, year and month, as real data is: a part never exceeds its whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

from tracker.config import Config
from tracker.countries import eu_members
from tracker.schemas import SAMPLE_SOURCE
from tracker.store import Store
from tracker.tables import CAPITAL, ECOMMERCE, MACRO, TARIFF, TRADE, WEO

DEFAULT_SEED = 2026
SAMPLE_FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_SAMPLE_YEAR = 2015
MONTHLY_YEARS = 3  # monthly detail for the last three sample years
MONTHS_AHEAD = 4  # the markets' monthly imports run this many months past the last annual year (nowcast, forecast)
CIF_OVER_FOB = 1.07  # importers report CIF, exporters FOB

# Exporters and their overall strength in light-industry goods (relative, invented).
SAMPLE_EXPORTERS: dict[str, float] = {
    "CHN": 10.0, "VNM": 1.6, "IND": 1.2, "MEX": 1.0, "TUR": 0.9, "DEU": 2.2, "ITA": 1.5, "USA": 1.4,
    "JPN": 0.8, "KOR": 0.7, "THA": 0.6, "IDN": 0.6, "MYS": 0.5, "BGD": 0.7, "POL": 0.9,
}
# Markets and their relative import size (invented, loosely proportional to real import demand).
SAMPLE_MARKETS: dict[str, float] = {
    "USA": 10.0, "DEU": 4.0, "JPN": 3.0, "GBR": 3.0, "FRA": 2.8, "NLD": 2.2, "ITA": 1.8, "ESP": 1.7,
    "CAN": 2.0, "KOR": 1.6, "AUS": 1.4, "MEX": 1.5, "BEL": 1.2, "POL": 1.2, "CHE": 0.9, "SWE": 0.8,
    "AUT": 0.8, "IND": 1.0, "BRA": 1.1, "RUS": 1.2, "SAU": 0.9, "ARE": 1.1, "TUR": 0.7, "IDN": 0.7,
    "THA": 0.7, "VNM": 0.6, "MYS": 0.7, "SGP": 0.8, "PHL": 0.5, "ZAF": 0.5, "NGA": 0.3, "EGY": 0.3,
    "CHL": 0.5, "ARG": 0.3, "COL": 0.4, "PER": 0.3, "CZE": 0.6, "DNK": 0.5, "IRL": 0.4, "PRT": 0.4,
    "GRC": 0.3, "HUN": 0.4, "ROU": 0.4, "ISR": 0.5, "NZL": 0.3, "KAZ": 0.3, "CHN": 2.5,
}
# Price level (USD per kg) multipliers: premium suppliers above 1, low-cost below.
PRICE_LEVEL: dict[str, float] = {
    "CHN": 0.8, "VNM": 0.75, "IND": 0.7, "MEX": 0.9, "TUR": 0.85, "DEU": 1.9, "ITA": 2.1, "USA": 1.7,
    "JPN": 2.0, "KOR": 1.5, "THA": 0.85, "IDN": 0.7, "MYS": 0.9, "BGD": 0.6, "POL": 1.1,
}
EU_MARKETS = ("DEU", "FRA", "NLD", "ITA", "ESP", "BEL", "POL", "SWE", "AUT", "CZE", "DNK", "IRL", "PRT",
              "GRC", "HUN", "ROU")
ECOMMERCE_SELLER_INDICATORS = {
    "I_BLT12": "Individuals who bought online in the last 12 months",
    "I_BPG_DOM": "Bought online from national sellers",
    "I_BPG_EU": "Bought online from sellers in other EU countries",
    "I_BPG_WRLD": "Bought online from sellers outside the EU",
    "I_BPG_FOR": "Bought online from foreign sellers",
}
MACRO_INDICATORS = {
    "NY.GDP.MKTP.CD": ("GDP (current US$)", "USD"),
    "SP.POP.TOTL": ("Population, total", "persons"),
    "IT.NET.USER.ZS": ("Individuals using the Internet (% of population)", "% of population"),
}
# Applied MFN tariff level of each sample tariff market (mean % on light-industry goods, invented, loosely like
# the real schedules); the EU reports once for its members as EUU, the UK on its own from 2021.
TARIFF_MARKETS: dict[str, float] = {
    "USA": 4.0, "EUU": 4.5, "GBR": 4.0, "JPN": 3.5, "CAN": 6.0, "KOR": 7.0, "AUS": 4.0, "MEX": 12.0,
    "IND": 14.0, "BRA": 18.0, "CHE": 2.5, "TUR": 9.0, "IDN": 8.0, "ZAF": 15.0,
}
UK_OWN_SCHEDULE_FROM = 2021
MAX_SAMPLE_MFN = 45.0
INDIA_TOY_DUTY = ("9503", "9504", "9505")  # India raised these from 20 % to 60 % in 2020
MEXICO_APPAREL_DUTY = ("61", "62", "64")  # Mexico's MFN on apparel and footwear: 35 % in the newest sample year
EU_PARTNERS = ("DEU", "ITA", "POL")
# Preferences (market, partner) → the multiplier of MFN in a year (0 = duty free), invented after real
# agreements: USMCA, KORUS, the EU customs union with Türkiye, EU FTAs and GSP/EBA, ChAFTA, China–Korea, RCEP.
PREFERENCES: dict[tuple[str, str], Callable[[int], float]] = {
    ("USA", "MEX"): lambda y: 0.0, ("USA", "KOR"): lambda y: 0.0 if y >= 2016 else 0.3,
    ("CAN", "MEX"): lambda y: 0.0, ("CAN", "USA"): lambda y: 0.0, ("MEX", "USA"): lambda y: 0.0,
    ("EUU", "TUR"): lambda y: 0.0, ("EUU", "KOR"): lambda y: 0.0, ("EUU", "MEX"): lambda y: 0.0,
    ("EUU", "BGD"): lambda y: 0.0, ("EUU", "JPN"): lambda y: 0.0 if y >= 2019 else 1.0,
    ("EUU", "VNM"): lambda y: 0.7 if y < 2020 else max(0.0, 1 - 0.25 * (y - 2019)),
    ("EUU", "IND"): lambda y: 0.7, ("EUU", "IDN"): lambda y: 0.7,
    ("GBR", "VNM"): lambda y: max(0.0, 1 - 0.25 * (y - 2019)), ("GBR", "BGD"): lambda y: 0.0,
    ("GBR", "TUR"): lambda y: 0.0, ("GBR", "KOR"): lambda y: 0.0, ("GBR", "JPN"): lambda y: 0.0,
    ("KOR", "CHN"): lambda y: max(0.0, 1 - 0.1 * (y - 2015)), ("KOR", "USA"): lambda y: 0.0,
    ("AUS", "CHN"): lambda y: max(0.0, 0.6 - 0.2 * (y - 2015)), ("AUS", "JPN"): lambda y: 0.0,
    ("AUS", "KOR"): lambda y: 0.0, ("AUS", "THA"): lambda y: 0.0, ("AUS", "MYS"): lambda y: 0.0,
    ("JPN", "CHN"): lambda y: 1.0 if y < 2022 else max(0.0, 1 - 0.1 * (y - 2021)),
    ("JPN", "VNM"): lambda y: 0.3, ("JPN", "THA"): lambda y: 0.3, ("JPN", "IDN"): lambda y: 0.3,
    ("JPN", "MYS"): lambda y: 0.3, ("IDN", "CHN"): lambda y: 0.0, ("IDN", "THA"): lambda y: 0.0,
    ("IDN", "VNM"): lambda y: 0.0, ("IDN", "MYS"): lambda y: 0.0, ("TUR", "KOR"): lambda y: 0.0,
    ("CHE", "CHN"): lambda y: 0.0, ("CHE", "TUR"): lambda y: 0.0, ("IND", "KOR"): lambda y: 0.5,
    ("IND", "JPN"): lambda y: 0.5, ("MEX", "JPN"): lambda y: 0.0,
}
PREFERENCES.update({(market, partner): (lambda y: 0.0) for partner in EU_PARTNERS
                    for market in ("TUR", "MEX", "KOR", "CHE")})
PREFERENCES.update({("GBR", partner): (lambda y: 0.0) for partner in EU_PARTNERS})
PREFERENCES.update({(market, partner): (lambda y: 0.0 if y >= 2019 else 1.0) for partner in EU_PARTNERS
                    for market in ("JPN", "CAN")})
# Capitals (latitude, longitude) of the sample's countries, as the World Bank country API gives them (rounded).
SAMPLE_CAPITALS: dict[str, tuple[str, float, float]] = {
    "ARE": ("Abu Dhabi", 24.48, 54.37), "ARG": ("Buenos Aires", -34.61, -58.37), "AUS": ("Canberra", -35.28, 149.13),
    "AUT": ("Vienna", 48.21, 16.37), "BEL": ("Brussels", 50.85, 4.35), "BGD": ("Dhaka", 23.71, 90.41),
    "BRA": ("Brasilia", -15.78, -47.93), "CAN": ("Ottawa", 45.42, -75.70), "CHE": ("Bern", 46.95, 7.45),
    "CHL": ("Santiago", -33.45, -70.67), "CHN": ("Beijing", 40.05, 116.29), "COL": ("Bogota", 4.61, -74.08),
    "CZE": ("Prague", 50.09, 14.42), "DEU": ("Berlin", 52.52, 13.41), "DNK": ("Copenhagen", 55.68, 12.57),
    "EGY": ("Cairo", 30.04, 31.24), "ESP": ("Madrid", 40.42, -3.70), "FRA": ("Paris", 48.86, 2.35),
    "GBR": ("London", 51.51, -0.13), "GRC": ("Athens", 37.98, 23.73), "HUN": ("Budapest", 47.50, 19.04),
    "IDN": ("Jakarta", -6.21, 106.85), "IND": ("New Delhi", 28.60, 77.20), "IRL": ("Dublin", 53.34, -6.26),
    "ISR": ("Jerusalem", 31.78, 35.22), "ITA": ("Rome", 41.90, 12.49), "JPN": ("Tokyo", 35.67, 139.77),
    "KAZ": ("Astana", 51.17, 71.45), "KOR": ("Seoul", 37.57, 126.98), "MEX": ("Mexico City", 19.43, -99.13),
    "MYS": ("Kuala Lumpur", 3.14, 101.69), "NGA": ("Abuja", 9.06, 7.49), "NLD": ("Amsterdam", 52.37, 4.89),
    "NZL": ("Wellington", -41.29, 174.78), "PER": ("Lima", -12.05, -77.04), "PHL": ("Manila", 14.60, 120.98),
    "POL": ("Warsaw", 52.23, 21.01), "PRT": ("Lisbon", 38.72, -9.14), "ROU": ("Bucharest", 44.43, 26.10),
    "RUS": ("Moscow", 55.76, 37.62), "SAU": ("Riyadh", 24.71, 46.68), "SGP": ("Singapore", 1.29, 103.85),
    "SWE": ("Stockholm", 59.33, 18.07), "THA": ("Bangkok", 13.75, 100.50), "TUR": ("Ankara", 39.93, 32.86),
    "USA": ("Washington D.C.", 38.89, -77.03), "VNM": ("Hanoi", 21.03, 105.85), "ZAF": ("Pretoria", -25.75, 28.19),
}
SAMPLE_WEO_VINTAGE = "2025-10"  # the newest WEO edition before the sample's fetch date
PROJECTION_YEARS = 6  # growth and population to last_year + 5 (the export potential's t + 5), and one more
SEASONALITY = np.array([0.8, 0.7, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.2, 1.1])


@dataclass(frozen=True)
class SampleData:
    trade: pl.DataFrame
    ecommerce: pl.DataFrame
    macro: pl.DataFrame
    tariff: pl.DataFrame
    weo: pl.DataFrame
    capital: pl.DataFrame


def _years(config: Config) -> np.ndarray:
    return np.arange(FIRST_SAMPLE_YEAR, max(config.scope.last_year, FIRST_SAMPLE_YEAR + 5) + 1)


def _trend(exporters: list[str], markets: list[str], years: np.ndarray) -> np.ndarray:
    """Scripted share shifts (exporter x market x year): trade-war diversion in the US market after 2018."""
    factor = np.ones((len(exporters), len(markets), len(years)))
    after = np.clip(years - 2018, 0, None)
    us = markets.index("USA")
    shifts = {"CHN": 0.93, "VNM": 1.13, "MEX": 1.06, "IND": 1.05}
    for exporter, rate in shifts.items():
        if exporter in exporters:
            factor[exporters.index(exporter), us, :] = rate ** after
    if "CHN" in exporters:  # steady gains elsewhere in emerging markets
        for market in ("SAU", "ARE", "RUS", "BRA", "NGA", "KAZ", "IDN", "PHL"):
            if market in markets:
                factor[exporters.index("CHN"), markets.index(market), :] *= 1.04 ** (years - years[0])
    return factor


def _trade_frame(columns: dict[str, object], height: int) -> pl.DataFrame:
    frame = pl.DataFrame(columns)
    constants = {
        "source": SAMPLE_SOURCE, "hs_revision": "H6", "provenance": "reported", "fetched_at": SAMPLE_FETCHED_AT,
    }
    frame = frame.with_columns(
        [pl.lit(value, dtype=TRADE.polars_schema[name]).alias(name) for name, value in constants.items()]
    )
    assert frame.height == height
    return frame.select(TRADE.column_names).cast(TRADE.polars_schema)


def generate_trade(config: Config, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """Annual and monthly trade for every configured group: market imports by supplier and code, the
    markets' world totals, and the exporters' own reports (exports and imports, by code and TOTAL)."""
    rng = np.random.default_rng(seed)
    exporters = list(SAMPLE_EXPORTERS)
    markets = list(SAMPLE_MARKETS)
    years = _years(config)
    codes = [(group.id, code) for group in config.groups for code in group.hs_codes]
    n_e, n_m, n_c, n_y = len(exporters), len(markets), len(codes), len(years)

    group_size = {group.id: rng.uniform(0.5, 3.0) for group in config.groups}
    code_size = np.array([group_size[g] / len(config.group(g).hs_codes) * rng.uniform(0.4, 1.6) for g, _ in codes])
    base_kg_price = np.array([rng.uniform(2.0, 40.0) for _ in codes])
    strength = np.array(list(SAMPLE_EXPORTERS.values()))[:, None, None] * rng.lognormal(0, 0.6, (n_e, 1, n_c))
    affinity = rng.lognormal(0, 0.5, (n_e, n_m, 1))
    size = np.array(list(SAMPLE_MARKETS.values()))[None, :, None] * code_size[None, None, :] * 1e7
    growth = (1 + rng.normal(0.04, 0.03, (1, n_m, n_c, 1))) ** (years - years[0])[None, None, None, :]
    noise = rng.lognormal(0, 0.08, (n_e, n_m, n_c, n_y))
    values = (strength * affinity * size)[..., None] * growth * noise * _trend(exporters, markets, years)[:, :, None, :]
    for index, exporter in enumerate(exporters):  # a country does not import from itself
        if exporter in markets:
            values[index, markets.index(exporter)] = 0.0
    # Some suppliers are absent from some small markets in some years.
    absent = rng.random(values.shape) < 0.03
    values[absent] = 0.0
    parents = _parent_codes([code for _, code in codes])
    for child, parent in parents.items():  # parents first: a chain of nested codes stays ordered
        siblings = sum(1 for p in parents.values() if p == parent)
        part = rng.uniform(0.15, 0.6, (n_e, n_m, 1)) * rng.uniform(0.9, 1.1, (n_e, n_m, n_y)) / siblings
        values[:, :, child] = np.where(absent[:, :, child], 0.0, values[:, :, parent] * part)

    price = (
        np.array([PRICE_LEVEL[e] for e in exporters])[:, None, None, None]
        * base_kg_price[None, None, :, None]
        * rng.lognormal(0, 0.1, (n_e, n_m, n_c, n_y))
        * (1.02 ** (years - years[0]))[None, None, None, :]
    )
    for child, parent in parents.items():  # a part is no cheaper per kg than its whole: its weight is smaller
        price[:, :, child] = price[:, :, parent] * rng.uniform(1.0, 1.3)
    weights = values / price
    e_idx, m_idx, c_idx, y_idx = np.nonzero(values)
    imports_value = values[e_idx, m_idx, c_idx, y_idx]
    imports_weight = weights[e_idx, m_idx, c_idx, y_idx]
    quality = rng.random(imports_value.size)
    imports_weight = np.where(quality < 0.05, np.nan, np.where(quality < 0.07, 0.0, imports_weight))
    code_ids = np.array([code for _, code in codes])
    exporter_ids = np.array(exporters)
    market_ids = np.array(markets)

    parts = []
    parts.append(_annual_rows("import", market_ids[m_idx], exporter_ids[e_idx], code_ids[c_idx], years[y_idx],
                              imports_value, imports_weight))
    # Each market's imports from the world: our suppliers plus the rest of the world.
    rest_of_world = _as_parent(rng.uniform(1.15, 1.6, (n_m, n_c, 1)), parents)
    market_total = values.sum(axis=0) * rest_of_world
    market_weight = np.nansum(weights, axis=0) * rest_of_world
    m2, c2, y2 = np.nonzero(market_total)
    parts.append(_annual_rows("import", market_ids[m2], np.full(m2.size, "WLD"), code_ids[c2], years[y2],
                              market_total[m2, c2, y2], market_weight[m2, c2, y2]))
    # Exporters' own reports to the world (FOB, so below what importers record).
    exports_world = values.sum(axis=1) / CIF_OVER_FOB * _as_parent(rng.uniform(1.1, 1.4, (n_e, n_c, 1)), parents)
    e3, c3, y3 = np.nonzero(exports_world)
    parts.append(_annual_rows("export", exporter_ids[e3], np.full(e3.size, "WLD"), code_ids[c3], years[y3],
                              exports_world[e3, c3, y3], (np.nansum(weights, axis=1) / CIF_OVER_FOB)[e3, c3, y3]))
    # Exporters' own imports of the same codes, for the net-export indices.
    own_imports = exports_world * _as_parent(rng.uniform(0.05, 0.9, (n_e, n_c, 1)), parents)
    parts.append(_annual_rows("import", exporter_ids[e3], np.full(e3.size, "WLD"), code_ids[c3], years[y3],
                              own_imports[e3, c3, y3], np.full(e3.size, np.nan)))
    # Total merchandise exports and imports (HS "TOTAL"), for RCA.
    light_share = rng.uniform(0.08, 0.3, (n_e, 1))
    wholes = [index for index in range(n_c) if index not in parents]  # parts are inside their whole already
    total_exports = exports_world[:, wholes].sum(axis=1) / light_share
    total_imports = own_imports[:, wholes].sum(axis=1) / light_share * rng.uniform(0.8, 1.2, (n_e, 1))
    e4, y4 = np.nonzero(total_exports)
    for flow, totals in (("export", total_exports), ("import", total_imports)):
        parts.append(_annual_rows(flow, exporter_ids[e4], np.full(e4.size, "WLD"), np.full(e4.size, "TOTAL"),
                                  years[y4], totals[e4, y4], np.full(e4.size, np.nan)))
    annual = pl.concat(parts)
    roots = _root_codes([code for _, code in codes])
    monthly = _monthly_from_annual(annual.filter(pl.col("partner") != "WLD"), int(years[-MONTHLY_YEARS]), rng,
                                   roots)
    monthly_world = _monthly_from_annual(
        annual.filter((pl.col("partner") == "WLD") & (pl.col("flow") == "import") & pl.col("reporter").is_in(markets)
                      & (pl.col("hs_code") != "TOTAL")),
        int(years[-MONTHLY_YEARS]), rng, roots,
    )
    ahead = _months_ahead(pl.concat([monthly, monthly_world]), int(years[-1]), np.random.default_rng(seed + 3),
                          roots)
    home = _home_exports(config.scope.home_exporter, exporters, (e_idx, m_idx, c_idx, y_idx), imports_value,
                         imports_weight, (exporter_ids, market_ids, code_ids, years), np.random.default_rng(seed + 4))
    trade = pl.concat([annual, monthly, monthly_world, ahead, home])
    # Own imports and market imports share a key when an exporter is also a market: keep the market view.
    return trade.unique(subset=list(TRADE.key), keep="first", maintain_order=True)


def _parent_codes(codes: list[str]) -> dict[int, int]:
    """{index of a code: index of the longest other code it lies inside}, parents before their children."""
    parents = {}
    for index in sorted(range(len(codes)), key=lambda i: len(codes[i])):
        inside = [j for j, other in enumerate(codes) if len(other) < len(codes[index])
                  and codes[index].startswith(other)]
        if inside:
            parents[index] = max(inside, key=lambda j: len(codes[j]))
    return parents


def _root_codes(codes: list[str]) -> dict[str, str]:
    """{code: the outermost configured code it lies inside, or itself}."""
    return {code: min((other for other in codes if code.startswith(other)), key=len) for code in codes}


def _as_parent(factor: np.ndarray, parents: dict[int, int]) -> np.ndarray:
    """``factor`` (codes on its second axis) with each part's entries copied from its whole's."""
    factor = factor.copy()
    for child, parent in parents.items():
        factor[:, child] = factor[:, parent]
    return factor


def _annual_rows(
    flow: str, reporters: np.ndarray, partners: np.ndarray, codes: np.ndarray, years: np.ndarray,
    values: np.ndarray, weights: np.ndarray,
) -> pl.DataFrame:
    weights = np.where(np.isfinite(weights), np.round(weights, 1), np.nan)
    quantity = np.where(np.isfinite(weights), np.round(weights / 1.5), np.nan)
    frame = _trade_frame(
        {
            "flow": np.full(values.size, flow),
            "reporter": reporters,
            "partner": partners,
            "hs_code": codes,
            "period": years.astype(str),
            "year": years.astype(np.int32),
            "frequency": np.full(values.size, "A"),
            "value_usd": np.round(values, 0),
            "net_weight_kg": weights,
            "quantity": quantity,
            "quantity_unit": np.where(np.isfinite(quantity), "u", None),  # type: ignore[call-overload]  # an object array
        },
        values.size,
    )
    return frame.with_columns(
        pl.col("net_weight_kg", "quantity").fill_nan(None)
    ).filter(pl.col("value_usd") > 0)


def _monthly_from_annual(annual: pl.DataFrame, first_year: int, rng: np.random.Generator,
                         roots: dict[str, str]) -> pl.DataFrame:
    """Split recent annual rows into months with a seasonal profile and noise that sums back to the year.

    A code and the codes inside it share one profile per flow, so a part's month never exceeds its whole's.
    """
    recent = annual.filter(pl.col("year") >= first_year)
    key = ["flow", "reporter", "partner", "year", "_root"]
    rooted = recent.select(*key[:-1], pl.col("hs_code").replace(roots).alias("_root"))
    profiles = rooted.unique(maintain_order=True).with_row_index("_profile")
    rows = rooted.join(profiles, on=key, how="left", maintain_order="left").get_column("_profile").to_numpy()
    drawn = SEASONALITY[None, :] * rng.lognormal(0, 0.1, (profiles.height, 12))
    profile = (drawn / drawn.sum(axis=1, keepdims=True))[rows]
    months = np.tile(np.arange(1, 13), recent.height)
    repeated = recent.select(pl.all().repeat_by(12).explode())
    shares = profile.reshape(-1)
    return repeated.with_columns(
        period=pl.format("{}-{}", pl.col("period"), pl.Series(months).cast(pl.String).str.zfill(2)),
        frequency=pl.lit("M"),
        value_usd=(pl.col("value_usd") * pl.Series(shares)).round(0),
        net_weight_kg=(pl.col("net_weight_kg") * pl.Series(shares)).round(1),
        quantity=(pl.col("quantity") * pl.Series(shares)).round(0),
    ).filter(pl.col("value_usd") > 0)


def _home_exports(home: str, exporters: list[str], index: tuple[np.ndarray, ...], imports_value: np.ndarray,
                  imports_weight: np.ndarray, ids: tuple[np.ndarray, ...], rng: np.random.Generator) -> pl.DataFrame:
    """The home exporter's own annual report of its exports to each market (FOB): the market's record / CIF_OVER_FOB
    with a discrepancy per market and year (shipping lags, re-exports), the same for every code so a part stays
    inside its whole. Only where the market recorded the trade, so no mirror row appears; the nowcast backtest
    compares with it. Drawn from its own generator: the other sample rows stay as they were."""
    if home not in exporters:
        return pl.DataFrame(schema=TRADE.polars_schema)
    e_idx, m_idx, c_idx, y_idx = index
    exporter_ids, market_ids, code_ids, years = ids
    own = e_idx == exporters.index(home)
    discrepancy = rng.lognormal(0, 0.06, (len(market_ids), len(years)))[m_idx[own], y_idx[own]]
    return _annual_rows("export", exporter_ids[e_idx[own]], market_ids[m_idx[own]], code_ids[c_idx[own]],
                        years[y_idx[own]], imports_value[own] / CIF_OVER_FOB * discrepancy,
                        imports_weight[own] / CIF_OVER_FOB)


def _months_ahead(monthly: pl.DataFrame, last_year: int, rng: np.random.Generator,
                  roots: dict[str, str]) -> pl.DataFrame:
    """The first ``MONTHS_AHEAD`` months after ``last_year``, as the markets publish them before any annual
    figure: the same month of ``last_year`` times a growth factor per market and outermost code (shared by
    every supplier, the world and the nested codes, so a part never exceeds its whole nor the suppliers their
    world total) and a little noise per month. Drawn from its own generator: the other sample rows stay as they
    were."""
    base = monthly.filter((pl.col("year") == last_year)
                          & (pl.col("period").str.slice(5, 2).cast(pl.Int32) <= MONTHS_AHEAD))
    markets = sorted(base.get_column("reporter").unique().to_list())
    outer = sorted(set(roots.values()))
    growth = rng.normal(0.04, 0.08, (len(markets), len(outer)))
    noise = rng.lognormal(0, 0.03, (len(markets), len(outer), MONTHS_AHEAD))
    market_index = pl.col("reporter").replace_strict({m: i for i, m in enumerate(markets)}, return_dtype=pl.Int64)
    code_index = pl.col("hs_code").replace_strict({c: outer.index(r) for c, r in roots.items()},
                                                  return_dtype=pl.Int64)
    month = pl.col("period").str.slice(5, 2).cast(pl.Int64) - 1
    index = base.select((market_index * len(outer) + code_index) * MONTHS_AHEAD + month).to_series().to_numpy()
    scale = pl.Series(((1 + growth)[:, :, None] * noise).reshape(-1)[index])
    return base.with_columns(
        period=pl.concat_str([pl.lit(str(last_year + 1)), pl.col("period").str.slice(4, 3)]),
        year=pl.lit(last_year + 1, pl.Int32),
        value_usd=(pl.col("value_usd") * scale).round(0),
        net_weight_kg=(pl.col("net_weight_kg") * scale).round(1),
        quantity=(pl.col("quantity") * scale).round(0),
    ).filter(pl.col("value_usd") > 0)


def generate_ecommerce(config: Config, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """Household-survey style indicators for EU markets: buying online, by seller origin and by category."""
    rng = np.random.default_rng(seed + 1)
    categories = sorted({code for group in config.groups for code in group.ecommerce_categories})
    years = list(range(2020, _years(config)[-1] + 1))
    rows: list[dict[str, object]] = []
    for market in (*EU_MARKETS, "EUU"):
        online = rng.uniform(45, 85)
        foreign_share = rng.uniform(0.25, 0.6)
        outside_eu = rng.uniform(0.2, 0.45)
        for offset, year in enumerate(years):
            bought = min(95.0, online + 1.5 * offset + rng.normal(0, 0.8))
            foreign = bought * min(0.9, foreign_share + 0.01 * offset)
            values = {
                "I_BLT12": bought,
                "I_BPG_DOM": bought * rng.uniform(0.85, 0.95),
                "I_BPG_EU": foreign * (1 - outside_eu),
                "I_BPG_WRLD": foreign * (outside_eu + 0.01 * offset),
                "I_BPG_FOR": foreign,
            }
            for indicator, value in values.items():
                rows.append(_ecommerce_row(indicator, ECOMMERCE_SELLER_INDICATORS[indicator], market, "ALL",
                                           year, value))
            for category in categories:
                rows.append(_ecommerce_row(category, f"Bought online: {category}", market, category, year,
                                           bought * rng.uniform(0.1, 0.6)))
    frame = pl.DataFrame(rows, schema=ECOMMERCE.polars_schema, orient="row")
    return frame.with_columns(pl.col("value").round(1))


def _ecommerce_row(
    indicator: str, label: str, market: str, category: str, year: int, value: float
) -> dict[str, object]:
    return {
        "source": SAMPLE_SOURCE, "indicator": indicator, "indicator_label": label, "market": market,
        "category": category, "period": str(year), "year": year, "value": float(value), "unit": "PC_IND",
        "fetched_at": SAMPLE_FETCHED_AT,
    }


def generate_macro(config: Config, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """GDP, population and internet use per market, with steady growth."""
    rng = np.random.default_rng(seed + 2)
    rows: list[dict[str, object]] = []
    for market, size in SAMPLE_MARKETS.items():
        gdp = size * 4e11 * rng.uniform(0.7, 1.3)
        population = rng.uniform(5e6, 3e8)
        internet = rng.uniform(40, 92)
        for offset, year in enumerate(_years(config).tolist()):
            values = {
                "NY.GDP.MKTP.CD": gdp * 1.035 ** offset,
                "SP.POP.TOTL": population * 1.006 ** offset,
                "IT.NET.USER.ZS": min(99.0, internet + 0.9 * offset),
            }
            for indicator, value in values.items():
                label, unit = MACRO_INDICATORS[indicator]
                rows.append({
                    "source": SAMPLE_SOURCE, "indicator": indicator, "indicator_label": label, "market": market,
                    "period": str(year), "year": year, "value": round(float(value), 2), "unit": unit,
                    "fetched_at": SAMPLE_FETCHED_AT,
                })
    return pl.DataFrame(rows, schema=MACRO.polars_schema, orient="row")


def generate_weo(config: Config, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """WEO-shaped real GDP growth (%), GDP (USD bn) and population (millions) per sample country, to five years
    past the last year; faster growth for the emerging markets, a dip in 2020 as in the real WEO."""
    rng = np.random.default_rng(seed + 4)
    years = list(range(int(_years(config)[0]), int(_years(config)[-1]) + PROJECTION_YEARS))
    rows: list[dict[str, object]] = []
    for market in SAMPLE_CAPITALS:
        trend = rng.uniform(0.8, 2.5) if market in (*EU_MARKETS, "USA", "JPN", "CAN", "AUS", "CHE", "GBR") \
            else rng.uniform(2.5, 6.5)
        population, pop_growth = rng.uniform(5, 1400), rng.uniform(-0.4, 1.8)
        gdp = SAMPLE_MARKETS.get(market, 1.0) * 400 * rng.uniform(0.7, 1.3)
        for offset, year in enumerate(years):
            growth = round(trend + rng.normal(0, 0.6) - (6.0 if year == 2020 else 0.0), 1)
            gdp *= 1 + growth / 100
            values = {"NGDP_RPCH": (growth, "%"), "NGDPD": (round(gdp, 3), "USD bn"),
                      "LP": (round(population * (1 + pop_growth / 100) ** offset, 3), "persons mn")}
            for indicator, (value, unit) in values.items():
                rows.append({"source": SAMPLE_SOURCE, "indicator": indicator, "market": market, "year": year,
                             "value": float(value), "unit": unit, "vintage": SAMPLE_WEO_VINTAGE,
                             "fetched_at": SAMPLE_FETCHED_AT})
    return pl.DataFrame(rows, schema=WEO.polars_schema, orient="row")


def generate_capitals() -> pl.DataFrame:
    """Capital coordinates of the sample's countries (the distances of the export potential)."""
    return pl.DataFrame(
        [{"source": SAMPLE_SOURCE, "market": market, "capital_city": city, "latitude": lat, "longitude": lon,
          "fetched_at": SAMPLE_FETCHED_AT} for market, (city, lat, lon) in SAMPLE_CAPITALS.items()],
        schema=CAPITAL.polars_schema, orient="row")


def _sample_hs6(code: str) -> list[str]:
    """HS6 codes standing for a configured code in the sample tariff schedules (a heading: two subheadings)."""
    if len(code) == 6:
        return [code]
    heading = code if len(code) == 4 else f"{code}01"
    return [f"{heading}10", f"{heading}90"]


def generate_tariff(config: Config, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """Applied tariffs (as WITS TRAINS gives them) for the sample's tariff markets: an MFN schedule per market
    and code, constant over the years except India's toy duty (20 % → 60 % in 2020), Mexico's apparel and
    footwear duty (35 % in the newest year, so the ``tariff_change`` alert shows) and the UK's own schedule
    from 2021, and preferential rates where an agreement applies (``PREFERENCES``), some of them phasing in."""
    rng = np.random.default_rng(seed + 3)
    codes = sorted({hs6 for group in config.groups for code in group.hs_codes for hs6 in _sample_hs6(code)})
    years = _years(config).tolist()
    last_year = years[-1]
    rows: list[dict[str, object]] = []
    for market, level in TARIFF_MARKETS.items():
        drawn = np.minimum(level * rng.lognormal(0, 0.5, len(codes)), MAX_SAMPLE_MFN)
        base = np.round(drawn * (rng.random(len(codes)) > 0.12), 1)
        uk_cut = rng.uniform(0.75, 1.0, len(codes)) * (rng.random(len(codes)) > 0.1)
        lines = rng.integers(1, 6, len(codes))
        specific = np.minimum(lines - 1, rng.integers(0, 3, len(codes))) * (rng.random(len(codes)) < 0.25)
        partners = sorted(partner for (where, partner) in PREFERENCES if where == market)
        for year in years:
            if market == "GBR" and year < UK_OWN_SCHEDULE_FROM:
                continue  # the EU schedule (EUU) applied in the UK up to 2020
            for index, code in enumerate(codes):
                mfn = float(base[index])
                if market == "GBR":
                    mfn = round(mfn * float(uk_cut[index]), 1)
                if market == "IND" and code.startswith(INDIA_TOY_DUTY):
                    mfn = 60.0 if year >= 2020 else 20.0
                if market == "MEX" and code.startswith(MEXICO_APPAREL_DUTY) and year == last_year:
                    mfn = 35.0
                counts = (int(lines[index]), int(specific[index]))
                rows.append(_tariff_row(market, "WLD", code, year, "MFN", mfn, counts))
                for partner in partners:
                    if partner in eu_members(year) and market in (*eu_members(year), "EUU"):
                        continue
                    rate = round(mfn * PREFERENCES[(market, partner)](year), 1)
                    if rate < mfn:
                        rows.append(_tariff_row(market, partner, code, year, "PRF", rate, (counts[0], 0)))
    return pl.DataFrame(rows, schema=TARIFF.polars_schema, orient="row")


def _tariff_row(market: str, partner: str, code: str, year: int, kind: str, rate: float,
                counts: tuple[int, int]) -> dict[str, object]:
    lines, specific = counts
    spread = 0.0 if lines - specific <= 1 else round(rate * 0.3, 1)
    return {
        "source": SAMPLE_SOURCE, "market": market, "partner": partner, "hs_code": code, "year": year,
        "tariff_type": kind, "datatype": "aveestimated", "avg_rate_pct": rate,
        "min_rate_pct": round(rate - spread, 1), "max_rate_pct": round(rate + spread, 1), "lines": lines,
        "non_ad_valorem_lines": specific, "hs_revision": "H6", "provenance": "estimated",
        "fetched_at": SAMPLE_FETCHED_AT,
    }


def generate_sample(config: Config, seed: int = DEFAULT_SEED) -> SampleData:
    return SampleData(
        trade=generate_trade(config, seed),
        ecommerce=generate_ecommerce(config, seed),
        macro=generate_macro(config, seed),
        tariff=generate_tariff(config, seed),
        weo=generate_weo(config, seed),
        capital=generate_capitals(),
    )


def write_sample(
    store: Store, config: Config, seed: int = DEFAULT_SEED, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Generate and upsert the sample tables; return rows written per table."""
    report = progress or (lambda _message: None)
    report("generating sample data")
    data = generate_sample(config, seed)
    written: dict[str, int] = {}
    for table, frame in (("trade", data.trade), ("ecommerce", data.ecommerce), ("macro", data.macro),
                         ("tariff", data.tariff), ("weo", data.weo), ("capital", data.capital)):
        report(f"writing {frame.height:,} {table} rows")
        store.upsert(table, frame)
        written[table] = frame.height
    return written
