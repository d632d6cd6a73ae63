"""Charts for the pages: Plotly figures, and the tile map as inline SVG; hover values come with their units."""

from __future__ import annotations

import re
from html import escape

import plotly.graph_objects as go
import polars as pl

from tracker.countries import name as country_name
from tracker.ui.geo import TILES
from tracker.ui.i18n import fmt_pp, t, usd_divisor

HEIGHT = 360
MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


MONTH = re.compile(r"\d{4}-\d{2}")  # a monthly period, which Plotly reads as a date
# Month ticks in the page's language: Plotly's default ("Jan 2023") is English whatever the page.
MONTH_FORMAT = {"en": "%b %Y", "zh": "%Y年%-m月"}
PLOT_CONFIG = {"displaylogo": False}  # every st.plotly_chart: no Plotly logo in the toolbar


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title=title, height=height, margin=MARGIN, hovermode="closest",
                      legend={"orientation": "h", "y": -0.15})
    return fig


# Viridis (the scale the Plotly map used): dark blue-violet = low share, yellow = high share.
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b",
           "#fde725")
EMPTY_FILL, EMPTY_TEXT = "#eeeeee", "#8a8a8a"
TILE, GAP = 30, 3  # px in the SVG's own units; the SVG scales to the column width


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def sequential_colour(fraction: float, scale: tuple[str, ...] = VIRIDIS) -> str:
    """The colour at ``fraction`` (0–1, clipped) along ``scale``, linearly interpolated."""
    position = min(max(fraction, 0.0), 1.0) * (len(scale) - 1)
    low = min(int(position), len(scale) - 2)
    weight = position - low
    mixed = (round(a + (b - a) * weight) for a, b in zip(_rgb(scale[low]), _rgb(scale[low + 1]), strict=True))
    return "#{:02x}{:02x}{:02x}".format(*mixed)


def _text_colour(fill: str) -> str:
    red, green, blue = _rgb(fill)
    return "#111111" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "#ffffff"


def tile_map(frame: pl.DataFrame, value: str, lang: str, title: str, change: str | None = None,
             percent: bool = True) -> str:
    """An inline SVG tile map: one square per market on the hand-placed grid (tracker/ui/geo.py).

    Colour = ``value`` (a fraction shown in % when ``percent``) on the Viridis scale, with a legend; grid squares
    without data stay light grey. Each square has a ``<title>`` (the browser's hover text) with the country's
    name, the value with its unit and, from ``change``, the change in percentage points, in ``lang``. No script,
    no external request: the page draws it as plain markup (st.markdown), without loading a chart library.
    Markets with data that have no place on the grid are listed under the map.
    """
    unit = "%" if percent else ""
    values = {
        r["market"]: (None if r[value] is None else (100 * r[value] if percent else r[value]),
                      r[change] if change else None)
        for r in frame.iter_rows(named=True)
    }
    shown = [v for code, (v, _) in values.items() if code in TILES and v is not None]
    low, high = (min(shown), max(shown)) if shown else (0.0, 0.0)
    span = (high - low) or 1.0
    cols = 1 + max(col for _, col in TILES.values())
    rows = 1 + max(row for row, _ in TILES.values())
    step = TILE + GAP
    legend_y = rows * step + 14
    width, height = cols * step, legend_y + 34
    aria = t("map_aria", lang, title=title, low=f"{low:.2f}{unit}", high=f"{high:.2f}{unit}", count=len(shown))
    # Text attributes sit on the groups (inherited) and the legend is one gradient, so the markup stays short:
    # the page's Markdown renderer parses the whole SVG, and fewer nodes draw faster.
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(aria)}" style="max-width:{width * 1.4:.0f}px;display:block;font-family:sans-serif">'
        '<defs><linearGradient id="tile-map-scale">'
        + "".join(f'<stop offset="{i / (len(VIRIDIS) - 1):.3f}" stop-color="{c}"/>' for i, c in enumerate(VIRIDIS))
        + '</linearGradient></defs>'
    ]
    tiles, labels = [], []
    for code, (row, col) in TILES.items():
        share, delta = values.get(code, (None, None))
        name = f"{country_name(code, lang)} ({code})"
        if share is None:
            fill, ink = EMPTY_FILL, EMPTY_TEXT
            hover = f"{name}: {t('map_no_data', lang)}"
        else:
            fill = sequential_colour((share - low) / span)
            ink = _text_colour(fill)
            hover = (f"{name}\n{t('map_share', lang)}: {share:.2f}{unit}\n{t('map_change', lang)}: "
                     f"{fmt_pp(delta, lang)}")
        x, y = col * step, row * step
        tiles.append(f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="3" fill="{fill}">'
                     f'<title>{escape(hover)}</title></rect>')
        labels.append(f'<text x="{x + TILE / 2:g}" y="{y + TILE / 2 + 3:g}" fill="{ink}">{code}</text>')
    parts.append("<g>" + "".join(tiles) + "</g>")
    parts.append('<g font-size="9" text-anchor="middle" pointer-events="none">' + "".join(labels) + "</g>")
    # Legend: the colour bar from the lowest to the highest share, labelled at both ends and the middle.
    bar_x, bar_w = width - 260, 240
    parts.append(f'<g font-size="10" fill="#555555"><text x="{bar_x}" y="{legend_y - 3}">'
                 f'{escape(t("map_share", lang))} ({unit or "–"})</text>'
                 f'<rect x="{bar_x}" y="{legend_y}" width="{bar_w}" height="10" fill="url(#tile-map-scale)"/>')
    for fraction, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        parts.append(f'<text x="{bar_x + fraction * bar_w:g}" y="{legend_y + 22}" text-anchor="{anchor}">'
                     f'{low + fraction * (high - low):.2f}{unit}</text>')
    parts.append(f'<rect x="{bar_x - 70}" y="{legend_y}" width="10" height="10" fill="{EMPTY_FILL}"/>'
                 f'<text x="{bar_x - 56}" y="{legend_y + 9}">{escape(t("map_no_data", lang))}</text></g>')
    parts.append("</svg>")
    svg = "".join(parts)
    off_grid = sorted(code for code in values if code not in TILES)
    heading = f'<div class="tile-map"><p style="font-weight:600;margin:0 0 0.4rem">{escape(title)}</p>\n{svg}'
    if off_grid:
        note = t("map_off_grid", lang, markets=", ".join(off_grid))
        heading += f'\n<p style="font-size:0.8rem;margin:0.3rem 0 0">{escape(note)}</p>'
    return heading + "\n</div>"


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
    if x in frame.columns and frame.height and all(MONTH.fullmatch(str(v)) for v in frame[x].unique().to_list()):
        fig.update_xaxes(type="date", tickformat=MONTH_FORMAT[lang], hoverformat=MONTH_FORMAT[lang])
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
