"""Findings: the three to six most material facts in the metric tables, as sentences in English and Chinese.

``facts`` picks them (pure functions over LazyFrames, ranked by USD at stake), ``text`` words them, and
``findings_frame`` lays them out as a table for the dashboard's download (both languages side by side),
``findings_table`` as ``python -m tracker export --table findings`` writes them (one language, a row per finding).
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
    findings_by_group,
    group_findings,
    rank,
)
from tracker.findings.text import sentence
from tracker.texts import check_language

__all__ = [
    "FINDINGS_SCHEMA",
    "FINDINGS_TABLE_SCHEMA",
    "MAX_FINDINGS",
    "Finding",
    "FindingInputs",
    "exporter_findings",
    "findings_by_group",
    "findings_frame",
    "findings_table",
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


FINDINGS_TABLE_SCHEMA = {
    "group": pl.String(), "rank": pl.Int32(), "lang": pl.String(), "id": pl.String(), "kind": pl.String(),
    "exporter": pl.String(), "market": pl.String(), "competitor": pl.String(), "period": pl.String(),
    "text": pl.String(), "numbers": pl.String(), "materiality_usd": pl.Float64(), "group_name": pl.String(),
    "link": pl.String(), "sample": pl.Boolean(),
}


def findings_table(findings: Sequence[Finding], lang: str, config: Config) -> pl.DataFrame:
    """One row per finding in ``lang`` (en or zh), in the order given; ``rank`` counts within each group
    (1 = most material). ``numbers`` holds the figures the text cites, as JSON, unformatted (as in
    ``findings_frame``), so a script reads 0.218 where the sentence says 21.8%."""
    check_language(lang)
    names = {group.id: group.name(lang) for group in config.groups}
    seen: dict[str, int] = {}
    rows = []
    for f in findings:
        seen[f.group] = seen.get(f.group, 0) + 1
        rows.append({
            "group": f.group, "rank": seen[f.group], "lang": lang, "id": f.id, "kind": f.kind,
            "exporter": f.exporter, "market": f.market, "competitor": f.competitor, "period": f.period,
            "text": sentence(f, lang, config), "numbers": json.dumps(f.numbers, sort_keys=True, ensure_ascii=False),
            "materiality_usd": f.materiality_usd, "group_name": names.get(f.group, f.group), "link": f.link(lang),
            "sample": f.sample,
        })
    return pl.DataFrame(rows, schema=FINDINGS_TABLE_SCHEMA, orient="row")
