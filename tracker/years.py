"""The one grammar for years a user types, on the command line (``--years``) and in the address (``?years=``).

A part is a year or an inclusive range: ``2021``, ``2020-2022``, ``2020 – 2022`` (a hyphen or the en dash the
dashboard's labels write); parts are comma-separated. What a part means is the caller's: the CLI refuses a
reversed or out-of-bounds range with a usage error, the dashboard reorders and clamps it to the data with a note.
"""

from __future__ import annotations

import re

# ASCII digits only: str.isdigit() and \d also take "²⁰²³" or "２０２３", which are not what anyone typed as a year.
_PART = re.compile(r"([0-9]{4})(?:\s*[-–]\s*([0-9]{4}))?")


def year_span(part: str) -> tuple[int, int] | None:
    """``"2021"`` → (2021, 2021); ``" 2024-2019 "`` → (2024, 2019), in the order written; None for anything else."""
    match = _PART.fullmatch(part.strip())
    if match is None:
        return None
    first = int(match.group(1))
    return first, int(match.group(2) or first)


def year_parts(text: str) -> list[str]:
    """The non-empty comma-separated parts of ``text``, stripped (``" , "`` has none)."""
    return [part.strip() for part in text.split(",") if part.strip()]
