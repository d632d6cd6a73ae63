"""Which source the annual metrics read: BACI for the years it covers, the API sources after them.

BACI is one reconciled world matrix (every exporter × importer × HS6). Mixing it with a reporter's own
Comtrade or Comext figures for the same year would count a flow twice (once per source) or mix FOB exports
with CIF imports of other reporters. So, for every year that holds ``baci`` rows, the annual rows (frequency
``A``) of every other source are set aside; monthly rows, and every year BACI does not cover (usually the
latest one or two), are read as before. Provenance ``reconciled`` marks what came from BACI.
"""

from __future__ import annotations

import polars as pl

from tracker.sources.baci import SOURCE


def baci_first(trade: pl.LazyFrame) -> pl.LazyFrame:
    """``trade`` without the annual rows of other sources in the years BACI covers (see the module docstring)."""
    baci_years = trade.filter(pl.col("source") == SOURCE).select("year").unique()
    other_annual = (pl.col("source") != SOURCE) & (pl.col("frequency") == "A")
    return pl.concat([
        trade.filter(~other_annual),
        trade.filter(other_annual).join(baci_years, on="year", how="anti"),
    ])
