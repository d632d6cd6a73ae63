"""Small building blocks shared by the pages: the sidebar filters, download buttons, empty states, paging."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.errors import TrackerError
from tracker.query import BASES, FLOWS  # the choices `python -m tracker export` offers: downloads reproduce
from tracker.ui import data
from tracker.ui.i18n import t, usd_divisor
from tracker.ui.state import (
    Years,
    get_param,
    select_choice,
    select_countries,
    select_country,
    select_group,
    select_sort,
)
from tracker.ui.state import select_years as _select_years
from tracker.ui.tables import Column, html_table, sort_frame

if TYPE_CHECKING:
    from streamlit.elements.lib.column_types import ColumnConfig

    from tracker.config import Config

log = logging.getLogger(__name__)
# What a damaged store raises while a page reads it: the store's own errors (tracker.errors), and the Polars or
# OS error of a file the store has not vetted. Caught around the page (app.py): a box, never a traceback.
STORE_FAILURES = (TrackerError, pl.exceptions.PolarsError, OSError)
_TABLE_IN_MESSAGE = (re.compile(r"table '([a-z_]+)'"), re.compile(r"[/\\]([a-z_]+)[/\\]v\d{6}[/\\]"))
PAGE_ROWS = 200
HTML_PAGE_ROWS = 100
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet"}


@dataclass(frozen=True)
class View:
    """Everything a page needs to read its data: store, language and the filters from the URL."""

    root: str
    token: str
    lang: str
    group: str
    exporter: str
    years: Years
    market: str | None = None
    markets: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    flow: str = "import"
    basis: str = "all"

    @property
    def exporter_name(self) -> str:
        return country_name(self.exporter, self.lang)

    @property
    def group_name(self) -> str:
        return data.config().group(self.group).name(self.lang)


def sidebar_view(lang: str, *, group: bool = True, market: bool = False, markets: bool = False,
                 competitors: bool = False, flow: bool = False, basis: bool = True,
                 preferred_markets: Sequence[str] = ("USA",)) -> View:
    """Render the filters this page uses in the sidebar (values from and to the URL) and return them.

    The market selector starts at the first of ``preferred_markets`` that has data (a page about the EU survey
    prefers the markets it covers)."""
    root = data.root()
    token = data.store_token(root)
    cfg = data.config()
    st.sidebar.subheader(t("filters", lang))
    if group:
        chosen_group = select_group(lang, [(g.id, g.name(lang)) for g in cfg.groups])
    else:
        wanted = get_param("group")
        fallback = "toys" if "toys" in cfg.group_ids else cfg.group_ids[0]
        chosen_group = wanted if wanted in cfg.group_ids else fallback
    scope = [cfg.scope.home_exporter, *cfg.scope.competitors]
    exporters = list(dict.fromkeys([*scope, *data.exporters_available(root, token)]))
    exporter = select_country(lang, exporters, "exporter", cfg.scope.home_exporter, "exporter")
    years = _select_years(lang, data.years_available(root, token))
    available_markets = data.markets_available(root, token, chosen_group) if market or markets else ()
    chosen_market = None
    if market:
        default = next((m for m in preferred_markets if m in available_markets),
                       available_markets[0] if available_markets else preferred_markets[0])
        chosen_market = select_country(lang, available_markets or [default], "market", default, "market")
    chosen_markets: tuple[str, ...] = ()
    if markets:
        chosen_markets = select_countries(lang, available_markets, "markets", (), "markets", "markets_all")
    chosen_competitors: tuple[str, ...] = ()
    if competitors:
        options = [c for c in exporters if c != exporter]
        chosen_competitors = select_countries(lang, options, "competitors", default_competitors(cfg, exporter),
                                              "competitors")
    chosen_flow = select_choice(lang, "flow", FLOWS, "flow", "flow_") if flow else "import"
    chosen_basis = select_choice(lang, "basis", BASES, "basis", "basis_") if basis else "all"
    st.sidebar.caption(t("share_link", lang))
    return View(root, token, lang, chosen_group, exporter, years, chosen_market, chosen_markets, chosen_competitors,
                chosen_flow, chosen_basis)


def default_competitors(cfg: Config, exporter: str, count: int = 5) -> list[str]:
    """The first ``count`` of the home exporter and the configured competitors, the chosen exporter left out:
    with exporter VNM, China (the home exporter) leads its rivals."""
    scope = [cfg.scope.home_exporter, *cfg.scope.competitors]
    return [c for c in dict.fromkeys(scope) if c != exporter][:count]


def damaged_table(root: str, error: BaseException) -> str | None:
    """The table behind a read failure: named in the store's message (tracker.store names it), else the first
    table that cannot be read at all (a Polars error names a file at best)."""
    text = str(error)
    named = next((m.group(1) for pattern in _TABLE_IN_MESSAGE if (m := pattern.search(text))), None)
    return named or data.unreadable_table(root, STORE_FAILURES)


def store_failure(lang: str, error: BaseException) -> None:
    """A friendly error box for a page that could not read the store: which table, and what to run (every page
    that reads the table fails alike, so the box promises nothing about the others). The details (with paths)
    go to the server's log, never to the page."""
    log.error("a dashboard page could not read the store", exc_info=error)
    table = damaged_table(data.root(), error)
    if table is None:
        message = t("store_failure", lang)
    else:  # a metric table is rebuilt from the data; a data table needs `store check` to say what to do
        message = t("store_failure_metric" if table in data.METRIC_TABLES else "store_failure_table", lang, table=table)
    st.error(message, icon=":material/error:")


def metrics_ready(view: View, *tables: str) -> bool:
    """True when every table is stored; otherwise show how to compute it and return False."""
    missing = [table for table in tables if not data.has_table(view.root, view.token, table)]
    if not missing:
        return True
    if len(missing) == len(tables) and not data.stored_tables(view.root, view.token):
        st.info(t("metrics_missing", view.lang), icon=":material/info:")
    else:
        for table in missing:
            st.info(t("table_missing", view.lang, table=table), icon=":material/info:")
    return False


def empty_state(lang: str, what: str, years: Years | str) -> None:
    """A friendly note instead of an empty chart: "No data for Brazil in 2024 yet"."""
    label = years.label if isinstance(years, Years) else years
    st.info(t("no_rows", lang, what=what, years=label), icon=":material/info:")


def download_buttons(view: View, table: str, *, group: str | None = None, exporter: str | None = None,
                     market: str | None = None, years: Sequence[int] | None = None, flow: str | None = None,
                     frequency: str | None = None, key: str = "") -> None:
    """The Download menu for ``table`` with exactly the filters the page shows (its data basis included)."""
    download_menu(view.root, view.token, view.lang, table, group=group, exporter=exporter, market=market,
                  years=years, basis=view.basis, flow=flow, frequency=frequency, key=key)


def download_menu(root: str, token: str, lang: str, table: str, *, group: str | None = None,
                  exporter: str | None = None, market: str | None = None, years: Sequence[int] | None = None,
                  basis: str = "all", flow: str | None = None, frequency: str | None = None,
                  key: str = "") -> None:
    """A "Download" menu with CSV, Excel and Parquet buttons for ``table``, each file built when clicked.

    The buttons sit in a popover, whose content the browser draws only when it is opened: a page load does not
    pay for the download button's script.
    """
    years_tuple = tuple(years) if years else None
    menu = st.popover(t("download", lang), icon=":material/download:")
    frequency_name = {"A": "annual", "M": "monthly"}.get(frequency or "")
    stem = "_".join(str(p) for p in (table, group, exporter, market, frequency_name) if p)
    if years_tuple:
        stem += f"_{min(years_tuple)}-{max(years_tuple)}"
    for fmt in data.DOWNLOAD_FORMATS:
        payload = functools.partial(data.download_bytes, root, token, table, fmt, group, exporter, market,
                                    years_tuple, basis, flow, frequency)
        menu.download_button(
            f"{FORMAT_LABELS[fmt]}", payload, file_name=f"{stem}.{fmt}", mime=MIME[fmt],
            key=f"dl_{key or table}_{fmt}", icon=":material/download:", on_click="ignore",
        )


def paged_dataframe(frame: pl.DataFrame, lang: str, key: str, **kwargs: Any) -> None:
    """Show at most ``PAGE_ROWS`` rows at a time, with a page picker when there are more."""
    total = frame.height
    if total > PAGE_ROWS:
        pages = (total + PAGE_ROWS - 1) // PAGE_ROWS
        page = st.number_input(t("page_number", lang), 1, pages, 1, key=f"page_{key}")
        frame = frame.slice((int(page) - 1) * PAGE_ROWS, PAGE_ROWS)
        st.caption(t("rows_shown", lang, shown=frame.height, total=total))
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


def sorted_table(lang: str, frame: pl.DataFrame, columns: Sequence[Column], default_sort: tuple[str, bool],
                 key: str, row_key: str | None = None, spark_labels: Sequence[object] = ()) -> None:
    """A page's main table as HTML (tracker.ui.tables) under a "sort by" choice kept in ``?sort=``.

    More than ``HTML_PAGE_ROWS`` rows are shown a block at a time, chosen in a selectbox.
    """
    labels = {c.name: c.label for c in columns if c.sortable and c.name in frame.columns}
    sort_slot, rows_slot, _ = st.columns([2, 2, 3])
    with sort_slot:
        column, descending = select_sort(lang, labels, default_sort, key=f"sort_{key}")
    ordered = sort_frame(frame, column, descending)
    total = ordered.height
    if total > HTML_PAGE_ROWS:
        starts = list(range(0, total, HTML_PAGE_ROWS))
        start = rows_slot.selectbox(t("table_rows", lang), starts, key=f"rows_{key}",
                                    format_func=lambda s: f"{s + 1:,}–{min(s + HTML_PAGE_ROWS, total):,} / {total:,}")
        ordered = ordered.slice(start, HTML_PAGE_ROWS)
    # st.html sets the (sanitised) markup directly; st.markdown would parse it in JavaScript, which was slower.
    st.html(html_table(ordered, columns, sorted_by=column, row_key=row_key, spark_labels=spark_labels))


def svg_chart(svg: str) -> None:
    """An inline-SVG chart (tracker.ui.charts.svg_*): through st.markdown, because st.html sanitises SVG away;
    its hover texts are the marks' <title>s, so no chart library loads."""
    st.markdown(svg, unsafe_allow_html=True)


def caveats(lang: str) -> None:
    """The data caveats users ask about, in small print at the foot of each page (one plain element: cheap)."""
    keys = ("caveat_cif_fob", "caveat_latest_year", "caveat_reexports", "caveat_hs", "caveat_revisions",
            "provenance_note")
    st.caption(f"**{t('caveats', lang)}**\n\n" + "\n".join(f"- {t(key, lang)}" for key in keys))


def for_display(frame: pl.DataFrame, lang: str, *, usd: Sequence[str] = (), pct: Sequence[str] = (),
                countries: Sequence[str] = ()) -> pl.DataFrame:
    """Scale USD columns to the language's unit, fractions to percent, and name countries (display only)."""
    divisor = usd_divisor(lang)
    present = set(frame.columns)
    names = {
        c: {code: country_name(code, lang) for code in frame[c].drop_nulls().unique().to_list()}
        for c in countries if c in present
    }
    return frame.with_columns(
        *[(pl.col(c) / divisor).alias(c) for c in usd if c in present],
        *[(pl.col(c) * 100).alias(c) for c in pct if c in present],
        *[pl.col(c).replace_strict(mapping, default=pl.col(c), return_dtype=pl.String).alias(f"{c}_name")
          for c, mapping in names.items()],
    )


def number_columns(lang: str, spec: dict[str, tuple[str, str]]) -> dict[str, ColumnConfig]:
    """Column configs from {column: (label key, printf format)}."""
    return {column: st.column_config.NumberColumn(t(key, lang), format=fmt) for column, (key, fmt) in spec.items()}
