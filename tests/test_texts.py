"""The text catalogue: every text in both languages, and no module outside it picks a sentence by language."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter

import pytest

from tracker import texts
from tracker.texts import AREAS, LANGUAGES, check_language, join, month, text, weo_month

TRACKER = Path(__file__).resolve().parents[1] / "tracker"
CATALOGUE = TRACKER / "texts"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# Keys whose templates name different fields per language, and why.
FIELDS_DIFFER = {
    ("reports", "group_heading"): "the Chinese heading leaves out the group id (an English reader looks it up)",
    ("reports", "access_behind"): "the Chinese sentence names the home exporter again before its own rate",
}

# A language test or a per-language dictionary outside the catalogue: == "zh", "en" if, if zh, {"zh": ...},
# ["zh"], en, zh = ...
LANGUAGE_BRANCH = re.compile(
    r"""[!=]=\s*["'](?:en|zh)["']|["'](?:en|zh)["']\s*[!=]=|["'](?:en|zh)["']\s+if\b|\bif\s+(?:not\s+)?zh\b"""
    r"""|["']zh["']\s*:|\[\s*["']zh["']\s*\]|\ben\s*,\s*zh\s*="""
)
# Uses that choose data or number formats, not sentences (path relative to tracker/, a piece of the line).
ALLOWED_BRANCHES = {
    ("config.py", 'self.name_zh if lang == "zh"'): "a product group carries both its names in config (data)",
    ("config.py", 'self.notes_zh if lang == "zh"'): "a product group carries its notes in both languages (data)",
    ("countries.py", '{"en": "name_en", "zh": "name_zh"}'): "the column of the country reference to read",
    ("formatting.py", 'if lang == "zh":'): "the number system: 亿/万 in Chinese, m/bn in English",
    ("ui/i18n.py", 'USD_DIVISOR = {"en": 1e6, "zh": 1e8}'): "the scale of USD columns (millions or 亿)",
}
# Chinese in string constants outside the catalogue (docstrings aside), and why it is not a sentence.
ALLOWED_CJK = {
    ("formatting.py", " 亿美元"): "a unit of the number system (fmt_usd)",
    ("formatting.py", " 万美元"): "a unit of the number system (fmt_usd)",
    ("llm.py", "亿"): "a unit word the LLM guard parses in the model's answer",
    ("llm.py", "万"): "a unit word the LLM guard parses in the model's answer",
    ("llm.py", "亿|万"): "the same unit words in the guard's number pattern",
    ("ui/state.py", "Language / 语言"): "the language picker speaks both languages at once",
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def _entries() -> list[tuple[str, str, dict[str, str]]]:
    return [(area, key, entry) for area, entries in AREAS.items() for key, entry in entries.items()]


def _modules() -> list[Path]:
    return sorted(p for p in TRACKER.rglob("*.py") if CATALOGUE not in p.parents)


def test_texts_every_key_has_both_languages_non_empty() -> None:
    assert tuple(LANGUAGES) == ("en", "zh")
    assert len(_entries()) > 500  # the app's 400-odd labels and the other areas are all here
    missing = [(area, key, sorted(entry)) for area, key, entry in _entries()
               if set(entry) != set(LANGUAGES) or not all(isinstance(v, str) and v.strip() for v in entry.values())]
    assert missing == []


def test_texts_english_holds_no_chinese_and_templates_name_the_same_fields() -> None:
    assert [(area, key) for area, key, entry in _entries() if CJK.search(entry["en"])] == []
    differ = {(area, key) for area, key, entry in _entries() if _fields(entry["en"]) != _fields(entry["zh"])}
    assert differ == set(FIELDS_DIFFER)


def test_texts_every_template_fills_in_both_languages() -> None:
    """Each template formats with its fields (a stray brace or a bad format spec would raise)."""
    for area, key, entry in _entries():
        if area == "ui":
            continue  # the app's labels are filled by tracker.ui.i18n.t (checked by the app's tests)
        names = _fields(entry["en"]) | _fields(entry["zh"])
        values = {name: 1 for name in names}  # an int formats under every spec used (:02d, :.1f, :+.1f)
        for lang in LANGUAGES:
            assert "{" not in text(area, key, lang, **values), (area, key, lang)


def test_texts_lookup_fills_fields_and_formats_shared_values() -> None:
    assert text("alerts", "import_drop", "en", market="Japan", group="Toys", pct="12.5", period="2024") == (
        "Japan's imports of Toys fell 12.5% in 2024")
    assert text("alerts", "import_drop", "zh", market="日本", group="玩具", pct="12.5", period="2024") == (
        "日本的玩具进口 2024 年下降 12.5%")
    assert join(["a", "b"], "en") == "a; b" and join(["甲", "乙"], "zh") == "甲；乙"
    assert month("2025-03", "en") == "2025-03" and month("2025-03", "zh") == "2025年3月"
    assert month("2025", "zh") == "2025" and month(None, "zh") == ""
    assert weo_month("10", "en") == "October" and weo_month("04", "zh") == "4" and weo_month("07", "en") == "07"
    assert check_language("zh") == "zh"
    with pytest.raises(ValueError, match=r"^language 'fr': expected en or zh$"):
        check_language("fr")


def test_texts_no_module_outside_the_catalogue_branches_on_the_language() -> None:
    """The acceptance of issue 24 point 4: no `lang == "zh"` (or a per-language dict) outside tracker/texts."""
    found = []
    for path in _modules():
        relative = path.relative_to(TRACKER).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if LANGUAGE_BRANCH.search(code) and not any(
                    relative == file and piece in line for file, piece in ALLOWED_BRANCHES):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_texts_scan_catches_a_sentence_branch() -> None:
    """The pattern finds the shapes the old code had (so the scan above can fail)."""
    shapes = [
        '    if lang == "zh":',
        '    return zh if lang == "zh" else en',
        '    sep = "；" if lang != "en" else "; "',
        '    sep = ("；" if lang == "zh" else "; ")',
        'UNIT = {"en": "pp", "zh": "个百分点"}',
        '    en, zh = LABELS[key]',
        '    html_lang = "zh-CN" if document.lang == "zh" else "en"',
        '    return RULES["zh"][rule]',
    ]
    assert [shape for shape in shapes if not LANGUAGE_BRANCH.search(shape)] == []
    assert not LANGUAGE_BRANCH.search('    """The report in ``lang`` (en, zh)."""')
    assert not LANGUAGE_BRANCH.search('        "text_en": sentence(f, "en", config),')


def test_texts_no_chinese_sentence_outside_the_catalogue() -> None:
    """Chinese in a string outside tracker/texts (docstrings aside) is a unit or a label that is allowed here."""
    found = []
    for path in _modules():
        relative = path.relative_to(TRACKER).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                    and CJK.search(node.value)
                    and not any(relative == file and piece in node.value for file, piece in ALLOWED_CJK)):
                found.append(f"{relative}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_texts_catalogue_imports_nothing_else_of_the_tracker() -> None:
    """Any layer may use the catalogue (findings and alerts must not reach into tracker.ui for a text)."""
    imported = {alias.name if isinstance(node, ast.Import) else node.module or ""
                for path in CATALOGUE.glob("*.py") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    assert {name for name in imported if name.startswith("tracker") and not name.startswith("tracker.texts")} == set()
    assert texts.SOURCE_LANGUAGE in LANGUAGES
