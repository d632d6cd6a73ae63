"""The CLI's bilingual output (``python -m tracker alerts --lang``); its help and errors are English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "alerts_new": {"en": "New alerts", "zh": "新预警"},
    "alerts_stored": {"en": "Stored alerts", "zh": "已存预警"},
    "alerts_by": {"en": "by rule and product group (count, USD at stake)", "zh": "按规则和产品组（条数，涉及金额）"},
    "alerts_top": {"en": "Top {shown}", "zh": "金额最大的 {shown} 条"},
    "alerts_of": {"en": " of {total} (--top 0 lists all)", "zh": "，共 {total} 条（--top 0 列出全部）"},
    "alerts_firing": {"en": "{firing} alert(s) firing, {new} new", "zh": "触发 {firing} 条预警，其中新增 {new} 条"},
    "alerts_count": {"en": "{count} alert(s) stored", "zh": "已存 {count} 条预警"},
}
