"""Formats every area shares: not sentences, but they differ by language (``tracker.texts.month``, ``join``)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "list_separator": {"en": "; ", "zh": "；"},
    "month_label": {"en": "{year}-{month:02d}", "zh": "{year}年{month}月"},  # a "YYYY-MM" period as read
    "month_axis": {"en": "%b %Y", "zh": "%Y年%-m月"},  # strftime (d3-format), for Plotly's month axes
    "html_lang": {"en": "en", "zh": "zh-CN"},  # the <html lang> of a report
    # The months of the IMF WEO releases, as a vintage names them ("October 2025" / "2025年10月版").
    "weo_month_04": {"en": "April", "zh": "4"},
    "weo_month_10": {"en": "October", "zh": "10"},
}
