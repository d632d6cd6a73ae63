"""Findings as sentences in English and Chinese, with their numbers formatted as everywhere else.

Money follows ``tracker.formatting.fmt_usd`` ($ m / $ bn in English, 万美元 / 亿美元 in Chinese), shares are
percentages with one decimal, share changes percentage points with two (``pp`` / ``个百分点``). Names come from
the config (groups) and the country reference, so a Chinese sentence holds no English word.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker import countries
from tracker.config import Config
from tracker.findings.facts import Finding
from tracker.formatting import MISSING, fmt_pct, fmt_usd, is_missing

PP_UNIT = {"en": "pp", "zh": "个百分点"}
UV_UNIT = {"en": "USD/kg", "zh": "美元/千克"}
EFFECT_NAMES = {
    "world_growth_effect_usd": ("world demand", "世界需求"),
    "product_mix_effect_usd": ("the product mix", "产品结构"),
    "market_mix_effect_usd": ("the market mix", "市场结构"),
    "competitiveness_effect_usd": ("competitiveness", "竞争力"),
}
DIRECTIONS = {"up": ("rise", "增长"), "down": ("fall", "下降"), "flat": ("stay about flat", "基本持平")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def usd(value: float | None, lang: str) -> str:
    return fmt_usd(value, lang)


def signed_usd(value: float | None, lang: str) -> str:
    """``+$45.6 m`` / ``-1.20 亿美元``: the sign in front of the unit."""
    if value is None or is_missing(value):
        return MISSING
    return ("+" if value >= 0 else "-") + fmt_usd(abs(value), lang)


def pp(value: float | None, lang: str) -> str:
    """Percentage points without a sign: the sentence's verb (rose, fell) says which way."""
    return MISSING if value is None or is_missing(value) else f"{abs(value):.2f} {PP_UNIT[lang]}"


def share(value: float | None) -> str:
    return fmt_pct(value, 1)


def growth(value: float | None) -> str:
    return fmt_pct(value, 1, signed=True)


def unit_value(value: float | None, lang: str) -> str:
    return MISSING if value is None or is_missing(value) else f"{value:,.2f} {UV_UNIT[lang]}"


def _share_move(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year, change = int(f.period), pp(n["change_pp"], lang)
    if lang == "zh":
        verb = "上升" if n["change_pp"] > 0 else "下降"
        return (f"{names['market']}：{names['exporter']}在该市场{names['group']}进口中的份额较{year - 1}年{verb} "
                f"{change}，{year}年为 {share(n['market_share'])}；该市场进口额 {usd(n['market_imports_usd'], lang)}，"
                f"涉及销售额约 {usd(n['stake_usd'], lang)}。")
    verb = "rose" if n["change_pp"] > 0 else "fell"
    return (f"{names['market']}: {names['exporter']}'s share of the market's {names['group']} imports {verb} "
            f"{change} since {year - 1}, to {share(n['market_share'])} in {year}; with imports of "
            f"{usd(n['market_imports_usd'], lang)}, about {usd(n['stake_usd'], lang)} of sales at stake.")


def _undercut(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year = int(f.period)
    cheap, own = (unit_value(n["competitor_unit_value_usd_per_kg"], lang),
                  unit_value(n["exporter_unit_value_usd_per_kg"], lang))
    if lang == "zh":
        return (f"{names['competitor']}在{names['market']}{names['group']}进口中的份额较{year - 1}年上升 "
                f"{pp(n['change_pp'], lang)}，{year}年达 {share(n['competitor_share'])}，而其单位价值低于"
                f"{names['exporter']}（{cheap}，对比 {own}）；该市场进口额 {usd(n['market_imports_usd'], lang)}，"
                f"涉及约 {usd(n['stake_usd'], lang)}。")
    return (f"{names['competitor']} gained {pp(n['change_pp'], lang)} of the {names['market']} market for "
            f"{names['group']} since {year - 1}, reaching {share(n['competitor_share'])} in {year}, while selling "
            f"below {names['exporter']}'s price ({cheap} against {own}); market imports "
            f"{usd(n['market_imports_usd'], lang)}, about {usd(n['stake_usd'], lang)} at stake.")


def _underrepresented(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    if lang == "zh":
        return (f"{names['market']}是{names['group']}的快速增长市场（年均增长 {growth(n['market_growth'])}，"
                f"{f.period}年进口额 {usd(n['market_imports_usd'], lang)}），但{names['exporter']}在该市场的份额仅 "
                f"{share(n['exporter_share'])}，低于其在各市场的总体份额 {share(n['average_share'])}；"
                f"每年新增需求约 {usd(n['stake_usd'], lang)}。")
    return (f"{names['market']} is a fast-growing market for {names['group']} ({growth(n['market_growth'])} a "
            f"year, imports of {usd(n['market_imports_usd'], lang)} in {f.period}), but {names['exporter']} holds "
            f"{share(n['exporter_share'])} of it against {share(n['average_share'])} across its markets: about "
            f"{usd(n['stake_usd'], lang)} of new demand a year.")


def _cms(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    base, end = int(n["base_year"]), int(n["end_year"])
    effects = [(_pick(EFFECT_NAMES[key], lang), signed_usd(n.get(key), lang)) for key in EFFECT_NAMES]
    main = _pick(EFFECT_NAMES[f.detail or "competitiveness_effect_usd"], lang)
    path = f"{usd(n['export_value_base_usd'], lang)} → {usd(n['export_value_end_usd'], lang)}"
    change = usd(abs(n["change_usd"]), lang)
    if lang == "zh":
        verb = "增加" if n["change_usd"] >= 0 else "减少"
        parts = "，".join(f"{name} {value}" for name, value in effects)
        return (f"{names['exporter']}{names['group']}对所覆盖市场的销售额从{base}年到{end}年{verb}了 {change}"
                f"（{path}）。恒定市场份额分解将其归因于：{parts}；其中最大的是{main}。")
    verb = "rose" if n["change_usd"] >= 0 else "fell"
    parts = ", ".join(f"{value} to {name}" for name, value in effects)
    return (f"{names['exporter']}'s sales of {names['group']} to the covered markets {verb} by {change} from "
            f"{base} to {end} ({path}). The constant-market-share decomposition attributes {parts}; the largest "
            f"part is {main}.")


def _month_zh(period: str | None) -> str:
    """``YYYY-MM`` as a Chinese reader writes it (2025年3月); anything else unchanged."""
    if period and len(period) == 7 and period[4] == "-":
        return f"{period[:4]}年{int(period[5:])}月"
    return period or ""


def _nowcast(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    markets = int(n["markets_covered"])
    if lang == "zh":
        return (f"{_month_zh(f.period)}即时估计：{names['exporter']}对所覆盖的 {markets} 个市场的{names['group']}出口"
                f"估计为 {usd(n['nowcast_value_usd'], lang)}，较{_month_zh(f.detail)}"
                f"（{usd(n['previous_value_usd'], lang)}）变化 "
                f"{growth(n['yoy_growth'])}；依据各市场的进口记录估算。")
    return (f"Nowcast for {f.period}: {names['exporter']}'s exports of {names['group']} to the {markets} covered "
            f"markets are estimated at {usd(n['nowcast_value_usd'], lang)}, {growth(n['yoy_growth'])} on "
            f"{f.detail} ({usd(n['previous_value_usd'], lang)}); an estimate from the markets' import records.")


def _forecast(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    verb = _pick(DIRECTIONS[f.detail or "flat"], lang)
    markets = int(n["markets"])
    last, following = usd(n["last_12m_usd"], lang), usd(n["next_12m_usd"], lang)
    lead = signed_usd(n["lead_change_usd"], lang)
    if lang == "zh":
        return (f"预测：{markets} 个市场的{names['group']}进口预计自{_month_zh(f.period)}起的 12 个月内{verb}"
                f"（{growth(n['expected_growth'])}），由 {last} 至 {following}；"
                f"变化最大的是{names['market']}（{lead}）。")
    return (f"Forecast: the {markets} markets' imports of {names['group']} are expected to {verb} "
            f"({growth(n['expected_growth'])}) over the 12 months from {f.period}, from {last} to {following}; "
            f"the largest change is in {names['market']} ({lead}).")


def _vintage(code: str | None, lang: str) -> str:
    """A WEO vintage ``2025-10`` as "October 2025" / "2025年10月版"."""
    if not code or len(code) != 7:
        return "?"
    month = {"04": ("April", "4"), "10": ("October", "10")}.get(code[5:], (code[5:], code[5:]))
    return f"{code[:4]}年{month[1]}月版" if lang == "zh" else f"{month[0]} {code[:4]}"


def _untapped(f: Finding, lang: str, n: dict[str, float], names: dict[str, str]) -> str:
    year = int(f.period)
    if lang == "zh":
        return (f"未开发潜力：按 ITC 出口潜力方法，{names['exporter']}在{names['market']}的{names['group']}出口潜力"
                f"（{year + 5}年）为 {usd(n['potential_usd'], lang)}，{year}年实际销售额 {usd(n['actual_usd'], lang)}，"
                f"尚有约 {usd(n['untapped_usd'], lang)} 未开发；这是基于 IMF《世界经济展望》{_vintage(f.detail, lang)}"
                f"预测的基准，不是预测值，也不是上限。")
    return (f"Untapped potential: by ITC's export potential method, {names['exporter']} could sell "
            f"{usd(n['potential_usd'], lang)} of {names['group']} in {names['market']} by {year + 5} against "
            f"{usd(n['actual_usd'], lang)} in {year}, about {usd(n['untapped_usd'], lang)} untapped; a benchmark "
            f"built on IMF World Economic Outlook projections ({_vintage(f.detail, lang)}), not a forecast or a "
            "ceiling.")


WRITERS: dict[str, Callable[[Finding, str, dict[str, float], dict[str, str]], str]] = {
    "share_gain": _share_move, "share_loss": _share_move, "undercut": _undercut,
    "underrepresented": _underrepresented, "cms": _cms, "nowcast": _nowcast, "forecast": _forecast,
    "untapped": _untapped,
}


def sentence(finding: Finding, lang: str, config: Config) -> str:
    """The finding as one sentence (or two) in ``lang`` (en or zh)."""
    if lang not in PP_UNIT:
        raise ValueError(f"language {lang!r}: expected en or zh")
    group = config.group(finding.group).name(lang) if finding.group in config.group_ids else finding.group
    names = {"group": group, "exporter": countries.name(finding.exporter, lang)}
    for role in ("market", "competitor"):
        code = getattr(finding, role)
        if code is not None:
            names[role] = countries.name(code, lang)
    return WRITERS[finding.kind](finding, lang, finding.numbers, names)
