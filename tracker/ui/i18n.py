"""Labels in English and Simplified Chinese; the language lives in the URL (`?lang=zh`)."""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "中文"}

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"en": "Export market tracker", "zh": "出口市场监测"},
    "language": {"en": "Language", "zh": "语言"},
    "page_overview": {"en": "Overview", "zh": "总览"},
    "page_status": {"en": "Data status", "zh": "数据状态"},
    "sample_banner": {
        "en": "Sample data: the numbers shown are generated for demonstration, not real trade statistics. "
        "Run `python -m tracker fetch` to load public data.",
        "zh": "样例数据：所示数字为演示生成，并非真实贸易统计。运行 `python -m tracker fetch` 以载入公开数据。",
    },
    "tables": {"en": "Tables", "zh": "数据表"},
    "sources": {"en": "Sources", "zh": "数据来源"},
    "no_data": {
        "en": "The store is empty. Run `python -m tracker sample` or `python -m tracker fetch`.",
        "zh": "数据库为空。请运行 `python -m tracker sample` 或 `python -m tracker fetch`。",
    },
    "store_location": {"en": "Store", "zh": "存储位置"},
    "dashboards_coming": {
        "en": "Competitiveness dashboards by product group appear here once metrics are computed.",
        "zh": "计算指标后，此处将显示各产品组的竞争力看板。",
    },
    "groups_configured": {"en": "Configured product groups", "zh": "已配置的产品组"},
}


def t(key: str, lang: str) -> str:
    """The label for ``key`` in ``lang``; English when a translation is missing."""
    entry = LABELS[key]
    return entry.get(lang) or entry["en"]
