"""Competitiveness metrics by product group: pure LazyFrame → LazyFrame functions, one per indicator.

Modules, in the order the data flows through them:

* ``groups``          stored HS codes → product groups (prefix match, source preference, no double counting)
* ``shares``          market shares (importer's view, mirror fallback), share change, world share
* ``growth``          year-on-year growth and CAGR
* ``specialisation``  Balassa RCA, trade competitiveness index, Lafay index
* ``unit_values``     unit values and relative unit values
* ``concentration``   HHI of an exporter's markets
* ``similarity``      Finger–Kreinin export similarity, trade complementarity
* ``cms``             constant-market-share decomposition
* ``opportunity``     the market-opportunity score (its formula is in that module's docstring)
* ``potential``       export potential in USD, ITC's method (formula and choices in its docstring)
* ``tables``          ``compute_tables``: every materialised table (schemas: ``tracker.tables``)
* ``windows``         the same tables a year of trade at a time (``tracker.refresh`` writes them)

Formulas are stated in docs/metrics.md; every function's docstring states its rule for missing data.
Division by zero or a missing input gives null, never inf or NaN.

The functions reference their inputs more than once (a share joins a frame with its own totals), so a long
chain of them builds a plan that grows with every stage and becomes slow to optimise. Materialise between
stages with ``.collect().lazy()`` as ``tables.compute_tables`` does (after group aggregation, after the supplier
flows, after the market table); on the inputs' millions of rows the first stage is where the time goes.
"""

from tracker.metrics.cms import constant_market_share
from tracker.metrics.concentration import market_concentration
from tracker.metrics.groups import aggregate_to_groups, group_code_flows, group_flows, total_flows
from tracker.metrics.growth import compound_annual_growth, growth_yoy
from tracker.metrics.opportunity import market_opportunity
from tracker.metrics.shares import (
    exports_to_world,
    market_imports,
    market_share,
    share_change_pp,
    supplier_flows,
    world_market_share,
)
from tracker.metrics.similarity import export_similarity, trade_complementarity
from tracker.metrics.specialisation import (
    lafay_index,
    revealed_comparative_advantage,
    trade_competitiveness_index,
)
from tracker.metrics.tables import compute_tables
from tracker.metrics.unit_values import relative_unit_value, unit_value

__all__ = [
    "aggregate_to_groups",
    "compound_annual_growth",
    "compute_tables",
    "constant_market_share",
    "export_similarity",
    "exports_to_world",
    "group_code_flows",
    "group_flows",
    "growth_yoy",
    "lafay_index",
    "market_concentration",
    "market_imports",
    "market_opportunity",
    "market_share",
    "relative_unit_value",
    "revealed_comparative_advantage",
    "share_change_pp",
    "supplier_flows",
    "total_flows",
    "trade_competitiveness_index",
    "trade_complementarity",
    "unit_value",
    "world_market_share",
]
