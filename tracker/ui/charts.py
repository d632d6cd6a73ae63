"""Plotly figures for the pages: they draw frames the loaders return, with hover values and units."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from tracker.countries import name as country_name
from tracker.ui.geo import TILES
from tracker.ui.i18n import t, usd_divisor

HEIGHT = 360
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=MARGIN, hovermode="closest",
                      legend={"orientation": "h", "y": -0.15})
    return fig


def tile_map(frame: pl.DataFrame, value: str, lang: str, title: str, colour_label: str,
             percent: bool = True) -> go.Figure:
    """Squares on a hand-placed grid, coloured by ``value`` (a fraction shown in %), one per market."""
    rows = [r for r in frame.iter_rows(named=True) if r["market"] in TILES]
    xs = [TILES[r["market"]][1] for r in rows]
    ys = [-TILES[r["market"]][0] for r in rows]
    values = [(100 * r[value] if percent else r[value]) if r[value] is not None else None for r in rows]
    names = [country_name(r["market"], lang) for r in rows]
    unit = "%" if percent else ""
    hover = [
        f"<b>{n}</b> ({r['market']})<br>{colour_label}: " + ("–" if v is None else f"{v:.2f}{unit}")
        for n, r, v in zip(names, rows, values, strict=True)
    ]
    fig = go.Figure()
    # The whole grid in light grey, so the shape of the world stays visible where there is no data.
    empty = [code for code in TILES if code not in {r["market"] for r in rows}]
    fig.add_trace(go.Scatter(
        x=[TILES[c][1] for c in empty], y=[-TILES[c][0] for c in empty], mode="markers+text", text=empty,
        marker={"symbol": "square", "size": 30, "color": "#eeeeee"}, textfont={"size": 8, "color": "#999999"},
        hovertext=[f"{country_name(c, lang)}: –" for c in empty], hoverinfo="text", showlegend=False,
    ))
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=[r["market"] for r in rows], hovertext=hover, hoverinfo="text",
        marker={"symbol": "square", "size": 30, "color": values, "colorscale": "Viridis", "showscale": True,
                "colorbar": {"title": {"text": f"{unit}"}, "thickness": 12}},
        textfont={"size": 9, "color": "white"}, showlegend=False,
    ))
    fig.update_xaxes(visible=False, range=[-0.7, 21.7])
    fig.update_yaxes(visible=False, range=[-12.7, 0.7], scaleanchor="x")
    fig.update_layout(plot_bgcolor="rgba(0,0,0,0)")
    return _layout(fig, title, height=420)


def lines(frame: pl.DataFrame, x: str, y: str, series: str, lang: str, title: str, y_label: str,
          kind: str = "usd", names: dict[str, str] | None = None) -> go.Figure:
    """One line per ``series`` value; ``kind`` = usd (scaled to the language's unit), pct (fraction), raw."""
    fig = go.Figure()
    divisor = usd_divisor(lang)
    for key in sorted(frame[series].unique().to_list()) if series in frame.columns else []:
        part = frame.filter(pl.col(series) == key).sort(x)
        values = part[y]
        if kind == "usd":
            values = values / divisor
        elif kind == "pct":
            values = values * 100
        label = (names or {}).get(key, country_name(key, lang) if len(str(key)) == 3 else str(key))
        fig.add_trace(go.Scatter(
            x=part[x].to_list(), y=values.to_list(), mode="lines+markers", name=label,
            hovertemplate=f"{label}<br>%{{x}}: %{{y:,.2f}} {y_label}<extra></extra>",
        ))
    fig.update_yaxes(title=y_label)
    return _layout(fig, title)


def bars(categories: list[str], values: list[float | None], lang: str, title: str, y_label: str,
         horizontal: bool = False, colours: list[str] | None = None) -> go.Figure:
    """A single bar series with hover values in ``y_label`` units."""
    kwargs = {"y": categories, "x": values, "orientation": "h"} if horizontal else {"x": categories, "y": values}
    fig = go.Figure(go.Bar(
        **kwargs, marker_color=colours,
        hovertemplate=("%{y}: %{x:,.2f} " if horizontal else "%{x}: %{y:,.2f} ") + y_label + "<extra></extra>",
    ))
    if horizontal:
        fig.update_xaxes(title=y_label)
        fig.update_yaxes(autorange="reversed")
    else:
        fig.update_yaxes(title=y_label)
    return _layout(fig, title, height=max(HEIGHT, 24 * len(categories)) if horizontal else HEIGHT)


def grouped_bars(frame: pl.DataFrame, category: str, series: str, value: str, lang: str, title: str,
                 y_label: str, scale: float = 1.0) -> go.Figure:
    """Bars of ``value`` per ``category``, one colour per ``series`` (e.g. shares by market and exporter)."""
    fig = go.Figure()
    for key in frame[series].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col(series) == key)
        label = country_name(key, lang) if len(str(key)) == 3 else str(key)
        fig.add_trace(go.Bar(
            x=[country_name(c, lang) for c in part[category].to_list()], y=(part[value] * scale).to_list(),
            name=label, hovertemplate=f"{label}<br>%{{x}}: %{{y:,.2f}} {y_label}<extra></extra>",
        ))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=y_label)
    return _layout(fig, title)


def scatter_positioning(frame: pl.DataFrame, x: str, y: str, label: str, lang: str, title: str,
                        x_label: str, y_label: str, highlight: str | None = None) -> go.Figure:
    """Exporters placed by two measures (e.g. unit value against market share)."""
    codes = frame[label].to_list()
    fig = go.Figure(go.Scatter(
        x=frame[x].to_list(), y=frame[y].to_list(), mode="markers+text", text=codes, textposition="top center",
        marker={"size": 14, "color": ["#d62728" if c == highlight else "#1f77b4" for c in codes]},
        hovertext=[country_name(c, lang) for c in codes],
        hovertemplate=f"%{{hovertext}}<br>{x_label}: %{{x:,.2f}}<br>{y_label}: %{{y:,.2f}}<extra></extra>",
    ))
    fig.update_xaxes(title=x_label)
    fig.update_yaxes(title=y_label)
    return _layout(fig, title)


def waterfall(labels: list[str], values: list[float], lang: str, title: str) -> go.Figure:
    """A CMS decomposition: effects that add up to the total change (in the language's USD unit)."""
    divisor = usd_divisor(lang)
    unit = t("usd_unit", lang)
    scaled = [v / divisor for v in values]
    fig = go.Figure(go.Waterfall(
        x=[*labels[:-1], labels[-1]], y=[*scaled[:-1], scaled[-1]],
        measure=["relative"] * (len(labels) - 1) + ["total"],
        hovertemplate=f"%{{x}}: %{{y:,.2f}} {unit}<extra></extra>",
    ))
    fig.update_yaxes(title=unit)
    return _layout(fig, title)
