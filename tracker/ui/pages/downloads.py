"""Data & downloads: every table behind the pages, filtered as on screen, as CSV, Excel and Parquet.

One preview grid at the top shows the table chosen in its select box: a data grid per table, even folded in
expanders, cost the browser one grid each on every view of the page.
"""

import streamlit as st

from tracker.countries import name as country_name
from tracker.status import DATA_TABLES
from tracker.ui import data
from tracker.ui.components import download_buttons, metrics_ready, paged_dataframe, sidebar_view
from tracker.ui.findings_view import findings_table_section
from tracker.ui.i18n import t
from tracker.ui.state import current_language, get_param, set_param

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
    preview = st.container()
    previews = {}
    for table, applies in TABLE_FILTERS.items():
        if table not in DATA_TABLES and not data.has_table(view.root, view.token, table):
            continue
        filters = {
            "group": view.group if "group" in applies else None,
            "exporter": view.exporter if "exporter" in applies else None,
            "market": market if "market" in applies else None,
            "years": view.years.as_tuple if "years" in applies else None,
        }
        st.subheader(t(f"table_{table}", lang))
        st.caption(t(f"table_{table}_help", lang))
        flow = view.flow if "flow" in applies else None
        table_frequency = frequency if table == "trade" else None
        rows = data.table_rows(view.root, view.token, table, filters["group"], filters["exporter"],
                               filters["market"], filters["years"], view.basis, annual=False, flow=flow,
                               frequency=table_frequency)
        if rows.is_empty():
            st.info(t("no_rows_simple", lang), icon=":material/info:")
            continue
        previews[table] = rows
        st.caption(t("table_rows_total", lang, total=rows.height))
        download_buttons(view, table, key=f"dl_{table}", flow=flow, frequency=table_frequency, **filters)
    findings_table_section(view)
    if previews:
        with preview:
            shown = st.selectbox(t("preview_table", lang), list(previews), key="f_dl_preview",
                                 format_func=lambda name: t(f"table_{name}", lang))
            paged_dataframe(previews[shown], lang, f"dl_{shown}")
