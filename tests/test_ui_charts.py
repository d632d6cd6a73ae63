"""The dashboard's inline-SVG charts and HTML tile map: values in the hover texts, units, order, escaping."""

from __future__ import annotations

import re

import polars as pl

from tracker.ui import charts
from tracker.ui.geo import TILES


def _titles(svg: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", svg)


def test_svg_lines_hover_holds_each_point_in_percent_with_gaps_left_out() -> None:
    frame = pl.DataFrame({"year": [2023, 2024, 2025, 2023, 2025], "share": [0.1, 0.125, None, 0.5, 0.25],
                          "exporter": ["CHN", "CHN", "CHN", "VNM", "VNM"]})
    svg = charts.svg_lines(frame, "year", "share", "exporter", "en", "Shares", "%", kind="pct")
    assert _titles(svg) == ["China · 2023: 10.00 %", "China · 2024: 12.50 %", "Vietnam · 2023: 50.00 %",
                            "Vietnam · 2025: 25.00 %"]
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 4
    assert "plotly" not in svg.lower() and "<script" not in svg


def test_svg_lines_months_in_chinese_and_usd_in_the_language_unit() -> None:
    frame = pl.DataFrame({"period": ["2024-11", "2024-12"], "value": [2e8, 3e8], "exporter": ["CHN", "CHN"]})
    svg = charts.svg_lines(frame, "period", "value", "exporter", "zh", "出口", "亿美元")
    assert ">2024年11月<" in svg and "2024-11" not in svg
    assert _titles(svg) == ["中国 · 2024年11月: 2.00 亿美元", "中国 · 2024年12月: 3.00 亿美元"]  # 1 亿 = 1e8


def test_svg_hbars_negative_bar_lies_left_of_zero_and_names_are_escaped() -> None:
    svg = charts.svg_hbars(["<b>up</b>", "down"], [2.0, -1.0], "Effects", "USD m")
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    zero = float(re.search(r'<line x1="([\d.]+)"', svg).group(1))
    (up_x, up_w), (down_x, down_w) = ((float(x), float(w)) for x, w in bars)
    assert abs(up_x - zero) < 0.1 and abs(down_x + down_w - zero) < 0.1
    assert abs(up_w - 2 * down_w) < 0.2, "lengths in proportion to the values"
    assert "&lt;b&gt;up&lt;/b&gt;" in svg and "<b>" not in svg
    assert _titles(svg) == ["&lt;b&gt;up&lt;/b&gt;: 2.00 USD m", "down: -1.00 USD m"]


def test_svg_grouped_bars_one_bar_per_stored_value_in_order() -> None:
    frame = pl.DataFrame({"market": ["USA", "USA", "DEU"], "exporter": ["CHN", "VNM", "CHN"],
                          "share": [0.3, 0.1, 0.2]})
    svg = charts.svg_grouped_bars(frame, "market", "exporter", "share", "en", "Shares", "%", scale=100)
    assert _titles(svg) == ["China · United States: 30.00 %", "Vietnam · United States: 10.00 %",
                            "China · Germany: 20.00 %"]


def test_tile_map_every_square_has_hover_text_and_a_share_from_the_frame() -> None:
    frame = pl.DataFrame({"market": ["USA", "DEU", "ZZZ"], "share": [0.25, 0.05, 0.5],
                          "change": [1.5, -0.25, None]})
    markup = charts.tile_map(frame, "share", "en", "Map <1>", "change")
    assert markup.count(" title=") == len(TILES)
    assert 'title="United States (USA)&#10;Market share: 25.00%&#10;Share change: +1.50 pp"' in markup
    assert "Map &lt;1&gt;" in markup and "Not on the map: ZZZ" in markup
    assert "<svg" not in markup and "<script" not in markup
