"""The alerts' messages (``tracker.alerts``, stored as ``message_en`` / ``message_zh``) and the rules' names
(``python -m tracker alerts``). The caller formats every number."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "share_drop": {
        "en": "{who}'s share of {market}'s {group} imports fell {points} pp in {period}",
        "zh": "{who}在{market}的{group}市场份额 {period} 年下降 {points} 个百分点",
    },
    "rca_cross": {
        "en": "{who}'s revealed comparative advantage in {group} {change} in {period}: {value}",
        "zh": "{who}{group}的显示性比较优势 (RCA) {period} 年{change}：{value}",
    },
    "rca_up": {"en": "rose above 1", "zh": "升至 1 以上"},
    "rca_down": {"en": "fell below 1", "zh": "跌破 1"},
    "unit_value_undercut": {
        "en": "{rival} undercuts {who} on {group} in {market} by {pct}% (unit value, {period})",
        "zh": "{period} 年{rival}在{market}的{group}单位价值比{who}低 {pct}%",
    },
    "import_drop": {
        "en": "{market}'s imports of {group} fell {pct}% in {period}",
        "zh": "{market}的{group}进口 {period} 年下降 {pct}%",
    },
    "source_failing": {
        "en": "source {source} has been failing for {days} days (since {period})",
        "zh": "数据源 {source} 自 {period} 起连续失败 {days} 天，期间无成功抓取",
    },
    "tariff_change": {
        "en": "{market}'s tariff on {group} from {who} {way} {change} pp to {now}% in {period} (extra duties such as "
        "Section 301/232 and anti-dumping not included)",
        "zh": "{period} 年{market}对{who}的{group}关税{way} {change} 个百分点，至 {now}%"
        "（不含 301/232 条款及反倾销等额外关税）",
    },
    "tariff_rose": {"en": "rose", "zh": "上升"},
    "tariff_fell": {"en": "fell", "zh": "下降"},
    # What each rule is called, in the app (Reports & alerts) and the CLI alike (``tracker.texts.rule_name``); the
    # rule's id (config/alerts.toml's table name) is what a user types.
    "rule_share_drop": {"en": "Market share fell", "zh": "市场份额下降"},
    "rule_rca_cross": {"en": "RCA crossed 1", "zh": "显示性比较优势越过 1"},
    "rule_unit_value_undercut": {"en": "Undercut on price", "zh": "竞争对手低价"},
    "rule_import_drop": {"en": "Market imports fell", "zh": "市场进口下降"},
    "rule_source_failing": {"en": "Source failing", "zh": "数据源持续失败"},
    "rule_tariff_change": {"en": "Tariff changed", "zh": "关税变化"},
}
