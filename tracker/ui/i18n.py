"""Labels and number formats in English and Simplified Chinese; the language lives in the URL (`?lang=zh`).

Every string a page shows comes from ``LABELS``, the app's part of the text catalogue (``tracker.texts.ui``);
numbers are formatted by the helpers below so that units follow the language (USD millions and ``pp`` in
English, 亿美元 and 个百分点 in Chinese).
"""

from __future__ import annotations

import polars as pl

from tracker.formatting import MISSING, fmt_number, fmt_pct, fmt_usd, is_missing  # noqa: F401 - re-exported for the pages
from tracker.texts import LANGUAGES, text  # noqa: F401 - LANGUAGES re-exported for the language picker
from tracker.texts.ui import TEXTS as LABELS

# One USD value unit per language: English shows millions, Chinese 亿 (100 million).
USD_DIVISOR = {"en": 1e6, "zh": 1e8}


def t(key: str, lang: str, **values: object) -> str:
    """The app's text ``key`` in ``lang`` (``tracker.texts.ui``), with ``{placeholders}`` filled.

    ``{usd}`` and ``{pp}`` are always available and give the language's units.
    """
    return text("ui", key, lang, usd=LABELS["usd_unit"][lang], pp=LABELS["pp_unit"][lang], **values)


def t_or(key: str, lang: str, fallback: str) -> str:
    """The label for ``key`` when there is one, else ``fallback`` (values named by data: rules, severities)."""
    return t(key, lang) if key in LABELS else fallback


def labelled(column: str, prefix: str, lang: str) -> pl.Expr:
    """A Polars expression: ``column``'s values through the ``prefix + value`` labels (unknown values kept)."""
    keys = [key.removeprefix(prefix) for key in LABELS if key.startswith(prefix)]
    return pl.col(column).replace_strict({k: t(prefix + k, lang) for k in keys}, default=pl.col(column),
                                         return_dtype=pl.String)


def usd_divisor(lang: str) -> float:
    return USD_DIVISOR.get(lang, 1e6)


def fmt_pp(value: float | None, lang: str) -> str:
    """Percentage points with a sign: ``+1.2 pp`` / ``+1.2 个百分点``."""
    if is_missing(value):
        return MISSING
    return f"{value:+.2f} {LABELS['pp_unit'][lang]}"
