"""``group_and_fold`` (integer-coded min/max, exact path only where needed) against the plain definition."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.metrics._common import group_and_fold

SOURCES = ["comtrade", "census", "sample", "comtrade,sample", "baci"]
PROVENANCE = ["reported", "mirror", "estimated"]


def plainly_folded(frame: pl.DataFrame, key: list[str]) -> dict[tuple, tuple]:
    """The definition: one source list per group (the sorted union of every row's sources), its provenance
    when every row agrees (else mixed), the newest fetch and the sum."""
    folded: dict[tuple, list[dict]] = {}
    for row in frame.iter_rows(named=True):
        folded.setdefault(tuple(row[name] for name in key), []).append(row)
    return {
        group: (
            sum(row["value_usd"] for row in rows),
            ",".join(sorted({part for row in rows for part in row["sources"].split(",")})),
            rows[0]["provenance"] if len({row["provenance"] for row in rows}) == 1 else "mixed",
            max(row["newest_fetch"] for row in rows),
        )
        for group, rows in folded.items()
    }


@st.composite
def rows(draw: st.DrawFn) -> pl.DataFrame:
    sources = draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=4, unique=True))  # 1–2: fast path
    n = draw(st.integers(1, 30))
    return pl.DataFrame({
        "market": draw(st.lists(st.sampled_from(["USA", "DEU", "JPN"]), min_size=n, max_size=n)),
        "year": draw(st.lists(st.sampled_from([2022, 2023]), min_size=n, max_size=n)),
        "value_usd": draw(st.lists(st.integers(0, 100).map(float), min_size=n, max_size=n)),
        "sources": draw(st.lists(st.sampled_from(sources), min_size=n, max_size=n)),
        "provenance": draw(st.lists(st.sampled_from(PROVENANCE), min_size=n, max_size=n)),
        "newest_fetch": [datetime(2025, 1, draw(st.integers(1, 28)), tzinfo=UTC) for _ in range(n)],
    })


@settings(max_examples=80, deadline=None)
@given(rows())
def test_group_and_fold_equals_the_plain_fold(frame: pl.DataFrame) -> None:
    key = ["market", "year"]
    ours = group_and_fold(frame.lazy(), key, [pl.col("value_usd").sum()]).collect()
    assert ours.columns == [*key, "value_usd", "newest_fetch", "provenance", "sources"]
    got = {tuple(row[name] for name in key): (row["value_usd"], row["sources"], row["provenance"], row["newest_fetch"])
           for row in ours.iter_rows(named=True)}
    assert got == plainly_folded(frame, key)


def test_group_and_fold_two_sources_in_one_group_by_hand() -> None:
    frame = pl.DataFrame({"market": ["USA", "USA", "DEU"], "value_usd": [1.0, 2.0, 4.0],
                          "sources": ["comtrade", "census", "comtrade"], "provenance": ["reported", "mirror", "mirror"],
                          "newest_fetch": [datetime(2025, 1, d, tzinfo=UTC) for d in (3, 1, 2)]})
    folded = group_and_fold(frame.lazy(), ["market"], [pl.col("value_usd").sum()]).sort("market").collect()
    assert folded.select("market", "value_usd", "provenance", "sources").rows() == [
        ("DEU", 4.0, "mirror", "comtrade"), ("USA", 3.0, "mixed", "census,comtrade")]
