"""Turn ``ReportContent`` into a bilingual, self-contained HTML or Markdown document.

The content is first laid out as a list of neutral blocks (heading, paragraph, banner, table, chart), then
written by one small writer per format, so both formats always say the same thing. Nothing in the body
depends on the clock: the only time printed is the data's vintage, and a generated-at time only when the
caller passes one. The texts and sentence templates are in ``tracker.texts.reports``.
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
from tracker.texts import check_language, join, text, weo_month

Block = tuple[str, ...] | tuple[str, list[str], list[list[str]]]


def label(key: str, lang: str, **values: object) -> str:
    """The report text ``key`` in ``lang`` (``tracker.texts.reports``), its fields filled from ``values``."""
    return text("reports", key, lang, **values)


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
    blocks: list[Block] = [(level, label("group_heading", lang, name=group_name, id=section.group))]
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
    out = label("access_intro", lang, year=access.year, count=count, who=who, level=level)
    if behind:
        gap = behind[0]
        out += label("access_behind", lang, behind=len(behind), market=countries.name(gap.market, lang), who=who,
                     own=gap.tariff_faced_pct, rival=countries.name(gap.lowest_tariff_competitor or "", lang),
                     rival_rate=gap.min_competitor_tariff_pct, margin=gap.margin_vs_lowest_competitor_pp)
    else:
        out += label("access_none_behind", lang)
    return out + label("access_extra_duties", lang)


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
    t: Callable[..., str] = lambda key, **values: label(key, lang, **values)  # noqa: E731
    parts = []
    growth, edge, gap = row.demand_growth, row.tariff_edge_pp, row.share_gap
    if growth is not None:
        parts.append(t("why_demand", value=fmt_pct(abs(growth), 0),
                       direction=label("why_grows" if growth >= 0 else "why_shrinks", lang)))
    if edge is not None and abs(edge) >= 0.5:
        parts.append(t("why_tariff_less" if edge > 0 else "why_tariff_more", value=f"{abs(edge):.1f}"))
    if gap is not None and abs(gap) >= 0.05:
        parts.append(t("why_share_less" if gap < 0 else "why_share_more", value=fmt_pct(abs(gap), 0)))
    return join(parts, lang) or MISSING


def _potential_blocks(potential: UntappedPotential, config: Config, lang: str) -> list[Block]:
    t: Callable[..., str] = lambda key, **values: label(key, lang, **values)  # noqa: E731
    year, vintage = potential.year, potential.vintage or "?"
    if len(vintage) == 7:
        vintage = t("weo_vintage", year=vintage[:4], month=weo_month(vintage[5:], lang))
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
    html_lang = text("common", "html_lang", document.lang)
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
    return RENDERERS[fmt](layout(content, config, check_language(lang)))
