"""The one refresh path of the metric tables: the `metrics` command, `python -m tracker.startup` and the
scheduler's jobs all call :func:`refresh`.

Its callers load (so validate) the config every time, before asking. It decides whether the tables are stale
(``tracker.freshness``: the input tables' versions, the config files and the code the computation imports), and only
then imports Polars and the metrics, computes every table a year of trade at a time (``tracker.metrics.windows``)
and writes them through the store, with the fingerprint of what it read. A current store answers in a fraction of a
second.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracker.config import Config
from tracker.freshness import inputs_fingerprint, metric_tables_current, save_fingerprint

if TYPE_CHECKING:
    from tracker.store import Store


def refresh(root: Path, config: Config, force: bool = False) -> dict[str, int] | None:
    """Recompute and write the metric tables of the store at ``root`` unless they are current (``force``:
    anyway); rows per table, or None when nothing was done. The one place staleness is decided."""
    if not force and metric_tables_current(root, config.directory):
        return None
    from tracker.store import Store  # Polars and the metrics: only when there is work

    return refresh_metric_tables(Store(root), config)


def refresh_metric_tables(store: Store, config: Config) -> dict[str, int]:
    """Recompute every metric table from the store and replace it there; return rows per table.

    Records what it read (``tracker.freshness``), so that an unchanged store is not recomputed next time.
    Tables partitioned by year are written a year at a time (``Store.replace_by_parts``): the write's copies
    (checks, sorting) hold a year, and a year whose rows did not change keeps its file.
    """
    import polars as pl

    from tracker.metrics.tables import GROUP_EXPORT_POTENTIAL, METRIC_TABLES
    from tracker.metrics.windows import compute_tables_by_year

    inputs = inputs_fingerprint(store.root, config.directory)  # before reading: a write meanwhile stays visible
    tables, potential = compute_tables_by_year(store, config)
    rows = {}
    for table in METRIC_TABLES:
        if table.name == GROUP_EXPORT_POTENTIAL.name:
            rows[table.name] = store.replace_by_parts(table.name, potential).rows_in
        elif table.partition_by:
            frame = tables.pop(table.name)
            (column,) = table.partition_by
            years = frame.get_column(column).unique().sort().to_list()
            rows[table.name] = store.replace_by_parts(
                table.name, (frame.filter(pl.col(column) == year) for year in years)).rows_in
        else:
            rows[table.name] = tables[table.name].height
            store.replace(table.name, tables.pop(table.name))  # written, then let go
    save_fingerprint(store.root, inputs, {name: store.version_name(name) for name in rows})
    return rows
