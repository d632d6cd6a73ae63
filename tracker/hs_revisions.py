"""HS 2022 group codes in data of an older HS revision: which older code holds each, and what is then approximate.

The product groups are written in HS 2022. Nearly every group uses 4-digit headings, unchanged since HS 2012, but
a few 6-digit codes are new in HS 2022 (or HS 2017) and do not exist in older files. Their values there sit inside
a broader predecessor code (``../shared/reference/product-groups.md``, "Data in older HS revisions"):

* 852589 (other cameras) was part of 852580 in HS 2017 and HS 2012;
* 940542 (LED luminaires) was part of 940540 in HS 2017 and HS 2012;
* 871160 (electric bicycles) was part of 871190 in HS 2012.

A group listing such a code reads the predecessor instead, in rows of those revisions only, and the result is
approximate (the predecessor holds more than the code). The revisions are named as BACI names them (``HS17``,
``HS12``: the ``hs_revision`` of BACI's trade rows).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

PREDECESSORS: dict[str, dict[str, str]] = {
    "HS17": {"852589": "852580", "940542": "940540"},
    "HS12": {"852589": "852580", "940542": "940540", "871160": "871190"},
}


def predecessor(hs_revision: str, code: str) -> str | None:
    """The code of ``hs_revision`` that holds the HS 2022 ``code``, when it is not in that revision itself."""
    return PREDECESSORS.get(hs_revision, {}).get(code)


def approximated(hs_revision: str, codes: Iterable[str]) -> dict[str, str]:
    """Of a group's ``codes``, those that ``hs_revision`` only holds inside a predecessor: {code: predecessor}."""
    mapping = PREDECESSORS.get(hs_revision, {})
    return {code: mapping[code] for code in codes if code in mapping}


def successor_code() -> pl.Expr:
    """Per trade row, the HS 2022 code a group matches it by: the newer code for a predecessor in an older
    revision's row (``852580`` of ``HS17`` → ``852589``), else ``hs_code`` itself. Needs ``hs_code`` and
    ``hs_revision``."""
    code, revision = pl.col("hs_code"), pl.col("hs_revision")
    expression = code
    for hs_revision, mapping in PREDECESSORS.items():
        for newer, older in mapping.items():
            expression = pl.when((revision == hs_revision) & (code == older)).then(pl.lit(newer)).otherwise(expression)
    return expression


def predecessor_codes() -> set[str]:
    """Every predecessor code of the table (a trade row with one of them may belong to a group by its successor)."""
    return {older for mapping in PREDECESSORS.values() for older in mapping.values()}
