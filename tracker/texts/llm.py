"""What the optional LLM is asked (``tracker.llm``): rewrite the findings without adding a number."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "instructions": {
        "en": "Rewrite the findings below as one short paragraph in plain English for a business reader. Use only "
        "the numbers given, written exactly as given, and add no other number.",
        "zh": "请将以下发现改写为一段简短、通俗的中文段落，供企业读者阅读。只使用给出的数字，并按原样书写，"
        "不要添加任何其他数字。",
    },
}
