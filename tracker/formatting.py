"""Number formats shared by the app and the reports, so a figure reads the same on screen and on paper."""

from __future__ import annotations

import math

MISSING = "–"  # what a missing figure reads as, everywhere


def is_missing(value: object) -> bool:
    """None or NaN: a figure that is not there."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_usd(value: float | None, lang: str) -> str:
    """A USD amount in the reader's unit: ``$1.23 bn`` / ``$45.6 m`` in English, ``12.35 亿美元`` / ``450 万美元``
    in Chinese (亿 = 1e8, 万 = 1e4); ``–`` when missing."""
    if value is None or is_missing(value):  # (None spelled out for the type checker)
        return MISSING
    if lang == "zh":
        if abs(value) >= 1e8:
            return f"{value / 1e8:,.2f} 亿美元"
        return f"{value / 1e4:,.0f} 万美元"
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.2f} bn"
    return f"${value / 1e6:,.1f} m"


def fmt_pct(value: float | None, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.123 → ``12.3%`` (``+12.3%`` with ``signed``); ``–`` when missing."""
    if value is None or is_missing(value):
        return MISSING
    return f"{100 * value:{'+' if signed else ''}.{digits}f}%"


def fmt_number(value: float | None, digits: int = 2, signed: bool = False) -> str:
    """``1234.5`` → ``1,234.50``; with ``signed`` → ``+1,234.50``; ``–`` when missing."""
    if value is None or is_missing(value):
        return MISSING
    return f"{float(value):{'+' if signed else ''},.{digits}f}"
