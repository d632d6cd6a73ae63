"""Data & downloads: every table behind the pages, filtered as on screen, as CSV, Excel and Parquet.

One HTML list of every table with its rows under the filters, then the table chosen in a select box
(``?table=``): its Download menu and one preview grid. A heading, captions and a Download menu per table cost
the browser some seventy elements on every view of the page; a grid per table, even folded, one grid each.
"""

from typing import Any

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.status import DATA_TABLES
from tracker.ui import data
from tracker.ui.components import download_buttons, metrics_ready, paged_dataframe, sidebar_view
from tracker.ui.findings_view import findings_table_section
from tracker.ui.i18n import t
from tracker.ui.state import current_language, get_param, set_param
from tracker.ui.tables import Column, html_table

ALL = "*"
FREQUENCIES = ("A", "M")  # trade rows are annual or monthly; one file never mixes them (sums would double-count)
# Which filters apply to which table (the others do not have the column).
TABLE_FILTERS = {
    "group_exporter": ("group", "exporter", "years"),
    "group_market": ("group", "exporter", "market", "years"),
    "group_competition": ("group", "exporter", "market", "years"),
    "group_cms": ("group", "exporter"),
    "group_opportunity": ("group", "market", "years"),
    "group_market_monthly": ("group", "exporter", "market", "years"),
    "group_hs": ("group", "exporter", "years"),
    "tariff": ("group", "exporter", "market", "years"),
    "group_tariff": ("group", "exporter", "market"),
    "group_tariff_margin": ("group", "exporter", "market"),
    "group_export_potential": ("group", "exporter", "market", "years"),
    "group_nowcast": ("group", "exporter", "market", "years"),
    "group_nowcast_backtest": ("group", "exporter"),
    "group_forecast": ("group", "market"),
    "group_demand": ("group", "market"),
    "macro": ("market", "years"),
    "ecommerce": ("group", "market", "years"),
    "trade": ("group", "exporter", "market", "years", "flow"),
}

lang = current_language()
view = sidebar_view(lang, flow=True)
markets = data.markets_available(view.root, view.token, view.group)
wanted = get_param("market")
options = [ALL, *markets]
market_choice = st.sidebar.selectbox(
    t("market", lang), options, index=options.index(wanted) if wanted in options else 0, key="f_dl_market",
    format_func=lambda c: t("markets_all", lang) if c == ALL else f"{country_name(c, lang)} ({c})",
)
set_param("market", None if market_choice == ALL else market_choice)
market = None if market_choice == ALL else market_choice
wanted_frequency = get_param("freq")
frequency = st.sidebar.selectbox(
    t("frequency", lang), FREQUENCIES, index=FREQUENCIES.index(wanted_frequency) if wanted_frequency in FREQUENCIES
    else 0, key="f_dl_frequency", format_func=lambda code: t(f"frequency_{code}", lang),
)
set_param("freq", None if frequency == FREQUENCIES[0] else frequency)

st.title(t("page_downloads", lang))
st.caption(t("downloads_intro", lang))
st.caption(t("downloads_columns_note", lang))
if metrics_ready(view, "group_market", "group_exporter"):
    listed, previews, applied = [], {}, {}
    for table, applies in TABLE_FILTERS.items():
        if table not in DATA_TABLES and not data.has_table(view.root, view.token, table):
            continue
        filters: dict[str, Any] = {
            "group": view.group if "group" in applies else None,
            "exporter": view.exporter if "exporter" in applies else None,
            "market": market if "market" in applies else None,
            "years": view.years.as_tuple if "years" in applies else None,
            "flow": view.flow if "flow" in applies else None,
            "frequency": frequency if table == "trade" else None,
        }
        rows = data.table_rows(view.root, view.token, table, filters["group"], filters["exporter"],
                               filters["market"], filters["years"], view.basis, annual=False, flow=filters["flow"],
                               frequency=filters["frequency"])
        listed.append({"name": t(f"table_{table}", lang), "table": table, "help": t(f"table_{table}_help", lang),
                       "rows": rows.height or None})
        if rows.height:
            previews[table], applied[table] = rows, filters
    listing = pl.DataFrame(listed, schema={"name": pl.String, "table": pl.String, "help": pl.String, "rows": pl.Int64})
    st.html(html_table(listing, [
        Column("name", t("col_table", lang), "text"), Column("help", t("col_description", lang), "text"),
        Column("rows", t("table_rows_filtered", lang), "number", decimals=0),
    ], row_key="table"))
    if previews:
        wanted_table = get_param("table")
        choices = list(previews)
        chosen = st.selectbox(t("preview_table", lang), choices,
                              index=choices.index(wanted_table) if wanted_table in choices else 0,
                              key="f_dl_table", format_func=lambda name: t(f"table_{name}", lang))
        set_param("table", None if chosen == choices[0] else chosen)
        st.caption(t("table_rows_total", lang, total=previews[chosen].height))
        download_buttons(view, chosen, key=f"dl_{chosen}", **applied[chosen])
        paged_dataframe(previews[chosen], lang, f"dl_{chosen}")
    else:
        st.info(t("no_rows_simple", lang), icon=":material/info:")
    findings_table_section(view)
