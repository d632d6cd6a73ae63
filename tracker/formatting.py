"""Number formats shared by the app and the reports, so a figure reads the same on screen and on paper."""

from __future__ import annotations

import math


def fmt_usd(value: float | None, lang: str) -> str:
    """A USD amount in the reader's unit: ``$1.23 bn`` / ``$45.6 m`` in English, ``12.35 亿美元`` / ``450 万美元``
    in Chinese (亿 = 1e8, 万 = 1e4); ``–`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if lang == "zh":
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.2f} 亿美元"
        return f"{value / 1e4:,.0f} 万美元"
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f} bn"
    return f"${value / 1e6:,.1f} m"
