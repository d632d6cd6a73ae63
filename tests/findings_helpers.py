"""A hand-built metric store for the findings tests: toys, home exporter CHN, competitor VNM, year 2024.

The numbers are chosen so that every kind of fact comes out once and the ranking is known by hand:

=================  ================================================  ==============
fact               figures                                           USD at stake
=================  ================================================  ==============
nowcast            2025-03: 231 m, +10% on 210 m                     21 m × 12 = 252 m
forecast           7.0 bn → 7.2 bn over USA and DEU (ARE: no model)  200 m
undercut           VNM +3 pp in USA (5 bn), 3.00 < 4.00 USD/kg        150 m
underrepresented   ARE +12% a year, 1 bn, CHN 5% < 21.875% overall    120 m
share_loss         DEU −5 pp of 2 bn                                 100 m
cms                competitiveness +90 m (the largest effect)         90 m
share_gain         USA +1 pp of 5 bn                                 50 m (7th: left out)
=================  ================================================  ==============
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from tracker.store import Store
from tracker.tables import schema_for

FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
DEFAULTS = {"provenance": "reported", "value_provenance": "reported", "sources": "comtrade",
            "newest_fetch": FETCHED, "sample": False}


def metric_frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """A frame of ``table``'s schema from short row dicts (unspecified columns: provenance defaults or null)."""
    schema = schema_for(table)
    full = [{name: row.get(name, DEFAULTS.get(name)) for name in schema.column_names} for row in rows]
    return pl.DataFrame(full, schema=schema.polars_schema, orient="row")


def _market(exporter: str, market: str, value: float, imports: float, change_pp: float,
            growth: float | None = None) -> dict:
    return {"group": "toys", "exporter": exporter, "market": market, "year": 2024, "export_value_usd": value,
            "market_imports_usd": imports, "market_share": value / imports, "market_share_change_pp": change_pp,
            "market_import_growth": growth}


GROUP_MARKET = [
    _market("CHN", "USA", 1.5e9, 5e9, 1.0),
    _market("CHN", "DEU", 0.2e9, 2e9, -5.0),
    _market("CHN", "ARE", 0.05e9, 1e9, 0.5),
    _market("VNM", "USA", 0.6e9, 5e9, 3.0),
    _market("VNM", "DEU", 0.1e9, 2e9, 1.0),
]


def _competition(market: str, own_uv: float, rival_uv: float) -> dict:
    return {"group": "toys", "market": market, "year": 2024, "exporter": "CHN", "competitor": "VNM", "esi": 50.0,
            "exporter_unit_value_usd_per_kg": own_uv, "competitor_unit_value_usd_per_kg": rival_uv}


GROUP_COMPETITION = [_competition("USA", 4.0, 3.0), _competition("DEU", 5.0, 6.0)]


def _opportunity(market: str, imports: float, growth: float, share: float) -> dict:
    return {"group": "toys", "market": market, "year": 2024, "exporter": "CHN", "market_imports_usd": imports,
            "market_growth": growth, "exporter_share": share, "headroom": 1 - share, "growth_factor": 1.0,
            "price_factor": 1.0, "ecommerce_factor": 1.0, "tariff_factor": 1.0, "reasons": ""}


GROUP_OPPORTUNITY = [_opportunity("USA", 5e9, 0.02, 0.30), _opportunity("DEU", 2e9, -0.01, 0.10),
                     _opportunity("ARE", 1e9, 0.12, 0.05)]

GROUP_CMS = [
    {"group": "toys", "exporter": "CHN", "base_year": 2023, "end_year": 2024, "export_value_base_usd": 1.6e9,
     "export_value_end_usd": 1.75e9, "change_usd": 0.15e9, "world_import_growth": 0.04,
     "world_growth_effect_usd": 0.07e9, "product_mix_effect_usd": 0.01e9, "market_mix_effect_usd": -0.02e9,
     "competitiveness_effect_usd": 0.09e9},
    {"group": "toys", "exporter": "CHN", "base_year": 2019, "end_year": 2024, "export_value_base_usd": 1.0e9,
     "export_value_end_usd": 1.75e9, "change_usd": 0.75e9, "world_import_growth": 0.3,
     "world_growth_effect_usd": 0.3e9, "product_mix_effect_usd": 0.0, "market_mix_effect_usd": 0.0,
     "competitiveness_effect_usd": 0.45e9},
]

# group_nowcast and group_demand as n1-demand's contract describes them (OWNERS.md).
NOWCAST = pl.DataFrame({
    "group": ["toys"] * 3, "exporter": ["CHN"] * 3, "market": ["WLD", "WLD", "USA"],
    "period": ["2025-02", "2025-03", "2025-03"], "year": [2025] * 3,
    "nowcast_value_usd": [200e6, 231e6, 150e6], "yoy_growth": [0.25, 0.10, 0.5], "benchmarked": [False] * 3,
    "markets_covered": pl.Series([3, 3, 1], dtype=pl.Int32), "provenance": ["estimated"] * 3,
    "sample": [False] * 3,
})
DEMAND = pl.DataFrame({
    "group": ["toys"] * 3, "market": ["USA", "DEU", "ARE"], "last_12m_usd": [5.0e9, 2.0e9, 1.0e9],
    "next_12m_usd": [5.3e9, 1.9e9, None], "expected_growth": [0.06, -0.05, None],
    "forecast_start": ["2025-04", "2025-04", "2025-04"], "model": ["AutoETS", "AutoETS", "none"],
    "beats_seasonal_naive": [True, True, None], "note": [None, None, "not enough history"],
    "provenance": ["estimated"] * 3, "sample": [False] * 3,
})


def write_findings_store(store: Store) -> None:
    """The four annual metric tables above, written through the real Store."""
    for table, rows in (("group_market", GROUP_MARKET), ("group_competition", GROUP_COMPETITION),
                        ("group_opportunity", GROUP_OPPORTUNITY), ("group_cms", GROUP_CMS)):
        store.replace(table, metric_frame(table, rows))
