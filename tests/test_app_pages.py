"""Every page of the dashboard runs on the sample data with computed metrics, in both languages."""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from tracker.store import Store
from tracker.ui.geo import TILES

from .app_helpers import app_table, app_table_with, open_page
from .zh_text import app_texts, english_words

PAGES = ("overview", "group", "market", "competitors", "ecommerce", "opportunities", "demand", "downloads", "reports",
         "status")
TITLES = {
    "en": {"overview": "Overview", "competitors": "Competitors", "opportunities": "Opportunities",
           "downloads": "Data & downloads", "reports": "Reports & alerts", "status": "Data status"},
    "zh": {"overview": "总览", "competitors": "竞争对手", "opportunities": "市场机会", "downloads": "数据与下载",
           "reports": "报告与预警", "status": "数据状态"},
}

TABLE_HEADER = {"en": "Table", "zh": "数据表"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_app_pages_every_page_runs_in_both_languages(app_store: Path, page: str, lang: str) -> None:
    app = open_page(page, lang, group="toys")
    assert app.title, f"{page} has no title"
    if page in TITLES[lang]:
        assert app.title[0].value == TITLES[lang][page]
    assert not app.error
    banner = " ".join(w.value for w in app.warning)
    assert ("Sample data" if lang == "en" else "样例数据") in banner
    assert not any("tracker metrics" in i.value for i in app.info), "metric tables are stored"
    if page == "status":
        _, rows, _ = app_table(app)
        assert {"Trade flows", "贸易流量"} & {row[TABLE_HEADER[lang]] for row in rows}


def test_app_pages_toys_market_share_equals_stored_group_market(app_store: Path) -> None:
    app = open_page("group", "en", group="toys", exporter="CHN", years="2020-2025")
    assert app.title[0].value == "Toys, games and festive articles"
    headers, rows, links = app_table(app)
    assert {"Market share (%)", "Market import growth (%)"} <= set(headers), headers
    shown = {row["_key"]: row for row in rows}
    stored = (
        Store(app_store).scan("group_market")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .select("market", "market_share", "market_import_growth", "export_value_usd")
        .sort("export_value_usd", descending=True)
        .collect()
    )
    assert stored.height > 10 and len(shown) == stored.height
    assert [row["_key"] for row in rows] == stored["market"].to_list(), "sorted by export value, largest first"
    for market, share, market_growth, _ in stored.iter_rows():
        assert shown[market]["Market share (%)"] == f"{100 * share:,.2f}", market  # shown in percent
        assert shown[market]["Market import growth (%)"] == f"{100 * market_growth:+,.1f}", market
    assert shown["USA"]["Market"] == "United States"
    assert links["USA"].startswith("./market?market=USA&") and "group=toys" in links["USA"]


def test_app_pages_group_table_sorts_by_the_chosen_column_and_keeps_it_in_the_url(app_store: Path) -> None:
    app = open_page("group", "en", group="toys", exporter="CHN", years="2020-2025")
    app.selectbox(key="sort_group_markets").set_value("market_share_change_pp:asc").run()
    assert app.query_params["sort"] in (["market_share_change_pp:asc"], "market_share_change_pp:asc")
    _, rows, _ = app_table(app)
    stored = (
        Store(app_store).scan("group_market")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .collect()
    )
    losers_first = stored.sort("market_share_change_pp", nulls_last=True)["market"].to_list()
    assert [row["_key"] for row in rows] == losers_first
    assert float(rows[0]["Share change (pp)"]) <= float(rows[1]["Share change (pp)"]) < 0


@pytest.mark.parametrize(("lang", "usa", "share_label", "change_label", "pp"), [
    ("en", "United States (USA)", "Market share", "Share change", "pp"),
    ("zh", "美国 (USA)", "市场份额", "份额变化", "个百分点"),
])
def test_app_pages_group_map_is_html_tiles_with_stored_shares(
    app_store: Path, lang: str, usa: str, share_label: str, change_label: str, pp: str
) -> None:
    app = open_page("group", lang, group="toys", exporter="CHN", years="2020-2025")
    assert not app.get("plotly_chart"), "the default section draws no Plotly chart (plotly.js stays unloaded)"
    assert not [m for m in app.markdown if "<svg" in m.value], "no SVG for the Markdown renderer to parse"
    tiles = next(h.value for h in app.get("html") if 'class="tile-map"' in h.value)
    assert 'role="img"' in tiles and "aria-label=" in tiles and "<script" not in tiles and "http" not in tiles
    row = (
        Store(app_store).scan("group_market")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025,
                pl.col("market") == "USA")
        .collect()
        .row(0, named=True)
    )
    expected = (f'title="{usa}&#10;{share_label}: {100 * row["market_share"]:.2f}%&#10;'
                f'{change_label}: {row["market_share_change_pp"]:+.2f} {pp}"')
    assert expected in tiles
    assert tiles.count(" title=") == len(TILES)  # every grid square, grey where there is no data


@pytest.mark.parametrize(("sort", "column", "descending"), [
    ("rca:asc", "rca", False),  # a shared link keeps its order
    ("no_such_column:desc", "export_value_usd", True),  # an unknown order falls back to the default
])
def test_app_pages_overview_order_comes_from_the_url(app_store: Path, sort: str, column: str,
                                                     descending: bool) -> None:
    app = open_page("overview", "en", exporter="CHN", years="2020-2025", sort=sort)
    _, rows, _ = app_table(app)
    stored = (
        Store(app_store).scan("group_exporter")
        .filter(pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .sort(column, descending=descending, nulls_last=True)
        .collect()
    )
    assert [row["_key"] for row in rows] == stored["group"].to_list()
    assert app.selectbox(key="sort_overview").value == f"{column}:{'desc' if descending else 'asc'}"


def test_app_pages_long_tables_are_shown_a_block_of_rows_at_a_time(
    app_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.ui.components.HTML_PAGE_ROWS", 20)
    app = open_page("group", "en", group="toys", exporter="CHN", years="2020-2025")
    stored = (
        Store(app_store).scan("group_market")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .sort("export_value_usd", descending=True)
        .collect()
    )
    total = stored.height
    assert 40 < total <= 60, "the sample's toys markets for China"
    _, first, _ = app_table(app)
    blocks = app.selectbox(key="rows_group_markets")
    assert len(first) == 20 and blocks.options == ["1–20 / " + str(total), "21–40 / " + str(total),
                                                   f"41–{total} / {total}"]
    blocks.set_value(20).run()
    _, second, _ = app_table(app)
    assert [row["_key"] for row in second] == stored["market"].to_list()[20:40]


def test_app_pages_overview_lists_every_group_with_a_link(app_store: Path, config) -> None:
    app = open_page("overview", "zh")
    headers, rows, links = app_table(app)
    assert len(rows) == len(config.groups)
    toys = next(row for row in rows if row["_key"] == "toys")
    assert toys["产品组"] == "玩具"
    assert links["toys"] == "./group?group=toys&lang=zh&exporter=CHN&years=2020-2025"
    stored = (
        Store(app_store).scan("group_exporter")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .collect()
        .row(0, named=True)
    )
    values = dict(zip(headers, [toys[h] for h in headers], strict=True))
    assert values["出口额（亿美元）"] == f"{stored['export_value_usd'] / 1e8:,.1f}"  # 亿 = 100 million
    assert values["世界份额（%）"] == f"{100 * stored['world_share']:,.2f}"
    years = range(2020, 2026)
    trend = (
        Store(app_store).scan("group_exporter")
        .filter(pl.col("group") == "toys", pl.col("exporter") == "CHN", pl.col("year").is_in(list(years)))
        .sort("year")
        .collect()["export_value_usd"]
    )
    assert values["出口额走势"] == "\n".join(f"{y}: {v / 1e8:,.1f}" for y, v in zip(years, trend, strict=True))


def test_app_pages_filters_live_in_the_url(app_store: Path) -> None:
    app = open_page("market", "en", group="furniture", exporter="VNM", years="2019-2024", market="DEU")
    assert app.title[0].value == "Germany · Furniture and bedding"
    assert app.selectbox(key="f_group").value == "furniture"
    assert app.selectbox(key="f_exporter").value == "VNM"
    assert (app.selectbox(key="f_year_from").value, app.selectbox(key="f_year_to").value) == (2019, 2024)
    app.selectbox(key="f_year_from").set_value(2024)
    app.selectbox(key="f_year_to").set_value(2021).run()
    assert app.query_params["years"] in (["2021-2024"], "2021-2024"), "a reversed pair is read as a range"
    app.selectbox(key="f_group").set_value("toys").run()
    assert app.query_params["group"] == ["toys"] or app.query_params["group"] == "toys"
    assert app.title[0].value == "Germany · Toys, games and festive articles"


def test_app_pages_group_page_has_downloads_and_proxy_label(app_store: Path) -> None:
    app = open_page("group", "en", group="smart_home")
    assert any("Proxy basket" in w.value for w in app.warning)
    labels = [b.label for b in app.get("download_button")]
    assert {"CSV", "Excel", "Parquet"} <= set(labels)


def _group_notes(app) -> list[str]:
    return [h.value for h in app.get("html") if 'class="group-notes"' in h.value]


def test_app_pages_group_notes_in_the_page_language(app_store: Path, config) -> None:
    """The Chinese page shows the group's ``notes_zh``, the English page its ``notes`` (issue: the Chinese page
    showed no notes at all)."""
    group = config.group("smart_home")
    [chinese] = _group_notes(open_page("group", "zh", group="smart_home"))
    assert html.escape(group.notes_zh) in chinese and "8525.89" in chinese and "智能家居" in chinese
    assert "HS has no" not in chinese
    [english] = _group_notes(open_page("group", "en", group="smart_home"))
    assert html.escape(group.notes) in english and "智能" not in english


def test_app_pages_group_without_chinese_notes_shows_none_on_the_chinese_page(app_store: Path,
                                                                                config_dir: Path) -> None:
    """A group whose config has English notes only: the Chinese page shows nothing rather than English."""
    import streamlit as st

    toml = config_dir / "product_groups.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('notes_zh = "HS 第 64 章。"\n', ""), encoding="utf-8")
    st.cache_resource.clear()  # data.config() is cached across AppTest runs
    try:
        assert not _group_notes(open_page("group", "zh", group="footwear"))
        assert "HS chapter 64." in _group_notes(open_page("group", "en", group="footwear"))[0]
    finally:
        st.cache_resource.clear()


def test_app_pages_opportunities_show_the_documented_formula(app_store: Path) -> None:
    app = open_page("opportunities", "en", group="toys")
    assert any("score = 100" in m.value and m.value.startswith('<pre class="formula"') for m in app.markdown)
    assert not app.code, "plain text, not st.code (its syntax highlighter is 1.5 MB of script)"
    assert not app.get("plotly_chart"), "the top scores are an inline-SVG chart"
    bars = next(m.value for m in app.markdown if m.value.startswith("<svg") and "highest scores" in m.value)
    assert bars.count("<rect") == 15 and "The 15 highest scores" in bars
    assert not app.dataframe  # an HTML table under a sort choice, no data grid
    _, rows, _ = app_table_with(app, "Rank")  # below the export potential's table
    assert [row["Rank"] for row in rows][:3] == ["1", "2", "3"]
    stored = Store(app_store).scan("group_opportunity").filter(pl.col("group") == "toys").collect()
    latest = stored.filter(pl.col("year") == stored["year"].max()).sort("rank")
    assert [row["_key"] for row in rows] == latest["market"].to_list()[: len(rows)]
    assert rows[0]["Opportunity score"] == f"{latest['score'][0]:.1f}"


def test_app_pages_empty_state_for_a_market_without_survey(app_store: Path) -> None:
    app = open_page("market", "en", group="toys", market="BRA")
    assert any("No e-commerce survey data for Brazil" in i.value for i in app.info)


@pytest.mark.parametrize("page", ["overview", "group", "opportunities", "downloads"])
def test_app_pages_without_metrics_say_how_to_compute_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           page: str) -> None:
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "empty"))
    app = open_page(page, "en")
    assert any("python -m tracker metrics" in i.value for i in app.info)


@pytest.mark.parametrize("section", ["trends", "exporters", "hs"])
def test_app_pages_group_sections_render_on_demand(app_store: Path, section: str) -> None:
    app = open_page("group", "zh", group="toys", section=section)
    assert app.title[0].value == "玩具"
    if section == "hs":
        shown = app.dataframe[0].value
        stored = Store(app_store).scan("group_hs").filter(
            (pl.col("group") == "toys") & (pl.col("exporter") == "CHN")
        ).collect()
        latest = stored.filter(pl.col("year") == stored["year"].max())
        assert set(shown["hs_code"]) == set(latest["hs_code"]) == {"9503", "9504", "9505"}
        row = shown[shown["hs_code"] == "9503"].iloc[0]
        expected = latest.filter(pl.col("hs_code") == "9503")["share_of_group"].item()
        assert abs(row["share_of_group"] - 100 * expected) < 1e-9
    elif section == "trends":
        assert len(app.get("plotly_chart")) == 2
    else:
        assert "中国" in set(app.dataframe[0].value["exporter_name"])


def test_app_pages_reports_page_lists_reports_and_shows_alerts(
    metrics_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config, caplog: pytest.LogCaptureFixture
) -> None:
    """A report written by tracker.reports and alerts raised by tracker.alerts appear on the page."""
    from tracker.alerts import read_alerts, run_alerts
    from tracker.reports import ReportInputs, write_report

    root = tmp_path / "data"
    shutil.copytree(metrics_store, root)
    store = Store(root)
    write_report(config, ReportInputs.from_store(store), "toys", "2025", "zh", "html", root / "reports")
    run_alerts(config, store)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(root))
    (root / "reports" / "toys" / "2030.zh.html").write_text("<p>planted</p>", encoding="utf-8")  # not written by us
    caplog.set_level(logging.WARNING)
    app = open_page("reports", "zh")
    warned = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.WARNING and "ScriptRunContext" not in r.getMessage()]
    assert not warned, "no warning (st.components.v1.html printed a removal notice on every view)"
    assert any("sandbox" in f.proto.srcdoc for f in app.get("iframe")), "the report is shown, sandboxed"
    listing = next(d.value for d in app.dataframe if "格式" in d.value.columns)
    assert list(listing["产品组"]) == ["玩具"] and list(listing["期间"]) == ["2025"], "only what the tracker wrote"
    assert list(listing["语言"]) == ["中文"] and list(listing["格式"]) == ["HTML"]
    assert app.selectbox(key="report_pick").options == ["玩具 · 2025 · 中文 · HTML"]
    alerts = next(d.value for d in app.dataframe if "message" in d.value.columns)
    labels = json.loads(next(d.proto.columns for d in app.dataframe if "message" in d.value.columns))
    assert labels["message"]["label"] == "内容" and labels["severity"]["label"] == "级别"
    stored = read_alerts(root)
    assert stored.height > 0
    assert alerts["message"].iloc[0] == stored["message_zh"][0]
    assert set(alerts["severity"]) <= {"警告", "提示"}
    rules = {"share_drop": "市场份额下降", "rca_cross": "显示性比较优势越过 1", "unit_value_undercut": "竞争对手低价",
             "import_drop": "市场进口下降", "source_failing": "数据源持续失败", "tariff_change": "关税变化"}
    assert list(alerts["rule"]) == [rules[r] for r in stored["rule"]][: len(alerts)]
    assert not any(g in set(alerts["group"]) for g in config.group_ids), "group names, not ids"
    assert not english_words(app_texts(app)), "the Chinese page in Chinese, alerts and reports included"


def test_app_pages_competitors_similarity_for_an_exporter_other_than_home(app_store: Path) -> None:
    app = open_page("competitors", "en", group="toys", exporter="VNM", competitors="CHN,IND")
    wide = next(d.value for d in app.dataframe if "China" in d.value.columns)
    stored = Store(app_store).scan("group_competition").filter(
        (pl.col("group") == "toys") & (pl.col("exporter") == "VNM") & (pl.col("competitor") == "CHN")
        & (pl.col("market") == "USA")
    ).collect()
    latest = stored.filter(pl.col("year") == stored["year"].max())
    assert wide[wide["Market"] == "United States"]["China"].iloc[0] == pytest.approx(latest["esi"].item())


ZH_VIEWS = [  # (page, query parameters): every page, every section of the group page, a surveyed market
    ("overview", {}), ("group", {}), ("group", {"section": "trends"}), ("group", {"section": "exporters"}),
    ("group", {"section": "hs"}), ("market", {"market": "DEU"}), ("market", {"market": "USA"}),
    ("competitors", {"exporter": "VNM"}), ("ecommerce", {}), ("opportunities", {}), ("downloads", {}),
    ("status", {}), ("demand", {}),
]


@pytest.mark.parametrize(("page", "params"), ZH_VIEWS, ids=[f"{p}-{'-'.join(q.values())}" for p, q in ZH_VIEWS])
def test_app_pages_chinese_pages_show_no_english_words(app_store: Path, page: str, params: dict[str, str]) -> None:
    """Every text a Chinese page shows — headings, notes, widget labels and options, table headers and cells,
    chart titles, axes, legends and categories — holds no English word outside the allow-list of
    tests/zh_text.py (ISO codes, HS codes, units, brand names, commands). The Data & downloads previews show the
    file's own columns, as downloaded; their titles and descriptions are checked."""
    app = open_page(page, "zh", group="toys", **params)
    found = english_words(app_texts(app, grids=page != "downloads"))
    assert not found, found


def test_app_pages_monthly_axis_in_chinese(app_store: Path) -> None:
    """The market page's charts are inline SVG (no plotly.js); the monthly one writes its months in Chinese."""
    app = open_page("market", "zh", group="toys", market="USA")
    assert not app.get("plotly_chart")
    charts = [m.value for m in app.markdown if m.value.startswith("<svg")]
    assert len(charts) == 5, "shares, unit values, monthly shares, nowcast, forecast"
    monthly = next(c for c in charts if "年1月" in c)
    assert re.search(r">20\d\d年\d{1,2}月<", monthly) and not re.search(r">20\d\d-\d\d<", monthly)


def test_app_pages_one_term_for_sample_data(app_store: Path, config) -> None:
    """The dashboard and the reports call sample data the same: 样例数据."""
    from tracker.texts import AREAS
    from tracker.ui.i18n import LABELS

    report_labels = AREAS["reports"]
    assert "样例数据" in LABELS["sample_banner"]["zh"]
    assert report_labels["sample_banner"]["zh"].startswith("样例数据")
    assert report_labels["sample_flag"]["zh"] == "样例数据"
    assert not [k for k, v in LABELS.items() if "示例" in v["zh"]]
    assert not [(area, k) for area, entries in AREAS.items() for k, v in entries.items() if "示例" in v["zh"]]


def test_app_pages_competitors_of_vnm_start_with_china_and_sort_by_name(app_store: Path, config) -> None:
    app = open_page("competitors", "zh", group="toys", exporter="VNM")
    chosen = app.multiselect(key="f_competitors").value
    assert chosen[0] == "CHN" and "VNM" not in chosen and len(chosen) == 5, chosen
    assert chosen == [c for c in [config.scope.home_exporter, *config.scope.competitors] if c != "VNM"][:5]
    wide = next(d.value for d in app.dataframe if "市场" in d.value.columns)
    names = list(wide["市场"])
    assert len(names) > 5 and names == sorted(names), "sorted by the names shown"
    assert "中国" in wide.columns


def test_app_pages_similarity_caption_describes_product_mixes(app_store: Path) -> None:
    """ESI compares the two exporters' product mixes over the group's HS codes within each market
    (tracker.metrics.similarity), not their market mixes."""
    for lang, words in (("en", ("HS codes", "product mix")), ("zh", ("HS 编码", "产品结构"))):
        app = open_page("competitors", lang, group="toys")
        caption = next(c.value for c in app.caption if "ESI" in c.value)
        assert all(w in caption for w in words) and "market mix" not in caption and "市场结构" not in caption


def test_app_pages_ecommerce_starts_at_a_surveyed_market(app_store: Path) -> None:
    app = open_page("ecommerce", "en", group="toys")
    assert app.selectbox(key="f_market").value == "DEU"
    assert not any("No e-commerce survey data" in i.value for i in app.info), "the comparison panel has data"
    assert any(c.value.startswith("Survey categories") and "Children's toys or childcare items (I_BTOYC)" in c.value
               for c in app.caption)


DEMAND_TEXT = {  # (estimate label, 95 % band, backtest verdict words)
    "en": ("Estimate", "95% interval", ("beat the seasonal-naive", "did not beat the seasonal-naive")),
    "zh": ("估计", "95% 区间", ("优于季节性朴素预测", "未能优于季节性朴素预测")),
}


def _month(period: str, lang: str) -> str:
    return period if lang == "en" else f"{int(period[:4])}年{int(period[5:])}月"


def _polyline_points(svg: str, dashed: bool) -> list[int]:
    """The number of points of each solid (or dashed) line of an SVG chart."""
    return [len(points.split()) for points, style in re.findall(r'<polyline points="([^"]*)"([^>]*)>', svg)
            if ("stroke-dasharray" in style) == dashed]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_pages_market_shows_nowcast_estimates_and_forecast_bands(app_store: Path, lang: str) -> None:
    """The demand section's two charts are inline SVG: the nowcast's months after the last annual figure dashed
    (joined to it), shaded and labelled estimate; the forecast's median dashed over its 80 % and 95 % bands."""
    app = open_page("market", lang, group="toys", market="USA")
    assert not app.get("plotly_chart")
    estimate, band, verdicts = DEMAND_TEXT[lang]
    unit, divisor = ("USD m", 1e6) if lang == "en" else ("亿美元", 1e8)
    svgs = [m.value for m in app.markdown if m.value.startswith("<svg")]
    nowcast_svg = next(c for c in svgs if f">{estimate}</text>" in c)
    forecast_svg = next(c for c in svgs if "<polygon" in c)
    # the nowcast: months after the last annual figure dashed, each marked with its value, named estimate
    nowcast = Store(app_store).scan("group_nowcast").filter(
        pl.col("group") == "toys", pl.col("market") == "USA").collect()
    after = nowcast.filter(~pl.col("benchmarked")).sort("period")
    assert after.height >= 1 and nowcast.filter(pl.col("benchmarked")).height >= 24
    assert _polyline_points(nowcast_svg, dashed=True) == [after.height + 1], "joined to the last benchmarked month"
    hover = [h for h in re.findall(r"<title>([^<]*)</title>", nowcast_svg) if h.startswith(f"{estimate} · ")]
    assert hover == [f"{estimate} · {_month(r['period'], lang)}: {r['nowcast_value_usd'] / divisor:,.2f} {unit}"
                     for r in after.iter_rows(named=True)]
    # the forecast: 95 % and 80 % bands over the 12 forecast months (along the highs, back along the lows)
    forecast = Store(app_store).scan("group_forecast").filter(
        pl.col("group") == "toys", pl.col("market") == "USA").collect().sort("period")
    assert forecast.height == 12
    polygons = re.findall(r'<polygon points="([^"]*)"[^>]*><title>([^<]*)</title>', forecast_svg)
    assert [(len(points.split()), name) for points, name in polygons] == [(24, band), (24, band.replace("95", "80"))]
    assert _polyline_points(forecast_svg, dashed=True) == [12]
    if lang == "zh":
        assert not re.search(r">20\d\d-\d\d<", nowcast_svg + forecast_svg), "months written in Chinese"
    captions = " ".join(c.value for c in app.caption)
    assert any(verdict in captions for verdict in verdicts), captions


def test_app_pages_demand_ranks_markets_by_expected_growth(app_store: Path) -> None:
    app = open_page("demand", "en", group="toys")
    assert app.title[0].value == "Demand outlook · Toys, games and festive articles"
    assert not app.dataframe  # an HTML table under a sort choice, no data grid
    _, rows, _ = app_table(app)
    stored = Store(app_store).scan("group_demand").filter(pl.col("group") == "toys").collect().sort(
        "expected_growth", descending=True, nulls_last=True, maintain_order=True)
    assert [row["_key"] for row in rows] == stored["market"].to_list()[: len(rows)]
    top = stored.row(0, named=True)
    assert rows[0]["Expected growth (%)"] == f"{100 * top['expected_growth']:+.1f}"
    tested = stored.filter(pl.col("beats_seasonal_naive").is_not_null())
    beats = tested.filter(pl.col("beats_seasonal_naive")).height
    assert f"in {beats} of {tested.height} backtested markets" in " ".join(m.value for m in app.markdown)
    assert {"CSV", "Excel", "Parquet"} <= {b.label for b in app.get("download_button")}


def test_app_pages_demand_page_in_chinese(app_store: Path) -> None:
    app = open_page("demand", "zh", group="toys")
    assert app.title[0].value.startswith("需求展望")
    _, rows, _ = app_table(app)
    assert rows and {row["优于季节性朴素预测"] for row in rows} <= {"是", "否", "未回测"}
    assert {row["备注"] for row in rows} <= {"", "历史不足"}  # a market with a forecast has no note, not "None"


def test_app_pages_downloads_lists_every_table_and_offers_each_one(app_store: Path) -> None:
    """The list names every stored table with its filtered row count; choosing one (``?table=``) gives its
    preview, with as many rows as the list says, and its CSV, Excel and Parquet buttons."""
    params = {"group": "toys", "exporter": "CHN", "years": "2024-2025"}
    app = open_page("downloads", "en", **params)
    _, rows, _ = app_table(app)
    listed = {row["_key"]: row["Rows (filtered)"] for row in rows}
    assert {"trade", "group_market", "group_exporter", "group_competition", "group_tariff_margin",
            "group_forecast"} <= set(listed)
    assert app.selectbox(key="f_dl_table").value == next(key for key, count in listed.items() if count != "–")
    offered = [key for key, count in listed.items() if count != "–"]
    assert len(offered) >= 10
    for table in offered:
        app = open_page("downloads", "en", table=table, **params)
        assert app.selectbox(key="f_dl_table").value == table
        assert f"{app.dataframe[0].value.shape[0]:,}" == listed[table] or app.number_input  # paged when long
        assert any(f"{int(listed[table].replace(',', '')):,} rows with these filters" in c.value for c in app.caption)
        keys = {b.proto.id.rsplit("-", 1)[-1] for b in app.get("download_button")}
        assert {f"dl_dl_{table}_{fmt}" for fmt in ("csv", "xlsx", "parquet")} <= keys, (table, keys)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_app_pages_overview_one_year_shows_the_stored_world_share_change(app_store: Path, lang: str) -> None:
    """A one-year range holds no year before it, yet the change of world share is the stored one, not blank."""
    app = open_page("overview", lang, exporter="CHN", years="2025-2025")
    headers, rows, _ = app_table(app)
    header = next(h for h in headers if h.startswith(("World share change", "世界份额变化")))
    stored = (
        Store(app_store).scan("group_exporter")
        .filter(pl.col("exporter") == "CHN", pl.col("year") == 2025)
        .select("group", "world_share", "world_share_change_pp")
        .collect()
    )
    before = (
        Store(app_store).scan("group_exporter")
        .filter(pl.col("exporter") == "CHN", pl.col("year") == 2024)
        .select("group", pl.col("world_share").alias("before"))
        .collect()
    )
    expected = stored.join(before, on="group").with_columns(pp=100 * (pl.col("world_share") - pl.col("before")))
    assert expected.height >= 5 and expected["pp"].is_not_null().all()
    shown = {row["_key"]: row[header] for row in rows}
    for group, pp, change in expected.select("group", "pp", "world_share_change_pp").iter_rows():
        assert change == pytest.approx(pp)  # the stored value is the change against 2024
        assert shown[group] == f"{change:+,.2f}", (group, shown[group])
