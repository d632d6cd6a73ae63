"""Findings as sentences in English and Chinese, with their numbers formatted as everywhere else.

Money follows ``tracker.formatting.fmt_usd`` ($ m / $ bn in English, 万美元 / 亿美元 in Chinese), shares are
percentages with one decimal, share changes percentage points with two (``pp`` / ``个百分点``). Names come from
the config (groups) and the country reference, so a Chinese sentence holds no English word. The sentences
themselves are templates in ``tracker.texts.findings``, one per kind and language: this module fills them.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker import countries
from tracker.config import Config
from tracker.findings.facts import Finding
from tracker.formatting import MISSING, fmt_pct, fmt_usd, is_missing
from tracker.texts import check_language, month, text, weo_month

# The constant-market-share effects, in the order the sentence lists them.
EFFECTS = ("world_growth_effect_usd", "product_mix_effect_usd", "market_mix_effect_usd", "competitiveness_effect_usd")

def _text(key: str, lang: str, **values: object) -> str:
    return text("findings", key, lang, **values)


def usd(value: float | None, lang: str) -> str:
    return fmt_usd(value, lang)


def signed_usd(value: float | None, lang: str) -> str:
    """``+$45.6 m`` / ``-1.20 亿美元``: the sign in front of the unit."""
    if value is None or is_missing(value):
        return MISSING
    return ("+" if value >= 0 else "-") + fmt_usd(abs(value), lang)


def pp(value: float | None, lang: str) -> str:
    """Percentage points without a sign: the sentence's verb (rose, fell) says which way."""
    return MISSING if value is None or is_missing(value) else f"{abs(value):.2f} {_text('pp_unit', lang)}"


def share(value: float | None) -> str:
    return fmt_pct(value, 1)


def growth(value: float | None) -> str:
    return fmt_pct(value, 1, signed=True)


def unit_value(value: float | None, lang: str) -> str:
    return MISSING if value is None or is_missing(value) else f"{value:,.2f} {_text('uv_unit', lang)}"


def _share_move(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year = int(f.period)
    return _text("share_move", lang, **names, verb=_text("share_rose" if n["change_pp"] > 0 else "share_fell", lang),
                 change=pp(n["change_pp"], lang), previous=year - 1, year=year, share=share(n["market_share"]),
                 imports=usd(n["market_imports_usd"], lang), stake=usd(n["stake_usd"], lang))


def _undercut(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year = int(f.period)
    return _text("undercut", lang, **names, change=pp(n["change_pp"], lang), previous=year - 1, year=year,
                 share=share(n["competitor_share"]), cheap=unit_value(n["competitor_unit_value_usd_per_kg"], lang),
                 own=unit_value(n["exporter_unit_value_usd_per_kg"], lang),
                 imports=usd(n["market_imports_usd"], lang), stake=usd(n["stake_usd"], lang))


def _underrepresented(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    return _text("underrepresented", lang, **names, growth=growth(n["market_growth"]), period=f.period,
                 imports=usd(n["market_imports_usd"], lang), share=share(n["exporter_share"]),
                 average=share(n["average_share"]), stake=usd(n["stake_usd"], lang))


def _cms(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    parts = _text("cms_separator", lang).join(
        _text("cms_part", lang, name=_text(f"effect_{key}", lang), value=signed_usd(n.get(key), lang))
        for key in EFFECTS)
    return _text("cms", lang, **names, verb=_text("cms_rose" if n["change_usd"] >= 0 else "cms_fell", lang),
                 change=usd(abs(n["change_usd"]), lang), base=int(n["base_year"]), end=int(n["end_year"]),
                 path=f"{usd(n['export_value_base_usd'], lang)} → {usd(n['export_value_end_usd'], lang)}",
                 parts=parts, main=_text(f"effect_{f.detail or 'competitiveness_effect_usd'}", lang))


def _nowcast(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    return _text("nowcast", lang, **names, month=month(f.period, lang), markets=int(n["markets_covered"]),
                 value=usd(n["nowcast_value_usd"], lang), growth=growth(n["yoy_growth"]),
                 previous_month=month(f.detail, lang), previous=usd(n["previous_value_usd"], lang))


def _forecast(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    verb = _text(f"direction_{f.detail or 'flat'}", lang)
    return _text("forecast", lang, **names, markets=int(n["markets"]), verb=verb,
                 growth=growth(n["expected_growth"]), month=month(f.period, lang),
                 last=usd(n["last_12m_usd"], lang), following=usd(n["next_12m_usd"], lang),
                 lead=signed_usd(n["lead_change_usd"], lang))


def _vintage(code: str | None, lang: str) -> str:
    """A WEO vintage ``2025-10`` as "October 2025" / "2025年10月版"."""
    if not code or len(code) != 7:
        return "?"
    return _text("vintage", lang, year=code[:4], month=weo_month(code[5:], lang))


def _untapped(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year = int(f.period)
    return _text("untapped", lang, **names, potential=usd(n["potential_usd"], lang), target=year + 5,
                 actual=usd(n["actual_usd"], lang), year=year, untapped=usd(n["untapped_usd"], lang),
                 vintage=_vintage(f.detail, lang))


WRITERS: dict[str, Callable[[Finding, str, dict[str, float], dict[str, str]], str]] = {
    "share_gain": _share_move, "share_loss": _share_move, "undercut": _undercut,
    "underrepresented": _underrepresented, "cms": _cms, "nowcast": _nowcast, "forecast": _forecast,
    "untapped": _untapped,
}


def sentence(finding: Finding, lang: str, config: Config) -> str:
    """The finding as one sentence (or two) in ``lang`` (en or zh)."""
    check_language(lang)
    group = config.group(finding.group).name(lang) if finding.group in config.group_ids else finding.group
    names = {"group": group, "exporter": countries.name(finding.exporter, lang)}
    for role in ("market", "competitor"):
        code = getattr(finding, role)
        if code is not None:
            names[role] = countries.name(code, lang)
    return WRITERS[finding.kind](finding, lang, finding.numbers, names)
