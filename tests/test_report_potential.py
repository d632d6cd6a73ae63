"""Export potential in reports and findings: the "Untapped potential" section lists the home exporter's largest
untapped potentials as stored, in both languages with the WEO vintage; the largest one ranks with the other
findings by its USD."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from tracker.config import Config
from tracker.findings import FindingInputs, group_findings, sentence
from tracker.findings.facts import untapped_potential
from tracker.reports.content import TOP_POTENTIAL_MARKETS, ReportInputs, build_report
from tracker.reports.render import render_report
from tracker.store import Store

from .zh_text import english_words


def _stored(store: Store, group: str, exporter: str, year: int) -> pl.DataFrame:
    return store.scan("group_export_potential").filter(
        (pl.col("group") == group) & (pl.col("exporter") == exporter) & (pl.col("year") == year)
        & (pl.col("untapped_usd") > 0)).sort(["untapped_usd", "market"], descending=[True, False]).collect()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_untapped_potential_lists_the_largest_as_stored(metrics_store: Path, config: Config,
                                                                lang: str) -> None:
    store = Store(metrics_store)
    year = config.scope.last_year
    content = build_report(ReportInputs.from_store(store), config, "toys", str(year))
    potential = content.sections[0].potential
    stored = _stored(store, "toys", config.scope.home_exporter, year)
    assert potential is not None and potential.vintage == "2025-10" and potential.year == year
    assert [r.market for r in potential.rows] == stored["market"].to_list()[:TOP_POTENTIAL_MARKETS]
    assert [r.untapped_usd for r in potential.rows] == stored["untapped_usd"].to_list()[:TOP_POTENTIAL_MARKETS]
    top = stored.row(0, named=True)
    assert potential.rows[0].demand_growth == pytest.approx(top["projected_imports_usd"] / top["market_imports_usd"]
                                                            - 1)
    text = render_report(content, config, lang, "md")
    heading, note = {"en": ("#### Untapped potential", "(WEO October 2025), not a forecast and not a ceiling"),
                     "zh": ("#### 未开发潜力", "（WEO 2025 年10月版）的基准，既不是预测值也不是上限")}[lang]
    assert heading in text and note in text
    section = text.split(heading, 1)[1].split("####", 1)[0]
    assert section.count("\n| ") == TOP_POTENTIAL_MARKETS + 1  # the header and one row per market
    if lang == "zh":
        plain = re.sub(r"\([A-Z]{3}\)", "", section)
        assert not english_words([plain]), english_words([plain])


def test_findings_rank_the_largest_untapped_potential_by_usd(metrics_store: Path, config: Config) -> None:
    store = Store(metrics_store)
    inputs = FindingInputs.from_store(store)
    year, home = config.scope.last_year, config.scope.home_exporter
    found = untapped_potential(inputs.group_export_potential, "toys", home, year)
    top = _stored(store, "toys", home, year).row(0, named=True)
    assert len(found) == 1 and found[0].market == top["market"]
    assert found[0].materiality_usd == top["untapped_usd"] and found[0].detail == "2025-10"
    ranked = group_findings(inputs, "toys", home, limit=20)
    usd = [f.materiality_usd for f in ranked]
    assert "untapped" in [f.kind for f in ranked] and usd == sorted(usd, reverse=True)
    en, zh = sentence(found[0], "en", config), sentence(found[0], "zh", config)
    assert en.startswith("Untapped potential: by ITC's export potential method") and "(October 2025)" in en
    assert zh.startswith("未开发潜力：") and "2025年10月版" in zh and not english_words([zh])
    assert found[0].link("en").startswith("./opportunities?group=toys&exporter=")
