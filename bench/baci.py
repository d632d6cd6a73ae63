"""A seeded generator of a BACI-shaped table (exporter, importer, hs6, year, value, quantity), in Parquet chunks.

BACI (CEPII) reconciles Comtrade into one row per exporter, importer, HS6 product and year, with value in
thousands of USD and quantity in tonnes. The generator draws countries and products with skewed (Zipf-like)
weights so that a few big traders and products dominate, as in the real table. Next to the BACI files it
writes ``trade/``: the same flows in the tracker's trade schema, which is what the tracker's metrics read
from its store (the pandas baseline reads the BACI files).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from tracker.countries import country_table

CHUNK_ROWS = 2_000_000
YEARS = np.arange(2017, 2023)
N_PRODUCTS = 5_000


def countries() -> np.ndarray:
    table = country_table().filter(~pl.col("is_aggregate") & pl.col("comtrade_code").is_not_null())
    return np.array(sorted(table.get_column("iso3").unique().to_list()))


def products(rng: np.random.Generator) -> np.ndarray:
    chapters = rng.integers(1, 98, N_PRODUCTS)
    rest = rng.integers(0, 10_000, N_PRODUCTS)
    return np.unique(np.char.add(np.char.zfill(chapters.astype(str), 2), np.char.zfill(rest.astype(str), 4)))


def _zipf_weights(n: int, rng: np.random.Generator, exponent: float = 1.1) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    rng.shuffle(weights)
    return weights / weights.sum()


def generate(rows: int, folder: Path, seed: int = 42) -> Path:
    """Write ``rows`` rows as Parquet files in ``folder`` (reused when already complete); return the folder."""
    marker = folder / "_COMPLETE"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    iso3, hs6 = countries(), products(rng)
    export_weights, import_weights = _zipf_weights(iso3.size, rng), _zipf_weights(iso3.size, rng)
    product_weights = _zipf_weights(hs6.size, rng, 0.8)
    for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
        n = min(CHUNK_ROWS, rows - start)
        exporter = rng.choice(iso3.size, n, p=export_weights)
        importer = rng.choice(iso3.size, n, p=import_weights)
        importer = np.where(importer == exporter, (importer + 1) % iso3.size, importer)
        value = np.round(rng.lognormal(3.0, 2.0, n), 3)
        quantity = np.where(rng.random(n) < 0.05, np.nan, np.round(value / rng.lognormal(1.0, 0.7, n), 3))
        chunk = pl.DataFrame({
            "exporter": iso3[exporter], "importer": iso3[importer],
            "hs6": hs6[rng.choice(hs6.size, n, p=product_weights)],
            "year": rng.choice(YEARS, n).astype(np.int32), "value": value, "quantity": quantity,
        }).with_columns(pl.col("quantity").fill_nan(None))
        chunk.write_parquet(folder / f"part-{index:04d}.parquet", compression="zstd")
    store_as_trade(folder)
    marker.touch()
    return folder


def store_as_trade(folder: Path) -> None:
    """The same data in the tracker's trade schema, as the store would hold it (untimed, like a fetch)."""
    from bench.implementations import baci_as_trade

    (folder / "trade").mkdir(exist_ok=True)
    baci_as_trade(pl.scan_parquet(folder / "*.parquet")).sink_parquet(folder / "trade" / "part-0.parquet",
                                                                      compression="zstd")


def generate_store(rows: int, folder: Path, seed: int = 42) -> Path:
    """A tracker store (root folder) whose trade table holds the BACI-shaped rows in trade form; reused when
    complete. The generator's draws can repeat an (exporter, importer, product, year); as in real BACI, such
    rows are one flow here (values and tonnes summed). Loaded one year at a time through ``Store.upsert``, as
    a fetch would write it (untimed)."""
    from bench.implementations import baci_as_trade
    from tracker.store import Store

    root = folder / "store"
    marker = root / "_COMPLETE"
    if marker.exists():
        return root
    generate(rows, folder, seed)
    store = Store(root)
    baci = pl.scan_parquet(folder / "*.parquet")
    quantity = pl.col("quantity")
    for year in YEARS:
        flows = baci.filter(pl.col("year") == int(year)).group_by("exporter", "importer", "hs6", "year").agg(
            pl.col("value").sum(), pl.when(quantity.count() > 0).then(quantity.sum()).alias("quantity"))
        store.upsert("trade", baci_as_trade(flows).collect())
    marker.touch()
    return root
