"""tracker.key_order.sorted_by_key: the order of ``frame.sort(key)``, by one integer of combined ranks where it
can, by the plain sort where it cannot (each branch checked against Polars' own sort)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tracker.key_order import sorted_by_key


def _shuffled(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sample(fraction=1.0, shuffle=True, seed=11)


def _strings_and_years(rows: int) -> pl.DataFrame:
    rng = np.random.default_rng(5)
    names = ["CHN", "DEU", "USA", "VNM", "Z", "a", "中国"]
    return pl.DataFrame({
        "group": rng.choice(names, rows), "year": rng.integers(1995, 2025, rows).astype(np.int32),
        "market": rng.choice(names, rows), "value": rng.random(rows),
    }).unique(["group", "year", "market"])


@pytest.mark.parametrize("frame", [
    _strings_and_years(2_000),  # strings and integers: the combined ranks
    _strings_and_years(2_000).with_columns(pl.col("year").cast(pl.Float64)),  # a float key: the plain sort
    pl.DataFrame({"group": ["b", "a"], "year": [2, None], "market": ["x", "y"], "value": [1.0, 2.0]}),  # a null
    pl.DataFrame({"group": ["a", "a", "b"], "year": [2**40, 0, 5], "market": ["x", "y", "z"],
                  "value": [1.0, 2.0, 3.0]}).with_columns(  # more combinations than 64 bits: the plain sort
        pl.col("market").replace_strict({"x": 2**30, "y": 0, "z": 1}, return_dtype=pl.Int64)),
    pl.DataFrame(schema={"group": pl.String, "year": pl.Int32, "market": pl.String, "value": pl.Float64}),
], ids=["ranks", "float key", "null in key", "too many combinations", "empty"])
def test_sorted_by_key_is_polars_sort_on_the_key_columns(frame: pl.DataFrame) -> None:
    key = ["group", "year", "market"]
    shuffled = _shuffled(frame)
    assert sorted_by_key(shuffled, key).equals(shuffled.sort(key))
    assert sorted_by_key(shuffled, key).height == frame.height
