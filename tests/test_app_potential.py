"""Export potential on the pages: Opportunities ranks markets by untapped potential in USD with the reasons in
words and the WEO vintage, the Market page shows potential against actual sales; English and Chinese."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tracker.store import Store

from .app_helpers import app_table_with, open_page
from .zh_text import app_texts, english_words

UNTAPPED = {"en": "Untapped potential (USD m)", "zh": "未开发潜力（亿美元）"}
WHY = {"en": "Why it ranks high", "zh": "排名靠前的理由"}
VINTAGE = {"en": "WEO October 2025", "zh": "WEO 2025 年10 月版"}
BENCHMARK = {"en": "not a forecast and not a ceiling", "zh": "既不是预测值也不是上限"}


def _latest(app_store: Path, **where: str) -> pl.DataFrame:
    stored = Store(app_store).scan("group_export_potential").filter(**where).collect()
    return stored.filter(pl.col("year") == stored["year"].max())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_potential_opportunities_rank_markets_by_untapped_usd(app_store: Path, lang: str) -> None:
    app = open_page("opportunities", lang, group="toys", exporter="CHN")
    assert not app.exception
    headers, rows, _ = app_table_with(app, UNTAPPED[lang])
    assert WHY[lang] in headers
    stored = _latest(app_store, group="toys", exporter="CHN").sort("untapped_usd", descending=True)
    assert stored.height > 10 and [row["_key"] for row in rows] == stored["market"].to_list()[: len(rows)]
    divisor = 1e6 if lang == "en" else 1e8
    assert rows[0][UNTAPPED[lang]] == f"{stored['untapped_usd'][0] / divisor:,.2f}"
    demand = stored["projected_imports_usd"][0] / stored["market_imports_usd"][0] - 1
    words = {"en": f"demand {'grows' if demand >= 0 else 'shrinks'} {100 * abs(demand):.0f}% in five years",
             "zh": f"五年内需求{'增长' if demand >= 0 else '下降'} {100 * abs(demand):.0f}%"}
    assert rows[0][WHY[lang]].startswith(words[lang])
    captions = " ".join(c.value for c in app.caption)
    assert VINTAGE[lang] in captions and BENCHMARK[lang] in captions
    bars = next(m.value for m in app.markdown if m.value.startswith("<svg"))  # the first chart: untapped USD
    assert bars.count("<rect") == 15
    if lang == "zh":
        assert not english_words(app_texts(app)), english_words(app_texts(app))


def test_app_potential_reasons_name_tariff_edge_and_share_gap(app_store: Path) -> None:
    app = open_page("opportunities", "en", group="toys", exporter="CHN")
    _, rows, _ = app_table_with(app, UNTAPPED["en"])
    stored = {r["market"]: r for r in _latest(app_store, group="toys", exporter="CHN").iter_rows(named=True)}
    seen_tariff = seen_share = False
    for row in rows:
        got = stored[row["_key"]]
        gap = got["actual_usd"] / got["expected_usd"] - 1
        if abs(gap) >= 0.05:
            word = "less" if gap < 0 else "more"
            assert f"you sell there {100 * abs(gap):.0f}% {word} than your world share predicts" in row[WHY["en"]]
            seen_share = True
        if got["demand_tariff_known"]:
            edge = got["market_avg_tariff_pct"] - got["tariff_faced_pct"]
            if abs(edge) >= 0.5:
                word = "less" if edge > 0 else "more"
                assert f"you face {abs(edge):.1f} pp {word} tariff than its usual suppliers" in row[WHY["en"]]
                seen_tariff = True
    assert seen_share and seen_tariff


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_potential_market_page_shows_potential_against_actual(app_store: Path, lang: str) -> None:
    app = open_page("market", lang, group="toys", market="DEU", exporter="CHN")
    assert not app.exception
    _, rows, _ = app_table_with(app, {"en": "Actual sales (USD m)", "zh": "实际销售额（亿美元）"}[lang])
    stored = _latest(app_store, group="toys", market="DEU").sort("potential_usd", descending=True)
    tracked = {"CHN", "VNM", "IND", "MEX", "TUR", "DEU", "ITA", "USA", "JPN", "KOR", "THA", "IDN", "MYS", "BGD",
               "POL"}
    expected = stored.filter(pl.col("exporter").is_in(tracked))["exporter"].to_list()
    assert [row["_key"] for row in rows] == expected[: len(rows)] and "CHN" in expected
    captions = " ".join(c.value for c in app.caption)
    assert VINTAGE[lang] in captions and BENCHMARK[lang] in captions
    if lang == "zh":
        assert not english_words(app_texts(app)), english_words(app_texts(app))
