"""Strict readers for single upstream values: a wrong type is a PayloadError naming the field, never a guess.

Why strict: a JSON API that sends ``"123456"``, ``true`` or ``"abc"`` where it promises a number is not the
API we parse, and a lenient ``float()`` would store the first two and silently drop the third. Ranges
(>= 0, at most ``MAX_AMOUNT``) are checked once for every table by ``tracker.schemas.validate``.
"""

from __future__ import annotations

import math
import re

from tracker.errors import PayloadError

PLAIN_DECIMAL = re.compile(r"\d+(\.\d+)?")  # how CSV and Census bodies write non-negative numbers


def json_number(value: object, field: str, source: str, where: str) -> float | None:
    """A JSON number as a finite float; None for null. Strings, booleans, NaN and infinities are refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(source, f"{where}: {field} is {value!r}: not a number (a JSON number is expected)")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise PayloadError(source, f"{where}: {field} is {value!r}, not a finite number")
    return number


def json_text(value: object, field: str, source: str, where: str) -> str | None:
    """A JSON string; None for null. A number or object where a code is promised is refused."""
    if value is None or isinstance(value, str):
        return value
    raise PayloadError(source, f"{where}: {field} is {value!r}, expected a string")
