"""Flag values more than one command reads, parsed one way (so `fetch` and `export` agree on what a year is)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from tracker.config import FIRST_YEAR, LAST_YEAR
from tracker.errors import UsageError
from tracker.years import year_parts, year_span


def _year_part(part: str) -> list[int] | None:
    """``"2021"`` → [2021], ``"2020-2022"`` → [2020, 2021, 2022]; None for anything else, reversed or out of range."""
    span = year_span(part)
    if span is None or not FIRST_YEAR <= span[0] <= span[1] <= LAST_YEAR:
        return None
    return list(range(span[0], span[1] + 1))


def parse_years(text: str | None, flag: str = "--years") -> tuple[int, ...] | None:
    """``"2023,2020-2021"`` → ``(2020, 2021, 2023)``; None when the flag was not given.

    Years and inclusive ranges in tracker.years' grammar (the dashboard's ``?years=2020-2025`` form),
    comma-separated; every bad part is named at once.
    """
    if text is None:
        return None
    parts = year_parts(text)
    parsed = {part: _year_part(part) for part in parts}
    bad = [part for part, years in parsed.items() if years is None]
    if bad or not parts:
        shown = ", ".join(repr(part) for part in bad) if bad else repr(text)
        raise UsageError(f"{flag}: {shown} is not a year or a range of years (first-last) between "
                         f"{FIRST_YEAR} and {LAST_YEAR}")
    return tuple(sorted({year for years in parsed.values() for year in years or ()}))


def code_list(text: str) -> list[str]:
    """An argparse ``type`` for comma-separated ids: stripped, each once; empty means a usage error, not "all"."""
    parts = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not parts:
        raise argparse.ArgumentTypeError(f"{text!r} names nothing; leave the flag out to mean all")
    return parts


def upper_code_list(text: str) -> list[str]:
    """``code_list`` for case-insensitive codes (ISO3): ``CHN,chn,Chn`` → ``["CHN"]``."""
    return list(dict.fromkeys(code.upper() for code in code_list(text)))


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number from ``low`` to ``high``: anything else is a usage error (status 2).

    Unbounded, ``--top 99999999999999999999999`` overflowed Polars and ``--seed -1`` NumPy, with tracebacks.
    ASCII digits only (``str.isdigit`` also takes "²"); the length check comes first, so 5,000 digits never
    reach ``int``.
    """

    def parse(text: str) -> int:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= len(str(high))
                and low <= int(digits) <= high):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low:,} to {high:,}")
        return int(digits)

    return parse
