"""One bilingual text catalogue: every sentence and label the app, reports, findings, alerts and CLI show.

A text is found by area and key and exists in English and Simplified Chinese (tests/test_texts.py checks
both are there). A sentence whose grammar differs by language is one template per language with named fields
(``{market}``, ``{change}``), so no other module branches on the language to pick a sentence; the caller
formats the numbers (``tracker.formatting``) and fills the fields. The areas are plain dictionaries in the
modules of this package, which imports nothing else of the tracker: any layer may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from tracker.texts import alerts, cli, common, fetch_errors, findings, hs, llm, reports, ui

LANGUAGES: Final = {"en": "English", "zh": "中文"}  # each language as it names itself (the app's picker)
# The language free text in stored rows is written in (opportunity reasons): pages in another language show
# the same from structured fields instead. (Group notes come in both languages from config: notes, notes_zh.)
SOURCE_LANGUAGE: Final = "en"

AREAS: Final[dict[str, dict[str, dict[str, str]]]] = {
    "common": common.TEXTS, "ui": ui.TEXTS, "reports": reports.TEXTS, "findings": findings.TEXTS,
    "alerts": alerts.TEXTS, "cli": cli.TEXTS, "llm": llm.TEXTS, "hs": hs.TEXTS, "fetch_errors": fetch_errors.TEXTS,
}


def check_language(lang: str) -> str:
    """``lang`` itself when the catalogue speaks it, else a one-line error naming it."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: expected en or zh")
    return lang


def text(area: str, key: str, lang: str, /, **values: object) -> str:
    """The text ``key`` of ``area`` in ``lang``, its ``{fields}`` filled from ``values``."""
    template = AREAS[area][key][lang]
    return template.format(**values) if "{" in template else template


def rule_name(rule: str, lang: str) -> str:
    """An alert rule's name as the app and the CLI both show it ("Market share fell" for ``share_drop``); a rule
    the catalogue does not name keeps its id."""
    key = f"rule_{rule}"
    return text("alerts", key, lang) if key in alerts.TEXTS else rule


def join(parts: Iterable[str], lang: str) -> str:
    """Clauses joined as the language lists them: ``a; b`` / ``a；b``."""
    return text("common", "list_separator", lang).join(parts)


def month(period: str | None, lang: str) -> str:
    """A ``YYYY-MM`` period as the language writes it (2025-03 / 2025年3月); anything else unchanged."""
    if period and len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit():
        return text("common", "month_label", lang, year=int(period[:4]), month=int(period[5:]))
    return period or ""


def weo_month(month: str, lang: str) -> str:
    """The month of an IMF WEO release ("04", "10") as a vintage names it (October / 10); others as given."""
    key = f"weo_month_{month}"
    return text("common", key, lang) if key in common.TEXTS else month
