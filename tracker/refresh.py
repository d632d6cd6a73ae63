"""The one refresh path of the metric tables: the `metrics` command, `python -m tracker.startup` and the
scheduler's jobs all call :func:`refresh`.

Its callers load (so validate) the config every time, before asking. It decides whether the tables are stale
(``tracker.freshness``: the input tables' versions, the config files and the code the computation imports), and only
then imports Polars and the metrics, computes every table a year of trade at a time (``tracker.metrics.windows``)
and writes them through the store, with the fingerprint of what it read. A current store answers in a fraction of a
second.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.config import Config
from tracker.freshness import inputs_fingerprint, metric_tables_current, save_fingerprint

if TYPE_CHECKING:
    import polars as pl

    from tracker.store import PartWriter, Store


def refresh(root: Path, config: Config, force: bool = False,
            progress: Callable[[str], None] | None = None) -> dict[str, int] | None:
    """Recompute and write the metric tables of the store at ``root`` unless they are current (``force``:
    anyway, every year read from trade again); rows per table, or None when nothing was done. The one place
    staleness is decided. ``progress`` hears each step (a year of BACI takes seconds)."""
    if not force and metric_tables_current(root, config.directory):
        return None
    from tracker.store import Store  # Polars and the metrics: only when there is work

    if progress is not None:
        progress("computing the metric tables")
    return refresh_metric_tables(Store(root), config, reuse_parts=not force, progress=progress)


def refresh_metric_tables(store: Store, config: Config, reuse_parts: bool = True,
                          progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Recompute every metric table from the store and replace it there; return rows per table.

    Records what it read (``tracker.freshness``), so that an unchanged store is not recomputed next time. Each
    part is written as ``tracker.metrics.windows`` computes it and let go, so no table is ever in memory whole.
    A year whose trade files did not change since the last run is not read again: its parts are kept beside the
    store (``tracker.parts_cache``; ``reuse_parts=False`` reads every year and renews them). ``progress`` hears
    each year, and whether it was read.
    """
    from tracker.behind import Behind
    from tracker.metrics.windows import metric_parts
    from tracker.parts_cache import PartsCache
    from tracker.tables import METRIC_TABLES

    inputs = inputs_fingerprint(store.root, config.directory)  # before reading: a write meanwhile stays visible
    names = [table.name for table in METRIC_TABLES]
    rows = dict.fromkeys(names, 0)

    def on_year(year: int, count: int, read: bool) -> None:
        if progress is not None:
            progress(f"{year}: {'read from trade' if read else 'unchanged, its parts kept from the last run'} "
                     f"({count} year(s) in all)")

    staged: dict[tuple[str, tuple[object, ...]], Path] = {}  # the file staged for each partition written

    def write_part(write: PartWriter, name: str, part: pl.DataFrame) -> None:
        staged.update(((name, values), path) for values, path in write(name, part).items())

    # the parts are written behind the computation (tracker.behind), in order, before the tables switch; the
    # kept parts link the files staged for the year tables (PartsCache.save)
    with store.replacing(names) as write, Behind() as behind:
        kept = PartsCache(store.root, f"{inputs['config']}+{inputs['code']}", reuse=reuse_parts, behind=behind,
                          staged_file=lambda table, values: staged.pop((table, values), None))
        for name, part in metric_parts(store, config, kept, on_year):
            behind.submit(partial(write_part, write, name, part), size=part.estimated_size())
            rows[name] += part.height
        behind.wait()
        kept.prune()
    save_fingerprint(store.root, inputs, {name: store.version_name(name) for name in names})
    return rows
