"""Findings: the three to six most material facts in the metric tables, as sentences in English and Chinese.

``facts`` picks them (pure functions over LazyFrames, ranked by USD at stake), ``text`` words them, and
``findings_frame`` lays them out as a table for the download (both languages side by side).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import polars as pl

from tracker.config import Config
from tracker.findings.facts import (
    MAX_FINDINGS,
    Finding,
    FindingInputs,
    exporter_findings,
    group_findings,
    rank,
)
from tracker.findings.text import sentence

__all__ = [
    "FINDINGS_SCHEMA",
    "MAX_FINDINGS",
    "Finding",
    "FindingInputs",
    "exporter_findings",
    "findings_frame",
    "group_findings",
    "rank",
    "sentence",
]

FINDINGS_SCHEMA = {
    "rank": pl.Int32(), "group": pl.String(), "exporter": pl.String(), "kind": pl.String(),
    "market": pl.String(), "competitor": pl.String(), "period": pl.String(), "materiality_usd": pl.Float64(),
    "text_en": pl.String(), "text_zh": pl.String(), "link_en": pl.String(), "link_zh": pl.String(),
    "numbers": pl.String(), "sample": pl.Boolean(),
}


def findings_frame(findings: Sequence[Finding], config: Config) -> pl.DataFrame:
    """One row per finding, most material first: the sentence and link in both languages, and its figures as
    JSON (``numbers``: shares as 0–1 fractions, changes in percentage points, values in USD)."""
    rows = [{
        "rank": position, "group": f.group, "exporter": f.exporter, "kind": f.kind, "market": f.market,
        "competitor": f.competitor, "period": f.period, "materiality_usd": f.materiality_usd,
        "text_en": sentence(f, "en", config), "text_zh": sentence(f, "zh", config),
        "link_en": f.link("en"), "link_zh": f.link("zh"),
        "numbers": json.dumps(f.numbers, sort_keys=True, ensure_ascii=False), "sample": f.sample,
    } for position, f in enumerate(findings, start=1)]
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA, orient="row")
