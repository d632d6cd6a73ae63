"""The reports' texts (``tracker.reports.render``): headings, column names, notes and the paragraphs' templates."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "title": {"en": "Export market report", "zh": "出口市场报告"},
    "all_groups": {"en": "All product groups", "zh": "全部产品组"},
    "home": {"en": "Home exporter", "zh": "本国出口方"},
    "period": {"en": "Period", "zh": "期间"},
    "sample_banner": {
        "en": "SAMPLE DATA — the figures below are invented for demonstration, not real trade statistics.",
        "zh": "样例数据 — 以下数字为演示用虚构数据，并非真实贸易统计。",
    },
    "overview": {"en": "Overview", "zh": "概览"},
    "group": {"en": "Product group", "zh": "产品组"},
    "headline": {"en": "Headline", "zh": "核心指标"},
    "export_value": {"en": "Export value", "zh": "出口额"},
    "growth": {"en": "Growth vs previous year", "zh": "同比增长"},
    "world_share": {"en": "World market share", "zh": "全球市场份额"},
    "rca": {"en": "Revealed comparative advantage (RCA)", "zh": "显示性比较优势 (RCA)"},
    "rca_short": {"en": "RCA", "zh": "RCA"},
    "year": {"en": "Year", "zh": "年份"},
    "month": {"en": "Month", "zh": "月份"},
    "monthly_sales": {"en": "Sales to reporting markets this month", "zh": "本月对申报市场的销售额"},
    "monthly_growth": {"en": "vs same month a year earlier", "zh": "较上年同月"},
    "markets_reporting": {"en": "Reporting markets", "zh": "申报市场数"},
    "annual_context": {"en": "Annual figures of", "zh": "年度数据："},
    "movers": {"en": "Where our market share moved most", "zh": "市场份额变化最大的市场"},
    "risers": {"en": "Share rose most", "zh": "份额上升最多"},
    "fallers": {"en": "Share fell most", "zh": "份额下降最多"},
    "market": {"en": "Market", "zh": "市场"},
    "share": {"en": "Market share", "zh": "市场份额"},
    "change_pp": {"en": "Change (pp)", "zh": "变化（百分点）"},
    "sales": {"en": "Our sales", "zh": "我方销售额"},
    "prices": {"en": "Price positioning (relative unit value)", "zh": "价格定位（相对单位价值）"},
    "uv": {"en": "Unit value (USD/kg)", "zh": "单位价值（美元/千克）"},
    "uv_competitors": {"en": "Competitors' median (USD/kg)", "zh": "竞争者中位数（美元/千克）"},
    "ruv": {"en": "Relative unit value", "zh": "相对单位价值"},
    "ruv_note": {
        "en": "Above 1: priced above the competitors' median; below 1: cheaper.",
        "zh": "大于 1：价格高于竞争者中位数；小于 1：更便宜。",
    },
    "competitors": {"en": "Competitors", "zh": "竞争对手"},
    "exporter": {"en": "Exporter", "zh": "出口方"},
    "esi": {"en": "Export similarity with us (median)", "zh": "与我方出口相似度（中位数）"},
    "ecommerce": {"en": "E-commerce context", "zh": "电子商务背景"},
    "online_pct": {"en": "Individuals buying these goods online (%)", "zh": "网购此类商品的个人比例 (%)"},
    "survey_year": {"en": "Survey year", "zh": "调查年份"},
    "trend": {"en": "Our export value over time", "zh": "我方出口额走势"},
    "findings": {"en": "Findings (most material first)", "zh": "要点（按重要性排序）"},
    "no_data": {"en": "No data for this period.", "zh": "本期无数据。"},
    "vintage": {"en": "Data sources and vintage", "zh": "数据来源与时效"},
    "sources": {"en": "Sources", "zh": "来源"},
    "newest_fetch": {"en": "Newest fetch (UTC)", "zh": "最近抓取时间 (UTC)"},
    "sample_flag": {"en": "Sample data", "zh": "样例数据"},
    "yes": {"en": "yes", "zh": "是"},
    "no": {"en": "no", "zh": "否"},
    "generated_at": {"en": "Generated at", "zh": "生成时间"},
    "access": {"en": "Market access", "zh": "市场准入"},
    "access_tariff": {"en": "Tariff faced (%)", "zh": "适用关税 (%)"},
    "access_regime": {"en": "Regime", "zh": "关税类型"},
    "access_rival": {"en": "Lowest-tariff competitor", "zh": "关税最低的竞争者"},
    "access_rival_tariff": {"en": "Its tariff (%)", "zh": "其关税 (%)"},
    "access_margin": {"en": "Margin (pp)", "zh": "关税差（百分点）"},
    "regime_MFN": {"en": "MFN", "zh": "最惠国税率"},
    "regime_PRF": {"en": "preferential", "zh": "优惠税率"},
    "regime_mixed": {"en": "partly preferential", "zh": "部分优惠"},
    "access_caveat": {
        "en": "Applied tariffs (WITS TRAINS), averaged over the group's HS6 codes weighted by each market's imports; "
        "extra duties such as US Section 301/232 and anti-dumping duties are not included.",
        "zh": "实施关税（WITS TRAINS），按各市场对该组 HS6 编码的进口额加权平均；"
        "不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
    "potential": {"en": "Untapped potential", "zh": "未开发潜力"},
    "potential_value": {"en": "Potential by {year} (USD)", "zh": "{year} 年潜力（美元）"},
    "potential_actual": {"en": "Sales in {year}", "zh": "{year} 年销售额"},
    "potential_untapped": {"en": "Untapped", "zh": "未开发"},
    "potential_why": {"en": "Why", "zh": "理由"},
    "potential_intro": {
        "en": "Where {who} could sell more by {target}, by ITC's export potential method on {year} trade: potential "
        "minus actual sales, largest first.",
        "zh": "按 ITC 出口潜力方法（基于 {year} 年贸易），{who}到 {target} 年可增加销售的市场："
        "潜力减实际销售额，从大到小。",
    },
    "potential_note": {
        "en": "The potential is a benchmark built on IMF World Economic Outlook projections ({vintage}), not a "
        "forecast and not a ceiling.",
        "zh": "出口潜力是基于国际货币基金组织《世界经济展望》预测（{vintage}）的基准，既不是预测值也不是上限。",
    },
    "why_demand": {"en": "demand {direction} {value} in five years", "zh": "五年内需求{direction} {value}"},
    "why_grows": {"en": "grows", "zh": "增长"},
    "why_shrinks": {"en": "shrinks", "zh": "下降"},
"why_tariff_less": {
        "en": "{value} pp less tariff than its usual suppliers",
        "zh": "关税比其主要供应国低 {value} 个百分点",
    },
"why_tariff_more": {
        "en": "{value} pp more tariff than its usual suppliers",
        "zh": "关税比其主要供应国高 {value} 个百分点",
    },
"why_share_less": {
        "en": "sells there {value} less than its world share predicts",
        "zh": "销售额比全球份额预示的低 {value}",
    },
"why_share_more": {
        "en": "sells there {value} more than its world share predicts",
        "zh": "销售额比全球份额预示的高 {value}",
    },
    "method": {
        "en": "Figures are read from the tracker's metric tables (group_exporter, group_market, group_market_monthly, "
        "group_competition); definitions in docs/metrics.md.",
        "zh": "数字取自追踪器的指标表（group_exporter、group_market、group_market_monthly、group_competition），"
        "定义见 docs/metrics.md。",
    },
    # --- templates: one per language where the grammar differs
    # The id helps an English reader find the group in config; a Chinese heading stays Chinese.
    "group_heading": {"en": "{name} ({id})", "zh": "{name}"},
    "weo_vintage": {"en": "WEO {month} {year}", "zh": "WEO {year} 年{month}月版"},
    "access_intro": {
        "en": "Tariffs of {year}: in its {count} largest markets with tariff data, {who} faces {level} on average "
        "(weighted by its sales there). ",
        "zh": "{year} 年关税：在有关税数据的前 {count} 大市场中，{who}的平均适用关税为 {level}（按其销售额加权）。",
    },
    "access_behind": {
        "en": "A competitor pays less in {behind} of them; the widest gap is in {market}: {own:.1f}% against "
        "{rival_rate:.1f}% for {rival} ({margin:+.1f} pp). ",
        "zh": "其中 {behind} 个市场的关税高于关税最低的竞争者；差距最大的是{market}：{who} {own:.1f}%，"
        "{rival} {rival_rate:.1f}%（高 {margin:.1f} 个百分点）。",
    },
    "access_none_behind": {
        "en": "No tracked competitor pays less in any of them. ",
        "zh": "在这些市场中，没有竞争者的关税低于它。",
    },
    "access_extra_duties": {
        "en": "Extra duties such as US Section 301/232 and anti-dumping duties are not included.",
        "zh": "不含美国 301/232 条款关税、反倾销税等额外关税。",
    },
}
