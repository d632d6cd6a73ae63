"""The dashboard's inline-SVG charts and HTML tile map: values in the hover texts, units, order, escaping."""

from __future__ import annotations

import re

import polars as pl
import pytest

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


BAND_XS = ["2024-11", "2024-12", "2025-01"]
BAND_LINES = {"Recorded": [1e6, 2e6, None], "Forecast <m>": [None, 2e6, 3e6]}
BAND = {"95% & up": ([None, 1.5e6, 2e6], [None, 2.5e6, 4e6])}


def test_svg_band_lines_band_polygon_dashed_continuation_and_shaded_label() -> None:
    """Checked by hand: values 1.0–4.0 USD m padded 5 % → axis 0.85–4.15 over 256 px from y=34; three slots of
    187.33 px from x=64. The band runs along its highs, back along its lows: one point per month and bound."""
    svg = charts.svg_band_lines(BAND_XS, BAND_LINES, "en", "Imports", "USD m", dashed={"Forecast <m>"},
                                bands=BAND, shade=("2025-01", "2025-01", "Estimate & more"))
    assert re.findall(r'<polygon points="([^"]*)"', svg) == ["345.0,162.0 532.3,45.6 532.3,200.8 345.0,239.6"]
    solid, dashed = re.findall(r"<polyline [^>]*>", svg)
    assert "stroke-dasharray" not in solid and 'stroke-dasharray="6 4"' in dashed
    assert 'points="345.0,200.8 532.3,123.2"' in dashed, "2.0 and 3.0: joined to the recorded line's last month"
    # the joint (2024-12) is marked once, by the series that owns it
    assert _titles(svg) == ["95% &amp; up", "Recorded · 2024-11: 1.00 USD m", "Recorded · 2024-12: 2.00 USD m",
                            "Forecast &lt;m&gt; · 2025-01: 3.00 USD m"]
    shade = re.search(r'<rect x="([\d.]+)" y="34" width="([\d.]+)" height="256"[^>]*/><text x="([\d.]+)"[^>]*'
                      r'text-anchor="end"[^>]*>([^<]*)</text>', svg)
    assert shade and shade.groups() == ("438.7", "187.3", "623.0", "Estimate &amp; more")
    assert "<m>" not in svg and "plotly" not in svg.lower() and "<script" not in svg


def test_svg_band_lines_months_in_chinese_and_usd_in_the_language_unit() -> None:
    svg = charts.svg_band_lines(BAND_XS, {"实际": [1e8, 2e8, None]}, "zh", "进口", "亿美元", bands=BAND)
    assert ">2024年11月<" in svg and "2024-11" not in svg
    assert _titles(svg)[1:] == ["实际 · 2024年11月: 1.00 亿美元", "实际 · 2024年12月: 2.00 亿美元"]
    assert svg.count("<polygon") == 1 and "stroke-dasharray" not in svg, "no series asked to be dashed"


def test_svg_band_lines_series_not_aligned_to_the_x_values_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 x values"):
        charts.svg_band_lines(BAND_XS, {"short": [1.0, 2.0]}, "en", "Imports", "USD m")


@pytest.mark.parametrize(("lang", "axis", "values"), [
    ("en", "Untapped potential (USD m)", ["2,345.68 USD m", "45.00 USD m"]),
    ("zh", "未开发潜力（亿美元）", ["23.46 亿美元", "0.45 亿美元"]),  # 1 亿 = 1e8
])
def test_untapped_chart_axis_and_every_value_carry_the_unit_of_the_table(lang: str, axis: str,
                                                                         values: list[str]) -> None:
    """The Opportunities page's bars: the axis is named as the table's column (with the unit), each bar's value
    at its end and in its hover text carries the language's unit, and the number is the table's cell."""
    from tracker.formatting import fmt_number
    from tracker.ui.i18n import usd_divisor
    from tracker.ui.potential_view import untapped_chart

    rows = pl.DataFrame({"market": ["DEU", "USA"], "untapped_usd": [4.5e7, 2_345_678_900.0]})
    svg = untapped_chart(rows, lang)
    assert f'fill="#666">{axis}</text>' in svg
    usa, deu = (charts.country_name(code, lang) for code in ("USA", "DEU"))
    assert _titles(svg) == [f"{usa}: {values[0]}", f"{deu}: {values[1]}"], "largest first, with the unit"
    assert re.findall(r'<text x="[\d.]+" y="[\d.]+">([^<]*)</text>', svg) == values, "bar-end labels"
    cells = [fmt_number(v / usd_divisor(lang), 2) for v in (2_345_678_900.0, 4.5e7)]  # as the table writes them
    assert [v.split(" ", 1)[0] for v in values] == cells


def test_svg_hbars_without_a_unit_writes_bare_values_under_the_named_axis() -> None:
    svg = charts.svg_hbars(["A"], [72.25], "Scores", "", "Opportunity score")
    assert _titles(svg) == ["A: 72.25"] and ">72.25</text>" in svg and ">Opportunity score</text>" in svg
