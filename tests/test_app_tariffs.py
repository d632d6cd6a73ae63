"""Tariffs on the pages, in both languages: the values shown are the stored group_tariff rows, with the caveat."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tracker.store import Store

from .app_helpers import app_table, app_table_with, open_page

FACED = {"en": "Tariff faced (%)", "zh": "适用关税 (%)"}
REGIME = {"en": "Tariff regime", "zh": "关税类型"}
MARGIN = {"en": "Margin vs lowest-tariff competitor (pp)", "zh": "与关税最低竞争者之差（个百分点）"}
EXTRA_DUTIES = {"en": "Section 301/232", "zh": "301/232"}


def stored_tariff(root: Path, **key: str) -> dict:
    frame = Store(root).scan("group_tariff").filter(
        pl.col("group") == "toys", *[pl.col(name) == value for name, value in key.items()]).collect()
    return frame.filter(pl.col("year") == frame["year"].max()).row(0, named=True)


def captions(app) -> str:
    return " ".join(c.value for c in app.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_tariffs_group_markets_table_shows_tariff_and_margin(app_store: Path, lang: str) -> None:
    app = open_page("group", lang, group="toys", exporter="CHN", years="2020-2025")
    headers, rows, _ = app_table(app)
    assert {FACED[lang], MARGIN[lang]} <= set(headers), headers
    usa = next(row for row in rows if row["_key"] == "USA")
    stored = stored_tariff(app_store, exporter="CHN", market="USA")
    assert usa[FACED[lang]] == f"{stored['tariff_faced_pct']:,.1f}"
    assert usa[MARGIN[lang]] == f"{stored['margin_vs_lowest_competitor_pp']:,.1f}"
    assert EXTRA_DUTIES[lang] in captions(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_tariffs_market_page_shows_each_suppliers_tariff(app_store: Path, lang: str) -> None:
    app = open_page("market", lang, group="toys", market="USA", years="2020-2025")
    assert not app.dataframe  # an HTML table under a sort choice, no data grid
    _, rows, _ = app_table(app)
    by_supplier = {row["_key"]: row for row in rows}
    for exporter in ("CHN", "MEX"):
        stored = stored_tariff(app_store, exporter=exporter, market="USA")["tariff_faced_pct"]
        assert by_supplier[exporter][FACED[lang]] == f"{stored:,.1f}"
    regimes = {row[REGIME[lang]] for row in rows} - {"–"}
    assert regimes and ({"MFN", "preferential", "partly preferential"} if lang == "en" else
                        {"最惠国税率", "优惠税率", "部分优惠"}) >= regimes
    assert EXTRA_DUTIES[lang] in captions(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_tariffs_competitors_page_shows_margin_per_market(app_store: Path, lang: str) -> None:
    app = open_page("competitors", lang, group="toys", exporter="CHN", competitors="MEX,VNM", years="2020-2025")
    wide = next(d.value for d in app.dataframe if FACED[lang] in d.value.columns)
    market, mexico = ("Market", "Mexico") if lang == "en" else ("市场", "墨西哥")
    usa = wide[wide[market] == ("United States" if lang == "en" else "美国")]
    margins = Store(app_store).scan("group_tariff_margin").filter(
        pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("competitor") == "MEX",
        pl.col("market") == "USA").collect()
    latest = margins.filter(pl.col("year") == margins["year"].max())
    assert usa[mexico].iloc[0] == pytest.approx(latest["margin_pp"].item())
    assert latest["margin_pp"].item() > 0  # MEX enters the US under USMCA preferences, CHN pays MFN
    assert EXTRA_DUTIES[lang] in captions(app)


def test_app_tariffs_opportunity_reasons_name_the_tariff_in_chinese(app_store: Path) -> None:
    app = open_page("opportunities", "zh", group="toys")
    _, rows, _ = app_table_with(app, "原因")  # the score's table, below the export potential's
    assert rows and all("关税" in row["原因"] for row in rows)
    assert "301/232" in captions(app)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_opportunity_reasons_say_no_recorded_sales_where_the_share_is_null(app_store: Path, lang: str) -> None:
    """The sample's footwear market PHL has no CHN row in group_market: its stored share is null, so the reasons
    on the page say there are no CHN sales recorded (as the stored English reasons do), not "share 0.0%"."""
    stored = Store(app_store).scan("group_opportunity").filter(
        pl.col("group") == "footwear", pl.col("market") == "PHL").collect()
    assert stored.height == 1 and stored.item(0, "exporter_share") is None
    assert "no CHN sales recorded" in stored.item(0, "reasons")
    app = open_page("opportunities", lang, group="footwear")
    market, reasons, philippines = ("Market", "Reasons", "Philippines") if lang == "en" else ("市场", "原因", "菲律宾")
    _, rows, _ = app_table_with(app, reasons)
    [phl] = [r for r in rows if r[market] == philippines]
    expected = "no CHN sales recorded" if lang == "en" else "无中国的销售记录"  # English: the stored line
    assert expected in phl[reasons] and ("share" if lang == "en" else "份额") not in phl[reasons], phl[reasons]
