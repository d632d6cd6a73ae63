"""Product group: where one exporter wins and loses, market by market, with trends, competitors and HS codes.

Only the section chosen with the buttons under the headline (``?section=``) is drawn, so the page stays fast:
markets (map and table, the default), trends, top exporters, HS codes.
"""

from html import escape

import polars as pl
import streamlit as st

from tracker.config import ProductGroup
from tracker.countries import name as country_name
from tracker.ui import charts, data, tariff_view
from tracker.ui.components import (
    View,
    caveats,
    download_buttons,
    empty_state,
    for_display,
    metrics_ready,
    number_columns,
    sidebar_view,
    sorted_table,
)
from tracker.ui.findings_view import findings_section
from tracker.ui.hs import describe
from tracker.ui.i18n import fmt_number, fmt_pct, fmt_pp, fmt_usd, labelled, t
from tracker.ui.state import current_language, select_section
from tracker.ui.tables import Column

SECTIONS = ("markets", "trends", "exporters", "hs")


def headline(view: View, own: pl.DataFrame) -> None:
    """The exporter's export value, world share, RCA and market concentration in the last year, on one line."""
    latest = own.filter(pl.col("year") == view.years.last) if own.height else own
    if not latest.height:
        return
    row = latest.row(0, named=True)
    lang = view.lang
    growth = f" ({100 * row['growth_yoy']:+.1f}%)" if row["growth_yoy"] is not None else ""
    value = fmt_usd(row["export_value_usd"], lang).replace("$", "\\$")  # no LaTeX in markdown
    st.markdown(
        f"**{t('kpi_exports', lang, year=view.years.last)}** {value}{growth}"
        f" · **{t('kpi_world_share', lang)}** {fmt_pct(row['world_share'], 2)}"
        f" · **{t('col_rca', lang)}** {fmt_number(row['rca'])}"
        f" · **{t('col_hhi', lang)}** {fmt_number(row['hhi_markets'], 3)}"
    )


def markets_section(view: View, group: ProductGroup) -> None:
    """Tile map of market share, winners and losers, and the table of markets."""
    lang, year = view.lang, view.years.last
    rows = data.group_market_rows(view.root, view.token, view.group, view.exporter, view.years.as_tuple,
                                  view.basis)
    latest = rows.filter(pl.col("year") == year) if rows.height else rows
    if view.markets and latest.height:
        latest = latest.filter(pl.col("market").is_in(list(view.markets)))
    if latest.is_empty():
        empty_state(lang, f"{view.exporter_name} · {group.name(lang)}", str(year))
        return
    latest, tariff_year = tariff_view.with_market_tariffs(view, latest)
    left, right = st.columns([3, 1])
    with left:
        # Plain HTML tiles through st.html: no Markdown parse of an SVG, no plotly.js.
        st.html(charts.tile_map(latest, "market_share", lang,
                                t("map_title", lang, exporter=view.exporter_name, year=year),
                                "market_share_change_pp"))
        st.caption(t("map_help", lang))
    with right:
        ranked = latest.filter(pl.col("market_share_change_pp").is_not_null()).sort("market_share_change_pp")
        lines = []
        for title, part in ((t("winning", lang), ranked.reverse().head(5)), (t("losing", lang), ranked.head(5))):
            lines.append(f"**{title}**\n")
            lines += [f"- {country_name(r['market'], lang)}: {fmt_pp(r['market_share_change_pp'], lang)}"
                      for r in part.iter_rows(named=True)]
            lines.append("")
        st.markdown("\n".join(lines))

    st.subheader(t("markets_table", lang))
    query = f"lang={lang}&group={view.group}&exporter={view.exporter}&years={view.years.first}-{view.years.last}"
    shown = for_display(latest, lang, usd=["export_value_usd", "market_imports_usd"],
                        pct=["market_share", "market_import_growth"], countries=["market"])
    shown = shown.with_columns(
        region=pl.col("market").replace_strict(data.regions(), default=None),
        market_link=pl.format("./market?market={}&" + query, pl.col("market")),
    ).with_columns(labelled("region", "region_", lang), labelled("provenance", "provenance_", lang))
    columns = [
        Column("market_name", t("col_market", lang), "link", href="market_link", help=t("open_market_help", lang)),
        Column("market", "ISO3", "text"),
        Column("region", t("col_region", lang), "text"),
        Column("export_value_usd", t("col_export_value", lang)),
        Column("market_share", t("col_market_share", lang)),
        Column("market_share_change_pp", t("col_share_change", lang), "signed"),
        Column("market_imports_usd", t("col_market_imports", lang)),
        Column("market_import_growth", t("col_market_import_growth", lang), "signed", decimals=1),
        Column("unit_value_usd_per_kg", t("col_unit_value", lang)),
        Column("competitors_median_uv_usd_per_kg", t("col_competitors_uv", lang)),
        Column("relative_unit_value", t("col_relative_uv", lang)),
        *tariff_view.market_table_columns(lang, shown),
        Column("provenance", t("col_provenance", lang), "text", help=t("provenance_note", lang)),
    ]
    sorted_table(lang, shown, columns, ("export_value_usd", True), key="group_markets", row_key="market")
    tariff_view.caveat(lang, tariff_year)
    download_buttons(view, "group_market", group=view.group, exporter=view.exporter, years=view.years.as_tuple,
                     key="group_market")


def trends_section(view: View, own: pl.DataFrame) -> None:
    """The exporter's export value and world share over the chosen years."""
    lang = view.lang
    if own.is_empty():
        empty_state(lang, view.exporter_name, view.years)
        return
    left, right = st.columns(2)
    left.plotly_chart(
        charts.lines(own, "year", "export_value_usd", "exporter", lang,
                     t("trend_exports", lang, exporter=view.exporter_name), t("usd_unit", lang)),
        key="group_trend_exports", config=charts.PLOT_CONFIG,
    )
    right.plotly_chart(
        charts.lines(own, "year", "world_share", "exporter", lang, t("trend_share", lang), "%", kind="pct"),
        key="group_trend_share", config=charts.PLOT_CONFIG,
    )
    download_buttons(view, "group_exporter", group=view.group, exporter=view.exporter, years=view.years.as_tuple,
                     key="group_trends")


def exporters_section(view: View, group: ProductGroup) -> None:
    """The group's largest exporters in the last year with their world shares and specialisation."""
    lang, year = view.lang, view.years.last
    rivals = data.table_rows(view.root, view.token, "group_exporter", group=view.group, years=(year,),
                             basis=view.basis)
    if rivals.is_empty():
        empty_state(lang, group.name(lang), str(year))
        return
    st.subheader(t("top_competitors", lang))
    shown = for_display(rivals.sort("export_value_usd", descending=True).head(15), lang, usd=["export_value_usd"],
                        pct=["world_share", "growth_yoy", "cagr_5y"], countries=["exporter"])
    config = {
        "exporter_name": st.column_config.TextColumn(t("col_exporter", lang), pinned=True),
        **number_columns(lang, {
            "export_value_usd": ("col_export_value", "%.2f"),
            "world_share": ("col_world_share", "%.2f"),
            "growth_yoy": ("col_growth", "%+.1f"),
            "cagr_5y": ("col_cagr", "%+.1f"),
            "rca": ("col_rca", "%.2f"),
            "tc_index": ("col_tc", "%.2f"),
        }),
    }
    columns = ["exporter_name", "export_value_usd", "world_share", "growth_yoy", "cagr_5y", "rca", "tc_index"]
    st.dataframe(shown.select(columns), hide_index=True, width="stretch", column_config=config)
    st.caption(t("top_competitors_uv", lang))
    download_buttons(view, "group_exporter", group=view.group, years=(year,), key="group_exporters")


def hs_section(view: View, group: ProductGroup, ready: bool) -> None:
    """The group's HS codes, what they cover, and how much of the exporter's sales each one makes."""
    lang, year = view.lang, view.years.last
    st.subheader(t("hs_breakdown", lang))
    codes = pl.DataFrame({
        "hs_code": list(group.hs_codes),
        "description": [describe(code, lang) for code in group.hs_codes],
    })
    rows = (data.table_rows(view.root, view.token, "group_hs", group=view.group, exporter=view.exporter,
                            years=(year,)) if ready else pl.DataFrame())
    if rows.is_empty():
        st.table(codes.rename({"hs_code": t("col_hs_code", lang), "description": t("col_description", lang)}))
        st.caption(t("hs_breakdown_note", lang))
        return
    shown = for_display(rows.sort("export_value_usd", descending=True), lang, usd=["export_value_usd"],
                        pct=["share_of_group", "growth_yoy"])
    shown = shown.join(codes, on="hs_code", how="left")
    config = {
        "hs_code": st.column_config.TextColumn(t("col_hs_code", lang), pinned=True),
        "description": st.column_config.TextColumn(t("col_description", lang)),
        **number_columns(lang, {
            "export_value_usd": ("col_export_value", "%.2f"),
            "share_of_group": ("col_share_of_group", "%.1f"),
            "growth_yoy": ("col_growth", "%+.1f"),
        }),
    }
    columns = ["hs_code", "description", "export_value_usd", "share_of_group", "growth_yoy"]
    st.dataframe(shown.select(columns), hide_index=True, width="stretch", column_config=config)
    st.caption(t("hs_values_note", lang, exporter=view.exporter_name, year=year))
    download_buttons(view, "group_hs", group=view.group, exporter=view.exporter, years=(year,), key="group_hs")


lang = current_language()
view = sidebar_view(lang, markets=True)
group = data.config().group(view.group)
st.title(group.name(lang))
if group.proxy:
    st.warning(t("proxy_note", lang), icon=":material/extension:")
if group.note(lang):  # notes / notes_zh in config; none in Chinese: nothing, never the English ones
    # Config text as typed, escaped HTML: through Markdown, an image in it was fetched and a URL became a link.
    st.html(f'<p class="group-notes" style="font-size:.875rem;opacity:.75;margin:0">{escape(group.note(lang))}</p>')
ready = metrics_ready(view, "group_market", "group_exporter")
own = (data.table_rows(view.root, view.token, "group_exporter", group=view.group, exporter=view.exporter,
                       years=view.years.as_tuple, basis=view.basis) if ready else pl.DataFrame())
headline(view, own)
if ready:
    findings_section(view, view.group)
section = select_section(lang, SECTIONS)
if section == "hs":
    hs_section(view, group, ready)
elif ready and section == "markets":
    markets_section(view, group)
elif ready and section == "trends":
    trends_section(view, own)
elif ready and section == "exporters":
    exporters_section(view, group)
caveats(lang)
