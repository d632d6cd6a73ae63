"""The findings' sentences (``tracker.findings.text``): one template per kind and language, with the words
that change with the numbers (rose / fell) as keys of their own. The caller formats every number."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "pp_unit": {"en": "pp", "zh": "个百分点"},
    "uv_unit": {"en": "USD/kg", "zh": "美元/千克"},
    "share_move": {
        "en": "{market}: {exporter}'s share of the market's {group} imports {verb} {change} since {previous}, to "
        "{share} in {year}; with imports of {imports}, about {stake} of sales at stake.",
        "zh": "{market}：{exporter}在该市场{group}进口中的份额较{previous}年{verb} {change}，{year}年为 {share}；"
        "该市场进口额 {imports}，涉及销售额约 {stake}。",
    },
    "share_rose": {"en": "rose", "zh": "上升"},
    "share_fell": {"en": "fell", "zh": "下降"},
    "undercut": {
        "en": "{competitor} gained {change} of the {market} market for {group} since {previous}, reaching {share} in "
        "{year}, while selling below {exporter}'s price ({cheap} against {own}); market imports {imports}, about "
        "{stake} at stake.",
        "zh": "{competitor}在{market}{group}进口中的份额较{previous}年上升 {change}，{year}年达 {share}，"
        "而其单位价值低于{exporter}（{cheap}，对比 {own}）；该市场进口额 {imports}，涉及约 {stake}。",
    },
    "underrepresented": {
        "en": "{market} is a fast-growing market for {group} ({growth} a year, imports of {imports} in {period}), "
        "but {exporter} holds {share} of it against {average} across its markets: about {stake} of new demand a "
        "year.",
        "zh": "{market}是{group}的快速增长市场（年均增长 {growth}，{period}年进口额 {imports}），"
        "但{exporter}在该市场的份额仅 {share}，低于其在各市场的总体份额 {average}；每年新增需求约 {stake}。",
    },
    "cms": {
        "en": "{exporter}'s sales of {group} to the covered markets {verb} by {change} from {base} to {end} "
        "({path}). The constant-market-share decomposition attributes {parts}; the largest part is {main}.",
        "zh": "{exporter}{group}对所覆盖市场的销售额从{base}年到{end}年{verb}了 {change}（{path}）。"
        "恒定市场份额分解将其归因于：{parts}；其中最大的是{main}。",
    },
    "cms_rose": {"en": "rose", "zh": "增加"},
    "cms_fell": {"en": "fell", "zh": "减少"},
    "cms_part": {"en": "{value} to {name}", "zh": "{name} {value}"},
    "cms_separator": {"en": ", ", "zh": "，"},
    "effect_world_growth_effect_usd": {"en": "world demand", "zh": "世界需求"},
    "effect_product_mix_effect_usd": {"en": "the product mix", "zh": "产品结构"},
    "effect_market_mix_effect_usd": {"en": "the market mix", "zh": "市场结构"},
    "effect_competitiveness_effect_usd": {"en": "competitiveness", "zh": "竞争力"},
    "nowcast": {
        "en": "Nowcast for {month}: {exporter}'s exports of {group} to the {markets} covered markets are estimated "
        "at {value}, {growth} on {previous_month} ({previous}); an estimate from the markets' import records.",
        "zh": "{month}即时估计：{exporter}对所覆盖的 {markets} 个市场的{group}出口估计为 {value}，"
        "较{previous_month}（{previous}）变化 {growth}；依据各市场的进口记录估算。",
    },
    "forecast": {
        "en": "Forecast: the {markets} markets' imports of {group} are expected to {verb} ({growth}) over the 12 "
        "months from {month}, from {last} to {following}; the largest change is in {market} ({lead}).",
        "zh": "预测：{markets} 个市场的{group}进口预计自{month}起的 12 个月内{verb}（{growth}），"
        "由 {last} 至 {following}；变化最大的是{market}（{lead}）。",
    },
    "direction_up": {"en": "rise", "zh": "增长"},
    "direction_down": {"en": "fall", "zh": "下降"},
    "direction_flat": {"en": "stay about flat", "zh": "基本持平"},
    "untapped": {
        "en": "Untapped potential: by ITC's export potential method, {exporter} could sell {potential} of {group} "
        "in {market} by {target} against {actual} in {year}, about {untapped} untapped; a benchmark built on IMF "
        "World Economic Outlook projections ({vintage}), not a forecast or a ceiling.",
        "zh": "未开发潜力：按 ITC 出口潜力方法，{exporter}在{market}的{group}出口潜力（{target}年）为 {potential}，"
        "{year}年实际销售额 {actual}，尚有约 {untapped} 未开发；这是基于 IMF《世界经济展望》{vintage}"
        "预测的基准，不是预测值，也不是上限。",
    },
    "vintage": {"en": "{month} {year}", "zh": "{year}年{month}月版"},  # a WEO vintage: October 2025 / 2025年10月版
}
