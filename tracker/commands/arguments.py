"""Flag values more than one command reads, parsed one way (so `fetch` and `export` agree on what a year is)."""

from __future__ import annotations

from tracker.config import FIRST_YEAR, LAST_YEAR
from tracker.errors import UsageError


def parse_years(text: str | None, flag: str = "--years") -> tuple[int, ...] | None:
    """``"2023,2022"`` → ``(2022, 2023)``; None when the flag was not given. Every bad part is named at once."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    bad = [part for part in parts if not (part.isdigit() and FIRST_YEAR <= int(part) <= LAST_YEAR)]
    if bad or not parts:
        shown = ", ".join(repr(part) for part in bad) if bad else repr(text)
        raise UsageError(f"{flag}: {shown} is not a year between {FIRST_YEAR} and {LAST_YEAR}")
    return tuple(sorted({int(part) for part in parts}))
