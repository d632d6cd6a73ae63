"""Turn ``ReportContent`` into a bilingual, self-contained HTML or Markdown document.

The content is first laid out as a list of neutral blocks (heading, paragraph, banner, table, chart), then
written by one small writer per format, so both formats always say the same thing. Nothing in the body
depends on the clock: the only time printed is the data's vintage, and a generated-at time only when the
caller passes one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from tracker import countries
from tracker.config import Config
from tracker.findings import sentence
from tracker.formatting import MISSING, fmt_pct, fmt_usd
from tracker.reports.content import (
    ALL_GROUPS,
    GroupSection,
    MarketAccess,
    PotentialRow,
    ReportContent,
    UntappedPotential,
)
from tracker.reports.svg import bar_chart, line_chart

LABELS: dict[str, tuple[str, str]] = {
    "title": ("Export market report", "出口市场报告"),
    "all_groups": ("All product groups", "全部产品组"),
    "home": ("Home exporter", "本国出口方"),
    "period": ("Period", "期间"),
    "sample_banner": ("SAMPLE DATA — the figures below are invented for demonstration, not real trade statistics.",
                      "样例数据 — 以下数字为演示用虚构数据，并非真实贸易统计。"),
    "overview": ("Overview", "概览"),
    "group": ("Product group", "产品组"),
    "headline": ("Headline", "核心指标"),
    "export_value": ("Export value", "出口额"),
    "growth": ("Growth vs previous year", "同比增长"),
    "world_share": ("World market share", "全球市场份额"),
    "rca": ("Revealed comparative advantage (RCA)", "显示性比较优势 (RCA)"),
    "rca_short": ("RCA", "RCA"),
    "year": ("Year", "年份"),
    "month": ("Month", "月份"),
    "monthly_sales": ("Sales to reporting markets this month", "本月对申报市场的销售额"),
    "monthly_growth": ("vs same month a year earlier", "较上年同月"),
    "markets_reporting": ("Reporting markets", "申报市场数"),
    "annual_context": ("Annual figures of", "年度数据："),
    "movers": ("Where our market share moved most", "市场份额变化最大的市场"),
    "risers": ("Share rose most", "份额上升最多"),
    "fallers": ("Share fell most", "份额下降最多"),
    "market": ("Market", "市场"),
    "share": ("Market share", "市场份额"),
    "change_pp": ("Change (pp)", "变化（百分点）"),
    "sales": ("Our sales", "我方销售额"),
    "prices": ("Price positioning (relative unit value)", "价格定位（相对单位价值）"),
    "uv": ("Unit value (USD/kg)", "单位价值（美元/千克）"),
    "uv_competitors": ("Competitors' median (USD/kg)", "竞争者中位数（美元/千克）"),
    "ruv": ("Relative unit value", "相对单位价值"),
    "ruv_note": ("Above 1: priced above the competitors' median; below 1: cheaper.",
                 "大于 1：价格高于竞争者中位数；小于 1：更便宜。"),
    "competitors": ("Competitors", "竞争对手"),
    "exporter": ("Exporter", "出口方"),
    "esi": ("Export similarity with us (median)", "与我方出口相似度（中位数）"),
    "ecommerce": ("E-commerce context", "电子商务背景"),
    "online_pct": ("Individuals buying these goods online (%)", "网购此类商品的个人比例 (%)"),
    "survey_year": ("Survey year", "调查年份"),
    "trend": ("Our export value over time", "我方出口额走势"),
    "findings": ("Findings (most material first)", "要点（按重要性排序）"),
    "no_data": ("No data for this period.", "本期无数据。"),
    "vintage": ("Data sources and vintage", "数据来源与时效"),
    "sources": ("Sources", "来源"),
    "newest_fetch": ("Newest fetch (UTC)", "最近抓取时间 (UTC)"),
    "sample_flag": ("Sample data", "样例数据"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "generated_at": ("Generated at", "生成时间"),
    "access": ("Market access", "市场准入"),
    "access_tariff": ("Tariff faced (%)", "适用关税 (%)"),
    "access_regime": ("Regime", "关税类型"),
    "access_rival": ("Lowest-tariff competitor", "关税最低的竞争者"),
    "access_rival_tariff": ("Its tariff (%)", "其关税 (%)"),
    "access_margin": ("Margin (pp)", "关税差（百分点）"),
    "regime_MFN": ("MFN", "最惠国税率"),
    "regime_PRF": ("preferential", "优惠税率"),
    "regime_mixed": ("partly preferential", "部分优惠"),
    "access_caveat": ("Applied tariffs (WITS TRAINS), averaged over the group's HS6 codes weighted by each market's "
                      "imports; extra duties such as US Section 301/232 and anti-dumping duties are not included.",
                      "实施关税（WITS TRAINS），按各市场对该组 HS6 编码的进口额加权平均；"
                      "不含美国 301/232 条款关税、反倾销税等额外关税。"),
    "potential": ("Untapped potential", "未开发潜力"),
    "potential_value": ("Potential by {year} (USD)", "{year} 年潜力（美元）"),
    "potential_actual": ("Sales in {year}", "{year} 年销售额"),
    "potential_untapped": ("Untapped", "未开发"),
    "potential_why": ("Why", "理由"),
    "potential_intro": ("Where {who} could sell more by {target}, by ITC's export potential method on {year} trade: "
                        "potential minus actual sales, largest first.",
                        "按 ITC 出口潜力方法（基于 {year} 年贸易），{who}到 {target} 年可增加销售的市场："
                        "潜力减实际销售额，从大到小。"),
    "potential_note": ("The potential is a benchmark built on IMF World Economic Outlook projections ({vintage}), "
                       "not a forecast and not a ceiling.",
                       "出口潜力是基于国际货币基金组织《世界经济展望》预测（{vintage}）的基准，既不是预测值也不是上限。"),
    "why_demand": ("demand {direction} {value} in five years", "五年内需求{direction} {value}"),
    "why_grows": ("grows", "增长"),
    "why_shrinks": ("shrinks", "下降"),
    "why_tariff_less": ("{value} pp less tariff than its usual suppliers", "关税比其主要供应国低 {value} 个百分点"),
    "why_tariff_more": ("{value} pp more tariff than its usual suppliers", "关税比其主要供应国高 {value} 个百分点"),
    "why_share_less": ("sells there {value} less than its world share predicts", "销售额比全球份额预示的低 {value}"),
    "why_share_more": ("sells there {value} more than its world share predicts", "销售额比全球份额预示的高 {value}"),
    "method": ("Figures are read from the tracker's metric tables (group_exporter, group_market, "
               "group_market_monthly, group_competition); definitions in the README.",
               "数字取自追踪器的指标表（group_exporter、group_market、group_market_monthly、group_competition），"
               "定义见 README。"),
}

Block = tuple[str, ...] | tuple[str, list[str], list[list[str]]]


def label(key: str, lang: str) -> str:
    en, zh = LABELS[key]
    return zh if lang == "zh" else en


usd = fmt_usd  # the reports format money exactly as the app does


def percent(value: float | None, digits: int = 2) -> str:
    """A 0–1 fraction as a percentage."""
    return fmt_pct(value, digits)


def signed_percent(value: float | None) -> str:
    return fmt_pct(value, 1, signed=True)


def points(value: float | None) -> str:
    return MISSING if value is None else f"{value:+.2f}"


def ratio(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


def _country(code: str, lang: str) -> str:
    return f"{countries.name(code, lang)} ({code})"


@dataclass(frozen=True)
class Document:
    lang: str
    title: str
    blocks: list[Block]


def _section_blocks(section: GroupSection, config: Config, lang: str, level: str) -> list[Block]:
    t: Callable[[str], str] = lambda key: label(key, lang)  # noqa: E731
    group_name = config.group(section.group).name(lang) if section.group in config.group_ids else section.group
    # The id helps an English reader find the group in config; a Chinese heading stays Chinese.
    blocks: list[Block] = [(level, f"{group_name} ({section.group})" if lang == "en" else group_name)]
    if section.headline is None and section.monthly is None:
        return [*blocks, ("p", t("no_data"))]
    if section.monthly is not None:
        m = section.monthly
        blocks.append(("table", [t("month"), t("monthly_sales"), t("monthly_growth"), t("markets_reporting")],
                       [[m.period, usd(m.export_value_usd, lang), signed_percent(m.growth_yoy), str(m.markets)]]))
    if section.headline is not None:
        h = section.headline
        if section.monthly is not None:
            blocks.append(("p", f"{t('annual_context')} {h.year}"))
        blocks.append(("table", [t("year"), t("export_value"), t("growth"), t("world_share"), t("rca")],
                       [[str(h.year), usd(h.export_value_usd, lang), signed_percent(h.growth_yoy),
                         percent(h.world_share), ratio(h.rca)]]))
    if section.findings:
        blocks.append(("h4", t("findings")))
        blocks += [("p", f"{number}. {sentence(finding, lang, config)}")
                   for number, finding in enumerate(section.findings, start=1)]
    if len(section.trend) >= 2:
        blocks.append(("chart", line_chart(section.trend, t("trend"), lambda v: usd(v, lang))))
    if section.risers or section.fallers:
        blocks.append(("h4", t("movers")))
        header = [t("market"), t("share"), t("change_pp"), t("sales")]
        for key, movers in (("risers", section.risers), ("fallers", section.fallers)):
            if movers:
                blocks.append(("p", t(key)))
                blocks.append(("table", header, [
                    [_country(m.market, lang), percent(m.market_share), points(m.change_pp),
                     usd(m.export_value_usd, lang)] for m in movers]))
        bars = [(countries.name(m.market, lang), m.change_pp) for m in (*section.risers, *section.fallers)]
        blocks.append(("chart", bar_chart(bars, t("change_pp"), points)))
    if section.prices:
        blocks.append(("h4", t("prices")))
        blocks.append(("table", [t("market"), t("sales"), t("uv"), t("uv_competitors"), t("ruv")], [
            [_country(p.market, lang), usd(p.export_value_usd, lang), ratio(p.unit_value_usd_per_kg),
             ratio(p.competitors_median_uv_usd_per_kg), ratio(p.relative_unit_value)] for p in section.prices]))
        priced = [(countries.name(p.market, lang), p.relative_unit_value) for p in section.prices
                  if p.relative_unit_value is not None]
        if priced:
            blocks.append(("chart", bar_chart(priced, t("ruv"), ratio, reference=1.0)))
        blocks.append(("p", t("ruv_note")))
    if section.competitors:
        blocks.append(("h4", t("competitors")))
        blocks.append(("table", [t("exporter"), t("export_value"), t("world_share"), t("growth"), t("rca_short"),
                                 t("esi")], [
            [_country(c.exporter, lang), usd(c.export_value_usd, lang), percent(c.world_share),
             signed_percent(c.growth_yoy), ratio(c.rca), ratio(c.median_esi)] for c in section.competitors]))
    if section.market_access is not None and section.market_access.rows:
        blocks += _access_blocks(section.market_access, config, lang)
    if section.potential is not None and section.potential.rows:
        blocks += _potential_blocks(section.potential, config, lang)
    if section.ecommerce:
        blocks.append(("h4", t("ecommerce")))
        blocks.append(("table", [t("market"), t("online_pct"), t("survey_year")], [
            [_country(e.market, lang), f"{e.online_pct:.1f}", str(e.survey_year)] for e in section.ecommerce]))
    return blocks


def access_paragraph(access: MarketAccess, home: str, lang: str) -> str:
    """What the tariffs say, in one paragraph: the sales-weighted tariff, where a competitor pays less."""
    who, count, average = countries.name(home, lang), len(access.rows), access.average_pct
    level = MISSING if average is None else f"{average:.1f}%"
    behind = access.behind
    if lang == "zh":
        text = (f"{access.year} 年关税：在有关税数据的前 {count} 大市场中，{who}的平均适用关税为 {level}"
                f"（按其销售额加权）。")
        if behind:
            gap = behind[0]
            text += (f"其中 {len(behind)} 个市场的关税高于关税最低的竞争者；差距最大的是"
                     f"{countries.name(gap.market, lang)}：{who} {gap.tariff_faced_pct:.1f}%，"
                     f"{countries.name(gap.lowest_tariff_competitor or '', lang)} {gap.min_competitor_tariff_pct:.1f}%"
                     f"（高 {gap.margin_vs_lowest_competitor_pp:.1f} 个百分点）。")
        else:
            text += "在这些市场中，没有竞争者的关税低于它。"
        return text + "不含美国 301/232 条款关税、反倾销税等额外关税。"
    text = (f"Tariffs of {access.year}: in its {count} largest markets with tariff data, {who} faces {level} on "
            f"average (weighted by its sales there). ")
    if behind:
        gap = behind[0]
        text += (f"A competitor pays less in {len(behind)} of them; the widest gap is in "
                 f"{countries.name(gap.market, lang)}: {gap.tariff_faced_pct:.1f}% against "
                 f"{gap.min_competitor_tariff_pct:.1f}% for {countries.name(gap.lowest_tariff_competitor or '', lang)}"
                 f" ({gap.margin_vs_lowest_competitor_pp:+.1f} pp). ")
    else:
        text += "No tracked competitor pays less in any of them. "
    return text + "Extra duties such as US Section 301/232 and anti-dumping duties are not included."


def _access_blocks(access: MarketAccess, config: Config, lang: str) -> list[Block]:
    t: Callable[[str], str] = lambda key: label(key, lang)  # noqa: E731

    def rate(value: float | None) -> str:
        return MISSING if value is None else f"{value:.1f}"

    rows = [[_country(r.market, lang), usd(r.export_value_usd, lang), rate(r.tariff_faced_pct),
             t(f"regime_{r.tariff_type_faced}") if r.tariff_type_faced else MISSING,
             countries.name(r.lowest_tariff_competitor, lang) if r.lowest_tariff_competitor else MISSING,
             rate(r.min_competitor_tariff_pct),
             MISSING if r.margin_vs_lowest_competitor_pp is None else f"{r.margin_vs_lowest_competitor_pp:+.1f}"]
            for r in access.rows]
    return [("h4", t("access")), ("p", access_paragraph(access, config.scope.home_exporter, lang)),
            ("table", [t("market"), t("sales"), t("access_tariff"), t("access_regime"), t("access_rival"),
                       t("access_rival_tariff"), t("access_margin")], rows),
            ("p", t("access_caveat"))]


def potential_reason(row: PotentialRow, lang: str) -> str:
    """Why a market ranks high, in words (the same three numbers as the app's Opportunities page)."""
    t: Callable[..., str] = lambda key, **values: label(key, lang).format(**values)  # noqa: E731
    parts = []
    growth, edge, gap = row.demand_growth, row.tariff_edge_pp, row.share_gap
    if growth is not None:
        parts.append(t("why_demand", value=fmt_pct(abs(growth), 0),
                       direction=label("why_grows" if growth >= 0 else "why_shrinks", lang)))
    if edge is not None and abs(edge) >= 0.5:
        parts.append(t("why_tariff_less" if edge > 0 else "why_tariff_more", value=f"{abs(edge):.1f}"))
    if gap is not None and abs(gap) >= 0.05:
        parts.append(t("why_share_less" if gap < 0 else "why_share_more", value=fmt_pct(abs(gap), 0)))
    return ("；" if lang == "zh" else "; ").join(parts) or MISSING


def _potential_blocks(potential: UntappedPotential, config: Config, lang: str) -> list[Block]:
    t: Callable[..., str] = lambda key, **values: label(key, lang).format(**values)  # noqa: E731
    year, vintage = potential.year, potential.vintage or "?"
    if len(vintage) == 7:
        month = {"04": ("April", "4"), "10": ("October", "10")}.get(vintage[5:], (vintage[5:], vintage[5:]))
        vintage = f"WEO {vintage[:4]} 年{month[1]}月版" if lang == "zh" else f"WEO {month[0]} {vintage[:4]}"
    rows = [[_country(r.market, lang), usd(r.potential_usd, lang), usd(r.actual_usd, lang), usd(r.untapped_usd, lang),
             potential_reason(r, lang)] for r in potential.rows]
    who = countries.name(config.scope.home_exporter, lang)
    return [("h4", t("potential")), ("p", t("potential_intro", who=who, target=year + 5, year=year)),
            ("table", [t("market"), t("potential_value", year=year + 5), t("potential_actual", year=year),
                       t("potential_untapped"), t("potential_why")], rows),
            ("p", t("potential_note", vintage=vintage))]


def layout(content: ReportContent, config: Config, lang: str) -> Document:
    """The report as neutral blocks, in reading order."""
    t: Callable[[str], str] = lambda key: label(key, lang)  # noqa: E731
    scope = t("all_groups") if content.group == ALL_GROUPS else config.group(content.group).name(lang)
    title = f"{t('title')}: {scope}, {content.period}"
    blocks: list[Block] = [("h1", title)]
    if content.vintage.sample:
        blocks.append(("banner", t("sample_banner")))
    blocks.append(("p", f"{t('home')}: {_country(content.home, lang)} · {t('period')}: {content.period}"))
    if content.group == ALL_GROUPS and content.sections:
        rows = [[config.group(s.group).name(lang), usd(s.headline.export_value_usd, lang),
                 signed_percent(s.headline.growth_yoy), percent(s.headline.world_share), ratio(s.headline.rca)]
                for s in content.sections if s.headline is not None]
        blocks += [("h2", t("overview")),
                   ("table", [t("group"), t("export_value"), t("growth"), t("world_share"), t("rca")], rows)]
        shares = [(config.group(s.group).name(lang), s.headline.world_share * 100) for s in content.sections
                  if s.headline is not None and s.headline.world_share is not None]
        blocks.append(("chart", bar_chart(shares, t("world_share"), lambda v: f"{v:.1f}%")))
    if not content.sections:
        blocks.append(("p", t("no_data")))
    for section in content.sections:
        blocks += _section_blocks(section, config, lang, "h2" if content.group != ALL_GROUPS else "h3")
    vintage = content.vintage
    newest = f"{vintage.newest_fetch:%Y-%m-%d %H:%M}" if vintage.newest_fetch else MISSING
    rows = [[t("sources"), ", ".join(vintage.sources) or MISSING], [t("newest_fetch"), newest],
            [t("sample_flag"), t("yes") if vintage.sample else t("no")]]
    if content.generated_at is not None:
        rows.append([t("generated_at"), f"{content.generated_at:%Y-%m-%d %H:%M %Z}".strip()])
    blocks += [("h2", t("vintage")), ("table", ["", ""], rows), ("p", t("method"))]
    return Document(lang, title, blocks)


CSS = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;color:#222;line-height:1.45}table{border-collapse:collapse;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f3f3f3}"
    ".banner{background:#fff3cd;border:2px solid #e0a800;padding:.75rem;font-weight:bold;margin:1rem 0}"
    "figure{margin:.5rem 0 1rem}"
)


def to_html(document: Document) -> str:
    """A complete HTML page with inline CSS and inline SVG: no script, no external resource."""
    html_lang = "zh-CN" if document.lang == "zh" else "en"
    out = [f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
           f"<title>{escape(document.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"]
    for block in document.blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "h4"):
            out.append(f"<{kind}>{escape(str(block[1]))}</{kind}>\n")
        elif kind == "p":
            out.append(f"<p>{escape(str(block[1]))}</p>\n")
        elif kind == "banner":
            out.append(f'<div class="banner" role="alert">{escape(str(block[1]))}</div>\n')
        elif kind == "chart":
            out.append(f"<figure>{block[1]}</figure>\n")
        elif kind == "table":
            header, rows = block[1], block[2]
            head = "".join(f"<th>{escape(h)}</th>" for h in header) if any(header) else ""
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            out.append(f"<table>{'<tr>' + head + '</tr>' if head else ''}{body}</table>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(document: Document) -> str:
    """Markdown; charts become self-contained data-URI SVG images."""
    out: list[str] = []
    levels = {"h1": "#", "h2": "##", "h3": "###", "h4": "####"}
    for block in document.blocks:
        kind = block[0]
        if kind in levels:
            out.append(f"{levels[kind]} {block[1]}\n")
        elif kind == "p":
            out.append(f"{block[1]}\n")
        elif kind == "banner":
            out.append(f"> **{block[1]}**\n")
        elif kind == "chart":
            encoded = base64.b64encode(str(block[1]).encode("utf-8")).decode("ascii")
            out.append(f"![chart](data:image/svg+xml;base64,{encoded})\n")
        elif kind == "table":
            header, rows = list(block[1]), block[2]
            out.append("| " + " | ".join(_md_cell(h) or " " for h in header) + " |")
            out.append("|" + "---|" * len(header))
            out.extend("| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


RENDERERS: dict[str, Callable[[Document], str]] = {"html": to_html, "md": to_markdown}


def render_report(content: ReportContent, config: Config, lang: str, fmt: str) -> str:
    """The report as text in ``lang`` (en, zh) and ``fmt`` (html, md)."""
    if fmt not in RENDERERS:
        raise ValueError(f"format {fmt!r}: expected one of {sorted(RENDERERS)}")
    if lang not in ("en", "zh"):
        raise ValueError(f"language {lang!r}: expected en or zh")
    return RENDERERS[fmt](layout(content, config, lang))
