"""Findings: the expected facts from a hand-built metric store, in both languages, with numbers and links;
the materiality ranking; the download frame."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest

from tests.findings_helpers import DEMAND, GROUP_MARKET, NOWCAST, metric_frame, write_findings_store
from tracker.config import Config
from tracker.export import export_bytes
from tracker.findings import (
    FindingInputs,
    exporter_findings,
    findings_by_group,
    findings_frame,
    findings_table,
    group_findings,
    rank,
    sentence,
)
from tracker.findings.facts import share_moves
from tracker.store import Store

EXPECTED = [  # (kind, USD at stake, en, zh, zh link), most material first; worked out in findings_helpers
    ("nowcast", 252e6,
     "Nowcast for 2025-03: China's exports of Toys, games and festive articles to the 3 covered markets are "
     "estimated at $231.0 m, +10.0% on 2024-03 ($210.0 m); an estimate from the markets' import records.",
     "2025年3月即时估计：中国对所覆盖的 3 个市场的玩具出口估计为 2.31 亿美元，较2024年3月（2.10 亿美元）变化 +10.0%；"
     "依据各市场的进口记录估算。",
     "./demand?group=toys&exporter=CHN&lang=zh"),
    ("forecast", 200e6,
     "Forecast: the 2 markets' imports of Toys, games and festive articles are expected to rise (+2.9%) over the "
     "12 months from 2025-04, from $7.00 bn to $7.20 bn; the largest change is in United States (+$300.0 m).",
     "预测：2 个市场的玩具进口预计自2025年4月起的 12 个月内增长（+2.9%），由 70.00 亿美元 至 72.00 亿美元；"
     "变化最大的是美国（+3.00 亿美元）。",
     "./demand?group=toys&lang=zh"),
    ("undercut", 150e6,
     "Vietnam gained 3.00 pp of the United States market for Toys, games and festive articles since 2023, "
     "reaching 12.0% in 2024, while selling below China's price (3.00 USD/kg against 4.00 USD/kg); market "
     "imports $5.00 bn, about $150.0 m at stake.",
     "越南在美国玩具进口中的份额较2023年上升 3.00 个百分点，2024年达 12.0%，而其单位价值低于中国"
     "（3.00 美元/千克，对比 4.00 美元/千克）；该市场进口额 50.00 亿美元，涉及约 1.50 亿美元。",
     "./competitors?group=toys&exporter=CHN&market=USA&competitors=VNM&years=2023-2024&lang=zh"),
    ("underrepresented", 120e6,
     "United Arab Emirates is a fast-growing market for Toys, games and festive articles (+12.0% a year, imports "
     "of $1.00 bn in 2024), but China holds 5.0% of it against 21.9% across its markets: about $120.0 m of new "
     "demand a year.",
     "阿联酋是玩具的快速增长市场（年均增长 +12.0%，2024年进口额 10.00 亿美元），但中国在该市场的份额仅 5.0%，"
     "低于其在各市场的总体份额 21.9%；每年新增需求约 1.20 亿美元。",
     "./market?group=toys&exporter=CHN&market=ARE&years=2023-2024&lang=zh"),
    ("share_loss", 100e6,
     "Germany: China's share of the market's Toys, games and festive articles imports fell 5.00 pp since 2023, "
     "to 10.0% in 2024; with imports of $2.00 bn, about $100.0 m of sales at stake.",
     "德国：中国在该市场玩具进口中的份额较2023年下降 5.00 个百分点，2024年为 10.0%；该市场进口额 20.00 亿美元，"
     "涉及销售额约 1.00 亿美元。",
     "./market?group=toys&exporter=CHN&market=DEU&years=2023-2024&lang=zh"),
    ("cms", 90e6,
     "China's sales of Toys, games and festive articles to the covered markets rose by $150.0 m from 2023 to 2024 "
     "($1.60 bn → $1.75 bn). The constant-market-share decomposition attributes +$70.0 m to world demand, "
     "+$10.0 m to the product mix, -$20.0 m to the market mix, +$90.0 m to competitiveness; the largest part is "
     "competitiveness.",
     "中国玩具对所覆盖市场的销售额从2023年到2024年增加了 1.50 亿美元（16.00 亿美元 → 17.50 亿美元）。"
     "恒定市场份额分解将其归因于：世界需求 +7,000 万美元，产品结构 +1,000 万美元，市场结构 -2,000 万美元，"
     "竞争力 +9,000 万美元；其中最大的是竞争力。",
     "./competitors?group=toys&exporter=CHN&years=2023-2024&lang=zh"),
]


@pytest.fixture
def inputs(store: Store) -> FindingInputs:
    write_findings_store(store)
    return FindingInputs.from_store(store)


def test_findings_store_gives_the_expected_facts_in_both_languages(inputs: FindingInputs, config: Config) -> None:
    full = dataclasses.replace(inputs, group_nowcast=NOWCAST.lazy(), group_demand=DEMAND.lazy())
    found = group_findings(full, "toys", "CHN")
    assert [f.kind for f in found] == [kind for kind, *_ in EXPECTED]  # the USA gain (USD 50 m) is 7th: left out
    for finding, (kind, stake, en, zh, link) in zip(found, EXPECTED, strict=True):
        assert finding.materiality_usd == pytest.approx(stake), kind
        assert sentence(finding, "en", config) == en
        assert sentence(finding, "zh", config) == zh
        assert finding.link("zh") == link
        assert finding.link("en") == link.replace("lang=zh", "lang=en")
    undercut = found[2]
    assert undercut.numbers["change_pp"] == 3.0 and undercut.numbers["competitor_unit_value_usd_per_kg"] == 3.0
    assert found[3].numbers["average_share"] == pytest.approx(1.75e9 / 8e9)  # (1.5 + 0.2 + 0.05) / (5 + 2 + 1)
    assert found[5].detail == "competitiveness_effect_usd" and found[5].period == "2023-2024"  # not 2019–2024


def test_findings_without_nowcast_or_demand_tables_leave_those_facts_out(inputs: FindingInputs) -> None:
    assert inputs.group_nowcast is None and inputs.group_demand is None  # not stored: not read
    found = group_findings(inputs, "toys", "CHN")
    assert [f.kind for f in found] == ["undercut", "underrepresented", "share_loss", "cms", "share_gain"]
    assert found[-1].market == "USA" and found[-1].materiality_usd == pytest.approx(50e6)
    empty = dataclasses.replace(inputs, group_nowcast=NOWCAST.clear().lazy(), group_demand=DEMAND.clear().lazy())
    assert [f.kind for f in group_findings(empty, "toys", "CHN")] == [f.kind for f in found]


def test_findings_forecast_skips_markets_without_a_forecast_and_reads_direction(inputs: FindingInputs) -> None:
    falling = DEMAND.with_columns(next_12m_usd=pl.Series([4.0e9, 1.9e9, None]))
    found = group_findings(dataclasses.replace(inputs, group_demand=falling.lazy()), "toys", "CHN")
    forecast = next(f for f in found if f.kind == "forecast")
    assert forecast.detail == "down" and forecast.market == "USA"
    assert forecast.numbers["expected_growth"] == pytest.approx(5.9 / 7.0 - 1)  # ARE (no forecast) left out
    assert forecast.materiality_usd == pytest.approx(1.1e9)


def test_findings_materiality_ranks_a_small_move_in_a_big_market_first() -> None:
    big = {**GROUP_MARKET[0], "market": "USA", "market_imports_usd": 5e9, "market_share_change_pp": 1.0}
    tiny = {**GROUP_MARKET[0], "market": "MLT", "export_value_usd": 0.5e6, "market_imports_usd": 1e6,
            "market_share": 0.5, "market_share_change_pp": 20.0}
    found = [f for rows in ([tiny], [big]) for f in
             share_moves(metric_frame("group_market", rows).lazy(), "toys", "CHN", 2024)]
    assert [f.materiality_usd for f in found] == [pytest.approx(0.2e6), pytest.approx(50e6)]
    assert [f.market for f in rank(found)] == ["USA", "MLT"]
    both = share_moves(metric_frame("group_market", [tiny, big]).lazy(), "toys", "CHN", 2024)
    assert [f.market for f in both] == ["USA"]  # the largest gain in USD, not in pp


def test_findings_across_groups_keep_at_most_two_of_a_kind(inputs: FindingInputs) -> None:
    copies = [metric_frame("group_market", [{**row, "group": group} for row in GROUP_MARKET])
              for group in ("apparel", "paper")]
    tripled = dataclasses.replace(inputs, group_market=pl.concat([inputs.group_market.collect(), *copies]).lazy())
    found = exporter_findings(tripled, ["toys", "apparel", "paper"], "CHN")
    # by USD alone the three USD 100 m losses would push out the USD 90 m CMS fact and every gain
    assert [f.kind for f in found] == ["undercut", "underrepresented", "share_loss", "share_loss", "cms",
                                       "share_gain"]
    assert [f.group for f in found if f.kind == "share_loss"] == ["apparel", "paper"]  # ties: by group id


def test_findings_until_an_earlier_year_reads_that_year(inputs: FindingInputs) -> None:
    assert group_findings(inputs, "toys", "CHN", until="2023") == []  # nothing stored for 2023 or before


def test_findings_frame_holds_both_languages_and_exports(inputs: FindingInputs, config: Config) -> None:
    frame = findings_frame(group_findings(inputs, "toys", "CHN"), config)
    assert frame.get_column("rank").to_list() == [1, 2, 3, 4, 5]
    first = frame.row(0, named=True)
    assert first["text_zh"].startswith("越南在美国") and first["text_en"].startswith("Vietnam gained")
    assert json.loads(first["numbers"])["market_imports_usd"] == 5e9
    assert first["link_en"].endswith("lang=en") and first["link_zh"].endswith("lang=zh")
    csv = export_bytes(frame, "csv", table="findings", filters={"group": "toys"}).decode("utf-8")
    assert "越南在美国" in csv and "Vietnam gained" in csv
    assert pl.read_parquet(export_bytes(frame, "parquet", table="findings", filters={})).equals(frame)
    assert export_bytes(frame, "xlsx", table="findings", filters={}).startswith(b"PK")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_table_is_one_language_a_row_per_finding(inputs: FindingInputs, config: Config, lang: str) -> None:
    """The CLI's layout: the hand-worked sentences of one language, ids naming group, exporter, kind, period and
    market, and the rank restarting with each group."""
    full = dataclasses.replace(inputs, group_nowcast=NOWCAST.lazy(), group_demand=DEMAND.lazy())
    found = findings_by_group(full, ["toys", "furniture"], "CHN")
    assert found == group_findings(full, "toys", "CHN")  # furniture: nothing stored
    table = findings_table([*found, dataclasses.replace(found[0], group="furniture")], lang, config)
    assert table.get_column("text").to_list()[:6] == [en if lang == "en" else zh for _, _, en, zh, _ in EXPECTED]
    assert table.get_column("rank").to_list() == [1, 2, 3, 4, 5, 6, 1]
    assert table.get_column("lang").unique().to_list() == [lang]
    assert table.get_column("id").to_list()[:4] == ["toys:CHN:nowcast:2025-03", "toys:CHN:forecast:2025-04:USA",
                                                    "toys:CHN:undercut:2024:USA", "toys:CHN:underrepresented:2024:ARE"]
    assert table.get_column("link").to_list()[5] == EXPECTED[5][4].replace("lang=zh", f"lang={lang}")
    assert table.row(1, named=True)["group_name"] == {"en": "Toys, games and festive articles", "zh": "玩具"}[lang]
    assert json.loads(table.row(2, named=True)["numbers"])["change_pp"] == 3.0
    assert findings_table([], lang, config).columns == table.columns


def test_findings_on_an_empty_store_are_empty(store: Store, config: Config) -> None:
    inputs = FindingInputs.from_store(store)
    assert group_findings(inputs, "toys", "CHN") == []
    assert findings_frame([], config).is_empty()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_in_the_report_in_order(store: Store, config: Config, lang: str) -> None:
    from tracker.reports import ReportInputs
    from tracker.reports.content import build_report
    from tracker.reports.render import render_report

    write_findings_store(store)
    store.replace("group_exporter", metric_frame("group_exporter", [
        {"group": "toys", "exporter": "CHN", "year": 2024, "export_value_usd": 1.75e9}]))
    content = build_report(ReportInputs.from_store(store), config, "toys", "2024")
    assert [f.kind for f in content.sections[0].findings] == ["undercut", "underrepresented", "share_loss", "cms",
                                                               "share_gain"]
    text = render_report(content, config, lang, "md")
    expected = {kind: (en, zh) for kind, _, en, zh, _ in EXPECTED}
    positions = [text.index(f"{number}. {expected[kind][lang == 'zh']}") for number, kind in
                 enumerate(["undercut", "underrepresented", "share_loss", "cms"], start=1)]
    assert positions == sorted(positions)
    assert {"en": "Findings (most material first)", "zh": "要点（按重要性排序）"}[lang] in text
