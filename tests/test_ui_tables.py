"""The HTML summary tables: numbers written as the page's language expects, text escaped, order and sparklines
checked against values worked out by hand."""

from __future__ import annotations

import base64
import re

import polars as pl
import pytest

from tracker.formatting import MISSING, fmt_number
from tracker.ui.tables import Column, html_table, sort_frame, sparkline

from .app_helpers import read_table


@pytest.mark.parametrize(("value", "decimals", "signed", "expected"), [
    (1234.5, 2, False, "1,234.50"),
    (1234.5, 1, True, "+1,234.5"),
    (-0.04, 1, True, "-0.0"),
    (0.0, 2, True, "+0.00"),
    (None, 2, False, MISSING),
    (float("nan"), 2, True, MISSING),
])
def test_ui_tables_fmt_number(value: float | None, decimals: int, signed: bool, expected: str) -> None:
    assert fmt_number(value, decimals, signed) == expected


def _drawn(image: str) -> tuple[str, str]:
    """(the polyline's points, the hover text) of a sparkline <img>."""
    source = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', image).group(1)
    svg = base64.b64decode(source).decode("ascii")
    return re.search(r'points="([^"]+)"', svg).group(1), re.search(r'title="([^"]*)"', image).group(1)


def test_ui_tables_sparkline_points_by_hand() -> None:
    # width 90, height 22, padding 2: x runs 2 → 88, y runs 20 (lowest value) → 2 (highest).
    assert _drawn(sparkline([1.0, 3.0, 2.0], labels=[2023, 2024, 2025])) == (
        "2.0,20.0 45.0,2.0 88.0,11.0", "2023: 1.0&#10;2024: 3.0&#10;2025: 2.0")
    # a missing year keeps its place on the x axis; without matching labels the positions name the points
    assert _drawn(sparkline([1.0, None, 3.0])) == ("2.0,20.0 88.0,2.0", "0: 1.0&#10;2: 3.0")
    assert sparkline([5.0]) == MISSING and sparkline([None, None]) == MISSING
    assert _drawn(sparkline([2.0, 2.0]))[0] == "2.0,20.0 88.0,20.0"  # no division by a zero range


def test_ui_tables_sort_frame_keeps_missing_values_last_both_ways() -> None:
    frame = pl.DataFrame({"k": ["a", "b", "c", "d"], "v": [2.0, None, -1.0, 5.0]})
    assert sort_frame(frame, "v", descending=True)["k"].to_list() == ["d", "a", "c", "b"]
    assert sort_frame(frame, "v", descending=False)["k"].to_list() == ["c", "a", "d", "b"]
    assert sort_frame(frame, "nope", descending=True).equals(frame)


def test_ui_tables_html_table_escapes_text_links_and_marks_gains_and_losses() -> None:
    frame = pl.DataFrame({
        "name": ['<script>alert("x")</script>', "Toys & games"],
        "url": ['./group?group=a"b&lang=en', None],
        "change": [1.234, -0.5],
        "value": [None, 1e6],
        "code": ["A", "B"],
    })
    columns = [
        Column("name", "Name", "link", href="url"),
        Column("change", "Change (pp)", "signed"),
        Column("value", "Value", decimals=0),
        Column("absent", "Not in the frame"),
    ]
    markup = html_table(frame, columns, sorted_by="change", row_key="code")
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert '<a href="./group?group=a&quot;b&amp;lang=en">' in markup
    assert '<td class="up">+1.23</td>' in markup and '<td class="down">-0.50</td>' in markup
    assert '<th class="sorted">Change (pp)</th>' in markup and "Not in the frame" not in markup
    headers, rows, links = read_table(markup)
    assert headers == ["Name", "Change (pp)", "Value"]
    assert rows == [
        {"_key": "A", "Name": '<script>alert("x")</script>', "Change (pp)": "+1.23", "Value": MISSING},
        {"_key": "B", "Name": "Toys & games", "Change (pp)": "-0.50", "Value": "1,000,000"},
    ]
    assert links == {"A": './group?group=a"b&lang=en', "B": None}  # no link where the address is missing


def test_ui_tables_sortable_columns() -> None:
    assert Column("a", "A").sortable and Column("a", "A", "link").sortable
    assert not Column("a", "A", "sparkline").sortable
