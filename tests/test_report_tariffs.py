"""The reports' market-access paragraph: hand-worked on crafted tables, and equal to group_tariff on the sample."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tracker.config import Config
from tracker.reports import ReportInputs, build_report, render_report
from tracker.reports.content import _market_access
from tracker.reports.render import access_paragraph
from tracker.store import Store

EMPTY = pl.LazyFrame()


def crafted_inputs() -> ReportInputs:
    """CHN in toys, 2024: USA 8.0 % (MEX 0.0), DEU 4.7 % (VNM 4.7), JPN 2.0 % (KOR 3.0); sales 600 / 300 / 100.
    A 2025 schedule exists but is newer than the report's year."""
    tariff = pl.LazyFrame({
        "group": ["toys"] * 4, "exporter": ["CHN"] * 4, "market": ["USA", "DEU", "JPN", "USA"],
        "year": [2024, 2024, 2024, 2025], "tariff_faced_pct": [8.0, 4.7, 2.0, 30.0],
        "tariff_type_faced": ["MFN", "MFN", "PRF", "MFN"], "lowest_tariff_competitor": ["MEX", "VNM", "KOR", "MEX"],
        "min_competitor_tariff_pct": [0.0, 4.7, 3.0, 0.0], "margin_vs_lowest_competitor_pp": [8.0, 0.0, -1.0, 30.0],
    })
    market = pl.LazyFrame({"group": ["toys"] * 3, "exporter": ["CHN"] * 3, "market": ["USA", "DEU", "JPN"],
                           "year": [2024] * 3, "export_value_usd": [600.0, 300.0, 100.0]})
    return ReportInputs(EMPTY, market, EMPTY, EMPTY, EMPTY, tariff)


def test_report_market_access_by_hand() -> None:
    access = _market_access(crafted_inputs(), "toys", "CHN", 2024)
    assert access is not None and access.year == 2024
    assert [row.market for row in access.rows] == ["USA", "DEU", "JPN"]  # largest sales first
    assert access.average_pct == pytest.approx((600 * 8.0 + 300 * 4.7 + 100 * 2.0) / 1000)  # 6.41
    assert [row.market for row in access.behind] == ["USA"]
    english = access_paragraph(access, "CHN", "en")
    assert english.startswith("Tariffs of 2024: in its 3 largest markets with tariff data, China faces 6.4% on "
                              "average")
    assert "the widest gap is in United States: 8.0% against 0.0% for Mexico (+8.0 pp)" in english
    assert "Section 301/232 and anti-dumping" in english
    chinese = access_paragraph(access, "CHN", "zh")
    assert "中国的平均适用关税为 6.4%" in chinese and "美国：中国 8.0%，墨西哥 0.0%（高 8.0 个百分点）" in chinese
    assert "301/232" in chinese


def test_report_market_access_absent_without_tariffs() -> None:
    inputs = crafted_inputs()
    assert _market_access(inputs, "toys", "CHN", 2023) is None  # no schedule up to 2023
    assert _market_access(ReportInputs(EMPTY, EMPTY, EMPTY, EMPTY, EMPTY), "toys", "CHN", 2024) is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_market_access_on_the_sample_equals_group_tariff(metrics_store: Path, config: Config,
                                                                  lang: str) -> None:
    store = Store(metrics_store)
    content = build_report(ReportInputs.from_store(store), config, "toys", "2025")
    access = content.sections[0].market_access
    assert access is not None and access.rows
    stored = store.scan("group_tariff").filter(
        (pl.col("group") == "toys") & (pl.col("exporter") == "CHN") & (pl.col("year") == access.year)).collect()
    by_market = {r["market"]: r for r in stored.iter_rows(named=True)}
    for row in access.rows:
        assert row.tariff_faced_pct == by_market[row.market]["tariff_faced_pct"]
    text = render_report(content, config, lang, "html")
    assert ("Market access" if lang == "en" else "市场准入") in text
    assert "301/232" in text
