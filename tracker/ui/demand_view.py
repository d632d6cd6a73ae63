"""The Market page's demand section: the home exporter's monthly nowcast (estimates after the last annual figure
drawn dashed and labelled) and the market's 12-month import forecast with its 80 % and 95 % bands."""

from __future__ import annotations

from typing import cast

import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.forecast import MIN_HISTORY_MONTHS
from tracker.ui import charts, data
from tracker.ui.components import View, download_menu, metrics_ready, svg_chart
from tracker.ui.i18n import MISSING, fmt_pct, fmt_usd, t

BAND_95, BAND_80 = "#1f77b41f", "#1f77b440"  # the forecast's blue, translucent (12 % and 25 %)
HISTORY_COLOUR = "#1f77b4"
ESTIMATE_COLOUR = "#d62728"
DEMAND_TABLE_NAMES = ("group_nowcast", "group_nowcast_backtest", "group_forecast", "group_demand")


def nowcast_chart(rows: pl.DataFrame, lang: str, title: str) -> str:
    """Benchmarked months solid; the months after the last benchmarked one dashed (joined to it), in their own
    colour, shaded and labelled estimate."""
    rows = rows.sort("period")
    periods = rows["period"].to_list()
    values = rows["nowcast_value_usd"].to_list()
    benchmarked = rows["benchmarked"].to_list()
    last = max((p for p, done in zip(periods, benchmarked, strict=True) if done), default=None)
    after = [p for p in periods if last is None or p > last]
    benchmarked_label, estimate_label = t("nowcast_benchmarked", lang), t("nowcast_estimate", lang)
    lines: dict[str, list[float | None]] = {}
    if last is not None:
        lines[benchmarked_label] = [v if done else None for v, done in zip(values, benchmarked, strict=True)]
    if after:
        lines[estimate_label] = [v if last is None or p >= last else None for p, v in zip(periods, values, strict=True)]
    return charts.svg_band_lines(periods, lines, lang, title, t("usd_unit", lang), dashed={estimate_label},
                                 colours={benchmarked_label: HISTORY_COLOUR, estimate_label: ESTIMATE_COLOUR},
                                 shade=(after[0], after[-1], estimate_label) if after else None)


def forecast_chart(history: pl.DataFrame, forecast: pl.DataFrame, lang: str, title: str) -> str:
    """Recorded monthly imports, the median forecast dashed, and its 95 % and 80 % bands."""
    recorded = dict(zip(history["period"].to_list(), history["market_imports_usd"].to_list(), strict=True))
    ahead = {r["period"]: r for r in forecast.iter_rows(named=True)}
    periods = sorted(recorded.keys() | ahead.keys())

    def column(name: str) -> list[float | None]:
        return [ahead[p][name] if p in ahead else None for p in periods]

    recorded_label, median_label = t("forecast_history", lang), t("forecast_median", lang)
    lines = {recorded_label: [recorded.get(p) for p in periods], median_label: column("forecast_usd")}
    bands = {t("forecast_band95", lang): (column("lo95_usd"), column("hi95_usd")),
             t("forecast_band80", lang): (column("lo80_usd"), column("hi80_usd"))}
    colours = {recorded_label: HISTORY_COLOUR, median_label: HISTORY_COLOUR, t("forecast_band95", lang): BAND_95,
               t("forecast_band80", lang): BAND_80}
    return charts.svg_band_lines(periods, lines, lang, title, t("usd_unit", lang), dashed={median_label},
                                 colours=colours, bands=bands)


def _nowcast(view: View, market: str, market_name: str) -> None:
    cfg = data.config()
    home = cfg.scope.home_exporter
    home_name = country_name(home, view.lang)
    rows = data.table_rows(view.root, view.token, "group_nowcast", group=view.group, exporter=home, market=market,
                           annual=False)
    if view.exporter != home:
        st.caption(t("nowcast_home_only", view.lang, exporter=home_name))
    if rows.is_empty():
        st.info(t("nowcast_none", view.lang, market=market_name, exporter=home_name), icon=":material/info:")
        return
    title = t("nowcast_title", view.lang, exporter=home_name, market=market_name)
    svg_chart(nowcast_chart(rows, view.lang, title))
    benchmarked = rows.filter(pl.col("benchmarked"))
    factor = f"{cfg.scope.cif_fob_factor:g}"
    if benchmarked.height:
        st.caption(t("nowcast_caption", view.lang, market=market_name, exporter=home_name, factor=factor,
                     last=benchmarked.get_column("period").max()))
    else:
        st.caption(t("nowcast_caption_unbenchmarked", view.lang, market=market_name, exporter=home_name,
                     factor=factor))
    st.caption(backtest_text(view, home_name))
    download(view, "group_nowcast", group=view.group, exporter=home, market=market, key="demand_nowcast")


def download(view: View, table: str, **filters: str) -> None:
    """The Download menu for a demand table: every row is ``estimated``, so the page's data basis (reported /
    mirror) never applies (it would empty the file)."""
    download_menu(view.root, view.token, view.lang, table, basis="all", **filters)  # type: ignore[arg-type]


def backtest_text(view: View, exporter_name: str) -> str:
    """The group's nowcast MAPE in a sentence, or why there is none."""
    backtest = data.table_rows(view.root, view.token, "group_nowcast_backtest", group=view.group)
    if backtest.is_empty():
        return t("nowcast_backtest_none", view.lang, exporter=exporter_name)
    row = backtest.row(0, named=True)
    years = str(row["first_year"]) if row["first_year"] == row["last_year"] else \
        f"{row['first_year']}–{row['last_year']}"
    return t("nowcast_backtest", view.lang, mape=fmt_pct(row["mape"]), exporter=exporter_name,
             n=row["market_years"], years=years)


def _forecast(view: View, market: str, market_name: str) -> None:
    demand = data.table_rows(view.root, view.token, "group_demand", group=view.group, market=market)
    if demand.is_empty():
        st.info(t("forecast_none", view.lang, market=market_name), icon=":material/info:")
        return
    row = demand.row(0, named=True)
    if row["note"] is not None:
        st.info(t("forecast_not_enough_history", view.lang, months=row["history_months"],
                  needed=MIN_HISTORY_MONTHS), icon=":material/info:")
        return
    forecast = data.table_rows(view.root, view.token, "group_forecast", group=view.group, market=market)
    history = (data.table_rows(view.root, view.token, "group_market_monthly", group=view.group, market=market,
                               annual=False)
               .select("period", "market_imports_usd").drop_nulls().unique("period"))
    title = t("forecast_title", view.lang, market=market_name, group=view.group_name)
    svg_chart(forecast_chart(history, forecast, view.lang, title))
    st.caption(forecast_text(row, view.lang))
    download(view, "group_forecast", group=view.group, market=market, key="demand_forecast")


def forecast_text(row: dict[str, object], lang: str) -> str:
    """Model, outlook and backtest verdict of one group_demand row, in ``lang``."""
    growth = cast("float | None", row["expected_growth"])
    parts = [t("forecast_model", lang) + ".",
             t("forecast_outlook", lang, next=fmt_usd(row["next_12m_usd"], lang),  # type: ignore[arg-type]
               last=fmt_usd(row["last_12m_usd"], lang),  # type: ignore[arg-type]
               growth=fmt_pct(growth, signed=True) if growth is not None else MISSING)]
    beats = row["beats_seasonal_naive"]
    if beats is None:
        parts.append(t("forecast_no_backtest", lang))
    else:
        parts.append(t("forecast_beats" if beats else "forecast_loses", lang,
                       model=fmt_usd(row["model_mae_usd"], lang),  # type: ignore[arg-type]
                       naive=fmt_usd(row["naive_mae_usd"], lang)))  # type: ignore[arg-type]
    return " ".join(parts)


def market_demand(view: View, market: str) -> None:
    """The Market page's demand section for the chosen group and ``market``."""
    market_name = country_name(market, view.lang)
    st.subheader(t("demand_section", view.lang))
    if not metrics_ready(view, *DEMAND_TABLE_NAMES):
        return
    _nowcast(view, market, market_name)
    _forecast(view, market, market_name)
