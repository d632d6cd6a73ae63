"""The Market page's demand section: the home exporter's monthly nowcast (estimates after the last annual figure
drawn dashed and labelled) and the market's 12-month import forecast with its 80 % and 95 % bands."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from tracker.countries import name as country_name
from tracker.forecast import MIN_HISTORY_MONTHS
from tracker.ui import data
from tracker.ui.charts import MONTH_FORMAT, PLOT_CONFIG
from tracker.ui.components import View, download_menu, metrics_ready
from tracker.ui.i18n import MISSING, fmt_pct, fmt_usd, t, usd_divisor

HEIGHT = 380
BAND_95, BAND_80 = "rgba(31, 119, 180, 0.12)", "rgba(31, 119, 180, 0.25)"
ESTIMATE_COLOUR = "#d62728"
DEMAND_TABLE_NAMES = ("group_nowcast", "group_nowcast_backtest", "group_forecast", "group_demand")


def _figure(fig: go.Figure, title: str, lang: str) -> go.Figure:
    fig.update_layout(title=title, height=HEIGHT, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      hovermode="x unified", legend={"orientation": "h", "y": -0.15})
    fig.update_xaxes(type="date", tickformat=MONTH_FORMAT[lang], hoverformat=MONTH_FORMAT[lang])
    fig.update_yaxes(title=t("usd_unit", lang))
    return fig


def _line(periods: list[str], values: list[float], name: str, lang: str, **style: object) -> go.Scatter:
    divisor = usd_divisor(lang)
    return go.Scatter(x=periods, y=[v / divisor for v in values], name=name, mode="lines+markers",
                      hovertemplate=f"{name}: %{{y:,.2f}} {t('usd_unit', lang)}<extra></extra>", **style)


def nowcast_figure(rows: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """Benchmarked months solid; the months after the last benchmarked one dashed, shaded and labelled estimate."""
    rows = rows.sort("period")
    benchmarked = rows.filter(pl.col("benchmarked"))
    last = benchmarked.get_column("period").max() if benchmarked.height else None
    estimate = rows.filter(pl.col("period") >= last) if last else rows  # joined to the last benchmarked month
    fig = go.Figure()
    if benchmarked.height:
        fig.add_trace(_line(benchmarked["period"].to_list(), benchmarked["nowcast_value_usd"].to_list(),
                            t("nowcast_benchmarked", lang), lang))
    after = estimate.filter(pl.col("period") != last) if last else estimate
    if after.height:
        fig.add_trace(_line(estimate["period"].to_list(), estimate["nowcast_value_usd"].to_list(),
                            t("nowcast_estimate", lang), lang, line={"dash": "dash", "color": ESTIMATE_COLOUR},
                            marker={"symbol": "circle-open", "color": ESTIMATE_COLOUR}))
        fig.add_vrect(x0=after["period"].min(), x1=after["period"].max(), fillcolor=ESTIMATE_COLOUR, opacity=0.07,
                      line_width=0, annotation_text=t("nowcast_estimate", lang), annotation_position="top left")
    return _figure(fig, title, lang)


def forecast_figure(history: pl.DataFrame, forecast: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """Recorded monthly imports, the median forecast and its 95 % and 80 % bands."""
    divisor = usd_divisor(lang)
    forecast = forecast.sort("period")
    periods = forecast["period"].to_list()
    fig = go.Figure()
    for low, high, colour, key in (("lo95_usd", "hi95_usd", BAND_95, "forecast_band95"),
                                   ("lo80_usd", "hi80_usd", BAND_80, "forecast_band80")):
        outline = forecast[high].to_list() + forecast[low].to_list()[::-1]  # along the top, back along the bottom
        fig.add_trace(go.Scatter(
            x=periods + periods[::-1], y=[v / divisor for v in outline], fill="toself", fillcolor=colour,
            line={"width": 0}, name=t(key, lang), hoverinfo="skip",
        ))
    history = history.sort("period")
    fig.add_trace(_line(history["period"].to_list(), history["market_imports_usd"].to_list(),
                        t("forecast_history", lang), lang, line={"color": "#1f77b4"}))
    fig.add_trace(_line(periods, forecast["forecast_usd"].to_list(), t("forecast_median", lang), lang,
                        line={"dash": "dash", "color": "#1f77b4"}, marker={"symbol": "circle-open"}))
    return _figure(fig, title, lang)


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
    st.plotly_chart(nowcast_figure(rows, view.lang, title), key="demand_nowcast", config=PLOT_CONFIG)
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
    st.plotly_chart(forecast_figure(history, forecast, view.lang, title), key="demand_forecast", config=PLOT_CONFIG)
    st.caption(forecast_text(row, view.lang))
    download(view, "group_forecast", group=view.group, market=market, key="demand_forecast")


def forecast_text(row: dict[str, object], lang: str) -> str:
    """Model, outlook and backtest verdict of one group_demand row, in ``lang``."""
    growth = row["expected_growth"]
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
